"""Sweeps (minecore.sweep, ``minecore sweep``): the sweep file, points, seeds and hashes, the table's rows, the
chunk store and resume, the summary, and every documented error. Fast: everything here runs in this process
(serial executor, tiny Monte Carlo); tests/test_sweep_exec.py runs the process pool, Dask and the kill tests."""

from __future__ import annotations

import dataclasses
import math
import textwrap
import tomllib
from pathlib import Path

import pytest

from minecore.cli.main import main
from minecore.errors import OptionalDependencyError, SweepError
from minecore.sweep import driver, points, spec, store

ROOT = Path(__file__).resolve().parent.parent
needs_pyarrow = pytest.mark.skipif(not store.have_pyarrow(),
                                   reason="Parquet needs pyarrow (pip install 'minecore[scale]')")
EXAMPLE = ROOT / "examples" / "sweep-power-btc-hold.toml"

#: one lot, one replacement, one year: a point costs a few milliseconds
SCENARIO = """\
schema = 2
[scenario]
name = "sweep test"
horizon_days = 365
strategies = ["wait_and_redeploy", "sell_on_release", "abandon", "replace_now"]
[site]
power_price_usd_per_kwh = 0.05
[[seized]]
name = "S21 lot"
model = "Antminer S21"
units = 100
days_held = 90
price_usd = 2699
[[option]]
name = "Auradine AH3880"
model = "Teraflux AH3880"
price_usd = 5400
lead_time_days = 60
[monte_carlo]
paths = 16
seed = 3
"""


def write_sweep(tmp: Path, body: str, *, scenario: str | None = SCENARIO, name: str = "s.toml") -> Path:
    if scenario is not None:
        (tmp / "base.toml").write_text(scenario)
    p = tmp / name
    p.write_text(textwrap.dedent(body))
    return p


SMALL = """\
schema = 1
[sweep]
scenario = "base.toml"
seed = 11
paths = 16
[axes]
site.power_price_usd_per_kwh = [0.04, 0.07]
network.btc_price_usd = { start = 60000, stop = 120000, num = 3 }
"""


# ---------------------------------------------------------------------------------------------- the file


def test_example_sweep_has_500_points_over_power_btc_and_hold():
    sw = spec.load_sweep(EXAMPLE)
    assert sw.n_points >= 500 and sw.shape == (8, 9, 7)
    assert sw.axis_keys == ("site.power_price_usd_per_kwh", "network.btc_price_usd", "seized[*].hold_scale")
    power, btc, hold = (a.values for a in sw.axes)
    assert power == (0.03, 0.035, 0.04, 0.045, 0.05, 0.055, 0.06, 0.065)  # no float noise from the steps
    assert btc == tuple(range(60000, 140001, 10000)) and all(isinstance(v, int) for v in btc)
    assert hold == (0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0)
    assert sw.base_lots == 2 and sw.paths == 200 and sw.seed == 2025


@pytest.mark.parametrize("rng,values", [
    ({"start": 1, "stop": 3, "num": 3}, [1, 2, 3]),
    ({"start": 0.1, "stop": 0.3, "num": 3}, [0.1, 0.2, 0.3]),
    ({"start": 5, "stop": 5, "num": 1}, [5]),
    ({"start": 0.5, "stop": 2.0, "step": 0.25}, [0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0]),
    ({"start": 10, "stop": 1, "step": -4}, [10, 6, 2]),
    ({"start": 0, "stop": 1, "step": 0.3}, [0.0, 0.3, 0.6, 0.9]),
])
def test_ranges(rng, values):
    assert spec.expand_range("f", "k", rng) == values


def test_points_are_case_major_then_row_major(tmp_path):
    p = write_sweep(tmp_path, SMALL + '[[case]]\nname = "a"\n"seized[0].units" = 50\n[[case]]\nname = "b"\n'
                              '"seized[0].units" = 200\n')
    sw = spec.load_sweep(p)
    assert sw.shape == (2, 2, 3) and sw.n_points == 12
    pt = sw.point(7)  # case b, power 0.04, btc 90000
    assert (pt.case, pt.coords) == ("b", (0, 1))
    assert [(t.key, v) for t, v in pt.overrides] == [("seized[0].units", 200), ("site.power_price_usd_per_kwh", 0.04),
                                                     ("network.btc_price_usd", 90000)]
    assert [q.index for q in sw.points(limit=5)] == [0, 1, 2, 3, 4]


