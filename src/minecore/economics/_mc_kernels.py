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

Model per path
--------------
Price: ``P[t] = P[t-1] * etab[z[t]]`` with ``etab = exp((mu - sig^2 / 2) dt + sig sqrt(dt) z)`` (a daily GBM;
day 0 draws nothing, ``P[0] = p0``).

Difficulty: the deterministic trend is folded into the callers' ``rev`` rows, so the kernels carry only the
random part ``u = ln(D / D_det)`` on top of day 0's difficulty ``d0`` (``ln D_kernel = ln d0 + u``). ``u`` is
constant within each 14-day epoch ``e`` (days ``14 e .. 14 e + 13``) and ``u = 0`` in epoch 0. At the start of
epoch ``e >= 1`` (day ``e0 = 14 e``)::

    u_e = u_{e-1} + g_e + s_e (rho Zp_e + sqrt(1 - rho^2) Zi_e) + kappa (ln X[e0 - 1] - ln X*[e0 - 1])

* ``Zp_e``: the sum of the price shocks ``z`` of the previous epoch's days (days ``e0 - 14 .. e0 - 1``, day 0
  excluded) over ``sqrt(14)``: difficulty follows the price with one epoch of lag (the retarget measures the
  hashrate of the epoch before). ``Zi_e``: an independent draw (stream ``key_d``).
* The error-correction term: ``X = P / D`` is the hashprice proxy (block reward and trend are deterministic, so
  they cancel in the ratio) and ``X*`` the reference (deterministic) path's value, ``X*[t] = exp(lnp_ref[t]) / d0``
  in kernel units. So ``ln X[t] - ln X*[t] = ln(P[t] / P_ref[t]) - u``: when the hashprice stands above the
  reference, miners add hashrate and difficulty grows faster than the trend; the gap closes at rate ``kappa`` per
  epoch (a lag with mean ``1 / kappa`` epochs). ``kappa = 0`` is the previous model exactly (the term is skipped;
  adding it as ``0.0`` would change nothing either).
* ``g_e``: the drift correction, a scalar or one value per epoch (:func:`epoch_drift`). The plain
  ``-s_e^2 / 2`` keeps ``E[D]`` on the trend when ``kappa = 0``; with ``kappa > 0``, :func:`epoch_drift` adds
  ``kappa * b_e``, the exact Jensen term of the linear-Gaussian recursion, so ``E[exp(u_e)] = 1`` in every epoch
  (``E[D] = D_det``, up to the first epoch's 13/14 factor of the old model, a relative 1e-5 at most).
  With zero volatilities every term is zero and the path is the deterministic one.

``lnp_ref[t]`` (per day, [ln USD]) is the reference price path; :func:`run_monte_carlo` passes the deterministic
projection ``ln p0 + ln(1 + drift) * t / 365`` (= ``ln E[P[t]]``). Default (``None``): the model's own mean path
``ln p0 + t ln(mean(etab))``.

Margin of model m on day t (per unit, USD), with ``X = P / D_kernel``:
``v = rev[m, t] * X - var[m, t]``; with shutdown ``v = max(v, 0)`` (``+ dr`` when running) else ``v += dr``; then
``v -= fixed``.

Recorded hashprice multiplier (``record_day``)
----------------------------------------------
Every engine takes ``record_day=None`` or an int array ``record_day[p]`` (``-1`` = none). When it is given, the
engines return ``(pv, cash, x_rec, x_last)`` instead of ``(pv, cash)``, with::

    x_rec[p]  = X_p(t) / X*(t) at t = record_day[p]   (NaN where record_day[p] < 0 or >= H)
    x_last[p] = X_p(H - 1) / X*(H - 1)                 (the last simulated day)
    X_p(t) / X*(t) = (P_p(t) / P_ref(t)) * (D_det(t) / D_p(t)) = exp(ln(P_p(t) / P_ref(t)) - u_p(t))

computed as ``(P * exp(-ln D_kernel)) * exp(ln d0 - lnp_ref[t])``. It is the factor by which path p's hashprice
(USD per TH per day, fees and subsidy as in the deterministic projection) differs from the deterministic
projection's hashprice on that day: ``hashprice_p(t) = hashprice_det(t) * x``. Day 0 gives 1 (to rounding, as
``lnp_ref[0] = ln p0``). ``u`` on day t is that of t's epoch (a retarget on day t is already applied). For a value
on day H (the salvage day), ``x_last`` is the state of day H - 1; when H is a multiple of 14 a retarget would
fall on day H itself and is not simulated.
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


