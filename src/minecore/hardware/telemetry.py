"""Fleet telemetry from pyasic: load it, check each machine against its twin, calibrate the power model, and write a
fleet file the economics can use in place of nameplate figures.

pyasic (``github:UpstreamData/pyasic``) reads miners over their APIs and returns one ``MinerData`` per machine;
``MinerData.as_dict()`` / ``as_json()`` give its fields.  This module reads those exports without needing pyasic
installed (``minecore[telemetry]`` installs it to *collect* telemetry):

* **JSON** — a list of ``MinerData`` dicts, ``{"miners": [...]}``, or JSON Lines (one dict per line);
* **CSV** — a header row of ``MinerData`` field names (``MinerData.asdict()`` keys) and one machine per row; nested
  cells (``hashboards``, ``expected_hashrate``, ``device_info``) as pyasic's ``as_csv()`` writes them (Python
  literals) or as JSON.

Fields used: ``ip``, ``device_info``/``make``/``model``, ``hashrate`` (or the sum of the boards'), ``expected_hashrate``,
``wattage``, ``env_temp``, ``expected_hashboards``, ``expected_chips``, ``is_mining``, ``datetime``, and per hashboard
``hashrate``, ``chips``, ``expected_chips``, ``chip_temp``, ``temp``.  A hashrate is a number in TH/s (pyasic's
default unit) or pyasic's ``{"rate": r, "unit": {"value": H/s per unit}}``.

Health: each machine against its twin at its own inlet temperature (``env_temp``; 25 °C when absent): hashrate in
percent of the twin with every board, efficiency in percent (twin J/TH / measured J/TH x 100, with the twin at the
boards found), boards and chips missing.  Status: below 65 % of expected hashrate is *critical* (the A1466
firmware's critical low-hash threshold, d-central), below the makers' -3 % tolerance is *low*.

Calibration, per model with enough machines: a least-squares fit of the measured wall power
``W = static + dynamic x (H / H_twin) + heat x (T_chip - T_ref) x (H / H_twin)`` — static power [W], dynamic power
at the twin's full hashrate [W], and the heat response [W per °C of chip temperature at full load] — next to the
twin's own values.  It needs wattage and hashrate; the heat term also needs chip temperatures that vary.
"""

from __future__ import annotations

import ast
import csv
import datetime as _dt
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

from minecore import validate as V
from minecore.errors import ChipDataUnavailableError, InvalidInputError

__all__ = [
    "CRITICAL_HASHRATE_SHARE",
    "FLEET_SCHEMA",
    "Calibration",
    "FleetFile",
    "FleetModel",
    "HealthRow",
    "MachineTelemetry",
    "calibrate",
    "fleet_file_dict",
    "fleet_health",
    "load_telemetry",
    "read_fleet_file",
    "records_from_pyasic",
    "write_fleet_file",
]

FLEET_SCHEMA = "minecore-fleet-1"
#: Below this share of expected hashrate a machine is critical (Avalon A1466 firmware: low-hash warning escalates to
#: critical below 65 % of nameplate for over an hour; d-central A1466 troubleshooting page, undated).
CRITICAL_HASHRATE_SHARE = 0.65
#: Chip temperature estimate from a board sensor when no chip sensor is reported [°C above board] (LuxOS docs).
_CHIP_OVER_BOARD_C = 15.0
_WM_VERSION = re.compile(r"\s+V[A-Z0-9]{2,3}$", re.IGNORECASE)


# ---------------------------------------------------------------------------------------------- records


@dataclass(frozen=True)
class MachineTelemetry:
    """One machine's telemetry, normalised (units in the names)."""

    ip: str
    make: str | None
    model_text: str
    hashrate_ths: float | None
    expected_hashrate_ths: float | None
    wattage_w: float | None
    env_temp_c: float | None
    chip_temp_c: float | None
    chip_temp_estimated: bool
    boards_expected: int | None
    boards_found: int
    chips_expected: int | None
    chips_found: int | None
    is_mining: bool
    timestamp: str | None = None
    model_key: str | None = None
    model_name: str | None = None


