"""Dated US import-duty table for mining ASICs, keyed by country of origin (assembly).

The shipped table (``data/tariffs.json``, HTS 8543.70.9860) carries its sources. Rates are decimals of the
declared unit price (0.576 = 57.6 %). A rate applies from its ``effective_from`` date until a later row for the
same country; countries without a row use ``default``.

>>> t = default_tariffs()
>>> t.rate("China", "2025-09-01"), t.rate("Malaysia", "2025-09-01"), t.rate("Germany", "2024-01-01")
(0.576, 0.216, 0.026)
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

from ..errors import InvalidInputError
from ._validate import as_date, finite
from ..errors import TariffError  # noqa: F401  (defined in minecore.errors, re-exported here)


_ALIASES = {"prc": "china", "cn": "china", "us": "united states", "usa": "united states", "my": "malaysia",
            "th": "thailand", "id": "indonesia", "sg": "singapore"}


def _norm(country: str) -> str:
    c = " ".join(str(country).strip().lower().split())
    return _ALIASES.get(c, c)


@dataclass(frozen=True)
class TariffRate:
    country: str
    effective_from: _dt.date
    rate: float
    source: str = ""


@dataclass(frozen=True)
class TariffTable:
    """Dated tariff rows; use :meth:`rate` to look one up and :meth:`with_rate` to override."""

    rates: tuple[TariffRate, ...]
    hts_code: str = "8543.70.9860"
    as_of: _dt.date | None = None
    sources: tuple[str, ...] = ()

    def rate(self, country: str | None, on: str | _dt.date | None = None) -> float:
        """Total duty [decimal] for goods of ``country`` origin entering on date ``on`` (default: latest row)."""
        day = as_date("tariff date", on, TariffError) if on is not None else _dt.date.max
        key = _norm(country or "default")
        for k in (key, "default"):
            rows = [r for r in self.rates if _norm(r.country) == k and r.effective_from <= day]
            if rows:
                return max(rows, key=lambda r: r.effective_from).rate
        raise TariffError(f"no tariff rate for {country!r} on {day} and no default row")

    def source_for(self, country: str | None, on: str | _dt.date | None = None) -> str:
        day = as_date("tariff date", on, TariffError) if on is not None else _dt.date.max
        key = _norm(country or "default")
        for k in (key, "default"):
            rows = [r for r in self.rates if _norm(r.country) == k and r.effective_from <= day]
            if rows:
                return max(rows, key=lambda r: r.effective_from).source
        return ""

    def with_rate(self, country: str, rate: float, effective_from: str | _dt.date = "1900-01-01",
                  source: str = "user override") -> "TariffTable":
        """Copy with an extra row (the override replaces every row for that country from its date on)."""
        r = finite(f"tariff rate for {country}", rate, lo=0.0, err=TariffError)
        row = TariffRate(country, as_date("effective_from", effective_from, TariffError), r, source)
        others = tuple(x for x in self.rates if not (_norm(x.country) == _norm(country)
                                                       and x.effective_from >= row.effective_from))
        return TariffTable(others + (row,), self.hts_code, self.as_of, self.sources)

    def to_rows(self) -> list[dict[str, Any]]:
        return [{"country": r.country, "effective_from": r.effective_from.isoformat(), "rate": r.rate,
                 "source": r.source} for r in self.rates]


def _from_mapping(data: Mapping[str, Any], origin: str) -> TariffTable:
    try:
        src = data.get("sources", {})
        rows = []
        for i, row in enumerate(data["rates"]):
            rows.append(TariffRate(str(row["country"]), as_date(f"{origin}: rates[{i}].effective_from",
                                                                row["effective_from"], TariffError),
                                   finite(f"{origin}: rates[{i}].rate", row["rate"], lo=0.0, err=TariffError),
                                   str(src.get(row.get("source", ""), row.get("source", ""))) if isinstance(src, Mapping)
                                   else str(row.get("source", ""))))
    except (KeyError, TypeError, AttributeError) as exc:
        raise TariffError(f"{origin}: malformed tariff table ({exc!r})") from None
    as_of = data.get("as_of")
    return TariffTable(tuple(rows), str(data.get("hts_code", "8543.70.9860")),
                       as_date("as_of", as_of, TariffError) if as_of else None,
                       tuple(src.values()) if isinstance(src, Mapping) else tuple(src))


def default_tariffs() -> TariffTable:
    """The shipped dated table (``data/tariffs.json``)."""
    text = resources.files("minecore.economics").joinpath("data/tariffs.json").read_text()
    return _from_mapping(json.loads(text), "data/tariffs.json")


def load_tariffs(path: str | Path) -> TariffTable:
    """Read a table in the shipped JSON layout (or the same keys in TOML)."""
    p = Path(path)
    try:
        raw = p.read_text()
        data = __import__("tomllib").loads(raw) if p.suffix.lower() == ".toml" else json.loads(raw)
    except (OSError, ValueError) as exc:
        raise TariffError(f"{p}: cannot read tariff table: {str(exc).splitlines()[0]}") from None
    return _from_mapping(data, str(p))
