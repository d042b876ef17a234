"""What flips the decision (minecore.economics.flips): thresholds found by bisection, checked against compare().

No threshold is copied from a run: each is checked by deciding again just either side of it, or against an
independent root of the two strategies' NPV difference (scipy's brentq).
"""

from __future__ import annotations

import dataclasses
import doctest
import math

import pytest
from scipy.optimize import brentq

import minecore.economics.flips as F
from minecore.economics import (ReleaseModel, ReplacementOption, Scenario, SeizedLot, compare)
from minecore.economics.flips import FlipInput, Side, what_flips
from minecore.errors import InvalidInputError
from economics_fixtures import FLAT, S21, US, SITE  # noqa: E402

BUILTIN = [i.name for i in F.BUILTIN_INPUTS]
#: most compares one built-in input may cost with the default tol and steps (module docstring: 2 x (8 + 15))
MAX_PER_INPUT = 2 * (F.DEFAULT_STEPS + 15)


def _lot(**kw):
    base = dict(units=100, days_held=150, holding_fee_usd_per_unit_day=14.0, release=ReleaseModel())
    return SeizedLot(S21, **(base | kw))


def _scenario(lot=None, **kw):
    base = dict(site=SITE, projection=FLAT, horizon_days=1095)
    return Scenario(lot or _lot(), (ReplacementOption(US, lead_time_days=20),), **(base | kw))


def _winner(sc):
    return compare(sc).winner.label


def _power(sc, p):  # moved here by hand, not through the registry's apply
    return sc.replace(site=sc.site.replace(power_price_usd_per_kwh=p))


@pytest.fixture(scope="module")
def table():
    return what_flips(_scenario(), BUILTIN)


# ---- 1. the threshold separates the base winner from the new winner -------------------------------------------


def test_several_inputs_flip_in_the_test_scenario(table):
    flipped = {r.input for r in table.rows if r.flips}
    assert len(flipped) >= 4, flipped
    assert {"power_price_usd_per_kwh", "btc_price_usd", "hold_scale"} <= flipped


def test_base_winner_wins_just_inside_the_threshold_and_the_new_winner_just_outside(table):
    """Tolerance toward the base value: the base winner still wins; tolerance away from it: the reported new
    winner wins. The bracket is no wider than the tolerance and its ends decide the same way."""
    base_sc = _scenario()
    checked = 0
    for r in table.rows:
        if not r.flips:
            continue
        inp = F.flip_input(r.input)
        away = 1.0 if r.side is Side.ABOVE else -1.0
        assert r.tolerance == pytest.approx(max(table.tol * abs(r.threshold), inp.atol))
        inside, outside = r.bracket
        assert abs(outside - inside) <= r.tolerance
        assert (outside - inside) * away > 0 and r.threshold == pytest.approx(0.5 * (inside + outside))
        assert _winner(inp.apply(base_sc, r.threshold - away * r.tolerance)) == table.base_winner, r
        assert _winner(inp.apply(base_sc, r.threshold + away * r.tolerance)) == r.new_winner, r
        assert _winner(inp.apply(base_sc, inside)) == table.base_winner
        assert _winner(inp.apply(base_sc, outside)) == r.new_winner
        assert r.new_winner != table.base_winner
        checked += 1
    assert checked >= 5


def test_each_side_reports_the_base_lead_and_the_lead_over_the_new_winner(table):
    res = compare(_scenario())
    npv = {o.label: o.expected_npv_usd for o in res.outcomes}
    assert table.base_winner == res.winner.label and table.base_lead_usd == pytest.approx(res.margin_usd)
    for r in table.rows:
        assert r.base_lead_usd == pytest.approx(res.margin_usd)
        if r.flips:
            assert r.lead_over_new_usd == pytest.approx(npv[r.base_winner] - npv[r.new_winner])
            assert r.lead_over_new_usd >= r.base_lead_usd - 1e-6  # the runner-up is the closest at the base


