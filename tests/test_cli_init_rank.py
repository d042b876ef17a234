"""The CLI people expect (issue 11, item 6): `minecore init` and the shipped examples, `minecore rank`, `report --json`
and `--csv`, `compare --csv`, readable names beside ids in JSON, a report CSV whose numbers stay numbers after a
pivot, and `Report.to_dataframe()`."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from minecore.cli.main import main

ROOT = Path(__file__).resolve().parent.parent


def run(capsys, *argv):
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def report():
    from minecore.reports import build_report, default_scenario
    from minecore.reports.scenario import with_monte_carlo

    return build_report(with_monte_carlo(default_scenario(), paths=60, seed=3))


# ------------------------------------------------------------------------------------------ report and compare


def test_report_accepts_json_and_csv(capsys):
    """Why: `report --json` was rejected (`--format json` only)."""
    code, out, err = run(capsys, "report", "--json", "--paths", "0")
    assert code == 0, err
    assert json.loads(out)["schema_version"]
    code, out, _ = run(capsys, "report", "--csv", "--paths", "0")
    assert code == 0 and out.startswith("section,item,metric,value,unit,text\n")
    code, _, err = run(capsys, "report", "--json", "--format", "csv", "--paths", "0")
    assert code == 2 and "not allowed with" in err


COMPARE = ["compare", "--seized", "S21:200:90", "--replace", "Teraflux AH3880:150", "--horizon-days", "365",
           "--mc-paths", "40"]


def test_compare_csv_one_row_per_strategy(capsys):
    """Why: `compare` had no --csv."""
    code, out, err = run(capsys, *COMPARE, "--csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    _, js, _ = run(capsys, *COMPARE, "--json")
    doc = json.loads(js)
    assert [r["label"] for r in rows] == [s["label"] for s in doc["strategies"]]
    assert [float(r["expected_npv_usd"]) for r in rows] == pytest.approx([s["expected_npv_usd"]
                                                                          for s in doc["strategies"]])
    mc = {m["strategy"]: m for m in doc["monte_carlo"]}
    assert [float(r["p_win"]) for r in rows] == pytest.approx([mc[r["label"]]["p_win"] for r in rows])
    assert all(r["name"] for r in rows)


def test_compare_json_gives_every_strategy_id_a_readable_name(capsys):
    """Why: JSON strategy labels were ids only (`replace_and_redeploy:Teraflux AH3880`)."""
    from minecore.economics.inputs import strategy_title

    doc = json.loads(run(capsys, *COMPARE, "--json")[1])
    assert doc["winner_name"] == strategy_title(doc["winner"])
    keys = list(doc)
    assert keys.index("winner_name") == keys.index("winner") + 1
    for s in doc["strategies"]:
        assert s["name"] == strategy_title(s["label"]) and s["name"] != s["label"]
    assert {m["strategy_name"] for m in doc["monte_carlo"]} == {s["name"] for s in doc["strategies"]}
    replace = next(s for s in doc["strategies"] if s["label"] == "replace_and_redeploy:Teraflux AH3880")
    assert replace["name"] == "Replace with Teraflux AH3880 and redeploy seized"


def test_report_json_has_a_name_beside_every_strategy_id(report):
    from minecore.reports.render_json import report_to_dict

    pairs = {"key": "name", "strategy_key": "strategy_name", "runner_up_key": "runner_up_name",
             "strategy_keys": "strategies"}
    seen = 0

    def walk(node):
        nonlocal seen
        if isinstance(node, dict):
            for key, name in pairs.items():
                # (a histogram's strategy_key: its strategy's name is in the Monte Carlo row beside it)
                if node.get(key) is not None and (key != "key" or "description" in node) and "edges_usd" not in node:
                    assert node.get(name), (key, node)
                    seen += 1
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(report_to_dict(report))
    assert seen > 10


def test_report_csv_keeps_numbers_numeric_after_a_pivot(report):
    """Why: after the README's pivot of the report CSV the values were strings (text and numbers in one column)."""
    from minecore.reports import render

    df = pd.read_csv(io.StringIO(render(report, "csv")))
    assert pd.api.types.is_float_dtype(df["value"])
    for section in ("options", "strategies", "monte_carlo", "hold_cost", "models"):
        wide = df[df.section == section].pivot(index="item", columns="metric", values="value")
        wide = wide.dropna(axis=1, how="all")  # metrics that are text live in the text column
        assert all(pd.api.types.is_numeric_dtype(wide[c]) for c in wide.columns), section
    options = df[df.section == "options"].pivot(index="item", columns="metric", values="value")
    expected = {f"{lot.lot}/{o.name}": o.npv_usd for lot in report.lots for o in lot.options}
    assert options["npv_usd"].to_dict() == pytest.approx(expected)
    text = df[df.section == "options"].pivot(index="item", columns="metric", values="text")
    assert set(text["price_basis"]) <= {"scenario_assumption", "catalog", "valuation_fmv", "assumed_tier"}
    assert set(text["price_unverified"]) <= {"true", "false"}


