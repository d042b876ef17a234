"""SHA-256 and SHA-256d as small uint32 ``@njit`` functions.

Everything here is uint32 and stays uint32: numba widens ``uint32 op uint32``
to 64 bits, so every helper has an explicit ``uint32`` signature that narrows
its result again, and every constant is an ``np.uint32``. LLVM sees through
the widening and emits 32-bit (vector) instructions.

The compression function is written out round by round (the roles of the
eight working variables rotate instead of the values moving), so when it is
inlined into the 16-lane loop of :mod:`minecore.kernels.scan` the whole body is
straight-line code that the loop vectoriser turns into SIMD. Constant message
words passed in (the padding) fold away after inlining.

Under ``NUMBA_DISABLE_JIT=1`` these are plain Python functions on ``np.uint32``
scalars, which wrap at 2**32 like the compiled code (NumPy warns about the
wrap-around; callers silence that with ``np.errstate(over="ignore")``).
"""

from __future__ import annotations

import numpy as np
from numba import uint32 as u32, types

from minecore.kernels._jit import always_inline, helper

from minecore.kernels.constants import IV, K  # noqa: E402  (re-exported)

#: First padding word after a message that ends on a word boundary.
PAD_WORD = np.uint32(0x80000000)
ZERO = np.uint32(0)
#: Bit length of an 80-byte header and of a 32-byte digest (last schedule word).
HEADER_BITS = np.uint32(640)
DIGEST_BITS = np.uint32(256)

U32_8 = types.UniTuple(u32, 8)


@helper(u32(u32, u32))
def rotr(x, n):
    """Rotate the 32-bit word ``x`` right by ``n`` (1..31) bits."""
    return u32((x >> n) | (x << (np.uint32(32) - n)))


@helper(u32(u32))
def bswap(x):
    """Reverse the byte order of a 32-bit word (LLVM emits one bswap)."""
    return u32(
        (x >> np.uint32(24))
        | ((x >> np.uint32(8)) & np.uint32(0x0000FF00))
        | ((x << np.uint32(8)) & np.uint32(0x00FF0000))
        | (x << np.uint32(24))
    )


@helper(u32(u32))
def big_sigma0(x):
    return u32(rotr(x, np.uint32(2)) ^ rotr(x, np.uint32(13)) ^ rotr(x, np.uint32(22)))


@helper(u32(u32))
def big_sigma1(x):
    return u32(rotr(x, np.uint32(6)) ^ rotr(x, np.uint32(11)) ^ rotr(x, np.uint32(25)))


@helper(u32(u32))
def small_sigma0(x):
    return u32(rotr(x, np.uint32(7)) ^ rotr(x, np.uint32(18)) ^ (x >> np.uint32(3)))


@helper(u32(u32))
def small_sigma1(x):
    return u32(rotr(x, np.uint32(17)) ^ rotr(x, np.uint32(19)) ^ (x >> np.uint32(10)))


@helper(u32(u32, u32, u32))
def choose(e, f, g):
    return u32(g ^ (e & (f ^ g)))


@helper(u32(u32, u32, u32))
def majority(a, b, c):
    return u32((a & b) | (c & (a | b)))


@helper(u32(u32, u32, u32, u32))
def schedule(w_2, w_7, w_15, w_16):
    """Message schedule word t from words t-2, t-7, t-15 and t-16."""
    return u32(small_sigma1(w_2) + w_7 + small_sigma0(w_15) + w_16)


@helper(types.UniTuple(u32, 2)(u32, u32, u32, u32, u32, u32, u32, u32, u32, u32))
def rnd(a, b, c, d, e, f, g, h, k, w):
    """One round. Returns the new (d, h); the caller rotates the roles."""
    t1 = h + big_sigma1(e) + choose(e, f, g) + k + w
    return u32(d + t1), u32(t1 + big_sigma0(a) + majority(a, b, c))


@helper(u32(u32, u32, u32, u32, u32, u32, u32))
def rnd_e(d, e, f, g, h, k, w):
    """The half of a round that gives the new e (= d + T1)."""
    return u32(d + h + big_sigma1(e) + choose(e, f, g) + k + w)


