"""The :class:`MinerModel` record: one SHA-256 miner's nameplate figures and provenance."""

from __future__ import annotations

import datetime as _dt
import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["AssemblyPeriod", "Cooling", "MinerModel", "FIGURE_FIELDS", "is_dated_source", "is_unnamed_source"]


class Cooling(str, enum.Enum):
    """How a machine is cooled."""

    AIR = "air"
    HYDRO = "hydro"
    IMMERSION = "immersion"


#: Fields that carry a figure from outside and therefore need a source.
FIGURE_FIELDS: tuple[str, ...] = (
    "release",
    "hashrate_ths",
    "power_w",
    "efficiency_j_per_th",
    "cooling",
    "chip",
    "chips_per_board",
    "boards",
    "chips_in_system",
    "assembly_country",
    "maker_country",
    "customs_hold_exposed",
    "price_usd",
)


_DATED_RE = re.compile(r"(?<!\d)(19|20)\d{2}[-/](0[1-9]|1[0-2])(?!\d)|\((19|20)\d{2}\)")


def is_dated_source(citation: str) -> bool:
    """True when a citation carries the date of what it cites: ``YYYY-MM`` (or ``YYYY/MM`` in a URL) or ``(YYYY)``.

    >>> is_dated_source("hackernoon.com (BTCWire review, 2024-03-11)"), is_dated_source("github:x/y file.ts")
    (True, False)
    """
    return bool(_DATED_RE.search(citation))


def is_unnamed_source(citation: str) -> bool:
    """True for a citation that names no identifiable source (a secondary listing whose repository is unknown)."""
    return "repository not identified" in citation or citation.strip().lower().startswith("secondary listing")


def _month(text: str | None, last: bool = False) -> tuple[int, int] | None:
    """(year, month) of ``"YYYY"``, ``"YYYY-MM"`` or ``"YYYY-Qn"``: the first month, or the last with ``last``."""
    if not text:
        return None
    parts = text.split("-")
    year = int(parts[0])
    if len(parts) == 1:
        return (year, 12 if last else 1)
    if parts[1].startswith("Q"):
        q = int(parts[1][1])
        return (year, 3 * q if last else 3 * q - 2)
    return (year, int(parts[1]))


@dataclass(frozen=True)
class AssemblyPeriod:
    """Where units of a model were assembled over a span of production dates (the tariff origin depends on it).

    country : country of assembly; start / end : ``"YYYY"``, ``"YYYY-MM"`` or ``"YYYY-Qn"`` production dates
    (None: open); plant : the plant or site when a source names it; note : why, and how sure; sources : citations.
    """

    country: str
    start: str | None = None
    end: str | None = None
    plant: str | None = None
    note: str | None = None
    sources: tuple[str, ...] = ()

    def covers(self, produced: _dt.date) -> bool:
        """True when a unit produced on ``produced`` falls in this period (month resolution, ends inclusive)."""
        ym = (produced.year, produced.month)
        lo, hi = _month(self.start), _month(self.end, last=True)
        return (lo is None or ym >= lo) and (hi is None or ym <= hi)

    def to_dict(self) -> dict:
        return {"country": self.country, "start": self.start, "end": self.end, "plant": self.plant,
                "note": self.note, "sources": list(self.sources)}


