"""The typed input model of the economics: seized lots, replacement options, the fleet, Monte Carlo and
sensitivity settings, and the :class:`Scenario` that holds them with the site and the network.

This is the one model of the decision's inputs: the API builds it directly, ``minecore.reports`` loads scenario
files into it (:mod:`minecore.reports.scenario`), and the docs' scenario schema is generated from its field
declarations (ranges, units, defaults). Every choice is an enum; every number is bounded where it is declared.
Numpy-free at import.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInputError, ScenarioError
from ..validate import check_fields, choice, finite, spec as _spec
from .network import NetworkProjection
from .release import ReleaseModel
from .site import OperatingCosts
from .spec import MachineSpec, resolve_spec
from .tariffs import TariffTable
from .valuation import Valuation

if TYPE_CHECKING:  # tax.py needs numpy; the input model must not
    from .tax import TaxAssumptions

MAX_DAYS = 3650  #: longest horizon, hold or delay the economics accepts [days] (ten years)
MAX_UNITS = 1_000_000  #: most units in one lot, option or fleet entry


class Strategy(str, enum.Enum):
    """What to do with a seized lot (values are stable JSON keys)."""

    WAIT_AND_REDEPLOY = "wait_and_redeploy"  #: keep paying the hold, run the units once released
    SELL_ON_RELEASE = "sell_on_release"  #: keep paying the hold, sell the units once released (duty paid)
    REEXPORT_ON_RELEASE = "reexport_on_release"  #: keep paying the hold, sell the units abroad (no US duty)
    REPLACE_NOW = "replace_now"  #: abandon the lot today (fees stop) and buy a replacement
    REPLACE_AND_SELL_ON_RELEASE = "replace_and_sell_on_release"  #: buy now, sell the seized units on release
    REPLACE_AND_REDEPLOY = "replace_and_redeploy"  #: buy now and also run the seized units (needs site power)
    PARTIAL_REPLACE = "partial_replace"  #: replace a fraction now, redeploy the rest on release, sell the surplus
    ABANDON = "abandon"  #: walk away: no further cash in or out

    def title(self, option: str | None = None, partial_fraction: float = 0.5) -> str:
        """Plain name for tables and sentences, e.g. ``Replace with Bitdeer A2, sell seized on release``."""
        return _STRATEGY_TEXT[self][0].format(o=option or "a replacement", f=f"{partial_fraction:.0%}")

    def description(self, option: str | None = None, partial_fraction: float = 0.5) -> str:
        """What the strategy does, in one line."""
        return _STRATEGY_TEXT[self][1].format(o=option or "a replacement", f=f"{partial_fraction:.0%}")

    @property
    def uses_replacement(self) -> bool:
        return self in (Strategy.REPLACE_NOW, Strategy.REPLACE_AND_SELL_ON_RELEASE, Strategy.REPLACE_AND_REDEPLOY,
                        Strategy.PARTIAL_REPLACE)


_STRATEGY_TEXT = {
    Strategy.WAIT_AND_REDEPLOY: ("Wait and redeploy", "keep paying the hold, run the units once released"),
    Strategy.SELL_ON_RELEASE: ("Sell on release", "keep paying the hold, pay the entry duty and sell the units in the "
                                                  "US once released"),
    Strategy.REEXPORT_ON_RELEASE: ("Re-export on release", "keep paying the hold, ship the units abroad once "
                                                           "released and sell them there (no US duty)"),
    Strategy.ABANDON: ("Abandon the lot", "walk away today: fees stop, no further cash in or out"),
    Strategy.REPLACE_NOW: ("Replace now with {o}", "abandon the lot today and buy {o} (sized to the lot's hashrate)"),
    Strategy.REPLACE_AND_SELL_ON_RELEASE: ("Replace with {o}, sell seized on release",
                                           "buy {o} now, keep the hold and sell the seized units once released"),
    Strategy.REPLACE_AND_REDEPLOY: ("Replace with {o} and redeploy seized",
                                    "buy {o} now and also run the seized units once released (needs site power)"),
    Strategy.PARTIAL_REPLACE: ("Replace {f} with {o}, redeploy the rest",
                               "buy {f} of the lot's hashrate in {o} now; redeploy the rest on release, sell the "
                               "surplus"),
}


def strategy_title(label: str, partial_fraction: float = 0.5) -> str:
    """Plain name of a strategy label (``strategy`` or ``strategy:option``); unknown keys are spelled out.

    >>> strategy_title("replace_and_sell_on_release:Bitdeer A2")
    'Replace with Bitdeer A2, sell seized on release'
    """
    key, _, option = label.partition(":")
    try:
        return Strategy(key).title(option or None, partial_fraction)
    except ValueError:
        return key.replace("_", " ").capitalize() + (f" with {option}" if option else "")


class MCEngine(str, enum.Enum):
    """Monte Carlo path engine (every engine gives the same paths for the same seed)."""

    AUTO = "auto"  #: numba above 2e7 path-days, else numpy
    NUMPY = "numpy"  #: vectorised over paths and one difficulty epoch, no JIT
    NUMBA = "numba"  #: compiled, parallel over paths
    NUMPY_DAYLOOP = "numpy_dayloop"  #: the plain day-by-day baseline (benchmarks, tests)


@dataclass(frozen=True)
class SeizedLot:
    """Units held by customs.

    Give ``days_held`` or ``hold_start`` (both: they must agree on the analysis date). The default holding fee,
    $14/unit/day, is derived from one importer's >$200,000 for 200 units over ~70 days (coinrockmedia.com,
    research/seizure_context.md). Sunk costs (the units' purchase, fees and legal costs so far) are reported
    in the hold cost, never in the strategies.
    """

    machine: MachineSpec | Any
    units: int = _spec(kind="int", unit="units", lo=1, hi=MAX_UNITS, doc="units held")
    days_held: int | None = _spec(None, kind="int", unit="days", lo=0, hi=MAX_DAYS, optional=True,
                                  doc="days held so far on the analysis date")
    hold_start: _dt.date | None = _spec(None, kind="date", optional=True, doc="date the hold began")
    holding_fee_usd_per_unit_day: float = _spec(14.0, unit="USD/unit/day", lo=0.0, hi=1000.0,
                                                doc="storage/holding fee while held")
    legal_costs_usd: float = _spec(0.0, unit="USD", lo=0.0, hi=1e9, doc="legal costs spent so far (sunk)")
    legal_costs_future_usd: float = _spec(0.0, unit="USD", lo=0.0, hi=1e9,
                                          doc="legal costs still to pay to get the lot back")
    release: ReleaseModel = field(default_factory=ReleaseModel)
    redeploy_delay_days: int = _spec(7, kind="int", unit="days", lo=0, hi=365, doc="from release to hashing")
    release_costs_usd_per_unit: float = _spec(0.0, unit="USD/unit", lo=0.0, hi=1e6,
                                              doc="brokerage and trucking due on release (duty: entry_duty_rate)")
    entry_duty_rate: float | None = _spec(None, unit="decimal", lo=0.0, hi=10.0, optional=True,
                                          doc="US duty on the units' declared value when they enter on release; "
                                              "None: the tariff schedule on the release day (0: already paid)")
    reexport_freight_usd_per_unit: float = _spec(150.0, unit="USD/unit", lo=0.0, hi=1e5,
                                                 doc="freight and handling to ship the units abroad (assumption)")
    reexport_price_discount: float = _spec(0.10, unit="decimal", lo=0.0, hi=1.0,
                                           doc="how much less a foreign buyer pays than a US one (assumption)")
    resale_quote_usd: float | None = _spec(None, unit="USD/unit", lo=0.0, hi=1e7, optional=True,
                                           doc="a buyer's quote per unit, replacing the valuation model")
    resale_quote_source: str | None = _spec(None, kind="text", optional=True,
                                            doc="who quoted resale_quote_usd, and when")
    age_days_at_hold_start: int = _spec(0, kind="int", unit="days", lo=0, hi=MAX_DAYS,
                                        doc="age of the units when the hold began")
    name: str | None = _spec(None, kind="text", optional=True, doc="label of the lot (default: '<model> lot')")

    def __post_init__(self) -> None:
        object.__setattr__(self, "machine", resolve_spec(self.machine))
        check_fields(self)
        if self.name is None:
            object.__setattr__(self, "name", f"{self.machine.name} lot")
        if self.days_held is None and self.hold_start is None:
            raise InvalidInputError("a seized lot needs days_held or hold_start")
        if self.machine.price_usd is None:
            raise InvalidInputError(f"{self.machine.name}: seized lot needs a unit price (its declared value, for "
                                    "the entry duty)")

    def held_days_on(self, analysis_date: _dt.date) -> int:
        """Days held on ``analysis_date``; raises when ``hold_start`` is later or disagrees with ``days_held``."""
        if self.hold_start is None:
            return int(self.days_held)
        if self.hold_start > analysis_date:
            raise InvalidInputError(f"hold_start {self.hold_start} is after the analysis date {analysis_date}")
        d = (analysis_date - self.hold_start).days
        if self.days_held is not None and self.days_held != d:
            raise InvalidInputError(f"days_held={self.days_held} disagrees with hold_start {self.hold_start} "
                                    f"(= {d} days before {analysis_date})")
        if d > MAX_DAYS:
            raise InvalidInputError(f"hold_start {self.hold_start} is more than {MAX_DAYS} days before {analysis_date}")
        return d


@dataclass(frozen=True)
class ReplacementOption:
    """A machine to buy now: ``units``, or ``budget_usd`` (units = floor(budget / landed unit cost)), or neither
    (enough units to match the seized lot's hashrate). Duty comes from the tariff table for the machine's country
    of assembly unless ``tariff_rate`` is given."""

    machine: MachineSpec | Any
    units: int | None = _spec(None, kind="int", unit="units", lo=1, hi=MAX_UNITS, optional=True,
                              doc="units to buy; None: budget_usd, else match the lot's hashrate")
    budget_usd: float | None = _spec(None, unit="USD", lo=0.0, lo_open=True, hi=1e10, optional=True,
                                     doc="spend up to this on landed units")
    price_usd: float | None = _spec(None, unit="USD/unit", lo=0.0, hi=1e7, optional=True,
                                    doc="unit price before duty (None: catalog, else the assumed $/TH tier)")
    lead_time_days: int = _spec(30, kind="int", unit="days", lo=0, hi=730, doc="order to hashing")
    freight_usd_per_unit: float = _spec(0.0, unit="USD/unit", lo=0.0, hi=1e5, doc="freight and install")
    tariff_rate: float | None = _spec(None, unit="decimal", lo=0.0, hi=10.0, optional=True,
                                      doc="import duty; None: the tariff schedule for the country of assembly")
    name: str | None = _spec(None, kind="text", optional=True, doc="label of the option (default: the model)")
    origin_country: str | None = _spec(None, kind="text", optional=True,
                                       doc="country of assembly (None: the catalog's)")
    price_source: str | None = _spec(None, kind="text", optional=True, doc="where price_usd comes from")

    def __post_init__(self) -> None:
        check_fields(self)
        object.__setattr__(self, "machine", resolve_spec(self.machine, self.price_usd, origin_country=self.origin_country,
                                                         price_source=self.price_source))
        if self.name is None:
            object.__setattr__(self, "name", self.machine.name)
        if self.units is not None and self.budget_usd is not None:
            raise InvalidInputError(f"{self.name}: give units or budget_usd, not both")
        if self.machine.price_usd is None:
            raise InvalidInputError(f"{self.machine.name}: replacement needs a unit price (price_usd)")


@dataclass(frozen=True)
class FleetEntry:
    """Machines already running at the site (owned: no capex, no tariff)."""

    machine: MachineSpec | Any
    units: int = _spec(kind="int", unit="units", lo=0, hi=MAX_UNITS, doc="units running")

    def __post_init__(self) -> None:
        check_fields(self)
        m = self.machine
        if not isinstance(m, MachineSpec):
            # tariffs do not matter for machines already owned, so a missing country of assembly is fine here
            try:
                m = resolve_spec(m, assume_price=False)
            except InvalidInputError as exc:
                if "country of assembly" not in str(exc):
                    raise
                m = resolve_spec(m, assume_price=False, origin_country="n/a (owned)")
        object.__setattr__(self, "machine", m)


@dataclass(frozen=True)
class MonteCarloParams:
    """Monte Carlo settings: BTC price as a GBM; difficulty as the scenario's trend plus, each 14-day epoch, a shock
    correlated with the previous epoch's price move and an error-correction step toward the level the path's
    hashprice supports (:mod:`minecore.economics.difficulty_model`, fitted on monthly BTC and difficulty
    2016-2024); the release day drawn per path."""

    paths: int = _spec(2000, kind="int", unit="paths", lo=0, hi=1_000_000, doc="number of paths (0: no Monte Carlo)")
    seed: int = _spec(2025, kind="seed", doc="random seed; the same seed gives the same paths on every engine")
    btc_volatility_per_year: float = _spec(0.50, unit="decimal/sqrt(year)", lo=0.0, hi=5.0, doc="GBM volatility")
    btc_drift_per_year: float | None = _spec(None, unit="decimal/year", lo=-0.99, hi=10.0, optional=True,
                                             doc="expected BTC price growth; None: the network's "
                                                 "btc_price_growth_per_year")
    difficulty_growth_sd_per_month: float = _spec(0.09, unit="decimal/month", lo=0.0, hi=1.0,
                                                  doc="sd of the monthly difficulty shock around the trend (fitted "
                                                      "on 2016-2024 monthly history: 0.09)")
    price_difficulty_correlation: float = _spec(0.27, unit="", lo=-1.0, hi=1.0,
                                                doc="correlation of an epoch's price move with the next difficulty "
                                                    "shock (fitted: 0.27)")
    difficulty_adjustment_per_epoch: float = _spec(0.025, unit="1/epoch", lo=0.0, hi=1.0,
                                                   doc="share of the gap between hashprice and its trend that "
                                                       "difficulty closes each 14-day epoch (fitted: 0.025)")
    random_release: bool = _spec(True, kind="bool", doc="draw the release day per path (else the median day)")
    engine: MCEngine = _spec(MCEngine.AUTO, kind="enum", doc="auto, numpy, numba or numpy_dayloop")

    def __post_init__(self) -> None:
        object.__setattr__(self, "engine", choice("engine", self.engine, MCEngine))
        check_fields(self)

    @property
    def enabled(self) -> bool:
        return self.paths > 0


def _pair(name: str, value: Any, lo: float, hi: float) -> tuple[float, float]:
    try:
        a, b = value
    except (TypeError, ValueError):
        raise InvalidInputError(f"{name} must be a pair (low, high), got {value!r}") from None
    a, b = finite(f"{name} low", a, lo=lo, hi=hi), finite(f"{name} high", b, lo=lo, hi=hi)
    if a > b:
        raise InvalidInputError(f"{name}: low must not exceed high, got ({a:g}, {b:g})")
    return (a, b)


#: sensitivity input -> (bounds of its low/high values, unit, meaning)
SENSITIVITY_INPUTS = {
    "power_price_usd_per_kwh": ((0.0, 10.0), "USD/kWh", "power price at its low and high value"),
    "btc_price_change": ((-0.99, 10.0), "decimal", "change from the analysis-date BTC price"),
    "difficulty_growth_per_month": ((-0.5, 1.0), "decimal/month", "difficulty growth"),
    "hold_scale": ((0.01, 100.0), "x", "multiplier on every hold length of the release model"),
}


@dataclass(frozen=True)
class SensitivityRanges:
    """The low and high value each one-at-a-time sensitivity input is moved to (the others stay at base)."""

    power_price_usd_per_kwh: tuple[float, float] = (0.03, 0.08)
    btc_price_change: tuple[float, float] = (-0.30, 0.30)
    difficulty_growth_per_month: tuple[float, float] = (0.0, 0.04)
    hold_scale: tuple[float, float] = (0.5, 2.0)

    def __post_init__(self) -> None:
        for name, ((lo, hi), _unit, _doc) in SENSITIVITY_INPUTS.items():
            object.__setattr__(self, name, _pair(name, getattr(self, name), lo, hi))


@dataclass(frozen=True)
class Scenario:
    """Everything a decision needs: one or more seized lots, the options that could replace them, the site,
    the network, the fleet already running and the uncertainty settings.

    ``analysis_date`` is day 0 of every cash flow (default: the snapshot date); the network projection is moved
    forward to it (difficulty grows at its trend from the snapshot date, the halving comes closer). Decisions
    are taken per lot: :func:`~minecore.economics.decision.compare` needs a single-lot scenario
    (:meth:`for_lot`).
    """

    lots: tuple[SeizedLot, ...] | SeizedLot
    options: tuple[ReplacementOption, ...] = ()
    site: OperatingCosts = field(default_factory=OperatingCosts)
    projection: NetworkProjection = field(default_factory=NetworkProjection)
    horizon_days: int = _spec(1095, kind="int", unit="days", lo=2, hi=MAX_DAYS, doc="analysis length")
    discount_rate_per_year: float = _spec(0.10, unit="decimal/year", lo=-0.99, hi=10.0, doc="discount rate")
    analysis_date: _dt.date | None = _spec(None, kind="date", optional=True,
                                           doc="day 0 of the cash flows (default: the snapshot date)")
    partial_fraction: float = _spec(0.5, unit="decimal", lo=0.0, lo_open=True, hi=1.0,
                                    doc="share of the lot's hashrate partial_replace buys new")
    strategies: tuple[Strategy, ...] | None = None
    tariffs: TariffTable | None | str = "default"
    fleet: tuple[FleetEntry, ...] = ()
    monte_carlo: MonteCarloParams = field(default_factory=MonteCarloParams)
    sensitivity: SensitivityRanges = field(default_factory=SensitivityRanges)
    valuation: Valuation = field(default_factory=Valuation)
    tax: TaxAssumptions | None = None  #: income tax; None: every NPV is pre-tax
    name: str = _spec("scenario", kind="text", doc="title of the scenario")
    source: str = "python"  #: where the scenario came from (a file path, the built-in default, python)

    def __post_init__(self) -> None:
        lots = (self.lots,) if isinstance(self.lots, SeizedLot) else tuple(self.lots)
        if not lots:
            raise ScenarioError("a scenario needs at least one seized lot")
        object.__setattr__(self, "lots", lots)
        object.__setattr__(self, "options", tuple(self._priced(o) for o in self.options))
        object.__setattr__(self, "fleet", tuple(self.fleet))
        check_fields(self)
        snap_date = self.projection.snapshot.date
        analysis = self.analysis_date or snap_date
        if analysis < snap_date:
            raise InvalidInputError(f"analysis_date {analysis} is before the snapshot date {snap_date}")
        if (analysis - snap_date).days > MAX_DAYS:
            raise InvalidInputError(f"analysis_date {analysis} is more than {MAX_DAYS} days after the snapshot")
        object.__setattr__(self, "analysis_date", analysis)
        object.__setattr__(self, "projection", self.projection.starting(analysis))
        for lot in lots:
            lot.held_days_on(analysis)
        for what, names in (("seized lot", [lot.name for lot in lots]), ("replacement option", [o.name for o in self.options])):
            if len(set(names)) != len(names):
                raise ScenarioError(f"{what} names must be unique, got {names}")
        if self.strategies is not None:
            object.__setattr__(self, "strategies", tuple(Strategy(s) for s in self.strategies))

    def _priced(self, opt: ReplacementOption) -> ReplacementOption:
        """A replacement with neither a quote nor a catalog price is priced at the valuation model's fair market
        value of a new unit on the analysis date (basis ``valuation_fmv``), not at an assumed $/TH tier."""
        if opt.machine.price_basis != "assumed_tier":
            return opt
        day0 = self.analysis_date or self.projection.snapshot.date
        fmv = float(self.valuation.values_usd(opt.machine, self.projection.starting(day0), 0.0, 0)[0])
        unverified = tuple(u for u in opt.machine.unverified if u != "price_usd")
        spec = dataclasses.replace(opt.machine, price_usd=round(fmv, 2), price_basis="valuation_fmv",
                                   unverified=unverified,
                                   price_source=f"fair market value of a new unit; {self.valuation.basis}")
        return dataclasses.replace(opt, machine=spec)

    @property
    def lot(self) -> SeizedLot:
        """The lot of a single-lot scenario (see :meth:`for_lot`)."""
        if len(self.lots) != 1:
            raise InvalidInputError(f"the scenario has {len(self.lots)} lots; decide one with scenario.for_lot(i)")
        return self.lots[0]

    @property
    def days_held(self) -> int:
        return self.lot.held_days_on(self.analysis_date)

    def for_lot(self, index: int) -> "Scenario":
        """The same scenario with only lot ``index``."""
        return dataclasses.replace(self, lots=(self.lots[index],))

    def replace(self, **changes: Any) -> "Scenario":
        return dataclasses.replace(self, **changes)
