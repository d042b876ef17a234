"""Regression tests for the economics audit's findings (one test or more per finding; each failed before its fix).

Numbers are worked by hand from the inputs each test states, never copied from a run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import subprocess
import sys

import numpy as np
import pytest

import minecore.economics as E
from minecore.economics import (MachineSpec, MCEngine, MonteCarloParams, NetworkProjection, OperatingCosts,
                                ReleaseModel, ReplacementOption, Scenario, SeizedLot, Valuation)
from minecore.errors import InvalidInputError
from economics_fixtures import SNAP, FLAT, S21, US, SITE  # noqa: E402



def _lot(machine=S21, **kw):
    base = dict(units=100, days_held=150, holding_fee_usd_per_unit_day=14.0, release=ReleaseModel.fixed(160),
                entry_duty_rate=0.0)
    return SeizedLot(machine, **(base | kw))


# ---- 1. holding fees: w days in both engines ---------------------------------------------------------------------


def test_holding_fees_are_charged_for_the_days_before_release_only():
    """Released 10 days from now (fixed 160-day hold, 150 held): fees on days 0..9, 10 days x 100 units x $14 =
    $14,000, undiscounted; the day of release pays none. Before the fix the expected-value engine charged 11 days."""
    sc = Scenario(_lot(), site=SITE, projection=FLAT, horizon_days=60, discount_rate_per_year=0.0,
                  valuation=Valuation(kind="calendar", start_fraction=0.0))
    sell = E.compare(sc).outcome("sell_on_release")
    assert sell.expected_cash_usd[:10].sum() == pytest.approx(-14_000.0)
    assert sell.expected_cash_usd[10:].sum() == pytest.approx(0.0)
    assert sell.expected_npv_usd == pytest.approx(-14_000.0)


def _zero_vol():
    return MonteCarloParams(paths=16, seed=3, btc_volatility_per_year=0.0, difficulty_growth_sd_per_month=0.0,
                            engine=MCEngine.NUMPY)


@pytest.mark.parametrize("growth", [0.0, 0.02])
@pytest.mark.parametrize("btc_growth", [0.0, 0.25])
def test_monte_carlo_with_zero_volatility_reproduces_the_expected_value_engine(growth, btc_growth):
    """Fixed release, no volatility: every path is the deterministic one, so each strategy's mean NPV equals
    ``compare`` to 1e-6 relative (fees, release costs, resale, salvage, replacements, difficulty trend, BTC drift)."""
    proj = NetworkProjection(SNAP, difficulty_growth_per_month=growth, btc_price_growth_per_year=btc_growth)
    lot = _lot(release_costs_usd_per_unit=25.0, legal_costs_future_usd=5_000.0)
    sc = Scenario(lot, (ReplacementOption(US, lead_time_days=20),), site=OperatingCosts(), projection=proj,
                  horizon_days=500, analysis_date="2026-01-10")
    det = {o.label: o.expected_npv_usd for o in E.compare(sc).outcomes}
    mc = E.run_monte_carlo(sc, _zero_vol())
    for i, label in enumerate(mc.labels):
        assert mc.npv_usd[i].mean() == pytest.approx(det[label], rel=1e-6, abs=1e-6), label


# ---- 2. the analysis date moves the network forward --------------------------------------------------------------


def test_analysis_date_a_year_later_grows_difficulty_moves_the_halving_and_changes_npvs():
    grow = NetworkProjection(SNAP, difficulty_growth_per_month=0.02)
    base = Scenario(_lot(), (ReplacementOption(US),), projection=grow)
    later = base.replace(analysis_date=dt.date(2026, 11, 25))
    ratio = later.projection.difficulty(1)[0] / base.projection.difficulty(1)[0]
    assert ratio == pytest.approx(1.02 ** (365 / (365.25 / 12)), rel=1e-12)  # the model's own compounding
    assert ratio == pytest.approx(1.27, abs=0.005)
    h0, h1 = base.projection.halvings(1)[0], later.projection.halvings(1)[0]
    assert h0.height == h1.height and h1.days_from_snapshot == pytest.approx(h0.days_from_snapshot - 365, abs=1)
    a, b = E.compare(base), E.compare(later)
    assert b.analysis_date == dt.date(2026, 11, 25)
    assert a.outcome("wait_and_redeploy").expected_npv_usd != b.outcome("wait_and_redeploy").expected_npv_usd
    # the halving inside the horizon is a year closer: the subsidy steps down a year earlier
    assert np.flatnonzero(np.diff(later.projection.subsidy_btc(1095)))[0] == pytest.approx(
        np.flatnonzero(np.diff(base.projection.subsidy_btc(1095)))[0] - 365, abs=1)


# ---- 4. every sale pays the same selling costs -------------------------------------------------------------------


def test_every_sale_pays_the_same_selling_costs_and_block_discount():
    """Calendar valuation for hand numbers: 5 % selling costs, 2 % liquidity discount per 1,000 units.
    A replacement bought new and sold at the horizon (365 days, 1 unit): 5000 x 0.65 x 0.95 x (1 - 0.00002).
    The seized lot sold on release (day 10, age 160 days, 100 units): 3000 x 0.65^(160/365) x 0.95 x 0.998."""
    val = Valuation(kind="calendar", decline_per_year=0.35)
    sc = Scenario(_lot(), (ReplacementOption(US, units=1),), site=SITE, projection=FLAT, horizon_days=365,
                  discount_rate_per_year=0.0, valuation=val)
    res = E.compare(sc)
    assert res.outcome("replace_now").expected_salvage_usd == pytest.approx(5000 * 0.65 * 0.95 * (1 - 0.02 / 1000))
    ser = res.outcome("sell_on_release").expected_cash_usd
    assert ser[10] == pytest.approx(100 * 3000 * 0.65 ** (160 / 365) * 0.95 * (1 - 0.002))
    assert val.liquidity_discount(100_000) == val.max_liquidity_discount == 0.20


def test_entry_duty_on_release_follows_the_schedule_of_the_release_day():
    """Thailand-origin S21 declared at $3,000: 21.6 % on entry in late 2025, so selling on release pays $648 per
    unit more than with the duty already paid; re-exporting pays no US duty."""
    base = Scenario(_lot(entry_duty_rate=None), site=SITE, projection=FLAT, horizon_days=60,
                    discount_rate_per_year=0.0)
    paid = base.replace(lots=(dataclasses.replace(base.lot, entry_duty_rate=0.0),))
    a, b = E.compare(base), E.compare(paid)
    assert (b.outcome("sell_on_release").expected_npv_usd - a.outcome("sell_on_release").expected_npv_usd
            == pytest.approx(100 * 3000 * 0.216))
    assert a.outcome("reexport_on_release").expected_npv_usd == pytest.approx(
        b.outcome("reexport_on_release").expected_npv_usd)
    october = FLAT.replace(snapshot=SNAP.with_overrides(date="2025-10-01"))
    rates = E.decision.entry_duty_rates(base.replace(projection=october, analysis_date=dt.date(2025, 11, 1)))
    china = E.decision.entry_duty_rates(Scenario(_lot(entry_duty_rate=None, machine=MachineSpec(
        "C", 200, 3500, price_usd=3000, origin_country="China")), projection=october, analysis_date="2025-11-01"))
    assert rates[0] == rates[30] == pytest.approx(0.216)
    assert china[8] == pytest.approx(0.576) and china[9] == pytest.approx(0.476)  # 2025-11-10: EO 14357


def test_resale_follows_hashprice():
    """The buyer's value moves with the network: higher BTC price or slower difficulty growth, higher resale."""
    lot = _lot()
    grow = NetworkProjection(SNAP, difficulty_growth_per_month=0.02)
    sell = {}
    for name, proj in (("base", grow), ("btc+30%", grow.replace(snapshot=SNAP.with_overrides(btc_price_usd=118_300))),
                       ("flat", grow.replace(difficulty_growth_per_month=0.0))):
        sell[name] = E.compare(Scenario(lot, projection=proj)).outcome("sell_on_release").expected_npv_usd
    assert sell["btc+30%"] > sell["base"] and sell["flat"] > sell["base"]


