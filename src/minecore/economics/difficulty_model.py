"""Difficulty that answers hashprice: the Monte Carlo's difficulty model, its calibration on a shipped monthly
history (2016 onwards), and the price/difficulty relation the model implies.

Model (per 14-day difficulty epoch e; the kernels' notation, :mod:`minecore.economics._mc_kernels`)::

    ln D_e - ln D_{e-1} = trend_e + kappa (ln X_{e-1} - ln X*_{e-1}) + g_e + s_e (rho Zp_e + sqrt(1 - rho^2) Zi_e)

* ``trend_e``: the scenario's deterministic difficulty growth (folded into the kernels' ``rev`` rows).
* ``X = P / D``: the hashprice proxy (USD per unit of difficulty; subsidy, fees and the trend are deterministic and
  cancel in ``X / X*``), taken on the last day of the previous epoch; ``X*`` is the deterministic path's value. So
  the network hashrate grows toward the level the current hashprice supports, with a lag: a gap in ``ln X``
  closes at rate ``kappa`` per epoch (half-life ``ln 2 / -ln(1 - kappa)`` epochs) when the price stands still.
  With zero volatility ``X = X*`` on every day and the paths stay on the deterministic trend exactly.
* The shock: ``Zp_e``, the previous epoch's standardised price shocks (difficulty follows the price with one
  epoch of lag), ``Zi_e`` an independent draw, ``s_e`` the shock sd per epoch
  (``difficulty_growth_sd_per_month * sqrt(14 / 30.4375)``), ``rho`` = ``price_difficulty_correlation``.
* ``g_e``: ``-s_e^2 / 2`` plus, when ``kappa > 0``, the Jensen term of :func:`~._mc_kernels.epoch_drift`, so that
  ``E[D_e] = D_det,e`` exactly for Gaussian shocks.

Calibration (:func:`fit_history`) on ``data/history_monthly.csv``: month m = 2016-01 .. 2024-06 (102 months), ``P_m``
the month's average BTC price [USD], ``D_m`` the difficulty of the month's last retarget, ``sub_m`` the block
subsidy [BTC] at that retarget (halvings 2016-07, 2020-05, 2024-04). The hashprice proxy is
``ln X_m = ln P_m + ln sub_m - ln D_m`` (USD subsidy per unit difficulty; fee history is not shipped). Ordinary
least squares (numpy ``lstsq``) over months m = 1 .. 101 (101 observations) of the error-correction regression::

    dlnD_m = a + b t_m + kappa_m ln X_{m-1} + beta dlnP_m + eps_m,     t_m = m / 12 [years]

* ``a + b t`` absorbs the trend of ``ln D`` and a linear trend of the equilibrium hashprice ``ln X*`` (hardware
  efficiency improves; ``X*`` is not observed in the history), so ``kappa_m`` is the error-correction speed per
  month: ``a + b t + kappa_m ln X = trend + kappa_m (ln X - ln X*)``.
* ``beta dlnP_m``: the short-run response. It is the same month's change of the average price because that is
  the model's timing: a retarget responds to the previous 14-day epoch's price moves, and the window of
  ``dlnD_m`` (retargets in month m) shifted back by one epoch overlaps the window of the change of monthly
  averages ``dlnP_m`` (last half of month m - 1 to month m), not that of ``dlnP_{m-1}``.

Conversions to the model: ``kappa`` per epoch ``= 1 - (1 - kappa_m) ** (14 / 30.4375)`` (the same share of a gap
closed per unit of time); the monthly shock sd ``s_m = sqrt(beta^2 var(dlnP) + var(eps))`` (the price-driven part
plus the residual) and ``rho = beta sd(dlnP) / s_m`` (the share of the shock that follows the price). ``dlnP`` of
monthly *averages* has 2/3 of the variance of month-end-to-month-end changes (a random walk averaged over a
month), so the history's BTC volatility is ``sd(dlnP) * sqrt(3 / 2) * sqrt(12)`` per year.

Fit of the shipped CSV (built 2026-12-01 from CoinGecko monthly averages and bitcoinj retarget checkpoints; sources
in its header), rounded to the defaults below: ``kappa_m = 0.0541`` per month (s.e. 0.0167), ``kappa = 0.0252`` per
epoch (half-life 27 epochs, about a year), ``beta = 0.131``, residual sd 0.0874 per month, ``s_m = 0.0908`` per
month, ``rho = 0.271``, R^2 0.24. History: sd of monthly ``dlnD`` 0.0984; correlation of ``dlnP_m`` with the next
month's ``dlnD_{m+1}`` 0.296 (lags 0 .. 3: 0.263, 0.296, 0.261, 0.042); BTC volatility 0.795 per year; mean
difficulty growth 6.7 % per month.

The relation the model implies (:func:`implied_relation`, 400 paths of 102 months at the history's volatility and
growth, seed 2025): sd of monthly ``dlnD`` 0.099 (95 % band of one history 0.082 .. 0.112), next-month correlation
0.15 (band -0.08 .. 0.30; lags 0 .. 3: 0.33, 0.15, 0.13, 0.13); with ``kappa = 0`` the next-month correlation is
0.02 (band -0.18 .. 0.20). The ``MonteCarloParams`` defaults are these fitted values (shock sd 0.09 per month,
rho 0.27, kappa 0.025 per epoch); at the default BTC volatility of 0.5 the sd of monthly ``dlnD`` is about 0.094
and the next-month correlation about 0.10. The spread of log difficulty is reproduced; the next-month correlation is half the history's, which
lies at the top of the sampling band of a single 8.5-year history: the model responds within one epoch (``rho``)
and then slowly (``kappa``), while the history shows a further 1 .. 2 month response (ASIC deliveries) and none at
3 months. ``tests/test_economics_mc_difficulty.py`` pins the fit and checks both statistics against the history
with the bands stated there. Other caveats: one 8.5-year history, a linear ``ln X*`` trend, fees ignored, and fat
tails (July 2021, the China mining ban: -27 % in a month; December 2017: +39 %) that a Gaussian shock spreads over
the whole sample.

>>> fit = fit_history()
>>> (fit.first_month, fit.last_month, fit.n_obs, round(fit.kappa_per_epoch, 3) == KAPPA_PER_EPOCH)
('2016-01', '2024-06', 101, True)
"""

