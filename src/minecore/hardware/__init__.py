"""Hardware layer: the sourced miner catalog and the chip-level model.

>>> from minecore.hardware import get_model, ChipLevelModel
>>> m = get_model("S21")
>>> m.name, m.hashrate_ths, m.chips_total
('Antminer S21', 200.0, 324)
>>> round(ChipLevelModel.for_model(m).implied_clock_mhz)
484
"""

from minecore.hardware.catalog import Catalog, default_catalog, get_model, load_catalog, normalize_name, slugify
from minecore.hardware.chip_model import (
    ChipDataUnavailableError,
    ChipLevelModel,
    OperatingPoint,
    Profile,
)
from minecore.hardware.chips import CHIPS, ChipSpec, UnknownChipError, get_chip
from minecore.hardware.models import Cooling, MinerModel

__all__ = [
    "Catalog",
    "CHIPS",
    "ChipDataUnavailableError",
    "ChipLevelModel",
    "ChipSpec",
    "Cooling",
    "MinerModel",
    "OperatingPoint",
    "Profile",
    "UnknownChipError",
    "default_catalog",
    "get_chip",
    "get_model",
    "load_catalog",
    "normalize_name",
    "slugify",
]
