"""Monte Carlo over BTC price (GBM), difficulty growth (optionally price-correlated) and release timing.

Seeded and reproducible: the same seed gives the same paths on every engine and thread count (counter-based
random numbers, see :mod:`minecore.economics._mc_kernels`). Engines: ``NUMPY`` (vectorised, no JIT; used by
reports), ``NUMBA`` (compiled, parallel over paths on ``NUMBA_NUM_THREADS`` threads, cached on disk; fastest for big
runs), ``AUTO`` (numba above 2e7 path-days), ``NUMPY_DAYLOOP`` (the plain day-by-day baseline).

A **path-day** is one simulated day of one BTC-price/difficulty path: ``path_days = paths * horizon_days``. Every
machine model (the seized one and each replacement) and every strategy is evaluated on each path-day, but they are
not counted again. ``benches/bench_montecarlo.py`` measures path-days per second of the whole call (compile time
excluded) for the numba engine and the day-by-day numpy loop on the same scenario in the same run.

Strategy NPVs per path are built exactly as in :func:`minecore.economics.decision.compare`, with the deterministic
BTC price and difficulty replaced by the sampled paths and the release day drawn per path. The sampled paths
centre on the deterministic ones: BTC grows at ``btc_drift_per_year`` (default: the network's
``btc_price_growth_per_year``) in expectation, and difficulty is the scenario's daily trend times a log-normal
shock each 14-day epoch with zero-mean effect on E[difficulty]. With zero volatilities and a fixed release day
the Monte Carlo therefore reproduces :func:`~minecore.economics.decision.compare` exactly.

>>> from minecore.economics import MachineSpec, ReplacementOption, Scenario, SeizedLot
>>> lot = SeizedLot(MachineSpec("S21", 200, 3500, price_usd=3000), units=100, days_held=150)
>>> sc = Scenario(lot, (ReplacementOption(MachineSpec("US-1", 260, 4400, 5000, "United States")),), horizon_days=365)
>>> a = run_monte_carlo(sc, MonteCarloParams(paths=64, seed=7))
>>> b = run_monte_carlo(sc, MonteCarloParams(paths=64, seed=7))
>>> bool((a.npv_usd == b.npv_usd).all()), round(float(sum(a.p_win.values())), 9)
(True, 1.0)
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ._mc_kernels import (EPOCH_DAYS, epoch_drift, normal_table, run_numpy_blocked, run_numpy_dayloop, stream_key,
                          uniforms)
from .daily import demand_response_credit, running_fraction
from .aftertax import after_tax, tax_terms
from .decision import _parts
from .finance import DAYS_PER_MONTH
from .inputs import MCEngine, MonteCarloParams, Scenario, Strategy
from .network import SECONDS_PER_DAY, TWO_POW_32


@dataclass(frozen=True)
class MonteCarloResult:
    """npv_usd[s, p]: NPV of strategy s on path p [USD]; labels[s]; percentiles and probabilities per label."""

    labels: tuple[str, ...]
    npv_usd: np.ndarray
    cash_usd: np.ndarray  #: undiscounted cumulative cash at the horizon, without salvage [USD]
    release_day: np.ndarray  #: per path; horizon_days = not released within the horizon
    forfeited: np.ndarray
    params: MonteCarloParams
    engine: str
    path_days: int  #: paths x horizon_days (one day of one price/difficulty path; not per model or strategy)
    elapsed_s: float  #: seconds in the path engine (inputs and strategy NPVs excluded)
    snapshot_label: str
    capex_usd: tuple[float, ...] = ()  #: capex of each strategy on day 0 [USD]; 0 = nothing to pay back
    #: per path: hashprice X_p / X_det on the release day (NaN: not released within the horizon) and on day H - 1;
    #: hashprice_p(t) = hashprice_det(t) * multiplier (see minecore.economics._mc_kernels)
    hashprice_multiplier_release: np.ndarray | None = None
    hashprice_multiplier_last_day: np.ndarray | None = None

    def percentile(self, label: str, q: float) -> float:
        return float(np.percentile(self.npv_usd[self.labels.index(label)], q))

    def cvar(self, label: str, q: float = 5.0) -> float:
        """Conditional value at risk: the mean NPV of the worst ``q`` % of paths [USD].

        The empirical tail mean: with n paths, the ``floor(q n / 100)`` lowest NPVs count fully and the next one
        with the remaining fraction, so the weights sum to ``q n / 100`` (exactly the mean of the worst k paths when
        ``q n / 100 = k`` is whole; the lowest NPV when ``q n / 100 <= 1``). Always <= the mean and <= P(q) with
        numpy's default interpolation up to one path.

        >>> r = MonteCarloResult(("a",), np.array([[5.0, 1.0, 3.0, 2.0, 4.0]]), np.zeros((1, 5)), np.zeros(5),
        ...                      np.zeros(5, bool), None, "numpy", 5, 0.0, "")
        >>> r.cvar("a", 40), r.cvar("a", 50), r.cvar("a", 5)
        (1.5, 1.8, 1.0)
        """
        if not 0.0 < q <= 100.0:
            raise ValueError(f"q must be in (0, 100], got {q!r}")
        x = np.sort(self.npv_usd[self.labels.index(label)])
        k = q * x.size / 100.0
        if k <= 1.0:
            return float(x[0])
        full = int(math.floor(k))
        tail = float(x[:full].sum()) + (k - full) * float(x[full]) if full < x.size else float(x.sum())
        return tail / k

    def ranking_note(self, partial_fraction: float = 0.5) -> str | None:
        """None when the strategy with the highest mean NPV also has the highest P5; else one sentence naming both."""
        from .inputs import strategy_title

        if not self.labels:
            return None
        mean = self.npv_usd.mean(axis=1)
        p5 = np.percentile(self.npv_usd, 5, axis=1)
        a, b = int(np.argmax(mean)), int(np.argmax(p5))
        if a == b:
            return None
        na, nb = strategy_title(self.labels[a], partial_fraction), strategy_title(self.labels[b], partial_fraction)
        return (f"Ranked by expected NPV, {na} leads (mean {mean[a]:,.0f} USD, P5 {p5[a]:,.0f} USD), but "
                f"ranked by the 5th percentile {nb} leads (mean {mean[b]:,.0f} USD, P5 {p5[b]:,.0f} USD).")

    @property
    def p_win(self) -> dict[str, float]:
        """Share of paths on which each strategy has the highest NPV."""
        best = np.argmax(self.npv_usd, axis=0)
        return {lab: float(np.mean(best == i)) for i, lab in enumerate(self.labels)}

    @property
    def p_payback(self) -> dict[str, float | None]:
        """P(cumulative undiscounted cash >= 0 by the horizon, salvage excluded) per strategy.

        Payback is the recovery of an investment, so it applies only to strategies with capex (those that buy
        replacements). For ``wait_and_redeploy``, ``sell_on_release`` and ``abandon`` the seized units are sunk
        and nothing is invested: the value is ``None`` (not applicable; JSON ``null``, tables "—"), not a
        probability (``abandon``, with no cash flows at all, would otherwise "pay back" on every path).
        """
        capex = self.capex_usd or (1.0,) * len(self.labels)
        return {lab: float(np.mean(self.cash_usd[i] >= -1e-6)) if capex[i] > 0 else None
                for i, lab in enumerate(self.labels)}

    def summary_rows(self) -> list[dict[str, Any]]:
        pw, pp = self.p_win, self.p_payback
        rows = []
        for i, lab in enumerate(self.labels):
            p5, p50, p95 = np.percentile(self.npv_usd[i], [5, 50, 95])
            rows.append({"strategy": lab, "npv_mean_usd": float(self.npv_usd[i].mean()), "npv_p5_usd": float(p5),
                         "npv_p50_usd": float(p50), "npv_p95_usd": float(p95),
                         "npv_cvar5_usd": self.cvar(lab, 5.0), "p_win": pw[lab],
                         "p_payback_within_horizon": pp[lab]})
        return sorted(rows, key=lambda r: -r["npv_mean_usd"])

    def to_dataframe(self):
        import pandas as pd

        return pd.DataFrame(self.summary_rows())

    def paths_dataframe(self):
        """Long frame of every path's NPV per strategy (for distribution charts)."""
        import pandas as pd

        return pd.DataFrame({lab: self.npv_usd[i] for i, lab in enumerate(self.labels)})

    @property
    def throughput_path_days_per_s(self) -> float:
        return self.path_days / self.elapsed_s if self.elapsed_s > 0 else math.inf


