"""US federal (and flat state) income tax on mining cash flows: depreciation, sales, abandonment, loss carryforward.

Conventions as :mod:`~minecore.economics.finance`: amounts in USD, cash into the operator positive, day ``t`` counts
from ``analysis_date`` (day 0). Tax [USD] on a day is positive when paid, negative when it is a refund or a shield
(a deduction that lowers tax on the operator's other income). Pure functions over explicit events: no dependency on
the decision engine.

Law and figures (each checked on the date given):

* Rate: 21 % of taxable income, IRC §11(b) as amended by Pub. L. 115-97 (TCJA) §13001, signed 2017-12-22, for
  taxable years beginning after 2017-12-31 (law.lawstack.com/usc/26/11, checked 2026-06). State income tax is
  deductible federally (§164(a)(3)), so the combined rate is ``federal + state x (1 - federal)``.
* Bonus: Pub. L. 119-21 (2025 law, signed 2025-07-04) §70301 sets §168(k)(1)(A) to 100 percent and strikes the
  phase-down of §168(k)(6) for property acquired after 2025-01-19 (a binding contract date counts as acquisition)
  and placed in service after it (DOMAIN.md; Plante Moran 2025-07-21; PwC 2025-08-26; repealobbba.org text of
  §70301). Property acquired on or before 2025-01-19 keeps the TCJA phase-down, by calendar year placed in
  service: 80 % 2023, 60 % 2024, 40 % 2025, 20 % 2026, 0 after (§168(k)(6)(A) as amended by TCJA §13201; BDO,
  2025). Used property qualifies when the taxpayer never used it before (§168(k)(2)(E)(ii), now (E)(i); IRS bonus
  FAQ; Treas. Reg. §1.168(k)-2(b)(3)(iii)).
* Otherwise (and for the rest of a partly bonus-depreciated basis): 5-year MACRS, 200 % declining balance,
  half-year convention, IRS Publication 946 Table A-1: 20.00, 32.00, 19.20, 11.52, 11.52, 5.76 %. ASICs are
  computers and peripheral equipment, asset class 00.12 of Rev. Proc. 87-56, 5-year property (DOMAIN.md).
* Sale: gain up to the depreciation taken is §1245 recapture, ordinary income (§1245(a)(1), taxnotes.com usc26/1245).
  Any gain above the original basis is a §1231 gain; it is taxed here as ordinary income too, which for a C
  corporation is the same 21 % (TCJA §13001(b)(2)(A) struck the separate corporate capital-gain rate of §1201).
  A sale below the adjusted basis, or abandonment, gives a deductible loss (§165(a)). Capex is deductible only
  through depreciation.

Simplifications (each one deliberate): tax years are 365-day periods from the placed-in-service day, so MACRS
deductions fall on that day and its anniversaries. The year of a sale or abandonment gets no depreciation; the
basis left goes into the gain or loss. Deductions before day 0 lower the basis but are sunk; those after the last
day of the cash array are outside the window. Taxes are settled ``tax_payment_lag_days`` after the day (0: the same
day; anything due after the last day is settled on the last day). Losses carried forward (``taxable_income_available
=False``) offset later income in full: no carryback (§172(b)(1)(A) after TCJA) and no 80 % limit (§172(a)(2)): that
limit applies across tax years and daily netting cannot apply it faithfully; a loss left at the end is lost.

>>> tax = TaxAssumptions()
>>> a = TaxAsset(1000.0, acquired_day=0, placed_in_service_day=0)       # bought and deployed on day 0
>>> [round(float(x), 2) for x in after_tax_cash([0.0, 100.0], tax=tax, analysis_date="2025-11-25", assets=[a])]
[-790.0, 79.0]
>>> sched = depreciation_schedule(1000.0, 0, "2025-11-25", TaxAssumptions(depreciation="macrs5"))
>>> [(d, round(x, 2)) for d, x in sched][:3]
[(0, 200.0), (365, 320.0), (730, 192.0)]
"""

from __future__ import annotations

