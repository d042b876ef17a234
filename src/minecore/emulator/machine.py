"""The one place the emulator reads the hardware layer: model, chip, operating point, layout."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .layout import MAX_CHIPS_PER_CHAIN, ChipLayout
from ..errors import EmulatorError  # noqa: F401  (defined in minecore.errors, re-exported here)


@dataclass(frozen=True)
class OperatingState:
    """The machine state an emulation runs at (from the chip-level model).

    clock_mhz : float — chip clock [MHz]
    voltage_v : float — core voltage [V]
    hashrate_ths : float — whole-machine hashrate at this state [TH/s]
    power_w : float — wall power [W]
    efficiency_j_per_th : float — [J/TH]
    throttled : bool — ambient derating lowered the clock
    shutdown : bool — the machine stops hashing (too hot, or every board failed)
    """

    profile: str
    clock_mhz: float
    voltage_v: float
    hashrate_ths: float
    power_w: float
    efficiency_j_per_th: float
    throttled: bool
    shutdown: bool
    ambient_c: float
    failed_boards: int


@dataclass(frozen=True)
class Machine:
    """A catalog model resolved for emulation."""

    key: str
    name: str
    chip: object  # minecore.hardware.chips.ChipSpec
    layout: ChipLayout
    state: OperatingState

    @property
    def chip_hashrate_hs(self) -> float:
        """One chip at the operating clock [H/s] (one hash per small core per clock)."""
        return self.state.clock_mhz * 1e6 * self.layout.small_cores


def _get_model(model):
    from ..hardware import get_model

    return get_model(model)


def resolve_machine(
    model,
    *,
    profile: str = "normal",
    clock_mhz: float | None = None,
    ambient_c: float = 25.0,
    failed_boards: int = 0,
) -> Machine:
    """Look ``model`` up (name or MinerModel), build its chip layout and operating point.

    The hardware layer validates the operating point (:mod:`minecore.validate`: real numbers only, never
    NaN, ±inf or numeric strings) and its typed errors pass through: unknown model, no chip-level data
    (``ChipDataUnavailableError``), bad profile, clock out of range, bad ambient or failed-board count.
    """
    from ..hardware.chip_model import ChipLevelModel
    from ..hardware.models import MinerModel

    if isinstance(model, str):
        model = _get_model(model)
    if not isinstance(model, MinerModel):
        raise EmulatorError(f"model must be a catalog name or MinerModel, got {model!r}")
    chip_model = ChipLevelModel.for_model(model)  # ChipDataUnavailableError when no chip data
    chip = chip_model.chip
    op = chip_model.operating_point(
        profile=profile, clock_mhz=clock_mhz, ambient_c=ambient_c, failed_boards=failed_boards
    )

    boards, chips_per_chain = chip_model.boards, chip_model.chips_per_board
    if chips_per_chain > MAX_CHIPS_PER_CHAIN:  # more chips than 8 address bits: split into sub-chains
        factor = math.ceil(chips_per_chain / MAX_CHIPS_PER_CHAIN)
        boards, chips_per_chain = boards * factor, math.ceil(chips_per_chain / factor)
        active_chains = op.active_boards * factor
    else:
        active_chains = op.active_boards
    shutdown = op.shutdown or active_chains == 0 or not op.hashrate_ths > 0
    state = OperatingState(
        profile=op.profile,
        clock_mhz=float(op.clock_mhz),
        voltage_v=float(op.voltage_v),
        hashrate_ths=0.0 if shutdown else float(op.hashrate_ths),
        power_w=float(op.power_w),
        efficiency_j_per_th=float(op.efficiency_j_per_th) if op.efficiency_j_per_th is not None else float("nan"),
        throttled=op.throttled,
        shutdown=shutdown,
        ambient_c=float(op.ambient_c),
        failed_boards=chip_model.boards - op.active_boards,  # validated int (``2.0`` arrives as 2)
    )
    layout = ChipLayout(
        chip_name=chip.name,
        chains=max(1, active_chains),
        chips_per_chain=chips_per_chain,
        big_cores=chip.big_cores,
        small_cores=chip.small_cores,
        ticket_difficulty=float(chip.ticket_difficulty),
    )
    return Machine(key=model.key, name=model.name, chip=chip, layout=layout, state=state)


__all__ = ["EmulatorError", "Machine", "OperatingState", "resolve_machine"]
