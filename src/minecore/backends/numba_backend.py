"""The ``numba`` backend: the kernels of :mod:`minecore.kernels`, compiled by numba on first use.

Nothing here imports numba until a :class:`NumbaBackend` is made (``backends.get("numba")``):
:func:`probe`, :func:`cache_status` and :func:`describe` only look at files, so ``import minecore``,
``minecore --help`` and ``minecore backends`` stay light. Making the backend picks the scan kernel:
``MINECORE_NUMBA_KERNEL`` (or ``NumbaBackend(kernel=...)``) forces one; otherwise, where the CPU can run both
(it has SHA), the one measured fastest on this CPU (:func:`auto_choice`, remembered in the user cache by
:mod:`minecore.backends.calibration`; measuring loads both kernels once), else the 16-lane kernel. The static
order (SHA-NI first) is the fallback when measuring is off or impossible. The kernel is compiled once (about 7 s
for SHA-NI, 30 s for the lanes) or loaded with its two entry points from numba's on-disk cache (``cache=True``);
the buffer-hashing kernel follows on the first ``sha256d``.

A scan runs in batches of about :data:`BATCH_SECONDS` of work, so Ctrl-C raises
``KeyboardInterrupt`` within about that long. Each batch is split into work
items (contiguous nonce slices, or groups of rolled
versions when there are many short ones), one per thread, and run with
``prange``; the items' results are merged in order.

>>> from minecore.backends.numba_backend import probe
>>> probe() is None or isinstance(probe(), str)
True
"""

from __future__ import annotations

import ast
import hashlib
import importlib.metadata
import importlib.util
import os
import pickle
import struct
import sys
import threading
import time
from pathlib import Path

from ..errors import BackendUnavailableError
from ..header import rolled_version
from . import calibration
from .base import Backend

#: Work per batch between Ctrl-C checks [s].
BATCH_SECONDS = 0.1
#: Nonces one thread hashes in the first batch, before the speed is known.
FIRST_BATCH_PER_THREAD = 1 << 16
#: Work items per thread in a batch (numba's static schedule gives each thread an equal share of them;
#: more items with dynamic chunks measured no better on a busy 2-core machine).
ITEMS_PER_THREAD = 1
#: Result slots per work item; an item that finds more is rerun with room for all.
ITEM_CAPACITY = 64
#: Kernel modules under ``minecore/kernels`` whose functions numba caches.
KERNEL_MODULES = ("sha256", "scan", "digest", "shani")
#: The scan kernels: ``MINECORE_NUMBA_KERNEL`` picks one (default ``auto``: the faster one measured on this CPU).
KERNELS = ("lanes", "shani")
#: Static priority order (the fallback when nothing was measured).
PRIORITY = ("shani", "lanes")
ENV_KERNEL = "MINECORE_NUMBA_KERNEL"
#: Modules each scan kernel loads (its scan module first; ``digest`` only on the first ``sha256d``).
KERNEL_MODULES_OF = {"lanes": ("scan", "sha256", "digest"), "shani": ("shani", "sha256", "digest")}
#: Lanes (nonces hashed side by side) of each kernel.
KERNEL_LANES = {"lanes": 16, "shani": 3}
IMPL_SHANI = "sha-ni (llvm intrinsics)"
#: CPU features worth showing (LLVM names).
SHOWN_FEATURES = ("sse4.1", "avx", "avx2", "avx512f", "avx512vl", "sha")

_ALL_ONES_256 = (1 << 256) - 1


# ---------------------------------------------------------------------------- no-numba status
def probe() -> str | None:
    """``None`` when numba is installed, else why the backend is unavailable (does not import numba)."""
    for module in ("numba", "numpy"):
        if importlib.util.find_spec(module) is None:
            return f"{module} not installed"
    return None


def _numba_version() -> str | None:
    try:
        return importlib.metadata.version("numba")
    except importlib.metadata.PackageNotFoundError:
        return None


def _kernels_dir() -> Path:
    spec = importlib.util.find_spec("minecore.kernels")
    return Path(next(iter(spec.submodule_search_locations)))


def _cached_functions(source: Path) -> list[tuple[str, int]]:
    """(name, first line) of each ``@kernel``-decorated function in ``source``.

    numba names a cache index ``<module>.<qualname>-<first line>.py<XY>.nbi``,
    where the first line is the decorator's (``co_firstlineno``).
    """
    tree = ast.parse(source.read_text(encoding="utf-8"))
    out = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.decorator_list:
            deco = node.decorator_list[0]
            func = deco.func if isinstance(deco, ast.Call) else deco
            if isinstance(func, ast.Name) and func.id == "kernel":
                out.append((node.name, deco.lineno))
    return out


