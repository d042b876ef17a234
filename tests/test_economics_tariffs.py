"""Tariff schedule: effective-dated rows with sources and component breakdowns, the verified-through warning,
user tables in JSON/TOML, and malformed input as TariffError."""

from __future__ import annotations

import datetime as dt
import doctest
import json
import math
from importlib import resources

import pytest

import minecore.economics.tariffs as T
from minecore.economics import TariffRate, TariffTable, default_tariffs, load_tariffs
from minecore.errors import TariffError

SHIPPED = json.loads(resources.files("minecore.economics").joinpath("data/tariffs.json").read_text())


@pytest.fixture(scope="module")
def table() -> TariffTable:
    return default_tariffs()


def test_china_fentanyl_cut_on_2025_11_10(table):
    """EO 14357: fentanyl duty 20 % -> 10 % for entries from 2025-11-10; 2.6 + 25 + 10 + 10 = 47.6 %."""
    assert table.rate("China", "2025-11-09") == pytest.approx(0.576, abs=1e-12)
    assert table.rate("China", "2025-11-10") == pytest.approx(0.476, abs=1e-12)
    assert table.rate("China", dt.date(2025, 11, 25)) == pytest.approx(0.476, abs=1e-12)
    row = table.row("PRC", "2025-11-25")
    assert row.effective_from == dt.date(2025, 11, 10) and row.source_key == "eo14357"
    assert "EO 14357" in row.source and table.source_for("China", "2025-11-25") == row.source
    assert dict(row.components) == pytest.approx({"mfn": 0.026, "section_301": 0.25, "ieepa_fentanyl": 0.10,
                                                  "ieepa_reciprocal": 0.10})


def test_china_history_2025(table):
    """Earlier rows stay for earlier dates (fentanyl 10 % then 20 %, the April peak, the Geneva cut)."""
    expect = {"2024-06-01": 0.276, "2025-02-04": 0.376, "2025-03-04": 0.476, "2025-04-05": 0.576,
              "2025-04-09": 1.316, "2025-04-10": 1.726, "2025-05-13": 1.726, "2025-05-14": 0.576,
              "2025-09-01": 0.576}
    for day, rate in expect.items():
        assert table.rate("China", day) == pytest.approx(rate, abs=1e-12), day


def test_other_origins(table):
    assert table.rate("Malaysia", "2025-09-01") == pytest.approx(0.216)
    assert table.rate("Malaysia", "2025-08-06") == pytest.approx(0.126)   # default until its own row
    assert table.rate("Germany", "2024-01-01") == pytest.approx(0.026)
    assert table.rate("United States", "2025-11-25") == 0.0 and table.rate("Singapore", "2025-11-25") == 0.126
    with pytest.raises(TariffError):
        TariffTable((TariffRate("China", dt.date(2020, 1, 1), 0.3),)).row("Chile", "2025-01-01")


def test_shipped_rows_components_sum_to_rate():
    for row in SHIPPED["rates"]:
        comps = row.get("components")
        if comps:
            assert math.isclose(math.fsum(comps.values()), row["rate"], abs_tol=1e-9), row


def test_shipped_rows_have_resolvable_sources(table):
    for row in SHIPPED["rates"]:
        assert isinstance(row["source"], str) and row["source"].strip(), row
        assert row["source"] in SHIPPED["sources"], row
        assert SHIPPED["sources"][row["source"]].strip(), row
    for r in table.rates:
        assert r.source == SHIPPED["sources"][r.source_key]


def test_warning_after_verified_through(table):
    vt = table.verified_through
    assert isinstance(vt, dt.date) and vt.isoformat() == SHIPPED["verified_through"]
    assert table.warning("2025-11-25") is None and table.warning(vt) is None
    msg = table.warning("2026-12-01")
    assert isinstance(msg, str) and "\n" not in msg
    assert vt.isoformat() in msg and "2026-12-01" in msg
    assert table.warning(vt + dt.timedelta(days=1)) is not None
    with pytest.raises(TariffError):
        table.warning("soon")


def test_with_rate_keeps_working(table):
    t = table.with_rate("China", 0.3, effective_from="2025-01-01")
    assert t.rate("China", "2025-11-25") == 0.3 and t.rate("China", "2024-06-01") == pytest.approx(0.276)
    assert t.source_for("China", "2025-11-25") == "user override" and t.verified_through == table.verified_through
    assert table.rate("China", "2025-11-25") == pytest.approx(0.476)   # the original is unchanged
    for bad in ("0.3", -0.1, float("nan"), True):
        with pytest.raises(TariffError):
            table.with_rate("China", bad)


def _user_table(**over):
    data = {"hts_code": "8543.70.9860", "verified_through": "2026-01-31",
            "sources": {"mine": "broker quote 2025-12-01"},
            "rates": [{"country": "default", "effective_from": "2020-01-01", "rate": 0.05, "source": "mine",
                       "components": {"mfn": 0.026, "other": 0.024}},
                      {"country": "China", "effective_from": "2025-11-10", "rate": 0.476, "source": "free text",
                       "components": {"mfn": 0.026, "section_301": 0.25, "ieepa_fentanyl": 0.1,
                                      "ieepa_reciprocal": 0.1}}]}
    data.update(over)
    return data