@dataclass(frozen=True)
class HealthRow:
    """One machine against its twin (see the module docstring)."""

    ip: str
    model: str
    twin: str | None
    measured_ths: float | None
    twin_ths: float | None
    hashrate_pct: float | None
    measured_w: float | None
    twin_w: float | None
    efficiency_pct: float | None
    boards_missing: int | None
    chips_missing: int | None
    inlet_c: float
    status: str


@dataclass(frozen=True)
class Calibration:
    """Fitted power model of one model's machines, with the twin's values beside it (W, W per °C)."""

    model: str
    key: str
    machines: int
    static_w: float | None
    dynamic_w: float | None
    heat_w_per_c: float | None
    rmse_w: float | None
    r2: float | None
    twin_static_w: float
    twin_dynamic_w: float
    twin_heat_w_per_c: float
    note: str = ""


@dataclass(frozen=True)
class FleetModel:
    """One model of a fleet file: units, measured per-unit figures over the units that hash, and their basis."""

    key: str
    name: str
    units_total: int
    units_hashing: int
    hashrate_ths: float
    power_w: float
    basis: str
    calibration: dict = field(default_factory=dict)

    @property
    def efficiency_j_per_th(self) -> float:
        return self.power_w / self.hashrate_ths


@dataclass(frozen=True)
class FleetFile:
    """A fleet file written by ``minecore fleet import``."""

    path: str
    source: str
    generated: str
    models: tuple[FleetModel, ...]
    machines: tuple[dict, ...] = ()


# ---------------------------------------------------------------------------------------------- parsing


def _literal(value: Any) -> Any:
    """A cell as pyasic writes it: Python literal or JSON for nested values; numbers and text pass through."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text in ("", "None", "null"):
        return None
    if text in ("True", "true"):
        return True
    if text in ("False", "false"):
        return False
    if text[:1] in "[{(":
        try:
            return ast.literal_eval(text)
        except (ValueError, SyntaxError):
            try:
                return json.loads(text)
            except ValueError:
                return text
    try:
        return float(text) if any(c in text for c in ".eE") else int(text)
    except ValueError:
        return text


def _ths(value: Any, name: str) -> float | None:
    """A hashrate [TH/s] from a number (TH/s) or pyasic's ``{"rate": r, "unit": {"value": H/s per unit}}``."""
    value = _literal(value)
    if value is None:
        return None
    if isinstance(value, dict):
        rate = value.get("rate")
        unit = value.get("unit")
        per = unit.get("value") if isinstance(unit, dict) else (1e12 if unit is None else unit)
        if rate is None:
            return None
        return V.non_negative(name, rate) * V.positive(f"{name} unit", per) / 1e12
    if isinstance(value, str):
        m = re.match(r"^\s*([0-9.eE+-]+)\s*([KMGTPE]?)H/s\s*$", value)
        if not m:
            raise InvalidInputError(f"{name}: cannot read hashrate {value!r}")
        scale = {"": 1e-12, "K": 1e-9, "M": 1e-6, "G": 1e-3, "T": 1.0, "P": 1e3, "E": 1e6}[m.group(2)]
        return float(m.group(1)) * scale
    return V.non_negative(name, value)


def _num(value: Any, name: str) -> float | None:
    value = _literal(value)
    if value is None:
        return None
    return V.finite(name, value)


