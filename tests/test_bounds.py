"""Bounded inputs (docs/cli.md, "Limits"): every size has an upper bound checked before any work, with a message
that names the limit; NaN and infinity are rejected everywhere; the Monte Carlo refuses a run above its memory
budget before allocating it; a bad backend setting with ``report --emulate`` is an error, not a note."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from minecore.cli.main import ExitStatus, build_parser, main, COMMANDS
from minecore.errors import LimitError, ScenarioError

ROOT = Path(__file__).resolve().parent.parent
BASE = '[[seized]]\nmodel = "S21"\nunits = 10\ndays_held = 30\n'


def _run(capsys, *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    status = main(list(argv))
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "internal error" not in err and "Traceback" not in err, err
    return status, lines[0]


# ------------------------------------------------------------------------------------------ sizes


def test_catalog_path_longer_than_a_file_name_is_bad_input(capsys):
    """Used to exit 1: "internal error: OSError: [Errno 36] File name too long"."""
    status, line = _run(capsys, "report", "--catalog", "c" * 300 + ".toml")
    assert status == ExitStatus.BAD_INPUT and "--catalog" in line and "the limit is 255" in line


def test_any_too_long_file_name_is_bad_input(capsys):
    """Commands without their own check: the boundary maps ENAMETOOLONG to bad input, naming the limits."""
    status, line = _run(capsys, "models", "--catalog", "c" * 300 + ".toml")
    assert status == ExitStatus.BAD_INPUT and "255 bytes per name" in line


def test_scenario_path_too_long(capsys):
    status, line = _run(capsys, "report", "s" * 300 + ".toml")
    assert status == ExitStatus.BAD_INPUT and "255" in line


@pytest.mark.parametrize("value, says", [("nan", "finite"), ("inf", "finite"), ("-inf", "finite"), ("1e999", "finite"),
                                         ("0", "> 0"), ("-1", "> 0"), ("3601", "<= 3600")])
def test_emulate_seconds_is_finite_and_bounded(capsys, value, says):
    status, line = _run(capsys, "report", "--emulate", f"--emulate-seconds={value}")
    assert status == ExitStatus.BAD_INPUT and "--emulate-seconds" in line and says in line


def test_paths_above_the_limit(capsys):
    """Used to raise MemoryError (exit 1)."""
    status, line = _run(capsys, "report", "--paths", "10000000000")
    assert status == ExitStatus.BAD_INPUT and "--paths must be <= 1000000" in line


def test_horizon_above_the_limit(tmp_path, capsys):
    """``horizon_days = 100000000`` used to run past 40 s at 3.1 GB."""
    path = tmp_path / "long.toml"
    path.write_text("[scenario]\nhorizon_days = 100000000\n" + BASE)
    status, line = _run(capsys, "report", str(path))
    assert status == ExitStatus.BAD_INPUT and "horizon_days must be <= 3650" in line


def test_name_length_is_bounded():
    from minecore.reports.scenario import parse_scenario

    with pytest.raises(ScenarioError, match="at most 200 characters"):
        parse_scenario(BASE + f'name = "{"n" * 201}"\n', "x.toml")


# ------------------------------------------------------------------------------------------ NaN and infinity


def _scenario_with(section: str, key: str, value: str) -> str:
    from minecore.reports.scenario import ARRAYS

    if section == "seized":
        lines = [ln for ln in BASE.splitlines() if not ln.startswith(f"{key} =")]
        return "\n".join(lines) + f"\n{key} = {value}\n"
    if section in ARRAYS:
        required = {"option": {"model": '"S21 Pro"'}, "fleet": {"model": '"S21"', "units": "1"}}[section]
        body = "".join(f"{k} = {v}\n" for k, v in required.items() if k != key)
        return BASE + f"[[{section}]]\n{body}{key} = {value}\n"
    return f"[{section}]\n{key} = {value}\n" + BASE


def _keys() -> list[tuple[str, str, str | None]]:
    from minecore.reports.scenario import KEYS, _meta

    return [(section, key, (_meta(cls, field) or {}).get("kind"))
            for section, keys in KEYS.items() for key, (cls, field) in keys.items()]


@pytest.fixture(scope="module")
def catalog():
    from minecore.hardware import default_catalog

    return default_catalog()


#: keys known to let NaN or infinity through (reported to their owners); the test fails once one is fixed, so that
#: it is taken off this list: [network] block_height = nan ends as ValueError (exit 1) in economics.snapshot, and
#: [[seized]] price_source takes any value, a number included
KNOWN_GAPS: set[tuple[str, str]] = set()  # keys that still accept nan/inf (none)


def test_every_scenario_key_rejects_nan_and_infinity(catalog):
    """Each key of a scenario file, set to nan (and, for numbers, to inf and -inf), is a ScenarioError naming it."""
    from minecore.reports.scenario import parse_scenario

    checked, gaps = 0, set()
    for section, key, kind in _keys():
        for value in ("nan", "inf", "-inf") if kind in ("float", None) else ("nan",):
            for text in (value, f"[{value}, 1.0]") if section == "sensitivity" else (value,):
                try:
                    parse_scenario(_scenario_with(section, key, text), "x.toml", catalog=catalog)
                except ScenarioError as exc:
                    message = str(exc)
                    assert key in message, message
                    if kind == "float":
                        assert "finite" in message, message
                    checked += 1
                except Exception:  # noqa: BLE001 - an untyped error is a gap too (exit 1 in the CLI)
                    gaps.add((section, key))
                else:
                    gaps.add((section, key))
    assert checked > 100
    assert gaps == KNOWN_GAPS, f"new gaps: {gaps - KNOWN_GAPS}; fixed (take them off KNOWN_GAPS): {KNOWN_GAPS - gaps}"


def _numeric_options():
    """(command, option, converter) of every option whose value argparse converts (not plain text)."""
    out = []
    for name in COMMANDS:
        parser = build_parser(name)
        sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction").choices[name]
        for action in sub._actions:
            if action.option_strings and action.type not in (None, str):
                out.append((name, action.option_strings[0], action.type))
    return out


#: options converted by plain ``float``: NaN must be rejected by the command; argv that reaches that check quickly
FLOAT_CASES = {
    ("model", "--ambient"): ["model", "S21", "--ambient"],
    ("model", "--power-target"): ["model", "S21", "--power-target"],
    ("scan", "--difficulty"): ["scan", "01000000" + "00" * 72, "--count", "1", "--difficulty"],
}


def test_every_numeric_option_rejects_nan_and_infinity(capsys):
    """Every option of every command whose value is converted (numbers, prices, dates, lists) refuses nan, inf and
    -inf: the converter raises, or, for a plain ``float``, the command exits 2 naming the value."""
    import argparse

    problems, checked = [], 0
    for command, option, convert in _numeric_options():
        for value in ("nan", "inf", "-inf"):
            checked += 1
            if convert is float:
                if (command, option) not in FLOAT_CASES:
                    problems.append(f"{command} {option} is a plain float: add a case to FLOAT_CASES (or a converter)")
                    break
                *argv, name = FLOAT_CASES[command, option]
                status, line = _run(capsys, *argv, f"{name}={value}")
                if status != ExitStatus.BAD_INPUT or not any(w in line for w in ("finite", "nan", "inf")):
                    problems.append(f"{command} {option}={value}: exit {status}: {line}")
                continue
            text = f"S21={value}" if getattr(convert, "__name__", "") == "model_price" else value
            try:
                convert(text)
            except (argparse.ArgumentTypeError, ValueError, TypeError):
                continue
            problems.append(f"{command} {option} accepts {text!r}")
    assert checked > 100 and not problems, "\n".join(problems)


# ------------------------------------------------------------------------------------------ Monte Carlo memory


def _mc_scenario(options: int = 10):
    from minecore.economics import MachineSpec, ReplacementOption, Scenario, SeizedLot

    lot = SeizedLot(MachineSpec("S21", 200, 3500, price_usd=3000), units=100, days_held=150)
    opts = tuple(ReplacementOption(MachineSpec(f"R{i}", 200 + i, 3500, 4000, "United States"), units=10)
                 for i in range(options))
    return Scenario(lot, opts, horizon_days=365)


def test_monte_carlo_refuses_above_its_memory_budget_before_allocating(monkeypatch):
    from minecore.economics import MonteCarloParams, montecarlo

    sc = _mc_scenario(40)  # 41 machine models, 164 strategies
    monkeypatch.setattr(montecarlo, "_kernel_inputs", lambda *a: pytest.fail("allocated before the check"))
    with pytest.raises(LimitError) as info:
        montecarlo.run_monte_carlo(sc, MonteCarloParams(paths=1_000_000))
    message = str(info.value)
    assert "memory budget of 2.0 GiB" in message and "MEMORY_BUDGET_BYTES" in message and "use at most" in message


def test_memory_estimate_grows_with_paths_and_strategies_and_the_fit_fits():
    from minecore.economics import MCEngine, MonteCarloParams, montecarlo

    small, big = _mc_scenario(1), _mc_scenario(10)
    p = MonteCarloParams(paths=100_000, engine=MCEngine.NUMPY)
    assert montecarlo.memory_estimate_bytes(small, p) < montecarlo.memory_estimate_bytes(big, p)
    assert (montecarlo.memory_estimate_bytes(big, dataclasses.replace(p, paths=200_000))
            > montecarlo.memory_estimate_bytes(big, p))
    budget = 256 * 2**20
    with pytest.raises(LimitError, match=r"memory budget of 256 MiB.*use at most ([0-9,]+) paths") as info:
        montecarlo.check_memory(big, dataclasses.replace(p, paths=1_000_000), budget_bytes=budget)
    import re

    fit = int(re.search(r"use at most ([0-9,]+) paths", str(info.value)).group(1).replace(",", ""))
    assert montecarlo.check_memory(big, dataclasses.replace(p, paths=fit), budget_bytes=budget) <= budget
    with pytest.raises(LimitError):
        montecarlo.check_memory(big, dataclasses.replace(p, paths=fit + 1), budget_bytes=budget)


def test_memory_estimate_bounds_a_measured_run():
    """The estimate is an upper bound of the real peak (numpy allocations, traced)."""
    import tracemalloc

    from minecore.economics import MCEngine, MonteCarloParams, montecarlo

    sc = _mc_scenario(3)
    p = MonteCarloParams(paths=4000, engine=MCEngine.NUMPY)
    montecarlo.run_monte_carlo(sc, dataclasses.replace(p, paths=8))  # warm caches
    tracemalloc.start()
    try:
        montecarlo.run_monte_carlo(sc, p)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak <= montecarlo.memory_estimate_bytes(sc, p)


def test_report_reports_the_memory_limit_as_bad_input(capsys, monkeypatch):
    from minecore.economics import montecarlo

    monkeypatch.setattr(montecarlo, "MEMORY_BUDGET_BYTES", 2**20)
    status, line = _run(capsys, "report", "--paths", "20000", "--format", "json")
    assert status == ExitStatus.BAD_INPUT and "memory budget of 1 MiB" in line


# ------------------------------------------------------------------------------------------ backend settings


@pytest.mark.parametrize("variable", ["MINECORE_BACKEND", "MINECORE_NATIVE_IMPL"])
def test_report_emulate_with_a_bad_backend_setting_is_an_error(variable):
    """Used to exit 0 with the error hidden in a note of each emulation row."""
    env = {**os.environ, variable: "no-such-kernel"}
    proc = subprocess.run([sys.executable, "-m", "minecore", "report", "--emulate", "--emulate-seconds", "0.01",
                           "--paths", "0", "--format", "json"], capture_output=True, text=True, env=env, timeout=180)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{variable}='no-such-kernel'" in lines[0] and proc.stdout == ""


def test_emulation_summary_raises_backend_errors(monkeypatch):
    from minecore.errors import UnknownBackendError
    from minecore.reports.build import _no_progress
    from minecore.reports.emulate import emulation_summary

    monkeypatch.setenv("MINECORE_BACKEND", "no-such-backend")
    with pytest.raises(UnknownBackendError, match="MINECORE_BACKEND"):
        emulation_summary([], seconds=0.01, progress=_no_progress)


# ------------------------------------------------------------------------------------------ documentation


def test_limits_are_documented():
    from minecore.cli.files import MAX_NAME_BYTES, MAX_PATH_BYTES
    from minecore.economics import inputs, montecarlo

    doc = (ROOT / "docs" / "cli.md").read_text()
    paths_hi = inputs.MonteCarloParams.__dataclass_fields__["paths"].metadata["minecore"]["hi"]
    for figure in (f"{inputs.MAX_DAYS:,}", f"{inputs.MAX_UNITS:,}", f"{paths_hi:,}", "3,600", f"{MAX_NAME_BYTES}",
                   f"{MAX_PATH_BYTES:,}", f"{montecarlo.MEMORY_BUDGET_BYTES // 2**30} GiB", "200 characters"):
        assert figure in doc, f"docs/cli.md does not state the limit {figure}"
