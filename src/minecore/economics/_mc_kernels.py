"""Monte Carlo path kernels. Pure numpy here; ``_mc_numba`` holds the compiled twin (imported only on demand).

Random numbers are counter-based: a splitmix64 hash of (stream key, path, day // 4) gives 64 bits, and day ``d``
uses the 16-bit field ``(hash >> 16 * (d & 3)) & 0xFFFF`` (all 16 bits) as an index into :func:`normal_table`, a
65,536-entry table of standard normal quantiles at (i + 0.5) / 65,536, rescaled by 1.0000101 to unit variance.
Each entry has probability exactly 1 / 65,536; the table is exactly antisymmetric (mean 0, variance 1) and its
extremes are +-4.325 sigma. So a daily shock is a normal truncated at +-4.325 sigma: the 7.6e-6 of normal mass in
each tail beyond that is carried by the outermost entry, and the excess kurtosis is -0.00075.

Why the truncation is harmless: at every table point the CDF of a draw is within 1 / 65,536 (1.5e-5) of the normal
CDF, far below the sampling error of any percentile a run reports (the P1/P99 of one daily shock are at
+-2.33 sigma, the P5/P95 at +-1.64 sigma, deep inside the table; with 10^6 draws the P1 still has a sampling
error of 1e-4 in probability). Prices and difficulty move by sums of many shocks (14-day epochs, horizons of
months to years), whose excess kurtosis is -0.00075 / (number of days), so their P5/P95 are those of the normal.
``tests/test_economics_mc_rng.py`` checks the table, the daily percentiles and the P5/P95 of a 365-day GBM.

The draw for (path, day) never depends on the engine, the thread count or the chunking, so every engine
(numpy blocked, numpy day loop, numba) returns the same paths for the same seed.

Model per path: ``P[t] = P[t-1] * exp(mu_d + sig_d * z[t])`` (GBM, daily), difficulty constant within 14-day
epochs and ``ln D += g_e + s_e * (rho * Zp + sqrt(1 - rho^2) * Zi)`` at each epoch start, with ``Zp`` the
standardised sum of the previous epoch's price shocks (difficulty follows price with one epoch of lag) and ``Zi``
an independent draw. Margin of model m on day t (per unit, USD):
``v = rev[m, t] * P / D - var[m, t]``; with shutdown ``v = max(v, 0)`` else ``v += dr``; then ``v -= fixed``.
"""

from __future__ import annotations

import functools

import numpy as np

