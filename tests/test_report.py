"""``minecore report`` on the built-in default: it runs, and its numbers are the economics API's numbers.

The report layer must not compute money itself, so every figure checked here is recomputed by calling
``minecore.economics`` directly on the same inputs and compared exactly (or to float round-off).
"""

from __future__ import annotations

import dataclasses
import math

import pytest

from minecore.cli.main import main
from minecore.economics.montecarlo import MCEngine, MonteCarloParams, run_monte_carlo
from minecore.economics.network import default_snapshot
from minecore.economics import compare
from minecore.hardware import default_catalog
from minecore.reports import build_report, default_scenario, load_scenario, render
from minecore.reports.scenario import with_monte_carlo
from minecore.reports.render_table import render_text

PATHS = 200  # small Monte Carlo keeps the suite fast; the default scenario uses 1,000


@pytest.fixture(scope="module")
def scenario():
    return with_monte_carlo(default_scenario(), paths=PATHS)


@pytest.fixture(scope="module")
def report(scenario):
    return build_report(scenario)


@pytest.fixture(scope="module")
def econ(scenario):
    """The single-lot economics scenarios the report decides (the scenario is the economics' own model)."""
    return [scenario.for_lot(i) for i in range(len(scenario.lots))]


def test_default_report_prints_snapshot_date_and_lots(report):
    snap = default_snapshot()
    assert report.inputs.snapshot_date == snap.date.isoformat() == "2025-11-25"
    assert [lot.lot for lot in report.lots] == ["S21 lot", "M60S lot"]
    assert [lot.units for lot in report.lots] == [1000, 300]
    assert [lot.days_held for lot in report.lots] == [180, 120]


def test_strategy_npvs_and_winner_match_economics_compare(report, econ):
    for lot, esc in zip(report.lots, econ):
        res = compare(esc)
        assert [s.key for s in lot.strategies] == [o.label for o in res.outcomes]
        for s, o in zip(lot.strategies, res.outcomes):
            assert s.expected_npv_usd == o.expected_npv_usd
        assert lot.recommendation.strategy_key == res.winner.label
        assert lot.recommendation.margin_over_next_usd == res.margin_usd
        assert lot.hold_cost.total_usd == res.hold_cost.total_usd
        assert lot.hold_cost.holding_fees_usd == res.hold_cost.holding_fees_usd


def test_hold_fees_worked_example(report):
    """Holding fees so far = units x days held x fee: 1,000 x 180 x $14 = $2,520,000; 300 x 120 x $14 = $504,000."""
    assert [lot.hold_cost.holding_fees_usd for lot in report.lots] == [2_520_000.0, 504_000.0]
    assert math.isclose(report.hold_cost_total_usd, sum(lot.hold_cost.total_usd for lot in report.lots))


def test_option_rows_match_resolved_options(report, econ):
    for lot, esc in zip(report.lots, econ):
        res = compare(esc)
        seized, *repl = lot.options
        assert seized.kind == "seized" and seized.capex_usd == 0.0
        assert seized.daily_margin_usd == res.seized_daily_margin_day0_usd
        assert seized.npv_usd == res.outcome("wait_and_redeploy").expected_npv_usd
        for row, ro in zip(repl, res.options):
            s = ro.summary()
            assert (row.units, row.capex_usd, row.npv_usd, row.payback_day) == (
                s["units"], s["capex_usd"], s["npv_usd"], s["payback_day"])
            assert row.break_even_power_price_usd_per_kwh == s["break_even_power_price_usd_per_kwh"]


def test_tariffs_by_origin(report):
    """China-origin S21 Pro pays 47.6 % on 2025-11-25 (EO 14357 cut the fentanyl duty to 10 % from 2025-11-10), the
    US-assembled Auradine 0 %, Singapore 12.6 %."""
    rates = {o.name: o.tariff_rate for o in report.lots[0].options}
    assert rates["S21 Pro (China)"] == 0.476
    assert rates["Auradine AH3880"] == 0.0
    assert rates["Bitdeer A2"] == 0.126


def test_monte_carlo_matches_economics_run(report, econ, scenario):
    mcs = scenario.monte_carlo
    params = MonteCarloParams(paths=PATHS, seed=mcs.seed, btc_drift_per_year=mcs.btc_drift_per_year,
                              btc_volatility_per_year=mcs.btc_volatility_per_year,
                              difficulty_growth_sd_per_month=mcs.difficulty_growth_sd_per_month,
                              price_difficulty_correlation=mcs.price_difficulty_correlation, engine=MCEngine.NUMPY)
    for lot, esc in zip(report.lots, econ):
        direct = {r["strategy"]: r for r in run_monte_carlo(esc, params).summary_rows()}
        assert lot.monte_carlo.paths == PATHS and lot.monte_carlo.engine == "numpy"
        for row in lot.monte_carlo.rows:
            d = direct[row.strategy_key]
            assert (row.npv_p5_usd, row.npv_p50_usd, row.npv_p95_usd, row.p_win) == (
                d["npv_p5_usd"], d["npv_p50_usd"], d["npv_p95_usd"], d["p_win"])
        assert math.isclose(sum(r.p_win for r in lot.monte_carlo.rows), 1.0)
        assert sum(sum(h.counts) for h in lot.monte_carlo.histograms[:1]) == PATHS


