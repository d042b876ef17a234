# cython: language_level=3, cdivision=True
"""Thin Cython layer over the native SHA-256d kernel (native/include/minecore/sha256d.h).

It checks buffers, releases the GIL around every C call, splits scans over threads and stops them on Ctrl-C.
It raises no user-facing errors: status codes are returned (or carried in ``NativeCallError``) and
:mod:`minecore.backends.native` turns them into typed exceptions.  Inputs are validated there too.
"""

import threading
import time

from libc.stdint cimport uint8_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc, realloc
from cpython.exc cimport PyErr_CheckSignals

OK = MC_OK
ERR_UNKNOWN_IMPL = MC_ERR_UNKNOWN_IMPL
ERR_UNSUPPORTED_IMPL = MC_ERR_UNSUPPORTED_IMPL
ERR_SELFTEST = MC_ERR_SELFTEST
ERR_INVALID_ARG = MC_ERR_INVALID_ARG
ERR_CANCELLED = MC_ERR_CANCELLED
IMPL_DEFAULT = MC_IMPL_DEFAULT

#: seconds of work per chunk between returns to Python: how often the calling thread checks for Ctrl-C and
#: workers touch the GIL (cancellation is also polled inside C, every MC_CANCEL_POLL_NONCES nonces)
CHUNK_SECONDS = 0.05
#: a thread is worth starting only for at least this many hashes
MIN_HASHES_PER_THREAD = 1 << 14
#: the caller wakes up this often to let Python deliver KeyboardInterrupt [s]
POLL_SECONDS = 0.05


class NativeCallError(Exception):
    """A C call returned a negative status; ``.code`` is the MC_ERR_* value."""

    def __init__(self, code):
        super().__init__(strerror(code))
        self.code = code


def strerror(int code):
    return mc_strerror(code).decode()


# ---------------------------------------------------------------- introspection

def cpu_features():
    """Names of the CPU features the kernel detected (and the OS enabled), e.g. ['ssse3', 'sha', 'avx2']."""
    cdef unsigned bits = mc_cpu_features()
    cdef unsigned bit = 0
    names = []
    while mc_cpu_feature_name(bit) != NULL:
        if bits & (1u << bit):
            names.append(mc_cpu_feature_name(bit).decode())
        bit += 1
    return names


def impls():
    """Every known implementation in priority order: dicts {id, name, lanes, compiled, status}."""
    out = []
    cdef int i
    for i in range(mc_impl_count()):
        out.append({
            "id": i,
            "name": mc_impl_name(i).decode(),
            "lanes": mc_impl_lanes(i),
            "compiled": bool(mc_impl_compiled(i)),
            "status": mc_impl_status(i),
        })
    return out


def lookup(str name):
    """Id (>= 0) of the usable implementation ``name``, else a negative MC_ERR_* code."""
    cdef bytes raw = name.encode("utf-8", "replace")
    if b"\0" in raw:
        return MC_ERR_UNKNOWN_IMPL
    return mc_impl_lookup(raw)


def active_impl():
    """Id of the default implementation, or the MC_ERR_* that MINECORE_NATIVE_IMPL caused."""
    return mc_active_impl()


def force_impl(name):
    """Set the process-wide default implementation (None/'auto' restores the automatic choice); returns MC_*."""
    cdef bytes raw = b"" if name is None else name.encode("utf-8", "replace")
    if b"\0" in raw:
        return MC_ERR_UNKNOWN_IMPL
    return mc_force_impl(raw)


def impl_forced():
    """True when the default implementation was forced (MINECORE_NATIVE_IMPL or force_impl(name))."""
    return bool(mc_impl_forced())


def priority_impl():
    """Id of the first usable implementation in priority order (the static guess), or a negative MC_ERR_*."""
    return mc_priority_impl()


def auto_impl():
    """Id of the automatic choice (the measured one once set_auto_impl was called), or a negative MC_ERR_*."""
    return mc_auto_impl()


