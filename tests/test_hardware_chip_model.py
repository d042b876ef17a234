"""The ASIC twin: chip table, independent nameplate check, physical power model, heat, profiles, broken boards.

Worked example (DOMAIN.md / asic_chips.md): the Antminer S21 has 108 x 3 = 324 BM1368 chips with 1276 small cores
each.  Its chips were measured at 490 MHz (hackernoon/BTCWire, 2024-03-11): 490 x 1276 x 324 / 1e6 = 202.58 TH/s
against a 200 TH/s nameplate, +1.29 %, inside the makers' ±3 %.  That is the only clock in the sources that does not
come from a nameplate; every other chip-level model is calibrated to its nameplate and says so.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minecore.errors import InvalidInputError, MinecoreError
from minecore.hardware import (
    CHIPS,
    ChipDataUnavailableError,
    ChipLevelModel,
    OperatingConditions,
    UnknownChipError,
    coefficients,
    default_catalog,
    get_chip,
    operating_point_for,
    parse_profile,
    twin_for,
)

CATALOG = default_catalog()
TWINS = {m.key: twin_for(m) for m in CATALOG if m.has_nameplate}
CHIP_TWINS = {k: t for k, t in TWINS.items() if t.kind == "chip"}

#: Chip counts typed from the sources (pyasic expected_chips per board and expected_hashboards @e2b9d357;
#: d-central BHB decoder), and the die of each chip-level model.  Written out here, not read from the catalog, so
#: an edit of a chip count in models.toml fails this test.
SOURCED_COUNTS = {
    "antminer-s17-pro": ("BM1397", 48, 3), "antminer-s19k-pro": ("BM1366", 77, 3),
    "antminer-s19-xp": ("BM1366", 110, 3), "antminer-s19-xp-hyd": ("BM1366", 204, 3),
    "antminer-s21": ("BM1368", 108, 3), "antminer-s21-hyd": ("BM1368", 216, 3), "antminer-t21": ("BM1368", 108, 3),
    "antminer-s21-pro": ("BM1370", 65, 3), "antminer-s21-xp": ("BM1370", 91, 3),
}
#: Small cores per chip, ESP-Miner @5c27713 main/device_config.h (research/asic_chips.md §1).
SOURCED_SMALL_CORES = {"BM1397": 672, "BM1366": 894, "BM1368": 1276, "BM1370": 2040}
#: Independent clocks: measured or firmware, never worked back from a nameplate.
INDEPENDENT = {"antminer-s21": 490.0}


def test_chip_table_values():
    assert {n: CHIPS[n].small_cores for n in SOURCED_SMALL_CORES} == SOURCED_SMALL_CORES
    assert CHIPS["BM1370"].default_clock_mhz == 525 and CHIPS["BM1370"].default_voltage_v == 1.15
    assert all(c.ticket_difficulty == 256 and c.sources for c in CHIPS.values())
    assert CHIPS["BM1370"].hashrate_ghs(525) == pytest.approx(1071.0)  # asic_chips.md worked value
    # BM1397: the host computes 4 midstates per job; the newer chips roll the version bits themselves
    assert (CHIPS["BM1397"].version_rolling, CHIPS["BM1397"].host_midstates) == ("host_midstates", 4)
    assert all(CHIPS[n].version_rolling == "chip" for n in ("BM1366", "BM1368", "BM1370"))
    assert get_chip("bm-1368") is CHIPS["BM1368"]
    with pytest.raises(UnknownChipError, match="did you mean"):
        get_chip("BM1369")


def test_chip_level_models_have_their_sourced_counts():
    assert set(CHIP_TWINS) == set(SOURCED_COUNTS)
    for key, (chip, per_board, boards) in SOURCED_COUNTS.items():
        t = CHIP_TWINS[key]
        assert (t.chip.name, t.chips_per_board, t.boards) == (chip, per_board, boards), key


def test_every_model_with_a_nameplate_has_a_twin():
    for m in CATALOG:
        if m.has_nameplate:
            assert m.key in TWINS
        else:
            with pytest.raises(ChipDataUnavailableError, match="no twin"):
                twin_for(m)
    assert TWINS["whatsminer-m60s"].kind == "nameplate"  # the default scenario's M60S: no chip in the sources


@pytest.mark.parametrize("key", sorted(INDEPENDENT))
def test_independent_nameplate_check(key):
    """Worked by hand for the S21: 490 x 1276 x 324 / 1e6 = 202.58 TH/s vs 200, +1.29 %."""
    check = TWINS[key].nameplate_check()
    assert check.independent and check.clock_mhz == INDEPENDENT[key]
    assert check.twin_ths == pytest.approx(INDEPENDENT[key] * SOURCED_SMALL_CORES[SOURCED_COUNTS[key][0]]
                                           * SOURCED_COUNTS[key][1] * SOURCED_COUNTS[key][2] / 1e6)
    assert check.within and abs(check.error) <= 0.03
    assert TWINS["antminer-s21"].nameplate_error == pytest.approx(0.0129, abs=5e-4)


@pytest.mark.parametrize("key", sorted(INDEPENDENT))
@pytest.mark.parametrize("what", ["chips", "cores", "clock"])
@pytest.mark.parametrize("factor", [0.945, 1.055])
def test_changing_chips_cores_or_clock_by_more_than_5_percent_fails_the_check(key, what, factor):
    model = CATALOG.get(key)
    chip = CHIPS[model.chip]
    if what == "chips":
        twin = ChipLevelModel.for_model(dataclasses.replace(model, chips_per_board=round(model.chips_per_board * factor)))
    elif what == "cores":
        twin = ChipLevelModel(model, dataclasses.replace(chip, small_cores=round(chip.small_cores * factor)))
    else:
        twin = ChipLevelModel.for_model(model)
        twin.normal_clock_mhz *= factor
    assert not twin.nameplate_check().within


def test_calibrated_clocks_are_reported_as_no_check():
    for key, t in TWINS.items():
        if key in INDEPENDENT:
            continue
        check = t.nameplate_check()
        assert not check.independent and check.error is None and check.within is None, key
        assert t.nameplate_error is None and "not independent" in check.text()
        assert "calibrated to nameplate" in t.clock_basis
        assert t.normal_clock_mhz == pytest.approx(t.implied_clock_mhz)
        assert any(c.name == "normal clock" and c.assumed for c in t.used_coefficients())


def test_calibrated_chip_clocks_stay_near_the_chip_range():
    """A wrong chip count shows here: the S21 Pro at 62 chips per board would need 617 MHz, still allowed, but the
    S21+'s 55 BM1368 per board would need 1026 MHz, so it falls back to a nameplate twin."""
    for key, t in CHIP_TWINS.items():
        lo, hi = t.chip.clock_range_mhz
        assert lo * 0.9 <= t.normal_clock_mhz <= hi * 1.1, key
    plus = TWINS["antminer-s21-plus"]
    assert plus.kind == "nameplate" and "1026 MHz" in plus.notes[0]
    with pytest.raises(ChipDataUnavailableError, match="disagree with the nameplate"):
        ChipLevelModel.for_model(CATALOG.get("S21+"))


