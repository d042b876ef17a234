"""Input checks shared by the economics layer; every failure is a typed :class:`InvalidInputError`."""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any

from ..errors import InvalidInputError

DAYS_PER_MONTH = 365.25 / 12.0  #: mean month length [days], used for monthly rates
DAYS_PER_YEAR = 365.0  #: discounting year [days]


def finite(name: str, value: Any, *, lo: float | None = None, hi: float | None = None,
           lo_open: bool = False, err: type[InvalidInputError] = InvalidInputError) -> float:
    """Return ``value`` as float after checking it is finite and inside [lo, hi] (or (lo, hi] if ``lo_open``)."""
    if isinstance(value, bool):
        raise err(f"{name} must be a number, got {value!r}")
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise err(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(x):
        raise err(f"{name} must be finite, got {value!r}")
    if lo is not None and (x <= lo if lo_open else x < lo):
        raise err(f"{name} must be {'>' if lo_open else '>='} {lo:g}, got {x:g}")
    if hi is not None and x > hi:
        raise err(f"{name} must be <= {hi:g}, got {x:g}")
    return x


def non_negative(name: str, value: Any, **kw) -> float:
    return finite(name, value, lo=0.0, **kw)


def positive(name: str, value: Any, **kw) -> float:
    return finite(name, value, lo=0.0, lo_open=True, **kw)


def fraction(name: str, value: Any, **kw) -> float:
    return finite(name, value, lo=0.0, hi=1.0, **kw)


def count(name: str, value: Any, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, (int,)) and not (isinstance(value, float) and value.is_integer()):
        try:
            import numpy as np

            if isinstance(value, np.integer):
                value = int(value)
            else:
                raise TypeError
        except TypeError:
            raise InvalidInputError(f"{name} must be an integer, got {value!r}") from None
    value = int(value)
    if value < minimum:
        raise InvalidInputError(f"{name} must be >= {minimum}, got {value}")
    return value


def as_date(name: str, value: Any, err: type[InvalidInputError] = InvalidInputError) -> _dt.date:
    """Accept a ``date``, ``datetime`` or ISO ``YYYY-MM-DD`` string."""
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise err(f"{name} must be a date YYYY-MM-DD, got {value!r}")
