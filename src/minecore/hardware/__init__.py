"""Hardware layer: the sourced miner catalog and the chip-level model.

>>> from minecore.hardware import get_model, ChipLevelModel
>>> m = get_model("S21")
>>> m.name, m.hashrate_ths, m.chips_total
('Antminer S21', 200.0, 324)
>>> twin = ChipLevelModel.for_model(m)
>>> round(twin.implied_clock_mhz), twin.normal_clock_mhz   # nameplate-implied vs measured (S21 test, 2024-03-11)
(484, 490.0)
>>> op = operating_point_for(m, profile="eco", ambient_c=35)
>>> round(op.hashrate_ths, 1), op.twin
(174.7, 'chip')
"""

from minecore.hardware.catalog import Catalog, default_catalog, get_model, load_catalog, normalize_name, slugify
from minecore.hardware.chip_model import (
    ChipDataUnavailableError,
    ChipLevelModel,
    Coefficient,
    NameplateCheck,
    OperatingConditions,
    OperatingPoint,
    Profile,
    coefficients,
    operating_point_for,
    parse_profile,
    twin_for,
)
from minecore.hardware.chips import CHIPS, ChipSpec, UnknownChipError, get_chip
from minecore.hardware.models import Cooling, MinerModel

__all__ = [
    "Catalog",
    "CHIPS",
    "ChipDataUnavailableError",
    "ChipLevelModel",
    "ChipSpec",
    "Coefficient",
    "Cooling",
    "MinerModel",
    "NameplateCheck",
    "OperatingConditions",
    "OperatingPoint",
    "Profile",
    "UnknownChipError",
    "coefficients",
    "default_catalog",
    "get_chip",
    "get_model",
    "load_catalog",
    "normalize_name",
    "operating_point_for",
    "parse_profile",
    "slugify",
    "twin_for",
]
