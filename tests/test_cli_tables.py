"""Tables that adapt to the width and never cut a value (issue 11, item 2), for every command but ``report`` and
``bench``, and the output-format flags every table command shares (item 6).

The mapping checked at 60, 80 and 120 columns (docs/cli.md, "Tables fit the terminal and never cut a value"):
every number of a command's ``--json`` output (int or float, not a flag), at any depth, appears whole in the text of
its table, written as the table writes numbers (:func:`minecore.cli.output.format_value`), except the paths
:data:`EXCLUDED` names for that command, and with the transformation :data:`SHOWN_AS` gives for a path. "Whole"
means not preceded by a digit, sign, comma or point and not followed by a digit or by a comma or point and a digit
(``1,000`` is not found inside ``11,000`` nor ``1,000,000``). The text never holds an ellipsis, and a line longer
than the width is only one that holds a word that cannot fit (a 64-digit hash at 60 columns).

Commands that measure time (``emulate``, ``scan``) run once: the test memoises the result, so the JSON and the
tables show the same figures.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from minecore.cli.main import main
from minecore.cli.output import format_value

GENESIS = json.loads((Path(__file__).parent / "data" / "block_headers.json").read_text())[0]["header_hex"]
WIDTHS = (60, 80, 120)

#: command -> argv (small sizes: every run takes about a second or less)
COMMANDS = {
    "models": ["models"],
    "model": ["model", "S21", "--ambient", "44", "--failed-boards", "1"],
    "hashprice": ["hashprice"],
    "profit": ["profit", "S21", "--horizon-days", "120"],
    "compare": ["compare", "--seized", "S21:200:90", "--replace", "S21 XP:150", "--replace", "Teraflux AH3880",
                "--mc-paths", "40", "--horizon-days", "365"],
    "rank": ["rank", "--power-price", "0.04"],
    "emulate": ["emulate", "S21", "--hashes", "4096", "--backend", "hashlib", "--threads", "1", "--show-shares", "3"],
    "hash": ["hash", GENESIS],
    "scan": ["scan", GENESIS, "--count", "3000", "--difficulty", "0.0000001", "--backend", "hashlib"],
    "backends": ["backends"],
}

#: command -> JSON paths (regular expressions over "a.b[3].c") whose numbers the table does not show, with why
EXCLUDED = {
    "profit": [r"^daily\["],  # the days: --csv; the table is the summary
    # the per-chip counts; the shares after --show-shares 3
    "emulate": [r"^(hashes|shares|tickets)_per_(chip|core)\[", r"^shares\[([3-9]|\d\d+)\]"],
    "scan": [r"^nonces\[(\d{4,})\]"],  # after the first 1,000
    "rank": [r"^models\[\d+\]\.(revenue_usd_per_day|power_cost_usd_per_day|capex_usd)$"],  # the profit's parts
}

#: command -> [(path pattern, how the table shows the number)]
SHOWN_AS = {
    "backends": [(r"\.calibration\.(rates_hps|median_hps)\.", lambda x: format_value(round(x / 1e6, 2)))],
}


def numbers(doc, path=""):
    """``(path, number)`` of every int or float of a JSON document (flags excluded)."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from numbers(v, f"{path}.{k}" if path else k)
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from numbers(v, f"{path}[{i}]")
    elif isinstance(doc, (int, float)) and not isinstance(doc, bool):
        yield path, doc


def token(command: str, path: str, value) -> str:
    for pattern, show in SHOWN_AS.get(command, ()):
        if re.search(pattern, path):
            return show(value)
    return format_value(value)


def appears(tok: str, text: str) -> bool:
    return re.search(r"(?<![\d.,\-])" + re.escape(tok) + r"(?![\d]|[.,]\d)", text) is not None


