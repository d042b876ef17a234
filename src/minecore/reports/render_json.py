"""JSON rendering of a :class:`~minecore.reports.model.Report`, and the JSON Schema it follows.

The document is the report tree with units in every key name (``npv_usd``, ``power_mw``...).
``schema_version`` comes first; ``payback_day: null`` means the option never pays back within the
horizon. Non-finite numbers become ``null``. The schema is derived from the dataclasses of
:mod:`minecore.reports.model`, so the two cannot drift apart; ``tests/test_report_formats.py`` pins the
key sets, so a renamed key fails a test and needs a ``SCHEMA_VERSION`` bump.
"""

from __future__ import annotations

import dataclasses
import json
import math
import types
import typing
from typing import Any

from . import model as _m


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and callable(value.item) and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalar
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def report_to_dict(report: _m.Report) -> dict[str, Any]:
    """The report as plain JSON-able data, ``schema_version`` first."""
    data = _plain(report)
    return {"schema_version": data.pop("schema_version"), **data}


def render_json(report: _m.Report) -> str:
    """Indented JSON text of the report (ends with a newline)."""
    return json.dumps(report_to_dict(report), indent=2, allow_nan=False) + "\n"


# ------------------------------------------------------------------------------------------ schema


def _type_schema(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    origin = typing.get_origin(tp)
    if tp is typing.Any:
        return {}
    if origin in (typing.Union, types.UnionType):
        options = [_type_schema(a, defs) for a in typing.get_args(tp)]
        return {"anyOf": options}
    if tp is type(None):
        return {"type": "null"}
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if tp is float:
        return {"type": "number"}
    if tp is str:
        return {"type": "string"}
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return {"type": "array", "items": _type_schema(args[0], defs)}
        return {"type": "array", "prefixItems": [_type_schema(a, defs) for a in args],
                "minItems": len(args), "maxItems": len(args)}
    if dataclasses.is_dataclass(tp):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}  # placeholder against recursion
            hints = typing.get_type_hints(tp)
            fields = [f for f in dataclasses.fields(tp)]
            defs[name] = {
                "type": "object",
                "description": (tp.__doc__ or "").strip().splitlines()[0],
                "properties": {f.name: _type_schema(hints[f.name], defs) for f in fields},
                "required": [f.name for f in fields],
                "additionalProperties": False,
            }
        return {"$ref": f"#/$defs/{name}"}
    raise TypeError(f"no JSON schema mapping for {tp!r}")


def json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of :func:`report_to_dict` output."""
    defs: dict[str, Any] = {}
    _type_schema(_m.Report, defs)
    root = dict(defs.pop("Report"))
    props = dict(root["properties"])
    props["schema_version"] = {"const": _m.SCHEMA_VERSION}
    root["properties"] = props
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://minecore.invalid/schemas/report-{_m.SCHEMA_VERSION}.json",
        "title": "minecore report",
        **root,
        "$defs": defs,
    }