def test_a_smaller_tolerance_tightens_the_threshold():
    sc = _scenario(strategies=("wait_and_redeploy", "abandon"))
    coarse = what_flips(sc, ["power_price_usd_per_kwh"], tol=1e-2).row("power_price_usd_per_kwh", "above")
    fine = what_flips(sc, ["power_price_usd_per_kwh"], tol=1e-6).row("power_price_usd_per_kwh", "above")
    assert fine.tolerance < coarse.tolerance and fine.compares > coarse.compares
    assert abs(coarse.threshold - fine.threshold) <= 0.5 * (coarse.tolerance + fine.tolerance)


# ---- 2. no flip in range ---------------------------------------------------------------------------------------


def test_an_input_without_a_flip_in_range_reports_none_with_the_range():
    """Selling on release against abandoning: neither depends on the site's power price."""
    sc = _scenario(strategies=("sell_on_release", "abandon"))
    t = what_flips(sc, ["power_price_usd_per_kwh"])
    for side in Side:
        r = t.row("power_price_usd_per_kwh", side)
        assert r.threshold is None and r.bracket is None and r.new_winner is None and r.tolerance is None
        assert r.lead_over_new_usd is None and r.relative_distance is None and r.clause() == ""
        assert r.compares == F.DEFAULT_STEPS  # the walk only: nothing to bisect
    r = t.row("power_price_usd_per_kwh", "above")
    assert (r.range_low, r.range_high, r.range_end) == (0.0, 0.30, 0.30)
    assert t.row("power_price_usd_per_kwh", "below").range_end == 0.0
    winner = F.strategy_words(t.base_winner)
    assert t.sentence() == f"{winner} wins over the whole range searched (power price $0.000/kWh to $0.300/kWh)."
    assert t.flips() == ()


def test_a_base_value_on_the_range_end_searches_only_the_other_side(table):
    r = table.row("release_cost_fraction", "below")  # no release costs: the base is the range's low end
    assert r.base_value == 0.0 and r.compares == 0 and r.threshold is None


# ---- 3. the power-price threshold agrees with an independent root -----------------------------------------------


def _npv_gap(sc, a, b):
    def f(p):
        out = {o.label: o.expected_npv_usd for o in compare(_power(sc, p)).outcomes}
        return out[a] - out[b]
    return f


def test_power_threshold_matches_brentq_on_the_npv_difference_two_strategies():
    """Only redeploying and abandoning: redeploying is worth less than nothing once power eats the margin (the
    holding fees stay)."""
    sc = _scenario(strategies=("wait_and_redeploy", "abandon"))
    t = what_flips(sc, ["power_price_usd_per_kwh"])
    assert t.base_winner == "wait_and_redeploy"
    r = t.row("power_price_usd_per_kwh", "above")
    assert r.new_winner == "abandon"
    f = _npv_gap(sc, "wait_and_redeploy", "abandon")
    assert f(0.05) > 0 > f(0.30)
    root = brentq(f, 0.05, 0.30, xtol=1e-12, rtol=1e-12)
    assert abs(r.threshold - root) <= r.tolerance / 2 + 1e-12


def test_power_threshold_matches_brentq_in_the_full_scenario(table):
    """Every strategy in play: each flipping side's threshold is the root of (base winner - new winner) between the
    base value and the range end, wherever that difference changes sign once there."""
    sc = _scenario()
    checked = 0
    for side in Side:
        r = table.row("power_price_usd_per_kwh", side)
        if not r.flips:
            continue
        f = _npv_gap(sc, r.base_winner, r.new_winner)
        lo, hi = sorted((r.base_value, r.range_end))
        assert f(r.base_value) > 0 > f(r.range_end) or f(r.base_value) > 0 > f(r.bracket[1])
        end = r.range_end if f(r.range_end) < 0 else r.bracket[1]
        root = brentq(f, *sorted((r.base_value, end)), xtol=1e-12, rtol=1e-12)
        assert abs(r.threshold - root) <= r.tolerance / 2 + 1e-12
        checked += 1
    assert checked >= 1


