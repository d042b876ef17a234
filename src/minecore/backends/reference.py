"""The ``hashlib`` backend: the always-present reference every other backend is checked against."""

from __future__ import annotations

import hashlib
import platform
import struct

from ..header import hash_to_int, rolled_version
from .base import Backend


def probe() -> str | None:
    """The reference backend is always usable."""
    return None


class HashlibBackend(Backend):
    """One hash at a time with :mod:`hashlib`, reusing the midstate of the first 64 bytes."""

    name = "hashlib"
    lanes = 1
    max_threads = 1  # the reference is single-threaded on purpose

    def info(self) -> dict:
        return {
            "name": self.name,
            "lanes": self.lanes,
            "cpu_features": [],
            "impl": f"hashlib ({platform.python_implementation()})",
            "impls_compiled": ["hashlib"],
            "impls_usable": ["hashlib"],
            "max_threads": self.max_threads,
        }

    @property
    def impl_name(self) -> str:
        return "hashlib"

    def sha256d(self, data: bytes) -> bytes:
        return hashlib.sha256(hashlib.sha256(data).digest()).digest()

    def scan_nonces(self, header76: bytes, target: int, nonce_start: int, count: int, threads: int) -> list[int]:
        # threads is accepted for API symmetry; the reference stays single-threaded and simple.
        mid = hashlib.sha256(header76[:64])
        tail = header76[64:76]
        sha256 = hashlib.sha256
        pack = struct.Struct("<I").pack
        found = []
        for nonce in range(nonce_start, nonce_start + count):
            h = mid.copy()
            h.update(tail + pack(nonce))
            if int.from_bytes(sha256(h.digest()).digest(), "little") <= target:
                found.append(nonce)
        return found

    def scan_versions(self, header76, target, version_mask, roll_start, roll_count, nonce_start, count, threads):
        base = int.from_bytes(header76[:4], "little")
        pairs = []
        for i in range(roll_count):
            version = rolled_version(base, version_mask, roll_start + i)
            prefix = version.to_bytes(4, "little") + header76[4:]
            pairs.extend((version, n) for n in self.scan_nonces(prefix, target, nonce_start, count, threads))
        return pairs


# hash_to_int is the comparison every backend must reproduce; re-exported for tests.
__all__ = ["HashlibBackend", "probe", "hash_to_int"]
