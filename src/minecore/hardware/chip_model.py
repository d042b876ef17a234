"""The ASIC twin: a miner's clock, voltage, hashrate, power and heat at an operating point.

Every coefficient lives in ``data/twin.toml`` with its basis (*sourced*, *derived* or *assumed*) and its source
and date; :func:`coefficients` returns them and ``minecore model`` prints them.  The equations:

* **Hashrate** — each small core hashes one header per clock (ESP-Miner ``power_management_task.c:90-92``)::

      H [TH/s] = f [MHz] x small_cores x chips_per_board x active_boards / 1e6 x (1 - degradation)^age_years

* **Normal clock** — a clock from a source independent of the nameplate where one exists (``[clocks]`` in
  ``twin.toml``: the Antminer S21's measured 490 MHz); otherwise the clock that reproduces the nameplate
  (``nameplate / (small_cores x chips)``), reported as *calibrated to nameplate*.  Only the first kind makes the
  nameplate check (:meth:`ChipLevelModel.nameplate_check`) a check; the second is reported as not independent.
* **Voltage** — ``V(f) = V0 x (1 + s x (f/f0 - 1))`` through the chip's open-firmware default (f0, V0), with the
  relative slope ``s`` from LuxOS's preset steps (25 MHz per 0.1 V at 545 MHz / 13.4 V); the BM1397 uses its own
  sourced preset line ``V = 0.65 + 0.001 f``.  Never below the chip's minimum voltage.
* **Power** (wall) — ``P = P_control + P_fans(T_in, heat) + a x [P_dyn,ref x (V/Vn)^2 x (f/fn)
  + P_leak,ref x (V/Vn) x 2^((T_chip - T_ref)/T_double)]`` with ``a`` the share of boards still hashing.  The
  leakage share at the reference chip temperature and its doubling temperature are assumptions; ``P_dyn,ref`` and
  ``P_leak,ref`` are calibrated so the normal clock at a 25 °C inlet draws the nameplate power.
* **Heat** — air: fans hold the hashboard at the 55 °C target while they can (duty ``d = rise x heat /
  (55 - T_in)`` within [0.3, 1]; fan power ``~ d^3``), beyond that the board runs at ``T_in + 25 °C x heat``;
  the chip is 15 °C above the board.  Hydro/immersion: chip = coolant inlet + 35 °C x heat (assumed), no fans.
  ``heat`` is the chip power per active board relative to the reference, solved together with the leakage.
* **Throttling** — per cooling family (``[families]``): above ``derate_above_c`` the clock is capped at
  ``derate_clock_ratio`` x normal (voltage follows the V/f line: an assumption), above ``shutdown_above_c`` the
  machine stops (S21 test: 490 → 440 MHz above 40 °C, off above 47 °C; hydro thresholds are derived from an
  assumption).
* **Profiles** — eco, normal, turbo = -3, 0, +2 LuxOS steps (25 MHz per step on a 545 MHz clock, i.e. -13.8 % and
  +9.2 %; the step counts are an assumption), or a power target in W: the clock whose power meets it.
* **Failed boards** — stop hashing and drawing chip power; fans and controller keep running; the other boards keep
  their heat per board.

Models whose chip, or chip counts, are not in the sources get a *nameplate-level twin*
(:meth:`ChipLevelModel.nameplate_twin`): the same physics on a stand-in die (:data:`~minecore.hardware.chips.VIRTUAL_DIE`)
whose clock is calibrated to the nameplate.  :func:`twin_for` picks the chip-level twin where it can.
"""

from __future__ import annotations

import enum
import functools
import math
import re
import tomllib
from dataclasses import asdict, dataclass
from importlib import resources
from typing import Any

from minecore import validate as V
from minecore.errors import InvalidInputError
from minecore.hardware.chips import CHIPS, VIRTUAL_DIE, ChipSpec
from minecore.hardware.models import Cooling, MinerModel
from ..errors import ChipDataUnavailableError  # noqa: F401  (defined in minecore.errors, re-exported here)

__all__ = [
    "ChipDataUnavailableError",
    "ChipLevelModel",
    "Coefficient",
    "NameplateCheck",
    "OperatingConditions",
    "OperatingPoint",
    "Profile",
    "coefficients",
    "family_thresholds",
    "measured_clock",
    "operating_point_for",
    "parse_profile",
    "twin_for",
]

#: Hashboards assumed when the sources give none (most air-cooled machines have three).
ASSUMED_BOARDS = 3
#: A chip-level model whose nameplate needs a clock further than this outside the chip's known range is rejected as
#: inconsistent (the chip or the counts must be wrong) and the model gets a nameplate twin instead.
CLOCK_RANGE_SLACK = 0.10
#: Reference inlet temperature of nameplate figures [°C] (makers rate at 25 °C, e.g. the S21 XP sheet).
REFERENCE_INLET_C = 25.0


# ---------------------------------------------------------------------------------------------- coefficients


