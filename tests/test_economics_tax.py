"""Income tax on mining hardware: bonus and MACRS depreciation, §1245 recapture, losses, carryforward, bad input.

Every expected figure is worked by hand in the test's docstring."""

from __future__ import annotations

import datetime as dt
import doctest
import math

import numpy as np
import pytest

import minecore.economics.tax as T
from minecore.economics.tax import (Depreciation, TaxAsset, TaxAssumptions, after_tax_cash, after_tax_npv,
                                    bonus_fraction, depreciation_schedule, tax_by_day, taxable_income)
from minecore.errors import InvalidInputError
from minecore.validate import describe

DAY0 = "2025-11-25"
TAX = TaxAssumptions()  # 21 % federal, no state, bonus, other taxable income available


def _replacement_case() -> tuple[np.ndarray, list[TaxAsset]]:
    cash = np.zeros(395)
    cash[30:] = 1_000.0  # days 30 .. 394: 365 days of $1,000 margin
    return cash, [TaxAsset(1_000_000.0, acquired_day=0, placed_in_service_day=30)]


def test_doctests():
    assert doctest.testmod(T).failed == 0


def test_defaults_and_combined_rate():
    """21 % federal (IRC §11(b)); with 5 % state, deductible federally: 0.21 + 0.05 x 0.79 = 0.2495."""
    assert TAX.rate == 0.21 and TAX.depreciation is Depreciation.BONUS
    assert TAX.bonus_cutoff_date == dt.date(2025, 1, 19) and TAX.taxable_income_available
    assert TAX.tax_payment_lag_days == 0
    assert TaxAssumptions(state_rate=0.05).rate == pytest.approx(0.2495, abs=1e-15)
    assert TaxAssumptions(bonus_cutoff_date="2025-01-19").bonus_cutoff_date == dt.date(2025, 1, 19)
    names = [row["name"] for row in describe(TaxAssumptions)]
    assert names == ["federal_rate", "state_rate", "depreciation", "bonus_cutoff_date", "taxable_income_available",
                     "tax_payment_lag_days"]


def test_a_replacement_bonus_then_margin():
    """$1,000,000 bought on day 0 = 2025-11-25 (after 2025-01-19), in service on day 30: 100 % bonus on day 30.

    Tax on day 30: 0.21 x (1,000 - 1,000,000) = -209,790 (shield 210,000 less 210 on the day's margin);
    days 31..394: 0.21 x 1,000 = 210. Total tax 0.21 x (365,000 - 1,000,000) = -133,350.
    After-tax cash: day 0 -1,000,000; day 30 1,000 + 209,790 = 210,790; days 31..394: 790.
    NPV at 0 %: -1,000,000 + 210,000 + 365 x 790 = -501,650.
    NPV at 10 %: with v = 1.1 ** (-1/365), -1,000,000 + 210,000 v^30 + 790 v^30 (1 - v^365) / (1 - v)
    = -1,000,000 + 208,361.35 + 790 x 345.4741 = -518,714.14.
    """
    cash, assets = _replacement_case()
    tax = tax_by_day(cash, tax=TAX, analysis_date=DAY0, assets=assets)
    assert tax[30] == pytest.approx(-209_790.0, abs=1e-6)
    assert np.allclose(tax[31:], 210.0) and np.all(tax[:30] == 0.0)
    assert tax.sum() == pytest.approx(0.21 * (365_000 - 1_000_000), abs=1e-6)
    out = after_tax_cash(cash, tax=TAX, analysis_date=DAY0, assets=assets)
    assert out[0] == -1_000_000.0 and out[30] == pytest.approx(210_790.0) and np.allclose(out[31:], 790.0)
    assert after_tax_npv(0.0, cash, tax=TAX, analysis_date=DAY0, assets=assets) == pytest.approx(-501_650.0, abs=1e-6)
    v = 1.1 ** (-1 / 365)
    hand = -1_000_000 + 210_000 * v**30 + 790 * v**30 * (1 - v**365) / (1 - v)
    assert hand == pytest.approx(-518_714.14, abs=0.01)
    assert after_tax_npv(0.10, cash, tax=TAX, analysis_date=DAY0, assets=assets) == pytest.approx(hand, abs=1e-6)


