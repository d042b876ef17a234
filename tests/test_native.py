"""The native backend: run-time dispatch, forcing by name and by MINECORE_NATIVE_IMPL, error kinds, info fields,
buffer handling and Ctrl-C.

Under ``MINECORE_PUREPYTHON=1`` (the second CI pass) only the "backend is off" behaviour is checked.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from minecore import BlockHeader, UnknownImplementationError
from minecore.errors import BackendUnavailableError

PURE = os.environ.get("MINECORE_PUREPYTHON", "").strip() not in ("", "0")
LANES = {"avx512": 16, "shani": 3, "avx2": 8, "portable": 1}
ROOT = Path(__file__).resolve().parents[1]
GENESIS = BlockHeader.from_hex(
    "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f61"
    "7fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c"
)


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter (the C dispatch reads its environment once per process).

    Kernel calibration is off (static priority order) unless ``env`` turns it on: these tests are about dispatch."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("MINECORE_")}
    full_env["MINECORE_NO_CALIBRATION"] = "1"
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=full_env, timeout=120, cwd=ROOT
    )


@pytest.mark.skipif(not PURE, reason="checks the MINECORE_PUREPYTHON=1 mode only")
def test_pure_python_mode_turns_native_off():
    from minecore import backends
    from minecore.backends import native

    assert "MINECORE_PUREPYTHON" in native.probe()
    assert "native" not in backends.available()
    with pytest.raises(BackendUnavailableError):
        backends.get("native")


needs_native = pytest.mark.skipif(PURE, reason="MINECORE_PUREPYTHON=1: the native backend is off on purpose")


@pytest.fixture
def native():
    """The native backend module; its absence outside pure-Python mode is a failure, not a skip."""
    from minecore.backends import native as mod

    assert mod.probe() is None, f"native backend unavailable: {mod.probe()}"
    return mod


def _cpuinfo_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


@needs_native
def test_info_fields(native):
    info = native.NativeBackend().info()
    assert info["name"] == "native"
    assert set(info["impls_usable"]) <= set(info["impls_compiled"]) <= set(LANES)
    assert "portable" in info["impls_usable"]
    choice = info["calibration"]
    assert info["impl"] == choice["choice"]
    if choice["source"] in ("measured", "cached"):  # the fastest measured path (earlier in priority order on a tie)
        assert set(choice["rates_hps"]) == set(info["impls_usable"])
        from minecore.backends.calibration import pick

        assert info["impl"] == pick(choice["rates_hps"], info["impls_usable"])
    elif choice["source"] == "static":  # calibration off or impossible: priority order
        assert info["impl"] == info["impls_usable"][0] and choice["reason"]
    else:
        assert choice["source"] in ("forced", "only usable"), choice
    assert info["lanes"] == LANES[info["impl"]]
    assert set(info["cpu_features"]) <= {"ssse3", "sse4.1", "sha", "avx", "avx2", "avx512f", "avx512vl"}


@needs_native
@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"), reason="cpuid exists on x86-64 only")
def test_cpu_features_agree_with_the_kernel_and_every_supported_path_is_usable(native):
    """The kernel's cpuid/xgetbv view matches /proc/cpuinfo, and every compiled path the CPU supports passed its
    self-test (is usable)."""
    info = native.NativeBackend().info()
    flags = _cpuinfo_flags()
    if flags:
        assert ("sha" in info["cpu_features"]) == ("sha_ni" in flags)
        assert ("avx2" in info["cpu_features"]) == ("avx2" in flags)
        assert ("avx512f" in info["cpu_features"]) == ("avx512f" in flags)
    feats = set(info["cpu_features"])
    needs = {"shani": {"sha", "sse4.1", "ssse3"}, "avx2": {"avx2"}, "avx512": {"avx512f", "avx512vl"}}
    for impl, required in needs.items():
        if impl in info["impls_compiled"] and required <= feats:
            assert impl in info["impls_usable"], impl
        if not required <= feats:
            assert impl not in info["impls_usable"], impl


@needs_native
def test_forcing_each_usable_impl(native):
    for impl in native.impls_usable():
        backend = native.NativeBackend(impl=impl)
        assert backend.impl == impl
        assert backend.lanes == LANES[impl]
        assert backend.info()["impl"] == impl
        assert backend.scan_nonces(GENESIS.prefix(), GENESIS.target, 2083236893 - 37, 75, 1) == [2083236893]


@needs_native
def test_unknown_and_unsupported_names_are_distinct_errors(native):
    with pytest.raises(UnknownImplementationError, match="unknown native implementation 'sse9'") as info:
        native.NativeBackend(impl="sse9")
    assert type(info.value) is UnknownImplementationError
    with pytest.raises(UnknownImplementationError):
        native.NativeBackend().force_impl("")
    with pytest.raises(UnknownImplementationError):
        native.force_impl("sse9")
    unusable = [name for name in LANES if name not in native.impls_usable()]
    for name in unusable:
        with pytest.raises(native.UnsupportedImplementationError, match=name):
            native.NativeBackend(impl=name)


@needs_native
def test_unsupported_when_cpu_features_are_hidden():
    """With every CPU feature masked off (testing knob), only 'portable' is usable and asking for another path is
    an 'unsupported' error, not a crash or a fallback."""
    code = (
        "from minecore.backends import native\n"
        "print(native.impls_usable())\n"
        "try:\n"
        "    native.NativeBackend(impl='avx2')\n"
        "except native.UnsupportedImplementationError as e:\n"
        "    print('unsupported:', e)\n"
    )
    out = run_python(code, MINECORE_NATIVE_CPU_MASK="0")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "['portable']"
    assert lines[1].startswith("unsupported: native implementation 'avx2' is not")


@needs_native
def test_selftest_failure_is_its_own_error_and_is_skipped_by_auto_choice():
    code = (
        "from minecore.backends import native\n"
        "print(native.NativeBackend().impl)\n"
        "try:\n"
        "    native.NativeBackend(impl='portable')\n"
        "except native.ImplementationSelfTestError as e:\n"
        "    print('selftest:', e)\n"
    )
    out = run_python(code, MINECORE_NATIVE_CPU_MASK="0", MINECORE_NATIVE_BREAK_SELFTEST="portable")
    # every feature hidden and portable broken: nothing usable, so the backend is unavailable (with the reason)
    assert out.returncode != 0
    assert "no native implementation passed its self-test" in out.stderr
    out = run_python(code, MINECORE_NATIVE_BREAK_SELFTEST="portable")
    assert out.returncode == 0, out.stderr
    first, second = out.stdout.splitlines()
    assert first != "portable"
    assert second == "selftest: native implementation 'portable' failed its self-test on this machine"


@needs_native
def test_env_var_forces_impl(native, monkeypatch):
    monkeypatch.setenv("MINECORE_NATIVE_IMPL", "portable")
    assert native.NativeBackend().impl == "portable"
    monkeypatch.setenv("MINECORE_NATIVE_IMPL", "sse9")
    with pytest.raises(UnknownImplementationError):
        native.NativeBackend()
    monkeypatch.setenv("MINECORE_NATIVE_IMPL", "auto")
    assert native.NativeBackend().impl == native.auto_choice().choice


@needs_native
def test_env_var_at_process_start_is_an_error_not_a_fallback():
    """MINECORE_NATIVE_IMPL=portable makes it the process default in C too; a bogus name makes `minecore backends`
    fail with one line and exit 2."""
    out = run_python(
        "from minecore.backends import native, best\nprint(native._extension().impls()"
        "[native._extension().active_impl()]['name'], best().impl)",
        MINECORE_NATIVE_IMPL="portable",
    )
    assert out.stdout.split() == ["portable", "portable"], out.stderr
    out = run_python("from minecore.cli.main import main; raise SystemExit(main(['backends']))",
                     MINECORE_NATIVE_IMPL="sse9")
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1
    assert "sse9" in out.stderr


@needs_native
def test_process_default_can_be_forced_and_restored(native):
    native.force_impl("auto")  # whatever an earlier test in this process left forced
    auto = native.auto_choice().choice
    try:
        native.force_impl("portable")
        assert native.NativeBackend().impl == "portable"
        assert native.NativeBackend().choice()["source"] == "forced"
        assert native.auto_choice().source == "forced"  # nothing is measured while the default is forced
        assert native.NativeBackend(impl=native.impls_usable()[0]).impl == native.impls_usable()[0]
    finally:
        native.force_impl("auto")
    assert native.NativeBackend().impl == auto


@needs_native
def test_sha256d_accepts_any_buffer_at_any_alignment(native):
    backend = native.NativeBackend()
    raw = bytes(range(256)) * 3
    for offset in range(5):
        for length in (0, 1, 55, 56, 63, 64, 65, 80, 300):
            chunk = raw[offset : offset + length]
            want = hashlib.sha256(hashlib.sha256(chunk).digest()).digest()
            assert backend.sha256d(chunk) == want
            assert backend.sha256d(bytearray(chunk)) == want
            assert backend.sha256d(memoryview(raw)[offset : offset + length]) == want


@needs_native
def test_direct_backend_call_checks_its_inputs(native):
    from minecore import InvalidInputError

    backend = native.NativeBackend()
    with pytest.raises(InvalidInputError):
        backend.scan_nonces(bytes(75), 1, 0, 1, 1)
    with pytest.raises(InvalidInputError):
        backend.scan_nonces(bytes(76), 1 << 256, 0, 1, 1)
    with pytest.raises(InvalidInputError):
        backend.scan_nonces(bytes(76), 1, (1 << 32) - 1, 2, 1)
    with pytest.raises(InvalidInputError):
        backend.scan_nonces(bytes(76), 1, 0, 1, 0)
    with pytest.raises(InvalidInputError):
        backend.sha256d("abc")


@needs_native
def test_ctrl_c_stops_a_long_scan(native):
    """SIGINT during a full 2^32 scan on the slowest path (tens of minutes of work) raises KeyboardInterrupt in
    the caller, and no worker thread is left running."""
    if threading.current_thread() is not threading.main_thread():
        pytest.fail("must run on the main thread to receive SIGINT")
    backend = native.NativeBackend(impl="portable")
    timer = threading.Timer(0.3, os.kill, args=(os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):  # raised mid-scan: the whole range would take many minutes
            backend.scan_nonces(GENESIS.prefix(), 0, 0, 1 << 32, 2)
    finally:
        timer.cancel()
    leftover = [t.name for t in threading.enumerate() if t.name.startswith("minecore-scan") and t.is_alive()]
    assert leftover == []


@needs_native
def test_backends_command_shows_native_paths():
    out = run_python("from minecore.cli.main import main; raise SystemExit(main(['backends', '--json']))")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "native" in text and "impls_usable" in text
    json.loads(text)


@needs_native
def test_bench_command_json_schema(capsys):
    """`minecore bench --json` for one forced path: the documented schema, a positive rate and its ratio."""
    from minecore.cli.main import main

    rc = main(["bench", "--backend", "native", "--impl", "portable", "--threads", "1", "--seconds", "0.05", "--json"])
    assert rc == 0
    report = json.loads(capsys.readouterr().out)
    assert report["hashlib_hashes_per_second"] > 0
    (row,) = report["results"]
    assert (row["backend"], row["impl"], row["threads"]) == ("native", "portable", 1)
    assert row["hashes_per_second"] > 0
    assert row["ratio_to_hashlib"] == pytest.approx(row["hashes_per_second"] / report["hashlib_hashes_per_second"])


def test_bench_command_rejects_bad_options():
    from minecore.cli.main import main

    assert main(["bench", "--backend", "no-such-backend"]) == 2
    assert main(["bench", "--seconds", "0"]) == 2
    assert main(["bench", "--backend", "hashlib", "--impl", "shani"]) == 2


# ---------------------------------------------------------------------------- kernel choice by measurement
#: the shared test vectors (../shared/vectors), else their copies in tests/data
VECTORS = next(p for p in (ROOT.parent / "shared" / "vectors", ROOT / "tests" / "data") if p.is_dir())
#: MC_CPU_* bits (native/include/minecore/sha256d.h) each path needs, for MINECORE_NATIVE_CPU_MASK
NEEDS_BITS = {"avx512": (1 << 5) | (1 << 6), "shani": 1 << 2, "avx2": 1 << 4}

_CHOICE_AND_VECTORS = """
import json, os, struct
from pathlib import Path
from minecore import BlockHeader
from minecore.backends import native

