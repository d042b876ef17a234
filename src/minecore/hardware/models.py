"""The :class:`MinerModel` record: one SHA-256 miner's nameplate figures and provenance."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["Cooling", "MinerModel", "FIGURE_FIELDS"]


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
        }
        return out
