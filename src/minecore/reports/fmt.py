"""Formatting of report figures for people (tables, HTML). Formatting only: no arithmetic on money
beyond scaling a number for display (``$1.25M``)."""

from __future__ import annotations

import math
from typing import Any


def usd(value: float | None, *, signed: bool = False) -> str:
    """``$1.25M``, ``-$310k``, ``$4,129``; ``—`` for None."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    sign = "-" if value < 0 else ("+" if signed and value > 0 else "")
    a = abs(value)
    if a >= 1e9:
        body = f"{a / 1e9:.2f}B"
    elif a >= 1e6:
        body = f"{a / 1e6:.2f}M"
    elif a >= 1e4:
        body = f"{a / 1e3:.0f}k"
    elif a >= 100:
        body = f"{a:,.0f}"
    else:
        body = f"{a:,.2f}"
    return f"{sign}${body}"


def usd_per_kwh(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return f"${value:.3f}"


def pct(value: float | None, digits: int = 1) -> str:
    """0.576 -> ``57.6%``."""
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value * 100:.{digits}f}%"


def probability(value: float | None, digits: int = 0) -> str:
    """A probability as a percentage; ``n/a`` for None (not defined, e.g. P(payback) of a strategy without cash
    flows), unlike :func:`pct`'s ``—``."""
    if value is None:
        return "n/a"
    return pct(value, digits)


def days(value: float | None, *, never: str = "never") -> str:
    """Payback-style days; None means never."""
    if value is None or not math.isfinite(value):
        return never
    return f"{value:,.0f} d"


def number(value: Any, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return "—"
        if value != 0 and abs(value) >= 1e6:
            return f"{value:.4g}"
        return f"{value:,.{digits}f}"
    return str(value)


def figure(value: Any, unit: str) -> str:
    """An input figure with its unit, e.g. ``152.0 T`` difficulty or ``$91,000`` per BTC."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if unit.startswith("USD"):
            rest = unit[3:].lstrip("/")
            if unit == "USD/kWh":
                return f"{usd_per_kwh(float(value))}/kWh"
            text = usd(float(value)) if abs(value) >= 100 else f"${value:,.4g}"
            return f"{text}/{rest}" if rest else text
        if unit == "decimal":
            return pct(float(value))
        if unit.startswith("decimal/"):
            return f"{pct(float(value))}/{unit.split('/', 1)[1]}"
        if unit == "T" or (unit == "" and abs(value) >= 1e12):
            return f"{value / 1e12:,.2f} T"
        if isinstance(value, float):
            return f"{number(value, 3 if abs(value) < 10 else 1)} {unit}".strip()
        return f"{value:,} {unit}".strip()
    return f"{value} {unit}".strip() if unit and value not in ("", None) else str(value)


PRICE_BASIS_LABELS = {"catalog": "catalog (dated)", "scenario_assumption": "scenario assumption",
                      "valuation_fmv": "valuation model (FMV new)", "assumed_tier": "assumed $/TH tier"}


def price_basis(basis: str, unverified: bool = False) -> str:
    """Label of a price's basis (see :data:`minecore.reports.model.PRICE_BASES`), e.g. ``scenario assumption``;
    ``, unverified`` when economics flags the price unverified."""
    return PRICE_BASIS_LABELS.get(basis, basis) + (", unverified" if unverified else "")


def short(text: str, limit: int = 60) -> str:
    """Cut ``text`` to ``limit`` characters with an ellipsis (tables; JSON and HTML keep the full text)."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
