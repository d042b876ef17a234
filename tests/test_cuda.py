"""The ``cuda`` backend, without a GPU: numba's CUDA simulator, clean unavailability, and the GPU code's lowering.

numba reads ``NUMBA_ENABLE_CUDASIM`` once, when it is first imported, so the simulator cannot be switched on inside
a test process that has already imported numba. The file therefore runs in two ways:

* In the normal suite (variable unset), :func:`test_simulator_suite` runs this same file in a fresh Python with
  ``NUMBA_ENABLE_CUDASIM=1`` and requires it to pass; the no-GPU checks and the lowering check run here.
* With ``NUMBA_ENABLE_CUDASIM=1`` (that subprocess, or by hand: ``NUMBA_ENABLE_CUDASIM=1 pytest tests/test_cuda.py``)
  the :class:`TestSimulator` tests run in-process against the simulator, and the spawning test skips.

The simulator runs the kernel as Python (about 1 ms a hash), so every scan here is small: known answers from
hashlib and the real block headers of tests/data/block_headers.json (the same file as ../shared/vectors).
On a machine with a GPU the backend-agnostic suite (tests/test_backends.py) also runs on ``cuda``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import struct
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import minecore
import minecore.backends as backends
from minecore import BlockHeader, InvalidInputError
from minecore.backends import cuda_backend, registry
from minecore.errors import BackendUnavailableError, ImplementationSelfTestError
from minecore.header import rolled_version

from conftest import sha256d_hashlib

ROOT = Path(__file__).resolve().parents[1]
SRC = str(ROOT / "src")
DATA = Path(__file__).parent / "data"
BLOCKS = json.loads((DATA / "block_headers.json").read_text())
GENESIS = BLOCKS[0]["header_hex"]
SPACE = 1 << 32
ALL = (1 << 256) - 1
MASK = 0x1FFFE000
SIM = cuda_backend.simulator_requested()

def hash_int(header76: bytes, nonce: int) -> int:
    return int.from_bytes(sha256d_hashlib(header76 + struct.pack("<I", nonce)), "little")


def reference(header76: bytes, target: int, start: int, count: int) -> list[int]:
    return [n for n in range(start, start + count) if hash_int(header76, n) <= target]


def run_python(code: str, env: dict[str, str | None], timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh Python with ``env`` applied (``None`` removes a variable)."""
    full = dict(os.environ)
    full["PYTHONPATH"] = SRC + os.pathsep + full.get("PYTHONPATH", "")
    for key, value in env.items():
        if value is None:
            full.pop(key, None)
        else:
            full[key] = value
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=full, capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


# ---------------------------------------------------------------------------- the simulator, in a subprocess
@pytest.mark.skipif(SIM, reason="already running under the simulator")
def test_simulator_suite():
    """This file under NUMBA_ENABLE_CUDASIM=1 in a fresh process: every simulator test runs and passes."""
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")  # the tree under test, as in a checkout
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", str(Path(__file__))],
        env=env, capture_output=True, text=True, timeout=600, cwd=ROOT,
    )
    tail = (proc.stdout + proc.stderr)[-6000:]
    assert proc.returncode == 0, tail
    simulator_tests = sum(1 for name in dir(TestSimulator) if name.startswith("test_"))
    passed = re.search(r"(\d+) passed", proc.stdout)
    assert passed and int(passed.group(1)) >= simulator_tests, tail


# ---------------------------------------------------------------------------- no GPU, no simulator
@pytest.fixture
def no_gpu(monkeypatch):
    """This process as a machine without a GPU driver and without the simulator, with a fresh registry.

    Not under the simulator (these checks run in the outer process): removing NUMBA_ENABLE_CUDASIM there would
    let numba's next compile (it re-reads its environment) switch the simulator off for the rest of the run."""
    if SIM:
        pytest.skip("the no-GPU checks run in the process without the simulator")
    monkeypatch.delenv("NUMBA_ENABLE_CUDASIM", raising=False)
    monkeypatch.delenv("MINECORE_BACKEND", raising=False)
    monkeypatch.setattr(cuda_backend, "_driver_found", lambda: None)
    monkeypatch.setattr(cuda_backend, "_simulator_mismatch", lambda: None)
    monkeypatch.setattr(registry, "_instances", {})
    monkeypatch.setattr(registry, "_load_failures", {})


def test_unavailable_without_gpu_or_simulator(no_gpu):
    reason = cuda_backend.probe()
    assert reason is not None and "NUMBA_ENABLE_CUDASIM" in reason and "\n" not in reason
    assert "cuda" in backends.names()
    assert "cuda" not in backends.available()
    status = {st.name: st for st in backends.describe()}["cuda"]
    assert not status.available and status.reason == reason
    with pytest.raises(BackendUnavailableError, match="backend 'cuda' is not available: no NVIDIA GPU"):
        backends.get("cuda")
    with pytest.raises(BackendUnavailableError):
        cuda_backend.CudaBackend()
    assert backends.best().name != "cuda"


