"""End to end on loopback: ``minecore mine`` against ``minecore pool`` on every backend, ``minecore proxy``
between them, and the ASIC twin as a virtual miner (``minecore emulate MODEL --stratum``), whose share count
is held against its Poisson expectation.  The pool checks every share with hashlib; so does the proxy."""

from __future__ import annotations

import asyncio
import json
import math

import pytest

from minecore.backends import available
from minecore.cli.main import main
from minecore.stratum import LineConnection, PoolConfig, PoolServer, ProxyConfig, ServerThread, StratumJob, StratumProxy
from minecore.stratum.connection import quiet
from minecore.stratum.sharelog import read_share_log

#: CPU-scale pool difficulty: one share per 2^16 hashes (hashlib finds a few per second, native hundreds)
D = 2.0**-16
BACKENDS = available()  # cuda too where a GPU is present


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    log = tmp_path_factory.mktemp("pool") / "shares.jsonl"
    server = PoolServer(PoolConfig(difficulty=D, share_log=str(log), seed=5), status=quiet)
    thread = ServerThread(server)
    thread.log = log
    yield thread
    thread.stop()


def _run_json(capsys, argv: list[str]) -> dict:
    capsys.readouterr()
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize("backend", BACKENDS)
def test_mine_against_the_pool_on_every_backend(backend, pool, capsys):
    """Shares found by the backend, checked by the miner and again by the pool (hashlib), all accepted;
    a short nonce span makes the miner roll versions (BIP 320) within the run."""
    before = pool.server.workers.totals()["accepted"]
    report = _run_json(capsys, ["mine", pool.url, "--user", f"rig-{backend}", "--backend", backend, "--threads", "2",
                                "--seconds", "20", "--max-shares", "4", "--nonce-span", "8192", "--json"])
    assert report["backend"] == backend and report["version_mask"] == "1fffe000"
    assert report["accepted"] >= 4 and report["rejected_total"] == 0 and report["hardware_errors"] == 0
    assert report["hashes"] > 0 and all(t["hashrate_hs"] > 0 for t in report["threads"] if t["hashes"])
    accepted = [s for s in report["shares"] if s["result"] == "accepted"]
    assert len(accepted) == report["accepted"]
    assert all(s["share_difficulty"] >= D for s in accepted)
    assert any(int(s["version_bits"], 16) for s in accepted) or report["hashes"] < 8192 * 4  # rolled versions
    worker = next(w for w in pool.server.report()["workers"] if w["worker"] == f"rig-{backend}")
    assert worker["accepted"] == report["accepted"] and worker["rejected_total"] == 0
    assert pool.server.workers.totals()["accepted"] - before == report["accepted"]
    logged = [r for r in read_share_log(pool.log) if r["worker"] == f"rig-{backend}"]
    assert {r["hash"] for r in logged} == {s["hash"] for s in accepted}
    assert all(r["result"] == "accepted" and r["share_difficulty"] >= r["difficulty"] for r in logged)


