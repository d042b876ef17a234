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

import dataclasses as _dc
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


# ---------------------------------------------------------------------------------------------- declared fields
# Input records declare each field's kind, unit, range and meaning once, with :func:`spec`; their
# ``__post_init__`` calls :func:`check_fields`, loaders report errors by the same names, and the docs'
# schema tables are generated from the same declarations (:func:`describe`), so none of them can drift.

_KINDS = ("float", "int", "date", "text", "bool", "seed", "enum")


def spec(default: Any = _dc.MISSING, *, kind: str = "float", unit: str = "", doc: str = "",
         lo: float | None = None, hi: float | None = None, lo_open: bool = False, hi_open: bool = False,
         optional: bool = False, default_factory: Any = _dc.MISSING) -> Any:
    """A dataclass field with its declaration (``kind`` one of float/int/date/text/bool/seed/enum).

    ``optional``: ``None`` is allowed (and means what ``doc`` says). Bounds are inclusive unless ``*_open``.
    """
    if kind not in _KINDS:
        raise ValueError(f"unknown field kind {kind!r}")
    meta = {"kind": kind, "unit": unit, "doc": doc, "lo": lo, "hi": hi, "lo_open": lo_open, "hi_open": hi_open,
            "optional": optional}
    if default_factory is not _dc.MISSING:
        return _dc.field(default_factory=default_factory, metadata={"minecore": meta})
    return _dc.field(default=default, metadata={"minecore": meta})


def check_value(name: str, meta: dict[str, Any], value: Any, err: Err = InvalidInputError) -> Any:
    """Check one value against a field declaration; return the clean value."""
    if value is None:
        if meta["optional"]:
            return None
        raise err(f"{name} is required")
    kind, lo, hi = meta["kind"], meta["lo"], meta["hi"]
    if kind == "float":
        return finite(name, value, lo=lo, hi=hi, lo_open=meta["lo_open"], hi_open=meta["hi_open"], err=err)
    if kind == "int":
        return count(name, value, minimum=int(lo) if lo is not None else -(2**63),
                     maximum=int(hi) if hi is not None else None, err=err)
    if kind == "seed":
        return seed(name, value, err=err)
    if kind == "date":
        return as_date(name, value, err)
    if kind == "text":
        return text(name, value, err=err)
    if kind == "bool":
        if not isinstance(value, bool):
            raise err(f"{name} must be true or false, got {value!r}")
        return value
    return value  # enum: converted by the record itself


def check_fields(obj: Any, err: Err = InvalidInputError, prefix: str = "") -> None:
    """Check and normalise every declared field of dataclass instance ``obj`` in place (frozen ones too);
    error messages name the field as ``prefix + name``."""
    for f in _dc.fields(obj):
        meta = f.metadata.get("minecore")
        if meta is not None:
            object.__setattr__(obj, f.name, check_value(prefix + f.name, meta, getattr(obj, f.name), err))


def describe(cls: type) -> list[dict[str, Any]]:
    """The declared fields of dataclass ``cls``: name, kind, unit, range (text), default, optional, doc."""
    rows = []
    for f in _dc.fields(cls):
        meta = f.metadata.get("minecore")
        if meta is None:
            continue
        if f.default is not _dc.MISSING:
            default = f.default
        elif f.default_factory is not _dc.MISSING:  # type: ignore[misc]
            default = f.default_factory()  # type: ignore[misc]
        else:
            default = _dc.MISSING
        rows.append({"name": f.name, "kind": meta["kind"], "unit": meta["unit"], "range": range_text(meta),
                     "default": default, "optional": meta["optional"], "doc": meta["doc"]})
    return rows


def range_text(meta: dict[str, Any]) -> str:
    """``[0, 1]``, ``(0, 3650]``, ``>= 0`` ... for a field declaration ('' when unbounded)."""
    lo, hi = meta["lo"], meta["hi"]
    if meta["kind"] == "seed":
        return "[0, 2^64)"
    if lo is None and hi is None:
        return ""
    if hi is None:
        return f"{'>' if meta['lo_open'] else '>='} {lo:g}"
    if lo is None:
        return f"{'<' if meta['hi_open'] else '<='} {hi:g}"
    return f"{'(' if meta['lo_open'] else '['}{lo:g}, {hi:g}{')' if meta['hi_open'] else ']'}"


def choice(name: str, value: Any, enum_cls: type, err: Err = InvalidInputError) -> Any:
    """``value`` as a member of the enum ``enum_cls`` (by member or value), else a typed error listing the values."""
    try:
        return enum_cls(value)
    except ValueError:
        known = ", ".join(str(m.value) for m in enum_cls)
        raise err(f"{name} must be one of {known}, got {value!r}") from None
