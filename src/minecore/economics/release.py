"""When a held lot comes back: the distribution of the total hold length and the chance of forfeiture.

Numpy-free at import (numpy is used inside the methods that return arrays).
"""

from __future__ import annotations

import dataclasses
import enum
import math
from dataclasses import dataclass

from ..errors import InvalidInputError
from ..validate import check_fields, choice, positive, spec as _spec


class ReleaseKind(str, enum.Enum):
    """Shape of the hold-length distribution."""

    LOGNORMAL = "lognormal"  #: log-normal total hold (the default, fitted to reported holds)
    FIXED = "fixed"  #: released exactly ``fixed_hold_days`` after the hold began


@dataclass(frozen=True)
class ReleaseModel:
    """Total hold length ``T`` [days from hold start] and a chance of forfeiture (never released).

    The default is log-normal with median 120 days and log-sd 0.54, fitted to the reported holds: about 10 % are
    released within 2 months (60 days) and about 23 % are held beyond 6 months (180 days) (DOMAIN.md /
    research/seizure_context.md: holds of ~2 to >6 months, partial releases from March 2025).
    ``ReleaseModel.fixed(T)`` releases at exactly ``T`` days after the hold began.

    >>> r = ReleaseModel()
    >>> round(float(r.cdf_total(60)), 3), round(1 - float(r.cdf_total(180)), 3)
    (0.1, 0.226)
    """

    kind: ReleaseKind = _spec(ReleaseKind.LOGNORMAL, kind="enum", doc="lognormal or fixed")
    median_hold_days: float = _spec(120.0, unit="days", lo=1.0, hi=3650.0, doc="median total hold (log-normal)")
    sigma_log: float = _spec(0.54, unit="ln(days)", lo=0.01, hi=5.0, doc="sd of the log of the total hold")
    fixed_hold_days: float | None = _spec(None, unit="days", lo=0.0, hi=3650.0, optional=True,
                                          doc="total hold of the fixed model")
    forfeiture_probability: float = _spec(0.0, unit="decimal", lo=0.0, hi=1.0,
                                          doc="chance the lot is never released")

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", choice("kind", self.kind, ReleaseKind))
        check_fields(self)
        if self.kind is ReleaseKind.FIXED and self.fixed_hold_days is None:
            raise InvalidInputError("fixed release model needs fixed_hold_days")

    @classmethod
    def fixed(cls, total_hold_days: float, forfeiture_probability: float = 0.0) -> "ReleaseModel":
        return cls(ReleaseKind.FIXED, fixed_hold_days=total_hold_days, forfeiture_probability=forfeiture_probability)

    def cdf_total(self, t_days):
        """P(T <= t) for the total hold length, ignoring forfeiture (array in, array out)."""
        import numpy as np

        t = np.asarray(t_days, dtype=float)
        if self.kind is ReleaseKind.FIXED:
            return (t >= self.fixed_hold_days).astype(float)
        from scipy.special import ndtr  # the normal CDF, vectorised

        z = (np.log(np.maximum(t, 1e-300)) - math.log(self.median_hold_days)) / self.sigma_log
        return np.where(t <= 0, 0.0, ndtr(z))

    def scaled(self, factor: float) -> "ReleaseModel":
        """Same shape, every hold length multiplied by ``factor`` (for hold-length sensitivity)."""
        positive("hold scale factor", factor, hi=100.0)
        if self.kind is ReleaseKind.FIXED:
            return dataclasses.replace(self, fixed_hold_days=self.fixed_hold_days * factor)
        return dataclasses.replace(self, median_hold_days=self.median_hold_days * factor)

    def remaining_pmf(self, days_held: int, horizon_days: int):
        """P(resolution on day w | still held after ``days_held`` days) for w = 0..horizon-1, and P(after horizon).

        Resolution means release or (with ``forfeiture_probability``) forfeiture; multiply by
        ``1 - forfeiture_probability`` for release.
        """
        import numpy as np

        if self.kind is ReleaseKind.FIXED:
            w = max(int(math.ceil(self.fixed_hold_days - days_held)), 0)
            pmf = np.zeros(horizon_days)
            if w < horizon_days:
                pmf[w] = 1.0
                return pmf, 0.0
            return pmf, 1.0
        edges = days_held + np.arange(horizon_days + 1, dtype=float)
        sf = 1.0 - self.cdf_total(edges)
        s0 = float(1.0 - self.cdf_total(days_held))
        if s0 <= 1e-15:  # already past every plausible release: treat as released today
            pmf = np.zeros(horizon_days)
            pmf[0] = 1.0
            return pmf, 0.0
        pmf = (sf[:-1] - sf[1:]) / s0
        return np.maximum(pmf, 0.0), float(sf[-1] / s0)
