"""Chip-level model of a miner: clock, voltage, hashrate, power, heat and broken boards.

How the numbers are made (every constant below names its source):

* **Hashrate** — each small core hashes one header per clock, so
  ``hashrate [H/s] = clock [Hz] × small_cores × chips``
  (ESP-Miner ``power_management_task.c:90-92``).  A model's *implied clock* is its
  nameplate hashrate divided by ``small_cores × chips``.
* **Normal profile** — the implied clock, clamped into the range of clocks the
  chip is known to run at (:attr:`ChipSpec.clock_range_mhz`).  Where the chip
  data fits the nameplate, normal reproduces it; where it does not, the gap shows
  in :attr:`ChipLevelModel.nameplate_error` (tests require it to stay within 5%).
* **Voltage/frequency** — BM1397 presets (quiet 450 MHz/1.10 V, balanced 550/1.20,
  turbo 750/1.40; acs-esp-miner preset doc) lie on one line, V = 0.65 + 0.001·f.
  That line is used for the BM1397; other chips, which have only one published
  point (their default clock and voltage), use the same relative slope
  (dV/V = 0.458·df/f, the BM1397 line at its balanced point) through that point.
  Voltage never goes below the chip's minimum (:attr:`ChipSpec.voltage_range_v`).
* **Power** — ``P = P_static + k·V²·f``.  ``P_static`` is a fixed share of nameplate
  power (fans, control board, PSU loss, leakage; :data:`STATIC_POWER_FRACTION` —
  a modelling assumption, no source gives it) and ``k`` is calibrated so that the
  implied clock draws exactly nameplate power.
* **Profiles** — eco / normal / turbo scale the normal clock by 450/550, 1 and
  750/550 (the BM1397 preset ratios), clamped into the chip's clock range.
* **Heat** — an Antminer S21 under test underclocked from 490 to 440 MHz above
  40 °C ambient and shut down above 47 °C (BTCWire/hackernoon 2024-03-11); Canaan's
  A1466 also starts underclocking at a 40 °C inlet (d-central).  Generalised: above
  :data:`DERATE_ABOVE_C` every model's clock is capped at 440/490 of its normal
  clock; above :data:`SHUTDOWN_ABOVE_C` it stops.  For hydro and immersion models
  ``ambient_c`` is read as the coolant inlet temperature with the same thresholds
  (no source gives theirs: treat as an estimate).
* **Failed hashboards** — a failed board stops hashing and drawing dynamic power;
  the static share (fans, controller, PSU) stays.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass

from minecore import validate as V
from minecore.errors import InvalidInputError
from minecore.hardware.chips import CHIPS, ChipSpec
from minecore.hardware.models import MinerModel
from ..errors import ChipDataUnavailableError  # noqa: F401  (defined in minecore.errors, re-exported here)

__all__ = [
    "ChipDataUnavailableError",
    "ChipLevelModel",
    "OperatingPoint",
    "Profile",
    "PROFILE_CLOCK_RATIO",
    "STATIC_POWER_FRACTION",
    "DERATE_ABOVE_C",
    "DERATE_CLOCK_RATIO",
    "SHUTDOWN_ABOVE_C",
    "VF_RELATIVE_SLOPE",
]


class Profile(str, enum.Enum):
    """Named tuning profiles."""

    ECO = "eco"
    NORMAL = "normal"
    TURBO = "turbo"


#: Clock of each profile relative to normal (BM1397 presets 450 / 550 / 750 MHz, acs-esp-miner preset doc).
PROFILE_CLOCK_RATIO: dict[Profile, float] = {
    Profile.ECO: 450.0 / 550.0,
    Profile.NORMAL: 1.0,
    Profile.TURBO: 750.0 / 550.0,
}
#: Share of nameplate power that does not scale with clock (fans, controller, PSU loss, leakage).
#: A modelling assumption: no source in the research gives it.
STATIC_POWER_FRACTION = 0.10
#: Above this ambient [°C] the clock is capped (S21 test: 490 → 440 MHz above 40 °C; A1466 trigger 40 °C).
DERATE_ABOVE_C = 40.0
#: Capped clock relative to the normal clock (440 / 490 MHz, S21 test, hackernoon/BTCWire 2024-03-11).
DERATE_CLOCK_RATIO = 440.0 / 490.0
#: Above this ambient [°C] the machine shuts down (S21 test, same source).
SHUTDOWN_ABOVE_C = 47.0
#: Relative voltage slope dV/V per df/f, from the BM1397 preset line at its balanced point (0.001 × 550 / 1.2).
VF_RELATIVE_SLOPE = 0.001 * 550.0 / 1.2


@dataclass(frozen=True)
class OperatingPoint:
    """One operating point of a whole machine.

    Attributes
    ----------
    profile : str — ``"eco"``, ``"normal"``, ``"turbo"`` or ``"custom"`` (a clock given directly).
    clock_mhz : float — chip clock actually run, after any thermal cap [MHz].
    voltage_v : float — chip core voltage at that clock [V].
    hashrate_ths : float — machine hashrate [TH/s].
    power_w : float — machine wall power [W].
    efficiency_j_per_th : float | None — power / hashrate [J/TH]; None when nothing hashes.
    ambient_c : float — ambient (or coolant inlet) temperature [°C].
    active_boards : int — hashboards still working.
    throttled : bool — the clock was capped for heat.
    shutdown : bool — the machine stopped for heat.
    requested_clock_mhz : float — clock asked for before any thermal cap [MHz].
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

    def to_dict(self) -> dict:
        """Plain dict for JSON output."""
        return asdict(self)


