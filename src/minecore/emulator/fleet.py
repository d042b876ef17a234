"""Fast statistical mode: a fleet's shares and blocks over days, at full ASIC rate, without hashing.

Shares and blocks are Poisson counts.  For a member of ``units`` machines at
``hashrate_ths`` each, up ``uptime`` of the time, the mean per day is::

    shares: units × hashrate_ths·1e12 × uptime × 86400 × p(D_pool)
    blocks: units × hashrate_ths·1e12 × uptime × 86400 × p(D_network[day])

with ``p(D) = (truediffone / D + 1) / 2^256`` (≈ 1 / (D · 2^32)).  Counts are drawn
with ``numpy.random.default_rng(seed)``: one seed, one history.

>>> sim = simulate_fleet([FleetMember("x", "X", units=10, hashrate_ths=200.0)], days=3,
...                      network_difficulty=101.65e12, share_difficulty=65536, seed=1)
>>> sim.shares.shape, round(float(sim.expected_shares_per_day[0]))
((1, 3), 613900)
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .. import validate as V
from .machine import EmulatorError
from .stats import PoissonTest, hit_probability, poisson_test

SECONDS_PER_DAY = 86400


@dataclass(frozen=True)
class FleetMember:
    """Machines of one model in a fleet.

    key, name : str — catalog key and display name
    units : int — machines, >= 0
    hashrate_ths : float — hashrate of one machine at its operating point [TH/s], finite and >= 0
    power_w : float | None — wall power of one machine [W], finite and >= 0 when given

    Bad figures (numeric strings, NaN, ±inf, negatives) raise :class:`EmulatorError`.
    """

    key: str
    name: str
    units: int
    hashrate_ths: float
    power_w: float | None = None

    def __post_init__(self) -> None:
        who = self.name
        object.__setattr__(self, "units", V.count(f"{who}: units", self.units, minimum=0, err=EmulatorError))
        object.__setattr__(
            self, "hashrate_ths", V.non_negative(f"{who}: hashrate_ths", self.hashrate_ths, err=EmulatorError)
        )
        if self.power_w is not None:
            object.__setattr__(self, "power_w", V.non_negative(f"{who}: power_w", self.power_w, err=EmulatorError))


@dataclass(frozen=True, eq=False)
class FleetSimulation:
    """Drawn share and block counts, per member (rows) and day (columns).

    network_difficulty : ndarray (days,) — network difficulty used on each day
    expected_shares, shares, expected_blocks, blocks : ndarray (members, days)
    """

    members: tuple[FleetMember, ...]
    days: int
    seed: int
    uptime: float
    share_difficulty: float
    network_difficulty: object
    expected_shares: object
    shares: object
    expected_blocks: object
    blocks: object

    @property
    def hashrate_ths(self) -> float:
        """Fleet hashrate while up [TH/s]."""
        return float(sum(m.units * m.hashrate_ths for m in self.members))

    @property
    def shares_per_day(self):
        return self.shares.sum(axis=0)

    @property
    def expected_shares_per_day(self):
        return self.expected_shares.sum(axis=0)

    @property
    def blocks_per_day(self):
        return self.blocks.sum(axis=0)

    @property
    def expected_blocks_per_day(self):
        return self.expected_blocks.sum(axis=0)

    @property
    def total_shares(self) -> int:
        return int(self.shares.sum())

    @property
    def total_blocks(self) -> int:
        return int(self.blocks.sum())

    @property
    def share_test(self) -> PoissonTest:
        """All shares drawn against the expected total."""
        return poisson_test(self.total_shares, float(self.expected_shares.sum()))

    @property
    def estimated_hashrate_ths_per_day(self):
        """Hashrate a pool would estimate each day from the shares: ``shares × D × 2^32 / 86400`` [TH/s]."""
        return self.shares_per_day * (self.share_difficulty * 2**32 / SECONDS_PER_DAY / 1e12)

    def to_dict(self) -> dict:
        return {
            "days": self.days,
            "seed": self.seed,
            "uptime": self.uptime,
            "share_difficulty": self.share_difficulty,
            "hashrate_ths": self.hashrate_ths,
            "members": [m.__dict__.copy() for m in self.members],
            "network_difficulty": self.network_difficulty.tolist(),
            "shares_per_day": self.shares_per_day.tolist(),
            "expected_shares_per_day": self.expected_shares_per_day.tolist(),
            "blocks_per_day": self.blocks_per_day.tolist(),
            "expected_blocks_per_day": self.expected_blocks_per_day.tolist(),
            "total_shares": self.total_shares,
            "total_blocks": self.total_blocks,
        }


def _member(model, units: int, profile, clock_mhz, ambient_c, failed_boards) -> FleetMember:
    """Resolve a model (name or MinerModel) at an operating point with its twin (chip-level where the chip data
    exist, else nameplate-level); a model without a nameplate cannot be simulated."""
    from ..hardware import MinerModel, get_model, twin_for

    record = get_model(model) if isinstance(model, str) else model
    if not isinstance(record, MinerModel):
        raise EmulatorError(f"a fleet model must be a catalog name or MinerModel, got {model!r}")
    if record.hashrate_ths is None or record.power_w is None:
        raise EmulatorError(f"{record.name}: no hashrate is known, so it cannot be simulated")
    op = twin_for(record).operating_point(
        profile=profile, clock_mhz=clock_mhz, ambient_c=ambient_c, failed_boards=failed_boards
    )
    hashrate = 0.0 if op.shutdown else float(op.hashrate_ths)
    return FleetMember(record.key, record.name, units, hashrate, float(op.power_w))


def _per_day(name: str, value: object, days: int) -> list[float]:
    """One positive finite number, or one per day (``days`` of them), as a list of ``days`` floats."""
    if getattr(value, "ndim", None) == 0:  # a 0-d numpy array
        value = value.item()  # type: ignore[union-attr]
    if isinstance(value, numbers.Real) or isinstance(value, (str, bytes)):
        return [V.positive(name, value, err=EmulatorError)] * days
    try:
        values = list(value)  # type: ignore[call-overload]
    except TypeError:
        raise EmulatorError(f"{name} must be a number or one number per day, got {value!r}") from None
    if len(values) == 1:
        values = values * days
    if len(values) != days:
        raise EmulatorError(f"{name} must be one number or one per day ({days}), got {len(values)} values")
    return [V.positive(f"{name}[{i}]", v, err=EmulatorError) for i, v in enumerate(values)]


def simulate_fleet(
    fleet: "Mapping[object, int] | Iterable[FleetMember | tuple[object, int]]",
    days: int,
    *,
    network_difficulty: "float | Sequence[float]",
    share_difficulty: float = 65536.0,
    profile: str = "normal",
    clock_mhz: float | None = None,
    ambient_c: float = 25.0,
    failed_boards: int = 0,
    uptime: float = 1.0,
    seed: int = 0,
) -> FleetSimulation:
    """Draw daily share and block counts for a fleet at full ASIC rate.

    Parameters
    ----------
    fleet : ``{model: units}``, ``[(model, units), ...]`` or ``[FleetMember, ...]``;
        a model is a catalog name or MinerModel (resolved at the operating point given
        by profile/clock_mhz/ambient_c/failed_boards)
    days : int — days simulated, >= 1
    network_difficulty : float or one per day — network difficulty, finite and > 0
    share_difficulty : float — pool share difficulty, finite and > 0
    uptime : float — fraction of each day the machines hash, in [0, 1]
    seed : int — numpy Generator seed, in [0, 2**64)

    Numbers must be real numbers (never numeric strings, NaN or ±inf), else :class:`EmulatorError`;
    ``clock_mhz``, ``ambient_c`` and ``failed_boards`` are checked here too, even for members that fall
    back to their nameplate.

    Returns
    -------
    FleetSimulation
    """
    import numpy as np

    days = V.count("days", days, minimum=1, err=EmulatorError)
    seed = V.seed("seed", seed, err=EmulatorError)
    uptime = V.fraction("uptime", uptime, err=EmulatorError)
    share_difficulty = V.positive("share_difficulty", share_difficulty, err=EmulatorError)
    ambient_c = V.finite("ambient_c", ambient_c, err=EmulatorError)
    if clock_mhz is not None:
        clock_mhz = V.positive("clock_mhz", clock_mhz, err=EmulatorError)
    failed_boards = V.count("failed_boards", failed_boards, minimum=0, err=EmulatorError)
    net = np.array(_per_day("network_difficulty", network_difficulty, days), dtype=float)
    p_share = hit_probability(share_difficulty)
    p_block = np.array([hit_probability(float(d)) for d in net])

    items = fleet.items() if isinstance(fleet, Mapping) else fleet
    members: list[FleetMember] = []
    for item in items:
        if isinstance(item, FleetMember):
            members.append(item)
            continue
        try:
            model, units = item
        except (TypeError, ValueError):
            raise EmulatorError(f"fleet entries must be (model, units) pairs or FleetMember, got {item!r}") from None
        units = V.count("units", units, minimum=0, err=EmulatorError)
        members.append(_member(model, units, profile, clock_mhz, ambient_c, failed_boards))
    if not members:
        raise EmulatorError("the fleet is empty")

    hashes_per_day = np.array([m.units * m.hashrate_ths * 1e12 * uptime * SECONDS_PER_DAY for m in members])
    expected_shares = np.repeat((hashes_per_day * p_share)[:, None], days, axis=1)
    expected_blocks = hashes_per_day[:, None] * p_block[None, :]
    rng = np.random.default_rng(seed)
    shares = rng.poisson(expected_shares)
    blocks = rng.poisson(expected_blocks)
    return FleetSimulation(
        members=tuple(members),
        days=days,
        seed=seed,
        uptime=float(uptime),
        share_difficulty=float(share_difficulty),
        network_difficulty=net,
        expected_shares=expected_shares,
        shares=shares,
        expected_blocks=expected_blocks,
        blocks=blocks,
    )


__all__ = ["FleetMember", "FleetSimulation", "simulate_fleet"]
