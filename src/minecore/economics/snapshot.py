"""The network on one date: :class:`NetworkSnapshot` (difficulty, BTC price, fees, height), block subsidy and
halvings, and snapshot files (the shipped, dated default and the user's own).

``difficulty`` is Bitcoin's dimensionless difficulty (diff-1 target / target). Numpy-free at import.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import InvalidInputError, SnapshotError
from ..validate import as_date, count, non_negative, positive

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
        object.__setattr__(self, "block_height",
                           count("block_height", self.block_height, minimum=0, maximum=100_000_000, err=SnapshotError))
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
