"""Scenario files for ``minecore report``: a TOML loader into the economics' input model.

A scenario file says who the operator is (``[site]``), what customs held (``[[seized]]`` lots), what could
replace them (``[[option]]``), what already runs (``[[fleet]]``), how the network is assumed to move
(``[network]``) and how the uncertainty is sampled (``[monte_carlo]``, ``[sensitivity]``). Each key is a
field of :mod:`minecore.economics.inputs` (or of a record it holds) with the same name, unit, range and default:
:data:`KEYS` maps every key to its field, and ``docs/scenario.md`` is generated from that map
(:func:`schema_markdown`), so the file format, the model and the docs cannot drift apart.

Every problem raises :class:`~minecore.errors.ScenarioError` with one line naming the file, the key and what is
wrong, e.g. ``examples/x.toml: seized[2].units: must be >= 1, got -5``.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import difflib
import re
import tomllib
from pathlib import Path
from typing import Any

from ..economics.inputs import (FleetEntry, MonteCarloParams, ReplacementOption, Scenario, SeizedLot, SensitivityRanges,
                                SENSITIVITY_INPUTS, Strategy)
from ..economics.network import NetworkProjection
from ..economics.snapshot import NetworkSnapshot, default_snapshot, load_snapshot
from ..economics.release import ReleaseModel
from ..economics.site import OperatingCosts
from ..economics.spec import MachineSpec
from ..economics.tax import TaxAssumptions
from ..economics.valuation import Valuation
from ..errors import InvalidInputError, ScenarioError
from ..hardware.chip_model import OperatingConditions
from ..validate import check_value, text

BUILTIN_SOURCE = "built-in default scenario"
#: keys of [[seized]], [[option]] and [[fleet]] that put a machine at an operating point of its hardware twin
OPERATING_KEYS = {f.name: (OperatingConditions, f.name) for f in dataclasses.fields(OperatingConditions)}
SCHEMA = 2  #: the scenario schema this minecore writes; schema 1 files are read with their old key names

#: section -> key -> (record class, field name): where each key of a scenario file lands in the model.
#: ``None`` as the class marks a key the loader itself handles (a model name, a file path, a list).
KEYS: dict[str, dict[str, tuple[type | None, str]]] = {
    "scenario": {k: (Scenario, k) for k in ("name", "horizon_days", "discount_rate_per_year", "analysis_date",
                                            "partial_fraction")} | {"strategies": (None, "strategies")},
    "site": {k: (OperatingCosts, k) for k in ("power_price_usd_per_kwh", "pue", "pool_fee", "availability",
                                              "hashrate_efficiency", "hosting_usd_per_kwh", "hosting_usd_per_month",
                                              "power_cap_mw", "shutdown_when_unprofitable")},
    "network": {"snapshot": (None, "snapshot file"),
                **{k: (NetworkSnapshot, k) for k in ("date", "difficulty", "btc_price_usd", "fees_btc_per_block",
                                                     "block_height")},
                **{k: (NetworkProjection, k) for k in ("difficulty_growth_per_month", "btc_price_growth_per_year")}},
    "seized": {"model": (None, "machine"), "price_usd": (MachineSpec, "price_usd"),
               "price_source": (None, "price_source"),
               **{k: (SeizedLot, k) for k in ("name", "units", "days_held", "hold_start",
                                              "holding_fee_usd_per_unit_day", "legal_costs_usd",
                                              "legal_costs_future_usd", "redeploy_delay_days",
                                              "release_costs_usd_per_unit", "entry_duty_rate",
                                              "reexport_freight_usd_per_unit", "reexport_price_discount",
                                              "resale_quote_usd", "resale_quote_source", "age_days_at_hold_start")},
               **{k: (ReleaseModel, k) for k in ("median_hold_days", "sigma_log", "forfeiture_probability")},
               **OPERATING_KEYS},
    "option": {"model": (None, "machine"),
               **{k: (ReplacementOption, k) for k in ("name", "units", "budget_usd", "price_usd", "price_source",
                                                      "origin_country", "tariff_rate", "lead_time_days",
                                                      "freight_usd_per_unit")},
               **OPERATING_KEYS},
    "fleet": {"model": (None, "machine"), "units": (FleetEntry, "units"),
              "from_telemetry": (None, "telemetry fleet file"), **OPERATING_KEYS},
    "monte_carlo": {k: (MonteCarloParams, k) for k in ("paths", "seed", "btc_volatility_per_year",
                                                       "btc_drift_per_year", "difficulty_growth_sd_per_month",
                                                       "price_difficulty_correlation",
                                                       "difficulty_adjustment_per_epoch")},
    "sensitivity": {k: (SensitivityRanges, k) for k in SENSITIVITY_INPUTS},
    "valuation": {f.name: (Valuation, f.name) for f in dataclasses.fields(Valuation)},
    "tax": {f.name: (TaxAssumptions, f.name) for f in dataclasses.fields(TaxAssumptions)},
}
REQUIRED = {"seized": ("model", "units"), "option": ("model",), "fleet": ("model", "units")}
#: declared model fields a scenario file does not set, and why (a test checks every other one has a key)
API_ONLY = {
    "OperatingCosts.curtailment": "a nested record (planned downtime); Python API only",
    "ReleaseModel.kind": "files use the log-normal model; ReleaseModel.fixed() from Python",
    "ReleaseModel.fixed_hold_days": "see ReleaseModel.kind",
    "MonteCarloParams.random_release": "Python API only (tests, what-if)",
    "MonteCarloParams.engine": "reports always use the numpy engine (no JIT)",
    "MachineSpec.name": "set by [[seized]].model / [[option]].model from the catalog",
    "MachineSpec.hashrate_ths": "from the catalog (--catalog FILE for your own figures)",
    "MachineSpec.power_w": "from the catalog",
    "MachineSpec.origin_country": "from the catalog; [[option]].origin_country overrides it",
}
ARRAYS = ("seized", "option", "fleet")  #: [[section]] arrays of tables
#: keys renamed in schema 2 (a schema 1 file is read with the old names)
RENAMED = {"count": "units", "uptime": "availability"}


def _fail(source: str, key: str, problem: str) -> ScenarioError:
    return ScenarioError(f"{source}: {key}: {problem}" if key else f"{source}: {problem}")


def _meta(cls: type | None, name: str) -> dict[str, Any] | None:
    if cls is None or not dataclasses.is_dataclass(cls):
        return None
    f = {f.name: f for f in dataclasses.fields(cls)}.get(name)
    return None if f is None else f.metadata.get("minecore")


def _table(source: str, section: str, label: str, data: Any, schema: int) -> dict[str, Any]:
    """Check one table: known keys, each value against its field's declaration. Returns {key: clean value}."""
    if not isinstance(data, dict):
        raise _fail(source, label, f"must be a table, got {type(data).__name__}")
    keys = KEYS[section]
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in RENAMED and RENAMED[key] in keys:
            if schema == 1:
                key = RENAMED[key]
            else:
                raise _fail(source, f"{label}.{key}", f"renamed to {RENAMED[key]!r} in scenario schema {SCHEMA}")
        if key not in keys:
            close = difflib.get_close_matches(key, list(keys), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(sorted(keys))}"
            raise _fail(source, f"{label}.{key}", f"unknown key; {hint}")
        cls, field = keys[key]
        meta = _meta(cls, field)
        try:
            out[key] = check_value(f"{label}.{key}", meta, value, ScenarioError) if meta else value
        except ScenarioError as exc:
            raise _fail(source, "", str(exc)) from None
    for key in REQUIRED.get(section, ()):
        if key not in out:
            raise _fail(source, f"{label}.{key}", "missing required key")
    return out


