"""The 16-lane nonce scan and its drivers.

Layout of one scan (all uint32):

* ``mid``: the midstate, SHA-256 state after the header's first 64 bytes.
* ``tail``: header bytes 64..75 as three big-endian words (end of the merkle
  root, time, bits). Word 3 of the second block is the byte-swapped nonce; the
  rest of that block is constant padding (0x80000000, zeros, bit length 640).
* ``target``: the 256-bit target as eight words, most significant first.
* ``mids``: one midstate per rolled version (:func:`version_midstates`).

:func:`scan_range` runs 16 nonces at once: one straight-line loop over the 16
lanes computes, per lane, the second block's compression and the final
compression up to its last word (no branches inside), and stores that word.
A scalar loop then compares the 16 stored words with the target's top word
and fully checks the rare candidates. Work that does not depend on the nonce
(the first three rounds of the second block, message words 16 and 17, the
padding words) is loop-invariant, so LLVM hoists or folds it.

:func:`scan_grid` runs work items (a range of versions x a range of nonces)
spread over threads with ``prange``; each item writes to its own output row
and the caller merges the rows in order.
"""

from __future__ import annotations

import numpy as np
from numba import int64, prange, types, uint32 as u32

from minecore.kernels._jit import always_inline, helper, kernel, prefer_wide_vectors
from minecore.kernels.sha256 import (
    DIGEST_BITS,
    HEADER_BITS,
    IV,
    PAD_WORD,
    ZERO,
    bswap,
    compress,
    compress_last_word,
    hash_of_digest,
)

#: Nonces per step of the lane loop: one zmm (AVX-512) or two ymm (AVX2) registers.
LANES = 16

U32_1D = u32[::1]
U32_2D = u32[:, ::1]
INT64_1D = int64[::1]


@helper(u32(u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32))
def nonce_last_word(m0, m1, m2, m3, m4, m5, m6, m7, t0, t1, t2, nonce):
    """State word 7 of sha256d(header) for one nonce, without the final add of IV[7]."""
    always_inline()
    a, b, c, d, e, f, g, h = compress(
        m0, m1, m2, m3, m4, m5, m6, m7,
        t0, t1, t2, bswap(nonce), PAD_WORD, ZERO, ZERO, ZERO,
        ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, HEADER_BITS,
    )
    return compress_last_word(
        IV[0], IV[1], IV[2], IV[3], IV[4], IV[5], IV[6], IV[7],
        a, b, c, d, e, f, g, h,
        PAD_WORD, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, DIGEST_BITS,
    )


@helper(types.boolean(U32_1D, U32_1D, U32_1D, u32))
def meets_target(mid, tail, target, nonce):
    """Full sha256d of one nonce, compared with all 256 bits of the target."""
    first = compress(
        mid[0], mid[1], mid[2], mid[3], mid[4], mid[5], mid[6], mid[7],
        tail[0], tail[1], tail[2], bswap(nonce), PAD_WORD, ZERO, ZERO, ZERO,
        ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, HEADER_BITS,
    )
    digest = hash_of_digest(first)
    # The hash read as a little-endian integer: its most significant word is
    # byte-swapped state word 7, then word 6, ... word 0.
    for i in range(8):
        word = bswap(digest[7 - i])
        if word != target[i]:
            return word < target[i]
    return True


@helper(int64(U32_1D, U32_1D, U32_1D, int64, int64, U32_1D, int64))
def scan_range(mid, tail, target, nonce_start, count, out, found):
    """Scan nonces [nonce_start, nonce_start + count) for one midstate.

    Winning nonces are appended to ``out`` from index ``found`` on (as far as
    it has room); returns the new total found, which may exceed ``len(out)``.
    """
    prefer_wide_vectors()
    m0, m1, m2, m3, m4, m5, m6, m7 = mid[0], mid[1], mid[2], mid[3], mid[4], mid[5], mid[6], mid[7]
    t0, t1, t2 = tail[0], tail[1], tail[2]
    target_top = target[0]
    iv7 = IV[7]
    last = np.empty(LANES, dtype=np.uint32)
    capacity = out.shape[0]
    end = nonce_start + count
    for base in range(nonce_start, end, LANES):
        base32 = u32(base & 0xFFFFFFFF)
        # Straight-line lane loop, vectorised by LLVM. Lanes past the end wrap
        # modulo 2**32 and are computed but ignored below.
        for lane in range(LANES):
            last[lane] = nonce_last_word(
                m0, m1, m2, m3, m4, m5, m6, m7, t0, t1, t2, u32(base32 + u32(lane))
            )
        valid = min(LANES, end - base)
        for lane in range(valid):
            if bswap(u32(last[lane] + iv7)) <= target_top:
                nonce = u32(base32 + u32(lane))
                if meets_target(mid, tail, target, nonce):
                    if found < capacity:
                        out[found] = nonce
                    found += 1
    return found


@kernel(
    types.none(U32_2D, U32_1D, U32_1D, INT64_1D, INT64_1D, INT64_1D, INT64_1D, U32_2D, U32_2D, INT64_1D),
    parallel=True,
)
def scan_grid(mids, tail, target, v_lo, v_hi, starts, counts, out_nonce, out_version, found):
    """Run work item k = (versions v_lo[k]:v_hi[k]) x (nonces starts[k], counts[k]).

    Versions index the rows of ``mids``. The items are spread over numba's
    threads; item k writes only row k of ``out_nonce``/``out_version`` (its
    winners in (version, nonce) order, as far as the row has room) and
    ``found[k]`` (how many it found, which may exceed the row length).
    """
    for k in prange(v_lo.shape[0]):
        row_nonce = out_nonce[k]
        row_version = out_version[k]
        capacity = row_nonce.shape[0]
        total = 0
        for v in range(v_lo[k], v_hi[k]):
            new_total = scan_range(mids[v], tail, target, starts[k], counts[k], row_nonce, total)
            for i in range(total, min(new_total, capacity)):
                row_version[i] = u32(v)
            total = new_total
        found[k] = total


@kernel(U32_2D(U32_1D, U32_1D))
def version_midstates(block0, versions):
    """Midstates of the header's first 64 bytes (``block0``, big-endian words)
    with word 0 replaced by each byte-swapped version in turn."""
    mids = np.empty((versions.shape[0], 8), dtype=np.uint32)
    for v in range(versions.shape[0]):
        state = compress(
            IV[0], IV[1], IV[2], IV[3], IV[4], IV[5], IV[6], IV[7],
            bswap(versions[v]), block0[1], block0[2], block0[3], block0[4], block0[5], block0[6], block0[7],
            block0[8], block0[9], block0[10], block0[11], block0[12], block0[13], block0[14], block0[15],
        )
        for i in range(8):
            mids[v, i] = state[i]
    return mids
