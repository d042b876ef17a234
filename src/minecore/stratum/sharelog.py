"""The share log: one JSON line per submitted share, written whole with one ``write`` and flushed.

Each line goes to the kernel in a single ``os.write`` on a file opened with ``O_APPEND``, so a ``kill -9``
of the process loses at most the share being written (the kernel keeps what was written; nothing waits in a
user-space buffer).  ``fsync=True`` also survives a power cut, at the cost of one disk flush per share.
:func:`read_share_log` reads a log back and skips a torn last line.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..errors import StratumError

#: the fields of every line, in order
FIELDS = (
    "time", "worker", "session", "job_id", "extranonce1", "extranonce2", "ntime", "nonce", "version_bits",
    "hash", "share_difficulty", "difficulty", "result", "reason", "code", "block",
)


class ShareLog:
    """Append-only JSON-lines log (``path`` None: a no-op log)."""

    def __init__(self, path: "str | Path | None", *, fsync: bool = False):
        self.path = None if path is None else Path(path)
        self.fsync = fsync
        self.lines = 0
        self._fd: int | None = None
        if self.path is not None:
            try:
                self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            except OSError as exc:
                raise StratumError(f"share log {self.path}: {exc.strerror}") from None

    def write(self, record: dict) -> None:
        """Append one record (keys of :data:`FIELDS`; missing ones are null)."""
        if self._fd is None:
            return
        line = json.dumps({k: record.get(k) for k in FIELDS}, separators=(",", ":"), allow_nan=False,
                          default=str).encode() + b"\n"
        view = memoryview(line)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        if self.fsync:
            os.fsync(self._fd)
        self.lines += 1

    def close(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)

    def __enter__(self) -> "ShareLog":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_share_log(path: "str | Path") -> list[dict]:
    """Every complete record of a share log (a torn final line, from a crash mid-write, is skipped)."""
    out = []
    data = Path(path).read_bytes()
    lines = data.split(b"\n")
    for i, raw in enumerate(lines):
        if not raw.strip():
            continue
        try:
            out.append(json.loads(raw))
        except ValueError:
            if i == len(lines) - 1:  # the last line, not terminated: torn by a crash
                break
            raise StratumError(f"share log {path}: line {i + 1} is not JSON") from None
    return out


__all__ = ["FIELDS", "ShareLog", "read_share_log"]
