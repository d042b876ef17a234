"""Poisson statistics for share counts, in pure Python (no scipy at run time).

Shares found by hashing ``N`` headers at pool difficulty ``D`` are Poisson with
mean ``N × (target + 1) / 2^256`` (``target = truediffone / D``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .. import validate as V
from ..errors import EmulatorError
from ..header import difficulty_to_target

_EPS = 1e-15
_TINY = 1e-300


def hit_probability(difficulty: float) -> float:
    """Probability that one hash meets share difficulty ``difficulty``: ``(target + 1) / 2^256``."""
    target = difficulty_to_target(difficulty)
    return (target + 1) / 2**256


def _gamma_series(a: float, x: float) -> float:
    """Regularised lower incomplete gamma P(a, x) by its series (good for x < a + 1)."""
    term = total = 1.0 / a
    ap = a
    for _ in range(100000):
        ap += 1.0
        term *= x / ap
        total += term
        if abs(term) < abs(total) * _EPS:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def _gamma_cf(a: float, x: float) -> float:
    """Regularised upper incomplete gamma Q(a, x) by Lentz's continued fraction (x ≥ a + 1)."""
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b
    h = d
    for i in range(1, 100000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        if abs(d) < _TINY:
            d = _TINY
        c = b + an / c
        if abs(c) < _TINY:
            c = _TINY
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h


def gammainc_lower(a: float, x: float) -> float:
    """Regularised lower incomplete gamma P(a, x), for a > 0, x ≥ 0."""
    if x <= 0:
        return 0.0
    if x < a + 1.0:
        return min(1.0, _gamma_series(a, x))
    return max(0.0, 1.0 - _gamma_cf(a, x))


def gammainc_upper(a: float, x: float) -> float:
    """Regularised upper incomplete gamma Q(a, x) = 1 − P(a, x)."""
    if x <= 0:
        return 1.0
    if x < a + 1.0:
        return max(0.0, 1.0 - _gamma_series(a, x))
    return min(1.0, _gamma_cf(a, x))


def poisson_cdf(k: int, mean: float) -> float:
    """P(X ≤ k) for X ~ Poisson(mean)."""
    if k < 0:
        return 0.0
    if mean <= 0:
        return 1.0
    return gammainc_upper(k + 1.0, mean)


def poisson_sf(k: int, mean: float) -> float:
    """P(X ≥ k) for X ~ Poisson(mean) (note: *at least* k)."""
    if k <= 0:
        return 1.0
    if mean <= 0:
        return 0.0
    return gammainc_lower(float(k), mean)


@dataclass(frozen=True)
class PoissonTest:
    """Found against expected for a Poisson count.

    observed : int — events counted
    expected : float — Poisson mean
    p_value : float — two-sided, ``min(1, 2 × min(P(X ≤ k), P(X ≥ k)))``
    """

    observed: int
    expected: float
    p_value: float

    @property
    def ratio(self) -> float:
        """observed / expected (``nan`` when nothing was expected)."""
        return self.observed / self.expected if self.expected > 0 else float("nan")

    @property
    def relative_error(self) -> float:
        """1-sigma relative error of a rate estimated from the count (``1/√expected``)."""
        return 1.0 / math.sqrt(self.expected) if self.expected > 0 else float("inf")

    def consistent(self, alpha: float = 0.001) -> bool:
        """Whether the count is consistent with the mean at significance ``alpha``."""
        return self.p_value >= alpha


def poisson_test(observed: int, expected: float) -> PoissonTest:
    """Two-sided exact Poisson test of ``observed`` events against mean ``expected``.

    Uses the doubled smaller tail (the "central" method), capped at 1.  ``observed`` must be an integer
    >= 0 and ``expected`` a finite number >= 0, else :class:`~minecore.errors.EmulatorError` (a ``ValueError``).

    >>> round(poisson_test(10, 10.0).p_value, 6)
    1.0
    >>> round(poisson_test(0, 5.0).p_value, 6)  # 2 × e^-5
    0.013476
    """
    observed = V.count("observed", observed, minimum=0, err=EmulatorError)
    expected = V.non_negative("expected", expected, err=EmulatorError)
    if expected == 0:
        return PoissonTest(observed, 0.0, 1.0 if observed == 0 else 0.0)
    tail = min(poisson_cdf(observed, expected), poisson_sf(observed, expected))
    return PoissonTest(observed, expected, min(1.0, 2.0 * tail))


__all__ = [
    "PoissonTest",
    "gammainc_lower",
    "gammainc_upper",
    "hit_probability",
    "poisson_cdf",
    "poisson_sf",
    "poisson_test",
]
