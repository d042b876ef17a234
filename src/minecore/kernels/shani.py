"""The SHA-NI nonce scan: sha256d with the x86 SHA instructions, emitted from numba as LLVM intrinsics.

Used instead of :mod:`minecore.kernels.scan` when the CPU has the ``sha``
feature (AMD Zen, Intel Ice Lake and later, Goldmont Atoms). The vector type
and the instructions come from :mod:`minecore.kernels._simd`. State is kept in
the layout ``sha256rnds2`` wants: ABEF = <F, E, B, A> and CDGH = <H, G, D, C>.

Per scan range (one midstate):

* rounds 0..2 of the second block do not depend on the nonce: they run once,
  in scalar code, and round 3 is reduced to "add W3 = bswap(nonce) to lanes A
  and E of a constant state", so each nonce starts the block at round 4;
* message words W4..W15 of that block, and W8..W15 of the second hash, are
  padding constants: their K+W pairs and their ``sha256msg1`` terms are
  computed once;
* the second hash stops after rounds 60-61: lane F of that ``sha256rnds2``
  result is e after round 60, which is hash word 7 less IV[7], so 31 of the
  32 ``sha256rnds2`` run. Word 7, byte-swapped, is the hash's most
  significant word: a nonce whose word is above the target's top word is
  rejected at once; the rare others are checked on all 256 bits
  (:func:`meets_target`).

``sha256rnds2`` has a latency of several cycles and one hash is a single
chain of them, so :func:`scan_range` runs three nonces side by side, step by
step, which keeps the SHA unit busy.

Only :func:`scan_grid` and :func:`version_midstates` are cached entry points
(``@kernel``); the helpers are compiled into them (``always_inline``), so a warm
start loads two functions from numba's cache.

Importing this module imports numba and needs the JIT (intrinsics cannot run
as Python).
"""

from __future__ import annotations

import numpy as np
from numba import int64, prange, types, uint32 as u32

from minecore.kernels._jit import always_inline, helper, kernel
from minecore.kernels._simd import (
    add,
    align4,
    bswap32,
    digest_words_hi,
    digest_words_lo,
    high_pair,
    lane,
    msg1,
    msg2,
    rnds2,
    round_constants,
    vec,
)
from minecore.kernels.constants import IV, K

U32_1D = u32[::1]
U32_2D = u32[:, ::1]
INT64_1D = int64[::1]

PAD = np.uint32(0x80000000)
ZERO = np.uint32(0)
#: Bit lengths of an 80-byte header and a 32-byte digest.
HEADER_BITS = np.uint32(640)
DIGEST_BITS = np.uint32(256)

#: Nonces hashed side by side.
WAYS = 3


# ---------------------------------------------------------------------------- scalar rounds (precomputation)
@helper()
def _rotr(x, n):
    always_inline()
    return u32((x >> n) | u32(x << (np.uint32(32) - n)))


@helper()
def _t1(e, f, g, h, kw):
    """h + Sigma1(e) + Ch(e, f, g) + K + W."""
    always_inline()
    s1 = _rotr(e, np.uint32(6)) ^ _rotr(e, np.uint32(11)) ^ _rotr(e, np.uint32(25))
    return u32(h + s1 + u32(g ^ (e & (f ^ g))) + kw)


@helper()
def _t2(a, b, c):
    """Sigma0(a) + Maj(a, b, c)."""
    always_inline()
    s0 = _rotr(a, np.uint32(2)) ^ _rotr(a, np.uint32(13)) ^ _rotr(a, np.uint32(22))
    return u32(s0 + u32((a & b) | (c & (a | b))))


# ---------------------------------------------------------------------------- vector building blocks
@helper()
def _quad(abef, cdgh, wk):
    """Four rounds with K+W in the four lanes of ``wk``; returns the new (ABEF, CDGH)."""
    always_inline()
    mid = rnds2(cdgh, abef, wk)
    return rnds2(abef, mid, high_pair(wk)), mid


@helper()
def _schedule(w16, w12, w8, w4):
    """The next four schedule words from the previous 16 (four vectors, oldest first)."""
    always_inline()
    return msg2(add(msg1(w16, w12), align4(w4, w8)), w4)


