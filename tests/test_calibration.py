"""Kernel choice by measurement (minecore.backends.calibration): timing, picking, the cache file, the fallbacks,
and that nothing is measured for ``--help`` or a forced kernel.

The timing logic runs on a virtual clock (deterministic); the cache tests use a temporary XDG_CACHE_HOME. The real
backends are calibrated end to end in subprocesses with a tiny budget (tests/test_native.py for native,
``test_backends_recalibrate_end_to_end`` here for both).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from minecore.backends import calibration
from minecore.errors import InvalidInputError

ROOT = Path(__file__).resolve().parents[1]
PURE = os.environ.get("MINECORE_PUREPYTHON", "").strip() not in ("", "0")
GENESIS = (
    "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f61"
    "7fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c"
)
FIELDS = {"cpu": "Test CPU (family 1, model 2, stepping 3)", "features": ["avx2", "sha"], "minecore": "0.0.test"}


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    """Every test gets its own cache directory and a clean per-process memory of choices."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv(calibration.ENV_OFF, raising=False)
    monkeypatch.delenv(calibration.ENV_SECONDS, raising=False)
    calibration.forget()
    yield tmp_path / "xdg" / "minecore"
    calibration.forget()


class VirtualCpu:
    """A clock and kernels on it: kernel ``k`` hashes ``rates[k]`` nonces per virtual second; its first call also
    costs ``compile_s`` (JIT compilation, which must not count)."""

    def __init__(self, rates: dict[str, float], compile_s: float = 5.0):
        self.now = 0.0
        self.rates = rates
        self.compile_s = compile_s
        self.calls: list[tuple[str, int]] = []
        #: kernels slowed 3x whenever a call repeats its previous size: timed rounds 2.. (a burst of load)
        self.slow_repeats: set[str] = set()

    def clock(self) -> float:
        return self.now

    def runners(self) -> dict:
        def make(name):
            def run(n):
                mine = [m for k, m in self.calls if k == name]
                first = not mine
                factor = 3.0 if name in self.slow_repeats and mine and mine[-1] == n else 1.0
                self.calls.append((name, n))
                self.now += (self.compile_s if first else 0.0) + factor * n / self.rates[name]
            return run
        return {name: make(name) for name in self.rates}


# ---------------------------------------------------------------------------- timing and picking
def test_measure_excludes_the_first_call_and_interleaves_rounds():
    cpu = VirtualCpu({"avx512": 26e6, "shani": 30e6, "avx2": 14e6, "portable": 2.5e6})
    best, median = calibration.measure(cpu.runners(), 0.02, rounds=5, clock=cpu.clock)
    for name, rate in cpu.rates.items():  # the 5 s "compile" of each first call is not in any rate
        assert best[name] == pytest.approx(rate, rel=1e-9) and median[name] == pytest.approx(rate, rel=1e-9)
    timed = cpu.calls[len(cpu.rates):]  # after the warm-up calls: sizing, then rounds
    sizes = {}
    for name, n in timed:
        sizes.setdefault(name, []).append(n)
    # about 0.02 s of work per round
    for name, ns in sizes.items():
        assert ns[-1] / cpu.rates[name] == pytest.approx(0.02, rel=0.05)
    # kernels under half the fastest (avx2, portable) run the first round only; the contenders all five, and
    # every round runs each contender once (interleaved), starting with a different one each time
    rounds = [name for name, n in timed if n == sizes[name][-1]]
    assert sorted(rounds[:4]) == sorted(cpu.rates)
    later = rounds[4:]
    assert len(later) == 8 and all(set(later[i : i + 2]) == {"shani", "avx512"} for i in range(0, 8, 2))
    assert later[0] != later[2]


def test_best_round_survives_a_burst_of_load():
    """Rounds 2-5 of the faster kernel run 3x slow (load elsewhere): its best round still shows its speed."""
    cpu = VirtualCpu({"shani": 30e6, "avx512": 26e6})
    cpu.slow_repeats = {"shani"}
    best, median = calibration.measure(cpu.runners(), 0.02, rounds=5, clock=cpu.clock)
    assert best["shani"] == pytest.approx(30e6, rel=1e-6) and median["shani"] == pytest.approx(10e6, rel=1e-6)
    assert calibration.pick(best, ["avx512", "shani"]) == "shani"