import datetime as _dt
import enum
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ..errors import InvalidInputError
from ..validate import as_date, check_fields, count, non_negative, spec as _spec
from .finance import npv

#: 5-year MACRS, half-year convention, share of basis by recovery year (IRS Publication 946, Table A-1)
MACRS5_HALF_YEAR = (0.2000, 0.3200, 0.1920, 0.1152, 0.1152, 0.0576)
#: bonus share by calendar year placed in service for property acquired on or before the cutoff (TCJA §168(k)(6))
PHASE_DOWN = {2023: 0.8, 2024: 0.6, 2025: 0.4, 2026: 0.2}
BONUS_CUTOFF = _dt.date(2025, 1, 19)  #: acquired and placed in service after this date: 100 % bonus (Pub. L. 119-21)
_MAX_DAY = 36_500  #: furthest day (either side of day 0) an event may fall on [days]


class Depreciation(str, enum.Enum):
    """How the hardware's cost is deducted."""

    BONUS = "bonus"  #: §168(k) as the law gives it (100 %, or the phase-down share), the rest on 5-year MACRS
    MACRS5 = "macrs5"  #: election out of bonus (§168(k)(7)): 5-year MACRS, half-year convention


@dataclass(frozen=True)
class TaxAssumptions:
    """Income-tax assumptions of the operator (an explicit scenario section, never a hidden default)."""

    federal_rate: float = _spec(0.21, unit="decimal", lo=0.0, hi=1.0, hi_open=True,
                                doc="federal corporate rate (IRC §11(b) since TCJA 2017: 21 %)")
    state_rate: float = _spec(0.0, unit="decimal", lo=0.0, hi=1.0, hi_open=True,
                              doc="state income tax rate; deductible federally")
    depreciation: Depreciation = _spec(Depreciation.BONUS, kind="enum", doc="bonus or macrs5")
    bonus_cutoff_date: _dt.date = _spec(BONUS_CUTOFF, kind="date",
                                        doc="100 % bonus for property acquired and placed in service after it")
    taxable_income_available: bool = _spec(True, kind="bool",
                                           doc="other taxable income absorbs deductions and losses at once; "
                                               "false: losses are carried forward")
    tax_payment_lag_days: int = _spec(0, kind="int", unit="days", lo=0, hi=730,
                                      doc="days from a taxable event to the tax paid or refunded")

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "depreciation", Depreciation(self.depreciation))
        except ValueError:
            raise InvalidInputError(f"depreciation must be 'bonus' or 'macrs5', got {self.depreciation!r}") from None
        check_fields(self, prefix="tax ")

    @property
    def rate(self) -> float:
        """Combined marginal rate, decimal: ``federal + state x (1 - federal)`` (state tax is deductible federally).

        >>> round(TaxAssumptions(state_rate=0.05).rate, 4)
        0.2495
        """
        return self.federal_rate + self.state_rate * (1.0 - self.federal_rate)


@dataclass(frozen=True)
class TaxAsset:
    """A lot of hardware for tax: its basis and the days (from day 0) it was bought, deployed and disposed of.

    ``cost_basis_usd``: what the operator paid (price, tariff, duty, freight). ``placed_in_service_day`` None: never
    deployed in the window (a seized lot still held). Seized units keep the purchase day as ``acquired_day`` (before
    the hold, often < 0); redeployment places them in service. ``sale_proceeds_usd`` is the amount realized, net of
    selling costs, on ``sold_day``. Depreciation stops on a sale or abandonment.
    """

    cost_basis_usd: float = _spec(unit="USD", lo=0.0, hi=1e12, doc="cost basis")
    acquired_day: int = _spec(0, kind="int", unit="day", lo=-_MAX_DAY, hi=_MAX_DAY, doc="day bought (< 0: sunk)")
    placed_in_service_day: int | None = _spec(None, kind="int", unit="day", lo=-_MAX_DAY, hi=_MAX_DAY, optional=True,
                                              doc="day deployed; None = not in service")
    sold_day: int | None = _spec(None, kind="int", unit="day", lo=-_MAX_DAY, hi=_MAX_DAY, optional=True,
                                 doc="day sold; None = not sold")
    sale_proceeds_usd: float = _spec(0.0, unit="USD", lo=0.0, hi=1e12, doc="amount realized on the sale")
    abandoned_day: int | None = _spec(None, kind="int", unit="day", lo=-_MAX_DAY, hi=_MAX_DAY, optional=True,
                                      doc="day abandoned or forfeited; None = not abandoned")

    def __post_init__(self) -> None:
        check_fields(self, prefix="tax asset ")
        if self.sold_day is not None and self.abandoned_day is not None:
            raise InvalidInputError("tax asset: give sold_day or abandoned_day, not both")
        for name in ("placed_in_service_day", "sold_day", "abandoned_day"):
            day = getattr(self, name)
            if day is not None and day < self.acquired_day:
                raise InvalidInputError(f"tax asset {name} ({day}) is before acquired_day ({self.acquired_day})")