def test_b_abandoned_lot():
    """Seized lot, basis $2,700,000 (bought before the hold, never in service), abandoned on day 0:
    loss 2,700,000 x 0.21 = 567,000 of tax saved on day 0; no capex in the window (bought before day 0)."""
    lot = TaxAsset(2_700_000.0, acquired_day=-300, abandoned_day=0)
    out = after_tax_cash([0.0, 0.0], tax=TAX, analysis_date=DAY0, assets=[lot])
    assert out[0] == pytest.approx(567_000.0, abs=1e-6) and out[1] == 0.0
    # no other taxable income: the loss is carried forward, with nothing to offset it is worth nothing
    alone = TaxAssumptions(taxable_income_available=False)
    assert np.all(after_tax_cash([0.0, 0.0], tax=alone, analysis_date=DAY0, assets=[lot]) == 0.0)


def test_c_recapture_on_sale_of_bonus_depreciated_units():
    """Units bought 2025-08-17 (day -100), in service day -90: fully bonus-depreciated before day 0 (adjusted basis
    0). Sold on day 0 for $500,000: gain 500,000, all §1245 recapture (<= the 2,700,000 taken): tax 105,000;
    after-tax cash 500,000 - 105,000 = 395,000. Sold above cost (basis 400,000, all depreciated): gain 500,000 =
    400,000 recapture + 100,000 above cost, also ordinary: tax 105,000 again."""
    units = TaxAsset(2_700_000.0, acquired_day=-100, placed_in_service_day=-90, sold_day=0, sale_proceeds_usd=500_000.0)
    tax = tax_by_day([0.0], tax=TAX, analysis_date=DAY0, assets=[units])
    assert tax[0] == pytest.approx(105_000.0, abs=1e-6)
    assert after_tax_cash([0.0], tax=TAX, analysis_date=DAY0, assets=[units])[0] == pytest.approx(395_000.0, abs=1e-6)
    cheap = TaxAsset(400_000.0, acquired_day=-100, placed_in_service_day=-90, sold_day=0, sale_proceeds_usd=500_000.0)
    assert tax_by_day([0.0], tax=TAX, analysis_date=DAY0, assets=[cheap])[0] == pytest.approx(105_000.0, abs=1e-6)


def test_sale_below_adjusted_basis_gives_a_loss():
    """$1,000 on MACRS (election out), in service day 0, sold day 400 for $300: deductions on days 0 and 365 are
    200 + 320 = 520, adjusted basis 480, loss 180, shield 0.21 x 180 = 37.80 on day 400; nothing after the sale."""
    t = TaxAssumptions(depreciation="macrs5")
    a = TaxAsset(1_000.0, acquired_day=0, placed_in_service_day=0, sold_day=400, sale_proceeds_usd=300.0)
    inc = taxable_income(np.zeros(3000), tax=t, analysis_date=DAY0, assets=[a])
    assert inc[0] == pytest.approx(-200.0) and inc[365] == pytest.approx(-320.0) and inc[400] == pytest.approx(-180.0)
    assert np.count_nonzero(inc) == 3
    out = after_tax_cash(np.zeros(401), tax=t, analysis_date=DAY0, assets=[a])
    assert out[400] == pytest.approx(300.0 + 37.8) and out[0] == pytest.approx(-1_000.0 + 42.0)


