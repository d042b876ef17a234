"""The ASIC twin as a virtual miner: ``minecore emulate MODEL --stratum URL``.

It connects like any miner (configure, subscribe, authorize), then hashes the pool's own jobs with the
emulator (:func:`minecore.emulator.emulate`: the model's chips, their nonce and version split, the chip's
ticket filter, then the firmware's filter to the pool difficulty) in chunks of about ``chunk_seconds``, and
submits every share it finds.  Everything is real hashing on this CPU, so the share rate on the wire is the
real machine's divided by the scale factor ``N`` (machine H/s ÷ CPU H/s), which the report states: a pool at
difficulty ``D`` sees the shares a real machine would send at difficulty ``D × N``.

Faults, optional:

* ``hw_error_rate`` — that fraction of found nonces come back corrupted (one bit flipped), as a failing chip
  returns them; the firmware re-hashes every nonce with hashlib, counts it as a hardware error and never
  submits it (as cgminer and ESP-Miner do);
* ``duplicate_rate`` — that fraction of shares is submitted twice (the pool must answer "duplicate", 22);
* ``dead_chips`` — global chip indexes that return nothing (their hashes are not expected to find shares);
  a dead board is ``failed_boards``.

The share count is Poisson: :meth:`VirtualMiner.report` gives found against expected and its p-value.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ..errors import StratumError
from .miner import AGENT, CpuMiner, MinerConfig, ThreadStats


@dataclass(frozen=True)
class VirtualMinerConfig:
    """Settings of a :class:`VirtualMiner` (see :func:`minecore.emulator.emulate` for the machine's)."""

    url: str
    model: str
    user: str = "twin"
    password: str = "x"
    profile: str = "normal"
    clock_mhz: float | None = None
    ambient_c: float = 25.0
    failed_boards: int = 0
    backend: str | None = None
    threads: int | None = None
    seconds: float | None = None
    max_shares: int | None = None
    seed: int = 0
    ticket_difficulty: float | None = None
    hw_error_rate: float = 0.0
    duplicate_rate: float = 0.0
    dead_chips: tuple = ()
    chunk_seconds: float = 0.25
    version_rolling: bool = True
    suggest_difficulty: float | None = None
    stats_interval: float | None = None
    catalog: object = None  # a MinerModel (from a user catalog) instead of the name

    def __post_init__(self) -> None:
        for name in ("hw_error_rate", "duplicate_rate"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise StratumError(f"{name} must be a fraction in [0, 1], got {value!r}")
        if not all(isinstance(c, int) and not isinstance(c, bool) and c >= 0 for c in self.dead_chips):
            raise StratumError("dead_chips must be chip indexes (integers >= 0)")


class VirtualMiner(CpuMiner):
    """The twin on the wire: one driver thread runs the emulator on the pool's jobs."""

    def __init__(self, config: VirtualMinerConfig, *, status=None):
        from ..emulator import resolve_machine

        self.vconfig = config
        self.machine = resolve_machine(
            config.catalog if config.catalog is not None else config.model, profile=config.profile,
            clock_mhz=config.clock_mhz, ambient_c=config.ambient_c, failed_boards=config.failed_boards,
        )
        if config.dead_chips and max(config.dead_chips) >= self.machine.layout.chips_total:
            raise StratumError(f"dead chip {max(config.dead_chips)} does not exist: {self.machine.name} has "
                               f"{self.machine.layout.chips_total} chips (0-{self.machine.layout.chips_total - 1})")
        super().__init__(MinerConfig(
            url=config.url, user=config.user, password=config.password, backend=config.backend, threads=1,
            seconds=config.seconds, max_shares=config.max_shares, version_rolling=config.version_rolling,
            suggest_difficulty=config.suggest_difficulty, stats_interval=config.stats_interval,
            agent=f"{AGENT} twin {self.machine.name}",
        ), status=status)
        self.threads = [ThreadStats(0)]
        self._rng = random.Random(f"minecore-virtual:{config.seed}")
        self._seed = config.seed
        self.chunks = 0
        self.found = 0
        self.expected = 0.0
        self.tickets = 0
        self.expected_tickets = 0.0
        self.hw_errors = 0
        self.duplicates_sent = 0
        self.dead_chip_hits = 0
        self.hash_seconds = 0.0
        self.ticket_difficulty: float | None = None
        self.ticket_scaled = False
        self.last_scale: float | None = None

    def _hash_loop(self, stats: ThreadStats) -> None:
        from ..emulator import emulate
        from ..emulator.stats import hit_probability

        cfg = self.vconfig
        dead = set(cfg.dead_chips)
        layout = self.machine.layout
        target = float(1 << 20)  # hashes per chunk, adapted to ~chunk_seconds
        while not self._halt.is_set():
            stats.idle = False  # before reading the work: a drain waits until this thread has seen it gone
            work = self._work
            if work is None or self.machine.state.shutdown:
                stats.idle = True
                self._work_changed.wait(0.1)
                self._work_changed.clear()
                continue
            self._seed += 1
            # one whole round per chunk: every chip of every chain hashes one window, as the real machine's
            # chips all work at once (so a dead chip costs its share of the stream, not more)
            versions = min(layout.small_cores_per_core, 1 << bin(work.mask).count("1")) if work.mask else 1
            per_window = layout.chips_total * versions
            window = 1 << max(8, int(max(1.0, target / per_window)).bit_length() - 1)
            window = min(window, layout.core_span_nonces)
            result = emulate(
                cfg.catalog if cfg.catalog is not None else cfg.model, hashes=per_window * window,
                difficulty=work.difficulty, job=work.job, seed=self._seed, backend=self.engine, threads=cfg.threads,
                profile=cfg.profile, clock_mhz=cfg.clock_mhz, ambient_c=cfg.ambient_c,
                failed_boards=cfg.failed_boards, ticket_difficulty=cfg.ticket_difficulty, window_nonces=window,
            )
            self.chunks += 1
            stats.hashes += result.hashes
            stats.seconds += result.hash_seconds
            self.hash_seconds += result.hash_seconds
            self.ticket_difficulty = result.ticket_difficulty
            self.ticket_scaled = result.ticket_scaled
            self.last_scale = result.scale_factor
            live = result.hashes - sum(result.hashes_per_chip[c] for c in dead if c < len(result.hashes_per_chip))
            p_share = hit_probability(max(result.difficulty, result.ticket_difficulty))
            self.expected += live * p_share
            self.expected_tickets += live * hit_probability(result.ticket_difficulty)
            self.tickets += result.tickets_found - sum(result.tickets_per_chip[c] for c in dead
                                                       if c < len(result.tickets_per_chip))
            if result.hash_seconds > 0:  # the next chunk takes about chunk_seconds
                target = result.hashes * cfg.chunk_seconds / result.hash_seconds
            for share in result.shares:
                if share.chip in dead:
                    self.dead_chip_hits += 1
                    continue
                self.found += 1
                e2 = bytes.fromhex(share.extranonce2)
                nonce = share.nonce
                if cfg.hw_error_rate and self._rng.random() < cfg.hw_error_rate:
                    nonce ^= 1 << self._rng.randrange(32)  # the chip returned a corrupted nonce
                    check = work.job.check_submit(e2, work.job.ntime, nonce, share.version_bits)
                    if check.difficulty < work.difficulty:  # the firmware's hashlib check catches it
                        self.hw_errors += 1
                        stats.hardware_errors += 1
                        continue
                self._hit(stats, work, e2, share.version, nonce)
                if cfg.duplicate_rate and self._rng.random() < cfg.duplicate_rate:
                    self.duplicates_sent += 1
                    self._hit(stats, work, e2, share.version, nonce)

    def report(self) -> dict:
        from ..emulator.stats import poisson_test

        out = super().report()
        state = self.machine.state
        cpu_hs = out["hashes"] / self.hash_seconds if self.hash_seconds > 0 else 0.0
        machine_hs = state.hashrate_ths * 1e12
        scale = machine_hs / cpu_hs if cpu_hs > 0 else float("inf")
        test = poisson_test(self.found, self.expected)
        d = self.difficulty
        out.update({
            "model": self.machine.name,
            "chip": self.machine.layout.chip_name,
            "chips_total": self.machine.layout.chips_total,
            "profile": state.profile,
            "clock_mhz": state.clock_mhz,
            "ambient_c": state.ambient_c,
            "failed_boards": state.failed_boards,
            "shutdown": state.shutdown,
            "machine_hashrate_ths": state.hashrate_ths,
            "cpu_hashrate_hs": cpu_hs,
            "scale_factor": scale,
            "ticket_difficulty": self.ticket_difficulty,
            "ticket_scaled": self.ticket_scaled,
            "chunks": self.chunks,
            "shares_found": self.found,
            "shares_expected": self.expected,
            "p_value": test.p_value,
            "tickets_found": self.tickets,
            "tickets_expected": self.expected_tickets,
            "hardware_errors": self.hw_errors,
            "duplicates_sent": self.duplicates_sent,
            "dead_chips": list(self.vconfig.dead_chips),
            "dead_chip_hits": self.dead_chip_hits,
            "wire_shares_per_second": (cpu_hs / (d * 2**32)) if d else None,
            "machine_shares_per_second": (machine_hs / (d * 2**32)) if d else None,
            "machine_equivalent_difficulty": d * scale if d and scale != float("inf") else None,
            "scale": self.scale_text(scale),
        })
        return out

    def scale_text(self, scale: float) -> str:
        """``"the pool sees 1/1,820,000 of an Antminer S21's share rate: ..."``."""
        if not scale or scale == float("inf") or self.difficulty is None:
            return "nothing was hashed"
        return (f"this CPU hashes 1/{scale:,.0f} of an {self.machine.name} ({self.machine.state.hashrate_ths:.4g} "
                f"TH/s): the pool at difficulty {self.difficulty:g} sees the share stream a real one would send "
                f"at difficulty {self.difficulty * scale:,.4g}")


__all__ = ["VirtualMiner", "VirtualMinerConfig"]
