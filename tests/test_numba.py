"""Numba-specific behaviour of the ``numba`` backend.

The backend-agnostic suite (tests/test_backends.py) already runs every vector, property and real-header test on
``numba``; this file covers what only numba has: running without the JIT, the cache status read without importing
numba, availability when numba is missing or broken, how scans are cut into batches and thread items, the per-function
512-bit vector hint, and Ctrl-C. Known answers come from hashlib and tests/data/block_headers.json.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import signal
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

import minecore.backends as backends
from minecore import BlockHeader, BackendUnavailableError
from minecore.backends import numba_backend
from minecore.backends.numba_backend import NumbaBackend, _split, cache_status
from minecore.header import hash_to_int

from conftest import sha256d_hashlib

SPACE = 1 << 32
ALL = (1 << 256) - 1
JIT_DISABLED = os.environ.get("NUMBA_DISABLE_JIT", "").strip() not in ("", "0")
SRC = str(Path(__file__).resolve().parents[1] / "src")


def reference(header76: bytes, target: int, start: int, count: int) -> list[int]:
    return [n for n in range(start, start + count) if hash_to_int(sha256d_hashlib(header76 + struct.pack("<I", n))) <= target]


def run_python(code: str, env_extra: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def numba_backend_obj() -> NumbaBackend:
    return backends.get("numba")


@pytest.fixture
def fresh_backend() -> NumbaBackend:
    """A private instance, so tests can shrink its batches without touching the registry's."""
    return NumbaBackend()


