"""The contract every hashing backend implements.

Backends receive inputs already validated by :mod:`minecore.scan`; they only hash.
"""

from __future__ import annotations

import abc


class Backend(abc.ABC):
    """A SHA-256d engine: hashes buffers and scans nonce (and rolled-version) ranges.

    Attributes
    ----------
    name : str
        Registry name (``"native"``, ``"numba"``, ``"hashlib"``).
    lanes : int
        Hashes computed side by side by one thread.
    max_threads : int
        Most threads one scan uses.
    """

    name: str = "?"
    lanes: int = 1
    #: most threads one scan uses; :func:`minecore.scan` clamps ``threads`` to it
    max_threads: int = 1

    def threads_used(self, hashes: int, threads: int) -> int:
        """Threads a scan of ``hashes`` hashes actually runs on when asked for ``threads`` (clamped to
        :attr:`max_threads`; backends that skip threads for small scans say so)."""
        return max(1, min(threads, self.max_threads))

    @property
    def impl_name(self) -> str:
        """Short name of the kernel this backend runs (a native path, a numba kernel, ``"hashlib"``)."""
        return str(self.info()["impl"])

    @abc.abstractmethod
    def info(self) -> dict:
        """``{"name", "lanes", "cpu_features", "impl", "impls_compiled", "impls_usable", ...}``."""

    @abc.abstractmethod
    def sha256d(self, data: bytes) -> bytes:
        """sha256(sha256(data)), 32 bytes, internal byte order."""

    @abc.abstractmethod
    def scan_nonces(self, header76: bytes, target: int, nonce_start: int, count: int, threads: int) -> list[int]:
        """Every nonce in ``[nonce_start, nonce_start + count)`` whose hash is ``<= target``, ascending."""

    @abc.abstractmethod
    def scan_versions(
        self,
        header76: bytes,
        target: int,
        version_mask: int,
        roll_start: int,
        roll_count: int,
        nonce_start: int,
        count: int,
        threads: int,
    ) -> list[tuple[int, int]]:
        """Every winning ``(version, nonce)``: version ``i`` is
        ``rolled_version(base, version_mask, roll_start + i)``; ordered by ``i`` then nonce."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} lanes={self.lanes}>"
