"""Bitcoin block headers, targets and difficulty.

Byte order conventions (see ``DOMAIN.md``):

* every header field is little-endian on the wire;
* ``prev_block`` and ``merkle_root`` are kept in *internal* byte order (as they
  sit in the header); block explorers show them byte-reversed;
* a hash meets a target when ``int.from_bytes(hash, "little") <= target``.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

from .errors import InvalidInputError

HEADER_SIZE = 80
HEADER_PREFIX_SIZE = 76
MAX_TARGET = (1 << 256) - 1
DIFF1_TARGET = 0xFFFF << 208
"""Target of difficulty 1 ("truediffone"), the pool and network convention."""
BIP320_VERSION_MASK = 0x1FFFE000
"""Version bits that BIP 320 frees for rolling (bits 13-28)."""

_HEADER_STRUCT = struct.Struct("<I32s32sII")


def sha256d(data: bytes) -> bytes:
    """Double SHA-256 of ``data`` [32 bytes, internal byte order] (hashlib reference)."""
    return hashlib.sha256(hashlib.sha256(_as_bytes(data, "data")).digest()).digest()


def hash_to_int(digest: bytes) -> int:
    """A 32-byte hash in internal order as the integer compared with a target."""
    return int.from_bytes(digest, "little")


def _as_bytes(data: object, what: str) -> bytes:
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise InvalidInputError(f"{what} must be bytes-like, not {type(data).__name__}")


def _check_uint32(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(f"{what} must be an integer, not {type(value).__name__}")
    if not 0 <= value <= 0xFFFFFFFF:
        raise InvalidInputError(f"{what} must be in [0, 2^32), got {value}")
    return value


def bits_to_target(bits: int) -> int:
    """Expand compact ``bits`` into a 256-bit target, as Bitcoin Core's ``arith_uint256::SetCompact`` does.

    ``exponent = bits >> 24``, ``mantissa = bits & 0x007fffff``; for ``exponent <= 3`` the mantissa is shifted
    right by ``8 * (3 - exponent)`` bits, else ``target = mantissa * 256**(exponent - 3)``. Raises
    :class:`InvalidInputError` when

    * the (shifted) mantissa is zero: the target would be 0, which no hash meets (``0x1d000000``, ``0x00000000``,
      ``0x01003456``); the sign bit does not matter then, as in Core (``0x1d800000`` is this error too);
    * the sign bit (0x00800000) is set with a non-zero mantissa (Core's ``fNegative``: ``0x1d80ffff``);
    * the target does not fit in 256 bits (Core's ``fOverflow``).

    >>> hex(bits_to_target(0x1d00ffff))
    '0xffff0000000000000000000000000000000000000000000000000000'
    >>> bits_to_target(0x1d000000)
    Traceback (most recent call last):
    ...
    minecore.errors.InvalidInputError: bits 0x1d000000 encode target 0 (zero mantissa): no hash can meet it
    """
    _check_uint32(bits, "bits")
    exponent = bits >> 24
    mantissa = bits & 0x007FFFFF
    if exponent <= 3:
        mantissa >>= 8 * (3 - exponent)
        target = mantissa
    else:
        target = mantissa << (8 * (exponent - 3))
    if mantissa == 0:
        raise InvalidInputError(f"bits 0x{bits:08x} encode target 0 (zero mantissa): no hash can meet it")
    if bits & 0x00800000:
        raise InvalidInputError(f"bits 0x{bits:08x} have the sign bit set with a non-zero mantissa (negative target)")
    if target > MAX_TARGET:
        raise InvalidInputError(f"bits 0x{bits:08x} overflow 256 bits")
    return target


def target_to_bits(target: int) -> int:
    """Compress a target into compact ``bits`` (rounding down, as Bitcoin Core's ``GetCompact`` does).

    Target 0 has no valid compact form (:func:`bits_to_target` rejects a zero mantissa), so it is an error.
    """
    target = check_target(target)
    if target == 0:
        raise InvalidInputError("target 0 has no compact bits form (a zero mantissa is rejected); no hash meets it")
    size = (target.bit_length() + 7) // 8
    if size <= 3:
        mantissa = target << (8 * (3 - size))
    else:
        mantissa = target >> (8 * (size - 3))
    if mantissa & 0x00800000:
        mantissa >>= 8
        size += 1
    return (size << 24) | mantissa


def check_target(target: object) -> int:
    """Validate a 256-bit target given as an int."""
    if isinstance(target, bool) or not isinstance(target, int):
        raise InvalidInputError(f"target must be an integer, not {type(target).__name__}")
    if not 0 <= target <= MAX_TARGET:
        raise InvalidInputError("target must be in [0, 2^256)")
    return target


def difficulty_to_target(difficulty: float) -> int:
    """Target for a share/network difficulty (``DIFF1_TARGET / difficulty``, rounded down), capped at 2^256-1.

    A difficulty above ``DIFF1_TARGET`` (about 2.6959e67) would give target 0, which no hash meets: that is an error,
    as is a difficulty that is not a positive finite number.

    >>> difficulty_to_target(1) == DIFF1_TARGET
    True
    >>> difficulty_to_target(10**400)
    Traceback (most recent call last):
    ...
    minecore.errors.InvalidInputError: difficulty 1.00e+400 is beyond the representable range: its target would be 0 (the largest difficulty is DIFF1_TARGET = 0xffff * 2^208, about 2.6959e+67)
    """
    if isinstance(difficulty, bool) or not isinstance(difficulty, (int, float)):
        raise InvalidInputError(f"difficulty must be a number, not {type(difficulty).__name__}")
    if isinstance(difficulty, int):
        if difficulty <= 0:
            raise InvalidInputError(f"difficulty must be a positive finite number, got {difficulty}")
        target = DIFF1_TARGET // difficulty
    else:
        if not difficulty > 0 or difficulty != difficulty or difficulty == float("inf"):
            raise InvalidInputError(f"difficulty must be a positive finite number, got {difficulty}")
        # exact rational arithmetic avoids float rounding for large difficulties
        num, den = float(difficulty).as_integer_ratio()
        target = DIFF1_TARGET * den // num
    if target == 0:
        raise InvalidInputError(
            f"difficulty {_short(difficulty)} is beyond the representable range: its target would be 0 "
            f"(the largest difficulty is DIFF1_TARGET = 0xffff * 2^208, about 2.6959e+67)"
        )
    return min(target, MAX_TARGET)


def _short(number: float) -> str:
    """A number for a message: an int too long to print whole as ``1e+400`` (3 significant digits)."""
    if isinstance(number, int) and abs(number) >= 10**20:
        from decimal import Decimal

        return format(Decimal(number), ".3g")
    return str(number)


def target_to_difficulty(target: int) -> float:
    """Difficulty of a target (``DIFF1_TARGET / target``); ``inf`` for target 0."""
    target = check_target(target)
    return float("inf") if target == 0 else DIFF1_TARGET / target


def hash_difficulty(digest: bytes) -> float:
    """Share difficulty a hash achieves (truediffone / hash value)."""
    return target_to_difficulty(hash_to_int(digest))


def deposit_bits(index: int, mask: int) -> int:
    """Scatter the low bits of ``index`` into the set bits of ``mask`` (software PDEP)."""
    out = 0
    bit = 0
    m = mask
    while m:
        low = m & -m
        if (index >> bit) & 1:
            out |= low
        bit += 1
        m ^= low
    return out


def rolled_version(base_version: int, mask: int, index: int) -> int:
    """Version word number ``index`` when rolling the ``mask`` bits (BIP 320).

    ``(base & ~mask) | deposit(index, mask)``; index 0 clears the rolled bits.
    """
    return (base_version & ~mask & 0xFFFFFFFF) | deposit_bits(index, mask)


@dataclass(frozen=True)
class BlockHeader:
    """An 80-byte Bitcoin block header.

    ``prev_block`` and ``merkle_root`` are 32 bytes in internal byte order.
    """

    version: int
    prev_block: bytes
    merkle_root: bytes
    time: int
    bits: int
    nonce: int = 0

    def __post_init__(self) -> None:
        for name in ("version", "time", "bits", "nonce"):
            _check_uint32(getattr(self, name), name)
        for name in ("prev_block", "merkle_root"):
            value = _as_bytes(getattr(self, name), name)
            if len(value) != 32:
                raise InvalidInputError(f"{name} must be 32 bytes, got {len(value)}")
            object.__setattr__(self, name, value)

    @classmethod
    def from_bytes(cls, data: bytes) -> "BlockHeader":
        """Parse 80 header bytes (or 76 bytes, nonce 0)."""
        data = _as_bytes(data, "header")
        if len(data) == HEADER_PREFIX_SIZE:
            data = data + b"\x00\x00\x00\x00"
        if len(data) != HEADER_SIZE:
            raise InvalidInputError(f"a block header is 80 bytes (or 76 without nonce), got {len(data)}")
        version, prev, merkle, time, bits = _HEADER_STRUCT.unpack(data[:76])
        nonce = int.from_bytes(data[76:80], "little")
        return cls(version, prev, merkle, time, bits, nonce)

    @classmethod
    def from_hex(cls, text: str) -> "BlockHeader":
        """Parse a header from 160 (or 152) hex digits, as serialised on the wire."""
        if not isinstance(text, str):
            raise InvalidInputError(f"header hex must be a string, not {type(text).__name__}")
        try:
            data = bytes.fromhex(text.strip())
        except ValueError:
            raise InvalidInputError("header hex is not valid hexadecimal") from None
        return cls.from_bytes(data)

    def to_bytes(self) -> bytes:
        """The 80 serialised header bytes."""
        return _HEADER_STRUCT.pack(
            self.version, self.prev_block, self.merkle_root, self.time, self.bits
        ) + self.nonce.to_bytes(4, "little")

    def prefix(self) -> bytes:
        """The first 76 bytes (everything but the nonce)."""
        return self.to_bytes()[:76]

    def with_nonce(self, nonce: int) -> "BlockHeader":
        return BlockHeader(self.version, self.prev_block, self.merkle_root, self.time, self.bits, nonce)

    def with_version(self, version: int) -> "BlockHeader":
        return BlockHeader(version, self.prev_block, self.merkle_root, self.time, self.bits, self.nonce)

    @property
    def hash(self) -> bytes:
        """sha256d of the header, internal byte order."""
        return sha256d(self.to_bytes())

    @property
    def hash_hex(self) -> str:
        """The block hash in display order (byte-reversed), as block explorers show it."""
        return self.hash[::-1].hex()

    @property
    def target(self) -> int:
        """The network target encoded by ``bits``."""
        return bits_to_target(self.bits)

    @property
    def difficulty(self) -> float:
        """The network difficulty encoded by ``bits``."""
        return target_to_difficulty(self.target)

    def meets_target(self, target: int | None = None) -> bool:
        """Whether the header's hash is at or below ``target`` (default: its own)."""
        return hash_to_int(self.hash) <= (self.target if target is None else check_target(target))
