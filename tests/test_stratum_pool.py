"""``minecore pool`` on loopback: every method, every error code, version rolling, vardiff, the share log
(including after ``kill -9``), signals and the CLI.  Shares are found and checked with hashlib on the
captured Bitaxe template; difficulties of 2^-30 make a quarter of all nonces shares, so no test waits."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from minecore.cli.main import main
from minecore.stratum import LineConnection, PoolConfig, PoolServer, StratumJob
from minecore.stratum.connection import Limits, quiet
from minecore.stratum.sharelog import read_share_log

DATA = Path(__file__).parent / "data"
BITAXE = next(e for e in json.loads((DATA / "stratum_jobs.json").read_text())["examples"] if "mining_notify" in e)
EASY = 2.0**-30  # a quarter of all hashes meet it


def arun(coro, timeout: float = 30.0):
    return asyncio.run(asyncio.wait_for(coro, timeout))


@contextlib.asynccontextmanager
async def running_pool(**kw):
    kw.setdefault("difficulty", EASY)
    kw.setdefault("seed", 1)
    server = PoolServer(PoolConfig(**kw), status=quiet)
    await server.start("127.0.0.1", 0)
    task = asyncio.create_task(server.serve())
    try:
        yield server
    finally:
        server.request_stop()
        await asyncio.wait_for(task, 10)


class Miner:
    """A scripted miner on a LineConnection: sends exactly the messages a test gives it."""

    def __init__(self, conn: LineConnection):
        self.conn = conn
        self.ids = itertools.count(100)
        self.extranonce1 = b""
        self.extranonce2_size = 4
        self.mask = 0
        self.job: StratumJob | None = None
        self.difficulty = None

    async def call(self, method, params, msg_id=None):
        msg_id = next(self.ids) if msg_id is None else msg_id
        await self.conn.send({"id": msg_id, "method": method, "params": params})
        return await self.conn.response(msg_id)

    async def subscribe(self, agent="cgminer/4.12.1"):
        answer = await self.call("mining.subscribe", [agent])
        subs, en1, size = answer["result"]
        assert [s[0] for s in subs] == ["mining.set_difficulty", "mining.notify"]
        self.extranonce1, self.extranonce2_size = bytes.fromhex(en1), size
        return answer

    async def configure(self, mask="1fffe000", min_bits=2):
        answer = await self.call("mining.configure", [["version-rolling"], {
            "version-rolling.mask": mask, "version-rolling.min-bit-count": min_bits}])
        result = answer["result"]
        if result.get("version-rolling"):
            self.mask = int(result["version-rolling.mask"], 16)
        return answer

    async def authorize(self, user="rig1", password="x"):
        return await self.call("mining.authorize", [user, password])

    async def work(self):
        """Wait for set_difficulty and notify; returns the job."""
        d = await self.conn.notification("mining.set_difficulty")
        self.difficulty = d["params"][0]
        notify = await self.conn.notification("mining.notify")
        self.job = StratumJob.from_notify(notify, self.extranonce1, self.extranonce2_size, self.mask)
        return self.job

    async def next_job(self):
        notify = await self.conn.notification("mining.notify")
        self.job = StratumJob.from_notify(notify, self.extranonce1, self.extranonce2_size, self.mask)
        return self.job

    def find(self, valid=True, e2=0, start=0, bits=0, difficulty=None):
        difficulty = self.difficulty if difficulty is None else difficulty
        e2b = e2.to_bytes(self.extranonce2_size, "little")
        for nonce in itertools.count(start):
            share = self.job.check_submit(e2b, self.job.ntime, nonce, bits)
            if (share.difficulty >= difficulty) == valid:
                return e2b.hex(), nonce, share

    async def submit(self, user, e2hex, nonce, bits=None, ntime=None, job_id=None):
        params = [user, job_id or self.job.job_id, e2hex, f"{self.job.ntime if ntime is None else ntime:08x}",
                  f"{nonce:08x}"]
        if bits is not None:
            params.append(f"{bits:08x}")
        return await self.call("mining.submit", params)


async def ready_miner(server, user="rig1", rolling=True):
    conn = LineConnection(server.url)
    await conn.connect()
    m = Miner(conn)
    if rolling:
        await m.configure()
    await m.subscribe()
    assert (await m.authorize(user))["result"] is True
    await m.work()
    return m


# ------------------------------------------------------------------ the real share


def test_the_captured_bitaxe_share_is_accepted_with_its_hash_in_the_log(tmp_path, monkeypatch):
    """The pool, given the captured extranonce1 and difficulty 8192, accepts the share public-pool accepted
    (ESP-Miner's message shapes) and logs its hash."""
    log = tmp_path / "shares.jsonl"

    async def scenario():
        async with running_pool(difficulty=8192, share_log=str(log)) as pool:
            monkeypatch.setattr(pool, "_new_extranonce1", lambda: bytes.fromhex(BITAXE["extranonce1"]))
            async with LineConnection(pool.url) as conn:
                await conn.send({"id": 1, "method": "mining.configure", "params": [
                    ["version-rolling"], {"version-rolling.mask": "ffffffff"}]})
                assert (await conn.response(1))["result"] == {"version-rolling": True,
                                                               "version-rolling.mask": "1fffe000"}
                await conn.send({"id": 2, "method": "mining.subscribe", "params": ["bitaxe/BM1370/v2.4.0"]})
                assert (await conn.response(2))["result"][1:] == [BITAXE["extranonce1"], 4]
                await conn.send({"id": 3, "method": "mining.authorize", "params": ["bc1q...bitaxe", "x"]})
                assert (await conn.response(3))["result"] is True
                await conn.send({"id": 4, "method": "mining.suggest_difficulty", "params": [8192]})
                assert (await conn.response(4))["result"] is True
                notify = await conn.notification("mining.notify")
                assert notify["params"][1:8] == BITAXE["mining_notify"]["params"][1:8] and notify["params"][8] is True
                params = list(BITAXE["mining_submit"]["params"])
                params[1] = notify["params"][0]
                await conn.send({"id": 11, "method": "mining.submit", "params": params})
                assert await conn.response(11) == {"id": 11, "result": True, "error": None}
            return pool.report()

    report = arun(scenario())
    assert report["accepted"] == 1 and report["rejected"] == 0
    (record,) = read_share_log(log)
    assert record["hash"] == BITAXE["hash_display"] and record["result"] == "accepted"
    assert record["share_difficulty"] == pytest.approx(BITAXE["share_difficulty"])
    assert record["worker"] == "bc1q...bitaxe" and record["version_bits"] == "00b44000"


# ------------------------------------------------------------------ message shapes of the miners people run


SHAPES = {
    # cgminer 4.x and forks: subscribe with agent (and session id), extranonce.subscribe, 5-param submit
    "cgminer": [("mining.subscribe", ["cgminer/4.12.1", None]), ("mining.extranonce.subscribe", []),
                ("mining.authorize", ["user.worker", "x"])],
    # cpuminer (pooler): subscribe with agent, authorize, 5-param submit; integer ids
    "cpuminer": [("mining.subscribe", ["cpuminer/2.5.1"]), ("mining.authorize", ["user.worker", "x"])],
    # ESP-Miner: configure first (mask ffffffff, no min-bit-count), suggest_difficulty, 6-param submit
    "esp-miner": [("mining.configure", [["version-rolling"], {"version-rolling.mask": "ffffffff"}]),
                  ("mining.subscribe", ["bitaxe/BM1370/v2.4.0"]), ("mining.authorize", ["user.worker", "x"]),
                  ("mining.suggest_difficulty", [EASY])],
    # Braiins OS: configure with min-bit-count and minimum-difficulty, subscribe without params, null password
    "braiins": [("mining.configure", [["version-rolling", "minimum-difficulty", "subscribe-extranonce"],
                                      {"version-rolling.mask": "1fffe000", "version-rolling.min-bit-count": 16,
                                       "minimum-difficulty.value": EASY}]),
                ("mining.subscribe", []), ("mining.authorize", ["user.worker", None])],
}


@pytest.mark.parametrize("miner", sorted(SHAPES))
def test_message_shapes_of_real_miners_get_shares_accepted(miner):
    async def scenario():
        async with running_pool() as pool:
            async with LineConnection(pool.url) as conn:
                m = Miner(conn)
                for n, (method, params) in enumerate(SHAPES[miner]):
                    msg_id = f"s{n}" if miner == "braiins" else n + 1  # string ids too
                    await conn.send({"id": msg_id, "method": method, "params": params,
                                     **({"jsonrpc": "2.0"} if miner == "braiins" else {})})
                    answer = await conn.response(msg_id)
                    assert answer["error"] is None, (method, answer)
                    if method == "mining.subscribe":
                        m.extranonce1 = bytes.fromhex(answer["result"][1])
                        m.extranonce2_size = answer["result"][2]
                    if method == "mining.configure":
                        assert answer["result"]["version-rolling"] is True
                        m.mask = int(answer["result"]["version-rolling.mask"], 16)
                await m.work()
                rolling = m.mask != 0
                bits = 0x00B44000 & m.mask if rolling else 0
                for e2 in range(3):
                    e2hex, nonce, _ = m.find(e2=e2, bits=bits)
                    answer = await m.submit("user.worker", e2hex, nonce, bits if rolling else None)
                    assert answer["result"] is True and answer["error"] is None
            return pool.report()

    report = arun(scenario())
    assert report["accepted"] == 3 and report["workers"][0]["worker"] == "user.worker"


# ------------------------------------------------------------------ error codes


def test_every_error_code():
    async def scenario():
        async with running_pool() as pool:
            async with LineConnection(pool.url) as conn:
                m = Miner(conn)
                # 25: submit before subscribing
                answer = await m.call("mining.submit", ["rig1", "00000000", "00000000", "685468d7", "00000000"])
                assert answer["error"][0] == 25 and answer["result"] is False
                await m.configure()
                await m.subscribe()
                # 24: submit before authorising
                answer = await m.call("mining.submit", ["rig1", "00000000", "00000000", "685468d7", "00000000"])
                assert answer["error"][0] == 24
                await m.authorize("rig1")
                await m.work()
                e2, nonce, share = m.find()
                # 24: a worker this connection did not authorise
                assert (await m.submit("someone-else", e2, nonce, 0))["error"][0] == 24
                # 21: unknown job
                assert (await m.submit("rig1", e2, nonce, 0, job_id="feedface"))["error"][0] == 21
                # 23: low difficulty
                e2_low, low_nonce, low = m.find(valid=False)
                answer = await m.submit("rig1", e2_low, low_nonce, 0)
                assert answer["error"][0] == 23 and answer["result"] is False
                # accepted, then 22: the same share again
                assert (await m.submit("rig1", e2, nonce, 0))["result"] is True
                assert (await m.submit("rig1", e2, nonce, 0))["error"][0] == 22
                # 20: ntime out of the window (before the job, or past job + window)
                e2b, nonce2, _ = m.find(e2=1)
                for ntime in (m.job.ntime - 1, m.job.ntime + 601):
                    answer = await m.submit("rig1", e2b, nonce2, 0, ntime=ntime)
                    assert answer["error"][0] == 20 and "ntime" in answer["error"][1].lower()
                # ntime rolled forward inside the window is fine
                rolled = m.job.ntime + 300
                share_r = None
                for n in itertools.count():
                    share_r = m.job.check_submit(bytes(4), rolled, n, 0)
                    if share_r.difficulty >= EASY:
                        break
                assert (await m.submit("rig1", "00000000", n, 0, ntime=rolled))["result"] is True
                # 20: extranonce2 of the wrong size, version bits outside the mask, malformed params
                answer = await m.call("mining.submit", ["rig1", m.job.job_id, "0000", f"{m.job.ntime:08x}", "00000000"])
                assert answer["error"][0] == 20 and "extranonce2" in answer["error"][1]
                answer = await m.submit("rig1", e2b, nonce2, 0x00000001)
                assert answer["error"][0] == 20 and "version" in answer["error"][1].lower()
                for bad in (["rig1"], ["rig1", 5, "00", "00", "00"], "not a list", ["rig1", m.job.job_id, "zz" * 4,
                                                                                    f"{m.job.ntime:08x}", "00000000"]):
                    answer = await m.call("mining.submit", bad)
                    assert answer["error"][0] == 20
                # 21 (stale): after a new block (clean_jobs) the old job is gone
                old = m.job
                pool.new_block()
                new = await m.next_job()
                assert new.clean_jobs and new.prev_block != old.prev_block
                answer = await m.submit("rig1", e2b, nonce2, 0, job_id=old.job_id)
                assert answer["error"][0] == 21 and "stale" in answer["error"][1].lower()
                # unknown method
                answer = await m.call("mining.get_transactions", [])
                assert answer["error"][0] == 20 and answer["result"] is None
            return pool.report()

    report = arun(scenario())
    (w,) = report["workers"]
    assert w["accepted"] == 2
    assert w["rejected"]["low_difficulty"] == 1 and w["rejected"]["duplicate"] == 1
    assert w["rejected"]["job_not_found"] == 2 and w["rejected"]["invalid_ntime"] == 2
    assert report["accepted"] == 2


def test_a_user_list_refuses_other_workers():
    async def scenario():
        async with running_pool(users=frozenset({"alice"})) as pool:
            async with LineConnection(pool.url) as conn:
                m = Miner(conn)
                await m.subscribe()
                answer = await m.authorize("mallory")
                assert answer["result"] is False and answer["error"][0] == 24
                for bad in ([], [""], [5, "x"], ["x" * 200], ["a\nb"], ["alice", 5]):
                    assert (await m.call("mining.authorize", bad))["error"][0] == 24
                assert (await m.authorize("alice"))["result"] is True
                await m.work()
                e2, nonce, _ = m.find()
                assert (await m.submit("mallory", e2, nonce))["error"][0] == 24
                assert (await m.submit("alice", e2, nonce))["result"] is True

    arun(scenario())


def test_without_configure_version_bits_are_refused_but_zero_bits_are_fine():
    async def scenario():
        async with running_pool() as pool:
            m = await ready_miner(pool, rolling=False)
            e2, nonce, _ = m.find()
            assert (await m.submit("rig1", e2, nonce))["result"] is True  # 5 params
            e2, nonce, _ = m.find(e2=1)
            assert (await m.submit("rig1", e2, nonce, 0))["result"] is True  # 6 params, no bits
            answer = await m.submit("rig1", e2, nonce + 1, 0x2000)
            assert answer["error"][0] == 20 and "configure" in answer["error"][1]
            m.conn.close()

    arun(scenario())


# ------------------------------------------------------------------ version rolling negotiation


def test_configure_grants_the_intersection_and_honours_min_bit_count():
    async def scenario():
        async with running_pool(version_mask=0x00006000) as pool:  # only 2 rollable bits
            async with LineConnection(pool.url) as conn:
                m = Miner(conn)
                assert (await m.configure("1fffe000", 2))["result"] == {"version-rolling": True,
                                                                         "version-rolling.mask": "00006000"}
                assert (await m.configure("1fffe000", 16))["result"] == {"version-rolling": False}
                answer = await m.call("mining.configure", [["version-rolling", "made-up"], {}])
                assert answer["result"] == {"version-rolling": True, "version-rolling.mask": "00006000",
                                            "made-up": False}
                for bad in ([], ["version-rolling"], [["version-rolling"], "x"],
                            [["version-rolling"], {"version-rolling.min-bit-count": "2"}]):
                    assert (await m.call("mining.configure", bad))["error"][0] == 20

    arun(scenario())


def test_set_version_mask_is_sent_when_the_mask_changes():
    async def scenario():
        async with running_pool() as pool:
            m = await ready_miner(pool)
            assert m.mask == 0x1FFFE000
            pool.set_version_mask(0x00FFE000)
            msg = await m.conn.notification("mining.set_version_mask")
            assert msg["params"] == ["00ffe000"]
            m.mask = 0x00FFE000
            e2, nonce, _ = m.find(bits=0x1000_0000 & 0)
            assert (await m.submit("rig1", e2, nonce, 0x10000000))["error"][0] == 20  # bit 28 not granted now
            m.conn.close()

    arun(scenario())


# ------------------------------------------------------------------ difficulty


def test_suggest_difficulty_and_fractions():
    async def scenario():
        async with running_pool(difficulty=0.001, min_difficulty=1e-6) as pool:
            async with LineConnection(pool.url) as conn:
                m = Miner(conn)
                await m.subscribe()
                await m.authorize()
                await m.work()
                assert m.difficulty == 0.001
                assert (await m.call("mining.suggest_difficulty", [EASY * 4]))["result"] is True
                assert (await conn.notification("mining.set_difficulty"))["params"] == [1e-6]  # clamped to the floor
                for bad in ([0], ["1"], [], [float("1e400") if False else -5]):
                    assert (await m.call("mining.suggest_difficulty", bad))["error"][0] == 20

    arun(scenario())


def test_vardiff_raises_the_difficulty_of_a_fast_miner():
    async def scenario():
        async with running_pool(vardiff=True, vardiff_target_seconds=5.0, vardiff_retarget_seconds=0.5) as pool:
            m = await ready_miner(pool)
            start = m.difficulty
            for e2 in range(12):
                e2hex, nonce, _ = m.find(e2=e2)
                assert (await m.submit("rig1", e2hex, nonce, 0))["result"] is True
            msg = await m.conn.notification("mining.set_difficulty", timeout=5)
            assert msg["params"][0] > start  # shares every few ms against a 5 s target: up (x4 per step)
            assert msg["params"][0] <= 4 * start * 1.01
            # a share at the old (lower) difficulty on the job in hand is still credited at the lower value
            m.conn.close()
            return pool.report()

    report = arun(scenario())
    assert report["workers"][0]["difficulty"] > EASY


# ------------------------------------------------------------------ hostile input basics (more in test_stratum_fuzz)


def test_long_lines_floods_and_idle_connections_are_closed():
    limits = Limits(max_line_bytes=1024, handshake_timeout=0.5, messages_per_second=50, burst=100)

    async def scenario():
        async with running_pool(limits=limits) as pool:
            async with LineConnection(pool.url) as conn:
                await conn.send(b"x" * 5000 + b"\n")
                answer = await conn.recv()
                assert answer["error"][0] == 20 and "longer" in answer["error"][1]
                assert await conn.closed(2)
            async with LineConnection(pool.url) as conn:
                await conn.send(b'{"id": 1, "method": "mining.subscribe", "params": []}\n' * 400)
                assert await conn.closed(3)
            async with LineConnection(pool.url) as conn:  # never subscribes
                t0 = time.monotonic()
                assert await conn.closed(3) and time.monotonic() - t0 < 2.5
            # the pool still serves
            m = await ready_miner(pool)
            e2, nonce, _ = m.find()
            assert (await m.submit("rig1", e2, nonce, 0))["result"] is True
            m.conn.close()
            return pool.report()

    report = arun(scenario())
    assert {"line too long", "flood", "timeout"} <= set(report["closed_reasons"])


def test_a_miner_that_does_not_read_is_dropped_without_blocking_the_others():
    """Job broadcasts to a connection that never reads pile up; past max_write_buffer it is closed, while
    a reading miner keeps getting work and getting shares accepted."""
    limits = Limits(max_write_buffer=64 * 1024)

    async def scenario():
        async with running_pool(limits=limits) as pool:
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window, as a stalled miner's
            sock.setblocking(False)
            await asyncio.get_running_loop().sock_connect(sock, pool.address)
            sleeper = Miner(LineConnection(pool.url))
            sleeper.conn.reader, sleeper.conn.writer = await asyncio.open_connection(sock=sock, limit=4096)
            await sleeper.subscribe()
            await sleeper.authorize("sleeper")  # and then it never reads again
            active = await ready_miner(pool, user="active")
            latest = {}

            async def read_all():  # the active miner reads everything it is sent
                while True:
                    message = await active.conn.recv(30)
                    if message is None:
                        return
                    if message.get("method") == "mining.notify":
                        latest["notify"] = message
                    elif "id" in message and message.get("method") is None:
                        latest[message["id"]] = message

            reader = asyncio.create_task(read_all())
            for _ in range(50):
                for _ in range(100):
                    pool.refresh_job()  # ~1.3 kB of mining.notify to every connection each
                await asyncio.sleep(0.01)
                if len(pool.peers) == 1:
                    break
            assert len(pool.peers) == 1
            final = pool.refresh_job()
            for _ in range(200):
                if latest.get("notify", {}).get("params", [None])[0] == final.job_id:
                    break
                await asyncio.sleep(0.01)
            active.job = StratumJob.from_notify(latest["notify"], active.extranonce1, 4, active.mask)
            e2, nonce, _ = active.find()
            await active.conn.send({"id": 999, "method": "mining.submit", "params": [
                "active", active.job.job_id, e2, f"{active.job.ntime:08x}", f"{nonce:08x}", "00000000"]})
            for _ in range(200):
                if 999 in latest:
                    break
                await asyncio.sleep(0.01)
            reader.cancel()
            sleeper.conn.close()
            active.conn.close()
            assert latest[999]["result"] is True
            return pool.report()

    report = arun(scenario())
    assert report["closed_reasons"].get("slow reader", 0) == 1


# ------------------------------------------------------------------ the share log after kill -9, signals, CLI


def _start_pool_process(*args) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "minecore", "pool", "--bind", "127.0.0.1:0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if "listening on" in line:
            return proc, line.split("listening on ", 1)[1].split(" ", 1)[0]
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise AssertionError(f"the pool did not start: {proc.stderr.read()}")


def test_share_log_survives_kill_9(tmp_path):
    log = tmp_path / "shares.jsonl"
    proc, url = _start_pool_process("--difficulty", str(EASY), "--share-log", str(log), "--seed", "3")
    answered = 0
    try:
        async def scenario():
            nonlocal answered
            conn = LineConnection(url)
            await conn.connect()
            m = Miner(conn)
            await m.configure()
            await m.subscribe()
            await m.authorize()
            await m.work()
            for e2 in range(400):
                e2hex, nonce, _ = m.find(e2=e2)
                params = ["rig1", m.job.job_id, e2hex, f"{m.job.ntime:08x}", f"{nonce:08x}", "00000000"]
                await conn.send({"id": e2, "method": "mining.submit", "params": params})
                if e2 == 150:
                    await conn.response(e2)  # the pool is busy writing: kill it mid-stream
                    answered = e2 + 1
                    os.kill(proc.pid, signal.SIGKILL)
                    break
            conn.close()

        arun(scenario())
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
    assert proc.returncode == -signal.SIGKILL
    text = log.read_bytes()
    lines = [ln for ln in text.split(b"\n") if ln]
    records = [json.loads(ln) for ln in lines[:-1]]  # every line but a possibly torn last one parses
    try:
        records.append(json.loads(lines[-1]))
    except ValueError:
        assert not text.endswith(b"\n")  # only an unterminated last line may be torn
    assert len(records) >= answered and all(r["result"] == "accepted" for r in records)
    assert read_share_log(log) == records


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 0)])
def test_signals_close_connections_and_exit(sig, code, tmp_path):
    proc, url = _start_pool_process("--difficulty", "0.5", "--json")

    async def connect_and_wait():
        conn = LineConnection(url)
        await conn.connect()
        await conn.send({"id": 1, "method": "mining.subscribe", "params": []})
        await conn.response(1)
        proc.send_signal(sig)
        return await conn.closed(10)

    try:
        assert arun(connect_and_wait())
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code
    report = json.loads(out)
    assert report["connections_total"] == 1 and "server shutting down" in report["closed_reasons"]


@pytest.mark.parametrize("args", [
    ["--bind", "nonsense"], ["--bind", "127.0.0.1:99999"], ["--difficulty", "0"], ["--difficulty", "nan"],
    ["--difficulty", "-1"], ["--version-mask", "xyz"], ["--template", "/nonexistent.json"], ["--max-seconds", "0"],
    ["--users", ","], ["--ntime-window", "-5"],
])
def test_cli_bad_arguments_exit_2_with_one_line(args, capsys):
    assert main(["pool", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err and len(err.splitlines()) == 1


def test_cli_port_in_use_is_one_line(capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["pool", "--bind", f"127.0.0.1:{port}", "--max-seconds", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot listen" in err[0]


def test_cli_runs_bounded_and_prints_json(capsys):
    assert main(["pool", "--bind", "127.0.0.1:0", "--difficulty", "0.001", "--max-seconds", "0.3", "--json"]) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["difficulty"] == 0.001 and report["accepted"] == 0
    assert "listening on stratum+tcp://127.0.0.1:" in captured.err
