"""Effective-dated US import-duty schedule for mining ASICs, keyed by country of origin (assembly).

The shipped table (``data/tariffs.json``, HTS 8543.70.9860) is a schedule of rows, each with its own source
and, where known, its ``components`` (MFN, Section 301, IEEPA duties), which must sum to the row's rate.
Rates are decimals of the declared unit price (0.476 = 47.6 %). A row applies from its ``effective_from``
date until a later row for the same country; countries without a row use ``default``. Past
``verified_through`` the last rows are assumed to hold, and :meth:`TariffTable.warning` says so.

>>> t = default_tariffs()
>>> round(t.rate("China", "2025-11-25"), 4), round(t.rate("China", "2025-09-01"), 4)
(0.476, 0.576)
>>> r = t.row("China", "2025-11-25")
>>> r.effective_from.isoformat(), round(dict(r.components)["ieepa_fentanyl"], 4), r.source[:9]
('2025-11-10', 0.1, 'EO 14357 ')
>>> round(t.rate("Malaysia", "2025-09-01"), 4), round(t.rate("Germany", "2024-01-01"), 4)
(0.216, 0.026)
>>> t.warning("2025-11-25") is None, t.warning("2026-12-01").split(";")[0]
(True, 'tariff schedule verified through 2026-02-23')
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

from ..errors import TariffError  # defined in minecore.errors, re-exported here
from ..validate import as_date, finite

__all__ = ["TariffError", "TariffRate", "TariffTable", "default_tariffs", "load_tariffs"]

_ALIASES = {"prc": "china", "cn": "china", "us": "united states", "usa": "united states", "my": "malaysia",
            "th": "thailand", "id": "indonesia", "sg": "singapore"}


def _norm(country: str) -> str:
    c = " ".join(str(country).strip().lower().split())
    return _ALIASES.get(c, c)


@dataclass(frozen=True)
class TariffRate:
    """One schedule row: total duty ``rate`` [decimal] on goods of ``country`` origin entered from ``effective_from``.

    source : the source text (resolved from the table's ``sources``); source_key : its key there, if any.
    components : ``(name, rate)`` pairs (a mapping is accepted) that sum to ``rate``; empty when not broken down.
    """

    country: str
    effective_from: _dt.date
    rate: float
    source: str = ""
    components: tuple[tuple[str, float], ...] = ()
    source_key: str = ""

    def __post_init__(self) -> None:
        # Checked here, not only in the loader, so overrides and hand-built rows obey the same rules.
        if not isinstance(self.country, str) or not self.country.strip():
            raise TariffError(f"tariff country must be a non-empty string, got {self.country!r}")
        day = as_date(f"effective_from for {self.country}", self.effective_from, TariffError)
        # hi=10 (1000 %) catches percentages typed as decimals (47.6 for 0.476), as the capex override does.
        rate = finite(f"tariff rate for {self.country} from {day}", self.rate, lo=0.0, hi=10.0, err=TariffError)
        items = self.components.items() if isinstance(self.components, Mapping) else self.components
        try:
            comps = tuple((str(k), finite(f"tariff component {k!r} for {self.country} from {day}", v, lo=0.0,
                                          err=TariffError)) for k, v in items)
        except TariffError:
            raise
        except (TypeError, ValueError):  # not (name, rate) pairs
            raise TariffError(f"tariff components for {self.country} from {day} must map names to rates, "
                              f"got {self.components!r}") from None
        if len({k for k, _ in comps}) != len(comps):
            raise TariffError(f"tariff components for {self.country} from {day} repeat a name: {comps!r}")
        # A breakdown that does not add up means a typo in one of the two; 1e-9 absorbs float summation only.
        if comps and not math.isclose(math.fsum(v for _, v in comps), rate, rel_tol=0.0, abs_tol=1e-9):
            raise TariffError(f"tariff components for {self.country} from {day} sum to "
                              f"{math.fsum(v for _, v in comps):.6g}, not the rate {rate:.6g}")
        object.__setattr__(self, "effective_from", day)
        object.__setattr__(self, "rate", rate)
        object.__setattr__(self, "components", comps)


@dataclass(frozen=True)
class TariffTable:
    """Dated tariff rows: :meth:`row` (or :meth:`rate`) looks one up, :meth:`with_rate` overrides,
    :meth:`warning` flags dates past ``verified_through`` (None: never warns, e.g. a user's own table)."""

    rates: tuple[TariffRate, ...]
    hts_code: str = "8543.70.9860"
    as_of: _dt.date | None = None
    sources: tuple[str, ...] = ()
    verified_through: _dt.date | None = None

    def _find(self, country: str | None, on: str | _dt.date | None) -> tuple[TariffRate | None, _dt.date]:
        day = as_date("tariff date", on, TariffError) if on is not None else _dt.date.max
        key = _norm(country or "default")
        for k in (key, "default"):
            rows = [r for r in self.rates if _norm(r.country) == k and r.effective_from <= day]
            if rows:
                return max(rows, key=lambda r: r.effective_from), day
        return None, day

    def row(self, country: str | None, on: str | _dt.date | None = None) -> TariffRate:
        """The row in force for goods of ``country`` origin entering on ``on`` (default: the latest row)."""
        found, day = self._find(country, on)
        if found is None:
            raise TariffError(f"no tariff rate for {country!r} on {day} and no default row")
        return found

    def rate(self, country: str | None, on: str | _dt.date | None = None) -> float:
        """Total duty [decimal] for goods of ``country`` origin entering on date ``on`` (default: latest row)."""
        return self.row(country, on).rate

    def source_for(self, country: str | None, on: str | _dt.date | None = None) -> str:
        """Source text of the row in force ("" when there is none)."""
        found, _ = self._find(country, on)
        return found.source if found is not None else ""

    def warning(self, on: str | _dt.date) -> str | None:
        """One line when ``on`` is after ``verified_through`` (the rows may be stale), else None."""
        day = as_date("tariff date", on, TariffError)
        if self.verified_through is None or day <= self.verified_through:
            return None
        return (f"tariff schedule verified through {self.verified_through.isoformat()}; rates on "
                f"{day.isoformat()} assume the last verified rows still apply: check current duty")

    def with_rate(self, country: str, rate: float, effective_from: str | _dt.date = "1900-01-01",
                  source: str = "user override") -> "TariffTable":
        """Copy with an extra row (the override replaces every row for that country from its date on)."""
        row = TariffRate(country, effective_from, rate, source)
        others = tuple(x for x in self.rates if not (_norm(x.country) == _norm(country)
                                                       and x.effective_from >= row.effective_from))
        return TariffTable(others + (row,), self.hts_code, self.as_of, self.sources, self.verified_through)

    def to_rows(self) -> list[dict[str, Any]]:
        return [{"country": r.country, "effective_from": r.effective_from.isoformat(), "rate": r.rate,
                 "source": r.source, "source_key": r.source_key, "components": dict(r.components)}
                for r in self.rates]


def _opt_date(name: str, value: Any) -> _dt.date | None:
    return None if value is None or value == "" else as_date(name, value, TariffError)


def _from_mapping(data: Any, origin: str) -> TariffTable:
    if not isinstance(data, Mapping) or not isinstance(data.get("rates"), list):
        raise TariffError(f"{origin}: a tariff table needs a 'rates' list")
    src = data.get("sources", {})
    if not isinstance(src, (Mapping, list)):
        raise TariffError(f"{origin}: 'sources' must be a table of key = text (or a list), got {src!r}")
    rows = []
    for i, raw in enumerate(data["rates"]):
        try:
            if not isinstance(raw, Mapping):
                raise TariffError(f"a row must be a table, got {raw!r}")
            key = str(raw.get("source", ""))
            # A key into 'sources' resolves to its text; anything else is kept as free source text.
            known = isinstance(src, Mapping) and key in src
            comps = raw.get("components")
            rows.append(TariffRate(raw["country"], raw["effective_from"], raw["rate"],
                                   str(src[key]) if known else key, () if comps is None else comps,
                                   key if known else ""))
        except KeyError as exc:
            raise TariffError(f"{origin}: rates[{i}] lacks {exc}") from None
        except TariffError as exc:
            raise TariffError(f"{origin}: rates[{i}]: {exc}") from None
    return TariffTable(tuple(rows), str(data.get("hts_code", "8543.70.9860")),
                       _opt_date(f"{origin}: as_of", data.get("as_of")),
                       tuple(str(s) for s in (src.values() if isinstance(src, Mapping) else src)),
                       _opt_date(f"{origin}: verified_through", data.get("verified_through")))


@functools.lru_cache(maxsize=1)
def default_tariffs() -> TariffTable:
    """The shipped schedule (``data/tariffs.json``)."""
    text = resources.files("minecore.economics").joinpath("data/tariffs.json").read_text()
    return _from_mapping(json.loads(text), "data/tariffs.json")


def load_tariffs(path: str | Path) -> TariffTable:
    """Read a table in the shipped JSON layout (or the same keys in TOML); without ``verified_through`` it never warns."""
    p = Path(path)
    try:
        raw = p.read_text()
        data = __import__("tomllib").loads(raw) if p.suffix.lower() == ".toml" else json.loads(raw)
    except (OSError, ValueError) as exc:
        raise TariffError(f"{p}: cannot read tariff table: {str(exc).splitlines()[0]}") from None
    return _from_mapping(data, str(p))