def test_sensitivity_rows_move_the_inputs_given(report, scenario):
    rows = {r.variable: r for r in report.lots[0].sensitivity}
    assert (rows["power price"].low_value, rows["power price"].high_value) == scenario.sensitivity.power_price_usd_per_kwh
    assert (rows["hold length"].low_value, rows["hold length"].high_value) == (0.5, 2.0)
    # a longer hold never makes the recommended strategy better
    assert rows["hold length"].npv_high_usd <= rows["hold length"].npv_low_usd


def test_sensitivity_winner_and_margin_at_low_and_high_come_from_economics(report, econ, scenario):
    """Finding: the table showed only the base winner's (flat) NPV. Each row now carries, at low and high, the
    winner, its NPV and its margin from ``economics.seizure.sensitivity``, the next best by the NPVs it returned,
    and the base winner's lead (its NPV minus the best other's; negative once another wins)."""
    from minecore.economics import sensitivity

    sens = scenario.sensitivity
    p0 = econ[0].projection.snapshot.btc_price_usd
    for lot, esc in zip(report.lots, econ):
        table = sensitivity(esc, power_prices_usd_per_kwh=list(sens.power_price_usd_per_kwh),
                            btc_prices_usd=[p0 * (1 + c) for c in sens.btc_price_change],
                            difficulty_growths_per_month=list(sens.difficulty_growth_per_month),
                            hold_scales=list(sens.hold_scale))
        base = compare(esc)
        names = {s.key: s.name for s in lot.strategies}
        for row, param in zip(lot.sensitivity, ("power_price_usd_per_kwh", "btc_price_usd",
                                                "difficulty_growth_per_month", "hold_scale")):
            lo, hi = [r for r in table.rows if r.parameter == param]
            for point, (winner, npv, margin, nxt, lead) in ((lo, (row.winner_low, row.winner_npv_low_usd,
                                                                row.margin_low_usd, row.runner_up_low,
                                                                row.base_winner_lead_low_usd)),
                                                           (hi, (row.winner_high, row.winner_npv_high_usd,
                                                                 row.margin_high_usd, row.runner_up_high,
                                                                 row.base_winner_lead_high_usd))):
                order = sorted(point.npv_usd.items(), key=lambda kv: -kv[1])
                assert winner == names[point.winner] and npv == point.winner_npv_usd
                assert margin == point.margin_usd == order[0][1] - order[1][1]
                assert nxt == names[order[1][0]]
                best_other = max(v for k, v in point.npv_usd.items() if k != base.winner.label)
                assert lead == point.npv_usd[base.winner.label] - best_other
                assert (lead < 0) == (point.winner != base.winner.label)
            assert row.margin_base_usd == base.margin_usd and row.winner_base == names[base.winner.label]
    # the table shows each row's winner at low and high and the base winner's lead there
    power = report.lots[0].sensitivity[0]
    assert power.variable == "power price"
    from minecore.reports import fmt

    text = render_text(report, width=120)
    assert power.winner_low in text and fmt.usd(power.base_winner_lead_low_usd) in text
    html = render(report, "html")
    assert "winner&#x27;s NPV" in html and "next best" in html


def test_seed_reproducible_and_paths_zero_switches_monte_carlo_off(scenario):
    a = build_report(with_monte_carlo(scenario, paths=50, seed=3))
    b = build_report(with_monte_carlo(scenario, paths=50, seed=3))
    assert a.lots[0].monte_carlo.rows == b.lots[0].monte_carlo.rows
    off = build_report(with_monte_carlo(scenario, paths=0))
    assert all(lot.monte_carlo is None for lot in off.lots)
    text = render(off, "table")
    assert "Monte Carlo, " not in text and "Risk" not in text  # no Monte Carlo table, and the briefing says why
    assert "n/a: Monte Carlo off (--paths 0)" in text


@pytest.mark.parametrize("width", [60, 100, 160])
def test_table_fits_the_terminal_width(report, width):
    from minecore.reports.sections import ORDER

    text = render_text(report, width=width, sections=ORDER)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width
    for section in ("Inputs and their sources", "Cost of the hold so far", "strategies by expected NPV",
                    "Monte Carlo", "sensitivity", "what flips it", "options", "Models", "Unit prices"):
        assert section in text
    assert "2025-11-25" in text and "never" in text


def test_table_escapes_markup_in_names(report):
    odd = dataclasses.replace(report, title="minecore report: [bold]lot[/bold]")
    assert "[bold]lot[/bold]" in render_text(odd, width=100)


def test_cli_table_run_in_process(capsys):
    assert main(["report", "--paths", "20"]) == 0
    out, err = capsys.readouterr()
    assert "Decision" in out and "S21 lot" in out
    assert "Monte Carlo" not in err  # no progress bar when stderr is not a terminal


