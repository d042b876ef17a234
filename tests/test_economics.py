"""Economics: hashprice against Luxor, hand-checked cash flows, strategies, Monte Carlo, fleets, bad input."""

from __future__ import annotations

import doctest
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import minecore.economics as E
from minecore.errors import InvalidInputError, SnapshotError, UnknownModelError
from minecore.economics import (MachineSpec, MCEngine, MonteCarloParams, NetworkSnapshot, OperatingCosts,
                                ReleaseModel, ReplacementOption, Scenario, SeizedLot, Strategy)
from economics_fixtures import SNAP, FLAT, NO_RESALE, S21, US  # noqa: E402



def test_hashprice_matches_luxor_2024_11_12():
    """Difficulty 101.65 T, BTC $87,235, fees 0.158 BTC/block (2024-11-12): by hand
    1e15*86400*(3.125+0.158)/(101.65e12*2^32) = 6.4971e-4 BTC/PH/day x 87,235 = $56.68, within 2 % of Luxor's $55.97."""
    ref = E.reference_points()[0]
    snap = NetworkSnapshot(date=ref["date"], difficulty=ref["difficulty"], btc_price_usd=ref["btc_price_usd"],
                           fees_btc_per_block=ref["fees_btc_per_block"], block_height=870_000)
    hp = E.hashprice(snap)
    assert hp.btc_per_ph_day == pytest.approx(6.4971e-4, rel=1e-4)
    assert hp.usd_per_ph_day == pytest.approx(56.68, abs=0.01)
    assert abs(hp.usd_per_ph_day / ref["hashprice_usd_per_ph_day"] - 1) < 0.02
    assert hp.usd_per_th_day == pytest.approx(hp.usd_per_ph_day / 1000)


def test_default_snapshot_is_dated_and_consistent_with_domain():
    """Late Nov 2025 reference: hashprice about $38/PH/day."""
    snap = E.default_snapshot()
    assert snap.date.isoformat() == "2025-11-25" and snap.sources
    assert E.hashprice(snap).usd_per_ph_day == pytest.approx(38.0, rel=0.02)
    assert "2025-11-25" in snap.label


def test_halvings_and_subsidy():
    assert E.subsidy_btc(1_049_999) == 3.125 and E.subsidy_btc(1_050_000) == 1.5625
    h = SNAP.halvings(1)[0]
    # (1,050,000 - 924,300) blocks x 600 s = 872.9 days after 2025-11-25
    assert h.height == 1_050_000 and h.expected_date.isoformat() == "2028-04-16"
    sub = FLAT.subsidy_btc(900)
    assert sub[0] == 3.125 and sub[-1] == 1.5625 and np.argmax(sub < 3.125) == 873


def test_snapshot_files_and_overrides(tmp_path):
    f = tmp_path / "net.toml"
    f.write_text('[network]\nbtc_price_usd = 100000\nname = "mine"\n')
    snap = E.load_snapshot(f, base=SNAP)
    assert snap.btc_price_usd == 100_000 and snap.difficulty == SNAP.difficulty and snap.label.startswith("mine")
    j = tmp_path / "net.json"
    j.write_text(json.dumps({"date": "2025-01-01", "difficulty": 1e14, "btc_price_usd": 9e4, "fees_btc_per_block": 0.1}))
    assert E.load_snapshot(j).difficulty == 1e14
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(SnapshotError):
        E.load_snapshot(bad)
    j.write_text(json.dumps({"date": "2025-01-01", "difficulty": -1, "btc_price_usd": 9e4, "fees_btc_per_block": 0.1}))
    with pytest.raises(SnapshotError):
        E.load_snapshot(j)
    with pytest.raises(SnapshotError):
        SNAP.with_overrides(colour="blue")


def test_tariffs_by_origin_and_date():
    t = E.default_tariffs()
    # 172.6 % at the April 2025 peak, 57.6 % after Geneva (2025-05-14), 47.6 % from EO 14357 (2025-11-10)
    assert t.rate("China", "2025-04-10") == 1.726 and t.rate("China", "2025-08-06") == 0.576
    assert t.rate("China", "2025-11-09") == 0.576 and t.rate("China", "2025-11-25") == 0.476
    assert t.rate("Malaysia", "2025-08-07") == 0.216 and t.rate("Indonesia", "2025-09-01") == 0.216
    assert t.rate("Malaysia", "2024-01-01") == 0.026
    assert t.with_rate("China", 0.3).rate("China", "2025-09-01") == 0.3
    assert E.landed_capex(MachineSpec("x", 100, 2000, 1000, "China"), on="2025-09-01", freight_usd=50).total_usd == 1626


