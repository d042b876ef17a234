"""What every minecore Stratum server shares: bounded lines, timeouts, rate limits, clean shutdown.

:class:`LineServer` accepts connections with ``asyncio.start_server`` (one task per connection) and reads
lines no longer than ``Limits.max_line_bytes``.  Whatever a peer does, it costs the server bounded memory and
never blocks another peer:

* a line over the limit, or too many malformed messages, gets an error answer and the connection closed;
* a peer that sends more than ``messages_per_second`` (after a burst allowance) is disconnected;
* a peer that never subscribes within ``handshake_timeout``, or goes silent for ``idle_timeout`` (a
  half-open connection), is disconnected; TCP keepalive is on as well;
* writes never wait: a peer that does not read (its unsent data passes ``max_write_buffer``) is dropped,
  and the per-connection ``drain`` is bounded by ``write_timeout``;
* past ``max_connections`` new connections are closed at once.

:class:`ServerThread` runs a server on its own event loop in a background thread (tests, docs, embedding).
"""

from __future__ import annotations

import asyncio
import itertools
import socket
import sys
import threading
import time
from dataclasses import dataclass

from ..errors import StratumConnectionError, StratumError
from . import protocol as P


@dataclass(frozen=True)
class Limits:
    """Per-connection limits of a server (times in seconds)."""

    max_line_bytes: int = P.MAX_LINE_BYTES
    handshake_timeout: float = 60.0
    idle_timeout: float = 600.0
    write_timeout: float = 10.0
    max_write_buffer: int = 1 << 20
    max_connections: int = 10_000
    messages_per_second: float = 500.0
    burst: int = 2_000
    max_errors: int = 50

    def __post_init__(self) -> None:
        for name in ("handshake_timeout", "idle_timeout", "write_timeout", "messages_per_second"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not value > 0:
                raise StratumError(f"{name} must be a positive number of seconds, got {value!r}")
        for name in ("max_line_bytes", "max_write_buffer", "max_connections", "burst", "max_errors"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise StratumError(f"{name} must be an integer >= 1, got {value!r}")


class Peer:
    """One accepted connection (the server keeps its own per-protocol state in subclasses)."""

    _ids = itertools.count(1)

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, limits: Limits):
        self.id = next(Peer._ids)
        self.reader = reader
        self.writer = writer
        self.limits = limits
        peer = writer.get_extra_info("peername")
        self.address = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) and len(peer) >= 2 else str(peer)
        self.connected = time.monotonic()
        self.last_message = self.connected
        self.handshake_done = False
        self.closed = False
        self.close_reason: str | None = None
        self.errors = 0
        self.messages = 0
        self._tokens = float(limits.burst)
        self._token_time = self.connected

    # ---------------------------------------------------------------- sending

    def send(self, message: dict) -> bool:
        """Queue one message without waiting; drop the peer when it does not read (False)."""
        if self.closed:
            return False
        transport = self.writer.transport
        if transport is None or transport.is_closing():
            self.close("connection lost")
            return False
        try:
            self.writer.write(P.encode(message))
        except (ConnectionError, RuntimeError, OSError):
            self.close("connection lost")
            return False
        if transport.get_write_buffer_size() > self.limits.max_write_buffer:
            self.close("slow reader: write buffer full")
            return False
        return True

    def reply(self, msg_id: object, result=None, err: list | None = None) -> bool:
        return self.send(P.response(msg_id, result, err))

    def close(self, reason: str) -> None:
        """Close now (pending output is discarded for a slow reader)."""
        if self.closed:
            return
        self.closed = True
        self.close_reason = reason
        transport = self.writer.transport
        if transport is not None and not transport.is_closing():
            if reason.startswith("slow reader"):
                transport.abort()
            else:
                self.writer.close()

    # ---------------------------------------------------------------- accounting

    def take_token(self, now: float) -> bool:
        """Token bucket: one token per message, ``messages_per_second`` refill, ``burst`` capacity."""
        self._tokens = min(float(self.limits.burst),
                           self._tokens + (now - self._token_time) * self.limits.messages_per_second)
        self._token_time = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True

    def bad_message(self, msg_id: object, text: str) -> None:
        """Answer a malformed message; too many of them close the connection."""
        self.errors += 1
        self.reply(msg_id if P.valid_id(msg_id) else None, None, P.error(P.ErrorCode.OTHER, text[:200]))
        if self.errors >= self.limits.max_errors:
            self.close(f"too many malformed messages ({self.errors})")


