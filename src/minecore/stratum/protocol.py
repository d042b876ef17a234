"""Stratum v1 messages on the wire: framing, message shapes, error codes, URLs.

One JSON object per line (``\\n``), UTF-8.  Three shapes (JSON-RPC 1.0 as the miners speak it)::

    request        {"id": 4, "method": "mining.submit", "params": [...]}
    response       {"id": 4, "result": true, "error": null}
    notification   {"id": null, "method": "mining.notify", "params": [...]}

Errors are ``[code, message, traceback]`` (``traceback`` is ``null``), with the codes every pool and miner
agree on (:class:`ErrorCode`): 20 other, 21 job not found (stale), 22 duplicate share, 23 low difficulty,
24 unauthorised worker, 25 not subscribed.

>>> encode(request(1, "mining.subscribe", ["cpuminer/2.5.1"]))
b'{"id":1,"method":"mining.subscribe","params":["cpuminer/2.5.1"]}\\n'
>>> decode(b'{"id":1,"result":true,"error":null}\\n')
{'id': 1, 'result': True, 'error': None}
>>> parse_url("stratum+tcp://pool.example:3333")
('pool.example', 3333)
"""

from __future__ import annotations

import enum
import json
import math
import re
from typing import Any

from ..errors import StratumError

#: longest line minecore reads from a peer [bytes].  A mining.notify with 12 branches is ~1.3 kB; a
#: template with 4,000 transactions (12 branches) still is.  16 KiB leaves room for long coinbases.
MAX_LINE_BYTES = 16 * 1024

#: the methods a miner sends to a pool
CLIENT_METHODS = (
    "mining.subscribe",
    "mining.authorize",
    "mining.configure",
    "mining.suggest_difficulty",
    "mining.extranonce.subscribe",
    "mining.submit",
)
#: the notifications a pool sends to a miner
POOL_METHODS = (
    "mining.set_difficulty",
    "mining.notify",
    "mining.set_version_mask",
    "mining.set_extranonce",
    "client.reconnect",
    "client.show_message",
)


class ErrorCode(enum.IntEnum):
    """Stratum v1 error codes (the ``code`` of ``[code, message, traceback]``)."""

    OTHER = 20
    JOB_NOT_FOUND = 21
    DUPLICATE = 22
    LOW_DIFFICULTY = 23
    UNAUTHORIZED = 24
    NOT_SUBSCRIBED = 25

    @property
    def message(self) -> str:
        """The conventional text (as ckpool, public-pool and the miners' logs show it)."""
        return _ERROR_TEXT[self]

    @property
    def reason(self) -> str:
        """A short snake_case key for statistics (``low_difficulty``)."""
        return self.name.lower()


_ERROR_TEXT = {
    ErrorCode.OTHER: "Other/Unknown",
    ErrorCode.JOB_NOT_FOUND: "Job not found (=stale)",
    ErrorCode.DUPLICATE: "Duplicate share",
    ErrorCode.LOW_DIFFICULTY: "Low difficulty share",
    ErrorCode.UNAUTHORIZED: "Unauthorized worker",
    ErrorCode.NOT_SUBSCRIBED: "Not subscribed",
}


def error(code: "ErrorCode | int", message: str | None = None) -> list:
    """The ``error`` member of a response: ``[code, message, null]``."""
    code = int(code)
    if message is None:
        try:
            message = ErrorCode(code).message
        except ValueError:
            message = "error"
    return [code, message, None]


def error_reason(err: object) -> str:
    """A statistics key for a response's ``error`` member: ``low_difficulty``, ``duplicate``, ... or ``other``.

    Pools send ``[code, message, tb]``, some a bare string or an object; unknown codes become ``code_<n>``.
    """
    code = None
    if isinstance(err, (list, tuple)) and err:
        code = err[0]
    elif isinstance(err, dict):
        code = err.get("code")
    if isinstance(code, bool) or not isinstance(code, int):
        return "other"
    try:
        return ErrorCode(code).reason
    except ValueError:
        return f"code_{code}"


def request(msg_id: object, method: str, params: list) -> dict:
    """A request (``id`` not null: the peer answers it)."""
    return {"id": msg_id, "method": method, "params": params}


def notification(method: str, params: list) -> dict:
    """A notification (``id`` null: no answer)."""
    return {"id": None, "method": method, "params": params}


def response(msg_id: object, result: Any = None, err: list | None = None) -> dict:
    """A response to request ``msg_id``."""
    return {"id": msg_id, "result": result, "error": err}


def encode(message: dict) -> bytes:
    """One wire line: compact JSON and ``\\n`` (NaN and infinities are refused: JSON has none)."""
    try:
        return json.dumps(message, separators=(",", ":"), allow_nan=False).encode() + b"\n"
    except (TypeError, ValueError) as exc:
        raise StratumError(f"cannot encode a Stratum message: {exc}") from None


