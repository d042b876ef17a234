"""SHA-256d of a byte buffer of any length (the backend's ``sha256d``).

Kept apart from :mod:`minecore.kernels.scan` so that scanning never compiles
(or loads) these, and hashing a buffer never compiles the scan.
"""

from __future__ import annotations

import numpy as np
from numba import types, uint8, uint32 as u32

from minecore.kernels._jit import helper, kernel
from minecore.kernels.sha256 import IV, U32_8, compress, hash_of_digest


@helper(u32(uint8[::1], types.intp))
def load_be(data, i):
    """The big-endian word at byte offset i."""
    return u32(
        (u32(data[i]) << np.uint32(24))
        | (u32(data[i + 1]) << np.uint32(16))
        | (u32(data[i + 2]) << np.uint32(8))
        | u32(data[i + 3])
    )


@helper(U32_8(U32_8, uint8[::1], types.intp))
def compress_bytes(state, block, offset):
    """Compress the 64 bytes ``block[offset:offset + 64]`` into ``state``."""
    return compress(
        state[0], state[1], state[2], state[3], state[4], state[5], state[6], state[7],
        load_be(block, offset), load_be(block, offset + 4), load_be(block, offset + 8),
        load_be(block, offset + 12), load_be(block, offset + 16), load_be(block, offset + 20),
        load_be(block, offset + 24), load_be(block, offset + 28), load_be(block, offset + 32),
        load_be(block, offset + 36), load_be(block, offset + 40), load_be(block, offset + 44),
        load_be(block, offset + 48), load_be(block, offset + 52), load_be(block, offset + 56),
        load_be(block, offset + 60),
    )


@helper(U32_8(uint8[::1]))
def sha256_state(data):
    """SHA-256 of a byte buffer of any length, as its eight state words."""
    n = data.shape[0]
    state = (IV[0], IV[1], IV[2], IV[3], IV[4], IV[5], IV[6], IV[7])
    full = n // 64
    for blk in range(full):
        state = compress_bytes(state, data, blk * 64)
    # Padding: 0x80, zeros, then the bit length as a 64-bit big-endian number.
    rest = n - full * 64
    tail_len = 64 if rest < 56 else 128
    tail = np.zeros(tail_len, dtype=np.uint8)
    for i in range(rest):
        tail[i] = data[full * 64 + i]
    tail[rest] = np.uint8(0x80)
    bits = np.uint64(n) * np.uint64(8)
    for i in range(8):
        tail[tail_len - 1 - i] = np.uint8((bits >> np.uint64(8 * i)) & np.uint64(0xFF))
    for off in range(0, tail_len, 64):
        state = compress_bytes(state, tail, off)
    return state


@kernel(uint8[::1](uint8[::1]))
def sha256d(data):
    """sha256(sha256(data)) as 32 bytes in internal (digest) byte order."""
    state = hash_of_digest(sha256_state(data))
    out = np.empty(32, dtype=np.uint8)
    for i in range(8):
        word = state[i]
        out[4 * i] = np.uint8(word >> np.uint32(24))
        out[4 * i + 1] = np.uint8((word >> np.uint32(16)) & np.uint32(0xFF))
        out[4 * i + 2] = np.uint8((word >> np.uint32(8)) & np.uint32(0xFF))
        out[4 * i + 3] = np.uint8(word & np.uint32(0xFF))
    return out