@pytest.mark.parametrize(
    ("rates", "order", "expected"),
    [
        ({"avx512": 26.0, "shani": 30.0, "avx2": 15.0}, ["avx512", "shani", "avx2"], "shani"),
        ({"avx512": 29.5, "shani": 30.0}, ["avx512", "shani"], "avx512"),  # within 2 %: priority order
        ({"avx512": 29.0, "shani": 30.0}, ["avx512", "shani"], "shani"),
        ({"shani": 25.0, "lanes": 29.0}, ["shani", "lanes"], "lanes"),
        ({"portable": 1.0}, ["portable"], "portable"),
    ],
)
def test_pick(rates, order, expected):
    assert calibration.pick(rates, order) == expected


# ---------------------------------------------------------------------------- the cache file
def test_measured_choice_is_saved_atomically_and_read_back(isolated_cache):
    cpu = VirtualCpu({"avx512": 26e6, "shani": 30e6, "portable": 2e6})
    first = calibration.choose("native", ["avx512", "shani", "portable"], FIELDS, cpu.runners, clock=cpu.clock)
    assert (first.choice, first.source, first.reason) == ("shani", "measured", None)
    assert set(first.rates_hps) == {"avx512", "shani", "portable"}
    path = isolated_cache / "kernel-choice.json"
    assert first.cache_file == str(path)
    data = json.loads(path.read_text())
    assert data["format"] == "minecore kernel choice" and data["schema"] == 1
    (key, entry), = data["entries"].items()
    assert key == first.key and key.startswith("native | cpu=Test CPU")
    assert entry["choice"] == "shani" and entry["cpu"] == FIELDS["cpu"]
    assert entry["kernels"] == ["avx512", "shani", "portable"]
    assert entry["rates_hps"]["shani"] == pytest.approx(30e6) and entry["threads"] == 1 and entry["measured_at"]
    assert [p.name for p in isolated_cache.iterdir() if not p.name.startswith(".kernel-choice.json.lock")] == [
        "kernel-choice.json"]  # no temporary file left behind

    calls = len(cpu.calls)
    assert calibration.choose("native", ["avx512", "shani", "portable"], FIELDS, cpu.runners) is first  # remembered
    calibration.forget()  # a new process: reads the file
    again = calibration.choose("native", ["avx512", "shani", "portable"], FIELDS, cpu.runners)
    assert (again.choice, again.source) == ("shani", "cached") and again.rates_hps == first.rates_hps
    assert len(cpu.calls) == calls  # nothing measured

    # another CPU (or feature set, or version, or set of usable kernels) is another entry; both are kept
    cpu2 = VirtualCpu({"avx512": 40e6, "shani": 30e6})
    other = calibration.choose("native", ["avx512", "shani"], FIELDS, cpu2.runners, clock=cpu2.clock)
    assert other.choice == "avx512" and other.key != first.key
    assert len(json.loads(path.read_text())["entries"]) == 2

    # recalibrate measures again even though a choice is remembered
    cpu3 = VirtualCpu({"avx512": 50e6, "shani": 30e6, "portable": 2e6})
    fresh = calibration.choose("native", ["avx512", "shani", "portable"], FIELDS, cpu3.runners, clock=cpu3.clock,
                               recalibrate=True)
    assert (fresh.choice, fresh.source) == ("avx512", "measured") and cpu3.calls


def test_a_corrupt_or_foreign_cache_file_is_replaced(isolated_cache):
    isolated_cache.mkdir(parents=True)
    path = isolated_cache / "kernel-choice.json"
    for junk in ("{not json", json.dumps({"schema": 99, "entries": {}}), json.dumps([1, 2])):
        path.write_text(junk)
        calibration.forget()
        cpu = VirtualCpu({"a": 2e6, "b": 1e6})
        assert calibration.choose("x", ["b", "a"], FIELDS, cpu.runners, clock=cpu.clock).source == "measured"
        assert json.loads(path.read_text())["schema"] == 1