def _kernel_inputs(sc: Scenario):
    """Per-model daily coefficients: margin = rev * P / D_shock - var (+ dr, - fixed), per unit [USD].

    The deterministic difficulty trend D_trend[t] / D_trend[0] is folded into ``rev``, so the kernels only carry
    the random epoch shocks on top of day 0's difficulty.
    """
    p = _parts(sc)
    H = sc.horizon_days
    proj = sc.projection
    reward = proj.reward_btc_per_block(H)
    trend = proj.difficulty(H)
    k = 1e12 * SECONDS_PER_DAY * reward / TWO_POW_32 / (trend / trend[0])  # USD per TH/day = k * P / D_shock
    specs = (sc.lot.machine,) + tuple(o.option.machine for o in p.options)
    site = sc.site
    rev, var, dr, fixed = (np.zeros((len(specs), H)) for _ in range(4))
    price = site.power_price(H)
    run = running_fraction(site, price)
    for m, s in enumerate(specs):
        kwh = s.power_w / 1000.0 * 24.0 * run
        rev[m] = s.hashrate_ths * site.hashrate_efficiency * (1.0 - site.pool_fee) * run * k
        var[m] = kwh * (price * site.pue + site.hosting_usd_per_kwh)
        dr[m] = demand_response_credit(s, site, price)
        fixed[m] = site.hosting_usd_per_month / DAYS_PER_MONTH
    return p, rev, var, dr, fixed, float(trend[0])


