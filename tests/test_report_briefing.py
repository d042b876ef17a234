"""The terminal report as a briefing, and tables that adapt to the width without losing anything.

* The first screen: at 100 columns, the first 30 lines show for each lot the decision, P(win), the lead, the flip
  conditions and the hold cost (the done-when line of issue 11), and the whole briefing fits in them.
* Nothing is cut: rendered at 60, 80 and 120 columns (every section), every number of the JSON output that the
  tables show appears whole, on one line; see :func:`shown_figures` for exactly which numbers, formatted how.
* Prose wraps between words: no word is ever split across lines ("difficul ty", "chips_per_boar d"), and source notes
  are wrapped, never cut with "…".
* When stdout is not a terminal and COLUMNS is not set, tables print at full width: one line per row.
* Sections: one fixed order shared with the HTML page; ``--sections`` and ``--full`` on ``minecore report``.
"""

from __future__ import annotations

import doctest
import io
import json
import re

import pytest

from minecore.cli.main import main
from minecore.reports import build_report, default_scenario, fmt, load_scenario, render
from minecore.reports.render_table import render_table, render_text
from minecore.reports.scenario import with_monte_carlo
from minecore.reports.sections import DEFAULT, ORDER, parse_sections

PATHS = 200
WIDTHS = (60, 80, 120)


@pytest.fixture(scope="module")
def report():
    return build_report(with_monte_carlo(default_scenario(), paths=PATHS))


@pytest.fixture(scope="module")
def capped():
    """The site-cap example: a joint plan under the power cap and a site dispatch."""
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "examples" / "site-cap.toml"
    return build_report(with_monte_carlo(load_scenario(path), paths=100))


def _terminal(width: int, monkeypatch) -> tuple:
    """A terminal-like console (is_terminal) of ``width`` columns set through COLUMNS, and its buffer."""
    from rich.console import Console

    monkeypatch.setenv("COLUMNS", str(width))
    buf = io.StringIO()
    return Console(file=buf, force_terminal=True, color_system=None, highlight=False), buf


# ------------------------------------------------------------------------------------------ the first screen


def test_first_screen_at_100_columns_is_the_briefing(report, monkeypatch):
    """``minecore report | head -30`` at 100 columns: for each lot the decision, P(win), the lead, the flip conditions
    and the hold cost; the briefing (up to its plan line) fits in those 30 lines."""
    console, buf = _terminal(100, monkeypatch)
    assert console.is_terminal and console.width == 100
    render_table(report, console)
    lines = buf.getvalue().splitlines()
    assert max(len(x) for x in lines) <= 100
    head = "\n".join(lines[:30])
    for lot in report.lots:
        rec = lot.recommendation
        win = next(r for r in lot.monte_carlo.rows if r.strategy_key == rec.strategy_key)
        assert f"{lot.lot}: {fmt.number(lot.units)} × {lot.model}" in head
        assert f"Decision   {rec.strategy_name}: {fmt.usd(rec.expected_npv_usd)} expected NPV after tax" in head
        assert f"Lead       {fmt.usd(rec.margin_over_next_usd)} over {rec.runner_up_name}" in head
        assert f"P(win)     {fmt.pct(win.p_win, 0)} of {PATHS:,} Monte Carlo paths" in head
        assert f"Hold cost  {fmt.usd(lot.hold_cost.total_usd)} so far" in head
        # every threshold of the what-flips sentence is on the first screen (wrapped, so compare words)
        flips = rec.what_flips.split(" wins unless ", 1)[1]
        assert " ".join(flips.split()) in " ".join(head.split())
    assert "Plan total" in head  # the briefing's last line
    assert "Assumptions: BTC $91k/BTC" in head and "power $0.050/kWh" in head and "Resale and salvage:" in head