def test_an_entry_naming_a_kernel_not_usable_now_is_ignored(isolated_cache):
    cpu = VirtualCpu({"a": 2e6, "b": 1e6})
    choice = calibration.choose("x", ["b", "a"], FIELDS, cpu.runners, clock=cpu.clock)
    path = isolated_cache / "kernel-choice.json"
    data = json.loads(path.read_text())
    data["entries"][choice.key]["choice"] = "zzz"
    path.write_text(json.dumps(data))
    calibration.forget()
    assert calibration.choose("x", ["b", "a"], FIELDS, cpu.runners, clock=cpu.clock).source == "measured"


def test_cache_dir_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert calibration.cache_path() == tmp_path / "minecore" / "kernel-choice.json"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/dir")  # XDG: relative paths are ignored
    assert calibration.cache_dir() == Path(os.path.expanduser("~")) / ".cache" / "minecore"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert calibration.cache_dir() == Path(os.path.expanduser("~")) / ".cache" / "minecore"


# ---------------------------------------------------------------------------- fallbacks: the static order
def _never():
    raise AssertionError("measuring must not start")


def test_only_one_usable_kernel_is_not_measured():
    choice = calibration.choose("x", ["portable"], FIELDS, _never)
    assert (choice.choice, choice.source) == ("portable", "only usable")


def test_calibration_off_gives_the_static_order(monkeypatch, isolated_cache):
    monkeypatch.setenv("MINECORE_NO_CALIBRATION", "1")
    choice = calibration.choose("x", ["first", "second"], FIELDS, _never)
    assert (choice.choice, choice.source, choice.reason) == ("first", "static", "MINECORE_NO_CALIBRATION=1 is set")
    monkeypatch.setenv("MINECORE_NO_CALIBRATION", "0")  # "0" means on
    cpu = VirtualCpu({"first": 1e6, "second": 2e6})
    assert calibration.choose("x", ["first", "second"], FIELDS, cpu.runners, clock=cpu.clock).choice == "second"
    assert not list(isolated_cache.glob(".probe.*"))


def test_unwritable_cache_gives_the_static_order(monkeypatch, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # minecore/ cannot be created under a file
    choice = calibration.choose("x", ["first", "second"], FIELDS, _never)
    assert (choice.choice, choice.source) == ("first", "static")
    assert "not writable" in choice.reason and str(blocker) in choice.reason
    # --recalibrate still measures (and says it could not save)
    cpu = VirtualCpu({"first": 1e6, "second": 2e6})
    forced = calibration.choose("x", ["first", "second"], FIELDS, cpu.runners, clock=cpu.clock, recalibrate=True)
    assert (forced.choice, forced.source) == ("second", "measured") and "not writable" in forced.reason


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes into read-only directories")
def test_read_only_cache_dir_gives_the_static_order(isolated_cache):
    isolated_cache.mkdir(parents=True)
    isolated_cache.chmod(0o555)
    try:
        choice = calibration.choose("x", ["first", "second"], FIELDS, _never)
    finally:
        isolated_cache.chmod(0o755)
    assert (choice.choice, choice.source) == ("first", "static") and "not writable" in choice.reason


def test_a_failing_measurement_gives_the_static_order(isolated_cache):
    def broken():
        return {"first": lambda n: None, "second": lambda n: 1 / 0}

    choice = calibration.choose("x", ["first", "second"], FIELDS, broken)
    assert (choice.choice, choice.source) == ("first", "static")
    assert choice.reason.startswith("measuring failed (ZeroDivisionError")
    assert not (isolated_cache / "kernel-choice.json").exists()


@pytest.mark.parametrize("value", ["abc", "0", "-1", "nan", "inf", "11"])
def test_bad_calibration_seconds_names_the_variable(monkeypatch, value):
    monkeypatch.setenv("MINECORE_CALIBRATION_SECONDS", value)
    with pytest.raises(InvalidInputError, match="MINECORE_CALIBRATION_SECONDS"):
        calibration.choose("x", ["first", "second"], FIELDS, _never)


def test_summary_and_cpu_model():
    choice = calibration.Choice("native", "shani", "measured", rates_hps={"shani": 30e6, "avx512": 26e6})
    assert choice.summary() == "shani (measured); 1-thread MH/s: shani 30.0, avx512 26.0"
    assert calibration.cpu_model()  # never empty


# ---------------------------------------------------------------------------- end to end (subprocesses)
def _run(argv: list[str], cache: Path, **env: str) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("MINECORE_", "XDG_CACHE_HOME"))}
    if PURE:
        full["MINECORE_PUREPYTHON"] = "1"
    full.update({"XDG_CACHE_HOME": str(cache), **env})
    return subprocess.run([sys.executable, "-m", "minecore", *argv], capture_output=True, text=True, env=full,
                          timeout=600, cwd=ROOT)


