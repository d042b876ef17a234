"""How a Bitmain-style hashboard splits a job's nonce and version space between its chips.

From the BM13xx drivers in the open Bitaxe firmware (``research/asic_chips.md`` §4):

* every chip on a chain (one hashboard) gets the same job, starting at nonce 0;
* chip ``i`` has address ``i × address_interval`` with ``address_interval = 256 // chips``;
  the chip address sits in nonce bits 17–24, so chip ``i`` owns the nonces whose
  bits 17–24 lie in ``[i × interval, (i + 1) × interval)``;
* the big-core id sits in nonce bits 25–31 (7 bits: up to 128 nonce ranges per chip);
* the small cores behind one big core scan the same nonces, each under a different
  rolled version (BIP 320), so a (chip, big core) pair covers
  ``interval × 2^17`` nonces × ``small cores per big core`` versions;
* the chip reports only hashes at its ticket difficulty (256); the controller then
  filters those to the pool difficulty.

For a fixed big core the nonces of all chips on the chain are contiguous, so the
emulator hashes large contiguous ranges and attributes each result afterwards
from its nonce bits (:meth:`ChipLayout.attribute`), never per nonce in Python.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import validate as V
from ..errors import LayoutError  # noqa: F401  (defined in minecore.errors, re-exported here)

CHIP_ADDRESS_SHIFT = 17
"""Lowest nonce bit of the chip address (bits 17–24)."""
CORE_SHIFT = 25
"""Lowest nonce bit of the big-core id (bits 25–31)."""
MAX_CHIPS_PER_CHAIN = 256
MAX_CORE_SLOTS = 128


@dataclass(frozen=True)
class Attribution:
    """Which chip and big core hashed a nonce.

    chip : int — chip index on its chain (0-based)
    core : int — big-core id (nonce bits 25–31)
    address : int — chip address field (nonce bits 17–24)
    """

    chip: int
    core: int
    address: int


@dataclass(frozen=True)
class ChipLayout:
    """The static work split of one miner.

    Attributes
    ----------
    chip_name : str — ASIC die, e.g. ``"BM1368"``
    chains : int — hashing chains (hashboards) that run
    chips_per_chain : int — chips on each chain (≤ 256)
    big_cores : int — nonce-range engines per chip
    small_cores : int — hashing pipelines per chip (one hash per clock each)
    ticket_difficulty : float — the chip's result filter (256 on BM13xx), finite and > 0

    Counts must be integers >= 1 (integral floats are stored as ints); anything else raises
    :class:`LayoutError`.
    """

    chip_name: str
    chains: int
    chips_per_chain: int
    big_cores: int
    small_cores: int
    ticket_difficulty: float = 256.0

    def __post_init__(self) -> None:
        for name in ("chains", "chips_per_chain", "big_cores", "small_cores"):
            object.__setattr__(self, name, V.count(name, getattr(self, name), minimum=1, err=LayoutError))
        if self.chips_per_chain > MAX_CHIPS_PER_CHAIN:
            raise LayoutError(
                f"{self.chips_per_chain} chips on one chain cannot be addressed by 8 nonce bits (max 256)"
            )
        object.__setattr__(
            self, "ticket_difficulty", V.positive("ticket_difficulty", self.ticket_difficulty, err=LayoutError)
        )

    # ------------------------------------------------------------------ sizes

    @property
    def chips_total(self) -> int:
        """Chips that hash (all chains)."""
        return self.chains * self.chips_per_chain

    @property
    def address_interval(self) -> int:
        """Address step between chips on a chain (``256 // chips_per_chain``)."""
        return MAX_CHIPS_PER_CHAIN // self.chips_per_chain

    @property
    def core_slots(self) -> int:
        """Big cores that own a nonce range (bits 25–31 hold at most 128 ids)."""
        return min(self.big_cores, MAX_CORE_SLOTS)

    @property
    def small_cores_per_core(self) -> int:
        """Rolled versions scanned side by side on one nonce range (rounded small/big cores)."""
        return max(1, round(self.small_cores / self.big_cores))

    @property
    def core_span_nonces(self) -> int:
        """Nonces one (chip, big core) owns: ``address_interval × 2^17``."""
        return self.address_interval << CHIP_ADDRESS_SHIFT

    @property
    def chain_core_span_nonces(self) -> int:
        """Contiguous nonces one big-core id owns across every chip of a chain."""
        return self.chips_per_chain * self.core_span_nonces

    # ------------------------------------------------------------------ mapping

    def core_range(self, chip: int, core: int) -> tuple[int, int]:
        """``(nonce_start, count)`` that big core ``core`` of chip ``chip`` (on any chain) owns.

        ``chip`` must be in ``[0, chips_per_chain)`` and ``core`` in ``[0, core_slots)`` (:class:`LayoutError`).
        """
        chip = V.count("chip", chip, maximum=self.chips_per_chain - 1, err=LayoutError)
        core = V.count("core", core, maximum=self.core_slots - 1, err=LayoutError)
        start = (core << CORE_SHIFT) | ((chip * self.address_interval) << CHIP_ADDRESS_SHIFT)
        return start, self.core_span_nonces

    def attribute(self, nonce: int) -> Attribution | None:
        """The chip and big core that own ``nonce``, decoded from its bits as the
        controller does (``((n >> 17) & 0xFF) // interval``, ``n >> 25``).

        Returns None for nonces no chip owns (addresses past the last chip, or
        core ids past the chip's last big core).
        """
        address = (nonce >> CHIP_ADDRESS_SHIFT) & 0xFF
        core = (nonce >> CORE_SHIFT) & 0x7F
        chip = address // self.address_interval
        if chip >= self.chips_per_chain or core >= self.core_slots:
            return None
        return Attribution(chip=chip, core=core, address=address)

    def owned_fraction(self) -> float:
        """Share of the 2^32 nonce space that some chip of a chain owns."""
        return self.chips_per_chain * self.address_interval * self.core_slots / (256 * 128)


__all__ = [
    "Attribution",
    "CHIP_ADDRESS_SHIFT",
    "CORE_SHIFT",
    "ChipLayout",
    "LayoutError",
]
