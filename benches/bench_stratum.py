"""The pool's share verification throughput against the cost of the hashlib work alone.

Run:  .venv/bin/pytest benches/bench_stratum.py --benchmark-group-by=group
CI smoke test: add ``--benchmark-disable``.

Three rows, one share each, on the captured Bitaxe job (12 merkle branches, as a full mainnet block has):

* ``hashlib-only`` — the hashing a share check cannot avoid: sha256d of the coinbase, 12 merkle folds, sha256d of
  the header (15 sha256d in all), on prebuilt bytes;
* ``check_submit`` — :meth:`StratumJob.check_submit` from the submit's hex fields (parsing, header assembly,
  the hashes, the difficulty);
* ``pool`` — the pool's whole path on one core, measured over loopback: a client pipelines ``N`` valid
  ``mining.submit`` lines to :class:`PoolServer` and waits for every answer (JSON decode, the checks in order,
  duplicate set, share log line, JSON answer).  ``extra_info`` has ``shares_per_second`` and the ratio to the
  hashlib-only cost (``pool_vs_hashlib``: how many times more one share costs through the pool).
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import time

import pytest

from minecore.stratum import LineConnection, PoolConfig, PoolServer, StratumJob
from minecore.stratum.connection import Limits, quiet
from minecore.stratum.templates import BlockTemplate

EASY = 2.0**-30
N_POOL = 2000


def _sha256d(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


@pytest.fixture(scope="module")
def job() -> StratumJob:
    return BlockTemplate.builtin().job("b", extranonce1=bytes.fromhex("4128064f"))


@pytest.fixture(scope="module")
def hashlib_cost(job) -> float:
    """Seconds of the hashlib-only work per share (best of 5 × 2000)."""
    coinbase = job.coinbase(bytes(4))
    branches = job.merkle_branches
    header = job.header(bytes(4))
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(2000):
            h = _sha256d(coinbase)
            for b in branches:
                h = _sha256d(h + b)
            _sha256d(header)
        best = min(best, (time.perf_counter() - t0) / 2000)
    return best


@pytest.mark.benchmark(group="stratum-verify")
def test_hashlib_only(benchmark, job, hashlib_cost):
    coinbase, branches, header = job.coinbase(bytes(4)), job.merkle_branches, job.header(bytes(4))

    def work():
        h = _sha256d(coinbase)
        for b in branches:
            h = _sha256d(h + b)
        return _sha256d(header)

    benchmark(work)
    benchmark.extra_info["seconds_per_share"] = hashlib_cost
    benchmark.extra_info["shares_per_second"] = 1 / hashlib_cost


@pytest.mark.benchmark(group="stratum-verify")
def test_check_submit(benchmark, job, hashlib_cost):
    share = benchmark(job.check_submit, "17000000", "685468d7", "7552034c", "00b44000")
    benchmark.extra_info["correct"] = share.hash_hex == "0000000000023704cface997bcf7388694ea43dae96c51d80658687a7d8827fe"
    benchmark.extra_info["hashlib_only_seconds"] = hashlib_cost


def _pool_round(n: int) -> tuple[float, int, dict]:
    """Pipeline ``n`` valid submits to a pool on loopback; ``(seconds, accepted, report)``."""

    async def scenario():
        limits = Limits(messages_per_second=1e6, burst=10**7)
        pool = PoolServer(PoolConfig(difficulty=EASY, seed=1, limits=limits), status=quiet)
        await pool.start("127.0.0.1", 0)
        serving = asyncio.create_task(pool.serve())
        async with LineConnection(pool.url, timeout=60) as conn:
            await conn.send({"id": 1, "method": "mining.subscribe", "params": ["bench"]})
            sub = (await conn.response(1))["result"]
            await conn.send({"id": 2, "method": "mining.authorize", "params": ["bench", "x"]})
            await conn.response(2)
            job = StratumJob.from_notify(await conn.notification("mining.notify"), sub[1], sub[2], 0)
            lines = []
            for e2 in range(n):
                e2b = e2.to_bytes(4, "little")
                nonce = next(x for x in itertools.count() if job.check_submit(e2b, job.ntime, x).difficulty >= EASY)
                lines.append(f'{{"id":{10 + e2},"method":"mining.submit","params":["bench","{job.job_id}",'
                             f'"{e2b.hex()}","{job.ntime:08x}","{nonce:08x}"]}}\n'.encode())
            t0 = time.perf_counter()
            await conn.send(b"".join(lines))
            accepted = 0
            for _ in range(n):
                msg = await conn.recv(60)
                accepted += msg.get("result") is True
            seconds = time.perf_counter() - t0
        pool.request_stop()
        return seconds, accepted, await serving

    return asyncio.run(scenario())


@pytest.mark.benchmark(group="stratum-verify")
def test_pool_verification_throughput(benchmark, hashlib_cost):
    rounds = []

    def one():
        rounds.append(_pool_round(N_POOL))

    benchmark.pedantic(one, rounds=3, iterations=1, warmup_rounds=0)
    best = min(s for s, _, _ in rounds)
    benchmark.extra_info["shares"] = N_POOL
    benchmark.extra_info["correct"] = all(a == N_POOL for _, a, _ in rounds)
    benchmark.extra_info["shares_per_second"] = N_POOL / best
    benchmark.extra_info["check_only_shares_per_second"] = rounds[-1][2]["verify_shares_per_second"]
    benchmark.extra_info["hashlib_only_shares_per_second"] = 1 / hashlib_cost
    benchmark.extra_info["pool_vs_hashlib"] = (best / N_POOL) / hashlib_cost
    assert benchmark.extra_info["correct"]