def test_help_never_measures(tmp_path):
    out = _run(["--help"], tmp_path)
    assert out.returncode == 0
    assert not (tmp_path / "minecore").exists()


@pytest.mark.parametrize(
    ("backend", "env"),
    [("native", {"MINECORE_NATIVE_IMPL": "portable"}), ("numba", {"MINECORE_NUMBA_KERNEL": "lanes"}),
     ("hashlib", {})],
)
def test_forced_kernels_are_never_measured(tmp_path, backend, env):
    from minecore import backends

    if backend not in backends.available():
        pytest.skip(f"{backend} is not available here")
    out = _run(["scan", GENESIS, "--start", "2083236000", "--count", "1000", "--backend", backend, "--json"],
               tmp_path, **env)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["nonces"] == [2083236893]
    if backend != "hashlib":
        assert report["impl"] == next(iter(env.values())) and report["impl_source"] == "forced"
    assert not (tmp_path / "minecore" / "kernel-choice.json").exists()


def test_backends_recalibrate_end_to_end(tmp_path):
    """`minecore backends --recalibrate` times every usable kernel of native and numba (tiny budget), stores both
    choices; a second `minecore backends` reads them back (cached) and a scan uses the chosen kernel."""
    from minecore import backends

    out = _run(["backends", "--recalibrate", "--json"], tmp_path, MINECORE_CALIBRATION_SECONDS="0.002")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["calibration_cache"] == str(tmp_path / "minecore" / "kernel-choice.json")
    rows = {b["name"]: b for b in report["backends"]}
    measured = []
    for name in ("native", "numba"):
        if name not in backends.available():
            continue
        cal = rows[name]["calibration"]
        kernels = rows[name]["impls_usable"] if name == "native" else None
        if cal["source"] == "only usable":
            continue
        assert cal["source"] == "measured", cal
        assert cal["choice"] in cal["rates_hps"] and all(v > 0 for v in cal["rates_hps"].values())
        if kernels:
            assert set(cal["rates_hps"]) == set(kernels)
        measured.append(name)
    entries = json.loads((tmp_path / "minecore" / "kernel-choice.json").read_text())["entries"]
    assert sorted(e["backend"] for e in entries.values()) == sorted(measured)

    again = _run(["backends", "--json"], tmp_path)
    assert again.returncode == 0, again.stderr
    rows2 = {b["name"]: b for b in json.loads(again.stdout)["backends"]}
    for name in measured:
        assert rows2[name]["calibration"]["source"] == "cached"
        assert rows2[name]["calibration"]["choice"] == rows[name]["calibration"]["choice"]
    if "native" in measured:  # (a numba scan would cost a second numba import; the cached choice is shown above)
        name = "native"
        scan = _run(["scan", GENESIS, "--start", "2083236000", "--count", "1000", "--backend", name, "--json"],
                    tmp_path)
        assert scan.returncode == 0, scan.stderr
        result = json.loads(scan.stdout)
        assert result["nonces"] == [2083236893]
        assert (result["impl"], result["impl_source"]) == (rows[name]["calibration"]["choice"], "cached")


def test_recalibrate_refuses_when_calibration_is_off(tmp_path):
    out = _run(["backends", "--recalibrate"], tmp_path, MINECORE_NO_CALIBRATION="1")
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1 and "MINECORE_NO_CALIBRATION" in out.stderr
