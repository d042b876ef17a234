"""The economics commands of the CLI: hashprice, profit, compare."""

from __future__ import annotations

import datetime
import json
import math

import pytest

import minecore.economics as E
from minecore.cli.main import main
from minecore.errors import InvalidInputError, SnapshotError
from minecore.economics import (MonteCarloParams, OperatingCosts, ReleaseModel, ReplacementOption, Scenario,
                                SeizedLot)
from economics_fixtures import SNAP, S21  # noqa: E402



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
    assert [len(_help_examples(c)) for c in ("hashprice", "profit", "compare")] == [4, 7, 8]  # + each --csv


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
    fee = SeizedLot(S21, units=1, days_held=0).holding_fee_usd_per_unit_day  # the default lives in SeizedLot
    assert out["winner"] and out["hold_cost"]["holding_fees_usd"] == pytest.approx(10 * 100 * fee)


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


# ---------------------------------------------------------------------------------------------- snapshot date, flags


def _subparser(command: str):
    from minecore.cli.main import build_parser

    return next(a for a in build_parser(command)._actions if a.dest == "command").choices[command]


#: the arguments each command needs besides the flag under test
BASE_ARGV = {"hashprice": [], "profit": ["S21", "--horizon-days", "30"],
             "compare": ["--seized", "S21:10:30", "--horizon-days", "30"]}


def _number_flags(command: str) -> list[tuple[str, object]]:
    """(first option string, converter) of every option of ``command`` that takes a number (or MODEL=USD)."""
    from minecore.cli import argtypes

    numeric = {argtypes.finite_number, argtypes.number, argtypes.integer, argtypes.positive_number,
               argtypes.positive_integer}
    out = []
    for a in _subparser(command)._actions:
        if a.option_strings and (a.type in numeric or getattr(a.type, "__name__", "") == "model_price"):
            out.append((a.option_strings[0], a.type))
    return out


def test_number_flags_were_found():
    flags = {c: {f for f, _ in _number_flags(c)} for c in BASE_ARGV}
    assert flags["hashprice"] == {"--difficulty", "--btc-price", "--fees-btc", "--height"}
    assert {"--power-price", "--pue", "--pool-fee", "--availability", "--hashrate-efficiency", "--horizon-days",
            "--growth", "--discount-rate", "--price", "--tariff-rate", "--freight", "--units",
            "--height"} <= flags["profit"]
    assert {"--price", "--holding-fee", "--forfeit", "--median-hold", "--lead-time", "--days-held", "--mc-paths",
            "--seed", "--availability", "--hashrate-efficiency", "--difficulty"} <= flags["compare"]


@pytest.mark.parametrize("command, flag, kind", [(c, f, t) for c in BASE_ARGV for f, t in _number_flags(c)],
                         ids=lambda x: x if isinstance(x, str) else "")