@dataclass(frozen=True)
class Coefficient:
    """One coefficient of the twin with its provenance.

    basis : ``"sourced"``, ``"derived"`` or ``"assumed"``; source : the citation (sourced) or how it was chosen or
    computed (derived, assumed); date : the source's date or ``"undated"``.
    """

    name: str
    value: Any
    unit: str
    basis: str
    source: str
    date: str = "undated"
    applies_to: str = ""

    @property
    def assumed(self) -> bool:
        return self.basis == "assumed"

    def text(self) -> str:
        """One line: ``name = value unit [BASIS, date] source``."""
        tag = "ASSUMPTION" if self.assumed else self.basis
        return f"{self.name} = {self.value} {self.unit} [{tag}, {self.date}] {self.source}"


@functools.lru_cache(maxsize=1)
def _twin_data() -> dict[str, Any]:
    path = resources.files("minecore.hardware").joinpath("data", "twin.toml")
    with path.open("rb") as fh:
        return tomllib.load(fh)


def _coef(name: str, raw: dict[str, Any]) -> Coefficient:
    return Coefficient(name=name, value=raw["value"], unit=raw.get("unit", ""), basis=raw["basis"],
                       source=raw.get("source") or raw.get("how", ""), date=str(raw.get("date", "undated")),
                       applies_to=raw.get("applies_to", ""))


@functools.lru_cache(maxsize=1)
def coefficients() -> dict[str, Coefficient]:
    """Every coefficient of ``data/twin.toml`` by name, with its basis, source and date."""
    return {k: _coef(k, v) for k, v in _twin_data()["coefficients"].items()}


def _c(name: str) -> float:
    return coefficients()[name].value


def family_thresholds(cooling: str) -> dict[str, Any]:
    """Heat thresholds of a cooling family (``air``, ``hydro``, ``immersion``): derate/shutdown inlet [°C],
    derated clock ratio, basis and source."""
    fam = _twin_data()["families"]
    if cooling not in fam:
        raise InvalidInputError(f"cooling must be one of {', '.join(fam)}, got {cooling!r}")
    return dict(fam[cooling])


def measured_clock(key: str) -> dict[str, Any] | None:
    """The independent normal clock of catalog model ``key`` (``normal_mhz``, basis, source, date), or None."""
    return _twin_data().get("clocks", {}).get(key)


# ---------------------------------------------------------------------------------------------- profiles


class Profile(str, enum.Enum):
    """Named tuning profiles (a power target is given as ``"3000W"`` or ``power_target_w``)."""

    ECO = "eco"
    NORMAL = "normal"
    TURBO = "turbo"


_POWER_RE = re.compile(r"^\s*(?:power[:=]\s*)?([0-9]+(?:\.[0-9]+)?)\s*w?\s*$", re.IGNORECASE)


def parse_profile(profile: Any = "normal", power_target_w: Any = None) -> tuple[str, float | None]:
    """``(name, power_target_w)`` from a profile name (``eco``/``normal``/``turbo``), a power target written as
    ``"3000W"`` / ``"power:3000"``, or ``power_target_w`` [W] (which wins, and is named ``"power target"``).

    >>> parse_profile("ECO"), parse_profile("3000W"), parse_profile("normal", 3200)
    (('eco', None), ('power target', 3000.0), ('power target', 3200.0))
    """
    if power_target_w is not None:
        return "power target", V.positive("power_target_w", power_target_w, hi=1e6)
    if profile is None:
        return Profile.NORMAL.value, None
    if isinstance(profile, Profile):
        return profile.value, None
    if isinstance(profile, str):
        name = profile.strip().lower()
        if name in {p.value for p in Profile}:
            return name, None
        m = _POWER_RE.match(profile)
        if m:
            return "power target", V.positive("power target", float(m.group(1)), hi=1e6)
    names = ", ".join(p.value for p in Profile)
    raise InvalidInputError(f"unknown profile {profile!r} (choose {names}, or a power target such as '3000W')")


def _profile_steps() -> dict[str, float]:
    return {"eco": float(_c("eco_steps")), "normal": 0.0, "turbo": float(_c("turbo_steps"))}


# ---------------------------------------------------------------------------------------------- records