def test_never_chosen_by_default():
    """Opt-in: listed after hashlib, which is always usable, so best() never returns cuda."""
    assert backends.names().index("cuda") > backends.names().index("hashlib")


def _no_driver_here() -> bool:
    return cuda_backend._driver_found() is None


@pytest.mark.skipif(not _no_driver_here(), reason="an NVIDIA driver is present on this machine")
def test_cli_forced_cuda_without_gpu_exits_2_with_one_line():
    env = {"NUMBA_ENABLE_CUDASIM": None, "MINECORE_BACKEND": None}
    argv = ["scan", GENESIS, "--count", "10", "--backend", "cuda"]
    code = f"from minecore.cli.main import main; raise SystemExit(main({argv!r}))"
    proc = run_python(code, env)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert "backend 'cuda' is not available" in lines[0] and "NUMBA_ENABLE_CUDASIM" in lines[0]
    assert proc.stdout == ""
    # forced through the environment: the listing still prints, then one line and exit 2
    code = "from minecore.cli.main import main; raise SystemExit(main(['backends', '--json']))"
    proc = run_python(code, {**env, "MINECORE_BACKEND": "cuda"})
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "cuda" in proc.stderr
    row = {b["name"]: b for b in json.loads(proc.stdout)["backends"]}["cuda"]
    assert row["available"] is False and "NVIDIA" in row["reason"]