@pytest.mark.parametrize("bad", ["nan", "inf", "-inf", "1e999"])
def test_every_number_flag_rejects_non_finite(command, flag, kind, bad, capsys):
    """NaN and +-inf never reach the economics: argparse rejects them with one line and exit 2."""
    value = f"S21={bad}" if getattr(kind, "__name__", "") == "model_price" else bad
    assert main([command, *BASE_ARGV[command], f"{flag}={value}"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and flag in err[0], err


@pytest.mark.parametrize("argv", [
    ["hashprice", "--difficulty", "0"], ["hashprice", "--fees-btc", "-1"], ["hashprice", "--height", "-1"],
    ["hashprice", "--date", "2024-13-01"], ["hashprice", "--date", "yesterday"], ["hashprice", "--height", "1.5"],
    ["profit", "S21", "--availability", "1.5"], ["profit", "S21", "--uptime", "-0.1"],
    ["profit", "S21", "--hashrate-efficiency", "2"], ["profit", "S21", "--pue", "0.5"],
    ["profit", "S21", "--pool-fee", "1.5"], ["profit", "S21", "--tariff-rate", "-0.1"],
    ["profit", "S21", "--tariff-rate", "47.6"], ["profit", "S21", "--units", "0"],
    ["profit", "S21", "--horizon-days", "0"], ["profit", "S21", "--horizon-days", "4000"],
    ["profit", "S21", "--growth", "2"], ["profit", "S21", "--discount-rate", "-1"],
    ["profit", "S21", "--freight", "-1"],
    ["profit", "S21", "--price", "-1"], ["profit", "S21", "--power-price", "11"],
    ["compare", "--seized", "S21:10:30", "--holding-fee", "-1"], ["compare", "--seized", "S21:10:30", "--forfeit", "2"],
    ["compare", "--seized", "S21:10:30", "--median-hold", "0"],
    ["compare", "--seized", "S21:10:30", "--replace", "S21 XP", "--lead-time", "-1"],
    ["compare", "--seized", "S21:10", "--days-held", "-1"], ["compare", "--seized", "S21:10:30", "--mc-paths", "-1"],
    ["compare", "--seized", "S21:10:30", "--seed", "-1"], ["compare", "--seized", "S21:10:30", "--horizon-days", "1"],
    ["compare", "--seized", "S21:10:30", "--availability", "2"],
    ["compare", "--seized", "S21:10:30", "--hashrate-efficiency", "-0.5"],
    ["compare", "--seized", "S21:10:30", "--price", "S21=-5"], ["compare", "--seized", "S21:10:30", "--price", "S21"],
    ["compare", "--seized", "S21:10:30", "--price", "=5"],
    ["compare", "--seized", "S21:10:30", "--date", "2024-11-12", "--discount-rate", "11"],
], ids=" ".join)
def test_out_of_range_values_exit_2(argv, capsys):
    """Out-of-range values are rejected by the economics (InvalidInputError) or argparse: one line, exit 2."""
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err


@pytest.mark.parametrize("command", list(BASE_ARGV))
def test_defaults_live_in_the_economics_only(command):
    """No number flag carries its own default: None means 'the dataclass default' (lists start empty)."""
    for a in _subparser(command)._actions:
        if a.option_strings and a.type is not None:
            assert a.default in (None, []), (a.option_strings, a.default)


def test_help_shows_the_dataclass_defaults():
    site = OperatingCosts()
    helps = {a.dest: a.help for a in _subparser("profit")._actions}
    assert f"default {site.availability:g}" in helps["availability"]
    assert f"default {site.hashrate_efficiency:g}" in helps["hashrate_efficiency"]
    assert f"default {site.pue:g}" in helps["pue"]
    assert f"default {Scenario.__dataclass_fields__['horizon_days'].default}" in helps["horizon_days"]
    helps = {a.dest: a.help for a in _subparser("compare")._actions}
    assert f"default {ReleaseModel().median_hold_days:g}" in helps["median_hold"]
    assert f"default {MonteCarloParams().seed}" in helps["seed"]


def test_uptime_is_an_alias_of_availability():
    p = _subparser("profit")
    assert p.parse_args(["S21", "--uptime", "0.9"]).availability == 0.9
    assert p.parse_args(["S21", "--availability", "0.9"]).availability == 0.9
    assert _subparser("compare").parse_args(["--seized", "S21:1:1", "--uptime", "0.8"]).availability == 0.8


def test_hashprice_date_sets_the_halving(capsys):
    """Bug 3: with the height of 2024-11-12 but the shipped snapshot's date, the next halving printed as 2029.
    With --date the halving (block 1,050,000) is 179,980 blocks x 600 s = 1,250 days after 2024-11-12."""
    argv = ["hashprice", "--height", "870020", "--json"]
    assert main([*argv, "--date", "2024-11-12"]) == 0
    out = json.loads(capsys.readouterr().out)
    expected = datetime.date(2024, 11, 12) + datetime.timedelta(days=round(179_980 * 600 / 86_400))
    assert out["next_halving_height"] == 1_050_000 and out["next_halving_expected_date"] == expected.isoformat()
    assert expected.isoformat().startswith("2028-04")
    assert out["snapshot_date"] == "2024-11-12" and "(2024-11-12)" in out["snapshot"]
    assert out["snapshot"].endswith("with overrides: date, block_height")  # the label names the new date
    assert main(argv) == 0  # without --date the height is dated 2025-11-25 (the shipped snapshot)
    assert json.loads(capsys.readouterr().out)["next_halving_expected_date"].startswith("2029-04")
    assert main(["hashprice", "--height", "870020", "--date", "2024-11-12"]) == 0  # table: the halving is printed
    out = capsys.readouterr().out
    assert "1,050,000" in out and expected.isoformat() in out


def test_date_dates_an_undated_snapshot_file(tmp_path, capsys):
    f = tmp_path / "mine.toml"
    f.write_text('btc_price_usd = 87235\n')
    assert main(["hashprice", "--snapshot", str(f), "--date", "2024-11-12", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["snapshot_date"] == "2024-11-12" and "undated" not in out["snapshot"]
    assert "with overrides: date" in out["snapshot"]


ISSUE_PROFIT = ["profit", "S21", "--date", "2024-11-12", "--difficulty", "101.65e12", "--btc-price", "87235",
                "--fees-btc", "0.158", "--height", "870020", "--power-price", "0.05", "--pue", "1.05", "--pool-fee",
                "0.02", "--uptime", "0.98", "--json"]


def test_issue_profit_command(capsys):
    """The command of the issue runs, is dated 2024-11-12 and pays 2024's duty for Thailand (2.6 %), not the
    21.6 % in force from 2025-08-07 (which the shipped snapshot's date, 2025-11-25, gives)."""
    assert main(ISSUE_PROFIT) == 0
    out = json.loads(capsys.readouterr().out)
    s = out["summary"]
    assert s["analysis_date"] == "2024-11-12" and "(2024-11-12)" in s["snapshot"]
    assert s["origin_country"] == "Thailand" and s["tariff_rate"] == pytest.approx(0.026)
    assert s["tariff_rate"] == pytest.approx(E.default_tariffs().rate("Thailand", "2024-11-12"))
    assert (s["availability"], s["pue"], s["pool_fee"], s["power_price_usd_per_kwh"]) == (0.98, 1.05, 0.02, 0.05)
    assert s["hashrate_efficiency"] == OperatingCosts().hashrate_efficiency
    assert s["price_basis"] == "assumed_tier" and "not a quote" in s["price_source"]
    assert out["warnings"] == [] and len(out["daily"]) == s["horizon_days"]
    without_date = [a for a in ISSUE_PROFIT if a not in ("--date", "2024-11-12")]
    assert main(without_date) == 0
    assert json.loads(capsys.readouterr().out)["summary"]["tariff_rate"] == pytest.approx(0.216)


def test_issue_profit_payback_matches_a_hand_calculation(capsys):
    """S21 XP at $5,000, no duty, no difficulty growth: the margin is the same every day, so the payback is
    ceil(capex / daily margin), computed here from the catalog figures and the hashprice formula."""
    from minecore.hardware import get_model

    argv = [*ISSUE_PROFIT, "--price", "5000", "--tariff-rate", "0", "--growth", "0", "--hashrate-efficiency", "1"]
    argv[1] = "S21 XP"
    assert main(argv) == 0
    s = json.loads(capsys.readouterr().out)["summary"]
    m = get_model("S21 XP")
    th, kw = m.hashrate_ths, m.power_w / 1000.0
    subsidy = 50 / 2 ** (870_020 // 210_000)  # 3.125 BTC
    hashprice_usd = 1e12 * 86_400 * (subsidy + 0.158) / (101.65e12 * 2**32) * 87_235  # per TH/s/day
    availability, pool_fee, power_price, pue = 0.98, 0.02, 0.05, 1.05
    margin = th * hashprice_usd * (1 - pool_fee) * availability - kw * 24 * availability * power_price * pue
    expected = math.ceil(5000 / margin)
    assert expected < min(s["horizon_days"], 1250)  # paid back before the horizon and the 2028 halving
    assert s["tariff_rate"] == 0 and s["capex_usd"] == pytest.approx(5000)
    assert s["daily_margin_day0_usd"] == pytest.approx(margin, rel=1e-9)
    assert s["payback_day"] is not None and abs(s["payback_day"] - expected) <= 1, (s["payback_day"], expected)
    assert s["price_basis"] == "scenario_assumption" and s["tariff_source"] == "given"


def test_profit_tariff_rate_overrides_the_schedule(capsys):
    base = ["profit", "S21", "--price", "3000", "--horizon-days", "30", "--json"]
    assert main(base) == 0
    dflt = json.loads(capsys.readouterr().out)["summary"]
    assert main([*base, "--tariff-rate", "0.5"]) == 0
    s = json.loads(capsys.readouterr().out)["summary"]
    assert s["tariff_rate"] == 0.5 and s["capex_usd"] == pytest.approx(4500)
    assert dflt["tariff_rate"] == pytest.approx(0.216) and dflt["capex_usd"] == pytest.approx(3000 * 1.216)


def test_profit_availability_and_hashrate_efficiency(capsys):
    """availability scales revenue and power; hashrate efficiency scales revenue only."""
    def daily(*flags):
        assert main(["profit", "S21", "--price", "3000", "--horizon-days", "5", "--growth", "0",
                     "--power-price", "0.01", "--json", *flags]) == 0
        return json.loads(capsys.readouterr().out)["daily"][0]

    full = daily("--availability", "1", "--hashrate-efficiency", "1")
    half_on = daily("--uptime", "0.5", "--hashrate-efficiency", "1")
    derated = daily("--availability", "1", "--hashrate-efficiency", "0.5")
    assert half_on["revenue_usd"] == pytest.approx(full["revenue_usd"] / 2)
    assert half_on["power_cost_usd"] == pytest.approx(full["power_cost_usd"] / 2)
    assert derated["revenue_usd"] == pytest.approx(full["revenue_usd"] / 2)
    assert derated["power_cost_usd"] == pytest.approx(full["power_cost_usd"])


def test_tariff_warning_past_the_verified_date(capsys):
    """Past the schedule's verified_through the warning goes to stderr (tables) and into the JSON."""
    warning = E.default_tariffs().warning("2026-12-01")
    assert warning
    assert main(["profit", "S21", "--horizon-days", "10", "--date", "2026-12-01", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["warnings"] == [warning]
    assert main(["profit", "S21", "--horizon-days", "10", "--date", "2026-12-01"]) == 0
    cap = capsys.readouterr()
    assert warning in cap.err and warning not in cap.out
    assert main(["profit", "S21", "--horizon-days", "10", "--date", "2026-12-01", "--tariff-rate", "0.1",
                 "--json"]) == 0  # a given rate does not use the schedule
    assert json.loads(capsys.readouterr().out)["warnings"] == []
    cmp = ["compare", "--seized", "S21:10:30", "--replace", "S21 XP:5", "--horizon-days", "60", "--date", "2026-12-01"]
    assert main([*cmp, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["warnings"] == [warning] and out["analysis_date"] == "2026-12-01"
    assert main(cmp) == 0
    cap = capsys.readouterr()
    assert warning in cap.err and warning not in cap.out
    assert main(["compare", "--seized", "S21:10:30", "--replace", "S21 XP:5", "--horizon-days", "60", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["warnings"] == []


COMPARE = ["compare", "--seized", "S21:10:30", "--replace", "S21 XP:5", "--horizon-days", "60", "--json"]


def test_compare_prints_prices_with_basis_and_duty(capsys):
    assert main(COMPARE) == 0
    out = json.loads(capsys.readouterr().out)
    seized, rep = out["prices"]
    assert seized["role"] == "seized" and seized["model"] == "Antminer S21" and seized["tariff_rate"] is None
    assert seized["price_basis"] == "assumed_tier" and seized["unit_price_usd"] == E.resolve_spec("S21").price_usd
    assert rep["role"] == "replacement" and rep["model"] == "Antminer S21 XP"
    # a replacement without a quote or catalog price is priced at the valuation model's value of a new unit
    assert rep["price_basis"] == "valuation_fmv" and rep["tariff_rate"] == pytest.approx(0.216) and rep["tariff_source"]
    assert out["options"][0]["price_basis"] == "valuation_fmv" and out["options"][0]["tariff_source"]
    assert main(COMPARE[:-1]) == 0  # the table prints the same
    text = capsys.readouterr().out
    assert "Unit prices and duty" in text and "valuation" in text and "0.216" in text


def test_compare_price_quotes(capsys):
    """--price MODEL=USD (name or alias) prices the seized lot and every option of that model; the basis
    becomes scenario_assumption and the source names the flag."""
    assert main([*COMPARE, "--price", "Antminer S21=2500", "--price", "S21XP=5000"]) == 0
    out = json.loads(capsys.readouterr().out)
    seized, rep = out["prices"]
    assert (seized["unit_price_usd"], seized["price_basis"]) == (2500, "scenario_assumption")
    assert (rep["unit_price_usd"], rep["price_basis"]) == (5000, "scenario_assumption")
    assert "--price" in seized["price_source"] and "--price" in rep["price_source"]
    assert out["options"][0]["capex_usd"] == pytest.approx(5 * 5000 * 1.216)
    # the same model seized and as a replacement: one --price applies to both
    assert main(["compare", "--seized", "S21:10:30", "--replace", "S21:5", "--horizon-days", "60", "--json",
                 "--price", "S21=2000"]) == 0
    assert [r["unit_price_usd"] for r in json.loads(capsys.readouterr().out)["prices"]] == [2000, 2000]
    # the seized lot's price is its declared value, on which the entry duty is paid on release: selling on release
    # is worth less at a higher declared value (resale follows the valuation model, not the price paid)
    sell = []
    for usd in ("1000", "4000"):
        assert main([*COMPARE, "--price", f"S21={usd}"]) == 0
        out = json.loads(capsys.readouterr().out)
        sell.append(next(s["expected_npv_usd"] for s in out["strategies"] if s["strategy"] == "sell_on_release"))
    assert sell[1] < sell[0]


@pytest.mark.parametrize("flags, message", [
    (["--price", "S19=2000"], "--price 'S19': not the seized model"),
    (["--price", "No Such Miner=2000"], "--price 'No Such Miner': not the seized model"),
    (["--price", "S21=2000", "--price", "Antminer S21=2100"], "give one price per model"),
    (["--price", "S21"], "expected MODEL=USD"),
    (["--price", "S21=abc"], "not a number"),
])
def test_compare_price_errors(flags, message, capsys):
    assert main([*COMPARE, *flags]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err


def test_compare_site_flags(capsys):
    """compare takes --availability/--uptime and --hashrate-efficiency and reports the site it used."""
    def run(*flags):
        assert main([*COMPARE, "--growth", "0", *flags]) == 0
        return json.loads(capsys.readouterr().out)

    full = run("--availability", "1")
    half = run("--uptime", "0.5")
    assert half["site"]["availability"] == 0.5 and full["site"]["availability"] == 1
    assert half["seized_daily_margin_day0_usd"] == pytest.approx(full["seized_daily_margin_day0_usd"] / 2)
    assert full["site"]["hashrate_efficiency"] == OperatingCosts().hashrate_efficiency
    derated = run("--availability", "1", "--hashrate-efficiency", "0.9")
    assert derated["site"]["hashrate_efficiency"] == 0.9
    assert derated["seized_break_even_power_price_usd_per_kwh"] == pytest.approx(
        0.9 * full["seized_break_even_power_price_usd_per_kwh"])


def test_compare_date_moves_the_analysis_date(capsys):
    """compare --date dates the snapshot: 2024 figures get 2024's duty (Thailand 2.6 %)."""
    assert main([*COMPARE, "--date", "2024-11-12", "--difficulty", "101.65e12", "--btc-price", "87235",
                 "--fees-btc", "0.158", "--height", "870020"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["analysis_date"] == "2024-11-12" and "(2024-11-12)" in out["snapshot"]
    assert out["prices"][1]["tariff_rate"] == pytest.approx(0.026)


def test_compare_monte_carlo_flags(capsys):
    assert main([*COMPARE, "--mc-paths", "50", "--seed", "7"]) == 0
    a = json.loads(capsys.readouterr().out)["monte_carlo"]
    assert main([*COMPARE, "--mc-paths", "50", "--seed", "7"]) == 0
    assert json.loads(capsys.readouterr().out)["monte_carlo"] == a and len(a) >= 3
    assert main([*COMPARE, "--mc-paths", "0"]) == 0
    assert "monte_carlo" not in json.loads(capsys.readouterr().out)