# ---------------------------------------------------------------------------- availability, no numba import
def test_listing_backends_never_imports_numba():
    """describe(), probe() and cache_status() read files only: numba stays out of sys.modules."""
    result = run_python(
        """
        import sys
        import minecore, minecore.backends
        statuses = {s.name: s for s in minecore.backends.describe()}
        from minecore.backends import numba_backend
        numba_backend.probe(); numba_backend.cache_status()
        print(statuses['numba'].available, statuses['numba'].details['cache'] != '', 'numba' in sys.modules)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "False"]


def test_missing_numba_makes_backend_unavailable_with_reason(monkeypatch):
    """With numba hidden (sys.modules entry None: find_spec says 'not installed'), the backend is listed as
    unavailable with the reason, and making one raises BackendUnavailableError; the package still works."""
    monkeypatch.setitem(sys.modules, "numba", None)
    assert numba_backend.probe() == "numba not installed"
    assert "numba" not in backends.available()
    status = next(s for s in backends.describe() if s.name == "numba")
    assert (status.available, status.reason) == (False, "numba not installed")
    with pytest.raises(BackendUnavailableError, match="numba not installed"):
        NumbaBackend()
    assert backends.get("hashlib").sha256d(b"abc") == sha256d_hashlib(b"abc")


def test_numba_that_fails_to_import_is_unavailable(monkeypatch):
    """find_spec finds numba but importing it fails: BackendUnavailableError naming the failure."""
    monkeypatch.setattr(numba_backend, "probe", lambda: None)
    monkeypatch.setitem(sys.modules, "numba", None)  # `import numba` now raises ImportError
    with pytest.raises(BackendUnavailableError, match="numba failed to import"):
        NumbaBackend()


# ---------------------------------------------------------------------------- cache status
def _fake_index(path: Path, numba_version: str, stamp: bytes) -> None:
    """An index laid out as numba writes it: pickled version, then a pickle starting with the source stamp."""
    with open(path, "wb") as f:
        pickle.dump(numba_version, f, protocol=-1)
        f.write(pickle.dumps((stamp, {"overloads": "opaque"})))


def test_cache_status_cold_partial_warm_stale(tmp_path, monkeypatch):
    """On a copy of the kernel sources: no index -> cold; one fresh index -> partial; all -> warm; an index for
    other source text or another numba version does not count."""
    kernels = tmp_path / "kernels"
    kernels.mkdir()
    for module in numba_backend.KERNEL_MODULES:
        shutil.copy(numba_backend._kernels_dir() / f"{module}.py", kernels / f"{module}.py")
    monkeypatch.setattr(numba_backend, "_kernels_dir", lambda: kernels)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.delenv("NUMBA_DISABLE_JIT", raising=False)
    assert cache_status() == "cold"

    version = numba_backend._numba_version()
    tag = f"py{sys.version_info[0]}{sys.version_info[1]}{getattr(sys, 'abiflags', '')}"
    cache = kernels / "__pycache__"
    cache.mkdir()
    wanted = []
    for module in numba_backend.kernel_modules():
        digest = hashlib.sha256((kernels / f"{module}.py").read_bytes()).digest()
        for name, line in numba_backend._cached_functions(kernels / f"{module}.py"):
            wanted.append((cache / f"{module}.{name}-{line}.{tag}.nbi", digest))
    assert len(wanted) >= 3  # the entry points only: helpers have no cache of their own

    _fake_index(wanted[0][0], version, wanted[0][1])
    assert cache_status() == f"partial (1/{len(wanted)} kernels cached)"
    for path, digest in wanted:
        _fake_index(path, version, digest)
    assert cache_status() == "warm"
    _fake_index(wanted[1][0], version, hashlib.sha256(b"older source").digest())
    _fake_index(wanted[2][0], "0.1.0", wanted[2][1])
    assert cache_status() == f"partial ({len(wanted) - 2}/{len(wanted)} kernels cached)"

    # NUMBA_CACHE_DIR is looked at too, under numba's <dir>_<sha1 of dir> subfolder
    user_dir = tmp_path / "user_cache"
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(user_dir))
    sub = numba_backend._cache_dirs(kernels)[0]
    assert sub.parent == user_dir and sub.name.startswith("kernels_")
    sub.mkdir(parents=True)
    for path, digest in wanted[1:3]:
        _fake_index(sub / path.name, version, digest)
    assert cache_status() == "warm"


def test_cached_function_names_match_numba_dispatchers(numba_backend_obj):
    """The (name, first line) list cache_status derives from the source is exactly numba's cached dispatchers,
    and after compiling, the real cache is reported warm (checks numba's file naming, not just ours)."""
    import importlib

    from numba.core.registry import CPUDispatcher

    numba_backend_obj.sha256d(b"warm the digest kernels")
    numba_backend_obj.scan_nonces(bytes(76), 0, 0, 16, 1)
    if JIT_DISABLED:  # the kernels are plain functions: nothing is compiled or cached
        assert cache_status() == "jit disabled"
        return
    for module in numba_backend.kernel_modules():
        mod = importlib.import_module(f"minecore.kernels.{module}")
        dispatchers = {  # the cached ones: helpers compiled only into them have no cache of their own
            (obj.py_func.__name__, obj.py_func.__code__.co_firstlineno)
            for obj in vars(mod).values()
            if isinstance(obj, CPUDispatcher) and obj.__module__ == mod.__name__
            and type(obj._cache).__name__ != "NullCache"
        }
        source = numba_backend._kernels_dir() / f"{module}.py"
        assert set(numba_backend._cached_functions(source)) == dispatchers, module
    assert cache_status() == "warm"


@pytest.mark.skipif(JIT_DISABLED, reason="helpers are plain Python functions without the JIT")
def test_helpers_return_their_declared_types():
    """Every uncached helper, compiled for its declared argument types, returns exactly its declared type (its body
    narrows each result with u32(...), since numba widens uint32 arithmetic to 64 bits)."""
    import importlib

    from numba.core.registry import CPUDispatcher

    checked = 0
    for module in ("sha256", "scan", "digest"):
        mod = importlib.import_module(f"minecore.kernels.{module}")
        for name, obj in vars(mod).items():
            signature = getattr(obj, "declared_signature", None)
            if isinstance(obj, CPUDispatcher) and obj.__module__ == mod.__name__ and signature is not None:
                obj.compile(signature.args)
                assert obj.overloads[signature.args].signature.return_type == signature.return_type, name
                checked += 1
    assert checked >= 15


# ---------------------------------------------------------------------------- NUMBA_DISABLE_JIT
def test_kernels_run_as_plain_python_under_disable_jit(block_headers):
    """With NUMBA_DISABLE_JIT=1 the same kernels run as Python on np.uint32 (wrapping at 2**32, overflow warnings
    silenced; -W error proves none escape) and agree with hashlib: the genesis nonce in a 40-nonce window, every
    nonce up to 2**32 - 1 with an all-accepting target, two rolled versions, and sha256d of 0/55/64/100 bytes."""
    genesis = next(b for b in block_headers if b["height"] == 0)
    raw = bytes.fromhex(genesis["header_hex"])
    code = f"""
        import json, sys
        import numba
        assert numba.config.DISABLE_JIT
        from minecore.backends.numba_backend import NumbaBackend
        b = NumbaBackend()
        h76 = bytes.fromhex({raw[:76].hex()!r})
        out = {{
            "window": b.scan_nonces(h76, {BlockHeader.from_bytes(raw).target}, {genesis["nonce"] - 23}, 40, 2),
            "top": b.scan_nonces(h76, {ALL}, {SPACE - 5}, 5, 3),
            "versions": b.scan_versions(h76, 1 << 254, 0x1fffe000, 1, 2, 7, 9, 2),
            "digests": [b.sha256d(bytes(range(n))).hex() for n in (0, 55, 64, 100)],
            "impl": b.info()["impl"],
        }}
        print(json.dumps(out))
        """
    result = run_python(code, {"NUMBA_DISABLE_JIT": "1"})
    assert result.returncode == 0, result.stderr
    # run_python has no -W flag; rerun a digest and a scan with warnings as errors
    strict = subprocess.run(
        [sys.executable, "-W", "error", "-c", "from minecore.backends.numba_backend import NumbaBackend;"
         "b = NumbaBackend(); print(b.sha256d(b'x' * 70).hex(), b.scan_nonces(bytes(76), 1 << 255, 0, 5, 2))"],
        env={**os.environ, "NUMBA_DISABLE_JIT": "1", "PYTHONPATH": SRC}, capture_output=True, text=True, timeout=300,
    )
    assert strict.returncode == 0, strict.stderr
    digest, nonces = strict.stdout.strip().split(" ", 1)
    assert digest == sha256d_hashlib(b"x" * 70).hex()
    assert nonces == str(reference(bytes(76), 1 << 255, 0, 5))

    out = json.loads(result.stdout)
    assert out["window"] == [genesis["nonce"]]
    assert out["top"] == list(range(SPACE - 5, SPACE))
    base = int.from_bytes(raw[:4], "little")
    from minecore.header import rolled_version

    expected = []
    for i in (1, 2):
        v = rolled_version(base, 0x1FFFE000, i)
        expected += [[v, n] for n in reference(v.to_bytes(4, "little") + raw[4:76], 1 << 254, 7, 9)]
    assert out["versions"] == expected
    assert out["digests"] == [sha256d_hashlib(bytes(range(n))).hex() for n in (0, 55, 64, 100)]
    assert "python" in out["impl"]


# ---------------------------------------------------------------------------- batches and thread items
@settings(max_examples=200, deadline=None)
@given(
    start=st.integers(0, SPACE - 1),
    count=st.integers(0, 5000),
    parts=st.integers(1, 9),
    align=st.sampled_from([1, 16]),
)
def test_split_covers_the_range_in_aligned_contiguous_slices(start, count, parts, align):
    count = min(count, SPACE - start)
    slices = _split(start, count, parts, align)
    assert len(slices) <= parts
    assert all(c > 0 for _, c in slices)
    pos = start
    for s, c in slices:
        assert s == pos
        pos += c
    assert pos == start + count
    # every boundary but the range's end sits on a lane block
    assert all((s - start) % align == 0 for s, _ in slices)


@pytest.mark.parametrize("threads", [1, 2, 3, 5])
@pytest.mark.parametrize(
    ("start", "count"),
    [(0, 1), (0, 17), (5, 203), (SPACE - 1, 1), (SPACE - 77, 77), (SPACE - 300, 300), (123_456_789, 1000)],
)
def test_all_accepting_target_returns_every_nonce(numba_backend_obj, threads, start, count):
    """Target 2**256 - 1 accepts every hash, so the result must be exactly the range: no nonce lost or repeated
    at lane, thread or 2**32 boundaries. 300 winners overflow the per-item result rows (64), forcing a rerun."""
    assert numba_backend_obj.scan_nonces(bytes(range(76)), ALL, start, count, threads) == list(range(start, start + count))


def test_small_batches_give_the_same_answer(fresh_backend, monkeypatch, block_headers):
    """Batches of 16 nonces per thread (hundreds of batches, each split into items) find exactly the block-100000
    nonce in a 4,000-nonce window ending at it, and the versions path agrees with hashlib in both its layouts."""
    monkeypatch.setattr(numba_backend, "FIRST_BATCH_PER_THREAD", 16)
    monkeypatch.setattr(numba_backend, "BATCH_SECONDS", 1e-9)
    block = next(b for b in block_headers if b["height"] == 100000)
    header = BlockHeader.from_hex(block["header_hex"])
    h76 = header.to_bytes()[:76]
    assert fresh_backend.scan_nonces(h76, header.target, block["nonce"] - 3999, 4000, 3) == [block["nonce"]]

    ref = backends.get("hashlib")
    target = 1 << 251  # about 1 in 32 hashes wins
    long_ranges = fresh_backend.scan_versions(h76, target, 0x1FFFE000, 5, 3, 1000, 700, 2)  # nonce slices
    assert long_ranges == ref.scan_versions(h76, target, 0x1FFFE000, 5, 3, 1000, 700, 2)
    monkeypatch.setattr(numba_backend, "FIRST_BATCH_PER_THREAD", 1 << 12)
    fresh_backend._rate_per_thread = 0.0
    short_ranges = fresh_backend.scan_versions(h76, target, 0x1FFFE000, 0, 40, SPACE - 20, 20, 3)  # version groups
    assert short_ranges == ref.scan_versions(h76, target, 0x1FFFE000, 0, 40, SPACE - 20, 20, 3)
    assert len(short_ranges) > 0


def test_real_headers_with_exact_targets(numba_backend_obj, block_headers):
    """For each real block, the target equal to its own hash accepts its nonce (<=) and target - 1 rejects it,
    in a 48-nonce window (2 threads) that starts 19 below the nonce; the window holds no other winner."""
    for block in block_headers:
        header = BlockHeader.from_hex(block["header_hex"])
        h76 = header.to_bytes()[:76]
        exact = hash_to_int(header.hash)
        start = max(0, block["nonce"] - 19)
        assert numba_backend_obj.scan_nonces(h76, exact, start, 48, 2) == [block["nonce"]], block["height"]
        assert numba_backend_obj.scan_nonces(h76, exact - 1, start, 48, 2) == [], block["height"]


def test_info_names_the_active_kernel(numba_backend_obj):
    """auto runs the kernel measured fastest where the CPU LLVM compiles for has SHA (both kernels usable), else
    the lanes kernel; impl, lanes and the calibration record say which and why."""
    info = numba_backend_obj.info()
    assert info["name"] == "numba"
    choice = info["calibration"]
    assert choice["choice"] == info["kernel"]
    if JIT_DISABLED:
        assert "python" in info["impl"] and info["lanes"] == 16 and choice["source"] == "only usable"
        return
    forced = os.environ.get("MINECORE_NUMBA_KERNEL", "auto").strip().lower() or "auto"
    if forced != "auto":
        assert info["kernel"] == forced and choice["source"] == "forced"
    elif "sha" in info["cpu_features"]:
        assert info["impls_usable"][0] == "sha-ni (llvm intrinsics)"
        assert choice["source"] in ("measured", "cached", "static"), choice
        if choice["source"] == "static":  # calibration off or impossible: the static order, SHA-NI first
            assert info["kernel"] == "shani" and choice["reason"]
        else:
            assert set(choice["rates_hps"]) == {"shani", "lanes"}
            from minecore.backends.calibration import pick

            assert info["kernel"] == pick(choice["rates_hps"], ["shani", "lanes"])
    else:
        assert info["kernel"] == "lanes" and choice["source"] == "only usable"
    if info["kernel"] == "shani":
        assert (info["impl"], info["lanes"]) == ("sha-ni (llvm intrinsics)", 3)
    elif "avx512f" in info["cpu_features"]:
        assert "zmm" in info["impl"] and info["lanes"] == 16
    elif "avx2" in info["cpu_features"]:
        assert "ymm" in info["impl"] and info["lanes"] == 16


@pytest.mark.parametrize(
    ("env", "features", "jit_disabled", "expected"),
    [
        ("", {"avx2", "sha"}, False, "shani"),
        ("auto", {"avx2"}, False, "lanes"),
        ("lanes", {"sha"}, False, "lanes"),
        ("SHANI", {"sha"}, False, "shani"),
        ("shani", {"sha"}, True, "lanes"),  # an intrinsic cannot run as Python
        ("shani", {"avx2"}, False, BackendUnavailableError),
        ("avx9", {"sha"}, False, BackendUnavailableError),
    ],
)
def test_kernel_selection(monkeypatch, env, features, jit_disabled, expected):
    monkeypatch.setenv("MINECORE_NUMBA_KERNEL", env)
    if expected is BackendUnavailableError:
        with pytest.raises(BackendUnavailableError, match="MINECORE_NUMBA_KERNEL"):
            numba_backend.selected_kernel(features, jit_disabled)
    else:
        assert numba_backend.selected_kernel(features, jit_disabled) == expected


def _host_has_sha() -> bool:
    return "sha" in numba_backend._features_without_numba()


@pytest.mark.skipif(JIT_DISABLED, reason="both kernels need the JIT (the Python path is tested above)")
@pytest.mark.parametrize("kernel", ["lanes", "shani"])
def test_each_kernel_agrees_with_hashlib(monkeypatch, block_headers, kernel):
    """Each scan kernel, forced with MINECORE_NUMBA_KERNEL, finds exactly what hashlib finds: block 100000's nonce
    at the end of a 300-nonce window (1 and 2 threads), every nonce of an odd-length window at the top of the nonce
    space with an all-accepting target, target = the block's own hash (accepted) and hash - 1 (rejected), rolled
    versions with about 1 in 8 hashes winning. On a CPU without SHA, forcing shani is refused with the reason."""
    monkeypatch.setenv("MINECORE_NUMBA_KERNEL", kernel)
    if kernel == "shani" and not _host_has_sha():
        with pytest.raises(BackendUnavailableError, match="no SHA extensions"):
            NumbaBackend()
        return
    b = NumbaBackend()
    assert b.kernel == kernel
    assert ("sha-ni" in b.info()["impl"]) == (kernel == "shani")
    block = next(x for x in block_headers if x["height"] == 100000)
    header = BlockHeader.from_hex(block["header_hex"])
    h76 = header.to_bytes()[:76]
    for threads in (1, 2):
        assert b.scan_nonces(h76, header.target, block["nonce"] - 299, 300, threads) == [block["nonce"]]
    assert b.scan_nonces(h76, ALL, SPACE - 21, 21, 2) == list(range(SPACE - 21, SPACE))
    exact = hash_to_int(header.hash)
    assert b.scan_nonces(h76, exact, block["nonce"] - 1, 3, 1) == [block["nonce"]]
    assert b.scan_nonces(h76, exact - 1, block["nonce"] - 1, 3, 1) == []
    ref = backends.get("hashlib")
    assert b.scan_versions(h76, 1 << 253, 0x1FFFE000, 3, 4, 50, 37, 2) == ref.scan_versions(
        h76, 1 << 253, 0x1FFFE000, 3, 4, 50, 37, 2
    )


@pytest.mark.skipif(JIT_DISABLED, reason="one kernel only without the JIT: nothing to measure")
def test_kernel_choice_is_measured_once_and_shown_without_numba(tmp_path):
    """In a fresh cache: `describe()` (no numba import) says the choice is not measured yet; the first
    NumbaBackend() measures both kernels (compilation excluded: numba's cache is warm or the first call is untimed)
    and stores the choice; the next process reads it (cached), still without importing numba. (A forced kernel
    measures nothing: tests/test_calibration.py.)"""
    if not _host_has_sha():
        pytest.skip("the CPU has no SHA: only the lanes kernel is usable")
    env = {"XDG_CACHE_HOME": str(tmp_path), "MINECORE_CALIBRATION_SECONDS": "0.002"}
    env_clean = {k: v for k, v in os.environ.items() if not k.startswith("MINECORE_")}
    code = """
        import json, sys
        from minecore.backends import numba_backend
        before = numba_backend.describe()["calibration"]
        numba_loaded = "numba" in sys.modules
        b = numba_backend.NumbaBackend()
        after = numba_backend.describe()["calibration"]
        print(json.dumps({"before": before, "loaded": numba_loaded, "kernel": b.kernel, "choice": b.choice(),
                          "after": after}))
        """
    first = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                           env={**env_clean, "PYTHONPATH": SRC, **env}, timeout=600)
    assert first.returncode == 0, first.stderr
    out = json.loads(first.stdout)
    assert out["before"]["source"] == "not measured yet" and out["loaded"] is False
    assert out["choice"]["source"] == "measured" and set(out["choice"]["rates_hps"]) == {"shani", "lanes"}
    assert out["kernel"] == out["choice"]["choice"] == out["after"]["choice"]
    # the next process reads the choice from the file, without importing numba
    code2 = """
        import json, sys
        from minecore.backends import numba_backend
        print(json.dumps({"describe": numba_backend.describe(), "loaded": "numba" in sys.modules}))
        """
    second = subprocess.run([sys.executable, "-c", textwrap.dedent(code2)], capture_output=True, text=True,
                            env={**env_clean, "PYTHONPATH": SRC, **env}, timeout=600)
    assert second.returncode == 0, second.stderr
    out2 = json.loads(second.stdout)
    assert out2["loaded"] is False
    assert out2["describe"]["calibration"]["source"] == "cached" and out2["describe"]["kernel"] == out["kernel"]
    entries = json.loads((tmp_path / "minecore" / "kernel-choice.json").read_text())["entries"]
    (entry,) = entries.values()
    assert entry["backend"] == "numba" and entry["numba"] == numba_backend._numba_version()


def test_threads_used_is_clamped_to_numba_threads(numba_backend_obj):
    import numba

    assert numba_backend_obj.max_threads == numba.config.NUMBA_NUM_THREADS
    assert numba_backend_obj.threads_used(1 << 32, 10_000) == numba.config.NUMBA_NUM_THREADS
    assert numba_backend_obj.threads_used(1, 8) == 1


# ---------------------------------------------------------------------------- 512-bit vector hint
@pytest.mark.skipif(JIT_DISABLED, reason="no LLVM IR to inspect without the JIT")
def test_wide_vector_hint_marks_only_the_calling_function():
    """prefer_wide_vectors() puts "prefer-vector-width"="512" and noinline on the function that calls it, and on
    no other function: the process-wide numba settings stay as they were."""
    import numba

    from minecore.kernels._jit import prefer_wide_vectors

    features_before = numba.config.CPU_FEATURES

    @numba.njit
    def marked(x):
        prefer_wide_vectors()
        return x + 1

    @numba.njit
    def caller(x):
        return marked(x) * 2

    assert caller(3) == 8
    ir = marked.inspect_llvm(marked.signatures[0])
    attribute_groups = [line for line in ir.splitlines() if line.startswith("attributes #")]
    marked_groups = [g for g in attribute_groups if '"prefer-vector-width"="512"' in g]
    assert len(marked_groups) == 1 and "noinline" in marked_groups[0]
    define = next(line for line in ir.splitlines() if line.startswith("define") and "marked" in line)
    assert define.rstrip(" {").endswith(marked_groups[0].split()[1])  # the group (#N) is on marked's define
    caller_ir = caller.inspect_llvm(caller.signatures[0])
    caller_define = next(line for line in caller_ir.splitlines() if line.startswith("define") and "caller" in line)
    group = caller_define.rstrip(" {").split()[-1]
    caller_group = next((g for g in caller_ir.splitlines() if g.startswith(f"attributes {group} ")), "")
    assert "prefer-vector-width" not in caller_group
    assert numba.config.CPU_FEATURES == features_before


# ---------------------------------------------------------------------------- Ctrl-C
@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT delivery to a child differs on Windows")
def test_ctrl_c_stops_a_long_scan():
    """A full 2**32 scan (minutes) in a child is interrupted by SIGINT: KeyboardInterrupt reaches Python long
    before the scan could finish. (How fast is measured and reported, not asserted.)"""
    code = """
        import sys, time
        import minecore.backends as b
        nb = b.get("numba")
        nb.scan_nonces(bytes(76), 0, 0, 1 << 16, 2)  # compile / load, and measure speed
        print("started", flush=True)
        t0 = time.perf_counter()
        try:
            nb.scan_nonces(bytes(76), 0, 0, 1 << 32, 2)
        except KeyboardInterrupt:
            print("interrupted", round(time.perf_counter() - t0, 3), flush=True)
            sys.exit(0)
        print("finished", flush=True)
        """
    env = dict(os.environ)
    env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("NUMBA_DISABLE_JIT", None)
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout.readline().strip() == "started"
        import time

        time.sleep(0.5)
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 0, err
    assert out.startswith("interrupted"), out


def test_scan_leaves_the_callers_numba_thread_settings_alone(numba_backend_obj):
    """The backend sets numba's (thread-local) thread count and chunk size for its own launches only."""
    import numba

    before = (numba.get_num_threads(), numba.get_parallel_chunksize())
    assert numba_backend_obj.scan_nonces(bytes(76), ALL, 10, 40, 1) == list(range(10, 50))
    assert numba_backend_obj.scan_nonces(bytes(76), ALL, 10, 40, 7) == list(range(10, 50))
    assert (numba.get_num_threads(), numba.get_parallel_chunksize()) == before
