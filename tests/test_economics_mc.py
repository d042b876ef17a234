"""Monte Carlo engines: the compiled (numba) engine against the numpy engines in every margin mode, path-day count,
and lazy numba import. Sizes stay small: the numba kernel compiles once per session (cached on disk)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import minecore.economics as E
from minecore.economics import (Curtailment, MachineSpec, MCEngine, MonteCarloParams, NetworkProjection,
                                NetworkSnapshot, OperatingCosts, ReleaseModel, ReplacementOption, Scenario, SeizedLot,
                                Strategy)

SNAP = NetworkSnapshot(date="2025-11-25", difficulty=152e12, btc_price_usd=91_000, fees_btc_per_block=0.03,
                       block_height=924_300)
FLAT = NetworkProjection(SNAP, difficulty_growth_per_month=0.0)
S21 = MachineSpec("S21", 200, 3500, price_usd=3000, origin_country="Thailand")
US = MachineSpec("US-1", 260, 4400, price_usd=5000, origin_country="United States")
OLD = MachineSpec("old", 100, 3400, price_usd=500, origin_country="China")  # loss-making at $0.07/kWh


def _scenario(site: OperatingCosts, horizon: int = 97, days_held: int = 60) -> Scenario:
    lot = SeizedLot(OLD, units=10, days_held=days_held, release=ReleaseModel())
    opts = (ReplacementOption(US, lead_time_days=13), ReplacementOption(S21, lead_time_days=0))
    return Scenario(lot, opts, site=site, projection=FLAT.replace(difficulty_growth_per_month=0.02),
                    horizon_days=horizon)


SITES = {
    "shutdown": OperatingCosts(power_price_usd_per_kwh=0.07),
    "shutdown_dr": OperatingCosts(power_price_usd_per_kwh=0.07, hosting_usd_per_month=30.0,
                                  curtailment=Curtailment(hours_per_week=10, demand_response_credit_usd_per_kwh=0.05)),
    "always_on": OperatingCosts(power_price_usd_per_kwh=0.07, shutdown_when_unprofitable=False,
                                hosting_usd_per_kwh=0.01, hosting_usd_per_month=20.0,
                                curtailment=Curtailment(hours_per_week=5, demand_response_credit_usd_per_kwh=0.03)),
}


def _engines_agree(sc: Scenario, n_paths: int, seed: int, **kw) -> None:
    a = E.run_monte_carlo(sc, MonteCarloParams(paths=n_paths, seed=seed, engine=MCEngine.NUMBA, **kw))
    b = E.run_monte_carlo(sc, MonteCarloParams(paths=n_paths, seed=seed, engine=MCEngine.NUMPY_DAYLOOP, **kw))
    assert a.labels == b.labels
    np.testing.assert_allclose(a.npv_usd, b.npv_usd, rtol=1e-9, atol=1e-3)
    np.testing.assert_allclose(a.cash_usd, b.cash_usd, rtol=1e-9, atol=1e-3)


@pytest.mark.parametrize("mode", sorted(SITES))
def test_numba_matches_numpy_dayloop_in_every_margin_mode(mode):
    """Switch-off with and without a demand-response credit, and always-on (the linear fast path), with an odd
    path count (the kernel pairs paths) and a horizon that is neither a multiple of 4 (hash words) nor of 14
    (difficulty epochs)."""
    _engines_agree(_scenario(SITES[mode]), n_paths=13, seed=5)


@settings(max_examples=15, deadline=None)
@given(n_paths=st.integers(1, 9), horizon=st.integers(2, 60), days_held=st.integers(0, 200),
       seed=st.integers(0, 2**32), mode=st.sampled_from(sorted(SITES)), rho=st.floats(-1.0, 1.0),
       random_release=st.booleans())
def test_numba_matches_numpy_property(n_paths, horizon, days_held, seed, mode, rho, random_release):
    _engines_agree(_scenario(SITES[mode], horizon=horizon, days_held=days_held), n_paths, seed,
                   price_difficulty_correlation=rho, random_release=random_release)


def test_numba_zero_volatility_matches_expected_value_engine():
    """With no price or difficulty noise every path is the deterministic projection, so the compiled engine's
    replace-now NPV equals :func:`compare`'s (difficulty flat here, so stepwise = smooth)."""
    sc = _scenario(SITES["shutdown_dr"], horizon=200).replace(projection=FLAT)
    z = E.run_monte_carlo(sc, MonteCarloParams(paths=3, btc_volatility_per_year=0, difficulty_growth_sd_per_month=0,
                                               engine=MCEngine.NUMBA))
    det = E.compare(sc).outcome(Strategy.REPLACE_NOW).expected_npv_usd
    row = z.npv_usd[z.labels.index("replace_now:US-1")]
    assert row == pytest.approx([det] * 3, rel=1e-9, abs=1e-3)


def test_path_days_count_one_day_of_one_path_not_per_strategy():
    """path_days = paths x horizon_days: one simulated day of one price/difficulty path, however many machine
    models and strategies are evaluated on it (here 3 models, 9 strategies)."""
    sc = _scenario(SITES["shutdown"], horizon=50)
    r = E.run_monte_carlo(sc, MonteCarloParams(paths=7, engine=MCEngine.NUMPY))
    assert r.path_days == 7 * 50 and r.npv_usd.shape == (len(r.labels), 7) and len(r.labels) > 3


def test_numba_is_imported_only_by_the_numba_engine():
    code = ("import sys; import minecore.economics as E; from minecore.economics import *; "
            "sc = Scenario(SeizedLot(MachineSpec('a', 100, 3000, 1000), units=1, days_held=10), horizon_days=30); "
            "E.run_monte_carlo(sc, MonteCarloParams(paths=4, engine=MCEngine.NUMPY)); "
            "E.run_monte_carlo(sc, MonteCarloParams(paths=4, engine=MCEngine.NUMPY_DAYLOOP)); "
            "E.run_monte_carlo(sc, MonteCarloParams(paths=4)); "  # AUTO picks numpy for small runs
            "print('numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_p_payback_is_not_applicable_without_capex():
    """Payback is the recovery of an investment. 'abandon' has no cash flows at all and used to show P(payback)
    100 %; it, wait_and_redeploy and sell_on_release invest nothing (the seized units are sunk), so their
    P(payback) is None (JSON null, '—' in tables). Every strategy that buys replacements has a probability."""
    sc = _scenario(SITES["shutdown"], horizon=60)
    r = E.run_monte_carlo(sc, MonteCarloParams(paths=16, engine=MCEngine.NUMPY))
    pp = r.p_payback
    assert set(pp) == set(r.labels)
    for lab in ("abandon", "wait_and_redeploy", "sell_on_release"):
        assert pp[lab] is None
    rep = [lab for lab in r.labels if lab.startswith(("replace_", "partial_replace"))]
    assert rep and all(0.0 <= pp[lab] <= 1.0 for lab in rep)
    # 60 days cannot recover a $5,000 unit earning a few dollars a day
    assert pp["replace_now:US-1"] == 0.0
    rows = {row["strategy"]: row for row in r.summary_rows()}
    assert rows["abandon"]["p_payback_within_horizon"] is None
    df = r.to_dataframe().set_index("strategy")
    assert np.isnan(df.loc["abandon", "p_payback_within_horizon"])
