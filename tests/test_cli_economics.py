"""The economics commands of the CLI: hashprice, profit, compare."""

from __future__ import annotations

import doctest
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import minecore.economics as E
from minecore.cli.main import main
from minecore.errors import InvalidInputError, SnapshotError, UnknownModelError
from minecore.economics import (MachineSpec, MCEngine, MonteCarloParams, NetworkProjection, NetworkSnapshot,
                                OperatingCosts, ReleaseModel, ReplacementOption, SalvageModel, Scenario, SeizedLot,
                                Strategy)

SNAP = NetworkSnapshot(date="2025-11-25", difficulty=152e12, btc_price_usd=91_000, fees_btc_per_block=0.03,
                       block_height=924_300)
FLAT = NetworkProjection(SNAP, difficulty_growth_per_month=0.0)
S21 = MachineSpec("S21", 200, 3500, price_usd=3000, origin_country="Thailand")
US = MachineSpec("US-1", 260, 4400, price_usd=5000, origin_country="United States")


EXAMPLE_FILES = {
    "my_network.toml": '[network]\nname = "my-network"\ndate = "2025-12-01"\nbtc_price_usd = 95000\n',
    "my_models.toml": '[[models]]\nname = "Teraflux AT2880"\nhashrate_ths = 288\npower_w = 4000\n',
}


def _help_examples(command: str) -> list[list[str]]:
    import shlex

    from minecore.cli.main import build_parser

    sub = next(a for a in build_parser(command)._actions if a.dest == "command").choices[command]
    out = []
    for line in sub.epilog.splitlines():
        if line.startswith("  minecore "):
            words = shlex.split(line)[1:]
            out.append(words[:words.index(">")] if ">" in words else words)
    return out




def test_help_examples_were_found():
    assert [len(_help_examples(c)) for c in ("hashprice", "profit", "compare")] == [3, 5, 5]


@pytest.mark.parametrize("argv", [["hashprice", "--btc-price", "-5"], ["hashprice", "--btc-price", "nan"],
                                  ["profit", "No Such Miner 9000"], ["compare", "--seized", "S21:x"],
                                  ["profit", "S21", "--power-price", "-1"]])
