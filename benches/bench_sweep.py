"""Points per second of a sweep on the example sweep (examples/sweep-power-btc-hold.toml: the default scenario's
two lots, 200 Monte Carlo paths per lot and point), per executor: serial, the local process pool with 1 and 2
workers, and a Dask LocalCluster of 2 single-threaded worker processes.

Each executor is started and warmed up (one point per worker: imports, first-call costs) outside the timed part;
the timed part is ``POINTS`` points of the example, in fixed batches, results shipped back to the driver.
``extra_info`` records points/s, the workers' CPU seconds per point and, for the pool, the speed-up of 2 workers
over 1. The speed-up is only meaningful on an otherwise idle machine: the bench first measures what the machine
gives two busy processes right now (``machine_speedup``: two pure-Python loops against one) and asserts the
pool's 2-worker speed-up >= 1.8 only when that is at least 1.9 (else it records both and says so).

Run:   pytest benches/bench_sweep.py --benchmark-columns=mean --benchmark-group-by=group
Smoke: pytest benches/bench_sweep.py --benchmark-disable   (MINECORE_BENCH_SWEEP_POINTS=8 for a short one)
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from minecore.sweep import driver, executors, spec

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "sweep-power-btc-hold.toml"
POINTS = int(os.environ.get("MINECORE_BENCH_SWEEP_POINTS", "48"))
SPEEDUP_2_WORKERS = 1.8  #: the pool's 2-worker speed-up the issue asks for on a 2-core machine
IDLE_MACHINE = 1.9  #: two busy processes get at least this speed-up on an idle 2-core machine
_rates: dict[str, float] = {}


@pytest.fixture(scope="module")
def machine_speedup() -> float:
    """What this machine gives two CPU-bound processes right now, against one (2.0: two idle cores)."""
    import subprocess
    import sys

    code = "s = 0\nfor i in range(20_000_000): s += i"

    def wall(n: int) -> float:
        t0 = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(n)]
        for proc in procs:
            proc.wait()
        return time.perf_counter() - t0

    one = wall(1)
    return 2 * one / wall(2)


def _make(name: str):
    if name == "serial":
        return executors.SerialExecutor()
    if name.startswith("local-"):
        return executors.LocalExecutor(workers=int(name.split("-")[1]))
    pytest.importorskip("distributed", reason="Dask is not installed (pip install 'minecore[scale]')")
    return executors.DaskExecutor(address="local", workers=int(name.split("-")[1]))


def _points_per_s(name: str, benchmark) -> float:
    sw = spec.load_sweep(EXAMPLE)
    todo = driver.tasks(sw, POINTS + 8)
    warm, timed = todo[POINTS:], todo[:POINTS]
    ex = _make(name)
    ex.start(driver.context(sw))
    try:
        size = executors.batch_size(len(timed), ex.slots)
        list(ex.run([[driver.make_task(sw, *t)] for t in warm[:ex.slots]]))  # warm every worker
        batches = [[driver.make_task(sw, *t) for t in timed[i:i + size]] for i in range(0, len(timed), size)]
        elapsed, cpu = [], []

        def once():
            t0 = time.perf_counter()
            n = 0
            for b, result in ex.run(batches):
                n += len(b)
                cpu.append(result.cpu_s)
            elapsed.append(time.perf_counter() - t0)
            return n

        done = benchmark.pedantic(once, rounds=1, iterations=1)
        assert done == len(timed)
    finally:
        ex.close()
    rate = len(timed) / elapsed[-1]
    benchmark.extra_info.update({"points": len(timed), "batch_points": size, "points_per_s": rate,
                                 "cpu_s_per_point": sum(cpu) / len(timed), "executor": name,
                                 "cores": executors.cores()})
    return rate


@pytest.mark.parametrize("name", ["serial", "local-1", "local-2", "dask-2"])
def test_sweep_points_per_second(benchmark, name, machine_speedup):
    benchmark.group = "sweep: example points/s"
    benchmark.extra_info["machine_speedup"] = machine_speedup
    _rates[name] = _points_per_s(name, benchmark)
    if name == "local-2" and "local-1" in _rates:
        speedup = _rates["local-2"] / _rates["local-1"]
        benchmark.extra_info["speedup_over_1_worker"] = speedup
        print(f"\nsweep points/s: 1 worker {_rates['local-1']:.2f}, 2 workers {_rates['local-2']:.2f}: "
              f"{speedup:.2f}x; the machine gives two busy processes {machine_speedup:.2f}x now "
              f"({executors.cores()} cores)")
        if executors.cores() >= 2 and not benchmark.disabled:
            if machine_speedup < IDLE_MACHINE:
                print(f"not checking the {SPEEDUP_2_WORKERS}x target: the machine is busy "
                      f"({machine_speedup:.2f}x < {IDLE_MACHINE}x for two pure-Python loops)")
            else:
                assert speedup >= SPEEDUP_2_WORKERS, f"2 workers are only {speedup:.2f}x 1 worker"