@helper(U32_8(u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32))
def compress(
    a, b, c, d, e, f, g, h,
    w0, w1, w2, w3, w4, w5, w6, w7, w8, w9, w10, w11, w12, w13, w14, w15,
):
    """SHA-256 compression of one block (w0..w15) into state (a..h).

    Returns the new state, the input state already added in.
    """
    always_inline()
    s0, s1, s2, s3, s4, s5, s6, s7 = a, b, c, d, e, f, g, h
    d, h = rnd(a, b, c, d, e, f, g, h, K[0], w0)
    c, g = rnd(h, a, b, c, d, e, f, g, K[1], w1)
    b, f = rnd(g, h, a, b, c, d, e, f, K[2], w2)
    a, e = rnd(f, g, h, a, b, c, d, e, K[3], w3)
    h, d = rnd(e, f, g, h, a, b, c, d, K[4], w4)
    g, c = rnd(d, e, f, g, h, a, b, c, K[5], w5)
    f, b = rnd(c, d, e, f, g, h, a, b, K[6], w6)
    e, a = rnd(b, c, d, e, f, g, h, a, K[7], w7)
    d, h = rnd(a, b, c, d, e, f, g, h, K[8], w8)
    c, g = rnd(h, a, b, c, d, e, f, g, K[9], w9)
    b, f = rnd(g, h, a, b, c, d, e, f, K[10], w10)
    a, e = rnd(f, g, h, a, b, c, d, e, K[11], w11)
    h, d = rnd(e, f, g, h, a, b, c, d, K[12], w12)
    g, c = rnd(d, e, f, g, h, a, b, c, K[13], w13)
    f, b = rnd(c, d, e, f, g, h, a, b, K[14], w14)
    e, a = rnd(b, c, d, e, f, g, h, a, K[15], w15)
    w0 = schedule(w14, w9, w1, w0)
    d, h = rnd(a, b, c, d, e, f, g, h, K[16], w0)
    w1 = schedule(w15, w10, w2, w1)
    c, g = rnd(h, a, b, c, d, e, f, g, K[17], w1)
    w2 = schedule(w0, w11, w3, w2)
    b, f = rnd(g, h, a, b, c, d, e, f, K[18], w2)
    w3 = schedule(w1, w12, w4, w3)
    a, e = rnd(f, g, h, a, b, c, d, e, K[19], w3)
    w4 = schedule(w2, w13, w5, w4)
    h, d = rnd(e, f, g, h, a, b, c, d, K[20], w4)
    w5 = schedule(w3, w14, w6, w5)
    g, c = rnd(d, e, f, g, h, a, b, c, K[21], w5)
    w6 = schedule(w4, w15, w7, w6)
    f, b = rnd(c, d, e, f, g, h, a, b, K[22], w6)
    w7 = schedule(w5, w0, w8, w7)
    e, a = rnd(b, c, d, e, f, g, h, a, K[23], w7)
    w8 = schedule(w6, w1, w9, w8)
    d, h = rnd(a, b, c, d, e, f, g, h, K[24], w8)
    w9 = schedule(w7, w2, w10, w9)
    c, g = rnd(h, a, b, c, d, e, f, g, K[25], w9)
    w10 = schedule(w8, w3, w11, w10)
    b, f = rnd(g, h, a, b, c, d, e, f, K[26], w10)
    w11 = schedule(w9, w4, w12, w11)
    a, e = rnd(f, g, h, a, b, c, d, e, K[27], w11)
    w12 = schedule(w10, w5, w13, w12)
    h, d = rnd(e, f, g, h, a, b, c, d, K[28], w12)
    w13 = schedule(w11, w6, w14, w13)
    g, c = rnd(d, e, f, g, h, a, b, c, K[29], w13)
    w14 = schedule(w12, w7, w15, w14)
    f, b = rnd(c, d, e, f, g, h, a, b, K[30], w14)
    w15 = schedule(w13, w8, w0, w15)
    e, a = rnd(b, c, d, e, f, g, h, a, K[31], w15)
    w0 = schedule(w14, w9, w1, w0)
    d, h = rnd(a, b, c, d, e, f, g, h, K[32], w0)
    w1 = schedule(w15, w10, w2, w1)
    c, g = rnd(h, a, b, c, d, e, f, g, K[33], w1)
    w2 = schedule(w0, w11, w3, w2)
    b, f = rnd(g, h, a, b, c, d, e, f, K[34], w2)
    w3 = schedule(w1, w12, w4, w3)
    a, e = rnd(f, g, h, a, b, c, d, e, K[35], w3)
    w4 = schedule(w2, w13, w5, w4)
    h, d = rnd(e, f, g, h, a, b, c, d, K[36], w4)
    w5 = schedule(w3, w14, w6, w5)
    g, c = rnd(d, e, f, g, h, a, b, c, K[37], w5)
    w6 = schedule(w4, w15, w7, w6)
    f, b = rnd(c, d, e, f, g, h, a, b, K[38], w6)
    w7 = schedule(w5, w0, w8, w7)
    e, a = rnd(b, c, d, e, f, g, h, a, K[39], w7)
    w8 = schedule(w6, w1, w9, w8)
    d, h = rnd(a, b, c, d, e, f, g, h, K[40], w8)
    w9 = schedule(w7, w2, w10, w9)
    c, g = rnd(h, a, b, c, d, e, f, g, K[41], w9)
    w10 = schedule(w8, w3, w11, w10)
    b, f = rnd(g, h, a, b, c, d, e, f, K[42], w10)
    w11 = schedule(w9, w4, w12, w11)
    a, e = rnd(f, g, h, a, b, c, d, e, K[43], w11)
    w12 = schedule(w10, w5, w13, w12)
    h, d = rnd(e, f, g, h, a, b, c, d, K[44], w12)
    w13 = schedule(w11, w6, w14, w13)
    g, c = rnd(d, e, f, g, h, a, b, c, K[45], w13)
    w14 = schedule(w12, w7, w15, w14)
    f, b = rnd(c, d, e, f, g, h, a, b, K[46], w14)
    w15 = schedule(w13, w8, w0, w15)
    e, a = rnd(b, c, d, e, f, g, h, a, K[47], w15)
    w0 = schedule(w14, w9, w1, w0)
    d, h = rnd(a, b, c, d, e, f, g, h, K[48], w0)
    w1 = schedule(w15, w10, w2, w1)
    c, g = rnd(h, a, b, c, d, e, f, g, K[49], w1)
    w2 = schedule(w0, w11, w3, w2)
    b, f = rnd(g, h, a, b, c, d, e, f, K[50], w2)
    w3 = schedule(w1, w12, w4, w3)
    a, e = rnd(f, g, h, a, b, c, d, e, K[51], w3)
    w4 = schedule(w2, w13, w5, w4)
    h, d = rnd(e, f, g, h, a, b, c, d, K[52], w4)
    w5 = schedule(w3, w14, w6, w5)
    g, c = rnd(d, e, f, g, h, a, b, c, K[53], w5)
    w6 = schedule(w4, w15, w7, w6)
    f, b = rnd(c, d, e, f, g, h, a, b, K[54], w6)
    w7 = schedule(w5, w0, w8, w7)
    e, a = rnd(b, c, d, e, f, g, h, a, K[55], w7)
    w8 = schedule(w6, w1, w9, w8)
    d, h = rnd(a, b, c, d, e, f, g, h, K[56], w8)
    w9 = schedule(w7, w2, w10, w9)
    c, g = rnd(h, a, b, c, d, e, f, g, K[57], w9)
    w10 = schedule(w8, w3, w11, w10)
    b, f = rnd(g, h, a, b, c, d, e, f, K[58], w10)
    w11 = schedule(w9, w4, w12, w11)
    a, e = rnd(f, g, h, a, b, c, d, e, K[59], w11)
    w12 = schedule(w10, w5, w13, w12)
    h, d = rnd(e, f, g, h, a, b, c, d, K[60], w12)
    w13 = schedule(w11, w6, w14, w13)
    g, c = rnd(d, e, f, g, h, a, b, c, K[61], w13)
    w14 = schedule(w12, w7, w15, w14)
    f, b = rnd(c, d, e, f, g, h, a, b, K[62], w14)
    w15 = schedule(w13, w8, w0, w15)
    e, a = rnd(b, c, d, e, f, g, h, a, K[63], w15)
    return (
        u32(s0 + a), u32(s1 + b), u32(s2 + c), u32(s3 + d),
        u32(s4 + e), u32(s5 + f), u32(s6 + g), u32(s7 + h),
    )