# ---- 6. the report's Monte Carlo follows the network's BTC price growth -----------------------------------------


def test_monte_carlo_drift_defaults_to_the_networks_btc_price_growth():
    lot = _lot()
    flat = Scenario(lot, projection=FLAT, valuation=Valuation(kind="calendar"))  # resale independent of the path
    rising = flat.replace(projection=FLAT.replace(btc_price_growth_per_year=0.5))
    prm = _zero_vol()
    a = E.run_monte_carlo(flat, prm).npv_usd[0].mean()
    b = E.run_monte_carlo(rising, prm).npv_usd[0].mean()
    assert b > a
    assert E.run_monte_carlo(rising, dataclasses.replace(prm, btc_drift_per_year=0.0)).npv_usd[0].mean() == a


def test_report_monte_carlo_uses_the_scenarios_btc_price_growth():
    from minecore.reports.build import build_report
    from minecore.reports.scenario import parse_scenario

    text = ('[network]\nbtc_price_growth_per_year = {g}\n[[seized]]\nmodel = "Antminer S21"\nunits = 10\n'
            'days_held = 30\nprice_usd = 2699\n[monte_carlo]\npaths = 50\n')
    means = []
    for g in (0.0, 0.5):
        rep = build_report(parse_scenario(text.format(g=g), "x.toml"))
        means.append({r.strategy_key: r.npv_mean_usd for r in rep.lots[0].monte_carlo.rows}["wait_and_redeploy"])
    assert means[1] > means[0]