def test_axes_as_nested_tables_and_quoted_keys_are_the_same(tmp_path):
    a = spec.load_sweep(write_sweep(tmp_path, SMALL, name="a.toml"))
    b = spec.load_sweep(write_sweep(tmp_path, SMALL.replace(
        'site.power_price_usd_per_kwh = [0.04, 0.07]', '"site.power_price_usd_per_kwh" = [0.04, 0.07]'), name="b.toml"))
    assert a.axes == b.axes


# ---------------------------------------------------------------------------------------------- bad files: exit 2


BAD = [
    # (what, sweep body (after the [sweep] table), expected message after "<file>: ")
    ("unknown axis", 'site.power_prise = [0.04]',
     "axes.site.power_prise: unknown scenario input: [site] has no key 'power_prise'; "
     "did you mean 'power_price_usd_per_kwh'?"),
    ("unknown section", 'sitee.pue = [1.2]', "axes.sitee.pue: unknown scenario input: no section 'sitee'; "
                                            "did you mean 'site'?"),
    ("empty range", 'site.pue = { start = 1.1, stop = 1.3, num = 0 }', "axes.site.pue: empty range: num = 0"),
    ("empty range by its step", 'site.pue = { start = 1.3, stop = 1.1, step = 0.1 }',
     "axes.site.pue: empty range: from 1.3 to 1.1 in steps of 0.1 gives no value"),
    ("empty list", 'site.pue = []', "axes.site.pue: empty axis: give at least one value"),
    ("type error", 'site.pue = ["high"]', "axes.site.pue: value 'high': site.pue must be a number, got 'high'"),
    ("out of range", 'site.pue = [1.2, 0.5]', "axes.site.pue: value 0.5: site.pue must be >= 1, got 0.5"),
    ("type error in a range", 'site.pue = { start = "a", stop = 2, num = 2 }',
     "axes.site.pue: range start must be a finite number, got 'a'"),
    ("not a list", 'site.pue = 1.2', "axes.site.pue: must be a list of values or a range {start, stop, num}, "
                                     "got 1.2"),
    ("names no scenario input: no such lot", '"seized[3].units" = [10]',
     "axes.seized[3].units: names no scenario input: the base scenario has 1 [[seized]] entry (seized[0] to "
     "seized[0])"),
    ("names no scenario input: no option", '"fleet[*].units" = [10]',
     "axes.fleet[*].units: names no scenario input: the base scenario has no [[fleet]] entry"),
    ("names no scenario input: the seed", 'monte_carlo.seed = [1, 2]',
     "axes.monte_carlo.seed: not an input a sweep can vary: the sweep derives each point's seed: set [sweep] seed "
     "and seed_policy"),
    ("array without an index", 'seized.units = [10]',
     "axes.seized.units: [[seized]] is an array of tables: name an entry, seized[0].units, or every entry, "
     "seized[*].units"),
    ("repeated value", 'site.pue = [1.2, 1.2]', "axes.site.pue: repeats the value 1.2"),
    ("a lot's value the loader refuses", '"seized[0].units" = [10, 0]',
     "axes.seized[0].units: value 0: seized[0].units must be >= 1, got 0"),
]


@pytest.mark.parametrize("what,body,message", BAD, ids=[b[0] for b in BAD])
def test_bad_axis_is_one_line_naming_file_and_key_exit_2(tmp_path, capsys, what, body, message):
    p = write_sweep(tmp_path, f'schema = 1\n[sweep]\nscenario = "base.toml"\n[axes]\n{body}\n')
    code = main(["sweep", str(p), "--serial", "-o", str(tmp_path / "out.csv")])
    out, err = capsys.readouterr()
    assert code == 2, err
    assert err == f"minecore: error: {p}: {message}\n"
    assert out == "" and not (tmp_path / "out.csv").exists() and not (tmp_path / "out.csv.parts").exists()