@dataclass(frozen=True)
class OperatingConditions:
    """Where and how a machine runs: the inputs of an operating point (scenario keys of the same names).

    Numbers must be real numbers (never numeric strings, NaN or ±inf).
    """

    profile: str = V.spec("normal", kind="text", doc="eco, normal, turbo, or a power target such as '3000W'")
    power_target_w: float | None = V.spec(None, unit="W", lo=0.0, lo_open=True, hi=1e6, optional=True,
                                          doc="run at the clock whose wall power meets this (wins over profile)")
    ambient_c: float = V.spec(REFERENCE_INLET_C, unit="°C", lo=-40.0, hi=70.0,
                              doc="inlet air temperature (hydro, immersion: coolant inlet)")
    cooling: str | None = V.spec(None, kind="text", optional=True,
                                 doc="air, hydro or immersion; none: the catalog's cooling of the model")
    failed_boards: int = V.spec(0, kind="int", unit="boards", lo=0, hi=64, doc="hashboards out of service")
    age_years: float = V.spec(0.0, unit="years", lo=0.0, hi=30.0, doc="age of the units (with degradation_per_year)")
    degradation_per_year: float = V.spec(0.0, unit="decimal/year", lo=0.0, hi=0.9,
                                         doc="hashrate lost per year of age at the same power (no source gives a "
                                             "rate: set yours)")

    def __post_init__(self) -> None:
        V.check_fields(self)
        name, target = parse_profile(self.profile, self.power_target_w)
        object.__setattr__(self, "profile", name)
        object.__setattr__(self, "power_target_w", target)
        if self.cooling is not None:
            allowed = [c.value for c in Cooling]
            if self.cooling.lower() not in allowed:
                raise InvalidInputError(f"cooling must be one of {', '.join(allowed)}, got {self.cooling!r}")
            object.__setattr__(self, "cooling", self.cooling.lower())

    @property
    def is_nameplate(self) -> bool:
        """True when these conditions are the nameplate's (normal, 25 °C, no failures, new)."""
        return (self.profile == "normal" and self.power_target_w is None and self.ambient_c == REFERENCE_INLET_C
                and self.cooling is None and self.failed_boards == 0 and
                (self.age_years == 0 or self.degradation_per_year == 0))

    def label(self) -> str:
        """``"eco, 35 °C inlet, 1 failed board"`` — what a report row shows."""
        parts = [f"{self.power_target_w:g} W target" if self.power_target_w is not None else self.profile,
                 f"{self.ambient_c:g} °C inlet"]
        if self.cooling:
            parts.append(self.cooling)
        if self.failed_boards:
            parts.append(f"{self.failed_boards} failed board{'s' if self.failed_boards > 1 else ''}")
        if self.age_years and self.degradation_per_year:
            parts.append(f"{self.age_years:g} y at {self.degradation_per_year:.1%}/y degradation")
        return ", ".join(parts)


@dataclass(frozen=True)
class NameplateCheck:
    """The twin's hashrate at its normal clock against the maker's nameplate.

    independent : the normal clock comes from a source other than the nameplate; error : twin / nameplate - 1
    (None when not independent: a clock calibrated to the nameplate reproduces it by construction); within :
    ``|error| <= tolerance`` (the makers' stated ±3 %), None when not independent.
    """

    independent: bool
    clock_mhz: float
    clock_basis: str
    twin_ths: float
    nameplate_ths: float
    error: float | None
    tolerance: float
    within: bool | None

    def text(self) -> str:
        if not self.independent:
            return f"not independent: {self.clock_basis}"
        return (f"{self.error:+.2%} at {self.clock_mhz:g} MHz ({self.clock_basis}); "
                f"{'within' if self.within else 'OUTSIDE'} ±{self.tolerance:.0%}")


@dataclass(frozen=True)
class OperatingPoint:
    """One operating point of a whole machine.

    Attributes
    ----------
    profile : str — ``"eco"``, ``"normal"``, ``"turbo"``, ``"power target"`` or ``"custom"`` (a clock given).
    clock_mhz : float — chip clock actually run, after any thermal cap [MHz] (a stand-in clock for a nameplate twin).
    voltage_v : float — chip core voltage at that clock [V] (relative to 1.0 at normal for a nameplate twin).
    hashrate_ths : float — machine hashrate [TH/s].
    power_w : float — machine wall power [W].
    efficiency_j_per_th : float | None — power / hashrate [J/TH]; None when nothing hashes.
    ambient_c : float — inlet air (or coolant inlet) temperature [°C].
    active_boards : int — hashboards still working.
    throttled : bool — the clock was capped for heat.
    shutdown : bool — the machine stopped for heat.
    requested_clock_mhz : float — clock asked for before any thermal cap [MHz].
    chip_temp_c : float | None — modelled chip temperature [°C].
    cooling : str — air, hydro or immersion.
    twin : str — ``"chip"`` (chip-level) or ``"nameplate"`` (no chip data: stand-in die).
    clock_basis : str — where the normal clock comes from (measured, or calibrated to nameplate).
    power_target_w : float | None — the target a power-target profile met [W].
    degradation : float — share of hashrate lost to age (0 = new).
    model : str — catalog model name.
    """

    profile: str
    clock_mhz: float
    voltage_v: float
    hashrate_ths: float
    power_w: float
    efficiency_j_per_th: float | None
    ambient_c: float
    active_boards: int
    throttled: bool
    shutdown: bool
    requested_clock_mhz: float = 0.0
    chip_temp_c: float | None = None
    cooling: str = "air"
    twin: str = "chip"
    clock_basis: str = ""
    power_target_w: float | None = None
    degradation: float = 0.0
    model: str = ""
    fan_power_w: float = 0.0

    def to_dict(self) -> dict:
        """Plain dict for JSON output."""
        return asdict(self)

    def label(self) -> str:
        """What a report row shows: ``"eco, 35 °C air: 174.7 TH/s, 2,992 W (chip-level twin, measured clock)"``."""
        prof = f"{self.power_target_w:g} W target" if self.power_target_w is not None else self.profile
        state = ", SHUT DOWN (heat)" if self.shutdown else (", throttled" if self.throttled else "")
        twin = "chip-level twin" if self.twin == "chip" else "nameplate-level twin, no chip data"
        clock = "measured clock" if self.clock_basis.startswith(("measured", "firmware")) else \
            "clock calibrated to nameplate"
        return (f"{prof}, {self.ambient_c:g} °C {self.cooling}, {self.active_boards} boards{state}: "
                f"{self.hashrate_ths:,.1f} TH/s, {self.power_w:,.0f} W ({twin}, {clock})")