def test_report_to_dataframe(report):
    """Why: the report object had no to_dataframe()."""
    from minecore.errors import InvalidInputError
    from minecore.reports.render_csv import COLUMNS, tidy_rows

    tidy = report.to_dataframe()
    assert tuple(tidy.columns) == COLUMNS and tidy["value"].dtype == "float64"
    assert len(tidy) == len(tidy_rows(report))
    hold = tidy[(tidy.section == "report") | (tidy.metric == "hold_cost_total_usd")]
    assert hold["value"].dropna().iloc[0] == pytest.approx(report.hold_cost_total_usd)
    options = report.to_dataframe("options")
    assert options.index.name == "item"
    assert options["npv_usd"].dtype == "float64" and options["units"].dtype == "int64"
    assert options["payback_day"].dtype == "float64"  # None -> NaN, not object
    first = report.lots[0].options[0]
    assert options.loc[f"{report.lots[0].lot}/{first.name}", "npv_usd"] == pytest.approx(first.npv_usd)
    assert options["price_unverified"].dtype == "boolean"
    mc = report.to_dataframe("monte_carlo")
    assert mc["p_win"].dtype == "float64"
    with pytest.raises(InvalidInputError, match="no report section"):
        report.to_dataframe("nope")


# ------------------------------------------------------------------------------------------ examples and init


def test_examples_ship_as_package_data():
    """Why: examples/ was not installed with the package. The examples live in the package
    (src/minecore/reports/examples, package-data); the checkout's examples/ is a link to that folder, so there is
    one copy of each file."""
    from minecore.cli.commands.init import examples

    shipped = examples()
    assert (ROOT / "examples").resolve() == (ROOT / "src" / "minecore" / "reports" / "examples").resolve()
    assert {"default", "site-cap"} <= set(shipped)
    import tomllib

    assert "package-data" in (ROOT / "pyproject.toml").read_text()
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "examples/*.toml" in data["minecore.reports"]


