"""After-tax NPVs of the decision's strategies, against hand calculations (21 % federal, no state tax)."""

from __future__ import annotations

import numpy as np
import pytest

import minecore.economics as E
from minecore.economics import (MCEngine, MonteCarloParams, ReleaseModel, ReplacementOption, Scenario,
                                SeizedLot, TaxAssumptions, Valuation)
from economics_fixtures import FLAT, NO_RESALE, S21, US, SITE  # noqa: E402

TAX = TaxAssumptions()  # 21 % federal, bonus depreciation


def _scenario(**kw):
    lot = SeizedLot(S21, units=100, days_held=150, holding_fee_usd_per_unit_day=0.0, release=ReleaseModel.fixed(160),
                    entry_duty_rate=0.0)
    base = dict(site=SITE, projection=FLAT, horizon_days=365, discount_rate_per_year=0.10, valuation=NO_RESALE,
                tax=TAX)
    return Scenario(lot, (ReplacementOption(US, units=10, lead_time_days=30, tariff_rate=0.0),), **(base | kw))


def test_abandoned_lot_deducts_its_basis():
    """Abandoning 100 units declared at $3,000 deducts $300,000 today: 0.21 x 300,000 = $63,000 after tax."""
    res = E.compare(_scenario())
    ab = res.outcome("abandon")
    assert ab.expected_npv_pre_tax_usd == 0.0
    assert ab.expected_npv_usd == pytest.approx(0.21 * 300_000)


def test_replacement_bought_after_the_cutoff_is_expensed_when_placed_in_service():
    """10 US-1 at $5,000 (no duty), bought 2025-11-25 (after 2025-01-19): 100 % bonus depreciation on delivery,
    day 30. No resale at the horizon. After-tax NPV of 'replace now' =
    0.79 x pre-tax NPV - 0.21 x (capex - capex x 1.1^(-30/365)) + 0.21 x 300,000 (the abandoned lot's basis)."""
    res = E.compare(_scenario())
    rn = res.outcome("replace_now")
    capex = 10 * 5000.0
    k = capex - capex * 1.1 ** (-30 / 365)
    expected = 0.79 * rn.expected_npv_pre_tax_usd - 0.21 * k + 0.21 * 300_000
    assert rn.expected_npv_usd == pytest.approx(expected, rel=1e-12)
    # the same by brute force: tax on each day's taxable income, discounted
    disc = 1.1 ** (-np.arange(366) / 365)
    cash = rn.expected_cash_usd.copy()  # day 0 holds -capex
    taxable = cash.copy()
    taxable[0] += capex - 300_000  # capex is not deductible; the abandoned basis is
    taxable[30] -= capex  # bonus depreciation on delivery
    after = cash - 0.21 * taxable
    assert rn.expected_npv_usd == pytest.approx(float(np.sum(after * disc[:365])), rel=1e-9)


def test_sale_on_release_realises_a_gain_or_loss_against_the_declared_value():
    """Calendar resale 50 % of $3,000, sold on release (day 10) with 5 % selling costs and 0.2 % block discount:
    proceeds 100 x 1,500 x 0.95 x 0.998 = $142,215 against a $300,000 basis, a loss of $157,785 deducted on day 10."""
    sc = _scenario(valuation=Valuation(kind="calendar", start_fraction=0.5, decline_per_year=0.0))
    res = E.compare(sc)
    sell = res.outcome("sell_on_release")
    proceeds = 100 * 1500 * 0.95 * 0.998
    d10 = 1.1 ** (-10 / 365)
    assert sell.expected_npv_pre_tax_usd == pytest.approx(proceeds * d10)
    assert sell.expected_npv_usd == pytest.approx(proceeds * d10 - 0.21 * (proceeds - 300_000) * d10)


def test_monte_carlo_after_tax_equals_the_expected_value_engine_with_zero_volatility():
    sc = _scenario(valuation=Valuation(), projection=FLAT.replace(difficulty_growth_per_month=0.02), horizon_days=500)
    det = {o.label: o.expected_npv_usd for o in E.compare(sc).outcomes}
    mc = E.run_monte_carlo(sc, MonteCarloParams(paths=8, btc_volatility_per_year=0.0, difficulty_growth_sd_per_month=0.0,
                                                engine=MCEngine.NUMPY))
    for i, label in enumerate(mc.labels):
        assert mc.npv_usd[i].mean() == pytest.approx(det[label], rel=1e-6, abs=1e-6), label


def test_no_tax_section_means_pre_tax_figures():
    res = E.compare(_scenario(tax=None))
    assert all(o.expected_npv_usd == o.expected_npv_pre_tax_usd for o in res.outcomes)
