"""``minecore pool``: a Stratum v1 pool server for tests and labs.

It hands out jobs cut from a real block template (:mod:`.templates`), checks every ``mining.submit`` by
rebuilding the header and hashing it with hashlib (:meth:`StratumJob.check_submit`), answers with the
standard error codes, retargets each connection (vardiff, optional), appends every share to a JSON-lines
log, and keeps per-worker statistics.

Message shapes follow the miners people run (cgminer and its forks, cpuminer, ESP-Miner, Braiins OS):

* ``mining.subscribe`` — params ``[]``, ``[agent]`` or ``[agent, session_id, host, port]``; result
  ``[[["mining.set_difficulty", id], ["mining.notify", id]], extranonce1, extranonce2_size]``.
* ``mining.authorize`` — ``[user, password]`` (the password may be missing or null); any user name is
  accepted unless the pool was given a list.  Work (``set_difficulty``, then ``notify`` with
  ``clean_jobs``) is sent once the connection is subscribed and has an authorised worker.
* ``mining.configure`` — BIP 310: ``[["version-rolling", ...], {"version-rolling.mask": "ffffffff",
  "version-rolling.min-bit-count": 2, "minimum-difficulty.value": 2048}]``.  The answer grants
  ``requested & pool mask``, or ``"version-rolling": false`` when that has fewer bits than the miner's
  minimum; ``minimum-difficulty`` sets a floor; ``subscribe-extranonce`` and ``info`` are accepted; other
  extensions are answered ``false``.
* ``mining.suggest_difficulty`` — ``[D]``: the connection's difficulty becomes ``max(D, floor)``.
* ``mining.extranonce.subscribe`` — ``[]``: answered true (the extranonce of a connection never changes).
* ``mining.submit`` — ``[worker, job_id, extranonce2, ntime, nonce]`` plus ``version_bits`` with version
  rolling; checked in order: malformed (20), not subscribed (25), worker not authorised here (24), unknown
  or stale job (21), extranonce2 size / ntime window / version bits outside the mask (20), duplicate (22),
  hash above the target (23).

A share is credited at the difficulty in force when its job was sent, or the connection's current
difficulty if that is lower (a miner may apply a new difficulty to the work in hand, as ckpool allows).
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..errors import StratumError
from ..header import bits_to_target
from . import protocol as P
from .connection import Limits, LineServer, Peer
from .sharelog import ShareLog
from .stats import WorkerTable, format_hashrate
from .templates import BlockTemplate, JobBook, PoolJob, notify_params
from .vardiff import VarDiff
from .work import DEFAULT_VERSION_MASK, StratumJob, _hex_bytes, _hex_u32

E = P.ErrorCode
#: jobs one connection remembers (a submit to an older one is "job not found")
SESSION_JOBS = 16
#: shares one connection's duplicate check remembers in all (older jobs are forgotten first)
SESSION_SHARES = 200_000
#: worker names one connection may authorise
SESSION_WORKERS = 64


@dataclass(frozen=True)
class PoolConfig:
    """Settings of a :class:`PoolServer` (times in seconds, difficulties as share difficulty).

    difficulty : float — starting (and, without vardiff, fixed) share difficulty; any positive value,
        including fractions below 1 for CPU miners
    vardiff : bool — retarget each connection toward one share per ``vardiff_target_seconds``
    min_difficulty, max_difficulty : float — vardiff and ``suggest_difficulty`` bounds (``min`` defaults to
        ``difficulty`` without vardiff, ``difficulty / 1024`` with it)
    version_mask : int — the rollable version bits the pool grants (BIP 320; 0 refuses version rolling)
    extranonce1_size : int — bytes of extranonce1 per connection [B]; extranonce2 gets the rest of the
        template's room
    job_interval : float — a new job (``ntime`` moved on, ``clean_jobs`` false) every so often
    block_interval : float or None — simulate a new block (new prevhash, ``clean_jobs`` true) this often
    ntime_window : int — how far past the job's ntime a submitted ntime may be rolled [s]
    users : frozenset or None — worker names allowed (None: any)
    share_log : path or None; fsync : bool — fsync every log line
    stats_interval : float or None — worker statistics on stderr this often
    """

    difficulty: float = 1.0
    vardiff: bool = False
    vardiff_target_seconds: float = 10.0
    vardiff_retarget_seconds: float = 30.0
    min_difficulty: float | None = None
    max_difficulty: float = 1e15
    version_mask: int = DEFAULT_VERSION_MASK
    extranonce1_size: int = 4
    job_interval: float = 30.0
    block_interval: float | None = None
    ntime_window: int = 600
    users: frozenset | None = None
    share_log: "str | Path | None" = None
    fsync: bool = False
    stats_interval: float | None = None
    seed: int | None = None
    limits: Limits = field(default_factory=Limits)

    def __post_init__(self) -> None:
        for name in ("difficulty", "max_difficulty", "vardiff_target_seconds", "vardiff_retarget_seconds",
                     "job_interval"):
            _positive(name, getattr(self, name))
        if self.min_difficulty is not None:
            _positive("min_difficulty", self.min_difficulty)
        for name in ("block_interval", "stats_interval"):
            if getattr(self, name) is not None:
                _positive(name, getattr(self, name))
        if not isinstance(self.version_mask, int) or not 0 <= self.version_mask <= 0xFFFFFFFF:
            raise StratumError(f"version_mask must be a 32-bit mask, got {self.version_mask!r}")
        if isinstance(self.ntime_window, bool) or not isinstance(self.ntime_window, int) or self.ntime_window < 0:
            raise StratumError(f"ntime_window must be an integer >= 0, got {self.ntime_window!r}")
        if isinstance(self.extranonce1_size, bool) or not isinstance(self.extranonce1_size, int) \
                or not 1 <= self.extranonce1_size <= 8:
            raise StratumError(f"extranonce1_size must be 1-8 bytes, got {self.extranonce1_size!r}")

    @property
    def floor(self) -> float:
        """The lowest difficulty a connection may get."""
        if self.min_difficulty is not None:
            return self.min_difficulty
        return self.difficulty / 1024 if self.vardiff else self.difficulty


def _positive(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise StratumError(f"{name} must be a positive finite number, got {value!r}")


@dataclass
class _SentJob:
    entry: PoolJob
    difficulty: float
    job: StratumJob | None = None  # built on the first submit


class PoolPeer(Peer):
    """One miner's connection: its extranonce1, workers, version mask, difficulty and jobs."""

    def __init__(self, reader, writer, limits):
        super().__init__(reader, writer, limits)
        self.extranonce1: bytes = b""
        self.subscribed = False
        self.user_agent: str | None = None
        self.workers: set[str] = set()
        self.version_mask = 0
        self.requested_mask = 0xFFFFFFFF
        self.version_rolling = False
        self.difficulty = 0.0
        self.floor = 0.0
        self.jobs: OrderedDict[str, _SentJob] = OrderedDict()
        self.seen: dict[str, set] = {}
        self.seen_count = 0
        self.vardiff: VarDiff | None = None
        self.work_sent = False
        self.extranonce_subscribed = False


