"""`minecore models` and `minecore model`, driven in-process."""

from __future__ import annotations

import csv
import io
import json

import pytest

from minecore.cli.main import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_models_json(capsys):
    code, out, _ = run(capsys, "models", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["count"] == 45 and len(data["models"]) == 45
    s21 = next(m for m in data["models"] if m["key"] == "antminer-s21")
    assert s21["hashrate_ths"] == 200 and s21["chips_total"] == 324 and s21["field_sources"]["hashrate_ths"]
    a2 = next(m for m in data["models"] if m["key"] == "sealminer-a2")
    assert a2["power_w"] == pytest.approx(3730, abs=2) and a2["release"] == "2024-Q4"  # Bitdeer, Oct 2024
    assert s21["undated"] and s21["assembly_history"]


def test_models_filters(capsys):
    code, out, _ = run(capsys, "models", "--maker", "microbt", "--json")
    assert code == 0 and {m["maker"] for m in json.loads(out)["models"]} == {"MicroBT"}
    code, out, _ = run(capsys, "models", "--unrestricted", "--json")
    assert {m["maker"] for m in json.loads(out)["models"]} == {"Bitdeer", "Auradine", "Intel", "Block"}
    code, out, _ = run(capsys, "models", "--restricted", "--csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 36 and {r["maker"] for r in rows} == {"Bitmain", "MicroBT", "Canaan"}


def test_models_table(capsys):
    code, out, _ = run(capsys, "models", "--maker", "Canaan")
    assert code == 0 and "Miner catalog (7 models" in out


def test_model_json_has_chip_model_and_curve(capsys):
    code, out, _ = run(capsys, "model", "s21pro", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["model"]["key"] == "antminer-s21-pro"
    cm = data["chip_model"]
    assert cm["chip"] == "BM1370" and cm["implied_clock_mhz"] == pytest.approx(588.2, abs=0.1)
    # no independent clock for the S21 Pro: the clock is calibrated, and the nameplate check says it is no check
    assert cm["clock_independent"] is False and cm["nameplate_error"] is None
    assert cm["nameplate_check"]["independent"] is False and "calibrated to nameplate" in cm["clock_basis"]
    assert cm["operating_points"]["normal"]["hashrate_ths"] == pytest.approx(234.0)
    assert len(cm["tuning_curve"]) >= 9
    assert any(c["basis"] == "assumed" for c in cm["coefficients"]) and cm["assumptions"]


def test_model_text_prints_the_clock_basis_and_the_assumptions(capsys):
    code, out, _ = run(capsys, "model", "S21", "--ambient", "44", "--failed-boards", "1")
    assert code == 0 and "Tuning curve" in out and "490.0 MHz" in out
    assert "nameplate check: +1.29% at 490 MHz (measured" in out and "ASSUMPTION" in out
    code, out, _ = run(capsys, "model", "S21 Pro")
    assert "nameplate check: not independent" in out
    code, out, _ = run(capsys, "model", "M60S", "--power-target", "3000")
    assert code == 0 and "NAMEPLATE-LEVEL" in out and "power target" in out
    code, out, _ = run(capsys, "model", "Proto Rig")
    assert code == 0 and "twin: unavailable" in out


def test_model_with_user_catalog(tmp_path, capsys):
    p = tmp_path / "c.toml"
    p.write_text('[[models]]\nname = "Rig 1"\nmaker = "ACME"\nhashrate_ths = 100\npower_w = 2000\n')
    code, out, _ = run(capsys, "model", "rig 1", "--catalog", str(p), "--json")
    assert code == 0 and json.loads(out)["model"]["origin"] == str(p)


@pytest.mark.parametrize(
    "argv,message",
    [
        (["model", "S2l Pro"], "did you mean"),
        (["models", "--maker", "Bitman"], "unknown maker"),
        (["model", "S21", "--failed-boards", "5"], "failed_boards"),
        (["models", "--catalog", "/nonexistent/x.toml"], "file not found"),
        (["model", "S21", "--catalog", "/nonexistent/x.toml"], "file not found"),
    ],
)
def test_bad_input_exits_2_one_line(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1


def test_bad_catalog_file_exits_2(tmp_path, capsys):
    p = tmp_path / "bad.toml"
    p.write_text('[[models]]\nname = "S21"\npower_kw = 3.5\n')
    code, _, err = run(capsys, "models", "--catalog", str(p))
    assert code == 2 and "power_kw" in err and "power_w" in err and err.count("\n") == 1
