"""The ``njit`` settings shared by the kernels, and the 512-bit vector hint.

``kernel`` is ``numba.njit`` with ``cache=True`` and ``nogil=True`` (the entry points the backend calls);
``helper`` is an uncached, lazily compiled ``njit`` with a declared signature (everything they call).

``always_inline()`` marks the calling function ``alwaysinline`` for LLVM (the
compression functions, so that the lane loop is one straight-line body).

``prefer_wide_vectors()`` is called first thing in the one function that holds
the 16-lane loop. When compiled, it marks that LLVM function (and only that
one) with ``"prefer-vector-width"="512"`` and ``noinline``. LLVM's X86 backend
reads this attribute per function and lets it override the ``prefer-256-bit``
tuning that server CPUs with AVX-512 carry, so the loop vectoriser uses zmm
registers there. On CPUs without AVX-512 the hint changes nothing (the widest
legal vector is 256 bits). The rest of the process, including the user's own
numba code, compiles exactly as before: no ``NUMBA_CPU_FEATURES`` or other
process-wide setting is touched. ``noinline`` keeps the function, and so its
attribute, from being merged into a caller that lacks it.

Under ``NUMBA_DISABLE_JIT=1`` it is a no-op Python function.
"""

from __future__ import annotations

import numba
from numba import njit

PREFER_VECTOR_WIDTH_BITS = 512
_WIDTH_ATTRIBUTE = f'"prefer-vector-width"="{PREFER_VECTOR_WIDTH_BITS}"'


def kernel(*args, **kwargs):
    """An entry point: ``numba.njit`` with ``cache=True, nogil=True`` unless given otherwise.

    Given a signature it compiles, or loads from numba's cache, when its module is imported.
    """
    kwargs.setdefault("cache", True)
    kwargs.setdefault("nogil", True)
    return njit(*args, **kwargs)


def helper(signature=None):
    """A function compiled only into the kernels that call it: ``numba.njit(nogil=True)``, no cache of its own.

    ``signature`` is the helper's declared type. It is not compiled at import (numba compiles a helper
    for its callers' argument types when a caller compiles, and never when the caller loads from the
    cache, so a warm start loads only the entry points); its body narrows every result to the declared
    type (``u32(...)``), and ``tests/test_numba.py`` checks that each helper compiled for its declared
    argument types returns its declared type. The declared signature is kept as ``declared_signature``.
    """

    def wrap(func):
        dispatcher = njit(nogil=True)(func)
        dispatcher.declared_signature = signature
        return dispatcher

    return wrap


if numba.config.DISABLE_JIT:

    def prefer_wide_vectors() -> None:
        """No-op: there is no LLVM function to mark when the JIT is off."""

    def always_inline() -> None:
        """No-op: there is no LLVM function to mark when the JIT is off."""

else:
    from numba.core import types
    from numba.extending import intrinsic

    @intrinsic
    def prefer_wide_vectors(typingctx):
        """Mark the calling function: ``prefer-vector-width=512``, ``noinline``."""

        def codegen(context, builder, signature, args):
            attributes = builder.function.attributes
            attributes.add("noinline")
            # llvmlite's FunctionAttributes only accepts enum attributes; a
            # key="value" string attribute is written verbatim into the IR.
            set.add(attributes, _WIDTH_ATTRIBUTE)
            return context.get_dummy_value()

        return types.none(), codegen

    @intrinsic
    def always_inline(typingctx):
        """Mark the calling function ``alwaysinline`` for LLVM.

        LLVM's inliner would keep a 64-round compression as a call (too big
        for its threshold); inlined, the lane loop becomes straight-line code
        that vectorises and the constant message words fold away.
        """

        def codegen(context, builder, signature, args):
            builder.function.attributes.add("alwaysinline")
            return context.get_dummy_value()

        return types.none(), codegen