# ---- 4. the sentence --------------------------------------------------------------------------------------------


def test_sentence_of_a_hand_checkable_case():
    """Released for sure 200 days from now, fees on days 0..199: selling is worth S - 10 x 200 x fee for 10 units,
    so abandoning (worth 0) wins from fee = S / 2000 on (S: the sale, whatever the valuation model makes it)."""
    lot = SeizedLot(S21, units=10, days_held=0, holding_fee_usd_per_unit_day=5.0, release=ReleaseModel.fixed(200))
    sc = Scenario(lot, projection=FLAT, horizon_days=300, discount_rate_per_year=0.0, tariffs=None,
                  strategies=("sell_on_release", "abandon"))
    t = what_flips(sc, ["holding_fee_usd_per_unit_day"])
    r = t.row("holding_fee_usd_per_unit_day", "above")
    S = compare(sc.replace(lots=(dataclasses.replace(lot, holding_fee_usd_per_unit_day=0.0),))).outcome(
        "sell_on_release").expected_npv_usd
    assert 5.0 * 2000 < S < 100 * 2000, "the sale must put the threshold inside the fee's range"
    assert abs(r.threshold - S / 2000) <= r.tolerance / 2 + 1e-9
    assert t.sentence() == f"Sell on release wins unless holding fee ≥ ${S / 2000:,.2f}/unit/day (then Abandon the lot)."
    assert t.row("holding_fee_usd_per_unit_day", "below").threshold is None
    named = t.sentence({"sell_on_release": "Selling", "abandon": "walking away",
                        "holding_fee_usd_per_unit_day": "the fee"})
    assert named == f"Selling wins unless the fee ≥ ${S / 2000:,.2f}/unit/day (then walking away)."


def test_sentence_names_the_base_winner_and_the_nearest_flips_first(table):
    s = table.sentence()
    flips = table.flips()
    assert len(flips) >= 4
    assert s.startswith(f"{F.strategy_words(table.base_winner)} wins unless ") and s.endswith(").")
    assert s.count("(then ") == F.MAX_CLAUSES
    dist = [r.relative_distance for r in flips]
    assert dist == sorted(dist)
    pos = [s.index(r.clause()) for r in flips[:F.MAX_CLAUSES]]
    assert pos == sorted(pos)  # nearest first
    for r in flips[:F.MAX_CLAUSES]:
        assert f"(then {F.strategy_words(r.new_winner)})" in r.clause()
        assert ("≥" in r.clause()) == (r.side is Side.ABOVE)
    for r in flips[F.MAX_CLAUSES:]:
        assert r.clause() not in s
    assert table.sentence(max_clauses=1).count("(then ") == 1


def test_values_are_formatted_with_their_units():
    assert F.fmt_usd_per_kwh(0.0731) == "$0.073/kWh"
    assert F.fmt_usd(118_000.4) == "$118,000"
    assert F.fmt_percent_per_month(0.0125) == "+1.25%/month"
    assert F.fmt_percent_per_month(-0.004) == "-0.40%/month"
    assert F.fmt_scale(2.0) == "2.00x"
    assert F.fmt_usd_per_unit_day(1234.5) == "$1,234.50/unit/day"
    assert F.fmt_fraction_of_price(0.312) == "31.2% of the unit price"
    assert F.strategy_words("replace_now:US-1") == "Replace now with US-1"
    assert F.strategy_words("some_new_strategy:X") == "Some new strategy with X"


# ---- 5. cost on the default scenario, counted ---------------------------------------------------------------------