def _record(raw: dict, where: str) -> MachineTelemetry:
    if not isinstance(raw, dict):
        raise InvalidInputError(f"{where}: expected a MinerData object, got {type(raw).__name__}")
    raw = {k: _literal(v) for k, v in raw.items()}
    info = raw.get("device_info") if isinstance(raw.get("device_info"), dict) else {}
    make = raw.get("make") or info.get("make")
    model = raw.get("model") or info.get("model")
    if not model:
        raise InvalidInputError(f"{where}: no model (device_info.model or model)")
    boards = raw.get("hashboards") or []
    if not isinstance(boards, list):
        raise InvalidInputError(f"{where}: hashboards must be a list, got {type(boards).__name__}")
    board_ths = [_ths(b.get("hashrate"), f"{where}.hashboards[{i}].hashrate") for i, b in enumerate(boards)
                 if isinstance(b, dict)]
    hashrate = _ths(raw.get("hashrate"), f"{where}.hashrate")
    if hashrate is None and any(h is not None for h in board_ths):
        hashrate = sum(h for h in board_ths if h is not None)
    chips = [b.get("chips") for b in boards if isinstance(b, dict)]
    chips_found = sum(int(c) for c in chips if c is not None) if any(c is not None for c in chips) else None
    found = sum(1 for b, h in zip(boards, board_ths) if (b.get("chips") or 0) > 0 or (h or 0) > 0)
    chip_temps = [_num(b.get("chip_temp"), f"{where}.chip_temp") for b in boards if isinstance(b, dict)]
    chip_temps = [t for t in chip_temps if t is not None and t > 0]
    estimated = False
    if not chip_temps:
        board_temps = [_num(b.get("temp"), f"{where}.temp") for b in boards if isinstance(b, dict)]
        chip_temps = [t + _CHIP_OVER_BOARD_C for t in board_temps if t is not None and t > 0]
        estimated = bool(chip_temps)
    expected_chips = raw.get("expected_chips")
    if expected_chips is None and boards and all(isinstance(b, dict) and b.get("expected_chips") for b in boards):
        expected_chips = sum(int(b["expected_chips"]) for b in boards)
    exp_boards = raw.get("expected_hashboards")
    return MachineTelemetry(
        ip=str(raw.get("ip") or where),
        make=str(make) if make else None,
        model_text=str(model),
        hashrate_ths=hashrate,
        expected_hashrate_ths=_ths(raw.get("expected_hashrate"), f"{where}.expected_hashrate"),
        wattage_w=_num(raw.get("wattage"), f"{where}.wattage"),
        env_temp_c=_num(raw.get("env_temp"), f"{where}.env_temp"),
        chip_temp_c=sum(chip_temps) / len(chip_temps) if chip_temps else None,
        chip_temp_estimated=estimated,
        boards_expected=int(exp_boards) if exp_boards is not None else None,
        boards_found=found,
        chips_expected=int(expected_chips) if expected_chips is not None else None,
        chips_found=chips_found,
        is_mining=bool(raw.get("is_mining", True)),
        timestamp=str(raw.get("datetime")) if raw.get("datetime") else None,
    )


def _rows_from_text(text: str, path: str) -> list[dict]:
    stripped = text.lstrip()
    if not stripped:
        return []
    if stripped.startswith(("[", "{")):
        try:
            doc = json.loads(text)
        except ValueError:
            doc = None
        if doc is not None:
            rows = doc.get("miners") if isinstance(doc, dict) and "miners" in doc else doc
            if isinstance(rows, dict):
                rows = [rows]
            if not isinstance(rows, list):
                raise InvalidInputError(f"{path}: JSON must be a list of MinerData objects or {{\"miners\": [...]}}")
            return rows
        try:  # JSON Lines
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError as exc:
            raise InvalidInputError(f"{path}: not JSON or JSON Lines ({exc})") from None
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames or "ip" not in reader.fieldnames:
        raise InvalidInputError(f"{path}: CSV needs a header row of MinerData field names (with 'ip')")
    return list(reader)


