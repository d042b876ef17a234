"""Operating points of the twin in the economics (scenario keys, profit/compare flags) and fleet telemetry
(pyasic export -> health table, power-model calibration, fleet file -> [[fleet]] from_telemetry in a report).

The fleet fixtures are SYNTHETIC (tests/hardware_telemetry_fixture.py): catalog nameplates run through the twin with
seeded faults and noise, built with pyasic's own data classes; never real telemetry, never over a network.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from minecore.cli.main import main
from minecore.errors import InvalidInputError
from minecore.hardware import OperatingConditions, get_model, operating_point_for

sys.path.insert(0, str(Path(__file__).parent))
import hardware_telemetry_fixture as fixture  # noqa: E402

BASE = """
schema = 2
[scenario]
horizon_days = 120
strategies = ["wait_and_redeploy", "replace_now", "abandon"]
[monte_carlo]
enabled = false
[[seized]]
model = "Antminer S21"
units = 100
days_held = 60
price_usd = 2700
"""


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_profit_eco_at_35_uses_the_twin(capsys):
    code, out, _ = run(capsys, "profit", "Antminer S21", "--profile", "eco", "--ambient", "35", "--json")
    assert code == 0
    eco = json.loads(out)["summary"]
    op = operating_point_for(get_model("S21"), OperatingConditions(profile="eco", ambient_c=35))
    assert eco["unit_hashrate_ths"] == pytest.approx(op.hashrate_ths) and eco["unit_power_w"] == pytest.approx(op.power_w)
    assert eco["hashrate_ths"] == pytest.approx(op.hashrate_ths)  # one unit
    assert "eco, 35 °C" in eco["operating_point"] and "chip-level twin" in eco["operating_point"]
    code, out, _ = run(capsys, "profit", "Antminer S21", "--json")
    plate = json.loads(out)["summary"]
    assert plate["unit_hashrate_ths"] == 200 and plate["operating_point"] == "nameplate (catalog)"
    assert eco["npv_usd"] != pytest.approx(plate["npv_usd"]) and eco["capex_usd"] == pytest.approx(plate["capex_usd"])
    code, out, _ = run(capsys, "profit", "M60S", "--power-target", "3000", "--failed-boards", "1", "--json")
    m60 = json.loads(out)["summary"]
    assert code == 0 and m60["unit_power_w"] == pytest.approx(3000, rel=1e-6) and "nameplate-level twin" in m60["operating_point"]


@pytest.mark.parametrize("argv, message", [
    (["--profile", "ludicrous"], "unknown profile"),
    (["--ambient", "50"], "does not hash at"),
    (["--failed-boards", "9"], "failed_boards for Antminer S21 must be <= 3"),
    (["--power-target", "99999"], "outside what the Antminer S21 can draw"),
])
def test_profit_bad_operating_point_exits_2(capsys, argv, message):
    code, out, err = run(capsys, "profit", "S21", *argv)
    assert code == 2 and out == "" and message in err and err.count("\n") == 1


def test_compare_with_an_operating_point(capsys):
    code, out, _ = run(capsys, "compare", "--seized", "S21:100:60", "--replace", "S21 XP:50", "--profile", "eco",
                       "--ambient", "30", "--json")
    assert code == 0
    rows = json.loads(out)["prices"]
    assert all("eco, 30 °C" in r["operating_point"] for r in rows)
    seized = rows[0]
    op = operating_point_for(get_model("S21"), profile="eco", ambient_c=30)
    assert seized["hashrate_ths"] == pytest.approx(op.hashrate_ths) and seized["power_w"] == pytest.approx(op.power_w)


def test_scenario_profile_changes_the_economics():
    from minecore.economics.decision import compare
    from minecore.reports.scenario import parse_scenario

    plate = parse_scenario(BASE, "plate.toml")
    eco = parse_scenario(BASE + 'profile = "eco"\nambient_c = 35\n', "eco.toml")
    m = eco.lot.machine
    op = operating_point_for(get_model("S21"), OperatingConditions(profile="eco", ambient_c=35))
    assert (m.hashrate_ths, m.power_w) == (pytest.approx(op.hashrate_ths), pytest.approx(op.power_w))
    assert m.operating_point.startswith("eco, 35 °C") and plate.lot.machine.operating_point == ""
    assert m.price_usd == plate.lot.machine.price_usd  # the unit price is the nameplate machine's
    a, b = compare(plate), compare(eco)
    assert a.outcomes[0].expected_npv_usd != pytest.approx(b.outcomes[0].expected_npv_usd)
    fleet = parse_scenario(BASE + '[[fleet]]\nmodel = "Whatsminer M60S"\nunits = 10\nfailed_boards = 1\n', "f.toml")
    assert fleet.fleet[0].machine.hashrate_ths == pytest.approx(186 * 2 / 3)
    with pytest.raises(InvalidInputError, match="seized\\[1\\]"):
        parse_scenario(BASE + 'profile = "warp"\n', "bad.toml")


# ------------------------------------------------------------------------------------------ fleet telemetry


TELEMETRY_100 = Path(__file__).parent / "data" / "pyasic_telemetry_100.json.gz"  #: fixture.write_json's output


@pytest.fixture(scope="module")
def telemetry_file(tmp_path_factory):
    """100 machines of three models as pyasic ``MinerData.as_dict()``, shipped (gzip) so that no test needs pyasic;
    :func:`test_shipped_telemetry_is_what_the_fixture_writes` checks it against the generator where pyasic exists."""
    import gzip

    path = tmp_path_factory.mktemp("tel") / "telemetry.json"
    path.write_bytes(gzip.decompress(TELEMETRY_100.read_bytes()))
    return path


def test_shipped_telemetry_is_what_the_fixture_writes(tmp_path):
    import gzip

    pytest.importorskip("pyasic", reason="optional extra 'telemetry'; the shipped file stands in for it")
    fresh = tmp_path / "t.json"
    fixture.write_json(fresh)

    def stable(rows):  # pyasic stamps each record with the time it was made
        return [{k: v for k, v in r.items() if k not in ("datetime", "timestamp")} for r in rows]

    assert stable(json.loads(fresh.read_text())) == stable(json.loads(gzip.decompress(TELEMETRY_100.read_bytes())))


def test_fleet_import_health_table_calibration_and_fleet_file(telemetry_file, tmp_path, capsys):
    out_file = tmp_path / "fleet.json"
    code, out, _ = run(capsys, "fleet", "import", str(telemetry_file), "--out", str(out_file), "--rows", "100")
    assert code == 0 and "Fleet health: 100 machines" in out and "Power model per model" in out
    assert "critical: low hashrate" in out or "board(s) missing" in out
    doc = json.loads(out_file.read_text())
    models = {m["name"]: m for m in doc["models"]}
    assert set(models) == {"Antminer S21", "Antminer S19 XP", "Whatsminer M60S"}
    assert sum(m["units_total"] for m in models.values()) == 100 and len(doc["machines"]) == 100
    s21 = models["Antminer S21"]
    assert 180 < s21["hashrate_ths"] < 205 and s21["units_hashing"] <= s21["units_total"]
    cal = s21["calibration"]
    assert cal["r2"] > 0.9 and cal["heat_w_per_c"] > 0
    total = cal["static_w"] + cal["dynamic_w"]  # power at the twin's full hashrate
    assert total == pytest.approx(cal["twin_static_w"] + cal["twin_dynamic_w"], rel=0.04)
    assert "not separable" in models["Whatsminer M60S"]["calibration"]["note"]  # no load spread in that model
    healthy = [h for h in doc["machines"] if h["status"] == "ok"]
    assert healthy and all(95 < h["hashrate_pct"] < 105 for h in healthy)


def test_report_runs_on_a_telemetry_fleet(telemetry_file, tmp_path, capsys):
    from minecore.reports.build import build_report
    from minecore.reports.scenario import load_scenario

    fleet_file = tmp_path / "fleet.json"
    assert main(["fleet", "import", str(telemetry_file), "--out", str(fleet_file), "--json"]) == 0
    capsys.readouterr()
    sc_path = tmp_path / "site.toml"
    sc_path.write_text(BASE + '[[fleet]]\nfrom_telemetry = "fleet.json"\n')
    sc = load_scenario(sc_path)
    assert {f.machine.name for f in sc.fleet} == {"Antminer S21", "Antminer S19 XP", "Whatsminer M60S"}
    assert all(f.machine.operating_point.startswith("measured: mean of") for f in sc.fleet)
    assert sum(f.units for f in sc.fleet) <= 100
    report = build_report(sc)
    assert report.lots and report.lots[0].strategies
    sc_path.write_text(BASE + 'profile = "eco"\n[[fleet]]\nfrom_telemetry = "fleet.json"\n')
    rows = {m.name: m.operating_point for m in build_report(load_scenario(sc_path)).inputs.models}
    assert rows["Antminer S21"].startswith("eco, 25 °C")  # each row says which operating point it uses


def test_committed_fixture_loads_without_pyasic_json_and_csv(tmp_path):
    """A small export (6 machines) written once with pyasic's MinerData.as_dict(); read here without pyasic."""
    from minecore.hardware.telemetry import fleet_health, load_telemetry

    path = Path(__file__).parent / "data" / "pyasic_telemetry_small.json"
    records = load_telemetry(path)
    assert len(records) == 6 and {r.model_key for r in records} == {"antminer-s21", "antminer-s19-xp",
                                                                     "whatsminer-m60s"}
    assert all(r.hashrate_ths is None or r.hashrate_ths >= 0 for r in records)
    health = fleet_health(records)
    assert len(health) == 6 and all(h.twin in ("chip", "nameplate") for h in health)
    # the same machines as CSV: a header of MinerData field names, nested cells as Python literals (as_csv style)
    doc = json.loads(path.read_text())
    assert "SYNTHETIC" in doc["_note"]
    rows = doc["miners"]
    keys = list(rows[0])
    csv_path = tmp_path / "t.csv"
    import csv

    with open(csv_path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(keys)
        for r in rows:
            w.writerow([repr(r[k]) if isinstance(r[k], (dict, list)) else r[k] for k in keys])
    again = load_telemetry(csv_path)
    assert [(a.ip, a.hashrate_ths, a.wattage_w) for a in again] == [(b.ip, b.hashrate_ths, b.wattage_w) for b in records]


@pytest.mark.parametrize("text, message", [
    ("", "no machines"), ("[1, 2]", "expected a MinerData object"), ('[{"ip": "1.2.3.4"}]', "no model"),
    ("ip,model\n", "no machines"), ("a,b\n1,2\n", "header row"),
    ('[{"ip": "x", "model": "S21", "hashrate": "fast"}]', "cannot read hashrate"),
])
def test_bad_telemetry_is_one_line(tmp_path, text, message):
    from minecore.hardware.telemetry import load_telemetry

    p = tmp_path / ("t.csv" if text.startswith(("ip", "a,")) else "t.json")
    p.write_text(text)
    with pytest.raises(InvalidInputError, match=message) as info:
        load_telemetry(p)
    assert "\n" not in str(info.value)


def test_bad_fleet_file_in_a_scenario(tmp_path):
    from minecore.errors import ScenarioError
    from minecore.reports.scenario import parse_scenario

    bad = tmp_path / "fleet.json"
    bad.write_text('{"schema": "other"}')
    src = str(tmp_path / "s.toml")
    with pytest.raises(ScenarioError, match="fleet\\[1\\].from_telemetry.*not a minecore fleet file"):
        parse_scenario(BASE + '[[fleet]]\nfrom_telemetry = "fleet.json"\n', src)
    with pytest.raises(ScenarioError, match="takes no other key"):
        parse_scenario(BASE + '[[fleet]]\nfrom_telemetry = "fleet.json"\nunits = 3\n', src)