#: the most memory one :func:`run_monte_carlo` may need [bytes]: 2 GiB, checked by :func:`check_memory` before
#: anything is allocated (docs/cli.md, "Limits")
MEMORY_BUDGET_BYTES = 2 * 1024**3
_BLOCK_CELLS = 4_000_000  #: the numpy engine's block size (``run_numpy_blocked``'s ``max_cells``)
_BLOCK_ARRAYS = 10  #: float arrays of one block alive at once (draws, indices, prices, hashprice, margins)
_PATH_ARRAYS = 40  #: per-path vectors besides the strategies' and models' (release day, fees, resale, tax...)


def _memory_parts(sc: Scenario, prm: MonteCarloParams) -> tuple[int, int]:
    """(bytes per path, bytes of the engine's blocks) of :func:`memory_estimate_bytes`."""
    wanted = set(sc.strategies) if sc.strategies is not None else set(Strategy)
    options = len(sc.options)
    strategies = (sum(1 for s in wanted if not s.uses_replacement)
                  + options * sum(1 for s in wanted if s.uses_replacement))
    models = 1 + options
    per_path = 8 * (4 * strategies + 3 * models + _PATH_ARRAYS)
    n = int(prm.paths)
    engine = prm.engine
    if engine is MCEngine.AUTO:
        engine = MCEngine.NUMBA if n * sc.horizon_days >= 20_000_000 else MCEngine.NUMPY
    block_paths = min(n, max(1, _BLOCK_CELLS // (EPOCH_DAYS * models)))
    return per_path, 0 if engine is MCEngine.NUMBA else 8 * _BLOCK_ARRAYS * block_paths * EPOCH_DAYS


def memory_estimate_bytes(sc: Scenario, params: MonteCarloParams | None = None) -> int:
    """Peak memory :func:`run_monte_carlo` needs for ``sc`` and ``params`` [bytes], from the sizes alone.

    8 bytes per path for each strategy's arrays (NPV and cash, as built and once stacked: 4), each machine model's
    (PV, cash, start day: 3) and about :data:`_PATH_ARRAYS` other per-path vectors, plus the numpy engine's blocks
    (paths x one 14-day epoch, at most 4e6 cells over the models, :data:`_BLOCK_ARRAYS` arrays). An upper bound:
    measured peaks were 0.6 to 0.96 of it (default scenario, 2e4 to 3e5 paths, both engines).

    >>> from minecore.economics import MachineSpec, Scenario, SeizedLot
    >>> sc = Scenario(SeizedLot(MachineSpec("S21", 200, 3500, price_usd=3000), units=10, days_held=10))
    >>> memory_estimate_bytes(sc, MonteCarloParams(paths=1_000_000)) // 2**20   # 4 strategies, 1 model [MiB]
    450
    """
    prm = params or sc.monte_carlo
    per_path, blocks = _memory_parts(sc, prm)
    return int(prm.paths) * per_path + blocks


def _size(n: float) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"


def check_memory(sc: Scenario, params: MonteCarloParams | None = None, *, budget_bytes: int | None = None) -> int:
    """The estimate of :func:`memory_estimate_bytes`; raises :class:`~minecore.errors.LimitError` (exit 2 in the
    CLI), naming the budget and the most paths that fit, when it is above ``budget_bytes`` (default:
    :data:`MEMORY_BUDGET_BYTES`)."""
    prm = params or sc.monte_carlo
    if budget_bytes is None:
        budget_bytes = MEMORY_BUDGET_BYTES
    per_path, blocks = _memory_parts(sc, prm)
    need = int(prm.paths) * per_path + blocks
    if need <= budget_bytes:
        return need
    from ..errors import LimitError

    fit = max(0, (budget_bytes - blocks) // per_path)
    raise LimitError(f"Monte Carlo: {prm.paths:,} paths with {len(sc.options) + 1} machine models would need about "
                     f"{_size(need)}, above its memory budget of {_size(budget_bytes)} "
                     f"(minecore.economics.montecarlo.MEMORY_BUDGET_BYTES); use at most {fit:,} paths here, or "
                     "fewer replacement options or strategies")


def run_monte_carlo(sc: Scenario, params: MonteCarloParams | None = None, *,
                    progress: Callable[[int], None] | None = None) -> MonteCarloResult:
    """Simulate ``params.paths`` paths (default: ``sc.monte_carlo``); see :class:`MonteCarloResult`.

    Raises :class:`~minecore.errors.LimitError` before allocating anything when the run would need more than
    :data:`MEMORY_BUDGET_BYTES` (:func:`check_memory`)."""
    prm = params or sc.monte_carlo
    if prm.paths < 1:
        from ..errors import InvalidInputError

        raise InvalidInputError("Monte Carlo needs paths >= 1")
    check_memory(sc, prm)
    p, rev, var, dr, fixed, d0 = _kernel_inputs(sc)
    H, n = sc.horizon_days, prm.paths
    lot = sc.lot
    N = lot.units
    # release day per path (H = beyond horizon) and forfeiture
    cdf = np.concatenate([np.cumsum(p.pmf), [1.0]])
    if prm.random_release:
        u = uniforms(stream_key(prm.seed, 3), n)
        w = np.minimum(np.searchsorted(cdf, u, side="right"), H)
        forfeit = uniforms(stream_key(prm.seed, 4), n) < p.q_forfeit
    else:
        w = np.full(n, min(int(np.searchsorted(cdf, 0.5, side="right")), H))
        forfeit = np.zeros(n, dtype=bool)
    released = (~forfeit) & (w < H)
    start = np.empty((rev.shape[0], n), dtype=np.int64)
    start[0] = np.where(released, w + lot.redeploy_delay_days, H)
    for j, ro in enumerate(p.options):
        start[j + 1] = ro.option.lead_time_days

    growth = sc.projection.btc_price_growth_per_year if prm.btc_drift_per_year is None else prm.btc_drift_per_year
    mu = math.log1p(growth)  # E[P_t] = P_0 (1 + growth) ** (t / 365), as the deterministic projection
    sig = prm.btc_volatility_per_year
    dt = 1.0 / 365.0
    ztab = normal_table()
    etab = np.exp((mu - 0.5 * sig * sig) * dt + sig * math.sqrt(dt) * ztab)
    months_per_epoch = EPOCH_DAYS / DAYS_PER_MONTH
    s_e = prm.difficulty_growth_sd_per_month * math.sqrt(months_per_epoch)
    snap = sc.projection.snapshot
    p0 = float(sc.projection.btc_price_usd(1)[0])
    # difficulty answers hashprice (see difficulty_model): error correction at kappa per epoch toward X* = the
    # deterministic path; g_e per epoch keeps E[D] on the deterministic trend (folded into rev)
    kappa = prm.difficulty_adjustment_per_epoch
    g_e = epoch_drift(s_e, kappa, prm.price_difficulty_correlation, sig * math.sqrt(dt), H)
    args = (stream_key(prm.seed, 1), stream_key(prm.seed, 2), ztab, etab, p0, d0,
            g_e, s_e, prm.price_difficulty_correlation, rev, var, dr, fixed, start, p.disc[:H].copy(),
            sc.site.shutdown_when_unprofitable)
    # x_release[p] / x_last[p]: hashprice multiplier X_p / X_det on the release day (NaN: not released) and on day H - 1
    kw = {"kappa": kappa, "lnp_ref": math.log(p0) + mu * np.arange(H) / 365.0, "record_day": np.where(released, w, -1)}
    engine = prm.engine
    if engine is MCEngine.AUTO:
        engine = MCEngine.NUMBA if n * H >= 20_000_000 else MCEngine.NUMPY
    t0 = time.perf_counter()
    if engine is MCEngine.NUMBA:
        from ._mc_numba import run_numba

        pv, cash, x_release, x_last = run_numba(*args, **kw)
        if progress:
            progress(n)
    elif engine is MCEngine.NUMPY_DAYLOOP:
        pv, cash, x_release, x_last = run_numpy_dayloop(*args, **kw)
        if progress:
            progress(n)
    else:
        pv, cash, x_release, x_last = run_numpy_blocked(*args, progress=progress, **kw)
    elapsed = time.perf_counter() - t0

    disc = p.disc
    cdisc = np.concatenate([[0.0], np.cumsum(disc[:H])])  # sum_{t<w} disc_t
    wi = np.minimum(w, H)
    fees_pv = p.fee * cdisc[wi]
    fees_cash = p.fee * wi.astype(float)
    d_w = disc[wi]
    rc = np.where(released, p.release_cost_usd[wi], 0.0)
    # resale and salvage follow each path's hashprice on the day of the sale (see valuation.values_usd)
    val = sc.valuation
    keep = val.net_of_sale_costs(N)
    x_rel = np.where(released, x_release, 1.0)
    x_end = np.where(np.isfinite(x_last), x_last, 1.0)
    age_now = lot.age_days_at_hold_start + p.days_held
    if lot.resale_quote_usd is not None:
        gross = np.full(n, float(lot.resale_quote_usd))
    else:
        gross = val.values_usd(lot.machine, sc.projection, age_now, np.where(released, wi, 0), x_rel)
    resale = np.where(released, gross * keep, 0.0)
    reexport = np.where(released, gross * (1.0 - lot.reexport_price_discount) * keep - lot.reexport_freight_usd_per_unit,
                        0.0)
    end_gross = val.values_usd(lot.machine, sc.projection, age_now, np.full(n, H), x_end)
    salv = np.where(released, end_gross * keep * disc[H], 0.0)
    legal = lot.legal_costs_future_usd
    wait_pv = N * (-fees_pv - rc * d_w + pv[0] + salv) - legal
    wait_cash = N * (-fees_cash - rc + cash[0]) - legal
    sell_pv = N * (-fees_pv + (resale - rc) * d_w) - legal
    sell_cash = N * (-fees_cash - rc + resale) - legal
    reexport_pv = N * (-fees_pv + reexport * d_w) - legal
    reexport_cash = N * (-fees_cash + reexport) - legal

    wanted = set(sc.strategies) if sc.strategies is not None else set(Strategy)
    labels, npvs, cashes, capexes = [], [], [], []
    # income tax: after-tax PV = (1 - r) pre-tax PV - r K(w), K from each path's release day (see aftertax)
    terms = tax_terms(sc, p) if sc.tax is not None else None
    if terms is not None:
        wc = np.minimum(w, H - 1)
        k_wait = N * np.where(released, terms.wait_released[wc], np.where(forfeit & (w < H), terms.disposed[wc], 0.0))
        k_sell = N * np.where((released | forfeit) & (w < H), terms.disposed[wc], 0.0)
        k_abandon = np.full(n, N * terms.abandon)
    else:
        k_wait = k_sell = k_abandon = np.zeros(n)

    def add(s: Strategy, opt: str | None, v: np.ndarray, c: np.ndarray, capex: float = 0.0, k=None) -> None:
        if s in wanted:
            labels.append(s.value if opt is None else f"{s.value}:{opt}")
            npvs.append(v if terms is None else after_tax(v, k, terms.rate))
            cashes.append(c)
            capexes.append(float(capex))

    add(Strategy.WAIT_AND_REDEPLOY, None, wait_pv, wait_cash, k=k_wait)
    add(Strategy.SELL_ON_RELEASE, None, sell_pv, sell_cash, k=k_sell)
    add(Strategy.REEXPORT_ON_RELEASE, None, reexport_pv, reexport_cash, k=k_sell)
    add(Strategy.ABANDON, None, np.zeros(n), np.zeros(n), k=k_abandon)
    for j, ro in enumerate(p.options):
        k_rep = terms.replacement[j] if terms is not None else 0.0
        salv_k = (val.values_usd(ro.option.machine, sc.projection, 0.0, np.full(n, H), x_end)
                  * val.net_of_sale_costs(ro.units) * disc[H])
        unit_pv = -ro.capex.total_usd + pv[j + 1] + salv_k
        unit_cash = -ro.capex.total_usd + cash[j + 1]
        capex = ro.capex_usd
        m = ro.units
        add(Strategy.REPLACE_NOW, ro.name, m * unit_pv, m * unit_cash, capex, k=m * k_rep + k_abandon)
        add(Strategy.REPLACE_AND_SELL_ON_RELEASE, ro.name, m * unit_pv + sell_pv, m * unit_cash + sell_cash,
            capex, k=m * k_rep + k_sell)
        add(Strategy.REPLACE_AND_REDEPLOY, ro.name, m * unit_pv + wait_pv, m * unit_cash + wait_cash,
            capex, k=m * k_rep + k_wait)
        f = sc.partial_fraction
        kk = int(round(f * ro.units))
        if 0 < kk < ro.units or (0 < f < 1 and kk > 0):
            mix_pv = (1 - f) * wait_pv + f * sell_pv
            mix_cash = (1 - f) * wait_cash + f * sell_cash
            add(Strategy.PARTIAL_REPLACE, ro.name, kk * unit_pv + mix_pv, kk * unit_cash + mix_cash,
                kk * ro.capex.total_usd, k=kk * k_rep + (1 - f) * k_wait + f * k_sell)
    return MonteCarloResult(tuple(labels), np.array(npvs), np.array(cashes), np.where(released, w, H), forfeit, prm,
                            engine.value, n * H, elapsed, snap.label, tuple(capexes), x_release, x_last)
