"""Finance primitives shared by every economics result: discounting, NPV, IRR, payback and ROI.

Conventions (one set, used everywhere):

* **Sign**: cash **into** the operator is positive; capex, power and fees are negative.
* **Time**: day ``t`` counts from the analysis date (day 0). Cash of day ``t`` is discounted by
  ``(1 + r) ** (-t / 365)`` with ``r`` the annual decimal rate; capex on day 0 is not discounted; a sale at
  the horizon ``H`` is discounted as day ``H``.
* **Payback** (:func:`payback_day`): the number of days of cash it takes for the cumulative cash (capex
  included, salvage excluded) to get back to zero, i.e. ``t + 1`` for the first day ``t`` on which it is
  ``>= 0`` after having been negative; ``0`` when it is never negative (nothing to pay back); ``None`` when it
  stays negative to the horizon.
* **ROI** (:func:`roi`): undiscounted net gain over what was invested, ``(cash in - invested) / invested``;
  ``None`` (not ``nan``) when nothing was invested.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Sequence

from ..errors import InvalidInputError
from ..validate import finite

if TYPE_CHECKING:
    import numpy as np

DAYS_PER_MONTH = 365.25 / 12.0  #: mean month length [days], used for monthly rates
DAYS_PER_YEAR = 365.0  #: discounting year [days]


def _rate(rate_per_year: float) -> float:
    # r <= -100 % makes (1 + r) ** -t infinite or complex: no meaningful present value
    return finite("discount rate per year", rate_per_year, lo=-1.0, lo_open=True, hi=100.0)


def _flows(cash_flows_usd: Sequence[float] | np.ndarray, days: Sequence[float] | np.ndarray | None):
    import numpy as np

    cf = np.asarray(cash_flows_usd, dtype=float).ravel()
    t = np.arange(cf.size, dtype=float) if days is None else np.asarray(days, dtype=float).ravel()
    if t.size != cf.size:
        raise InvalidInputError(f"cash flows and days differ in length ({cf.size} != {t.size})")
    if not (np.all(np.isfinite(cf)) and np.all(np.isfinite(t))):
        raise InvalidInputError("cash flows and days must be finite")
    return cf, t


def discount_factors(rate_per_year: float, days: int) -> np.ndarray:
    """``(1 + r) ** (-t / 365)`` for ``t = 0 .. days`` inclusive (the last one is the horizon, for a sale).

    >>> [round(float(x), 6) for x in discount_factors(0.10, 365)[[0, 365]]]
    [1.0, 0.909091]
    """
    import numpy as np

    return (1.0 + _rate(rate_per_year)) ** (-np.arange(int(days) + 1, dtype=float) / DAYS_PER_YEAR)


def npv(rate_per_year: float, cash_flows_usd: Sequence[float] | np.ndarray,
        days: Sequence[float] | np.ndarray | None = None) -> float:
    """Net present value [USD] on day 0 of cash flows paid on ``days`` (default 0, 1, 2, ...).

    Parameters
    ----------
    rate_per_year : annual discount rate, decimal, > -1
    cash_flows_usd : cash flows [USD], positive into the operator
    days : day of each flow [days from day 0]; default ``0 .. n-1``

    >>> round(npv(0.10, [-100.0, 110.0], [0, 730]), 4)     # -100 + 110 / 1.1 ** 2
    -9.0909
    >>> abs(npv(0.10, [-100.0, 110.0], [0, 365])) < 1e-9  # 10 %/year is this investment's IRR
    True
    """
    import numpy as np

    r = _rate(rate_per_year)
    cf, t = _flows(cash_flows_usd, days)
    return float(np.sum(cf * (1.0 + r) ** (-t / DAYS_PER_YEAR)))


def irr(cash_flows_usd: Sequence[float] | np.ndarray, days: Sequence[float] | np.ndarray | None = None) -> float | None:
    """Annual internal rate of return (decimal) solving ``npv(irr, cash_flows_usd, days) = 0``.

    Bisection on ``log(1 + r)`` between -99.99 % and +999,900 %. ``None`` when no rate in that range gives
    zero NPV: no cash ever comes back, nothing is paid out, or the NPV does not change sign.

    >>> round(irr([-100.0, 110.0], [0, 365]), 6)
    0.1
    >>> irr([100.0, 10.0]) is None
    True
    """
    import numpy as np

    cf, t = _flows(cash_flows_usd, days)
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


def payback_day(cumulative_cash_usd: Sequence[float] | np.ndarray) -> int | None:
    """Days of cash needed to pay back: see the module docstring for the convention.

    ``cumulative_cash_usd[t]`` is the cumulative cash at the end of day ``t`` (capex included, no salvage).

    >>> payback_day([-100.0, -40.0, 20.0, 80.0])   # back to >= 0 during day 2: three days of cash
    3
    >>> payback_day([0.0, 5.0]), payback_day([-100.0, -90.0])
    (0, None)
    """
    import numpy as np

    cum = np.asarray(cumulative_cash_usd, dtype=float)
    tol = 1e-9 * max(1.0, float(np.max(np.abs(cum))) if cum.size else 1.0)
    negative = cum < -tol
    if not negative.any():
        return 0
    first_neg = int(np.argmax(negative))
    back = np.flatnonzero(~negative[first_neg:])
    return None if back.size == 0 else first_neg + int(back[0]) + 1


def roi(cash_in_usd: float, invested_usd: float) -> float | None:
    """Undiscounted return on investment, decimal: ``(cash_in - invested) / invested``; None if nothing invested.

    >>> roi(1500.0, 1000.0), roi(50.0, 0.0)
    (0.5, None)
    """
    return (cash_in_usd - invested_usd) / invested_usd if invested_usd > 0 else None
