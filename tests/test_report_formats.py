"""Each report format parses: JSON against its schema (pinned key sets), CSV with pandas, HTML structure."""

from __future__ import annotations

import dataclasses
import io
import json
import math

import pandas as pd
import pytest

from minecore.cli.main import main
from minecore.reports.scenario import with_monte_carlo
from minecore.reports import SCHEMA_VERSION, build_report, default_scenario, render
from minecore.reports.render_csv import COLUMNS, unit_of
from minecore.reports.render_json import json_schema, report_to_dict


@pytest.fixture(scope="module")
def report():
    return build_report(with_monte_carlo(default_scenario(), paths=100))


@pytest.fixture(scope="module")
def doc(report):
    return json.loads(render(report, "json"))


def _check(instance, schema, defs, where="$"):
    """A small validator for the JSON Schema subset json_schema() uses (runs without jsonschema)."""
    if "$ref" in schema:
        return _check(instance, defs[schema["$ref"].rsplit("/", 1)[1]], defs, where)
    if "const" in schema:
        assert instance == schema["const"], where
        return
    if "anyOf" in schema:
        errors = []
        for option in schema["anyOf"]:
            try:
                _check(instance, option, defs, where)
                return
            except AssertionError as exc:
                errors.append(str(exc))
        raise AssertionError(f"{where}: matches no option ({errors})")
    kind = schema.get("type")
    if kind == "object":
        assert isinstance(instance, dict), where
        assert set(instance) == set(schema["required"]), (where, set(instance) ^ set(schema["required"]))
        for key, sub in schema["properties"].items():
            _check(instance[key], sub, defs, f"{where}.{key}")
    elif kind == "array":
        assert isinstance(instance, list), where
        for i, item in enumerate(instance):
            _check(item, schema.get("items", {}), defs, f"{where}[{i}]")
    elif kind == "number":
        assert isinstance(instance, (int, float)) and not isinstance(instance, bool), where
    elif kind == "integer":
        assert isinstance(instance, int) and not isinstance(instance, bool), where
    elif kind == "string":
        assert isinstance(instance, str), where
    elif kind == "boolean":
        assert isinstance(instance, bool), where
    elif kind == "null":
        assert instance is None, where


def test_json_matches_schema(doc):
    schema = json_schema()
    _check(doc, schema, schema["$defs"])


def test_json_matches_schema_with_jsonschema(doc):
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema not installed; the built-in check above ran")
    jsonschema.Draft202012Validator.check_schema(json_schema())
    jsonschema.validate(doc, json_schema())


def test_schema_rejects_a_renamed_key(doc):
    schema = json_schema()
    bad = json.loads(json.dumps(doc))
    bad["lots"][0]["options"][0]["npv"] = bad["lots"][0]["options"][0].pop("npv_usd")
    with pytest.raises(AssertionError):
        _check(bad, schema, schema["$defs"])