def bonus_fraction(acquired_date: Any, placed_in_service_date: Any, tax: TaxAssumptions) -> float:
    """Share of the basis deducted as bonus on the placed-in-service day (0 when ``tax`` elects out).

    >>> t = TaxAssumptions()
    >>> bonus_fraction("2025-11-25", "2025-12-25", t), bonus_fraction("2024-10-01", "2026-02-01", t)
    (1.0, 0.2)
    """
    acq, pis = as_date("acquired date", acquired_date), as_date("placed-in-service date", placed_in_service_date)
    if acq > pis:
        raise InvalidInputError(f"acquired date {acq} is after the placed-in-service date {pis}")
    if tax.depreciation is Depreciation.MACRS5:
        return 0.0
    if acq > tax.bonus_cutoff_date and pis > tax.bonus_cutoff_date:
        return 1.0
    # acquired on or before the cutoff: TCJA phase-down (assumes acquired after 2017-09-27: 100 % through 2022)
    return 1.0 if pis.year <= 2022 else PHASE_DOWN.get(pis.year, 0.0)


def depreciation_schedule(cost_usd: float, placed_in_service_day: int, analysis_date: Any, tax: TaxAssumptions,
                          acquired_date: Any = None) -> list[tuple[int, float]]:
    """Deductions ``[(day, amount_usd), ...]`` for ``cost_usd`` placed in service on ``placed_in_service_day``.

    Bonus (see :func:`bonus_fraction`) on the placed-in-service day; the rest on 5-year MACRS, half-year
    convention, on that day and its five anniversaries (365-day tax years). ``acquired_date`` defaults to the
    earlier of day 0 and the placed-in-service day. The amounts sum to ``cost_usd`` (to rounding).
    """
    cost = non_negative("cost_usd", cost_usd, hi=1e12)
    day = count("placed_in_service_day", placed_in_service_day, minimum=-_MAX_DAY, maximum=_MAX_DAY)
    d0 = as_date("analysis_date", analysis_date)
    pis = d0 + _dt.timedelta(days=day)
    acq = min(d0, pis) if acquired_date is None else as_date("acquired_date", acquired_date)
    bonus = cost * bonus_fraction(acq, pis, tax)
    rest = cost - bonus
    amounts = [rest * p for p in MACRS5_HALF_YEAR[:-1]]
    amounts.append(rest - sum(amounts))  # exact sum
    amounts[0] += bonus
    return [(day + 365 * k, a) for k, a in enumerate(amounts) if a != 0.0 or k == 0]


def _cash(name: str, values: Sequence[float] | np.ndarray) -> np.ndarray:
    raw = np.asarray(values)
    if raw.ndim != 1 or raw.dtype.kind not in "iuf":
        raise InvalidInputError(f"{name} must be a 1-D sequence of numbers")
    out = raw.astype(float)
    if not np.all(np.isfinite(out)):
        raise InvalidInputError(f"{name} must be finite")
    return out


