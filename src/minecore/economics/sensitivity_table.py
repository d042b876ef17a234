"""One-at-a-time sensitivity of the decision: how the winner and its margin move with each input."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Sequence

from .decision import compare
from .inputs import Scenario


@dataclass(frozen=True)
class SensitivityRow:
    parameter: str  #: power_price_usd_per_kwh | btc_price_usd | difficulty_growth_per_month | hold_scale
    value: float
    winner: str
    winner_npv_usd: float
    margin_usd: float
    npv_usd: dict[str, float]


@dataclass(frozen=True)
class SensitivityTable:
    """How the winner and its margin move with one input at a time (the others at base)."""

    base_winner: str
    base_npv_usd: float
    rows: tuple[SensitivityRow, ...]

    def to_dataframe(self):
        import pandas as pd

        recs = []
        for r in self.rows:
            rec = {"parameter": r.parameter, "value": r.value, "winner": r.winner, "winner_npv_usd": r.winner_npv_usd,
                   "margin_usd": r.margin_usd}
            rec.update({f"npv_usd[{k}]": v for k, v in r.npv_usd.items()})
            recs.append(rec)
        return pd.DataFrame(recs)

    def tornado(self) -> list[dict[str, Any]]:
        """Per parameter: lowest and highest NPV of the base winner over the tested values, widest swing first."""
        out = []
        for name in dict.fromkeys(r.parameter for r in self.rows):
            rows = [r for r in self.rows if r.parameter == name]
            vals = [(r.npv_usd.get(self.base_winner, math.nan), r.value) for r in rows]
            lo, hi = min(vals), max(vals)
            out.append({"parameter": name, "npv_low_usd": lo[0], "value_at_low": lo[1], "npv_high_usd": hi[0],
                        "value_at_high": hi[1], "swing_usd": hi[0] - lo[0], "base_npv_usd": self.base_npv_usd})
        return sorted(out, key=lambda d: -d["swing_usd"])


def sensitivity(sc: Scenario, *, power_prices_usd_per_kwh: Sequence[float] | None = None,
                btc_prices_usd: Sequence[float] | None = None,
                difficulty_growths_per_month: Sequence[float] | None = None,
                hold_scales: Sequence[float] | None = None) -> SensitivityTable:
    """One-at-a-time sensitivity: :func:`compare` again with one input moved, the others at base.

    Each input defaults to its low, base and high value from ``sc.sensitivity``
    (:class:`~minecore.economics.inputs.SensitivityRanges`); pass a list to test other values. BTC prices are
    absolute [USD/BTC] here; the ranges give them as a change from the analysis-date price.
    """
    base = compare(sc)
    rng = sc.sensitivity
    c0 = sc.site.power_price_usd_per_kwh
    p0 = float(sc.projection.btc_price_usd(1)[0])
    g0 = sc.projection.difficulty_growth_per_month

    def three(lo_hi: tuple[float, float], mid: float) -> list[float]:
        return [lo_hi[0], mid, lo_hi[1]]

    grid = {
        "power_price_usd_per_kwh": power_prices_usd_per_kwh or three(rng.power_price_usd_per_kwh, c0),
        "btc_price_usd": btc_prices_usd or [p0 * (1.0 + c) for c in three(rng.btc_price_change, 0.0)],
        "difficulty_growth_per_month": difficulty_growths_per_month or three(rng.difficulty_growth_per_month, g0),
        "hold_scale": hold_scales or three(rng.hold_scale, 1.0),
    }
    rows = []
    for name, values in grid.items():
        for v in values:
            if name == "power_price_usd_per_kwh":
                s2 = sc.replace(site=sc.site.replace(power_price_usd_per_kwh=v, power_price_path_usd_per_kwh=None))
            elif name == "btc_price_usd":  # scale the whole price path so day 0 lands on v
                snap = sc.projection.snapshot
                proj = sc.projection.replace(snapshot=snap.with_overrides(btc_price_usd=snap.btc_price_usd * v / p0),
                                             btc_price_path_usd=None)
                s2 = sc.replace(projection=proj)
            elif name == "difficulty_growth_per_month":
                s2 = sc.replace(projection=sc.projection.replace(difficulty_growth_per_month=v, difficulty_path=None))
            else:
                s2 = sc.replace(lots=(dataclasses.replace(sc.lot, release=sc.lot.release.scaled(v)),))
            r = compare(s2)
            rows.append(SensitivityRow(name, float(v), r.winner.label, r.winner.expected_npv_usd, r.margin_usd,
                                       {o.label: o.expected_npv_usd for o in r.outcomes}))
    return SensitivityTable(base.winner.label, base.winner.expected_npv_usd, tuple(rows))
