"""ASIC emulator: a miner's real work, hashed at CPU scale and accounted at ASIC scale.

* :func:`emulate` — split a Stratum job the way a model's chips split it, hash a
  seeded sample with the real kernel, verify every share with hashlib, and report
  found against expected, per-chip counts and the CPU/chip scale factor.
* :func:`simulate_fleet` — draw a fleet's daily shares and blocks at full rate
  (Poisson, seeded) for the economics layer, without hashing.

>>> from minecore.emulator import ChipLayout
>>> s21_board = ChipLayout("BM1368", chains=3, chips_per_chain=108, big_cores=80, small_cores=1276)
>>> s21_board.address_interval, s21_board.small_cores_per_core
(2, 16)
>>> s21_board.attribute(0x0A_060000)   # core 5 (bits 25-31), address 3 -> chip 1
Attribution(chip=1, core=5, address=3)
"""

from .engine import EmulatedShare, EmulationResult, VerificationError, emulate
from .fleet import FleetMember, FleetSimulation, simulate_fleet
from .jobs import synthetic_job
from .layout import Attribution, ChipLayout, LayoutError
from .machine import EmulatorError, Machine, OperatingState, resolve_machine
from .stats import PoissonTest, poisson_test

__all__ = [
    "Attribution",
    "ChipLayout",
    "EmulatedShare",
    "EmulationResult",
    "EmulatorError",
    "FleetMember",
    "FleetSimulation",
    "LayoutError",
    "Machine",
    "OperatingState",
    "PoissonTest",
    "VerificationError",
    "emulate",
    "poisson_test",
    "resolve_machine",
    "simulate_fleet",
    "synthetic_job",
]
