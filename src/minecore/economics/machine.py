"""Machine cash flows in daily steps, capex with origin tariffs, salvage, and the metrics operators ask for.

Sign convention: cash **into** the operator is positive, cash out (capex, power, fees) negative.
Day ``t`` runs from 0 (the snapshot/analysis date) to ``horizon_days - 1``. Capex is paid on day 0 and is not
discounted; the cash of day ``t`` is discounted by ``(1 + r) ** (-t / 365)`` with ``r`` the annual rate
(decimal); salvage (resale) arrives at ``t = horizon_days``.

Worked example (hand-checked, no growth, no discounting)::

    >>> from minecore.economics.network import NetworkSnapshot, NetworkProjection
    >>> snap = NetworkSnapshot(date="2025-11-25", difficulty=152e12, btc_price_usd=91_000, fees_btc_per_block=0.03,
    ...                        block_height=924_300)
    >>> s21 = MachineSpec("Antminer S21", hashrate_ths=200, power_w=3500, price_usd=2500, origin_country="Malaysia")
    >>> site = OperatingCosts(power_price_usd_per_kwh=0.05, pue=1.0, pool_fee=0.0, uptime=1.0)
    >>> cf = simulate_machine(s21, site, NetworkProjection(snap, difficulty_growth_per_month=0.0),
    ...                       horizon_days=1000, discount_rate_per_year=0.0, tariff_rate=0.0)
    >>> round(cf.daily_margin_day0_usd, 2)      # 200 TH * $0.037997/TH/day - 3.5 kW*24 h*$0.05 = 7.60 - 4.20
    3.4
    >>> cf.payback_day                           # ceil(2500 / 3.3994)
    736
    >>> simulate_machine(s21, site, NetworkProjection(snap, difficulty_growth_per_month=0.03),
    ...                  horizon_days=1000).payback_label      # with +3 %/month difficulty it never pays back
    'never (within 1000 days)'
    >>> round(cf.break_even_power_price_usd_per_kwh, 4)   # 7.5994 / (3.5 * 24)
    0.0905
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import InvalidInputError
from ._validate import DAYS_PER_MONTH, DAYS_PER_YEAR, as_date, count, finite, fraction, non_negative, positive
from .network import NetworkProjection
from .tariffs import TariffTable, default_tariffs
from ..errors import UnknownOriginError, MissingFiguresError  # noqa: F401  (defined in minecore.errors, re-exported here)


# ---------------------------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class MachineSpec:
    """A miner as the economics sees it; independent of the catalog and the emulator.

    name : label; hashrate_ths : nameplate hashrate [TH/s]; power_w : wall power [W];
    price_usd : unit price before duty and freight [USD] (None = unknown);
    origin_country : country of assembly, which sets the tariff.
    """

    name: str
    hashrate_ths: float
    power_w: float
    price_usd: float | None = None
    origin_country: str = "China"
    key: str | None = None
    unverified: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "hashrate_ths", positive(f"{self.name}: hashrate_ths", self.hashrate_ths))
        object.__setattr__(self, "power_w", positive(f"{self.name}: power_w", self.power_w))
        if self.price_usd is not None:
            object.__setattr__(self, "price_usd", non_negative(f"{self.name}: price_usd", self.price_usd))
        object.__setattr__(self, "unverified", tuple(self.unverified))

    @property
    def efficiency_j_per_th(self) -> float:
        """Energy per terahash [J/TH] = W / (TH/s)."""
        return self.power_w / self.hashrate_ths

    @classmethod
    def from_model(cls, model: Any, price_usd: float | None = None, *, origin_country: str | None = None,
                   assume_price: bool = False) -> "MachineSpec":
        """Build from a :class:`minecore.hardware.MinerModel` (or anything with the same attributes).

        Raises :class:`MissingFiguresError` when the model has no published hashrate or power.
        ``origin_country`` (country of assembly, which sets the tariff) overrides the catalog's
        ``assembly_country``. When neither is known, raises :class:`UnknownOriginError`: the maker's home
        country is not the country of origin, and guessing one would silently pick a tariff.
        ``assume_price``: when neither ``price_usd`` nor the catalog has a price, use :func:`assumed_price_usd`
        and add ``"price_usd"`` to ``unverified``.
        """
        name = getattr(model, "name", None) or getattr(model, "key", "model")
        missing = [f for f in ("hashrate_ths", "power_w") if getattr(model, f, None) is None]
        if missing:
            raise MissingFiguresError(
                f"{name}: the catalog has no published {' or '.join(missing)} for this model (unknown figures stay "
                "unknown); supply them in a user catalog TOML with hashrate_ths and power_w (CLI: --catalog FILE; "
                "API: load_catalog(FILE)) or as a plain MachineSpec(name, hashrate_ths, power_w, ...)")
        price = price_usd if price_usd is not None else getattr(model, "price_usd", None)
        unverified = tuple(getattr(model, "unverified", ()) or ())
        origin = origin_country or getattr(model, "assembly_country", None)
        if not origin:
            raise UnknownOriginError(f"{name}: the catalog has no country of assembly, so the tariff is unknown; "
                                     "give an origin country (origin_country=..., --origin COUNTRY, or "
                                     "origin_country in the scenario)")
        spec = cls(name=str(name), hashrate_ths=model.hashrate_ths, power_w=model.power_w, price_usd=price,
                   origin_country=str(origin), key=getattr(model, "key", None), unverified=unverified)
        if spec.price_usd is None and assume_price:
            spec = dataclasses.replace(spec, price_usd=assumed_price_usd(spec), unverified=unverified + ("price_usd",))
        return spec

    @classmethod
    def from_catalog(cls, name: str, price_usd: float | None = None, catalog: Any = None, *,
                     origin_country: str | None = None, assume_price: bool = False) -> "MachineSpec":
        """Look ``name`` up in the hardware catalog (raises :class:`~minecore.errors.UnknownModelError`, or
        :class:`UnknownOriginError` when the catalog has no country of assembly and ``origin_country`` is None)."""
        from ..hardware import get_model  # layer below; imported lazily

        model = get_model(name, catalog) if catalog is not None else get_model(name)
        return cls.from_model(model, price_usd, origin_country=origin_country, assume_price=assume_price)

    def with_price(self, price_usd: float) -> "MachineSpec":
        return dataclasses.replace(self, price_usd=price_usd)


#: Assumed new-unit price by efficiency tier [USD per TH/s], used only when no price is known. An assumption in
#: the spirit of Luxor's ASIC price index tiers (hashrateindex.com), not a quote: override with real prices.
ASSUMED_PRICE_USD_PER_TH: tuple[tuple[float, float], ...] = ((16.0, 17.0), (20.0, 14.0), (25.0, 9.0), (38.0, 4.0),
                                                             (math.inf, 1.5))


def assumed_price_usd(spec: "MachineSpec") -> float:
    """Fallback unit price [USD] = TH/s x tier $/TH (see :data:`ASSUMED_PRICE_USD_PER_TH`).

    >>> assumed_price_usd(MachineSpec("x", 200, 3500))     # 17.5 J/TH -> $14/TH
    2800.0
    """
    for max_j_per_th, usd_per_th in ASSUMED_PRICE_USD_PER_TH:
        if spec.efficiency_j_per_th <= max_j_per_th:
            return round(spec.hashrate_ths * usd_per_th, 2)
    return round(spec.hashrate_ths * ASSUMED_PRICE_USD_PER_TH[-1][1], 2)


def resolve_spec(machine: "MachineSpec | str | Any", price_usd: float | None = None, *,
                 origin_country: str | None = None, assume_price: bool = True, catalog: Any = None) -> MachineSpec:
    """Accept a :class:`MachineSpec`, a catalog model object, or a catalog name (looked up in ``catalog``, default
    the built-in one; e.g. ``minecore.hardware.load_catalog("my_models.toml")``). Catalog models without a price
    get :func:`assumed_price_usd` (flagged in ``unverified``) unless ``assume_price`` is False.
    ``origin_country`` overrides the country of assembly (required for catalog models that lack one)."""
    if isinstance(machine, MachineSpec):
        spec = machine if price_usd is None else machine.with_price(price_usd)
        return spec if origin_country is None else dataclasses.replace(spec, origin_country=origin_country)
    if isinstance(machine, str):
        return MachineSpec.from_catalog(machine, price_usd, catalog, origin_country=origin_country,
                                        assume_price=assume_price)
    return MachineSpec.from_model(machine, price_usd, origin_country=origin_country, assume_price=assume_price)


@dataclass(frozen=True)
class Curtailment:
    """Planned downtime that saves power.

    hours_per_week : hours off per week [h] (e.g. peak shaving);
    above_power_price_usd_per_kwh : switch off on days whose power price exceeds this [USD/kWh] (None = never);
    demand_response_credit_usd_per_kwh : credit per kWh not drawn while curtailed by ``hours_per_week`` [USD/kWh].
    """

    hours_per_week: float = 0.0
    above_power_price_usd_per_kwh: float | None = None
    demand_response_credit_usd_per_kwh: float = 0.0

    def __post_init__(self) -> None:
        finite("curtailment hours_per_week", self.hours_per_week, lo=0.0, hi=168.0)
        if self.above_power_price_usd_per_kwh is not None:
            non_negative("curtailment above_power_price_usd_per_kwh", self.above_power_price_usd_per_kwh)
        non_negative("demand_response_credit_usd_per_kwh", self.demand_response_credit_usd_per_kwh)


@dataclass(frozen=True)
class OperatingCosts:
    """Where and how the machines run.

    power_price_usd_per_kwh : flat power price [USD/kWh]; power_price_path_usd_per_kwh : optional daily path;
    pue : facility overhead multiplier on power (>= 1); pool_fee : decimal of revenue; uptime : decimal of time
    hashing; hosting_usd_per_kwh : hosting charge per IT kWh [USD/kWh]; hosting_usd_per_month : fixed per unit
    [USD/month]; curtailment : see :class:`Curtailment`; shutdown_when_unprofitable : switch off on days whose
    operating margin is negative (capex is sunk).
    """

    power_price_usd_per_kwh: float = 0.05
    pue: float = 1.10
    pool_fee: float = 0.02
    uptime: float = 0.97
    hosting_usd_per_kwh: float = 0.0
    hosting_usd_per_month: float = 0.0
    curtailment: Curtailment = field(default_factory=Curtailment)
    shutdown_when_unprofitable: bool = True
    power_price_path_usd_per_kwh: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        non_negative("power_price_usd_per_kwh", self.power_price_usd_per_kwh)
        finite("pue", self.pue, lo=1.0, hi=5.0)
        fraction("pool_fee", self.pool_fee)
        fraction("uptime", self.uptime)
        non_negative("hosting_usd_per_kwh", self.hosting_usd_per_kwh)
        non_negative("hosting_usd_per_month", self.hosting_usd_per_month)
        if self.power_price_path_usd_per_kwh is not None:
            arr = np.asarray(self.power_price_path_usd_per_kwh, dtype=float).ravel()
            if arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr < 0):
                raise InvalidInputError("power_price_path_usd_per_kwh must be non-empty, finite and >= 0")
            object.__setattr__(self, "power_price_path_usd_per_kwh", tuple(arr.tolist()))

    def power_price(self, days: int) -> np.ndarray:
        if self.power_price_path_usd_per_kwh is None:
            return np.full(days, self.power_price_usd_per_kwh)
        arr = np.asarray(self.power_price_path_usd_per_kwh)
        return arr[:days] if arr.size >= days else np.concatenate([arr, np.full(days - arr.size, arr[-1])])

    def replace(self, **changes: Any) -> "OperatingCosts":
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class SalvageModel:
    """Resale value of a unit: ``price * start_fraction * (1 - decline_per_year) ** (age_days / 365)``, floored.

    The default 35 %/year decline is an assumption (used-ASIC prices fall with hashprice and newer models);
    override it from market quotes.

    >>> round(SalvageModel().fraction(365), 3), round(SalvageModel().fraction(730), 4)
    (0.65, 0.4225)
    """

    decline_per_year: float = 0.35
    start_fraction: float = 1.0
    floor_fraction: float = 0.0

    def __post_init__(self) -> None:
        finite("decline_per_year", self.decline_per_year, lo=0.0, hi=1.0)
        finite("start_fraction", self.start_fraction, lo=0.0)
        fraction("floor_fraction", self.floor_fraction)

    def fraction(self, age_days: float | np.ndarray) -> float | np.ndarray:
        """Resale value as a decimal of the unit price after ``age_days`` [days]."""
        f = self.start_fraction * (1.0 - self.decline_per_year) ** (np.asarray(age_days, dtype=float) / DAYS_PER_YEAR)
        out = np.maximum(f, self.floor_fraction)
        return float(out) if np.ndim(out) == 0 else out


@dataclass(frozen=True)
class Capex:
    """Landed cost of one unit [USD]: ``unit_price_usd * (1 + tariff_rate) + freight_usd``."""

    unit_price_usd: float
    tariff_rate: float
    freight_usd: float
    origin_country: str
    tariff_source: str = ""

    @property
    def tariff_usd(self) -> float:
        return self.unit_price_usd * self.tariff_rate

    @property
    def total_usd(self) -> float:
        return self.unit_price_usd * (1.0 + self.tariff_rate) + self.freight_usd


def landed_capex(spec: MachineSpec, *, tariffs: TariffTable | None | str = "default", on: Any = None,
                 freight_usd: float = 0.0, tariff_rate: float | None = None) -> Capex:
    """Capex of one unit with duty for ``spec.origin_country`` on date ``on`` (``tariff_rate`` overrides the table).

    >>> s = MachineSpec("x", 100, 2000, price_usd=1000, origin_country="China")
    >>> landed_capex(s, on="2025-09-01", freight_usd=50).total_usd     # 1000 * 1.576 + 50
    1626.0
    """
    if spec.price_usd is None:
        raise InvalidInputError(f"{spec.name}: no unit price; pass price_usd")
    non_negative("freight_usd", freight_usd)
    if tariff_rate is not None:
        return Capex(spec.price_usd, non_negative("tariff_rate", tariff_rate), freight_usd, spec.origin_country, "given")
    table = default_tariffs() if isinstance(tariffs, str) else tariffs
    if table is None:
        return Capex(spec.price_usd, 0.0, freight_usd, spec.origin_country, "no tariff")
    return Capex(spec.price_usd, table.rate(spec.origin_country, on), freight_usd, spec.origin_country,
                 table.source_for(spec.origin_country, on))


# ---------------------------------------------------------------------------------------------- daily engine


@dataclass(frozen=True)
class UnitDaily:
    """Per-unit daily economics over days ``start_day .. start_day + n - 1`` (all USD per unit per day)."""

    revenue_usd: np.ndarray
    power_cost_usd: np.ndarray
    hosting_usd: np.ndarray
    demand_response_credit_usd: np.ndarray
    running_fraction: np.ndarray
    margin_if_run_usd: np.ndarray  #: margin had the machine run (no opex shutdown)
    margin_usd: np.ndarray  #: margin after the opex shutdown rule
    hashprice_usd_per_th_day: np.ndarray
    power_price_usd_per_kwh: np.ndarray


def unit_daily(spec: MachineSpec, site: OperatingCosts, projection: NetworkProjection, days: int,
               start_day: int = 0) -> UnitDaily:
    """Daily per-unit revenue and costs. Negative ``start_day`` back-projects difficulty (price, fees flat)."""
    days = count("days", days, minimum=1)
    if start_day >= 0:
        n = start_day + days
        hp = projection.hashprice_usd_per_th_day(n)[start_day:]
    else:
        from .network import hashprice_btc_per_th_day

        diff = projection.difficulty(days, start_day)
        reward = projection.snapshot.subsidy_btc + projection.snapshot.fees_btc_per_block
        hp = hashprice_btc_per_th_day(diff, reward) * projection.snapshot.btc_price_usd
    price = site.power_price(max(start_day, 0) + days)[max(start_day, 0):]
    c = site.curtailment
    run = np.full(days, site.uptime * (1.0 - c.hours_per_week / 168.0))
    if c.above_power_price_usd_per_kwh is not None:
        run[price > c.above_power_price_usd_per_kwh] = 0.0
    kw = spec.power_w / 1000.0
    revenue = spec.hashrate_ths * hp * (1.0 - site.pool_fee) * run
    energy_kwh = kw * 24.0 * run
    power = energy_kwh * price * site.pue
    host_kwh = energy_kwh * site.hosting_usd_per_kwh
    host_fixed = np.full(days, site.hosting_usd_per_month / DAYS_PER_MONTH)
    dr = kw * 24.0 * site.uptime * (c.hours_per_week / 168.0) * c.demand_response_credit_usd_per_kwh * np.ones(days)
    if c.above_power_price_usd_per_kwh is not None:
        dr[price > c.above_power_price_usd_per_kwh] = 0.0
    variable = revenue - power - host_kwh
    margin_if_run = variable + dr - host_fixed
    if site.shutdown_when_unprofitable:
        on = variable >= 0.0
        margin = np.where(on, margin_if_run, -host_fixed)
        run_eff = np.where(on, run, 0.0)
        revenue, power, host_kwh, dr = (np.where(on, x, 0.0) for x in (revenue, power, host_kwh, dr))
    else:
        margin, run_eff = margin_if_run, run
    return UnitDaily(revenue, power, host_kwh + host_fixed, dr, run_eff, margin_if_run, margin, hp, price)


def break_even_power_price_usd_per_kwh(spec: MachineSpec, site: OperatingCosts, hashprice_usd_per_th_day: float) -> float:
    """Shutdown power price [USD/kWh]: operating margin is zero there (capex sunk, fixed hosting ignored).

    ``(hashprice * TH * (1 - pool_fee) / (kW * 24) - hosting_usd_per_kwh) / PUE``; uptime cancels.
    """
    rev_per_kwh = spec.hashrate_ths * hashprice_usd_per_th_day * (1.0 - site.pool_fee) / (spec.power_w / 1000.0 * 24.0)
    return (rev_per_kwh - site.hosting_usd_per_kwh) / site.pue


def break_even_hashprice_usd_per_th_day(spec: MachineSpec, site: OperatingCosts, power_price_usd_per_kwh: float) -> float:
    """Hashprice [USD/(TH/s)/day] at which the operating margin is zero for the given power price."""
    return (0.024 * spec.efficiency_j_per_th * (power_price_usd_per_kwh * site.pue + site.hosting_usd_per_kwh)
            / (1.0 - site.pool_fee)) if site.pool_fee < 1 else math.inf


# ---------------------------------------------------------------------------------------------- finance helpers


def npv(rate_per_year: float, cash_flows_usd: np.ndarray, days: np.ndarray | None = None) -> float:
    """Net present value [USD] of cash flows on ``days`` (default 0, 1, 2 ...) at an annual decimal rate.

    >>> round(npv(0.10, np.array([-100.0, 110.0]), np.array([0, 730])), 4)   # -100 + 110 / 1.1**2
    -9.0909
    >>> abs(npv(0.10, np.array([-100.0, 110.0]), np.array([0, 365]))) < 1e-9  # 10 % is the IRR
    True
    """
    cf = np.asarray(cash_flows_usd, dtype=float)
    t = np.arange(cf.size, dtype=float) if days is None else np.asarray(days, dtype=float)
    return float(np.sum(cf * (1.0 + rate_per_year) ** (-t / DAYS_PER_YEAR)))


def irr(cash_flows_usd: np.ndarray, days: np.ndarray | None = None) -> float | None:
    """Annual internal rate of return (decimal) solving ``npv(irr, cf) = 0``; ``None`` when none exists.

    Bisection on ``log(1 + r)`` between -99.99 % and +1e6 %; requires a sign change of NPV across that range.

    >>> round(irr(np.array([-100.0, 110.0]), np.array([0, 365])), 6)
    0.1
    """
    cf = np.asarray(cash_flows_usd, dtype=float)
    t = np.arange(cf.size, dtype=float) if days is None else np.asarray(days, dtype=float)
    if not (np.any(cf > 0) and np.any(cf < 0)):
        return None

    def f(x: float) -> float:  # x = log(1 + r)
        return float(np.sum(cf * np.exp(-x * t / DAYS_PER_YEAR)))

    lo, hi = math.log(1e-4), math.log(1e4)
    flo, fhi = f(lo), f(hi)
    if flo == 0:
        return math.exp(lo) - 1
    if (flo > 0) == (fhi > 0):
        return None
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        fm = f(mid)
        if (fm > 0) == (flo > 0):
            lo, flo = mid, fm
        else:
            hi = mid
        if hi - lo < 1e-13:
            break
    return math.exp(0.5 * (lo + hi)) - 1.0


def discount_factors(rate_per_year: float, days: int) -> np.ndarray:
    """``(1 + r) ** (-t / 365)`` for t = 0 .. days (inclusive: the last is the horizon, for salvage)."""
    return (1.0 + rate_per_year) ** (-np.arange(days + 1, dtype=float) / DAYS_PER_YEAR)


# ---------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class MachineCashFlows:
    """Daily cash flows of ``units`` machines bought on day 0 and run from ``start_day`` to the horizon.

    Arrays are per lot (all units), USD per day, positive = cash in. ``cumulative_cash_usd[t]`` includes capex
    (day 0) and every day up to and including ``t``, without salvage.
    """

    spec: MachineSpec
    site: OperatingCosts
    units: int
    start_date: _dt.date
    horizon_days: int
    start_day: int
    discount_rate_per_year: float
    snapshot_label: str
    capex: Capex
    revenue_usd: np.ndarray
    power_cost_usd: np.ndarray
    hosting_usd: np.ndarray
    demand_response_credit_usd: np.ndarray
    net_cash_usd: np.ndarray
    running_fraction: np.ndarray
    hashprice_usd_per_th_day: np.ndarray
    cumulative_cash_usd: np.ndarray
    salvage_value_usd: float
    npv_usd: float
    irr_per_year: float | None
    payback_day: int | None
    break_even_power_price_usd_per_kwh: float
    break_even_hashprice_usd_per_ph_day: float
    break_even_btc_price_usd: float
    daily_margin_day0_usd: float
    margin_negative_day: int | None
    negative_margin_days: int
    shutdown_advice: str

    @property
    def capex_usd(self) -> float:
        """Total capex of the lot [USD]."""
        return self.capex.total_usd * self.units

    @property
    def payback_within_horizon(self) -> bool:
        return self.payback_day is not None

    @property
    def payback_date(self) -> _dt.date | None:
        return None if self.payback_day is None else self.start_date + _dt.timedelta(days=self.payback_day)

    @property
    def payback_label(self) -> str:
        """``"412 days"`` or ``"never (within 1095 days)"``."""
        return f"{self.payback_day} days" if self.payback_day is not None else f"never (within {self.horizon_days} days)"

    @property
    def total_cash_usd(self) -> float:
        """Undiscounted cash over the horizon including capex and salvage [USD]."""
        return float(self.cumulative_cash_usd[-1] + self.salvage_value_usd)

    @property
    def roi(self) -> float:
        """(total cash incl. salvage) / capex, decimal; ``nan`` when capex is 0."""
        return self.total_cash_usd / self.capex_usd if self.capex_usd > 0 else math.nan

    @property
    def margin_negative_date(self) -> _dt.date | None:
        return None if self.margin_negative_day is None else self.start_date + _dt.timedelta(days=self.margin_negative_day)

    @property
    def hashrate_ths(self) -> float:
        return self.spec.hashrate_ths * self.units

    @property
    def power_mw(self) -> float:
        return self.spec.power_w * self.units / 1e6

    def summary(self) -> dict[str, Any]:
        """One flat row (units in key names) for tables, JSON and CSV."""
        return {
            "model": self.spec.name, "units": self.units, "hashrate_ths": self.hashrate_ths, "power_mw": self.power_mw,
            "efficiency_j_per_th": self.spec.efficiency_j_per_th, "origin_country": self.spec.origin_country,
            "unit_price_usd": self.capex.unit_price_usd, "tariff_rate": self.capex.tariff_rate,
            "capex_usd": self.capex_usd, "daily_margin_day0_usd": self.daily_margin_day0_usd,
            "payback_day": self.payback_day, "payback": self.payback_label, "roi": self.roi, "npv_usd": self.npv_usd,
            "irr_per_year": self.irr_per_year, "break_even_power_price_usd_per_kwh": self.break_even_power_price_usd_per_kwh,
            "break_even_hashprice_usd_per_ph_day": self.break_even_hashprice_usd_per_ph_day,
            "break_even_btc_price_usd": self.break_even_btc_price_usd, "margin_negative_day": self.margin_negative_day,
            "shutdown_advice": self.shutdown_advice, "salvage_value_usd": self.salvage_value_usd,
            "horizon_days": self.horizon_days, "discount_rate_per_year": self.discount_rate_per_year,
            "snapshot": self.snapshot_label,
        }

    def to_dataframe(self):
        """Daily frame: date, revenue_usd, power_cost_usd, hosting_usd, demand_response_credit_usd, net_cash_usd,
        cumulative_cash_usd, running_fraction, hashprice_usd_per_th_day."""
        import pandas as pd

        n = self.horizon_days
        return pd.DataFrame({
            "day": np.arange(n), "date": [self.start_date + _dt.timedelta(days=int(i)) for i in range(n)],
            "revenue_usd": self.revenue_usd, "power_cost_usd": self.power_cost_usd, "hosting_usd": self.hosting_usd,
            "demand_response_credit_usd": self.demand_response_credit_usd, "net_cash_usd": self.net_cash_usd,
            "cumulative_cash_usd": self.cumulative_cash_usd, "running_fraction": self.running_fraction,
            "hashprice_usd_per_th_day": self.hashprice_usd_per_th_day,
        })


def _payback_day(cumulative: np.ndarray) -> int | None:
    """Days of cash needed: ``t + 1`` for the first day ``t`` whose cumulative cash is >= 0 (None = never)."""
    idx = np.flatnonzero(cumulative >= -1e-9)
    return None if idx.size == 0 else int(idx[0]) + 1


def simulate_machine(machine: MachineSpec | str | Any, site: OperatingCosts | None = None,
                     projection: NetworkProjection | None = None, *, units: int = 1, horizon_days: int = 1095,
                     discount_rate_per_year: float = 0.10, start_day: int = 0, freight_usd: float = 0.0,
                     tariffs: TariffTable | None | str = "default", tariff_rate: float | None = None,
                     price_usd: float | None = None, salvage: SalvageModel | None = None,
                     purchase_date: Any = None) -> MachineCashFlows:
    """Cash flows, payback, ROI, NPV, IRR and break-evens of ``units`` machines bought on day 0.

    Parameters
    ----------
    machine : :class:`MachineSpec`, catalog model, or catalog name
    site : operating costs (default :class:`OperatingCosts`)
    projection : network path (default: shipped snapshot, +2 %/month difficulty)
    horizon_days : analysis length [days]; discount_rate_per_year : decimal per year
    start_day : first day the machines hash (lead time / delivery) [days]
    freight_usd : freight per unit [USD]; tariffs / tariff_rate : duty table or a fixed rate (decimal)
    salvage : resale model; the lot is sold at the horizon for ``price * salvage.fraction(horizon_days)``
    purchase_date : date for the tariff lookup (default: the snapshot date)
    """
    spec = resolve_spec(machine, price_usd)
    site = site or OperatingCosts()
    projection = projection or NetworkProjection()
    units = count("units", units, minimum=1)
    horizon_days = count("horizon_days", horizon_days, minimum=1)
    start_day = count("start_day", start_day, minimum=0)
    r = finite("discount_rate_per_year", discount_rate_per_year, lo=-0.99)
    salvage = salvage or SalvageModel()
    start_date = projection.snapshot.date
    on = as_date("purchase_date", purchase_date) if purchase_date is not None else start_date
    capex = landed_capex(spec, tariffs=tariffs, on=on, freight_usd=freight_usd, tariff_rate=tariff_rate)

    d = unit_daily(spec, site, projection, horizon_days)
    live = (np.arange(horizon_days) >= start_day).astype(float) * units
    revenue, power = d.revenue_usd * live, d.power_cost_usd * live
    hosting, dr = d.hosting_usd * live, d.demand_response_credit_usd * live
    net = d.margin_usd * live
    cum = np.cumsum(net) - capex.total_usd * units
    salvage_usd = capex.unit_price_usd * units * float(salvage.fraction(horizon_days))
    flows = np.concatenate([[-capex.total_usd * units], net, [salvage_usd]])
    days = np.concatenate([[0.0], np.arange(horizon_days, dtype=float), [float(horizon_days)]])
    value = npv(r, flows, days)
    rate = irr(flows, days)

    hp0 = float(d.hashprice_usd_per_th_day[0])
    be_power = break_even_power_price_usd_per_kwh(spec, site, hp0)
    be_hp_th = break_even_hashprice_usd_per_th_day(spec, site, float(d.power_price_usd_per_kwh[0]))
    btc_hp0 = hp0 / projection.btc_price_usd(1)[0]
    neg = np.flatnonzero(d.margin_if_run_usd < 0)
    neg_day = int(neg[0]) if neg.size else None
    if neg_day is None:
        advice = f"keep running: the operating margin stays positive for all {horizon_days} days"
    elif np.all(d.margin_if_run_usd[neg_day:] < 0):
        advice = (f"switch off from day {neg_day} ({start_date + _dt.timedelta(days=neg_day)}): "
                  f"the margin stays negative to the horizon")
    else:
        advice = (f"margin is negative on {neg.size} of {horizon_days} days from day {neg_day} "
                  f"({start_date + _dt.timedelta(days=neg_day)}); run only when the power price is below the break-even")
    return MachineCashFlows(
        spec, site, units, start_date, horizon_days, start_day, r, projection.snapshot.label, capex,
        revenue, power, hosting, dr, net, d.running_fraction * (live > 0), d.hashprice_usd_per_th_day, cum,
        salvage_usd, value, rate, _payback_day(cum), be_power, be_hp_th * 1000.0, be_hp_th / btc_hp0,
        float(d.margin_usd[0]) * units, neg_day, int(neg.size), advice)
