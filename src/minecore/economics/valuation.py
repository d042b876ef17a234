"""What a miner is worth when sold: on release, at the horizon, or new when no quote is given.

The default (``fmv``) is the fair market value a marginal buyer would pay: the present value, at the buyer's
required return, of the unit's expected daily margin at the buyer's power price, PUE, pool fee and availability,
over its remaining life, on the network path from the day of the sale (difficulty trend, halvings, BTC price),
with the shutdown rule (a day whose margin is negative is a day off, worth 0). So resale follows hashprice: the
same S21 is worth less on a later release day if difficulty has grown, and nothing once it cannot cover any
buyer's power. This is the "fair market value (calculated)" that OTC desks publish beside market prices
(DOMAIN.md, "Valuing hardware"). A sale then pays selling costs and, for a large block, a liquidity discount.

``calendar`` is the old rule kept for comparison: new price x start_fraction x (1 - decline)^(age / 365).

Per unit and day ``t`` the buyer's margin is ``m(t) = max(x R(t) - C(t), 0)`` with ``R`` the revenue and ``C`` the
power cost at the buyer's settings and ``x`` a multiplier on hashprice (1 on the deterministic path; a Monte
Carlo path passes its own). With ``d = (1 + r) ** (-1 / 365)``::

    FMV(s, x) = sum over k = 0 .. L(s) - 1 of m(s + k) d**k,   L(s) = remaining life on the sale day s

computed for every sale day at once from one cumulative sum.

>>> from minecore.economics import MachineSpec, NetworkProjection, default_snapshot
>>> proj = NetworkProjection(default_snapshot(), difficulty_growth_per_month=0.02)
>>> v = Valuation()
>>> s21 = MachineSpec("Antminer S21", 200, 3500, price_usd=2699, origin_country="Thailand")
>>> fmv = v.fmv_usd(s21, proj, days=[0, 365])          # new today, and a year from now at age 365 days
>>> bool(fmv[0] > fmv[1] > 0)
True
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass
from typing import Any, Sequence

from ..validate import check_fields, choice, count, spec as _spec
from .finance import DAYS_PER_YEAR

#: grid of hashprice multipliers on which values are interpolated (log-spaced, 5 % apart)
X_GRID_SIZE = 157
X_GRID_RANGE = (0.01, 20.0)


class ValuationKind(str, enum.Enum):
    """How a unit is valued when sold."""

    FMV = "fmv"  #: the buyer's present value of future margin (default)
    CALENDAR = "calendar"  #: new price x start_fraction x (1 - decline_per_year) ** (age / 365)


@dataclass(frozen=True)
class Valuation:
    """The market a unit is sold into. Buyer figures are assumptions (labelled so in every output): override
    them with what buyers of your hardware pay for power and the return they require, or give a quote."""

    kind: ValuationKind = _spec(ValuationKind.FMV, kind="enum", doc="fmv (buyer's present value) or calendar")
    buyer_power_price_usd_per_kwh: float = _spec(0.04, unit="USD/kWh", lo=0.0, hi=10.0,
                                                 doc="the marginal buyer's all-in power price (assumption)")
    buyer_pue: float = _spec(1.10, unit="ratio", lo=1.0, hi=5.0, doc="the buyer's facility PUE (assumption)")
    buyer_pool_fee: float = _spec(0.02, unit="decimal", lo=0.0, hi=1.0, doc="the buyer's pool fee")
    buyer_availability: float = _spec(0.97, unit="decimal", lo=0.0, hi=1.0, doc="the buyer's availability")
    buyer_required_return_per_year: float = _spec(0.25, unit="decimal/year", lo=0.0, hi=10.0,
                                                  doc="return the buyer requires on used miners (assumption)")
    buyer_btc_price_growth_per_year: float | None = _spec(
        0.30, unit="decimal/year", lo=-0.99, hi=10.0, optional=True,
        doc="BTC price growth the buyer expects from the sale day on; None: the scenario's")
    life_years: float = _spec(5.0, unit="years", lo=0.1, hi=15.0,
                              doc="physical life from new; the buyer counts no margin past it")
    selling_cost_fraction: float = _spec(0.05, unit="decimal", lo=0.0, hi=1.0,
                                         doc="broker, freight and testing, share of the sale price (assumption)")
    liquidity_discount_per_1000_units: float = _spec(0.02, unit="decimal per 1,000 units", lo=0.0, hi=1.0,
                                                     doc="extra discount for selling a large block (assumption)")
    max_liquidity_discount: float = _spec(0.20, unit="decimal", lo=0.0, hi=1.0,
                                          doc="cap on the liquidity discount")
    decline_per_year: float = _spec(0.35, unit="decimal/year", lo=0.0, hi=1.0,
                                    doc="calendar kind only: yearly decline of resale value")
    start_fraction: float = _spec(1.0, unit="decimal", lo=0.0, hi=1.0,
                                  doc="calendar kind only: resale value of a new unit, share of its price")

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", choice("kind", self.kind, ValuationKind))
        check_fields(self)

    # ------------------------------------------------------------------------------------------ sale terms

    def liquidity_discount(self, units: int) -> float:
        """Discount for selling ``units`` at once (decimal), growing with the block size up to the cap."""
        units = count("units sold", units, minimum=0)
        return min(self.max_liquidity_discount, self.liquidity_discount_per_1000_units * units / 1000.0)

    def net_of_sale_costs(self, units: int) -> float:
        """Share of the gross value a seller of ``units`` keeps after selling costs and the liquidity discount."""
        return (1.0 - self.selling_cost_fraction) * (1.0 - self.liquidity_discount(units))

    @property
    def basis(self) -> str:
        """One line saying how units are valued, for every output that shows a resale or salvage figure."""
        if self.kind is ValuationKind.CALENDAR:
            return (f"calendar decline (assumption): {self.start_fraction:.0%} of the new price, "
                    f"-{self.decline_per_year:.0%}/year")
        growth = ("the scenario's BTC growth" if self.buyer_btc_price_growth_per_year is None
                  else f"BTC {self.buyer_btc_price_growth_per_year:+.0%}/year")
        return (f"valuation model: a buyer's fair market value (assumption: ${self.buyer_power_price_usd_per_kwh:.3f}"
                f"/kWh, PUE {self.buyer_pue:.2f}, {self.buyer_required_return_per_year:.0%}/year required return, "
                f"{growth}, {self.life_years:g}-year life); less {self.selling_cost_fraction:.0%} selling costs "
                f"and {self.liquidity_discount_per_1000_units:.0%} per 1,000 units sold at once")

    # ------------------------------------------------------------------------------------------ values

    def _growth_ratio(self, projection: Any) -> float:
        """(1 + buyer's BTC growth) / (1 + the projection's): the buyer's extra growth factor per year."""
        g = self.buyer_btc_price_growth_per_year
        return 1.0 if g is None else (1.0 + g) / (1.0 + projection.btc_price_growth_per_year)

    def fmv_table(self, spec: Any, projection: Any, last_day: int, age0_days: float, x: Sequence[float]):
        """FMV per unit [USD] for each effective multiplier ``x`` (rows) and sale day 0..last_day (columns) of a
        unit aged ``age0_days`` on day 0, gross of selling costs. Revenue on day t is ``x q**t R(t)`` with ``q`` the
        buyer's extra daily growth; :meth:`values_usd` picks ``x`` so that the sale day's own hashprice is kept."""
        import numpy as np

        life = int(round(self.life_years * DAYS_PER_YEAR))
        n = int(last_day) + life + 1
        t = np.arange(n)
        q_t = self._growth_ratio(projection) ** (t / DAYS_PER_YEAR)
        hp = projection.hashprice_usd_per_th_day(n) * q_t
        kw24 = spec.power_w / 1000.0 * 24.0 * self.buyer_availability
        revenue = spec.hashrate_ths * hp * (1.0 - self.buyer_pool_fee) * self.buyer_availability
        cost = kw24 * self.buyer_power_price_usd_per_kwh * self.buyer_pue
        disc = (1.0 + self.buyer_required_return_per_year) ** (-t / DAYS_PER_YEAR)
        days = np.arange(int(last_day) + 1)
        remaining = np.clip(life - (age0_days + days), 0, life).astype(int)
        out = np.empty((len(x), days.size))
        for i, xi in enumerate(x):
            c = np.concatenate([[0.0], np.cumsum(np.maximum(xi * revenue - cost, 0.0) * disc)])
            out[i] = (c[days + remaining] - c[days]) / disc[days]
        return out

    def values_usd(self, spec: Any, projection: Any, age0_days: float, day: Any, x: Any = 1.0):
        """Gross value per unit [USD] on sale days ``day`` (array) for a unit aged ``age0_days`` on day 0, with
        hashprice on the sale day ``x`` times the projection's (1: the deterministic path; a Monte Carlo path
        passes its own). FMV is interpolated in log x on :meth:`x_grid` (5 % steps)."""
        import numpy as np

        day = np.atleast_1d(np.asarray(day, dtype=int))
        x = np.broadcast_to(np.asarray(x, dtype=float), day.shape)
        if self.kind is ValuationKind.CALENDAR:
            price = spec.price_usd or 0.0
            return price * self.start_fraction * (1.0 - self.decline_per_year) ** ((age0_days + day) / DAYS_PER_YEAR)
        grid = self.x_grid()
        q = self._growth_ratio(projection)
        x_eff = x * q ** (-day / DAYS_PER_YEAR)  # the buyer's path starts from the sale day's hashprice
        lx = np.log(np.clip(x_eff, grid[0], grid[-1]))
        lg = np.log(grid)
        j = np.clip(np.searchsorted(lg, lx) - 1, 0, grid.size - 2)
        w = (lx - lg[j]) / (lg[j + 1] - lg[j])
        lo, hi = int(j.min()), int(j.max()) + 2  # only the grid rows these sale days need
        table = _rows(self, spec, projection, int(day.max(initial=0)), float(age0_days), lo, hi)  # [x, day]
        return (1.0 - w) * table[j - lo, day] + w * table[j + 1 - lo, day]

    def fmv_usd(self, spec: Any, projection: Any, days: Sequence[int], age0_days: float = 0.0):
        """FMV per unit [USD] on each of ``days`` on the deterministic path, gross of selling costs."""
        return self.values_usd(spec, projection, age0_days, days)

    def x_grid(self):
        """The hashprice multipliers of :meth:`fmv_table` used to value a unit on a Monte Carlo path."""
        return _x_grid()


@functools.lru_cache(maxsize=1)
def _x_grid():
    import numpy as np

    grid = np.geomspace(X_GRID_RANGE[0], X_GRID_RANGE[1], X_GRID_SIZE)
    grid.flags.writeable = False
    return grid


@functools.lru_cache(maxsize=256)
def _rows(valuation: Valuation, spec: Any, projection: Any, last_day: int, age0_days: float, lo: int, hi: int):
    """Rows ``lo .. hi-1`` of the FMV table on the x grid, cached: sensitivity runs and flip searches value the same
    units on the same network many times while moving inputs the valuation does not depend on."""
    table = valuation.fmv_table(spec, projection, last_day, age0_days, valuation.x_grid()[lo:hi])
    table.flags.writeable = False
    return table