EPOCH_DAYS = 14
C_PATH = np.uint64(0xD1B54A32D192ED03)
C_CTR = np.uint64(0x8CB92BA72F3D8DD7)
C_GOLD = np.uint64(0x9E3779B97F4A7C15)
C_M1 = np.uint64(0xBF58476D1CE4E5B9)
C_M2 = np.uint64(0x94D049BB133111EB)
S30, S27, S31, S16, S48 = (np.uint64(x) for x in (30, 27, 31, 16, 48))
MASK16 = np.uint64(0xFFFF)
TABLE_SIZE = 65536  #: 2**16: one table entry per value of a 16-bit field of the hash


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser on uint64 arrays (wrapping arithmetic)."""
    z = x + C_GOLD
    z = (z ^ (z >> S30)) * C_M1
    z = (z ^ (z >> S27)) * C_M2
    return z ^ (z >> S31)


def stream_key(seed: int, stream: int) -> np.uint64:
    with np.errstate(over="ignore"):
        return np.uint64(mix64(np.array([(seed * 0x100000001B3 + stream * 0x9E37) & (2**64 - 1)], dtype=np.uint64))[0])


@functools.lru_cache(maxsize=1)
def normal_table() -> np.ndarray:
    """Normal quantiles at (i + 0.5) / 65,536, i = 0..65,535, scaled to unit variance (float64, read-only).

    The upper half is the negated mirror of the lower half (exactly what ``inv_cdf`` gives, enforced here), so the
    mean is 0; the extremes are +-4.325 sigma after scaling.
    """
    from statistics import NormalDist

    inv = NormalDist().inv_cdf
    lo = np.array([inv((i + 0.5) / TABLE_SIZE) for i in range(TABLE_SIZE // 2)], dtype=np.float64)
    z = np.concatenate([lo, -lo[::-1]])
    z /= np.sqrt(np.mean(z * z))
    z.flags.writeable = False
    return z


def uniforms(key: np.uint64, n: int) -> np.ndarray:
    """n uniforms in (0, 1), one per path, from stream ``key``."""
    with np.errstate(over="ignore"):
        h = mix64(key + np.arange(n, dtype=np.uint64) * C_PATH)
    return ((h >> np.uint64(11)).astype(np.float64) + 0.5) / 2.0**53


def _idx(key: np.uint64, paths: np.ndarray, day: int) -> np.ndarray:
    """Table indices (0..65,535) of one day for ``paths``: 16-bit field ``day & 3`` of hash ``day >> 2``."""
    with np.errstate(over="ignore"):
        h = mix64(key + paths * C_PATH + np.uint64(day >> 2) * C_CTR)
    return ((h >> np.uint64(16 * (day & 3))) & MASK16).astype(np.intp)


def _idx_block(key: np.uint64, paths: np.ndarray, d0: int, d1: int) -> np.ndarray:
    """Table indices for paths x days [d0, d1)."""
    days = np.arange(d0, d1)
    with np.errstate(over="ignore"):
        h = mix64(key + paths[:, None] * C_PATH + (days >> 2).astype(np.uint64)[None, :] * C_CTR)
    return ((h >> (np.uint64(16) * (days & 3).astype(np.uint64))[None, :]) & MASK16).astype(np.intp)


def run_numpy_dayloop(key_p, key_d, ztab, etab, p0, d0, g_e, s_e, rho, rev, var, dr, fixed, start, disc, shutdown):
    """Baseline: a plain day-by-day Python loop, vectorised over paths. Returns (pv[m, p], cash[m, p])."""
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
            zi = ztab[_idx(key_d, paths, 4 * (t // EPOCH_DAYS))]
            lnD = lnD + g_e + s_e * (rho * S / np.sqrt(EPOCH_DAYS) + rr * zi)
            invD = np.exp(-lnD)
            S[:] = 0.0
        if t > 0:
            i = _idx(key_p, paths, t)
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


def run_numpy_blocked(key_p, key_d, ztab, etab, p0, d0, g_e, s_e, rho, rev, var, dr, fixed, start, disc, shutdown,
                      max_cells: int = 4_000_000, progress=None):
    """Vectorised engine: paths x one difficulty epoch per step (no JIT). Same results as the day loop."""
    M, n = start.shape
    H = disc.size
    pv = np.zeros((M, n))
    cash = np.zeros((M, n))
    chunk = max(1, min(n, max_cells // (EPOCH_DAYS * max(M, 1))))
    rr = np.sqrt(max(1.0 - rho * rho, 0.0))
    for a in range(0, n, chunk):
        b = min(n, a + chunk)
        paths = np.arange(a, b, dtype=np.uint64)
        P = np.full(b - a, p0)
        lnD = np.full(b - a, np.log(d0))
        S = np.zeros(b - a)
        st = start[:, a:b]
        for e0 in range(0, H, EPOCH_DAYS):
            e1 = min(H, e0 + EPOCH_DAYS)
            if e0 > 0:
                zi = ztab[_idx(key_d, paths, 4 * (e0 // EPOCH_DAYS))]
                lnD = lnD + g_e + s_e * (rho * S / np.sqrt(EPOCH_DAYS) + rr * zi)
            idx = _idx_block(key_p, paths, e0, e1)
            f = etab[idx]
            z = ztab[idx]
            if e0 == 0:
                f[:, 0] = 1.0
                z[:, 0] = 0.0
            Pb = P[:, None] * np.cumprod(f, axis=1)
            P = Pb[:, -1].copy()
            S = z.sum(axis=1)
            X = Pb * np.exp(-lnD)[:, None]
            days = np.arange(e0, e1)
            for m in range(M):
                v = rev[m, e0:e1] * X - var[m, e0:e1]
                if shutdown:
                    v = np.where(v < 0.0, 0.0, v + dr[m, e0:e1])
                else:
                    v += dr[m, e0:e1]
                v -= fixed[m, e0:e1]
                v *= st[m][:, None] <= days[None, :]
                pv[m, a:b] += v @ disc[e0:e1]
                cash[m, a:b] += v.sum(axis=1)
        if progress is not None:
            progress(b - a)
    return pv, cash