@helper()
def _compress(abef, cdgh, m0, m1, m2, m3):
    """A full compression of message words m0..m3 into state (ABEF, CDGH), input state added."""
    always_inline()
    a0, c0 = abef, cdgh
    abef, cdgh = _quad(abef, cdgh, add(m0, round_constants(0)))
    abef, cdgh = _quad(abef, cdgh, add(m1, round_constants(1)))
    abef, cdgh = _quad(abef, cdgh, add(m2, round_constants(2)))
    abef, cdgh = _quad(abef, cdgh, add(m3, round_constants(3)))
    for q in range(4, 16):
        m0, m1, m2, m3 = m1, m2, m3, _schedule(m0, m1, m2, m3)
        abef, cdgh = _quad(abef, cdgh, add(m3, round_constants(q)))
    return add(abef, a0), add(cdgh, c0)


@helper()
def _state_vectors(s0, s1, s2, s3, s4, s5, s6, s7):
    """Eight state words as (ABEF, CDGH)."""
    always_inline()
    return vec(s5, s4, s1, s0), vec(s7, s6, s3, s2)


@helper()
def _iv():
    always_inline()
    return _state_vectors(IV[0], IV[1], IV[2], IV[3], IV[4], IV[5], IV[6], IV[7])


@helper()
def _header_hash(mid, tail, nonce):
    """The full sha256d state (ABEF, CDGH) of the header with ``nonce``."""
    always_inline()
    abef, cdgh = _state_vectors(mid[0], mid[1], mid[2], mid[3], mid[4], mid[5], mid[6], mid[7])
    abef, cdgh = _compress(
        abef, cdgh,
        vec(tail[0], tail[1], tail[2], bswap32(nonce)), vec(PAD, ZERO, ZERO, ZERO),
        vec(ZERO, ZERO, ZERO, ZERO), vec(ZERO, ZERO, ZERO, HEADER_BITS),
    )
    iv_abef, iv_cdgh = _iv()
    return _compress(
        iv_abef, iv_cdgh,
        digest_words_lo(abef, cdgh), digest_words_hi(abef, cdgh),
        vec(PAD, ZERO, ZERO, ZERO), vec(ZERO, ZERO, ZERO, DIGEST_BITS),
    )


@helper()
def meets_target(mid, tail, target, nonce):
    """Full sha256d of one nonce, compared with all 256 bits of the target (most significant word first)."""
    abef, cdgh = _header_hash(mid, tail, nonce)
    lo = digest_words_lo(abef, cdgh)
    hi = digest_words_hi(abef, cdgh)
    # The hash as a little-endian integer: its top word is byte-swapped state word 7, then 6, ... 0.
    for i in range(8):
        word = bswap32(lane(hi, 3 - i) if i < 4 else lane(lo, 7 - i))
        if word != target[i]:
            return word < target[i]
    return True