def test_seized_units_sold_before_deployment_and_redeployed():
    """Never in service while held. Sold on day 10 for $2,000,000 against the full basis $2,700,000: loss 700,000,
    shield 147,000. Bought 2024-10-21 (day -400, before the cutoff), redeployed day 40 = 2026-01-04: 20 % bonus
    (TCJA phase-down for 2026) + 20 % MACRS year 1 on the other 80 %: 0.2 + 0.16 = 36 % on day 40."""
    sold = TaxAsset(2_700_000.0, acquired_day=-400, sold_day=10, sale_proceeds_usd=2_000_000.0)
    assert tax_by_day(np.zeros(11), tax=TAX, analysis_date=DAY0, assets=[sold])[10] == pytest.approx(-147_000.0)
    redeployed = TaxAsset(1_000.0, acquired_day=-400, placed_in_service_day=40)
    inc = taxable_income(np.zeros(41 + 365), tax=TAX, analysis_date=DAY0, assets=[redeployed])
    assert inc[40] == pytest.approx(-360.0) and inc[405] == pytest.approx(-0.32 * 800.0)


def test_bonus_eligibility():
    """Acquired and in service after 2025-01-19: 100 %. Acquired on or before it: TCJA phase-down by year placed
    in service (40 % 2025, 20 % 2026, 0 from 2027). Election out (macrs5): 0."""
    assert bonus_fraction("2025-01-20", "2025-01-20", TAX) == 1.0
    assert bonus_fraction("2025-01-19", "2025-06-01", TAX) == 0.4  # acquired on the cutoff date: not after it
    assert bonus_fraction("2024-10-01", "2026-03-01", TAX) == 0.2
    assert bonus_fraction("2024-10-01", "2027-03-01", TAX) == 0.0
    assert bonus_fraction("2025-11-25", "2025-12-25", TaxAssumptions(depreciation="macrs5")) == 0.0
    with pytest.raises(InvalidInputError):
        bonus_fraction("2025-12-01", "2025-11-01", TAX)  # placed in service before it was bought


def test_d_macrs5_matches_pub946_table_a1():
    """IRS Pub 946 Table A-1, 5-year, half-year: 20.00, 32.00, 19.20, 11.52, 11.52, 5.76 % (sum 100 %), on day 0
    and its anniversaries. $123,456.78 cost: the amounts sum back to the cost."""
    t = TaxAssumptions(depreciation="macrs5")
    sched = depreciation_schedule(1_000_000.0, 0, DAY0, t)
    assert [d for d, _ in sched] == [0, 365, 730, 1095, 1460, 1825]
    assert [a for _, a in sched] == pytest.approx([200_000, 320_000, 192_000, 115_200, 115_200, 57_600], abs=1e-6)
    odd = depreciation_schedule(123_456.78, 7, DAY0, t)
    assert math.fsum(a for _, a in odd) == pytest.approx(123_456.78, rel=1e-15) and odd[0][0] == 7
    assert sum(T.MACRS5_HALF_YEAR) == pytest.approx(1.0, abs=1e-15)
    assert depreciation_schedule(1_000.0, 5, DAY0, TAX) == [(5, 1_000.0)]  # bonus: all on the day


def test_e_carryforward_without_other_income():
    """No other taxable income. $1,000,000 bonus-expensed on day 0, operating cash 0, 600,000, 600,000:
    day 0 loss 1,000,000 carried (tax 0); day 1 600,000 - 600,000 carried = 0; day 2 600,000 - 400,000 = 200,000,
    tax 42,000. With other income the same total 0.21 x 200,000 = 42,000 comes as -210,000, 126,000, 126,000."""
    a = [TaxAsset(1_000_000.0, acquired_day=0, placed_in_service_day=0)]
    cash = [0.0, 600_000.0, 600_000.0]
    alone = tax_by_day(cash, tax=TaxAssumptions(taxable_income_available=False), analysis_date=DAY0, assets=a)
    assert alone == pytest.approx([0.0, 0.0, 42_000.0], abs=1e-6) and np.all(alone >= 0.0)
    shared = tax_by_day(cash, tax=TAX, analysis_date=DAY0, assets=a)
    assert shared == pytest.approx([-210_000.0, 126_000.0, 126_000.0], abs=1e-6)
    rng = np.random.default_rng(7)
    noisy = rng.normal(0.0, 1e5, 500)
    t = tax_by_day(noisy, tax=TaxAssumptions(taxable_income_available=False), analysis_date=DAY0, assets=a)
    assert np.all(t >= 0.0)


