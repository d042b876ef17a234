"""A Stratum v1 client connection (asyncio), shared by the CPU miner, the proxy and the virtual miner.

:class:`StratumClient` speaks the miner's side: it sends requests with increasing integer ids and matches
the answers, and hands every notification to :class:`ClientState`, which keeps what the pool said
(extranonce, difficulty, version mask, jobs).  The handshake follows the order ESP-Miner and Braiins OS use
(``mining.configure`` first when version rolling is wanted, then ``mining.subscribe``, ``mining.authorize``,
optionally ``mining.suggest_difficulty`` and ``mining.extranonce.subscribe``); a pool that does not know
``mining.configure`` (an error or no answer) simply gets no version rolling, as cgminer falls back.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import OrderedDict
from dataclasses import dataclass, field

from ..errors import PoolRejectedError, StratumConnectionError, StratumError
from . import protocol as P
from .work import DEFAULT_VERSION_MASK, StratumJob, _hex_bytes, _hex_u32

#: jobs a client remembers (shares found on an older one are dropped)
CLIENT_JOBS = 16


@dataclass
class ClientState:
    """What the pool has told this connection.

    extranonce1 : bytes; extranonce2_size : int [B]
    difficulty : float — latest ``mining.set_difficulty`` (1 until the pool sends one)
    version_mask : int — granted by ``mining.configure`` or ``mining.set_version_mask`` (0: no rolling)
    jobs : job_id -> StratumJob (the last :data:`CLIENT_JOBS`); current : the newest job
    generation : int — bumped on every ``clean_jobs`` (work of an older generation is stale)
    """

    extranonce1: bytes = b""
    extranonce2_size: int = 4
    difficulty: float = 1.0
    version_mask: int = 0
    jobs: OrderedDict = field(default_factory=OrderedDict)
    current: StratumJob | None = None
    generation: int = 0
    job_count: int = 0
    messages: list = field(default_factory=list)

    def on_notification(self, method: str, params: list) -> None:
        """Apply one pool notification (malformed ones raise :class:`StratumError`)."""
        if method == "mining.set_difficulty":
            self.difficulty = P.difficulty_value(params[0] if params else None)
        elif method == "mining.notify":
            job = StratumJob.from_notify(params, self.extranonce1, self.extranonce2_size, self.version_mask)
            if job.clean_jobs:
                self.jobs.clear()
                self.generation += 1
            self.jobs[job.job_id] = job
            self.jobs.move_to_end(job.job_id)
            while len(self.jobs) > CLIENT_JOBS:
                self.jobs.popitem(last=False)
            self.current = job
            self.job_count += 1
        elif method == "mining.set_version_mask":
            self.version_mask = _hex_u32(params[0] if params else None, "version mask")
        elif method == "mining.set_extranonce":
            if len(params) < 2:
                raise StratumError("mining.set_extranonce needs [extranonce1, extranonce2_size]")
            self.set_extranonce(params[0], params[1])
        elif method == "client.show_message":
            if params and isinstance(params[0], str):
                self.messages = (self.messages + [params[0][:200]])[-10:]

    def set_extranonce(self, extranonce1: object, size: object) -> None:
        self.extranonce1 = _hex_bytes(extranonce1, "extranonce1")
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 32:
            raise StratumError(f"extranonce2_size must be an integer in [1, 32], got {size!r}")
        self.extranonce2_size = size


@dataclass(frozen=True)
class Handshake:
    """What the handshake established."""

    extranonce1: bytes
    extranonce2_size: int
    version_rolling: bool
    version_mask: int
    authorized: bool


class StratumClient:
    """One connection to a pool.  ``async with StratumClient(url) as c: await c.handshake(user)``."""

    def __init__(self, url: str, *, timeout: float = 10.0, max_line_bytes: int = P.MAX_LINE_BYTES,
                 on_notification=None):
        self.host, self.port = P.parse_url(url)
        self.url = url
        self.timeout = timeout
        self.max_line_bytes = max_line_bytes
        self.state = ClientState()
        self.on_notification = on_notification
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future] = {}
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._task: asyncio.Task | None = None
        self.closed = asyncio.Event()
        self.close_reason: str | None = None
        self.bad_notifications = 0

    async def __aenter__(self) -> "StratumClient":
        await self.connect()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def connect(self) -> None:
        try:
            async with asyncio.timeout(self.timeout):
                self._reader, self._writer = await asyncio.open_connection(
                    self.host, self.port, limit=self.max_line_bytes)
        except (OSError, TimeoutError) as exc:
            raise StratumConnectionError(f"cannot connect to {self.url}: {getattr(exc, 'strerror', None) or exc or 'timeout'}") \
                from None
        self._task = asyncio.create_task(self._read_loop())

    async def close(self, reason: str = "closed") -> None:
        if self.close_reason is None:
            self.close_reason = reason
        if self._writer is not None:
            self._writer.close()
            try:
                async with asyncio.timeout(1.0):
                    await self._writer.wait_closed()
            except (TimeoutError, OSError, ConnectionError):
                pass
        if self._task is not None and not self._task.done():
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
        self._fail_pending(reason)
        self.closed.set()

    def _fail_pending(self, reason: str) -> None:
        for fut in self._pending.values():
            if not fut.done():
                fut.set_exception(ConnectionError(f"connection to {self.url} lost: {reason}"))
        self._pending.clear()

    async def _read_loop(self) -> None:
        reason = "closed by the pool"
        try:
            while True:
                try:
                    line = await self._reader.readline()
                except ValueError:
                    reason = "the pool sent a line over the limit"
                    break
                if not line:
                    break
                try:
                    message = P.decode(line)
                except StratumError:
                    self.bad_notifications += 1
                    continue
                self._dispatch(message)
        except (ConnectionError, OSError) as exc:
            reason = f"connection lost: {exc}"
        finally:
            if self.close_reason is None:
                self.close_reason = reason
            self._fail_pending(reason)
            self.closed.set()

    def _dispatch(self, message: dict) -> None:
        method = message.get("method")
        if isinstance(method, str):
            params = message.get("params") or []
            if not isinstance(params, list):
                self.bad_notifications += 1
                return
            try:
                self.state.on_notification(method, params)
            except StratumError:
                self.bad_notifications += 1
                return
            if self.on_notification is not None:
                self.on_notification(method, params)
            return
        msg_id = message.get("id")
        fut = self._pending.pop(msg_id, None) if isinstance(msg_id, int) else None
        if fut is not None and not fut.done():
            fut.set_result(message)

    # ---------------------------------------------------------------- requests

    def send_nowait(self, method: str, params: list) -> asyncio.Future:
        """Send a request; the future resolves to the whole response message."""
        if self._writer is None or self.closed.is_set() or self._writer.transport.is_closing():
            raise ConnectionError(f"not connected to {self.url}")
        msg_id = next(self._ids)
        fut = asyncio.get_running_loop().create_future()
        self._pending[msg_id] = fut
        self._writer.write(P.encode(P.request(msg_id, method, params)))
        return fut

    async def request(self, method: str, params: list, timeout: float | None = None) -> dict:
        """Send and wait for the response message (``ConnectionError`` / ``TimeoutError`` otherwise)."""
        fut = self.send_nowait(method, params)
        await self._writer.drain()
        async with asyncio.timeout(self.timeout if timeout is None else timeout):
            return await fut

    async def call(self, method: str, params: list, timeout: float | None = None):
        """The ``result`` of a request; :class:`~minecore.errors.PoolRejectedError` (with the pool's ``error``
        member) when the pool answered with an error."""
        answer = await self.request(method, params, timeout)
        if answer.get("error") not in (None, False):
            raise PoolRejectedError(f"{method}: {_error_text(answer.get('error'))}", answer.get("error"))
        return answer.get("result")

    async def handshake(self, user: str, password: str = "x", *, agent: str = "minecore",
                        version_rolling: bool = True, version_mask: int = DEFAULT_VERSION_MASK,
                        min_bit_count: int = 2, suggest_difficulty: float | None = None,
                        extranonce_subscribe: bool = False) -> Handshake:
        """configure (optional) → subscribe → authorize → suggest_difficulty / extranonce.subscribe (optional)."""
        granted = 0
        if version_rolling:
            try:
                result = await self.call("mining.configure", [
                    ["version-rolling"],
                    {"version-rolling.mask": P.hex_u32(version_mask), "version-rolling.min-bit-count": min_bit_count},
                ])
                if isinstance(result, dict) and result.get("version-rolling") is True:
                    granted = _hex_u32(result.get("version-rolling.mask", P.hex_u32(version_mask)),
                                       "version-rolling.mask") & version_mask
            except (PoolRejectedError, TimeoutError, StratumError):
                granted = 0
        self.state.version_mask = granted
        result = await self.call("mining.subscribe", [agent])
        if not isinstance(result, list) or len(result) < 3:
            raise StratumError(f"mining.subscribe answered {str(result)[:80]}: expected [subscriptions, "
                               "extranonce1, extranonce2_size]")
        self.state.set_extranonce(result[1], result[2])
        try:
            ok = await self.call("mining.authorize", [user, password])
        except PoolRejectedError as exc:
            raise PoolRejectedError(f"the pool refused worker {user!r}: {_error_text(exc.error)}", exc.error) from None
        if ok is not True:
            raise PoolRejectedError(f"the pool refused worker {user!r}")
        if suggest_difficulty is not None:
            try:
                await self.call("mining.suggest_difficulty", [suggest_difficulty])
            except (PoolRejectedError, TimeoutError):
                pass
        if extranonce_subscribe:
            try:
                await self.call("mining.extranonce.subscribe", [])
            except (PoolRejectedError, TimeoutError):
                pass
        return Handshake(self.state.extranonce1, self.state.extranonce2_size, granted != 0, granted, True)

    def submit_nowait(self, user: str, job: StratumJob, extranonce2: bytes, ntime: int, nonce: int,
                      version_bits: int | None) -> asyncio.Future:
        """``mining.submit`` as ESP-Miner and cgminer send it (version bits only when rolling)."""
        params = [user, job.job_id, extranonce2.hex(), P.hex_u32(ntime), P.hex_u32(nonce)]
        if version_bits is not None:
            params.append(P.hex_u32(version_bits))
        return self.send_nowait("mining.submit", params)


class LineConnection:
    """A bare line connection for scripts and tests: send any bytes or message, read messages back.

    >>> # async with LineConnection("stratum+tcp://127.0.0.1:3333") as c:
    >>> #     await c.send({"id": 1, "method": "mining.subscribe", "params": ["cgminer/4.10.0"]})
    >>> #     answer = await c.response(1)
    """

    def __init__(self, url: str, *, timeout: float = 5.0, max_line_bytes: int = 1 << 20):
        self.host, self.port = P.parse_url(url)
        self.url = url
        self.timeout = timeout
        self.max_line_bytes = max_line_bytes
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.notifications: list[dict] = []

    async def __aenter__(self) -> "LineConnection":
        await self.connect()
        return self

    async def __aexit__(self, *exc) -> None:
        self.close()

    async def connect(self) -> None:
        try:
            async with asyncio.timeout(self.timeout):
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port,
                                                                         limit=self.max_line_bytes)
        except (OSError, TimeoutError) as exc:
            raise StratumConnectionError(f"cannot connect to {self.url}: {exc or 'timeout'}") from None

    async def send(self, message: "dict | bytes | str") -> None:
        """A message (dict: encoded as one line) or raw bytes/text sent as they are."""
        if isinstance(message, dict):
            data = P.encode(message)
        elif isinstance(message, str):
            data = message.encode()
        else:
            data = bytes(message)
        self.writer.write(data)
        await self.writer.drain()

    async def recv(self, timeout: float | None = None) -> dict | None:
        """The next message, or None when the peer closed the connection."""
        async with asyncio.timeout(self.timeout if timeout is None else timeout):
            line = await self.reader.readline()
        if not line:
            return None
        return P.decode(line)

    async def response(self, msg_id: object, timeout: float | None = None) -> dict:
        """Read until the response to ``msg_id`` (notifications on the way are kept in :attr:`notifications`)."""
        while True:
            message = await self.recv(timeout)
            if message is None:
                raise ConnectionError(f"{self.url} closed the connection before answering {msg_id!r}")
            if message.get("method") is not None:
                self.notifications.append(message)
                continue
            if message.get("id") == msg_id:
                return message

    async def notification(self, method: str, timeout: float | None = None) -> dict:
        """The first kept or next notification ``method`` (removed from :attr:`notifications`)."""
        for i, message in enumerate(self.notifications):
            if message.get("method") == method:
                return self.notifications.pop(i)
        while True:
            message = await self.recv(timeout)
            if message is None:
                raise ConnectionError(f"{self.url} closed the connection before sending {method}")
            if message.get("method") == method:
                return message
            if message.get("method") is not None:
                self.notifications.append(message)

    async def closed(self, timeout: float | None = None) -> bool:
        """Whether the peer closes the connection (reads and discards until EOF or the timeout)."""
        try:
            async with asyncio.timeout(self.timeout if timeout is None else timeout):
                while True:
                    try:
                        line = await self.reader.readline()
                    except ValueError:
                        continue
                    if not line:
                        return True
        except TimeoutError:
            return False
        except (ConnectionError, OSError):
            return True

    def close(self) -> None:
        if self.writer is not None:
            self.writer.transport.abort()


def _error_text(err: object) -> str:
    if isinstance(err, list) and len(err) >= 2:
        return f"{err[1]} ({err[0]})"
    return str(err)[:120]


__all__ = ["ClientState", "Handshake", "LineConnection", "StratumClient"]