# ---- 7, 8, 10. typed, bounded inputs -----------------------------------------------------------------------------


@pytest.mark.parametrize("make", [
    lambda: OperatingCosts(power_price_usd_per_kwh="0.05"),
    lambda: Valuation(start_fraction=5),
    lambda: Valuation(kind="auction"),
    lambda: SeizedLot(S21, units=10, days_held=100_000),
    lambda: SeizedLot(S21, units="10", days_held=1),
    lambda: Scenario(_lot(), horizon_days=1),
    lambda: Scenario(_lot(), horizon_days=100_000_000),
    lambda: MonteCarloParams(seed=2**64),
    lambda: MonteCarloParams(paths=10_000_000_000),
    lambda: MonteCarloParams(btc_volatility_per_year=math.nan),
    lambda: E.npv(-1.0, [1.0, 2.0]),
    lambda: E.npv(math.nan, [1.0, 2.0]),
    lambda: E.npv(0.1, [1.0, math.inf]),
    lambda: ReleaseModel(median_hold_days=math.inf),
    lambda: MachineSpec("x", hashrate_ths="200", power_w=3500),
])
def test_bad_inputs_raise_a_typed_error(make):
    with pytest.raises(InvalidInputError):
        make()


def test_largest_seed_is_accepted_and_distinct():
    sc = Scenario(_lot(), projection=FLAT, horizon_days=30)
    top = E.run_monte_carlo(sc, MonteCarloParams(paths=4, seed=2**64 - 1, engine=MCEngine.NUMPY))
    zero = E.run_monte_carlo(sc, MonteCarloParams(paths=4, seed=0, engine=MCEngine.NUMPY))
    assert not np.array_equal(top.npv_usd, zero.npv_usd)


# ---- 11. availability versus hashrate efficiency -----------------------------------------------------------------


def test_hashrate_efficiency_scales_revenue_only_and_availability_both():
    full = E.unit_daily(S21, SITE, FLAT, 1)
    stale = E.unit_daily(S21, SITE.replace(hashrate_efficiency=0.9), FLAT, 1)
    down = E.unit_daily(S21, SITE.replace(availability=0.9), FLAT, 1)
    assert stale.revenue_usd[0] == pytest.approx(0.9 * full.revenue_usd[0])
    assert stale.power_cost_usd[0] == pytest.approx(full.power_cost_usd[0])  # a stale share still burns power
    assert down.revenue_usd[0] == pytest.approx(0.9 * full.revenue_usd[0])
    assert down.power_cost_usd[0] == pytest.approx(0.9 * full.power_cost_usd[0])
    # the break-even power price falls with hashrate efficiency, not with availability
    hp = float(full.hashprice_usd_per_th_day[0])
    assert E.break_even_power_price_usd_per_kwh(S21, SITE.replace(hashrate_efficiency=0.9), hp) == pytest.approx(
        0.9 * E.break_even_power_price_usd_per_kwh(S21, SITE, hp))
    assert E.break_even_power_price_usd_per_kwh(S21, SITE.replace(availability=0.9), hp) == pytest.approx(
        E.break_even_power_price_usd_per_kwh(S21, SITE, hp))