def n_epochs(horizon_days: int) -> int:
    """Number of 14-day difficulty epochs that overlap days 0 .. horizon_days - 1 (epoch 0 included)."""
    return (int(horizon_days) + EPOCH_DAYS - 1) // EPOCH_DAYS


def epoch_drift(s_e: float, kappa: float, rho: float, sig_daily: float, horizon_days: int) -> np.ndarray:
    """Drift ``g_e`` of ``u = ln(D / D_det)`` per epoch (index e = 0 .. n_epochs - 1; entry 0 is unused).

    ``g_e = -s_e^2 / 2 + kappa * b_e``. With ``kappa = 0`` every entry is exactly ``-s_e^2 / 2`` (the previous
    model). With ``kappa > 0``, ``b_e`` makes ``E[exp(u_e)] = 1`` exactly for Gaussian shocks. Writing
    ``y(T) = ln(P[T] / P_ref[T])`` (mean ``-sig_d^2 T / 2``, variance ``sig_d^2 T``, ``sig_d`` the daily price
    volatility ``sig * sqrt(1 / 365)``), ``T_e = 14 e - 1``, ``V_e = Var(u_e)``, ``K_e = Cov(u_e, y(T_e))`` and
    ``c_e = Cov(s_e rho Zp_e, y(T_e)) = s_e rho sig_d n_e / sqrt(14)`` (``n_e`` = price draws in the previous
    epoch: 13 for e = 1, else 14)::

        b_e = (1 - kappa) (V_{e-1} + sig_d^2 T_e) / 2 - (1 - kappa) K_{e-1} - c_e
            = (1 - kappa) Var(y(T_e) - u_{e-1}) / 2 - c_e
        V_e = (1 - kappa)^2 V_{e-1} + kappa^2 sig_d^2 T_e + s_e^2 (rho^2 n_e / 14 + 1 - rho^2)
              + 2 kappa (1 - kappa) K_{e-1} + 2 kappa c_e
        K_e = (1 - kappa) K_{e-1} + kappa sig_d^2 T_e + c_e,   V_0 = K_0 = 0.

    (Derivation: ``E[u_e] = -V_e / 2`` for all e gives ``b_e`` by induction; ``u_{e-1}`` is independent of the
    price shocks after ``T_{e-1}`` and of ``Zp_e``.) ``tests/test_economics_mc_difficulty.py`` checks
    ``E[D / D_det] = 1`` at the horizon by simulation.

    >>> g = epoch_drift(0.06, 0.0, 0.5, 0.03, 60)
    >>> g.shape, bool((g == -0.5 * 0.06 ** 2).all())
    ((5,), True)
    """
    E = n_epochs(horizon_days)
    s_e, kappa, rho, sd = float(s_e), float(kappa), float(rho), float(sig_daily)
    g = np.full(E, -0.5 * s_e * s_e)
    if kappa == 0.0:
        return g
    k1 = 1.0 - kappa
    rr2 = max(1.0 - rho * rho, 0.0)
    V = K = 0.0
    for e in range(1, E):
        T = EPOCH_DAYS * e - 1
        n_e = EPOCH_DAYS - 1 if e == 1 else EPOCH_DAYS
        vy = sd * sd * T
        c = s_e * rho * sd * n_e / np.sqrt(EPOCH_DAYS)
        g[e] = -0.5 * s_e * s_e + kappa * (0.5 * k1 * (V + vy) - k1 * K - c)
        V, K = (k1 * k1 * V + kappa * kappa * vy + s_e * s_e * (rho * rho * n_e / EPOCH_DAYS + rr2)
                + 2.0 * kappa * k1 * K + 2.0 * kappa * c), k1 * K + kappa * vy + c
    return g


