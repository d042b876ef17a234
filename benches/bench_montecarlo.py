"""Monte Carlo throughput: the compiled (numba) engine against the plain numpy day-by-day loop, in the same run.

Run: ``.venv/bin/pytest benches/bench_montecarlo.py --benchmark-only -s`` (``--benchmark-disable`` = smoke test).

**Path-day**: one simulated day of one BTC-price/difficulty path. On each path-day every machine model of the
scenario (here the seized S21 and two replacements, 3 models) is evaluated and feeds every strategy (here 11), but
the count is *not* multiplied by models or strategies: throughput = paths x horizon_days / seconds, where seconds
is the whole :func:`run_monte_carlo` call (inputs, kernel, strategy NPVs), compile time excluded.

Both engines run the same scenario with the same paths, seed and path count, so the ratio is like for like (the numpy
loop is vectorised over paths and gets faster per path-day as the path count grows; 40,000 paths is past the point
where it stops improving). Each records path-days/s (best round: the 2-core machine is shared, so the best of several
short rounds is the least disturbed one) and the 1-minute load average in ``extra_info``; the numba test also records
the ratio to the baseline and whether its NPVs equal the baseline's within the tests' tolerance (``correct``).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from minecore.economics import (MachineSpec, MCEngine, MonteCarloParams, NetworkProjection, ReleaseModel,
                                ReplacementOption, Scenario, SeizedLot, run_monte_carlo)

HORIZON = 1095
PATHS = 40_000
SMOKE_PATHS = 300  # with --benchmark-disable
SMALL_PATHS = 4_000  # paths are counter-based: path p is the same path in any run with the same seed
RTOL, ATOL = 1e-9, 1e-2  # NPVs of a 1,000-unit lot [USD]
_state: dict[str, object] = {}


@pytest.fixture(scope="module")
def scenario():
    lot = SeizedLot(MachineSpec("S21", 200, 3500, 3000, "Thailand"), units=1000, days_held=180,
                    release=ReleaseModel())
    opts = (ReplacementOption(MachineSpec("US-1", 260, 4420, 5000, "United States")),
            ReplacementOption(MachineSpec("MY-1", 270, 3645, 5500, "Malaysia")))
    return Scenario(lot, opts, projection=NetworkProjection(), horizon_days=HORIZON)


@pytest.fixture(scope="module")
def sizes(request) -> tuple[int, int]:
    """(paths, small paths): the full sizes when timing, tiny ones for the --benchmark-disable smoke test."""
    if request.config.getoption("benchmark_disable", False):
        return SMOKE_PATHS, SMOKE_PATHS // 3
    return PATHS, SMALL_PATHS


def _run(sc, n, engine):
    return run_monte_carlo(sc, MonteCarloParams(paths=n, seed=11, engine=engine))


def _record(benchmark, sc, res, engine: str, paths: int) -> float:
    if benchmark.disabled:  # --benchmark-disable: smoke test, one small round, no timing
        return float("nan")
    rate = paths * HORIZON / benchmark.stats.stats.min
    benchmark.extra_info.update(engine=engine, path_days_per_s=rate, paths=paths, horizon_days=HORIZON,
                                path_day="one day of one price/difficulty path (all models and strategies)",
                                models=1 + len(sc.options), strategies=len(res.labels),
                                load_avg_1min=os.getloadavg()[0], cpu_count=os.cpu_count())
    return rate


@pytest.mark.benchmark(group="montecarlo")
def test_numpy_dayloop_baseline(benchmark, scenario, sizes):
    n = sizes[0]
    _run(scenario, 100, MCEngine.NUMPY_DAYLOOP)  # warm caches (normal table) outside the timing
    res = benchmark.pedantic(_run, args=(scenario, n, MCEngine.NUMPY_DAYLOOP), rounds=3, iterations=1)
    _state["baseline"] = _record(benchmark, scenario, res, "numpy_dayloop", n)
    _state["baseline_npv"] = res.npv_usd
    benchmark.extra_info["correct"] = True


@pytest.mark.benchmark(group="montecarlo")
def test_numpy_vectorised(benchmark, scenario, sizes):
    """The engine reports use (no JIT); informational, on the first SMALL_PATHS paths to keep the run short."""
    n = sizes[1]
    res = benchmark.pedantic(_run, args=(scenario, n, MCEngine.NUMPY), rounds=2, iterations=1)
    rate = _record(benchmark, scenario, res, "numpy", n)
    ref = _state.get("baseline_npv")
    ok = ref is None or bool(np.allclose(res.npv_usd, ref[:, :n], rtol=RTOL, atol=ATOL))
    benchmark.extra_info.update(ratio_to_baseline=rate / float(_state.get("baseline", np.nan)), correct=ok)
    assert ok


@pytest.mark.benchmark(group="montecarlo")
def test_numba_parallel(benchmark, scenario, sizes):
    import numba

    n = sizes[0]
    _run(scenario, 100, MCEngine.NUMBA)  # compile (or load the on-disk cache) outside the timing
    res = benchmark.pedantic(_run, args=(scenario, n, MCEngine.NUMBA), rounds=7, iterations=1, warmup_rounds=1)
    rate = _record(benchmark, scenario, res, "numba", n)
    base = float(_state.get("baseline", np.nan))
    ref = _state.get("baseline_npv")
    ok = ref is None or bool(np.allclose(res.npv_usd, ref, rtol=RTOL, atol=ATOL))
    err = float(np.max(np.abs(res.npv_usd - ref))) if ref is not None else np.nan
    benchmark.extra_info.update(ratio_to_baseline=rate / base, correct=ok, max_abs_npv_diff_usd=err,
                                numba_threads=numba.get_num_threads(), threading_layer=numba.threading_layer())
    print(f"\nnumba ({numba.get_num_threads()} threads, {numba.threading_layer()}): {rate / 1e6:.1f} M path-days/s; "
          f"numpy day-loop baseline: {base / 1e6:.1f} M path-days/s; ratio {rate / base:.1f}x; "
          f"max |NPV diff| {err:.2e} USD; load average {os.getloadavg()[0]:.2f}")
    assert ok