def _cache_dirs(kernels_dir: Path) -> list[Path]:
    """Where numba 0.6x looks for the cache of functions defined in ``kernels_dir``, in its order."""
    parent = kernels_dir.resolve()
    subpath = f"{parent.name}_{hashlib.sha1(str(parent).encode()).hexdigest()}"
    dirs = []
    if os.environ.get("NUMBA_CACHE_DIR"):
        dirs.append(Path(os.environ["NUMBA_CACHE_DIR"]) / subpath)
    dirs.append(kernels_dir / "__pycache__")
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    dirs.append(Path(xdg) / "numba" / subpath)
    return dirs


def _index_is_fresh(index: Path, numba_version: str, source_digest: bytes) -> bool:
    """True when the index was written by this numba for this exact source text.

    The index holds the pickled numba version, then a pickle whose first item is
    the SHA-256 of the source file; the rest needs numba to unpickle, so the
    digest is looked for as raw bytes instead.
    """
    try:
        with open(index, "rb") as f:
            version = pickle.load(f)
            rest = f.read()
    except (OSError, pickle.UnpicklingError, EOFError, ValueError):
        return False
    return version == numba_version and source_digest in rest


def cache_status() -> str:
    """``"warm"`` when every kernel is in numba's cache for the current source, ``"cold"`` when
    none is, else ``"partial (k/n kernels cached)"``. Reads files only; never imports numba."""
    numba_version = _numba_version()
    if numba_version is None:
        return "unavailable"
    if os.environ.get("NUMBA_DISABLE_JIT", "").strip() not in ("", "0"):
        return "jit disabled"
    kernels_dir = _kernels_dir()
    tag = f"py{sys.version_info[0]}{sys.version_info[1]}{getattr(sys, 'abiflags', '')}"
    total = fresh = 0
    for module in kernel_modules():
        source = kernels_dir / f"{module}.py"
        digest = hashlib.sha256(source.read_bytes()).digest()
        for name, line in _cached_functions(source):
            total += 1
            index_name = f"{module}.{name}-{line}.{tag}.nbi"
            if any(_index_is_fresh(d / index_name, numba_version, digest) for d in _cache_dirs(kernels_dir)):
                fresh += 1
    if fresh == total:
        return "warm"
    if fresh == 0:
        return "cold"
    return f"partial ({fresh}/{total} kernels cached)"


def kernel_modules() -> tuple[str, ...]:
    """The kernel modules making the backend may load (what ``cache_status`` checks): the chosen scan kernel's,
    or every usable kernel's while the choice is still to be measured (measuring runs each of them)."""
    try:
        choice = _describe_choice(_features_without_numba())
    except BackendUnavailableError:
        return KERNEL_MODULES_OF["lanes"]
    if choice.source == PENDING:
        kernels = usable_kernels(_features_without_numba(), _jit_disabled_env())
        return tuple(dict.fromkeys(m for k in kernels for m in KERNEL_MODULES_OF[k]))
    return KERNEL_MODULES_OF[choice.choice]


def _impl_names(features, kernel: str, jit_disabled: bool) -> tuple[str, list[str]]:
    """(active impl, usable impls) as ``info()`` and ``minecore backends`` name them."""
    if jit_disabled:
        return "python (NUMBA_DISABLE_JIT)", ["python (NUMBA_DISABLE_JIT)"]
    vector = "zmm (512-bit)" if "avx512f" in features else "ymm (256-bit)" if "avx2" in features else "xmm"
    lanes_impl = f"llvm {vector}"
    usable = ([IMPL_SHANI] if "sha" in features else []) + [lanes_impl]
    return (IMPL_SHANI if kernel == "shani" else lanes_impl), usable


def describe() -> dict:
    """What ``minecore backends`` shows for numba, without importing it (nor measuring: a choice not measured yet
    shows the static order's kernel, with ``calibration.source`` ``"not measured yet"``)."""
    features = _features_without_numba()
    try:
        choice = _describe_choice(features)
    except BackendUnavailableError as exc:
        return {"numba": _numba_version(), "lanes": None, "kernel": None, "note": str(exc), "cache": cache_status()}
    kernel = choice.choice
    impl, usable = _impl_names(features, kernel, _jit_disabled_env())
    return {"numba": _numba_version(), "lanes": KERNEL_LANES[kernel], "kernel": kernel, "impl": impl,
            "impls_usable": usable, "cache": cache_status(), "calibration": choice.as_dict()}