def test_worked_cash_flow_example():
    """200 TH/s, 3.5 kW, $0.05/kWh, PUE 1, no pool fee, 100 % uptime, flat network:
    revenue 200 x 0.0379972 = $7.5994/day, power 3.5 x 24 x 0.05 = $4.20/day, margin $3.3994/day;
    capex $2,500 (no tariff) pays back after ceil(2500/3.3994) = 736 days."""
    site = OperatingCosts(power_price_usd_per_kwh=0.05, pue=1.0, pool_fee=0.0, availability=1.0)
    cf = E.simulate_machine(S21, site, FLAT, horizon_days=800, discount_rate_per_year=0.0, tariff_rate=0.0,
                            price_usd=2500, valuation=NO_RESALE)
    assert cf.daily_margin_day0_usd == pytest.approx(3.3994, abs=1e-4)
    assert cf.payback_day == 736
    assert cf.npv_usd == pytest.approx(800 * 3.39943 - 2500, rel=1e-4)
    assert cf.break_even_power_price_usd_per_kwh == pytest.approx(7.59943 / 84, rel=1e-4)
    df = cf.to_dataframe()
    assert len(df) == 800 and df["cumulative_cash_usd"].iloc[-1] == pytest.approx(cf.cumulative_cash_usd[-1])


def test_halving_makes_payback_never_and_advises_shutdown():
    site = OperatingCosts(power_price_usd_per_kwh=0.05, pue=1.0, pool_fee=0.0, availability=1.0)
    cf = E.simulate_machine(S21, site, FLAT, horizon_days=1000, discount_rate_per_year=0.0, tariff_rate=0.0,
                            price_usd=3000)
    assert cf.payback_day is None and cf.payback_label.startswith("never")
    assert cf.margin_negative_day == 873 and "switch off from day 873" in cf.shutdown_advice


@settings(max_examples=25, deadline=None)
@given(st.floats(0.01, 0.15), st.floats(0.001, 0.05))
def test_profit_falls_as_power_price_rises(price, step):
    site = OperatingCosts(power_price_usd_per_kwh=price, shutdown_when_unprofitable=False)
    a = E.simulate_machine(S21, site, FLAT, horizon_days=60)
    b = E.simulate_machine(S21, site.replace(power_price_usd_per_kwh=price + step), FLAT, horizon_days=60)
    assert b.npv_usd < a.npv_usd


@settings(max_examples=25, deadline=None)
@given(st.floats(10, 40), st.floats(1.0, 1.5), st.floats(0, 0.05))
def test_margin_zero_at_break_even_power_price(eff, pue, pool):
    spec = MachineSpec("x", 100, eff * 100, 1000)
    site = OperatingCosts(pue=pue, pool_fee=pool, shutdown_when_unprofitable=False)
    hp = FLAT.hashprice_usd_per_th_day(1)[0]
    c = E.break_even_power_price_usd_per_kwh(spec, site, hp)
    d = E.unit_daily(spec, site.replace(power_price_usd_per_kwh=max(c, 0.0)), FLAT, 1)
    if c >= 0:
        assert d.margin_if_run_usd[0] == pytest.approx(0.0, abs=1e-9)


@settings(max_examples=25, deadline=None)
@given(st.floats(0.02, 0.06), st.floats(0.3, 0.95))
def test_npv_at_irr_is_zero(power, capex_share):
    """An IRR exists by construction, so the property is asserted on every example: below the S21's break-even
    ($0.08/kWh on the flat network) every day's net cash is >= 0 and some are > 0, and the unit price is a share
    (30-95 %) of the 500 days' undiscounted net cash, with no resale value and no duty. The flows are then
    -capex followed by non-negative cash summing to more than capex: one sign change, a positive undiscounted
    sum, hence one IRR > 0, and discounting at it gives NPV 0."""
    site = OperatingCosts(power_price_usd_per_kwh=power)
    kw = dict(horizon_days=500, tariff_rate=0.0, valuation=NO_RESALE)
    net = E.simulate_machine(S21, site, FLAT, price_usd=1000, **kw).net_cash_usd
    assert np.all(net >= 0) and net.sum() > 0
    cf = E.simulate_machine(S21, site, FLAT, price_usd=capex_share * net.sum(), **kw)
    assert cf.irr_per_year is not None and cf.irr_per_year > 0
    flows = np.concatenate([[-cf.capex_usd], cf.net_cash_usd, [cf.salvage_value_usd]])
    days = np.concatenate([[0.0], np.arange(500.0), [500.0]])
    assert cf.salvage_value_usd == 0 and flows.sum() > 0
    assert abs(E.npv(cf.irr_per_year, flows, days)) < 1e-6 * cf.capex_usd