def load_telemetry(path: str | Path, catalog: Any = None) -> list[MachineTelemetry]:
    """Read a pyasic export (JSON, JSON Lines or CSV) into :class:`MachineTelemetry` records, each matched to a
    catalog model where one fits (``model_key``; Whatsminer hardware-version suffixes such as ``VK10`` are ignored).

    Raises :class:`~minecore.errors.InvalidInputError` naming the file and the record for any problem.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInputError(f"{p}: no such telemetry file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"{p}: cannot read telemetry ({exc})") from None
    rows = _rows_from_text(text, str(p))
    if not rows:
        raise InvalidInputError(f"{p}: no machines in the file")
    return match_models([_record(r, f"{p}: machine {i + 1}") for i, r in enumerate(rows)], catalog)


def records_from_pyasic(data: Iterable[Any], catalog: Any = None) -> list[MachineTelemetry]:
    """Records from pyasic ``MinerData`` objects (or their dicts) already in memory."""
    rows = [d.as_dict() if hasattr(d, "as_dict") else d for d in data]
    rows = [json.loads(json.dumps(r, default=str)) for r in rows]
    return match_models([_record(r, f"machine {i + 1}") for i, r in enumerate(rows)], catalog)


def match_models(records: list[MachineTelemetry], catalog: Any = None) -> list[MachineTelemetry]:
    """Fill ``model_key``/``model_name`` from the catalog (None where no model matches)."""
    from dataclasses import replace

    from minecore.hardware.catalog import default_catalog

    cat = catalog if catalog is not None else default_catalog()
    out = []
    for r in records:
        found = None
        base = _WM_VERSION.sub("", r.model_text.strip())
        for text in (f"{r.make} {base}" if r.make else None, base, r.model_text):
            if text:
                found = cat.find(text)
                if found is not None:
                    break
        out.append(replace(r, model_key=found.key if found else None, model_name=found.name if found else None))
    return out


# ---------------------------------------------------------------------------------------------- health


def fleet_health(records: list[MachineTelemetry], catalog: Any = None) -> list[HealthRow]:
    """Each machine against its twin at its own inlet temperature (see the module docstring)."""
    from minecore.hardware.catalog import default_catalog
    from minecore.hardware.chip_model import twin_for

    cat = catalog if catalog is not None else default_catalog()
    twins: dict[str, Any] = {}
    rows = []
    for r in records:
        inlet = r.env_temp_c if r.env_temp_c is not None else 25.0
        if r.model_key is None:
            rows.append(HealthRow(r.ip, r.model_text, None, r.hashrate_ths, r.expected_hashrate_ths,
                                  _pct(r.hashrate_ths, r.expected_hashrate_ths), r.wattage_w, None, None, None,
                                  _missing(r.chips_expected, r.chips_found), inlet, "model not in the catalog"))
            continue
        if r.model_key not in twins:
            try:
                twins[r.model_key] = twin_for(cat.get(r.model_key))
            except ChipDataUnavailableError:  # no nameplate: nothing to compare with
                twins[r.model_key] = None
        twin = twins[r.model_key]
        boards_exp = r.boards_expected or (twin.boards if twin else None)
        boards_missing = max(0, boards_exp - r.boards_found) if boards_exp is not None else None
        chips_missing = _missing(r.chips_expected, r.chips_found)
        twin_ths = twin_w = eff = None
        if twin is not None:
            full = twin.operating_point(ambient_c=inlet)
            twin_ths = full.hashrate_ths
            failed = min(boards_missing or 0, twin.boards)
            at_boards = twin.operating_point(ambient_c=inlet, failed_boards=failed) if failed < twin.boards else None
            twin_w = at_boards.power_w if at_boards is not None else None
            if (at_boards is not None and at_boards.efficiency_j_per_th and r.wattage_w and r.hashrate_ths
                    and r.hashrate_ths > 0):
                eff = 100.0 * at_boards.efficiency_j_per_th / (r.wattage_w / r.hashrate_ths)
        pct = _pct(r.hashrate_ths, twin_ths)
        tol = 1 - 0.03
        if not r.is_mining or not r.hashrate_ths:
            status = "not hashing"
        elif pct is not None and pct < 100 * CRITICAL_HASHRATE_SHARE:
            status = "critical: low hashrate"
        elif boards_missing:
            status = f"{boards_missing} board(s) missing"
        elif chips_missing:
            status = f"{chips_missing} chip(s) missing"
        elif pct is not None and pct < 100 * tol:
            status = "low: below the -3 % tolerance"
        else:
            status = "ok"
        rows.append(HealthRow(r.ip, r.model_name or r.model_text, twin.kind if twin else None, r.hashrate_ths,
                              twin_ths, pct, r.wattage_w, twin_w, eff, boards_missing, chips_missing, inlet, status))
    return rows


def _pct(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else 100.0 * a / b


def _missing(expected: int | None, found: int | None) -> int | None:
    return None if expected is None or found is None else max(0, expected - found)


# ---------------------------------------------------------------------------------------------- calibration

#: Static and dynamic power are told apart only when the machines' hashrates differ by at least this much (sd of
#: hashrate / twin hashrate); otherwise all power is attributed to hashing.
MIN_LOAD_SPREAD = 0.05


def _twin_heat_response(twin: Any) -> float:
    """The twin's wall power rise per °C of chip temperature at full load [W/°C], fans and leakage together: a
    finite difference between two inlet temperatures below the derate threshold."""
    hi = min(twin.family["derate_above_c"], 38.0)
    lo = hi - 8.0
    a, b = twin.operating_point(ambient_c=lo), twin.operating_point(ambient_c=hi)
    dt = (b.chip_temp_c or 0) - (a.chip_temp_c or 0)
    return (b.power_w - a.power_w) / dt if dt > 0 else 0.0



def calibrate(records: list[MachineTelemetry], catalog: Any = None) -> list[Calibration]:
    """Least-squares fit of each catalog model's measured wall power (see the module docstring)."""
    import numpy as np

    from minecore.hardware.catalog import default_catalog
    from minecore.hardware.chip_model import twin_for

    cat = catalog if catalog is not None else default_catalog()
    by_model: dict[str, list[MachineTelemetry]] = {}
    for r in records:
        if r.model_key and r.wattage_w and r.hashrate_ths and r.hashrate_ths > 0 and r.is_mining:
            by_model.setdefault(r.model_key, []).append(r)
    out = []
    for key, rs in by_model.items():
        model = cat.get(key)
        try:
            twin = twin_for(model)
        except ChipDataUnavailableError:  # no nameplate: nothing to compare with
            continue
        ref = twin.hashrate_ths_at(twin.normal_clock_mhz)
        t_ref = twin.reference_chip_temp_c
        static_twin = twin.control_power_w + twin.operating_point().fan_power_w
        dyn_twin = model.power_w - static_twin
        heat_twin = _twin_heat_response(twin)
        x = np.array([r.hashrate_ths / ref for r in rs])
        w = np.array([r.wattage_w for r in rs])
        temps = [r.chip_temp_c for r in rs]
        use_heat = all(t is not None for t in temps) and len(rs) >= 5 and float(np.std(temps)) > 0.5
        split = float(np.std(x)) >= MIN_LOAD_SPREAD
        cols = ([np.ones_like(x)] if split else []) + [x] + ([(np.array(temps) - t_ref) * x] if use_heat else [])
        notes = []
        if not split:
            notes.append(f"static and dynamic not separable: hashrate spread {float(np.std(x)):.1%} < "
                         f"{MIN_LOAD_SPREAD:.0%} (dynamic = all power at full hashrate)")
        if not use_heat:
            notes.append("heat term not fitted (chip temperatures missing or constant, or under 5 machines)")
        if len(rs) < len(cols) + 2:
            out.append(Calibration(model.name, key, len(rs), None, None, None, None, None, static_twin, dyn_twin,
                                   heat_twin, "too few machines to fit"))
            continue
        a = np.column_stack(cols)
        coef, *_ = np.linalg.lstsq(a, w, rcond=None)
        resid = w - a @ coef
        ss_tot = float(np.sum((w - w.mean()) ** 2))
        r2 = 1.0 - float(np.sum(resid**2)) / ss_tot if ss_tot > 0 else None
        i = 0
        static = None
        if split:
            static, i = float(coef[0]), 1
        dynamic = float(coef[i])
        heat = float(coef[i + 1]) if use_heat else None
        out.append(Calibration(model.name, key, len(rs), static, dynamic, heat, float(np.sqrt(np.mean(resid**2))),
                               r2, static_twin, dyn_twin, heat_twin, "; ".join(notes)))
    return out