@pytest.fixture
def same_measurements(monkeypatch):
    """``emulate`` and ``scan`` measure time: memoise their result so every run of the test shows the same."""
    import minecore.emulator as emulator
    import minecore.scanning as scanning

    for module, name in ((emulator, "emulate"), (scanning, "scan")):
        original, seen = getattr(module, name), {}

        def once(*args, _original=original, _seen=seen, **kwargs):
            kwargs.pop("progress", None)
            key = repr((args, sorted(kwargs.items())))
            if key not in _seen:
                _seen[key] = _original(*args, **kwargs)
            return _seen[key]

        monkeypatch.setattr(module, name, once)


def run(capsys, argv, width=None, monkeypatch=None):
    if width is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", str(width))
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_number_of_the_json_appears_whole_in_the_table(command, capsys, monkeypatch, same_measurements):
    argv = COMMANDS[command]
    doc = json.loads(run(capsys, [*argv, "--json"], 120, monkeypatch))
    wanted = [(p, v) for p, v in numbers(doc) if not any(re.search(x, p) for x in EXCLUDED.get(command, ()))]
    assert wanted, "nothing to check"
    for width in WIDTHS:
        text = run(capsys, argv, width, monkeypatch)
        assert not re.search(r"[\w.,]…", text), f"{command} at {width} columns cuts a value"
        missing = [(p, v, token(command, p, v)) for p, v in wanted if not appears(token(command, p, v), text)]
        assert not missing, f"{command} at {width} columns: not in the table: {missing[:8]}"
        for line in text.splitlines():
            if len(line) > width:  # only a line holding a word longer than the line may be longer
                assert max(map(len, line.split())) > width - 8, f"{command} at {width}: {line!r}"


def test_models_at_80_columns_shows_whole_names_and_numbers(capsys, monkeypatch):
    """Why: `minecore models` at 80 columns showed "ant…" and "13.…"."""
    text = run(capsys, ["models"], 80, monkeypatch)
    assert "Antminer S9" in text and appears("13.50", text) and appears("1,323", text)
    assert not re.search(r"[\w.,]…", text) and max(len(line) for line in text.splitlines()) <= 80


def test_compare_shows_whole_npvs_at_80_columns(capsys, monkeypatch):
    """Why: `compare` showed NPVs as "-1,8…"."""
    argv = ["compare", "--seized", "Antminer S21:1000:180", "--replace", "Teraflux AH3880", "--replace", "S21 XP"]
    doc = json.loads(run(capsys, [*argv, "--json"], 80, monkeypatch))
    text = run(capsys, argv, 80, monkeypatch)
    npvs = [s["expected_npv_usd"] for s in doc["strategies"]] + [o["npv_usd"] for o in doc["options"]]
    assert any(v < -1e5 for v in npvs)
    assert all(appears(format_value(v), text) for v in npvs)
    assert not re.search(r"\d…", text)  # before: the options' NPVs as "-2,1…"


@pytest.mark.parametrize("width", WIDTHS)
def test_hash_shows_the_whole_block_hash(width, capsys, monkeypatch):
    """Why: `minecore hash` cut off the block hash itself."""
    text = run(capsys, ["hash", GENESIS], width, monkeypatch)
    assert "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f" in text
    assert "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b" in text  # the merkle root
    assert "…" not in text


def test_a_pipe_gets_the_full_table(capsys, monkeypatch):
    """Not a terminal and no COLUMNS: every column, one line per model, nothing left out or wrapped."""
    text = run(capsys, ["models"], None, monkeypatch)
    header = next(line for line in text.splitlines() if "TH/s" in line)
    for column in ("model", "maker", "cooling", "chip", "assembled", "price $"):
        assert column in header
    assert "not shown at this width" not in text
    assert any(line.startswith("│ Blockscale BZM2 256-chip system │") for line in text.splitlines())


def test_narrow_terminal_leaves_out_text_columns_and_says_so(capsys, monkeypatch):
    text = run(capsys, ["models"], 120, monkeypatch)
    assert re.search(r"not shown at this width: maker, cooling, chip\b", " ".join(text.split()))
    assert max(len(line) for line in text.splitlines()) <= 120