# ---------------------------------------------------------------------------- the scan
@helper()
def scan_range(mid, tail, target, nonce_start, count, out, found):
    """Scan nonces [nonce_start, nonce_start + count) for one midstate, three at a time.

    Winners are appended to ``out`` from index ``found`` on (as far as it has
    room); returns the new total found, which may exceed ``len(out)``.
    """
    # Rounds 0..2 of the second block (W0..W2 = tail), then round 3 without its W3.
    a, b, c, d, e, f, g, h = mid[0], mid[1], mid[2], mid[3], mid[4], mid[5], mid[6], mid[7]
    for t in range(3):
        t1 = _t1(e, f, g, h, u32(K[t] + tail[t]))
        h, g, f, e, d, c, b, a = g, f, e, u32(d + t1), c, b, a, u32(t1 + _t2(a, b, c))
    t1 = _t1(e, f, g, h, K[3])
    # state after round 3, W3 missing from A and E: A = t1 + t2, B = a, C = b, D = c, E = d + t1, F = e, ...
    r4_abef = vec(e, u32(d + t1), a, u32(t1 + _t2(a, b, c)))
    r4_cdgh = vec(g, f, c, b)
    mid_abef, mid_cdgh = _state_vectors(mid[0], mid[1], mid[2], mid[3], mid[4], mid[5], mid[6], mid[7])
    iv_abef, iv_cdgh = _iv()
    zero = vec(ZERO, ZERO, ZERO, ZERO)
    # second block: W4 = PAD, W5..W14 = 0, W15 = 640; second hash: W8 = PAD, W9..W14 = 0, W15 = 256
    b_m1 = vec(PAD, ZERO, ZERO, ZERO)
    b_m3 = vec(ZERO, ZERO, ZERO, HEADER_BITS)
    b_kw4 = vec(u32(K[4] + PAD), K[5], ZERO, ZERO)
    b_kw6 = vec(K[6], K[7], ZERO, ZERO)
    b_kw8 = vec(K[8], K[9], ZERO, ZERO)
    b_kw10 = vec(K[10], K[11], ZERO, ZERO)
    b_kw12 = vec(K[12], K[13], ZERO, ZERO)
    b_kw14 = vec(K[14], u32(K[15] + HEADER_BITS), ZERO, ZERO)
    b_msg1_12 = msg1(b_m1, zero)
    b_msg1_23 = msg1(zero, b_m3)
    d_m2 = vec(PAD, ZERO, ZERO, ZERO)
    d_m3 = vec(ZERO, ZERO, ZERO, DIGEST_BITS)
    d_kw8 = vec(u32(K[8] + PAD), K[9], ZERO, ZERO)
    d_kw10 = vec(K[10], K[11], ZERO, ZERO)
    d_kw12 = vec(K[12], K[13], ZERO, ZERO)
    d_kw14 = vec(K[14], u32(K[15] + DIGEST_BITS), ZERO, ZERO)
    d_msg1_23 = msg1(d_m2, d_m3)
    t0, t1w, t2w = tail[0], tail[1], tail[2]
    iv7 = IV[7]
    top = target[0]
    capacity = out.shape[0]

    for done in range(0, count, WAYS):
        na = u32((nonce_start + done) & 0xFFFFFFFF)
        nb = u32((nonce_start + done + 1) & 0xFFFFFFFF)  # past the end when count is not a multiple of 3: ignored below
        nc = u32((nonce_start + done + 2) & 0xFFFFFFFF)
        wa = bswap32(na)
        wb = bswap32(nb)
        wc = bswap32(nc)
        # ---- second block from round 4
        xa = add(r4_abef, vec(ZERO, wa, ZERO, wa))
        xb = add(r4_abef, vec(ZERO, wb, ZERO, wb))
        xc = add(r4_abef, vec(ZERO, wc, ZERO, wc))
        ya = r4_cdgh
        yb = r4_cdgh
        yc = r4_cdgh
        xa, ya = rnds2(ya, xa, b_kw4), xa
        xb, yb = rnds2(yb, xb, b_kw4), xb
        xc, yc = rnds2(yc, xc, b_kw4), xc
        xa, ya = rnds2(ya, xa, b_kw6), xa
        xb, yb = rnds2(yb, xb, b_kw6), xb
        xc, yc = rnds2(yc, xc, b_kw6), xc
        xa, ya = rnds2(ya, xa, b_kw8), xa
        xb, yb = rnds2(yb, xb, b_kw8), xb
        xc, yc = rnds2(yc, xc, b_kw8), xc
        xa, ya = rnds2(ya, xa, b_kw10), xa
        xb, yb = rnds2(yb, xb, b_kw10), xb
        xc, yc = rnds2(yc, xc, b_kw10), xc
        xa, ya = rnds2(ya, xa, b_kw12), xa
        xb, yb = rnds2(yb, xb, b_kw12), xb
        xc, yc = rnds2(yc, xc, b_kw12), xc
        xa, ya = rnds2(ya, xa, b_kw14), xa
        xb, yb = rnds2(yb, xb, b_kw14), xb
        xc, yc = rnds2(yc, xc, b_kw14), xc
        # W16..W27, with the all-constant msg1 terms precomputed
        m0a = vec(t0, t1w, t2w, wa)
        m0b = vec(t0, t1w, t2w, wb)
        m0c = vec(t0, t1w, t2w, wc)
        m1a = msg2(msg1(m0a, b_m1), b_m3)
        m1b = msg2(msg1(m0b, b_m1), b_m3)
        m1c = msg2(msg1(m0c, b_m1), b_m3)
        m2a = msg2(add(b_msg1_12, align4(m1a, b_m3)), m1a)
        m2b = msg2(add(b_msg1_12, align4(m1b, b_m3)), m1b)
        m2c = msg2(add(b_msg1_12, align4(m1c, b_m3)), m1c)
        m3a = msg2(add(b_msg1_23, align4(m2a, m1a)), m2a)
        m3b = msg2(add(b_msg1_23, align4(m2b, m1b)), m2b)
        m3c = msg2(add(b_msg1_23, align4(m2c, m1c)), m2c)
        m0a = _schedule(b_m3, m1a, m2a, m3a)
        m0b = _schedule(b_m3, m1b, m2b, m3b)
        m0c = _schedule(b_m3, m1c, m2c, m3c)
        # the window is now (m1, m2, m3, m0) = W16..W31
        xa, ya = _quad(xa, ya, add(m1a, round_constants(4)))
        xb, yb = _quad(xb, yb, add(m1b, round_constants(4)))
        xc, yc = _quad(xc, yc, add(m1c, round_constants(4)))
        xa, ya = _quad(xa, ya, add(m2a, round_constants(5)))
        xb, yb = _quad(xb, yb, add(m2b, round_constants(5)))
        xc, yc = _quad(xc, yc, add(m2c, round_constants(5)))
        xa, ya = _quad(xa, ya, add(m3a, round_constants(6)))
        xb, yb = _quad(xb, yb, add(m3b, round_constants(6)))
        xc, yc = _quad(xc, yc, add(m3c, round_constants(6)))
        xa, ya = _quad(xa, ya, add(m0a, round_constants(7)))
        xb, yb = _quad(xb, yb, add(m0b, round_constants(7)))
        xc, yc = _quad(xc, yc, add(m0c, round_constants(7)))
        m1a, m2a, m3a, m0a = m2a, m3a, m0a, _schedule(m1a, m2a, m3a, m0a)
        m1b, m2b, m3b, m0b = m2b, m3b, m0b, _schedule(m1b, m2b, m3b, m0b)
        m1c, m2c, m3c, m0c = m2c, m3c, m0c, _schedule(m1c, m2c, m3c, m0c)
        for q in range(8, 16):
            xa, ya = _quad(xa, ya, add(m0a, round_constants(q)))
            xb, yb = _quad(xb, yb, add(m0b, round_constants(q)))
            xc, yc = _quad(xc, yc, add(m0c, round_constants(q)))
            m1a, m2a, m3a, m0a = m2a, m3a, m0a, _schedule(m1a, m2a, m3a, m0a)
            m1b, m2b, m3b, m0b = m2b, m3b, m0b, _schedule(m1b, m2b, m3b, m0b)
            m1c, m2c, m3c, m0c = m2c, m3c, m0c, _schedule(m1c, m2c, m3c, m0c)
        xa = add(xa, mid_abef)
        xb = add(xb, mid_abef)
        xc = add(xc, mid_abef)
        ya = add(ya, mid_cdgh)
        yb = add(yb, mid_cdgh)
        yc = add(yc, mid_cdgh)
        # ---- second hash: W0..W7 = first digest
        m0a = digest_words_lo(xa, ya)
        m0b = digest_words_lo(xb, yb)
        m0c = digest_words_lo(xc, yc)
        m1a = digest_words_hi(xa, ya)
        m1b = digest_words_hi(xb, yb)
        m1c = digest_words_hi(xc, yc)
        xa, ya = _quad(iv_abef, iv_cdgh, add(m0a, round_constants(0)))
        xb, yb = _quad(iv_abef, iv_cdgh, add(m0b, round_constants(0)))
        xc, yc = _quad(iv_abef, iv_cdgh, add(m0c, round_constants(0)))
        xa, ya = _quad(xa, ya, add(m1a, round_constants(1)))
        xb, yb = _quad(xb, yb, add(m1b, round_constants(1)))
        xc, yc = _quad(xc, yc, add(m1c, round_constants(1)))
        xa, ya = rnds2(ya, xa, d_kw8), xa
        xb, yb = rnds2(yb, xb, d_kw8), xb
        xc, yc = rnds2(yc, xc, d_kw8), xc
        xa, ya = rnds2(ya, xa, d_kw10), xa
        xb, yb = rnds2(yb, xb, d_kw10), xb
        xc, yc = rnds2(yc, xc, d_kw10), xc
        xa, ya = rnds2(ya, xa, d_kw12), xa
        xb, yb = rnds2(yb, xb, d_kw12), xb
        xc, yc = rnds2(yc, xc, d_kw12), xc
        xa, ya = rnds2(ya, xa, d_kw14), xa
        xb, yb = rnds2(yb, xb, d_kw14), xb
        xc, yc = rnds2(yc, xc, d_kw14), xc
        m2a = msg2(msg1(m0a, m1a), d_m3)
        m2b = msg2(msg1(m0b, m1b), d_m3)
        m2c = msg2(msg1(m0c, m1c), d_m3)
        m3a = msg2(add(msg1(m1a, d_m2), align4(m2a, d_m3)), m2a)
        m3b = msg2(add(msg1(m1b, d_m2), align4(m2b, d_m3)), m2b)
        m3c = msg2(add(msg1(m1c, d_m2), align4(m2c, d_m3)), m2c)
        m0a = msg2(add(d_msg1_23, align4(m3a, m2a)), m3a)
        m0b = msg2(add(d_msg1_23, align4(m3b, m2b)), m3b)
        m0c = msg2(add(d_msg1_23, align4(m3c, m2c)), m3c)
        m1a = _schedule(d_m3, m2a, m3a, m0a)
        m1b = _schedule(d_m3, m2b, m3b, m0b)
        m1c = _schedule(d_m3, m2c, m3c, m0c)
        # window (m2, m3, m0, m1) = W16..W31
        xa, ya = _quad(xa, ya, add(m2a, round_constants(4)))
        xb, yb = _quad(xb, yb, add(m2b, round_constants(4)))
        xc, yc = _quad(xc, yc, add(m2c, round_constants(4)))
        xa, ya = _quad(xa, ya, add(m3a, round_constants(5)))
        xb, yb = _quad(xb, yb, add(m3b, round_constants(5)))
        xc, yc = _quad(xc, yc, add(m3c, round_constants(5)))
        xa, ya = _quad(xa, ya, add(m0a, round_constants(6)))
        xb, yb = _quad(xb, yb, add(m0b, round_constants(6)))
        xc, yc = _quad(xc, yc, add(m0c, round_constants(6)))
        xa, ya = _quad(xa, ya, add(m1a, round_constants(7)))
        xb, yb = _quad(xb, yb, add(m1b, round_constants(7)))
        xc, yc = _quad(xc, yc, add(m1c, round_constants(7)))
        m2a, m3a, m0a, m1a = m3a, m0a, m1a, _schedule(m2a, m3a, m0a, m1a)
        m2b, m3b, m0b, m1b = m3b, m0b, m1b, _schedule(m2b, m3b, m0b, m1b)
        m2c, m3c, m0c, m1c = m3c, m0c, m1c, _schedule(m2c, m3c, m0c, m1c)
        for q in range(8, 15):
            xa, ya = _quad(xa, ya, add(m1a, round_constants(q)))
            xb, yb = _quad(xb, yb, add(m1b, round_constants(q)))
            xc, yc = _quad(xc, yc, add(m1c, round_constants(q)))
            m2a, m3a, m0a, m1a = m3a, m0a, m1a, _schedule(m2a, m3a, m0a, m1a)
            m2b, m3b, m0b, m1b = m3b, m0b, m1b, _schedule(m2b, m3b, m0b, m1b)
            m2c, m3c, m0c, m1c = m3c, m0c, m1c, _schedule(m2c, m3c, m0c, m1c)
        # rounds 60-61 only: lane F (0) of the new ABEF is e after round 60 = hash word 7 - IV[7]
        ha = bswap32(u32(lane(rnds2(ya, xa, add(m1a, round_constants(15))), 0) + iv7))
        hb = bswap32(u32(lane(rnds2(yb, xb, add(m1b, round_constants(15))), 0) + iv7))
        hc = bswap32(u32(lane(rnds2(yc, xc, add(m1c, round_constants(15))), 0) + iv7))
        if ha <= top or hb <= top or hc <= top:
            if ha <= top and meets_target(mid, tail, target, na):
                if found < capacity:
                    out[found] = na
                found += 1
            if hb <= top and done + 1 < count and meets_target(mid, tail, target, nb):
                if found < capacity:
                    out[found] = nb
                found += 1
            if hc <= top and done + 2 < count and meets_target(mid, tail, target, nc):
                if found < capacity:
                    out[found] = nc
                found += 1
    return found