@dataclass(frozen=True)
class MinerModel:
    """One miner model as sold (nameplate, at the wall, ~25 °C).

    Attributes
    ----------
    key : str — canonical slug, e.g. ``"antminer-s21-pro"``.
    maker : str — manufacturer, e.g. ``"Bitmain"``.
    name : str — model name, e.g. ``"Antminer S21 Pro"``.
    release : str | None — ``"YYYY"``, ``"YYYY-MM"`` or ``"YYYY-Qn"``; None when unknown.
    hashrate_ths : float | None — nameplate hashrate [TH/s]; None when no source gives it.
    power_w : float | None — nameplate wall power [W].
    efficiency_j_per_th : float | None — nameplate efficiency [J/TH] (= W per TH/s).
    cooling : str — ``"air"``, ``"hydro"`` or ``"immersion"``.
    chip : str | None — ASIC die name, e.g. ``"BM1370"``.
    chips_per_board : int | None — chips on one hashboard.
    boards : int | None — hashboards per machine.
    assembly_country : str | None — country of origin for tariffs (where it is assembled).
    maker_country : str — maker's home country.
    customs_hold_exposed : bool — exposed to the 2024-25 US customs (CBP) holds.
    price_usd : float | None — default unit price [USD]; only with a date and a source.
    price_date : str | None — when that price was observed.
    price_source : str | None — where the price comes from.
    sources : tuple[str, ...] — every source cited for this model.
    unverified : tuple[str, ...] — names of fields whose figures are unverified.
    field_sources : Mapping[str, tuple[str, ...]] — the sources behind each figure field.
    derived : tuple[str, ...] — fields computed from other fields (e.g. power = TH/s × J/TH).
    aliases : tuple[str, ...] — extra names the lookup accepts.
    chips_in_system : int | None — total chips when the per-board split is unknown.
    assembly_note : str | None — why ``assembly_country`` was chosen, and alternatives.
    notes : str | None — free text (conflicting figures, bins, caveats).
    origin : str — ``"built-in"`` or the user catalog file that defined/overrode it.
    undated : tuple[str, ...] — figure fields whose every source is undated (flagged like ``unverified``).
    assembly_history : tuple[AssemblyPeriod, ...] — country of assembly by production date and plant;
        ``assembly_country`` is the default (current production) the economics uses unless told otherwise.
    """

    key: str
    maker: str
    name: str
    release: str | None
    hashrate_ths: float | None
    power_w: float | None
    efficiency_j_per_th: float | None
    cooling: str
    chip: str | None
    chips_per_board: int | None
    boards: int | None
    assembly_country: str | None
    maker_country: str
    customs_hold_exposed: bool
    price_usd: float | None
    price_date: str | None
    price_source: str | None
    sources: tuple[str, ...]
    unverified: tuple[str, ...]
    field_sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    derived: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    chips_in_system: int | None = None
    assembly_note: str | None = None
    notes: str | None = None
    origin: str = "built-in"
    undated: tuple[str, ...] = ()
    assembly_history: tuple[AssemblyPeriod, ...] = ()

    @property
    def chips_total(self) -> int | None:
        """Chips in the whole machine (chips per board × boards), or None when unknown."""
        if self.chips_per_board is not None and self.boards is not None:
            return self.chips_per_board * self.boards
        return self.chips_in_system

    @property
    def restricted(self) -> bool:
        """True for makers headquartered in China (the makers under US restrictions and holds)."""
        return self.maker_country == "China"

    @property
    def has_nameplate(self) -> bool:
        """True when hashrate and power are both known."""
        return self.hashrate_ths is not None and self.power_w is not None

    def assembly_countries_on(self, produced: _dt.date | str) -> list[AssemblyPeriod]:
        """The assembly periods that cover a unit produced on ``produced`` (a date or ``"YYYY-MM"``): one entry
        when the origin is known for that date, several when plants overlapped (check the unit's import papers),
        none when the sources say nothing for that date."""
        if isinstance(produced, str):
            y, m = _month(produced) or (0, 1)
            produced = _dt.date(y, m, 1)
        return [p for p in self.assembly_history if p.covers(produced)]

    @property
    def flagged(self) -> tuple[str, ...]:
        """Figure fields flagged as unverified or resting only on undated sources."""
        return tuple(dict.fromkeys([*self.unverified, *self.undated]))

    @property
    def verified(self) -> bool:
        """True when no figure of this model is flagged unverified."""
        return not self.unverified

    def sources_for(self, field_name: str) -> tuple[str, ...]:
        """Sources behind one field (empty when the field is unknown or has none)."""
        return tuple(self.field_sources.get(field_name, ()))

    def to_dict(self) -> dict:
        """Plain JSON-friendly dict of every field plus ``chips_total`` and ``restricted``."""
        out = {
            "key": self.key,
            "maker": self.maker,
            "name": self.name,
            "release": self.release,
            "hashrate_ths": self.hashrate_ths,
            "power_w": self.power_w,
            "efficiency_j_per_th": self.efficiency_j_per_th,
            "cooling": self.cooling,
            "chip": self.chip,
            "chips_per_board": self.chips_per_board,
            "boards": self.boards,
            "chips_in_system": self.chips_in_system,
            "chips_total": self.chips_total,
            "assembly_country": self.assembly_country,
            "assembly_note": self.assembly_note,
            "maker_country": self.maker_country,
            "restricted": self.restricted,
            "customs_hold_exposed": self.customs_hold_exposed,
            "price_usd": self.price_usd,
            "price_date": self.price_date,
            "price_source": self.price_source,
            "sources": list(self.sources),
            "field_sources": {k: list(v) for k, v in self.field_sources.items()},
            "unverified": list(self.unverified),
            "derived": list(self.derived),
            "aliases": list(self.aliases),
            "notes": self.notes,
            "origin": self.origin,
            "undated": list(self.undated),
            "assembly_history": [p.to_dict() for p in self.assembly_history],
        }
        return out
