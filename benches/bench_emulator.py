"""Emulator hashing against a raw ``scan_versions`` of the same amount of work, interleaved in one run.

Run:  .venv/bin/pytest benches/bench_emulator.py --benchmark-group-by=group
CI smoke test: add ``--benchmark-disable``.

One benchmark per (backend, window).  Each timed round runs both sides back to back on the
same amount of work, alternating which goes first:

* ``raw``: one ``scan_versions`` call over ``N`` hashes (16 rolled versions × N/16 nonces);
* ``emulate``: ``minecore.emulate`` hashing exactly ``N`` headers of an S21 Pro's work split
  (difficulty 2^-16, so ~128 shares, every one re-verified with hashlib).

So load changes on a shared machine hit both sides of a round alike, and the ratio is taken per
round (``raw seconds / emulate seconds``; ≥ 1 means the emulator is as fast as the raw scan).
``extra_info`` records every round's times, the median and best round ratio, the ratio of the two
best times, the backend calls emulate made and the 1-minute load average before and after.
The benchmark's own timing row is the pair (raw + emulate).

Windows: ``auto`` is emulate's default sizing (8 calls of 2^20 hashes for N = 2^23); ``8192``
forces 8192 nonces per chip per call (64 calls of 2^17 hashes for N = 2^23) and shows the
backend's fixed per-call cost.  The target is ``emulate ≥ 0.9 × raw`` with the default window.
"""

from __future__ import annotations

import os
import statistics
import time

import pytest

from minecore.backends import available
from minecore.emulator import emulate
from minecore.header import difficulty_to_target
from minecore.scanning import scan_versions

MODEL = "S21 Pro"
DIFFICULTY = 2.0**-16  # ~1 share per 65536 hashes: verification cost is part of the emulate timing
VERSIONS = 16  # BM1370: 2040 small cores / 128 big cores
#: hashes per side per round by backend (sized for ~0.1-0.5 s per side)
WORK = {"native": 1 << 23, "numba": 1 << 23, "hashlib": 1 << 16}
THREADS = 1
ROUNDS = 7


def _work(backend: str) -> int:
    return WORK.get(backend, 1 << 20)


def _cases():
    for backend in available():
        yield pytest.param(backend, None, id=f"{backend}-auto")
        if backend != "hashlib":  # hashlib's N is too small for 64 calls
            yield pytest.param(backend, 8192, id=f"{backend}-8192")


@pytest.mark.parametrize(("backend", "window"), list(_cases()))
def test_emulate_vs_raw_interleaved(benchmark, backend, window):
    benchmark.group = f"emulator-vs-raw[{backend}]"
    n = _work(backend)
    header76 = bytes(range(76))
    target = difficulty_to_target(DIFFICULTY)
    emulate_kw = {"hashes": n, "difficulty": DIFFICULTY, "backend": backend, "threads": THREADS,
                  "window_nonces": window}
    # warm up (imports, JIT compile for numba) outside the timing
    scan_versions(header76, target, versions=VERSIONS, count=64, backend=backend, threads=THREADS)
    emulate(MODEL, **{**emulate_kw, "hashes": 1 << 12, "window_nonces": None})

    raw_s: list[float] = []
    emu_s: list[float] = []
    last: dict = {}

    def raw():
        t0 = time.perf_counter()
        r = scan_versions(header76, target, versions=VERSIONS, count=n // VERSIONS, backend=backend,
                          threads=THREADS)
        raw_s.append(time.perf_counter() - t0)
        last["raw"] = r

    def emu():
        t0 = time.perf_counter()
        r = emulate(MODEL, **emulate_kw)
        emu_s.append(time.perf_counter() - t0)
        last["emulate"] = r

    def pair():
        first, second = (raw, emu) if len(raw_s) % 2 == 0 else (emu, raw)
        first()
        second()

    load_before = os.getloadavg()[0]
    benchmark.pedantic(pair, rounds=ROUNDS, warmup_rounds=1)
    load_after = os.getloadavg()[0]

    # the warm-up round is recorded too; drop it (with --benchmark-disable there is one round only)
    if len(raw_s) > 1:
        raw_s, emu_s = raw_s[1:], emu_s[1:]
    ratios = [r / e for r, e in zip(raw_s, emu_s)]
    result = last["emulate"]
    benchmark.extra_info.update({
        "hashes": n,
        "window_nonces": result.window_nonces,
        "calls": result.calls,
        "raw_seconds": [round(x, 4) for x in raw_s],
        "emulate_seconds": [round(x, 4) for x in emu_s],
        "ratio_median": round(statistics.median(ratios), 4),
        "ratio_best_round": round(max(ratios), 4),
        "ratio_of_best_times": round(min(raw_s) / min(emu_s), 4),
        "shares_found": result.shares_found,
        "shares_expected": result.expected_shares,
        "loadavg_1min": [round(load_before, 2), round(load_after, 2)],
    })
    assert result.hashes == n and last["raw"].hashes == n
