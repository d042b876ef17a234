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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..errors import MinecoreError
from .machine import EmulatorError
from .stats import PoissonTest, hit_probability, poisson_test

SECONDS_PER_DAY = 86400


@dataclass(frozen=True)
class FleetMember:
    """Machines of one model in a fleet.

    key, name : str — catalog key and display name
    units : int — machines
    hashrate_ths : float — hashrate of one machine at its operating point [TH/s]
    power_w : float | None — wall power of one machine [W]
    """

    key: str
    name: str
    units: int
    hashrate_ths: float
    power_w: float | None = None

    def __post_init__(self) -> None:
        if isinstance(self.units, bool) or not isinstance(self.units, int) or self.units < 0:
            raise EmulatorError(f"{self.name}: units must be a non-negative integer, got {self.units!r}")
        if isinstance(self.hashrate_ths, bool) or not isinstance(self.hashrate_ths, (int, float)) \
                or not self.hashrate_ths >= 0 or self.hashrate_ths == float("inf"):
            raise EmulatorError(f"{self.name}: hashrate_ths must be a finite number >= 0, got {self.hashrate_ths!r}")


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
    """Resolve a model (name or MinerModel) at an operating point; nameplate when it has no chip data."""
    from ..hardware import ChipLevelModel, get_model

    record = get_model(model) if isinstance(model, str) else model
    try:
        op = ChipLevelModel.for_model(record).operating_point(
            profile=profile, clock_mhz=clock_mhz, ambient_c=ambient_c, failed_boards=failed_boards
        )
        hashrate = 0.0 if getattr(op, "shutdown", False) else float(op.hashrate_ths)
        power = float(op.power_w)
    except MinecoreError:
        if clock_mhz is not None or str(getattr(profile, "value", profile)) != "normal":
            raise
        if record.hashrate_ths is None:
            raise EmulatorError(f"{record.name}: no hashrate is known, so it cannot be simulated") from None
        hashrate, power = float(record.hashrate_ths), record.power_w
    return FleetMember(record.key, record.name, units, hashrate, power)


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
    days : int — days simulated
    network_difficulty : float or one per day — network difficulty
    share_difficulty : float — pool share difficulty
    uptime : float — fraction of each day the machines hash, in [0, 1]
    seed : int — numpy Generator seed

    Returns
    -------
    FleetSimulation
    """
    import numpy as np

    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise EmulatorError(f"days must be a positive integer, got {days!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise EmulatorError(f"seed must be a non-negative integer, got {seed!r}")
    if isinstance(uptime, bool) or not isinstance(uptime, (int, float)) or not 0 <= uptime <= 1:
        raise EmulatorError(f"uptime must be in [0, 1], got {uptime!r}")
    try:
        p_share = hit_probability(share_difficulty)
        net = np.broadcast_to(np.asarray(network_difficulty, dtype=float), (days,)).copy()
    except (ValueError, TypeError) as exc:
        raise EmulatorError(f"bad difficulty: {exc}") from None
    if not np.all(np.isfinite(net)) or not np.all(net > 0):
        raise EmulatorError("network_difficulty must be positive and finite")
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
        if isinstance(units, bool) or not isinstance(units, int) or units < 0:
            raise EmulatorError(f"units must be a non-negative integer, got {units!r}")
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
