"""Monte Carlo throughput: numba engine vs the plain numpy day-by-day loop, measured in the same run.

Run: ``.venv/bin/pytest benches/bench_montecarlo.py --benchmark-only`` (``--benchmark-disable`` = smoke test).
Each benchmark stores path-days/s in ``extra_info``; the numba one also stores the ratio to the baseline measured
just before it, and whether its NPVs equal the baseline's (``correct``).
"""

from __future__ import annotations

import numpy as np
import pytest

from minecore.economics import (MachineSpec, MCEngine, MonteCarloParams, NetworkProjection, ReleaseModel,
                                ReplacementOption, Scenario, SeizedLot, run_monte_carlo)

HORIZON = 1095
BASE_PATHS = 2_000
FAST_PATHS = 40_000
_state: dict[str, float] = {}


@pytest.fixture(scope="module")
def scenario():
    lot = SeizedLot(MachineSpec("S21", 200, 3500, 3000, "Thailand"), units=1000, days_held=180,
                    release=ReleaseModel())
    opts = (ReplacementOption(MachineSpec("US-1", 260, 4420, 5000, "United States")),
            ReplacementOption(MachineSpec("MY-1", 270, 3645, 5500, "Malaysia")))
    return Scenario(lot, opts, projection=NetworkProjection(), horizon_days=HORIZON)


def _run(sc, n, engine):
    return run_monte_carlo(sc, MonteCarloParams(n_paths=n, seed=11, engine=engine))


@pytest.mark.benchmark(group="montecarlo")
def test_numpy_dayloop_baseline(benchmark, scenario):
    res = benchmark.pedantic(_run, args=(scenario, BASE_PATHS, MCEngine.NUMPY_DAYLOOP), rounds=2, iterations=1)
    rate = BASE_PATHS * HORIZON / benchmark.stats.stats.min
    _state["baseline"] = rate
    _state["baseline_npv"] = res.npv_usd
    benchmark.extra_info.update(path_days_per_s=rate, paths=BASE_PATHS, horizon_days=HORIZON, correct=True)


@pytest.mark.benchmark(group="montecarlo")
def test_numpy_vectorised(benchmark, scenario):
    res = benchmark.pedantic(_run, args=(scenario, BASE_PATHS, MCEngine.NUMPY), rounds=2, iterations=1)
    rate = BASE_PATHS * HORIZON / benchmark.stats.stats.min
    ok = "baseline_npv" not in _state or bool(np.allclose(res.npv_usd, _state["baseline_npv"], rtol=1e-9, atol=1e-2))
    benchmark.extra_info.update(path_days_per_s=rate, ratio_to_baseline=rate / _state.get("baseline", np.nan),
                                correct=ok)
    assert ok


@pytest.mark.benchmark(group="montecarlo")
def test_numba_parallel(benchmark, scenario):
    _run(scenario, 100, MCEngine.NUMBA)  # compile (or load the cache) outside the timing
    res = benchmark.pedantic(_run, args=(scenario, FAST_PATHS, MCEngine.NUMBA), rounds=3, iterations=1,
                             warmup_rounds=1)
    rate = FAST_PATHS * HORIZON / benchmark.stats.stats.min
    ok = "baseline_npv" not in _state or bool(
        np.allclose(res.npv_usd[:, :BASE_PATHS], _state["baseline_npv"], rtol=1e-9, atol=1e-2))
    benchmark.extra_info.update(path_days_per_s=rate, ratio_to_baseline=rate / _state.get("baseline", np.nan),
                                correct=ok)
    print(f"\nnumba: {rate / 1e6:.1f} M path-days/s; numpy day-loop baseline: "
          f"{_state.get('baseline', float('nan')) / 1e6:.1f} M path-days/s; "
          f"ratio {rate / _state.get('baseline', float('nan')):.1f}x")
    assert ok
