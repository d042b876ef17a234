"""Public nonce and version scans: validation here, hashing in a backend."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from .backends.base import Backend
from .backends.registry import resolve
from .errors import InvalidInputError
from .header import (
    BIP320_VERSION_MASK,
    HEADER_PREFIX_SIZE,
    HEADER_SIZE,
    BlockHeader,
    check_target,
)

NONCE_SPACE = 1 << 32


@dataclass(frozen=True)
class ScanResult:
    """Outcome of :func:`scan`.

    nonces : tuple[int, ...] — every winning nonce in the range, ascending
    hashes : int — hashes tried
    seconds : float — wall time of the scan [s]
    backend : str — the backend's name
    threads : int — threads the scan ran on: the request clamped to the backend's maximum (native 256, numba
        ``NUMBA_NUM_THREADS``, hashlib 1), and fewer for a scan too small to share
    impl : str or None — the kernel that ran: the native path (``avx512``, ``shani``, ``avx2``, ``portable``), the
        numba kernel (``shani``, ``lanes``) or ``hashlib``
    threads_requested : int or None — the ``threads`` asked for (all cores when ``None`` was passed)
    """

    nonces: tuple[int, ...]
    hashes: int
    seconds: float
    backend: str
    threads: int
    impl: str | None = None
    threads_requested: int | None = None

    @property
    def hashes_per_second(self) -> float:
        return self.hashes / self.seconds if self.seconds > 0 else float("inf")


@dataclass(frozen=True)
class VersionScanResult:
    """Outcome of :func:`scan_versions`: ``pairs`` of (version, nonce), by version index then nonce."""

    pairs: tuple[tuple[int, int], ...]
    hashes: int
    seconds: float
    backend: str
    threads: int
    impl: str | None = None
    threads_requested: int | None = None

    @property
    def nonces(self) -> tuple[tuple[int, int], ...]:
        """Same as ``pairs`` (name shared with :class:`ScanResult`)."""
        return self.pairs

    @property
    def hashes_per_second(self) -> float:
        return self.hashes / self.seconds if self.seconds > 0 else float("inf")


def header_prefix(header: "BlockHeader | bytes | bytearray | memoryview") -> bytes:
    """The 76 bytes before the nonce, from a BlockHeader, 80 bytes or 76 bytes."""
    if isinstance(header, BlockHeader):
        return header.prefix()
    if not isinstance(header, (bytes, bytearray, memoryview)):
        raise InvalidInputError(f"header must be a BlockHeader or bytes, not {type(header).__name__}")
    data = bytes(header)
    if len(data) not in (HEADER_SIZE, HEADER_PREFIX_SIZE):
        raise InvalidInputError(f"header must be 80 bytes (or 76 without nonce), got {len(data)}")
    return data[:HEADER_PREFIX_SIZE]


def _int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(f"{what} must be an integer, not {type(value).__name__}")
    return value


def check_nonce_range(nonce_start: int, count: int) -> tuple[int, int]:
    """Validate ``[nonce_start, nonce_start + count)`` inside the 2^32 nonce space."""
    nonce_start = _int(nonce_start, "nonce_start")
    count = _int(count, "count")
    if nonce_start < 0 or nonce_start >= NONCE_SPACE:
        raise InvalidInputError(f"nonce_start must be in [0, 2^32), got {nonce_start}")
    if count < 0:
        raise InvalidInputError(f"count must be >= 0, got {count}")
    if nonce_start + count > NONCE_SPACE:
        raise InvalidInputError(
            f"nonce_start + count must not exceed 2^32 (got {nonce_start} + {count} = {nonce_start + count})"
        )
    return nonce_start, count


def resolve_threads(threads: int | None) -> int:
    """``None`` means every core; otherwise a positive integer."""
    if threads is None:
        return os.cpu_count() or 1
    threads = _int(threads, "threads")
    if threads < 1:
        raise InvalidInputError(f"threads must be >= 1, got {threads}")
    return threads


def clamp_threads(engine: Backend, threads: int) -> int:
    """``threads`` clamped to the backend's maximum (``engine.max_threads``)."""
    return max(1, min(threads, getattr(engine, "max_threads", threads)))


