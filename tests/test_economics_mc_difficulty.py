"""Difficulty that answers hashprice (issue "Economics, part 2", item 5): the shipped monthly history, the
least-squares fit of the error-correction model, the relation the Monte Carlo implies beside the history's, the
previous model at kappa = 0, engine agreement with the new term and the recorded hashprice multipliers, E[D] on the
trend, and the NPV tail statistics of :class:`MonteCarloResult`.

Bands for the implied relation (``test_implied_relation_matches_the_history_within_the_stated_bands``): the
history is one 102-month path, so each of its statistics carries the sampling error of a single history. The
simulation gives that error directly: each of its 400 paths is a 102-month history, and the spread of the
statistic across paths is its sampling distribution under the model. The checks are

* sd of monthly dlnD: the history's value lies inside the model's 95 % per-path band, and the pooled simulated sd
  is within 15 % of it (the band's half-width is about 15 %);
* correlation of dlnP_m with dlnD_{m+1}: the history's value lies inside the model's 95 % per-path band widened by
  0.05, and the pooled simulated value is within 0.2 of it (two sampling sds of one history's correlation, about
  0.095 each). The widening and the 0.2 allow for the model's simplicity: it responds within one epoch (rho) and
  then slowly (kappa), while the history also responds after 1 .. 2 months (ASIC deliveries), so the model's
  next-month correlation (0.15) is about half the history's (0.30).
"""

from __future__ import annotations

import dataclasses
import doctest
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import minecore.economics as E
import minecore.economics.montecarlo as MC
from minecore.economics import (MachineSpec, MCEngine, MonteCarloParams, NetworkProjection, NetworkSnapshot,
                                ReleaseModel, ReplacementOption, Scenario, SeizedLot)
from minecore.economics import _mc_kernels as K
from minecore.economics import difficulty_model as DM
from minecore.economics._mc_kernels import (EPOCH_DAYS, epoch_drift, normal_table, run_numpy_blocked,
                                            run_numpy_dayloop, simulate_paths, stream_key)

RESEARCH = Path(__file__).resolve().parents[2] / "shared" / "research" / "history"
KAPPA_FIELD = "difficulty_adjustment_per_epoch"


# ------------------------------------------------------------------------------------------------ the history, the fit

def test_module_doctests():
    assert doctest.testmod(DM).failed == 0
    assert doctest.testmod(K).failed == 0


def test_shipped_history_is_the_research_files_month_by_month():
    """data/history_monthly.csv = build_history_csv(research files, its own build date): monthly average BTC and
    the last retarget of each month, 2016-01 .. 2024-06, with both sources and the build date in its header."""
    shipped = DM.HISTORY_CSV.read_text()
    head = [ln for ln in shipped.splitlines() if ln.startswith("#")]
    assert "built 2026-12-01" in head[0]
    assert any("CoinGecko" in ln for ln in head) and any("bitcoinj" in ln for ln in head)
    h = DM.load_history()
    assert (h.months[0], h.months[-1], len(h.months)) == ("2016-01", "2024-06", 102)
    assert np.all(np.diff(h.height) > 0) and np.all(h.btc_usd > 0) and np.all(h.difficulty > 0)
    assert set(h.subsidy_btc) == {25.0, 12.5, 6.25, 3.125}
    if not RESEARCH.is_dir():
        pytest.skip("../shared/research/history not present")
    rebuilt = DM.build_history_csv(RESEARCH / "btc_usd_monthly_average.csv", RESEARCH / "difficulty_by_epoch.csv",
                                   built="2026-12-01")
    assert rebuilt == shipped