def test_s21_worked_example():
    t = TWINS["antminer-s21"]
    assert t.chips_total == 324 and t.implied_clock_mhz == pytest.approx(483.8, abs=0.1)
    n = t.operating_point()
    assert n.clock_mhz == 490 and n.hashrate_ths == pytest.approx(202.58, abs=0.01)
    assert n.power_w == pytest.approx(3500.0)  # calibrated: the measured clock draws the nameplate power
    assert n.chip_temp_c == pytest.approx(70.0)  # fans hold the board at 55 °C; chip 15 °C above


#: The research's range for J/TH in the heat: worse (Braiins, 2023-05-09: "higher temperatures result in worse
#: J/TH"; hackernoon S21 test 2024-03-11: power ratio above spec when hot) by at most 7.3 % (a T21's power swing
#: between the coolest and the hottest hour of a day at nameplate settings, guzmanpintos.com, undated).
HEAT_PENALTY_RANGE = (0.0, 0.073)


def test_s21_is_less_efficient_at_44_than_at_25_within_the_reported_range():
    t = TWINS["antminer-s21"]
    cool, hot = t.operating_point(ambient_c=25), t.operating_point(ambient_c=44)
    assert hot.throttled and hot.clock_mhz == pytest.approx(490 * 0.898)  # 440 MHz (S21 test)
    worse = hot.efficiency_j_per_th / cool.efficiency_j_per_th - 1
    lo, hi = HEAT_PENALTY_RANGE
    assert lo < worse <= hi, worse
    assert hot.chip_temp_c > cool.chip_temp_c


@given(st.sampled_from(sorted(TWINS)), st.floats(-10, 38), st.floats(0.5, 8))
@settings(max_examples=120, deadline=None)
def test_power_never_falls_with_heat_below_the_derate(key, t1, dt):
    """At a fixed clock (no throttling below 38 °C), a hotter inlet never lowers power nor improves J/TH."""
    t = TWINS[key]
    t2 = min(t1 + dt, 38.0)
    a, b = t.operating_point(ambient_c=t1), t.operating_point(ambient_c=t2)
    assert b.clock_mhz == a.clock_mhz and b.power_w >= a.power_w - 1e-9
    assert b.efficiency_j_per_th >= a.efficiency_j_per_th - 1e-12