@settings(max_examples=25, deadline=None)
@given(st.floats(200, 4000), st.floats(0.01, 0.06))
def test_static_payback_without_growth_or_discounting(price, power):
    site = OperatingCosts(power_price_usd_per_kwh=power, pue=1.0, pool_fee=0.0, availability=1.0)
    cf = E.simulate_machine(S21, site, FLAT, horizon_days=860, discount_rate_per_year=0.0, price_usd=price,
                            tariff_rate=0.0)
    daily = cf.daily_margin_day0_usd
    expected = math.ceil(price / daily)
    if expected <= 860:
        assert abs(cf.payback_day - expected) <= 1  # ±1 day: float rounding at exact multiples
    else:
        assert cf.payback_day is None


def _scenario(days_held=150, release=None, fee=14.0, horizon=400, **kw):
    lot = SeizedLot(S21, units=100, days_held=days_held, holding_fee_usd_per_unit_day=fee,
                    release=release or ReleaseModel())
    return Scenario(lot, (ReplacementOption(US, lead_time_days=20),), projection=FLAT, horizon_days=horizon, **kw)


def test_module_doctests():
    for mod in (E.snapshot, E.network, E.finance, E.spec, E.capex, E.release, E.machine, E.decision, E.tariffs, E.fleet,
                E.montecarlo, E.inputs, E.site, E.daily, E.valuation, E.flips, E.tax):
        assert doctest.testmod(mod).failed == 0, mod.__name__


def test_compare_strategies_and_hold_cost():
    res = E.compare(_scenario())
    labels = {o.label for o in res.outcomes}
    assert {"wait_and_redeploy", "sell_on_release", "reexport_on_release", "abandon", "replace_now:US-1",
            "replace_and_sell_on_release:US-1", "replace_and_redeploy:US-1", "partial_replace:US-1"} == labels
    npvs = [o.expected_npv_usd for o in res.outcomes]
    assert npvs == sorted(npvs, reverse=True) and res.margin_usd == pytest.approx(npvs[0] - npvs[1])
    hc = res.hold_cost
    assert hc.holding_fees_usd == 100 * 14 * 150 and hc.difficulty_drift_usd == 0.0
    # flat network: lost margin = days held x today's lot margin
    assert hc.lost_margin_usd == pytest.approx(150 * res.seized_daily_margin_day0_usd)
    # combination strategies are sums of their parts
    r = res.outcome(Strategy.REPLACE_NOW).expected_npv_usd
    assert res.outcome(Strategy.REPLACE_AND_SELL_ON_RELEASE).expected_npv_usd == pytest.approx(
        r + res.outcome(Strategy.SELL_ON_RELEASE).expected_npv_usd)
    assert len(res.to_dataframe()) == 8 and len(res.cashflow_dataframe()) == 8 * 400


def test_difficulty_growth_adds_to_hold_cost():
    sc = _scenario()
    grown = E.hold_cost(sc.replace(projection=FLAT.replace(difficulty_growth_per_month=0.03)))
    assert grown.difficulty_drift_usd > 0


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 300), st.integers(1, 100), st.floats(0.0, 0.06))
def test_longer_hold_never_makes_waiting_better(release_day, extra, growth):
    proj = FLAT.replace(difficulty_growth_per_month=growth)
    a = E.compare(_scenario(days_held=0, release=ReleaseModel.fixed(release_day)).replace(projection=proj))
    b = E.compare(_scenario(days_held=0, release=ReleaseModel.fixed(release_day + extra)).replace(projection=proj))
    for s in (Strategy.WAIT_AND_REDEPLOY, Strategy.SELL_ON_RELEASE):
        assert b.outcome(s).expected_npv_usd <= a.outcome(s).expected_npv_usd + 1e-6