def set_auto_impl(name):
    """Make ``name`` the automatic choice (None: the priority order again); the default follows unless forced.
    Returns MC_OK or a negative MC_ERR_*."""
    cdef bytes raw = b"" if name is None else name.encode("utf-8", "replace")
    if b"\0" in raw:
        return MC_ERR_UNKNOWN_IMPL
    return mc_set_auto_impl(raw)


def rolled_version(uint32_t base, uint32_t mask, uint32_t index):
    return mc_rolled_version(base, mask, index)


# ---------------------------------------------------------------- hashing

def sha256d(data):
    """sha256(sha256(data)) for any C-contiguous buffer; 32 bytes, internal order."""
    cdef uint8_t out[32]
    cdef const uint8_t[::1] view
    cdef const uint8_t *p
    cdef size_t n
    if type(data) is bytes:
        p = <const uint8_t *><const char *>data
        n = len(<bytes>data)
        if n < 65536:
            mc_sha256d(p, n, out)
            return (<char *>out)[:32]
        with nogil:
            mc_sha256d(p, n, out)
        return (<char *>out)[:32]
    view = memoryview(data).cast("B")
    n = view.shape[0]
    p = &view[0] if n else <const uint8_t *>b""
    with nogil:
        mc_sha256d(p, n, out)
    return (<char *>out)[:32]


cdef class _Control:
    """Shared by the workers of one scan: the cancel flag the C kernel polls."""
    cdef int flag

    def cancel(self):
        self.flag = 1


cdef class _Buffer:
    """A growable uint32 output buffer owned by one worker."""
    cdef uint32_t *data
    cdef size_t cap

    def __cinit__(self, size_t cap):
        self.cap = cap if cap > 0 else 1
        self.data = <uint32_t *>malloc(self.cap * sizeof(uint32_t))
        if self.data == NULL:
            raise MemoryError()

    def __dealloc__(self):
        free(self.data)

    cdef int grow(self, size_t cap) except -1:
        cdef uint32_t *p
        if cap <= self.cap:
            return 0
        p = <uint32_t *>realloc(self.data, cap * sizeof(uint32_t))
        if p == NULL:
            raise MemoryError()
        self.data = p
        self.cap = cap
        return 0


cdef list _scan_range(int impl, bytes header76, bytes target_le, uint32_t nonce_start, uint64_t count,
                      _Buffer buf, _Control ctl, double chunk_seconds):
    """Scan one version's [nonce_start, nonce_start+count) in chunks of ~chunk_seconds; return winners."""
    cdef const uint8_t *hdr = header76
    cdef const uint8_t *tgt = target_le
    cdef const int *cancel = &ctl.flag
    cdef uint64_t done = 0, n, found = 0
    cdef uint64_t chunk = 1 << 16
    cdef uint32_t start
    cdef int rc
    cdef size_t k
    cdef double t0, dt
    winners = []
    while done < count:
        n = count - done if count - done < chunk else chunk
        start = <uint32_t>(nonce_start + done)
        t0 = time.perf_counter()
        with nogil:
            rc = mc_scan_ex(impl, hdr, 76, tgt, start, n, buf.data, buf.cap, &found, cancel)
        if rc == MC_OK and found > buf.cap:
            # more winners than room: rescan this chunk with room for all of them (nothing is lost)
            buf.grow(<size_t>found)
            with nogil:
                rc = mc_scan_ex(impl, hdr, 76, tgt, start, n, buf.data, buf.cap, &found, cancel)
        if rc != MC_OK:
            raise NativeCallError(rc)
        for k in range(<size_t>found):
            winners.append(buf.data[k])
        done += n
        # on the main thread this raises KeyboardInterrupt after Ctrl-C (elsewhere it is a no-op)
        PyErr_CheckSignals()
        dt = time.perf_counter() - t0
        # size the next chunk to about chunk_seconds of work
        if dt < chunk_seconds / 4:
            chunk = chunk * 2 if chunk < (1ull << 30) else chunk
        elif dt > chunk_seconds * 2 and chunk > 4096:
            chunk //= 2
    return winners


