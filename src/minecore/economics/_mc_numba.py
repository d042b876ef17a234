"""Compiled Monte Carlo kernel (numba, parallel over paths). Imported only when the numba engine runs.

Same model and counter-based random numbers as :func:`minecore.economics._mc_kernels.run_numpy_dayloop`.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._mc_kernels import C_CTR, C_GOLD, C_M1, C_M2, C_PATH, EPOCH_DAYS, MASK16, S4, S16, S27, S30, S31


@njit(inline="always")
def _mix(x):
    z = x + C_GOLD
    z = (z ^ (z >> S30)) * C_M1
    z = (z ^ (z >> S27)) * C_M2
    return z ^ (z >> S31)


@njit(parallel=True, cache=True, fastmath=True)
def _run(key_p, key_d, ztab, etab, p0, d0, g_e, s_e, rho, rev, var, dr, fixed, start, disc, shutdown):
    # rev/var/dr/fixed: (M, H) rows; start: (M, n)
    M, n = start.shape
    H = disc.size
    # fixed costs do not depend on the path: suffix sums from each start day
    fx_pv = np.zeros((M, H + 1))
    fx_cash = np.zeros((M, H + 1))
    has_dr = np.zeros(M, dtype=np.bool_)
    for m in range(M):
        for t in range(H - 1, -1, -1):
            fx_pv[m, t] = fx_pv[m, t + 1] + disc[t] * fixed[m, t]
            fx_cash[m, t] = fx_cash[m, t + 1] + fixed[m, t]
            if dr[m, t] != 0.0:
                has_dr[m] = True
    pv = np.zeros((M, n))
    cash = np.zeros((M, n))
    rr = np.sqrt(max(1.0 - rho * rho, 0.0))
    sq = np.sqrt(float(EPOCH_DAYS))
    for p in prange(n):
        up = np.uint64(p) * C_PATH
        X = np.empty(H)
        P = p0
        lnD = np.log(d0)
        invD = np.exp(-lnD)
        S = 0.0
        h = np.uint64(0)
        X[0] = P * invD
        e_next = EPOCH_DAYS
        for t in range(1, H):
            if t == e_next:
                hd = _mix(key_d + up + np.uint64(t // EPOCH_DAYS) * C_CTR)
                zi = ztab[np.intp((hd & MASK16) >> S4)]
                lnD += g_e + s_e * (rho * S / sq + rr * zi)
                invD = np.exp(-lnD)
                S = 0.0
                e_next += EPOCH_DAYS
            r = t & 3
            if r == 0 or t == 1:
                h = _mix(key_p + up + np.uint64(t >> 2) * C_CTR)
            i = np.intp(((h >> (S16 * np.uint64(r))) & MASK16) >> S4)
            P *= etab[i]
            S += ztab[i]
            X[t] = P * invD
        for m in range(M):
            a_pv = 0.0
            a_cash = 0.0
            rv = rev[m]
            vr = var[m]
            dd = dr[m]
            s0 = start[m, p]
            if s0 >= H:
                pv[m, p] = 0.0
                cash[m, p] = 0.0
                continue
            if shutdown and not has_dr[m]:
                for t in range(s0, H):
                    v = max(rv[t] * X[t] - vr[t], 0.0)
                    a_pv += disc[t] * v
                    a_cash += v
            elif shutdown:
                for t in range(s0, H):
                    v = rv[t] * X[t] - vr[t]
                    v = v + dd[t] if v > 0.0 else 0.0
                    a_pv += disc[t] * v
                    a_cash += v
            else:
                for t in range(s0, H):
                    v = rv[t] * X[t] - vr[t] + dd[t]
                    a_pv += disc[t] * v
                    a_cash += v
            a_pv -= fx_pv[m, s0]
            a_cash -= fx_cash[m, s0]
            pv[m, p] = a_pv
            cash[m, p] = a_cash
    return pv, cash


def run_numba(key_p, key_d, ztab, etab, p0, d0, g_e, s_e, rho, rev, var, dr, fixed, start, disc, shutdown):
    """Same signature and result as the numpy engines."""
    c = np.ascontiguousarray
    return _run(key_p, key_d, ztab, etab, float(p0), float(d0), float(g_e), float(s_e), float(rho), c(rev), c(var),
                c(dr), c(fixed), c(start, dtype=np.int64), c(disc), bool(shutdown))