# ---- one finance module, one payback rule, ROI None when nothing is invested -------------------------------------


def test_one_payback_rule_everywhere():
    cf = E.simulate_machine(S21, SITE, FLAT, horizon_days=1000, discount_rate_per_year=0.0, tariff_rate=0.0)
    assert cf.payback_day == E.payback_day(cf.cumulative_cash_usd)
    sc = Scenario(_lot(), (ReplacementOption(US, units=3),), site=SITE, projection=FLAT, horizon_days=800)
    res = E.compare(sc)
    ro = res.options[0]
    flows = ro.unit_cash_flows_usd
    assert ro.payback_day == E.payback_day(np.cumsum(flows[1:-1]) + flows[0])
    for o in res.outcomes:
        assert o.payback_day == E.payback_day(o.cumulative_cash_usd)


def test_roi_is_none_when_nothing_is_invested():
    free = MachineSpec("free", 200, 3500, price_usd=0.0, origin_country="United States")
    assert E.simulate_machine(free, SITE, FLAT, horizon_days=30).roi is None
    assert E.roi(10.0, 0.0) is None


# ---- the input model stands alone --------------------------------------------------------------------------------


def test_input_model_imports_without_numpy():
    code = "import sys, minecore.economics.inputs as m; m.Scenario; print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_default_s21_sell_on_release_moves_with_btc_and_difficulty_as_the_valuation_implies():
    """'Sell on release' of the default S21 lot earns only the sale, so its NPV moves with BTC price (+-30 %) and
    difficulty growth (0 vs 4 %/month) by exactly the change of the valuation model's resale, weighted by the
    release distribution and discounted: computed here from Valuation directly, not from compare()."""
    from minecore.economics.decision import _parts
    from minecore.reports.scenario import default_scenario

    sc = default_scenario().for_lot(0)
    lot = sc.lot
    keep = sc.valuation.net_of_sale_costs(lot.units)

    def sell_npv(s):
        return E.compare(s).outcome("sell_on_release").expected_npv_pre_tax_usd

    def implied_resale_pv(s):
        p = _parts(s)
        H = s.horizon_days
        gross = s.valuation.values_usd(lot.machine, s.projection, lot.age_days_at_hold_start + s.days_held,
                                       np.arange(H))
        return float(np.sum(p.pmf * (1 - p.q_forfeit) * p.disc[:H] * gross) * lot.units * keep)

    snap = sc.projection.snapshot
    cases = {"btc-30%": sc.replace(projection=sc.projection.replace(snapshot=snap.with_overrides(
                 btc_price_usd=snap.btc_price_usd * 0.7))),
             "btc+30%": sc.replace(projection=sc.projection.replace(snapshot=snap.with_overrides(
                 btc_price_usd=snap.btc_price_usd * 1.3))),
             "growth 0": sc.replace(projection=sc.projection.replace(difficulty_growth_per_month=0.0)),
             "growth 4%": sc.replace(projection=sc.projection.replace(difficulty_growth_per_month=0.04))}
    base = sell_npv(sc)
    moves = {}
    for name, s in cases.items():
        moves[name] = sell_npv(s) - base
        assert moves[name] == pytest.approx(implied_resale_pv(s) - implied_resale_pv(sc), rel=1e-9, abs=1e-6), name
    assert moves["btc-30%"] < 0 < moves["btc+30%"] and moves["growth 4%"] < 0 < moves["growth 0"]
    assert abs(moves["btc+30%"]) > 0.05 * abs(base)  # not a rounding effect: resale is most of this strategy
