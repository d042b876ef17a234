"""Scenario files for ``minecore report``: a TOML schema, its validation, and the built-in default.

A scenario says who the operator is (site, power price), what customs held (``[[seized]]`` lots), what
could replace them (``[[option]]``: replacement options), what already runs (``[[fleet]]``), how the network is
assumed to move (``[network]``) and how the uncertainty is sampled (``[monte_carlo]``,
``[sensitivity]``). The full schema with every key, unit and default is in README.md, "Scenario files".

Every problem raises :class:`~minecore.errors.ScenarioError` with one line naming the file, the key and
what is wrong, e.g. ``examples/x.toml: seized[2].count: must be an integer >= 0, got -5``.

This module only parses and checks; it computes nothing. Model names are checked against the hardware
catalog so that a typo is caught before any work is done.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import difflib
import math
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ScenarioError

BUILTIN_SOURCE = "built-in default scenario"


# ------------------------------------------------------------------------------------------ records


@dataclass(frozen=True)
class SiteSpec:
    """Where the machines run.

    power_price_usd_per_kwh [USD/kWh]; pue [ratio >= 1]; pool_fee [decimal]; uptime [decimal];
    hosting_usd_per_kwh [USD/kWh] on top of power; power_cap_mw [MW] or None for no cap.
    """

    power_price_usd_per_kwh: float = 0.05
    pue: float = 1.10
    pool_fee: float = 0.02
    uptime: float = 0.97
    hosting_usd_per_kwh: float = 0.0
    power_cap_mw: float | None = None


@dataclass(frozen=True)
class NetworkSpec:
    """Network assumptions: optional snapshot file, field overrides and projections.

    overrides : snapshot fields replaced (``date``, ``difficulty``, ``btc_price_usd``,
    ``fees_btc_per_block``, ``block_height``); difficulty_growth_per_month [decimal/month];
    btc_price_growth_per_year [decimal/year].
    """

    snapshot_path: str | None = None
    overrides: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    difficulty_growth_per_month: float = 0.02
    btc_price_growth_per_year: float = 0.0


@dataclass(frozen=True)
class SeizedLotSpec:
    """A lot held by customs.

    count [units]; days_held [days] so far; price_usd [USD/unit] what a unit is worth new, the base of its
    resale value (None: catalog price, else the economics' assumed $/TH tier); price_source: where the
    scenario's price_usd comes from (shown next to the price, which the report labels a scenario assumption);
    holding_fee_usd_per_unit_day [USD/unit/day] (None: economics
    default); legal_costs_usd [USD] spent so far (sunk); legal_costs_future_usd [USD] still to pay to get
    the lot back; median_hold_days [days] of the release model's total hold (None: economics default);
    forfeiture_probability [decimal] that the lot is never released; redeploy_delay_days [days] from
    release to hashing; release_costs_usd_per_unit [USD/unit] due on release.
    """

    name: str
    model: str
    count: int
    days_held: int
    price_usd: float | None = None
    price_source: str | None = None
    holding_fee_usd_per_unit_day: float | None = None
    legal_costs_usd: float = 0.0
    legal_costs_future_usd: float = 0.0
    median_hold_days: float | None = None
    forfeiture_probability: float = 0.0
    redeploy_delay_days: int = 7
    release_costs_usd_per_unit: float = 0.0


@dataclass(frozen=True)
class OptionSpec:
    """A replacement option: a machine to buy now.

    count [units] or budget_usd [USD] (neither: enough units to match each lot's hashrate);
    price_usd [USD/unit] (None: catalog price, else the economics' assumed $/TH tier); price_source: where
    the scenario's price_usd comes from; origin_country sets the tariff (None: catalog country of
    assembly); tariff_rate [decimal] overrides the tariff table; lead_time_days [days];
    freight_usd_per_unit [USD/unit].
    """

    name: str
    model: str
    count: int | None = None
    budget_usd: float | None = None
    price_usd: float | None = None
    price_source: str | None = None
    origin_country: str | None = None
    tariff_rate: float | None = None
    lead_time_days: int = 30
    freight_usd_per_unit: float = 0.0


@dataclass(frozen=True)
class FleetSpec:
    """Machines already running at the site."""

    model: str
    count: int


@dataclass(frozen=True)
class MonteCarloSpec:
    """Monte Carlo settings: paths, seed, BTC price GBM and difficulty-growth noise (decimals)."""

    enabled: bool = True
    paths: int = 2000
    seed: int = 2025
    btc_volatility_per_year: float = 0.50
    btc_drift_per_year: float = 0.0
    difficulty_growth_sd_per_month: float = 0.01
    price_difficulty_correlation: float = 0.5


@dataclass(frozen=True)
class SensitivitySpec:
    """Low/high values each sensitivity input is moved to (others stay at base).

    power_price_usd_per_kwh [USD/kWh]; btc_price_change [decimal change from the snapshot price];
    difficulty_growth_per_month [decimal/month]; hold_scale [x every hold length of the release model].
    """

    power_price_usd_per_kwh: tuple[float, float] = (0.03, 0.08)
    btc_price_change: tuple[float, float] = (-0.30, 0.30)
    difficulty_growth_per_month: tuple[float, float] = (0.0, 0.04)
    hold_scale: tuple[float, float] = (0.5, 2.0)


@dataclass(frozen=True)
class Scenario:
    """A validated scenario. ``source`` is the file it came from, or :data:`BUILTIN_SOURCE`."""

    name: str
    source: str
    horizon_days: int
    discount_rate_per_year: float
    analysis_date: _dt.date | None
    strategies: tuple[str, ...] | None
    partial_fraction: float
    site: SiteSpec
    network: NetworkSpec
    seized: tuple[SeizedLotSpec, ...]
    options: tuple[OptionSpec, ...]
    fleet: tuple[FleetSpec, ...] = ()
    monte_carlo: MonteCarloSpec = MonteCarloSpec()
    sensitivity: SensitivitySpec = SensitivitySpec()

    def with_monte_carlo(self, *, paths: int | None = None, seed: int | None = None) -> "Scenario":
        """Copy with the Monte Carlo path count and/or seed replaced (the CLI's ``--paths``/``--seed``)."""
        mc = self.monte_carlo
        if paths is not None:
            if isinstance(paths, bool) or not isinstance(paths, int) or paths < 0:
                raise ScenarioError(f"--paths must be an integer >= 0, got {paths!r}")
            mc = dataclasses.replace(mc, paths=paths, enabled=paths > 0)
        if seed is not None:
            if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
                raise ScenarioError(f"--seed must be an integer >= 0, got {seed!r}")
            mc = dataclasses.replace(mc, seed=seed)
        return dataclasses.replace(self, monte_carlo=mc)


# ------------------------------------------------------------------------------------------ checks


class _Ctx:
    """Where we are in the file, for error messages."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, problem: str) -> ScenarioError:
        return ScenarioError(f"{self.source}: {key}: {problem}" if key else f"{self.source}: {problem}")


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, (_dt.date, _dt.datetime)):
        return "a date"
    return type(value).__name__


Check = Callable[[_Ctx, str, Any], Any]


def _number(lo: float | None = None, hi: float | None = None, *, lo_open: bool = False) -> Check:
    def check(ctx: _Ctx, key: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ctx.fail(key, f"must be a number, got {_kind(value)} ({value!r})")
        x = float(value)
        if not math.isfinite(x):
            raise ctx.fail(key, f"must be a finite number, got {value!r}")
        if lo is not None and (x <= lo if lo_open else x < lo):
            raise ctx.fail(key, f"must be {'>' if lo_open else '>='} {lo:g}, got {value!r}")
        if hi is not None and x > hi:
            raise ctx.fail(key, f"must be <= {hi:g}, got {value!r}")
        return x

    return check


def _integer(lo: int | None = 0) -> Check:
    def check(ctx: _Ctx, key: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (
            isinstance(value, float) and not value.is_integer()
        ):
            raise ctx.fail(key, f"must be an integer, got {_kind(value)} ({value!r})")
        n = int(value)
        if lo is not None and n < lo:
            raise ctx.fail(key, f"must be an integer >= {lo}, got {value!r}")
        return n

    return check


def _string(ctx: _Ctx, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ctx.fail(key, f"must be a non-empty string, got {_kind(value)} ({value!r})")
    return value.strip()


def _boolean(ctx: _Ctx, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ctx.fail(key, f"must be true or false, got {_kind(value)} ({value!r})")
    return value


def _date(ctx: _Ctx, key: str, value: Any) -> _dt.date:
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ctx.fail(key, f"must be a date like 2025-11-25, got {_kind(value)} ({value!r})")


def _pair(lo: float | None = None) -> Check:
    inner = _number(lo)

    def check(ctx: _Ctx, key: str, value: Any) -> tuple[float, float]:
        if not isinstance(value, list) or len(value) != 2:
            raise ctx.fail(key, f"must be an array [low, high] of two numbers, got {value!r}")
        a = inner(ctx, f"{key}[0]", value[0])
        b = inner(ctx, f"{key}[1]", value[1])
        if a > b:
            raise ctx.fail(key, f"low must not exceed high, got [{a:g}, {b:g}]")
        return (a, b)

    return check


#: strategy keys of minecore.economics.seizure.Strategy (kept here so that --help never imports numpy)
STRATEGY_KEYS = ("wait_and_redeploy", "sell_on_release", "replace_now", "replace_and_sell_on_release",
                 "replace_and_redeploy", "partial_replace", "abandon")


def _strategies(ctx: _Ctx, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ctx.fail(key, f"must be a non-empty array of strategy names, got {_kind(value)} ({value!r})")
    out = []
    for i, v in enumerate(value):
        if v not in STRATEGY_KEYS:
            close = difflib.get_close_matches(str(v), STRATEGY_KEYS, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(STRATEGY_KEYS)}"
            raise ctx.fail(f"{key}[{i}]", f"unknown strategy {v!r}; {hint}")
        out.append(v)
    return tuple(out)


_NETWORK_OVERRIDES: dict[str, Check] = {
    "date": _date,
    "difficulty": _number(0, lo_open=True),
    "btc_price_usd": _number(0, lo_open=True),
    "fees_btc_per_block": _number(0),
    "block_height": _integer(0),
}

#: section -> key -> (check, required)
_SCHEMA: dict[str, dict[str, tuple[Check, bool]]] = {
    "scenario": {
        "name": (_string, False),
        "horizon_days": (_integer(1), False),
        "discount_rate_per_year": (_number(-0.99, 10.0), False),
        "analysis_date": (_date, False),
        "strategies": (_strategies, False),
        "partial_fraction": (_number(0, 1, lo_open=True), False),
    },
    "site": {
        "power_price_usd_per_kwh": (_number(0), False),
        "pue": (_number(1.0, 5.0), False),
        "pool_fee": (_number(0, 1), False),
        "uptime": (_number(0, 1), False),
        "hosting_usd_per_kwh": (_number(0), False),
        "power_cap_mw": (_number(0, lo_open=True), False),
    },
    "network": {
        "snapshot": (_string, False),
        "difficulty_growth_per_month": (_number(-0.5, 1.0), False),
        "btc_price_growth_per_year": (_number(-0.99, 10.0), False),
        **{k: (c, False) for k, c in _NETWORK_OVERRIDES.items()},
    },
    "seized": {
        "name": (_string, False),
        "model": (_string, True),
        "count": (_integer(1), True),
        "days_held": (_integer(0), True),
        "price_usd": (_number(0), False),
        "price_source": (_string, False),
        "holding_fee_usd_per_unit_day": (_number(0), False),
        "legal_costs_usd": (_number(0), False),
        "legal_costs_future_usd": (_number(0), False),
        "median_hold_days": (_number(0, lo_open=True), False),
        "forfeiture_probability": (_number(0, 1), False),
        "redeploy_delay_days": (_integer(0), False),
        "release_costs_usd_per_unit": (_number(0), False),
    },
    "option": {
        "name": (_string, False),
        "model": (_string, True),
        "count": (_integer(1), False),
        "budget_usd": (_number(0, lo_open=True), False),
        "price_usd": (_number(0), False),
        "price_source": (_string, False),
        "origin_country": (_string, False),
        "tariff_rate": (_number(0, 5), False),
        "lead_time_days": (_integer(0), False),
        "freight_usd_per_unit": (_number(0), False),
    },
    "fleet": {
        "model": (_string, True),
        "count": (_integer(0), True),
    },
    "monte_carlo": {
        "enabled": (_boolean, False),
        "paths": (_integer(0), False),
        "seed": (_integer(0), False),
        "btc_volatility_per_year": (_number(0, 5), False),
        "btc_drift_per_year": (_number(-1, 5), False),
        "difficulty_growth_sd_per_month": (_number(0, 1), False),
        "price_difficulty_correlation": (_number(-1, 1), False),
    },
    "sensitivity": {
        "power_price_usd_per_kwh": (_pair(0), False),
        "btc_price_change": (_pair(-0.99), False),
        "difficulty_growth_per_month": (_pair(-0.5), False),
        "hold_scale": (_pair(0.01), False),
    },
}

_ARRAYS = {"seized", "option", "fleet"}  # [[section]] arrays of tables
_TOP_LEVEL = set(_SCHEMA) - {"scenario"} | {"schema", "scenario"}


def _unknown(ctx: _Ctx, key: str, name: str, known: list[str]) -> ScenarioError:
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(sorted(known))}"
    return ctx.fail(key, f"unknown key; {hint}")


def _table(ctx: _Ctx, section: str, label: str, data: Any) -> dict[str, Any]:
    """Check one table against its section's schema; return {key: checked value}."""
    if not isinstance(data, dict):
        raise ctx.fail(label, f"must be a table, got {_kind(data)}")
    spec = _SCHEMA[section]
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key not in spec:
            raise _unknown(ctx, f"{label}.{key}", key, list(spec))
        out[key] = spec[key][0](ctx, f"{label}.{key}", value)
    for key, (_check, required) in spec.items():
        if required and key not in data:
            raise ctx.fail(f"{label}.{key}", "missing required key")
    return out


def _array(ctx: _Ctx, section: str, data: Any) -> list[dict[str, Any]]:
    if not isinstance(data, list):
        raise ctx.fail(section, f"must be an array of tables ([[{section}]]), got {_kind(data)}")
    return [_table(ctx, section, f"{section}[{i + 1}]", item) for i, item in enumerate(data)]


def _check_models(ctx: _Ctx, doc: Scenario, catalog: Any) -> None:
    """Every model name must resolve in the catalog; the error keeps the catalog's 'did you mean'."""
    from ..errors import UnknownModelError

    if catalog is None:
        from ..hardware import default_catalog

        catalog = default_catalog()
    entries = [(f"seized[{i + 1}].model", s.model) for i, s in enumerate(doc.seized)]
    entries += [(f"option[{i + 1}].model", r.model) for i, r in enumerate(doc.options)]
    entries += [(f"fleet[{i + 1}].model", f.model) for i, f in enumerate(doc.fleet)]
    for key, name in entries:
        try:
            model = catalog.get(name)
        except UnknownModelError as exc:
            raise ctx.fail(key, str(exc).splitlines()[0]) from None
        if getattr(model, "hashrate_ths", None) is None or getattr(model, "power_w", None) is None:
            raise ctx.fail(key, f"model {name!r} has no nameplate hashrate/power in the catalog; "
                                "add them with a catalog file (--catalog)")


def parse_scenario(text: str, source: str = "<scenario>", *, catalog: Any = None, check_models: bool = True) -> Scenario:
    """Parse and validate scenario TOML ``text``; ``source`` names it in error messages.

    Raises :class:`ScenarioError` (one line: source, key, problem).
    """
    ctx = _Ctx(source)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ctx.fail("", f"malformed TOML: {str(exc).splitlines()[0]}") from None
    for key in raw:
        if key not in _TOP_LEVEL:
            raise _unknown(ctx, key, key, sorted(_TOP_LEVEL))
    if "schema" in raw and raw["schema"] != 1:
        raise ctx.fail("schema", f"unsupported scenario schema {raw['schema']!r}; this minecore reads schema = 1")
    for section in _SCHEMA:
        if section in raw and section not in _ARRAYS and not isinstance(raw[section], dict):
            raise ctx.fail(section, f"must be a table ([{section}]), got {_kind(raw[section])}")

    head = _table(ctx, "scenario", "scenario", raw.get("scenario", {}))
    site = SiteSpec(**_table(ctx, "site", "site", raw.get("site", {})))
    net = _table(ctx, "network", "network", raw.get("network", {}))
    overrides = {k: net.pop(k) for k in list(net) if k in _NETWORK_OVERRIDES}
    snapshot_path = net.pop("snapshot", None)
    if snapshot_path is not None and source != BUILTIN_SOURCE and not Path(snapshot_path).is_absolute():
        snapshot_path = str((Path(source).parent / snapshot_path))
    network = NetworkSpec(snapshot_path=snapshot_path, overrides=overrides, **net)

    if "seized" not in raw:
        raise ctx.fail("seized", "missing required key: at least one [[seized]] lot")
    seized = []
    for i, lot in enumerate(_array(ctx, "seized", raw["seized"])):
        lot.setdefault("name", f"{lot['model']} lot" if len(raw["seized"]) == 1 else f"{lot['model']} lot {i + 1}")
        seized.append(SeizedLotSpec(**lot))
    if not seized:
        raise ctx.fail("seized", "needs at least one [[seized]] lot")
    names = [s.name for s in seized]
    if len(set(names)) != len(names):
        raise ctx.fail("seized", "lot names must be unique; give each [[seized]] a distinct name")

    options = []
    for i, rep in enumerate(_array(ctx, "option", raw.get("option", []))):
        label = f"option[{i + 1}]"
        if "count" in rep and "budget_usd" in rep:
            raise ctx.fail(label, "give count or budget_usd, not both")
        rep.setdefault("name", rep["model"])
        options.append(OptionSpec(**rep))
    rnames = [r.name for r in options]
    if len(set(rnames)) != len(rnames):
        raise ctx.fail("option", "option names must be unique; give each [[option]] a distinct name")

    fleet = tuple(FleetSpec(**f) for f in _array(ctx, "fleet", raw.get("fleet", [])))
    mc = MonteCarloSpec(**_table(ctx, "monte_carlo", "monte_carlo", raw.get("monte_carlo", {})))
    sens = SensitivitySpec(**_table(ctx, "sensitivity", "sensitivity", raw.get("sensitivity", {})))

    doc = Scenario(
        name=head.get("name", Path(source).stem if source != BUILTIN_SOURCE else "default"),
        source=source,
        horizon_days=head.get("horizon_days", 730),
        discount_rate_per_year=head.get("discount_rate_per_year", 0.10),
        analysis_date=head.get("analysis_date"),
        strategies=head.get("strategies"),
        partial_fraction=head.get("partial_fraction", 0.5),
        site=site,
        network=network,
        seized=tuple(seized),
        options=tuple(options),
        fleet=fleet,
        monte_carlo=mc,
        sensitivity=sens,
    )
    if check_models:
        _check_models(ctx, doc, catalog)
    return doc


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
