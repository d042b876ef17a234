"""The output-format flags of every command that prints a table, and the flat rows their CSV is made of.

``--format table|json|csv`` chooses the output; ``--json`` and ``--csv`` are its short forms (one of the three,
never two). Each sets ``args.format`` and the booleans ``args.json`` / ``args.csv``, so a command reads either.

>>> import argparse
>>> p = argparse.ArgumentParser()
>>> _ = add_format_args(p)
>>> [p.parse_args(a).format for a in ([], ["--json"], ["--csv"], ["--format", "csv"])]
['table', 'json', 'csv', 'csv']
>>> p.parse_args(["--json"]).json, p.parse_args(["--format", "json"]).csv
(True, False)
>>> flat_record({"a": 1, "b": [1, 2], "c": {"d": None}, "e": []})
{'a': 1, 'b': '1; 2', 'c.d': None, 'e': ''}
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

#: the formats of a command that prints tables
FORMATS = ("table", "json", "csv")


class _FormatAction(argparse.Action):
    """``--format X`` (a value) or ``--json`` / ``--csv`` (``const``): sets ``format``, ``json`` and ``csv``."""

    def __call__(self, parser, namespace, values, option_string=None):
        fmt = self.const if self.const is not None else values
        namespace.format = fmt
        namespace.json = fmt == "json"
        namespace.csv = fmt == "csv"


def add_format_args(p, *, json_help: str = "print JSON (every figure, machine-readable)",
                    csv_help: str = "print CSV (one row per record, numbers as plain numbers)"):
    """Add ``--format {table,json,csv}``, ``--json`` and ``--csv`` (mutually exclusive) to the parser ``p``."""
    p.set_defaults(format="table", json=False, csv=False)
    group = p.add_mutually_exclusive_group()
    group.add_argument("--format", choices=FORMATS, action=_FormatAction,
                       help="output format (default: table; a table adapts to the terminal's width and prints whole "
                            "into a pipe or file)")
    group.add_argument("--json", nargs=0, const="json", action=_FormatAction, help=f"{json_help}; = --format json")
    group.add_argument("--csv", nargs=0, const="csv", action=_FormatAction, help=f"{csv_help}; = --format csv")
    return group


def flat_record(record: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """One CSV row from a JSON record: nested mappings become ``outer.inner`` columns, lists of scalars one cell
    joined by ``"; "``; numbers stay numbers."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flat_record(value, prefix=f"{name}."))
        elif isinstance(value, (list, tuple)):
            out[name] = "; ".join("" if v is None else str(v) for v in value)
        else:
            out[name] = value
    return out


def text_of(value: Any) -> Any:
    """A table cell for a JSON value: lists joined by ``", "`` (empty: ``None``, shown as a dash), others as they
    are (numbers are formatted by the table)."""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or None
    return value