def test_payment_lag_shifts_and_keeps_the_total():
    """Lag 10 days: the day-30 shield is paid on day 40; taxes due after day 394 are settled on day 394."""
    cash, assets = _replacement_case()
    now = tax_by_day(cash, tax=TAX, analysis_date=DAY0, assets=assets)
    late = tax_by_day(cash, tax=TaxAssumptions(tax_payment_lag_days=10), analysis_date=DAY0, assets=assets)
    assert late[40] == pytest.approx(now[30]) and np.all(late[:40] == 0.0)
    assert late[-1] == pytest.approx(11 * 210.0) and late.sum() == pytest.approx(now.sum())
    longer = tax_by_day(cash[:5], tax=TaxAssumptions(tax_payment_lag_days=10), analysis_date=DAY0, assets=assets)
    assert np.all(longer == 0.0)


def test_events_outside_the_window():
    """In service day -400 on MACRS: 200 on day -400 and 320 on day -35 are sunk; 192 on day 330 is in a 400-day
    window; the sale on day 500 and the deductions after the window are left out."""
    a = TaxAsset(1_000.0, acquired_day=-400, placed_in_service_day=-400, sold_day=500, sale_proceeds_usd=10.0)
    t = TaxAssumptions(depreciation="macrs5")
    inc = taxable_income(np.zeros(400), tax=t, analysis_date=DAY0, assets=[a])
    assert inc[330] == pytest.approx(-192.0) and np.count_nonzero(inc) == 1


@pytest.mark.parametrize("kw", [
    {"federal_rate": 1.0}, {"federal_rate": -0.01}, {"state_rate": 1.0}, {"federal_rate": "0.21"},
    {"state_rate": "0"}, {"depreciation": "straight_line"}, {"depreciation": None}, {"taxable_income_available": "yes"},
    {"tax_payment_lag_days": -1}, {"tax_payment_lag_days": 1.5}, {"bonus_cutoff_date": "19/01/2025"},
    {"federal_rate": float("nan")}, {"federal_rate": True},
])
def test_f_bad_assumptions(kw):
    with pytest.raises(InvalidInputError):
        TaxAssumptions(**kw)


def test_f_bad_assets_and_cash():
    for kw in ({"cost_basis_usd": "1000"}, {"cost_basis_usd": -1.0}, {"cost_basis_usd": 1.0, "acquired_day": 0.5},
               {"cost_basis_usd": 1.0, "sold_day": 3, "abandoned_day": 3},
               {"cost_basis_usd": 1.0, "acquired_day": 5, "placed_in_service_day": 4},
               {"cost_basis_usd": 1.0, "sale_proceeds_usd": "5"}):
        with pytest.raises(InvalidInputError):
            TaxAsset(**kw)
    for cash in (["1.0", "2.0"], [1.0, float("inf")], [[1.0]], [True, False]):
        with pytest.raises(InvalidInputError):
            tax_by_day(cash, tax=TAX, analysis_date=DAY0)
    with pytest.raises(InvalidInputError):
        tax_by_day([1.0], tax=TAX, analysis_date=DAY0, assets=[{"cost_basis_usd": 1.0}])
    with pytest.raises(InvalidInputError):
        depreciation_schedule("1000", 0, DAY0, TAX)
    with pytest.raises(InvalidInputError):
        after_tax_npv(-1.0, [1.0], tax=TAX, analysis_date=DAY0)
    assert issubclass(InvalidInputError, ValueError)