def test_a_model_name_in_a_wrapped_strategy_name_is_never_split(capsys, monkeypatch):
    argv = ["compare", "--seized", "S21:200:90", "--replace", "Teraflux AH3880", "--horizon-days", "365"]
    text = run(capsys, argv, 120, monkeypatch)
    lines = text.splitlines()
    assert not any(line.rstrip(" │").endswith("Teraflux") for line in lines)
    assert any("Teraflux AH3880" in line for line in lines)


def test_layouts_of_the_printer():
    """The printer on its own: natural, wrapped, secondary columns left out, records; values stay whole."""
    import io

    from minecore.cli import tables as output  # the table layout lives in minecore.cli.tables

    def render(width, **kw):
        buf = io.StringIO()
        con = output.console(file=buf, width=200)
        saved = output.table_width
        output.table_width = lambda _con: width
        try:
            output.print_table("t", [("name", "name"), ("n", "TH/s"), ("kind", "kind"), ("note", "note")],
                               [{"name": "Antminer S21 XP Hyd", "n": -1821334.5, "kind": "hydro",
                                 "note": "a long note that may wrap at its word boundaries"}], out=con, **kw)
        finally:
            output.table_width = saved
        return buf.getvalue()

    assert "a long note that may wrap at its word boundaries │" in render(None, prose=["note"])
    wrapped = render(66, prose=["note"])
    assert "┃ name" in wrapped and "-1,821,334" in wrapped and max(map(len, wrapped.splitlines())) <= 66
    assert "│ a long note" in wrapped and "│ word boundaries " in wrapped  # wrapped at word boundaries
    dropped = render(58, prose=["note"], secondary=["kind"])
    assert "hydro" not in dropped and "not shown at this width: kind" in " ".join(dropped.split())
    records = render(30, prose=["note"], secondary=["kind"])
    assert records.splitlines()[1] == "Antminer S21 XP Hyd" and "TH/s: -1,821,334" in records
    assert "hydro" in records  # records leave nothing out


# ------------------------------------------------------------------------------------------ format flags

TABLE_COMMANDS = ["models", "model", "rank", "hashprice", "profit", "compare", "emulate", "backends", "hash", "scan",
                  "bench"]
REQUIRED = {"model": ["S21"], "profit": ["S21"], "compare": ["--seized", "S21:1:1"], "emulate": ["S21"],
            "hash": [GENESIS], "scan": [GENESIS]}


@pytest.mark.parametrize("command", TABLE_COMMANDS)
def test_every_table_command_has_format_json_and_csv(command):
    from minecore.cli.main import build_parser

    parser = build_parser(command)
    base = [command, *REQUIRED.get(command, [])]
    for flags, fmt in (([], "table"), (["--json"], "json"), (["--csv"], "csv"), (["--format", "csv"], "csv"),
                       (["--format", "json"], "json"), (["--format", "table"], "table")):
        args = parser.parse_args([*base, *flags])
        assert (args.format, args.json, args.csv) == (fmt, fmt == "json", fmt == "csv")
    from minecore.errors import UsageError

    with pytest.raises(UsageError):
        parser.parse_args([*base, "--json", "--csv"])


@pytest.mark.parametrize("argv", [["hashprice", "--csv"], ["hash", GENESIS, "--csv"], ["models", "--format", "csv"],
                                  ["backends", "--csv"], ["model", "S21", "--csv"],
                                  ["scan", GENESIS, "--count", "3000", "--difficulty", "0.0000001", "--backend",
                                   "hashlib", "--csv"]])
def test_csv_outputs_read_back_with_numbers(argv, capsys, monkeypatch):
    import io

    import pandas as pd

    df = pd.read_csv(io.StringIO(run(capsys, argv, None, monkeypatch)))
    assert len(df) >= 1 and any(pd.api.types.is_numeric_dtype(df[c]) for c in df.columns)


def test_format_helper_doctests():
    import doctest

    from minecore.cli.commands import _format

    assert doctest.testmod(_format).failed == 0