BAD_FILES = [
    ("malformed TOML", 'schema = 1\n[axes\n', "malformed TOML: "),
    ("unknown top-level key", 'schema = 1\n[axis]\nsite.pue = [1.2]\n', "axis: unknown key; did you mean 'axes'?"),
    ("unknown [sweep] key", 'schema = 1\n[sweep]\npath = 10\n[axes]\nsite.pue = [1.2]\n',
     "sweep.path: unknown key; did you mean 'paths'?"),
    ("bad [sweep] type", 'schema = 1\n[sweep]\npaths = "many"\n[axes]\nsite.pue = [1.2]\n',
     "sweep.paths: paths must be an integer, got 'many'"),
    ("bad seed policy", 'schema = 1\n[sweep]\nseed_policy = "random"\n[axes]\nsite.pue = [1.2]\n',
     "sweep.seed_policy: must be one of per_point, common, got 'random'"),
    ("unknown flip input", 'schema = 1\n[sweep]\nflips = ["power"]\n[axes]\nsite.pue = [1.2]\n',
     "sweep.flips[0]: unknown flip input 'power'; did you mean 'power_price_usd_per_kwh'?"),
    ("schema", 'schema = 3\n[axes]\nsite.pue = [1.2]\n', "schema: unsupported sweep schema 3; this minecore reads 1"),
    ("nothing to sweep", 'schema = 1\n', "axes: nothing to sweep: give [axes] or [[case]] tables"),
    ("missing scenario file", 'schema = 1\n[sweep]\nscenario = "nope.toml"\n[axes]\nsite.pue = [1.2]\n',
     "sweep.scenario: no such scenario file: "),
    ("case and axis set one input", 'schema = 1\n[axes]\nsite.pue = [1.2]\n[[case]]\nname = "x"\nsite.pue = 1.3\n',
     "case[0].site.pue: also an axis (axes.site.pue): set it in one place"),
    ("case value refused", 'schema = 1\n[[case]]\nname = "x"\nsite.pue = 9.0\n',
     "case[0].site.pue: value 9.0: site.pue must be <= 5, got 9"),
    ("duplicate case names", 'schema = 1\n[[case]]\nname = "x"\nsite.pue = 1.2\n[[case]]\nname = "x"\n'
                             'site.pue = 1.3\n', "case[1].name: repeats the case name 'x'"),
]


