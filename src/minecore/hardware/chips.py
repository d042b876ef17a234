"""Chip table: per-die constants of the SHA-256 ASICs that minecore can model.

Only chips whose core counts, clocks and voltages are published in a source we
can cite are listed.  The figures come from the open Bitaxe firmware
(``github:bitaxeorg/ESP-Miner`` @ 5c277131, ``main/device_config.h``), which was
written against the chips used in Bitmain's own miners; the commercial machines
each chip appears in are named in :attr:`ChipSpec.used_in`.

A *small core* completes one double-SHA-256 header hash per clock cycle, so one
chip hashes at ``clock_mhz × small_cores`` MH/s.  Big cores (``big_cores``) are
the nonce-range engines; each feeds its small cores the same nonces under
different rolled versions.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from minecore import validate as V
from ..errors import UnknownChipError  # noqa: F401  (defined in minecore.errors, re-exported here)

__all__ = ["ChipSpec", "CHIPS", "get_chip", "UnknownChipError", "ESP_MINER", "ACS_PRESETS", "VIRTUAL_DIE"]

ESP_MINER = (
    "github:bitaxeorg/ESP-Miner @5c27713116c777fba3458459f248ddee595c4734 main/device_config.h "
    "(AsicConfig), components/asic/bm13xx.c, main/tasks/power_management_task.c:90-92"
)
ACS_PRESETS = (
    "https://github-users.yhajoa.workers.dev/Advanced-Crypto-Services/acs-esp-miner/commit/bca70929 "
    "(preset doc: BM1397 quiet 1100 mV/450 MHz, balanced 1200 mV/550 MHz, turbo 1400 mV/750 MHz; "
    "chips taken from S17 / S19 XP / S21 / S21 Pro)"
)
DCENTRAL_BHB = "https://d-central.tech/antminer-hashboard-part-numbers/ (+ /data/antminer-hashboard-skus.json, CC BY 4.0)"


@dataclass(frozen=True)
class ChipSpec:
    """Constants of one SHA-256 ASIC die.

    Attributes
    ----------
    name : str — die name, e.g. ``"BM1370"``.
    small_cores : int — hashing pipelines per chip; each does one hash per clock.
    big_cores : int — nonce-range engines per chip (``core_count`` in ESP-Miner).
    default_clock_mhz : float — open-firmware default clock [MHz].
    default_voltage_v : float — open-firmware default core voltage [V] at that clock.
    ticket_difficulty : int — the chip only reports nonces at or above this difficulty.
    clock_options_mhz : tuple[float, ...] — clocks the firmware offers [MHz]; where the
        source gives a range, its two ends.  ``clock_range_mhz`` is (min, max).
    voltage_range_v : tuple[float, float] — allowed core voltage [V].
    vf_points : tuple[tuple[float, float], ...] — measured (clock [MHz], voltage [V])
        presets, when a source gives more than one; empty otherwise.
    used_in : tuple[str, ...] — commercial machines built on this die, per the sources.
    sources : tuple[str, ...] — where every figure above comes from.
    version_rolling : str — ``"chip"``: the chip rolls the 16 BIP320 version bits itself (register 0xA4);
        ``"host_midstates"``: the host computes ``host_midstates`` midstates per job and the chip only
        tells which one a nonce belongs to (BM1397: ``mining.c`` builds 4 midstates with
        ``increment_bitmask``; ESP-Miner @5c27713, research/asic_chips.md §6).
    host_midstates : int — midstates the host sends per job (0 when the chip rolls versions itself).
    virtual : bool — True for the stand-in die of a nameplate-level twin (not a real chip).
    """

    name: str
    small_cores: int
    big_cores: int
    default_clock_mhz: float
    default_voltage_v: float
    ticket_difficulty: int
    clock_options_mhz: tuple[float, ...]
    voltage_range_v: tuple[float, float]
    sources: tuple[str, ...]
    vf_points: tuple[tuple[float, float], ...] = ()
    used_in: tuple[str, ...] = ()
    maker: str = "Bitmain"
    version_rolling: str = "chip"
    host_midstates: int = 0
    virtual: bool = False

    @property
    def clock_range_mhz(self) -> tuple[float, float]:
        """(lowest, highest) clock the sources support [MHz]."""
        return (min(self.clock_options_mhz), max(self.clock_options_mhz))

    @property
    def small_cores_per_big_core(self) -> float:
        """Small cores (rolled versions) behind each big core."""
        return self.small_cores / self.big_cores

    def hashrate_ghs(self, clock_mhz: float) -> float:
        """Hashrate of one chip at ``clock_mhz`` [GH/s] (= clock × small cores / 1000)."""
        return clock_mhz * self.small_cores / 1000.0


CHIPS: dict[str, ChipSpec] = {
    "BM1397": ChipSpec(
        name="BM1397",
        small_cores=672,
        big_cores=168,
        default_clock_mhz=425.0,
        default_voltage_v=1.400,
        ticket_difficulty=256,
        clock_options_mhz=(400.0, 600.0),
        voltage_range_v=(1.100, 1.500),
        vf_points=((450.0, 1.100), (550.0, 1.200), (750.0, 1.400)),
        used_in=("Antminer S17 Pro", "Antminer S17 / T17 generation"),
        sources=(ESP_MINER, ACS_PRESETS, "https://d-central.tech/facts/"),
        version_rolling="host_midstates",
        host_midstates=4,
    ),
    "BM1366": ChipSpec(
        name="BM1366",
        small_cores=894,
        big_cores=112,
        default_clock_mhz=485.0,
        default_voltage_v=1.200,
        ticket_difficulty=256,
        clock_options_mhz=(400.0, 575.0),
        voltage_range_v=(1.100, 1.300),
        used_in=("Antminer S19 XP", "Antminer S19k Pro"),
        sources=(ESP_MINER, ACS_PRESETS, DCENTRAL_BHB),
    ),
    "BM1368": ChipSpec(
        name="BM1368",
        small_cores=1276,
        big_cores=80,
        default_clock_mhz=490.0,
        default_voltage_v=1.166,
        ticket_difficulty=256,
        clock_options_mhz=(400.0, 575.0),
        voltage_range_v=(1.100, 1.300),
        used_in=("Antminer S21", "Antminer T21"),
        sources=(ESP_MINER, ACS_PRESETS, DCENTRAL_BHB),
    ),
    "BM1370": ChipSpec(
        name="BM1370",
        small_cores=2040,
        big_cores=128,
        default_clock_mhz=525.0,
        default_voltage_v=1.150,
        ticket_difficulty=256,
        # main table 400..625 plus the "XP" table 350..410 used by the Bitaxe GammaDuo
        clock_options_mhz=(350.0, 375.0, 380.0, 400.0, 410.0, 490.0, 525.0, 550.0, 600.0, 625.0),
        voltage_range_v=(1.000, 1.250),
        used_in=("Antminer S21 Pro", "Antminer S21 XP"),
        sources=(ESP_MINER + "; components/asic/bm1370.c init comments 'from S21Pro dump'", ACS_PRESETS),
    ),
    "BM1373": ChipSpec(
        name="BM1373",
        small_cores=6725,
        big_cores=128,
        default_clock_mhz=327.0,
        default_voltage_v=1.000,
        ticket_difficulty=256,
        clock_options_mhz=(327.0, 410.0),
        voltage_range_v=(1.000, 1.250),
        used_in=(),  # newest family (chip id 0x1372/0x1373); no commercial model named in the sources
        sources=(ESP_MINER,),
    ),
}


#: Stand-in die of a nameplate-level twin (a model whose chip, or chip counts, no source gives): 128 big cores x 16
#: small cores, like the BM1370.  Its clock is calibrated so the machine hashes at its nameplate; it is *not* a real
#: chip, and every output of such a twin says so.  Not in :data:`CHIPS`.
VIRTUAL_DIE = ChipSpec(
    name="virtual die (nameplate twin)",
    small_cores=2048,
    big_cores=128,
    default_clock_mhz=500.0,
    default_voltage_v=1.0,
    ticket_difficulty=256,
    clock_options_mhz=(100.0, 1000.0),
    voltage_range_v=(0.0, 10.0),
    sources=("no chip data: a stand-in die so that the emulator and the economics can use the model's nameplate",),
    maker="none",
    virtual=True,
)


def _compact(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def get_chip(name: str) -> ChipSpec:
    """Return the :class:`ChipSpec` for ``name`` (case and punctuation ignored).

    Raises :class:`UnknownChipError` (with suggestions) when the die is not in the table.
    """
    name = V.text("chip name", name, err=UnknownChipError)
    wanted = _compact(name)
    for key, spec in CHIPS.items():
        if _compact(key) == wanted:
            return spec
    close = difflib.get_close_matches(name.upper(), list(CHIPS), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise UnknownChipError(f"unknown chip {name!r} (known: {', '.join(CHIPS)}){hint}")