@pytest.mark.parametrize("lot", [0, 1])
def test_default_scenario_stays_within_the_documented_compare_count(lot, monkeypatch):
    from minecore.reports.scenario import default_scenario

    calls = 0
    real = F.compare

    def counting(sc):
        nonlocal calls
        calls += 1
        return real(sc)

    monkeypatch.setattr(F, "compare", counting)
    sc = default_scenario().for_lot(lot)
    t = what_flips(sc, BUILTIN)
    assert calls == t.compares == 1 + sum(r.compares for r in t.rows)
    assert calls <= 1 + MAX_PER_INPUT * len(BUILTIN)
    for name in BUILTIN:
        rows = [r for r in t.rows if r.input == name]
        assert len(rows) == 2 and sum(r.compares for r in rows) <= MAX_PER_INPUT, name
        for r in rows:
            if not r.flips:
                assert r.compares == (0 if r.base_value == r.range_end else F.DEFAULT_STEPS)
    assert t.sentence().startswith(F.strategy_words(compare(sc).winner.label))


# ---- the inputs and the registry ----------------------------------------------------------------------------------


def _with_paths():
    """A power price path and a BTC price path, which the inputs must move rather than drop."""
    site = SITE.replace(power_price_path_usd_per_kwh=(0.05, 0.06, 0.04))
    proj = FLAT.replace(btc_price_path_usd=(91_000.0, 95_000.0, 99_000.0))
    return _scenario(site=site, projection=proj, horizon_days=400)


@pytest.mark.parametrize("sc", [_scenario(), _with_paths()], ids=["flat", "paths"])
@pytest.mark.parametrize("name", BUILTIN)
def test_apply_at_the_base_value_decides_like_the_scenario(sc, name):
    inp = F.flip_input(name)
    moved = compare(inp.apply(sc, inp.base(sc)))
    base = compare(sc)
    assert [o.label for o in moved.outcomes] == [o.label for o in base.outcomes]
    for a, b in zip(moved.outcomes, base.outcomes):
        assert a.expected_npv_usd == pytest.approx(b.expected_npv_usd, rel=1e-12, abs=1e-6)


def test_paths_move_with_the_input():
    sc = _with_paths()
    p = F.flip_input("power_price_usd_per_kwh").apply(sc, 0.07)
    assert p.site.power_price_path_usd_per_kwh == pytest.approx((0.07, 0.08, 0.06))
    b = F.flip_input("btc_price_usd").apply(sc, 182_000.0)
    assert b.projection.btc_price_usd(3) == pytest.approx([182_000.0, 190_000.0, 198_000.0])
    assert F.flip_input("btc_price_usd").base(sc) == 91_000.0
    cheap = F.flip_input("power_price_usd_per_kwh").apply(sc, 0.0)
    assert min(cheap.site.power_price_path_usd_per_kwh) == 0.0  # floored at 0


def test_search_ranges():
    sc = _scenario()
    rng = {i.name: i.search_range(sc) for i in F.BUILTIN_INPUTS}
    assert rng["power_price_usd_per_kwh"] == (0.0, 0.30)
    assert rng["btc_price_usd"] == pytest.approx((0.2 * 91_000, 5 * 91_000))
    assert rng["difficulty_growth_per_month"] == (-0.05, 0.10)
    assert rng["hold_scale"] == (0.25, 4.0)
    assert rng["holding_fee_usd_per_unit_day"] == (0.0, 100.0)
    assert rng["release_cost_fraction"] == (0.0, 1.5)
    # widened to the base; clipped to what the release model accepts (holds up to 3650 days)
    fee = _scenario(lot=_lot(holding_fee_usd_per_unit_day=150.0))
    assert F.flip_input("holding_fee_usd_per_unit_day").search_range(fee) == (0.0, 150.0)
    long = _scenario(lot=_lot(release=ReleaseModel.fixed(1000)))
    assert F.flip_input("hold_scale").search_range(long) == pytest.approx((0.25, 3.65))


def test_difficulty_growth_is_skipped_when_the_scenario_gives_a_difficulty_path():
    sc = _scenario(projection=FLAT.replace(difficulty_path=(152e12, 153e12)))
    t = what_flips(sc, ["difficulty_growth_per_month", "hold_scale"])
    assert [n for n, _ in t.skipped] == ["difficulty_growth_per_month"]
    assert {r.input for r in t.rows} == {"hold_scale"}