def _model(source: str, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(source, key, f"must be a model name, got {value!r}")
    return value.strip()


def _build(source: str, label: str, make: Any) -> Any:
    """Call ``make()``; any input error becomes one line naming the file and the table."""
    try:
        return make()
    except InvalidInputError as exc:
        msg = str(exc).splitlines()[0]
        first = re.match(r"([a-z][a-z0-9_]*)(:| must| is)", msg)  # "pue must be ...": name the key, site.pue
        if first and "_" in first.group(1) or first and first.group(1) in ("pue", "units", "name", "seed", "paths"):
            raise _fail(source, "", f"{label}.{msg}") from None
        raise _fail(source, label, msg) from None


def _strategies(source: str, value: Any) -> tuple[Strategy, ...]:
    known = [s.value for s in Strategy]
    if not isinstance(value, list) or not value:
        raise _fail(source, "scenario.strategies", f"must be a non-empty array of strategy names, got {value!r}")
    for i, v in enumerate(value):
        if v not in known:
            close = difflib.get_close_matches(str(v), known, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(known)}"
            raise _fail(source, f"scenario.strategies[{i}]", f"unknown strategy {v!r}; {hint}")
    return tuple(Strategy(v) for v in value)


def _projection(source: str, net: dict[str, Any]) -> NetworkProjection:
    snap = default_snapshot()
    path = net.pop("snapshot", None)
    if path is not None:
        if not isinstance(path, str):
            raise _fail(source, "network.snapshot", f"must be a file path, got {path!r}")
        p = Path(path)
        if source != BUILTIN_SOURCE and not p.is_absolute():
            p = Path(source).parent / p
        snap = _build(source, "network.snapshot", lambda: load_snapshot(p, base=snap))
    overrides = {k: net.pop(k) for k in list(net) if KEYS["network"][k][0] is NetworkSnapshot}
    if overrides:
        snap = _build(source, "network", lambda: snap.with_overrides(**overrides))
    return _build(source, "network", lambda: NetworkProjection(snap, **net))


def _seized(source: str, i: int, t: dict[str, Any], catalog: Any, count: int) -> SeizedLot:
    label = f"seized[{i + 1}]"
    model = _model(source, f"{label}.model", t.pop("model"))
    price, price_source = t.pop("price_usd", None), t.pop("price_source", None)
    if price_source is not None:
        price_source = _build(source, f"{label}.price_source", lambda: text("price_source", price_source))
    operating = _operating(source, label, t)
    machine = _build(source, f"{label}.model", lambda: MachineSpec.from_catalog(
        model, price, catalog, assume_price=True, price_source=price_source, operating=operating))
    release = {k: t.pop(k) for k in list(t) if KEYS["seized"][k][0] is ReleaseModel}
    t.setdefault("name", f"{machine.name} lot" if count == 1 else f"{machine.name} lot {i + 1}")
    if "days_held" not in t and "hold_start" not in t:
        raise _fail(source, f"{label}.days_held", "missing required key (or give hold_start)")
    return _build(source, label, lambda: SeizedLot(machine, release=ReleaseModel(**release), **t))


def _operating(source: str, label: str, t: dict[str, Any]) -> OperatingConditions | None:
    """Pop the operating-point keys of one table into :class:`OperatingConditions` (None when there are none)."""
    given = {k: t.pop(k) for k in list(t) if k in OPERATING_KEYS}
    if not given:
        return None
    return _build(source, label, lambda: OperatingConditions(**given))


def _fleet_entry(source: str, i: int, t: dict[str, Any], catalog: Any) -> FleetEntry:
    label = f"fleet[{i + 1}]"
    name = _model(source, f"{label}.model", t.pop("model"))
    model = _build(source, f"{label}.model", lambda: catalog.get(name))
    operating = _operating(source, label, t)
    if operating is None:
        return _build(source, label, lambda: FleetEntry(model, **t))

    def spec() -> MachineSpec:  # owned machines: a missing country of assembly does not matter (no tariff)
        origin = None if model.assembly_country else "n/a (owned)"
        return MachineSpec.from_model(model, origin_country=origin, operating=operating)

    return _build(source, label, lambda: FleetEntry(spec(), **t))


def _telemetry_fleet(source: str, i: int, t: Any) -> list[FleetEntry]:
    """``[[fleet]] from_telemetry = "fleet.json"``: the machines of a fleet file written by ``minecore fleet import``,
    at their measured hashrate and power."""
    from ..hardware.telemetry import read_fleet_file

    label = f"fleet[{i + 1}]"
    extra = [k for k in t if k != "from_telemetry"]
    if extra:
        raise _fail(source, f"{label}.{extra[0]}", "a from_telemetry fleet entry takes no other key (the file gives "
                                                   "models, units and figures)")
    path = t["from_telemetry"]
    if not isinstance(path, str) or not path.strip():
        raise _fail(source, f"{label}.from_telemetry", f"must be a file path, got {path!r}")
    p = Path(path)
    if source != BUILTIN_SOURCE and not p.is_absolute():
        p = Path(source).parent / p
    fleet = _build(source, f"{label}.from_telemetry", lambda: read_fleet_file(p))
    out = []
    for row in fleet.models:
        if row.units_hashing == 0:
            continue  # nothing of this model hashes: it adds no revenue and no power
        spec = _build(source, f"{label}.from_telemetry", lambda: MachineSpec(
            name=row.name, hashrate_ths=row.hashrate_ths, power_w=row.power_w, origin_country="n/a (owned)",
            key=row.key, price_source="", operating_point=f"measured: {row.basis}"))
        out.append(_build(source, label, lambda: FleetEntry(spec, units=row.units_hashing)))
    return out


def _option(source: str, i: int, t: dict[str, Any], catalog: Any) -> ReplacementOption:
    label = f"option[{i + 1}]"
    model = _model(source, f"{label}.model", t.pop("model"))
    operating = _operating(source, label, t)
    machine = _build(source, label, lambda: MachineSpec.from_catalog(
        model, t.get("price_usd"), catalog, origin_country=t.get("origin_country"), assume_price=True,
        price_source=t.get("price_source"), operating=operating))
    return _build(source, label, lambda: ReplacementOption(machine, **t))


def parse_scenario(text: str, source: str = "<scenario>", *, catalog: Any = None) -> Scenario:
    """Parse and validate scenario TOML ``text`` into a :class:`~minecore.economics.inputs.Scenario`.

    ``source`` names the text in error messages; ``catalog`` resolves model names (default: the built-in one).
    Keys left out take the model's defaults. Raises :class:`ScenarioError` (one line: source, key, problem).
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _fail(source, "", f"malformed TOML: {str(exc).splitlines()[0]}") from None
    schema = raw.pop("schema", SCHEMA)
    if schema not in (1, SCHEMA) or isinstance(schema, bool):
        raise _fail(source, "schema", f"unsupported scenario schema {schema!r}; this minecore reads 1 and {SCHEMA}")
    for key in raw:
        if key not in KEYS:
            close = difflib.get_close_matches(key, list(KEYS), n=1)
            raise _fail(source, key, f"unknown key; did you mean {close[0]!r}?" if close else
                        f"unknown key; known: schema, {', '.join(KEYS)}")
        if key not in ARRAYS and not isinstance(raw[key], dict):
            raise _fail(source, key, f"must be a table ([{key}])")
        if key in ARRAYS and not isinstance(raw[key], list):
            raise _fail(source, key, f"must be an array of tables ([[{key}]])")
    if catalog is None:
        from ..hardware import default_catalog

        catalog = default_catalog()

    def tables(section: str) -> list[dict[str, Any]]:
        return [_table(source, section, f"{section}[{i + 1}]", t, schema) for i, t in enumerate(raw.get(section, []))]

    head = _table(source, "scenario", "scenario", raw.get("scenario", {}), schema)
    if "strategies" in head:
        head["strategies"] = _strategies(source, head["strategies"])
    site = _build(source, "site", lambda: OperatingCosts(**_table(source, "site", "site", raw.get("site", {}), schema)))
    projection = _projection(source, _table(source, "network", "network", raw.get("network", {}), schema))
    if not raw.get("seized"):
        raise _fail(source, "seized", "missing required key: at least one [[seized]] lot")
    seized_tables = tables("seized")
    lots = tuple(_seized(source, i, t, catalog, len(seized_tables)) for i, t in enumerate(seized_tables))
    options = tuple(_option(source, i, t, catalog) for i, t in enumerate(tables("option")))
    fleet = []
    raw_fleet = raw.get("fleet", [])
    for i, t in enumerate(raw_fleet):
        if isinstance(t, dict) and "from_telemetry" in t:
            fleet.extend(_telemetry_fleet(source, i, t))
        else:
            fleet.append(_fleet_entry(source, i, _table(source, "fleet", f"fleet[{i + 1}]", t, schema), catalog))
    mc_table = dict(raw.get("monte_carlo", {}))
    enabled = mc_table.pop("enabled", True)
    if not isinstance(enabled, bool):
        raise _fail(source, "monte_carlo.enabled", f"must be true or false, got {enabled!r}")
    mc = _build(source, "monte_carlo", lambda: MonteCarloParams(
        **_table(source, "monte_carlo", "monte_carlo", mc_table, schema)))
    if not enabled:
        mc = dataclasses.replace(mc, paths=0)
    sens = _build(source, "sensitivity", lambda: SensitivityRanges(
        **{k: tuple(v) if isinstance(v, list) else v
           for k, v in _table(source, "sensitivity", "sensitivity", raw.get("sensitivity", {}), schema).items()}))
    val_table = _table(source, "valuation", "valuation", raw.get("valuation", {}), schema)
    valuation = _build(source, "valuation", lambda: Valuation(**val_table))
    tax = None  # no [tax] section: pre-tax figures (a section, even empty, applies the model's defaults)
    if "tax" in raw:
        tax_table = _table(source, "tax", "tax", raw["tax"], schema)
        tax = _build(source, "tax", lambda: TaxAssumptions(**tax_table))
    head.setdefault("name", Path(source).stem if source != BUILTIN_SOURCE else "default")
    return _build(source, "scenario", lambda: Scenario(lots, options, site=site, projection=projection, fleet=tuple(fleet),
                                                       monte_carlo=mc, sensitivity=sens, valuation=valuation, tax=tax,
                                                       source=source, **head))


def load_scenario(path: str | Path, *, catalog: Any = None) -> Scenario:
    """Read and validate a scenario TOML file. Raises :class:`ScenarioError`."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(f"{p}: no such scenario file") from None
    except OSError as exc:
        raise ScenarioError(f"{p}: cannot read scenario file ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(f"{p}: malformed TOML: the file is not UTF-8 text") from None
    return parse_scenario(text, str(p), catalog=catalog)


def default_scenario(*, catalog: Any = None) -> Scenario:
    """The built-in default scenario (the text of :data:`minecore.reports.defaults.DEFAULT_SCENARIO_TOML`)."""
    from .defaults import DEFAULT_SCENARIO_TOML

    return parse_scenario(DEFAULT_SCENARIO_TOML, BUILTIN_SOURCE, catalog=catalog)


def with_monte_carlo(sc: Scenario, *, paths: int | None = None, seed: int | None = None) -> Scenario:
    """Copy of ``sc`` with the Monte Carlo path count and/or seed replaced (the CLI's ``--paths``/``--seed``)."""
    changes = {k: v for k, v in (("paths", paths), ("seed", seed)) if v is not None}
    if not changes:
        return sc
    try:
        return sc.replace(monte_carlo=dataclasses.replace(sc.monte_carlo, **changes))
    except InvalidInputError as exc:
        raise ScenarioError(f"--{str(exc)}") from None


# ------------------------------------------------------------------------------------------ documentation


def _default_text(cls: type | None, field: str) -> str:
    if cls is None:
        return {"strategies": "all", "snapshot file": "the shipped snapshot", "machine": "required",
                "price_source": "none", "valuation kind": "fmv", "telemetry fleet file": "none"}.get(field, "")
    if cls is NetworkSnapshot:
        v = getattr(default_snapshot(), field)
        return f"shipped snapshot: {v:g}" if isinstance(v, float) else f"shipped snapshot: {v}"
    if cls is Scenario and field == "name":
        return "the file name"
    if cls is TaxAssumptions and field == "federal_rate":
        return "0.21 (without a [tax] section: no tax)"
    f = {f.name: f for f in dataclasses.fields(cls)}[field]
    if f.default is not dataclasses.MISSING:
        value = f.default
    elif f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
        value = f.default_factory()  # type: ignore[misc]
    else:
        return "required"
    if isinstance(value, _dt.date):
        return value.isoformat()
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):
        return "[" + ", ".join(f"{v:g}" for v in value) + "]"
    return str(value.value if hasattr(value, "value") else value)


def schema_rows() -> list[dict[str, str]]:
    """Every key of a scenario file with its model field, unit, range, default and meaning."""
    rows = []
    for section, keys in KEYS.items():
        for key, (cls, field) in keys.items():
            meta = _meta(cls, field) or {}
            doc, unit = meta.get("doc", ""), meta.get("unit", "")
            if cls is SensitivityRanges:
                (lo, hi), unit, doc = SENSITIVITY_INPUTS[field]
                rng = f"[{lo:g}, {hi:g}]"
            else:
                from ..validate import range_text

                rng = range_text(meta) if meta else ""
            if cls is None:
                doc = {"strategies": "strategies to compare (names of minecore.economics.Strategy)",
                       "valuation kind": "fmv (the buyer's present value of future margin) or calendar",
                       "snapshot file": "network snapshot file (TOML/JSON), relative to the scenario file",
                       "machine": "catalog model name or alias (minecore models)",
                       "price_source": "where price_usd comes from, shown next to the price",
                       "telemetry fleet file": "fleet file written by `minecore fleet import` (relative to the "
                                               "scenario file): its models at their measured TH/s and W; the "
                                               "entry takes no other key"}[field]
            elif cls is NetworkSnapshot:
                doc = {"date": "snapshot date", "difficulty": "network difficulty", "btc_price_usd": "BTC price",
                       "fees_btc_per_block": "mean fees per block", "block_height": "block height"}[field]
                unit = {"btc_price_usd": "USD/BTC", "fees_btc_per_block": "BTC", "block_height": "blocks"}.get(field, "")
            elif cls is NetworkProjection:
                doc, unit = {"difficulty_growth_per_month": ("difficulty growth, compounded daily", "decimal/month"),
                             "btc_price_growth_per_year": ("deterministic BTC price growth", "decimal/year")}[field]
            where = "" if cls is None else f"{cls.__name__}.{field}"
            req = key in REQUIRED.get(section, ())
            rows.append({"section": section, "key": key, "field": where, "unit": unit, "range": rng,
                         "default": "required" if req else _default_text(cls, field), "meaning": doc})
    return rows


def schema_markdown() -> str:
    """The scenario schema as Markdown tables (``docs/scenario.md`` is this text; a test keeps them equal)."""
    out = ["# Scenario files", "",
           "Generated from `minecore.reports.scenario.KEYS` and the field declarations of `minecore.economics`",
           "(`python -c \"from minecore.reports.scenario import schema_markdown; print(schema_markdown())\"`);",
           "do not edit by hand. Every key is optional unless its default says \"required\". "
           f"Write `schema = {SCHEMA}` at the top;",
           "a `schema = 1` file is read with its old key names (" +
           ", ".join(f"`{a}` for `{b}`" for a, b in RENAMED.items()) + ").", ""]
    for section in KEYS:
        head = f"[[{section}]]" if section in ARRAYS else f"[{section}]"
        out += [f"## `{head}`", "", "| key | unit | range | default | meaning | model field |",
                "|---|---|---|---|---|---|"]
        for r in schema_rows():
            if r["section"] == section:
                out.append(f"| `{r['key']}` | {r['unit']} | {r['range']} | {r['default']} | {r['meaning']} | "
                           f"{('`' + r['field'] + '`') if r['field'] else ''} |")
        out.append("")
    return "\n".join(out)