class LineServer:
    """A line-oriented JSON server: subclasses implement :meth:`handle` (and may extend the hooks)."""

    peer_class = Peer
    name = "server"

    def __init__(self, limits: Limits | None = None, *, status=None):
        self.limits = limits or Limits()
        self._status = status if status is not None else _stderr
        self._server: asyncio.base_events.Server | None = None
        self._peers: dict[int, Peer] = {}
        self._tasks: set[asyncio.Task] = set()
        self._stop: asyncio.Event | None = None
        self.exit_code = 0
        self.address: tuple[str, int] | None = None
        self.connections_total = 0
        self.connections_refused = 0
        self.closed_reasons: dict[str, int] = {}
        self.started: float | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    # ---------------------------------------------------------------- to implement

    async def handle(self, peer: Peer, message: dict) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def on_connect(self, peer: Peer) -> None:
        """A new connection was accepted."""

    def on_close(self, peer: Peer) -> None:
        """A connection ended (any reason)."""

    def handshake_complete(self, peer: Peer) -> bool:
        return peer.handshake_done

    # ---------------------------------------------------------------- running

    def status(self, text: str) -> None:
        self._status(text)

    async def start(self, host: str = "127.0.0.1", port: int = 0, *, reuse_port: bool = False) -> tuple[str, int]:
        """Listen on ``host:port`` (0: any free port); returns the bound ``(host, port)``.

        ``reuse_port`` (``SO_REUSEPORT``) lets several servers of the same user listen on one port, the kernel
        sharing connections between them (tests that must use a fixed, documented port)."""
        self.loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        try:
            self._server = await asyncio.start_server(
                self._accept, host, port, limit=self.limits.max_line_bytes, reuse_address=True, backlog=1024,
                **({"reuse_port": True} if reuse_port else {}),
            )
        except OSError as exc:
            raise StratumConnectionError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        sock = self._server.sockets[0].getsockname()
        self.address = (sock[0], sock[1])
        self.started = time.monotonic()
        return self.address

    @property
    def url(self) -> str:
        if self.address is None:
            raise StratumError(f"the {self.name} is not listening")
        return P.format_url(*self.address)

    def request_stop(self, exit_code: int = 0) -> None:
        """Ask :meth:`serve_until_stopped` to return (safe from signal handlers and other threads)."""
        self.exit_code = exit_code
        if self.loop is not None and self._stop is not None:
            if _in_loop(self.loop):
                self._stop.set()
            else:
                self.loop.call_soon_threadsafe(self._stop.set)

    async def wait_stop(self, max_seconds: float | None = None) -> None:
        """Until :meth:`request_stop` or ``max_seconds``."""
        try:
            if max_seconds is None:
                await self._stop.wait()
            else:
                async with asyncio.timeout(max_seconds):
                    await self._stop.wait()
        except TimeoutError:
            pass

    async def close(self) -> None:
        """Stop listening, close every connection, wait for their tasks (bounded)."""
        if self._server is not None:
            self._server.close()
        for peer in list(self._peers.values()):
            peer.close("server shutting down")
        tasks = [t for t in self._tasks if not t.done()]
        if tasks:
            done, pending = await asyncio.wait(tasks, timeout=2.0)
            for t in pending:
                t.cancel()
            if pending:
                await asyncio.wait(pending, timeout=1.0)
        if self._server is not None:
            try:
                async with asyncio.timeout(1.0):
                    await self._server.wait_closed()
            except TimeoutError:
                pass
            self._server = None

    @property
    def peers(self) -> list[Peer]:
        return list(self._peers.values())

    # ---------------------------------------------------------------- one connection

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        self.connections_total += 1
        if len(self._peers) >= self.limits.max_connections or self._stop is None or self._stop.is_set():
            self.connections_refused += 1
            writer.transport.abort()
            return
        sock = writer.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
        peer = self.peer_class(reader, writer, self.limits)
        self._peers[peer.id] = peer
        try:
            self.on_connect(peer)
            await self._read_loop(peer)
        except asyncio.CancelledError:
            peer.close("cancelled")
            raise
        except Exception as exc:  # a bug must cost one connection, never the server
            peer.close(f"internal error: {type(exc).__name__}: {exc}")
            self.status(f"{self.name}: connection {peer.address} closed by an internal error: "
                        f"{type(exc).__name__}: {exc}")
        finally:
            self._peers.pop(peer.id, None)
            if not peer.closed:
                peer.close("connection closed")
            reason = (peer.close_reason or "closed").split(":")[0]
            self.closed_reasons[reason] = self.closed_reasons.get(reason, 0) + 1
            try:
                self.on_close(peer)
            finally:
                if writer.transport is not None and not writer.transport.is_closing():
                    writer.transport.abort()

    async def _read_loop(self, peer: Peer) -> None:
        reader, limits = peer.reader, self.limits
        while not peer.closed:
            timeout = limits.idle_timeout if self.handshake_complete(peer) else limits.handshake_timeout
            timeout = max(0.0, timeout - (time.monotonic() - peer.last_message))
            try:
                async with asyncio.timeout(timeout):
                    line = await reader.readline()
            except TimeoutError:
                what = "idle" if self.handshake_complete(peer) else "no subscribe"
                peer.close(f"timeout: {what}")
                return
            except ValueError:  # longer than the limit
                peer.bad_message(None, f"line longer than {limits.max_line_bytes} bytes")
                peer.close("line too long")
                return
            except (ConnectionError, OSError):
                peer.close("connection lost")
                return
            if not line or not line.endswith(b"\n"):
                peer.close("peer closed")
                return
            now = time.monotonic()
            peer.last_message = now
            peer.messages += 1
            if not peer.take_token(now):
                peer.bad_message(None, "too many messages")
                peer.close("flood")
                return
            if not line.strip():
                continue
            try:
                message = P.decode(line)
            except StratumError as exc:
                peer.bad_message(None, str(exc))
                continue
            await self.handle(peer, message)
            if peer.closed:
                return
            transport = peer.writer.transport
            if transport is not None and transport.get_write_buffer_size() > 0:
                try:
                    async with asyncio.timeout(limits.write_timeout):
                        await peer.writer.drain()
                except TimeoutError:
                    peer.close("slow reader: write timeout")
                    return
                except (ConnectionError, OSError):
                    peer.close("connection lost")
                    return