def _check_versions(version_mask: int, versions: "int | range") -> tuple[int, int, int]:
    version_mask = _int(version_mask, "version_mask")
    if not 0 < version_mask <= 0xFFFFFFFF:
        raise InvalidInputError(f"version_mask must be a non-zero 32-bit mask, got {version_mask:#x}")
    space = 1 << bin(version_mask).count("1")
    if isinstance(versions, range):
        if versions.step != 1:
            raise InvalidInputError("versions must be a range with step 1")
        roll_start, roll_count = versions.start, len(versions)
    else:
        roll_start, roll_count = 0, _int(versions, "versions")
    if roll_start < 0 or roll_count < 0 or roll_start + roll_count > space:
        raise InvalidInputError(
            f"versions must lie in [0, {space}) for mask {version_mask:#010x}, "
            f"got start {roll_start} and count {roll_count}"
        )
    return version_mask, roll_start, roll_count


def scan(
    header: "BlockHeader | bytes",
    target: int,
    nonce_start: int = 0,
    count: int = NONCE_SPACE,
    *,
    backend: "str | Backend | None" = None,
    threads: int | None = None,
) -> ScanResult:
    """Find every nonce in ``[nonce_start, nonce_start + count)`` whose sha256d meets ``target``.

    Parameters
    ----------
    header : BlockHeader, 80 bytes or 76 bytes (the nonce, if present, is ignored)
    target : int — 256-bit target; a hash wins when ``int.from_bytes(hash, "little") <= target``
    nonce_start, count : int — the range; ``nonce_start + count <= 2**32``
    backend : name, Backend or None (``minecore.backends.best()``)
    threads : int or None (all cores); clamped to the backend's maximum (``ScanResult.threads`` says how many ran)

    >>> from minecore import BlockHeader, scan
    >>> genesis = BlockHeader.from_hex(
    ...     "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac7"
    ...     "2c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c")
    >>> scan(genesis, genesis.target, 2083236893 - 100, 200, backend="hashlib").nonces
    (2083236893,)
    """
    prefix = header_prefix(header)
    target = check_target(target)
    nonce_start, count = check_nonce_range(nonce_start, count)
    requested = resolve_threads(threads)
    engine = resolve(backend)
    threads = clamp_threads(engine, requested)
    t0 = time.perf_counter()
    nonces = engine.scan_nonces(prefix, target, nonce_start, count, threads) if count else []
    seconds = time.perf_counter() - t0
    return ScanResult(tuple(nonces), count, seconds, engine.name, engine.threads_used(count, threads),
                      engine.impl_name, requested)


def scan_versions(
    header: "BlockHeader | bytes",
    target: int,
    version_mask: int = BIP320_VERSION_MASK,
    versions: "int | range" = 1,
    nonce_start: int = 0,
    count: int = NONCE_SPACE,
    *,
    backend: "str | Backend | None" = None,
    threads: int | None = None,
) -> VersionScanResult:
    """Scan nonces under several rolled versions (BIP 320 overt AsicBoost).

    ``versions`` is a count ``N`` (roll indices ``0..N-1``) or a ``range`` of roll
    indices; roll index ``i`` gives version ``rolled_version(header.version, version_mask, i)``,
    i.e. the header's version with the mask bits replaced by the bits of ``i``.
    Returns every winning ``(version, nonce)``.
    """
    prefix = header_prefix(header)
    target = check_target(target)
    version_mask, roll_start, roll_count = _check_versions(version_mask, versions)
    nonce_start, count = check_nonce_range(nonce_start, count)
    requested = resolve_threads(threads)
    engine = resolve(backend)
    threads = clamp_threads(engine, requested)
    t0 = time.perf_counter()
    pairs = (
        engine.scan_versions(prefix, target, version_mask, roll_start, roll_count, nonce_start, count, threads)
        if count and roll_count
        else []
    )
    seconds = time.perf_counter() - t0
    hashes = count * roll_count
    return VersionScanResult(tuple(pairs), hashes, seconds, engine.name, engine.threads_used(hashes, threads),
                             engine.impl_name, requested)