def _no_constants(name: str):
    raise ValueError(f"{name} is not JSON")


def decode(line: "bytes | str") -> dict:
    """Parse one wire line into a JSON object; :class:`StratumError` for anything else.

    Rejected: invalid UTF-8 or JSON, ``NaN``/``Infinity`` literals, nesting deep enough to exhaust the parser,
    and any JSON value that is not an object.
    """
    if isinstance(line, (bytes, bytearray, memoryview)):
        try:
            line = bytes(line).decode("utf-8")
        except UnicodeDecodeError:
            raise StratumError("message is not UTF-8") from None
    try:
        message = json.loads(line, parse_constant=_no_constants)
    except RecursionError:
        raise StratumError("message is nested too deeply") from None
    except ValueError as exc:
        raise StratumError(f"message is not JSON: {str(exc)[:80]}") from None
    if not isinstance(message, dict):
        raise StratumError(f"message must be a JSON object, got {type(message).__name__}")
    return message


def is_response(message: dict) -> bool:
    """A response: no ``method``, and a ``result`` or ``error`` member."""
    return "method" not in message and ("result" in message or "error" in message)


def valid_id(msg_id: object) -> bool:
    """Ids a peer may use: an integer, a string (short) or null."""
    if msg_id is None or (isinstance(msg_id, int) and not isinstance(msg_id, bool)):
        return True
    return isinstance(msg_id, str) and len(msg_id) <= 64


def difficulty_value(value: object, what: str = "difficulty") -> float:
    """A difficulty from the wire: a positive finite JSON number (fractions below 1 are normal)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise StratumError(f"{what} must be a number, got {value!r}"[:120])
    x = float(value)
    if not math.isfinite(x) or x <= 0:
        raise StratumError(f"{what} must be a positive finite number, got {value!r}"[:120])
    return x


# --------------------------------------------------------------------------- addresses

_URL = re.compile(r"^(?:(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://)?(?P<host>\[[0-9A-Fa-f:.]+\]|[^:/\[\]\s]+):(?P<port>\d{1,5})/?$")
SCHEMES = ("stratum+tcp", "stratum", "tcp")


def _host_port(text: str, what: str, *, allow_zero: bool) -> tuple[str, int]:
    if not isinstance(text, str):
        raise StratumError(f"{what} must be a string like stratum+tcp://HOST:PORT, got {text!r}")
    m = _URL.match(text.strip())
    if not m:
        raise StratumError(f"{what} {text!r} is not HOST:PORT (e.g. stratum+tcp://127.0.0.1:3333)")
    scheme = (m.group("scheme") or "stratum+tcp").lower()
    if scheme not in SCHEMES:
        raise StratumError(
            f"{what} {text!r}: unsupported scheme {scheme!r} (use stratum+tcp://; TLS and Stratum V2 are not supported)"
        )
    host = m.group("host").strip("[]")
    port = int(m.group("port"))
    if not (0 if allow_zero else 1) <= port <= 65535:
        raise StratumError(f"{what} {text!r}: port must be in [{0 if allow_zero else 1}, 65535], got {port}")
    return host, port


def parse_url(url: str) -> tuple[str, int]:
    """``(host, port)`` of ``stratum+tcp://HOST:PORT`` (also ``tcp://``, ``stratum://`` or bare ``HOST:PORT``;
    an IPv6 host is written in brackets: ``stratum+tcp://[::1]:3333``)."""
    return _host_port(url, "URL", allow_zero=False)


def parse_bind(text: str) -> tuple[str, int]:
    """``(host, port)`` to listen on, from ``HOST:PORT`` (port 0: the system picks a free one)."""
    return _host_port(text, "bind address", allow_zero=True)


def format_url(host: str, port: int) -> str:
    """``stratum+tcp://host:port`` (IPv6 hosts in brackets)."""
    return f"stratum+tcp://[{host}]:{port}" if ":" in host else f"stratum+tcp://{host}:{port}"


def hex_u32(value: int) -> str:
    """8 hex digits of a 32-bit field, as ``mining.notify`` and ``mining.submit`` write them."""
    return f"{value & 0xFFFFFFFF:08x}"


__all__ = [
    "CLIENT_METHODS",
    "ErrorCode",
    "MAX_LINE_BYTES",
    "POOL_METHODS",
    "decode",
    "difficulty_value",
    "encode",
    "error",
    "error_reason",
    "format_url",
    "hex_u32",
    "is_response",
    "notification",
    "parse_bind",
    "parse_url",
    "request",
    "response",
    "valid_id",
]