vectors = Path(os.environ["VECTORS"])
backend = native.NativeBackend()
report = {"impl": backend.impl, "choice": backend.choice(), "usable": native.impls_usable(),
          "features": backend.info()["cpu_features"], "failures": []}
for vec in json.loads((vectors / "sha256.json").read_text())["vectors"]:
    msg = b"a" * 1_000_000 if vec["msg_hex"] is None else bytes.fromhex(vec["msg_hex"])
    if backend.sha256d(msg).hex() != vec["sha256d"]:
        report["failures"].append(("sha256", vec["name"]))
engines = {"auto": backend, **{p: native.NativeBackend(impl=p) for p in report["usable"]}}
for block in json.loads((vectors / "block_headers.json").read_text()):
    header = BlockHeader.from_hex(block["header_hex"])
    h76, nonce = header.prefix(), block["nonce"]
    exact = int.from_bytes(header.hash, "little")  # the block's own hash: accepted; one less: rejected
    start = max(0, nonce - 301)
    for name, engine in engines.items():
        if engine.sha256d(header.to_bytes())[::-1].hex() != block["block_hash"]:
            report["failures"].append((name, block["height"], "hash"))
        if engine.scan_nonces(h76, header.target, start, 600, 2) != [nonce]:
            report["failures"].append((name, block["height"], "window"))
        exact_ok = engine.scan_nonces(h76, exact, nonce - 2, 5, 1) == [nonce]
        if not exact_ok or engine.scan_nonces(h76, exact - 1, nonce - 2, 5, 1):
            report["failures"].append((name, block["height"], "exact target"))
