"""``minecore mine``: a CPU miner that speaks Stratum v1, hashing on minecore's backends.

The event loop talks to the pool (:class:`~.client.StratumClient`); ``threads`` worker threads hash.  Each
worker takes the newest work (job, difficulty, version mask), claims the next extranonce2, builds the header
prefix (coinbase, merkle root and header with hashlib), then scans nonces in chunks of about
``chunk_seconds`` through :func:`minecore.scanning.scan_versions` (or :func:`~minecore.scanning.scan` without
version rolling) on one backend thread.  Order of the work: for each extranonce2, for each rolled version
(every value of the granted mask, BIP 320), nonces ``[0, nonce_span)``.

Every hit is re-hashed with hashlib from what will be submitted (:meth:`StratumJob.check_submit`); a hit that
does not meet the difficulty is counted as a hardware error and never sent.  A new job or difficulty switches
the workers at the next chunk; ``clean_jobs`` also drops shares of older work not yet sent.  When the
connection drops, hashing pauses and the miner reconnects with exponential backoff (0.5 s doubling to 30 s,
with jitter).
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass

from .. import __version__
from ..errors import PoolRejectedError, StratumConnectionError, StratumError
from ..header import difficulty_to_target
from . import protocol as P
from .client import StratumClient
from .stats import format_hashrate
from .work import DEFAULT_VERSION_MASK, StratumJob

AGENT = f"minecore/{__version__}"
MIN_CHUNK, MAX_CHUNK = 1 << 10, 1 << 24


@dataclass(frozen=True)
class MinerConfig:
    """Settings of a :class:`CpuMiner` (times in seconds).

    url : str — ``stratum+tcp://HOST:PORT``; user, password : str — worker credentials
    backend : str or None — ``native``, ``numba``, ``hashlib`` (None: the best available)
    threads : int — hashing threads (each runs one backend thread)
    seconds : float or None — stop after this long; max_shares : int or None — stop after this many accepted
    version_rolling : bool — ask for version rolling (``mining.configure``), ``version_mask`` the bits wanted
    suggest_difficulty : float or None — send ``mining.suggest_difficulty``
    nonce_span : int — nonces scanned per (extranonce2, version) before the next version (2^32: all)
    """

    url: str
    user: str
    password: str = "x"
    backend: str | None = None
    threads: int = 1
    seconds: float | None = None
    max_shares: int | None = None
    version_rolling: bool = True
    version_mask: int = DEFAULT_VERSION_MASK
    suggest_difficulty: float | None = None
    nonce_span: int = 1 << 32
    chunk_seconds: float = 0.05
    reconnect_min: float = 0.5
    reconnect_max: float = 30.0
    timeout: float = 10.0
    stats_interval: float | None = None
    agent: str = AGENT

    def __post_init__(self) -> None:
        P.parse_url(self.url)
        if not isinstance(self.user, str) or not self.user.strip():
            raise StratumError("user must be a non-empty worker name")
        if isinstance(self.threads, bool) or not isinstance(self.threads, int) or not 1 <= self.threads <= 1024:
            raise StratumError(f"threads must be an integer in [1, 1024], got {self.threads!r}")
        for name in ("seconds", "suggest_difficulty", "stats_interval"):
            value = getattr(self, name)
            if value is not None:
                P.difficulty_value(value, name)  # a positive finite number
        if self.max_shares is not None and (isinstance(self.max_shares, bool) or not isinstance(self.max_shares, int)
                                            or self.max_shares < 1):
            raise StratumError(f"max_shares must be an integer >= 1, got {self.max_shares!r}")
        if isinstance(self.nonce_span, bool) or not isinstance(self.nonce_span, int) \
                or not 1 <= self.nonce_span <= 1 << 32:
            raise StratumError(f"nonce_span must be an integer in [1, 2^32], got {self.nonce_span!r}")


@dataclass(frozen=True)
class _Work:
    token: int
    job: StratumJob
    generation: int
    difficulty: float
    target: int
    mask: int
    connection: int


@dataclass
class ThreadStats:
    """One hashing thread: hashes [1], seconds inside the backend [s], hits, hardware errors."""

    index: int
    hashes: int = 0
    seconds: float = 0.0
    found: int = 0
    hardware_errors: int = 0
    idle: bool = True

    @property
    def hashrate_hs(self) -> float:
        return self.hashes / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict:
        return {"thread": self.index, "hashes": self.hashes, "seconds": self.seconds,
                "hashrate_hs": self.hashrate_hs, "found": self.found, "hardware_errors": self.hardware_errors}


class CpuMiner:
    """The miner.  ``report = await CpuMiner(config).run()``; :meth:`stop` ends it from any thread."""

    def __init__(self, config: MinerConfig, *, status=None):
        from ..backends.registry import resolve

        self.config = config
        self.engine = resolve(config.backend)
        self._status = status if status is not None else _stderr
        self.threads = [ThreadStats(i) for i in range(config.threads)]
        self._work: _Work | None = None
        self._tokens = 0
        self._connection = 0
        self._e2_next = 0
        self._draining = False
        self._pushed = 0  # hits handed to the event loop by the hashing threads
        self._handed_over = 0  # hits the submit loop has taken
        self._lock = threading.Lock()
        self._work_changed = threading.Event()
        self._halt = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._client: StratumClient | None = None
        self._submitted: list[asyncio.Future] = []
        self.accepted = 0
        self.rejected: Counter = Counter()
        self.stale_dropped = 0
        self.submitted = 0
        self.reconnects = 0
        self.connections = 0
        self.version_mask = 0
        self.difficulty: float | None = None
        self.shares: list[dict] = []
        self.exit_code = 0
        self.started = time.monotonic()
        self.last_error: str | None = None

    # ------------------------------------------------------------------ control

    def stop(self, exit_code: int = 0) -> None:
        """Finish (safe from signal handlers and other threads)."""
        self.exit_code = exit_code
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)

    def status(self, text: str) -> None:
        self._status(text)

    # ------------------------------------------------------------------ the run

    async def run(self) -> dict:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self.started = time.monotonic()
        deadline = None if self.config.seconds is None else self.started + self.config.seconds
        self._found: asyncio.Queue = asyncio.Queue()
        workers = [threading.Thread(target=self._hash_loop, args=(t,), daemon=True, name=f"minecore-mine-{t.index}")
                   for t in self.threads]
        for w in workers:
            w.start()
        submitter = asyncio.create_task(self._submit_loop())
        stats_task = asyncio.create_task(self._stats_loop()) if self.config.stats_interval else None
        backoff = self.config.reconnect_min
        try:
            while not self._stop.is_set():
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    break
                started = time.monotonic()
                try:
                    await self._session(remaining)
                except PoolRejectedError as exc:
                    if self.connections <= 1:
                        raise
                    self.last_error = str(exc)
                except (ConnectionError, OSError, TimeoutError, StratumError) as exc:
                    self.last_error = str(exc) or type(exc).__name__
                if self._stop.is_set() or (deadline is not None and time.monotonic() >= deadline):
                    break
                if time.monotonic() - started > 10.0:
                    backoff = self.config.reconnect_min
                wait = min(backoff * (1 + 0.25 * random.random()), self.config.reconnect_max)
                if deadline is not None:
                    wait = min(wait, max(0.0, deadline - time.monotonic()))
                self.reconnects += 1
                self.status(f"mine: {self.last_error or 'disconnected'}; reconnecting in {wait:.1f} s")
                try:
                    async with asyncio.timeout(wait):
                        await self._stop.wait()
                except TimeoutError:
                    pass
                backoff = min(backoff * 2, self.config.reconnect_max)
        finally:
            self._set_work(None)
            self._halt.set()
            self._work_changed.set()
            if self._submitted:
                await asyncio.wait(self._submitted, timeout=2.0)
            submitter.cancel()
            if stats_task is not None:
                stats_task.cancel()
            await asyncio.gather(submitter, *( [stats_task] if stats_task else []), return_exceptions=True)
            if self._client is not None:
                await self._client.close("miner stopped")
            for w in workers:
                await asyncio.to_thread(w.join, 5.0)
        if self.connections == 0:
            reason = self.last_error or "no answer"
            raise StratumConnectionError(reason if reason.startswith("cannot connect") else
                                         f"could not connect to {self.config.url}: {reason}")
        return self.report()

    async def _session(self, remaining: float | None) -> None:
        client = StratumClient(self.config.url, timeout=self.config.timeout, on_notification=self._on_notification)
        self._client = client
        self._draining = False
        await client.connect()
        try:
            hs = await client.handshake(
                self.config.user, self.config.password, agent=self.config.agent,
                version_rolling=self.config.version_rolling, version_mask=self.config.version_mask,
                suggest_difficulty=self.config.suggest_difficulty,
            )
            self.connections += 1
            self._connection += 1
            self.version_mask = hs.version_mask
            self.status(f"mine: connected to {self.config.url} as {self.config.user} "
                        f"(extranonce1 {hs.extranonce1.hex()}, version rolling "
                        f"{P.hex_u32(hs.version_mask) if hs.version_rolling else 'off'}, backend {self.engine.name}, "
                        f"{len(self.threads)} thread(s))")
            self._publish()
            waits = [asyncio.create_task(client.closed.wait()), asyncio.create_task(self._stop.wait())]
            done, pending = await asyncio.wait(waits, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
            for t in pending:
                t.cancel()
            if client.closed.is_set() and not self._stop.is_set():
                raise ConnectionError(client.close_reason or "connection closed")
            await self._drain()
        finally:
            self._set_work(None)
            await client.close("session over")

    async def _drain(self, timeout: float = 3.0) -> None:
        """A clean stop: stop hashing, let the threads finish their chunk, send what they found, wait for
        the answers (bounded by ``timeout``)."""
        end = time.monotonic() + timeout
        self._draining = True  # new jobs arriving now are not hashed
        self._set_work(None)
        while any(not t.idle for t in self.threads) and time.monotonic() < end:
            await asyncio.sleep(0.01)
        while self._handed_over < self._pushed and time.monotonic() < end:  # every hit reached the submit loop
            await asyncio.sleep(0.01)
        pending = [f for f in self._submitted if not f.done()]
        if pending:
            await asyncio.wait(pending, timeout=max(0.0, end - time.monotonic()))

    # ------------------------------------------------------------------ work from the pool

    def _on_notification(self, method: str, params: list) -> None:
        if method in ("mining.notify", "mining.set_difficulty", "mining.set_version_mask", "mining.set_extranonce"):
            if method == "mining.set_version_mask":
                self.version_mask = self._client.state.version_mask
            self._publish()

    def _publish(self) -> None:
        client = self._client
        if client is None or client.state.current is None or self._draining:
            return
        state = client.state
        job = state.current
        if job.version_mask != state.version_mask:
            job = dataclasses.replace(job, version_mask=state.version_mask)
        self.difficulty = state.difficulty
        self._tokens += 1
        self._set_work(_Work(self._tokens, job, state.generation, state.difficulty,
                             difficulty_to_target(state.difficulty), state.version_mask, self._connection))

    def _set_work(self, work: _Work | None) -> None:
        self._work = work
        self._work_changed.set()

    def _claim_extranonce2(self, job: StratumJob) -> bytes:
        with self._lock:
            value = self._e2_next
            self._e2_next += 1
        size = job.extranonce2_size
        return (value % (1 << (8 * size))).to_bytes(size, "little") if size else b""

    # ------------------------------------------------------------------ hashing (worker threads)

    def _hash_loop(self, stats: ThreadStats) -> None:
        from ..scanning import scan, scan_versions

        chunk = 1 << 14
        span = self.config.nonce_span
        while not self._halt.is_set():
            stats.idle = False  # before reading the work: a drain waits until this thread has seen it gone
            work = self._work
            if work is None:
                stats.idle = True
                self._work_changed.wait(0.1)
                self._work_changed.clear()
                continue
            job = work.job
            e2 = self._claim_extranonce2(job)
            prefix = job.block_header(e2, 0).to_bytes()[:76]
            mask = work.mask
            versions = 1 << bin(mask).count("1") if mask else 1
            for v in range(versions):
                nonce = 0
                while nonce < span:
                    if self._work is not work or self._halt.is_set():
                        break
                    count = min(chunk, span - nonce)
                    t0 = time.perf_counter()
                    if mask:
                        found = scan_versions(prefix, work.target, mask, range(v, v + 1), nonce, count,
                                              backend=self.engine, threads=1).pairs
                    else:
                        found = [(job.version, n) for n in
                                 scan(prefix, work.target, nonce, count, backend=self.engine, threads=1).nonces]
                    dt = time.perf_counter() - t0
                    stats.hashes += count
                    stats.seconds += dt
                    nonce += count
                    if dt > 0:  # size chunks to ~chunk_seconds (powers of two)
                        want = count * self.config.chunk_seconds / dt
                        while chunk * 2 <= min(want, MAX_CHUNK):
                            chunk *= 2
                        while chunk > MIN_CHUNK and chunk > want:
                            chunk //= 2
                    for version, n in found:
                        self._hit(stats, work, e2, version, n)
                if self._work is not work or self._halt.is_set():
                    break

    def _hit(self, stats: ThreadStats, work: _Work, e2: bytes, version: int, nonce: int) -> None:
        bits = version & work.mask if work.mask else None
        share = work.job.check_submit(e2, work.job.ntime, nonce, bits or 0)  # hashlib, as the pool will
        if share.difficulty < work.difficulty or share.header.version != version:
            stats.hardware_errors += 1
            return
        stats.found += 1
        item = (work, e2, nonce, bits, share.difficulty, share.hash_hex)
        with self._lock:
            self._pushed += 1
        try:
            self._loop.call_soon_threadsafe(self._found.put_nowait, item)
        except RuntimeError:  # the loop is closing
            pass

    # ------------------------------------------------------------------ submitting

    async def _submit_loop(self) -> None:
        while True:
            work, e2, nonce, bits, share_diff, hash_hex = await self._found.get()
            self._handed_over += 1  # counted as soon as it is taken: the code below runs without a pause
            client = self._client
            if client is None or client.closed.is_set() or work.connection != self._connection \
                    or work.generation != client.state.generation or work.job.job_id not in client.state.jobs:
                self.stale_dropped += 1
                continue
            try:
                fut = client.submit_nowait(self.config.user, work.job, e2, work.job.ntime, nonce, bits)
            except ConnectionError:
                self.stale_dropped += 1
                continue
            self.submitted += 1
            record = {"job_id": work.job.job_id, "extranonce2": e2.hex(), "ntime": P.hex_u32(work.job.ntime),
                      "nonce": P.hex_u32(nonce), "version_bits": None if bits is None else P.hex_u32(bits),
                      "difficulty": work.difficulty, "share_difficulty": share_diff, "hash": hash_hex}
            fut.add_done_callback(lambda f, r=record: self._submitted_done(f, r))
            self._submitted.append(fut)
            if len(self._submitted) > 1000:
                self._submitted = [f for f in self._submitted if not f.done()]

    def _submitted_done(self, fut: asyncio.Future, record: dict) -> None:
        if fut.cancelled() or fut.exception() is not None:
            self.rejected["no_answer"] += 1
            record["result"] = "no answer"
        else:
            answer = fut.result()
            if answer.get("result") is True and answer.get("error") in (None, False):
                self.accepted += 1
                record["result"] = "accepted"
                if self.config.max_shares is not None and self.accepted >= self.config.max_shares:
                    self._stop.set()
            else:
                reason = P.error_reason(answer.get("error"))
                self.rejected[reason] += 1
                record["result"] = f"rejected: {reason}"
        if len(self.shares) < 10_000:
            self.shares.append(record)

    async def _stats_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.stats_interval)
            total = sum(t.hashrate_hs for t in self.threads)
            self.status(f"mine: {format_hashrate(total)}, {self.accepted} accepted, "
                        f"{sum(self.rejected.values())} rejected, difficulty {self.difficulty}")

    # ------------------------------------------------------------------ report

    def report(self) -> dict:
        seconds = time.monotonic() - self.started
        hashes = sum(t.hashes for t in self.threads)
        return {
            "url": self.config.url,
            "user": self.config.user,
            "backend": self.engine.name,
            "impl": getattr(self.engine, "impl_name", None),
            "threads": [t.to_dict() for t in self.threads],
            "hashes": hashes,
            "seconds": seconds,
            "hashrate_hs": sum(t.hashrate_hs for t in self.threads),
            "difficulty": self.difficulty,
            "version_mask": P.hex_u32(self.version_mask),
            "submitted": self.submitted,
            "accepted": self.accepted,
            "rejected": dict(sorted(self.rejected.items())),
            "rejected_total": sum(self.rejected.values()),
            "stale_dropped": self.stale_dropped,
            "hardware_errors": sum(t.hardware_errors for t in self.threads),
            "connections": self.connections,
            "reconnects": self.reconnects,
            "shares": self.shares,
        }


def _stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


__all__ = ["AGENT", "CpuMiner", "MinerConfig", "ThreadStats"]
