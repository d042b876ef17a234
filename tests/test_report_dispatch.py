"""Site dispatch in the report: ``examples/site-cap.toml`` (4 MW cap, an S19 fleet, 1,000 seized S21).

The figures are :func:`minecore.economics.fleet.dispatch_under_cap`'s, on the fleet plus the machines the lot's
recommended strategy runs; the report only copies them into every format.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

from minecore.cli.main import main
from minecore.economics.fleet import dispatch_under_cap
from minecore.economics import compare
from minecore.hardware import default_catalog
from minecore.reports.scenario import with_monte_carlo
from minecore.reports import build_report, load_scenario
from minecore.reports.render_html import render_html
from minecore.reports.render_table import render_text

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "site-cap.toml"


@pytest.fixture(scope="module")
def scenario():
    return with_monte_carlo(load_scenario(EXAMPLE), paths=0)


@pytest.fixture(scope="module")
def report(scenario):
    return build_report(scenario)


def test_dispatch_is_the_economics_dispatch_of_fleet_plus_recommendation(scenario, report):
    """Recomputed from the economics API: the winner's machines plus the two fleet entries, under 4 MW."""
    from minecore.economics import MachineSpec, OperatingCosts

    site = OperatingCosts(power_price_usd_per_kwh=0.04, pue=1.10, pool_fee=0.02, availability=0.97, power_cap_mw=4.0)
    assert scenario.site == site  # the file's [site], with the model's defaults for what it leaves out
    res = compare(scenario.for_lot(0))
    fleet = []
    for name, units in (("Antminer S19 XP", 400), ("Antminer S19j Pro", 900)):  # the file's [[fleet]]
        m = default_catalog().get(name)
        fleet.append((MachineSpec(m.name, m.hashrate_ths, m.power_w, origin_country="n/a"), units, "fleet"))
    plan = dispatch_under_cap(fleet + list(res.machines_after()), 4.0, site, scenario.projection)
    d = report.dispatch
    assert d is not None and d.site_cap_mw == 4.0
    assert [(r.model, r.units_on) for r in d.rows] == [(r["model"], r["units_on"]) for r in plan.rows]
    assert d.cost_of_cap_usd_per_day == pytest.approx(plan.cost_of_cap_usd_per_day)
    assert d.margin_usd_per_day == pytest.approx(plan.margin_usd_per_day)


def test_dispatch_orders_by_break_even_and_respects_the_cap(report):
    """Most efficient first; the cap binds (the fleet alone needs ~4.4 MW), so it costs margin every day."""
    d = report.dispatch
    bes = [r.break_even_power_price_usd_per_kwh for r in d.rows]
    assert bes == sorted(bes, reverse=True)
    assert d.power_mw_on <= 4.0 + 1e-9 and d.uncapped_power_mw > 4.0
    assert d.cost_of_cap_usd_per_day > 0
    assert d.cost_of_cap_usd_per_day == pytest.approx(d.uncapped_margin_usd_per_day - d.margin_usd_per_day)
    first = d.rows[0]
    assert first.units_on == first.units  # the best break-even runs in full
    assert d.rows[-1].units_on < d.rows[-1].units  # the worst is cut back to fit the cap
    assert sum(r.power_mw_on for r in d.rows) == pytest.approx(d.power_mw_on)


def test_dispatch_in_every_format(report, capsys):
    text = render_text(report, width=120)
    assert "Site dispatch, 4.00 MW cap" in text and "the cap costs" in text
    assert "Site dispatch, 4.00 MW cap" in render_html(report)
    assert main(["report", str(EXAMPLE), "--paths", "0", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["dispatch"]["site_cap_mw"] == 4.0
    assert doc["dispatch"]["cost_of_cap_usd_per_day"] == pytest.approx(report.dispatch.cost_of_cap_usd_per_day)
    assert main(["report", str(EXAMPLE), "--paths", "0", "--format", "csv"]) == 0
    df = pd.read_csv(io.StringIO(capsys.readouterr().out))
    site = df[(df.section == "dispatch") & (df["item"] == "site")].set_index("metric")["value"]
    assert float(site["cost_of_cap_usd_per_day"]) == pytest.approx(report.dispatch.cost_of_cap_usd_per_day)
    assert len(df[(df.section == "dispatch") & (df.metric == "units_on")]) == len(report.dispatch.rows)


def test_fleet_without_cap_runs_every_profitable_unit(scenario):
    """No power_cap_mw: everything profitable runs and the cap costs nothing."""
    import dataclasses

    sc = dataclasses.replace(scenario, site=dataclasses.replace(scenario.site, power_cap_mw=None))
    d = build_report(sc).dispatch
    assert d.site_cap_mw is None and d.cost_of_cap_usd_per_day == 0.0
    assert all(r.units_on == (r.units if r.profitable else 0) for r in d.rows)
