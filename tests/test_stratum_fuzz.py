"""Hostile input and load on loopback.

* Fuzz: well over 1,000 malformed or hostile messages and connection patterns (garbage, invalid JSON, wrong
  types for every method, unknown methods, extreme numbers, deep nesting, over-long lines, half lines,
  half-open and silent connections, floods, a reader that never reads) against the pool and against the
  proxy, while a well-behaved miner keeps submitting shares on each; every one of its shares must be answered
  and accepted throughout, and afterwards no connection state is left behind.
* Load: 200 concurrent connections submitting valid, low-difficulty and duplicate shares; the pool accepts
  exactly the valid ones.
All seeded, all bounded by timeouts.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time

from minecore.stratum import LineConnection, PoolConfig, PoolServer, ProxyConfig, StratumJob, StratumProxy
from minecore.stratum.connection import Limits, quiet

EASY = 2.0**-30
FUZZ_LIMITS = Limits(max_line_bytes=4096, handshake_timeout=1.0, idle_timeout=2.0, write_timeout=0.5,
                     max_write_buffer=64 * 1024, messages_per_second=1000, burst=1000, max_errors=400)
METHODS = ["mining.subscribe", "mining.authorize", "mining.configure", "mining.suggest_difficulty",
           "mining.extranonce.subscribe", "mining.submit", "mining.notify", "client.reconnect", "", "x" * 300]


def arun(coro, timeout=60.0):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def _value(rng: random.Random, depth: int = 0):
    kinds = ["int", "bigint", "float", "str", "hex", "bool", "null", "list", "dict", "neg", "tiny"]
    kind = rng.choice(kinds if depth < 3 else kinds[:7])
    if kind == "int":
        return rng.randrange(-10, 2**32)
    if kind == "bigint":
        return rng.randrange(2**64, 2**300)
    if kind == "float":
        return rng.choice([0.0, -0.0, 1e308, -1e308, 1e-320, 0.5, 2.0**-40])
    if kind == "str":
        return "".join(rng.choice("abcz019 \t\u00e9\u202e\x00\\\"{}[]") for _ in range(rng.randrange(0, 40)))
    if kind == "hex":
        return "".join(rng.choice("0123456789abcdefABCDEFxg") for _ in range(rng.choice([0, 1, 7, 8, 9, 16, 64])))
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "null":
        return None
    if kind == "neg":
        return -rng.randrange(1, 2**40)
    if kind == "tiny":
        return rng.choice([[], {}, "", 0])
    if kind == "list":
        return [_value(rng, depth + 1) for _ in range(rng.randrange(0, 8))]
    return {str(_value(rng, 3)): _value(rng, depth + 1) for _ in range(rng.randrange(0, 5))}


def hostile_lines(rng: random.Random, job_id: str | None = None):
    """One hostile line (bytes, newline-terminated)."""
    pick = rng.randrange(12)
    if pick == 0:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))).replace(b"\n", b" ") + b"\n"
    if pick == 1:
        return rng.choice([b"{", b"}", b'{"id": 1, "method": ', b"null", b"[]", b"42", b'"s"', b"{'a': 1}",
                           b'{"id":1,"method":"mining.subscribe","params":[NaN]}', b"\x00\x00",
                           b'{"id": 1e999, "method": "mining.subscribe", "params": []}',
                           b'{"id": 1, "method": "mining.subscribe", "params": [' + b"9" * 5000 + b"]}"]) + b"\n"
    if pick == 2:
        return b"[" * rng.choice([50, 900, 3000]) + b"\n"
    if pick == 3:
        return b"A" * rng.choice([4097, 10_000, 50_000]) + b"\n"
    if pick == 4:  # wrong shapes
        return json.dumps({"id": _value(rng), "method": _value(rng), "params": _value(rng)}).encode() + b"\n"
    if pick == 5:  # a response where a request belongs
        return json.dumps({"id": rng.randrange(100), "result": _value(rng), "error": _value(rng)}).encode() + b"\n"
    if pick in (6, 7, 8):  # a real method with random params
        method = rng.choice(METHODS[:6])
        params = [_value(rng) for _ in range(rng.randrange(0, 8))]
        return json.dumps({"id": rng.randrange(1, 10**6), "method": method, "params": params}).encode() + b"\n"
    if pick == 9:  # submits that look nearly right
        params = ["rig", job_id or "00000000", rng.choice(["00000000", "0", "zz" * 4, "00" * 40]),
                  rng.choice(["685468d7", "ffffffff", "00000000", "1"]), f"{rng.randrange(2**32):08x}"]
        if rng.random() < 0.5:
            params.append(rng.choice(["00b44000", "ffffffff", "1", ""]))
        return json.dumps({"id": rng.randrange(10**6), "method": "mining.submit", "params": params}).encode() + b"\n"
    if pick == 10:
        return b"\n" * rng.randrange(1, 5)
    return json.dumps({"id": 1, "method": rng.choice(METHODS[6:]), "params": []}).encode() + b"\n"


class GoodMiner:
    """A well-behaved miner: subscribes, authorises, submits a valid share whenever asked."""

    def __init__(self, url: str, user: str):
        self.url, self.user = url, user
        self.accepted = 0
        self.e2 = itertools.count()
        self.ids = itertools.count(1)

    async def start(self):
        self.conn = LineConnection(self.url, timeout=10)
        await self.conn.connect()
        await self.conn.send({"id": 0, "method": "mining.subscribe", "params": ["cpuminer/2.5.1"]})
        sub = (await self.conn.response(0))["result"]
        await self.conn.send({"id": -1, "method": "mining.authorize", "params": [self.user, "x"]})
        assert (await self.conn.response(-1))["result"] is True
        self.difficulty = (await self.conn.notification("mining.set_difficulty"))["params"][0]
        notify = await self.conn.notification("mining.notify")
        self.job = StratumJob.from_notify(notify, sub[1], sub[2], 0)

    async def share(self):
        e2 = next(self.e2).to_bytes(self.job.extranonce2_size, "little")
        nonce = next(n for n in itertools.count() if
                     self.job.check_submit(e2, self.job.ntime, n).difficulty >= self.difficulty)
        msg_id = next(self.ids)
        await self.conn.send({"id": msg_id, "method": "mining.submit", "params": [
            self.user, self.job.job_id, e2.hex(), f"{self.job.ntime:08x}", f"{nonce:08x}"]})
        answer = await self.conn.response(msg_id, timeout=10)
        assert answer["result"] is True and answer["error"] is None, answer
        self.accepted += 1


_SILENT: list = []


async def _hostile_connection(url: str, rng: random.Random, job_id: str) -> int:
    """One hostile connection pattern; returns how many hostile messages it sent."""
    pattern = rng.randrange(8)
    try:
        conn = LineConnection(url, timeout=5)
        await conn.connect()
    except ConnectionError:
        return 0
    sent = 0
    try:
        if pattern == 0:  # connect and close at once
            pass
        elif pattern == 1:  # half a line, then close
            await conn.send(b'{"id": 1, "method": "mining.sub')
            sent = 1
        elif pattern == 2:  # silent (half-open): left open, the server must time it out
            _SILENT.append(conn)
            return 0
        elif pattern == 3:  # a flood: the server must cut it off (rate limit), not read it all
            await conn.send(b'{"id":1,"method":"mining.subscribe","params":[]}\n' * 4000)
            sent = 1000  # counted conservatively: the server stops after its burst allowance
            await conn.closed(2)
        elif pattern == 4:  # a reader that never reads: many requests whose answers pile up
            await conn.send((b'{"id":1,"method":"mining.subscribe","params":["' + b"a" * 80 + b'"]}\n') * 900)
            sent = 900
            await asyncio.sleep(0.1)
        else:  # a burst of hostile lines, subscribed first half of the time
            if rng.random() < 0.5:
                await conn.send({"id": 1, "method": "mining.subscribe", "params": []})
                await conn.send({"id": 2, "method": "mining.authorize", "params": ["rig", "x"]})
            for _ in range(rng.randrange(10, 40)):
                await conn.send(hostile_lines(rng, job_id))
                sent += 1
            await asyncio.sleep(0)
            try:
                await conn.recv(0.05)
            except (TimeoutError, Exception):
                pass
    except (ConnectionError, OSError):
        pass
    finally:
        if conn not in _SILENT:
            conn.close()
    return sent


async def _fuzz(url: str, good: list[GoodMiner], seed: int, rounds: int) -> tuple[int, int]:
    rng = random.Random(seed)
    messages = patterns = 0
    for r in range(rounds):
        batch = [_hostile_connection(url, random.Random(rng.random()), good[0].job.job_id) for _ in range(16)]
        results = await asyncio.gather(*batch)
        messages += sum(results)
        patterns += len(batch)
        for miner in good:  # the well-behaved miners are served between every batch
            await miner.share()
    return messages, patterns


def test_pool_survives_fuzz_and_keeps_serving(tmp_path):
    async def scenario():
        pool = PoolServer(PoolConfig(difficulty=EASY, seed=2, share_log=str(tmp_path / "s.jsonl"),
                                     limits=FUZZ_LIMITS), status=quiet)
        await pool.start("127.0.0.1", 0)
        serving = asyncio.create_task(pool.serve())
        good = GoodMiner(pool.url, "good")
        await good.start()
        t0 = time.monotonic()
        messages, patterns = await _fuzz(pool.url, [good], seed=11, rounds=15)
        await good.share()
        for _ in range(100):  # every hostile connection is gone soon (closed, or timed out: 1 s handshake)
            if len(pool.peers) == 1:
                break
            await asyncio.sleep(0.05)
        peers, extranonces = len(pool.peers), len(pool._extranonces)
        for conn in _SILENT:
            conn.close()
        _SILENT.clear()
        good.conn.close()
        pool.request_stop()
        report = await serving
        return messages, patterns, good.accepted, peers, extranonces, report, time.monotonic() - t0

    messages, patterns, accepted, peers, extranonces, report, seconds = arun(scenario(), 90)
    assert messages >= 1000 and patterns >= 200
    assert accepted == 16 and report["workers"][0]["worker"] == "good" and report["workers"][0]["accepted"] == 16
    assert peers == 1 and extranonces == 1  # nothing left behind but the good miner
    assert report["connections_total"] >= patterns
    assert {"flood", "line too long", "timeout"} <= set(report["closed_reasons"])


def test_proxy_survives_fuzz_and_keeps_serving():
    async def scenario():
        pool = PoolServer(PoolConfig(difficulty=EASY, seed=3, limits=FUZZ_LIMITS), status=quiet)
        await pool.start("127.0.0.1", 0)
        pool_task = asyncio.create_task(pool.serve())
        proxy = StratumProxy(ProxyConfig(upstream=pool.url, model="S21", limits=FUZZ_LIMITS), status=quiet)
        await proxy.start("127.0.0.1", 0)
        proxy_task = asyncio.create_task(proxy.serve())
        good = GoodMiner(proxy.url, "good")
        await good.start()
        messages, patterns = await _fuzz(proxy.url, [good], seed=12, rounds=15)
        await good.share()
        for _ in range(100):
            if len(proxy.peers) == 1 and len(pool.peers) == 1:
                break
            await asyncio.sleep(0.05)
        left = (len(proxy.peers), len(pool.peers))
        for conn in _SILENT:
            conn.close()
        _SILENT.clear()
        good.conn.close()
        proxy.request_stop()
        preport = await proxy_task
        pool.request_stop()
        await pool_task
        return messages, patterns, good.accepted, left, preport

    messages, patterns, accepted, left, report = arun(scenario(), 90)
    assert messages >= 1000 and patterns >= 200
    assert accepted == 16 and left == (1, 1)
    good = next(w for w in report["workers"] if w["worker"] == "good")
    assert good["verified"] == good["pool_accepted"] == 16


def test_200_concurrent_connections_accepted_count_equals_valid_submits():
    """200 miners at once, each: 3 valid shares, 1 below the difficulty, 1 duplicate."""
    n = 200

    async def one(url: str, k: int) -> tuple[int, int]:
        async with LineConnection(url, timeout=30) as conn:
            await conn.send({"id": 1, "method": "mining.subscribe", "params": [f"load/{k}"]})
            sub = (await conn.response(1))["result"]
            await conn.send({"id": 2, "method": "mining.authorize", "params": [f"w{k}", "x"]})
            assert (await conn.response(2))["result"] is True
            diff = (await conn.notification("mining.set_difficulty"))["params"][0]
            job = StratumJob.from_notify(await conn.notification("mining.notify"), sub[1], sub[2], 0)
            subs, valid = [], 0
            for e2 in range(3):
                e2b = e2.to_bytes(4, "little")
                nonce = next(x for x in itertools.count() if job.check_submit(e2b, job.ntime, x).difficulty >= diff)
                subs.append((e2b, nonce))
                valid += 1
            low = next(x for x in itertools.count() if job.check_submit(bytes(4), job.ntime, x).difficulty < diff)
            subs += [(bytes(4), low), subs[0]]
            for i, (e2b, nonce) in enumerate(subs):
                await conn.send({"id": 10 + i, "method": "mining.submit", "params": [
                    f"w{k}", job.job_id, e2b.hex(), f"{job.ntime:08x}", f"{nonce:08x}"]})
            answers = [await conn.response(10 + i) for i in range(len(subs))]
            return valid, sum(1 for a in answers if a["result"] is True)

    async def scenario():
        pool = PoolServer(PoolConfig(difficulty=EASY, seed=4), status=quiet)
        await pool.start("127.0.0.1", 0)
        serving = asyncio.create_task(pool.serve())
        results = await asyncio.gather(*(one(pool.url, k) for k in range(n)))
        peak = pool.connections_total
        pool.request_stop()
        return results, peak, await serving

    results, total, report = arun(scenario(), 90)
    valid = sum(v for v, _ in results)
    assert valid == 3 * n and sum(a for _, a in results) == valid
    assert report["accepted"] == valid and report["rejected"] == 2 * n
    assert report["totals"]["rejected"] == {"duplicate": n, "low_difficulty": n}
    assert total == n and len(report["workers"]) == n
    assert report["verify_shares_per_second"] > 1000  # hashlib checks on one core (benches/ measures it)