# ---------------------------------------------------------------------------- kernel choice
def _jit_disabled_env() -> bool:
    return os.environ.get("NUMBA_DISABLE_JIT", "").strip() not in ("", "0")


def _features_without_numba() -> set[str]:
    """CPU features LLVM will compile for, read without importing numba: ``NUMBA_CPU_FEATURES`` when set,
    else the flags in /proc/cpuinfo (Linux; ``sha_ni`` is LLVM's ``sha``), else llvmlite's host query."""
    env = os.environ.get("NUMBA_CPU_FEATURES")
    if env:
        return {f[1:] for f in env.split(",") if f.startswith("+")}
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return {"sha" if flag == "sha_ni" else flag.replace("_", ".") for flag in flags}
    except OSError:
        pass
    try:
        from llvmlite import binding

        return {f[1:] for f in binding.get_host_cpu_features().flatten().split(",") if f.startswith("+")}
    except Exception:  # no llvmlite: the backend is unavailable anyway
        return set()


def usable_kernels(features: set[str] | list[str], jit_disabled: bool) -> list[str]:
    """The scan kernels this CPU can run, in static priority order (SHA-NI first); only ``lanes`` without the JIT
    (an LLVM intrinsic cannot run as Python)."""
    if jit_disabled:
        return ["lanes"]
    return [k for k in PRIORITY if k != "shani" or "sha" in features]


def wanted_kernel(wanted: str | None = None) -> str:
    """``wanted`` (else ``MINECORE_NUMBA_KERNEL``) normalised: ``"lanes"``, ``"shani"`` or ``"auto"`` (the default).
    Raises :class:`BackendUnavailableError` naming the variable for an unknown name."""
    source = "kernel" if wanted is not None else ENV_KERNEL
    raw = wanted if wanted is not None else os.environ.get(ENV_KERNEL, "")
    value = raw.strip().lower() or "auto"
    if value not in KERNELS + ("auto",):
        raise BackendUnavailableError(
            f"backend 'numba' is not available: {source}={raw.strip()!r} is not one of lanes, shani, auto"
        )
    return value


#: calibration source of a choice ``minecore backends`` shows before the first use measured it
PENDING = "not measured yet"


def _calibration_fields() -> dict:
    """What makes a measurement valid for another process (read without importing numba)."""
    from .. import __version__

    features = _features_without_numba()
    return {
        "cpu": calibration.cpu_model(),
        "features": [f for f in SHOWN_FEATURES if f in features],
        "llvm_cpu": os.environ.get("NUMBA_CPU_NAME", "").strip() or "host",
        "numba": _numba_version(),
        "minecore": __version__,
    }


def _describe_choice(features) -> "calibration.Choice":
    """The kernel choice as known without importing numba or measuring."""
    jit_disabled = _jit_disabled_env()
    wanted = wanted_kernel()
    static = selected_kernel(features, jit_disabled, wanted)
    path = str(calibration.cache_path())
    if wanted != "auto":
        return calibration.Choice("numba", static, calibration.FORCED, f"{ENV_KERNEL}={wanted}", cache_file=path)
    usable = usable_kernels(features, jit_disabled)
    if len(usable) == 1:
        reason = "NUMBA_DISABLE_JIT" if jit_disabled else None
        return calibration.Choice("numba", usable[0], calibration.ONLY, reason, cache_file=path)
    off = calibration.disabled_reason()
    if off:
        return calibration.Choice("numba", usable[0], calibration.STATIC, off, cache_file=path)
    remembered = calibration.lookup("numba", usable, _calibration_fields())
    if remembered is not None:
        return remembered
    return calibration.Choice("numba", usable[0], PENDING,
                              "measured on first use, or by `minecore backends --recalibrate`", cache_file=path)


def selected_kernel(features: set[str] | list[str], jit_disabled: bool | None = None, wanted: str | None = None) -> str:
    """The static choice, ``"shani"`` or ``"lanes"``: ``wanted``, else ``MINECORE_NUMBA_KERNEL`` (``lanes``,
    ``shani`` or ``auto``, the default), where auto means the first usable kernel in priority order (SHA-NI when the
    CPU has the ``sha`` feature; :class:`NumbaBackend` measures instead, see :func:`auto_choice`). Without the JIT
    it is always ``lanes`` (an LLVM intrinsic cannot run as Python). Raises :class:`BackendUnavailableError` for an
    unknown name, or ``shani`` asked for on a CPU without SHA."""
    if jit_disabled is None:
        jit_disabled = _jit_disabled_env()
    wanted = wanted_kernel(wanted)
    if jit_disabled:
        return "lanes"
    has_sha = "sha" in features
    if wanted == "shani" and not has_sha:
        raise BackendUnavailableError(
            "backend 'numba' is not available: MINECORE_NUMBA_KERNEL=shani but the CPU has no SHA extensions"
        )
    if wanted == "auto":
        return usable_kernels(features, jit_disabled)[0]
    return wanted


