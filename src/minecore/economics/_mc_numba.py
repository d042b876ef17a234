"""Compiled Monte Carlo kernel (numba, parallel over paths). Imported only when the numba engine runs.

Same model and counter-based random numbers as :func:`minecore.economics._mc_kernels.run_numpy_dayloop`, so the
same seed gives the same NPVs (to rounding) as the numpy engines.

Per path, in three tight loops over one thread's scratch buffers (allocated once per parallel task, never per path):

1. the random table indices of every day, four days per splitmix64 hash (a loop numba/LLVM vectorises);
2. the price/difficulty series ``X[t] = P[t] / D[t]``, a serial product chain, one difficulty epoch at a time, so the
   epoch branch (the retarget with its error-correction term, one ``log`` per epoch when ``kappa != 0``) is out of
   the daily loop;
3. per machine model, a branch-free, vectorised sum over the days from its start day. The mode (switch off when
   unprofitable, with or without a demand-response credit, or always on) is chosen per model outside the day loop;
   for "always on" the margin is linear in ``X``, so the loop is two dot products with precomputed ``disc * rev``
   and ``rev`` rows and the constant costs come from suffix sums.

Fixed (and, when always on, power) costs do not depend on the path and are taken off afterwards from suffix sums
indexed by each path's start day.

The recorded hashprice multipliers (``record_day``) are read off each path's ``X`` series after step 2:
``x = X[t] * exp(ln d0 - lnp_ref[t])``, the same expression as the numpy engines. The kernel always fills them
(two loads per path); the wrapper returns them only when ``record_day`` is given.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._mc_kernels import C_CTR, C_GOLD, C_M1, C_M2, C_PATH, EPOCH_DAYS, MASK16, S16, S27, S30, S31, TABLE_SIZE

MODE_SHUTDOWN, MODE_SHUTDOWN_DR, MODE_LINEAR = 0, 1, 2
S32, S48 = np.uint64(32), np.uint64(48)
NO_DRAW = TABLE_SIZE  #: index of the extra table row (factor 1, quantile 0) used for day 0 (needs uint32 indices)


@njit(inline="always")
def _mix(x):
    z = x + C_GOLD
    z = (z ^ (z >> S30)) * C_M1
    z = (z ^ (z >> S27)) * C_M2
    return z ^ (z >> S31)


@njit(inline="always")
def _draw_indices(idx, up, Q):
    """Table index of every day of one path: day t uses 16-bit field (t & 3) of hash (t >> 2) as its index into
    the 65,536-entry table (as ``_mc_kernels._idx``); day 0 draws nothing."""
    for q in range(Q):
        h = _mix(up + np.uint64(q) * C_CTR)
        idx[4 * q] = np.uint32(h & MASK16)
        idx[4 * q + 1] = np.uint32((h >> S16) & MASK16)
        idx[4 * q + 2] = np.uint32((h >> S32) & MASK16)
        idx[4 * q + 3] = np.uint32(h >> S48)
    idx[0] = NO_DRAW


@njit(inline="always")
def _epoch_step(ud, e0, lnD, S, P, ztab, g, s_e, kz, rr, kappa, cref):
    """ln D of the epoch that starts on day e0, from the last epoch's price shocks S, a fresh draw, and (kappa != 0)
    the gap ln X - ln X* on day e0 - 1 (P = the price of that day); as ``_mc_kernels._epoch_update``."""
    e = e0 // EPOCH_DAYS
    hd = _mix(ud + np.uint64(e) * C_CTR)
    new = lnD + g[e] + s_e * (kz * S + rr * ztab[np.uint64(hd & MASK16)])
    if kappa != 0.0:
        new = new + kappa * (np.log(P) - lnD - cref[e0 - 1])
    return new


@njit(inline="always")
def _record(x_rec, x_last, p, X, ixr, rec_day):
    """Hashprice multiplier X / X* of path p on its record day (NaN if none) and on the last day."""
    H = X.size
    r = rec_day[p]
    x_rec[p] = X[r] * ixr[r] if 0 <= r < H else np.nan
    x_last[p] = X[H - 1] * ixr[H - 1]


@njit(inline="always")
def _accumulate(pv, cash, p, X, rev, var, dr, drev, disc, mode, start):
    """pv[m, p], cash[m, p] = discounted and plain sums of model m's daily margin from its start day on."""
    M = start.shape[0]
    H = disc.size
    for m in range(M):
        s0 = start[m, p]
        L = H - s0  # loops run from 0 over views, so numba emits no negative-index wraparound
        xs = X[s0:]
        ds = disc[s0:]
        rv = rev[m, s0:]
        a_pv = 0.0
        a_cash = 0.0
        if mode[m] == MODE_SHUTDOWN:
            vr = var[m, s0:]
            for t in range(L):
                v = max(rv[t] * xs[t] - vr[t], 0.0)
                a_pv += ds[t] * v
                a_cash += v
        elif mode[m] == MODE_SHUTDOWN_DR:
            vr = var[m, s0:]
            dd = dr[m, s0:]
            for t in range(L):
                v = rv[t] * xs[t] - vr[t]
                v = v + dd[t] if v >= 0.0 else 0.0
                a_pv += ds[t] * v
                a_cash += v
        else:  # always on: linear in X; the constant costs are taken off by the caller
            drv = drev[m, s0:]
            for t in range(L):
                a_pv += drv[t] * xs[t]
                a_cash += rv[t] * xs[t]
        pv[m, p] = a_pv
        cash[m, p] = a_cash