def test_fit_is_reproducible_from_the_shipped_csv_and_sets_the_defaults():
    a, b = DM.fit_history(), DM.fit_history(DM.load_history(str(DM.HISTORY_CSV)))
    assert a == b
    assert a.n_obs == 101
    # pinned (the numbers in difficulty_model's docstring)
    assert a.kappa_per_month == pytest.approx(0.05408, abs=1e-5)
    assert a.kappa_per_month_se == pytest.approx(0.01672, abs=1e-5)
    assert a.kappa_per_epoch == pytest.approx(1 - (1 - a.kappa_per_month) ** (14 / 30.4375), rel=1e-12)
    assert a.kappa_per_epoch == pytest.approx(0.02525, abs=1e-5)
    assert a.beta_price == pytest.approx(0.1313, abs=1e-4)
    assert a.residual_sd_per_month == pytest.approx(0.08737, abs=1e-5)
    assert a.shock_sd_per_month == pytest.approx(0.09077, abs=1e-5)
    assert a.price_difficulty_correlation == pytest.approx(0.2710, abs=1e-4)
    assert a.btc_volatility_per_year == pytest.approx(0.7948, abs=1e-4)
    assert a.sd_dlnd_per_month == pytest.approx(0.09839, abs=1e-5)
    assert a.corr_dlnp_next_dlnd == pytest.approx(0.2960, abs=1e-4)
    assert a.corr_by_lag[1] == a.corr_dlnp_next_dlnd
    assert 0 < a.kappa_per_month - 2 * a.kappa_per_month_se  # kappa > 0 at about 3 standard errors
    # the defaults are the fit, rounded
    assert DM.KAPPA_PER_EPOCH == round(a.kappa_per_epoch, 3)
    assert DM.SHOCK_SD_PER_MONTH == round(a.shock_sd_per_month, 2)
    assert DM.PRICE_DIFFICULTY_CORRELATION == round(a.price_difficulty_correlation, 2)


def test_regression_recovers_known_parameters_from_a_synthetic_history():
    """The estimator itself: a long synthetic monthly history from the regression equation is fitted back."""
    rng = np.random.default_rng(1)
    n, kappa_m, beta, sd = 5000, 0.08, 0.15, 0.05
    dlp = rng.normal(0.03, 0.2, n)
    ln_p = np.concatenate([[np.log(500.0)], np.log(500.0) + np.cumsum(dlp)])
    ln_d = np.empty(n + 1)
    ln_d[0] = np.log(1e12)
    for m in range(1, n + 1):
        ln_x = ln_p[m - 1] + np.log(12.5) - ln_d[m - 1]
        ln_d[m] = ln_d[m - 1] + 0.4 + kappa_m * (ln_x + 25.0) + beta * (ln_p[m] - ln_p[m - 1]) + rng.normal(0, sd)
    h = DM.History(tuple(f"m{i}" for i in range(n + 1)), np.exp(ln_p), np.exp(ln_d), np.zeros(n + 1, int),
                   np.full(n + 1, 12.5))
    f = DM.fit_history(h)
    assert f.kappa_per_month == pytest.approx(kappa_m, abs=0.01)
    assert f.beta_price == pytest.approx(beta, abs=0.01)
    assert f.residual_sd_per_month == pytest.approx(sd, rel=0.05)


def _calibrated(**kw) -> MonteCarloParams:
    """MonteCarloParams with the fitted defaults (whatever MonteCarloParams' own defaults are)."""
    fit = DM.fit_history()
    return MonteCarloParams(difficulty_growth_sd_per_month=DM.SHOCK_SD_PER_MONTH,
                            price_difficulty_correlation=DM.PRICE_DIFFICULTY_CORRELATION,
                            btc_volatility_per_year=fit.btc_volatility_per_year, **kw)


def test_implied_relation_matches_the_history_within_the_stated_bands():
    """See the module docstring for the bands and why."""
    fit = DM.fit_history()
    r = DM.implied_relation(_calibrated(), kappa_per_epoch=DM.KAPPA_PER_EPOCH)
    assert (r.paths, r.months) == (400, 102)
    # spread of log difficulty
    assert r.sd_band[0] <= fit.sd_dlnd_per_month <= r.sd_band[1]
    assert abs(r.sd_dlnd_per_month / fit.sd_dlnd_per_month - 1.0) <= 0.15
    # next-month correlation
    assert r.corr_band[0] - 0.05 <= fit.corr_dlnp_next_dlnd <= r.corr_band[1] + 0.05
    assert abs(r.corr_dlnp_next_dlnd - fit.corr_dlnp_next_dlnd) <= 0.2
    assert r.corr_dlnp_next_dlnd > 0.05  # the error correction makes difficulty follow last month's price
    # the same month's response (rho) is there too: the history's lag-0 correlation is inside the model's range
    assert abs(r.corr_by_lag[0] - fit.corr_by_lag[0]) <= 0.2