# ---------------------------------------------------------------------------------------------- fleet file


def fleet_file_dict(records: list[MachineTelemetry], health: list[HealthRow], calibrations: list[Calibration],
                    source: str) -> dict:
    """The fleet file's content: per model the units and their measured mean TH/s and W (over units that hash)."""
    cal = {c.key: asdict(c) for c in calibrations}
    models: dict[str, dict] = {}
    for r in records:
        if r.model_key is None:
            continue
        m = models.setdefault(r.model_key, {"key": r.model_key, "name": r.model_name, "units_total": 0,
                                            "units_hashing": 0, "_ths": [], "_w": []})
        m["units_total"] += 1
        if r.is_mining and r.hashrate_ths and r.hashrate_ths > 0 and r.wattage_w:
            m["units_hashing"] += 1
            m["_ths"].append(r.hashrate_ths)
            m["_w"].append(r.wattage_w)
    rows = []
    for m in models.values():
        ths, w = m.pop("_ths"), m.pop("_w")
        m["hashrate_ths"] = sum(ths) / len(ths) if ths else 0.0
        m["power_w"] = sum(w) / len(w) if w else 0.0
        m["basis"] = (f"mean of {len(ths)} hashing machine(s) of {m['units_total']} in telemetry {source}"
                      if ths else f"none of {m['units_total']} machine(s) hashes in telemetry {source}")
        m["calibration"] = cal.get(m["key"], {})
        rows.append(m)
    return {"schema": FLEET_SCHEMA, "source": str(source), "generated": _dt.date.today().isoformat(),
            "note": "written by `minecore fleet import`; figures are measured telemetry, not nameplates",
            "models": rows, "machines": [asdict(h) for h in health]}