def test_hydro_derates_differently_from_air():
    air, hyd = TWINS["antminer-s21"], TWINS["antminer-s21-hyd"]
    assert air.cooling == "air" and hyd.cooling == "hydro"
    assert not air.operating_point(ambient_c=39).throttled and hyd.operating_point(ambient_c=39).throttled
    assert hyd.operating_point(ambient_c=46).shutdown and not air.operating_point(ambient_c=46).shutdown
    assert air.operating_point(ambient_c=47.5).shutdown
    assert hyd.operating_point().fan_power_w == 0  # pumps are the site's
    thresholds = [c for c in hyd.used_coefficients() if c.name.startswith("heat thresholds")][0]
    assert thresholds.assumed  # no source gives hydro thresholds
    s21 = [c for c in air.used_coefficients() if c.name.startswith("heat thresholds")][0]
    assert not s21.assumed and "2024-03-11" in s21.date  # measured on the S21
    t21 = [c for c in TWINS["antminer-t21"].used_coefficients() if c.name.startswith("heat thresholds")][0]
    assert t21.assumed  # the S21's thresholds applied to the T21


@pytest.mark.parametrize("key", sorted(CHIP_TWINS))
def test_profiles_ordered_and_priced(key):
    t = CHIP_TWINS[key]
    eco, normal, turbo = (t.operating_point(p) for p in ("eco", "normal", "turbo"))
    assert eco.clock_mhz < normal.clock_mhz < turbo.clock_mhz
    assert eco.clock_mhz == pytest.approx(normal.clock_mhz * (1 - 3 * 25 / 545), rel=1e-3)  # 3 LuxOS steps down
    assert turbo.clock_mhz == pytest.approx(normal.clock_mhz * (1 + 2 * 25 / 545), rel=1e-3)
    assert eco.efficiency_j_per_th < normal.efficiency_j_per_th < turbo.efficiency_j_per_th


def test_power_target_finds_the_clock():
    for key in ("antminer-s21", "whatsminer-m60s", "antminer-s21-hyd"):
        t = TWINS[key]
        op = t.operating_point("3000W")
        assert op.power_w == pytest.approx(3000, rel=1e-6) and op.profile == "power target"
        assert op.hashrate_ths < t.operating_point().hashrate_ths
        assert t.operating_point(power_target_w=3000).clock_mhz == pytest.approx(op.clock_mhz)
    with pytest.raises(InvalidInputError, match="outside what the Antminer S21 can draw"):
        TWINS["antminer-s21"].operating_point(power_target_w=9000)
    hot = TWINS["antminer-s21"].operating_point(power_target_w=3400, ambient_c=44)  # above what the hot S21 draws
    assert hot.throttled and hot.clock_mhz == pytest.approx(490 * 0.898) and hot.power_w < 3400
    warm = TWINS["antminer-s21"].operating_point(power_target_w=3000, ambient_c=44)  # reachable under the cap
    assert not warm.throttled and warm.power_w == pytest.approx(3000, rel=1e-6)


def test_failed_boards_keep_fans_and_heat_per_board():
    t = TWINS["antminer-s21"]
    full, one = t.operating_point(), t.operating_point(failed_boards=1)
    assert one.active_boards == 2 and one.hashrate_ths == pytest.approx(full.hashrate_ths * 2 / 3)
    fixed = t.control_power_w + full.fan_power_w
    assert one.power_w == pytest.approx(fixed + (full.power_w - fixed) * 2 / 3)
    dead = t.operating_point(failed_boards=3)
    assert dead.hashrate_ths == 0 and dead.efficiency_j_per_th is None
    for bad in (-1, 4, 1.5, True):
        with pytest.raises(InvalidInputError):
            t.operating_point(failed_boards=bad)


def test_age_lowers_hashrate_not_power():
    t = TWINS["antminer-s21"]
    new, old = t.operating_point(), t.operating_point(age_years=2, degradation_per_year=0.05)
    assert old.hashrate_ths == pytest.approx(new.hashrate_ths * 0.95**2) and old.power_w == new.power_w
    assert old.degradation == pytest.approx(1 - 0.95**2)


def test_nameplate_twin_reproduces_the_nameplate_and_says_what_it_is():
    t = TWINS["whatsminer-m60s"]
    op = t.operating_point()
    assert op.hashrate_ths == pytest.approx(186.0) and op.power_w == pytest.approx(3441.0)
    assert op.twin == "nameplate" and "nameplate-level twin" in op.label() and t.chip.virtual
    assert "its chip is unknown" in t.notes[0] and any("stand-in chips" in n for n in t.notes)
    eco = t.operating_point("eco", ambient_c=35)
    assert eco.hashrate_ths < op.hashrate_ths and eco.power_w < op.power_w


