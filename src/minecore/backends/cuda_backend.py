"""The ``cuda`` backend: SHA-256d nonce scans on an NVIDIA GPU with numba's CUDA target.

Opt-in
    Listed after ``hashlib`` in the registry, so :func:`minecore.backends.best` never picks it: ask for it with
    ``--backend cuda``, ``backend="cuda"`` or ``MINECORE_BACKEND=cuda``. No speed was ever measured here (this
    code was written on a machine without a GPU); ``benches/bench_cuda.py`` measures it where there is one.

Availability, without importing ``numba.cuda``
    :func:`probe` and :func:`describe` only read environment variables and files, so ``import minecore``,
    ``minecore --help`` and ``minecore backends`` never import ``numba.cuda``. The backend is usable when
    ``NUMBA_ENABLE_CUDASIM=1`` is set (numba's simulator: the kernel runs as Python on the CPU, one Python
    thread per CUDA thread, for tests only) or when an NVIDIA driver is present; making a :class:`CudaBackend`
    then imports ``numba.cuda``, checks that a device really answers, compiles the kernels and runs a
    known-answer self-test. Each failure is a :class:`BackendUnavailableError` with a one-line reason.

The kernel (one nonce per thread)
    * The host computes, per rolled version, the midstate (the compression of the header's first 64 bytes) and
      the first-round precomputation of the second block: rounds 0-2 (message words 0-2 are the end of the
      merkle root, the time and the bits), the nonce-free part of round 3 (``T1`` less the nonce word, and
      ``T2``), and the message-schedule words 16-19 less their nonce terms. :data:`PRE_WORDS` words per
      version, laid out by the ``P_*`` indices.
    * Each thread runs rounds 3-63 of the second block for its nonce, then the second SHA-256 only up to state
      word 7 (rounds 61-63 skipped), and exits early unless that word, byte-swapped, is at most the target's
      top word. At difficulty >= 1 the top target word is 0, so 2^32 - 1 of 2^32 nonces stop there. Survivors
      compute the full second hash and compare all 256 bits.
    * Winners are compacted through an atomic counter into a fixed-size output array (:data:`CAPACITY` slots).
      The counter keeps counting past the end, so an overfull launch is detected exactly and rerun with room
      for every winner (``overflow_reruns`` counts those). The host sorts winners by (version index, nonce).
    * The kernel is one function: the rounds are written out (the roles of the eight working variables rotate,
      as in :mod:`minecore.kernels.sha256`) and the helpers are small device functions, so that the compiler can
      keep everything in registers and fold the round constants. tests/test_cuda.py lowers it for sm_90 and,
      with LLVM's own NVPTX backend (not NVVM), checks that it has no calls and no local memory.
    * A launch covers up to :data:`CHUNK_HASHES` (version, nonce) pairs, thread ``gid`` taking version row
      ``gid // count`` and nonce ``nonce_start + gid % count``, so many short rolled-version ranges share a
      launch and a long nonce range is cut into launches.

Where the constants live
    The round constants ``K`` and the ``IV`` go to constant memory (``cuda.const.array_like``). numba's constant
    arrays are compile-time data baked into the PTX, so per-job data cannot go there without recompiling for
    every job: the midstate and precomputation rows are a small kernel-argument array instead. Every thread of
    a launch reads the same row, so these are uniform, cached loads done once per thread. The simulator
    accepts ``cuda.const.array_like`` (it returns the array) and runs this same code.

Host-side only
    :meth:`CudaBackend.sha256d` (hashing an arbitrary buffer) uses :mod:`hashlib`: the GPU serves nonce scans.

Simulator notes
    The simulator runs kernels as Python on ``np.uint32`` scalars, which wrap at 2^32 like the GPU but make
    NumPy warn on every wrap, per thread (NumPy's error state is thread-local): under the simulator the kernel
    is wrapped to silence overflow in each simulated thread, and the arithmetic helpers are plain Python
    functions (the simulator's device-function wrapper costs microseconds per call and checks nothing). The
    simulator supports one kernel launch at a time per process, so launches are serialised (also on a GPU).

>>> from minecore.backends.cuda_backend import probe
>>> probe() is None or isinstance(probe(), str)
True
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import platform
import struct
import sys
import threading

from ..errors import BackendUnavailableError, ImplementationSelfTestError, InvalidInputError
from ..header import rolled_version
from .base import Backend

#: Environment variable that turns on numba's CUDA simulator (read by numba when it is first imported).
ENV_SIMULATOR = "NUMBA_ENABLE_CUDASIM"
#: Threads per block on a GPU, and under the simulator (where each is a Python thread).
THREADS_PER_BLOCK = 256
SIM_THREADS_PER_BLOCK = 32
#: Hashes per kernel launch on a GPU (a launch is the unit of Ctrl-C responsiveness), and under the simulator.
CHUNK_HASHES = 1 << 26
SIM_CHUNK_HASHES = 1 << 10
#: Result slots per launch; a launch that finds more is rerun with room for every winner.
CAPACITY = 4096
#: What the kernel does with a hash: compare it with the target (winners compacted), or store it (tests).
MODE_SCAN, MODE_DIGESTS = 0, 1

#: Layout of one precomputation row (uint32 words), one row per rolled version.
P_MID = 0  # words 0-7: the midstate
P_A, P_B, P_C, P_D, P_E, P_F, P_G = 8, 9, 10, 11, 12, 13, 14  # second block's state after rounds 0-2 (H unused)
P_T1 = 15  # round 3's T1 without the nonce word: H + Sigma1(E) + Ch(E, F, G) + K[3]
P_T2 = 16  # round 3's T2: Sigma0(A) + Maj(A, B, C)
P_W16, P_W17 = 17, 18  # message words 16 and 17 (nonce-free)
P_W18, P_W19 = 19, 20  # message words 18 and 19 without their nonce terms (sigma0(W3) and W3)
PRE_WORDS = 21

_PAD_WORD = 0x80000000
_HEADER_BITS = 640
_DIGEST_BITS = 256
_M32 = 0xFFFFFFFF
_ALL_ONES_256 = (1 << 256) - 1

#: ``numba.cuda`` once :func:`_import_cuda` ran. A module global on purpose: the simulator swaps the globals
#: of a kernel's module that are the ``numba.cuda`` module for its per-launch fake module.
cuda = None
_LAUNCH_LOCK = threading.Lock()
_KERNELS: dict[bool, object] = {}


# ---------------------------------------------------------------------------- no-numba status
def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip() not in ("", "0")


def simulator_requested() -> bool:
    """True when ``NUMBA_ENABLE_CUDASIM`` asks for numba's CUDA simulator."""
    return _env_flag(ENV_SIMULATOR)


def _is_simulator(numba_cuda) -> bool:
    """True when the imported ``numba.cuda`` is numba's simulator (its ``jit`` comes from ``...simulator.api``)."""
    return ".simulator" in getattr(getattr(numba_cuda, "jit", None), "__module__", "")


