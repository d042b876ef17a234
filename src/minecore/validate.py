"""Input checks used by every layer: each returns the clean value or raises the error type it is given.

Numbers must be real numbers (``int``, ``float`` or a numpy scalar), never ``bool`` and never numeric strings:
``"0.05"`` is rejected here, not later by numpy with an untyped error. Callers pass ``err`` (default
:class:`~minecore.errors.InvalidInputError`) so a scenario loader raises ``ScenarioError``, a snapshot
``SnapshotError`` and so on, all with the same wording.

>>> finite("pue", 1.1, lo=1.0, hi=5.0)
1.1
>>> finite("power_price_usd_per_kwh", "0.05")
Traceback (most recent call last):
...
minecore.errors.InvalidInputError: power_price_usd_per_kwh must be a number, got '0.05'
"""

from __future__ import annotations

import datetime as _dt
import math
import numbers
from typing import Any

from .errors import InvalidInputError

Err = type[InvalidInputError]


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def finite(name: str, value: Any, *, lo: float | None = None, hi: float | None = None, lo_open: bool = False,
           hi_open: bool = False, err: Err = InvalidInputError) -> float:
    """``value`` as a float, finite and inside ``[lo, hi]`` (``lo_open``/``hi_open`` exclude an end)."""
    if not _is_number(value):
        raise err(f"{name} must be a number, got {value!r}")
    x = float(value)
    if not math.isfinite(x):
        raise err(f"{name} must be finite, got {value!r}")
    if lo is not None and (x <= lo if lo_open else x < lo):
        raise err(f"{name} must be {'>' if lo_open else '>='} {lo:g}, got {x:g}")
    if hi is not None and (x >= hi if hi_open else x > hi):
        raise err(f"{name} must be {'<' if hi_open else '<='} {hi:g}, got {x:g}")
    return x


def non_negative(name: str, value: Any, **kw: Any) -> float:
    """A finite float >= 0 (``hi`` may bound it)."""
    return finite(name, value, lo=0.0, **kw)


def positive(name: str, value: Any, **kw: Any) -> float:
    """A finite float > 0 (``hi`` may bound it)."""
    return finite(name, value, lo=0.0, lo_open=True, **kw)


def fraction(name: str, value: Any, **kw: Any) -> float:
    """A decimal in [0, 1]."""
    return finite(name, value, lo=0.0, hi=1.0, **kw)


def count(name: str, value: Any, *, minimum: int = 0, maximum: int | None = None, err: Err = InvalidInputError) -> int:
    """An integer in ``[minimum, maximum]``; an integral float (``3.0``) is accepted, ``3.5`` and ``"3"`` are not."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        n = int(value)
    elif isinstance(value, float) and value.is_integer():
        n = int(value)
    else:
        raise err(f"{name} must be an integer, got {value!r}")
    if n < minimum:
        raise err(f"{name} must be >= {minimum}, got {n}")
    if maximum is not None and n > maximum:
        raise err(f"{name} must be <= {maximum}, got {n}")
    return n


def text(name: str, value: Any, *, max_len: int = 200, err: Err = InvalidInputError) -> str:
    """A non-empty string (stripped), at most ``max_len`` characters."""
    if not isinstance(value, str) or not value.strip():
        raise err(f"{name} must be a non-empty string, got {value!r}")
    out = value.strip()
    if len(out) > max_len:
        raise err(f"{name} must be at most {max_len} characters, got {len(out)}")
    return out


def as_date(name: str, value: Any, err: Err = InvalidInputError) -> _dt.date:
    """A ``date``, ``datetime`` or ISO ``YYYY-MM-DD`` string, as a ``date``."""
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


def seed(name: str, value: Any, err: Err = InvalidInputError) -> int:
    """A random seed: an integer in [0, 2**64) (larger seeds would silently wrap to the same streams)."""
    return count(name, value, minimum=0, maximum=2**64 - 1, err=err)
