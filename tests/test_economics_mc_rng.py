"""Monte Carlo random numbers: the 65,536-entry normal-quantile table, the percentiles of the daily shocks and of a
365-day GBM (the truncated tails at +-4.3 sigma do not move P1/P5/P95/P99), and exact agreement of the engines.

Tolerances are sampling errors: the asymptotic standard error of a sample p-quantile of n draws from a density f is
sqrt(p (1 - p) / n) / f(x_p); the checks allow 4 of them plus the table's own CDF error (at most 1 / 65,536 in
probability, i.e. (1 / 65,536) / f(x_p) in x). The draws come from a fixed seed, so the tests are deterministic.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest

from minecore.economics._mc_kernels import (TABLE_SIZE, _idx, _idx_block, normal_table, run_numpy_blocked,
                                            run_numpy_dayloop, stream_key)

PHI = NormalDist()
N_SE = 4.0  # standard errors allowed


def _quantile_tol(p: float, n: int, sd: float = 1.0) -> float:
    """N_SE sampling standard errors of the p-quantile of n normal(., sd) draws, plus the table's CDF error."""
    dens = PHI.pdf(PHI.inv_cdf(p)) / sd
    return (N_SE * math.sqrt(p * (1.0 - p) / n) + 1.0 / TABLE_SIZE) / dens


def _price_factors(ztab: np.ndarray, mu: float, sig: float) -> np.ndarray:
    """Daily GBM factor per table entry, as ``montecarlo.run_monte_carlo`` builds it."""
    dt = 1.0 / 365.0
    return np.exp((mu - 0.5 * sig * sig) * dt + sig * math.sqrt(dt) * ztab)


# ---------------------------------------------------------------------------------------------------- the table

