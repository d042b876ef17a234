"""The one place the emulator reads the hardware layer: model, twin, operating point, layout, chip spread.

Every catalog model with a nameplate can be emulated: a chip-level twin where the chip data exist, else a
nameplate-level twin on a stand-in die (``Machine.twin == "nameplate"``, said in every summary).  Per-chip clock
spread and dead chips are drawn from ``seed`` (the same seed gives the same chips); they change the machine's
expected hashrate, not its power (a chip that hashes slower draws about the same power: Hiveon autotune notes,
``hardware/data/twin.toml``).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from minecore import validate as V

from .layout import MAX_CHIPS_PER_CHAIN, ChipLayout
from ..errors import EmulatorError  # noqa: F401  (defined in minecore.errors, re-exported here)


@dataclass(frozen=True)
class OperatingState:
    """The machine state an emulation runs at (from the twin).

    clock_mhz : float — chip clock [MHz] (a stand-in clock for a nameplate twin)
    voltage_v : float — core voltage [V] (relative for a nameplate twin)
    hashrate_ths : float — whole-machine hashrate at this state [TH/s], after chip spread and dead chips
    power_w : float — wall power [W]
    efficiency_j_per_th : float — [J/TH]
    throttled : bool — ambient derating lowered the clock
    shutdown : bool — the machine stops hashing (too hot, or every board failed)
    twin : str — ``"chip"`` or ``"nameplate"`` (no chip data)
    chip_temp_c : float — modelled chip temperature [°C] (nan when off)
    dead_chips : int — chips that do not hash
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
    twin: str = "chip"
    chip_temp_c: float = float("nan")
    dead_chips: int = 0
    clock_basis: str = ""


