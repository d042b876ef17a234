"""A sweep's points: the scenario file each point reads, its seed, and the hash that identifies its result.

* **Scenario of a point**: the base scenario's TOML data with the point's settings applied (a case's, then one
  value per axis; ``seized[i].hold_scale`` last, on the median hold the point ends up with), written back as
  TOML (:func:`to_toml`) and read by the scenario loader, so a point is exactly the scenario file one would
  write by hand.
* **Seed** (:func:`point_seed`): ``per_point``: the first 8 bytes of BLAKE2b(sweep seed, the point's canonical
  settings) as an integer in [0, 2^64); ``common``: the sweep seed. Either way it depends on neither the order
  of the points nor the number of workers, and the same point keeps its seed when the grid around it changes.
* **Hash** (:func:`point_hash`): SHA-256 of the minecore version, the base scenario's data and the files it
  reads, the sweep's computing settings (paths, engine, flips, plans), the seed and the point's settings. A
  rerun skips every point whose hash is already in the store; any input that could change a result changes
  the hash, and so does a new minecore version. (A development checkout whose code changes without a version
  bump keeps its old results: delete the chunk directory after such a change.)
"""

from __future__ import annotations

import copy
import datetime as _dt
import hashlib
import json
import math
import re
from typing import Any

from ..errors import SweepError
from .spec import DERIVED, Point, SeedPolicy, Sweep, Target

DEFAULT_MEDIAN_HOLD_DAYS = 120.0  #: ReleaseModel.median_hold_days default (checked by a test)


# ---------------------------------------------------------------------------------------------- TOML out

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(k: str) -> str:
    return k if _BARE.match(k) else json.dumps(k, ensure_ascii=False)


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # JSON escapes are TOML basic-string escapes
    if isinstance(v, (_dt.datetime, _dt.date, _dt.time)):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + "}"
    raise SweepError(f"cannot write {type(v).__name__} value {v!r} to a scenario")


def to_toml(raw: dict[str, Any]) -> str:
    """TOML text for scenario data: top-level values, then ``[tables]``, then ``[[arrays of tables]]``."""
    head, tables, arrays = [], [], []
    for k, v in raw.items():
        if isinstance(v, dict):
            tables.append(f"[{_key(k)}]")
            tables += [f"{_key(kk)} = {_value(vv)}" for kk, vv in v.items()]
            tables.append("")
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            for entry in v:
                arrays.append(f"[[{_key(k)}]]")
                arrays += [f"{_key(kk)} = {_value(vv)}" for kk, vv in entry.items()]
                arrays.append("")
        else:
            head.append(f"{_key(k)} = {_value(v)}")
    return "\n".join(head + [""] + tables + arrays) + "\n"


# ---------------------------------------------------------------------------------------------- applying a point


def _entries(raw: dict[str, Any], t: Target) -> list[dict[str, Any]]:
    arr = raw.get(t.section)
    if not isinstance(arr, list):
        raise SweepError(f"{t.key}: the scenario has no [[{t.section}]] array")
    if t.index == "*":
        return arr
    if not isinstance(t.index, int) or t.index >= len(arr):
        raise SweepError(f"{t.key}: the scenario has {len(arr)} [[{t.section}]] entries")
    return [arr[t.index]]


def apply(base_raw: dict[str, Any], overrides: tuple[tuple[Target, Any], ...]) -> dict[str, Any]:
    """A copy of ``base_raw`` with ``overrides`` applied in order (derived inputs last)."""
    raw = copy.deepcopy(base_raw)
    derived = []
    for t, v in overrides:
        v = copy.deepcopy(v)
        if (t.section, t.field) in DERIVED:
            derived.append((t, v))
        elif t.field is None and t.index is None:
            raw[t.section] = v
        elif t.field is None:
            arr = raw.get(t.section)
            if t.index == "*":
                raw[t.section] = [copy.deepcopy(v) for _ in arr]
            else:
                arr[t.index] = v
        elif t.index is None:
            table = raw.setdefault(t.section, {})
            if not isinstance(table, dict):
                raise SweepError(f"{t.key}: [{t.section}] is not a table in the scenario")
            table[t.field] = v
        else:
            for entry in _entries(raw, t):
                if not isinstance(entry, dict):
                    raise SweepError(f"{t.key}: entries of [[{t.section}]] must be tables")
                entry[t.field] = v
    for t, v in derived:  # seized[i].hold_scale: the median hold times the factor
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise SweepError(f"{t.key}: must be a number, got {v!r}")
        for entry in _entries(raw, t):
            median = entry.get("median_hold_days", DEFAULT_MEDIAN_HOLD_DAYS)
            if isinstance(median, bool) or not isinstance(median, (int, float)):
                raise SweepError(f"{t.key}: median_hold_days must be a number to scale, got {median!r}")
            entry["median_hold_days"] = float(median) * float(v)
    return raw


def scenario_text(base_raw: dict[str, Any], overrides: tuple[tuple[Target, Any], ...]) -> str:
    """The scenario file (TOML text) of ``base_raw`` with ``overrides`` applied."""
    return to_toml(apply(base_raw, overrides))


# ---------------------------------------------------------------------------------------------- identity


def _default(v: Any) -> Any:
    if isinstance(v, (_dt.datetime, _dt.date, _dt.time)):
        return v.isoformat()
    if isinstance(v, tuple):
        return list(v)
    raise TypeError(f"not JSON: {type(v).__name__}")


def canonical(obj: Any) -> str:
    """Deterministic JSON (sorted keys, exact floats) for hashing."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default)


def point_settings(p: Point) -> str:
    """The point's canonical settings: its case and every (key, value) it sets, in order."""
    return canonical({"case": p.case, "set": [[t.key, v] for t, v in p.overrides]})


def point_seed(sweep: Sweep, p: Point) -> int:
    """The Monte Carlo seed of point ``p`` (see the module docstring)."""
    if sweep.seed_policy is SeedPolicy.COMMON:
        return sweep.seed
    h = hashlib.blake2b(f"minecore-sweep|{sweep.seed}|{point_settings(p)}".encode(), digest_size=8)
    return int.from_bytes(h.digest(), "little")


def run_settings(sweep: Sweep) -> dict[str, Any]:
    """The sweep settings that change a point's result (not how or where it runs)."""
    return {"paths": sweep.paths, "engine": sweep.engine.value, "flips": list(sweep.flips),
            "flip_tol": sweep.flip_tol, "flip_steps": sweep.flip_steps, "plans": sweep.plans.value}


def base_digest(sweep: Sweep) -> str:
    """SHA-256 of the base scenario's data, the files the points read and the run settings."""
    from .. import __version__

    return hashlib.sha256(canonical({"minecore": __version__, "base": sweep.base_raw,
                                     "files": sorted(sha for _path, sha in sweep.files),
                                     "settings": run_settings(sweep)}).encode()).hexdigest()


def point_hash(digest: str, p: Point, seed: int) -> str:
    """The identity of point ``p``'s result under ``digest`` (:func:`base_digest`): 32 hex digits."""
    return hashlib.sha256(f"{digest}|{seed}|{point_settings(p)}".encode()).hexdigest()[:32]


def column_value(v: Any) -> Any:
    """An axis value as a table cell: numbers, text and booleans as they are, dates as ISO text, tables and
    arrays as JSON text."""
    if isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, (_dt.datetime, _dt.date, _dt.time)):
        return v.isoformat()
    return canonical(v)