def taxable_income(operating_cash_usd: Sequence[float] | np.ndarray, *, tax: TaxAssumptions, analysis_date: Any,
                   assets: Sequence[TaxAsset] = ()) -> np.ndarray:
    """Taxable income per day [USD]: operating cash - depreciation + gain on sale - loss on sale or abandonment."""
    income = _cash("operating_cash_usd", operating_cash_usd).copy()
    n = income.size
    for a in assets:
        if not isinstance(a, TaxAsset):
            raise InvalidInputError(f"assets must be TaxAsset records, got {type(a).__name__}")
        end = a.sold_day if a.sold_day is not None else a.abandoned_day
        basis = a.cost_basis_usd
        if a.placed_in_service_day is not None and (end is None or a.placed_in_service_day < end):
            acq = as_date("analysis_date", analysis_date) + _dt.timedelta(days=a.acquired_day)
            for day, amount in depreciation_schedule(basis, a.placed_in_service_day, analysis_date, tax, acq):
                if end is not None and day >= end:
                    break
                basis -= amount
                if 0 <= day < n:
                    income[day] -= amount
        if end is not None and 0 <= end < n:  # gain (recapture, then above cost) or loss vs the adjusted basis
            income[end] += (a.sale_proceeds_usd if a.sold_day is not None else 0.0) - basis
    return income


def tax_by_day(operating_cash_usd: Sequence[float] | np.ndarray, *, tax: TaxAssumptions, analysis_date: Any,
               assets: Sequence[TaxAsset] = ()) -> np.ndarray:
    """Tax paid per day [USD] (negative: refund or shield), same length as ``operating_cash_usd``.

    Subtract it from cash flows that already hold capex and sale proceeds: ``cash - tax_by_day(operating, ...)``.
    """
    income = taxable_income(operating_cash_usd, tax=tax, analysis_date=analysis_date, assets=assets)
    if not tax.taxable_income_available:  # carry losses forward, in full, no carryback
        carried = 0.0
        for t, x in enumerate(income):
            if x < 0:
                carried -= x
                income[t] = 0.0
            else:
                used = min(carried, x)
                carried -= used
                income[t] = x - used
    due = tax.rate * income
    lag = tax.tax_payment_lag_days
    if lag == 0 or due.size == 0:
        return due
    paid = np.zeros_like(due)
    paid[lag:] = due[: max(due.size - lag, 0)]
    paid[-1] += due[max(due.size - lag, 0):].sum()  # due after the last day: settled on the last day
    return paid


def after_tax_cash(daily_cash_usd: Sequence[float] | np.ndarray, *, tax: TaxAssumptions, analysis_date: Any,
                   assets: Sequence[TaxAsset] = ()) -> np.ndarray:
    """The operator's after-tax cash per day [USD]: operating cash - capex + sale proceeds - tax.

    ``daily_cash_usd[t]`` is the pre-tax **operating** cash of day ``t`` (margin, fees: taxable as it comes),
    without capex or sale proceeds: those come from ``assets`` (capex on ``acquired_day`` when it is >= 0,
    proceeds on ``sold_day``) and are added here. Events after the last day are left out: pass a longer array
    (zeros) to see a sale at the horizon ``H`` (length ``H + 1``).
    """
    pre = _cash("daily_cash_usd", daily_cash_usd).copy()
    t = tax_by_day(pre, tax=tax, analysis_date=analysis_date, assets=assets)
    for a in assets:
        if 0 <= a.acquired_day < pre.size:
            pre[a.acquired_day] -= a.cost_basis_usd
        if a.sold_day is not None and 0 <= a.sold_day < pre.size:
            pre[a.sold_day] += a.sale_proceeds_usd
    return pre - t


def after_tax_npv(rate_per_year: float, daily_cash_usd: Sequence[float] | np.ndarray, *, tax: TaxAssumptions,
                  analysis_date: Any, assets: Sequence[TaxAsset] = ()) -> float:
    """NPV on day 0 [USD] of :func:`after_tax_cash`, discounted by ``(1 + r) ** (-t / 365)``."""
    return npv(rate_per_year, after_tax_cash(daily_cash_usd, tax=tax, analysis_date=analysis_date, assets=assets))