# ---------------------------------------------------------------------------------------------- the twin


class ChipLevelModel:
    """The twin of one :class:`MinerModel` (module docstring: the equations).

    Build it with :meth:`for_model` (chip-level; raises :class:`ChipDataUnavailableError` without chip data),
    :meth:`nameplate_twin` (stand-in die) or :func:`twin_for` (chip-level where possible).
    """

    def __init__(self, model: MinerModel, chip: ChipSpec, *, kind: str = "chip", cooling: str | None = None,
                 chips_per_board: int | None = None, boards: int | None = None, notes: tuple[str, ...] = ()) -> None:
        if model.hashrate_ths is None or model.power_w is None:
            missing = [f for f in ("hashrate_ths", "power_w") if getattr(model, f) is None]
            raise ChipDataUnavailableError(
                f"{model.name}: no twin: nameplate {' and '.join(missing)} not in the sources; "
                f"set them in a catalog TOML file (--catalog PATH)")
        cpb = chips_per_board if chips_per_board is not None else model.chips_per_board
        nb = boards if boards is not None else model.boards
        if kind == "chip" and (cpb is None or nb is None):
            missing = [f for f, v in (("chips_per_board", cpb), ("boards", nb)) if v is None]
            raise ChipDataUnavailableError(
                f"{model.name}: no chip-level model: {' and '.join(missing)} of its {chip.name} "
                f"{'are' if len(missing) > 1 else 'is'} not in the sources; if you know them, set them for this "
                f"model in a catalog TOML file (--catalog PATH)")
        self.model = model
        self.chip = chip
        self.kind = kind
        self.notes: tuple[str, ...] = tuple(notes)
        self.chips_per_board: int = int(cpb)
        self.boards: int = int(nb)
        self.chips_total: int = self.chips_per_board * self.boards
        self.cooling: str = cooling or model.cooling or Cooling.AIR.value
        self.family: dict[str, Any] = family_thresholds(self.cooling)
        #: Clock that makes the chip data reproduce the nameplate hashrate exactly [MHz].
        self.implied_clock_mhz: float = model.hashrate_ths * 1e6 / (chip.small_cores * self.chips_total)
        measured = measured_clock(model.key) if kind == "chip" else None
        if measured is not None:
            self.normal_clock_mhz: float = float(measured["normal_mhz"])
            self.clock_basis = f"{measured['basis']}: {measured['source']}"
            self.independent = True
        else:
            self.normal_clock_mhz = self.implied_clock_mhz
            self.clock_basis = ("calibrated to nameplate (stand-in die: no chip data)" if chip.virtual
                                else "calibrated to nameplate (no independent clock in the sources)")
            self.independent = False
        lo_steps, hi_steps = _c("clock_span_steps")
        step = _c("profile_step")
        #: Clocks the twin accepts [MHz]: LuxOS's preset span (16 steps down, 8 up) around the normal clock.
        self.clock_range_mhz: tuple[float, float] = (self.normal_clock_mhz * (1 + lo_steps * step),
                                                     self.normal_clock_mhz * (1 + hi_steps * step))
        self.normal_voltage_v: float = self.voltage_at(self.normal_clock_mhz)
        # ---- calibration at the reference: normal clock, 25 °C inlet, every board -> nameplate power
        self.leakage_share: float = float(_c("leakage_share"))
        self.control_power_w: float = float(_c("control_power_w"))
        self._fan_ref_w, self.reference_chip_temp_c = self._thermal(REFERENCE_INLET_C, 1.0)
        chips_ref = model.power_w - self.control_power_w - self._fan_ref_w
        if chips_ref <= 0:
            raise ChipDataUnavailableError(f"{model.name}: nameplate power {model.power_w:g} W is below the twin's "
                                           "fans and controller")
        #: Chip power at the reference [W]: dynamic and leakage parts.
        self.dynamic_ref_w: float = (1 - self.leakage_share) * chips_ref
        self.leakage_ref_w: float = self.leakage_share * chips_ref

    # ------------------------------------------------------------------ construction
    @classmethod
    def for_model(cls, model: MinerModel, *, cooling: str | None = None) -> "ChipLevelModel":
        """Chip-level twin of ``model``.

        Raises :class:`ChipDataUnavailableError` when its chip is not in the chip table, its chip counts or
        nameplate are unknown, or the chip data cannot reproduce the nameplate at any clock near the chip's range.
        """
        if model.chip is None:
            raise ChipDataUnavailableError(
                f"{model.name}: no chip-level model: its chip is unknown in the sources; if it is one of "
                f"{', '.join(CHIPS)}, set chip, chips_per_board and boards in a catalog TOML file (--catalog PATH)"
            )
        chip = CHIPS.get(model.chip.upper())
        if chip is None:
            raise ChipDataUnavailableError(
                f"{model.name}: no chip-level model: no source gives the core counts and clocks of its "
                f"{model.chip} (chip table: {', '.join(CHIPS)}); a catalog file cannot add a chip, only "
                f"models built on these"
            )
        twin = cls(model, chip, cooling=cooling)
        lo, hi = chip.clock_range_mhz
        f = twin.normal_clock_mhz
        if not lo * (1 - CLOCK_RANGE_SLACK) <= f <= hi * (1 + CLOCK_RANGE_SLACK):
            raise ChipDataUnavailableError(
                f"{model.name}: no chip-level model: {twin.chips_total} x {chip.name} would need {f:.0f} MHz for "
                f"the nameplate, outside the chip's known {lo:g}-{hi:g} MHz; the chip or its counts in the sources "
                f"disagree with the nameplate")
        if not lo <= f <= hi:
            twin.notes += (f"normal clock {f:.1f} MHz is outside the open-firmware range {lo:g}-{hi:g} MHz of the "
                           f"{chip.name} (ESP-Miner); the maker's firmware is not bound by it",)
        return twin

    @classmethod
    def nameplate_twin(cls, model: MinerModel, *, cooling: str | None = None, reason: str = "") -> "ChipLevelModel":
        """Nameplate-level twin: the same physics on a stand-in die, clock calibrated to the nameplate."""
        notes = ["nameplate-level twin: no chip-level data" + (f" ({reason})" if reason else "")]
        boards = model.boards
        if boards is None:
            boards = ASSUMED_BOARDS
            notes.append(f"hashboards unknown: {ASSUMED_BOARDS} assumed")
        cpb = model.chips_per_board
        if cpb is None:  # stand-in chips sized so the stand-in clock is about the stand-in die's 500 MHz
            cpb = max(1, round(model.hashrate_ths * 1e6 / (VIRTUAL_DIE.small_cores * VIRTUAL_DIE.default_clock_mhz
                                                           * boards)))
            notes.append(f"chips per board unknown: {cpb} stand-in chips per board")
        return cls(model, VIRTUAL_DIE, kind="nameplate", cooling=cooling, chips_per_board=cpb, boards=boards,
                   notes=tuple(notes))

    def __repr__(self) -> str:
        return (f"ChipLevelModel({self.model.name!r}, {self.kind}, {self.chips_total} x {self.chip.name}, "
                f"normal {self.normal_clock_mhz:.1f} MHz)")

    # ------------------------------------------------------------------ physics
    def voltage_at(self, clock_mhz: float) -> float:
        """Chip core voltage at ``clock_mhz`` [V] (a nameplate twin: relative, 1.0 at its normal clock)."""
        if self.chip.virtual:
            return 1.0 + float(_c("vf_relative_slope")) * (clock_mhz / self.normal_clock_mhz - 1.0)
        if self.chip.name == "BM1397":
            v = 0.65 + float(_c("bm1397_vf_line")) * clock_mhz
        else:
            f0, v0 = self.chip.default_clock_mhz, self.chip.default_voltage_v
            v = v0 * (1.0 + float(_c("vf_relative_slope")) * (clock_mhz / f0 - 1.0))
        return max(v, self.chip.voltage_range_v[0])

    def hashrate_ths_at(self, clock_mhz: float, active_boards: int | None = None) -> float:
        """Machine hashrate at ``clock_mhz`` [TH/s] with ``active_boards`` working boards (new chips)."""
        boards = self.boards if active_boards is None else active_boards
        return clock_mhz * self.chip.small_cores * self.chips_per_board * boards / 1e6

    def _thermal(self, inlet_c: float, heat: float) -> tuple[float, float]:
        """(fan power [W], chip temperature [°C]) at an inlet temperature and a heat ratio per active board."""
        if self.cooling == Cooling.AIR.value:
            rise = float(_c("board_rise_full_fan_c"))
            target = float(_c("board_target_c"))
            if inlet_c < target:
                duty = min(max(rise * heat / (target - inlet_c), float(_c("fan_min_duty"))), 1.0)
            else:
                duty = 1.0
            board = inlet_c + rise * heat / duty
            return float(_c("fan_power_max_w")) * duty**3, board + float(_c("chip_over_board_c"))
        return 0.0, inlet_c + float(_c("coolant_rise_c")) * heat

    def _chip_power(self, clock_mhz: float, inlet_c: float, share: float) -> tuple[float, float, float]:
        """(chip power [W], fan power [W], chip temperature [°C]) with ``share`` of the boards hashing."""
        if share <= 0:
            fan, temp = self._thermal(inlet_c, 0.0)
            return 0.0, fan, temp
        v = self.voltage_at(clock_mhz) / self.normal_voltage_v
        dyn = self.dynamic_ref_w * v * v * clock_mhz / self.normal_clock_mhz
        doubling = float(_c("leakage_doubling_c"))
        heat, fan, temp = 1.0, 0.0, self.reference_chip_temp_c
        for _ in range(60):  # fixed point: leakage heats the chip, heat raises leakage (loop gain well below 1)
            fan, temp = self._thermal(inlet_c, heat)
            leak = self.leakage_ref_w * v * 2.0 ** ((temp - self.reference_chip_temp_c) / doubling)
            new = (dyn + leak) / (self.dynamic_ref_w + self.leakage_ref_w)
            if abs(new - heat) < 1e-12:
                break
            heat = new
        return share * (dyn + leak), fan, temp

    def power_w_at(self, clock_mhz: float, active_boards: int | None = None, ambient_c: float = REFERENCE_INLET_C) -> float:
        """Machine wall power at ``clock_mhz`` [W] with ``active_boards`` working boards at an inlet temperature."""
        boards = self.boards if active_boards is None else active_boards
        chips, fan, _ = self._chip_power(clock_mhz, ambient_c, boards / self.boards)
        return self.control_power_w + fan + chips

    def nameplate_check(self) -> NameplateCheck:
        """The twin's hashrate at its normal clock (25 °C, all boards) against the nameplate."""
        twin = self.hashrate_ths_at(self.normal_clock_mhz)
        tol = float(_c("hashrate_tolerance"))
        err = twin / self.model.hashrate_ths - 1.0 if self.independent else None
        return NameplateCheck(self.independent, self.normal_clock_mhz, self.clock_basis, twin, self.model.hashrate_ths,
                              err, tol, None if err is None else abs(err) <= tol)

    @property
    def nameplate_error(self) -> float | None:
        """Relative gap of the twin to the nameplate at an independent clock; None when the clock is calibrated to
        the nameplate (the gap would be 0 by construction, which is no check)."""
        return self.nameplate_check().error

    def profile_clock_mhz(self, profile: str | Profile) -> float:
        """Clock of a named profile [MHz] (eco, normal, turbo)."""
        name, target = parse_profile(profile)
        if target is not None:
            raise InvalidInputError("a power target has no fixed clock: use operating_point(power_target_w=...)")
        return self.normal_clock_mhz * (1 + _profile_steps()[name] * float(_c("profile_step")))

    def _check_clock(self, clock: float) -> float:
        clock = V.finite("clock_mhz", clock)
        lo, hi = self.clock_range_mhz
        if not lo * (1 - 1e-9) <= clock <= hi * (1 + 1e-9):
            raise InvalidInputError(
                f"clock {clock:g} MHz is outside the {self.model.name}'s {lo:.0f}-{hi:.0f} MHz "
                f"(LuxOS preset span around its normal {self.normal_clock_mhz:.0f} MHz)")
        return clock

    # ------------------------------------------------------------------ public API
    def operating_point(
        self,
        profile: str | None = "normal",
        clock_mhz: float | None = None,
        ambient_c: float = REFERENCE_INLET_C,
        failed_boards: int = 0,
        *,
        power_target_w: float | None = None,
        age_years: float = 0.0,
        degradation_per_year: float = 0.0,
    ) -> OperatingPoint:
        """The machine at a profile (eco/normal/turbo, a power target such as ``"3000W"``, or ``power_target_w``
        [W]) or an explicit clock [MHz] (which wins), an inlet temperature [°C], a number of failed hashboards and
        an age [years] with a hashrate degradation per year [decimal].

        Numbers must be finite real numbers (no NaN, ±inf or numeric strings), ``clock_mhz`` inside
        :attr:`clock_range_mhz`, ``failed_boards`` an integer in ``[0, boards]``; a power target must be reachable
        in the clock range.  Anything else raises :class:`~minecore.errors.InvalidInputError`.
        """
        ambient_c = V.finite("ambient_c", ambient_c)
        failed_boards = V.count(f"failed_boards for {self.model.name}", failed_boards, minimum=0, maximum=self.boards)
        age = V.finite("age_years", age_years, lo=0.0, hi=30.0)
        rate = V.finite("degradation_per_year", degradation_per_year, lo=0.0, hi=0.9)
        target = None
        if clock_mhz is not None:
            clock = self._check_clock(clock_mhz)
            label = "custom"
        else:
            label, target = parse_profile(profile, power_target_w)
            clock = self.normal_clock_mhz if target is not None else self.profile_clock_mhz(label)
        active = self.boards - failed_boards
        fam = self.family
        base = dict(ambient_c=ambient_c, active_boards=active, cooling=self.cooling, twin=self.kind,
                    clock_basis=self.clock_basis, power_target_w=target, model=self.model.name)
        if ambient_c > fam["shutdown_above_c"]:
            return OperatingPoint(label, 0.0, 0.0, 0.0, 0.0, None, throttled=False, shutdown=True,
                                  requested_clock_mhz=clock, **base)
        cap = self.normal_clock_mhz * fam["derate_clock_ratio"] if ambient_c > fam["derate_above_c"] else math.inf
        if target is not None:
            # a target above what the heat-capped clock draws runs at the cap (throttled), as firmware would
            clock = self._clock_for_power(target, ambient_c, active, self.clock_range_mhz[1],
                                          cap if cap < self.clock_range_mhz[1] else None)
        run = min(clock, cap)
        throttled = run < clock
        factor = (1.0 - rate) ** age
        hashrate = self.hashrate_ths_at(run, active) * factor
        chips, fan, temp = self._chip_power(run, ambient_c, active / self.boards)
        power = self.control_power_w + fan + chips
        return OperatingPoint(
            profile=label, clock_mhz=run, voltage_v=self.voltage_at(run), hashrate_ths=hashrate, power_w=power,
            efficiency_j_per_th=power / hashrate if hashrate > 0 else None, throttled=throttled, shutdown=False,
            requested_clock_mhz=clock, chip_temp_c=temp if active else None, degradation=1.0 - factor,
            fan_power_w=fan, **base)

    def _clock_for_power(self, target_w: float, ambient_c: float, active: int, top: float,
                         cap: float | None = None) -> float:
        """The clock [MHz] at which the machine draws ``target_w`` (bisection: power rises with clock).  With a
        thermal ``cap``, a target above the capped power returns a clock above the cap (the caller throttles it)."""
        lo = self.clock_range_mhz[0]
        share = active / self.boards

        def p(f: float) -> float:
            chips, fan, _ = self._chip_power(f, ambient_c, share)
            return self.control_power_w + fan + chips

        p_lo, p_hi = p(lo), p(top)
        if cap is not None and p_lo <= target_w and target_w > p(cap):
            return top
        if not p_lo <= target_w <= p_hi:
            raise InvalidInputError(
                f"power target {target_w:g} W is outside what the {self.model.name} can draw at {ambient_c:g} °C "
                f"with {active} board(s): {p_lo:,.0f}-{p_hi:,.0f} W")
        a, b = lo, top
        for _ in range(80):
            m = 0.5 * (a + b)
            if p(m) < target_w:
                a = m
            else:
                b = m
        return 0.5 * (a + b)

    def tuning_curve(self, clocks_mhz=None, ambient_c: float = REFERENCE_INLET_C,
                     failed_boards: int = 0) -> list[OperatingPoint]:
        """Operating points over a sweep of clocks [MHz], ascending.

        Default sweep: nine even steps across :attr:`clock_range_mhz` plus the eco, normal and turbo clocks (those
        points carry the profile's name).
        """
        named = {round(self.profile_clock_mhz(p), 3): p.value for p in (Profile.TURBO, Profile.ECO, Profile.NORMAL)}
        if clocks_mhz is None:
            lo, hi = self.clock_range_mhz
            grid = {round(lo + (hi - lo) * i / 8, 3) for i in range(9)}
            clocks = sorted(grid | set(named))
        else:
            if isinstance(clocks_mhz, (str, bytes)) or not hasattr(clocks_mhz, "__iter__"):
                raise InvalidInputError(f"clocks_mhz must be a list of clocks [MHz], got {clocks_mhz!r}")
            clocks = sorted(V.finite("clock_mhz", c) for c in clocks_mhz)
            if not clocks:
                raise InvalidInputError("tuning_curve needs at least one clock")
        out = []
        for c in clocks:
            if clocks_mhz is None and round(c, 3) in named:
                pt = self.operating_point(named[round(c, 3)], ambient_c=ambient_c, failed_boards=failed_boards)
            else:
                pt = self.operating_point(clock_mhz=min(max(c, self.clock_range_mhz[0]), self.clock_range_mhz[1])
                                          if clocks_mhz is None else c, ambient_c=ambient_c,
                                          failed_boards=failed_boards)
            out.append(pt)
        return out

    def best_efficiency_point(self, ambient_c: float = REFERENCE_INLET_C) -> OperatingPoint:
        """The point of the default tuning curve with the lowest J/TH."""
        pts = [p for p in self.tuning_curve(ambient_c=ambient_c) if p.efficiency_j_per_th is not None]
        if not pts:
            raise InvalidInputError(f"{self.model.name} does not hash at {ambient_c:g} °C")
        return min(pts, key=lambda p: p.efficiency_j_per_th)

    def assumptions(self) -> list[Coefficient]:
        """The coefficients this twin uses that no source gives (printed as ASSUMPTIONS)."""
        used = self.used_coefficients()
        return [c for c in used if c.assumed]

    def used_coefficients(self) -> list[Coefficient]:
        """Every coefficient this twin uses, with its basis."""
        names = ["profile_step", "eco_steps", "turbo_steps", "clock_span_steps", "leakage_share",
                 "leakage_doubling_c", "control_power_w", "throttle_keeps_voltage_line",
                 "degraded_chips_keep_power", "hashrate_tolerance"]
        names.insert(0, "bm1397_vf_line" if self.chip.name == "BM1397" else "vf_relative_slope")
        if self.cooling == Cooling.AIR.value:
            names += ["chip_over_board_c", "board_target_c", "board_rise_full_fan_c", "fan_power_max_w", "fan_min_duty"]
        else:
            names.append("coolant_rise_c")
        out = [coefficients()[n] for n in names]
        fam = self.family
        sourced = self.model.key in fam.get("sourced_for", [])
        out.append(Coefficient(
            f"heat thresholds ({self.cooling})",
            f"derate above {fam['derate_above_c']:g} °C to {fam['derate_clock_ratio']:.3f} x clock, "
            f"off above {fam['shutdown_above_c']:g} °C", "",
            "sourced" if sourced else "assumed",
            (fam.get("source") or fam.get("how", "")) + ("" if sourced else
                                                         f" (not measured on the {self.model.name}: assumed the same)"),
            str(fam.get("date", "undated"))))
        if not self.independent:
            out.append(Coefficient("normal clock", round(self.normal_clock_mhz, 1), "MHz", "assumed",
                                   self.clock_basis, "n/a"))
        return out

    def describe(self) -> dict:
        """Summary for reports and JSON output."""
        check = self.nameplate_check()
        return {
            "twin": self.kind,
            "chip": self.chip.name,
            "small_cores": self.chip.small_cores,
            "big_cores": self.chip.big_cores,
            "version_rolling": self.chip.version_rolling,
            "chips_per_board": self.chips_per_board,
            "boards": self.boards,
            "chips_total": self.chips_total,
            "cooling": self.cooling,
            "implied_clock_mhz": self.implied_clock_mhz,
            "normal_clock_mhz": self.normal_clock_mhz,
            "clock_basis": self.clock_basis,
            "clock_independent": self.independent,
            "clock_range_mhz": list(self.clock_range_mhz),
            "chip_clock_range_mhz": None if self.chip.virtual else list(self.chip.clock_range_mhz),
            "nameplate_check": asdict(check),
            "nameplate_error": check.error,
            "power_split_at_nameplate_w": {"control": self.control_power_w, "fans": self._fan_ref_w,
                                           "chips_dynamic": self.dynamic_ref_w, "chips_leakage": self.leakage_ref_w},
            "reference_chip_temp_c": self.reference_chip_temp_c,
            "profiles": {p.value: self.profile_clock_mhz(p) for p in Profile},
            "derate_above_c": self.family["derate_above_c"],
            "derate_clock_ratio": self.family["derate_clock_ratio"],
            "shutdown_above_c": self.family["shutdown_above_c"],
            "coefficients": [asdict(c) for c in self.used_coefficients()],
            "assumptions": [c.text() for c in self.assumptions()],
            "notes": list(self.notes),
        }