class PoolServer(LineServer):
    """The pool.  ``await start(host, port)`` then ``await serve(...)``; or :class:`ServerThread`."""

    peer_class = PoolPeer
    name = "pool"

    def __init__(self, config: PoolConfig | None = None, template: BlockTemplate | None = None, *,
                 status=None):
        config = config or PoolConfig()
        super().__init__(config.limits, status=status)
        self.config = config
        self.template = template or BlockTemplate.builtin()
        seed = config.seed if config.seed is not None else random.SystemRandom().getrandbits(32)
        self.jobs = JobBook(self.template, extranonce1_size=config.extranonce1_size, seed=seed)
        self.version_mask = config.version_mask
        self.workers = WorkerTable()
        self.share_log = ShareLog(config.share_log, fsync=config.fsync)
        self._extranonces: set[bytes] = set()
        self._rng = random.Random(seed)
        self.accepted = 0
        self.rejected = 0
        self.blocks = 0
        self.verify_seconds = 0.0
        self.verified = 0
        self.max_shares: int | None = None
        self.started_wall = time.time()

    # ------------------------------------------------------------------ serving

    async def serve(self, max_seconds: float | None = None, max_shares: int | None = None) -> dict:
        """Serve until :meth:`request_stop`, ``max_seconds`` or ``max_shares`` accepted; returns :meth:`report`."""
        self.max_shares = max_shares
        self.started_wall = time.time()
        tasks = [asyncio.create_task(self._job_loop()), asyncio.create_task(self._housekeeping())]
        if self.config.block_interval is not None:
            tasks.append(asyncio.create_task(self._block_loop()))
        try:
            await self.wait_stop(max_seconds)
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.close()
            self.share_log.close()
        return self.report()

    async def _job_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.job_interval)
            self.broadcast_job(self.jobs.refresh(), clean=False)

    async def _block_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.block_interval)
            self.new_block()

    async def _housekeeping(self) -> None:
        last_stats = time.monotonic()
        while True:
            await asyncio.sleep(0.5 if self.config.vardiff else 1.0)
            now = time.monotonic()
            if self.config.vardiff:
                for peer in self.peers:
                    if peer.vardiff is not None and peer.work_sent:
                        self._maybe_retarget(peer, now)
            interval = self.config.stats_interval
            if interval is not None and now - last_stats >= interval:
                last_stats = now
                self.print_stats()

    def new_block(self) -> PoolJob:
        """Simulate a new block: every older job turns stale; miners get a clean job."""
        entry = self.jobs.new_block()
        self.broadcast_job(entry, clean=True)
        return entry

    def refresh_job(self) -> PoolJob:
        """Send a new job (same block, ntime moved on, ``clean_jobs`` false)."""
        entry = self.jobs.refresh()
        self.broadcast_job(entry, clean=False)
        return entry

    def broadcast_job(self, entry: PoolJob, clean: bool) -> None:
        for peer in self.peers:
            if peer.work_sent and not peer.closed:
                self._send_job(peer, entry, clean)

    def set_version_mask(self, mask: int) -> None:
        """Change the mask the pool grants; connections rolling versions get ``mining.set_version_mask``."""
        self.version_mask = _hex_u32(mask, "version_mask")
        for peer in self.peers:
            if peer.version_rolling:
                granted = peer.requested_mask & self.version_mask
                if granted != peer.version_mask:
                    peer.version_mask = granted
                    peer.send(P.notification("mining.set_version_mask", [P.hex_u32(granted)]))

    # ------------------------------------------------------------------ connections

    def handshake_complete(self, peer: PoolPeer) -> bool:
        return peer.subscribed

    def on_connect(self, peer: PoolPeer) -> None:
        peer.extranonce1 = self._new_extranonce1()
        peer.difficulty = self.config.difficulty
        peer.floor = self.config.floor
        peer.requested_mask = 0xFFFFFFFF
        if self.config.vardiff:
            peer.vardiff = VarDiff(
                target_seconds=self.config.vardiff_target_seconds,
                retarget_seconds=self.config.vardiff_retarget_seconds,
                minimum=self.config.floor,
                maximum=self.config.max_difficulty,
            )

    def on_close(self, peer: PoolPeer) -> None:
        self._extranonces.discard(peer.extranonce1)
        now = time.time()
        for worker in peer.workers:
            self.workers.get(worker).detach(now)

    def _new_extranonce1(self) -> bytes:
        size = self.config.extranonce1_size
        for _ in range(1000):
            value = self._rng.getrandbits(8 * size).to_bytes(size, "big")
            if value not in self._extranonces:
                self._extranonces.add(value)
                return value
        raise StratumError("no free extranonce1 (too many connections for its size)")

    # ------------------------------------------------------------------ messages

    async def handle(self, peer: PoolPeer, message: dict) -> None:
        msg_id = message.get("id")
        if not P.valid_id(msg_id):
            peer.bad_message(None, "id must be an integer, a short string or null")
            return
        method = message.get("method")
        if method is None:
            if P.is_response(message):  # an answer to something we sent (we send no requests): ignore
                return
            peer.bad_message(msg_id, "message has no method")
            return
        if not isinstance(method, str):
            peer.bad_message(msg_id, "method must be a string")
            return
        params = message.get("params", [])
        if params is None:
            params = []
        if not isinstance(params, list):
            peer.bad_message(msg_id, f"{method}: params must be a list"[:120])
            return
        handler = _HANDLERS.get(method)
        if handler is None:
            peer.errors += 1
            peer.reply(msg_id, None, P.error(E.OTHER, f"Unknown method {method[:40]!r}"))
            if peer.errors >= peer.limits.max_errors:
                peer.close("too many malformed messages")
            return
        try:
            handler(self, peer, msg_id, params)
        except StratumError as exc:
            peer.bad_message(msg_id, f"{method}: {exc}")

    def _subscribe(self, peer: PoolPeer, msg_id, params: list) -> None:
        if params and isinstance(params[0], str):
            peer.user_agent = params[0][:80]
        sub_id = f"{peer.id:08x}"
        peer.subscribed = True
        peer.handshake_done = True
        if peer.vardiff is not None and peer.vardiff.window_start is None:
            peer.vardiff.start(time.monotonic())
        peer.reply(msg_id, [[["mining.set_difficulty", sub_id], ["mining.notify", sub_id]],
                            peer.extranonce1.hex(), self.jobs.extranonce2_size])
        self._start_work(peer)

    def _authorize(self, peer: PoolPeer, msg_id, params: list) -> None:
        user = params[0] if params else None
        if not isinstance(user, str) or not user.strip() or len(user) > 128 or not user.isprintable():
            peer.reply(msg_id, False, P.error(E.UNAUTHORIZED, "user name must be 1-128 printable characters"))
            return
        password = params[1] if len(params) > 1 else None
        if password is not None and not isinstance(password, str):
            peer.reply(msg_id, False, P.error(E.UNAUTHORIZED, "password must be a string"))
            return
        if self.config.users is not None and user not in self.config.users:
            peer.reply(msg_id, False, P.error(E.UNAUTHORIZED))
            return
        if user not in peer.workers and len(peer.workers) >= SESSION_WORKERS:
            peer.reply(msg_id, False, P.error(E.UNAUTHORIZED, f"at most {SESSION_WORKERS} workers per connection"))
            return
        stats = self.workers.get(user)
        if user not in peer.workers:
            peer.workers.add(user)
            stats.attach()
        stats.difficulty = peer.difficulty
        peer.reply(msg_id, True, None)
        self._start_work(peer)

    def _configure(self, peer: PoolPeer, msg_id, params: list) -> None:
        if not params or not isinstance(params[0], list) or not all(isinstance(x, str) for x in params[0]):
            raise StratumError("params must be [[extension, ...], {parameters}]")
        options = params[1] if len(params) > 1 and params[1] is not None else {}
        if not isinstance(options, dict):
            raise StratumError("extension parameters must be an object")
        result: dict = {}
        for ext in params[0][:16]:
            if ext == "version-rolling":
                requested = options.get("version-rolling.mask", "ffffffff")
                requested = _hex_u32(requested, "version-rolling.mask")
                min_bits = options.get("version-rolling.min-bit-count", 0)
                if isinstance(min_bits, bool) or not isinstance(min_bits, int) or not 0 <= min_bits <= 32:
                    raise StratumError("version-rolling.min-bit-count must be an integer in [0, 32]")
                granted = requested & self.version_mask
                if granted == 0 or bin(granted).count("1") < min_bits:
                    result["version-rolling"] = False
                    peer.version_rolling = False
                    peer.version_mask = 0
                else:
                    result["version-rolling"] = True
                    result["version-rolling.mask"] = P.hex_u32(granted)
                    peer.version_rolling = True
                    peer.requested_mask = requested
                    peer.version_mask = granted
            elif ext == "minimum-difficulty":
                value = options.get("minimum-difficulty.value")
                if value is None:
                    result["minimum-difficulty"] = False
                else:
                    floor = P.difficulty_value(value, "minimum-difficulty.value")
                    peer.floor = min(max(floor, self.config.floor), self.config.max_difficulty)
                    result["minimum-difficulty"] = True
                    if peer.difficulty < peer.floor:
                        self._set_difficulty(peer, peer.floor)
            elif ext in ("subscribe-extranonce", "info"):
                result[ext] = True
                if ext == "subscribe-extranonce":
                    peer.extranonce_subscribed = True
            else:
                result[ext[:64]] = False
        peer.reply(msg_id, result, None)

    def _suggest_difficulty(self, peer: PoolPeer, msg_id, params: list) -> None:
        value = P.difficulty_value(params[0] if params else None, "suggested difficulty")
        wanted = min(max(value, peer.floor), self.config.max_difficulty)
        peer.reply(msg_id, True, None)
        if wanted != peer.difficulty:
            self._set_difficulty(peer, wanted)

    def _extranonce_subscribe(self, peer: PoolPeer, msg_id, params: list) -> None:
        peer.extranonce_subscribed = True
        peer.reply(msg_id, True, None)

    # ------------------------------------------------------------------ work and difficulty

    def _start_work(self, peer: PoolPeer) -> None:
        if peer.work_sent or not peer.subscribed or not peer.workers:
            return
        peer.work_sent = True
        peer.send(P.notification("mining.set_difficulty", [peer.difficulty]))
        self._send_job(peer, self.jobs.current, clean=True)

    def _send_job(self, peer: PoolPeer, entry: PoolJob, clean: bool) -> None:
        if clean:
            for job_id in list(peer.jobs):
                self._forget_job(peer, job_id)
        peer.jobs[entry.job_id] = _SentJob(entry, peer.difficulty)
        peer.jobs.move_to_end(entry.job_id)
        while len(peer.jobs) > SESSION_JOBS:
            self._forget_job(peer, next(iter(peer.jobs)))
        peer.send(P.notification("mining.notify", notify_params(entry.job, clean)))

    def _forget_job(self, peer: PoolPeer, job_id: str) -> None:
        peer.jobs.pop(job_id, None)
        seen = peer.seen.pop(job_id, None)
        if seen:
            peer.seen_count -= len(seen)

    def _set_difficulty(self, peer: PoolPeer, difficulty: float) -> None:
        peer.difficulty = difficulty
        for worker in peer.workers:
            self.workers.get(worker).difficulty = difficulty
        if peer.work_sent:
            peer.send(P.notification("mining.set_difficulty", [difficulty]))
            # the new difficulty applies to the job in hand from now on (older jobs keep the lower of the two)
            current = self.jobs.current
            sent = peer.jobs.get(current.job_id)
            if sent is not None:
                sent.difficulty = difficulty

    def _maybe_retarget(self, peer: PoolPeer, now: float) -> None:
        new = peer.vardiff.retarget(peer.difficulty, now)
        if new is not None:
            new = min(max(new, peer.floor), self.config.max_difficulty)
            if new != peer.difficulty:
                self._set_difficulty(peer, new)

    # ------------------------------------------------------------------ shares

    def _submit(self, peer: PoolPeer, msg_id, params: list) -> None:
        record = {"session": peer.id, "extranonce1": peer.extranonce1.hex()}
        worker = params[0] if params and isinstance(params[0], str) else None
        record["worker"] = worker[:128] if worker else None
        code, text, share, credited = self._check(peer, params, record)
        now = time.time()
        if code is None:
            self.accepted += 1
            record.update(result="accepted", reason=None, code=None)
            stats = self.workers.get(worker)
            stats.accept(credited, share.difficulty, now)
            stats.difficulty = peer.difficulty
            if peer.vardiff is not None:
                peer.vardiff.record(credited, time.monotonic())
            peer.reply(msg_id, True, None)
        else:
            self.rejected += 1
            reason = E(code).reason
            record.update(result="rejected", reason=reason if code != E.OTHER else f"other: {text}"[:80],
                          code=int(code))
            if worker and worker in peer.workers:
                self.workers.get(worker).reject(reason if code != E.OTHER else _other_reason(text), now)
            peer.reply(msg_id, False, P.error(code, text))
            if code == E.OTHER:
                peer.errors += 1
                if peer.errors >= peer.limits.max_errors:
                    peer.close("too many malformed messages")
        record["time"] = round(now, 6)
        self.share_log.write(record)
        if code is None and peer.vardiff is not None and peer.vardiff.due(time.monotonic()):
            self._maybe_retarget(peer, time.monotonic())
        if self.max_shares is not None and self.accepted >= self.max_shares:
            self.request_stop(0)

    def _check(self, peer: PoolPeer, params: list, record: dict):
        """``(code or None, text, share, credited difficulty)`` for one submit; fills the log ``record``."""
        if not 5 <= len(params) <= 6 or not all(isinstance(p, str) for p in params[:5]) or \
                (len(params) == 6 and not isinstance(params[5], str)):
            return E.OTHER, "malformed submit: expected [worker, job_id, extranonce2, ntime, nonce(, version_bits)]" \
                            " as strings", None, 0.0
        worker, job_id, en2, ntime, nonce = params[:5]
        bits = params[5] if len(params) == 6 else None
        record.update(job_id=job_id[:64], extranonce2=en2[:64], ntime=ntime[:16], nonce=nonce[:16],
                      version_bits=bits[:16] if bits is not None else None)
        if not peer.subscribed:
            return E.NOT_SUBSCRIBED, None, None, 0.0
        if worker not in peer.workers:
            return E.UNAUTHORIZED, None, None, 0.0
        sent = peer.jobs.get(job_id)
        entry = self.jobs.get(job_id)
        if sent is None or entry is None:
            if self.jobs.is_stale(job_id) or (sent is not None and entry is None):
                return E.JOB_NOT_FOUND, "Stale job", None, 0.0
            return E.JOB_NOT_FOUND, None, None, 0.0
        try:
            en2_bytes = _hex_bytes(en2, "extranonce2")
            if len(en2_bytes) != self.jobs.extranonce2_size:
                return E.OTHER, f"Invalid extranonce2 size (expected {self.jobs.extranonce2_size} bytes)", None, 0.0
            if len(ntime) != 8 or len(nonce) != 8:
                return E.OTHER, "ntime and nonce must be 8 hex digits", None, 0.0
            ntime_v = _hex_u32(ntime, "ntime")
            nonce_v = _hex_u32(nonce, "nonce")
            bits_v = 0
            if bits is not None:
                if len(bits) != 8:
                    return E.OTHER, "version bits must be 8 hex digits", None, 0.0
                bits_v = _hex_u32(bits, "version_bits")
        except StratumError as exc:
            return E.OTHER, str(exc), None, 0.0
        base = entry.job.ntime
        if not base <= ntime_v <= base + self.config.ntime_window:
            return E.OTHER, "Ntime out of range", None, 0.0
        if bits_v & ~peer.version_mask & 0xFFFFFFFF:
            return E.OTHER, "Invalid version bits (outside the negotiated mask)" if peer.version_rolling \
                else "Version rolling not negotiated (mining.configure)", None, 0.0
        key = (en2_bytes, ntime_v, nonce_v, bits_v)
        seen = peer.seen.setdefault(job_id, set())
        if key in seen:
            return E.DUPLICATE, None, None, 0.0
        if sent.job is None or sent.job.version_mask != peer.version_mask:
            sent.job = entry.for_session(peer.extranonce1, peer.version_mask)
        t0 = time.perf_counter()
        share = sent.job.check_submit(en2_bytes, ntime_v, nonce_v, bits_v)
        self.verify_seconds += time.perf_counter() - t0
        self.verified += 1
        credited = min(sent.difficulty, peer.difficulty)
        record.update(hash=share.hash_hex, share_difficulty=share.difficulty, difficulty=credited)
        block = int(share.hash_hex, 16) <= bits_to_target(entry.job.nbits)
        record["block"] = block
        if share.difficulty < credited:
            return E.LOW_DIFFICULTY, f"Low difficulty share ({share.difficulty:.6g} < {credited:g})", share, credited
        if block:
            self.blocks += 1
        seen.add(key)
        peer.seen_count += 1
        while peer.seen_count > SESSION_SHARES and len(peer.jobs) > 1:
            self._forget_job(peer, next(iter(peer.jobs)))
        return None, None, share, credited

    # ------------------------------------------------------------------ reporting

    def print_stats(self) -> None:
        now = time.time()
        self.status(f"pool {self.url}: {len(self.peers)} connection(s), {self.accepted} accepted, "
                    f"{self.rejected} rejected")
        for w in self.workers:
            self.status(f"  {w.line(now)}")

    def report(self) -> dict:
        """Totals and per-worker statistics (what ``minecore pool --json`` prints at exit)."""
        now = time.time()
        verify_rate = self.verified / self.verify_seconds if self.verify_seconds > 0 else None
        return {
            "url": self.url if self.address else None,
            "template": self.template.name,
            "seconds": now - self.started_wall,
            "difficulty": self.config.difficulty,
            "vardiff": self.config.vardiff,
            "version_mask": P.hex_u32(self.version_mask),
            "connections_total": self.connections_total,
            "connections_refused": self.connections_refused,
            "connections_open": len(self.peers),
            "closed_reasons": dict(sorted(self.closed_reasons.items())),
            "jobs_block": self.jobs.block,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "blocks": self.blocks,
            "shares_verified": self.verified,
            "verify_shares_per_second": verify_rate,
            "share_log": str(self.share_log.path) if self.share_log.path else None,
            "share_log_lines": self.share_log.lines,
            "workers": [w.to_dict(now) for w in self.workers],
            "totals": self.workers.totals(),
        }