@dataclass(frozen=True)
class Machine:
    """A catalog model resolved for emulation.

    chip_clocks_mhz : per-chip clocks of the active chains [MHz], chain-major (empty: every chip at the state's
    clock); dead_chip_indices : chips (same indexing) that do not hash; hw_error_rate : share of chip results that
    fail the host's check (counted, never fatal); version_rolling / host_midstates : from the chip
    (BM1397: the host sends 4 midstates per job).
    """

    key: str
    name: str
    chip: object  # minecore.hardware.chips.ChipSpec
    layout: ChipLayout
    state: OperatingState
    twin: str = "chip"
    chip_clocks_mhz: tuple[float, ...] = ()
    dead_chip_indices: tuple[int, ...] = ()
    hw_error_rate: float = 0.0
    version_rolling: str = "chip"
    host_midstates: int = 0

    @property
    def chip_hashrate_hs(self) -> float:
        """One chip at the operating clock [H/s] (one hash per small core per clock)."""
        return self.state.clock_mhz * 1e6 * self.layout.small_cores

    def chip_hashrates_hs(self) -> list[float]:
        """Each active chip's hashrate [H/s] (0 for a dead chip), chain-major."""
        n = self.layout.chips_total
        clocks = list(self.chip_clocks_mhz) or [self.state.clock_mhz] * n
        dead = set(self.dead_chip_indices)
        return [0.0 if i in dead else c * 1e6 * self.layout.small_cores for i, c in enumerate(clocks)]


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
    power_target_w: float | None = None,
    cooling: str | None = None,
    chip_clock_spread: float = 0.0,
    dead_chips: int = 0,
    hw_error_rate: float = 0.0,
    seed: int = 0,
) -> Machine:
    """Look ``model`` up (name or MinerModel), build its twin, operating point and chip layout.

    ``chip_clock_spread`` is the relative standard deviation of per-chip clocks (0.02 = 2 %, as a chip-by-chip
    autotuner leaves them), ``dead_chips`` the number of chips that do not hash, both drawn from ``seed``;
    ``hw_error_rate`` the share of chip results that fail verification (counted, never fatal).
    The hardware layer validates the operating point (:mod:`minecore.validate`: real numbers only, never NaN,
    ±inf or numeric strings) and its typed errors pass through: unknown model, no nameplate
    (``ChipDataUnavailableError``), bad profile, clock out of range, bad ambient or failed-board count.
    """
    from ..hardware.chip_model import twin_for
    from ..hardware.models import MinerModel

    if isinstance(model, str):
        model = _get_model(model)
    if not isinstance(model, MinerModel):
        raise EmulatorError(f"model must be a catalog name or MinerModel, got {model!r}")
    spread = V.finite("chip_clock_spread", chip_clock_spread, lo=0.0, hi=0.5, err=EmulatorError)
    hw_error_rate = V.fraction("hw_error_rate", hw_error_rate, err=EmulatorError)
    seed = V.count("seed", seed, minimum=-(2**64 - 1), maximum=2**64 - 1, err=EmulatorError)
    twin = twin_for(model, cooling=cooling)  # ChipDataUnavailableError only when the nameplate is unknown
    chip = twin.chip
    op = twin.operating_point(profile, clock_mhz=clock_mhz, ambient_c=ambient_c, failed_boards=failed_boards,
                              power_target_w=power_target_w)

    boards, chips_per_chain = twin.boards, twin.chips_per_board
    if chips_per_chain > MAX_CHIPS_PER_CHAIN:  # more chips than 8 address bits: split into sub-chains
        factor = math.ceil(chips_per_chain / MAX_CHIPS_PER_CHAIN)
        boards, chips_per_chain = boards * factor, math.ceil(chips_per_chain / factor)
        active_chains = op.active_boards * factor
    else:
        active_chains = op.active_boards
    n_chips = max(1, active_chains) * chips_per_chain
    dead_chips = V.count("dead_chips", dead_chips, minimum=0, maximum=n_chips, err=EmulatorError)
    rng = random.Random(f"minecore-chips:{model.key}:{seed}")
    clocks: tuple[float, ...] = ()
    if spread > 0:
        clocks = tuple(max(0.0, op.clock_mhz * (1.0 + rng.gauss(0.0, spread))) for _ in range(n_chips))
    dead = tuple(sorted(rng.sample(range(n_chips), dead_chips))) if dead_chips else ()
    shutdown = op.shutdown or active_chains == 0 or not op.hashrate_ths > 0
    hashrate = 0.0 if shutdown else float(op.hashrate_ths)
    if not shutdown and (clocks or dead):
        per_chip = clocks or (op.clock_mhz,) * n_chips
        dead_set = set(dead)
        alive = sum(c for i, c in enumerate(per_chip) if i not in dead_set)
        hashrate *= alive / (op.clock_mhz * n_chips)
    state = OperatingState(
        profile=op.profile,
        clock_mhz=float(op.clock_mhz),
        voltage_v=float(op.voltage_v),
        hashrate_ths=hashrate,
        power_w=float(op.power_w),
        efficiency_j_per_th=float(op.power_w) / hashrate if hashrate > 0 else float("nan"),
        throttled=op.throttled,
        shutdown=shutdown,
        ambient_c=float(op.ambient_c),
        failed_boards=twin.boards - op.active_boards,  # validated int (``2.0`` arrives as 2)
        twin=twin.kind,
        chip_temp_c=float(op.chip_temp_c) if op.chip_temp_c is not None else float("nan"),
        dead_chips=len(dead),
        clock_basis=op.clock_basis,
    )
    layout = ChipLayout(
        chip_name=chip.name,
        chains=max(1, active_chains),
        chips_per_chain=chips_per_chain,
        big_cores=chip.big_cores,
        small_cores=chip.small_cores,
        ticket_difficulty=float(chip.ticket_difficulty),
    )
    return Machine(key=model.key, name=model.name, chip=chip, layout=layout, state=state, twin=twin.kind,
                   chip_clocks_mhz=clocks, dead_chip_indices=dead, hw_error_rate=hw_error_rate,
                   version_rolling=chip.version_rolling, host_midstates=chip.host_midstates)


__all__ = ["EmulatorError", "Machine", "OperatingState", "resolve_machine"]