def test_sensitivity_table():
    tab = E.sensitivity(_scenario(horizon=200))
    df = tab.to_dataframe()
    assert set(df["parameter"]) == {"power_price_usd_per_kwh", "btc_price_usd", "difficulty_growth_per_month",
                                    "hold_scale"}
    power = df[df.parameter == "power_price_usd_per_kwh"].sort_values("value")
    assert power["npv_usd[replace_now:US-1]"].is_monotonic_decreasing
    assert tab.tornado()[0]["swing_usd"] >= tab.tornado()[-1]["swing_usd"]


def test_monte_carlo_seeded_engines_agree_and_match_expectation():
    sc = _scenario(horizon=200)
    a = E.run_monte_carlo(sc, MonteCarloParams(paths=200, seed=3, engine=MCEngine.NUMPY))
    b = E.run_monte_carlo(sc, MonteCarloParams(paths=200, seed=3, engine=MCEngine.NUMPY))
    c = E.run_monte_carlo(sc, MonteCarloParams(paths=200, seed=3, engine=MCEngine.NUMPY_DAYLOOP))
    d = E.run_monte_carlo(sc, MonteCarloParams(paths=200, seed=4, engine=MCEngine.NUMPY))
    assert np.array_equal(a.npv_usd, b.npv_usd)
    assert np.allclose(a.npv_usd, c.npv_usd, rtol=1e-9, atol=1e-3)
    assert not np.array_equal(a.npv_usd, d.npv_usd)
    assert sum(a.p_win.values()) == pytest.approx(1.0)
    df = a.to_dataframe()
    assert {"npv_p5_usd", "npv_p50_usd", "npv_p95_usd", "p_win", "p_payback_within_horizon"} <= set(df.columns)
    assert (df["npv_p5_usd"] <= df["npv_p50_usd"]).all() and (df["npv_p50_usd"] <= df["npv_p95_usd"]).all()
    # zero volatility: the replacement's MC NPV equals the expected-value engine's (same price, stepwise difficulty)
    z = E.run_monte_carlo(sc, MonteCarloParams(paths=20, btc_volatility_per_year=0, difficulty_growth_sd_per_month=0,
                                               engine=MCEngine.NUMPY))
    det = E.compare(sc).outcome(Strategy.REPLACE_NOW).expected_npv_usd
    assert z.npv_usd[z.labels.index("replace_now:US-1")][0] == pytest.approx(det, rel=1e-9, abs=1e-3)


def test_numba_engine_matches_numpy():
    sc = _scenario(horizon=120)
    a = E.run_monte_carlo(sc, MonteCarloParams(paths=50, seed=1, engine=MCEngine.NUMBA))
    b = E.run_monte_carlo(sc, MonteCarloParams(paths=50, seed=1, engine=MCEngine.NUMPY))
    assert np.allclose(a.npv_usd, b.npv_usd, rtol=1e-9, atol=1e-3)


def test_fleet_dispatch_and_mix():
    site = OperatingCosts(pue=1.0)
    old = MachineSpec("old", 100, 3400, 500)
    plan = E.dispatch_under_cap([(old, 100), (S21, 100)], site_cap_mw=0.5, site=site, projection=FLAT)
    assert plan.rows[0]["model"] == "S21" and plan.rows[0]["units_on"] == 100
    assert plan.power_mw_on <= 0.5 and plan.cost_of_cap_usd_per_day >= 0
    mix = E.replacement_mix([S21, US], 1e6, projection=FLAT, site=OperatingCosts(power_price_usd_per_kwh=0.03))
    assert mix.capex_usd <= 1e6 and all(r["units"] == 0 or r["npv_per_unit_usd"] > 0 for r in mix.rows)


@pytest.mark.parametrize("bad", [dict(power_price_usd_per_kwh=-0.01), dict(power_price_usd_per_kwh=float("nan")),
                                 dict(pue=0.5), dict(pool_fee=1.5)])
def test_bad_operating_costs(bad):
    with pytest.raises(InvalidInputError):
        OperatingCosts(**bad)


def test_bad_inputs_are_typed():
    with pytest.raises(SnapshotError):
        SNAP.with_overrides(btc_price_usd=-1)
    with pytest.raises(InvalidInputError):
        MachineSpec("x", float("nan"), 100)
    with pytest.raises(UnknownModelError):
        E.resolve_spec("No Such Miner 9000")
    with pytest.raises(InvalidInputError):  # hold started after the analysis date
        Scenario(SeizedLot(S21, 10, hold_start="2026-01-01"), projection=FLAT)
    with pytest.raises(InvalidInputError):
        Scenario(SeizedLot(S21, 10, days_held=5), projection=FLAT, analysis_date="2025-01-01")










