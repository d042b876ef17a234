"""Sweeps across processes: the same 50-point table from the serial executor, the local process pool and a Dask
LocalCluster of 2 worker processes on loopback; and a sweep killed partway (a worker process killed, and
separately the driver interrupted with Ctrl-C) that a rerun completes, computing only the unfinished points.

The kill tests run ``python -m minecore sweep`` in a subprocess, slowed down by ``MINECORE_SWEEP_DELAY_S`` (extra
seconds per point) so that they can be stopped partway at a known stage: after the first chunk is on disk.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from minecore.sweep import driver, executors, spec, store

from test_sweep import needs_pyarrow, write_sweep

SWEEP_50 = """\
schema = 1
[sweep]
scenario = "base.toml"
seed = 99
paths = 16
[axes]
site.power_price_usd_per_kwh = [0.03, 0.04, 0.05, 0.06, 0.07]
network.btc_price_usd = { start = 60000, stop = 140000, num = 5 }
"seized[*].hold_scale" = [0.5, 1.5]
"""


@pytest.fixture(scope="module")
def sweep50(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sweep50")
    path = write_sweep(tmp, SWEEP_50)
    sw = spec.load_sweep(path)
    assert sw.n_points == 50
    return path, sw, driver.run(sw, "serial")


def same_table(a, b, *, hashes: bool = True) -> None:
    """Same points, seeds, strategies and winners exactly; NPVs and Monte Carlo figures to 1e-9 relative."""
    import pandas as pd

    if not hashes:  # a subprocess reads the code again: another engineer's edit in between changes the hashes
        a, b = a.drop(columns="point_hash"), b.drop(columns="point_hash")
    exact = ["point", "seed", "lot", "kind", "rank", "strategy", "winner"]
    pd.testing.assert_frame_equal(a[exact], b[exact], check_exact=True)
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, atol=0.0)


@needs_pyarrow
def test_local_pool_gives_the_serial_table(sweep50, tmp_path):
    _, sw, reference = sweep50
    table = driver.run(sw, executors.LocalExecutor(workers=2), output=tmp_path / "pool.parquet")
    assert table.attrs["sweep"]["computed"] == 50 and table.attrs["sweep"]["workers"] == 2
    same_table(table, reference)
    assert table["point"].nunique() == 50 and (table.groupby("point")["seed"].nunique() == 1).all()


def test_dask_local_cluster_gives_the_serial_table(sweep50, tmp_path, capsys):
    distributed = pytest.importorskip("distributed", reason="Dask is not installed (pip install 'minecore[scale]')")
    from minecore.cli.main import main

    path, sw, reference = sweep50
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        table = driver.run(sw, client, batch_points=5)  # a notebook's client: used, not closed
        st = table.attrs["sweep"]
        assert st["computed"] == 50 and st["batch_points"] == 5 and st["workers"] == 2
        assert st["executor"].startswith("Dask at tcp://127.0.0.1:")
        assert client.submit(sum, [1, 2]).result() == 3
        # the command line, submitting to the running scheduler by its address
        out = tmp_path / "cli.csv"
        assert main(["sweep", str(path), "--dask", cluster.scheduler_address, "--limit", "6", "-o", str(out),
                     "--no-progress"]) == 0
        assert "6 computed, 0 reused" in capsys.readouterr().err
    same_table(table, reference)
    import pandas as pd

    cli = pd.read_csv(out, dtype={"seed": "uint64"})
    head = reference[reference["point"] < 6].reset_index(drop=True)
    assert (cli["seed"] == head["seed"]).all() and (cli["strategy"] == head["strategy"]).all()
    assert ((cli["expected_npv_usd"] - head["expected_npv_usd"]).abs() <= 1e-9 * head["expected_npv_usd"].abs()).all()


# ---------------------------------------------------------------------------------------------- kill and resume


def _start(sweep_path: Path, out: Path, delay: float) -> subprocess.Popen:
    env = {**os.environ, "MINECORE_SWEEP_DELAY_S": str(delay), "COLUMNS": "120"}
    return subprocess.Popen([sys.executable, "-m", "minecore", "sweep", str(sweep_path), "--workers", "2",
                             "--batch-points", "2", "-o", str(out), "--no-progress"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_chunk(proc: subprocess.Popen, out: Path, timeout: float = 60.0) -> None:
    parts = driver.parts_dir(out)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if parts.exists() and any(store.CHUNK.match(f.name) for f in parts.iterdir()):
            return
        if proc.poll() is not None:
            pytest.fail(f"the sweep ended before its first chunk: {proc.communicate()}")
        time.sleep(0.05)
    proc.kill()
    pytest.fail("no chunk written in time")


def _done(out: Path) -> int:
    with store.ChunkStore(driver.parts_dir(out), "parquet") as st:
        return len(st.done())


def _rerun(sweep_path: Path, out: Path, reference, killed_with: int) -> None:
    import pandas as pd

    kept = _done(out)
    assert 0 < kept < 50, kept
    proc = subprocess.run([sys.executable, "-m", "minecore", "sweep", str(sweep_path), "--workers", "2", "-o",
                           str(out), "--no-progress"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    m = re.search(r"50 points: (\d+) computed, (\d+) reused", proc.stderr)
    assert m, proc.stderr
    assert (int(m.group(1)), int(m.group(2))) == (50 - kept, kept), (killed_with, proc.stderr)
    same_table(pd.read_parquet(out), reference, hashes=False)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to find the worker processes")
@needs_pyarrow
def test_a_killed_worker_costs_only_the_points_in_flight(sweep50, tmp_path):
    path, _, reference = sweep50
    out = tmp_path / "killed.parquet"
    proc = _start(path, out, delay=0.1)
    _wait_for_chunk(proc, out)
    workers = [g for c in _children(proc.pid) for g in _children(c)]  # driver -> fork server -> workers
    assert workers, "no worker process found"
    os.kill(workers[0], signal.SIGKILL)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    assert "a worker process of the sweep died" in err and "finished and kept" in err, err
    assert err.count("\n") == 1
    _rerun(path, out, reference, signal.SIGKILL)


@needs_pyarrow
def test_an_interrupted_driver_exits_130_and_keeps_what_finished(sweep50, tmp_path):
    path, _, reference = sweep50
    out = tmp_path / "interrupted.parquet"
    proc = _start(path, out, delay=0.1)
    _wait_for_chunk(proc, out)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    m = re.search(r"interrupted: (\d+) of 50 points finished and kept in ", err)
    assert m, err
    assert int(m.group(1)) == _done(out)  # every point it reported finished is on disk
    assert not list(driver.parts_dir(out).glob(".tmp-*"))
    _rerun(path, out, reference, signal.SIGINT)


def _children(pid: int) -> list[int]:
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                stat = Path(f"/proc/{d}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(d))
    return out