def test_cli_first_screen_with_columns_100(monkeypatch, capsys):
    """The command itself: COLUMNS=100 and stdout a pipe (``| head -30``): the same first screen, 100 wide."""
    monkeypatch.setenv("COLUMNS", "100")
    assert main(["report", "--paths", "50"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert max(len(x) for x in out) <= 100
    head = "\n".join(out[:30])
    assert head.count("Decision   Re-export on release") == 2 and head.count("P(win)") == 2
    assert head.count("Lead       ") == 2 and head.count("Flips if   ") == 2 and head.count("Hold cost  ") == 2
    assert "Not shown: options, inputs, models, prices" in out[-2] + out[-1]


def test_joint_plan_leads_the_briefing(capped):
    text = render_text(capped, width=100)
    jp = capped.joint_plan
    assert text.index("Joint plan for the site") < text.index("Decision")
    assert fmt.usd(jp.best.expected_npv_usd) in text
    if jp.what_flips:
        assert "What flips the plan:" in text
    assert "Site dispatch, 4.00 MW cap" in text  # the dispatch is part of the default sections


# ------------------------------------------------------------------------------------------ nothing cut


def _money(v):
    return fmt.usd(v)


def shown_figures(doc: dict) -> list[tuple[str, str]]:
    """``(where, text)`` of every number of the JSON document that the table output shows, formatted as the table
    formats it (:mod:`minecore.reports.fmt`). Precisely:

    * top level: ``plan_expected_npv_usd``, ``hold_cost_total_usd``;
    * inputs: ``horizon_days``, ``discount_rate_per_year`` and the value of every ``network`` and ``site`` figure;
      each model's ``hashrate_ths``, ``power_w``, ``efficiency_j_per_th``, ``tariff_rate`` and ``price_usd``;
    * per lot: ``units``, ``days_held``; every hold-cost amount; each strategy's ``expected_npv_usd`` and
      ``expected_npv_pre_tax_usd``; the recommendation's ``expected_npv_usd`` and ``margin_over_next_usd``;
      ``resale_usd_per_unit`` and ``salvage_usd_per_unit``; each option's ``units``, ``hashrate_ths``, ``power_mw``,
      ``efficiency_j_per_th``, ``capex_usd``, ``daily_margin_usd``, ``npv_usd``, ``roi``, ``irr_per_year``,
      ``break_even_power_price_usd_per_kwh``; each sensitivity row's low/base/high value, the winner's NPV and the
      margin at each; each flip row's ``base_value`` and ``threshold_text``; each Monte Carlo row's P5/P50/P95,
      mean and CVaR 5 % NPV, ``p_win`` and ``p_payback``, and the run's ``paths``;
    * the joint plan's NPVs and displaced margins, and each dispatch row's ``units``, ``power_mw_on``,
      ``margin_usd_per_day`` and break-even.

    Left out: ``break_even`` (the HTML chart's data, the same figures as the options' break-even), the cash series
    and histograms (chart data), and the emulation (only with ``--emulate``).
    """
    out: list[tuple[str, str]] = [("plan", _money(doc["plan_expected_npv_usd"])),
                                  ("hold total", _money(doc["hold_cost_total_usd"]))]
    inp = doc["inputs"]
    out += [("horizon", f"{inp['horizon_days']:,}"), ("discount", fmt.pct(inp["discount_rate_per_year"]))]
    for f in inp["network"] + inp["site"]:
        if isinstance(f["value"], (int, float)) and not isinstance(f["value"], bool):
            out.append((f"input {f['name']}", fmt.figure(f["value"], f["unit"])))
    for m in inp["models"]:
        out += [(f"model {m['name']} TH/s", fmt.number(m["hashrate_ths"], 0)),
                (f"model {m['name']} W", fmt.number(m["power_w"], 0)),
                (f"model {m['name']} J/TH", fmt.number(m["efficiency_j_per_th"], 1)),
                (f"model {m['name']} tariff", fmt.pct(m["tariff_rate"])),
                (f"model {m['name']} price", _money(m["price_usd"]))]
    for lot in doc["lots"]:
        name = lot["lot"]
        out += [(f"{name} units", fmt.number(lot["units"])), (f"{name} days held", fmt.number(lot["days_held"]))]
        for key, v in lot["hold_cost"].items():
            if key.endswith("_usd"):
                out.append((f"{name} hold {key}", _money(v)))
        for s in lot["strategies"]:
            out.append((f"{name} {s['key']} NPV", _money(s["expected_npv_usd"])))
            if s.get("expected_npv_pre_tax_usd") is not None and lot["after_tax"]:
                out.append((f"{name} {s['key']} pre-tax", _money(s["expected_npv_pre_tax_usd"])))
        rec = lot["recommendation"]
        out += [(f"{name} recommendation NPV", _money(rec["expected_npv_usd"])),
                (f"{name} lead", _money(rec["margin_over_next_usd"]))]
        if lot["resale_usd_per_unit"] is not None:
            out += [(f"{name} resale", _money(lot["resale_usd_per_unit"])),
                    (f"{name} salvage", _money(lot["salvage_usd_per_unit"]))]
        for o in lot["options"]:
            where = f"{name} option {o['name']}"
            out += [(f"{where} units", fmt.number(o["units"])), (f"{where} TH/s", fmt.number(o["hashrate_ths"], 0)),
                    (f"{where} MW", fmt.number(o["power_mw"], 2)),
                    (f"{where} J/TH", fmt.number(o["efficiency_j_per_th"], 1)),
                    (f"{where} margin", _money(o["daily_margin_usd"]) + "/d"), (f"{where} NPV", _money(o["npv_usd"])),
                    (f"{where} break-even", fmt.usd_per_kwh(o["break_even_power_price_usd_per_kwh"]) + "/kWh")]
            if o["capex_usd"]:
                out += [(f"{where} capex", _money(o["capex_usd"])), (f"{where} ROI", fmt.pct(o["roi"], 0)),
                        (f"{where} IRR", fmt.pct(o["irr_per_year"], 0))]
        for s in lot["sensitivity"]:
            for at in ("low", "base", "high"):
                out.append((f"{name} {s['variable']} {at}", fmt.figure(s[f"{at}_value"], s["unit"])))
            for at in ("low", "high"):
                out += [(f"{name} {s['variable']} NPV {at}", _money(s[f"winner_npv_{at}_usd"])),
                        (f"{name} {s['variable']} margin {at}", _money(s[f"margin_{at}_usd"]))]
        for f in lot["flips"]:
            out.append((f"{name} flip {f['input']} base", fmt.figure(f["base_value"], f["unit"])))
            if f["threshold"] is not None:
                out.append((f"{name} flip {f['input']} {f['side']}", f["threshold_text"]))
        mc = lot["monte_carlo"]
        if mc:
            out.append((f"{name} paths", f"{mc['paths']:,}"))
            for r in mc["rows"]:
                where = f"{name} MC {r['strategy_key']}"
                out += [(f"{where} {k}", _money(r[k])) for k in ("npv_p5_usd", "npv_p50_usd", "npv_p95_usd",
                                                                    "npv_mean_usd", "npv_cvar5_usd")]
                out += [(f"{where} P(win)", fmt.pct(r["p_win"], 0)),
                        (f"{where} P(payback)", fmt.probability(r["p_payback"]))]
    jp = doc["joint_plan"]
    if jp:
        for p in [jp["best"], *jp["others"]]:
            out += [("plan NPV", _money(p["expected_npv_usd"])), ("plan displaced", _money(p["displaced_margin_usd"]))]
    d = doc["dispatch"]
    if d:
        for r in d["rows"]:
            out += [(f"dispatch {r['label']} units", fmt.number(r["units"])),
                    (f"dispatch {r['label']} MW", fmt.number(r["power_mw_on"], 2)),
                    (f"dispatch {r['label']} margin", _money(r["margin_usd_per_day"]) + "/d"),
                    (f"dispatch {r['label']} break-even",
                     fmt.usd_per_kwh(r["break_even_power_price_usd_per_kwh"]) + "/kWh")]
    return out


def _whole(text: str, figure: str) -> bool:
    """``figure`` occurs on one line, not as part of a longer number or word. A figure with words
    (``13.5% of the declared value``) may wrap between its words in a narrow cell: then each of its numbers must."""
    def one(fig: str) -> bool:
        pat = r"(?<![\w$.,\-])" + re.escape(fig) + r"(?![\w]|[.,]\d)"
        return re.search(pat, text) is not None

    return one(figure) or (" " in figure and all(one(t) for t in figure.split() if re.search(r"\d", t)))


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("which", ["default", "site-cap"])
def test_every_number_of_the_json_appears_whole(report, capped, which, width):
    rep = report if which == "default" else capped
    doc = json.loads(render(rep, "json"))
    text = render_text(rep, width=width, sections=ORDER)
    assert max(len(x) for x in text.splitlines()) <= width
    figures = shown_figures(doc)
    assert len(figures) > (300 if which == "default" else 150)
    missing = [(where, fig) for where, fig in figures if not _whole(text, fig)]
    assert not missing, missing[:10]
    # model names are never broken across lines either
    for m in rep.inputs.models:
        assert m.name in text, m.name


def _tokens(text: str) -> set[str]:
    return {t for t in re.findall(r"\S+", text) if not set(t) <= set("─━│ ")}


@pytest.mark.parametrize("width", WIDTHS)
def test_prose_wraps_between_words_only(report, width):
    """Every word at ``width`` columns is a word of the full-width output: nothing is split mid-word ("difficul ty",
    "chips_per_boar d"), and no note is cut with an ellipsis."""
    narrow = render_text(report, width=width, sections=ORDER)
    full = io.StringIO()
    from rich.console import Console

    render_table(report, Console(file=full, color_system=None, width=80), sections=ORDER, full_width=True)
    wide = _tokens(full.getvalue())
    # a column moved under the row's name reads "header: value"; its header words are the table's header words
    split = sorted(t for t in _tokens(narrow) - wide if not t.endswith(":"))
    assert not split, split[:20]
    assert "…" not in narrow.replace("… $", "")  # the only ellipsis: a range "low … high" in no table
    assert not re.search(r"difficul(?!ty)|chips_per|chips per boar(?!d)", narrow)


def test_pipes_and_files_get_full_width_one_line_per_row(report, monkeypatch, capsys):
    """stdout not a terminal, COLUMNS unset: every table row on one line, whatever the width of the terminal."""
    monkeypatch.delenv("COLUMNS", raising=False)
    from rich.console import Console

    buf = io.StringIO()
    console = Console(file=buf, width=60)  # not a terminal; its 60 columns are ignored for tables
    render_table(report, console, sections=ORDER)
    lines = buf.getvalue().splitlines()
    for lot in report.lots:
        for s in lot.strategies:
            assert any(s.name in x and s.description in x and fmt.usd(s.expected_npv_usd) in x for x in lines), s.name
    for f in report.inputs.network + report.inputs.site:
        assert any(x.startswith(f.name) and f.source in x for x in lines), f.name
    assert max(len(x) for x in lines) > 150  # full width
    assert console.width == 60  # the console is left as it was


def test_narrow_tables_stack_secondary_columns_under_the_name(report):
    text = render_text(report, width=60, sections=("risk",))
    assert "CVaR 5%: " in text and "P(payback): " in text  # moved under each strategy, not dropped
    assert max(len(x) for x in text.splitlines()) <= 60


def test_very_narrow_tables_become_records(report):
    text = render_text(report, width=24, sections=("models",))
    assert max(len(x) for x in text.splitlines()) <= 24
    for m in report.inputs.models:
        assert m.name in text and f"tariff: {fmt.pct(m.tariff_rate)}" in text


def test_warnings_and_unverified_fields_use_readable_names(report):
    from minecore.reports.render_html import render_html

    text = render_text(report, width=100, sections=ORDER)
    html = render_html(report, sections=("warnings", "models"))  # the sections that name fields (no charts: fast)
    for raw in ("efficiency_j_per_th", "hashrate_ths", "power_w", "chips_per_board", "assembly_country"):
        assert raw not in text and raw not in html, raw
    assert "efficiency (J/TH)" in text and "efficiency (J/TH)" in html


# ------------------------------------------------------------------------------------------ sections


def test_sections_parse_in_the_fixed_order():
    assert parse_sections("prices, briefing,risk") == ("briefing", "risk", "prices")
    assert parse_sections(None) == DEFAULT and parse_sections(None, full=True) == ORDER
    assert parse_sections("all") == ORDER
    from minecore.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="unknown section 'nope'"):
        parse_sections("nope")
    assert ORDER[0] == "briefing" and ORDER[-3:] == ("inputs", "models", "prices")


def test_table_and_html_share_the_order(report):
    from minecore.reports.render_html import render_html
    from minecore.reports.sections import TITLES

    # (the whole page's order is checked in the browser, tests/test_report_html.py; here the sections without charts)
    html = render_html(report, sections=("prices", "hold", "briefing", "models", "inputs", "warnings"))
    ids = re.findall(r'<section id="(\w+)"', html)
    assert ids == ["briefing", "warnings", "hold", "inputs", "models", "prices"]
    text = render_text(report, width=120, sections=ORDER)
    marks = [text.index(m) for m in ("Decision", TITLES["warnings"], TITLES["hold"], "strategies by expected NPV",
                                     "Monte Carlo, ", "sensitivity, one input", "options (whole lots",
                                     TITLES["inputs"], TITLES["models"], TITLES["prices"])]
    assert marks == sorted(marks)
    only = render_html(report, sections=("briefing", "hold"))
    assert re.findall(r'<section id="(\w+)"', only) == ["briefing", "hold"] and "<svg" not in only


def test_cli_sections_and_full(report, monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "100")
    import minecore.reports

    monkeypatch.setattr(minecore.reports, "build_report", lambda *a, **k: report)  # the CLI's rendering, not its build
    assert main(["report", "--paths", "0", "--sections", "prices,hold"]) == 0
    out = capsys.readouterr().out
    assert out.index("Cost of the hold so far") < out.index("Unit prices and where they come from")
    assert "Decision" not in out and "Not shown" not in out
    assert main(["report", "--paths", "0", "--full"]) == 0
    out = capsys.readouterr().out
    assert "Unit prices and where they come from" in out and "options (whole lots" in out and "Not shown" not in out
    assert main(["report", "--paths", "0", "--sections", "nope"]) == 2
    assert "unknown section 'nope'" in capsys.readouterr().err
    assert main(["report", "--paths", "0", "--sections", "risk", "--format", "json"]) == 2
    assert main(["report", "--paths", "0", "--sections", "risk", "--full"]) == 2


def test_module_doctests():
    from minecore.reports import render_table as rt
    from minecore.reports import sections

    for mod in (sections, fmt, rt):
        res = doctest.testmod(mod)
        assert res.failed == 0 and res.attempted > 0, mod.__name__
