"""Seized lots versus replacements: the cost of a customs hold and the expected NPV of each strategy.

Timeline: day 0 is the analysis date (``as_of``, default the snapshot date). A lot held ``days_held`` days is
released on a random future day ``w`` drawn from :class:`ReleaseModel` (conditional on still being held), or is
forfeited with probability ``forfeiture_probability`` (decided at the same time). While held it costs
``holding_fee_usd_per_unit_day``. Released units hash from ``w + redeploy_delay_days``. Values are NPVs on day 0
[USD], cash in positive; sunk costs (the seized units' purchase, fees and legal costs so far) are excluded from the
strategies and reported in :class:`HoldCost`.

Worked example (hand-checkable, no growth, no discounting, no fees): 10 units of 100 TH/s, 1 kW, margin
$2.00/unit/day, released for sure in 10 days, redeployed at once, 100-day horizon, no salvage; waiting is worth
10 units x 90 days x $2 = $1,800::

    >>> from minecore.economics.network import NetworkSnapshot, NetworkProjection
    >>> snap = NetworkSnapshot(date="2025-11-25", difficulty=152e12, btc_price_usd=91_000, fees_btc_per_block=0.03)
    >>> proj = NetworkProjection(snap, difficulty_growth_per_month=0.0)
    >>> m = MachineSpec("M", hashrate_ths=100, power_w=1000, price_usd=1000)
    >>> hp = proj.hashprice_usd_per_th_day(1)[0]
    >>> site = OperatingCosts(power_price_usd_per_kwh=(100 * hp - 2.0) / 24, pue=1.0, pool_fee=0.0, uptime=1.0)
    >>> lot = SeizedLot(m, units=10, days_held=90, holding_fee_usd_per_unit_day=0.0,
    ...                 release=ReleaseModel.fixed(100), redeploy_delay_days=0, resale=SalvageModel(start_fraction=0))
    >>> res = compare_strategies(lot, [], site=site, projection=proj, horizon_days=100, discount_rate_per_year=0.0)
    >>> round(res.outcome(Strategy.WAIT_AND_REDEPLOY).expected_npv_usd, 6)
    1800.0
    >>> round(res.hold_cost.lost_margin_usd, 6)          # 90 days x 10 units x $2
    1800.0
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
import functools
import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np

from ..errors import InvalidInputError, ScenarioError
from ._validate import as_date, count, finite, fraction, non_negative, positive
from .machine import (Capex, MachineSpec, OperatingCosts, SalvageModel, discount_factors, landed_capex, resolve_spec,
                      unit_daily)
from .network import NetworkProjection
from .tariffs import TariffTable


class Strategy(str, enum.Enum):
    """What to do with a seized lot (values are stable JSON keys)."""

    WAIT_AND_REDEPLOY = "wait_and_redeploy"  #: keep paying the hold, run the units once released
    SELL_ON_RELEASE = "sell_on_release"  #: keep paying the hold, sell the units once released
    REPLACE_NOW = "replace_now"  #: abandon the lot today (fees stop) and buy a replacement
    REPLACE_AND_SELL_ON_RELEASE = "replace_and_sell_on_release"  #: buy now, sell the seized units on release
    REPLACE_AND_REDEPLOY = "replace_and_redeploy"  #: buy now and also run the seized units (needs site power)
    PARTIAL_REPLACE = "partial_replace"  #: replace a fraction now, redeploy the rest on release, sell the surplus
    ABANDON = "abandon"  #: walk away: no further cash in or out

    @property
    def uses_replacement(self) -> bool:
        return self in (Strategy.REPLACE_NOW, Strategy.REPLACE_AND_SELL_ON_RELEASE, Strategy.REPLACE_AND_REDEPLOY,
                        Strategy.PARTIAL_REPLACE)


class ReleaseKind(str, enum.Enum):
    LOGNORMAL = "lognormal"
    FIXED = "fixed"


def _norm_sf(z: np.ndarray) -> np.ndarray:
    from math import erfc, sqrt

    return np.array([0.5 * erfc(v / sqrt(2.0)) for v in np.ravel(z)]).reshape(np.shape(z))


@dataclass(frozen=True)
class ReleaseModel:
    """Total hold length ``T`` [days from hold start] and an optional chance of forfeiture.

    The default is log-normal with median 120 days and log-sd 0.54, fitted to the reported holds: about 10 % are
    released within 2 months (60 days) and about 23 % are held beyond 6 months (180 days) (DOMAIN.md /
    research/seizure_context.md: holds of ~2 to >6 months, partial releases from March 2025).
    ``ReleaseModel.fixed(T)`` releases at exactly ``T`` days after the hold began.

    >>> r = ReleaseModel()
    >>> round(float(r.cdf_total(60)), 3), round(1 - float(r.cdf_total(180)), 3)
    (0.1, 0.226)
    """

    kind: ReleaseKind = ReleaseKind.LOGNORMAL
    median_hold_days: float = 120.0
    sigma_log: float = 0.54
    fixed_hold_days: float | None = None
    forfeiture_probability: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", ReleaseKind(self.kind))
        positive("median_hold_days", self.median_hold_days)
        positive("sigma_log", self.sigma_log)
        fraction("forfeiture_probability", self.forfeiture_probability)
        if self.kind is ReleaseKind.FIXED:
            if self.fixed_hold_days is None:
                raise InvalidInputError("fixed release model needs fixed_hold_days")
            non_negative("fixed_hold_days", self.fixed_hold_days)

    @classmethod
    def fixed(cls, total_hold_days: float, forfeiture_probability: float = 0.0) -> "ReleaseModel":
        return cls(ReleaseKind.FIXED, fixed_hold_days=float(total_hold_days), forfeiture_probability=forfeiture_probability)

    def cdf_total(self, t_days: float | np.ndarray) -> np.ndarray:
        """P(T <= t) for the total hold length, ignoring forfeiture."""
        t = np.asarray(t_days, dtype=float)
        if self.kind is ReleaseKind.FIXED:
            return (t >= self.fixed_hold_days).astype(float)
        with np.errstate(divide="ignore"):
            z = (np.log(np.maximum(t, 1e-300)) - math.log(self.median_hold_days)) / self.sigma_log
        return np.where(t <= 0, 0.0, 1.0 - _norm_sf(-z) if False else 1.0 - _norm_sf(z))

    def scaled(self, factor: float) -> "ReleaseModel":
        """Same shape, every hold length multiplied by ``factor`` (for hold-length sensitivity)."""
        positive("hold scale factor", factor)
        if self.kind is ReleaseKind.FIXED:
            return dataclasses.replace(self, fixed_hold_days=self.fixed_hold_days * factor)
        return dataclasses.replace(self, median_hold_days=self.median_hold_days * factor)

    def remaining_pmf(self, days_held: int, horizon_days: int) -> tuple[np.ndarray, float]:
        """P(resolution on day w | still held after ``days_held`` days) for w = 0..horizon-1, and P(after horizon).

        Resolution means release or (with ``forfeiture_probability``) forfeiture; multiply by
        ``1 - forfeiture_probability`` for release.
        """
        if self.kind is ReleaseKind.FIXED:
            w = max(int(math.ceil(self.fixed_hold_days - days_held)), 0)
            pmf = np.zeros(horizon_days)
            if w < horizon_days:
                pmf[w] = 1.0
                return pmf, 0.0
            return pmf, 1.0
        edges = days_held + np.arange(horizon_days + 1, dtype=float)
        sf = 1.0 - self.cdf_total(edges)
        s0 = float(1.0 - self.cdf_total(days_held))
        if s0 <= 1e-15:  # already past every plausible release: treat as released today
            pmf = np.zeros(horizon_days)
            pmf[0] = 1.0
            return pmf, 0.0
        pmf = (sf[:-1] - sf[1:]) / s0
        return np.maximum(pmf, 0.0), float(sf[-1] / s0)


@dataclass(frozen=True)
class SeizedLot:
    """Units held by customs.

    machine : spec, catalog model or name; units : count; hold_start / days_held : one of them (both: must agree
    with ``as_of``); holding_fee_usd_per_unit_day : storage/holding fee [USD/unit/day] (default $14, derived from
    one importer's >$200,000 for 200 units over ~70 days, coinrockmedia.com, research/seizure_context.md);
    legal_costs_usd : spent so far (sunk, counted in the hold cost); legal_costs_future_usd : still to pay to pursue
    release (strategies that keep the lot); release : :class:`ReleaseModel`; redeploy_delay_days : release to
    hashing [days]; release_costs_usd_per_unit : duty/brokerage/trucking due on release [USD/unit];
    resale : resale value of a seized unit over its age; age_days_at_hold_start : unit age when the hold began;
    selling_cost_fraction : broker/marketplace cut on a sale (decimal).
    """

    machine: MachineSpec | Any
    units: int
    days_held: int | None = None
    hold_start: _dt.date | str | None = None
    holding_fee_usd_per_unit_day: float = 14.0
    legal_costs_usd: float = 0.0
    legal_costs_future_usd: float = 0.0
    release: ReleaseModel = field(default_factory=ReleaseModel)
    redeploy_delay_days: int = 7
    release_costs_usd_per_unit: float = 0.0
    resale: SalvageModel = field(default_factory=lambda: SalvageModel(start_fraction=0.9))
    age_days_at_hold_start: int = 0
    selling_cost_fraction: float = 0.05

    def __post_init__(self) -> None:
        object.__setattr__(self, "machine", resolve_spec(self.machine))
        count("seized units", self.units, minimum=1)
        if self.days_held is None and self.hold_start is None:
            raise InvalidInputError("a seized lot needs days_held or hold_start")
        if self.days_held is not None:
            object.__setattr__(self, "days_held", count("days_held", self.days_held, minimum=0))
        if self.hold_start is not None:
            object.__setattr__(self, "hold_start", as_date("hold_start", self.hold_start))
        non_negative("holding_fee_usd_per_unit_day", self.holding_fee_usd_per_unit_day)
        non_negative("legal_costs_usd", self.legal_costs_usd)
        non_negative("legal_costs_future_usd", self.legal_costs_future_usd)
        count("redeploy_delay_days", self.redeploy_delay_days, minimum=0)
        non_negative("release_costs_usd_per_unit", self.release_costs_usd_per_unit)
        count("age_days_at_hold_start", self.age_days_at_hold_start, minimum=0)
        fraction("selling_cost_fraction", self.selling_cost_fraction)
        if self.machine.price_usd is None:
            raise InvalidInputError(f"{self.machine.name}: seized lot needs a unit price (for resale value)")

    def held_days_on(self, as_of: _dt.date) -> int:
        """Days held on ``as_of``; raises when ``hold_start`` is after ``as_of`` or disagrees with ``days_held``."""
        if self.hold_start is None:
            return int(self.days_held)
        if self.hold_start > as_of:
            raise InvalidInputError(f"hold_start {self.hold_start} is after the analysis date {as_of}")
        d = (as_of - self.hold_start).days
        if self.days_held is not None and self.days_held != d:
            raise InvalidInputError(f"days_held={self.days_held} disagrees with hold_start {self.hold_start} "
                                    f"(= {d} days before {as_of})")
        return d


@dataclass(frozen=True)
class ReplacementOption:
    """A machine to buy now: ``units``, or ``budget_usd`` (units = floor(budget / landed unit cost)), or neither
    (enough units to match the seized lot's hashrate). ``price_usd`` overrides the catalog price; duty comes from
    the tariff table for ``machine.origin_country`` unless ``tariff_rate`` is given; delivered after
    ``lead_time_days`` [days]. ``origin_country`` (country of assembly) overrides the catalog's; a catalog model
    without one needs it (else :class:`~minecore.economics.machine.UnknownOriginError`)."""

    machine: MachineSpec | Any
    units: int | None = None
    budget_usd: float | None = None
    price_usd: float | None = None
    lead_time_days: int = 30
    freight_usd_per_unit: float = 0.0
    tariff_rate: float | None = None
    label: str | None = None
    salvage: SalvageModel = field(default_factory=SalvageModel)
    origin_country: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "machine", resolve_spec(self.machine, self.price_usd,
                                                         origin_country=self.origin_country))
        if self.units is not None:
            count("replacement units", self.units, minimum=1)
        if self.budget_usd is not None:
            positive("budget_usd", self.budget_usd)
        count("lead_time_days", self.lead_time_days, minimum=0)
        non_negative("freight_usd_per_unit", self.freight_usd_per_unit)
        if self.machine.price_usd is None:
            raise InvalidInputError(f"{self.machine.name}: replacement needs a unit price (price_usd)")

    @property
    def name(self) -> str:
        return self.label or self.machine.name


@dataclass(frozen=True)
class Scenario:
    """Everything a decision needs; :func:`compare`, :func:`sensitivity` and Monte Carlo all take one."""

    lot: SeizedLot
    options: tuple[ReplacementOption, ...] = ()
    site: OperatingCosts = field(default_factory=OperatingCosts)
    projection: NetworkProjection = field(default_factory=NetworkProjection)
    horizon_days: int = 1095
    discount_rate_per_year: float = 0.10
    tariffs: TariffTable | None | str = "default"
    as_of: _dt.date | str | None = None
    partial_fraction: float = 0.5
    strategies: tuple[Strategy, ...] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", tuple(self.options))
        count("horizon_days", self.horizon_days, minimum=2)
        finite("discount_rate_per_year", self.discount_rate_per_year, lo=-0.99)
        fraction("partial_fraction", self.partial_fraction)
        as_of = as_date("as_of", self.as_of) if self.as_of is not None else self.projection.snapshot.date
        if as_of < self.projection.snapshot.date:
            raise InvalidInputError(f"as_of {as_of} is before the snapshot date {self.projection.snapshot.date}")
        object.__setattr__(self, "as_of", as_of)
        self.lot.held_days_on(as_of)
        names = [o.name for o in self.options]
        if len(set(names)) != len(names):
            raise ScenarioError(f"replacement option names must be unique, got {names}")
        if self.strategies is not None:
            object.__setattr__(self, "strategies", tuple(Strategy(s) for s in self.strategies))

    def replace(self, **changes: Any) -> "Scenario":
        return dataclasses.replace(self, **changes)

    @property
    def days_held(self) -> int:
        return self.lot.held_days_on(self.as_of)


# ---------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class HoldCost:
    """Cost of the hold so far [USD], for the whole lot.

    lost_margin_at_snapshot_usd : days held x today's operating margin; difficulty_growth_usd : what the lower
    difficulty of the held days would have added (back-projected at the growth rate); holding_fees_usd;
    legal_costs_usd. ``lost_margin_usd`` = the first two; ``total_usd`` = all four.
    """

    days_held: int
    units: int
    lost_margin_at_snapshot_usd: float
    difficulty_growth_usd: float
    holding_fees_usd: float
    legal_costs_usd: float

    @property
    def lost_margin_usd(self) -> float:
        return self.lost_margin_at_snapshot_usd + self.difficulty_growth_usd

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
    have zero NPV (decimal, see :func:`~minecore.economics.machine.irr`); ``None`` when no such rate exists,
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
    #: per-unit cash flows [USD]: landed capex (negative) on day 0, the margin of days 0..H-1, salvage on day H
    unit_cash_flows_usd: np.ndarray | None = field(default=None, repr=False, compare=False)

    @functools.cached_property
    def irr_per_year(self) -> float | None:
        """Annual IRR (decimal) of :attr:`unit_cash_flows_usd`; None where none exists (computed on first use)."""
        from .machine import irr

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
                "unverified": list(s.unverified)}


@dataclass(frozen=True)
class StrategyOutcome:
    """Expected result of one strategy (optionally with one replacement option).

    expected_npv_usd : E[NPV] on day 0 [USD]; expected_cash_usd : E[cash] per day t = 0..H-1 [USD/day], with
    capex on day 0; expected_salvage_usd : E[salvage] at the horizon [USD]; payback_day : first day the expected
    cumulative cash (without salvage) is >= 0 after being negative (None = never; 0 = never negative).
    """

    strategy: Strategy
    option: str | None
    expected_npv_usd: float
    capex_usd: float
    replacement_units: int
    expected_cash_usd: np.ndarray
    expected_salvage_usd: float
    payback_day: int | None

    @property
    def label(self) -> str:
        return self.strategy.value if self.option is None else f"{self.strategy.value}:{self.option}"

    @property
    def cumulative_cash_usd(self) -> np.ndarray:
        return np.cumsum(self.expected_cash_usd)

    def summary(self) -> dict[str, Any]:
        return {"strategy": self.strategy.value, "option": self.option, "label": self.label,
                "expected_npv_usd": self.expected_npv_usd, "capex_usd": self.capex_usd,
                "replacement_units": self.replacement_units, "expected_salvage_usd": self.expected_salvage_usd,
                "expected_total_cash_usd": float(self.expected_cash_usd.sum() + self.expected_salvage_usd),
                "payback_day": self.payback_day}


@dataclass(frozen=True)
class DecisionResult:
    """Output of :func:`compare`: the hold cost, every strategy's expected NPV, the winner and its margin."""

    scenario: Scenario
    snapshot_label: str
    as_of: _dt.date
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
        dates = [self.as_of + _dt.timedelta(days=i) for i in range(n)]
        for o in self.outcomes:
            frames.append(pd.DataFrame({"day": np.arange(n), "date": dates, "strategy": o.label,
                                        "expected_cash_usd": o.expected_cash_usd,
                                        "cumulative_cash_usd": o.cumulative_cash_usd}))
        return pd.concat(frames, ignore_index=True)

    def summary(self) -> dict[str, Any]:
        return {"snapshot": self.snapshot_label, "as_of": self.as_of.isoformat(), "days_held": self.days_held,
                "horizon_days": self.scenario.horizon_days,
                "discount_rate_per_year": self.scenario.discount_rate_per_year,
                "hold_cost": self.hold_cost.to_dict(), "winner": self.winner.label, "margin_usd": self.margin_usd,
                "expected_release_day": self.expected_release_day,
                "release_within_horizon_probability": self.release_within_horizon_probability,
                "forfeiture_probability": self.forfeiture_probability,
                "seized_daily_margin_day0_usd": self.seized_daily_margin_day0_usd,
                "seized_break_even_power_price_usd_per_kwh": self.seized_break_even_power_price_usd_per_kwh,
                "options": [o.summary() for o in self.options], "strategies": [o.summary() for o in self.outcomes]}


# ---------------------------------------------------------------------------------------------- engine


@dataclass(frozen=True)
class _Parts:
    """Per-unit building blocks shared by the expected-value engine and the Monte Carlo."""

    horizon: int
    disc: np.ndarray  # H+1
    days_held: int
    pmf: np.ndarray  # resolution on day w (H)
    p_beyond: float
    q_forfeit: float
    seized_daily: Any  # UnitDaily over H days
    fee: float
    release_cost: float
    resale_net_usd: np.ndarray  # net sale proceeds per unit if sold on day w (H+1)
    seized_salvage_usd: float  # per unit at the horizon
    options: tuple[ResolvedOption, ...]
    option_daily: tuple[Any, ...]
    option_salvage_usd: tuple[float, ...]


def _resolve_option(opt: ReplacementOption, sc: Scenario, seized_ths: float, disc: np.ndarray) -> tuple[ResolvedOption, Any, float]:
    from .machine import break_even_power_price_usd_per_kwh

    capex = landed_capex(opt.machine, tariffs=sc.tariffs, on=sc.as_of, freight_usd=opt.freight_usd_per_unit,
                         tariff_rate=opt.tariff_rate)
    if opt.units is not None:
        units = opt.units
    elif opt.budget_usd is not None:
        units = int(opt.budget_usd // capex.total_usd) if capex.total_usd > 0 else 0
        if units < 1:
            raise InvalidInputError(f"{opt.name}: budget ${opt.budget_usd:,.0f} buys no unit at ${capex.total_usd:,.0f}")
    else:
        units = max(1, math.ceil(seized_ths / opt.machine.hashrate_ths - 1e-9))
    H = sc.horizon_days
    daily = unit_daily(opt.machine, sc.site, sc.projection, H)
    live = np.arange(H) >= opt.lead_time_days
    cash = np.where(live, daily.margin_usd, 0.0)
    salvage = capex.unit_price_usd * float(opt.salvage.fraction(H))
    npv_unit = -capex.total_usd + float(np.sum(cash * disc[:H])) + salvage * disc[H]
    cum = np.cumsum(cash) - capex.total_usd
    idx = np.flatnonzero(cum >= -1e-9)
    be = break_even_power_price_usd_per_kwh(opt.machine, sc.site, float(daily.hashprice_usd_per_th_day[0]))
    cost = capex.total_usd
    roi = (float(cash.sum()) + salvage - cost) / cost if cost > 0 else None
    flows = np.concatenate([[-cost], cash, [salvage]])
    return (ResolvedOption(opt, units, capex, npv_unit, float(daily.margin_usd[0]),
                           int(idx[0]) + 1 if idx.size else None, be, roi, flows), daily, salvage)


def _parts(sc: Scenario) -> _Parts:
    H = sc.horizon_days
    lot = sc.lot
    d0 = sc.days_held
    disc = discount_factors(sc.discount_rate_per_year, H)
    pmf, beyond = lot.release.remaining_pmf(d0, H)
    daily = unit_daily(lot.machine, sc.site, sc.projection, H)
    age_now = lot.age_days_at_hold_start + d0
    ages = age_now + np.arange(H + 1)
    resale = lot.machine.price_usd * lot.resale.fraction(ages) * (1.0 - lot.selling_cost_fraction)
    salvage = lot.machine.price_usd * float(lot.resale.fraction(age_now + H))
    seized_ths = lot.machine.hashrate_ths * lot.units
    resolved = [_resolve_option(o, sc, seized_ths, disc) for o in sc.options]
    return _Parts(H, disc, d0, pmf, beyond, lot.release.forfeiture_probability, daily,
                  lot.holding_fee_usd_per_unit_day, lot.release_costs_usd_per_unit, resale, salvage,
                  tuple(r[0] for r in resolved), tuple(r[1] for r in resolved), tuple(r[2] for r in resolved))


def _expected_series(p: _Parts, delay: int) -> dict[str, Any]:
    """Per-unit expected daily cash of the seized lot under 'wait' and 'sell' (length H) and salvage."""
    H = p.horizon
    rel = p.pmf * (1.0 - p.q_forfeit)  # released on day w
    cdf_res = np.cumsum(p.pmf)  # resolved (released or forfeited) by day w
    held = 1.0 - np.concatenate([[0.0], cdf_res[:-1]])  # still held on day t (fees due while t < w)
    fees = -p.fee * held
    rel_cdf = np.cumsum(rel)
    running = np.zeros(H)
    if delay < H:
        running[delay:] = rel_cdf[: H - delay]
    wait = fees - p.release_cost * rel + running * p.seized_daily.margin_usd
    sell = fees - p.release_cost * rel + rel * p.resale_net_usd[:H]
    p_released = float(rel_cdf[-1]) if H else 0.0
    return {"wait": wait, "sell": sell, "wait_salvage": p.seized_salvage_usd * p_released, "p_released": p_released}


def _payback(cash: np.ndarray) -> int | None:
    cum = np.cumsum(cash)
    if np.all(cum >= -1e-9):
        return 0
    neg = np.flatnonzero(cum < -1e-9)
    after = np.flatnonzero(cum[neg[-1] + 1:] >= -1e-9) if neg.size else np.array([0])
    if neg[-1] == cum.size - 1:
        return None
    return int(neg[-1]) + 2 if after.size else None


def compare(sc: Scenario) -> DecisionResult:
    """Expected NPV of every strategy for ``sc``; see the module docstring for the timeline and conventions."""
    p = _parts(sc)
    H = sc.horizon_days
    lot = sc.lot
    N = lot.units
    ser = _expected_series(p, lot.redeploy_delay_days)
    disc = p.disc
    legal = lot.legal_costs_future_usd

    def pv(cash: np.ndarray, salvage: float) -> float:
        return float(np.sum(cash * disc[:H]) + salvage * disc[H])

    def with_legal(cash: np.ndarray) -> np.ndarray:
        c = cash.copy()
        c[0] -= legal
        return c

    wanted = set(sc.strategies) if sc.strategies is not None else set(Strategy)
    outs: list[StrategyOutcome] = []

    def add(strategy: Strategy, option: str | None, cash: np.ndarray, salvage: float, capex: float, units: int) -> None:
        if strategy in wanted:
            outs.append(StrategyOutcome(strategy, option, pv(cash, salvage), capex, units, cash, salvage, _payback(cash)))

    wait_cash = with_legal(N * ser["wait"])
    sell_cash = with_legal(N * ser["sell"])
    wait_salv = N * ser["wait_salvage"]
    add(Strategy.WAIT_AND_REDEPLOY, None, wait_cash, wait_salv, 0.0, 0)
    add(Strategy.SELL_ON_RELEASE, None, sell_cash, 0.0, 0.0, 0)
    add(Strategy.ABANDON, None, np.zeros(H), 0.0, 0.0, 0)
    for ro, daily, salv in zip(p.options, p.option_daily, p.option_salvage_usd):
        live = np.arange(H) >= ro.option.lead_time_days
        unit_cash = np.where(live, daily.margin_usd, 0.0)
        rep = ro.units * unit_cash
        rep = rep.copy()
        rep[0] -= ro.capex_usd
        rep_salv = ro.units * salv
        add(Strategy.REPLACE_NOW, ro.name, rep, rep_salv, ro.capex_usd, ro.units)
        add(Strategy.REPLACE_AND_SELL_ON_RELEASE, ro.name, rep + sell_cash, rep_salv, ro.capex_usd, ro.units)
        add(Strategy.REPLACE_AND_REDEPLOY, ro.name, rep + wait_cash, rep_salv + wait_salv, ro.capex_usd, ro.units)
        f = sc.partial_fraction
        k = int(round(f * ro.units))
        if 0 < k < ro.units or (0 < f < 1 and k > 0):
            part = k * unit_cash
            part = part.copy()
            part[0] -= k * ro.capex.total_usd
            seized_mix = with_legal(N * ((1 - f) * ser["wait"] + f * ser["sell"]))
            add(Strategy.PARTIAL_REPLACE, ro.name, part + seized_mix, k * salv + (1 - f) * wait_salv,
                k * ro.capex.total_usd, k)
    outs.sort(key=lambda o: -o.expected_npv_usd)
    if not outs:
        raise ScenarioError("no strategy to compare (check 'strategies' and replacement options)")

    hold = hold_cost(sc)
    rel = p.pmf * (1.0 - p.q_forfeit)
    pr = float(rel.sum())
    exp_day = float(np.sum(np.arange(H) * rel) / pr) if pr > 0 else math.nan
    from .machine import break_even_power_price_usd_per_kwh

    seized_be = break_even_power_price_usd_per_kwh(lot.machine, sc.site,
                                                   float(p.seized_daily.hashprice_usd_per_th_day[0]))
    return DecisionResult(sc, sc.projection.snapshot.label, sc.as_of, p.days_held, hold, p.options, tuple(outs),
                          exp_day, pr, p.q_forfeit, float(p.seized_daily.margin_usd[0]) * N, seized_be)


def hold_cost(sc: Scenario) -> HoldCost:
    """Cost of the hold so far for the lot in ``sc`` (see :class:`HoldCost`)."""
    lot = sc.lot
    d0 = sc.days_held
    N = lot.units
    if d0 == 0:
        return HoldCost(0, N, 0.0, 0.0, 0.0, lot.legal_costs_usd)
    today = unit_daily(lot.machine, sc.site, sc.projection, 1).margin_usd[0]
    past = unit_daily(lot.machine, sc.site, sc.projection, d0, start_day=-d0).margin_usd
    static = float(today) * d0 * N
    actual = float(past.sum()) * N
    return HoldCost(d0, N, static, actual - static, lot.holding_fee_usd_per_unit_day * d0 * N, lot.legal_costs_usd)


def compare_strategies(lot: SeizedLot, options: Iterable[ReplacementOption] = (), **scenario_kw: Any) -> DecisionResult:
    """Shortcut: ``compare(Scenario(lot, tuple(options), **scenario_kw))``."""
    return compare(Scenario(lot, tuple(options), **scenario_kw))


# ---------------------------------------------------------------------------------------------- sensitivity


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
    """One-at-a-time sensitivity. Defaults: power x{0.6,0.8,1.2,1.4}, BTC x{0.6,0.8,1.2,1.4},
    growth base{-2,-1,+1,+2} %/month, hold length x{0.5,0.75,1.5,2}."""
    base = compare(sc)
    c0 = sc.site.power_price_usd_per_kwh
    p0 = sc.projection.snapshot.btc_price_usd
    g0 = sc.projection.difficulty_growth_per_month
    grid = {
        "power_price_usd_per_kwh": power_prices_usd_per_kwh or [c0 * f for f in (0.6, 0.8, 1.0, 1.2, 1.4)],
        "btc_price_usd": btc_prices_usd or [p0 * f for f in (0.6, 0.8, 1.0, 1.2, 1.4)],
        "difficulty_growth_per_month": difficulty_growths_per_month or [g0 + d for d in (-0.02, -0.01, 0.0, 0.01, 0.02)],
        "hold_scale": hold_scales or [0.5, 0.75, 1.0, 1.5, 2.0],
    }
    rows = []
    for name, values in grid.items():
        for v in values:
            if name == "power_price_usd_per_kwh":
                s2 = sc.replace(site=sc.site.replace(power_price_usd_per_kwh=v, power_price_path_usd_per_kwh=None))
            elif name == "btc_price_usd":
                proj = sc.projection.replace(snapshot=sc.projection.snapshot.with_overrides(btc_price_usd=v),
                                             btc_price_path_usd=None)
                s2 = sc.replace(projection=proj)
            elif name == "difficulty_growth_per_month":
                s2 = sc.replace(projection=sc.projection.replace(difficulty_growth_per_month=v, difficulty_path=None))
            else:
                s2 = sc.replace(lot=dataclasses.replace(sc.lot, release=sc.lot.release.scaled(v)))
            r = compare(s2)
            rows.append(SensitivityRow(name, float(v), r.winner.label, r.winner.expected_npv_usd, r.margin_usd,
                                       {o.label: o.expected_npv_usd for o in r.outcomes}))
    return SensitivityTable(base.winner.label, base.winner.expected_npv_usd, tuple(rows))