def _drift(g_e, H: int) -> np.ndarray:
    """g_e as one float64 per epoch (a scalar is broadcast)."""
    E = n_epochs(H)
    g = np.asarray(g_e, dtype=np.float64)
    if g.ndim == 0:
        return np.full(E, float(g))
    if g.ndim != 1 or g.size < E:
        raise ValueError(f"g_e must be a scalar or hold one value per epoch ({E}), got shape {g.shape}")
    return np.ascontiguousarray(g[:E])


def _log_ref(lnp_ref, etab: np.ndarray, p0: float, d0: float, H: int) -> np.ndarray:
    """cref[t] = ln X*[t] in kernel units = lnp_ref[t] - ln d0 (default reference: the mean path of ``etab``)."""
    if lnp_ref is None:
        lnp = np.log(p0) + np.arange(H) * np.log(np.mean(etab))
    else:
        lnp = np.asarray(lnp_ref, dtype=np.float64)
        if lnp.shape != (H,):
            raise ValueError(f"lnp_ref must hold one value per day ({H}), got shape {lnp.shape}")
    return np.ascontiguousarray(lnp - np.log(d0))


def _record_days(record_day, n: int) -> np.ndarray | None:
    if record_day is None:
        return None
    rd = np.asarray(record_day)
    if rd.shape != (n,) or not np.issubdtype(rd.dtype, np.integer):
        raise ValueError(f"record_day must be an int array with one day per path ({n}), got {rd.dtype} {rd.shape}")
    return rd.astype(np.int64)


def _epoch_update(lnD, S, zi, P, g, s_e, rho, rr, kappa, cref_prev):
    """ln D_kernel of the epoch that starts now: previous ln D, the previous epoch's price shocks S, the independent
    draw zi, the price P on the previous day, and cref_prev = ln X* on the previous day."""
    new = lnD + g + s_e * (rho * S / np.sqrt(EPOCH_DAYS) + rr * zi)
    if kappa != 0.0:
        new = new + kappa * (np.log(P) - lnD - cref_prev)
    return new