def auto_choice(features, jit_disabled: bool, recalibrate: bool = False) -> "calibration.Choice":
    """The kernel ``NumbaBackend()`` runs when none is forced: where both kernels are usable, the faster one
    measured on this CPU (1 thread, compilation and loading excluded: each kernel's first call is untimed), read
    from the user cache after the first time; the static order when measuring is off or impossible."""
    usable = usable_kernels(features, jit_disabled)
    header76 = bytes.fromhex(calibration.HEADER_HEX)[:76]

    def runners():
        engines = {k: NumbaBackend(kernel=k) for k in usable}  # forced: no recursion; loads (or compiles) each
        return {k: (lambda n, b=engines[k]: b.scan_nonces(header76, 0, 0, n, 1)) for k in usable}

    # process CPU time: numba may run even a 1-thread launch on a pool thread, depending on the threading layer
    return calibration.choose("numba", usable, _calibration_fields(), runners, recalibrate=recalibrate,
                              clock=time.process_time)


def recalibrate() -> "calibration.Choice":
    """Measure the scan kernels again (imports numba; loads or compiles both kernels) and store the choice;
    a forced kernel (``MINECORE_NUMBA_KERNEL``) is reported, not measured."""
    probe_reason = probe()
    if probe_reason is not None:
        raise BackendUnavailableError(f"backend 'numba' is not available: {probe_reason}")
    engine = NumbaBackend(kernel="lanes")  # imports numba and reads the features LLVM compiles for
    if wanted_kernel() != "auto":
        return _describe_choice(_features_without_numba())
    return auto_choice(engine.cpu_features(), engine._jit_disabled(), recalibrate=True)


# ---------------------------------------------------------------------------- helpers (no numba)
def _target_words(target: int) -> list[int]:
    """The target as eight 32-bit words, most significant first (clamped to 256 bits)."""
    target = min(target, _ALL_ONES_256)
    return [(target >> (32 * (7 - i))) & 0xFFFFFFFF for i in range(8)]