def test_without_error_correction_the_next_month_correlation_vanishes():
    """kappa = 0 (the previous model): difficulty answers only the previous epoch's price, so the next month's
    dlnD is uncorrelated with this month's dlnP; kappa > 0 is what carries the response into later months."""
    r0 = DM.implied_relation(_calibrated(), kappa_per_epoch=0.0)
    r1 = DM.implied_relation(_calibrated(), kappa_per_epoch=DM.KAPPA_PER_EPOCH)
    assert abs(r0.corr_dlnp_next_dlnd) < 0.05
    assert r1.corr_dlnp_next_dlnd > r0.corr_dlnp_next_dlnd + 0.08


# ------------------------------------------------------------------------------------------------ kernels

def _old_dayloop(key_p, key_d, ztab, etab, p0, d0, g_e, s_e, rho, rev, var, dr, fixed, start, disc, shutdown):
    """The previous model's day loop, verbatim (before the error-correction term)."""
    M, n = start.shape
    H = disc.size
    paths = np.arange(n, dtype=np.uint64)
    P = np.full(n, p0)
    lnD = np.full(n, np.log(d0))
    invD = np.exp(-lnD)
    S = np.zeros(n)
    pv = np.zeros((M, n))
    cash = np.zeros((M, n))
    rr = np.sqrt(max(1.0 - rho * rho, 0.0))
    for t in range(H):
        if t > 0 and t % EPOCH_DAYS == 0:
            zi = ztab[K._idx(key_d, paths, 4 * (t // EPOCH_DAYS))]
            lnD = lnD + g_e + s_e * (rho * S / np.sqrt(EPOCH_DAYS) + rr * zi)
            invD = np.exp(-lnD)
            S[:] = 0.0
        if t > 0:
            i = K._idx(key_p, paths, t)
            P = P * etab[i]
            S += ztab[i]
        X = P * invD
        for m in range(M):
            v = rev[m, t] * X - var[m, t]
            if shutdown:
                v = np.where(v < 0.0, 0.0, v + dr[m, t])
            else:
                v = v + dr[m, t]
            v = v - fixed[m, t]
            v = np.where(start[m] <= t, v, 0.0)
            pv[m] += disc[t] * v
            cash[m] += v
    return pv, cash


def _problem(shutdown: bool, n: int = 13, H: int = 97, M: int = 3, seed: int = 5, sig: float = 0.8, mu: float = 0.2,
             sd_month: float = 0.09, rho: float = 0.6):
    """Like tests/test_economics_mc_rng.py's: margins crossing zero, a demand-response credit, one model never
    starting; H neither a multiple of 4 nor of 14, n odd."""
    rng = np.random.default_rng(seed)
    ztab = normal_table()
    dt = 1.0 / 365.0
    etab = np.exp((mu - 0.5 * sig * sig) * dt + sig * math.sqrt(dt) * ztab)
    p0, d0 = 91_000.0, 152e12
    base = rng.uniform(0.8, 1.2, (M, H)) * d0 / p0 * 10.0
    var = rng.uniform(6.0, 14.0, (M, H))
    dr = np.where(rng.random((M, H)) < 0.3, rng.uniform(0.0, 2.0, (M, H)), 0.0)
    fixed = rng.uniform(0.0, 1.0, (M, H))
    start = np.empty((M, n), dtype=np.int64)
    start[0] = rng.integers(0, H + 20, n)
    start[1] = 0
    start[2] = min(13, H)
    disc = np.exp(-0.1 / 365.0 * np.arange(H))
    s_e = sd_month * math.sqrt(EPOCH_DAYS / DM.DAYS_PER_MONTH)
    lnp_ref = math.log(p0) + mu * np.arange(H) / 365.0
    return ((stream_key(seed, 1), stream_key(seed, 2), ztab, etab, p0, d0, -0.5 * s_e * s_e, s_e, rho, base, var, dr,
             fixed, start, disc, shutdown), lnp_ref, sig * math.sqrt(dt))


def _engines():
    out = [("dayloop", run_numpy_dayloop), ("blocked", run_numpy_blocked),
           ("blocked_chunks", lambda *a, **k: run_numpy_blocked(*a, max_cells=14 * 3 * 4, **k))]
    try:
        from minecore.economics._mc_numba import run_numba
    except ImportError:  # pragma: no cover - numba is a test dependency
        return out
    return out + [("numba", run_numba)]


@pytest.mark.parametrize("shutdown", [True, False], ids=["shutdown", "always_on"])
def test_kappa_zero_is_the_previous_model_exactly(shutdown):
    """kappa = 0 with the drift of epoch_drift (every entry -s_e^2/2): the numpy day loop equals the previous
    model's bit for bit, and the other engines agree with it as before (to 1e-9)."""
    args, lnp_ref, sig_d = _problem(shutdown)
    old = _old_dayloop(*args)
    g = epoch_drift(args[7], 0.0, args[8], sig_d, args[14].size)
    assert np.all(g == args[6])
    new_args = args[:6] + (g,) + args[7:]
    new = run_numpy_dayloop(*new_args, kappa=0.0, lnp_ref=lnp_ref)
    np.testing.assert_array_equal(new[0], old[0])
    np.testing.assert_array_equal(new[1], old[1])
    np.testing.assert_array_equal(run_numpy_dayloop(*args)[0], old[0])  # old call signature, scalar g_e
    for name, eng in _engines():
        for a, b in zip(eng(*new_args, kappa=0.0, lnp_ref=lnp_ref), old):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9 * float(np.abs(b).max()), err_msg=name)


def test_kappa_zero_paths_are_the_previous_recursion_bit_for_bit():
    args, lnp_ref, _ = _problem(True, n=7, H=200)
    key_p, key_d, ztab, etab, p0, d0, g_e, s_e, rho = args[:9]
    P, lnD = simulate_paths(key_p, key_d, ztab, etab, p0, d0, g_e, s_e, rho, 200, 7, lnp_ref=lnp_ref)
    paths = np.arange(7, dtype=np.uint64)
    p, ld, S = np.full(7, p0), np.full(7, np.log(d0)), np.zeros(7)
    rr = np.sqrt(1 - rho * rho)
    for t in range(200):
        if t > 0 and t % EPOCH_DAYS == 0:
            ld = ld + g_e + s_e * (rho * S / np.sqrt(EPOCH_DAYS) + rr * ztab[K._idx(key_d, paths, 4 * (t // 14))])
            S[:] = 0.0
        if t > 0:
            i = K._idx(key_p, paths, t)
            p = p * etab[i]
            S += ztab[i]
        np.testing.assert_array_equal(lnD[:, t], ld)
        np.testing.assert_allclose(P[:, t], p, rtol=1e-13)  # the blocked cumprod vs a running product


def _assert_engines_agree(args, lnp_ref, kappa, record_day):
    g = epoch_drift(args[7], kappa, args[8], 0.8 * math.sqrt(1 / 365), args[14].size)
    a = args[:6] + (g,) + args[7:]
    kw = dict(kappa=kappa, lnp_ref=lnp_ref, record_day=record_day)
    ref = run_numpy_dayloop(*a, **kw)
    assert len(ref) == 4
    for name, eng in _engines():
        got = eng(*a, **kw)
        for x, y in zip(got[:2], ref[:2]):
            np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-9 * max(float(np.abs(y).max()), 1.0), err_msg=name)
        for x, y in zip(got[2:], ref[2:]):
            np.testing.assert_array_equal(np.isnan(x), np.isnan(y), err_msg=name)
            np.testing.assert_allclose(x, y, rtol=1e-9, err_msg=name)
    return ref


@pytest.mark.parametrize("shutdown", [True, False], ids=["shutdown", "always_on"])
@pytest.mark.parametrize("kappa", [0.025, 0.3, 1.0])
def test_engines_agree_with_error_correction_and_record_the_same_multipliers(shutdown, kappa):
    args, lnp_ref, _ = _problem(shutdown)
    rd = np.array([-1, 0, 1, 13, 14, 15, 27, 28, 96, 97, 500, 50, -7])
    pv, cash, x_rec, x_last = _assert_engines_agree(args, lnp_ref, kappa, rd)
    assert np.isnan(x_rec[[0, 9, 10, 12]]).all()  # none, == H, beyond H, negative
    assert x_rec[1] == pytest.approx(1.0, rel=1e-14)  # day 0: P = p0 = P_ref, D = d0
    assert x_rec[8] == x_last[8]  # day H - 1


@settings(max_examples=12, deadline=None)
@given(n=st.integers(1, 9), H=st.integers(1, 80), seed=st.integers(0, 2**32), kappa=st.floats(0.0, 1.0),
       rho=st.floats(-1.0, 1.0), shutdown=st.booleans())
def test_engines_agree_property(n, H, seed, kappa, rho, shutdown):
    args, lnp_ref, _ = _problem(shutdown, n=n, H=H, seed=seed, rho=rho)
    rd = np.random.default_rng(seed).integers(-1, H + 2, n)
    _assert_engines_agree(args, lnp_ref, kappa, rd)


def test_recorded_multiplier_is_hashprice_over_the_deterministic_hashprice():
    """x = (P / P_ref) * (d0 / D_kernel) = X_p / X*, read off the simulated series on the same day."""
    args, lnp_ref, sig_d = _problem(True, n=11, H=300)
    kappa = 0.1
    g = epoch_drift(args[7], kappa, args[8], sig_d, 300)
    a = args[:6] + (g,) + args[7:]
    rd = np.arange(11) * 27
    _, _, x_rec, x_last = run_numpy_blocked(*a, kappa=kappa, lnp_ref=lnp_ref, record_day=rd)
    P, lnD = simulate_paths(*a[:9], 300, 11, kappa=kappa, lnp_ref=lnp_ref)
    want = P * np.exp(-lnD) * np.exp(np.log(args[5]) - lnp_ref)  # (P / D) / (P_ref / d0)
    np.testing.assert_allclose(x_rec, want[np.arange(11), rd], rtol=1e-12)
    np.testing.assert_allclose(x_last, want[:, -1], rtol=1e-12)


def test_zero_volatility_stays_on_the_deterministic_path_with_error_correction():
    """No price or difficulty noise: P = P_ref, u = 0 on every day, multipliers 1, whatever kappa."""
    args, lnp_ref, _ = _problem(True, n=5, H=400, sig=0.0, sd_month=0.0)
    g = epoch_drift(0.0, 0.5, args[8], 0.0, 400)
    assert np.all(g == 0.0)
    a = args[:6] + (g,) + args[7:]
    P, lnD = simulate_paths(*a[:9], 400, 5, kappa=0.5, lnp_ref=lnp_ref)
    np.testing.assert_allclose(lnD, np.log(args[5]), rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.log(P), np.broadcast_to(lnp_ref, P.shape), rtol=0, atol=1e-11)
    for _, eng in _engines():
        _, _, x_rec, x_last = eng(*a, kappa=0.5, lnp_ref=lnp_ref, record_day=np.arange(5) * 99)
        np.testing.assert_allclose(np.r_[x_rec, x_last], 1.0, rtol=0, atol=1e-11)


def _gaussian_epoch_model(g, s_e, kappa, rho, sig_d, H, n, seed=0):
    """u on the last epoch from the model equation itself, with numpy normal draws per epoch (each epoch's price
    shocks summed: N(0, days)), independent of the kernels' tables and hashing."""
    rng = np.random.default_rng(seed)
    rr = math.sqrt(1.0 - rho * rho)
    zsum = rng.standard_normal(n) * math.sqrt(EPOCH_DAYS - 1)  # days 1 .. 13
    y = -0.5 * sig_d * sig_d * (EPOCH_DAYS - 1) + sig_d * zsum
    u = np.zeros(n)
    for e in range(1, K.n_epochs(H)):
        u = u + g[e] + s_e * (rho * zsum / math.sqrt(EPOCH_DAYS) + rr * rng.standard_normal(n)) + kappa * (y - u)
        zsum = rng.standard_normal(n) * math.sqrt(EPOCH_DAYS)
        y = y - 0.5 * sig_d * sig_d * EPOCH_DAYS + sig_d * zsum
    return u


def test_drift_keeps_expected_difficulty_on_the_trend():
    """E[D / D_det] = E[exp(u)] = 1, i.e. E[u] = -Var(u) / 2, on the last epoch of two years with kappa > 0
    (epoch_drift's Jensen term), within 4 sampling standard errors: first for the model equation with numpy normal
    draws (400,000 paths: checks the algebra), then for the kernels' paths (40,000 paths). The plain -s^2/2 drift
    with kappa > 0 would leave E[u] + Var(u) / 2 near -0.03, far outside both."""
    sig, kappa, rho, sd_m = 0.6, 0.1, 0.27, 0.09
    H = 2 * 365
    sig_d = sig * math.sqrt(1.0 / 365.0)
    s_e = sd_m * math.sqrt(EPOCH_DAYS / DM.DAYS_PER_MONTH)
    g = epoch_drift(s_e, kappa, rho, sig_d, H)

    def gap(u):  # E[u] + Var(u) / 2 and its standard error
        v = u.var()
        return u.mean() + 0.5 * v, math.sqrt(v / u.size * (1.0 + 0.5 * v))

    m, se = gap(_gaussian_epoch_model(g, s_e, kappa, rho, sig_d, H, 400_000))
    assert abs(m) < 4 * se, (m, se)
    m0, se0 = gap(_gaussian_epoch_model(np.full_like(g, -0.5 * s_e * s_e), s_e, kappa, rho, sig_d, H, 400_000))
    assert m0 < -0.02 and m0 < -8 * se0, (m0, se0)

    ztab = normal_table()
    etab = np.exp((-0.5 * sig * sig) / 365.0 + sig_d * ztab)
    _, lnD = simulate_paths(stream_key(1, 1), stream_key(1, 2), ztab, etab, 1.0, 1.0, g, s_e, rho, H, 40_000,
                            kappa=kappa, lnp_ref=np.zeros(H))
    m, se = gap(lnD[:, -1])
    assert abs(m) < 4 * se, (m, se)


def test_kernel_inputs_are_checked():
    args, lnp_ref, _ = _problem(True)
    with pytest.raises(ValueError, match="one value per epoch"):
        run_numpy_dayloop(*args[:6], np.zeros(2), *args[7:])
    with pytest.raises(ValueError, match="one value per day"):
        run_numpy_blocked(*args, kappa=0.1, lnp_ref=lnp_ref[:-1])
    with pytest.raises(ValueError, match="record_day"):
        run_numpy_blocked(*args, record_day=np.zeros(3, dtype=int))


# ------------------------------------------------------------------------------------------------ run_monte_carlo

SNAP = NetworkSnapshot(date="2025-11-25", difficulty=152e12, btc_price_usd=91_000, fees_btc_per_block=0.03,
                       block_height=924_300)
S21 = MachineSpec("S21", 200, 3500, price_usd=3000, origin_country="Thailand")
US = MachineSpec("US-1", 260, 4400, price_usd=5000, origin_country="United States")


def _scenario(horizon: int = 300) -> Scenario:
    lot = SeizedLot(S21, units=10, days_held=60, release=ReleaseModel())
    return Scenario(lot, (ReplacementOption(US, lead_time_days=13),),
                    projection=NetworkProjection(SNAP, difficulty_growth_per_month=0.02), horizon_days=horizon)


def _with_kappa(prm: MonteCarloParams, kappa: float, monkeypatch) -> MonteCarloParams:
    """kappa through MonteCarloParams once it has the field, else through montecarlo's default."""
    if any(f.name == KAPPA_FIELD for f in dataclasses.fields(prm)):
        return dataclasses.replace(prm, **{KAPPA_FIELD: kappa})
    monkeypatch.setattr(MC, "KAPPA_PER_EPOCH", kappa)
    return prm


def test_run_monte_carlo_engines_agree_with_error_correction(monkeypatch):
    sc = _scenario()
    prm = _with_kappa(_calibrated(paths=9, seed=3), 0.2, monkeypatch)
    a = E.run_monte_carlo(sc, dataclasses.replace(prm, engine=MCEngine.NUMBA))
    b = E.run_monte_carlo(sc, dataclasses.replace(prm, engine=MCEngine.NUMPY_DAYLOOP))
    c = E.run_monte_carlo(sc, dataclasses.replace(prm, engine=MCEngine.NUMPY))
    for r in (a, c):
        np.testing.assert_allclose(r.npv_usd, b.npv_usd, rtol=1e-9, atol=1e-3)
        np.testing.assert_allclose(r.cash_usd, b.cash_usd, rtol=1e-9, atol=1e-3)


def test_error_correction_changes_the_paths_and_kappa_zero_matches_no_term(monkeypatch):
    sc = _scenario()
    base = _calibrated(paths=16, seed=8, engine=MCEngine.NUMPY)
    k0 = E.run_monte_carlo(sc, _with_kappa(base, 0.0, monkeypatch)).npv_usd
    k1 = E.run_monte_carlo(sc, _with_kappa(base, 0.3, monkeypatch)).npv_usd
    assert not np.allclose(k0, k1)


# ------------------------------------------------------------------------------------------------ result statistics

def _result(npv: np.ndarray, labels=("a", "b")) -> MC.MonteCarloResult:
    n = npv.shape[1]
    return MC.MonteCarloResult(tuple(labels), npv, np.zeros_like(npv), np.zeros(n), np.zeros(n, bool),
                               MonteCarloParams(paths=n), "numpy", n, 0.0, "test", (0.0,) * len(labels))


def test_cvar_is_the_mean_of_the_worst_paths():
    x = np.arange(1.0, 101.0)  # 1 .. 100
    r = _result(np.stack([x, x[::-1]]))
    assert r.cvar("a") == pytest.approx(3.0)  # mean of 1 .. 5
    assert r.cvar("b", 10) == pytest.approx(5.5)
    assert r.cvar("a", 2.5) == pytest.approx((1 + 2 + 0.5 * 3) / 2.5)
    assert r.cvar("a", 100) == pytest.approx(50.5)
    assert r.cvar("a", 0.5) == 1.0
    with pytest.raises(ValueError):
        r.cvar("a", 0)
    rng = np.random.default_rng(0)
    y = rng.normal(0, 1, (2, 5000))
    r = _result(y)
    for i, lab in enumerate(r.labels):
        assert r.cvar(lab) <= r.percentile(lab, 5) <= y[i].mean()
        assert r.cvar(lab) == pytest.approx(-2.063, abs=0.1)  # normal: phi(1.645) / 0.05


def test_summary_rows_carry_cvar5():
    r = E.run_monte_carlo(_scenario(120), MonteCarloParams(paths=50, seed=2, engine=MCEngine.NUMPY))
    for row in r.summary_rows():
        assert row["npv_cvar5_usd"] == r.cvar(row["strategy"], 5)
        assert row["npv_cvar5_usd"] <= row["npv_p5_usd"] + 1e-9 or row["npv_p5_usd"] == row["npv_p50_usd"]


def test_ranking_note_names_both_leaders_only_when_they_differ():
    rng = np.random.default_rng(1)
    safe = rng.normal(100.0, 1.0, 400)
    risky = rng.normal(150.0, 200.0, 400)  # higher mean, far lower P5
    r = _result(np.stack([safe, risky]), labels=("safe", "risky"))
    note = r.ranking_note()
    assert note is not None and note.count(".") >= 1
    assert note.index("Risky") < note.index("Safe")  # the expected-NPV leader first (labels spelled out)
    assert "expected NPV" in note and "5th percentile" in note
    assert _result(np.stack([safe, safe - 10.0]), labels=("a", "b")).ranking_note() is None