def test_registry_is_extensible(monkeypatch):
    monkeypatch.setattr(F, "_REGISTRY", dict(F._REGISTRY))
    rate = FlipInput("discount_rate_per_year", "discount rate", "decimal/year",
                     lambda sc: sc.discount_rate_per_year, lambda sc, v: sc.replace(discount_rate_per_year=v),
                     0.0, 1.0, atol=1e-5, fmt=lambda v: f"{v:.1%}/year")
    assert F.register(rate) is rate
    assert F.flip_inputs()[-1] is rate and [i.name for i in F.flip_inputs()[:len(BUILTIN)]] == BUILTIN
    with pytest.raises(InvalidInputError, match="already registered"):
        F.register(rate)
    F.register(dataclasses.replace(rate, high=0.5), replace=True)
    assert F.flip_input("discount_rate_per_year").high == 0.5
    t = what_flips(_scenario(), ["discount_rate_per_year"])
    assert {r.input for r in t.rows} == {"discount_rate_per_year"}
    one = _scenario(strategies=("abandon",))  # one strategy: nothing flips, 2 compares a side
    assert len(what_flips(one, steps=2).rows) == 2 * (len(BUILTIN) + 1)  # default: every registered input
    # an unregistered FlipInput object can be passed directly
    t2 = what_flips(_scenario(), [dataclasses.replace(rate, name="ad hoc rate", fmt=None)])
    assert t2.rows[0].input == "ad hoc rate"
    assert t2.rows[0].range_text == "0 decimal/year to 1 decimal/year"  # the default format: value and unit


def test_bad_arguments_are_clean_errors():
    sc = _scenario()
    with pytest.raises(InvalidInputError, match="unknown flip input 'nope'; known: power_price_usd_per_kwh"):
        what_flips(sc, ["nope"])
    with pytest.raises(InvalidInputError, match="tol"):
        what_flips(sc, tol=0.0)
    with pytest.raises(InvalidInputError, match="steps"):
        what_flips(sc, steps=1)
    with pytest.raises(InvalidInputError, match="unique"):
        what_flips(sc, ["hold_scale", "hold_scale"])
    two = sc.replace(lots=(_lot(), _lot(name="other lot")))
    with pytest.raises(InvalidInputError, match="for_lot"):
        what_flips(two)
    with pytest.raises(InvalidInputError, match="low must be below high"):
        FlipInput("x", "x", "", lambda sc: 0.0, lambda sc, v: sc, 1.0, 1.0, atol=1e-3)
    with pytest.raises(InvalidInputError, match="atol"):
        FlipInput("x", "x", "", lambda sc: 0.0, lambda sc, v: sc, 0.0, 1.0, atol=0.0)
    t = what_flips(sc, ["hold_scale"], steps=2)
    with pytest.raises(InvalidInputError, match="no row"):
        t.row("power_price_usd_per_kwh", "above")
    with pytest.raises(InvalidInputError, match="side must be"):
        t.row("hold_scale", "up")


def test_to_dataframe_and_summary(table):
    df = table.to_dataframe()
    assert len(df) == 2 * len(BUILTIN)
    assert list(df["side"].unique()) == ["below", "above"]
    for col in ("input", "unit", "base_value", "range_end", "threshold", "tolerance", "bracket_inside",
                "bracket_outside", "new_winner", "base_lead_usd", "lead_over_new_usd", "compares"):
        assert col in df.columns
    flipped = df[df["threshold"].notna()]
    assert (flipped["new_winner"].notna()).all()
    s = table.summary()
    assert s["sentence"] == table.sentence() and len(s["rows"]) == len(df) and s["compares"] == table.compares
    assert math.isfinite(s["base_npv_usd"])


def test_module_doctests():
    assert doctest.testmod(F).failed == 0