def _split(start: int, count: int, parts: int, align: int) -> list[tuple[int, int]]:
    """``parts`` contiguous (start, count) slices of a range, boundaries on multiples of ``align``
    from ``start`` (so only the last slice has a partial lane block); empty slices dropped."""
    blocks = -(-count // align)
    out = []
    done = 0
    for k in range(parts):
        hi = min(count, (blocks * (k + 1) // parts) * align)
        if hi > done:
            out.append((start + done, hi - done))
            done = hi
    return out


class NumbaBackend(Backend):
    """SHA-256d with numba: SHA-NI (3 nonces side by side) or 16 nonces per step of a vectorised uint32 loop,
    threads via ``prange``.

    Raises :class:`BackendUnavailableError` when numba cannot be imported.
    """

    name = "numba"
    lanes = 16

    def __init__(self, kernel: str | None = None) -> None:
        """``kernel``: ``"lanes"``, ``"shani"`` or ``"auto"``; default ``MINECORE_NUMBA_KERNEL``, else auto."""
        reason = probe()
        if reason is not None:
            raise BackendUnavailableError(f"backend 'numba' is not available: {reason}")
        try:
            import numba
            import numpy as np
        except Exception as exc:  # a broken install (ABI mismatch, missing llvmlite, ...)
            raise BackendUnavailableError(
                f"backend 'numba' is not available: numba failed to import ({type(exc).__name__}: {exc})"
            ) from exc
        self._numba = numba
        self._np = np
        self._digest_kernels = None
        self._load_lock = threading.Lock()
        self._launch_lock = threading.Lock()
        self._rate_per_thread = 0.0  # hashes/s of one thread, measured on the last batch
        self.max_threads = max(1, int(numba.config.NUMBA_NUM_THREADS))
        jit_disabled = bool(numba.config.DISABLE_JIT)
        wanted = wanted_kernel(kernel)
        self.kernel = selected_kernel(self.cpu_features(), jit_disabled, wanted)
        if wanted == "auto":
            self._choice = auto_choice(self.cpu_features(), jit_disabled)
            self.kernel = self._choice.choice
        else:
            forced_by = f"NumbaBackend(kernel={kernel!r})" if kernel is not None else f"{ENV_KERNEL}={wanted}"
            self._choice = calibration.Choice("numba", self.kernel, calibration.FORCED, forced_by,
                                              cache_file=str(calibration.cache_path()))
        self.lanes = KERNEL_LANES[self.kernel]
        # Load (or compile, on a cold cache) the scan kernels now, so that a scan's timing holds only hashing.
        self._scan_kernels = self._import(KERNEL_MODULES_OF[self.kernel][0])

    # ------------------------------------------------------------------ kernels, loaded on first use
    def _import(self, module: str):
        import importlib

        with self._load_lock:
            try:
                return importlib.import_module(f"minecore.kernels.{module}")
            except Exception as exc:
                raise BackendUnavailableError(
                    f"backend 'numba' is not available: compiling minecore.kernels.{module} failed "
                    f"({type(exc).__name__}: {exc})"
                ) from exc

    @property
    def _scan(self):
        if self._scan_kernels is None:
            self._scan_kernels = self._import(KERNEL_MODULES_OF[self.kernel][0])
        return self._scan_kernels

    @property
    def _digest(self):
        if self._digest_kernels is None:
            self._digest_kernels = self._import("digest")
        return self._digest_kernels

    def _jit_disabled(self) -> bool:
        return bool(self._numba.config.DISABLE_JIT)

    # ------------------------------------------------------------------ Backend API
    def info(self) -> dict:
        features = self.cpu_features()
        impl, usable = _impl_names(features, self.kernel, self._jit_disabled())
        return {
            "name": self.name,
            "lanes": self.lanes,
            "cpu_features": features,
            "impl": impl,
            "kernel": self.kernel,
            "impls_compiled": [impl],
            "impls_usable": usable,
            "numba": self._numba.__version__,
            "threading_layer": self._threading_layer(),
            "cache": cache_status(),
            "max_threads": self.max_threads,
            "calibration": self.choice(),
        }

    def choice(self) -> dict:
        """How the scan kernel was chosen: ``{"choice", "source", "reason", "rates_hps", ...}``."""
        return self._choice.as_dict()

    @property
    def impl_name(self) -> str:
        return self.kernel

    def threads_used(self, hashes: int, threads: int) -> int:
        """Threads a scan runs on: at most ``NUMBA_NUM_THREADS``, and no more than one per lane block."""
        return max(1, min(threads, self.max_threads, -(-hashes // self.lanes)))

    def cpu_features(self) -> list[str]:
        """The shown CPU features LLVM compiles for (``NUMBA_CPU_FEATURES`` when set)."""
        features = self._numba.config.CPU_FEATURES
        if features is None:
            from llvmlite import binding

            features = binding.get_host_cpu_features().flatten()
        enabled = {f[1:] for f in features.split(",") if f.startswith("+")}
        return [f for f in SHOWN_FEATURES if f in enabled]

    def _threading_layer(self) -> str | None:
        try:
            return self._numba.threading_layer()
        except ValueError:  # no parallel region has run yet
            return None

    def sha256d(self, data: bytes) -> bytes:
        np = self._np
        buf = np.frombuffer(memoryview(data), dtype=np.uint8).copy()
        with np.errstate(over="ignore"):
            return bytes(self._digest.sha256d(buf))

    def scan_nonces(self, header76: bytes, target: int, nonce_start: int, count: int, threads: int) -> list[int]:
        base_version = struct.unpack_from("<I", header76)[0]
        pairs = self._scan_grid(header76, target, lambda lo, hi: [base_version], 1, nonce_start, count, threads)
        return [nonce for _, nonce in pairs]

    def scan_versions(self, header76, target, version_mask, roll_start, roll_count, nonce_start, count, threads):
        base_version = struct.unpack_from("<I", header76)[0]

        def versions(lo: int, hi: int) -> list[int]:
            return [rolled_version(base_version, version_mask, roll_start + i) for i in range(lo, hi)]

        return self._scan_grid(header76, target, versions, roll_count, nonce_start, count, threads)

    # ------------------------------------------------------------------ batching
    def _batch_nonces(self, threads: int) -> int:
        """Hashes per batch: about BATCH_SECONDS of work for ``threads`` threads."""
        if self._rate_per_thread <= 0:
            return FIRST_BATCH_PER_THREAD * threads
        return max(self.lanes * threads, int(self._rate_per_thread * threads * BATCH_SECONDS))

    def _scan_grid(self, header76, target, versions_of, n_versions, nonce_start, count, threads):
        """Every winning (version, nonce), version-major, for versions ``versions_of(0, n_versions)``."""
        if count <= 0 or n_versions <= 0 or target < 0:
            return []
        # np.uint32 arithmetic wraps silently in compiled code; as Python (NUMBA_DISABLE_JIT) NumPy warns
        with self._np.errstate(over="ignore"):
            return self._scan_batches(header76, target, versions_of, n_versions, nonce_start, count, threads)

    def _scan_batches(self, header76, target, versions_of, n_versions, nonce_start, count, threads):
        np = self._np
        scan = self._scan
        block0 = np.array(struct.unpack(">16I", header76[:64]), dtype=np.uint32)
        tail = np.array(struct.unpack(">3I", header76[64:76]), dtype=np.uint32)
        target_words = np.array(_target_words(target), dtype=np.uint32)
        workers = threads
        if not self._jit_disabled():
            workers = max(1, min(threads, self._numba.config.NUMBA_NUM_THREADS))
        end = nonce_start + count
        found: list[tuple[int, int]] = []
        v = 0
        while v < n_versions:
            batch = self._batch_nonces(workers)
            if count >= batch or n_versions - v == 1:
                # long nonce ranges: one version at a time, in nonce slices
                versions = versions_of(v, v + 1)
                mids = scan.version_midstates(block0, np.array(versions, dtype=np.uint32))
                start = nonce_start
                while start < end:
                    batch = self._batch_nonces(workers)
                    n = min(batch, end - start)
                    items = [(0, 1, s, c) for s, c in _split(start, n, threads * ITEMS_PER_THREAD, self.lanes)]
                    found.extend((versions[i], nonce) for i, nonce in self._run(scan, mids, tail, target_words, items, workers))
                    start += n
                v += 1
            else:
                # many short ranges: a group of versions per batch, split over threads by version
                group = min(n_versions - v, max(1, batch // count))
                versions = versions_of(v, v + group)
                mids = scan.version_midstates(block0, np.array(versions, dtype=np.uint32))
                items = [(lo, lo + c, nonce_start, count) for lo, c in _split(0, group, threads * ITEMS_PER_THREAD, 1)]
                found.extend((versions[i], nonce) for i, nonce in self._run(scan, mids, tail, target_words, items, workers))
                v += group
        return found

    def _run(self, scan, mids, tail, target_words, items, workers):
        """Run work items (v_lo, v_hi, nonce_start, count); winners as (version index, nonce) in order."""
        np = self._np
        k = len(items)
        v_lo = np.array([it[0] for it in items], dtype=np.int64)
        v_hi = np.array([it[1] for it in items], dtype=np.int64)
        starts = np.array([it[2] for it in items], dtype=np.int64)
        counts = np.array([it[3] for it in items], dtype=np.int64)
        capacity = ITEM_CAPACITY
        hashes = int(((v_hi - v_lo) * counts).sum())
        while True:
            out_nonce = np.zeros((k, capacity), dtype=np.uint32)
            out_version = np.zeros((k, capacity), dtype=np.uint32)
            found = np.zeros(k, dtype=np.int64)
            t0 = time.perf_counter()
            self._launch(scan.scan_grid, workers, mids, tail, target_words, v_lo, v_hi, starts, counts,
                         out_nonce, out_version, found)
            elapsed = time.perf_counter() - t0
            if elapsed > 0 and hashes >= self.lanes * 64:
                self._rate_per_thread = hashes / elapsed / min(workers, k)
            most = int(found.max())
            if most <= capacity:
                break
            capacity = most  # rare: a very easy target; rerun with room for every winner
        out = []
        for row in range(k):
            out.extend(zip(out_version[row, : found[row]].tolist(), out_nonce[row, : found[row]].tolist()))
        return out

    def _launch(self, kernel, workers, *args):
        if self._jit_disabled():
            kernel(*args)
            return
        numba = self._numba
        # thread-local in numba (scans from other threads keep theirs); restored after
        num_threads = numba.get_num_threads()
        numba.set_num_threads(workers)
        try:
            if self._threading_layer() in (None, "workqueue"):
                # the workqueue layer aborts on concurrent parallel launches; serialise them
                with self._launch_lock:
                    kernel(*args)
            else:
                kernel(*args)
        finally:
            numba.set_num_threads(num_threads)
