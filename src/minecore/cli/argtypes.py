"""argparse ``type=`` converters shared by the commands: each gives argparse a one-line reason on bad input.

The text is parsed here (argparse hands over strings); the range checks are :mod:`minecore.validate`'s, so the
command line and the Python API reject the same values with the same wording.  Every converter raises
:class:`argparse.ArgumentTypeError` (never a minecore error), which argparse prints as
``argument --seconds: value must be finite, got nan``.

>>> positive_number("2.5")
2.5
>>> positive_number("nan")
Traceback (most recent call last):
...
argparse.ArgumentTypeError: value must be finite, got nan
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, TypeVar

from .. import validate as V
from ..errors import InvalidInputError

T = TypeVar("T")

#: how the value is named in the reasons (argparse puts the option name in front)
_NAME = "value"


def _checked(check: Callable[..., T], value: Any, **kw: Any) -> T:
    """``check(_NAME, value, **kw)``, its :class:`InvalidInputError` turned into argparse's error type."""
    try:
        return check(_NAME, value, **kw)
    except InvalidInputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def integer(text: str) -> int:
    """An integer in any base Python accepts (``1000``, ``0x10``, ``1_000``)."""
    try:
        return int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None


def positive_integer(text: str) -> int:
    """An integer >= 1."""
    return _checked(V.count, integer(text), minimum=1)


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


def finite_number(text: str) -> float:
    """A finite float: ``nan``, ``inf``, ``-inf`` and overflowing literals such as ``1e999`` are rejected."""
    return _checked(V.finite, _float(text))


def number(text: str) -> float:
    """A finite float (the same as :func:`finite_number`; NaN and ±inf are never a valid option value)."""
    return finite_number(text)


def positive_number(text: str) -> float:
    """A finite float > 0."""
    return _checked(V.positive, _float(text))


def iso_date(text: str):
    """A calendar date ``YYYY-MM-DD`` (a :class:`datetime.date`).

    >>> iso_date("2024-11-12")
    datetime.date(2024, 11, 12)
    """
    return _checked(V.as_date, text)