def _simulator_mismatch() -> str | None:
    """Why ``NUMBA_ENABLE_CUDASIM=1`` cannot take effect in this process: numba read it before it was set.

    numba's built-in CUDA target reads it when ``numba`` is imported; the ``numba-cuda`` package when
    ``numba.cuda`` is imported.
    """
    if not simulator_requested():
        return None
    loaded = sys.modules.get("numba.cuda")
    if loaded is not None:
        stale = not _is_simulator(loaded)
    else:
        numba = sys.modules.get("numba")
        config = getattr(getattr(numba, "core", None), "config", None)
        stale = (config is not None and not getattr(config, "ENABLE_CUDASIM", True)
                 and _version("numba-cuda") is None)
    if stale:
        return f"{ENV_SIMULATOR}=1 was set after numba was imported in this process (set it before Python starts)"
    return None


def _driver_found() -> str | None:
    """Where an NVIDIA driver shows itself, or ``None``; reads files only (never loads the driver)."""
    driver = os.environ.get("NUMBA_CUDA_DRIVER", "").strip()
    if driver and os.path.exists(driver):
        return driver
    for path in ("/proc/driver/nvidia/version", "/dev/nvidiactl", "/dev/dxg"):  # Linux, and WSL2's /dev/dxg
        if os.path.exists(path):
            return path
    if platform.system() == "Windows":
        import ctypes.util

        return ctypes.util.find_library("nvcuda")
    return None


def probe() -> str | None:
    """``None`` when the backend may be usable (simulator on, or an NVIDIA driver present), else why not.

    Cheap: imports neither numba nor ``numba.cuda``. Making the backend does the real check.
    """
    for module in ("numba", "numpy"):
        if importlib.util.find_spec(module) is None:
            return f"{module} not installed (pip install 'minecore[cuda]')"
    mismatch = _simulator_mismatch()
    if mismatch:
        return mismatch
    if simulator_requested():
        return None
    if _driver_found() is None:
        return f"no NVIDIA GPU driver found ({ENV_SIMULATOR}=1 runs the kernel in numba's CPU simulator, for tests)"
    return None


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def describe() -> dict:
    """What ``minecore backends`` shows for cuda, without importing numba."""
    sim = simulator_requested()
    return {
        "lanes": 1,
        "impl": "numba.cuda simulator (Python on the CPU)" if sim else "numba.cuda (PTX, one nonce per thread)",
        "simulator": sim,
        "numba": _version("numba"),
        "numba_cuda": _version("numba-cuda"),
        "note": "opt-in (--backend cuda or MINECORE_BACKEND=cuda); speed unmeasured",
    }


# ---------------------------------------------------------------------------- host precomputation (numpy)
def _host_rounds(state, w, first, last):
    """Rounds ``first..last-1`` of SHA-256 on uint32 arrays (one lane per version); ``w`` holds >= ``last`` words."""
    from ..kernels.constants import K

    a, b, c, d, e, f, g, h = state
    for t in range(first, last):
        t1 = h + _big_sigma1(e) + (g ^ (e & (f ^ g))) + K[t] + w[t]
        t2 = _big_sigma0(a) + ((a & b) | (c & (a | b)))
        h, g, f, e, d, c, b, a = g, f, e, d + t1, c, b, a, t1 + t2
    return [a, b, c, d, e, f, g, h]


def _rotr(x, n):
    return (x >> n) | (x << (32 - n))


def _big_sigma0(x):
    return _rotr(x, 2) ^ _rotr(x, 13) ^ _rotr(x, 22)


def _big_sigma1(x):
    return _rotr(x, 6) ^ _rotr(x, 11) ^ _rotr(x, 25)


def _small_sigma0(x):
    return _rotr(x, 7) ^ _rotr(x, 18) ^ (x >> 3)


def _small_sigma1(x):
    return _rotr(x, 17) ^ _rotr(x, 19) ^ (x >> 10)


def precompute(header76: bytes, versions: list[int]):
    """The ``(len(versions), PRE_WORDS)`` uint32 rows the kernel starts from (layout: the ``P_*`` indices).

    Row ``i`` is for the header with its version word replaced by ``versions[i]``.
    """
    import numpy as np

    from ..kernels.constants import IV, K

    n = len(versions)
    u32 = np.uint32
    block0 = struct.unpack(">16I", header76[:64])
    tail = struct.unpack(">3I", header76[64:76])
    with np.errstate(over="ignore"):
        version_words = np.array([struct.unpack(">I", struct.pack("<I", v))[0] for v in versions], dtype=u32)
        w = [version_words] + [np.full(n, word, dtype=u32) for word in block0[1:]]
        for t in range(16, 64):
            w.append(_small_sigma1(w[t - 2]) + w[t - 7] + _small_sigma0(w[t - 15]) + w[t - 16])
        iv = [np.full(n, word, dtype=u32) for word in IV]
        mid = [s + x for s, x in zip(iv, _host_rounds(iv, w, 0, 64))]
        w2 = [np.full(n, word, dtype=u32) for word in tail]
        a, b, c, d, e, f, g, h = _host_rounds(mid, w2, 0, 3)
        t0, t1, t2 = w2
        w16 = _small_sigma0(t1) + t0  # sigma1(W14) and W9 are 0
        w17 = _small_sigma1(np.full(n, _HEADER_BITS, dtype=u32)) + _small_sigma0(t2) + t1  # W10 is 0
        rows = np.empty((n, PRE_WORDS), dtype=u32)
        rows[:, P_MID:P_MID + 8] = np.stack(mid, axis=1)
        for index, value in ((P_A, a), (P_B, b), (P_C, c), (P_D, d), (P_E, e), (P_F, f), (P_G, g)):
            rows[:, index] = value
        rows[:, P_T1] = h + _big_sigma1(e) + (g ^ (e & (f ^ g))) + K[3]
        rows[:, P_T2] = _big_sigma0(a) + ((a & b) | (c & (a | b)))
        rows[:, P_W16] = w16
        rows[:, P_W17] = w17
        rows[:, P_W18] = _small_sigma1(w16) + t2  # + sigma0(W3) on the GPU; W11 is 0
        rows[:, P_W19] = _small_sigma1(w17) + _small_sigma0(np.full(n, _PAD_WORD, dtype=u32))  # + W3; W12 is 0
    return rows


def _target_words(target: int) -> list[int]:
    """The target as eight 32-bit words, most significant first (clamped to 256 bits)."""
    target = min(target, _ALL_ONES_256)
    return [(target >> (32 * (7 - i))) & _M32 for i in range(8)]


# ---------------------------------------------------------------------------- kernels (numba.cuda)
def _import_cuda():
    """Import ``numba.cuda`` (the simulator when ``NUMBA_ENABLE_CUDASIM=1`` was set before numba's import)."""
    global cuda
    if cuda is None:
        from numba import cuda as numba_cuda

        cuda = numba_cuda
    return cuda


