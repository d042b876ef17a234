"""SHA-256d kernel benches: short-buffer hashing and nonce-scan throughput.

Groups (one table each, compare across backends):
  * ``sha256d-32B`` / ``sha256d-80B``: one hash of a short buffer, every backend vs a hashlib call;
  * ``scan-1-thread`` / ``scan-2-threads``: a scan of a window around block 881423's real nonce with that block's
    target, every available backend (with the kernel it chose on this CPU), every usable native path and numba
    kernel forced, vs a plain hashlib loop measured in the same run.
Each result stores ``extra_info["correct"]`` (checked against hashlib / the real nonce) and, for scans,
``hashes_per_second`` and ``ratio_to_hashlib``.
"""

from __future__ import annotations

import hashlib
import json
import struct
from pathlib import Path

import pytest

from minecore import backends
from minecore.backends.native import NativeBackend, impls_usable

BLOCK = next(
    b
    for b in json.loads((Path(__file__).parents[1] / "tests" / "data" / "block_headers.json").read_text())
    if b["height"] == 881423
)
HEADER = bytes.fromhex(BLOCK["header_hex"])
HEADER76 = HEADER[:76]
NONCE = BLOCK["nonce"]
TARGET = int(BLOCK["target_hex"], 16)

#: rate of the hashlib loop per group, measured first in each group (params are ordered so it runs first)
_BASELINE: dict[str, float] = {}


def _cases() -> list[tuple[str, str | None]]:
    """Each backend as it chose its kernel, then every native path and numba kernel forced one at a time."""
    available = backends.available()
    cases = [(name, None) for name in available]
    if "native" in available:
        cases += [("native", impl) for impl in impls_usable()]
    if "numba" in available:
        from minecore.backends.numba_backend import _features_without_numba, _jit_disabled_env, usable_kernels

        cases += [("numba", k) for k in usable_kernels(_features_without_numba(), _jit_disabled_env())]
    return cases


def _backend(case):
    name, impl = case
    if impl and name == "numba":
        from minecore.backends.numba_backend import NumbaBackend

        return NumbaBackend(kernel=impl)
    return NativeBackend(impl=impl) if impl else backends.get(name)


def _case_id(case) -> str:
    name, impl = case
    return f"{name}[{impl}]" if impl else name


def sha256d_hashlib(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def hashlib_scan(header76: bytes, target: int, start: int, count: int) -> list[int]:
    """The baseline: a plain hashlib loop with the midstate copied."""
    mid = hashlib.sha256(header76[:64])
    tail = header76[64:]
    pack = struct.Struct("<I").pack
    sha256 = hashlib.sha256
    out = []
    for n in range(start, start + count):
        h = mid.copy()
        h.update(tail + pack(n))
        if int.from_bytes(sha256(h.digest()).digest(), "little") <= target:
            out.append(n)
    return out


# ------------------------------------------------------------------------------------------------ short buffers
@pytest.mark.parametrize("size", [32, 80])
@pytest.mark.parametrize("case", [("hashlib-call", None)] + _cases(), ids=lambda c: _case_id(c))
def test_sha256d_short(benchmark, case, size):
    benchmark.group = f"sha256d-{size}B"
    data = HEADER[:size]
    fn = sha256d_hashlib if case[0] == "hashlib-call" else _backend(case).sha256d
    out = benchmark(fn, data)
    benchmark.extra_info["correct"] = out == sha256d_hashlib(data)
    assert benchmark.extra_info["correct"]


# ------------------------------------------------------------------------------------------------ scans
def _scan_count(case) -> int:
    """Nonces per round: ~0.1-0.5 s of work for each kind of engine."""
    name, impl = case
    if name in ("hashlib-loop", "hashlib"):
        return 1 << 15
    if impl == "portable":
        return 1 << 19
    return 1 << 21


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("case", [("hashlib-loop", None)] + _cases(), ids=lambda c: _case_id(c))
def test_scan(benchmark, case, threads):
    group = f"scan-{threads}-thread{'s' if threads > 1 else ''}"
    benchmark.group = group
    count = _scan_count(case)
    start = NONCE - count // 2
    if case[0] == "hashlib-loop":
        fn = lambda: hashlib_scan(HEADER76, TARGET, start, count)  # noqa: E731
    else:
        backend = _backend(case)
        fn = lambda: backend.scan_nonces(HEADER76, TARGET, start, count, threads)  # noqa: E731
    # warmup_rounds=1 keeps JIT compilation (numba) out of the timings
    found = benchmark.pedantic(fn, rounds=3, iterations=1, warmup_rounds=1)
    benchmark.extra_info["correct"] = found == [NONCE]
    benchmark.extra_info["hashes_per_round"] = count
    benchmark.extra_info["threads"] = threads
    stats = getattr(benchmark, "stats", None)
    if stats is not None and getattr(stats, "stats", None) is not None and stats.stats.min > 0:
        rate = count / stats.stats.min
        benchmark.extra_info["hashes_per_second"] = rate
        if case[0] == "hashlib-loop":
            _BASELINE[group] = rate
        if group in _BASELINE:
            benchmark.extra_info["ratio_to_hashlib"] = rate / _BASELINE[group]
    assert benchmark.extra_info["correct"]
