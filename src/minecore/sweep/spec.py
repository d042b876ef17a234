"""Sweep files: a base scenario, the inputs to vary (axes and named cases) and how each point is computed.

A sweep file is TOML (``docs/sweep.md`` is the manual)::

    schema = 1

    [sweep]
    name = "power x BTC x hold"
    scenario = "default"              # the built-in default scenario, or a scenario file (relative to this file)
    seed = 7                          # the sweep seed: each point's Monte Carlo seed is derived from it and the point
    paths = 200                       # Monte Carlo paths per point and lot (0: none; default: the scenario's)

    [axes]                            # a full grid: every combination of the values below
    site.power_price_usd_per_kwh = [0.03, 0.04, 0.05, 0.06]
    network.btc_price_usd = { start = 60000, stop = 140000, num = 9 }
    "seized[*].hold_scale" = { start = 0.5, stop = 2.0, step = 0.25 }

    [[case]]                          # named cases (crossed with the grid when both are given)
    name = "China duty 57.6 %"
    "option[2].tariff_rate" = 0.576

An axis or case key names a scenario input by the key it has in a scenario file (``docs/scenario.md``):
``section.key`` for a table (``site.pue``), ``section[i].key`` for entry ``i`` (from 0) of an array of tables
(``seized[0].units``), ``section[*].key`` for every entry, ``section[i]`` or ``section`` for a whole entry or
array (values are tables or arrays of tables: e.g. sets of replacement quotes), and the derived input
``seized[i].hold_scale`` (a multiplier on the lot's median hold, as the sensitivity's ``hold_scale``).

Every problem raises :class:`~minecore.errors.SweepError` with one line naming the file and the key, e.g.
``sweeps/x.toml: axes.site.pue: value 0.5: site.pue must be >= 1, got 0.5``. Values are checked against the
scenario loader (each value applied alone to the base scenario), so a sweep never starts with a value the
loader would refuse; a combination of values that only fails together becomes an error row of the table.
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from ..errors import InvalidInputError, SweepError
from ..economics.inputs import MCEngine

SCHEMA = 1  #: the sweep-file schema this minecore reads and writes
TOP_KEYS = ("schema", "sweep", "axes", "case")
RANGE_KEYS = ("start", "stop", "num", "step")
MAX_RANGE_VALUES = 1_000_000  #: most values one range may expand to
MAX_VALIDATED_VALUES = 64  #: an axis with more values has every value type-checked but only ends loader-checked
#: derived inputs: (section, key) -> what it does (applied after the plain keys of the point)
DERIVED = {("seized", "hold_scale"): "multiplier on the lot's median hold (median_hold_days, default 120)"}
#: scenario inputs a sweep sets itself, and where to set them instead
RESERVED = {("monte_carlo", "seed"): "the sweep derives each point's seed: set [sweep] seed and seed_policy",
            ("monte_carlo", "paths"): "set [sweep] paths",
            ("monte_carlo", None): "set [sweep] paths, seed and engine; vary monte_carlo.<key> one key at a time"}
_KEY = re.compile(r"^(?P<section>[A-Za-z_][A-Za-z0-9_]*)(?:\[(?P<index>[0-9]+|\*)\])?"
                  r"(?:\.(?P<field>[A-Za-z_][A-Za-z0-9_]*))?$")


class SeedPolicy(str, enum.Enum):
    """How each point's Monte Carlo seed is chosen (values are the sweep file's words)."""

    PER_POINT = "per_point"  #: derived from the sweep seed and the point's inputs (independent paths per point)
    COMMON = "common"  #: the sweep seed at every point (common random numbers: differences are less noisy)


class PlanRows(str, enum.Enum):
    """When the table gets joint-plan rows (one strategy per lot, valued together under the site's power cap)."""

    AUTO = "auto"  #: for scenarios with more than one seized lot
    ALWAYS = "always"
    NEVER = "never"


#: [sweep] key -> (default, meaning), for the docs and for "did you mean"
SWEEP_KEYS: dict[str, tuple[str, str]] = {
    "name": ("the file name", "title of the sweep"),
    "scenario": ('"default"', 'base scenario: "default" (built-in) or a scenario file, relative to the sweep file'),
    "seed": ("the scenario's monte_carlo.seed", "sweep seed, in [0, 2^64)"),
    "seed_policy": ('"per_point"', "per_point: each point's seed derived from the sweep seed and the point's inputs; "
                                    "common: the sweep seed at every point"),
    "paths": ("the scenario's monte_carlo.paths", "Monte Carlo paths per point and lot (0: no Monte Carlo)"),
    "engine": ('"numpy"', "Monte Carlo engine per point: numpy, numba or auto"),
    "flips": ("false", "what-flips-it thresholds per lot: true (every input), false, or a list of input names"),
    "flip_tol": ("0.001", "relative tolerance of a threshold"),
    "flip_steps": ("6", "points per side of the outward walk of the flip search"),
    "plans": ('"auto"', "joint-plan rows: auto (more than one lot), true, false"),
    "batch_points": ("auto", "points per task sent to a worker"),
}


def _fail(source: str, key: str, problem: str) -> SweepError:
    return SweepError(f"{source}: {key}: {problem}" if key else f"{source}: {problem}")


def _hint(word: str, known: list[str]) -> str:
    """"did you mean 'x'?" for the closest known name (a misspelt start counts: power_prise is
    power_price_usd_per_kwh), else the list of known names."""
    def score(k: str) -> float:
        return max(difflib.SequenceMatcher(None, word, k).ratio(),
                   difflib.SequenceMatcher(None, word, k[:len(word)]).ratio() - 0.05)

    best = max(known, key=score, default=None)
    if best is not None and score(best) >= 0.6:
        return f"did you mean {best!r}?"
    return f"known: {', '.join(known)}"


@dataclass(frozen=True)
class Target:
    """Where an axis or case key lands in a scenario file.

    index: entry of an array of tables (from 0), ``"*"`` for every entry, None for a table or a whole array;
    field: the key inside the table or entry, None for the whole table, entry or array.
    """

    section: str
    index: int | str | None
    field: str | None

    @property
    def key(self) -> str:
        """The canonical text, e.g. ``seized[*].hold_scale`` (the column name in the sweep's table)."""
        idx = "" if self.index is None else f"[{self.index}]"
        return f"{self.section}{idx}" + ("" if self.field is None else f".{self.field}")


@dataclass(frozen=True)
class Axis:
    target: Target
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Case:
    name: str
    overrides: tuple[tuple[Target, Any], ...]


@dataclass(frozen=True)
class Point:
    """One point of a sweep: its position, its case, its value index on each axis and what it sets."""

    index: int
    case: str  #: the case's name ('' when the sweep has no cases)
    case_index: int
    coords: tuple[int, ...]  #: value index on each axis, in the sweep's axis order
    overrides: tuple[tuple[Target, Any], ...]  #: the case's settings, then one value per axis


@dataclass(frozen=True)
class Sweep:
    """A parsed, validated sweep file. Points are numbered case-major, then row-major over the axes (the last
    axis varies fastest), so ``--limit N`` takes the first N points of that order."""

    name: str
    source: str  #: the sweep file (or what named the text)
    base_source: str  #: the base scenario file, or the loader's BUILTIN_SOURCE
    base_raw: dict[str, Any]  #: the base scenario file as TOML data (snapshot paths made absolute)
    base_lots: int
    axes: tuple[Axis, ...]
    cases: tuple[Case, ...]
    seed: int
    seed_policy: SeedPolicy = SeedPolicy.PER_POINT
    paths: int | None = None
    engine: MCEngine = MCEngine.NUMPY
    flips: tuple[str, ...] = ()
    flip_tol: float = 1e-3
    flip_steps: int = 6
    plans: PlanRows = PlanRows.AUTO
    batch_points: int | None = None
    files: tuple[tuple[str, str], ...] = ()  #: (absolute path, sha256) of every file the points read

    @property
    def shape(self) -> tuple[int, ...]:
        """Number of values of each axis (a leading case count when there are cases)."""
        return ((len(self.cases),) if self.cases else ()) + tuple(len(a.values) for a in self.axes)

    @property
    def n_points(self) -> int:
        return math.prod(self.shape)

    def point(self, i: int) -> Point:
        """Point ``i`` (0 <= i < n_points)."""
        if not 0 <= i < self.n_points:
            raise IndexError(f"point {i} is outside the sweep's {self.n_points} points")
        grid = math.prod(len(a.values) for a in self.axes)
        ci, rest = divmod(i, grid)
        coords = []
        for a in reversed(self.axes):
            rest, c = divmod(rest, len(a.values))
            coords.append(c)
        coords.reverse()
        case = self.cases[ci] if self.cases else None
        over = (case.overrides if case else ()) + tuple((a.target, a.values[c]) for a, c in zip(self.axes, coords))
        return Point(i, case.name if case else "", ci, tuple(coords), over)

    def points(self, limit: int | None = None) -> Iterator[Point]:
        n = self.n_points if limit is None else min(limit, self.n_points)
        for i in range(n):
            yield self.point(i)

    @property
    def axis_keys(self) -> tuple[str, ...]:
        return tuple(a.target.key for a in self.axes)


# ---------------------------------------------------------------------------------------------- keys


def resolve_target(source: str, where: str, text: str, base_raw: dict[str, Any]) -> Target:
    """The :class:`Target` named by ``text`` (an axis or case key), checked against the scenario schema and the
    base scenario's arrays. ``where`` names the key in errors (``axes.site.pue``)."""
    from ..reports.scenario import ARRAYS, KEYS

    m = _KEY.match(text)
    if not m:
        raise _fail(source, where, "not a scenario input: write section.key (site.pue), section[i].key for an entry "
                                   "of [[seized]], [[option]] or [[fleet]] (from 0), or section[*].key for every entry")
    section, index, field = m.group("section"), m.group("index"), m.group("field")
    if section not in KEYS:
        raise _fail(source, where, f"unknown scenario input: no section {section!r}; {_hint(section, list(KEYS))}")
    if field is not None and field not in KEYS[section] and (section, field) not in DERIVED:
        known = list(KEYS[section]) + [k for s, k in DERIVED if s == section]
        raise _fail(source, where, f"unknown scenario input: [{section}] has no key {field!r}; {_hint(field, known)}")
    if section in ARRAYS:
        n = len(base_raw.get(section, []) or [])
        if index is None and field is not None:
            raise _fail(source, where, f"[[{section}]] is an array of tables: name an entry, {section}[0].{field}, "
                                       f"or every entry, {section}[*].{field}")
        if index is not None and n == 0:
            raise _fail(source, where, f"names no scenario input: the base scenario has no [[{section}]] entry")
        if index not in (None, "*") and int(index) >= n:
            raise _fail(source, where, f"names no scenario input: the base scenario has {n} [[{section}]] "
                                       f"entr{'y' if n == 1 else 'ies'} ({section}[0] to {section}[{n - 1}])")
    elif index is not None:
        raise _fail(source, where, f"[{section}] is a table, not an array: write {section}.{field or 'key'}")
    for (sec, key), why in RESERVED.items():
        if sec == section and (key == field or (key is None and field is None)):
            raise _fail(source, where, f"not an input a sweep can vary: {why}")
    if (section, field) in DERIVED and index is None:
        raise _fail(source, where, f"name an entry: {section}[0].{field} or {section}[*].{field}")
    return Target(section, None if index is None else (index if index == "*" else int(index)), field)


# ---------------------------------------------------------------------------------------------- values


def _number(source: str, where: str, name: str, v: Any) -> int | float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise _fail(source, where, f"range {name} must be a finite number, got {v!r}")
    return v


def _tidy(v: float) -> float:
    """A float without the noise of ``start + i * step`` (12 significant digits)."""
    return float(f"{v:.12g}")


def expand_range(source: str, where: str, spec: dict[str, Any]) -> list[Any]:
    """The values of a range ``{start, stop, num}`` (num evenly spaced values, both ends included) or
    ``{start, stop, step}`` (start, start + step, ... up to stop, included when it falls on a step)."""
    unknown = [k for k in spec if k not in RANGE_KEYS]
    if unknown:
        raise _fail(source, where, f"unknown range key {unknown[0]!r}; a range is {{start, stop, num}} or "
                                   "{start, stop, step}")
    for k in ("start", "stop"):
        if k not in spec:
            raise _fail(source, where, f"range needs {k} (a range is {{start, stop, num}} or {{start, stop, step}})")
    if ("num" in spec) == ("step" in spec):
        raise _fail(source, where, "range needs num or step (one of them, not both)")
    start, stop = _number(source, where, "start", spec["start"]), _number(source, where, "stop", spec["stop"])
    ints = isinstance(start, int) and isinstance(stop, int)
    if "num" in spec:
        num = spec["num"]
        if isinstance(num, bool) or not isinstance(num, int) or num < 0:
            raise _fail(source, where, f"range num must be a whole number >= 1, got {num!r}")
        if num == 0:
            raise _fail(source, where, "empty range: num = 0")
        if num > MAX_RANGE_VALUES:
            raise _fail(source, where, f"range num must be <= {MAX_RANGE_VALUES:,}, got {num:,}")
        if num == 1:
            return [start]
        vals = [start + (stop - start) * i / (num - 1) for i in range(num)]
        if ints and all(float(v).is_integer() for v in vals):
            return [int(round(v)) for v in vals]
        return [_tidy(v) for v in vals]
    step = _number(source, where, "step", spec["step"])
    if step == 0:
        raise _fail(source, where, "range step must not be 0")
    count = math.floor((stop - start) / step * (1 + 1e-12) + 1e-9) + 1
    if count <= 0:
        raise _fail(source, where, f"empty range: from {start!r} to {stop!r} in steps of {step!r} gives no value")
    if count > MAX_RANGE_VALUES:
        raise _fail(source, where, f"range gives {count:,} values, more than {MAX_RANGE_VALUES:,}")
    if ints and isinstance(step, int):
        return [start + i * step for i in range(count)]
    return [_tidy(start + i * step) for i in range(count)]


def _is_range(v: Any) -> bool:
    return isinstance(v, dict) and "start" in v and all(k in RANGE_KEYS for k in v)


def _axis_values(source: str, where: str, raw: Any) -> list[Any]:
    if isinstance(raw, dict):
        values = expand_range(source, where, raw)
    elif isinstance(raw, list):
        if not raw:
            raise _fail(source, where, "empty axis: give at least one value")
        values = list(raw)
    else:
        raise _fail(source, where, f"must be a list of values or a range {{start, stop, num}}, got {raw!r}")
    seen: list[Any] = []
    for v in values:
        if any(type(v) is type(s) and v == s for s in seen):
            raise _fail(source, where, f"repeats the value {v!r}")
        seen.append(v)
    return values


def _flatten_axes(source: str, table: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """``[axes]`` as (key text, raw value) in file order; nested tables (``site.pue = [...]``, ``[axes.site]``)
    are joined with dots, and an inline table with ``start`` is a range, not a level."""
    out = []
    for k, v in table.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and not _is_range(v) and not any(kk in RANGE_KEYS for kk in v):
            if not v:
                raise _fail(source, f"axes.{key}", "empty table: give the values to sweep")
            out += _flatten_axes(source, v, key + ".")
        else:
            out.append((key, v))
    return out


# ---------------------------------------------------------------------------------------------- checking values


def _loader_problem(exc: Exception, check_source: str) -> str:
    """The loader's message without its source, with array labels made 0-based like sweep keys."""
    msg = str(exc).splitlines()[0]
    if msg.startswith(check_source + ": "):
        msg = msg[len(check_source) + 2:]
    return re.sub(r"\b(seized|option|fleet)\[(\d+)\]", lambda m: f"{m.group(1)}[{int(m.group(2)) - 1}]", msg)


CHECK_SOURCE = "<sweep point>"


def _check(sweep_source: str, where: str, base: Sweep, overrides: tuple[tuple[Target, Any], ...]) -> None:
    """Apply ``overrides`` to the base scenario and build it with the scenario loader; a refusal is a SweepError."""
    from .points import scenario_text
    from ..reports.scenario import parse_scenario

    try:
        text = scenario_text(base.base_raw, overrides)
    except SweepError as exc:
        raise _fail(sweep_source, where, str(exc)) from None
    try:
        parse_scenario(text, CHECK_SOURCE)
    except InvalidInputError as exc:
        raise _fail(sweep_source, where, _loader_problem(exc, CHECK_SOURCE)) from None


def _field_meta(section: str, field: str | None) -> dict[str, Any] | None:
    from ..reports.scenario import KEYS

    if field is None or field not in KEYS.get(section, {}):
        return None
    cls, name = KEYS[section][field]
    if cls is None or not dataclasses.is_dataclass(cls):
        return None
    f = {f.name: f for f in dataclasses.fields(cls)}.get(name)
    return None if f is None else f.metadata.get("minecore")


def _type_check(source: str, where: str, target: Target, value: Any) -> None:
    """The fast check of one value (its declared kind and range), for axes too long to load every value."""
    from ..validate import check_value

    if (target.section, target.field) in DERIVED:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 100:
            raise _fail(source, where, f"value {value!r}: {target.field} must be a number in (0, 100]")
        return
    meta = _field_meta(target.section, target.field)
    if meta is not None:
        try:
            check_value(target.key, meta, value, SweepError)
        except SweepError as exc:
            raise _fail(source, where, f"value {value!r}: {exc}") from None


# ---------------------------------------------------------------------------------------------- the file


def _base(source: str, sweep_dir: Path | None, value: Any) -> tuple[str, dict[str, Any], bytes | None]:
    """(scenario source, TOML data, file bytes) of the base scenario named by [sweep] scenario."""
    from ..reports.defaults import DEFAULT_SCENARIO_TOML
    from ..reports.scenario import BUILTIN_SOURCE

    if value == "default":
        return BUILTIN_SOURCE, tomllib.loads(DEFAULT_SCENARIO_TOML), None
    if not isinstance(value, str) or not value.strip():
        raise _fail(source, "sweep.scenario", f'must be "default" or a scenario file path, got {value!r}')
    p = Path(value)
    if not p.is_absolute() and sweep_dir is not None:
        p = sweep_dir / p
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise _fail(source, "sweep.scenario", f"no such scenario file: {p}") from None
    except OSError as exc:
        raise _fail(source, "sweep.scenario", f"cannot read {p} ({exc.strerror})") from None
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise _fail(source, "sweep.scenario", f"{p}: malformed TOML: {str(exc).splitlines()[0]}") from None
    return str(p.resolve()), raw, data


def _absolute_snapshot(raw: dict[str, Any], relative_to: Path | None) -> None:
    net = raw.get("network")
    if isinstance(net, dict) and isinstance(net.get("snapshot"), str) and relative_to is not None:
        p = Path(net["snapshot"])
        net["snapshot"] = str((p if p.is_absolute() else relative_to / p).resolve())


def _sweep_table(source: str, table: Any, scenario_seed: int) -> dict[str, Any]:
    from ..validate import count, finite, seed as check_seed, text

    if not isinstance(table, dict):
        raise _fail(source, "sweep", "must be a table ([sweep])")
    for k in table:
        if k not in SWEEP_KEYS:
            raise _fail(source, f"sweep.{k}", f"unknown key; {_hint(k, list(SWEEP_KEYS))}")
    out: dict[str, Any] = {}

    def field(key: str, check):
        if key in table:
            try:
                out[key] = check(table[key])
            except InvalidInputError as exc:
                raise _fail(source, f"sweep.{key}", str(exc).splitlines()[0]) from None

    def one_of(enum_cls, words):
        def check(v):
            if not isinstance(v, str) or v not in words:
                raise SweepError(f"must be one of {', '.join(words)}, got {v!r}")
            return enum_cls(v)
        return check

    def plans(v):
        if isinstance(v, bool):
            return PlanRows.ALWAYS if v else PlanRows.NEVER
        if v != "auto":
            raise SweepError(f'must be true, false or "auto", got {v!r}')
        return PlanRows.AUTO

    field("name", lambda v: text("name", v, err=SweepError))
    field("seed", lambda v: check_seed("seed", v, err=SweepError))
    field("seed_policy", one_of(SeedPolicy, [p.value for p in SeedPolicy]))
    field("paths", lambda v: count("paths", v, minimum=0, maximum=1_000_000, err=SweepError))
    field("engine", one_of(MCEngine, ["numpy", "numba", "auto"]))
    field("plans", plans)
    field("flip_tol", lambda v: finite("flip_tol", v, lo=0.0, lo_open=True, hi=0.1, err=SweepError))
    field("flip_steps", lambda v: count("flip_steps", v, minimum=2, maximum=30, err=SweepError))
    field("batch_points", lambda v: count("batch_points", v, minimum=1, maximum=100_000, err=SweepError))
    if "flips" in table:
        out["flips"] = _flips(source, table["flips"])
    out.setdefault("seed", scenario_seed)
    out.setdefault("paths", None)  # None: each point keeps its scenario's monte_carlo.paths
    return out


def _flips(source: str, value: Any) -> tuple[str, ...]:
    from ..economics.flips import flip_inputs

    known = [i.name for i in flip_inputs()]
    if value is True:
        return tuple(known)
    if value is False:
        return ()
    if not isinstance(value, list) or not value:
        raise _fail(source, "sweep.flips", f"must be true, false or a non-empty list of input names, got {value!r}")
    for i, v in enumerate(value):
        if v not in known:
            raise _fail(source, f"sweep.flips[{i}]", f"unknown flip input {v!r}; {_hint(str(v), known)}")
    if len(set(value)) != len(value):
        raise _fail(source, "sweep.flips", "names an input twice")
    return tuple(value)


def parse_sweep(text: str, source: str = "<sweep>", *, base_dir: str | Path | None = None) -> Sweep:
    """Parse and validate sweep TOML ``text`` (``source`` names it in errors; relative paths are read from
    ``base_dir``, default: the directory of ``source``). Raises :class:`SweepError`."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _fail(source, "", f"malformed TOML: {str(exc).splitlines()[0]}") from None
    for k in raw:
        if k not in TOP_KEYS:
            raise _fail(source, k, f"unknown key; {_hint(k, list(TOP_KEYS))}")
    schema = raw.get("schema", SCHEMA)
    if schema != SCHEMA or isinstance(schema, bool):
        raise _fail(source, "schema", f"unsupported sweep schema {schema!r}; this minecore reads {SCHEMA}")
    sweep_dir = Path(base_dir) if base_dir is not None else (Path(source).parent if source != "<sweep>" else None)
    table = raw.get("sweep", {})
    if not isinstance(table, dict):
        raise _fail(source, "sweep", "must be a table ([sweep])")
    base_source, base_raw, base_bytes = _base(source, sweep_dir, table.get("scenario", "default"))
    _absolute_snapshot(base_raw, Path(base_source).parent if base_bytes is not None else None)
    from ..reports.scenario import parse_scenario

    base_sc = parse_scenario(_dump_base(base_raw), base_source)  # the base itself must load (its own errors)
    settings = _sweep_table(source, table, base_sc.monte_carlo.seed)
    base = Sweep(name="", source=source, base_source=base_source, base_raw=base_raw, base_lots=len(base_sc.lots),
                 axes=(), cases=(), seed=settings["seed"])

    axes_raw = raw.get("axes", {})
    if not isinstance(axes_raw, dict):
        raise _fail(source, "axes", "must be a table ([axes])")
    axes: list[Axis] = []
    seen: dict[str, str] = {}
    for key_text, value in _flatten_axes(source, axes_raw):
        where = f"axes.{key_text}"
        target = resolve_target(source, where, key_text, base_raw)
        if target.key in seen:
            raise _fail(source, where, f"the same input as axes.{seen[target.key]}")
        seen[target.key] = key_text
        values = _axis_values(source, where, value)
        if target.section == "network" and target.field == "snapshot":
            values = [_snapshot_path(source, where, v, sweep_dir) for v in values]
        checked = values if len(values) <= MAX_VALIDATED_VALUES else [values[0], values[-1]]
        for v in values:
            _type_check(source, where, target, v)
        for v in checked:
            _check(source, f"{where}: value {_show(v)}", base, ((target, v),))
        axes.append(Axis(target, tuple(values)))

    cases_raw = raw.get("case", [])
    if not isinstance(cases_raw, list) or not all(isinstance(c, dict) for c in cases_raw):
        raise _fail(source, "case", "must be an array of tables ([[case]])")
    cases: list[Case] = []
    for i, c in enumerate(cases_raw):
        c = dict(c)
        name = c.pop("name", f"case {i}")
        if not isinstance(name, str) or not name.strip():
            raise _fail(source, f"case[{i}].name", f"must be a non-empty string, got {name!r}")
        if name in [x.name for x in cases]:
            raise _fail(source, f"case[{i}].name", f"repeats the case name {name!r}")
        if not c:
            raise _fail(source, f"case[{i}]", f"case {name!r} sets no scenario input")
        over = []
        for key_text, value in _flatten_case(source, i, c):
            where = f"case[{i}].{key_text}"
            target = resolve_target(source, where, key_text, base_raw)
            if target.key in seen:
                raise _fail(source, where, f"also an axis (axes.{seen[target.key]}): set it in one place")
            if target.section == "network" and target.field == "snapshot":
                value = _snapshot_path(source, where, value, sweep_dir)
            _type_check(source, where, target, value)
            over.append((target, value))
        _check(source, f"case[{i}] ({name})", base, tuple(over))
        cases.append(Case(name.strip(), tuple(over)))
    if not axes and not cases:
        raise _fail(source, "axes", "nothing to sweep: give [axes] or [[case]] tables")

    files = _files(base_source if base_bytes is not None else None, base_raw, axes, cases)
    name = settings.get("name") or (Path(source).stem if source != "<sweep>" else "sweep")
    return dataclasses.replace(base, name=name, axes=tuple(axes), cases=tuple(cases),
                               seed_policy=settings.get("seed_policy", SeedPolicy.PER_POINT),
                               paths=settings["paths"], engine=settings.get("engine", MCEngine.NUMPY),
                               flips=settings.get("flips", ()), flip_tol=settings.get("flip_tol", 1e-3),
                               flip_steps=settings.get("flip_steps", 6), plans=settings.get("plans", PlanRows.AUTO),
                               batch_points=settings.get("batch_points"), files=files)


def _flatten_case(source: str, i: int, c: dict[str, Any]) -> list[tuple[str, Any]]:
    """A case's settings as (key text, value): TOML nests a dotted key (``site.pue = 1.2`` is ``{site: {pue:
    1.2}}``), so a table under a bare section name is a level; a quoted key keeps its value whole."""
    out = []
    for k, v in c.items():
        if isinstance(v, dict) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", k):
            if not v:
                raise _fail(source, f"case[{i}].{k}", "empty table: give the keys to set")
            out += [(f"{k}.{kk}", vv) for kk, vv in v.items()]
        else:
            out.append((k, v))
    return out


def _snapshot_path(source: str, where: str, v: Any, sweep_dir: Path | None) -> Any:
    if not isinstance(v, str):
        return v
    p = Path(v)
    if not p.is_absolute() and sweep_dir is not None:
        p = sweep_dir / p
    if not p.exists():
        raise _fail(source, where, f"no such snapshot file: {p}")
    return str(p.resolve())


def _files(base_path: str | None, base_raw: dict[str, Any], axes: list[Axis], cases: list[Case]):
    import hashlib

    paths = set()
    if base_path:
        paths.add(base_path)
    net = base_raw.get("network")
    if isinstance(net, dict) and isinstance(net.get("snapshot"), str):
        paths.add(net["snapshot"])
    for t, v in [(a.target, v) for a in axes for v in a.values] + [o for c in cases for o in c.overrides]:
        if t.section == "network" and t.field == "snapshot" and isinstance(v, str):
            paths.add(v)
    out = []
    for p in sorted(paths):
        try:
            out.append((p, hashlib.sha256(Path(p).read_bytes()).hexdigest()))
        except OSError:
            out.append((p, "unreadable"))
    return tuple(out)


def _show(v: Any) -> str:
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


def _dump_base(raw: dict[str, Any]) -> str:
    from .points import to_toml

    return to_toml(raw)


def load_sweep(path: str | Path) -> Sweep:
    """Read and validate a sweep file. Raises :class:`SweepError` (one line: file, key, problem)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise SweepError(f"{p}: no such sweep file") from None
    except OSError as exc:
        raise SweepError(f"{p}: cannot read sweep file ({exc.strerror})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SweepError(f"{p}: malformed TOML: the file is not UTF-8 text") from None
    return parse_sweep(text, str(p))