def kernels(simulated: bool):
    """The scan kernel (built once per process and mode); on a GPU, numba compiles it for the device here."""
    with _LAUNCH_LOCK:
        if simulated not in _KERNELS:
            _KERNELS[simulated] = _build_kernels(simulated)[0]
        return _KERNELS[simulated]


def _build_kernels(simulated: bool, eager: bool = True):
    """``(kernel, signature)``. On a GPU, ``eager`` compiles the kernel now (PTX, via NVVM); ``eager=False``
    leaves it to be compiled on first launch, or lowered by a test with ``numba.cuda.compiler.compile_cuda``."""
    import numpy as np
    from numba import types, uint32 as nb_u32, int64 as nb_i64

    from ..kernels.constants import IV, K

    _import_cuda()
    U = np.uint32  # a cast to uint32 in compiled code; a no-op on the simulator's np.uint32 scalars
    U32_2D = nb_u32[:, ::1]
    U32_1D = nb_u32[::1]

    if simulated:
        def device(signature=None):
            return lambda func: func

        def kernel(signature):
            def wrap(func):
                def quiet(*args):
                    np.seterr(over="ignore")  # per simulated thread: NumPy's error state is thread-local
                    func(*args)

                quiet.__name__ = func.__name__
                return cuda.jit(quiet)

            return wrap
    else:
        def device(signature=None):
            return cuda.jit(signature, device=True) if signature is not None else cuda.jit(device=True)

        def kernel(signature):
            return cuda.jit(signature) if eager else cuda.jit

    ROUND = types.UniTuple(nb_u32, 2)(*([nb_u32] * 10))

    @device(nb_u32(nb_u32))
    def bswap(x):
        return U((x >> 24) | ((x >> 8) & 0x0000FF00) | ((x << 8) & 0x00FF0000) | (x << 24))

    @device(nb_u32(nb_u32))
    def small_sigma0(x):
        return U(((x >> 7) | (x << 25)) ^ ((x >> 18) | (x << 14)) ^ (x >> 3))

    @device(nb_u32(nb_u32, nb_u32, nb_u32, nb_u32))
    def sched(w_2, w_7, w_15, w_16):
        """Message word t from words t-2, t-7, t-15 and t-16."""
        s1 = U(((w_2 >> 17) | (w_2 << 15)) ^ ((w_2 >> 19) | (w_2 << 13)) ^ (w_2 >> 10))
        s0 = U(((w_15 >> 7) | (w_15 << 25)) ^ ((w_15 >> 18) | (w_15 << 14)) ^ (w_15 >> 3))
        return U(s1 + w_7 + s0 + w_16)

    @device(ROUND)
    def rnd(a, b, c, d, e, f, g, h, k, w):
        """One round; returns the new (e, a), which the caller stores in the rotated roles of (d, h)."""
        sigma1 = U(((e >> 6) | (e << 26)) ^ ((e >> 11) | (e << 21)) ^ ((e >> 25) | (e << 7)))
        t1 = U(h + sigma1 + U(g ^ (e & (f ^ g))) + k + w)
        sigma0 = U(((a >> 2) | (a << 30)) ^ ((a >> 13) | (a << 19)) ^ ((a >> 22) | (a << 10)))
        return U(d + t1), U(t1 + sigma0 + U((a & b) | (c & (a | b))))

    @device(nb_u32(*([nb_u32] * 7)))
    def rnd_e(d, e, f, g, h, k, w):
        """The half of a round that gives the new e (= d + T1)."""
        sigma1 = U(((e >> 6) | (e << 26)) ^ ((e >> 11) | (e << 21)) ^ ((e >> 25) | (e << 7)))
        return U(d + h + sigma1 + U(g ^ (e & (f ^ g))) + k + w)

    @device()
    def meets(h0, h1, h2, h3, h4, h5, h6, h7, target):
        """The hash, read as a little-endian 256-bit integer, is <= the target (words most significant first)."""
        word = bswap(h7)
        if word != target[0]:
            return word < target[0]
        word = bswap(h6)
        if word != target[1]:
            return word < target[1]
        word = bswap(h5)
        if word != target[2]:
            return word < target[2]
        word = bswap(h4)
        if word != target[3]:
            return word < target[3]
        word = bswap(h3)
        if word != target[4]:
            return word < target[4]
        word = bswap(h2)
        if word != target[5]:
            return word < target[5]
        word = bswap(h1)
        if word != target[6]:
            return word < target[6]
        return bswap(h0) <= target[7]

    signature = types.void(U32_2D, U32_1D, nb_i64, nb_i64, nb_i64, nb_i64, nb_i64, U32_1D, U32_1D, U32_1D, U32_2D)

    @kernel(signature)
    def scan(pre, target, v_lo, nonce_start, count, total, mode, out_nonce, out_version, counter, out_digest):
        """Thread ``gid`` hashes nonce ``nonce_start + gid % count`` under precomputation row ``v_lo + gid // count``.

        ``mode`` :data:`MODE_SCAN`: a winner takes the next slot (``counter``) of ``out_nonce``/``out_version``
        as far as there is room; the counter counts every winner. :data:`MODE_DIGESTS`: row ``gid`` of
        ``out_digest`` gets the full sha256d (eight state words), computed by the same code (tests, self-test).
        One straight-line body: the helpers are small and inlined, the round constants fold into immediates.
        """
        gid = cuda.grid(1)
        if gid >= total:
            return
        vi = v_lo + gid // count
        nonce = U(nonce_start + gid % count)
        kc = cuda.const.array_like(K)
        ivc = cuda.const.array_like(IV)

        # First SHA-256, second block (message: tail words, nonce, padding), from the precomputation.
        # Before round 3 the roles (f, g, h, a, b, c, d, e) hold the state (A, B, C, D, E, F, G, H).
        w3 = bswap(nonce)
        f = pre[vi, P_A]
        g = pre[vi, P_B]
        h = pre[vi, P_C]
        b = pre[vi, P_E]
        c = pre[vi, P_F]
        d = pre[vi, P_G]
        t1 = U(pre[vi, P_T1] + w3)
        a = U(pre[vi, P_D] + t1)
        e = U(t1 + pre[vi, P_T2])
        w4 = U(_PAD_WORD)
        w5 = w6 = w7 = w8 = w9 = w10 = w11 = w12 = w13 = w14 = U(0)
        w15 = U(_HEADER_BITS)
        h, d = rnd(e, f, g, h, a, b, c, d, kc[4], w4)
        g, c = rnd(d, e, f, g, h, a, b, c, kc[5], w5)
        f, b = rnd(c, d, e, f, g, h, a, b, kc[6], w6)
        e, a = rnd(b, c, d, e, f, g, h, a, kc[7], w7)
        d, h = rnd(a, b, c, d, e, f, g, h, kc[8], w8)
        c, g = rnd(h, a, b, c, d, e, f, g, kc[9], w9)
        b, f = rnd(g, h, a, b, c, d, e, f, kc[10], w10)
        a, e = rnd(f, g, h, a, b, c, d, e, kc[11], w11)
        h, d = rnd(e, f, g, h, a, b, c, d, kc[12], w12)
        g, c = rnd(d, e, f, g, h, a, b, c, kc[13], w13)
        f, b = rnd(c, d, e, f, g, h, a, b, kc[14], w14)
        e, a = rnd(b, c, d, e, f, g, h, a, kc[15], w15)
        w0 = pre[vi, P_W16]
        d, h = rnd(a, b, c, d, e, f, g, h, kc[16], w0)
        w1 = pre[vi, P_W17]
        c, g = rnd(h, a, b, c, d, e, f, g, kc[17], w1)
        w2 = U(pre[vi, P_W18] + small_sigma0(w3))
        b, f = rnd(g, h, a, b, c, d, e, f, kc[18], w2)
        w3 = U(pre[vi, P_W19] + w3)
        a, e = rnd(f, g, h, a, b, c, d, e, kc[19], w3)
        w4 = sched(w2, w13, w5, w4)
        h, d = rnd(e, f, g, h, a, b, c, d, kc[20], w4)
        w5 = sched(w3, w14, w6, w5)
        g, c = rnd(d, e, f, g, h, a, b, c, kc[21], w5)
        w6 = sched(w4, w15, w7, w6)
        f, b = rnd(c, d, e, f, g, h, a, b, kc[22], w6)
        w7 = sched(w5, w0, w8, w7)
        e, a = rnd(b, c, d, e, f, g, h, a, kc[23], w7)
        w8 = sched(w6, w1, w9, w8)
        d, h = rnd(a, b, c, d, e, f, g, h, kc[24], w8)
        w9 = sched(w7, w2, w10, w9)
        c, g = rnd(h, a, b, c, d, e, f, g, kc[25], w9)
        w10 = sched(w8, w3, w11, w10)
        b, f = rnd(g, h, a, b, c, d, e, f, kc[26], w10)
        w11 = sched(w9, w4, w12, w11)
        a, e = rnd(f, g, h, a, b, c, d, e, kc[27], w11)
        w12 = sched(w10, w5, w13, w12)
        h, d = rnd(e, f, g, h, a, b, c, d, kc[28], w12)
        w13 = sched(w11, w6, w14, w13)
        g, c = rnd(d, e, f, g, h, a, b, c, kc[29], w13)
        w14 = sched(w12, w7, w15, w14)
        f, b = rnd(c, d, e, f, g, h, a, b, kc[30], w14)
        w15 = sched(w13, w8, w0, w15)
        e, a = rnd(b, c, d, e, f, g, h, a, kc[31], w15)
        w0 = sched(w14, w9, w1, w0)
        d, h = rnd(a, b, c, d, e, f, g, h, kc[32], w0)
        w1 = sched(w15, w10, w2, w1)
        c, g = rnd(h, a, b, c, d, e, f, g, kc[33], w1)
        w2 = sched(w0, w11, w3, w2)
        b, f = rnd(g, h, a, b, c, d, e, f, kc[34], w2)
        w3 = sched(w1, w12, w4, w3)
        a, e = rnd(f, g, h, a, b, c, d, e, kc[35], w3)
        w4 = sched(w2, w13, w5, w4)
        h, d = rnd(e, f, g, h, a, b, c, d, kc[36], w4)
        w5 = sched(w3, w14, w6, w5)
        g, c = rnd(d, e, f, g, h, a, b, c, kc[37], w5)
        w6 = sched(w4, w15, w7, w6)
        f, b = rnd(c, d, e, f, g, h, a, b, kc[38], w6)
        w7 = sched(w5, w0, w8, w7)
        e, a = rnd(b, c, d, e, f, g, h, a, kc[39], w7)
        w8 = sched(w6, w1, w9, w8)
        d, h = rnd(a, b, c, d, e, f, g, h, kc[40], w8)
        w9 = sched(w7, w2, w10, w9)
        c, g = rnd(h, a, b, c, d, e, f, g, kc[41], w9)
        w10 = sched(w8, w3, w11, w10)
        b, f = rnd(g, h, a, b, c, d, e, f, kc[42], w10)
        w11 = sched(w9, w4, w12, w11)
        a, e = rnd(f, g, h, a, b, c, d, e, kc[43], w11)
        w12 = sched(w10, w5, w13, w12)
        h, d = rnd(e, f, g, h, a, b, c, d, kc[44], w12)
        w13 = sched(w11, w6, w14, w13)
        g, c = rnd(d, e, f, g, h, a, b, c, kc[45], w13)
        w14 = sched(w12, w7, w15, w14)
        f, b = rnd(c, d, e, f, g, h, a, b, kc[46], w14)
        w15 = sched(w13, w8, w0, w15)
        e, a = rnd(b, c, d, e, f, g, h, a, kc[47], w15)
        w0 = sched(w14, w9, w1, w0)
        d, h = rnd(a, b, c, d, e, f, g, h, kc[48], w0)
        w1 = sched(w15, w10, w2, w1)
        c, g = rnd(h, a, b, c, d, e, f, g, kc[49], w1)
        w2 = sched(w0, w11, w3, w2)
        b, f = rnd(g, h, a, b, c, d, e, f, kc[50], w2)
        w3 = sched(w1, w12, w4, w3)
        a, e = rnd(f, g, h, a, b, c, d, e, kc[51], w3)
        w4 = sched(w2, w13, w5, w4)
        h, d = rnd(e, f, g, h, a, b, c, d, kc[52], w4)
        w5 = sched(w3, w14, w6, w5)
        g, c = rnd(d, e, f, g, h, a, b, c, kc[53], w5)
        w6 = sched(w4, w15, w7, w6)
        f, b = rnd(c, d, e, f, g, h, a, b, kc[54], w6)
        w7 = sched(w5, w0, w8, w7)
        e, a = rnd(b, c, d, e, f, g, h, a, kc[55], w7)
        w8 = sched(w6, w1, w9, w8)
        d, h = rnd(a, b, c, d, e, f, g, h, kc[56], w8)
        w9 = sched(w7, w2, w10, w9)
        c, g = rnd(h, a, b, c, d, e, f, g, kc[57], w9)
        w10 = sched(w8, w3, w11, w10)
        b, f = rnd(g, h, a, b, c, d, e, f, kc[58], w10)
        w11 = sched(w9, w4, w12, w11)
        a, e = rnd(f, g, h, a, b, c, d, e, kc[59], w11)
        w12 = sched(w10, w5, w13, w12)
        h, d = rnd(e, f, g, h, a, b, c, d, kc[60], w12)
        w13 = sched(w11, w6, w14, w13)
        g, c = rnd(d, e, f, g, h, a, b, c, kc[61], w13)
        w14 = sched(w12, w7, w15, w14)
        f, b = rnd(c, d, e, f, g, h, a, b, kc[62], w14)
        w15 = sched(w13, w8, w0, w15)
        e, a = rnd(b, c, d, e, f, g, h, a, kc[63], w15)
        s0, s1, s2, s3 = U(pre[vi, 0] + a), U(pre[vi, 1] + b), U(pre[vi, 2] + c), U(pre[vi, 3] + d)
        s4, s5, s6, s7 = U(pre[vi, 4] + e), U(pre[vi, 5] + f), U(pre[vi, 6] + g), U(pre[vi, 7] + h)

        if mode == MODE_SCAN:
            # Second SHA-256 up to state word 7 only: h after 64 rounds is e after round 60, so rounds 61-63
            # and half of round 60 are skipped. Early exit unless that word can meet the target's top word:
            # at difficulty >= 1 the top word is 0, so all but 1 in 2^32 nonces stop here.
            a, b, c, d, e, f, g, h = ivc[0], ivc[1], ivc[2], ivc[3], ivc[4], ivc[5], ivc[6], ivc[7]
            w0, w1, w2, w3, w4, w5, w6, w7 = s0, s1, s2, s3, s4, s5, s6, s7
            w8 = U(_PAD_WORD)
            w9 = w10 = w11 = w12 = w13 = w14 = U(0)
            w15 = U(_DIGEST_BITS)
            d, h = rnd(a, b, c, d, e, f, g, h, kc[0], w0)
            c, g = rnd(h, a, b, c, d, e, f, g, kc[1], w1)
            b, f = rnd(g, h, a, b, c, d, e, f, kc[2], w2)
            a, e = rnd(f, g, h, a, b, c, d, e, kc[3], w3)
            h, d = rnd(e, f, g, h, a, b, c, d, kc[4], w4)
            g, c = rnd(d, e, f, g, h, a, b, c, kc[5], w5)
            f, b = rnd(c, d, e, f, g, h, a, b, kc[6], w6)
            e, a = rnd(b, c, d, e, f, g, h, a, kc[7], w7)
            d, h = rnd(a, b, c, d, e, f, g, h, kc[8], w8)
            c, g = rnd(h, a, b, c, d, e, f, g, kc[9], w9)
            b, f = rnd(g, h, a, b, c, d, e, f, kc[10], w10)
            a, e = rnd(f, g, h, a, b, c, d, e, kc[11], w11)
            h, d = rnd(e, f, g, h, a, b, c, d, kc[12], w12)
            g, c = rnd(d, e, f, g, h, a, b, c, kc[13], w13)
            f, b = rnd(c, d, e, f, g, h, a, b, kc[14], w14)
            e, a = rnd(b, c, d, e, f, g, h, a, kc[15], w15)
            w0 = sched(w14, w9, w1, w0)
            d, h = rnd(a, b, c, d, e, f, g, h, kc[16], w0)
            w1 = sched(w15, w10, w2, w1)
            c, g = rnd(h, a, b, c, d, e, f, g, kc[17], w1)
            w2 = sched(w0, w11, w3, w2)
            b, f = rnd(g, h, a, b, c, d, e, f, kc[18], w2)
            w3 = sched(w1, w12, w4, w3)
            a, e = rnd(f, g, h, a, b, c, d, e, kc[19], w3)
            w4 = sched(w2, w13, w5, w4)
            h, d = rnd(e, f, g, h, a, b, c, d, kc[20], w4)
            w5 = sched(w3, w14, w6, w5)
            g, c = rnd(d, e, f, g, h, a, b, c, kc[21], w5)
            w6 = sched(w4, w15, w7, w6)
            f, b = rnd(c, d, e, f, g, h, a, b, kc[22], w6)
            w7 = sched(w5, w0, w8, w7)
            e, a = rnd(b, c, d, e, f, g, h, a, kc[23], w7)
            w8 = sched(w6, w1, w9, w8)
            d, h = rnd(a, b, c, d, e, f, g, h, kc[24], w8)
            w9 = sched(w7, w2, w10, w9)
            c, g = rnd(h, a, b, c, d, e, f, g, kc[25], w9)
            w10 = sched(w8, w3, w11, w10)
            b, f = rnd(g, h, a, b, c, d, e, f, kc[26], w10)
            w11 = sched(w9, w4, w12, w11)
            a, e = rnd(f, g, h, a, b, c, d, e, kc[27], w11)
            w12 = sched(w10, w5, w13, w12)
            h, d = rnd(e, f, g, h, a, b, c, d, kc[28], w12)
            w13 = sched(w11, w6, w14, w13)
            g, c = rnd(d, e, f, g, h, a, b, c, kc[29], w13)
            w14 = sched(w12, w7, w15, w14)
            f, b = rnd(c, d, e, f, g, h, a, b, kc[30], w14)
            w15 = sched(w13, w8, w0, w15)
            e, a = rnd(b, c, d, e, f, g, h, a, kc[31], w15)
            w0 = sched(w14, w9, w1, w0)
            d, h = rnd(a, b, c, d, e, f, g, h, kc[32], w0)
            w1 = sched(w15, w10, w2, w1)
            c, g = rnd(h, a, b, c, d, e, f, g, kc[33], w1)
            w2 = sched(w0, w11, w3, w2)
            b, f = rnd(g, h, a, b, c, d, e, f, kc[34], w2)
            w3 = sched(w1, w12, w4, w3)
            a, e = rnd(f, g, h, a, b, c, d, e, kc[35], w3)
            w4 = sched(w2, w13, w5, w4)
            h, d = rnd(e, f, g, h, a, b, c, d, kc[36], w4)
            w5 = sched(w3, w14, w6, w5)
            g, c = rnd(d, e, f, g, h, a, b, c, kc[37], w5)
            w6 = sched(w4, w15, w7, w6)
            f, b = rnd(c, d, e, f, g, h, a, b, kc[38], w6)
            w7 = sched(w5, w0, w8, w7)
            e, a = rnd(b, c, d, e, f, g, h, a, kc[39], w7)
            w8 = sched(w6, w1, w9, w8)
            d, h = rnd(a, b, c, d, e, f, g, h, kc[40], w8)
            w9 = sched(w7, w2, w10, w9)
            c, g = rnd(h, a, b, c, d, e, f, g, kc[41], w9)
            w10 = sched(w8, w3, w11, w10)
            b, f = rnd(g, h, a, b, c, d, e, f, kc[42], w10)
            w11 = sched(w9, w4, w12, w11)
            a, e = rnd(f, g, h, a, b, c, d, e, kc[43], w11)
            w12 = sched(w10, w5, w13, w12)
            h, d = rnd(e, f, g, h, a, b, c, d, kc[44], w12)
            w13 = sched(w11, w6, w14, w13)
            g, c = rnd(d, e, f, g, h, a, b, c, kc[45], w13)
            w14 = sched(w12, w7, w15, w14)
            f, b = rnd(c, d, e, f, g, h, a, b, kc[46], w14)
            w15 = sched(w13, w8, w0, w15)
            e, a = rnd(b, c, d, e, f, g, h, a, kc[47], w15)
            w0 = sched(w14, w9, w1, w0)
            d, h = rnd(a, b, c, d, e, f, g, h, kc[48], w0)
            w1 = sched(w15, w10, w2, w1)
            c, g = rnd(h, a, b, c, d, e, f, g, kc[49], w1)
            w2 = sched(w0, w11, w3, w2)
            b, f = rnd(g, h, a, b, c, d, e, f, kc[50], w2)
            w3 = sched(w1, w12, w4, w3)
            a, e = rnd(f, g, h, a, b, c, d, e, kc[51], w3)
            w4 = sched(w2, w13, w5, w4)
            h, d = rnd(e, f, g, h, a, b, c, d, kc[52], w4)
            w5 = sched(w3, w14, w6, w5)
            g, c = rnd(d, e, f, g, h, a, b, c, kc[53], w5)
            w6 = sched(w4, w15, w7, w6)
            f, b = rnd(c, d, e, f, g, h, a, b, kc[54], w6)
            w7 = sched(w5, w0, w8, w7)
            e, a = rnd(b, c, d, e, f, g, h, a, kc[55], w7)
            w8 = sched(w6, w1, w9, w8)
            d, h = rnd(a, b, c, d, e, f, g, h, kc[56], w8)
            w9 = sched(w7, w2, w10, w9)
            c, g = rnd(h, a, b, c, d, e, f, g, kc[57], w9)
            w10 = sched(w8, w3, w11, w10)
            b, f = rnd(g, h, a, b, c, d, e, f, kc[58], w10)
            w11 = sched(w9, w4, w12, w11)
            a, e = rnd(f, g, h, a, b, c, d, e, kc[59], w11)
            w12 = sched(w10, w5, w13, w12)
            last = U(rnd_e(h, a, b, c, d, kc[60], w12) + ivc[7])
            if bswap(last) > target[0]:
                return

        # The full second SHA-256 (survivors of the early exit, and MODE_DIGESTS).
        a, b, c, d, e, f, g, h = ivc[0], ivc[1], ivc[2], ivc[3], ivc[4], ivc[5], ivc[6], ivc[7]
        w0, w1, w2, w3, w4, w5, w6, w7 = s0, s1, s2, s3, s4, s5, s6, s7
        w8 = U(_PAD_WORD)
        w9 = w10 = w11 = w12 = w13 = w14 = U(0)
        w15 = U(_DIGEST_BITS)
        d, h = rnd(a, b, c, d, e, f, g, h, kc[0], w0)
        c, g = rnd(h, a, b, c, d, e, f, g, kc[1], w1)
        b, f = rnd(g, h, a, b, c, d, e, f, kc[2], w2)
        a, e = rnd(f, g, h, a, b, c, d, e, kc[3], w3)
        h, d = rnd(e, f, g, h, a, b, c, d, kc[4], w4)
        g, c = rnd(d, e, f, g, h, a, b, c, kc[5], w5)
        f, b = rnd(c, d, e, f, g, h, a, b, kc[6], w6)
        e, a = rnd(b, c, d, e, f, g, h, a, kc[7], w7)
        d, h = rnd(a, b, c, d, e, f, g, h, kc[8], w8)
        c, g = rnd(h, a, b, c, d, e, f, g, kc[9], w9)
        b, f = rnd(g, h, a, b, c, d, e, f, kc[10], w10)
        a, e = rnd(f, g, h, a, b, c, d, e, kc[11], w11)
        h, d = rnd(e, f, g, h, a, b, c, d, kc[12], w12)
        g, c = rnd(d, e, f, g, h, a, b, c, kc[13], w13)
        f, b = rnd(c, d, e, f, g, h, a, b, kc[14], w14)
        e, a = rnd(b, c, d, e, f, g, h, a, kc[15], w15)
        w0 = sched(w14, w9, w1, w0)
        d, h = rnd(a, b, c, d, e, f, g, h, kc[16], w0)
        w1 = sched(w15, w10, w2, w1)
        c, g = rnd(h, a, b, c, d, e, f, g, kc[17], w1)
        w2 = sched(w0, w11, w3, w2)
        b, f = rnd(g, h, a, b, c, d, e, f, kc[18], w2)
        w3 = sched(w1, w12, w4, w3)
        a, e = rnd(f, g, h, a, b, c, d, e, kc[19], w3)
        w4 = sched(w2, w13, w5, w4)
        h, d = rnd(e, f, g, h, a, b, c, d, kc[20], w4)
        w5 = sched(w3, w14, w6, w5)
        g, c = rnd(d, e, f, g, h, a, b, c, kc[21], w5)
        w6 = sched(w4, w15, w7, w6)
        f, b = rnd(c, d, e, f, g, h, a, b, kc[22], w6)
        w7 = sched(w5, w0, w8, w7)
        e, a = rnd(b, c, d, e, f, g, h, a, kc[23], w7)
        w8 = sched(w6, w1, w9, w8)
        d, h = rnd(a, b, c, d, e, f, g, h, kc[24], w8)
        w9 = sched(w7, w2, w10, w9)
        c, g = rnd(h, a, b, c, d, e, f, g, kc[25], w9)
        w10 = sched(w8, w3, w11, w10)
        b, f = rnd(g, h, a, b, c, d, e, f, kc[26], w10)
        w11 = sched(w9, w4, w12, w11)
        a, e = rnd(f, g, h, a, b, c, d, e, kc[27], w11)
        w12 = sched(w10, w5, w13, w12)
        h, d = rnd(e, f, g, h, a, b, c, d, kc[28], w12)
        w13 = sched(w11, w6, w14, w13)
        g, c = rnd(d, e, f, g, h, a, b, c, kc[29], w13)
        w14 = sched(w12, w7, w15, w14)
        f, b = rnd(c, d, e, f, g, h, a, b, kc[30], w14)
        w15 = sched(w13, w8, w0, w15)
        e, a = rnd(b, c, d, e, f, g, h, a, kc[31], w15)
        w0 = sched(w14, w9, w1, w0)
        d, h = rnd(a, b, c, d, e, f, g, h, kc[32], w0)
        w1 = sched(w15, w10, w2, w1)
        c, g = rnd(h, a, b, c, d, e, f, g, kc[33], w1)
        w2 = sched(w0, w11, w3, w2)
        b, f = rnd(g, h, a, b, c, d, e, f, kc[34], w2)
        w3 = sched(w1, w12, w4, w3)
        a, e = rnd(f, g, h, a, b, c, d, e, kc[35], w3)
        w4 = sched(w2, w13, w5, w4)
        h, d = rnd(e, f, g, h, a, b, c, d, kc[36], w4)
        w5 = sched(w3, w14, w6, w5)
        g, c = rnd(d, e, f, g, h, a, b, c, kc[37], w5)
        w6 = sched(w4, w15, w7, w6)
        f, b = rnd(c, d, e, f, g, h, a, b, kc[38], w6)
        w7 = sched(w5, w0, w8, w7)
        e, a = rnd(b, c, d, e, f, g, h, a, kc[39], w7)
        w8 = sched(w6, w1, w9, w8)
        d, h = rnd(a, b, c, d, e, f, g, h, kc[40], w8)
        w9 = sched(w7, w2, w10, w9)
        c, g = rnd(h, a, b, c, d, e, f, g, kc[41], w9)
        w10 = sched(w8, w3, w11, w10)
        b, f = rnd(g, h, a, b, c, d, e, f, kc[42], w10)
        w11 = sched(w9, w4, w12, w11)
        a, e = rnd(f, g, h, a, b, c, d, e, kc[43], w11)
        w12 = sched(w10, w5, w13, w12)
        h, d = rnd(e, f, g, h, a, b, c, d, kc[44], w12)
        w13 = sched(w11, w6, w14, w13)
        g, c = rnd(d, e, f, g, h, a, b, c, kc[45], w13)
        w14 = sched(w12, w7, w15, w14)
        f, b = rnd(c, d, e, f, g, h, a, b, kc[46], w14)
        w15 = sched(w13, w8, w0, w15)
        e, a = rnd(b, c, d, e, f, g, h, a, kc[47], w15)
        w0 = sched(w14, w9, w1, w0)
        d, h = rnd(a, b, c, d, e, f, g, h, kc[48], w0)
        w1 = sched(w15, w10, w2, w1)
        c, g = rnd(h, a, b, c, d, e, f, g, kc[49], w1)
        w2 = sched(w0, w11, w3, w2)
        b, f = rnd(g, h, a, b, c, d, e, f, kc[50], w2)
        w3 = sched(w1, w12, w4, w3)
        a, e = rnd(f, g, h, a, b, c, d, e, kc[51], w3)
        w4 = sched(w2, w13, w5, w4)
        h, d = rnd(e, f, g, h, a, b, c, d, kc[52], w4)
        w5 = sched(w3, w14, w6, w5)
        g, c = rnd(d, e, f, g, h, a, b, c, kc[53], w5)
        w6 = sched(w4, w15, w7, w6)
        f, b = rnd(c, d, e, f, g, h, a, b, kc[54], w6)
        w7 = sched(w5, w0, w8, w7)
        e, a = rnd(b, c, d, e, f, g, h, a, kc[55], w7)
        w8 = sched(w6, w1, w9, w8)
        d, h = rnd(a, b, c, d, e, f, g, h, kc[56], w8)
        w9 = sched(w7, w2, w10, w9)
        c, g = rnd(h, a, b, c, d, e, f, g, kc[57], w9)
        w10 = sched(w8, w3, w11, w10)
        b, f = rnd(g, h, a, b, c, d, e, f, kc[58], w10)
        w11 = sched(w9, w4, w12, w11)
        a, e = rnd(f, g, h, a, b, c, d, e, kc[59], w11)
        w12 = sched(w10, w5, w13, w12)
        h, d = rnd(e, f, g, h, a, b, c, d, kc[60], w12)
        w13 = sched(w11, w6, w14, w13)
        g, c = rnd(d, e, f, g, h, a, b, c, kc[61], w13)
        w14 = sched(w12, w7, w15, w14)
        f, b = rnd(c, d, e, f, g, h, a, b, kc[62], w14)
        w15 = sched(w13, w8, w0, w15)
        e, a = rnd(b, c, d, e, f, g, h, a, kc[63], w15)
        h0, h1, h2, h3 = U(ivc[0] + a), U(ivc[1] + b), U(ivc[2] + c), U(ivc[3] + d)
        h4, h5, h6, h7 = U(ivc[4] + e), U(ivc[5] + f), U(ivc[6] + g), U(ivc[7] + h)
        if mode == MODE_DIGESTS:
            out_digest[gid, 0] = h0
            out_digest[gid, 1] = h1
            out_digest[gid, 2] = h2
            out_digest[gid, 3] = h3
            out_digest[gid, 4] = h4
            out_digest[gid, 5] = h5
            out_digest[gid, 6] = h6
            out_digest[gid, 7] = h7
            return
        if meets(h0, h1, h2, h3, h4, h5, h6, h7, target):
            slot = cuda.atomic.add(counter, 0, U(1))
            if slot < out_nonce.shape[0]:
                out_nonce[slot] = nonce
                out_version[slot] = U(vi)

    return scan, signature


