"""The CLI boundary and the engine commands (backends, hash, scan), driven in-process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from minecore.cli.main import ExitStatus, main

DATA = Path(__file__).parent / "data"
BLOCKS = json.loads((DATA / "block_headers.json").read_text())
GENESIS = BLOCKS[0]["header_hex"]


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_help_lists_commands(capsys):
    code, out, _ = run_cli(capsys, "--help")
    assert code == 0
    for command in ("backends", "hash", "scan"):
        assert command in out


def test_help_does_not_import_numba_or_numpy():
    code = (
        "import sys; from minecore.cli.main import main\n"
        "import contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()): main(['--help'])\n"
        "print(sorted(m for m in ('numba', 'numpy', 'pandas', 'matplotlib', 'rich') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_backends_json_lists_hashlib(capsys):
    code, out, _ = run_cli(capsys, "backends", "--json")
    assert code == 0
    names = {b["name"]: b for b in json.loads(out)["backends"]}
    assert names["hashlib"]["available"] is True
    assert {"native", "numba", "hashlib"} <= set(names)


def test_backends_does_not_import_numba():
    code = (
        "import sys, contextlib, io; from minecore.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()): main(['backends', '--json'])\n"
        "print('numba' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


@pytest.mark.parametrize("block", BLOCKS[:3] + BLOCKS[-2:], ids=lambda b: f"height{b['height']}")
def test_hash_real_header(capsys, block):
    code, out, _ = run_cli(capsys, "hash", block["header_hex"], "--json")
    assert code == 0
    data = json.loads(out)
    assert data["hash"] == block["block_hash"]
    assert data["meets_target"] is True


def test_scan_finds_genesis_nonce(capsys):
    nonce = BLOCKS[0]["nonce"]
    code, out, _ = run_cli(capsys, "scan", GENESIS, "--start", str(nonce - 500), "--count", "1000",
                           "--backend", "hashlib", "--json")
    assert code == 0
    assert json.loads(out)["nonces"] == [nonce]


def test_scan_with_difficulty_and_target_agree(capsys):
    code1, out1, _ = run_cli(capsys, "scan", GENESIS, "--count", "3000", "--difficulty", "0.0000001",
                             "--backend", "hashlib", "--json")
    target_hex = f"{(0xFFFF << 208) * 10**7:064x}"
    code2, out2, _ = run_cli(capsys, "scan", GENESIS, "--count", "3000", "--target", target_hex,
                             "--backend", "hashlib", "--json")
    assert code1 == code2 == 0
    assert json.loads(out1)["nonces"] == json.loads(out2)["nonces"]
    assert json.loads(out1)["nonces"]  # p = 1e7 / 2^32 per hash: about 7 expected in 3000


@pytest.mark.parametrize(
    "argv",
    [
        ["hash", "abcd"],
        ["hash", "zz" * 80],
        ["scan", GENESIS, "--count", str(2**32 + 1)],
        ["scan", GENESIS, "--start", "-5"],
        ["scan", GENESIS, "--backend", "nope"],
        ["scan", GENESIS, "--threads", "0"],
        ["scan", GENESIS, "--target", "xyz"],
        ["scan", GENESIS, "--difficulty", "-3"],
        ["scan", GENESIS, "--bogus-flag"],
        ["no-such-command"],
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, argv):
    code, out, err = run_cli(capsys, *argv)
    assert code == ExitStatus.BAD_INPUT
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_traceback_flag_shows_traceback_and_keeps_exit_code(capsys):
    code, _, err = run_cli(capsys, "--traceback", "hash", "abcd")
    assert code == ExitStatus.BAD_INPUT
    assert "Traceback (most recent call last)" in err
    assert "InvalidInputError" in err


def test_help_lists_every_command_without_importing_them():
    code = (
        "import sys, contextlib, io; from minecore.cli.main import main, COMMANDS\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out: main(['--help'])\n"
        "assert all(name in out.getvalue() for name in COMMANDS), out.getvalue()\n"
        "print(sorted(m for m in sys.modules if m.startswith('minecore.cli.commands.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("name", __import__("minecore.cli.main", fromlist=["COMMANDS"]).COMMANDS)
def test_every_command_has_help_with_examples(capsys, name):
    with pytest.raises(SystemExit) as exc:
        main([name, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert f"minecore {name}" in out
    assert "example" in out.lower()


def test_console_script_exit_code():
    proc = subprocess.run([sys.executable, "-m", "minecore", "hash", "00"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1


def test_backends_reports_an_unknown_forced_backend(capsys, monkeypatch):
    """The listing still prints (to diagnose), then the bad setting is a one-line error with exit 2."""
    monkeypatch.setenv("MINECORE_BACKEND", "bogus")
    code, out, err = run_cli(capsys, "backends", "--json")
    assert code == ExitStatus.BAD_INPUT
    assert len(err.strip().splitlines()) == 1 and "bogus" in err
    data = json.loads(out)
    assert data["forced"] == "bogus"
    assert "names no backend" in data["forced_note"]


def test_backends_lists_a_bad_forced_native_path_as_unavailable():
    """MINECORE_NATIVE_IMPL is read when the process first loads the native backend: use a fresh one."""
    import os

    env = {**os.environ, "MINECORE_NATIVE_IMPL": "no-such-path"}
    proc = subprocess.run([sys.executable, "-m", "minecore", "backends", "--json"],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == ExitStatus.BAD_INPUT, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "no-such-path" in proc.stderr
    native = {b["name"]: b for b in json.loads(proc.stdout)["backends"]}["native"]
    assert native["available"] is False
    if "MINECORE_PUREPYTHON" not in os.environ:
        assert "no-such-path" in native["reason"]
    # hashing with that path forced is a clear error, not a fallback
    proc = subprocess.run([sys.executable, "-m", "minecore", "scan", GENESIS, "--count", "10", "--backend", "native"],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == ExitStatus.BAD_INPUT
    assert len(proc.stderr.strip().splitlines()) == 1


# ------------------------------------------------------------------ argparse converters (minecore.cli.argtypes)


@pytest.mark.parametrize(
    "converter, text, value",
    [("integer", "0x10", 16), ("integer", "1_000", 1000), ("integer", "-5", -5), ("positive_integer", "3", 3),
     ("number", "-2.5", -2.5), ("finite_number", "1e3", 1000.0), ("finite_number", "-0", 0.0),
     ("positive_number", "0.001", 0.001), ("positive_number", " 7 ", 7.0)],
)
def test_converters_accept(converter, text, value):
    from minecore.cli import argtypes

    out = getattr(argtypes, converter)(text)
    assert out == value and type(out) is type(value)


@pytest.mark.parametrize(
    "converter, text, reason",
    [
        ("integer", "1.5", "not an integer: '1.5'"),
        ("positive_integer", "0", "value must be >= 1, got 0"),
        ("positive_integer", "x", "not an integer"),
        ("number", "warm", "not a number: 'warm'"),
        ("number", "nan", "value must be finite, got nan"),
        ("finite_number", "nan", "value must be finite"),
        ("finite_number", "NaN", "value must be finite"),
        ("finite_number", "inf", "value must be finite"),
        ("finite_number", "-Infinity", "value must be finite"),
        ("finite_number", "1e999", "value must be finite"),
        ("positive_number", "0", "value must be > 0, got 0"),
        ("positive_number", "-1", "value must be > 0, got -1"),
        ("positive_number", "nan", "value must be finite"),
        ("positive_number", "inf", "value must be finite"),
        ("positive_number", "", "not a number"),
    ],
)
def test_converters_reject_with_one_line_argparse_errors(converter, text, reason):
    import argparse

    from minecore.cli import argtypes

    with pytest.raises(argparse.ArgumentTypeError) as info:
        getattr(argtypes, converter)(text)
    assert str(info.value) == reason or str(info.value).startswith(reason)
    assert "\n" not in str(info.value)
    assert type(info.value) is argparse.ArgumentTypeError  # never a minecore error inside argparse


@pytest.mark.parametrize("option", ["--seconds", "--difficulty", "--clock", "--ambient"])
@pytest.mark.parametrize("bad", ["nan", "inf", "-inf"])
def test_emulate_options_reject_non_finite_numbers(capsys, option, bad):
    code, _, err = run_cli(capsys, "emulate", "S21", f"{option}={bad}", "--backend", "hashlib")  # "=": -inf
    assert code == ExitStatus.BAD_INPUT
    assert len(err.strip().splitlines()) == 1 and "must be finite" in err and option in err


# ------------------------------------------------------------------ engine input gaps: paths, threads, bits, env vars
GENESIS_ZERO_MANTISSA = GENESIS[:144] + "0000001d" + GENESIS[152:]  # bits 0x1d000000
GENESIS_ZERO_SIGNED = GENESIS[:144] + "0000801d" + GENESIS[152:]  # bits 0x1d800000


def _available(name: str) -> bool:
    from minecore import backends

    return name in backends.available()


@pytest.mark.parametrize("backend", ["native", "numba", "hashlib"])
def test_scan_json_names_the_kernel_and_the_threads_used(capsys, backend):
    """--json says which native path or numba kernel ran (and how it was chosen) and how many threads ran: the
    request clamped to the backend's maximum (native 256, numba NUMBA_NUM_THREADS, hashlib 1)."""
    if not _available(backend):
        pytest.skip(f"{backend} is not available here")
    count = 1 << 22 if backend == "native" else 1000  # native starts a thread per 16,384 hashes at most
    start = 2083236893 - 500
    code, out, err = run_cli(capsys, "scan", GENESIS, "--start", str(start), "--count", str(count),
                             "--threads", "1000", "--backend", backend, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["nonces"] == [2083236893] and data["threads_requested"] == 1000
    if backend == "native":
        from minecore.backends.native import impls_usable

        assert data["impl"] in impls_usable() and data["threads"] == data["max_threads"] == 256
        assert data["impl_source"] in ("measured", "cached", "static", "forced", "only usable")
    elif backend == "numba":
        import numba

        assert data["impl"] == data["kernel"] and data["kernel"] in ("shani", "lanes")
        assert data["threads"] == data["max_threads"] == numba.config.NUMBA_NUM_THREADS
    else:
        assert (data["impl"], data["threads"], data["max_threads"]) == ("hashlib", 1, 1)


def test_scan_threads_used_for_a_small_native_scan(capsys):
    if not _available("native"):
        pytest.skip("native is not available here")
    code, out, _ = run_cli(capsys, "scan", GENESIS, "--count", "1000", "--threads", "2", "--backend", "native",
                           "--json")
    assert code == 0
    assert json.loads(out)["threads"] == 1  # 1,000 hashes are not worth a second thread


@pytest.mark.parametrize("header", [GENESIS_ZERO_MANTISSA, GENESIS_ZERO_SIGNED])
@pytest.mark.parametrize("command", ["hash", "scan"])
def test_zero_mantissa_bits_are_rejected_with_a_clear_message(capsys, header, command):
    argv = [command, header] + (["--count", "10", "--backend", "hashlib"] if command == "scan" else [])
    code, _, err = run_cli(capsys, *argv)
    assert code == ExitStatus.BAD_INPUT
    assert len(err.strip().splitlines()) == 1
    assert "zero mantissa" in err and "negative" not in err


def test_difficulty_beyond_range_is_rejected(capsys):
    code, _, err = run_cli(capsys, "scan", GENESIS, "--difficulty", "3e67", "--count", "10", "--backend", "hashlib")
    assert code == ExitStatus.BAD_INPUT
    assert "beyond the representable range" in err


@pytest.mark.parametrize("command", ["hash", "scan"])
def test_bad_minecore_backend_names_the_variable(capsys, monkeypatch, command):
    monkeypatch.setenv("MINECORE_BACKEND", "bogus")
    argv = [command, GENESIS] + (["--count", "10"] if command == "scan" else [])
    code, _, err = run_cli(capsys, *argv)
    assert code == ExitStatus.BAD_INPUT
    assert len(err.strip().splitlines()) == 1 and "MINECORE_BACKEND='bogus'" in err


@pytest.mark.parametrize(
    ("env", "argv"),
    [
        ({"MINECORE_BACKEND": "bogus"}, ["hash", GENESIS]),
        ({"MINECORE_NATIVE_IMPL": "sse9"}, ["scan", GENESIS, "--count", "10", "--backend", "native"]),
        ({"MINECORE_NATIVE_CPU_MASK": "zz"}, ["scan", GENESIS, "--count", "10", "--backend", "native"]),
        ({"MINECORE_NUMBA_KERNEL": "bogus"}, ["scan", GENESIS, "--count", "10", "--backend", "numba"]),
        ({"MINECORE_CALIBRATION_SECONDS": "soon"}, ["scan", GENESIS, "--count", "10", "--backend", "native"]),
    ],
    ids=lambda v: next(iter(v)) if isinstance(v, dict) else None,
)
def test_every_environment_variable_error_names_the_variable(tmp_path, env, argv):
    import os

    backend = argv[argv.index("--backend") + 1] if "--backend" in argv else None
    if backend and not _available(backend):
        pytest.skip(f"{backend} is not available here")
    full = {k: v for k, v in os.environ.items() if not k.startswith("MINECORE_")}
    full.update({"XDG_CACHE_HOME": str(tmp_path), **env})  # an empty cache: calibration would run
    if "MINECORE_PUREPYTHON" in os.environ:
        full["MINECORE_PUREPYTHON"] = os.environ["MINECORE_PUREPYTHON"]
    proc = subprocess.run([sys.executable, "-m", "minecore", *argv], capture_output=True, text=True, env=full)
    assert proc.returncode == ExitStatus.BAD_INPUT, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert next(iter(env)) in proc.stderr