def _work(int impl, bytes header76, bytes target_le, uint32_t version_mask, bint rolling, uint32_t roll_start,
          uint32_t nonce_start, uint64_t count, uint64_t flat_start, uint64_t flat_end, _Control ctl, list result):
    """Scan the flattened work items [flat_start, flat_end) of (version index, nonce offset) space.

    Item f is version index roll_start + f // count, nonce nonce_start + f % count.  Appends winners (ints, or
    (version, nonce) tuples when rolling) to ``result``; on failure appends the exception as the last element.
    """
    cdef uint64_t f = flat_start, i, off, seg
    cdef uint32_t base, version
    cdef _Buffer buf = _Buffer(64)
    try:
        base = int.from_bytes(header76[:4], "little")
        while f < flat_end:
            i = f // count
            off = f % count
            seg = min(flat_end - f, count - off)
            if rolling:
                version = mc_rolled_version(base, version_mask, <uint32_t>(roll_start + i))
                hdr = version.to_bytes(4, "little") + header76[4:]
                for n in _scan_range(impl, hdr, target_le, <uint32_t>(nonce_start + off), seg, buf, ctl,
                                     CHUNK_SECONDS):
                    result.append((version, n))
            else:
                result.extend(_scan_range(impl, header76, target_le, <uint32_t>(nonce_start + off), seg, buf,
                                          ctl, CHUNK_SECONDS))
            f += seg
    except BaseException as exc:  # handed to the calling thread
        result.append(exc)


def scan(int impl, bytes header76, bytes target_le, uint32_t nonce_start, uint64_t count, int threads,
         uint32_t version_mask=0, bint rolling=False, uint32_t roll_start=0, uint64_t roll_count=1):
    """Every winner of the (rolled) scan, in order, using up to ``threads`` threads.

    Work is split into contiguous slices of the flattened (version index, nonce) space, one per thread; each
    worker writes only its own list.  The caller waits in short timed joins so KeyboardInterrupt is delivered
    promptly; it then sets the cancel flag (polled by the kernel every 16384 nonces), joins every worker and
    re-raises.  Raises NativeCallError for a bad status from C.
    """
    cdef uint64_t total = count * roll_count
    cdef int t, nthreads
    cdef _Control ctl = _Control()
    if len(header76) != 76 or len(target_le) != 32:
        raise NativeCallError(MC_ERR_INVALID_ARG)
    if total == 0:
        return []
    if threads < 1:
        threads = 1
    nthreads = <int>min(<uint64_t>threads, max(<uint64_t>1, total // MIN_HASHES_PER_THREAD))
    results = [[] for _ in range(nthreads)]
    # slice 0 runs in the calling thread (no thread start-up for single-threaded calls); slices 1.. in workers
    workers = []
    for t in range(1, nthreads):
        lo = total * t // nthreads
        hi = total * (t + 1) // nthreads
        workers.append(threading.Thread(
            target=_work, name=f"minecore-scan-{t}", daemon=True,
            args=(impl, header76, target_le, version_mask, rolling, roll_start, nonce_start, count, lo, hi,
                  ctl, results[t])))
    try:
        for w in workers:
            w.start()
        _work(impl, header76, target_le, version_mask, rolling, roll_start, nonce_start, count, 0,
              total // nthreads, ctl, results[0])
        if results[0] and isinstance(results[0][-1], BaseException):
            raise results[0][-1]
        for w in workers:
            while w.is_alive():
                w.join(POLL_SECONDS)
    except BaseException:
        ctl.cancel()
        for w in workers:
            if w.ident is not None:
                w.join()
        raise
    out = []
    for part in results:
        if part and isinstance(part[-1], BaseException):
            raise part[-1]
        out.extend(part)
    return out
