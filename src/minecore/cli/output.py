"""What every command prints: JSON and CSV on stdout, rich consoles (with control characters escaped), stderr
messages. One row model (a list of dicts) feeds the table (:mod:`minecore.cli.tables`), the JSON and the CSV
output; files are written by :mod:`minecore.cli.files`. rich is imported on first use, never at ``minecore --help``.
"""

from __future__ import annotations

import csv
import errno
import json
import math
import os
import sys
from collections.abc import Mapping, Sequence
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
    """Write rows of dicts as CSV with a header line.

    Text cells that a spreadsheet would read as a formula (first character ``=``, ``+``, ``-``, ``@``, tab or
    carriage return) get a leading ``'`` (OWASP's rule, :func:`minecore.reports.fmt.csv_cell`); numbers stay
    numbers."""
    stream = stream or sys.stdout
    rows = [_jsonable(r) for r in rows]
    if columns is None:
        columns = list(dict.fromkeys(k for r in rows for k in r))
    texts = [v for r in rows for v in (*r, *r.values()) if isinstance(v, str) and v]
    if any(not v[0].isalnum() or not _printable(v) for v in texts):
        from ..reports.fmt import csv_cell  # loads the reports package: only when a cell may need it
    else:
        def csv_cell(value: Any) -> Any:
            return "" if value is None else value
    writer = csv.DictWriter(stream, fieldnames=[csv_cell(c) for c in columns], extrasaction="ignore",
                            lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({csv_cell(k): csv_cell(v) for k, v in row.items()})


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
        if value == 0:
            return "0"  # also -0.0, which would print as "-0"
        if value != 0 and (abs(value) >= 1e7 or abs(value) < 1e-3):
            return f"{value:.4g}"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:,.3g}" if abs(value) < 1 else f"{value:,.2f}"
    return str(value)


def _printable(text: str) -> bool:
    """True when ``text`` holds no control or format character (newlines and tabs allowed)."""
    return text.replace("\n", "").replace("\t", "").isprintable()


def safe(text: str) -> str:
    """``text`` with control characters and terminal escape sequences shown escaped (``\\x1b``), newlines and
    tabs kept: see :func:`minecore.reports.fmt.safe_text` (imported only when ``text`` needs it)."""
    if _printable(text):
        return text
    from ..reports.fmt import safe_text

    return safe_text(text, keep_newlines=True)


_console_class = None


def _safe_console_class():
    """rich's Console with two changes (made on first use, so rich loads only then):

    * every string it renders (cells, titles, captions, printed text) has its control characters shown escaped, so
      a model or lot name cannot send escape sequences to the terminal (clear the screen, retitle the window...);
    * a closed pipe raises :class:`BrokenPipeError` for the CLI boundary to end quietly, instead of rich's own
      ``SystemExit(1)``.
    """
    global _console_class
    if _console_class is None:
        from rich.console import Console

        class SafeConsole(Console):
            def render_str(self, text, *args, **kwargs):
                return super().render_str(safe(text), *args, **kwargs)

            def on_broken_pipe(self) -> None:
                self.quiet = True
                raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))

        _console_class = SafeConsole
    return _console_class


def console(stderr: bool = False, **kwargs):
    """A rich Console on stdout (or stderr) honouring the terminal's colour and width; control characters in the
    text it prints are shown escaped (see :func:`_safe_console_class`). ``kwargs`` go to rich's Console."""
    kwargs.setdefault("highlight", False)
    return _safe_console_class()(stderr=stderr, **kwargs)


def console_err():
    """A rich Console on stderr, for messages and progress."""
    return console(stderr=True)