from __future__ import annotations

import csv
import functools
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._mc_kernels import EPOCH_DAYS
from .finance import DAYS_PER_MONTH

HISTORY_CSV = Path(__file__).with_name("data") / "history_monthly.csv"
FIRST_MONTH = "2016-01"
EPOCHS_PER_MONTH = DAYS_PER_MONTH / EPOCH_DAYS
HALVING_INTERVAL_BLOCKS = 210_000

#: Defaults from :func:`fit_history` on ``data/history_monthly.csv`` (built 2026-12-01 from CoinGecko monthly
#: averages and bitcoinj retarget checkpoints, 2016-01 .. 2024-06), rounded. See the module docstring.
KAPPA_PER_EPOCH = 0.025  #: error-correction speed [1/epoch]; proposed MonteCarloParams.difficulty_adjustment_per_epoch
SHOCK_SD_PER_MONTH = 0.09  #: difficulty shock sd [decimal/month]; MonteCarloParams.difficulty_growth_sd_per_month
PRICE_DIFFICULTY_CORRELATION = 0.27  #: MonteCarloParams.price_difficulty_correlation


# --------------------------------------------------------------------------------------------- the shipped history

@dataclass(frozen=True)
class History:
    """Monthly series: month 'YYYY-MM', btc_usd [USD, monthly average], difficulty [-, last retarget of the
    month], height and subsidy_btc [BTC] of that retarget."""

    months: tuple[str, ...]
    btc_usd: np.ndarray
    difficulty: np.ndarray
    height: np.ndarray
    subsidy_btc: np.ndarray
    header: tuple[str, ...] = ()  #: the CSV's comment lines (sources, date built)


def _data_lines(text: str) -> tuple[list[str], list[str]]:
    lines = text.splitlines()
    return [ln for ln in lines if ln.startswith("#")], [ln for ln in lines if ln.strip() and not ln.startswith("#")]


