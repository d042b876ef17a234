"""Results of a seized-versus-replacement decision: the hold cost, each replacement option settled, each
strategy's expected outcome, and the decision with its winner. Plain records with ``summary()`` rows and
``to_dataframe()`` frames (pandas is imported only there)."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import functools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import InvalidInputError
from .capex import Capex
from .finance import irr
from .inputs import ReplacementOption, Scenario, Strategy
from .spec import MachineSpec


@dataclass(frozen=True)
class HoldCost:
    """Cost of the hold so far [USD], for the whole lot.

    lost_margin_at_analysis_date_usd : days held x the operating margin on the analysis date;
    difficulty_drift_usd : what the lower difficulty of the held days would have added (back-projected at the
    growth rate); holding_fees_usd; legal_costs_usd. ``lost_margin_usd`` = the first two (the margin the held
    days would actually have earned); ``total_usd`` = all four.
    """

    days_held: int
    units: int
    lost_margin_at_analysis_date_usd: float
    difficulty_drift_usd: float
    holding_fees_usd: float
    legal_costs_usd: float

    @property
    def lost_margin_usd(self) -> float:
        return self.lost_margin_at_analysis_date_usd + self.difficulty_drift_usd

    @property
    def total_usd(self) -> float:
        return self.lost_margin_usd + self.holding_fees_usd + self.legal_costs_usd

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["lost_margin_usd"] = self.lost_margin_usd
        d["total_usd"] = self.total_usd
        return d


@dataclass(frozen=True)
class ResolvedOption:
    """A replacement option with its unit count and landed capex settled.

    Per-unit cash flows: landed capex on day 0, the operating margin from ``lead_time_days`` to the horizon, and
    the salvage (resale) value at the horizon. ``roi`` = (margin + salvage - capex) / capex over the horizon,
    undiscounted (decimal; ``None`` when capex is 0). ``irr_per_year`` is the annual rate at which those flows
    have zero NPV (decimal, see :func:`~minecore.economics.finance.irr`); ``None`` when no such rate exists,
    e.g. no cash ever comes back (no positive margin and no salvage) or nothing is paid out. A finite IRR can be
    negative: the option returns some cash but less than it cost. ``payback_day`` None means "never" (cumulative
    cash without salvage stays below 0 within the horizon).
    """

    option: ReplacementOption
    units: int
    capex: Capex
    npv_per_unit_usd: float
    daily_margin_day0_usd_per_unit: float
    payback_day: int | None
    break_even_power_price_usd_per_kwh: float
    roi: float | None = None
    salvage_usd_per_unit: float = 0.0  #: net proceeds per unit sold at the horizon (valuation model)
    #: per-unit cash flows [USD]: landed capex (negative) on day 0, the margin of days 0..H-1, salvage on day H
    unit_cash_flows_usd: np.ndarray | None = field(default=None, repr=False, compare=False)

    @functools.cached_property
    def irr_per_year(self) -> float | None:
        """Annual IRR (decimal) of :attr:`unit_cash_flows_usd`; None where none exists (computed on first use)."""
        cf = self.unit_cash_flows_usd
        if cf is None:
            return None
        H = cf.size - 2
        return irr(cf, np.concatenate([[0.0], np.arange(H, dtype=float), [float(H)]]))

    @property
    def name(self) -> str:
        return self.option.name

    @property
    def capex_usd(self) -> float:
        return self.capex.total_usd * self.units

    def summary(self) -> dict[str, Any]:
        s = self.option.machine
        return {"option": self.name, "model": s.name, "origin_country": s.origin_country, "units": self.units,
                "hashrate_ths": s.hashrate_ths * self.units, "power_mw": s.power_w * self.units / 1e6,
                "efficiency_j_per_th": s.efficiency_j_per_th, "unit_price_usd": self.capex.unit_price_usd,
                "tariff_rate": self.capex.tariff_rate, "capex_usd": self.capex_usd,
                "lead_time_days": self.option.lead_time_days,
                "daily_margin_day0_usd": self.daily_margin_day0_usd_per_unit * self.units,
                "payback_day": self.payback_day, "npv_usd": self.npv_per_unit_usd * self.units,
                "roi": self.roi, "irr_per_year": self.irr_per_year,
                "break_even_power_price_usd_per_kwh": self.break_even_power_price_usd_per_kwh,
                "salvage_usd_per_unit": self.salvage_usd_per_unit, "unverified": list(s.unverified)}


@dataclass(frozen=True)
class StrategyOutcome:
    """Expected result of one strategy (optionally with one replacement option).

    expected_npv_usd : E[NPV] on day 0 [USD], after income tax when the scenario has a tax section;
    expected_cash_usd : E[cash] per day t = 0..H-1 [USD/day] (pre-tax), with
    capex on day 0; expected_salvage_usd : E[sale proceeds] at the horizon [USD]; payback_day : see
    :func:`~minecore.economics.finance.payback_day` (expected cumulative cash, without salvage).
    """

    strategy: Strategy
    option: str | None
    expected_npv_usd: float
    capex_usd: float
    replacement_units: int
    expected_cash_usd: np.ndarray
    expected_salvage_usd: float
    payback_day: int | None
    #: E[NPV] before income tax [USD]; equal to ``expected_npv_usd`` when the scenario has no tax section
    expected_npv_pre_tax_usd: float | None = None

    @property
    def label(self) -> str:
        return self.strategy.value if self.option is None else f"{self.strategy.value}:{self.option}"

    @property
    def cumulative_cash_usd(self) -> np.ndarray:
        return np.cumsum(self.expected_cash_usd)

    def summary(self) -> dict[str, Any]:
        return {"strategy": self.strategy.value, "option": self.option, "label": self.label,
                "expected_npv_usd": self.expected_npv_usd, "expected_npv_pre_tax_usd": self.expected_npv_pre_tax_usd,
                "capex_usd": self.capex_usd,
                "replacement_units": self.replacement_units, "expected_salvage_usd": self.expected_salvage_usd,
                "expected_total_cash_usd": float(self.expected_cash_usd.sum() + self.expected_salvage_usd),
                "payback_day": self.payback_day}


@dataclass(frozen=True)
class DecisionResult:
    """Output of :func:`compare`: the hold cost, every strategy's expected NPV, the winner and its margin."""

    scenario: Scenario
    snapshot_label: str
    analysis_date: _dt.date
    days_held: int
    hold_cost: HoldCost
    options: tuple[ResolvedOption, ...]
    outcomes: tuple[StrategyOutcome, ...]  #: sorted best first
    expected_release_day: float  #: E[days until release | released within the horizon]
    release_within_horizon_probability: float
    forfeiture_probability: float
    seized_daily_margin_day0_usd: float  #: whole lot, if it were hashing today
    #: shutdown power price of the seized model at today's hashprice [USD/kWh] (see
    #: :func:`~minecore.economics.machine.break_even_power_price_usd_per_kwh`)
    seized_break_even_power_price_usd_per_kwh: float = math.nan
    #: net proceeds per seized unit sold in the US on the expected release day, and at the horizon [USD]
    seized_resale_usd_per_unit: float = math.nan
    seized_salvage_usd_per_unit: float = math.nan
    #: how those values were found (a quote, or the valuation model with its assumptions)
    resale_basis: str = ""

    @property
    def winner(self) -> StrategyOutcome:
        return self.outcomes[0]

    @property
    def runner_up(self) -> StrategyOutcome | None:
        return self.outcomes[1] if len(self.outcomes) > 1 else None

    @property
    def margin_usd(self) -> float:
        """Winner's expected NPV minus the runner-up's [USD] (0 with one strategy)."""
        return self.winner.expected_npv_usd - self.runner_up.expected_npv_usd if self.runner_up else 0.0

    def outcome(self, strategy: Strategy | str, option: str | None = None) -> StrategyOutcome:
        strategy = Strategy(strategy)
        for o in self.outcomes:
            if o.strategy is strategy and (option is None or o.option == option):
                return o
        raise InvalidInputError(f"no outcome for {strategy.value}{'' if option is None else ':' + option}")

    def machines_after(self, outcome: StrategyOutcome | None = None) -> tuple[tuple[MachineSpec, int, str], ...]:
        """Machines that run at the site once the lot is released and replacements delivered, under ``outcome``
        (default: the winner), as ``(spec, units, label)`` for
        :func:`~minecore.economics.fleet.dispatch_under_cap`.

        Redeploying strategies keep the seized units (``partial_replace`` keeps ``round((1 - f) x units)``);
        replacing strategies add the replacement units; selling and abandoning keep none.
        """
        o = outcome or self.winner
        lot = self.scenario.lot
        out: list[tuple[MachineSpec, int, str]] = []
        if o.option is not None and o.replacement_units > 0:
            ro = next(r for r in self.options if r.name == o.option)
            out.append((ro.option.machine, o.replacement_units, f"replacement {ro.name}"))
        seized = {Strategy.WAIT_AND_REDEPLOY: lot.units, Strategy.REPLACE_AND_REDEPLOY: lot.units,
                  Strategy.PARTIAL_REPLACE: int(round((1.0 - self.scenario.partial_fraction) * lot.units))}
        n = seized.get(o.strategy, 0)
        if n > 0:
            out.append((lot.machine, n, f"seized {lot.machine.name}"))
        return tuple(out)

    def to_dataframe(self):
        """One row per strategy, best first."""
        import pandas as pd

        return pd.DataFrame([o.summary() for o in self.outcomes])

    def options_dataframe(self):
        import pandas as pd

        return pd.DataFrame([o.summary() for o in self.options])

    def cashflow_dataframe(self):
        """Long frame: day, date, strategy label, expected cash and cumulative cash [USD]."""
        import pandas as pd

        frames = []
        n = self.scenario.horizon_days
        dates = [self.analysis_date + _dt.timedelta(days=i) for i in range(n)]
        for o in self.outcomes:
            frames.append(pd.DataFrame({"day": np.arange(n), "date": dates, "strategy": o.label,
                                        "expected_cash_usd": o.expected_cash_usd,
                                        "cumulative_cash_usd": o.cumulative_cash_usd}))
        return pd.concat(frames, ignore_index=True)

    def summary(self) -> dict[str, Any]:
        return {"snapshot": self.snapshot_label, "analysis_date": self.analysis_date.isoformat(), "days_held": self.days_held,
                "horizon_days": self.scenario.horizon_days,
                "discount_rate_per_year": self.scenario.discount_rate_per_year,
                "hold_cost": self.hold_cost.to_dict(), "winner": self.winner.label, "margin_usd": self.margin_usd,
                "expected_release_day": self.expected_release_day,
                "release_within_horizon_probability": self.release_within_horizon_probability,
                "forfeiture_probability": self.forfeiture_probability,
                "seized_daily_margin_day0_usd": self.seized_daily_margin_day0_usd,
                "seized_break_even_power_price_usd_per_kwh": self.seized_break_even_power_price_usd_per_kwh,
                "options": [o.summary() for o in self.options], "strategies": [o.summary() for o in self.outcomes]}