# ---------------------------------------------------------------------------------------------- helpers


def twin_for(model: MinerModel, *, cooling: str | None = None) -> ChipLevelModel:
    """The best twin of ``model``: chip-level where the chip data exist and agree with the nameplate, else a
    nameplate-level twin (labelled).  Raises :class:`ChipDataUnavailableError` only when the nameplate itself is
    unknown."""
    try:
        return ChipLevelModel.for_model(model, cooling=cooling)
    except ChipDataUnavailableError as exc:
        if model.hashrate_ths is None or model.power_w is None:
            missing = [f for f in ("hashrate_ths", "power_w") if getattr(model, f) is None]
            raise ChipDataUnavailableError(
                f"{model.name}: no twin: nameplate {' and '.join(missing)} not in the sources; set them in a "
                "catalog TOML file (--catalog PATH)") from None
        reason = str(exc).split(": no chip-level model: ", 1)[-1]
        return ChipLevelModel.nameplate_twin(model, cooling=cooling, reason=reason)


def operating_point_for(model: MinerModel, conditions: OperatingConditions | None = None,
                        **kwargs: Any) -> OperatingPoint:
    """The operating point of catalog ``model`` under ``conditions`` (or keyword arguments of
    :class:`OperatingConditions`), from :func:`twin_for`."""
    cond = conditions if conditions is not None else OperatingConditions(**kwargs)
    twin = twin_for(model, cooling=cond.cooling)
    return twin.operating_point(cond.profile, ambient_c=cond.ambient_c, failed_boards=cond.failed_boards,
                                power_target_w=cond.power_target_w, age_years=cond.age_years,
                                degradation_per_year=cond.degradation_per_year)

