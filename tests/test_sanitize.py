"""Names from scenario files and catalogs are untrusted text: they must not act where they are shown.

* charts (matplotlib mathtext): a lot named ``$\\undefinedcmd$`` used to crash the HTML report;
* terminals: escape sequences in names used to reach the terminal raw (clear the screen, retitle the window);
* spreadsheets: a CSV cell beginning with ``=`` used to be written as-is (formula injection); OWASP's rule now
  prefixes text cells that begin with ``=``, ``+``, ``-``, ``@``, tab or CR with ``'``, and numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from minecore.cli import output
from minecore.cli.main import main
from minecore.reports import build_report, parse_scenario, render
from minecore.reports.fmt import csv_cell, safe_text

ESC_CHARS = ("\x1b", "\x07", "\x9b", "\u202e")
LOT = '=HYPERLINK("http://x") $\\undefinedcmd$ \x1b[2J\x1b]0;pwned\x07 \x9b31m \u202eevil'
OPTION = "@SUM(1+1) $x^{2}$"
SCENARIO = r'''
[[seized]]
model = "S21"
units = 10
days_held = 30
name = "=HYPERLINK(\"http://x\") $\\undefinedcmd$ \u001b[2J\u001b]0;pwned\u0007 \u009b31m \u202eevil"

[[option]]
model = "S21 Pro"
units = 10
name = "@SUM(1+1) $x^{2}$"

[monte_carlo]
paths = 30
'''


@pytest.fixture(scope="module")
def report():
    sc = parse_scenario(SCENARIO, "nasty.toml")
    assert sc.lots[0].name == LOT and sc.options[0].name == OPTION
    return build_report(sc)


# ------------------------------------------------------------------------------------------ charts


def test_html_report_with_mathtext_in_names_renders(report):
    """Used to raise ``ValueError: Unknown symbol: \\undefinedcmd`` from matplotlib's mathtext parser."""
    html = render(report, "html")
    assert html.count("<svg") >= 4
    assert "undefinedcmd" in html and "x^{2}" in html  # shown as text, not typeset
    svgs = html[html.index("<svg"):]
    assert not any(ch in svgs for ch in ESC_CHARS)  # SVG text cannot hold control characters


def test_chart_text_helper_keeps_dollars_literal():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    from minecore.reports.charts import _t

    fig, ax = plt.subplots()
    for text in (r"$\undefinedcmd$", r"\$x$", "$1,000 to $2,000", "a\x1bb\nc"):
        ax.set_title(_t(text))
        fig.canvas.draw()  # mathtext would raise here
        assert ax.title.get_text().replace(r"\$", "$") == safe_text(text, keep_newlines=True)
    plt.close(fig)


# ------------------------------------------------------------------------------------------ terminal


def test_safe_text_escapes_control_characters_only():
    assert safe_text("lot \x1b[2J\x07") == r"lot \x1b[2J\x07"
    assert safe_text("\x9b31m \x7f \u202eevil \u2066x\u2069") == r"\x9b31m \x7f \u202eevil \u2066x\u2069"
    assert safe_text("a\nb\tc\rd") == r"a\nb\tc\rd"
    assert safe_text("a\nb\tc\rd", keep_newlines=True) == "a\nb\tc\\rd"
    for ok in ("Antminer S21 — 200 TH/s", "25 °C, 1 000 units", "Teraflux AH3880 (Auradine)", "日本"):
        assert safe_text(ok) == ok


def test_table_output_shows_escape_sequences_escaped(report):
    """The CLI prints through output.console(): every string it renders has its control characters escaped."""
    from minecore.reports.render_table import render_table

    buf = io.StringIO()
    render_table(report, output.console(file=buf, width=140, force_terminal=False, color_system=None))
    text = buf.getvalue()
    assert not any(ch in text for ch in ESC_CHARS)
    assert r"\x1b[2J\x1b]0;pwned\x07" in text


def test_console_escapes_any_string_it_renders():
    from rich.table import Table

    buf = io.StringIO()
    con = output.console(file=buf, width=100, force_terminal=True, color_system="standard")
    table = Table(title="title \x1b]0;t\x07")
    table.add_column("name \x1b[31m")
    table.add_row("cell \x1b[2J\x9b")
    con.print(table)
    con.print("[bold]bold[/bold] \x1b[5m and \u202e")
    text = buf.getvalue()
    for raw in ("\x1b[2J", "\x1b]0;t", "\x1b[31m", "\x1b[5m", "\x9b", "\u202e", "\x07"):
        assert raw not in text
    assert "\x1b[1m" in text  # rich's own styling still works


def test_error_messages_escape_control_characters(capsys):
    assert main(["report", "no-such-\x1b[2J.toml"]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and r"no-such-\x1b[2J.toml" in err


def test_json_escapes_control_characters(report):
    text = render(report, "json")
    assert not any(ch in text for ch in ESC_CHARS)
    assert json.loads(text)["lots"][0]["lot"] == LOT  # escaped by JSON, not changed


# ------------------------------------------------------------------------------------------ spreadsheets


@pytest.mark.parametrize("text", ["=1+2", "+1", "-1 + cmd", "@SUM(A1)", "\tx", "=HYPERLINK(\"http://x\")"])
def test_csv_cell_neutralises_formula_text(text):
    assert csv_cell(text) == "'" + text


def test_csv_cell_carriage_return_is_escaped():
    assert csv_cell("\r=1+2") == "\\r=1+2"  # shown escaped, so it no longer starts the cell


@pytest.mark.parametrize("value", [-1234.5, -0.0, 0, 7, 2.5e-9, True])
def test_csv_cell_keeps_numbers(value):
    assert csv_cell(value) is value


def test_csv_cell_plain_text_and_none():
    assert csv_cell("Antminer S21") == "Antminer S21" and csv_cell(None) == ""


def test_report_csv_neutralises_text_and_keeps_numbers(report):
    rows = list(csv.reader(io.StringIO(render(report, "csv"))))
    head, body = rows[0], rows[1:]
    from minecore.reports.render_csv import COLUMNS

    assert head == list(COLUMNS) and head[3] == "value"
    risky = ("=", "+", "-", "@", "\t", "\r")
    for row in body:
        for cell in row:
            if cell.startswith(risky):
                float(cell)  # only numbers may begin with - or +
    items = {row[1] for row in body}
    assert f"'{safe_text(LOT)}" in items  # the lot's own rows
    assert any(i.startswith(f"'{safe_text(LOT)}/") for i in items)
    assert any(i.startswith("'@SUM(1+1)") or "/@SUM(1+1)" in i for i in items)
    negatives = [row for row in body if row[3].startswith("-")]
    assert negatives and all(float(r[3]) < 0 or float(r[3]) == 0 for r in negatives)
    text = render(report, "csv")
    assert not any(ch in text for ch in ESC_CHARS)


def test_emit_csv_neutralises_too():
    buf = io.StringIO()
    output.emit_csv([{"name": "=cmd", "value": -3.5, "note": None}], stream=buf)
    assert buf.getvalue() == "name,value,note\n'=cmd,-3.5,\n"
