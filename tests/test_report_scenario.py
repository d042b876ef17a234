"""Scenario files for ``minecore report``: the schema, the shipped examples and one-line errors (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from minecore.cli.main import main
from minecore.errors import ScenarioError
from minecore.economics import MonteCarloParams, OperatingCosts, Scenario
from minecore.reports.scenario import default_scenario, load_scenario, parse_scenario, with_monte_carlo

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.toml") if not p.name.startswith("sweep-"))  # scenarios

MINIMAL = """
[[seized]]
model = "Antminer S21"
units = 10
days_held = 30
price_usd = 2699
"""


def test_default_scenario_contents():
    """The issue's default: 1,000 S21 held 180 days and 300 M60S held 120 days at $0.05/kWh, with a fee."""
    sc = default_scenario()
    assert [(s.machine.name, s.units, s.days_held) for s in sc.lots] == [("Antminer S21", 1000, 180),
                                                                          ("Whatsminer M60S", 300, 120)]
    assert all(s.holding_fee_usd_per_unit_day > 0 for s in sc.lots)
    assert sc.site.power_price_usd_per_kwh == 0.05
    assert {o.machine.origin_country for o in sc.options} >= {"China"}
    assert any(o.machine.name == "Teraflux AH3880" for o in sc.options)  # a US maker outside the restrictions


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_example_file_validates(path):
    sc = load_scenario(path)
    assert sc.lots and sc.source == str(path)


def test_minimal_file_takes_the_models_defaults():
    """Keys left out take the economics model's own defaults: one set, shared by the API and the files."""
    sc = parse_scenario(MINIMAL, "x.toml")
    assert sc.horizon_days == Scenario.__dataclass_fields__["horizon_days"].default == 1095
    assert sc.site == OperatingCosts() and sc.options == () and sc.monte_carlo == MonteCarloParams()
    assert sc.lots[0].name == "Antminer S21 lot"


def test_cli_overrides_of_paths_and_seed():
    sc = with_monte_carlo(parse_scenario(MINIMAL, "x.toml"), paths=0, seed=9)
    assert sc.monte_carlo.enabled is False and sc.monte_carlo.seed == 9
    with pytest.raises(ScenarioError, match="--paths"):
        with_monte_carlo(sc, paths=-1)
    with pytest.raises(ScenarioError, match="--seed"):
        with_monte_carlo(sc, seed=2**64)


