"""Numba SHA-256d kernels.

Importing this package is cheap: it imports nothing. The submodules
(:mod:`minecore.kernels.sha256`, :mod:`minecore.kernels.scan`) import numba and
compile (or load from numba's on-disk cache) their ``@njit`` functions when
they are first imported, which the numba backend does on first use.

Every kernel is plain uint32 code that also runs, slowly but correctly, as
ordinary Python under ``NUMBA_DISABLE_JIT=1``.
"""