@helper(u32(u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32))
def compress_last_word(
    a, b, c, d, e, f, g, h,
    w0, w1, w2, w3, w4, w5, w6, w7, w8, w9, w10, w11, w12, w13, w14, w15,
):
    """Only word 7 of :func:`compress`, stopped early.

    Word 7 after 64 rounds is h64 = g63 = f62 = e61, and e61 is known after
    round 60 (0-based), so rounds 61..63 and half of round 60 are skipped.
    """
    always_inline()
    d, h = rnd(a, b, c, d, e, f, g, h, K[0], w0)
    c, g = rnd(h, a, b, c, d, e, f, g, K[1], w1)
    b, f = rnd(g, h, a, b, c, d, e, f, K[2], w2)
    a, e = rnd(f, g, h, a, b, c, d, e, K[3], w3)
    h, d = rnd(e, f, g, h, a, b, c, d, K[4], w4)
    g, c = rnd(d, e, f, g, h, a, b, c, K[5], w5)
    f, b = rnd(c, d, e, f, g, h, a, b, K[6], w6)
    e, a = rnd(b, c, d, e, f, g, h, a, K[7], w7)
    d, h = rnd(a, b, c, d, e, f, g, h, K[8], w8)
    c, g = rnd(h, a, b, c, d, e, f, g, K[9], w9)
    b, f = rnd(g, h, a, b, c, d, e, f, K[10], w10)
    a, e = rnd(f, g, h, a, b, c, d, e, K[11], w11)
    h, d = rnd(e, f, g, h, a, b, c, d, K[12], w12)
    g, c = rnd(d, e, f, g, h, a, b, c, K[13], w13)
    f, b = rnd(c, d, e, f, g, h, a, b, K[14], w14)
    e, a = rnd(b, c, d, e, f, g, h, a, K[15], w15)
    w0 = schedule(w14, w9, w1, w0)
    d, h = rnd(a, b, c, d, e, f, g, h, K[16], w0)
    w1 = schedule(w15, w10, w2, w1)
    c, g = rnd(h, a, b, c, d, e, f, g, K[17], w1)
    w2 = schedule(w0, w11, w3, w2)
    b, f = rnd(g, h, a, b, c, d, e, f, K[18], w2)
    w3 = schedule(w1, w12, w4, w3)
    a, e = rnd(f, g, h, a, b, c, d, e, K[19], w3)
    w4 = schedule(w2, w13, w5, w4)
    h, d = rnd(e, f, g, h, a, b, c, d, K[20], w4)
    w5 = schedule(w3, w14, w6, w5)
    g, c = rnd(d, e, f, g, h, a, b, c, K[21], w5)
    w6 = schedule(w4, w15, w7, w6)
    f, b = rnd(c, d, e, f, g, h, a, b, K[22], w6)
    w7 = schedule(w5, w0, w8, w7)
    e, a = rnd(b, c, d, e, f, g, h, a, K[23], w7)
    w8 = schedule(w6, w1, w9, w8)
    d, h = rnd(a, b, c, d, e, f, g, h, K[24], w8)
    w9 = schedule(w7, w2, w10, w9)
    c, g = rnd(h, a, b, c, d, e, f, g, K[25], w9)
    w10 = schedule(w8, w3, w11, w10)
    b, f = rnd(g, h, a, b, c, d, e, f, K[26], w10)
    w11 = schedule(w9, w4, w12, w11)
    a, e = rnd(f, g, h, a, b, c, d, e, K[27], w11)
    w12 = schedule(w10, w5, w13, w12)
    h, d = rnd(e, f, g, h, a, b, c, d, K[28], w12)
    w13 = schedule(w11, w6, w14, w13)
    g, c = rnd(d, e, f, g, h, a, b, c, K[29], w13)
    w14 = schedule(w12, w7, w15, w14)
    f, b = rnd(c, d, e, f, g, h, a, b, K[30], w14)
    w15 = schedule(w13, w8, w0, w15)
    e, a = rnd(b, c, d, e, f, g, h, a, K[31], w15)
    w0 = schedule(w14, w9, w1, w0)
    d, h = rnd(a, b, c, d, e, f, g, h, K[32], w0)
    w1 = schedule(w15, w10, w2, w1)
    c, g = rnd(h, a, b, c, d, e, f, g, K[33], w1)
    w2 = schedule(w0, w11, w3, w2)
    b, f = rnd(g, h, a, b, c, d, e, f, K[34], w2)
    w3 = schedule(w1, w12, w4, w3)
    a, e = rnd(f, g, h, a, b, c, d, e, K[35], w3)
    w4 = schedule(w2, w13, w5, w4)
    h, d = rnd(e, f, g, h, a, b, c, d, K[36], w4)
    w5 = schedule(w3, w14, w6, w5)
    g, c = rnd(d, e, f, g, h, a, b, c, K[37], w5)
    w6 = schedule(w4, w15, w7, w6)
    f, b = rnd(c, d, e, f, g, h, a, b, K[38], w6)
    w7 = schedule(w5, w0, w8, w7)
    e, a = rnd(b, c, d, e, f, g, h, a, K[39], w7)
    w8 = schedule(w6, w1, w9, w8)
    d, h = rnd(a, b, c, d, e, f, g, h, K[40], w8)
    w9 = schedule(w7, w2, w10, w9)
    c, g = rnd(h, a, b, c, d, e, f, g, K[41], w9)
    w10 = schedule(w8, w3, w11, w10)
    b, f = rnd(g, h, a, b, c, d, e, f, K[42], w10)
    w11 = schedule(w9, w4, w12, w11)
    a, e = rnd(f, g, h, a, b, c, d, e, K[43], w11)
    w12 = schedule(w10, w5, w13, w12)
    h, d = rnd(e, f, g, h, a, b, c, d, K[44], w12)
    w13 = schedule(w11, w6, w14, w13)
    g, c = rnd(d, e, f, g, h, a, b, c, K[45], w13)
    w14 = schedule(w12, w7, w15, w14)
    f, b = rnd(c, d, e, f, g, h, a, b, K[46], w14)
    w15 = schedule(w13, w8, w0, w15)
    e, a = rnd(b, c, d, e, f, g, h, a, K[47], w15)
    w0 = schedule(w14, w9, w1, w0)
    d, h = rnd(a, b, c, d, e, f, g, h, K[48], w0)
    w1 = schedule(w15, w10, w2, w1)
    c, g = rnd(h, a, b, c, d, e, f, g, K[49], w1)
    w2 = schedule(w0, w11, w3, w2)
    b, f = rnd(g, h, a, b, c, d, e, f, K[50], w2)
    w3 = schedule(w1, w12, w4, w3)
    a, e = rnd(f, g, h, a, b, c, d, e, K[51], w3)
    w4 = schedule(w2, w13, w5, w4)
    h, d = rnd(e, f, g, h, a, b, c, d, K[52], w4)
    w5 = schedule(w3, w14, w6, w5)
    g, c = rnd(d, e, f, g, h, a, b, c, K[53], w5)
    w6 = schedule(w4, w15, w7, w6)
    f, b = rnd(c, d, e, f, g, h, a, b, K[54], w6)
    w7 = schedule(w5, w0, w8, w7)
    e, a = rnd(b, c, d, e, f, g, h, a, K[55], w7)
    w8 = schedule(w6, w1, w9, w8)
    d, h = rnd(a, b, c, d, e, f, g, h, K[56], w8)
    w9 = schedule(w7, w2, w10, w9)
    c, g = rnd(h, a, b, c, d, e, f, g, K[57], w9)
    w10 = schedule(w8, w3, w11, w10)
    b, f = rnd(g, h, a, b, c, d, e, f, K[58], w10)
    w11 = schedule(w9, w4, w12, w11)
    a, e = rnd(f, g, h, a, b, c, d, e, K[59], w11)
    w12 = schedule(w10, w5, w13, w12)
    return rnd_e(h, a, b, c, d, K[60], w12)


@helper(U32_8(U32_8))
def hash_of_digest(state):
    """SHA-256 of the 32-byte digest given as its eight state words."""
    return compress(
        IV[0], IV[1], IV[2], IV[3], IV[4], IV[5], IV[6], IV[7],
        state[0], state[1], state[2], state[3], state[4], state[5], state[6], state[7],
        PAD_WORD, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, DIGEST_BITS,
    )