class ServerThread:
    """Run a server (:class:`~.pool.PoolServer`, :class:`~.proxy.StratumProxy`) on its own event loop in a
    daemon thread: listening when the constructor returns; ``stop()`` asks it to finish, joins the thread and
    returns what its ``serve`` returned (the final report).  ``serve_kwargs`` go to ``serve``
    (``max_seconds``, ``max_shares``)."""

    def __init__(self, server: LineServer, host: str = "127.0.0.1", port: int = 0, *,
                 serve_kwargs: dict | None = None, start_timeout: float = 10.0, reuse_port: bool = False):
        self.server = server
        self.result = None
        self.error: BaseException | None = None
        self._reuse_port = reuse_port
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, args=(host, port, serve_kwargs or {}),
                                        name=f"minecore-{server.name}", daemon=True)
        self._thread.start()
        if not self._ready.wait(start_timeout):
            raise StratumError(f"the {server.name} did not start within {start_timeout} s")
        if self.error is not None:
            raise self.error

    def _main(self, host: str, port: int, serve_kwargs: dict) -> None:
        async def main():
            try:
                await self.server.start(host, port, reuse_port=self._reuse_port)
            except BaseException as exc:  # reported to the starting thread
                self.error = exc
                self._ready.set()
                return
            self._ready.set()
            self.result = await self.server.serve(**serve_kwargs)

        try:
            asyncio.run(main())
        except BaseException as exc:  # pragma: no cover - reported through .error
            self.error = exc
            self._ready.set()

    @property
    def address(self) -> tuple[str, int]:
        return self.server.address

    @property
    def url(self) -> str:
        return self.server.url

    def stop(self, timeout: float = 10.0):
        """Stop the server and wait for its thread; returns what ``serve`` returned."""
        self.server.request_stop(0)
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise StratumError(f"the {self.server.name} did not stop within {timeout} s")
        return self.result

    def join(self, timeout: float | None = None):
        self._thread.join(timeout)
        return self.result

    def __enter__(self) -> "ServerThread":
        return self

    def __exit__(self, *exc) -> None:
        if self._thread.is_alive():
            self.stop()


def _in_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


def _stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def quiet(text: str) -> None:
    """A status sink that drops everything (tests)."""


__all__ = ["Limits", "LineServer", "Peer", "ServerThread", "quiet"]
