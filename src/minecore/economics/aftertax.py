"""After-tax NPVs of the decision's strategies, from the pre-tax ones and each strategy's tax-basis events.

With a constant rate ``r`` and other taxable income to absorb deductions (``taxable_income_available``), tax is
linear in the cash flows, so for any strategy and any release day ``w``::

    taxable income = pre-tax cash + capex - adjusted basis of what is sold or abandoned - depreciation
    PV(after tax)  = (1 - r) PV(pre-tax) - r K(w),   K(w) = PV(capex) - PV(basis disposed) - PV(depreciation)

``K`` depends only on when things are bought, deployed and disposed of, never on the BTC or difficulty path, so the
expected-value engine takes ``E[K]`` over the release distribution and the Monte Carlo takes ``K(w)`` per path.
Operating cash (margin, holding fees, legal costs, brokerage, entry duty) is taxed as ordinary income or deducted
when paid (simplification: duty paid on entry is expensed, not added to the units' basis).

The seized units' basis is their declared value (``price_usd``), bought on the hold-start date (sunk, never
deployed while held): a sale on release realises a gain or loss against it, abandonment or forfeiture deducts it,
redeployment places it in service (bonus depreciation by :func:`~minecore.economics.tax.bonus_fraction`), and the
units kept to the horizon are sold there at the valuation model's value. Replacements are bought on day 0 at
their landed cost, placed in service on delivery and sold at the horizon.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

import numpy as np

from ..errors import InvalidInputError
from .tax import MACRS5_HALF_YEAR, TaxAssumptions, bonus_fraction, depreciation_schedule


@dataclass(frozen=True)
class TaxTerms:
    """Per-unit ``K`` terms [USD, PV on day 0] of a lot's strategies: arrays over the release or forfeiture day
    ``w = 0 .. H - 1`` and scalars for what does not depend on it."""

    rate: float
    wait_released: np.ndarray  #: units released on day w and run (deployed at w + delay, sold at the horizon)
    disposed: np.ndarray  #: units sold on release, re-exported, or forfeited on day w (basis deducted on day w)
    abandon: float  #: units abandoned today
    replacement: tuple[float, ...]  #: per replacement unit of each option


def _pv_schedule(sched: list[tuple[int, float]], disc: np.ndarray, horizon: int) -> tuple[float, float]:
    """PV of the deductions inside the window, and the basis they leave at the horizon (undiscounted)."""
    inside = [(d, a) for d, a in sched if d < horizon]
    pv = sum(a * disc[max(d, 0)] for d, a in inside)
    return pv, sum(a for _d, a in sched) - sum(a for _d, a in inside)


def _year_index(day0: _dt.date, days: np.ndarray) -> np.ndarray:
    """Index of each day's calendar year among the years the days span (bonus shares change by year)."""
    years = (np.datetime64(day0, "D") + days.astype("timedelta64[D]")).astype("datetime64[Y]").astype(int)
    return years - years.min()


def _year_starts(day0: _dt.date, days: np.ndarray) -> list[int]:
    """A day in each calendar year the days span, as days from ``day0`` (the first day, then each 1 January)."""
    first, last = day0 + _dt.timedelta(days=int(days.min())), day0 + _dt.timedelta(days=int(days.max()))
    out = [int(days.min())]
    out += [(_dt.date(y, 1, 1) - day0).days for y in range(first.year + 1, last.year + 1)]
    return out


def tax_terms(sc, p) -> TaxTerms:
    """The ``K`` terms of scenario ``sc`` (single lot) from its decision parts ``p``."""
    tax: TaxAssumptions = sc.tax
    if not tax.taxable_income_available:
        raise InvalidInputError("after-tax decisions assume other taxable income absorbs deductions at once "
                                "(tax taxable_income_available = true); loss carryforward is in minecore.economics.tax "
                                "for single cash-flow series only")
    lot = sc.lot
    H = sc.horizon_days
    disc = p.disc
    basis = float(lot.machine.price_usd)
    day0 = sc.analysis_date
    acquired = day0 - _dt.timedelta(days=sc.days_held)  # bought no later than the hold began
    # deductions of units deployed on day pis = w + delay: bonus share by the deployment year, the rest on MACRS,
    # on pis and its anniversaries (tax.depreciation_schedule), vectorised over w
    pis = np.arange(H) + lot.redeploy_delay_days
    frac = np.array([bonus_fraction(acquired, day0 + _dt.timedelta(days=int(d)), tax) for d in
                     _year_starts(day0, pis)])[_year_index(day0, pis)]
    amounts = [(1.0 - frac) * m for m in MACRS5_HALF_YEAR]
    amounts[0] = amounts[0] + frac
    pv_dep = np.zeros(H)
    left = np.zeros(H)
    for k, a in enumerate(amounts):
        day = pis + 365 * k
        inside = day < H
        pv_dep += np.where(inside, a * disc[np.minimum(day, H)], 0.0)
        left += np.where(inside, 0.0, a)
    wait = -basis * (pv_dep + left * disc[H])  # deployed in the window, sold at the horizon with what is left
    disposed = -basis * disc[:H]
    repl = []
    for ro in p.options:
        cost = ro.capex.total_usd
        pv_dep, left = _pv_schedule(depreciation_schedule(cost, ro.option.lead_time_days, day0, tax, day0), disc, H)
        repl.append(cost - pv_dep - left * disc[H])
    return TaxTerms(tax.rate, wait, disposed, -basis, tuple(repl))


def expected_wait_sell_k(t: TaxTerms, pmf: np.ndarray, q_forfeit: float) -> tuple[float, float]:
    """E[K] per seized unit under waiting (redeploy) and under selling on release (or re-exporting)."""
    rel = pmf * (1.0 - q_forfeit)
    lost = pmf * q_forfeit
    wait = float(np.sum(rel * t.wait_released) + np.sum(lost * t.disposed))
    sell = float(np.sum((rel + lost) * t.disposed))
    return wait, sell


def after_tax(pre_tax_npv_usd, k_usd, rate: float):
    """``(1 - r) x pre-tax NPV - r x K`` (works on floats and on per-path arrays)."""
    return (1.0 - rate) * pre_tax_npv_usd - rate * k_usd