print(json.dumps(report))
"""


def _choice_run(cache: Path, **env: str) -> dict:
    settings = {"XDG_CACHE_HOME": str(cache), "VECTORS": str(VECTORS), "MINECORE_NO_CALIBRATION": "0",
                "MINECORE_CALIBRATION_SECONDS": "0.003", **env}
    out = run_python(_CHOICE_AND_VECTORS, **settings)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@needs_native
@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"), reason="CPU features exist on x86-64 only")
def test_a_cpu_without_avx512_changes_the_choice_and_stays_bit_exact(tmp_path):
    """The choice is measured for the real CPU, then for the same CPU with AVX-512 hidden
    (MINECORE_NATIVE_CPU_MASK); where the real choice was not avx512, its instructions are hidden too, so the
    masked choice must differ. The masked CPU gets its own cache entry, and both choices (and every usable path)
    hash the shared vectors bit-exactly: FIPS sha256d, 20 real blocks (hash, a 600-nonce window with its target,
    the block's own hash as an exact target and one less)."""
    real = _choice_run(tmp_path)
    assert real["failures"] == []
    if len(real["usable"]) < 2:
        pytest.skip("one usable path: nothing to choose between")
    assert real["choice"]["source"] == "measured" and real["impl"] == real["choice"]["choice"]
    hidden = NEEDS_BITS["avx512"] | NEEDS_BITS.get(real["impl"], 0)
    masked = _choice_run(tmp_path, MINECORE_NATIVE_CPU_MASK=hex(0xFFFFFFFF & ~hidden))
    assert masked["failures"] == []
    assert "avx512f" not in masked["features"] and "avx512" not in masked["usable"]
    assert masked["impl"] != real["impl"] and masked["impl"] in masked["usable"]
    assert masked["choice"]["source"] in ("measured", "only usable")
    entries = json.loads((tmp_path / "minecore" / "kernel-choice.json").read_text())["entries"]
    native_entries = {k: v for k, v in entries.items() if v["backend"] == "native"}
    assert len(native_entries) == (2 if masked["choice"]["source"] == "measured" else 1)
    assert {v["choice"] for v in native_entries.values()} <= {real["impl"], masked["impl"]}
    # the real CPU's entry is still there and still used
    again = _choice_run(tmp_path)
    assert again["choice"]["source"] == "cached" and again["impl"] == real["impl"]


@needs_native
def test_static_order_when_the_cache_cannot_be_written(tmp_path):
    """A cache directory that cannot be created (its parent is a file): nothing is measured, the priority order is
    used, and the reason says why; `minecore backends --json` shows it."""
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    report = _choice_run(blocker)
    assert report["failures"] == []
    assert report["impl"] == report["usable"][0]
    if len(report["usable"]) > 1:
        assert report["choice"]["source"] == "static" and "not writable" in report["choice"]["reason"]
    out = run_python("from minecore.cli.main import main; raise SystemExit(main(['backends', '--json']))",
                     XDG_CACHE_HOME=str(blocker), MINECORE_NO_CALIBRATION="0")
    assert out.returncode == 0, out.stderr
    row = {b["name"]: b for b in json.loads(out.stdout)["backends"]}["native"]
    assert row["impl"] == report["usable"][0]
    assert not (blocker / "minecore").exists()


@needs_native
def test_static_order_with_a_read_only_cache_directory(tmp_path):
    """A read-only cache directory (chmod 0555): the priority order, nothing measured (root ignores the mode)."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        pytest.skip("root can write into a read-only directory; see the not-a-directory test")
    (tmp_path / "minecore").mkdir()
    (tmp_path / "minecore").chmod(0o555)
    try:
        report = _choice_run(tmp_path)
    finally:
        (tmp_path / "minecore").chmod(0o755)
    assert report["impl"] == report["usable"][0]
    if len(report["usable"]) > 1:
        assert report["choice"]["source"] == "static" and "not writable" in report["choice"]["reason"]
    assert list((tmp_path / "minecore").iterdir()) == []


@needs_native
def test_calibration_off_and_forced_paths_never_measure(tmp_path):
    """MINECORE_NO_CALIBRATION=1 gives the priority order; a forced path (MINECORE_NATIVE_IMPL) is used as is; in
    neither case is anything measured or written."""
    off = _choice_run(tmp_path, MINECORE_NO_CALIBRATION="1")
    assert off["impl"] == off["usable"][0]
    if len(off["usable"]) > 1:
        assert off["choice"] == {**off["choice"], "source": "static", "reason": "MINECORE_NO_CALIBRATION=1 is set"}
    forced = _choice_run(tmp_path, MINECORE_NATIVE_IMPL="portable")
    assert forced["impl"] == "portable" and forced["choice"]["source"] == "forced"
    assert "MINECORE_NATIVE_IMPL" in forced["choice"]["reason"]
    assert not (tmp_path / "minecore").exists()


@needs_native
def test_auto_choice_follows_the_dispatcher_unless_forced(native):
    """set_auto_impl moves the process default only while it is not forced; force_impl('auto') goes back to the
    automatic choice, not to the priority order; a new NativeBackend() installs the measured choice again."""
    ext = native._extension()
    usable = native.impls_usable()
    native.force_impl("auto")  # whatever an earlier test in this process left forced
    auto = native.auto_choice().choice
    other = next(p for p in reversed(usable) if p != auto) if len(usable) > 1 else auto

    def active():
        return ext.impls()[ext.active_impl()]["name"]

    try:
        assert ext.set_auto_impl(other) == ext.OK and active() == other and not ext.impl_forced()
        native.force_impl(auto)
        assert ext.impl_forced() and ext.set_auto_impl(other) == ext.OK and active() == auto
        native.force_impl("auto")
        assert not ext.impl_forced() and active() == other
        assert ext.set_auto_impl("no-such-impl") == ext.ERR_UNKNOWN_IMPL and active() == other
    finally:
        native.force_impl("auto")
    assert native.NativeBackend().impl == auto and active() == auto


@needs_native
@pytest.mark.parametrize("value", ["zz", "-1", "0x1ffffffff", "12abc"])
def test_bad_cpu_mask_names_the_variable(value):
    out = run_python("from minecore.cli.main import main; raise SystemExit(main(['backends']))",
                     MINECORE_NATIVE_CPU_MASK=value)
    assert out.returncode == 2, out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "MINECORE_NATIVE_CPU_MASK" in out.stderr


@needs_native
def test_threads_used_is_clamped():
    from minecore.backends.native import MAX_THREADS, NativeBackend

    backend = NativeBackend()
    assert backend.max_threads == MAX_THREADS == 256
    assert backend.threads_used(1 << 32, 10_000) == 256
    assert backend.threads_used(1000, 8) == 1  # too small a scan to share
    assert backend.threads_used(3 << 14, 8) == 3
