"""Cash flows of machines bought on day 0: capex with the tariff of their origin, the daily margin, the sale at
the horizon, and the metrics operators ask for (payback, ROI, NPV, IRR, break-evens).

Conventions are those of :mod:`minecore.economics.finance`: cash in positive, capex on day 0 undiscounted, the
cash of day ``t`` discounted by ``(1 + r) ** (-t / 365)``, the sale at ``t = horizon_days`` after selling costs.

Worked example (hand-checked, no growth, no discounting)::

    >>> from minecore.economics.network import NetworkSnapshot, NetworkProjection
    >>> snap = NetworkSnapshot(date="2025-11-25", difficulty=152e12, btc_price_usd=91_000, fees_btc_per_block=0.03,
    ...                        block_height=924_300)
    >>> s21 = MachineSpec("Antminer S21", hashrate_ths=200, power_w=3500, price_usd=2500, origin_country="Malaysia")
    >>> site = OperatingCosts(power_price_usd_per_kwh=0.05, pue=1.0, pool_fee=0.0, availability=1.0)
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

import datetime as _dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..validate import as_date, count, finite
from .capex import Capex, landed_capex
from .daily import break_even_hashprice_usd_per_th_day, break_even_power_price_usd_per_kwh, unit_daily
from .finance import irr, npv, payback_day, roi
from .network import NetworkProjection
from .site import OperatingCosts
from .spec import MachineSpec, resolve_spec
from .tariffs import TariffTable
from .valuation import Valuation


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
    def roi(self) -> float | None:
        """Undiscounted (cash in incl. salvage - capex) / capex, decimal; None when nothing was invested."""
        return roi(self.total_cash_usd + self.capex_usd, self.capex_usd)

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


def simulate_machine(machine: MachineSpec | str | Any, site: OperatingCosts | None = None,
                     projection: NetworkProjection | None = None, *, units: int = 1, horizon_days: int = 1095,
                     discount_rate_per_year: float = 0.10, start_day: int = 0, freight_usd: float = 0.0,
                     tariffs: TariffTable | None | str = "default", tariff_rate: float | None = None,
                     price_usd: float | None = None, valuation: Valuation | None = None,
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
    valuation : how the units are valued when sold at the horizon (default :class:`Valuation`: the buyer's FMV),
        after selling costs and the block's liquidity discount
    purchase_date : date for the tariff lookup (default: the snapshot date)
    """
    spec = resolve_spec(machine, price_usd)
    site = site or OperatingCosts()
    projection = projection or NetworkProjection()
    units = count("units", units, minimum=1, maximum=1_000_000)
    horizon_days = count("horizon_days", horizon_days, minimum=1, maximum=3650)
    start_day = count("start_day", start_day, minimum=0, maximum=horizon_days)
    r = finite("discount_rate_per_year", discount_rate_per_year, lo=-0.99, hi=10.0)
    valuation = valuation or Valuation()
    start_date = projection.day0
    on = as_date("purchase_date", purchase_date) if purchase_date is not None else start_date
    capex = landed_capex(spec, tariffs=tariffs, on=on, freight_usd=freight_usd, tariff_rate=tariff_rate)

    d = unit_daily(spec, site, projection, horizon_days)
    live = (np.arange(horizon_days) >= start_day).astype(float) * units
    revenue, power = d.revenue_usd * live, d.power_cost_usd * live
    hosting, dr = d.hosting_usd * live, d.demand_response_credit_usd * live
    net = d.margin_usd * live
    cum = np.cumsum(net) - capex.total_usd * units
    salvage_usd = units * float(valuation.values_usd(spec, projection, 0.0, horizon_days)[0]
                                * valuation.net_of_sale_costs(units))
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
        salvage_usd, value, rate, payback_day(cum), be_power, be_hp_th * 1000.0, be_hp_th / btc_hp0,
        float(d.margin_usd[0]) * units, neg_day, int(neg.size), advice)
