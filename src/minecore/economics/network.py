"""Network model: dated snapshot, subsidy and halvings, difficulty/fee/price projection, hashprice.

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
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import InvalidInputError, SnapshotError
from ..validate import as_date, finite, non_negative, positive
from .finance import DAYS_PER_MONTH, DAYS_PER_YEAR

HALVING_INTERVAL_BLOCKS = 210_000  #: blocks between subsidy halvings
INITIAL_SUBSIDY_SAT = 50 * 100_000_000  #: block subsidy at height 0 [sat]
TWO_POW_32 = 2.0**32
SECONDS_PER_DAY = 86_400.0


def subsidy_btc(height: int) -> float:
    """Block subsidy [BTC] at block ``height`` (integer satoshi arithmetic, as consensus does).

    >>> subsidy_btc(839_999), subsidy_btc(840_000), subsidy_btc(1_050_000)
    (6.25, 3.125, 1.5625)
    """
    if isinstance(height, bool) or int(height) != height or height < 0:
        raise InvalidInputError(f"block height must be a non-negative integer, got {height!r}")
    halvings = int(height) // HALVING_INTERVAL_BLOCKS
    return 0.0 if halvings >= 64 else (INITIAL_SUBSIDY_SAT >> halvings) / 1e8


def subsidy_btc_array(heights):
    """Vectorised :func:`subsidy_btc` over an integer array of heights [BTC]."""
    import numpy as np

    h = np.asarray(heights, dtype=np.int64)
    halvings = np.minimum(h // HALVING_INTERVAL_BLOCKS, 63)
    out = np.right_shift(np.int64(INITIAL_SUBSIDY_SAT), halvings).astype(np.float64) / 1e8
    out[h // HALVING_INTERVAL_BLOCKS >= 64] = 0.0
    return out


@dataclass(frozen=True)
class Halving:
    """A future halving: ``height``, expected ``date`` from the block time, subsidy after it [BTC], days from the snapshot."""

    height: int
    expected_date: _dt.date
    days_from_snapshot: float
    subsidy_after_btc: float


#: Fields a snapshot file or :meth:`NetworkSnapshot.with_overrides` may set.
SNAPSHOT_FIELDS = ("date", "difficulty", "btc_price_usd", "fees_btc_per_block", "block_height", "block_time_s",
                   "hashrate_ehs", "name", "sources")
#: The figures a label reports as inherited when a partial file leaves them to the base snapshot.
_KEY_FIGURES = ("difficulty", "btc_price_usd", "fees_btc_per_block", "block_height")
#: Documentation keys a snapshot file may carry (ignored): these, and any key starting with ``_``.
_DOC_KEYS = ("derived_fields", "reference_points")


@dataclass(frozen=True)
class NetworkSnapshot:
    """Network state on one date. Every field can be overridden with :meth:`with_overrides`.

    Attributes
    ----------
    date : date of the snapshot (day 0 of projections)
    difficulty : network difficulty [dimensionless]
    btc_price_usd : BTC price [USD/BTC]
    fees_btc_per_block : average transaction fees per block [BTC]
    block_height : chain height on ``date`` [blocks]
    block_time_s : assumed mean block interval [s] (600 by design)
    hashrate_ehs : network hashrate [EH/s]; derived from difficulty when not given
    name : label printed in reports
    sources : where each figure came from
    overridden : fields replaced after the snapshot was dated (by :meth:`with_overrides`), in the order given
    undated_file : set when the figures come from a file without a date; ``date`` is then only day 0 of the
        projections (inherited from the base snapshot) and the label says "undated"
    inherited, inherited_from : key figures a partial file left to the base snapshot, and that snapshot's label

    The :attr:`label` says all of this, so a result never shows a date its figures do not have.
    """

    date: _dt.date
    difficulty: float
    btc_price_usd: float
    fees_btc_per_block: float
    block_height: int = 924_300
    block_time_s: float = 600.0
    hashrate_ehs: float | None = None
    name: str = "custom"
    sources: tuple[str, ...] = ()
    overridden: tuple[str, ...] = ()
    undated_file: str | None = None
    inherited: tuple[str, ...] = ()
    inherited_from: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "date", as_date("date", self.date, SnapshotError))
        object.__setattr__(self, "difficulty", positive("difficulty", self.difficulty, err=SnapshotError))
        object.__setattr__(self, "btc_price_usd", positive("btc_price_usd", self.btc_price_usd, err=SnapshotError))
        object.__setattr__(self, "fees_btc_per_block",
                           non_negative("fees_btc_per_block", self.fees_btc_per_block, err=SnapshotError))
        h = self.block_height
        if isinstance(h, bool) or not isinstance(h, (int, float)) or h != int(h) or h < 0:
            raise SnapshotError(f"block_height must be a non-negative integer, got {h!r}")
        object.__setattr__(self, "block_height", int(h))
        object.__setattr__(self, "block_time_s", positive("block_time_s", self.block_time_s, err=SnapshotError))
        if self.hashrate_ehs is None:
            object.__setattr__(self, "hashrate_ehs", self.difficulty * TWO_POW_32 / self.block_time_s / 1e18)
        else:
            object.__setattr__(self, "hashrate_ehs", positive("hashrate_ehs", self.hashrate_ehs, err=SnapshotError))
        if isinstance(self.sources, str):
            object.__setattr__(self, "sources", (self.sources,))
        object.__setattr__(self, "sources", tuple(str(s) for s in self.sources))
        object.__setattr__(self, "overridden", tuple(self.overridden))
        object.__setattr__(self, "inherited", tuple(self.inherited))

    @property
    def subsidy_btc(self) -> float:
        """Block subsidy at the snapshot height [BTC]."""
        return subsidy_btc(self.block_height)

    @property
    def dated(self) -> bool:
        """False when the figures came from a file without a date (see ``undated_file``)."""
        return self.undated_file is None

    @property
    def label(self) -> str:
        """The string every result prints: ``"name (YYYY-MM-DD)"``, plus what was overridden or inherited.

        >>> s = default_snapshot()
        >>> s.label
        'minecore-default-2025-11 (2025-11-25)'
        >>> s.with_overrides(difficulty=101.65e12, btc_price_usd=87235).label
        'minecore-default-2025-11 (2025-11-25) with overrides: difficulty, btc_price_usd'
        """
        when = f"undated, file {self.undated_file}" if self.undated_file else self.date.isoformat()
        text = f"{self.name} ({when})"
        if self.inherited:
            text += f", {', '.join(self.inherited)} from {self.inherited_from}"
        if self.overridden:
            text += ";" if self.inherited else ""
            text += f" with overrides: {', '.join(self.overridden)}"
        return text

    def with_overrides(self, **overrides: Any) -> "NetworkSnapshot":
        """Copy with some fields replaced; ``None`` values are ignored. The replaced fields are recorded in
        ``overridden`` (and so in :attr:`label`); ``name`` and ``sources`` may be set but are not figures.

        >>> default_snapshot().with_overrides(btc_price_usd=100_000).btc_price_usd
        100000.0
        """
        clean = {k: v for k, v in overrides.items() if v is not None}
        bad = [k for k in clean if k not in SNAPSHOT_FIELDS]
        if bad:
            raise SnapshotError(f"unknown snapshot field(s): {', '.join(bad)}{_did_you_mean(bad[0], SNAPSHOT_FIELDS)}; "
                                f"known: {', '.join(SNAPSHOT_FIELDS)}")
        if not clean:
            return self
        figures = [k for k in clean if k not in ("name", "sources")]
        if "difficulty" in clean and "hashrate_ehs" not in clean:
            clean["hashrate_ehs"] = None
        clean["overridden"] = tuple(dict.fromkeys([*self.overridden, *figures]))
        clean["inherited"] = tuple(k for k in self.inherited if k not in figures)
        return dataclasses.replace(self, **clean)

    def halvings(self, count: int = 2) -> tuple[Halving, ...]:
        """The next ``count`` halvings with their expected dates at ``block_time_s`` per block."""
        out = []
        nxt = (self.block_height // HALVING_INTERVAL_BLOCKS + 1) * HALVING_INTERVAL_BLOCKS
        for k in range(count):
            height = nxt + k * HALVING_INTERVAL_BLOCKS
            days = (height - self.block_height) * self.block_time_s / SECONDS_PER_DAY
            out.append(Halving(height, self.date + _dt.timedelta(days=round(days)), days, subsidy_btc(height)))
        return tuple(out)

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["date"] = self.date.isoformat()
        d["label"] = self.label
        for k in ("sources", "overridden", "inherited"):
            d[k] = list(d[k])
        return d


def _did_you_mean(key: str, choices: Sequence[str]) -> str:
    import difflib

    close = difflib.get_close_matches(key, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _snapshot_keys(data: Any, origin: str) -> dict[str, Any]:
    """The snapshot fields of a parsed file (top level or under ``[network]``); unknown keys are an error."""
    if not isinstance(data, Mapping):
        raise SnapshotError(f"{origin}: snapshot must be a table/object")

    def check(table: Mapping[str, Any], allowed: Sequence[str], where: str) -> None:
        for k in table:
            if k in allowed or k in _DOC_KEYS or str(k).startswith("_"):
                continue
            hint = _did_you_mean(str(k), allowed) or f"; known keys: {', '.join(allowed)}"
            raise SnapshotError(f"{origin}: unknown key {k!r}{where}{hint}")

    if isinstance(data.get("network"), Mapping):
        check(data, ("network",), "")
        data = data["network"]
        check(data, SNAPSHOT_FIELDS, " in [network]")
    else:
        check(data, SNAPSHOT_FIELDS, "")
    return {k: v for k, v in data.items() if k in SNAPSHOT_FIELDS}


def _snapshot_from_mapping(data: Mapping[str, Any], origin: str) -> NetworkSnapshot:
    fields = _snapshot_keys(data, origin)
    missing = [k for k in ("date", "difficulty", "btc_price_usd", "fees_btc_per_block") if k not in fields]
    if missing:
        raise SnapshotError(f"{origin}: missing key(s) {', '.join(missing)}")
    try:
        return NetworkSnapshot(**fields)
    except (SnapshotError, TypeError) as exc:
        raise SnapshotError(f"{origin}: {exc}") from None


def default_snapshot() -> NetworkSnapshot:
    """The shipped, dated snapshot (``data/network_snapshot.json``; late November 2025)."""
    text = resources.files("minecore.economics").joinpath("data/network_snapshot.json").read_text()
    return _snapshot_from_mapping(json.loads(text), "data/network_snapshot.json")


def reference_points() -> tuple[dict[str, Any], ...]:
    """Dated, sourced reference points shipped with the snapshot (e.g. Luxor hashprice on 2024-11-12)."""
    text = resources.files("minecore.economics").joinpath("data/network_snapshot.json").read_text()
    return tuple(json.loads(text)["reference_points"])


def load_snapshot(path: str | Path, *, base: NetworkSnapshot | None = None) -> NetworkSnapshot:
    """Read a snapshot from a ``.toml`` or ``.json`` file.

    Keys (see :data:`SNAPSHOT_FIELDS`) may sit at top level or under a ``[network]`` table; any other key is an
    error (keys starting with ``_`` are comments). Without ``base`` the file must give ``date``, ``difficulty``,
    ``btc_price_usd`` and ``fees_btc_per_block``. With ``base`` it may be partial: the result is named after the
    file (its ``name``, else the file stem), the key figures it leaves out come from ``base`` and the label names
    them, and a file without ``date`` is labelled "undated" (``date`` stays ``base.date`` as day 0 of
    projections), never given ``base``'s date silently. Raises :class:`SnapshotError`.
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise SnapshotError(f"{p}: cannot read snapshot file ({exc.strerror})") from None
    try:
        if p.suffix.lower() == ".toml":
            import tomllib

            data = tomllib.loads(raw.decode("utf-8"))
        else:
            data = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise SnapshotError(f"{p}: malformed snapshot file: {str(exc).splitlines()[0]}") from None
    if base is None:
        snap = _snapshot_from_mapping(data, str(p))
        return snap if snap.name != "custom" else dataclasses.replace(snap, name=p.stem)
    fields = _snapshot_keys(data, str(p))
    inherited = tuple(k for k in _KEY_FIGURES if k not in fields)
    if "difficulty" in fields and "hashrate_ehs" not in fields:
        fields["hashrate_ehs"] = None
    fields.setdefault("name", p.stem)
    fields.setdefault("sources", (f"file {p.name}",))
    try:
        return dataclasses.replace(base, **fields, overridden=(), inherited=inherited,
                                   inherited_from=base.label if inherited else None,
                                   undated_file=None if "date" in fields else p.name)
    except (SnapshotError, TypeError) as exc:
        raise SnapshotError(f"{p}: {exc}") from None


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