def test_mine_follows_new_blocks_and_drops_stale_work(capsys):
    """A pool announcing a new block (clean_jobs) every 0.25 s: the miner switches work each time; only shares
    racing a new block may come back stale (21), nothing else is rejected."""
    server = PoolServer(PoolConfig(difficulty=D, block_interval=0.25, seed=6), status=quiet)
    with ServerThread(server) as st:
        report = _run_json(capsys, ["mine", st.url, "--user", "rig-blocks", "--threads", "1", "--seconds", "1.5",
                                    "--json"])
        pool_report = st.stop()
    assert pool_report["jobs_block"] >= 4
    assert report["accepted"] > 0 and set(report["rejected"]) <= {"job_not_found"}
    assert report["rejected"].get("job_not_found", 0) <= max(3, report["accepted"] // 5)
    jobs = {s["job_id"] for s in report["shares"] if s["result"] == "accepted"}
    assert len(jobs) >= 2  # shares on several blocks' jobs


def test_mine_sigint_prints_the_report_and_exits_130(pool):
    import signal
    import subprocess
    import sys
    import time

    proc = subprocess.Popen([sys.executable, "-m", "minecore", "mine", pool.url, "--user", "rig-sigint",
                             "--threads", "1", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if "connected to" in line or (not line and proc.poll() is not None):
                break
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    report = json.loads(out)
    assert report["user"] == "rig-sigint" and report["hashes"] > 0


def test_mine_reconnects_and_reports_a_pool_that_is_not_there(capsys):
    assert main(["mine", "stratum+tcp://127.0.0.1:1", "--user", "x", "--seconds", "1.2", "--backend", "hashlib"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert any("reconnecting in" in line for line in err)
    assert err[-1].startswith("minecore: error: cannot connect to stratum+tcp://127.0.0.1:1")


@pytest.mark.parametrize("args", [["not-a-url", "--user", "x"], ["stratum+ssl://h:1", "--user", "x"],
                                  ["stratum+tcp://127.0.0.1:3333"], ["stratum+tcp://127.0.0.1:3333", "--user", "x",
                                                                     "--threads", "0"],
                                  ["stratum+tcp://127.0.0.1:3333", "--user", "x", "--backend", "gpu"],
                                  ["stratum+tcp://127.0.0.1:3333", "--user", "x", "--seconds", "-1"]])
def test_mine_bad_arguments_exit_2(args, capsys):
    assert main(["mine", *args]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


# ------------------------------------------------------------------ the proxy


def test_proxy_forwards_and_verifies_between_miner_and_pool(pool, capsys):
    proxy = StratumProxy(ProxyConfig(upstream=pool.url, model="Antminer S21"), status=quiet)
    with ServerThread(proxy) as pt:
        report = _run_json(capsys, ["mine", pt.url, "--user", "rig7", "--backend", BACKENDS[0], "--threads", "1",
                                    "--seconds", "20", "--max-shares", "5", "--json"])

        async def bad_share():
            """A share below the difficulty, through the proxy: answered 23 by the proxy, never forwarded."""
            async with LineConnection(pt.url) as conn:
                await conn.send({"id": 1, "method": "mining.subscribe", "params": ["cpuminer/2.5.1"]})
                sub = (await conn.response(1))["result"]
                await conn.send({"id": 2, "method": "mining.authorize", "params": ["rig8", "x"]})
                assert (await conn.response(2))["result"] is True
                notify = await conn.notification("mining.notify")
                diff = (await conn.notification("mining.set_difficulty"))["params"][0]
                job = StratumJob.from_notify(notify, sub[1], sub[2], 0)
                nonce = next(n for n in range(10**6) if job.check_submit(bytes(4), job.ntime, n).difficulty < diff)
                await conn.send({"id": 3, "method": "mining.submit",
                                 "params": ["rig8", job.job_id, "00000000", f"{job.ntime:08x}", f"{nonce:08x}"]})
                return await conn.response(3)

        answer = asyncio.run(asyncio.wait_for(bad_share(), 20))
        stats = pt.stop()
    assert answer["error"][0] == 23
    assert report["accepted"] >= 5 and report["rejected_total"] == 0
    (rig7,) = [w for w in stats["workers"] if w["worker"] == "rig7"]
    assert rig7["verified"] == rig7["forwarded"] == rig7["pool_accepted"] == report["accepted"]
    assert rig7["model"] == "Antminer S21" and rig7["prediction_basis"] == "twin"
    assert 0 < rig7["fraction_of_predicted"] < 1e-4  # a CPU against a 200 TH/s machine
    assert "of an Antminer S21 at" in rig7["summary"] and "±" in rig7["summary"]
    (rig8,) = [w for w in stats["workers"] if w["worker"] == "rig8"]
    assert rig8["proxy_rejected"] == {"low_difficulty": 1} and rig8["forwarded"] == 0
    assert stats["pool_rejected"] == {}
    pool_rig7 = next(w for w in pool.server.report()["workers"] if w["worker"] == "rig7")
    assert pool_rig7["accepted"] == report["accepted"]


def test_proxy_forward_invalid_counts_the_pools_verdict(pool):
    """With forward_invalid a share the proxy found low goes up anyway; the pool's 23 is counted per reason."""
    proxy = StratumProxy(ProxyConfig(upstream=pool.url, forward_invalid=True), status=quiet)

    async def scenario(url):
        async with LineConnection(url) as conn:
            await conn.send({"id": 1, "method": "mining.subscribe", "params": []})
            sub = (await conn.response(1))["result"]
            await conn.send({"id": 2, "method": "mining.authorize", "params": ["rig9", "x"]})
            await conn.response(2)
            diff = (await conn.notification("mining.set_difficulty"))["params"][0]
            job = StratumJob.from_notify(await conn.notification("mining.notify"), sub[1], sub[2], 0)
            nonce = next(n for n in range(10**6) if job.check_submit(bytes(4), job.ntime, n).difficulty < diff)
            await conn.send({"id": 3, "method": "mining.submit",
                             "params": ["rig9", job.job_id, "00000000", f"{job.ntime:08x}", f"{nonce:08x}"]})
            return await conn.response(3)

    with ServerThread(proxy) as pt:
        answer = asyncio.run(asyncio.wait_for(scenario(pt.url), 20))
        stats = pt.stop()
    assert answer["error"][0] == 23  # the pool's answer, relayed
    (rig9,) = stats["workers"]
    assert rig9["proxy_rejected"] == {"low_difficulty": 1} and rig9["pool_rejected"] == {"low_difficulty": 1}
    assert rig9["forwarded"] == 1 and "model" not in rig9


def test_proxy_cli_bounded_and_its_errors(pool, capsys, tmp_path):
    report = _run_json(capsys, ["proxy", "--bind", "127.0.0.1:0", "--upstream", pool.url, "--model", "S21",
                                "--max-seconds", "0.3", "--json"])
    assert report["upstream"] == pool.url and report["forwarded"] == 0
    models = tmp_path / "rigs.txt"
    models.write_text("rig7 = Antminer S21  # a comment\n* = S21 Pro\n")
    assert main(["proxy", "--bind", "127.0.0.1:0", "--upstream", pool.url, "--models", str(models),
                 "--max-seconds", "0.2"]) == 0
    capsys.readouterr()
    for args in (["--upstream", "stratum+tcp://127.0.0.1:1"], ["--upstream", pool.url, "--model", "S99 Ultra"],
                 ["--upstream", "nonsense"], ["--upstream", pool.url, "--models", str(tmp_path / "none.txt")]):
        assert main(["proxy", "--bind", "127.0.0.1:0", "--max-seconds", "0.2", *args]) == 2
        assert len(capsys.readouterr().err.strip().splitlines()) == 1


# ------------------------------------------------------------------ the twin as a virtual miner


def test_emulate_stratum_share_count_is_poisson_and_every_share_verifies(capsys):
    """The S21 twin on a pool at difficulty 2^-14 for 2.5 s: the shares found match the Poisson expectation
    (p-value reported), every one is accepted by the pool's hashlib check, and none is below the ticket."""
    server = PoolServer(PoolConfig(difficulty=2.0**-14, seed=9), status=quiet)
    with ServerThread(server) as st:
        report = _run_json(capsys, ["emulate", "S21", "--stratum", st.url, "--seconds", "2.5", "--threads", "1",
                                    "--user", "twin-s21", "--json"])
        pool_report = st.stop()
    assert report["model"] == "Antminer S21" and report["chip"] == "BM1368"
    assert report["shares_found"] > 20
    assert abs(report["shares_found"] - report["shares_expected"]) <= 4.5 * math.sqrt(report["shares_expected"])
    assert report["p_value"] > 1e-4
    assert report["accepted"] == report["submitted"] == report["shares_found"] - report["stale_dropped"]
    assert report["rejected_total"] == 0
    (worker,) = pool_report["workers"]
    assert worker["accepted"] == report["accepted"] and pool_report["rejected"] == 0
    assert report["ticket_scaled"] and report["ticket_difficulty"] == pytest.approx(2.0**-14 / 16)
    assert report["tickets_found"] > report["shares_found"]
    assert report["scale_factor"] > 1e3 and "sees the share stream a real one would send" in report["scale"]
    assert report["machine_equivalent_difficulty"] == pytest.approx(2.0**-14 * report["scale_factor"])


def test_emulate_stratum_fault_injection(capsys):
    """Hardware errors are caught by the twin's own hashlib check and never sent; duplicates are sent and the
    pool answers 22 for each; a dead chip sends nothing."""
    server = PoolServer(PoolConfig(difficulty=2.0**-14, seed=10), status=quiet)
    with ServerThread(server) as st:
        report = _run_json(capsys, [
            "emulate", "S21", "--stratum", st.url, "--seconds", "2", "--threads", "1", "--json", "--seed", "4",
            "--hw-error-rate", "0.2", "--duplicate-rate", "0.25", "--dead-chip", "0", "--dead-chip", "5",
            "--failed-boards", "1"])
        pool_report = st.stop()
    assert report["failed_boards"] == 1 and report["chips_total"] == 216
    assert report["hardware_errors"] > 0 and report["duplicates_sent"] > 0
    duplicates = report["rejected"].get("duplicate", 0)
    assert duplicates == pool_report["rejected"] > 0
    lost = report["stale_dropped"] + report["rejected"].get("no_answer", 0)  # in flight when the run ended
    assert 0 <= report["duplicates_sent"] - duplicates <= lost
    sent_once = report["shares_found"] - report["hardware_errors"]
    assert sent_once - lost <= report["accepted"] <= sent_once
    assert report["hardware_errors"] == report["threads"][0]["hardware_errors"]
    assert report["dead_chips"] == [0, 5]
    # every chunk is a whole round (every chip hashes), so 2 dead chips of 216 cost ~1 % of the shares
    assert report["dead_chip_hits"] <= 0.05 * report["shares_found"] + 3
    assert abs(report["shares_found"] - report["shares_expected"]) <= 4.5 * math.sqrt(report["shares_expected"])


@pytest.mark.parametrize("args", [["--hw-error-rate", "2"], ["--dead-chip", "9999"], ["--hashes", "100"],
                                  ["--duplicate-rate", "-0.1"]])
def test_emulate_stratum_bad_arguments_exit_2(args, capsys):
    assert main(["emulate", "S21", "--stratum", "stratum+tcp://127.0.0.1:1", "--seconds", "1", *args]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