def _other_reason(text: str | None) -> str:
    text = (text or "other").lower()
    for key in ("malformed", "extranonce2", "version", "ntime", "nonce"):
        if key in text:
            return f"invalid_{key}"
    return "other"


_HANDLERS = {
    "mining.subscribe": PoolServer._subscribe,
    "mining.authorize": PoolServer._authorize,
    "mining.configure": PoolServer._configure,
    "mining.suggest_difficulty": PoolServer._suggest_difficulty,
    "mining.extranonce.subscribe": PoolServer._extranonce_subscribe,
    "mining.submit": PoolServer._submit,
}


def worker_lines(report: dict) -> list[str]:
    """Human lines of a :meth:`PoolServer.report` (one per worker)."""
    out = []
    for w in report["workers"]:
        rejected = ", ".join(f"{k} {v}" for k, v in w["rejected"].items())
        out.append(f"{w['worker']}: {w['accepted']} accepted, {w['rejected_total']} rejected"
                   f"{f' ({rejected})' if rejected else ''}, {format_hashrate(w['hashrate_hs'])} "
                   f"[{format_hashrate(w['hashrate_low_hs'])}, {format_hashrate(w['hashrate_high_hs'])}]")
    return out


AGENT = f"minecore/{__version__}"

__all__ = ["AGENT", "PoolConfig", "PoolPeer", "PoolServer", "worker_lines"]