@kernel(
    types.none(U32_2D, U32_1D, U32_1D, INT64_1D, INT64_1D, INT64_1D, INT64_1D, U32_2D, U32_2D, INT64_1D),
    parallel=True,
)
def scan_grid(mids, tail, target, v_lo, v_hi, starts, counts, out_nonce, out_version, found):
    """Work item k = (versions v_lo[k]:v_hi[k]) x (nonces starts[k], counts[k]), spread over threads.

    Same contract as :func:`minecore.kernels.scan.scan_grid`: item k writes only
    row k of ``out_nonce``/``out_version`` and ``found[k]``.
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
    """Midstates of the header's first 64 bytes (``block0``, big-endian words) with word 0
    replaced by each byte-swapped version in turn (one SHA-NI compression each)."""
    mids = np.empty((versions.shape[0], 8), dtype=np.uint32)
    iv_abef, iv_cdgh = _iv()
    for v in range(versions.shape[0]):
        abef, cdgh = _compress(
            iv_abef, iv_cdgh,
            vec(bswap32(versions[v]), block0[1], block0[2], block0[3]),
            vec(block0[4], block0[5], block0[6], block0[7]),
            vec(block0[8], block0[9], block0[10], block0[11]),
            vec(block0[12], block0[13], block0[14], block0[15]),
        )
        lo = digest_words_lo(abef, cdgh)
        hi = digest_words_hi(abef, cdgh)
        for i in range(4):
            mids[v, i] = lane(lo, i)
            mids[v, 4 + i] = lane(hi, i)
    return mids