def test_load_json_with_new_keys(tmp_path):
    p = tmp_path / "t.json"
    p.write_text(json.dumps(_user_table()))
    t = load_tariffs(p)
    assert t.verified_through == dt.date(2026, 1, 31) and t.warning("2026-02-01") and t.warning("2026-01-31") is None
    assert t.row("Chile", "2025-01-01").source == "broker quote 2025-12-01"
    assert t.row("Chile", "2025-01-01").source_key == "mine"
    assert t.row("China", "2025-12-01").source == "free text" and t.rate("China", "2025-12-01") == 0.476
    assert t.to_rows()[0]["components"] == {"mfn": 0.026, "other": 0.024}


def test_load_toml_with_new_keys(tmp_path):
    p = tmp_path / "t.toml"
    p.write_text('verified_through = 2026-03-31\n[sources]\nq = "quote"\n'
                 '[[rates]]\ncountry = "default"\neffective_from = 2020-01-01\nrate = 0.126\nsource = "q"\n'
                 'components = { mfn = 0.026, ieepa_reciprocal = 0.1 }\n')
    t = load_tariffs(p)
    assert t.rate("Brazil", "2025-01-01") == 0.126 and t.source_for("Brazil", "2025-01-01") == "quote"
    assert t.verified_through == dt.date(2026, 3, 31) and t.warning("2026-04-01") is not None


def test_user_file_without_verified_through_never_warns(tmp_path):
    data = _user_table()
    del data["verified_through"]
    p = tmp_path / "t.json"
    p.write_text(json.dumps(data))
    t = load_tariffs(p)
    assert t.verified_through is None and t.warning("2099-01-01") is None
    # Overriding a rate does not make a user table start warning either.
    assert t.with_rate("China", 0.2).warning("2099-01-01") is None


def _row(**over):
    row = {"country": "China", "effective_from": "2025-11-10", "rate": 0.476, "source": "x",
           "components": {"mfn": 0.026, "section_301": 0.25, "ieepa_fentanyl": 0.1, "ieepa_reciprocal": 0.1}}
    row.update(over)
    return row


@pytest.mark.parametrize("bad", [
    {"rates": [_row(components={"mfn": 0.026, "section_301": 0.25, "ieepa_fentanyl": 0.2,
                                "ieepa_reciprocal": 0.1})]},          # sums to 0.576, rate says 0.476
    {"rates": [_row(components={"mfn": "0.026"})]},
    {"rates": [_row(components={"mfn": -0.026, "x": 0.502})]},
    {"rates": [_row(components=[1, 2])]},
    {"rates": [_row(components="mfn")]},
    {"rates": [_row(rate="0.476", components=None)]},
    {"rates": [_row(rate=-0.1, components=None)]},
    {"rates": [_row(rate=float("inf"), components=None)]},
    {"rates": [_row(rate=47.6, components=None)]},                    # a percentage, not a decimal
    {"rates": [_row(rate=None, components=None)]},
    {"rates": [_row(effective_from="10/11/2025")]},
    {"rates": [_row(country="")]},
    {"rates": [{"country": "China", "rate": 0.1}]},
    {"rates": ["China 0.476"]},
    {"rates": "China"},
    {"rates": [_row()], "verified_through": "next year"},
    {"rates": [_row()], "as_of": 20251110},
    {"rates": [_row()], "sources": "x"},
    {},
])
def test_malformed_tables_raise_tariff_error(tmp_path, bad):
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(bad))
    with pytest.raises(TariffError) as exc:
        load_tariffs(p)
    assert str(p) in str(exc.value)


def test_components_mismatch_message_names_the_row(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text('[[rates]]\ncountry = "China"\neffective_from = 2025-11-10\nrate = 0.476\n'
                 'components = { mfn = 0.026, section_301 = 0.25, ieepa_fentanyl = 0.2, ieepa_reciprocal = 0.1 }\n')
    with pytest.raises(TariffError, match=r"rates\[0\].*China.*sum to 0\.576.*0\.476"):
        load_tariffs(p)


def test_unreadable_files_raise_tariff_error(tmp_path):
    with pytest.raises(TariffError):
        load_tariffs(tmp_path / "missing.json")
    p = tmp_path / "t.toml"
    p.write_text("rates = [")
    with pytest.raises(TariffError):
        load_tariffs(p)


def test_tariff_rate_rows_validate_on_construction():
    r = TariffRate("China", "2025-11-10", 0.476, components={"mfn": 0.026, "rest": 0.45})
    assert r.effective_from == dt.date(2025, 11, 10) and r.components == (("mfn", 0.026), ("rest", 0.45))
    assert hash(r) == hash(TariffRate("China", dt.date(2025, 11, 10), 0.476, components=(("mfn", 0.026), ("rest", 0.45))))
    with pytest.raises(TariffError):
        TariffRate("China", "2025-11-10", 0.476, components={"mfn": 0.026})


def test_tariff_error_is_reexported_and_doctests_pass():
    assert T.TariffError is TariffError
    assert doctest.testmod(T).failed == 0