def subsidy_btc(height: int) -> float:
    """Block subsidy [BTC] at ``height`` (50 BTC halved every 210,000 blocks)."""
    return 50.0 / 2 ** (int(height) // HALVING_INTERVAL_BLOCKS)


def build_history_csv(btc_csv: str | Path, difficulty_csv: str | Path, built: str,
                      first_month: str = FIRST_MONTH) -> str:
    """The text of ``data/history_monthly.csv`` from the two research files: every month from ``first_month`` that
    both cover; BTC = the month's average, difficulty = the month's last retarget. ``built``: date 'YYYY-MM-DD'."""
    bh, brows = _data_lines(Path(btc_csv).read_text())
    dh, drows = _data_lines(Path(difficulty_csv).read_text())
    price = {r["month"]: r["btc_usd_avg"] for r in csv.DictReader(brows)}
    last: dict[str, dict[str, str]] = {}
    for r in csv.DictReader(drows):  # rows are in height order: the last one of a month wins
        last[r["time_utc"][:7]] = r
    months = sorted(m for m in price if m >= first_month and m in last)
    src = [ln.lstrip("# ").strip() for ln in bh + dh if "Source" in ln or "source" in ln]
    out = io.StringIO()
    out.write(f"# Monthly BTC/USD average and Bitcoin difficulty, {months[0]} to {months[-1]}; built {built} by "
              "minecore.economics.difficulty_model.build_history_csv from ../shared/research/history/.\n")
    out.write("# btc_usd_avg: monthly average of daily prices. " + (src[0] if src else "") + "\n")
    out.write("# difficulty: the last retarget of each month (height, time_utc of its first block); subsidy_btc = "
              "50 / 2^(height // 210000). " + (src[1] if len(src) > 1 else "") + "\n")
    out.write("month,btc_usd_avg,difficulty,retarget_height,retarget_time_utc,subsidy_btc\n")
    for m in months:
        r = last[m]
        out.write(f"{m},{price[m]},{r['difficulty']},{r['height']},{r['time_utc']},{subsidy_btc(int(r['height'])):g}\n")
    return out.getvalue()


@functools.lru_cache(maxsize=4)
def load_history(path: str | Path = HISTORY_CSV) -> History:
    """Read the monthly history CSV (default: the shipped one)."""
    header, rows = _data_lines(Path(path).read_text())
    recs = list(csv.DictReader(rows))

    def col(key: str, kind: type = float) -> np.ndarray:
        a = np.array([kind(r[key]) for r in recs])
        a.flags.writeable = False  # cached: shared by every caller
        return a

    return History(tuple(r["month"] for r in recs), col("btc_usd_avg"), col("difficulty"), col("retarget_height", int),
                   col("subsidy_btc"), tuple(header))


# --------------------------------------------------------------------------------------------- the two statistics

def relation_stats(ln_p: np.ndarray, ln_d: np.ndarray) -> tuple[float, float]:
    """(corr(dlnP_m, dlnD_{m+1}), sd(dlnD_m)) of monthly series along the last axis; a 2-D input is pooled over rows
    (deviations from the pooled mean). sd with ddof = 1."""
    dp = np.diff(np.atleast_2d(ln_p), axis=-1)
    dd = np.diff(np.atleast_2d(ln_d), axis=-1)
    x, y = dp[:, :-1].ravel(), dd[:, 1:].ravel()
    corr = float(np.corrcoef(x, y)[0, 1])
    return corr, float(np.std(dd.ravel(), ddof=1))


def lag_correlations(ln_p: np.ndarray, ln_d: np.ndarray, lags: int = 4) -> tuple[float, ...]:
    """corr(dlnP_m, dlnD_{m+k}) for k = 0 .. lags - 1 (2-D inputs pooled over rows)."""
    dp = np.diff(np.atleast_2d(ln_p), axis=-1)
    dd = np.diff(np.atleast_2d(ln_d), axis=-1)
    n = dp.shape[1]
    return tuple(float(np.corrcoef(dp[:, :n - k].ravel(), dd[:, k:].ravel())[0, 1]) for k in range(lags))


# --------------------------------------------------------------------------------------------- the fit

@dataclass(frozen=True)
class DifficultyFit:
    """Least-squares fit of the error-correction regression on the monthly history (see the module docstring)."""

    first_month: str
    last_month: str
    n_obs: int  #: observations of the regression
    kappa_per_month: float  #: error-correction speed [1/month]
    kappa_per_month_se: float  #: its OLS standard error
    kappa_per_epoch: float  #: the same speed per 14-day epoch [1/epoch]
    beta_price: float  #: short-run response of dlnD_m to dlnP_m [-]
    residual_sd_per_month: float  #: sd of eps [decimal/month] (ddof = number of coefficients)
    shock_sd_per_month: float  #: s_m = sqrt(beta^2 var(dlnP) + var(eps)) [decimal/month]
    price_difficulty_correlation: float  #: rho = beta sd(dlnP) / s_m
    coefficients: tuple[float, ...]  #: (a, b [1/year], kappa_m, beta)
    r_squared: float
    btc_volatility_per_year: float  #: sd(dlnP of monthly averages) * sqrt(3/2) * sqrt(12) [decimal/sqrt(year)]
    difficulty_growth_per_month: float  #: exp(mean dlnD) - 1 [decimal/month]
    corr_dlnp_next_dlnd: float  #: history: corr(dlnP_m, dlnD_{m+1})
    sd_dlnd_per_month: float  #: history: sd of monthly dlnD
    corr_by_lag: tuple[float, ...] = ()  #: history: corr(dlnP_m, dlnD_{m+k}), k = 0 .. 3

    @property
    def half_life_epochs(self) -> float:
        return math.log(2.0) / -math.log1p(-self.kappa_per_epoch) if self.kappa_per_epoch > 0 else math.inf

    def as_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)


