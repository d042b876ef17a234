"""Renderers shared by every command: JSON and CSV on stdout, rich tables, stderr messages.

One row model (a list of dicts) feeds the table, the JSON and the CSV output.
rich is imported on first use, never at ``minecore --help``.
"""

from __future__ import annotations

import csv
import json
import math
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def _jsonable(value: Any) -> Any:
    """Make dataclasses, enums, numpy scalars, tuples and non-finite floats JSON-safe."""
    import dataclasses
    import enum

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _jsonable(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, enum.Enum):
        return _jsonable(value.value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def to_json(obj: Any) -> str:
    """Serialise ``obj`` (dataclasses, enums, numpy scalars allowed) as indented JSON."""
    return json.dumps(_jsonable(obj), indent=2, allow_nan=False)


def emit_json(obj: Any, stream=None) -> None:
    """Write ``obj`` as JSON to stdout (or ``stream``)."""
    stream = stream or sys.stdout
    stream.write(to_json(obj) + "\n")


def emit_csv(rows: Sequence[Mapping[str, Any]], stream=None, columns: Sequence[str] | None = None) -> None:
    """Write rows of dicts as CSV with a header line."""
    stream = stream or sys.stdout
    rows = [_jsonable(r) for r in rows]
    if columns is None:
        columns = list(dict.fromkeys(k for r in rows for k in r))
    writer = csv.DictWriter(stream, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})


def format_value(value: Any) -> str:
    """Human formatting for table cells: thousands separators, trimmed floats."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return "∞" if value > 0 else ("-∞" if value < 0 else "n/a")
        if value != 0 and (abs(value) >= 1e7 or abs(value) < 1e-3):
            return f"{value:.4g}"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:,.3g}" if abs(value) < 1 else f"{value:,.2f}"
    return str(value)


def console(stderr: bool = False):
    """A rich Console on stdout (or stderr) honouring the terminal's colour and width."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def console_err():
    """A rich Console on stderr, for messages and progress."""
    return console(stderr=True)


def print_table(
    title: str | None,
    columns: Sequence[str | tuple[str, str]],
    rows: Iterable[Mapping[str, Any] | Sequence[Any]],
    *,
    caption: str | None = None,
    out=None,
) -> None:
    """Print a rich table.  ``columns`` are keys, or ``(key, header)`` pairs; rows are dicts or sequences."""
    from rich.table import Table

    keys = [c if isinstance(c, str) else c[0] for c in columns]
    heads = [c if isinstance(c, str) else c[1] for c in columns]
    table = Table(title=title, caption=caption, title_justify="left")
    for i, head in enumerate(heads):
        table.add_column(head, justify="left" if i == 0 else "right")
    for row in rows:
        values = [row.get(k) for k in keys] if isinstance(row, Mapping) else list(row)
        table.add_row(*(format_value(v) for v in values))
    (out or console()).print(table)
