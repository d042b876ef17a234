"""Per-worker share statistics: counts by result, and hashrate from accepted difficulty with a Poisson interval.

A worker hashing at ``H`` [H/s] for ``t`` [s] at share difficulty ``D`` finds ``N ~ Poisson(H t / (D 2^32))``
shares, so ``H ≈ Σ D_i × 2^32 / t`` and the interval on ``N`` (exact, Garwood) scales to an interval on ``H``:
``[H × N_lo / N, H × N_hi / N]``.  With no share yet, the lower bound is 0 and the upper bound is the rate
that would have given at least one share with the stated confidence.

>>> lo, hi = poisson_interval(100)
>>> round(lo, 1), round(hi, 1)
(81.4, 121.6)
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass, field

from ..emulator.stats import gammainc_lower


def _gamma_quantile(a: float, p: float) -> float:
    """x with P(a, x) = p (regularised lower incomplete gamma), by bisection."""
    lo, hi = 0.0, max(1.0, a)
    while gammainc_lower(a, hi) < p:
        hi *= 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if gammainc_lower(a, mid) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-12 * max(1.0, hi):
            break
    return 0.5 * (lo + hi)


def poisson_interval(n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact (Garwood) two-sided interval for the mean of a Poisson count ``n``."""
    if n < 0:
        raise ValueError("n must be >= 0")
    alpha = 1.0 - confidence
    lower = 0.0 if n == 0 else _gamma_quantile(float(n), alpha / 2)
    upper = _gamma_quantile(float(n + 1), 1 - alpha / 2)
    return lower, upper


@dataclass(frozen=True)
class HashrateEstimate:
    """Hashrate a pool infers from accepted shares.

    hashrate_hs : float — ``Σ D × 2^32 / seconds`` [H/s]
    low_hs, high_hs : float — the ``confidence`` interval [H/s]
    shares : int; seconds : float [s]; confidence : float
    """

    hashrate_hs: float
    low_hs: float
    high_hs: float
    shares: int
    seconds: float
    confidence: float = 0.95

    @property
    def plus_minus_hs(self) -> float:
        """Half the interval's width [H/s] (what "187 ± 9 TH/s" shows)."""
        return 0.5 * (self.high_hs - self.low_hs)

    def to_dict(self) -> dict:
        return {
            "hashrate_hs": self.hashrate_hs,
            "hashrate_low_hs": self.low_hs,
            "hashrate_high_hs": self.high_hs,
            "confidence": self.confidence,
            "shares": self.shares,
            "seconds": self.seconds,
        }


def estimate_hashrate(shares: int, difficulty_sum: float, seconds: float, *, difficulty_now: float = 1.0,
                      confidence: float = 0.95) -> HashrateEstimate:
    """:class:`HashrateEstimate` from ``shares`` accepted with difficulties summing to ``difficulty_sum`` in
    ``seconds``.  ``difficulty_now`` scales the upper bound when no share was accepted yet."""
    if seconds <= 0:
        return HashrateEstimate(0.0, 0.0, math.inf, shares, max(0.0, seconds), confidence)
    lo_n, hi_n = poisson_interval(shares, confidence)
    mean_d = difficulty_sum / shares if shares else difficulty_now
    rate = difficulty_sum * 2**32 / seconds
    return HashrateEstimate(rate, lo_n * mean_d * 2**32 / seconds, hi_n * mean_d * 2**32 / seconds, shares,
                            seconds, confidence)