def test_decision_result_carries_the_seized_break_even_power_price():
    """S21 (200 TH/s, 3,500 W) on the flat 2025-11-25 network: hashprice $0.037997/TH/day, pool fee 2 %, PUE 1.10
    (defaults): break-even = 200 x 0.037997 x 0.98 / (3.5 kW x 24 h) / 1.10 = $0.0806/kWh; the lot's margin is 0
    there."""
    res = E.compare(_scenario())
    be = res.seized_break_even_power_price_usd_per_kwh
    assert be == pytest.approx(200 * 0.037997 * 0.98 / 84 / 1.10, rel=1e-4)
    assert res.summary()["seized_break_even_power_price_usd_per_kwh"] == be
    site = OperatingCosts(power_price_usd_per_kwh=be, availability=1.0)
    assert E.unit_daily(S21, site, FLAT, 1).margin_if_run_usd[0] == pytest.approx(0.0, abs=1e-9)


def test_replacement_roi_and_irr():
    """US-1 (260 TH/s, 4.4 kW, $5,000, no US duty) at $0.02/kWh on the flat network earns about $7/day and pays back
    within 1,095 days: ROI and IRR are finite, and discounting at the IRR gives NPV 0 (that is what IRR means).
    At $0.50/kWh it never runs and, with no resale value, no cash ever comes back: IRR does not exist (None, JSON
    null), ROI is -100 % and payback is None ("never")."""
    lot = SeizedLot(S21, units=10, days_held=100)
    cheap = OperatingCosts(power_price_usd_per_kwh=0.02)
    sc = Scenario(lot, (ReplacementOption(US, units=1, lead_time_days=20),), site=cheap, projection=FLAT,
                  horizon_days=1095)
    ro = E.compare(sc).options[0]
    assert ro.payback_day is not None and ro.payback_day < 1095
    assert math.isfinite(ro.roi) and ro.roi > 0 and math.isfinite(ro.irr_per_year) and ro.irr_per_year > 0
    s = ro.summary()
    assert (s["roi"], s["irr_per_year"]) == (ro.roi, ro.irr_per_year)
    at_irr = E.compare(sc.replace(discount_rate_per_year=ro.irr_per_year)).options[0]
    assert at_irr.npv_per_unit_usd == pytest.approx(0.0, abs=1e-6 * 5000)

    dear = OperatingCosts(power_price_usd_per_kwh=0.50)
    dead = ReplacementOption(US, units=1)
    ro = E.compare(Scenario(lot, (dead,), site=dear, projection=FLAT, horizon_days=365, valuation=NO_RESALE)).options[0]
    assert ro.irr_per_year is None and ro.payback_day is None and ro.roi == pytest.approx(-1.0)
    assert json.loads(json.dumps(ro.summary()))["irr_per_year"] is None


def test_machines_after_each_strategy_and_uncapped_dispatch():
    """machines_after: redeploying keeps the 100 seized S21, replacing adds the US-1 units, partial keeps half;
    selling keeps none. Uncapped dispatch (site_cap_mw=None) runs every profitable unit and the cap costs 0."""
    res = E.compare(_scenario())
    by = {o.label: res.machines_after(o) for o in res.outcomes}
    assert [(s.name, n) for s, n, _ in by["wait_and_redeploy"]] == [("S21", 100)]
    assert by["sell_on_release"] == () and by["abandon"] == ()
    rep = by["replace_now:US-1"]
    assert [(s.name, n) for s, n, _ in rep] == [("US-1", res.options[0].units)]
    assert [(s.name, n) for s, n, _ in by["replace_and_redeploy:US-1"]] == [("US-1", res.options[0].units), ("S21", 100)]
    assert dict((s.name, n) for s, n, _ in by["partial_replace:US-1"])["S21"] == 50
    plan = E.dispatch_under_cap(list(by["replace_and_redeploy:US-1"]), None, OperatingCosts(), FLAT)
    assert plan.site_cap_mw is None and plan.cost_of_cap_usd_per_day == 0.0
    assert [r["label"] for r in plan.rows] == ["replacement US-1", "seized S21"]  # 16.9 J/TH before 17.5 J/TH
    assert all(r["units_on"] == r["units"] for r in plan.rows)


#: files the --help examples name, as a user would write them