def test_json_keys_are_pinned(doc):
    """The stable schema: renaming any of these keys needs a SCHEMA_VERSION bump and this list updated."""
    # 1.1 added "dispatch"; 1.2 added price_basis/price_source/price_unverified to options, models;
    # 1.3 added the winner/runner-up/NPV/margin at each sensitivity point and the base winner's lead
    assert doc["schema_version"] == SCHEMA_VERSION == "2.1"  # 2.1 added salvage_usd to cash_series
    assert list(doc)[0] == "schema_version"
    assert set(doc) == {"schema_version", "title", "generated_by", "inputs", "lots", "plan", "plan_expected_npv_usd",
                        "hold_cost_total_usd", "break_even", "emulation", "dispatch", "warnings", "joint_plan"}
    assert doc["dispatch"] is None  # the default scenario has no [[fleet]] and no site power cap
    assert set(doc["lots"][0]["options"][0]) == {
        "name", "kind", "model", "units", "hashrate_ths", "power_mw", "efficiency_j_per_th", "unit_price_usd",
        "tariff_rate", "capex_usd", "daily_margin_usd", "payback_day", "npv_usd", "break_even_power_price_usd_per_kwh",
        "roi", "irr_per_year", "origin_country", "start_day", "price_basis", "price_source", "price_unverified",
        "salvage_usd_per_unit"}
    assert set(doc["inputs"]["models"][0]) == {
        "name", "maker", "hashrate_ths", "power_w", "efficiency_j_per_th", "origin_country", "restricted",
        "customs_hold_exposed", "price_usd", "price_source", "tariff_rate", "tariff_source", "unverified_fields",
        "sources", "price_basis", "price_unverified", "operating_point"}  # operating_point: issue 13 (added, not renamed)
    assert set(doc["lots"][0]["monte_carlo"]["rows"][0]) == {
        "strategy_key", "strategy_name", "npv_p5_usd", "npv_p50_usd", "npv_p95_usd", "npv_mean_usd", "p_win",
        "p_payback", "npv_cvar5_usd"}
    assert set(doc["lots"][0]["sensitivity"][0]) == {
        "variable", "unit", "base_value", "low_value", "high_value", "npv_low_usd", "npv_base_usd", "npv_high_usd",
        "winner_low", "winner_high", "margin_low_usd", "margin_high_usd", "winner_base", "runner_up_low",
        "runner_up_base", "runner_up_high", "winner_npv_low_usd", "winner_npv_high_usd", "margin_base_usd",
        "base_winner_lead_low_usd", "base_winner_lead_high_usd"}
    assert set(doc["lots"][0]["hold_cost"]) == {
        "lot", "model", "units", "days_held", "holding_fees_usd", "legal_costs_usd", "lost_margin_at_analysis_date_usd",
        "difficulty_drift_usd", "total_usd"}
    lot = doc["lots"][0]
    assert {"flips", "resale_usd_per_unit", "salvage_usd_per_unit", "resale_basis", "after_tax"} <= set(lot)
    assert {"explanation", "what_flips"} <= set(lot["recommendation"])
    assert set(lot["flips"][0]) == {"input", "label", "unit", "side", "base_value", "threshold", "threshold_text",
                                    "new_winner", "range_text"}
    assert "expected_npv_pre_tax_usd" in lot["strategies"][0]


def test_json_numbers_equal_the_report(report, doc):
    assert doc["hold_cost_total_usd"] == report.hold_cost_total_usd
    assert doc["lots"][1]["strategies"][0]["expected_npv_usd"] == report.lots[1].strategies[0].expected_npv_usd
    # "never pays back" is null, not a number
    assert any(o["payback_day"] is None for o in doc["lots"][0]["options"])
    assert report_to_dict(report)["inputs"]["snapshot_date"] == "2025-11-25"


def test_csv_loads_with_pandas_and_pivots(report, tmp_path, capsys):
    assert main(["report", "--format", "csv", "--paths", "100"]) == 0
    out, err = capsys.readouterr()
    assert err == ""  # no progress or messages mixed in
    path = tmp_path / "r.csv"
    path.write_text(out)
    df = pd.read_csv(path)
    assert tuple(df.columns) == COLUMNS
    options = df[df.section == "options"].pivot(index="item", columns="metric", values="value")
    npv = float(options.loc["S21 lot/Auradine AH3880", "npv_usd"])
    expected = next(o.npv_usd for o in report.lots[0].options if o.name == "Auradine AH3880")
    assert math.isclose(npv, expected, rel_tol=1e-12)
    units = df[(df.section == "options") & (df.metric == "capex_usd")]["unit"].unique().tolist()
    assert units == ["USD"]


@pytest.mark.parametrize("metric, unit", [("npv_usd", "USD"), ("power_mw", "MW"), ("hashrate_ths", "TH/s"),
                                          ("break_even_power_price_usd_per_kwh", "USD/kWh"), ("p_win", "probability"),
                                          ("days_held", "days"), ("efficiency_j_per_th", "J/TH"), ("name", "")])
def test_csv_units_from_key_suffix(metric, unit):
    assert unit_of(metric) == unit


