"""Fleets: which machines to run under a site power cap, and which replacement mix a budget buys.

Dispatch rule: run models in descending order of break-even (shutdown) power price — the most efficient first —
until the cap [MW, wall power x PUE] is full; a model whose break-even is below the power price stays off anyway.
The cost of the cap is the daily operating margin lost versus running every profitable unit.

>>> from minecore.economics import MachineSpec, OperatingCosts
>>> a = MachineSpec("A", 200, 3500, 3000); b = MachineSpec("B", 100, 3000, 500)
>>> plan = dispatch_under_cap([(a, 100), (b, 100)], site_cap_mw=0.5, site=OperatingCosts(pue=1.0))
>>> [(r["model"], r["units_on"]) for r in plan.rows]     # A first (higher break-even), 0.35 MW, then 50 B
[('A', 100), ('B', 50)]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

from ..validate import count, non_negative, positive
from .daily import break_even_power_price_usd_per_kwh, unit_daily
from .site import OperatingCosts
from .spec import MachineSpec, resolve_spec
from .network import NetworkProjection
from .tariffs import TariffTable


@dataclass(frozen=True)
class DispatchPlan:
    """rows: per fleet entry, best break-even first (label, model, units, units_on, profitable,
    break_even_power_price_usd_per_kwh, power_mw_on, margin_usd_per_day_per_unit, margin_usd_per_day);
    site_cap_mw: the cap [MW] (None = uncapped); cost_of_cap_usd_per_day: margin lost to the cap [USD/day]."""

    site_cap_mw: float | None
    rows: tuple[dict[str, Any], ...]
    margin_usd_per_day: float
    uncapped_margin_usd_per_day: float
    power_mw_on: float
    uncapped_power_mw: float = 0.0  #: facility power of every profitable unit [MW]

    @property
    def cost_of_cap_usd_per_day(self) -> float:
        return self.uncapped_margin_usd_per_day - self.margin_usd_per_day

    def to_dataframe(self):
        import pandas as pd

        return pd.DataFrame(list(self.rows))


def dispatch_under_cap(fleet: Sequence[tuple[Any, ...]], site_cap_mw: float | None,
                       site: OperatingCosts | None = None, projection: NetworkProjection | None = None) -> DispatchPlan:
    """Choose units to run under ``site_cap_mw`` [MW of facility power = wall W x PUE], on today's hashprice.

    ``fleet``: ``(machine, units)`` or ``(machine, units, label)`` entries (machine: spec, catalog model or name;
    the label, default the model name, tells apart entries of the same model). ``site_cap_mw=None``: no cap
    (every profitable unit runs; the cost of the cap is 0).
    """
    site = site or OperatingCosts()
    projection = projection or NetworkProjection()
    cap_w = math.inf if site_cap_mw is None else positive("site_cap_mw", site_cap_mw) * 1e6
    entries = []
    for entry in fleet:
        machine, units = entry[0], entry[1]
        spec = resolve_spec(machine)
        label = str(entry[2]) if len(entry) > 2 else spec.name
        n = count(f"{label} units", units, minimum=0)
        d = unit_daily(spec, site, projection, 1)
        be = break_even_power_price_usd_per_kwh(spec, site, float(d.hashprice_usd_per_th_day[0]))
        entries.append((spec, n, be, float(d.margin_usd[0]), label))
    entries.sort(key=lambda e: -e[2])
    left = cap_w
    rows, total, uncapped, mw, mw_all = [], 0.0, 0.0, 0.0, 0.0
    for spec, n, be, margin, label in entries:
        profitable = be > site.power_price_usd_per_kwh
        per_unit_w = spec.power_w * site.pue
        on = (n if math.isinf(left) else min(n, int(left // per_unit_w))) if profitable else 0
        left -= on * per_unit_w
        total += on * margin
        uncapped += n * margin if profitable else 0.0
        mw += on * per_unit_w / 1e6
        mw_all += n * per_unit_w / 1e6 if profitable else 0.0
        rows.append({"label": label, "model": spec.name, "units": n, "units_on": on, "profitable": profitable,
                     "break_even_power_price_usd_per_kwh": be,
                     "power_mw_on": on * per_unit_w / 1e6, "margin_usd_per_day_per_unit": margin,
                     "margin_usd_per_day": on * margin})
    return DispatchPlan(site_cap_mw, tuple(rows), total, uncapped, mw, mw_all)


@dataclass(frozen=True)
class PurchasePlan:
    """rows: per model (model, units, capex_usd, npv_usd); totals; leftover budget."""

    budget_usd: float
    rows: tuple[dict[str, Any], ...]
    capex_usd: float
    npv_usd: float
    power_mw: float

    @property
    def leftover_usd(self) -> float:
        return self.budget_usd - self.capex_usd

    def to_dataframe(self):
        import pandas as pd

        return pd.DataFrame(list(self.rows))


def replacement_mix(candidates: Sequence[MachineSpec | Any], budget_usd: float, *, site: OperatingCosts | None = None,
                    projection: NetworkProjection | None = None, site_cap_mw: float | None = None,
                    horizon_days: int = 1095, discount_rate_per_year: float = 0.10,
                    tariffs: TariffTable | None | str = "default", max_units: Sequence[int | None] | None = None,
                    lead_time_days: int = 30) -> PurchasePlan:
    """Greedy mix: buy units with the best NPV per capex dollar first, within ``budget_usd`` (and ``site_cap_mw``).

    Only units with positive NPV are bought. Unit NPVs come from :func:`~minecore.economics.machine.simulate_machine`.
    """
    from .machine import simulate_machine

    budget = non_negative("budget_usd", budget_usd)
    site = site or OperatingCosts()
    projection = projection or NetworkProjection()
    cap_w = math.inf if site_cap_mw is None else positive("site_cap_mw", site_cap_mw) * 1e6
    scored = []
    for i, c in enumerate(candidates):
        spec = resolve_spec(c)
        cf = simulate_machine(spec, site, projection, horizon_days=horizon_days,
                              discount_rate_per_year=discount_rate_per_year, tariffs=tariffs, start_day=lead_time_days)
        limit = None if max_units is None else max_units[i]
        scored.append((cf.npv_usd / cf.capex_usd if cf.capex_usd > 0 else math.inf, spec, cf, limit))
    scored.sort(key=lambda s: -s[0])
    left, w_left = budget, cap_w
    rows, capex, value, mw = [], 0.0, 0.0, 0.0
    for ratio, spec, cf, limit in scored:
        unit_capex = cf.capex.total_usd
        if cf.npv_usd <= 0:
            n = 0
        else:
            n = int(left // unit_capex) if unit_capex > 0 else (limit or 0)
            if math.isfinite(w_left):
                n = min(n, int(w_left // (spec.power_w * site.pue)))
            if limit is not None:
                n = min(n, limit)
        left -= n * unit_capex
        w_left -= n * spec.power_w * site.pue
        capex += n * unit_capex
        value += n * cf.npv_usd
        mw += n * spec.power_w / 1e6
        rows.append({"model": spec.name, "origin_country": spec.origin_country, "units": n,
                     "unit_capex_usd": unit_capex, "tariff_rate": cf.capex.tariff_rate, "capex_usd": n * unit_capex,
                     "npv_per_unit_usd": cf.npv_usd, "npv_usd": n * cf.npv_usd, "npv_per_capex_usd": ratio})
    return PurchasePlan(budget, tuple(rows), capex, value, mw)