def run_numpy_dayloop(key_p, key_d, ztab, etab, p0, d0, g_e, s_e, rho, rev, var, dr, fixed, start, disc, shutdown,
                      *, kappa=0.0, lnp_ref=None, record_day=None):
    """Baseline: a plain day-by-day Python loop, vectorised over paths. Returns (pv[m, p], cash[m, p]), plus
    (x_rec[p], x_last[p]) when ``record_day`` is given (see the module docstring)."""
    M, n = start.shape
    H = disc.size
    g = _drift(g_e, H)
    cref = _log_ref(lnp_ref, etab, p0, d0, H)
    rd = _record_days(record_day, n)
    paths = np.arange(n, dtype=np.uint64)
    P = np.full(n, p0)
    lnD = np.full(n, np.log(d0))
    invD = np.exp(-lnD)
    S = np.zeros(n)
    pv = np.zeros((M, n))
    cash = np.zeros((M, n))
    rr = np.sqrt(max(1.0 - rho * rho, 0.0))
    if rd is not None:
        ixr = np.exp(-cref)
        x_rec = np.full(n, np.nan)
    for t in range(H):
        if t > 0 and t % EPOCH_DAYS == 0:
            zi = ztab[_idx(key_d, paths, 4 * (t // EPOCH_DAYS))]
            lnD = _epoch_update(lnD, S, zi, P, g[t // EPOCH_DAYS], s_e, rho, rr, kappa, cref[t - 1])
            invD = np.exp(-lnD)
            S[:] = 0.0
        if t > 0:
            i = _idx(key_p, paths, t)
            P = P * etab[i]
            S += ztab[i]
        X = P * invD
        if rd is not None:
            hit = rd == t
            x_rec[hit] = X[hit] * ixr[t]
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
    if rd is None:
        return pv, cash
    return pv, cash, x_rec, X * ixr[H - 1]


def _epoch_blocks(key_p, key_d, ztab, etab, p0, d0, g, s_e, rho, kappa, cref, paths, H):
    """Yield (e0, e1, Pb, lnD) per epoch for ``paths``: prices Pb[p, d] of days e0 .. e1 - 1 and the epoch's
    ln D_kernel[p] (the shared path dynamics of the numpy engines)."""
    m = paths.size
    P = np.full(m, p0)
    lnD = np.full(m, np.log(d0))
    S = np.zeros(m)
    rr = np.sqrt(max(1.0 - rho * rho, 0.0))
    for e0 in range(0, H, EPOCH_DAYS):
        e1 = min(H, e0 + EPOCH_DAYS)
        if e0 > 0:
            zi = ztab[_idx(key_d, paths, 4 * (e0 // EPOCH_DAYS))]
            lnD = _epoch_update(lnD, S, zi, P, g[e0 // EPOCH_DAYS], s_e, rho, rr, kappa, cref[e0 - 1])
        idx = _idx_block(key_p, paths, e0, e1)
        f = etab[idx]
        z = ztab[idx]
        if e0 == 0:
            f[:, 0] = 1.0
            z[:, 0] = 0.0
        Pb = P[:, None] * np.cumprod(f, axis=1)
        P = Pb[:, -1].copy()
        S = z.sum(axis=1)
        yield e0, e1, Pb, lnD


def run_numpy_blocked(key_p, key_d, ztab, etab, p0, d0, g_e, s_e, rho, rev, var, dr, fixed, start, disc, shutdown,
                      max_cells: int = 4_000_000, progress=None, *, kappa=0.0, lnp_ref=None, record_day=None):
    """Vectorised engine: paths x one difficulty epoch per step (no JIT). Same results as the day loop."""
    M, n = start.shape
    H = disc.size
    g = _drift(g_e, H)
    cref = _log_ref(lnp_ref, etab, p0, d0, H)
    rd = _record_days(record_day, n)
    if rd is not None:
        ixr = np.exp(-cref)
        x_rec = np.full(n, np.nan)
        x_last = np.empty(n)
    pv = np.zeros((M, n))
    cash = np.zeros((M, n))
    chunk = max(1, min(n, max_cells // (EPOCH_DAYS * max(M, 1))))
    for a in range(0, n, chunk):
        b = min(n, a + chunk)
        paths = np.arange(a, b, dtype=np.uint64)
        st = start[:, a:b]
        for e0, e1, Pb, lnD in _epoch_blocks(key_p, key_d, ztab, etab, p0, d0, g, s_e, rho, kappa, cref, paths, H):
            X = Pb * np.exp(-lnD)[:, None]
            days = np.arange(e0, e1)
            if rd is not None:
                r = rd[a:b]
                hit = np.flatnonzero((r >= e0) & (r < e1))
                x_rec[a + hit] = X[hit, r[hit] - e0] * ixr[r[hit]]
                if e1 == H:
                    x_last[a:b] = X[:, -1] * ixr[H - 1]
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
    if rd is None:
        return pv, cash
    return pv, cash, x_rec, x_last


def simulate_paths(key_p, key_d, ztab, etab, p0, d0, g_e, s_e, rho, horizon_days: int, paths, *, kappa=0.0,
                   lnp_ref=None) -> tuple[np.ndarray, np.ndarray]:
    """The sampled series themselves: (P[p, t] [USD], lnD[p, t] = ln D_kernel [ln difficulty]) for ``paths``
    (an int count or an array of path numbers) and days 0 .. horizon_days - 1.

    The same dynamics (:func:`_epoch_blocks`) and draws as the engines, so path p here is path p of a run with
    the same keys. For diagnostics and calibration checks (``difficulty_model.implied_relation``); memory is
    2 x paths x days floats.
    """
    H = int(horizon_days)
    paths = np.arange(paths, dtype=np.uint64) if np.ndim(paths) == 0 else np.asarray(paths, dtype=np.uint64)
    g = _drift(g_e, H)
    cref = _log_ref(lnp_ref, etab, p0, d0, H)
    P = np.empty((paths.size, H))
    lnD = np.empty((paths.size, H))
    for e0, e1, Pb, lnDe in _epoch_blocks(key_p, key_d, ztab, etab, p0, d0, g, s_e, rho, kappa, cref, paths, H):
        P[:, e0:e1] = Pb
        lnD[:, e0:e1] = lnDe[:, None]
    return P, lnD
