"""Emulator hashing against a raw ``scan_versions`` of the same amount of work, same run.

Run:  .venv/bin/pytest benches/bench_emulator.py --benchmark-group-by=group
CI smoke test: add ``--benchmark-disable``.

Each backend gets one group with two rows: ``raw`` (one ``scan_versions`` call over
``N`` hashes: 16 rolled versions × N/16 nonces) and ``emulate`` (``minecore.emulate``
hashing exactly ``N`` headers of an S21 Pro's work split, verifying every share with
hashlib).  The target is ``emulate throughput ≥ 0.9 × raw``; ``extra_info`` of the
emulate row carries the shares found and expected, and the ratio is
``raw mean / emulate mean`` from the table.
"""

from __future__ import annotations

import pytest

from minecore.backends import available
from minecore.emulator import emulate
from minecore.header import difficulty_to_target
from minecore.scanning import scan_versions

MODEL = "S21 Pro"
DIFFICULTY = 2.0**-16  # ~1 share per 65536 hashes: verification cost is part of the emulate timing
VERSIONS = 16  # BM1370: 2040 small cores / 128 big cores
#: hashes per round by backend (sized for ~0.1-0.5 s per round)
WORK = {"native": 1 << 23, "numba": 1 << 23, "hashlib": 1 << 16}
THREADS = 1


def _work(backend: str) -> int:
    return WORK.get(backend, 1 << 20)


@pytest.mark.parametrize("backend", available())
def test_raw_scan_versions(benchmark, backend):
    benchmark.group = f"emulator-vs-raw[{backend}]"
    n = _work(backend)
    header76 = bytes(range(76))
    target = difficulty_to_target(DIFFICULTY)
    # warm up (JIT compile for numba) outside the timing
    scan_versions(header76, target, versions=VERSIONS, count=64, backend=backend, threads=THREADS)
    result = benchmark.pedantic(
        scan_versions,
        args=(header76, target),
        kwargs={"versions": VERSIONS, "count": n // VERSIONS, "backend": backend, "threads": THREADS},
        rounds=5,
        warmup_rounds=1,
    )
    benchmark.extra_info["hashes"] = result.hashes
    benchmark.extra_info["correct"] = result.hashes == n


@pytest.mark.parametrize("backend", available())
def test_emulate(benchmark, backend):
    benchmark.group = f"emulator-vs-raw[{backend}]"
    n = _work(backend)
    window = n // VERSIONS // 64  # 64 calls per round: one per chip window, as a time-budgeted run makes them
    emulate(MODEL, hashes=1 << 12, difficulty=DIFFICULTY, backend=backend, threads=THREADS)  # warm-up / imports
    result = benchmark.pedantic(
        emulate,
        args=(MODEL,),
        kwargs={"hashes": n, "difficulty": DIFFICULTY, "backend": backend, "threads": THREADS,
                "window_nonces": window},
        rounds=5,
        warmup_rounds=1,
    )
    benchmark.extra_info["hashes"] = result.hashes
    benchmark.extra_info["calls"] = result.calls
    benchmark.extra_info["shares_found"] = result.shares_found
    benchmark.extra_info["shares_expected"] = result.expected_shares
    benchmark.extra_info["correct"] = result.hashes == n and result.p_value > 1e-6
