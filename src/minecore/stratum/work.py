"""Stratum v1 work: turn a ``mining.notify`` job into block headers, and check a ``mining.submit``.

The pipeline (see ``DOMAIN.md``)::

    coinbase = coinbase1 ‖ extranonce1 ‖ extranonce2 ‖ coinbase2
    txid     = sha256d(coinbase without its witness)     (internal byte order)
    root     = fold h = sha256d(h ‖ branch) over the merkle branches
    header   = version ‖ prevhash ‖ root ‖ ntime ‖ nbits ‖ nonce   (80 bytes, little-endian fields)

Byte order conventions:

* ``prevhash`` in ``mining.notify`` is eight 4-byte words of the internal-order
  hash, each word printed big-endian: swap the bytes inside every word to get
  header bytes 4..36 (:func:`prevhash_from_stratum`).
* merkle branches and the root are in internal byte order (as in the header).
* ``version``, ``nbits``, ``ntime`` and the submitted ``nonce`` are hex of the
  big-endian integer; the header stores them little-endian.
* version rolling (BIP 310/320): the submitted ``version_bits`` replace the
  masked bits of the job's version: ``(version & ~mask) | (bits & mask)``.
* share difficulty of a hash is ``0xFFFF·2^208 / int(hash, little-endian)``
  ("truediffone").

>>> job = StratumJob.from_notify(
...     ["j1", "00" * 32, "01000000", "ffffffff", [], "20000000", "1d00ffff", "5f5e1000", True],
...     extranonce1="aabbccdd", extranonce2_size=4)
>>> job.coinbase(bytes(4)).hex()
'01000000aabbccdd00000000ffffffff'
>>> len(job.header(bytes(4), nonce=7))
80
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .. import validate as V
from ..errors import InvalidInputError
from ..header import (
    BIP320_VERSION_MASK,
    DIFF1_TARGET,
    BlockHeader,
    bits_to_target,
    hash_to_int,
)
from ..errors import StratumError  # noqa: F401  (defined in minecore.errors, re-exported here)

DEFAULT_VERSION_MASK = BIP320_VERSION_MASK
"""Version-rolling mask a pool grants when ``mining.configure`` says nothing else (0x1fffe000)."""

_HEX = re.compile(r"^(?:[0-9a-fA-F]{2})*$")


def sha256d(data: bytes) -> bytes:
    """sha256(sha256(data)) with hashlib [32 bytes, internal byte order]."""
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


# --------------------------------------------------------------------------- field parsing


def _hex_bytes(value: object, what: str, size: int | None = None) -> bytes:
    if isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
    elif isinstance(value, str):
        text = value.strip()
        if text[:2] in ("0x", "0X"):
            text = text[2:]
        if not _HEX.match(text):
            raise StratumError(f"{what} must be hex with an even number of digits, got {value!r}")
        data = bytes.fromhex(text)
    else:
        raise StratumError(f"{what} must be a hex string or bytes, not {type(value).__name__}")
    if size is not None and len(data) != size:
        raise StratumError(f"{what} must be {size} bytes ({2 * size} hex digits), got {len(data)}")
    return data


def _hex_u32(value: object, what: str) -> int:
    """A 32-bit field written as 8 hex digits of the big-endian integer (or given as an int)."""
    if isinstance(value, bool):
        raise StratumError(f"{what} must be 8 hex digits, not a bool")
    if isinstance(value, int):
        if not 0 <= value <= 0xFFFFFFFF:
            raise StratumError(f"{what} must fit in 32 bits, got {value}")
        return value
    return int.from_bytes(_hex_bytes(value, what, 4), "big")


def prevhash_from_stratum(prevhash: object) -> bytes:
    """Header bytes 4..36 (internal order) from the ``mining.notify`` prevhash.

    Stratum prints the internal-order hash as eight 4-byte words, each
    big-endian; swapping the bytes within every word undoes that.

    >>> prevhash_from_stratum("00010203" + "00" * 28)[:4].hex()
    '03020100'
    """
    raw = _hex_bytes(prevhash, "prevhash", 32)
    return b"".join(raw[i : i + 4][::-1] for i in range(0, 32, 4))


def prevhash_to_stratum(prev_block: bytes) -> str:
    """Inverse of :func:`prevhash_from_stratum`: the notify hex of an internal-order hash."""
    raw = _hex_bytes(prev_block, "prev_block", 32)
    return b"".join(raw[i : i + 4][::-1] for i in range(0, 32, 4)).hex()


# --------------------------------------------------------------------------- transactions


def _read_varint(tx: bytes, pos: int) -> tuple[int, int]:
    """A Bitcoin CompactSize at ``tx[pos:]``: ``(value, next position)``."""
    if pos >= len(tx):
        raise StratumError("transaction ends inside a CompactSize count")
    first = tx[pos]
    if first < 0xFD:
        return first, pos + 1
    size = {0xFD: 2, 0xFE: 4, 0xFF: 8}[first]
    if pos + 1 + size > len(tx):
        raise StratumError("transaction ends inside a CompactSize count")
    return int.from_bytes(tx[pos + 1 : pos + 1 + size], "little"), pos + 1 + size


def _skip(tx: bytes, pos: int, n: int, what: str) -> int:
    if n < 0 or pos + n > len(tx):
        raise StratumError(f"transaction ends inside {what} ({n} bytes at offset {pos}, {len(tx)} in all)")
    return pos + n


def is_segwit_serialised(tx: bytes) -> bool:
    """Whether ``tx`` starts like a BIP 144 serialisation: marker 0x00 and flag 0x01 after the 4-byte version.

    A legacy transaction cannot have 0x00 there (it would have no inputs).
    """
    return len(tx) >= 6 and tx[4] == 0x00 and tx[5] == 0x01


def strip_witness(tx: "bytes | str") -> bytes:
    """The transaction without its witness: the serialisation a txid is computed on.

    A BIP 144 (segwit) serialisation is ``version ‖ 0x00 0x01 ‖ inputs ‖ outputs ‖ witness ‖ locktime``; the
    txid is defined on ``version ‖ inputs ‖ outputs ‖ locktime``.  A transaction without the marker and flag
    is returned unchanged.  A segwit-marked transaction that does not parse raises :class:`StratumError`.

    >>> legacy = bytes.fromhex("01000000" "01" + "00" * 36 + "00" "ffffffff" "00" "00000000")
    >>> strip_witness(legacy) == legacy
    True
    """
    tx = _hex_bytes(tx, "transaction")
    if not is_segwit_serialised(tx):
        return tx
    pos = 6
    n_in, pos = _read_varint(tx, pos)
    if n_in == 0:
        raise StratumError("segwit transaction with no inputs")
    for i in range(n_in):
        pos = _skip(tx, pos, 36, f"input {i} outpoint")
        script_len, pos = _read_varint(tx, pos)
        pos = _skip(tx, pos, script_len + 4, f"input {i} script and sequence")
    n_out, pos = _read_varint(tx, pos)
    for i in range(n_out):
        pos = _skip(tx, pos, 8, f"output {i} value")
        script_len, pos = _read_varint(tx, pos)
        pos = _skip(tx, pos, script_len, f"output {i} script")
    body_end = pos
    for i in range(n_in):
        items, pos = _read_varint(tx, pos)
        for k in range(items):
            size, pos = _read_varint(tx, pos)
            pos = _skip(tx, pos, size, f"witness item {k} of input {i}")
    if pos + 4 != len(tx):
        raise StratumError(
            f"segwit transaction has {len(tx) - pos} bytes after its witness, expected the 4-byte locktime"
        )
    return tx[:4] + tx[6:body_end] + tx[pos:]


def txid(tx: "bytes | str") -> bytes:
    """sha256d of the transaction without its witness [internal byte order; display order is reversed]."""
    return sha256d(strip_witness(tx))


def coinbase_txid(coinbase: "bytes | str") -> bytes:
    """The txid of a serialised coinbase (the witness of a segwit serialisation stripped first).

    A pool's ``coinb1 ‖ extranonce1 ‖ extranonce2 ‖ coinb2`` is non-witness already; a coinbase copied from a
    block usually carries the witness reserved value and must be stripped (see :func:`strip_witness`).
    """
    return txid(coinbase)


def merkle_root(leaf: bytes, branches: Sequence[bytes]) -> bytes:
    """Fold the coinbase txid ``leaf`` through the merkle ``branches`` (all internal order).

    ``h = sha256d(h ‖ branch)`` per level; with no branches the root is the txid.
    """
    h = _hex_bytes(leaf, "txid", 32)
    for i, branch in enumerate(branches):
        h = sha256d(h + _hex_bytes(branch, f"merkle branch {i}", 32))
    return h


def apply_version_bits(version: int, version_bits: int, mask: int = DEFAULT_VERSION_MASK) -> int:
    """The header version after rolling: ``(version & ~mask) | (version_bits & mask)``.

    Raises :class:`StratumError` when ``version_bits`` has bits outside the mask
    (a pool rejects such a share).

    >>> hex(apply_version_bits(0x20000000, 0x00b44000))
    '0x20b44000'
    """
    version = _hex_u32(version, "version")
    version_bits = _hex_u32(version_bits, "version_bits")
    mask = _hex_u32(mask, "version_mask")
    if version_bits & ~mask & 0xFFFFFFFF:
        raise StratumError(
            f"version_bits {version_bits:08x} set bits outside the version mask {mask:08x}"
        )
    return (version & ~mask & 0xFFFFFFFF) | version_bits


def share_difficulty(digest: bytes) -> float:
    """Share difficulty a hash achieves: ``truediffone / int(hash, little-endian)`` (``inf`` for 0).

    ``digest`` is the 32-byte sha256d in internal order (not the display hex).
    """
    value = hash_to_int(_hex_bytes(digest, "hash", 32))
    return float("inf") if value == 0 else DIFF1_TARGET / value


def version_mask_from_configure(response: object) -> int:
    """The version mask a pool granted in its ``mining.configure`` response.

    Accepts the whole response (``{"result": {...}}``), its ``result`` dict, or a
    JSON string of either.  Returns :data:`DEFAULT_VERSION_MASK` when the result
    carries no ``version-rolling.mask``; raises :class:`StratumError` when the
    pool refused version rolling (``"version-rolling": false``).
    """
    if isinstance(response, (str, bytes)):
        try:
            response = json.loads(response)
        except ValueError as exc:
            raise StratumError(f"mining.configure response is not JSON: {exc}") from None
    if not isinstance(response, Mapping):
        raise StratumError("mining.configure response must be an object")
    result = response.get("result", response)
    if result is None:
        return DEFAULT_VERSION_MASK
    if not isinstance(result, Mapping):
        raise StratumError("mining.configure result must be an object")
    if result.get("version-rolling") is False:
        raise StratumError("the pool refused version rolling (version-rolling: false)")
    mask = result.get("version-rolling.mask")
    if mask is None:
        return DEFAULT_VERSION_MASK
    return _hex_u32(mask, "version-rolling.mask")


# --------------------------------------------------------------------------- the job


@dataclass(frozen=True)
class StratumJob:
    """One Stratum v1 job: a ``mining.notify`` plus the session's extranonce settings.

    Attributes
    ----------
    job_id : str
    prev_block : bytes — previous block hash, internal byte order (header bytes 4..36)
    coinbase1, coinbase2 : bytes — the coinbase halves around the extranonces
    merkle_branches : tuple[bytes, ...] — internal byte order, leaf level first
    version, nbits, ntime : int — header fields [ntime in s since the epoch]
    clean_jobs : bool
    extranonce1 : bytes — assigned by the pool in ``mining.subscribe``
    extranonce2_size : int — bytes the miner fills in [B]
    version_mask : int — rollable version bits (BIP 320; ``mining.configure``)
    """

    job_id: str
    prev_block: bytes
    coinbase1: bytes
    coinbase2: bytes
    merkle_branches: tuple[bytes, ...]
    version: int
    nbits: int
    ntime: int
    clean_jobs: bool = False
    extranonce1: bytes = b""
    extranonce2_size: int = 4
    version_mask: int = DEFAULT_VERSION_MASK

    def __post_init__(self) -> None:
        if not isinstance(self.job_id, str) or not self.job_id:
            raise StratumError("job_id must be a non-empty string")
        object.__setattr__(self, "prev_block", _hex_bytes(self.prev_block, "prev_block", 32))
        object.__setattr__(self, "coinbase1", _hex_bytes(self.coinbase1, "coinbase1"))
        object.__setattr__(self, "coinbase2", _hex_bytes(self.coinbase2, "coinbase2"))
        object.__setattr__(self, "extranonce1", _hex_bytes(self.extranonce1, "extranonce1"))
        if isinstance(self.merkle_branches, (str, bytes)) or not isinstance(self.merkle_branches, Sequence):
            raise StratumError("merkle_branches must be a list of 32-byte hashes")
        object.__setattr__(
            self,
            "merkle_branches",
            tuple(_hex_bytes(b, f"merkle branch {i}", 32) for i, b in enumerate(self.merkle_branches)),
        )
        for name in ("version", "nbits", "ntime", "version_mask"):
            object.__setattr__(self, name, _hex_u32(getattr(self, name), name))
        size = V.count("extranonce2_size", self.extranonce2_size, minimum=0, maximum=32, err=StratumError)
        object.__setattr__(self, "extranonce2_size", size)
        if not isinstance(self.clean_jobs, bool):
            raise StratumError("clean_jobs must be true or false")
        try:
            bits_to_target(self.nbits)
        except InvalidInputError as exc:
            raise StratumError(f"nbits: {exc}") from None

    # ----------------------------------------------------------------- constructors

    @classmethod
    def from_notify(
        cls,
        notify: object,
        extranonce1: "str | bytes",
        extranonce2_size: int,
        version_mask: int = DEFAULT_VERSION_MASK,
    ) -> "StratumJob":
        """Parse a ``mining.notify`` message (dict, its ``params`` list, or a JSON string).

        Params are ``[job_id, prevhash, coinb1, coinb2, merkle_branch[], version,
        nbits, ntime, clean_jobs]``.
        """
        if isinstance(notify, (str, bytes)):
            try:
                notify = json.loads(notify)
            except ValueError as exc:
                raise StratumError(f"mining.notify is not JSON: {exc}") from None
        if isinstance(notify, Mapping):
            method = notify.get("method", "mining.notify")
            if method != "mining.notify":
                raise StratumError(f"expected a mining.notify message, got method {method!r}")
            params = notify.get("params")
        else:
            params = notify
        if isinstance(params, (str, bytes)) or not isinstance(params, Sequence):
            raise StratumError("mining.notify params must be a list")
        if len(params) < 8:
            raise StratumError(f"mining.notify needs 9 params, got {len(params)}")
        job_id, prevhash, coinb1, coinb2, branches, version, nbits, ntime = params[:8]
        clean = params[8] if len(params) > 8 else False
        if not isinstance(job_id, str):
            raise StratumError(f"job_id must be a string, got {job_id!r}")
        return cls(
            job_id=job_id,
            prev_block=prevhash_from_stratum(prevhash),
            coinbase1=_hex_bytes(coinb1, "coinbase1"),
            coinbase2=_hex_bytes(coinb2, "coinbase2"),
            merkle_branches=branches,
            version=_hex_u32(version, "version"),
            nbits=_hex_u32(nbits, "nbits"),
            ntime=_hex_u32(ntime, "ntime"),
            clean_jobs=clean,
            extranonce1=_hex_bytes(extranonce1, "extranonce1"),
            extranonce2_size=extranonce2_size,
            version_mask=_hex_u32(version_mask, "version_mask"),
        )

    def to_notify_params(self) -> list:
        """The ``mining.notify`` params that describe this job (inverse of :meth:`from_notify`)."""
        return [
            self.job_id,
            prevhash_to_stratum(self.prev_block),
            self.coinbase1.hex(),
            self.coinbase2.hex(),
            [b.hex() for b in self.merkle_branches],
            f"{self.version:08x}",
            f"{self.nbits:08x}",
            f"{self.ntime:08x}",
            self.clean_jobs,
        ]

    # ----------------------------------------------------------------- work

    def extranonce2(self, value: "int | str | bytes") -> bytes:
        """``extranonce2`` as bytes: an int (little-endian, as miners count it), hex or bytes."""
        if isinstance(value, bool):
            raise StratumError("extranonce2 must be an int, hex string or bytes")
        if isinstance(value, int):
            if not 0 <= value < 1 << (8 * self.extranonce2_size):
                raise StratumError(
                    f"extranonce2 {value} does not fit in {self.extranonce2_size} bytes"
                )
            return value.to_bytes(self.extranonce2_size, "little")
        return _hex_bytes(value, "extranonce2", self.extranonce2_size)

    def coinbase(self, extranonce2: "int | str | bytes") -> bytes:
        """The serialised coinbase transaction: coinbase1 ‖ extranonce1 ‖ extranonce2 ‖ coinbase2."""
        return self.coinbase1 + self.extranonce1 + self.extranonce2(extranonce2) + self.coinbase2

    def coinbase_txid(self, extranonce2: "int | str | bytes") -> bytes:
        """txid of the coinbase: sha256d of its non-witness serialisation [internal byte order].

        A pool's coinbase halves are non-witness already; a job built from a block's segwit-serialised
        coinbase has its marker, flag and witness stripped first (:func:`strip_witness`).
        """
        coinbase = self.coinbase(extranonce2)
        if is_segwit_serialised(coinbase):
            coinbase = strip_witness(coinbase)
        return sha256d(coinbase)

    def merkle_root(self, extranonce2: "int | str | bytes") -> bytes:
        """Merkle root for this extranonce2 [internal byte order, as in the header]."""
        h = self.coinbase_txid(extranonce2)
        sha256 = hashlib.sha256
        for branch in self.merkle_branches:  # validated 32-byte values (``__post_init__``): fold them directly
            h = sha256(sha256(h + branch).digest()).digest()
        return h

    def rolled_version(self, version_bits: int = 0) -> int:
        """The header version with ``version_bits`` (inside :attr:`version_mask`) rolled in."""
        return apply_version_bits(self.version, version_bits, self.version_mask)

    def block_header(
        self,
        extranonce2: "int | str | bytes",
        nonce: int = 0,
        *,
        ntime: "int | str | None" = None,
        version_bits: int = 0,
    ) -> BlockHeader:
        """The :class:`~minecore.header.BlockHeader` a miner hashes for this work."""
        return BlockHeader(
            version=self.rolled_version(version_bits),
            prev_block=self.prev_block,
            merkle_root=self.merkle_root(extranonce2),
            time=self.ntime if ntime is None else _hex_u32(ntime, "ntime"),
            bits=self.nbits,
            nonce=_hex_u32(nonce, "nonce"),
        )

    def header(
        self,
        extranonce2: "int | str | bytes",
        nonce: int = 0,
        *,
        ntime: "int | str | None" = None,
        version_bits: int = 0,
    ) -> bytes:
        """The 80 header bytes for this work (see :meth:`block_header`)."""
        return self.block_header(extranonce2, nonce, ntime=ntime, version_bits=version_bits).to_bytes()

    def check_submit(
        self,
        extranonce2: "int | str | bytes",
        ntime: "int | str",
        nonce: "int | str",
        version_bits: "int | str" = 0,
    ) -> "SubmittedShare":
        """Rebuild and hash the header a ``mining.submit`` describes (hashlib).

        Arguments are the submit params as the miner sends them (hex strings of
        big-endian integers for ntime/nonce/version_bits, hex bytes for extranonce2),
        or ints.
        """
        header = self.block_header(
            extranonce2, _hex_u32(nonce, "nonce"), ntime=ntime, version_bits=_hex_u32(version_bits, "version_bits")
        )
        digest = sha256d(header.to_bytes())
        return SubmittedShare(
            job_id=self.job_id,
            extranonce2=self.extranonce2(extranonce2).hex(),
            header=header,
            hash_hex=digest[::-1].hex(),
            difficulty=share_difficulty(digest),
        )


@dataclass(frozen=True)
class SubmittedShare:
    """A submitted share rebuilt and hashed with hashlib.

    hash_hex : str — block hash in display order
    difficulty : float — share difficulty the hash achieves (truediffone)
    """

    job_id: str
    extranonce2: str
    header: BlockHeader
    hash_hex: str
    difficulty: float

    def meets(self, difficulty: float) -> bool:
        """Whether the share meets pool difficulty ``difficulty`` (finite and > 0, else :class:`StratumError`)."""
        return self.difficulty >= V.positive("difficulty", difficulty, err=StratumError)

    @property
    def meets_network(self) -> bool:
        """Whether the hash also meets the network target (a block)."""
        return int(self.hash_hex, 16) <= self.header.target


def build_header(
    version: "int | str",
    prevhash_stratum: "str | bytes",
    merkle_root_internal: "str | bytes",
    ntime: "int | str",
    nbits: "int | str",
    nonce: "int | str" = 0,
) -> bytes:
    """80 header bytes from Stratum-formatted fields and a merkle root (internal order)."""
    return BlockHeader(
        version=_hex_u32(version, "version"),
        prev_block=prevhash_from_stratum(prevhash_stratum),
        merkle_root=_hex_bytes(merkle_root_internal, "merkle_root", 32),
        time=_hex_u32(ntime, "ntime"),
        bits=_hex_u32(nbits, "nbits"),
        nonce=_hex_u32(nonce, "nonce"),
    ).to_bytes()


__all__ = [
    "DEFAULT_VERSION_MASK",
    "coinbase_txid",
    "is_segwit_serialised",
    "strip_witness",
    "txid",
    "StratumError",
    "StratumJob",
    "SubmittedShare",
    "apply_version_bits",
    "build_header",
    "merkle_root",
    "prevhash_from_stratum",
    "prevhash_to_stratum",
    "sha256d",
    "share_difficulty",
    "version_mask_from_configure",
]