def kappa_month_to_epoch(kappa_per_month: float) -> float:
    """Per-epoch speed that closes the same share of a gap per unit of time: 1 - (1 - k_m) ** (14 / 30.4375)."""
    return 1.0 - (1.0 - kappa_per_month) ** (1.0 / EPOCHS_PER_MONTH)


def fit_history(history: History | None = None) -> DifficultyFit:
    """Fit kappa, the shock sd and rho on the monthly history (default: the shipped CSV) by least squares."""
    h = history or load_history()
    ln_p = np.log(h.btc_usd)
    ln_d = np.log(h.difficulty)
    ln_x = ln_p + np.log(h.subsidy_btc) - ln_d
    dlp = np.diff(ln_p)  # dlp[m - 1] = dlnP_m
    dld = np.diff(ln_d)
    m = np.arange(1, ln_p.size)
    y = dld[m - 1]
    A = np.column_stack([np.ones(m.size), m / 12.0, ln_x[m - 1], dlp[m - 1]])
    coef, _, rank, _ = np.linalg.lstsq(A, y, rcond=None)
    if rank < A.shape[1]:
        raise ValueError("the history does not identify the regression (rank-deficient)")
    eps = y - A @ coef
    s2 = float(eps @ eps) / (m.size - A.shape[1])
    cov = s2 * np.linalg.inv(A.T @ A)
    kappa_m, beta = float(coef[2]), float(coef[3])
    sd_p = float(np.std(dlp, ddof=1))
    s_m = math.sqrt(beta * beta * sd_p * sd_p + s2)
    corr, sd = relation_stats(ln_p, ln_d)
    return DifficultyFit(
        first_month=h.months[0], last_month=h.months[-1], n_obs=int(m.size),
        kappa_per_month=kappa_m, kappa_per_month_se=float(math.sqrt(cov[2, 2])),
        kappa_per_epoch=kappa_month_to_epoch(kappa_m), beta_price=beta, residual_sd_per_month=math.sqrt(s2),
        shock_sd_per_month=s_m, price_difficulty_correlation=beta * sd_p / s_m,
        coefficients=tuple(float(c) for c in coef),
        r_squared=1.0 - float(eps @ eps) / float(((y - y.mean()) ** 2).sum()),
        btc_volatility_per_year=sd_p * math.sqrt(1.5 * 12.0),
        difficulty_growth_per_month=math.expm1(float(dld.mean())),
        corr_dlnp_next_dlnd=corr, sd_dlnd_per_month=sd, corr_by_lag=lag_correlations(ln_p, ln_d))


# --------------------------------------------------------------------------------------------- the model's relation

@dataclass(frozen=True)
class ImpliedRelation:
    """The two statistics of simulated monthly series: pooled over paths, and their spread across paths (each path
    is one history-length sample, so the band is the sampling spread of a single history)."""

    corr_dlnp_next_dlnd: float
    sd_dlnd_per_month: float
    corr_band: tuple[float, float]  #: P2.5, P97.5 over paths
    sd_band: tuple[float, float]  #: P2.5, P97.5 over paths
    paths: int
    months: int
    kappa_per_epoch: float
    shock_sd_per_month: float
    price_difficulty_correlation: float
    btc_volatility_per_year: float
    mean_d_over_trend: float  #: E[D / D_trend] on the last simulated day (1 = the drift correction works)
    corr_by_lag: tuple[float, ...] = ()  #: pooled corr(dlnP_m, dlnD_{m+k}), k = 0 .. 3


