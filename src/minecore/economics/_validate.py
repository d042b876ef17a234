"""Day-count constants of the economics; the checks themselves live in :mod:`minecore.validate`."""

from __future__ import annotations

from ..validate import as_date, count, finite, fraction, non_negative, positive  # noqa: F401

DAYS_PER_MONTH = 365.25 / 12.0  #: mean month length [days], used for monthly rates
DAYS_PER_YEAR = 365.0  #: discounting year [days]