def test_init_writes_a_template_that_reports(tmp_path, monkeypatch, capsys):
    """Why: there was no command that writes a template scenario."""
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "init")
    assert code == 0 and "wrote scenario.toml" in err
    text = (tmp_path / "scenario.toml").read_text()
    assert text.count("\n#") > 20  # commented
    code, out, err = run(capsys, "report", "scenario.toml", "--paths", "0", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["lots"][0]["units"] == 100 and doc["inputs"]["horizon_days"] == 1095


def test_every_commented_key_of_the_template_is_valid(tmp_path):
    """Each optional key the template shows commented out loads when uncommented (alone, in its section)."""
    from minecore.cli.commands.init import TEMPLATE_TOML
    from minecore.reports import load_scenario

    lines = TEMPLATE_TOML.splitlines()
    keyed = [i for i, line in enumerate(lines) if re.match(r"# [a-z_]+ = [^ ]", line) and "[" not in line[2:6]]
    blocks = {"fleet": [i for i, line in enumerate(lines) if line.startswith("# [[fleet]]")],
              "tax": [i for i, line in enumerate(lines) if line.startswith("# [tax]")]}
    assert len(keyed) >= 10 and all(blocks.values())
    cases = []
    for name, (first,) in blocks.items():  # a commented section: uncommented as a whole
        block = [first]
        while first + len(block) < len(lines) and lines[first + len(block)].startswith("# "):
            block.append(first + len(block))
        cases.append(block)
    in_blocks = {i for block in cases for i in block}
    cases += [[i] for i in keyed if not lines[i].startswith("# strategies") and i not in in_blocks]
    start = next(i for i, line in enumerate(lines) if line.startswith("# strategies"))
    cases.append([start, start + 1])
    for n, case in enumerate(cases):
        text = "\n".join(line[2:] if i in case else line for i, line in enumerate(lines))
        path = tmp_path / f"t{n}.toml"
        path.write_text(text)
        load_scenario(str(path))  # raises on a bad key or value


def test_init_never_overwrites_without_force(tmp_path, capsys):
    path = tmp_path / "mine.toml"
    path.write_text("# my own work\n")
    code, _, err = run(capsys, "init", str(path))
    assert code == 2 and "--force" in err and err.count("\n") == 1
    assert path.read_text() == "# my own work\n"
    code, _, _ = run(capsys, "init", str(path), "--force")
    assert code == 0 and path.read_text().startswith("# minecore scenario")


def test_init_writes_a_shipped_example(tmp_path, capsys):
    path = tmp_path / "site-cap.toml"
    code, _, err = run(capsys, "init", "--example", "site-cap", str(path))
    assert code == 0, err
    assert path.read_text() == (ROOT / "examples" / "site-cap.toml").read_text()
    code, out, err = run(capsys, "report", str(path), "--paths", "0", "--json")
    assert code == 0 and json.loads(out)["dispatch"]["site_cap_mw"] == 4.0
    code, _, err = run(capsys, "init", "--example", "nope", str(tmp_path / "x.toml"))
    assert code == 2 and "site-cap" in err and not (tmp_path / "x.toml").exists()
    code, out, _ = run(capsys, "init", "--example", "default", "-")
    assert code == 0 and out == (ROOT / "examples" / "default.toml").read_text()


# ------------------------------------------------------------------------------------------ rank

CATALOG = """\
[[models]]
name = "Rig X"
maker = "ACME"
hashrate_ths = 300
power_w = 3000
assembly_country = "Malaysia"
price_usd = 4000
price_date = "2025-11-01"
price_source = "test quote"

[[models]]
name = "Rig Z"
maker = "ACME"
hashrate_ths = 150
power_w = 3000
"""


@pytest.fixture
def rigs(tmp_path):
    path = tmp_path / "rigs.toml"
    path.write_text(CATALOG)
    return str(path)


def rank(capsys, *argv):
    code, out, err = run(capsys, "rank", *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def test_rank_figures_come_from_the_economics(capsys, rigs):
    """Why: `models` could not rank machines by profit. Every figure of a row is the economics' own."""
    import dataclasses

    from minecore.economics import MachineSpec, NetworkProjection, OperatingCosts, Valuation, simulate_machine
    from minecore.economics.daily import unit_daily
    from minecore.economics.snapshot import default_snapshot
    from minecore.hardware import load_catalog

    doc = rank(capsys, "--catalog", rigs, "--maker", "acme", "--power-price", "0.03", "--growth", "0",
               "--tariff-rate", "0.1")
    rows = {r["model"]: r for r in doc["models"]}
    assert list(rows) == ["Rig X", "Rig Z"] and [r["rank"] for r in doc["models"]] == [1, 2]
    site = OperatingCosts(power_price_usd_per_kwh=0.03)
    proj = NetworkProjection(default_snapshot(), difficulty_growth_per_month=0.0)
    catalog = load_catalog(rigs)
    for name, basis in (("Rig X", "catalog"), ("Rig Z", "valuation_fmv")):
        row, model = rows[name], catalog.get(name)
        spec = MachineSpec.from_model(model, origin_country=model.assembly_country or "unknown")
        day0 = unit_daily(spec, dataclasses.replace(site, shutdown_when_unprofitable=False), proj, 1)
        assert row["profit_usd_per_day"] == pytest.approx(float(day0.margin_if_run_usd[0]))
        assert row["revenue_usd_per_day"] - row["power_cost_usd_per_day"] == pytest.approx(row["profit_usd_per_day"])
        price = spec.price_usd if basis == "catalog" else round(float(Valuation().values_usd(spec, proj, 0.0, 0)[0]), 2)
        assert (row["unit_price_usd"], row["price_basis"]) == (pytest.approx(price), basis)
        cf = simulate_machine(spec.with_price(price), site, proj, tariff_rate=0.1)
        assert row["break_even_power_price_usd_per_kwh"] == pytest.approx(cf.break_even_power_price_usd_per_kwh)
        assert (row["payback_day"], row["tariff_rate"]) == (cf.payback_day, 0.1)
        assert row["npv_usd"] == pytest.approx(cf.npv_usd) and row["capex_usd"] == pytest.approx(cf.capex_usd)
    assert rows["Rig X"]["payback_day"] is not None


def test_rank_without_an_origin_or_a_price_has_no_payback(capsys, rigs):
    doc = rank(capsys, "--catalog", rigs, "--maker", "ACME")
    z = next(r for r in doc["models"] if r["model"] == "Rig Z")
    assert z["payback_day"] is None and z["tariff_rate"] is None and "country of assembly" in z["note"]
    assert z["profit_usd_per_day"] is not None and z["break_even_power_price_usd_per_kwh"] > 0
    doc = rank(capsys, "--catalog", rigs, "--maker", "ACME", "--price-basis", "catalog")
    z = next(r for r in doc["models"] if r["model"] == "Rig Z")
    assert z["unit_price_usd"] is None and z["payback_day"] is None and "catalog price" in z["note"]


@pytest.mark.parametrize("sort, key, descending", [("profit", "profit_usd_per_day", True),
                                                   ("break-even", "break_even_power_price_usd_per_kwh", True),
                                                   ("payback", "payback_day", False),
                                                   ("efficiency", "efficiency_j_per_th", False)])
def test_rank_sorts(capsys, sort, key, descending):
    doc = rank(capsys, "--sort", sort, "--power-price", "0.03", "--growth", "0", "--price-basis", "assumed_tier")
    values = [r[key] for r in doc["models"]]
    known = [v for v in values if v is not None]
    assert known == sorted(known, reverse=descending) and len(known) > 5
    assert values[: len(known)] == known  # a missing figure sorts last
    assert [r["rank"] for r in doc["models"]] == list(range(1, len(values) + 1))


def test_rank_filters_top_csv_and_table(capsys, rigs):
    doc = rank(capsys, "--maker", "Bitmain", "--maker", "canaan", "--top", "4")
    assert len(doc["models"]) == 4 and {r["maker"] for r in doc["models"]} <= {"Bitmain", "Canaan"}
    doc = rank(capsys, "--origin", "united states")
    assert doc["models"] and {r["origin_country"] for r in doc["models"]} == {"United States"}
    assert all(s["reason"].startswith("no published") for s in doc["skipped"])
    code, out, _ = run(capsys, "rank", "--catalog", rigs, "--maker", "ACME", "--csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [r["model"] for r in rows] == ["Rig X", "Rig Z"] and rows[0]["rank"] == "1"
    code, out, _ = run(capsys, "rank", "--catalog", rigs, "--maker", "ACME")
    assert code == 0 and "Rig X" in out and "valuation_fmv" in out
    code, _, err = run(capsys, "rank", "--maker", "Bitman")
    assert code == 2 and "unknown maker" in err