def test_report_without_emulate_never_imports_numba():
    import subprocess
    import sys

    code = ("import sys; from minecore.cli.main import main; main(['report', '--paths', '20', '--format', 'json']);"
            "print('NUMBA', 'numba' in sys.modules, 'matplotlib' in sys.modules, file=sys.stderr)")
    err = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stderr
    assert "NUMBA False False" in err


def test_seized_break_even_comes_from_the_economics_result(report, econ):
    """The seized row's break-even power price is DecisionResult.seized_break_even_power_price_usd_per_kwh, and the
    break-even chart rows carry the same figure."""
    for lot, esc in zip(report.lots, econ):
        res = compare(esc)
        seized = lot.options[0]
        assert seized.break_even_power_price_usd_per_kwh == res.seized_break_even_power_price_usd_per_kwh
        chart = {b.model: b.break_even_power_price_usd_per_kwh for b in report.break_even}
        assert chart[seized.model] == res.seized_break_even_power_price_usd_per_kwh


def test_option_roi_and_irr_come_from_economics(report, econ):
    """Replacement rows carry the economics ResolvedOption's ROI and IRR (finite here: each returns some cash);
    seized rows have none (capex sunk)."""
    for lot, esc in zip(report.lots, econ):
        res = compare(esc)
        seized, *repl = lot.options
        assert seized.roi is None and seized.irr_per_year is None
        for row, ro in zip(repl, res.options):
            assert (row.roi, row.irr_per_year) == (ro.roi, ro.irr_per_year)
            assert math.isfinite(row.roi) and math.isfinite(row.irr_per_year)


def test_plan_total_without_a_cap_is_the_sum_of_the_lots_winners(report):
    """Two lots, no site power cap: the lots do not compete, so the plan is each lot's winner, and every format
    says why the total is a sum."""
    from minecore.reports.render_csv import render_csv
    from minecore.reports.render_html import render_html

    assert report.joint_plan is None
    assert report.plan_expected_npv_usd == sum(lot.recommendation.expected_npv_usd for lot in report.lots)
    assert "the lots do not compete for power" in render_text(report, width=200)
    assert "the lots do not compete for power" in render_html(report)
    assert "the lots do not compete for power" in render_csv(report)


def _one_lot(tmp_path, option_lines: str, catalog=None):
    path = tmp_path / "s.toml"
    path.write_text(f"""
[[seized]]
model = "Antminer S21"
units = 10
days_held = 30
price_usd = 2699
price_source = "a quote from our broker"

[[option]]
model = "Antminer S21 Pro"
{option_lines}

[monte_carlo]
paths = 0
""")
    return load_scenario(path, catalog=catalog)


def test_replacement_without_scenario_or_catalog_price_is_priced_at_the_valuation_models_fmv(tmp_path):
    """No price_usd and no catalog price for a replacement: the valuation model's fair market value of a new unit on
    the analysis date (basis valuation_fmv, not an assumed $/TH tier), labelled in every format."""
    from minecore.economics import MachineSpec, Valuation

    sc = _one_lot(tmp_path, "")
    rep = build_report(sc)
    spec = MachineSpec.from_model(default_catalog().get("Antminer S21 Pro"))
    expected = round(float(Valuation().values_usd(spec, sc.projection, 0.0, 0)[0]), 2)
    assert 1000 < expected < 10_000
    m = next(m for m in rep.inputs.models if m.name == "Antminer S21 Pro")
    assert (m.price_usd, m.price_basis, m.price_unverified) == (expected, "valuation_fmv", False)
    o = next(o for o in rep.lots[0].options if o.kind == "replacement")
    assert (o.unit_price_usd, o.price_basis) == (expected, "valuation_fmv")
    assert not any("assumed $/TH tier" in w for w in rep.warnings)
    seized = next(m for m in rep.inputs.models if m.name == "Antminer S21")
    assert (seized.price_basis, seized.price_source) == ("scenario_assumption", "a quote from our broker")
    text = render_text(rep, width=140, sections=("prices",))
    assert "valuation model (FMV new)" in text and "scenario assumption" in text
    assert "valuation model (FMV new)" in render(rep, "html")


def test_dated_catalog_price_is_labelled_catalog(tmp_path):
    """A catalog model with a dated price and no scenario price: basis 'catalog', source = catalog source + date."""
    from minecore.hardware.catalog import Catalog

    base = default_catalog()
    models = [dataclasses.replace(m, price_usd=3900.0, price_date="2025-10-01", price_source="test quote")
              if m.name == "Antminer S21 Pro" else m for m in base]
    catalog = Catalog(models)  # the scenario resolves its models in the catalog it is loaded with
    rep = build_report(_one_lot(tmp_path, "", catalog), catalog=catalog)
    m = next(m for m in rep.inputs.models if m.name == "Antminer S21 Pro")
    assert (m.price_usd, m.price_basis, m.price_source, m.price_unverified) == (
        3900.0, "catalog", "test quote (2025-10-01)", False)
    assert "catalog (dated)" in render_text(rep, width=140, sections=("prices",))