def test_table_is_65536_unit_variance_normal_quantiles_with_tails_beyond_4_2_sigma():
    z = normal_table()
    assert z.shape == (TABLE_SIZE,) == (65536,) and z.dtype == np.float64
    assert abs(z.mean()) < 1e-12
    assert abs(z.var() - 1.0) < 1e-12
    assert np.all(np.diff(z) > 0)  # sorted quantiles, all distinct
    np.testing.assert_array_equal(z, -z[::-1])  # exactly antisymmetric
    assert z.max() > 4.2 and z.min() < -4.2
    assert z.max() == pytest.approx(4.325, abs=1e-3)
    # entry i is the (i + 0.5) / 65,536 quantile up to the unit-variance rescaling (a factor 1 + 1e-5)
    scale = z[TABLE_SIZE // 2 + 1000] / PHI.inv_cdf((TABLE_SIZE // 2 + 1000 + 0.5) / TABLE_SIZE)
    assert scale == pytest.approx(1.0, abs=2e-5)
    for i in (0, 1, 100, 3277, 32767, 60000, 65535):
        assert z[i] == pytest.approx(scale * PHI.inv_cdf((i + 0.5) / TABLE_SIZE), rel=1e-12)
    assert not z.flags.writeable  # the cached table cannot be changed by a caller


def test_indices_use_all_16_bits_and_block_matches_single_day_helper():
    key = stream_key(11, 1)
    paths = np.arange(3000, dtype=np.uint64)
    blk = _idx_block(key, paths, 0, 23)
    for d in (0, 1, 2, 3, 4, 13, 22):
        np.testing.assert_array_equal(blk[:, d], _idx(key, paths, d))
    assert blk.min() >= 0 and blk.max() < TABLE_SIZE
    assert blk.max() >= TABLE_SIZE - 64 and blk.min() < 64  # the full 0..65,535 range, not 0..4,095
    # every 16-bit value is equally likely: the 16 slices of the range hold equal shares within sampling error
    counts = np.bincount(blk.ravel() >> 12, minlength=16)
    n = blk.size
    assert np.all(np.abs(counts - n / 16) < N_SE * math.sqrt(n / 16 * (15 / 16)))


# ---------------------------------------------------------------------------------------------------- daily shocks

def test_daily_shock_percentiles_match_the_standard_normal():
    """200,000 daily price shocks (2,000 paths x 100 days) through the kernels' indexing helper."""
    ztab = normal_table()
    z = ztab[_idx_block(stream_key(2024, 1), np.arange(2000, dtype=np.uint64), 1, 101)].ravel()
    n = z.size
    assert n == 200_000
    for p in (0.01, 0.05, 0.95, 0.99):
        got = float(np.quantile(z, p))
        want = PHI.inv_cdf(p)
        assert abs(got - want) < _quantile_tol(p, n), (p, got, want, _quantile_tol(p, n))
    assert abs(z.mean()) < N_SE / math.sqrt(n)
    assert abs(z.var() - 1.0) < N_SE * math.sqrt(2.0 / n)


def test_difficulty_shock_percentiles_match_the_standard_normal():
    """The difficulty stream draws one shock per epoch (16-bit field 0 of hash e): same table, same law."""
    ztab = normal_table()
    key = stream_key(7, 2)
    paths = np.arange(20_000, dtype=np.uint64)
    z = np.concatenate([ztab[_idx(key, paths, 4 * e)] for e in range(1, 11)])
    n = z.size
    for p in (0.01, 0.05, 0.95, 0.99):
        assert abs(float(np.quantile(z, p)) - PHI.inv_cdf(p)) < _quantile_tol(p, n)


# ---------------------------------------------------------------------------------------------------- 365-day GBM

def _terminal_prices(engine, n: int, days: int, mu: float, sig: float, seed: int, p0: float = 100.0):
    """P[days] per path from an engine: one model earning P / D on the last day only, D = 1 held fixed."""
    H = days + 1  # day 0 draws nothing: `days` daily shocks
    ztab = normal_table()
    etab = _price_factors(ztab, mu, sig)
    rev = np.ones((1, H))
    zero = np.zeros((1, H))
    disc = np.zeros(H)
    disc[-1] = 1.0
    start = np.zeros((1, n), dtype=np.int64)
    pv, _ = engine(stream_key(seed, 1), stream_key(seed, 2), ztab, etab, p0, 1.0, 0.0, 0.0, 0.0,
                   rev, zero, zero, zero, start, disc, False)
    return pv[0], ztab, etab


def test_gbm_365_day_log_return_p5_p95_match_exact_normal_quantiles():
    """ln(P_365 / P_0) = 365 (mu - sig^2 / 2) dt + sig sqrt(dt) * (sum of 365 shocks) ~ N(mu - sig^2/2, sig^2)
    exactly for normal shocks; the engine's terminal prices must show that P5/P95 (and P1/P99)."""
    n, days, mu, sig, seed, p0 = 40_000, 365, 0.10, 0.60, 99, 100.0
    pT, ztab, _ = _terminal_prices(run_numpy_blocked, n, days, mu, sig, seed, p0)
    lr = np.log(pT / p0)

    # the engine's path is exactly the GBM of the shocks that the indexing helper gives
    z_sum = ztab[_idx_block(stream_key(seed, 1), np.arange(n, dtype=np.uint64), 1, days + 1)].sum(axis=1)
    dt = 1.0 / 365.0
    np.testing.assert_allclose(lr, days * (mu - 0.5 * sig * sig) * dt + sig * math.sqrt(dt) * z_sum,
                               rtol=1e-9, atol=1e-9)

    mean = days * (mu - 0.5 * sig * sig) * dt
    sd = sig * math.sqrt(days * dt)
    exact = NormalDist(mean, sd)
    for p in (0.05, 0.95, 0.01, 0.99):
        got = float(np.quantile(lr, p))
        tol = _quantile_tol(p, n, sd)
        assert abs(got - exact.inv_cdf(p)) < tol, (p, got, exact.inv_cdf(p), tol)
    # and the summed shocks themselves: mean 0, variance 365
    assert abs(z_sum.mean()) < N_SE * math.sqrt(days / n)
    assert abs(z_sum.var() / days - 1.0) < N_SE * math.sqrt(2.0 / n)


# ---------------------------------------------------------------------------------------------------- engines agree

def _problem(shutdown: bool, n: int = 13, H: int = 97, M: int = 3, seed: int = 5):
    """A small problem like ``run_monte_carlo`` builds: 3 models (one never starts, one starts on day 0), margins
    that cross zero, a demand-response credit, difficulty correlated with price. H is neither a multiple of 4
    (hash words) nor of 14 (epochs); n is odd (the numba kernel pairs paths)."""
    rng = np.random.default_rng(seed)
    ztab = normal_table()
    etab = _price_factors(ztab, 0.2, 0.8)
    p0, d0 = 91_000.0, 152e12
    base = rng.uniform(0.8, 1.2, (M, H)) * d0 / p0 * 10.0  # rev * P / D ~ 10 USD a day
    var = rng.uniform(6.0, 14.0, (M, H))
    dr = np.where(rng.random((M, H)) < 0.3, rng.uniform(0.0, 2.0, (M, H)), 0.0)
    fixed = rng.uniform(0.0, 1.0, (M, H))
    start = np.empty((M, n), dtype=np.int64)
    start[0] = rng.integers(0, H + 20, n)  # some beyond the horizon
    start[1] = 0
    start[2] = 13
    disc = np.exp(-0.1 / 365.0 * np.arange(H))
    months_per_epoch = 14 / (365.25 / 12.0)
    s_e = 0.08 * math.sqrt(months_per_epoch)
    g_e = math.log1p(0.02) * months_per_epoch - 0.5 * s_e * s_e
    return (stream_key(seed, 1), stream_key(seed, 2), ztab, etab, p0, d0, g_e, s_e, 0.6, base, var, dr, fixed,
            start, disc, shutdown)


def _assert_same(a, b):
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-9 * float(np.abs(y).max()))


@pytest.mark.parametrize("shutdown", [True, False], ids=["shutdown", "always_on"])
def test_engines_give_identical_pv_and_cash(shutdown):
    args = _problem(shutdown)
    ref = run_numpy_dayloop(*args)
    assert np.all(np.isfinite(ref[0])) and np.any(ref[1] != 0.0)
    _assert_same(run_numpy_blocked(*args), ref)
    _assert_same(run_numpy_blocked(*args, max_cells=14 * 3 * 4), ref)  # chunks of 4 paths: same draws
    numba = pytest.importorskip("numba")
    from minecore.economics._mc_numba import run_numba

    _assert_same(run_numba(*args), ref)
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = run_numba(*args)
    finally:
        numba.set_num_threads(threads)
    _assert_same(one, ref)


def test_numba_terminal_prices_equal_numpy_over_a_year():
    """365 days reach the table's far tails on some paths: the compiled engine indexes the same 65,536 entries."""
    pytest.importorskip("numba")
    from minecore.economics._mc_numba import run_numba

    a, ztab, _ = _terminal_prices(run_numpy_blocked, 501, 365, 0.1, 0.6, 3)
    b, _, _ = _terminal_prices(run_numba, 501, 365, 0.1, 0.6, 3)
    np.testing.assert_allclose(b, a, rtol=1e-9)
    idx = _idx_block(stream_key(3, 1), np.arange(501, dtype=np.uint64), 1, 366)
    assert np.abs(ztab[idx]).max() > 4.0  # 182,865 draws: the last entries of the table were used