class ChipLevelModel:
    """Chip-level model of one :class:`MinerModel` (see the module docstring for the physics).

    Build it with :meth:`for_model`.
    """

    def __init__(self, model: MinerModel, chip: ChipSpec, static_fraction: float = STATIC_POWER_FRACTION) -> None:
        missing = [f for f in ("chips_per_board", "boards") if getattr(model, f) is None]
        if missing:
            raise ChipDataUnavailableError(
                f"{model.name}: no chip-level model: {' and '.join(missing)} of its {chip.name} "
                f"{'are' if len(missing) > 1 else 'is'} not in the sources; if you know them, set them for this model in a catalog TOML file (--catalog PATH)"
            )
        if model.hashrate_ths is None or model.power_w is None:
            missing = [f for f in ("hashrate_ths", "power_w") if getattr(model, f) is None]
            raise ChipDataUnavailableError(
                f"{model.name}: no chip-level model: nameplate {' and '.join(missing)} not in the sources; "
                f"set them in a catalog TOML file (--catalog PATH)"
            )
        static_fraction = V.finite("static_fraction", static_fraction, lo=0.0, hi=1.0, hi_open=True)
        self.model = model
        self.chip = chip
        self.chips_per_board: int = model.chips_per_board
        self.boards: int = model.boards
        self.chips_total: int = model.chips_per_board * model.boards
        #: Clock that makes chip data reproduce nameplate hashrate exactly [MHz].
        self.implied_clock_mhz: float = model.hashrate_ths * 1e6 / (chip.small_cores * self.chips_total)
        lo, hi = chip.clock_range_mhz
        self.clock_range_mhz: tuple[float, float] = (lo, hi)
        #: Normal-profile clock: implied clock clamped into the chip's known range [MHz].
        self.normal_clock_mhz: float = min(max(self.implied_clock_mhz, lo), hi)
        self.static_fraction = static_fraction
        #: Power that does not scale with clock or boards [W].
        self.static_power_w: float = static_fraction * model.power_w
        v_imp = self.voltage_at(self.implied_clock_mhz)
        #: Dynamic power coefficient k in P_dyn = k·V²·f [W / (V²·MHz)], whole machine.
        self.dynamic_coeff: float = (model.power_w - self.static_power_w) / (v_imp**2 * self.implied_clock_mhz)

    # ------------------------------------------------------------------ construction
    @classmethod
    def for_model(cls, model: MinerModel, static_fraction: float = STATIC_POWER_FRACTION) -> "ChipLevelModel":
        """Model ``model`` at chip level.

        Raises :class:`ChipDataUnavailableError` when its chip is not in the chip table
        or its chip counts or nameplate are unknown.
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
        return cls(model, chip, static_fraction)

    def __repr__(self) -> str:
        return (
            f"ChipLevelModel({self.model.name!r}, {self.chips_total} x {self.chip.name}, "
            f"implied {self.implied_clock_mhz:.1f} MHz)"
        )

    # ------------------------------------------------------------------ physics
    def voltage_at(self, clock_mhz: float) -> float:
        """Chip core voltage needed at ``clock_mhz`` [V] (never below the chip's minimum)."""
        pts = self.chip.vf_points
        if len(pts) >= 2:
            n = len(pts)
            mf = sum(p[0] for p in pts) / n
            mv = sum(p[1] for p in pts) / n
            slope = sum((f - mf) * (v - mv) for f, v in pts) / sum((f - mf) ** 2 for f, _ in pts)
            v = mv + slope * (clock_mhz - mf)
        else:
            f0, v0 = self.chip.default_clock_mhz, self.chip.default_voltage_v
            v = v0 * (1.0 + VF_RELATIVE_SLOPE * (clock_mhz / f0 - 1.0))
        return max(v, self.chip.voltage_range_v[0])

    def hashrate_ths_at(self, clock_mhz: float, active_boards: int | None = None) -> float:
        """Machine hashrate at ``clock_mhz`` [TH/s] with ``active_boards`` working boards."""
        boards = self.boards if active_boards is None else active_boards
        return clock_mhz * self.chip.small_cores * self.chips_per_board * boards / 1e6

    def power_w_at(self, clock_mhz: float, active_boards: int | None = None) -> float:
        """Machine wall power at ``clock_mhz`` [W] with ``active_boards`` working boards."""
        boards = self.boards if active_boards is None else active_boards
        v = self.voltage_at(clock_mhz)
        return self.static_power_w + self.dynamic_coeff * v * v * clock_mhz * boards / self.boards

    @property
    def nameplate_error(self) -> float:
        """Relative gap of the normal profile's hashrate to nameplate (0.01 = 1% high)."""
        assert self.model.hashrate_ths is not None
        return self.hashrate_ths_at(self.normal_clock_mhz) / self.model.hashrate_ths - 1.0

    def profile_clock_mhz(self, profile: str | Profile) -> float:
        """Clock of a named profile [MHz], clamped into the chip's known range."""
        p = self._profile(profile)
        lo, hi = self.clock_range_mhz
        return min(max(self.normal_clock_mhz * PROFILE_CLOCK_RATIO[p], lo), hi)

    @staticmethod
    def _profile(profile: str | Profile) -> Profile:
        try:
            return Profile(profile.lower() if isinstance(profile, str) else profile)
        except ValueError:
            names = ", ".join(p.value for p in Profile)
            raise InvalidInputError(f"unknown profile {profile!r} (choose {names}, or give a clock)") from None

    # ------------------------------------------------------------------ public API
    def operating_point(
        self,
        profile: str | None = "normal",
        clock_mhz: float | None = None,
        ambient_c: float = 25.0,
        failed_boards: int = 0,
    ) -> OperatingPoint:
        """The machine at a profile (or an explicit clock, which wins), an ambient
        temperature [°C] and a number of failed hashboards.

        ``ambient_c`` and ``clock_mhz`` must be finite real numbers (no NaN, ±inf or numeric strings),
        ``clock_mhz`` inside the chip's clock range, ``failed_boards`` an integer in ``[0, boards]``;
        anything else raises :class:`~minecore.errors.InvalidInputError`.
        """
        ambient_c = V.finite("ambient_c", ambient_c)
        failed_boards = V.count(f"failed_boards for {self.model.name}", failed_boards, minimum=0, maximum=self.boards)
        if clock_mhz is not None:
            clock = V.finite("clock_mhz", clock_mhz)
            lo, hi = self.clock_range_mhz
            if not lo <= clock <= hi:
                raise InvalidInputError(
                    f"clock {clock:g} MHz is outside the {self.chip.name} range {lo:g}-{hi:g} MHz"
                )
            label = "custom"
        else:
            label = self._profile(profile if profile is not None else Profile.NORMAL).value
            clock = self.profile_clock_mhz(label)
        active = self.boards - failed_boards
        if ambient_c > SHUTDOWN_ABOVE_C:
            return OperatingPoint(label, 0.0, 0.0, 0.0, 0.0, None, ambient_c, active, False, True, clock)
        run = clock
        throttled = False
        if ambient_c > DERATE_ABOVE_C:
            cap = self.normal_clock_mhz * DERATE_CLOCK_RATIO
            if clock > cap:
                run, throttled = cap, True
        hashrate = self.hashrate_ths_at(run, active)
        power = self.power_w_at(run, active)
        eff = power / hashrate if hashrate > 0 else None
        return OperatingPoint(
            profile=label,
            clock_mhz=run,
            voltage_v=self.voltage_at(run),
            hashrate_ths=hashrate,
            power_w=power,
            efficiency_j_per_th=eff,
            ambient_c=ambient_c,
            active_boards=active,
            throttled=throttled,
            shutdown=False,
            requested_clock_mhz=clock,
        )

    def tuning_curve(
        self, clocks_mhz=None, ambient_c: float = 25.0, failed_boards: int = 0
    ) -> list[OperatingPoint]:
        """Operating points over a sweep of clocks [MHz], ascending.

        Default sweep: nine even steps across the chip's range plus the eco, normal
        and turbo clocks (those points carry the profile's name).
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
                pt = self.operating_point(clock_mhz=c, ambient_c=ambient_c, failed_boards=failed_boards)
            out.append(pt)
        return out

    def best_efficiency_point(self, ambient_c: float = 25.0) -> OperatingPoint:
        """The point of the default tuning curve with the lowest J/TH."""
        pts = [p for p in self.tuning_curve(ambient_c=ambient_c) if p.efficiency_j_per_th is not None]
        if not pts:
            raise InvalidInputError(f"{self.model.name} does not hash at {ambient_c:g} °C")
        return min(pts, key=lambda p: p.efficiency_j_per_th)

    def describe(self) -> dict:
        """Summary for reports and JSON output."""
        return {
            "chip": self.chip.name,
            "small_cores": self.chip.small_cores,
            "big_cores": self.chip.big_cores,
            "chips_per_board": self.chips_per_board,
            "boards": self.boards,
            "chips_total": self.chips_total,
            "implied_clock_mhz": self.implied_clock_mhz,
            "normal_clock_mhz": self.normal_clock_mhz,
            "clock_range_mhz": list(self.clock_range_mhz),
            "nameplate_error": self.nameplate_error,
            "static_power_w": self.static_power_w,
            "static_fraction": self.static_fraction,
            "profiles": {p.value: self.profile_clock_mhz(p) for p in Profile},
            "derate_above_c": DERATE_ABOVE_C,
            "derate_clock_ratio": DERATE_CLOCK_RATIO,
            "shutdown_above_c": SHUTDOWN_ABOVE_C,
        }