def test_every_coefficient_has_a_basis_and_a_source():
    for c in coefficients().values():
        assert c.basis in {"sourced", "derived", "assumed"}, c.name
        assert c.source and len(c.source) > 20, c.name
        assert c.date == "undated" or c.date[:4].isdigit(), c.name
    assumed = {n for n, c in coefficients().items() if c.assumed}
    assert {"leakage_share", "leakage_doubling_c", "eco_steps", "turbo_steps"} <= assumed
    assert not coefficients()["vf_relative_slope"].assumed  # LuxOS preset steps


def test_conditions_and_profiles_parse():
    assert parse_profile("Turbo") == ("turbo", None) and parse_profile("3,000W".replace(",", "")) == ("power target", 3000.0)
    c = OperatingConditions(profile="eco", ambient_c=35, failed_boards=1)
    assert c.label() == "eco, 35 °C inlet, 1 failed board" and not c.is_nameplate
    assert OperatingConditions(profile="3200w").power_target_w == 3200
    assert OperatingConditions().is_nameplate
    for kwargs, message in (({"profile": "ludicrous"}, "unknown profile 'ludicrous'"),
                            ({"ambient_c": float("nan")}, "ambient_c must be finite"),
                            ({"ambient_c": "25"}, "ambient_c must be a number"),
                            ({"cooling": "water"}, "cooling must be one of air, hydro, immersion"),
                            ({"failed_boards": 1.5}, "failed_boards must be an integer"),
                            ({"degradation_per_year": 2.0}, "degradation_per_year must be <= 0.9")):
        with pytest.raises(InvalidInputError, match=message):
            OperatingConditions(**kwargs)
    op = operating_point_for(CATALOG.get("S21"), profile="eco", ambient_c=35)
    assert op.hashrate_ths == pytest.approx(202.578 * (1 - 3 * 25 / 545), rel=1e-4)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"ambient_c": float("inf")}, "ambient_c must be finite"),
        ({"ambient_c": "25"}, "ambient_c must be a number, got '25'"),
        ({"clock_mhz": float("nan")}, "clock_mhz must be finite"),
        ({"clock_mhz": "500"}, "clock_mhz must be a number"),
        ({"clock_mhz": 2000}, "outside the Antminer S21 Pro's"),
        ({"failed_boards": "1"}, "failed_boards for Antminer S21 Pro must be an integer"),
        ({"failed_boards": 4}, "failed_boards for Antminer S21 Pro must be <= 3, got 4"),
        ({"profile": "ludicrous"}, "unknown profile 'ludicrous'"),
        ({"power_target_w": -5}, "power_target_w must be > 0"),
    ],
)
def test_operating_point_rejects_bad_input(kwargs, message):
    with pytest.raises(InvalidInputError, match=message):
        TWINS["antminer-s21-pro"].operating_point(**kwargs)


def test_tuning_curve_shape_and_bad_clocks():
    t = TWINS["antminer-s21-pro"]
    curve = t.tuning_curve()
    clocks = [p.clock_mhz for p in curve]
    assert clocks == sorted(clocks) and len(curve) >= 9
    assert {"eco", "normal", "turbo"} <= {p.profile for p in curve}
    assert t.best_efficiency_point().efficiency_j_per_th < t.operating_point().efficiency_j_per_th
    explicit = t.tuning_curve([600, 400, 500])
    assert [p.clock_mhz for p in explicit] == [400, 500, 600] and all(p.profile == "custom" for p in explicit)
    for bad, message in (([500, float("nan")], "clock_mhz must be finite"), (500, "clocks_mhz must be a list"),
                         ("500", "clocks_mhz must be a list"), ([], "at least one clock")):
        with pytest.raises(InvalidInputError, match=message):
            t.tuning_curve(bad)


@pytest.mark.parametrize("name", ["Proto Rig", "AT1500", "SEALMINER A3"])
def test_no_twin_without_a_nameplate(name):
    with pytest.raises(ChipDataUnavailableError) as info:
        twin_for(CATALOG.get(name))
    assert isinstance(info.value, MinecoreError) and "--catalog" in str(info.value)


@pytest.mark.parametrize("name", [None, 1370, "", "  "])
def test_get_chip_of_a_non_name(name):
    with pytest.raises(UnknownChipError, match="chip name must be a non-empty string"):
        get_chip(name)


def test_docs_hardware_tables_are_generated_from_the_twin():
    from pathlib import Path

    from minecore.hardware.twin_docs import BEGIN, END, generated_markdown

    text = (Path(__file__).resolve().parents[1] / "docs" / "hardware.md").read_text()
    block = text[text.index(BEGIN):text.index(END) + len(END)]
    assert block == generated_markdown(), (
        "regenerate the block of docs/hardware.md: python -c 'from minecore.hardware.twin_docs import "
        "generated_markdown; print(generated_markdown())'")
    assert "| Antminer S21 | chip | 324 x BM1368 | 490.0 | measured |" in block
    assert "| Whatsminer M60S | nameplate | stand-in die | stand-in | calibrated to nameplate |" in block
