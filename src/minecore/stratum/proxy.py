"""``minecore proxy``: sits between miners and their pool, checks every share, measures every worker.

Each miner connection gets its own upstream connection, so every message passes through unchanged (the
pool's extranonce1, difficulty, version mask and jobs reach the miner as the pool sent them).  On the way the
proxy reads what it needs:

* pool → miner: the ``mining.subscribe`` answer (extranonce1, extranonce2 size), the ``mining.configure``
  answer (version mask), ``mining.set_difficulty``, ``mining.notify``, ``mining.set_version_mask``,
  ``mining.set_extranonce``, and the answers to submits (accepted, or rejected with a reason);
* miner → pool: ``mining.authorize`` (the worker names) and ``mining.submit``.

Every submit is rebuilt and hashed with hashlib (:meth:`StratumJob.check_submit`) against the job and the
difficulty the pool gave *this* connection.  A share that cannot be valid (malformed, unknown job, hash
above the target) is answered by the proxy with the code the pool would use and never forwarded (unless
``forward_invalid``); the rest go up.  Per worker the proxy keeps the hashrate measured from verified shares
with its Poisson interval, the pool's verdicts by reason, and the twin's prediction for the declared model::

    rig7: 187 ± 9 TH/s, 94% of an Antminer S21 at 200 TH/s (twin)
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import math
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import StratumConnectionError, StratumError
from . import protocol as P
from .client import ClientState
from .connection import Limits, LineServer, Peer
from .sharelog import ShareLog
from .stats import WorkerStats, format_hashrate
from .work import _hex_bytes, _hex_u32

E = P.ErrorCode


@dataclass(frozen=True)
class ProxyConfig:
    """Settings of a :class:`StratumProxy`.

    upstream : str — the pool, ``stratum+tcp://HOST:PORT``
    model : str or None — the model every worker is declared as (catalog name, forgiving)
    models : dict — worker name -> model, overriding ``model`` (``"*"`` is the default)
    forward_invalid : bool — also forward shares the proxy found invalid (to see the pool's verdict)
    share_log : path or None — every submit the proxy checked, one JSON line each
    stats_interval : float or None — worker lines on stderr this often [s]
    upstream_timeout : float — connecting to the pool [s]
    """

    upstream: str
    model: str | None = None
    models: dict = field(default_factory=dict)
    forward_invalid: bool = False
    share_log: "str | Path | None" = None
    stats_interval: float | None = None
    upstream_timeout: float = 10.0
    limits: Limits = field(default_factory=Limits)

    def __post_init__(self) -> None:
        P.parse_url(self.upstream)
        if not isinstance(self.models, dict):
            raise StratumError("models must map worker names to model names")

    def model_for(self, worker: str) -> str | None:
        return self.models.get(worker) or self.models.get("*") or self.model


def load_model_map(path: "str | Path") -> dict:
    """A worker → model map from a JSON object file (``{"rig7": "Antminer S21", "*": "S21 Pro"}``) or a text
    file of ``worker = model`` lines (``#`` comments)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise StratumError(f"model map {path}: {exc.strerror}") from None
    if text.lstrip().startswith("{"):
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise StratumError(f"model map {path}: not JSON ({exc})") from None
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in doc.items()):
            raise StratumError(f"model map {path}: every entry must be \"worker\": \"model\"")
        return dict(doc)
    out = {}
    for n, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if "=" not in line:
            raise StratumError(f"model map {path}:{n}: expected 'worker = model'")
        worker, model = (x.strip().strip('"') for x in line.split("=", 1))
        if not worker or not model:
            raise StratumError(f"model map {path}:{n}: expected 'worker = model'")
        out[worker] = model
    return out


@dataclass(frozen=True)
class Prediction:
    """What the twin says a model should hash: ``hashrate_ths`` [TH/s] and where the figure comes from."""

    model: str
    name: str
    hashrate_ths: float
    basis: str  # "twin" (chip-level model), "nameplate-level twin", or "nameplate" (no twin at all)


def predict(model: str) -> Prediction:
    """The twin's hashrate for ``model`` at its normal profile (the nameplate when no chip data exists).

    Unknown names raise :class:`~minecore.errors.UnknownModelError`."""
    from ..errors import ChipDataUnavailableError
    from ..hardware import get_model

    record = get_model(model)
    try:
        from ..emulator import resolve_machine

        machine = resolve_machine(record)
        level = getattr(machine.state, "twin", "chip")  # "nameplate": a twin calibrated to the nameplate only
        return Prediction(model, record.name, machine.state.hashrate_ths, "twin" if level == "chip" else
                          f"{level}-level twin")
    except ChipDataUnavailableError:
        return Prediction(model, record.name, float(record.hashrate_ths or 0.0), "nameplate")


@dataclass
class ProxyWorker:
    """One worker as the proxy sees it: verified shares (:class:`WorkerStats`), the pool's verdicts."""

    stats: WorkerStats
    prediction: Prediction | None = None
    pool_accepted: int = 0
    pool_rejected: Counter = field(default_factory=Counter)
    proxy_rejected: Counter = field(default_factory=Counter)
    forwarded: int = 0

    def to_dict(self, now: float | None = None) -> dict:
        out = self.stats.to_dict(now)
        out.pop("accepted")
        out.pop("rejected")
        out.pop("rejected_total")
        out["verified"] = self.stats.accepted
        out["verified_difficulty"] = out.pop("accepted_difficulty")
        out["forwarded"] = self.forwarded
        out["pool_accepted"] = self.pool_accepted
        out["pool_rejected"] = dict(sorted(self.pool_rejected.items()))
        out["proxy_rejected"] = dict(sorted(self.proxy_rejected.items()))
        if self.prediction is not None:
            p = self.prediction
            out["model"] = p.name
            out["predicted_hashrate_ths"] = p.hashrate_ths
            out["prediction_basis"] = p.basis
            out["fraction_of_predicted"] = (out["hashrate_hs"] / (p.hashrate_ths * 1e12)
                                            if p.hashrate_ths > 0 else None)
        out["summary"] = self.line(now)
        return out

    def line(self, now: float | None = None) -> str:
        """``rig7: 187 ± 9 TH/s, 94% of an Antminer S21 at 200 TH/s (twin); pool 412 accepted, 3 rejected``."""
        est = self.stats.hashrate(now)
        text = f"{self.stats.name}: {_pm(est.hashrate_hs, est.plus_minus_hs)}"
        if self.prediction is not None and self.prediction.hashrate_ths > 0:
            p = self.prediction
            share = est.hashrate_hs / (p.hashrate_ths * 1e12)
            text += f", {share:.0%} of an {p.name} at {p.hashrate_ths:.4g} TH/s ({p.basis})"
        rejected = sum(self.pool_rejected.values())
        text += f"; pool {self.pool_accepted} accepted, {rejected} rejected"
        if rejected:
            text += " (" + ", ".join(f"{k} {v}" for k, v in sorted(self.pool_rejected.items())) + ")"
        local = sum(self.proxy_rejected.values())
        if local:
            text += f"; proxy refused {local} (" + ", ".join(f"{k} {v}" for k, v in
                                                            sorted(self.proxy_rejected.items())) + ")"
        return text


def _pm(value_hs: float, plus_minus_hs: float) -> str:
    """``187 ± 9 TH/s``: both in the unit of the value."""
    text = format_hashrate(value_hs)
    number, unit = text.split(" ", 1)
    scale = value_hs / float(number) if float(number) else 1.0
    if not math.isfinite(plus_minus_hs) or scale == 0:
        return f"{text} ± ?"
    return f"{number} ± {plus_minus_hs / scale:.2g} {unit}"


class ProxyPeer(Peer):
    """A miner's connection and its own upstream connection."""

    def __init__(self, reader, writer, limits):
        super().__init__(reader, writer, limits)
        self.up_reader: asyncio.StreamReader | None = None
        self.up_writer: asyncio.StreamWriter | None = None
        self.up_task: asyncio.Task | None = None
        self.state = ClientState()
        self.job_difficulty: dict[str, float] = {}
        self.pending: dict = {}  # upstream request id -> ("subscribe"|"configure"|"authorize"|"submit", data)
        self.workers: set[str] = set()
        self.subscribed = False

    def send_raw(self, line: bytes) -> bool:
        if self.closed:
            return False
        transport = self.writer.transport
        if transport is None or transport.is_closing():
            self.close("connection lost")
            return False
        self.writer.write(line)
        if transport.get_write_buffer_size() > self.limits.max_write_buffer:
            self.close("slow reader: write buffer full")
            return False
        return True


class StratumProxy(LineServer):
    """The proxy.  ``await start(host, port)`` then ``await serve(...)``; or :class:`ServerThread`."""

    peer_class = ProxyPeer
    name = "proxy"

    def __init__(self, config: ProxyConfig, *, status=None):
        super().__init__(config.limits, status=status)
        self.config = config
        self.workers: dict[str, ProxyWorker] = {}
        self._predictions: dict[str, Prediction] = {}
        for model in {config.model, *config.models.values()} - {None}:
            self._predictions[model] = predict(model)  # unknown models fail here, before serving
        self.share_log = ShareLog(config.share_log)
        self.forwarded = 0
        self.pool_accepted = 0
        self.pool_rejected: Counter = Counter()
        self.proxy_rejected: Counter = Counter()
        self.upstream_failures = 0
        self.started_wall = time.time()

    # ------------------------------------------------------------------ running

    async def serve(self, max_seconds: float | None = None) -> dict:
        self.started_wall = time.time()
        stats = asyncio.create_task(self._stats_loop()) if self.config.stats_interval else None
        try:
            await self.wait_stop(max_seconds)
        finally:
            if stats is not None:
                stats.cancel()
                await asyncio.gather(stats, return_exceptions=True)
            await self.close()
            self.share_log.close()
        return self.report()

    async def _stats_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.stats_interval)
            self.print_stats()

    def print_stats(self) -> None:
        now = time.time()
        self.status(f"proxy {self.url} -> {self.config.upstream}: {len(self.peers)} miner(s), "
                    f"{self.forwarded} forwarded, {self.pool_accepted} accepted by the pool")
        for w in sorted(self.workers.values(), key=lambda w: w.stats.name):
            self.status(f"  {w.line(now)}")

    def worker(self, name: str) -> ProxyWorker:
        w = self.workers.get(name)
        if w is None:
            if len(self.workers) >= 10_000:
                name = "(other)"
                w = self.workers.get(name)
            if w is None:
                model = self.config.model_for(name)
                w = self.workers[name] = ProxyWorker(WorkerStats(name),
                                                     self._predictions.get(model) if model else None)
        return w

    # ------------------------------------------------------------------ connections

    def handshake_complete(self, peer: ProxyPeer) -> bool:
        return peer.subscribed

    def on_close(self, peer: ProxyPeer) -> None:
        if peer.up_writer is not None:
            peer.up_writer.transport.abort()
        if peer.up_task is not None:
            peer.up_task.cancel()
        now = time.time()
        for name in peer.workers:
            self.worker(name).stats.detach(now)

    async def _connect_upstream(self, peer: ProxyPeer) -> bool:
        host, port = P.parse_url(self.config.upstream)
        try:
            async with asyncio.timeout(self.config.upstream_timeout):
                peer.up_reader, peer.up_writer = await asyncio.open_connection(
                    host, port, limit=self.limits.max_line_bytes)
        except (OSError, TimeoutError) as exc:
            self.upstream_failures += 1
            peer.reply(None, None, P.error(E.OTHER, f"proxy cannot reach the pool: {exc or 'timeout'}"[:160]))
            peer.close("upstream unreachable")
            return False
        peer.up_task = asyncio.create_task(self._upstream_loop(peer))
        return True

    def _send_up(self, peer: ProxyPeer, line: bytes) -> None:
        writer = peer.up_writer
        if writer is None or writer.transport.is_closing():
            peer.close("upstream closed")
            return
        writer.write(line)
        if writer.transport.get_write_buffer_size() > self.limits.max_write_buffer:
            peer.close("upstream not reading")

    async def _upstream_loop(self, peer: ProxyPeer) -> None:
        reason = "pool closed the connection"
        try:
            while not peer.closed:
                try:
                    line = await peer.up_reader.readline()
                except ValueError:
                    reason = "pool sent a line over the limit"
                    break
                if not line or not line.endswith(b"\n"):
                    break
                try:
                    message = P.decode(line)
                except StratumError:
                    continue  # pass nothing we cannot read
                self._from_pool(peer, message)
                if not peer.send_raw(line):
                    break
                if peer.writer.transport is not None and peer.writer.transport.get_write_buffer_size() > 0:
                    try:
                        async with asyncio.timeout(self.limits.write_timeout):
                            await peer.writer.drain()
                    except (TimeoutError, ConnectionError, OSError):
                        peer.close("slow reader: write timeout")
                        break
        except (ConnectionError, OSError):
            reason = "connection to the pool lost"
        finally:
            peer.close(f"upstream: {reason}")

    # ------------------------------------------------------------------ pool -> miner

    def _from_pool(self, peer: ProxyPeer, message: dict) -> None:
        method = message.get("method")
        if isinstance(method, str):
            params = message.get("params") or []
            if not isinstance(params, list):
                return
            try:
                peer.state.on_notification(method, params)
            except StratumError:
                return
            if method == "mining.notify" and peer.state.current is not None:
                peer.job_difficulty[peer.state.current.job_id] = peer.state.difficulty
                if len(peer.job_difficulty) > 64:
                    for job_id in list(peer.job_difficulty):
                        if job_id not in peer.state.jobs:
                            del peer.job_difficulty[job_id]
            return
        msg_id = message.get("id")
        if not isinstance(msg_id, (int, str)) or isinstance(msg_id, bool):
            return
        kind = peer.pending.pop(msg_id, None)
        if kind is None:
            return
        what, data = kind
        result, err = message.get("result"), message.get("error")
        if what == "subscribe" and isinstance(result, list) and len(result) >= 3:
            try:
                peer.state.set_extranonce(result[1], result[2])
                peer.subscribed = True
            except StratumError:
                pass
        elif what == "configure" and isinstance(result, dict):
            if result.get("version-rolling") is True:
                try:
                    peer.state.version_mask = _hex_u32(result.get("version-rolling.mask", "1fffe000"), "mask")
                except StratumError:
                    peer.state.version_mask = 0
            else:
                peer.state.version_mask = 0
        elif what == "authorize" and result is True and err in (None, False):
            if data not in peer.workers and len(peer.workers) < 64:
                peer.workers.add(data)
                self.worker(data).stats.attach()
        elif what == "submit":
            worker = self.worker(data)
            if result is True and err in (None, False):
                worker.pool_accepted += 1
                self.pool_accepted += 1
            else:
                reason = P.error_reason(err)
                worker.pool_rejected[reason] += 1
                self.pool_rejected[reason] += 1

    # ------------------------------------------------------------------ miner -> pool

    async def handle(self, peer: ProxyPeer, message: dict) -> None:
        if peer.up_writer is None and not await self._connect_upstream(peer):
            return
        msg_id = message.get("id")
        if not P.valid_id(msg_id):
            peer.bad_message(None, "id must be an integer, a short string or null")
            return
        method = message.get("method")
        params = message.get("params", [])
        if not isinstance(method, str) or not isinstance(params, (list, type(None))):
            if P.is_response(message):
                self._send_up(peer, P.encode(message))
                return
            peer.bad_message(msg_id, "message needs a method (string) and params (list)")
            return
        params = params or []
        if method == "mining.submit":
            if not self._check_submit(peer, msg_id, params):
                return
        elif msg_id is None:
            pass  # a notification: the pool will not answer it
        elif method == "mining.subscribe":
            peer.pending[msg_id] = ("subscribe", None)
        elif method == "mining.configure":
            peer.pending[msg_id] = ("configure", None)
        elif method == "mining.authorize":
            if params and isinstance(params[0], str) and 0 < len(params[0]) <= 128:
                peer.pending[msg_id] = ("authorize", params[0])
        if len(peer.pending) > 10_000:  # a peer that floods ids the pool never answers
            peer.close("too many unanswered requests")
            return
        self._send_up(peer, P.encode(message))

    def _check_submit(self, peer: ProxyPeer, msg_id, params: list) -> bool:
        """Verify one submit; True to forward it (``pending`` records it), False when answered here."""
        record = {"session": peer.id, "extranonce1": peer.state.extranonce1.hex()}
        ok = 5 <= len(params) <= 6 and all(isinstance(p, str) for p in params)
        worker = params[0][:128] if ok else None
        record["worker"] = worker
        code, text, share, difficulty = self._verify(peer, params, record) if ok else \
            (E.OTHER, "malformed submit", None, None)
        now = time.time()
        if worker is not None and worker not in peer.workers:
            code, text = E.UNAUTHORIZED, None
        if code is None:
            w = self.worker(worker)
            w.stats.accept(difficulty, share.difficulty, now)
            w.stats.difficulty = difficulty
            record.update(result="verified", reason=None, code=None)
        else:
            reason = E(code).reason
            record.update(result="refused by proxy", reason=reason, code=int(code))
            if worker is not None and worker in peer.workers:
                self.worker(worker).proxy_rejected[reason] += 1
            self.proxy_rejected[reason] += 1
        record["time"] = round(now, 6)
        self.share_log.write(record)
        if code is not None and not (self.config.forward_invalid and worker is not None):
            peer.reply(msg_id, False, P.error(code, text))
            return False
        self.forwarded += 1
        if worker is not None:
            self.worker(worker).forwarded += 1
            if msg_id is not None:
                peer.pending[msg_id] = ("submit", worker)
        return True

    def _verify(self, peer: ProxyPeer, params: list, record: dict):
        worker, job_id, en2, ntime, nonce = params[:5]
        bits = params[5] if len(params) == 6 else None
        record.update(job_id=job_id[:64], extranonce2=en2[:64], ntime=ntime[:16], nonce=nonce[:16],
                      version_bits=bits[:16] if bits else None)
        job = peer.state.jobs.get(job_id)
        if job is None:
            return E.JOB_NOT_FOUND, None, None, None
        try:
            en2_bytes = _hex_bytes(en2, "extranonce2")
            if len(en2_bytes) != job.extranonce2_size:
                return E.OTHER, "Invalid extranonce2 size", None, None
            bits_v = _hex_u32(bits, "version_bits") if bits is not None else 0
            mask = peer.state.version_mask
            if bits_v & ~mask & 0xFFFFFFFF:
                return E.OTHER, "Invalid version bits", None, None
            if job.version_mask != mask:
                job = dataclasses.replace(job, version_mask=mask)
            share = job.check_submit(en2_bytes, ntime, nonce, bits_v)
        except StratumError as exc:
            return E.OTHER, str(exc)[:120], None, None
        difficulty = min(peer.job_difficulty.get(job_id, peer.state.difficulty), peer.state.difficulty)
        record.update(hash=share.hash_hex, share_difficulty=share.difficulty, difficulty=difficulty)
        if share.difficulty < difficulty:
            return E.LOW_DIFFICULTY, f"Low difficulty share ({share.difficulty:.6g} < {difficulty:g})", share, \
                difficulty
        return None, None, share, difficulty

    # ------------------------------------------------------------------ report

    def report(self) -> dict:
        now = time.time()
        return {
            "url": self.url if self.address else None,
            "upstream": self.config.upstream,
            "seconds": now - self.started_wall,
            "connections_total": self.connections_total,
            "connections_refused": self.connections_refused,
            "closed_reasons": dict(sorted(self.closed_reasons.items())),
            "upstream_failures": self.upstream_failures,
            "forwarded": self.forwarded,
            "pool_accepted": self.pool_accepted,
            "pool_rejected": dict(sorted(self.pool_rejected.items())),
            "proxy_rejected": dict(sorted(self.proxy_rejected.items())),
            "workers": [w.to_dict(now) for w in sorted(self.workers.values(), key=lambda w: w.stats.name)],
        }


async def check_upstream(url: str, timeout: float = 5.0) -> None:
    """Raise :class:`~minecore.errors.StratumConnectionError` unless something listens at ``url``."""
    host, port = P.parse_url(url)
    try:
        async with asyncio.timeout(timeout):
            _, writer = await asyncio.open_connection(host, port)
    except (OSError, TimeoutError) as exc:
        raise StratumConnectionError(f"upstream {url}: {getattr(exc, 'strerror', None) or exc or 'timeout'}") \
            from None
    writer.close()


__all__ = ["Prediction", "ProxyConfig", "ProxyWorker", "StratumProxy", "check_upstream", "load_model_map",
           "predict"]