@pytest.mark.parametrize("what,text,message", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_sweep_file_is_one_line_exit_2(tmp_path, capsys, what, text, message):
    p = tmp_path / "bad.toml"
    p.write_text(text)
    code = main(["sweep", str(p), "--serial", "-o", str(tmp_path / "out.csv")])
    _, err = capsys.readouterr()
    assert code == 2
    assert err.startswith(f"minecore: error: {p}: {message}") and err.count("\n") == 1, err


def test_missing_sweep_file_exit_2(tmp_path, capsys):
    assert main(["sweep", str(tmp_path / "none.toml")]) == 2
    assert capsys.readouterr().err == f"minecore: error: {tmp_path / 'none.toml'}: no such sweep file\n"


def test_bad_options_exit_2(tmp_path, capsys):
    p = write_sweep(tmp_path, SMALL)
    for argv in (["--limit", "0"], ["--serial", "--workers", "2"], ["--dask", "tcp://x:1", "--workers", "2"],
                 ["--format", "xlsx"], ["--serial", "--dask", "local"]):
        assert main(["sweep", str(p), *argv]) == 2, argv
        assert capsys.readouterr().err.count("\n") == 1


# ---------------------------------------------------------------------------------------------- points


def test_seed_depends_on_the_point_not_its_position(tmp_path):
    a = spec.load_sweep(write_sweep(tmp_path, SMALL, name="a.toml"))
    # another grid around the same points: an extra value first, and the axes in the same order
    b = spec.load_sweep(write_sweep(tmp_path, SMALL.replace("[0.04, 0.07]", "[0.03, 0.04, 0.07]"), name="b.toml"))
    ta = {a.point(i).overrides: (s, h) for i, h, s in driver.tasks(a)}
    tb = {b.point(i).overrides: (s, h) for i, h, s in driver.tasks(b)}
    assert len(ta) == 6 and len(tb) == 9
    for over, (seed, h) in ta.items():
        assert tb[over] == (seed, h)  # same seed and same identity: the result is reused
    assert len({s for s, _ in ta.values()}) == 6 and all(0 <= s < 2**64 for s, _ in ta.values())


def test_common_seed_policy_and_what_changes_the_hash(tmp_path):
    a = spec.load_sweep(write_sweep(tmp_path, SMALL, name="a.toml"))
    c = dataclasses.replace(a, seed_policy=spec.SeedPolicy.COMMON)
    assert {s for _, _, s in driver.tasks(c)} == {11}
    base = [h for _, h, _ in driver.tasks(a)]
    for changed in (dataclasses.replace(a, paths=17), dataclasses.replace(a, seed=12),
                    dataclasses.replace(a, flips=("hold_scale",)), dataclasses.replace(a, base_raw={
                        **a.base_raw, "site": {"power_price_usd_per_kwh": 0.05, "pue": 1.2}})):
        assert not set(base) & {h for _, h, _ in driver.tasks(changed)}
    assert [h for _, h, _ in driver.tasks(dataclasses.replace(a, batch_points=3, name="other"))] == base


def test_hash_covers_the_package_version(tmp_path, monkeypatch):
    import minecore

    a = spec.load_sweep(write_sweep(tmp_path, SMALL))
    before = [h for _, h, _ in driver.tasks(a)]
    monkeypatch.setattr(minecore, "__version__", "999.0")
    assert not set(before) & {h for _, h, _ in driver.tasks(a)}


def test_toml_round_trip_of_the_default_scenario():
    from minecore.reports.defaults import DEFAULT_SCENARIO_TOML

    raw = tomllib.loads(DEFAULT_SCENARIO_TOML)
    assert tomllib.loads(points.to_toml(raw)) == raw
    odd = {"scenario": {"name": 'quote " and \\ and é\n', "analysis_date": tomllib.loads("d = 2026-01-02")["d"]},
           "seized": [{"model": "x", "units": 3, "f": 1e-05, "g": [1, 2.5]}]}
    assert tomllib.loads(points.to_toml(odd)) == odd


def test_apply_hold_scale_wildcards_and_whole_arrays():
    from minecore.economics.release import ReleaseModel

    assert points.DEFAULT_MEDIAN_HOLD_DAYS == ReleaseModel().median_hold_days
    raw = {"seized": [{"model": "a", "units": 1}, {"model": "b", "units": 2, "median_hold_days": 60.0}]}
    t = spec.Target
    out = points.apply(raw, ((t("seized", "*", "hold_scale"), 1.5), (t("seized", "*", "units"), 7)))
    assert [e["median_hold_days"] for e in out["seized"]] == [180.0, 90.0]
    assert [e["units"] for e in out["seized"]] == [7, 7]
    assert raw["seized"][0] == {"model": "a", "units": 1}  # the base is not touched
    out = points.apply(raw, ((t("seized", 1, None), {"model": "c", "units": 9}),))
    assert out["seized"][1] == {"model": "c", "units": 9}


# ---------------------------------------------------------------------------------------------- the table


@pytest.fixture(scope="module")
def small_table(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("small")
    sw = spec.load_sweep(write_sweep(tmp, SMALL))
    return sw, driver.run(sw, "serial")


def test_table_rows_match_the_economics_at_each_point(small_table):
    from minecore.economics import compare, run_monte_carlo
    from minecore.reports.scenario import parse_scenario

    sw, table = small_table
    assert list(table.columns) == driver.columns(sw)
    assert table["point"].nunique() == 6 and set(table["kind"]) == {"strategy"}
    row = table[table["point"] == 4]  # power 0.07, BTC 90000
    assert set(row["site.power_price_usd_per_kwh"]) == {0.07} and set(row["network.btc_price_usd"]) == {90000}
    text = SCENARIO.replace("power_price_usd_per_kwh = 0.05", "power_price_usd_per_kwh = 0.07").replace(
        "[[seized]]", "[network]\nbtc_price_usd = 90000\n[[seized]]")
    sc = parse_scenario(text, "x")
    res = compare(sc)
    assert list(row["strategy"]) == [o.label for o in res.outcomes]
    assert list(row["rank"]) == list(range(1, len(res.outcomes) + 1))
    assert set(row["winner"]) == {res.winner.label}
    for (_, r), o in zip(row.iterrows(), res.outcomes):
        assert r["expected_npv_usd"] == pytest.approx(o.expected_npv_usd, rel=1e-12)
    lead = row["lead_usd"].tolist()
    assert lead[0] == pytest.approx(res.margin_usd) and lead[0] >= 0 and all(x <= 0 for x in lead[1:])
    seed = int(row["seed"].iloc[0])
    mc = run_monte_carlo(sc, dataclasses.replace(sc.monte_carlo, seed=seed, paths=16))
    by = {m["strategy"]: m for m in mc.summary_rows()}
    for _, r in row.iterrows():
        m = by[r["strategy"]]
        assert (r["mc_npv_mean_usd"], r["mc_npv_p5_usd"], r["mc_p_win"]) == pytest.approx(
            (m["npv_mean_usd"], m["npv_p5_usd"], m["p_win"]), rel=1e-12)
    assert (row["mc_paths"] == 16).all()


def test_multi_lot_points_get_plan_rows_and_flip_columns(tmp_path):
    from minecore.economics import what_flips
    from minecore.reports.scenario import default_scenario

    p = write_sweep(tmp_path, 'schema = 1\n[sweep]\npaths = 0\nflips = ["power_price_usd_per_kwh"]\n'
                              'flip_steps = 4\n[axes]\nsite.pue = [1.1, 1.3]\n', scenario=None)
    sw = spec.load_sweep(p)
    table = driver.run(sw, "serial", limit=1)
    assert table["point"].unique().tolist() == [0]
    lots = table[table["kind"] == "strategy"]["lot"].unique().tolist()
    assert lots == ["S21 lot", "M60S lot"]
    plan = table[table["kind"] == "plan"]
    assert len(plan) >= 1 and plan["rank"].iloc[0] == 1 and plan["lot"].iloc[0] == "site"
    winners = table[(table["kind"] == "strategy") & (table["rank"] == 1)]["strategy"].tolist()
    assert plan["strategy"].iloc[0] == f"S21 lot={winners[0]}; M60S lot={winners[1]}"  # no cap: per-lot winners
    assert table[table["kind"] == "strategy"]["mc_npv_mean_usd"].isna().all()  # paths = 0: no Monte Carlo
    flips = what_flips(default_scenario().for_lot(0), ["power_price_usd_per_kwh"], tol=1e-3, steps=4)
    s21 = table[table["lot"] == "S21 lot"].iloc[0]
    for side in ("below", "above"):
        thr = flips.row("power_price_usd_per_kwh", side).threshold
        got = s21[f"flip_power_price_usd_per_kwh_{side}"]
        assert (math.isnan(got) and thr is None) or got == pytest.approx(thr, rel=1e-12)
    assert s21["flip_sentence"] == flips.sentence()


def test_a_combination_only_refused_together_is_an_error_row(tmp_path):
    p = write_sweep(tmp_path, 'schema = 1\n[sweep]\nscenario = "base.toml"\npaths = 0\n[axes]\n'
                              '"option[0].units" = [10]\n[[case]]\nname = "budget"\n"option[0].budget_usd" = 1e6\n'
                              '[[case]]\nname = "plain"\n"seized[0].units" = 50\n')
    table = driver.run(spec.load_sweep(p), "serial")
    err = table[table["kind"] == "error"]
    assert err["point"].tolist() == [0] and err["case"].tolist() == ["budget"]
    assert "give units or budget_usd, not both" in err["error"].iloc[0]
    assert (table[table["point"] == 1]["kind"] == "strategy").all()


# ---------------------------------------------------------------------------------------------- store and resume


@needs_pyarrow
def test_resume_computes_only_the_missing_points(tmp_path, small_table, monkeypatch):
    sw, reference = small_table
    out = tmp_path / "t.parquet"
    first = driver.run(sw, "serial", output=out, limit=2)
    assert first.attrs["sweep"]["computed"] == 2 and first["point"].nunique() == 2
    second = driver.run(sw, "serial", output=out)
    st = second.attrs["sweep"]
    assert (st["computed"], st["reused"], st["points"]) == (4, 2, 6)
    import pandas as pd

    pd.testing.assert_frame_equal(second, reference, check_exact=True)
    pd.testing.assert_frame_equal(pd.read_parquet(out), reference, check_exact=True)
    third = driver.run(sw, "serial", output=out)
    assert third.attrs["sweep"]["computed"] == 0
    parts = store.ChunkStore(driver.parts_dir(out), "parquet")
    assert 2 <= len(parts.chunks()) <= store.COMPACT_CHUNKS
    monkeypatch.setattr(store, "COMPACT_CHUNKS", 1)
    pd.testing.assert_frame_equal(driver.run(sw, "serial", output=out), reference, check_exact=True)
    assert len(parts.chunks()) == 1  # merged once there are more than COMPACT_CHUNKS


@needs_pyarrow
def test_a_grown_grid_reuses_its_points_under_their_new_numbers(tmp_path):
    import pandas as pd

    a = spec.load_sweep(write_sweep(tmp_path, SMALL, name="a.toml"))
    b = spec.load_sweep(write_sweep(tmp_path, SMALL.replace("[0.04, 0.07]", "[0.03, 0.04, 0.07]"), name="b.toml"))
    out = tmp_path / "t.parquet"
    driver.run(a, "serial", output=out)
    grown = driver.run(b, "serial", output=out)
    assert (grown.attrs["sweep"]["computed"], grown.attrs["sweep"]["reused"]) == (3, 6)
    pd.testing.assert_frame_equal(grown, driver.run(b, "serial"), check_exact=True)


@needs_pyarrow
def test_a_failed_chunk_write_leaves_no_chunk(tmp_path, monkeypatch):
    import pandas as pd

    from minecore.sweep.evaluate import frame

    st = store.ChunkStore(tmp_path / "parts", "parquet").open()
    real = pd.DataFrame.to_parquet

    def crash(self, path, *a, **k):
        Path(path).write_bytes(b"PAR1 half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", crash)
    from minecore.errors import OutputError

    with pytest.raises(OutputError, match="No space left on device"):
        st.write([frame([{"point": 0, "point_hash": "h0", "seed": 1}])])
    assert list((tmp_path / "parts").iterdir()) == [tmp_path / "parts" / ".lock"]  # no chunk, no temporary file
    monkeypatch.setattr(pd.DataFrame, "to_parquet", real)
    st.write([frame([{"point": 0, "point_hash": "h0", "seed": 2**64 - 1}])])
    assert st.done() == {"h0"} and int(st.read()["seed"].iloc[0]) == 2**64 - 1
    with pytest.raises(SweepError, match="another minecore sweep is writing"):
        store.ChunkStore(tmp_path / "parts", "parquet").open()
    st.close()
    (tmp_path / "parts" / ".tmp-1-chunk-000009-1.parquet").write_bytes(b"crash")
    store.ChunkStore(tmp_path / "parts", "parquet").open().close()
    assert not list((tmp_path / "parts").glob(".tmp-*"))  # a crash's temporary file is removed on the next start


def test_csv_chunks_and_table_keep_exact_values(tmp_path, small_table):
    import pandas as pd

    sw, reference = small_table
    table = driver.run(sw, "serial", output=tmp_path / "t.csv")
    pd.testing.assert_frame_equal(table, reference, check_exact=True)
    back = pd.read_csv(tmp_path / "t.csv", dtype={"seed": "uint64"})
    assert (back["seed"] == reference["seed"]).all()
    assert (back["expected_npv_usd"] == reference["expected_npv_usd"]).all()


def test_without_pyarrow_csv_unless_parquet_was_asked_for(tmp_path, capsys, monkeypatch):
    p = write_sweep(tmp_path, SMALL)
    monkeypatch.setattr(store, "have_pyarrow", lambda: False)
    monkeypatch.chdir(tmp_path)
    assert main(["sweep", str(p), "--serial", "--limit", "1"]) == 0
    err = capsys.readouterr().err
    assert "pyarrow is not installed (pip install 'minecore[scale]'): writing CSV" in err
    assert (tmp_path / "s.csv").exists() and not (tmp_path / "s.parquet").exists()
    for argv in (["--format", "parquet"], ["-o", "x.parquet"]):
        assert main(["sweep", str(p), "--serial", "--limit", "1", *argv]) == 2
        assert capsys.readouterr().err == ("minecore: error: Parquet output needs pyarrow: pip install "
                                           "'minecore[scale]' (or --format csv)\n")
    with pytest.raises(OptionalDependencyError):
        driver.run(spec.load_sweep(p), "serial", output=tmp_path / "y.parquet")


def test_dask_without_dask_names_the_extra(tmp_path, capsys, monkeypatch):
    import sys

    p = write_sweep(tmp_path, SMALL)
    monkeypatch.setitem(sys.modules, "distributed", None)
    assert main(["sweep", str(p), "--dask", "local", "-o", str(tmp_path / "o.csv")]) == 2
    assert capsys.readouterr().err == "minecore: error: Dask is not installed: pip install 'minecore[scale]'\n"


# ---------------------------------------------------------------------------------------------- CLI and summary


@needs_pyarrow
def test_cli_writes_the_table_and_prints_the_summary(tmp_path, capsys, small_table):
    import pandas as pd

    sw, reference = small_table
    out = tmp_path / "r.parquet"
    assert main(["sweep", sw.source, "--serial", "-o", str(out), "--summary", "--no-progress"]) == 0
    o, e = capsys.readouterr()
    pd.testing.assert_frame_equal(pd.read_parquet(out), reference)
    assert e.startswith(f"wrote {out} ({len(reference):,} rows, 6 points: 6 computed, 0 reused, ")
    assert o.startswith("Sweep 's': 6 of 6 points (2 x 3; site.power_price_usd_per_kwh x network.btc_price_usd)")
    assert "Where the recommendation changes:" in o and "S21 lot: " in o
    assert "  as network.btc_price_usd goes 60000 to 120000: the winner " in o


def test_summary_counts_changes_along_each_axis(small_table):
    from minecore.sweep.summary import summarize, transitions, winners

    sw, table = small_table
    wins = winners(table)["S21 lot"]
    assert len(wins) == 6
    by_axis = {name: (changed, counted, what) for name, _values, changed, counted, what in transitions(sw, wins)}
    assert by_axis["site.power_price_usd_per_kwh"][1] == 3 and by_axis["network.btc_price_usd"][1] == 2
    for name, (changed, counted, what) in by_axis.items():  # count by hand: neighbours with another winner
        sw_axis = sw.axis_keys.index(name)
        pairs = [(i, j) for i in wins for j in wins if sw.point(j).coords[sw_axis] == sw.point(i).coords[sw_axis] + 1
                 and all(a == b for n, (a, b) in enumerate(zip(sw.point(i).coords, sw.point(j).coords))
                         if n != sw_axis)]
        assert sum(what.values()) == sum(wins[i] != wins[j] for i, j in pairs)
        assert changed <= counted
    text = summarize(table, sw)
    for label in set(wins.values()):
        assert label in text


def test_progress_callback_counts_points(tmp_path, small_table):
    sw, _ = small_table
    seen = []
    driver.run(sw, "serial", limit=4, batch_points=1, progress=lambda d, t, r: seen.append((d, t, r)))
    assert seen == [(0, 4, 0), (1, 4, 0), (2, 4, 0), (3, 4, 0), (4, 4, 0)]


def test_batches_grow_to_the_measured_cost_of_a_point():
    from minecore.sweep.executors import MAX_BATCH_POINTS, Batcher, DaskExecutor

    b = Batcher(slots=2, task_seconds=0.25)
    assert b.size(1000) == 1  # nothing measured yet: one point per task
    b.observe(1, 0.01)
    assert b.size(1000) == 25 and b.largest == 25
    b.observe(1, 0.001)  # cheaper points: bigger batches, up to the cap
    assert b.size(1000) == MAX_BATCH_POINTS
    assert b.size(40) == 5  # the end: at least four tasks per worker left
    assert Batcher(2, 0.25, fixed=7).size(3) == 7

    class Cluster:  # the Dask executor's rule, without a cluster
        slots = 3200

    assert DaskExecutor.task_seconds.fget(Cluster()) == 6.4


def test_help_lists_sweep(capsys):
    assert main(["--help"]) == 0
    assert "sweep" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_:
        main(["sweep", "--help"])
    assert exit_.value.code == 0 and "--dask" in capsys.readouterr().out


def test_sweep_package_import_is_light():
    import subprocess
    import sys

    code = ("import sys, minecore.sweep, minecore.sweep.evaluate; "
            "print(sorted(m for m in ('numpy', 'pandas', 'numba', 'distributed') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