BAD = {
    "missing_key": (MINIMAL.replace("days_held = 30\n", ""), "seized[1].days_held: missing required key"),
    "wrong_type": (MINIMAL.replace("units = 10", 'units = "ten"'), "seized[1].units must be an integer, got 'ten'"),
    "unknown_model": (MINIMAL.replace("Antminer S21", "Antminer S99 Ultra"), "seized[1].model:"),
    "negative_count": (MINIMAL.replace("units = 10", "units = -5"), "seized[1].units must be >= 1, got -5"),
    "malformed_toml": (MINIMAL.replace("units = 10", "units = = 10"), "malformed TOML"),
    "renamed_key": (MINIMAL.replace("units = 10", "count = 10"), "seized[1].count: renamed to 'units'"),
    "horizon_one_day": ("[scenario]\nhorizon_days = 1\n" + MINIMAL, "scenario.horizon_days must be >= 2, got 1"),
    "days_held_too_long": (MINIMAL.replace("days_held = 30", "days_held = 100000"),
                           "seized[1].days_held must be <= 3650, got 100000"),
    "horizon_too_long": ("[scenario]\nhorizon_days = 100000000\n" + MINIMAL, "scenario.horizon_days must be <= 3650"),
    "numeric_string": (MINIMAL + "\n[site]\npower_price_usd_per_kwh = \"0.05\"\n",
                       "site.power_price_usd_per_kwh must be a number, got '0.05'"),
    "seed_too_big": (MINIMAL + "\n[monte_carlo]\nseed = 18446744073709551616\n", "monte_carlo.seed must be <="),
    "unknown_key": (MINIMAL + "\n[site]\npower_prise_usd_per_kwh = 0.05\n",
                    "site.power_prise_usd_per_kwh: unknown key; did you mean 'power_price_usd_per_kwh'?"),
    "bad_strategy": ('[scenario]\nstrategies = ["wait"]\n' + MINIMAL, "scenario.strategies[0]: unknown strategy"),
    "no_lot": ("[site]\npue = 1.2\n", "seized: missing required key"),
    "pue_below_one": (MINIMAL + "\n[site]\npue = 0.9\n", "site.pue must be >= 1"),
    "low_above_high": (MINIMAL + "\n[sensitivity]\nhold_scale = [2.0, 0.5]\n", "sensitivity.hold_scale: low must not exceed high"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_scenario_file_exits_2_with_one_line_naming_file_and_key(case, tmp_path, capsys):
    text, expected = BAD[case]
    path = tmp_path / f"{case}.toml"
    path.write_text(text)
    code = main(["report", str(path), "--paths", "0"])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert str(path) in lines[0] and expected in lines[0], lines[0]


def test_unknown_model_error_keeps_did_you_mean(tmp_path):
    path = tmp_path / "typo.toml"
    path.write_text(MINIMAL.replace('"Antminer S21"', '"Antminer S21 Pr"'))
    with pytest.raises(ScenarioError, match=r"typo\.toml: seized\[1\]\.model: .*did you mean"):
        load_scenario(path)


def test_missing_file_and_non_utf8(tmp_path, capsys):
    assert main(["report", str(tmp_path / "nope.toml")]) == 2
    assert "no such scenario file" in capsys.readouterr().err
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(b"name = \"caf\xe9\"\n")
    assert main(["report", str(bad)]) == 2
    assert "not UTF-8" in capsys.readouterr().err


def test_option_without_catalog_origin_needs_origin_country(tmp_path, capsys):
    """A SEALMINER option (no country of assembly in the catalog) without origin_country is a one-line error
    naming the file and the option; with origin_country it reports the Malaysia tariff (21.6 %)."""
    option = '\n[[option]]\nmodel = "SEALMINER A2"\nunits = 10\nprice_usd = 4250\n'
    path = tmp_path / "noorigin.toml"
    path.write_text(MINIMAL + option)
    assert main(["report", str(path), "--paths", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(path) in err[0] and "option[1]" in err[0] and "origin_country" in err[0]
    path.write_text(MINIMAL + option + 'origin_country = "Malaysia"\n')
    assert main(["report", str(path), "--paths", "0", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    row = [o for o in doc["lots"][0]["options"] if o["model"] == "SEALMINER A2"][0]
    assert row["tariff_rate"] == pytest.approx(0.216) and row["origin_country"] == "Malaysia"


def test_every_file_key_is_a_model_field_and_every_model_field_has_a_key():
    """The loader is a map onto the economics model, not a second model: each key lands on a declared field of the
    same name (or a documented loader key), and each declared input field is settable from a file unless listed in
    API_ONLY with its reason."""
    import dataclasses as dc

    from minecore.economics import ReleaseModel, Valuation
    from minecore.economics.spec import MachineSpec
    from minecore.reports.scenario import API_ONLY, KEYS

    covered = set()
    for section, keys in KEYS.items():
        for key, (cls, field) in keys.items():
            if cls is None:
                continue
            names = {f.name for f in dc.fields(cls)}
            assert field in names, (section, key)
            assert key == field, (section, key)
            covered.add(f"{cls.__name__}.{field}")
    for cls in (OperatingCosts, Scenario, MonteCarloParams, ReleaseModel, Valuation, MachineSpec):
        for f in dc.fields(cls):
            if "minecore" in f.metadata or cls is OperatingCosts and f.name == "curtailment":
                name = f"{cls.__name__}.{f.name}"
                assert name in covered or name in API_ONLY, name
    from minecore.economics import ReplacementOption, SeizedLot

    for cls, section in ((SeizedLot, "seized"), (ReplacementOption, "option")):
        for f in dc.fields(cls):
            if "minecore" in f.metadata:
                assert f.name in KEYS[section] or f"{cls.__name__}.{f.name}" in API_ONLY, (section, f.name)


def test_docs_scenario_schema_is_generated_from_the_model():
    from minecore.reports.scenario import schema_markdown

    assert (ROOT / "docs" / "scenario.md").read_text() == schema_markdown() + "\n", (
        "regenerate: python -c 'from minecore.reports.scenario import schema_markdown; print(schema_markdown())' "
        "> docs/scenario.md")


def test_schema_1_files_are_read_with_their_old_key_names():
    old = "schema = 1\n[site]\nuptime = 0.9\n" + MINIMAL.replace("units = 10", "count = 10")
    sc = parse_scenario(old, "old.toml")
    assert sc.lots[0].units == 10 and sc.site.availability == 0.9