def format_hashrate(hs: float) -> str:
    """``187.2 TH/s``, ``3.1 MH/s``: three significant digits with an SI prefix."""
    if not math.isfinite(hs):
        return "inf H/s"
    for factor, prefix in ((1e18, "E"), (1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(hs) >= factor:
            return f"{hs / factor:.3g} {prefix}H/s"
    return f"{hs:.3g} H/s"


@dataclass
class WorkerStats:
    """Counts for one worker name.

    accepted : int; accepted_difficulty : float — Σ of the difficulty each accepted share was credited at
    rejected : Counter — reason (``low_difficulty``, ``duplicate``, ``job_not_found``, ...) -> count
    first_seen, last_share : float — wall clock [s since the epoch]
    best_difficulty : float — the highest share difficulty seen
    """

    name: str
    first_seen: float = field(default_factory=time.time)
    accepted: int = 0
    accepted_difficulty: float = 0.0
    rejected: Counter = field(default_factory=Counter)
    last_share: float | None = None
    best_difficulty: float = 0.0
    difficulty: float = 0.0
    connections: int = 0
    connected_seconds: float = 0.0
    connected_since: float | None = None

    def attach(self, now: float | None = None) -> None:
        """A connection authorised this worker (its time online starts counting)."""
        now = time.time() if now is None else now
        if self.connections == 0:
            self.connected_since = now
        self.connections += 1

    def detach(self, now: float | None = None) -> None:
        """A connection of this worker closed."""
        now = time.time() if now is None else now
        if self.connections > 0:
            self.connections -= 1
            if self.connections == 0 and self.connected_since is not None:
                self.connected_seconds += now - self.connected_since
                self.connected_since = None

    def online_seconds(self, now: float | None = None) -> float:
        """Time with at least one connection [s] (since :attr:`first_seen` when never attached)."""
        now = time.time() if now is None else now
        if self.connections == 0 and self.connected_seconds == 0 and self.connected_since is None:
            return now - self.first_seen
        return self.connected_seconds + (now - self.connected_since if self.connected_since is not None else 0.0)

    def accept(self, difficulty: float, share_difficulty: float, now: float | None = None) -> None:
        self.accepted += 1
        self.accepted_difficulty += difficulty
        self.last_share = time.time() if now is None else now
        self.best_difficulty = max(self.best_difficulty, share_difficulty)

    def reject(self, reason: str, now: float | None = None) -> None:
        self.rejected[reason] += 1
        self.last_share = time.time() if now is None else now

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    def hashrate(self, now: float | None = None, confidence: float = 0.95) -> HashrateEstimate:
        now = time.time() if now is None else now
        return estimate_hashrate(self.accepted, self.accepted_difficulty, self.online_seconds(now),
                                 difficulty_now=self.difficulty or 1.0, confidence=confidence)

    def to_dict(self, now: float | None = None) -> dict:
        est = self.hashrate(now)
        return {
            "worker": self.name,
            "accepted": self.accepted,
            "accepted_difficulty": self.accepted_difficulty,
            "rejected": dict(sorted(self.rejected.items())),
            "rejected_total": self.rejected_total,
            "best_difficulty": self.best_difficulty,
            "difficulty": self.difficulty,
            **est.to_dict(),
        }

    def line(self, now: float | None = None) -> str:
        """One status line: ``rig1: 120 accepted, 2 rejected (low_difficulty 2), 1.2 MH/s [1.0, 1.4]``."""
        est = self.hashrate(now)
        rejected = ", ".join(f"{k} {v}" for k, v in sorted(self.rejected.items()))
        hi = format_hashrate(est.high_hs) if math.isfinite(est.high_hs) else "?"
        return (f"{self.name}: {self.accepted} accepted, {self.rejected_total} rejected"
                f"{f' ({rejected})' if rejected else ''}, {format_hashrate(est.hashrate_hs)} "
                f"[{format_hashrate(est.low_hs)}, {hi}] at difficulty {self.difficulty:g}")


class WorkerTable:
    """Worker name -> :class:`WorkerStats`, bounded: past ``max_workers`` names, new ones share ``(other)``."""

    OTHER = "(other)"

    def __init__(self, max_workers: int = 10_000):
        self.max_workers = max_workers
        self._workers: dict[str, WorkerStats] = {}

    def get(self, name: str) -> WorkerStats:
        stats = self._workers.get(name)
        if stats is None:
            if len(self._workers) >= self.max_workers:
                name = self.OTHER
                stats = self._workers.get(name)
            if stats is None:
                stats = self._workers[name] = WorkerStats(name)
        return stats

    def __iter__(self):
        return iter(sorted(self._workers.values(), key=lambda w: w.name))

    def __len__(self) -> int:
        return len(self._workers)

    def totals(self) -> dict:
        accepted = sum(w.accepted for w in self._workers.values())
        rejected: Counter = Counter()
        for w in self._workers.values():
            rejected.update(w.rejected)
        return {"accepted": accepted, "rejected": dict(sorted(rejected.items())),
                "rejected_total": sum(rejected.values()),
                "accepted_difficulty": sum(w.accepted_difficulty for w in self._workers.values())}


__all__ = [
    "HashrateEstimate",
    "WorkerStats",
    "WorkerTable",
    "estimate_hashrate",
    "format_hashrate",
    "poisson_interval",
]