# ---------------------------------------------------------------------------- the backend
def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}".rstrip(": ")


class CudaBackend(Backend):
    """SHA-256d nonce scans with numba's CUDA target, one nonce per GPU thread.

    Parameters
    ----------
    capacity : int — result slots per launch (an overfull launch is rerun with room for all)
    chunk_hashes : int or None — hashes per launch (default :data:`CHUNK_HASHES`, or
        :data:`SIM_CHUNK_HASHES` under the simulator)
    threads_per_block : int or None — default :data:`THREADS_PER_BLOCK` (:data:`SIM_THREADS_PER_BLOCK`)

    Raises :class:`BackendUnavailableError` (with a one-line reason) when neither a GPU nor the simulator can
    be used, and :class:`ImplementationSelfTestError` when the kernel disagrees with hashlib at load time.
    """

    name = "cuda"
    lanes = 1
    max_threads = 1  # one host thread drives the GPU; the parallelism is the launch

    def __init__(self, *, capacity: int = CAPACITY, chunk_hashes: int | None = None,
                 threads_per_block: int | None = None) -> None:
        reason = probe()
        if reason is not None:
            raise BackendUnavailableError(f"backend 'cuda' is not available: {reason}")
        try:
            import numpy as np

            numba_cuda = _import_cuda()
        except Exception as exc:  # a broken install
            raise BackendUnavailableError(
                f"backend 'cuda' is not available: numba.cuda failed to import ({_first_line(exc)})"
            ) from exc
        self._np = np
        self.simulated = _is_simulator(numba_cuda)
        try:
            if not numba_cuda.is_available():
                error = numba_cuda.cuda_error() if hasattr(numba_cuda, "cuda_error") else None
                raise BackendUnavailableError(
                    "backend 'cuda' is not available: no usable CUDA device"
                    + (f" ({_first_line(error)})" if error is not None else "")
                )
            if self.simulated:
                self.device_name = "simulator"
                self.compute_capability = (0, 0)
            else:
                device = numba_cuda.get_current_device()
                self.device_name = device.name.decode() if isinstance(device.name, bytes) else str(device.name)
                self.compute_capability = tuple(device.compute_capability)
            self._kernel = kernels(self.simulated)
        except BackendUnavailableError:
            raise
        except Exception as exc:  # no driver, no toolkit (NVVM), unsupported device, compile failure
            hint = " (pip install 'minecore[cuda]' brings NVVM with numba-cuda)" if "nvvm" in str(exc).lower() else ""
            raise BackendUnavailableError(f"backend 'cuda' is not available: {_first_line(exc)}{hint}") from exc
        self.capacity = max(1, int(capacity))
        self.chunk_hashes = int(chunk_hashes or (SIM_CHUNK_HASHES if self.simulated else CHUNK_HASHES))
        default_block = SIM_THREADS_PER_BLOCK if self.simulated else THREADS_PER_BLOCK
        self.threads_per_block = int(threads_per_block or default_block)
        #: launches that found more winners than ``capacity`` and were rerun with more room
        self.overflow_reruns = 0
        self._self_test()

    # ------------------------------------------------------------------ Backend API
    def info(self) -> dict:
        impl = ("numba.cuda simulator (Python on the CPU)" if self.simulated
                else f"numba.cuda PTX on {self.device_name} ({self.impl_name})")
        return {
            "name": self.name,
            "lanes": self.lanes,
            "cpu_features": [],
            "impl": impl,
            "impls_compiled": [impl],
            "impls_usable": [impl],
            "simulator": self.simulated,
            "device": self.device_name,
            "compute_capability": None if self.simulated else ".".join(map(str, self.compute_capability)),
            "cuda_target": getattr(cuda, "implementation", None),
            "numba": _version("numba"),
            "numba_cuda": _version("numba-cuda"),
            "threads_per_block": self.threads_per_block,
            "chunk_hashes": self.chunk_hashes,
            "capacity": self.capacity,
            "sha256d": "hashlib (host)",
        }

    @property
    def impl_name(self) -> str:
        """``"simulator"``, or the GPU architecture the kernel was compiled for (``"sm_90"``)."""
        return "simulator" if self.simulated else "sm_{}{}".format(*self.compute_capability)

    def sha256d(self, data: bytes) -> bytes:
        """sha256(sha256(data)) with hashlib: buffers are hashed on the host; the GPU serves scans."""
        return hashlib.sha256(hashlib.sha256(data).digest()).digest()

    def scan_nonces(self, header76: bytes, target: int, nonce_start: int, count: int, threads: int) -> list[int]:
        """``threads`` is accepted for the API; the GPU's parallelism is the launch (one nonce per thread)."""
        version = struct.unpack_from("<I", header76)[0]
        return [nonce for _, nonce in self._scan(header76, target, [version], nonce_start, count)]

    def scan_versions(self, header76, target, version_mask, roll_start, roll_count, nonce_start, count, threads):
        base = struct.unpack_from("<I", header76)[0]
        versions = [rolled_version(base, version_mask, roll_start + i) for i in range(roll_count)]
        return self._scan(header76, target, versions, nonce_start, count)

    def hash_nonces(self, header76: bytes, nonce_start: int, count: int, version: int | None = None) -> list[bytes]:
        """sha256d (32 bytes, internal byte order) of the header with each nonce in the range, computed by the
        kernel's own hashing path (precomputation, second block, second hash): for tests and the self-test."""
        np = self._np
        if nonce_start < 0 or count < 0 or nonce_start + count > 1 << 32:
            raise InvalidInputError(f"nonces [{nonce_start}, {nonce_start + count}) are not inside [0, 2^32)")
        if count == 0:
            return []
        if version is None:
            version = struct.unpack_from("<I", header76)[0]
        pre = precompute(header76, [version])
        with _LAUNCH_LOCK:
            d_digest = cuda.device_array((count, 8), dtype=np.uint32)
            unused = cuda.device_array(1, dtype=np.uint32)
            self._kernel[self._blocks(count), self.threads_per_block](
                cuda.to_device(pre), unused, 0, nonce_start, count, count, MODE_DIGESTS, unused, unused, unused,
                d_digest,
            )
            out = d_digest.copy_to_host()
        return [struct.pack(">8I", *row) for row in out.tolist()]

    # ------------------------------------------------------------------ scanning
    def _blocks(self, total: int) -> int:
        return -(-total // self.threads_per_block)

    def _scan(self, header76, target, versions, nonce_start, count) -> list[tuple[int, int]]:
        """Every winning (version, nonce), ordered by version index then nonce."""
        if count <= 0 or not versions or target < 0:
            return []
        np = self._np
        pre = precompute(header76, versions)
        target_words = np.array(_target_words(target), dtype=np.uint32)
        found: list[tuple[int, int]] = []
        with _LAUNCH_LOCK:
            d_pre = cuda.to_device(pre)
            d_target = cuda.to_device(target_words)
            end = nonce_start + count
            n = len(versions)
            if count >= self.chunk_hashes:  # long nonce ranges: one version at a time, in nonce slices
                for v in range(n):
                    start = nonce_start
                    while start < end:
                        c = min(self.chunk_hashes, end - start)
                        found += self._launch(d_pre, d_target, v, 1, start, c)
                        start += c
            else:  # short ranges: as many versions per launch as fit in a chunk
                group = max(1, self.chunk_hashes // count)
                for v in range(0, n, group):
                    found += self._launch(d_pre, d_target, v, min(group, n - v), nonce_start, count)
        found.sort()
        return [(versions[vi], nonce) for vi, nonce in found]

    def _launch(self, d_pre, d_target, v_lo, n_versions, nonce_start, count) -> list[tuple[int, int]]:
        """One launch over rows ``v_lo..v_lo+n_versions-1`` x nonces ``[nonce_start, nonce_start+count)``;
        winners as (row, nonce), unordered. Reruns with room for all winners when the slots overflow."""
        np = self._np
        total = n_versions * count
        capacity = self.capacity
        unused = cuda.device_array((1, 8), dtype=np.uint32)
        while True:
            d_nonce = cuda.device_array(capacity, dtype=np.uint32)
            d_version = cuda.device_array(capacity, dtype=np.uint32)
            d_counter = cuda.to_device(np.zeros(1, dtype=np.uint32))
            self._kernel[self._blocks(total), self.threads_per_block](
                d_pre, d_target, v_lo, nonce_start, count, total, MODE_SCAN, d_nonce, d_version, d_counter, unused
            )
            winners = int(d_counter.copy_to_host()[0])
            if winners <= capacity:
                break
            self.overflow_reruns += 1
            capacity = winners  # exact: the counter kept counting past the last slot
        if winners == 0:
            return []
        nonces = d_nonce.copy_to_host()[:winners].tolist()
        rows = d_version.copy_to_host()[:winners].tolist()
        return list(zip(rows, nonces))

    def _self_test(self) -> None:
        """Known answers at load time: the genesis block's hash and nonce (on a real GPU this also checks
        that the PTX was compiled right for this device)."""
        genesis = bytes.fromhex(
            "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e"
            "67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c"
        )
        nonce = struct.unpack_from("<I", genesis, 76)[0]
        target = 0xFFFF << 208
        header76 = genesis[:76]
        try:
            hashes = self.hash_nonces(header76, nonce - 1, 3)
            want = [hashlib.sha256(hashlib.sha256(header76 + struct.pack("<I", n)).digest()).digest()
                    for n in (nonce - 1, nonce, nonce + 1)]
            found = self.scan_nonces(header76, target, nonce - 2, 5, 1)
        except Exception as exc:  # a launch or compile failure on this device
            raise BackendUnavailableError(f"backend 'cuda' is not available: {_first_line(exc)}") from exc
        if hashes != want or found != [nonce]:
            raise ImplementationSelfTestError(
                "backend 'cuda' failed its known-answer self-test (genesis block) on "
                f"{'the simulator' if self.simulated else self.device_name}"
            )
