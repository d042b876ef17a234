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
    """Run ``code`` in a fresh interpreter (the C dispatch reads its environment once per process)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("MINECORE_")}
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
    assert info["impl"] == info["impls_usable"][0]  # fastest usable one, priority order
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
    assert native.NativeBackend().impl == native.impls_usable()[0]


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
    try:
        native.force_impl("portable")
        assert native.NativeBackend().impl == "portable"
        assert native.NativeBackend(impl=native.impls_usable()[0]).impl == native.impls_usable()[0]
    finally:
        native.force_impl("auto")
    assert native.NativeBackend().impl == native.impls_usable()[0]


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