@njit(parallel=True, cache=True, fastmath=True)
def _run(key_p, key_d, etab, ztab, p0, lnd0, g, s_e, rho, kappa, cref, ixr, rec_day, rev, var, dr, drev, disc, mode,
         start, n_tasks):
    # etab/ztab: daily price factor and normal quantile per table index (plus the NO_DRAW row);
    # g: drift per epoch; cref[t] = ln X*[t], ixr[t] = exp(-cref[t]); rec_day[p]: day to record (-1: none);
    # rev/var/dr/drev: (M, H) rows; start[m, p] clipped to [0, H]
    n = start.shape[1]
    H = disc.size
    Q = (H + 3) // 4
    pv = np.empty((start.shape[0], n))
    cash = np.empty((start.shape[0], n))
    x_rec = np.empty(n)
    x_last = np.empty(n)
    rr = np.sqrt(max(1.0 - rho * rho, 0.0))
    kz = rho / np.sqrt(float(EPOCH_DAYS))
    n_pairs = (n + 1) // 2
    for task in prange(n_tasks):
        # scratch for two paths, allocated once per task
        Xa = np.empty(H)
        Xb = np.empty(H)
        ia_ = np.empty(4 * Q, dtype=np.uint32)  # uint32: NO_DRAW = 65,536 does not fit 16 bits
        ib_ = np.empty(4 * Q, dtype=np.uint32)
        for pair in range(task * n_pairs // n_tasks, (task + 1) * n_pairs // n_tasks):
            pa = 2 * pair
            pb = pa + 1  # may be n (an odd count): simulated, not stored
            _draw_indices(ia_, key_p + np.uint64(pa) * C_PATH, Q)
            _draw_indices(ib_, key_p + np.uint64(pb) * C_PATH, Q)
            uda = key_d + np.uint64(pa) * C_PATH
            udb = key_d + np.uint64(pb) * C_PATH
            # two independent product chains side by side, one difficulty epoch at a time
            Pa = p0
            Pb = p0
            lnDa = lnd0
            lnDb = lnd0
            Sa = 0.0
            Sb = 0.0
            for e0 in range(0, H, EPOCH_DAYS):
                if e0 > 0:
                    lnDa = _epoch_step(uda, e0, lnDa, Sa, Pa, ztab, g, s_e, kz, rr, kappa, cref)
                    lnDb = _epoch_step(udb, e0, lnDb, Sb, Pb, ztab, g, s_e, kz, rr, kappa, cref)
                    Sa = 0.0
                    Sb = 0.0
                invDa = np.exp(-lnDa)
                invDb = np.exp(-lnDb)
                ia = ia_[e0:]
                ib = ib_[e0:]
                xa = Xa[e0:]
                xb = Xb[e0:]
                for j in range(min(EPOCH_DAYS, H - e0)):
                    i = ia[j]
                    k = ib[j]
                    Pa *= etab[i]
                    Pb *= etab[k]
                    Sa += ztab[i]
                    Sb += ztab[k]
                    xa[j] = Pa * invDa
                    xb[j] = Pb * invDb
            _accumulate(pv, cash, pa, Xa, rev, var, dr, drev, disc, mode, start)
            _record(x_rec, x_last, pa, Xa, ixr, rec_day)
            if pb < n:
                _accumulate(pv, cash, pb, Xb, rev, var, dr, drev, disc, mode, start)
                _record(x_rec, x_last, pb, Xb, ixr, rec_day)
    return pv, cash, x_rec, x_last


def _suffix(rows: np.ndarray) -> np.ndarray:
    """out[m, s] = sum over t >= s of rows[m, t]; out[m, H] = 0."""
    out = np.zeros((rows.shape[0], rows.shape[1] + 1))
    out[:, :-1] = np.cumsum(rows[:, ::-1], axis=1)[:, ::-1]
    return out


def run_numba(key_p, key_d, ztab, etab, p0, d0, g_e, s_e, rho, rev, var, dr, fixed, start, disc, shutdown,
              *, kappa=0.0, lnp_ref=None, record_day=None):
    """Same signature and result as the numpy engines: (pv[m, p], cash[m, p]), plus (x_rec[p], x_last[p]) when
    ``record_day`` is given (see :mod:`minecore.economics._mc_kernels`)."""
    import numba

    from ._mc_kernels import _drift, _log_ref, _record_days

    M, n = start.shape
    H = disc.size
    g = _drift(g_e, H)
    cref = _log_ref(lnp_ref, etab, p0, d0, H)
    rd = _record_days(record_day, n)
    c = np.ascontiguousarray
    rev, var, dr, fixed, disc = (c(a, dtype=np.float64) for a in (rev, var, dr, fixed, disc))
    st = c(np.clip(start, 0, H), dtype=np.int64)
    if shutdown:
        mode = np.where((dr != 0.0).any(axis=1), MODE_SHUTDOWN_DR, MODE_SHUTDOWN).astype(np.int64)
        const = fixed
    else:
        mode = np.full(M, MODE_LINEAR, dtype=np.int64)
        const = var - dr + fixed
    et = c(np.append(etab, 1.0), dtype=np.float64)  # + the NO_DRAW row
    zt = c(np.append(ztab, 0.0), dtype=np.float64)
    n_tasks = max(1, min((n + 1) // 2, 8 * numba.get_num_threads()))
    rec = np.full(n, -1, dtype=np.int64) if rd is None else c(rd, dtype=np.int64)
    pv, cash, x_rec, x_last = _run(np.uint64(key_p), np.uint64(key_d), et, zt, float(p0), float(np.log(d0)), g,
                                   float(s_e), float(rho), float(kappa), cref, np.exp(-cref), rec, rev, var, dr,
                                   c(disc * rev), disc, mode, st, n_tasks)
    rows = np.arange(M)[:, None]
    pv -= _suffix(disc * const)[rows, st]
    cash -= _suffix(const)[rows, st]
    if rd is None:
        return pv, cash
    return pv, cash, x_rec, x_last
