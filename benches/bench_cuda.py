"""CUDA backend bench: the GPU kernel's rate in GH/s and its ratio to the native backend, measured in one run.

Skips, with the reason, where there is no GPU to measure: no NVIDIA driver, a device numba cannot use, or
``NUMBA_ENABLE_CUDASIM=1`` (the simulator runs the kernel as Python; its rate says nothing about a GPU). No GPU
speed is claimed anywhere in minecore: this bench is where it gets measured.

Group ``cuda-vs-native``: a window around block 881423's real nonce with that block's target. ``native`` (its
default path, every core) runs first and is the baseline; then ``cuda``, with a window sized from a calibration
launch to take about :data:`ROUND_SECONDS` (at least 2^26 nonces, at most all 2^32). Each result stores
``hashes_per_second``, ``ghs`` and ``correct``; cuda also stores ``ratio_to_native`` (same run), the device, its
compute capability and the launch shape.

Run: ``pytest benches/bench_cuda.py --benchmark-group-by=group``
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from minecore import backends
from minecore.backends import cuda_backend
from minecore.errors import BackendError

BLOCK = next(
    b
    for b in json.loads((Path(__file__).parents[1] / "tests" / "data" / "block_headers.json").read_text())
    if b["height"] == 881423
)
HEADER76 = bytes.fromhex(BLOCK["header_hex"])[:76]
NONCE = BLOCK["nonce"]
TARGET = int(BLOCK["target_hex"], 16)
SPACE = 1 << 32
#: Wall time one measured cuda round should take [s].
ROUND_SECONDS = 0.5
#: Nonces per native thread per round.
NATIVE_PER_THREAD = 1 << 21

_RATES: dict[str, float] = {}


def _why_no_gpu() -> str | None:
    if cuda_backend.simulator_requested():
        return "NUMBA_ENABLE_CUDASIM=1: the simulator runs the kernel as Python, so its rate says nothing about a GPU"
    reason = cuda_backend.probe()
    if reason is not None:
        return f"no GPU to measure: {reason}"
    try:
        backends.get("cuda")
    except BackendError as exc:
        return f"no GPU to measure: {exc}"
    return None


REASON = _why_no_gpu()
if REASON is not None:
    pytest.skip(REASON, allow_module_level=True)


def _window(count: int) -> tuple[int, int]:
    """``count`` nonces around the real nonce, inside the nonce space."""
    count = min(SPACE, count)
    return min(max(0, NONCE - count // 2), SPACE - count), count


def _rate(benchmark, hashes: int) -> float | None:
    stats = getattr(benchmark, "stats", None)
    if stats is None or getattr(stats, "stats", None) is None or stats.stats.min <= 0:
        return None  # --benchmark-disable: a smoke run, nothing timed
    return hashes / stats.stats.min


@pytest.mark.skipif("native" not in backends.available(), reason="the native extension is not built")
def test_native_baseline(benchmark):
    benchmark.group = "cuda-vs-native"
    backend = backends.get("native")
    threads = os.cpu_count() or 1
    start, count = _window(NATIVE_PER_THREAD * threads)
    found = benchmark.pedantic(lambda: backend.scan_nonces(HEADER76, TARGET, start, count, threads),
                               rounds=5, iterations=1, warmup_rounds=1)
    benchmark.extra_info.update(correct=found == [NONCE], threads=threads, impl=backend.info()["impl"])
    rate = _rate(benchmark, count)
    if rate is not None:
        _RATES["native"] = rate
        benchmark.extra_info.update(hashes_per_second=rate, ghs=rate / 1e9)
    assert benchmark.extra_info["correct"]


def test_cuda(benchmark):
    benchmark.group = "cuda-vs-native"
    backend = backends.get("cuda")
    # calibration (also keeps first-launch costs out of the timings): one chunk, timed
    start, count = _window(backend.chunk_hashes)
    t0 = time.perf_counter()
    backend.scan_nonces(HEADER76, TARGET, start, count, 1)
    guess = count / max(time.perf_counter() - t0, 1e-9)
    start, count = _window(max(backend.chunk_hashes, int(guess * ROUND_SECONDS) >> 20 << 20))
    found = benchmark.pedantic(lambda: backend.scan_nonces(HEADER76, TARGET, start, count, 1),
                               rounds=5, iterations=1, warmup_rounds=1)
    info = backend.info()
    benchmark.extra_info.update(
        correct=found == [NONCE], hashes=count, device=info["device"], compute_capability=info["compute_capability"],
        impl=info["impl"], threads_per_block=info["threads_per_block"], chunk_hashes=info["chunk_hashes"],
        cuda_target=info["cuda_target"], numba=info["numba"], numba_cuda=info["numba_cuda"],
    )
    rate = _rate(benchmark, count)
    if rate is not None:
        benchmark.extra_info.update(hashes_per_second=rate, ghs=rate / 1e9,
                                    ratio_to_native=rate / _RATES["native"] if "native" in _RATES else None)
    assert benchmark.extra_info["correct"]
