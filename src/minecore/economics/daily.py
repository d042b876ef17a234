"""The daily engine: one unit's revenue, power, hosting and margin on each day, and the break-even prices.

Per unit and day ``t`` (USD)::

    on[t]       = availability x (1 - curtailed hours / 168)       (0 on days above the curtailment price)
    revenue[t]  = TH/s x hashrate_efficiency x hashprice[t] x (1 - pool fee) x on[t]
    power[t]    = kW x 24 x on[t] x power_price[t] x PUE
    margin[t]   = revenue - power - hosting per kWh - fixed hosting + demand-response credit

With ``shutdown_when_unprofitable`` a day whose variable margin is negative is a day off (only fixed hosting
is paid).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..validate import count
from .finance import DAYS_PER_MONTH
from .network import NetworkProjection, hashprice_btc_per_th_day
from .site import OperatingCosts
from .spec import MachineSpec


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


def running_fraction(site: OperatingCosts, price_usd_per_kwh: np.ndarray) -> np.ndarray:
    """Share of each day a unit draws power (availability, planned curtailment, price curtailment)."""
    run = np.full(price_usd_per_kwh.size, site.running_fraction)
    cap = site.curtailment.above_power_price_usd_per_kwh
    if cap is not None:
        run[price_usd_per_kwh > cap] = 0.0
    return run


def demand_response_credit(spec: MachineSpec, site: OperatingCosts, price_usd_per_kwh: np.ndarray) -> np.ndarray:
    """Credit per unit and day for the kWh not drawn in the planned curtailment hours [USD]."""
    c = site.curtailment
    dr = np.full(price_usd_per_kwh.size, spec.power_w / 1000.0 * 24.0 * site.availability * (c.hours_per_week / 168.0)
                 * c.demand_response_credit_usd_per_kwh)
    if c.above_power_price_usd_per_kwh is not None:
        dr[price_usd_per_kwh > c.above_power_price_usd_per_kwh] = 0.0
    return dr


def unit_daily(spec: MachineSpec, site: OperatingCosts, projection: NetworkProjection, days: int,
               start_day: int = 0) -> UnitDaily:
    """Daily per-unit revenue and costs. Negative ``start_day`` back-projects difficulty (price, fees flat)."""
    days = count("days", days, minimum=1)
    if start_day >= 0:
        hp = projection.hashprice_usd_per_th_day(start_day + days)[start_day:]
    else:
        diff = projection.difficulty(days, start_day)
        reward = projection.snapshot.subsidy_btc + projection.snapshot.fees_btc_per_block
        hp = hashprice_btc_per_th_day(diff, reward) * projection.snapshot.btc_price_usd
    first = max(start_day, 0)
    price = site.power_price(first + days)[first:]
    run = running_fraction(site, price)
    kw = spec.power_w / 1000.0
    revenue = spec.hashrate_ths * site.hashrate_efficiency * hp * (1.0 - site.pool_fee) * run
    energy_kwh = kw * 24.0 * run
    power = energy_kwh * price * site.pue
    host_kwh = energy_kwh * site.hosting_usd_per_kwh
    host_fixed = np.full(days, site.hosting_usd_per_month / DAYS_PER_MONTH)
    dr = demand_response_credit(spec, site, price)
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
    """Shutdown power price [USD/kWh]: the operating margin is zero there (capex sunk, fixed hosting ignored).

    ``(hashprice x TH x hashrate_efficiency x (1 - pool_fee) / (kW x 24) - hosting_usd_per_kwh) / PUE``;
    availability cancels (it scales revenue and power alike).
    """
    rev_per_kwh = (spec.hashrate_ths * site.hashrate_efficiency * hashprice_usd_per_th_day * (1.0 - site.pool_fee)
                   / (spec.power_w / 1000.0 * 24.0))
    return (rev_per_kwh - site.hosting_usd_per_kwh) / site.pue


def break_even_hashprice_usd_per_th_day(spec: MachineSpec, site: OperatingCosts, power_price_usd_per_kwh: float) -> float:
    """Hashprice [USD/(TH/s)/day] at which the operating margin is zero for the given power price."""
    earning = (1.0 - site.pool_fee) * site.hashrate_efficiency
    if earning <= 0:
        return math.inf
    return 0.024 * spec.efficiency_j_per_th * (power_price_usd_per_kwh * site.pue + site.hosting_usd_per_kwh) / earning
