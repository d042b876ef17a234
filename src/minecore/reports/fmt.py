"""Formatting of report figures for people (tables, HTML). Formatting only: no arithmetic on money
beyond scaling a number for display (``$1.25M``)."""

from __future__ import annotations

import math
import re
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
        if unit.startswith("decimal "):  # e.g. "decimal per 1,000 units"
            return f"{pct(float(value))} {unit[len('decimal '):]}"
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


#: readable names of catalog and model field names, for warnings and "unverified" lists (JSON keeps the keys)
FIELD_LABELS = {"efficiency_j_per_th": "efficiency (J/TH)", "hashrate_ths": "hashrate (TH/s)", "power_w": "power (W)",
                "chips_per_board": "chips per board", "chip": "chip", "boards": "boards",
                "assembly_country": "country of assembly", "price_usd": "price", "release": "release date",
                "cooling": "cooling"}


def field_label(name: str) -> str:
    """Readable name of a field, e.g. ``efficiency_j_per_th`` -> ``efficiency (J/TH)``; unknown names unchanged."""
    return FIELD_LABELS.get(name, name.replace("_", " ") if "_" in name else name)


def readable(text: str) -> str:
    """``text`` with the raw field names of :data:`FIELD_LABELS` (``efficiency_j_per_th``...) written readably.

    >>> readable("SEALMINER A2: efficiency_j_per_th, hashrate_ths, power_w unverified in the catalog")
    'SEALMINER A2: efficiency (J/TH), hashrate (TH/s), power (W) unverified in the catalog'
    """
    import re

    keys = sorted((k for k in FIELD_LABELS if "_" in k), key=len, reverse=True)
    return re.sub(r"\b(" + "|".join(keys) + r")\b", lambda m: FIELD_LABELS[m.group(1)], str(text))


def short(text: str, limit: int = 60) -> str:
    """Cut ``text`` to ``limit`` characters with an ellipsis (tables; JSON and HTML keep the full text)."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# ---------------------------------------------------------------------------------------------- untrusted text
# Names and sources come from scenario files and catalogs: text that reaches a terminal, a chart or a spreadsheet
# must not act there (escape sequences, mathtext, formulas).

#: C0 controls, DEL, C1 controls (0x9b is a one-byte CSI), and the bidirectional overrides/isolates that can make
#: text read differently from what it holds ("Trojan Source")
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    ch = match.group(0)
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe_text(text: Any, *, keep_newlines: bool = False) -> str:
    """``text`` for a terminal: control characters (ESC, BEL, CR, DEL, C1) and bidirectional overrides are shown
    escaped as ``\\x1b``, ``\\u202e``..., so a name cannot move the cursor, recolour, clear or retitle the terminal.
    ``keep_newlines`` keeps newlines and tabs (multi-line cells); otherwise they are escaped too.

    >>> safe_text("lot \\x1b[2J\\x07")
    'lot \\\\x1b[2J\\\\x07'
    >>> safe_text("a\\nb"), safe_text("a\\nb", keep_newlines=True)
    ('a\\\\nb', 'a\\nb')
    """
    text = str(text)
    if keep_newlines:
        return "\n".join("\t".join(_UNSAFE.sub(_escape, part) for part in line.split("\t"))
                         for line in text.split("\n"))
    return _UNSAFE.sub(_escape, text)


#: first characters that make a spreadsheet read a text cell as a formula (OWASP "CSV injection")
CSV_FORMULA_CHARS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A value for a CSV cell: ``None`` as empty, numbers unchanged, and a text that begins with ``=``, ``+``,
    ``-``, ``@``, tab or carriage return prefixed with ``'`` so that spreadsheets show it instead of evaluating
    it (OWASP's rule for CSV injection). Control characters in text are shown escaped (:func:`safe_text`).

    >>> csv_cell("=1+2"), csv_cell("@SUM(A1)"), csv_cell("-5 %"), csv_cell(-5.0), csv_cell("S21"), csv_cell(None)
    ("'=1+2", "'@SUM(A1)", "'-5 %", -5.0, 'S21', '')
    """
    if value is None:
        return ""
    if isinstance(value, str):
        value = safe_text(value, keep_newlines=True)  # the CSV may be printed on a terminal
        if value.startswith(CSV_FORMULA_CHARS):
            return "'" + value
    return value