def test_cli_bad_input_exit_2(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err and len(err.splitlines()) == 1


def test_cli_malformed_snapshot(tmp_path, capsys):
    f = tmp_path / "s.toml"
    f.write_text("difficulty = [")
    assert main(["hashprice", "--snapshot", str(f)]) == 2


def test_cli_hashprice_profit_compare(capsys):
    assert main(["hashprice", "--difficulty", "101.65e12", "--btc-price", "87235", "--fees-btc", "0.158",
                 "--height", "870000", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["hashprice_usd_per_ph_day"] == pytest.approx(56.68, abs=0.01) and out["snapshot_date"]
    assert main(["profit", "S21", "--price", "3000", "--horizon-days", "30", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["summary"]["unit_price_usd"] == 3000 and len(out["daily"]) == 30
    assert main(["profit", "S21", "--horizon-days", "10", "--csv"]) == 0
    assert capsys.readouterr().out.count("\n") == 11
    assert main(["compare", "--seized", "S21:10:100", "--replace", "S21 XP:5", "--horizon-days", "100", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["winner"] and out["hold_cost"]["holding_fees_usd"] == 10 * 100 * 14


def test_catalog_model_without_assembly_country_needs_an_origin(capsys):
    """SEALMINER A2 has no country of assembly in the catalog (no source names it). Guessing one would silently
    pick a tariff (China 57.6 % or the maker's home country), so it is a typed one-line error unless an origin is
    given; with Malaysia the 2025-08-07 rate is 21.6 %: 4250 x 1.216 = $5,168 landed."""
    with pytest.raises(E.UnknownOriginError, match="SEALMINER A2: .*give an origin country"):
        E.resolve_spec("SEALMINER A2", 4250)
    with pytest.raises(InvalidInputError):  # typed: a subclass of the input error
        ReplacementOption("SEALMINER A2", units=1, price_usd=4250)
    spec = E.resolve_spec("SEALMINER A2", 4250, origin_country="Malaysia")
    assert spec.origin_country == "Malaysia"
    assert E.landed_capex(spec, on="2025-09-01").total_usd == pytest.approx(5168.0)
    opt = ReplacementOption("SEALMINER A2", units=1, price_usd=4250, origin_country="Malaysia")
    assert opt.machine.origin_country == "Malaysia"
    assert E.resolve_spec("Antminer S21").origin_country == "Thailand"  # the catalog's assembly country is kept
    assert main(["profit", "SEALMINER A2", "--price", "4250"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "origin" in err[0]
    assert main(["profit", "SEALMINER A2", "--price", "4250", "--origin", "Malaysia", "--horizon-days", "10",
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["summary"]["tariff_rate"] == pytest.approx(0.216)
    assert main(["compare", "--seized", "S21:10:100", "--replace", "SEALMINER A2:5@Malaysia", "--horizon-days", "100",
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["options"][0]["origin_country"] == "Malaysia"


@pytest.mark.parametrize("argv", [ex for c in ("hashprice", "profit", "compare") for ex in _help_examples(c)],
                         ids=" ".join)
def test_every_help_example_runs(argv, tmp_path, monkeypatch, capsys):
    """Every example in the --help epilog of hashprice, profit and compare exits 0 (with the files it names)."""
    for name, text in EXAMPLE_FILES.items():
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    code = main(argv)
    assert code == 0, capsys.readouterr().err


def test_model_without_published_figures_says_how_to_supply_them(tmp_path, capsys):
    """Teraflux AT2880 is in the catalog without a published hashrate or power (unknown figures stay unknown): a
    typed one-line error that names the gap and the ways to supply the figures; a user catalog then works."""
    with pytest.raises(E.MissingFiguresError, match="no published hashrate_ths or power_w.*--catalog FILE"):
        E.resolve_spec("Teraflux AT2880")
    assert main(["compare", "--seized", "S21:10:90", "--replace", "Teraflux AT2880"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no published hashrate_ths or power_w" in err[0] and "--catalog" in err[0]
    f = tmp_path / "mine.toml"
    f.write_text(EXAMPLE_FILES["my_models.toml"])
    from minecore.hardware import load_catalog

    spec = E.resolve_spec("Teraflux AT2880", catalog=load_catalog(f))
    assert (spec.hashrate_ths, spec.power_w, spec.origin_country) == (288, 4000, "United States")
    assert main(["compare", "--seized", "S21:10:90", "--replace", "Teraflux AT2880:5", "--catalog", str(f),
                 "--horizon-days", "100", "--json"]) == 0
    opt = json.loads(capsys.readouterr().out)["options"][0]
    assert opt["units"] == 5


@pytest.mark.parametrize("doc, message", [
    ({"difficulty": 1e14, "colour": 1}, "unknown key 'colour'; known keys: date, difficulty"),
    ({"network": {"difficulty": 1e14, "btc_prce_usd": 1}}, "unknown key 'btc_prce_usd' in [network]; did you mean "
                                                           "'btc_price_usd'?"),
    ({"network": {"difficulty": 1e14}, "netwrk": {}}, "unknown key 'netwrk'; did you mean 'network'?"),
])
def test_snapshot_file_rejects_unknown_keys(doc, message, tmp_path, capsys):
    """A misspelt key used to be dropped silently (the default's figure was used instead): now a one-line
    SnapshotError naming the file and the key, with or without a base snapshot, and exit 2 from the CLI."""
    f = tmp_path / "net.json"
    f.write_text(json.dumps(doc))
    for base in (None, SNAP):
        with pytest.raises(SnapshotError) as exc:
            E.load_snapshot(f, base=base)
        assert str(exc.value).startswith(f"{f}: {message}") and "\n" not in str(exc.value)
    assert main(["hashprice", "--snapshot", str(f)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(f) in err[0] and message.split(";")[0] in err[0]
    # comments (keys starting with "_") and the shipped file's documentation keys are allowed
    f.write_text(json.dumps({"_about": "x", "reference_points": [], "btc_price_usd": 9e4}))
    assert E.load_snapshot(f, base=SNAP).btc_price_usd == 9e4


def test_overridden_figures_are_named_in_the_label(capsys):
    """The figures of 2024-11-12 on the default snapshot must not print as '(2025-11-25)' alone: the label names
    every overridden field, in the order given."""
    snap = E.default_snapshot().with_overrides(difficulty=101.65e12, btc_price_usd=87235, fees_btc_per_block=0.158)
    assert snap.label == ("minecore-default-2025-11 (2025-11-25) with overrides: difficulty, btc_price_usd, "
                          "fees_btc_per_block")
    assert snap.with_overrides(block_height=870_000).overridden[-1] == "block_height"
    assert E.hashprice(snap).snapshot_label == snap.label
    assert main(["hashprice", "--difficulty", "101.65e12", "--btc-price", "87235", "--fees-btc", "0.158", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["snapshot"] == snap.label
    assert main(["profit", "S21", "--btc-price", "90000", "--horizon-days", "10", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["summary"]["snapshot"].endswith("with overrides: btc_price_usd")


def test_snapshot_file_without_date_is_labelled_undated(tmp_path, capsys):
    """A partial file without a date keeps the base's date only as day 0 and says 'undated'; a dated partial file
    names the key figures it left to the base."""
    f = tmp_path / "mine.toml"
    f.write_text('[network]\nbtc_price_usd = 100000\n')
    snap = E.load_snapshot(f, base=SNAP)
    assert snap.label == ("mine (undated, file mine.toml), difficulty, fees_btc_per_block, block_height from "
                          "custom (2025-11-25)")
    assert not snap.dated and snap.date == SNAP.date and snap.btc_price_usd == 100_000
    assert "undated" in snap.with_overrides(block_height=870_000).label
    assert snap.with_overrides(block_height=870_000).label.endswith(
        "difficulty, fees_btc_per_block from custom (2025-11-25); with overrides: block_height")
    f.write_text('date = "2024-11-12"\ndifficulty = 101.65e12\nbtc_price_usd = 87235\nfees_btc_per_block = 0.158\n'
                 'block_height = 870000\nname = "luxor-day"\n')
    full = E.load_snapshot(f, base=SNAP)
    assert full.label == "luxor-day (2024-11-12)" and full.dated
    assert main(["hashprice", "--snapshot", str(f), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["snapshot"] == "luxor-day (2024-11-12)" and out["snapshot_date"] == "2024-11-12"
    f.write_text('btc_price_usd = 87235\n')
    assert main(["hashprice", "--snapshot", str(f), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["snapshot_date"] is None and "(undated, file mine.toml)" in out["snapshot"]


@pytest.mark.parametrize("argv, message", [
    (["--seized", "nosuch:10"], "unknown model 'nosuch'"),  # the model is checked before the days held
    (["--seized", "S21:10:1:2:3"], "too many ':' fields; expected MODEL:COUNT[:DAYS_HELD]"),
    (["--seized", "S21:10:5", "--replace", "S21 XP:5:3"], "too many ':' fields; expected MODEL[:COUNT]"),
    (["--seized", "S21"], "missing COUNT"),
    (["--seized", "S21:10"], "days held unknown; give --seized MODEL:COUNT:DAYS_HELD or --days-held N"),
    (["--seized", "S21:10:5", "--days-held", "6"], "says 5 days held but --days-held says 6"),
])
def test_compare_seized_parsing(argv, message, capsys):
    assert main(["compare", *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_compare_days_held_from_either_place(capsys):
    """DAYS_HELD is required, in --seized or as --days-held, and the help says so; both forms give the same result."""
    outs = []
    for argv in (["--seized", "S21:10:30"], ["--seized", "S21:10", "--days-held", "30"],
                 ["--seized", "S21:10:30", "--days-held", "30"]):
        assert main(["compare", *argv, "--replace", "S21 XP:5", "--horizon-days", "60", "--json"]) == 0
        outs.append(json.loads(capsys.readouterr().out))
    assert outs[0] == outs[1] == outs[2] and outs[0]["days_held"] == 30
    from minecore.cli.main import build_parser

    sub = next(a for a in build_parser("compare")._actions if a.dest == "command").choices["compare"]
    helps = {a.dest: a.help for a in sub._actions}
    assert "DAYS_HELD is required, here or with --days-held" in helps["seized"]
    assert "required unless --seized gives DAYS_HELD" in helps["days_held"]
