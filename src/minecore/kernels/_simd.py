"""A 128-bit vector of four uint32 for numba, and the x86 SHA instructions on it.

Numba has no SIMD vector type, so :data:`u32x4` is a small numba type whose
LLVM representation is ``<4 x i32>`` (one xmm register). Values of it exist
only inside compiled code: they are made from four ``uint32`` with :func:`vec`
and read back with :func:`lane`. Every operation is an ``@intrinsic`` that
writes the LLVM IR in place (no call), so after inlining LLVM sees a plain
chain of vector instructions:

* :func:`rnds2`, :func:`msg1`, :func:`msg2`: ``llvm.x86.sha256rnds2`` /
  ``sha256msg1`` / ``sha256msg2`` (the SHA-NI instructions; the CPU must have
  the ``sha`` feature, which the backend checks before it imports this);
* :func:`add` (lane-wise add mod 2**32), :func:`high_pair` (lanes 2, 3 moved
  to 0, 1), :func:`align4` (``palignr`` by 4 bytes), :func:`digest_words_lo`
  and :func:`digest_words_hi` (the state in sha256rnds2's ABEF/CDGH layout
  turned into message words in order);
* :func:`bswap32` on a scalar (``llvm.bswap.i32``).

Lane i is LLVM element i (lane 0 = the low 32 bits), so ``vec(w0, w1, w2, w3)``
holds message words W0..W3 as the SHA instructions expect them.

Importing this module imports numba; it must not be used under
``NUMBA_DISABLE_JIT=1`` (an intrinsic cannot run as Python).
"""

from __future__ import annotations

from llvmlite import ir
from numba import types, uint32 as u32
from numba.core import cgutils
from numba.extending import intrinsic, models, register_model

_I32 = ir.IntType(32)
_V4 = ir.VectorType(_I32, 4)


class U32x4(types.Type):
    """Four uint32 in one 128-bit vector (compiled code only)."""

    def __init__(self) -> None:
        super().__init__(name="u32x4")


u32x4 = U32x4()


@register_model(U32x4)
class _U32x4Model(models.PrimitiveModel):
    def __init__(self, dmm, fe_type):
        super().__init__(dmm, fe_type, _V4)


def _call(builder, name: str, args, ret=_V4):
    fnty = ir.FunctionType(ret, [a.type for a in args])
    fn = cgutils.get_or_insert_function(builder.module, fnty, name)
    return builder.call(fn, args)


def _shuffle(builder, a, b, mask):
    return builder.shuffle_vector(a, b, ir.Constant(_V4, list(mask)))


@intrinsic
def vec(typingctx, w0, w1, w2, w3):
    """``<w0, w1, w2, w3>`` (w0 in lane 0)."""

    def codegen(context, builder, signature, args):
        v = ir.Constant(_V4, ir.Undefined)
        for i, word in enumerate(args):
            v = builder.insert_element(v, word, ir.Constant(_I32, i))
        return v

    return u32x4(u32, u32, u32, u32), codegen


@intrinsic
def lane(typingctx, v, index):
    """Lane ``index`` of ``v`` as a uint32 (index a compile-time constant after inlining)."""

    def codegen(context, builder, signature, args):
        idx = builder.trunc(args[1], _I32) if args[1].type.width > 32 else args[1]
        return builder.extract_element(args[0], idx)

    return u32(u32x4, types.intp), codegen


@intrinsic
def add(typingctx, a, b):
    """Lane-wise ``a + b`` modulo 2**32 (``paddd``)."""

    def codegen(context, builder, signature, args):
        return builder.add(args[0], args[1])

    return u32x4(u32x4, u32x4), codegen


@intrinsic
def rnds2(typingctx, cdgh, abef, wk):
    """Two SHA-256 rounds: the new ABEF from state (ABEF, CDGH) and K+W in lanes 0, 1 of ``wk``."""

    def codegen(context, builder, signature, args):
        return _call(builder, "llvm.x86.sha256rnds2", args)

    return u32x4(u32x4, u32x4, u32x4), codegen


@intrinsic
def msg1(typingctx, a, b):
    """``sha256msg1``: W[t-16..t-13] + sigma0(W[t-15..t-12]) from words ``a`` (t-16..) and ``b`` (t-12..)."""

    def codegen(context, builder, signature, args):
        return _call(builder, "llvm.x86.sha256msg1", args)

    return u32x4(u32x4, u32x4), codegen


@intrinsic
def msg2(typingctx, a, b):
    """``sha256msg2``: finish four schedule words from ``a`` and the previous four ``b``."""

    def codegen(context, builder, signature, args):
        return _call(builder, "llvm.x86.sha256msg2", args)

    return u32x4(u32x4, u32x4), codegen


@intrinsic
def high_pair(typingctx, v):
    """Lanes 2, 3 of ``v`` in lanes 0, 1 (the second K+W pair for sha256rnds2)."""

    def codegen(context, builder, signature, args):
        return _shuffle(builder, args[0], args[0], (2, 3, 2, 3))

    return u32x4(u32x4), codegen


@intrinsic
def align4(typingctx, hi, lo):
    """``<lo[1], lo[2], lo[3], hi[0]>`` (``palignr hi, lo, 4``)."""

    def codegen(context, builder, signature, args):
        return _shuffle(builder, args[1], args[0], (1, 2, 3, 4))

    return u32x4(u32x4, u32x4), codegen


# ABEF holds <F, E, B, A> and CDGH holds <H, G, D, C> (lane 0 first).
@intrinsic
def digest_words_lo(typingctx, abef, cdgh):
    """State words A, B, C, D (= message words W0..W3 of a digest)."""

    def codegen(context, builder, signature, args):
        return _shuffle(builder, args[0], args[1], (3, 2, 7, 6))

    return u32x4(u32x4, u32x4), codegen


@intrinsic
def digest_words_hi(typingctx, abef, cdgh):
    """State words E, F, G, H (= message words W4..W7 of a digest)."""

    def codegen(context, builder, signature, args):
        return _shuffle(builder, args[0], args[1], (1, 0, 5, 4))

    return u32x4(u32x4, u32x4), codegen


@intrinsic
def bswap32(typingctx, x):
    """Byte-swapped uint32 (``llvm.bswap.i32``)."""

    def codegen(context, builder, signature, args):
        return _call(builder, "llvm.bswap.i32", args, ret=_I32)

    return u32(u32), codegen


def _round_constants_global(builder):
    from minecore.kernels.constants import K

    module = builder.module
    name = "minecore_sha256_k"
    try:
        return module.get_global(name)
    except KeyError:
        arr = ir.ArrayType(_I32, 64)
        gv = ir.GlobalVariable(module, arr, name=name)
        gv.initializer = ir.Constant(arr, [int(k) for k in K])
        gv.global_constant = True
        gv.linkage = "internal"
        gv.align = 16
        return gv


@intrinsic
def round_constants(typingctx, quad):
    """``<K[4q], K[4q+1], K[4q+2], K[4q+3]>``: one 16-byte load from a constant table
    (a constant vector when ``q`` is known at compile time)."""

    def codegen(context, builder, signature, args):
        table = _round_constants_global(builder)
        zero = ir.Constant(ir.IntType(64), 0)
        first = builder.mul(args[0], ir.Constant(args[0].type, 4))
        ptr = builder.gep(table, [zero, first], inbounds=True)
        return builder.load(builder.bitcast(ptr, _V4.as_pointer()), align=4)

    return u32x4(types.intp), codegen
