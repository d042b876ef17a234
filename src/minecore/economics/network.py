"""Hashprice and the network projection: how difficulty, fees, BTC price and subsidy move day by day from a
dated :class:`~minecore.economics.snapshot.NetworkSnapshot`.

Conventions
-----------
* ``difficulty`` is Bitcoin's dimensionless difficulty (diff-1 target / target).
* Day ``t = 0`` is the snapshot date (or the analysis date); arrays are indexed by day.
* Monthly growth rates are decimals per mean month of 365.25/12 days and compound daily:
  ``difficulty[t] = difficulty_0 * (1 + g) ** (t / 30.4375)``.

Worked example (2024-11-12, Luxor published $55.97/PH/day)::

    >>> snap = NetworkSnapshot(date="2024-11-12", difficulty=101.65e12, btc_price_usd=87235.0,
    ...                        fees_btc_per_block=0.158, block_height=870000)
    >>> round(hashprice(snap).usd_per_ph_day, 2)
    56.68
    >>> round(hashprice(snap).btc_per_ph_day * 1e4, 4)     # 6.4971e-4 BTC/PH/day
    6.4971

By hand: 1e15 * 86400 * (3.125 + 0.158) / (101.65e12 * 2**32) = 6.4971e-4 BTC, times $87,235 = $56.68
(1.3 % above Luxor's $55.97, whose fee term is a 144-block average and price a 3-exchange average).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidInputError
from ..validate import as_date, finite
from .finance import DAYS_PER_MONTH, DAYS_PER_YEAR
from .snapshot import (HALVING_INTERVAL_BLOCKS, SECONDS_PER_DAY, TWO_POW_32, Halving, NetworkSnapshot,
                       default_snapshot, subsidy_btc, subsidy_btc_array)

# ---------------------------------------------------------------------------------------------- hashprice


@dataclass(frozen=True)
class Hashprice:
    """Expected revenue of hashrate for one day, before pool fee and costs.

    ``btc_per_ph_day`` [BTC/(PH/s)/day], ``usd_per_ph_day`` [USD/(PH/s)/day], and the per-TH/s figures (÷1000).
    """

    btc_per_ph_day: float
    usd_per_ph_day: float
    snapshot_label: str
    subsidy_btc: float
    fees_btc_per_block: float
    difficulty: float
    btc_price_usd: float

    @property
    def btc_per_th_day(self) -> float:
        return self.btc_per_ph_day / 1000.0

    @property
    def usd_per_th_day(self) -> float:
        return self.usd_per_ph_day / 1000.0

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["btc_per_th_day"] = self.btc_per_th_day
        d["usd_per_th_day"] = self.usd_per_th_day
        return d


def hashprice_btc_per_th_day(difficulty, reward_btc_per_block):
    """``1e12 * 86400 * reward / (difficulty * 2**32)`` [BTC/(TH/s)/day]; works on arrays."""
    return 1e12 * SECONDS_PER_DAY * reward_btc_per_block / (difficulty * TWO_POW_32)


def hashprice(snapshot: NetworkSnapshot | None = None, **overrides: Any) -> Hashprice:
    """Hashprice for a snapshot (default: the shipped one), with optional field overrides."""
    snap = (snapshot or default_snapshot()).with_overrides(**overrides)
    reward = snap.subsidy_btc + snap.fees_btc_per_block
    btc_th = hashprice_btc_per_th_day(snap.difficulty, reward)
    return Hashprice(btc_th * 1000.0, btc_th * 1000.0 * snap.btc_price_usd, snap.label, snap.subsidy_btc,
                     snap.fees_btc_per_block, snap.difficulty, snap.btc_price_usd)


# ---------------------------------------------------------------------------------------------- projection


def _path(name: str, values: Sequence[float], days: int, *, positive_only: bool, offset: int = 0):
    """Days ``offset .. offset + days - 1`` of a daily path (its last value held)."""
    import numpy as np

    arr = np.asarray(values, dtype=np.float64).ravel()
    if arr.size == 0:
        raise InvalidInputError(f"{name} path is empty")
    if not np.all(np.isfinite(arr)) or (np.any(arr <= 0) if positive_only else np.any(arr < 0)):
        raise InvalidInputError(f"{name} path must be finite and {'> 0' if positive_only else '>= 0'}")
    idx = np.minimum(np.arange(offset, offset + days), arr.size - 1)  # hold the last value
    return arr[idx]


@dataclass(frozen=True)
class NetworkProjection:
    """How the network evolves from the snapshot, day by day.

    Parameters
    ----------
    snapshot : the dated network state the projection starts from
    difficulty_growth_per_month : decimal growth per month (0.03 = +3 %/month), compounded daily
    difficulty_path : optional explicit daily difficulty path from the snapshot date (last value held)
    fees_btc_per_block_path : optional daily fee path [BTC/block] from the snapshot date
    btc_price_growth_per_year : decimal drift of the deterministic BTC price (0 = flat)
    btc_price_path_usd : optional daily BTC price path [USD] from the snapshot date
    start_date : day 0 of the arrays returned (None: the snapshot date). A later date moves everything forward:
        difficulty and price have grown at their trends, the block height (hence the halving) has advanced.

    >>> p = NetworkProjection(default_snapshot(), difficulty_growth_per_month=0.02)
    >>> d = p.difficulty(62)
    >>> round(float(d[0]) / 1e12, 2), round(float(d[61] / d[0]), 4)   # 61 days ~ 2.004 months
    (152.0, 1.0405)
    >>> later = p.starting("2026-11-25")                            # 365 days after the snapshot
    >>> round(float(later.difficulty(1)[0] / d[0]), 3)               # 1.02 ** (365 / 30.4375)
    1.268
    """

    snapshot: NetworkSnapshot = field(default_factory=default_snapshot)
    difficulty_growth_per_month: float = 0.02
    difficulty_path: tuple[float, ...] | None = None
    fees_btc_per_block_path: tuple[float, ...] | None = None
    btc_price_growth_per_year: float = 0.0
    btc_price_path_usd: tuple[float, ...] | None = None
    start_date: _dt.date | None = None

    def __post_init__(self) -> None:
        finite("difficulty_growth_per_month", self.difficulty_growth_per_month, lo=-0.5, hi=1.0)
        finite("btc_price_growth_per_year", self.btc_price_growth_per_year, lo=-0.99, hi=10.0)
        for name in ("difficulty_path", "fees_btc_per_block_path", "btc_price_path_usd"):
            v = getattr(self, name)
            if v is not None:
                import numpy as np

                object.__setattr__(self, name, tuple(float(x) for x in np.asarray(v, dtype=float).ravel()))
                _path(name, getattr(self, name), 1, positive_only=name != "fees_btc_per_block_path")
        if self.start_date is not None:
            day0 = as_date("start_date", self.start_date)
            if day0 < self.snapshot.date:
                raise InvalidInputError(f"projection start {day0} is before the snapshot date {self.snapshot.date}")
            object.__setattr__(self, "start_date", day0)

    @property
    def offset_days(self) -> int:
        """Days from the snapshot date to day 0 of the projection."""
        return 0 if self.start_date is None else (self.start_date - self.snapshot.date).days

    @property
    def day0(self) -> _dt.date:
        """The date of day 0."""
        return self.start_date or self.snapshot.date

    def starting(self, day0: _dt.date | str) -> "NetworkProjection":
        """The same projection with day 0 on ``day0`` (on or after the snapshot date)."""
        return dataclasses.replace(self, start_date=as_date("start_date", day0))

    def difficulty(self, days: int, start_day: int = 0):
        """Difficulty for days ``start_day .. start_day+days-1`` (``start_day`` may be negative: back-projection)."""
        import numpy as np

        first = start_day + self.offset_days
        if self.difficulty_path is not None and first >= 0:
            return _path("difficulty_path", self.difficulty_path, days, positive_only=True, offset=first)
        t = np.arange(first, first + days, dtype=np.float64)
        return self.snapshot.difficulty * (1.0 + self.difficulty_growth_per_month) ** (t / DAYS_PER_MONTH)

    def fees_btc_per_block(self, days: int):
        import numpy as np

        if self.fees_btc_per_block_path is not None:
            return _path("fees_btc_per_block_path", self.fees_btc_per_block_path, days, positive_only=False,
                         offset=self.offset_days)
        return np.full(days, self.snapshot.fees_btc_per_block)

    def btc_price_usd(self, days: int):
        import numpy as np

        if self.btc_price_path_usd is not None:
            return _path("btc_price_path_usd", self.btc_price_path_usd, days, positive_only=True,
                         offset=self.offset_days)
        t = np.arange(self.offset_days, self.offset_days + days, dtype=np.float64)
        return self.snapshot.btc_price_usd * (1.0 + self.btc_price_growth_per_year) ** (t / DAYS_PER_YEAR)

    def block_height(self, day: int = 0) -> int:
        """Expected block height on day ``day`` of the projection (block time from the snapshot)."""
        t = day + self.offset_days
        return self.snapshot.block_height + int(t * SECONDS_PER_DAY // self.snapshot.block_time_s)

    def subsidy_btc(self, days: int):
        """Subsidy [BTC/block] on each day, stepping down at the halving heights (block time from the snapshot)."""
        import numpy as np

        t = np.arange(self.offset_days, self.offset_days + days, dtype=np.float64)
        heights = self.snapshot.block_height + np.floor(t * SECONDS_PER_DAY / self.snapshot.block_time_s)
        return subsidy_btc_array(heights.astype(np.int64))

    def halvings(self, count: int = 2) -> tuple[Halving, ...]:
        """The next ``count`` halvings after day 0, with ``days_from_snapshot`` counted from day 0."""
        height0 = self.block_height(0)
        nxt = (height0 // HALVING_INTERVAL_BLOCKS + 1) * HALVING_INTERVAL_BLOCKS
        out = []
        for k in range(count):
            height = nxt + k * HALVING_INTERVAL_BLOCKS
            days = (height - height0) * self.snapshot.block_time_s / SECONDS_PER_DAY
            out.append(Halving(height, self.day0 + _dt.timedelta(days=round(days)), days, subsidy_btc(height)))
        return tuple(out)

    def reward_btc_per_block(self, days: int):
        return self.subsidy_btc(days) + self.fees_btc_per_block(days)

    def hashprice_btc_per_th_day(self, days: int):
        """Daily BTC hashprice [BTC/(TH/s)/day] over ``days`` days."""
        return hashprice_btc_per_th_day(self.difficulty(days), self.reward_btc_per_block(days))

    def hashprice_usd_per_th_day(self, days: int):
        """Daily USD hashprice [USD/(TH/s)/day] over ``days`` days."""
        return self.hashprice_btc_per_th_day(days) * self.btc_price_usd(days)

    def replace(self, **changes: Any) -> "NetworkProjection":
        return dataclasses.replace(self, **changes)