def implied_relation(params: Any = None, *, paths: int = 400, months: int | None = None, burn_in_months: int = 24,
                     seed: int | None = None, kappa_per_epoch: float | None = None,
                     btc_volatility_per_year: float | None = None,
                     difficulty_growth_per_month: float | None = None) -> ImpliedRelation:
    """Simulate ``paths`` paths with the Monte Carlo kernels and measure the history's two statistics on them.

    ``params``: a :class:`~minecore.economics.MonteCarloParams` (default: ``MonteCarloParams()``); used are
    ``difficulty_growth_sd_per_month``, ``price_difficulty_correlation``, ``btc_volatility_per_year``, ``seed`` and
    ``difficulty_adjustment_per_epoch`` (:data:`KAPPA_PER_EPOCH` when the params have no such field). Keywords
    override them. ``months``: length of each path's monthly series (default: the history's, so the per-path band
    is the sampling spread of one history), after ``burn_in_months`` that let the hashprice gap reach its stationary
    spread. The monthly series are built as the history's: the average price of the month's days (day t is in month
    ``floor(t / 30.4375)``), the difficulty in force on the month's last day, with a stepwise trend of
    ``difficulty_growth_per_month`` (default: the history's mean) added per epoch. Drift of the price: the params'
    ``btc_drift_per_year`` or 0 (it cancels in ``X / X*``).
    """
    from ._mc_kernels import epoch_drift, normal_table, simulate_paths, stream_key

    if params is None:
        from .inputs import MonteCarloParams

        params = MonteCarloParams()
    fit = fit_history()
    kappa = float(getattr(params, "difficulty_adjustment_per_epoch", KAPPA_PER_EPOCH) if kappa_per_epoch is None
                  else kappa_per_epoch)
    sig = float(params.btc_volatility_per_year if btc_volatility_per_year is None else btc_volatility_per_year)
    growth = fit.difficulty_growth_per_month if difficulty_growth_per_month is None else difficulty_growth_per_month
    rho = float(params.price_difficulty_correlation)
    sd_m = float(params.difficulty_growth_sd_per_month)
    months = len(load_history().months) if months is None else int(months)
    total = months + burn_in_months
    H = int(math.ceil(total * DAYS_PER_MONTH)) + 1
    dt = 1.0 / 365.0
    mu = math.log1p(getattr(params, "btc_drift_per_year", None) or 0.0)
    ztab = normal_table()
    etab = np.exp((mu - 0.5 * sig * sig) * dt + sig * math.sqrt(dt) * ztab)
    s_e = sd_m * math.sqrt(EPOCH_DAYS / DAYS_PER_MONTH)
    g = epoch_drift(s_e, kappa, rho, sig * math.sqrt(dt), H)
    sd_seed = params.seed if seed is None else seed
    lnp_ref = mu * np.arange(H) / 365.0  # p0 = 1, d0 = 1
    P, lnD = simulate_paths(stream_key(sd_seed, 1), stream_key(sd_seed, 2), ztab, etab, 1.0, 1.0, g, s_e, rho, H,
                            paths, kappa=kappa, lnp_ref=lnp_ref)
    mean_ratio = float(np.mean(np.exp(lnD[:, -1])))
    t = np.arange(H)
    lnD = lnD + math.log1p(growth) / EPOCHS_PER_MONTH * (t // EPOCH_DAYS)  # stepwise trend
    month = np.floor(t / DAYS_PER_MONTH).astype(np.int64)
    keep = month < total
    counts = np.bincount(month[keep], minlength=total)
    avg_p = np.stack([np.bincount(month[keep], weights=row[keep], minlength=total) for row in P]) / counts
    last_day = np.searchsorted(month, np.arange(total), side="right") - 1
    ln_p = np.log(avg_p[:, burn_in_months:])
    ln_d = lnD[:, last_day[burn_in_months:]]
    corr, sd = relation_stats(ln_p, ln_d)
    per = np.array([relation_stats(ln_p[i], ln_d[i]) for i in range(ln_p.shape[0])])
    lo, hi = np.percentile(per, [2.5, 97.5], axis=0)
    return ImpliedRelation(corr, sd, (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1])), int(ln_p.shape[0]),
                           months, kappa, sd_m, rho, sig, mean_ratio, lag_correlations(ln_p, ln_d))
