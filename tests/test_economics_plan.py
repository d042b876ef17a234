"""One plan for the whole site: lots valued together under the power cap, against lot-by-lot decisions."""

from __future__ import annotations

import pytest

import minecore.economics as E
from minecore.economics import (FleetEntry, MachineSpec, OperatingCosts, ReleaseModel, Scenario,
                                SeizedLot, Valuation)
from minecore.economics.plan import joint_plans
from economics_fixtures import FLAT  # noqa: E402

NEW = MachineSpec("New", 200, 3500, price_usd=3000, origin_country="United States")  # 17.5 J/TH
OLD = MachineSpec("Old", 100, 3000, price_usd=1000, origin_country="United States")  # 30 J/TH
FLEET = MachineSpec("Fleet", 150, 3000, price_usd=2000, origin_country="United States")  # 20 J/TH


def _scenario(cap_mw):
    """Cheap power ($0.03/kWh), no duty, low resale (30 % of price, -35 %/year), both lots released in 10 days: each
    lot alone is worth redeploying. The cap fits the fleet (100 x 3 kW) and the New lot (100 x 3.5 kW) only."""
    site = OperatingCosts(power_price_usd_per_kwh=0.03, pue=1.0, pool_fee=0.0, availability=1.0, power_cap_mw=cap_mw)
    lots = tuple(SeizedLot(m, units=100, days_held=100, holding_fee_usd_per_unit_day=1.0, release=ReleaseModel.fixed(110),
                           entry_duty_rate=0.0, redeploy_delay_days=0, name=n)
                 for m, n in ((NEW, "new lot"), (OLD, "old lot")))
    return Scenario(lots, site=site, projection=FLAT, horizon_days=365, discount_rate_per_year=0.0,
                    fleet=(FleetEntry(FLEET, 100),), strategies=("wait_and_redeploy", "sell_on_release", "abandon"),
                    valuation=Valuation(kind="calendar", start_fraction=0.3, decline_per_year=0.35))


def test_without_a_cap_the_best_plan_is_each_lots_winner():
    r = joint_plans(_scenario(None))
    assert not r.capped and r.best.displaced_margin_usd == 0.0
    assert r.best.strategies == ("wait_and_redeploy", "wait_and_redeploy") == r.per_lot_winners.strategies


def test_under_the_cap_the_joint_plan_sells_the_lot_that_would_not_run():
    """0.65 MW: the fleet and the New lot fill the cap, so redeploying the Old lot runs nothing (it is the least
    efficient) while lot by lot it looked best. Its displaced margin is the Old lot's whole running margin:
    100 units x (100 TH x hashprice - 3 kW x 24 h x $0.03) x 355 days."""
    sc = _scenario(0.65)
    r = joint_plans(sc)
    assert r.per_lot_winners.strategies == ("wait_and_redeploy", "wait_and_redeploy")
    assert r.best.strategies == ("wait_and_redeploy", "sell_on_release") and r.differs_from_per_lot
    both = next(p for p in r.plans if p.strategies == ("wait_and_redeploy", "wait_and_redeploy"))
    hp = float(FLAT.hashprice_usd_per_th_day(1)[0])
    old_margin = 100 * (100 * hp - 3.0 * 24 * 0.03)
    assert both.displaced_margin_usd == pytest.approx(old_margin * 355, rel=1e-9)
    assert r.best.expected_npv_usd > both.expected_npv_usd
    assert r.best.expected_npv_usd == pytest.approx(sum(r.best.lot_npv_usd) - r.best.displaced_margin_usd)


def test_the_report_picks_the_joint_plan():
    from minecore.reports.build import build_report

    rep = build_report(_scenario(0.65).replace(monte_carlo=E.MonteCarloParams(paths=0)))
    assert [p.strategy_key for p in rep.plan] == ["wait_and_redeploy", "sell_on_release"]
    assert rep.joint_plan is not None and rep.joint_plan.differs_from_per_lot
    assert rep.plan_expected_npv_usd == pytest.approx(joint_plans(_scenario(0.65)).best.expected_npv_usd)
    from minecore.reports.render_table import render_text

    text = render_text(rep, width=120)
    assert "Joint plan" in text and "per-lot winners" in text


def test_what_flips_the_joint_plan_is_found_by_root_finding():
    """The joint plan changes with the power price: at the threshold minus its tolerance the plan holds, plus it, the
    reported new plan wins (checked with joint_plans itself, not the search)."""
    from minecore.economics.flips import PLAN_SEPARATOR, what_flips_plan

    sc = _scenario(0.65)
    table = what_flips_plan(sc, ["power_price_usd_per_kwh"], tol=1e-4)
    base = PLAN_SEPARATOR.join(joint_plans(sc).best.strategies)
    assert table.base_winner == base
    rows = [r for r in table.rows if r.threshold is not None]
    assert rows, "the power price moves the plan somewhere in [0, 0.30] USD/kWh"
    for r in rows:
        inside, outside = r.bracket
        apply = E.flips.flip_input("power_price_usd_per_kwh").apply
        assert PLAN_SEPARATOR.join(joint_plans(apply(sc, inside)).best.strategies) == base
        assert PLAN_SEPARATOR.join(joint_plans(apply(sc, outside)).best.strategies) == r.new_winner
    assert table.sentence().startswith("Wait and redeploy; Sell on release wins unless power price")
