"""Variable difficulty: retarget each connection toward a share interval.

The pool counts the difficulty a connection's accepted shares were credited at.  Every
``retarget_seconds`` (or sooner, after ``retarget_shares`` shares) it estimates the connection's rate in
difficulty-1 shares per second, ``Σ D / elapsed`` (that is hashrate / 2^32), and sets the next difficulty to
``rate × target_seconds``, so the connection sends one share per ``target_seconds`` on average.  A step is
limited to a factor of 4 either way, and small corrections (within a factor of √2) are skipped so the
difficulty does not flap on Poisson noise.  A connection that sends nothing for two retarget periods has its
difficulty halved.  The result is clamped to ``[minimum, maximum]``.

>>> v = VarDiff(target_seconds=10, retarget_seconds=30, minimum=1e-6, maximum=1e6)
>>> v.start(0.0); v.record(1.0, now=10.0); v.record(1.0, now=20.0)
>>> v.retarget(1.0, now=30.0)   # 2 difficulty-1 shares in 30 s; one share per 10 s wants 0.667
0.667
>>> v.retarget(0.667, now=60.0) is None   # quiet for one period: wait for a second
True
>>> v.retarget(0.667, now=90.0)   # quiet for two periods: halve
0.334
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass
class VarDiff:
    """Retargeting state of one connection (times are monotonic seconds)."""

    target_seconds: float = 10.0
    retarget_seconds: float = 30.0
    retarget_shares: int = 30
    minimum: float = 1e-9
    maximum: float = 1e15
    max_step: float = 4.0
    deadband: float = math.sqrt(2.0)
    window_start: float | None = None
    difficulty_sum: float = field(default=0.0)
    shares: int = 0

    def start(self, now: float) -> None:
        self.window_start = now
        self.difficulty_sum = 0.0
        self.shares = 0

    def record(self, difficulty: float, now: float) -> None:
        """An accepted share credited at ``difficulty``."""
        if self.window_start is None:
            self.start(now - 1e-9)
        self.difficulty_sum += difficulty
        self.shares += 1

    def due(self, now: float) -> bool:
        if self.window_start is None:
            return False
        return self.shares >= self.retarget_shares or now - self.window_start >= self.retarget_seconds

    def retarget(self, current: float, now: float) -> float | None:
        """The new difficulty if one is due and differs enough from ``current``; else None."""
        if not self.due(now):
            return None
        elapsed = max(now - self.window_start, 1e-6)
        if self.shares == 0:
            if elapsed < 2 * self.retarget_seconds:
                return None
            wanted = current / 2.0
        else:
            wanted = self.difficulty_sum / elapsed * self.target_seconds
        wanted = min(max(wanted, current / self.max_step), current * self.max_step)
        wanted = min(max(wanted, self.minimum), self.maximum)
        self.start(now)
        ratio = wanted / current
        if 1 / self.deadband < ratio < self.deadband:
            return None
        return _round_difficulty(wanted)


def _round_difficulty(d: float) -> float:
    """Three significant digits (``0.000123``, ``1.5e+04``): readable on the wire and in logs."""
    if d <= 0 or not math.isfinite(d):
        return d
    return float(f"{d:.3g}")


__all__ = ["VarDiff"]