def test_json_to_file_and_message_on_stderr(tmp_path, capsys):
    out_path = tmp_path / "r.json"
    assert main(["report", "--format", "json", "--paths", "50", "--output", str(out_path)]) == 0
    out, err = capsys.readouterr()
    assert out == "" and f"wrote {out_path}" in err
    assert json.loads(out_path.read_text())["schema_version"] == SCHEMA_VERSION


def test_output_to_missing_directory_is_bad_input(tmp_path, capsys):
    assert main(["report", "--format", "json", "--paths", "0", "--output", str(tmp_path / "no" / "r.json")]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_html_is_self_contained_with_its_svg_charts(report):
    html = render(report, "html")
    assert html.count("<svg") == 3 * len(report.lots) + 1  # cash, NPV distribution, tornado per lot; break-even
    for needle in ("http://", "https://", "<script", "<link", "@import", "src="):
        # the only URLs allowed are SVG namespaces and the schema id in text
        hits = [h for h in html.split(needle)[1:] if not h.startswith(("www.w3.org", "minecore.invalid"))]
        assert not hits, f"{needle} in HTML"
    assert "2025-11-25" in html and "Recommendation" in html


def test_every_price_carries_its_basis_and_source_in_json_and_csv(doc, report):
    """Finding: default prices looked like facts. Each model and option price names its basis and source; the
    built-in default's prices are all scenario assumptions (the catalog has no dated price for these models)."""
    prices = [(m["price_usd"], m["price_basis"], m["price_source"]) for m in doc["inputs"]["models"]]
    prices += [(o["unit_price_usd"], o["price_basis"], o["price_source"]) for lot in doc["lots"] for o in lot["options"]]
    assert len(prices) == 5 + 2 * 4
    assert {basis for _p, basis, _s in prices} == {"scenario_assumption"}
    assert all(src for _p, _b, src in prices)
    auradine = next(m for m in doc["inputs"]["models"] if m["name"] == "Teraflux AH3880")
    assert (auradine["price_usd"], auradine["price_unverified"]) == (5400, False)
    assert "no public price" in auradine["price_source"]
    df = pd.read_csv(io.StringIO(render(report, "csv")))
    opt = df[df.section == "options"].pivot(index="item", columns="metric", values="text")  # texts: the text column
    assert opt.loc["S21 lot/Auradine AH3880", "price_basis"] == "scenario_assumption"
    assert "no public price" in opt.loc["S21 lot/Auradine AH3880", "price_source"]
    models = df[df.section == "models"].pivot(index="item", columns="metric", values="text")
    assert set(models["price_basis"]) == {"scenario_assumption"}


def test_p_payback_none_renders_n_a_in_table_and_html_and_null_in_json_and_csv(report):
    """Economics may return P(payback) = None for a strategy without cash flows (abandoning the lot): the report
    shows "n/a" (not 0% or a dash) and JSON null."""
    from minecore.reports.render_table import render_text

    lot = report.lots[0]
    mc = lot.monte_carlo
    rows = tuple(dataclasses.replace(r, p_payback=None) if r.strategy_key == "abandon" else r for r in mc.rows)
    assert any(r.p_payback is None for r in rows)
    lot2 = dataclasses.replace(lot, monte_carlo=dataclasses.replace(mc, rows=rows))
    rep = report.replace(lots=(lot2, *report.lots[1:]))
    doc = json.loads(render(rep, "json"))
    abandon = next(r for r in doc["lots"][0]["monte_carlo"]["rows"] if r["strategy_key"] == "abandon")
    assert abandon["p_payback"] is None
    schema = json_schema()
    _check(doc, schema, schema["$defs"])
    line = next(x for x in render_text(rep, width=140, sections=("risk",)).splitlines()
                if x.strip().startswith("Abandon the lot")
                and "%" in x)
    assert line.split()[-1] == "n/a"
    html = render(rep, "html")
    assert '<td class="sec">n/a</td>' in html  # P(payback): a column that moves under the name on a phone
    df = pd.read_csv(io.StringIO(render(rep, "csv")))
    cell = df[(df.section == "monte_carlo") & (df.item == "S21 lot/abandon") & (df.metric == "p_payback")]["value"]
    assert len(cell) == 1 and pd.isna(cell.iloc[0])