def write_fleet_file(path: str | Path, content: dict) -> Path:
    """Write a fleet file (JSON) and return its path."""
    p = Path(path)
    try:
        p.write_text(json.dumps(content, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    except OSError as exc:
        raise InvalidInputError(f"{p}: cannot write the fleet file ({exc.strerror})") from None
    return p


def read_fleet_file(path: str | Path) -> FleetFile:
    """Read and check a fleet file written by :func:`write_fleet_file` (``minecore fleet import``)."""
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInputError(f"{p}: no such fleet file") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InvalidInputError(f"{p}: not a fleet file ({exc})") from None
    if not isinstance(doc, dict) or doc.get("schema") != FLEET_SCHEMA:
        raise InvalidInputError(f"{p}: not a minecore fleet file (schema {FLEET_SCHEMA!r} expected)")
    models = []
    for i, m in enumerate(doc.get("models", [])):
        where = f"{p}: models[{i + 1}]"
        try:
            units = V.count(f"{where}.units_total", m["units_total"], minimum=0)
            hashing = V.count(f"{where}.units_hashing", m["units_hashing"], minimum=0, maximum=units)
            ths = V.non_negative(f"{where}.hashrate_ths", m["hashrate_ths"])
            w = V.non_negative(f"{where}.power_w", m["power_w"])
            if hashing and not (ths > 0 and w > 0):
                raise InvalidInputError(f"{where}: hashing units need hashrate_ths and power_w > 0")
            models.append(FleetModel(str(m["key"]), str(m.get("name") or m["key"]), units, hashing, ths, w,
                                     str(m.get("basis", "")), dict(m.get("calibration") or {})))
        except (KeyError, TypeError) as exc:
            raise InvalidInputError(f"{where}: missing or malformed field {exc}") from None
    if not models:
        raise InvalidInputError(f"{p}: the fleet file lists no models")
    return FleetFile(str(p), str(doc.get("source", "")), str(doc.get("generated", "")), tuple(models),
                     tuple(doc.get("machines", [])))