def test_import_help_and_listing_never_import_numba_cuda():
    """``import minecore``, ``--help`` and ``backends`` never import numba.cuda; with the simulator requested,
    listing still imports no numba at all (the status comes from files and the environment)."""
    code = """
        import sys, contextlib, io
        import minecore
        from minecore.cli.main import main
        with contextlib.redirect_stdout(io.StringIO()):
            main(['--help'])
        print('numba.cuda' in sys.modules)
        with contextlib.redirect_stdout(io.StringIO()) as out:
            main(['backends', '--json'])
        import json
        row = {b['name']: b for b in json.loads(out.getvalue())['backends']}['cuda']
        print('numba.cuda' in sys.modules, 'numba' in sys.modules, row['available'])
    """
    proc = run_python(code, {"NUMBA_ENABLE_CUDASIM": None})
    assert proc.returncode == 0, proc.stderr
    first, second = proc.stdout.split("\n")[:2]
    assert first == "False"
    assert second.split()[:2] == ["False", "False"]
    proc = run_python(code, {"NUMBA_ENABLE_CUDASIM": "1"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[:2] == ["False", "False False True"]


def test_simulator_switched_on_after_numba_import_is_reported():
    """numba reads NUMBA_ENABLE_CUDASIM at import: setting it later cannot work, and the reason says so."""
    code = """
        import os, numba
        os.environ['NUMBA_ENABLE_CUDASIM'] = '1'
        from minecore.backends import cuda_backend
        print(cuda_backend.probe())
    """
    proc = run_python(code, {"NUMBA_ENABLE_CUDASIM": None})
    assert proc.returncode == 0, proc.stderr
    assert "after numba was imported" in proc.stdout


# ---------------------------------------------------------------------------- the real CUDA target, lowered
LOWERING = """
    import json, re
    try:
        import numba.cuda.dispatcher as dispatcher
        from numba.cuda.compiler import compile_cuda
        import inspect
        assert "cc" in inspect.signature(compile_cuda).parameters
    except Exception as exc:
        print(json.dumps({"skip": f"numba's CUDA compiler internals differ here: {exc!r}"}))
        raise SystemExit(0)

    class Device:  # no GPU: numba asks the current device for its compute capability
        compute_capability = (9, 0)

    dispatcher.get_current_device = lambda: Device()
    from minecore.backends import cuda_backend
    kernel, signature = cuda_backend._build_kernels(simulated=False, eager=False)
    cres = compile_cuda(kernel.py_func, signature.return_type, signature.args, cc=(9, 0))
    ir = cres.library.get_llvm_str()
    out = {"atomics": ir.count("atomicrmw"), "const_arrays": len(re.findall(r"addrspace\\(4\\)", ir))}
    try:  # LLVM's own NVPTX backend (llvmlite), not NVVM: a look at the shape of the code, not NVVM's output
        import llvmlite.binding as llvm
        llvm.initialize_all_targets()
        llvm.initialize_all_asmprinters()
        modules = ["; ModuleID" + part for part in ir.split("; ModuleID")[1:]]
        module = llvm.parse_assembly(modules[0])
        for text in modules[1:]:
            module.link_in(llvm.parse_assembly(text))
        machine = llvm.Target.from_triple("nvptx64-nvidia-cuda").create_target_machine(cpu="sm_90", opt=3)
        builder = llvm.create_pass_builder(machine, llvm.create_pipeline_tuning_options(3))
        builder.getModulePassManager().run(module, builder)
        ptx = machine.emit_assembly(module)
        out["ptx"] = {"local": ptx.count(".local"), "calls": ptx.count("call."), "atomics": ptx.count("atom."),
                      "funnel_shifts": ptx.count("shf."), "const_loads": ptx.count("ld.const")}
    except Exception as exc:
        out["ptx_skipped"] = repr(exc)
    print(json.dumps(out))
"""


@pytest.mark.skipif(SIM, reason="needs numba's real CUDA target, not the simulator")
def test_kernel_types_and_lowers_for_the_cuda_target():
    """The simulator runs the kernel as Python, so it checks no types. Here numba types and lowers the kernel for
    the real CUDA target (sm_90) without a GPU; where llvmlite has LLVM's NVPTX backend, the optimised kernel is
    one body: no calls, no local memory, rotations as funnel shifts, round constants folded into immediates."""
    proc = run_python(LOWERING, {"NUMBA_ENABLE_CUDASIM": None}, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if "skip" in result:
        pytest.skip(result["skip"])
    assert result["atomics"] >= 1
    assert result["const_arrays"] >= 2  # K and IV in constant memory
    ptx = result.get("ptx")
    if ptx is None:
        pytest.skip(f"no NVPTX backend in llvmlite: {result.get('ptx_skipped')}")
    assert ptx["local"] == 0 and ptx["calls"] == 0, ptx
    assert ptx["atomics"] == 1 and ptx["funnel_shifts"] > 1000 and ptx["const_loads"] == 0, ptx


# ---------------------------------------------------------------------------- under the simulator
@pytest.fixture(scope="module")
def engine():
    return backends.get("cuda")


PROPS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
RANGES = st.one_of(
    st.tuples(st.integers(0, 20), st.integers(0, 40)),  # touches nonce 0
    st.integers(0, 40).flatmap(lambda c: st.tuples(st.just(SPACE - c), st.just(c))),  # ends at 2^32 - 1
    st.tuples(st.integers(0, SPACE - 40), st.integers(0, 40)),
)


class TestSimulator:
    """Collected only under the simulator (``__test__``): the normal suite runs them through test_simulator_suite."""

    __test__ = SIM

    def test_registry_and_info(self, engine):
        assert "cuda" in backends.available()
        assert backends.best().name != "cuda"
        info = engine.info()
        assert info["name"] == "cuda" and info["lanes"] == 1 and info["simulator"] is True
        assert {"cpu_features", "impl", "impls_compiled", "impls_usable"} <= set(info)
        assert "simulator" in info["impl"]

    def test_kernel_hashes_real_headers_bit_for_bit(self, engine):
        """The kernel's own digests (midstate, first-round precomputation, second hash) equal hashlib's for each
        real header at its nonce and both neighbours; at the nonce that is the block hash."""
        for block in BLOCKS:
            header76 = bytes.fromhex(block["header_hex"])[:76]
            nonce = block["nonce"]
            start = min(max(nonce - 1, 0), SPACE - 3)
            got = engine.hash_nonces(header76, start, 3)
            assert got == [sha256d_hashlib(header76 + struct.pack("<I", n)) for n in range(start, start + 3)]
            assert got[nonce - start][::-1].hex() == block["block_hash"], block["height"]

    def test_finds_each_real_blocks_nonce_in_a_window(self, engine):
        """A 48-nonce window around each real nonce, with the block's own target (top word 0: the early exit
        rejects the other nonces), finds exactly that nonce."""
        for block in BLOCKS:
            header = BlockHeader.from_hex(block["header_hex"])
            start = min(max(0, block["nonce"] - 21), SPACE - 48)
            result = minecore.scan(header, header.target, start, 48, backend="cuda")
            assert result.nonces == (block["nonce"],), block["height"]
            assert result.backend == "cuda" and result.hashes == 48

    def test_tie_targets_compare_all_256_bits(self, engine):
        """Target = the exact hash of one nonce: that nonce wins (<=) and exactly the nonces hashing at or below
        it win with it; over a window, every word of the comparison is exercised."""
        header76 = bytes.fromhex(BLOCKS[5]["header_hex"])[:76]
        start = 1_000_003
        for nonce in range(start, start + 16):
            target = hash_int(header76, nonce)
            got = engine.scan_nonces(header76, target, start, 16, 1)
            assert nonce in got
            assert got == reference(header76, target, start, 16)
            assert engine.scan_nonces(header76, target - 1, nonce, 1, 1) == []

    @PROPS
    @given(header76=st.binary(min_size=76, max_size=76), rng=RANGES,
           kind=st.sampled_from(["nothing", "everything", "few", "difficulty-1"]), raw=st.integers(0, ALL))
    def test_scan_matches_hashlib(self, engine, header76, rng, kind, raw):
        start, count = rng
        target = {"nothing": 0, "everything": ALL, "few": raw >> 3, "difficulty-1": 0xFFFF << 208}[kind]
        assert engine.scan_nonces(header76, target, start, count, 1) == reference(header76, target, start, count)

    def test_scan_versions_matches_hashlib(self, engine):
        header76 = hashlib.sha256(b"versions").digest() * 2 + bytes(range(12))
        base = int.from_bytes(header76[:4], "little")
        target = ALL >> 2
        want = []
        for i in range(0x1234, 0x1237):
            version = rolled_version(base, MASK, i)
            prefix = struct.pack("<I", version) + header76[4:]
            want += [(version, n) for n in reference(prefix, target, 500, 16)]
        result = minecore.scan_versions(header76 + bytes(4), target, MASK, range(0x1234, 0x1237), 500, 16,
                                        backend="cuda")
        assert list(result.pairs) == want and len(want) > 3

    def test_many_short_version_rows_share_launches(self):
        """40 versions x 3 nonces with 64 hashes a launch: 21 versions per launch, ordered by version then nonce."""
        small = cuda_backend.CudaBackend(chunk_hashes=64)
        header76 = hashlib.sha256(b"short").digest() * 2 + bytes(12)
        base = int.from_bytes(header76[:4], "little")
        target = ALL >> 1
        want = []
        for i in range(40):
            version = rolled_version(base, MASK, i)
            want += [(version, n) for n in reference(struct.pack("<I", version) + header76[4:], target, 77, 3)]
        assert small.scan_versions(header76, target, MASK, 0, 40, 77, 3, 1) == want

    def test_overflowing_results_are_rerun_with_room(self):
        """Every nonce wins, 4 slots a launch, 64 hashes a launch: each launch overflows, is rerun with room for
        all, and the 150 nonces up to 2^32 - 1 come back complete and in order."""
        small = cuda_backend.CudaBackend(capacity=4, chunk_hashes=64)
        header76 = bytes(range(76))
        start = SPACE - 150
        assert small.scan_nonces(header76, ALL, start, 150, 1) == list(range(start, SPACE))
        assert small.overflow_reruns == 3

    def test_python_threads_scan_at_once(self, engine):
        """Three Python threads scan at the same time (the simulator allows one launch at a time: serialised)."""
        jobs = [(hashlib.sha256(bytes([k])).digest() * 2 + bytes(12), ALL >> 2, 100 * k, 20) for k in range(3)]
        want = [reference(*job) for job in jobs]
        got = [None] * len(jobs)
        barrier = threading.Barrier(len(jobs))

        def run(k):
            barrier.wait()
            got[k] = engine.scan_nonces(*jobs[k], 1)

        threads = [threading.Thread(target=run, args=(k,)) for k in range(len(jobs))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert got == want

    def test_bad_input_gives_typed_errors(self, engine):
        header = bytes(80)
        for kwargs in ({"header": header[:79]}, {"count": SPACE + 1}, {"start": 1, "count": SPACE},
                       {"start": -1}, {"target": -5}, {"count": -10}, {"header": "00" * 80}, {"threads": 0}):
            args = {"header": header, "target": ALL, "start": 0, "count": 10, "threads": None, **kwargs}
            with pytest.raises(InvalidInputError):
                minecore.scan(args["header"], args["target"], args["start"], args["count"], backend="cuda",
                              threads=args["threads"])
        with pytest.raises(InvalidInputError):
            minecore.scan_versions(header, ALL, versions=range(0, 1 << 17), count=1, backend="cuda")
        assert engine.scan_nonces(header[:76], ALL, 0, 0, 1) == []
        assert engine.scan_versions(header[:76], ALL, MASK, 0, 0, 0, 10, 1) == []

    def test_self_test_catches_a_wrong_precomputation(self, monkeypatch):
        real = cuda_backend.precompute

        def broken(header76, versions):
            rows = real(header76, versions)
            rows[:, cuda_backend.P_T1] ^= 1
            return rows

        monkeypatch.setattr(cuda_backend, "precompute", broken)
        with pytest.raises(ImplementationSelfTestError, match="self-test"):
            cuda_backend.CudaBackend()

    def test_cli_scan_and_listing(self, capsys):
        from minecore.cli.main import main

        nonce = BLOCKS[0]["nonce"]
        assert main(["scan", GENESIS, "--start", str(nonce - 30), "--count", "64", "--backend", "cuda", "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["nonces"] == [nonce]
        assert main(["backends", "--json"]) == 0
        row = {b["name"]: b for b in json.loads(capsys.readouterr().out)["backends"]}["cuda"]
        assert row["available"] is True and row["simulator"] is True
