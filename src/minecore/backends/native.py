"""The ``native`` backend: C kernels (portable, SHA-NI, AVX2, AVX-512) chosen at run time, via Cython.

Implementation choice, per backend object:

* ``NativeBackend()`` follows ``MINECORE_NATIVE_IMPL`` when it is set (read when the object is made), else the
  process default: the implementation measured fastest on this CPU among those that passed their self-test
  (:func:`auto_choice`, remembered per CPU in the user cache: :mod:`minecore.backends.calibration`), or the first
  usable one in priority order when measuring is off or impossible;
* ``NativeBackend(impl="avx2")`` or ``backend.force_impl("avx2")`` pins one implementation;
* :func:`force_impl` changes the process default (what ``impl=None`` objects use).

An unknown name raises :class:`UnknownImplementationError`; a known one this build/CPU cannot run raises
:class:`UnsupportedImplementationError`; one that failed its self-test raises
:class:`ImplementationSelfTestError` (an :class:`~minecore.errors.IntegrityError`: exit 1, not bad input).  Never a silent fallback.

>>> from minecore.backends.native import probe, NativeBackend
>>> probe() is None or isinstance(probe(), str)
True
"""

from __future__ import annotations

import os
import threading

from ..errors import (BackendUnavailableError, ImplementationSelfTestError, InvalidInputError,
                      UnknownImplementationError, UnsupportedImplementationError)
from . import calibration
from .base import Backend

#: every implementation name the kernel knows, in priority order
KNOWN_IMPLS = ("avx512", "shani", "avx2", "portable")
ENV_IMPL = "MINECORE_NATIVE_IMPL"
ENV_PURE = "MINECORE_PUREPYTHON"
ENV_CPU_MASK = "MINECORE_NATIVE_CPU_MASK"
#: more threads than this are clamped (each one is an OS thread)
MAX_THREADS = 256

_choice_lock = threading.Lock()
_choice: "calibration.Choice | None" = None  # the automatic choice installed in the C dispatcher


def _pure_python_forced() -> bool:
    return os.environ.get(ENV_PURE, "").strip() not in ("", "0")


def _extension():
    """The compiled module, or raise ImportError."""
    from .._native import _sha256d

    return _sha256d


def probe() -> str | None:
    """``None`` when the native backend can be used, else why not (cheap: no hashing beyond the self-test)."""
    if _pure_python_forced():
        return f"{ENV_PURE}=1 is set"
    try:
        ext = _extension()
    except ImportError as exc:
        return f"native extension not built ({exc}); reinstall with a C compiler to enable it"
    if not any(item["status"] == ext.OK for item in ext.impls()):
        return "no native implementation passed its self-test on this CPU"
    return None


def _status_text(ext, item: dict) -> str:
    """Why a path is (not) usable, telling 'not compiled in' apart from 'CPU lacks it'."""
    if item["status"] == ext.ERR_UNSUPPORTED_IMPL:
        return "compiled in, but this CPU lacks its instructions" if item["compiled"] else "not compiled into this build"
    return ext.strerror(item["status"])


def _error_for(code: int, name: str) -> Exception:
    ext = _extension()
    if code == ext.ERR_UNKNOWN_IMPL:
        return UnknownImplementationError(
            f"unknown native implementation {name!r}; known: {', '.join(KNOWN_IMPLS)}"
        )
    if code == ext.ERR_UNSUPPORTED_IMPL:
        usable = [i["name"] for i in ext.impls() if i["status"] == ext.OK]
        compiled = any(i["name"] == name and i["compiled"] for i in ext.impls())
        why = "is not supported by this CPU" if compiled else "is not compiled into this build"
        return UnsupportedImplementationError(
            f"native implementation {name!r} {why}; usable here: {', '.join(usable) or 'none'}"
        )
    if code == ext.ERR_SELFTEST:
        return ImplementationSelfTestError(f"native implementation {name!r} failed its self-test on this machine")
    if code == ext.ERR_INVALID_ARG:
        return InvalidInputError("invalid argument to the native kernel")
    return BackendUnavailableError(f"native kernel error: {ext.strerror(code)}")


def _lookup(name: object) -> int:
    if not isinstance(name, str):
        raise UnknownImplementationError(f"implementation name must be a string, not {type(name).__name__}")
    code = _extension().lookup(name)
    if code < 0:
        raise _error_for(code, name)
    return code


def force_impl(name: str | None) -> None:
    """Set the process-wide default implementation (``None`` or ``"auto"``: the automatic choice)."""
    if name is not None and name != "auto":
        _lookup(name)  # raises the precise error
    code = _extension().force_impl(name)
    if code < 0:
        raise _error_for(code, name or "auto")


def impls_usable() -> list[str]:
    """Names of the implementations usable on this CPU, in priority order ([] when the extension is missing)."""
    if probe() is not None:
        return []
    ext = _extension()
    return [i["name"] for i in ext.impls() if i["status"] == ext.OK]


def check_cpu_mask() -> None:
    """Raise :class:`InvalidInputError` naming ``MINECORE_NATIVE_CPU_MASK`` when it is set but not an integer
    (decimal, 0x hex or 0 octal, as C's ``strtoul(s, NULL, 0)`` reads it; C would silently read garbage as 0)."""
    raw = os.environ.get(ENV_CPU_MASK, "")
    if not raw.strip():
        return
    text = raw.strip().lower()
    try:
        if text.startswith("0x"):
            value = int(text[2:], 16)
        elif len(text) > 1 and text.startswith("0"):
            value = int(text[1:], 8)
        else:
            value = int(text, 10)
    except ValueError:
        value = -1
    if not 0 <= value <= 0xFFFFFFFF:
        raise InvalidInputError(
            f"{ENV_CPU_MASK}={raw!r} is not a 32-bit mask (an integer: decimal, 0x hex or 0 octal)"
        )


def _calibration_fields(ext) -> dict:
    """What makes a measurement valid for another process: the CPU, the features the kernel sees, the version."""
    from .. import __version__

    return {"cpu": calibration.cpu_model(), "features": ext.cpu_features(), "minecore": __version__}


def _runners(ext, usable: list[str]) -> dict:
    """{impl: run(n)}: a 1-thread scan of n nonces with target 0 on that implementation."""
    header76 = bytes.fromhex(calibration.HEADER_HEX)[:76]
    target = bytes(32)
    ids = {name: _lookup(name) for name in usable}
    return {name: (lambda n, i=ids[name]: ext.scan(i, header76, target, 0, n, 1)) for name in usable}


def _forced_reason(ext) -> str | None:
    env = os.environ.get(ENV_IMPL, "").strip()
    if env and env != "auto":
        return f"{ENV_IMPL}={env}"
    if ext.impl_forced():
        return "force_impl()"
    return None


def auto_choice(recalibrate: bool = False) -> "calibration.Choice":
    """The implementation ``NativeBackend()`` uses when none is forced, installed as the C dispatcher's automatic
    choice: measured (once per CPU, then read from the user cache), or the priority order when calibration is off
    (``MINECORE_NO_CALIBRATION=1``), the cache cannot be written or measuring failed. Never measures while the
    process default is forced (``MINECORE_NATIVE_IMPL``, :func:`force_impl`); ``recalibrate`` measures again."""
    global _choice
    reason = probe()
    if reason is not None:
        raise BackendUnavailableError(f"backend 'native' is not available: {reason}")
    ext = _extension()
    with _choice_lock:
        forced = _forced_reason(ext)
        if forced is not None:
            active = ext.active_impl()
            name = ext.impls()[active]["name"] if active >= 0 else os.environ.get(ENV_IMPL, "").strip()
            return calibration.Choice("native", name, calibration.FORCED, forced,
                                      cache_file=str(calibration.cache_path()))
        usable = impls_usable()
        # remembered per process and cache file by calibration.choose: cheap after the first call
        choice = calibration.choose("native", usable, _calibration_fields(ext), lambda: _runners(ext, usable),
                                    recalibrate=recalibrate)
        code = ext.set_auto_impl(choice.choice)
        if code < 0:
            raise _error_for(code, choice.choice)
        _choice = choice
        return choice


class NativeBackend(Backend):
    """SHA-256d through the native kernel; scans are split over threads with the GIL released.

    Parameters
    ----------
    impl : str or None
        Pin one implementation by name (``"avx512"``, ``"shani"``, ``"avx2"``, ``"portable"``); ``None`` follows
        ``MINECORE_NATIVE_IMPL`` if set, else the process default.
    """

    name = "native"

    max_threads = MAX_THREADS

    def __init__(self, impl: str | None = None) -> None:
        reason = probe()
        if reason is not None:
            raise BackendUnavailableError(f"backend 'native' is not available: {reason}")
        check_cpu_mask()
        self._ext = _extension()
        self._impl_id: int | None = None
        self._forced_by: str | None = None
        from_env = False
        if impl is None:
            impl = os.environ.get(ENV_IMPL, "").strip() or None
            from_env = impl is not None
            if impl == "auto":
                impl = None
        if impl is not None:
            try:
                self.force_impl(impl)
            except UnknownImplementationError as exc:
                if not from_env:
                    raise
                raise type(exc)(f"{ENV_IMPL}={impl!r}: {exc}") from None
            self._forced_by = f"{ENV_IMPL}={impl}" if from_env else f"NativeBackend(impl={impl!r})"
        elif self._ext.active_impl() < 0:
            raise _error_for(self._ext.active_impl(), "(process default)")
        else:
            auto_choice()  # measures once per CPU (then cached); a no-op when the process default is forced

    # ------------------------------------------------------------------ implementation choice
    def force_impl(self, name: str | None) -> "NativeBackend":
        """Pin this backend to implementation ``name`` (``None``/``"auto"``: follow the process default)."""
        self._impl_id = None if name in (None, "auto") else _lookup(name)
        self._forced_by = None if self._impl_id is None else f"force_impl({name!r})"
        return self

    def choice(self) -> dict:
        """How this backend's implementation was chosen: ``{"choice", "source", "reason", "rates_hps", ...}``
        (see :class:`minecore.backends.calibration.Choice`)."""
        if self._forced_by is not None:
            return calibration.Choice("native", self.impl, calibration.FORCED, self._forced_by,
                                      cache_file=str(calibration.cache_path())).as_dict()
        forced = _forced_reason(self._ext)
        if forced is not None or _choice is None:
            return calibration.Choice("native", self.impl, calibration.FORCED if forced else calibration.STATIC,
                                      forced, cache_file=str(calibration.cache_path())).as_dict()
        return _choice.as_dict()

    def threads_used(self, hashes: int, threads: int) -> int:
        """Threads a scan of ``hashes`` hashes starts when asked for ``threads``: at most 256, and one per 16,384
        hashes (``MIN_HASHES_PER_THREAD`` of the Cython layer: a smaller share is not worth a thread)."""
        return max(1, min(threads, MAX_THREADS, hashes // self._ext.MIN_HASHES_PER_THREAD))

    @property
    def impl_id(self) -> int:
        """Id of the implementation this backend runs."""
        if self._impl_id is not None:
            return self._impl_id
        active = self._ext.active_impl()
        if active < 0:
            raise _error_for(active, os.environ.get(ENV_IMPL, "(process default)"))
        return active

    @property
    def impl(self) -> str:
        """Name of the implementation this backend runs."""
        return self._ext.impls()[self.impl_id]["name"]

    @property
    def impl_name(self) -> str:
        return self.impl

    @property
    def lanes(self) -> int:  # type: ignore[override]
        return int(self._ext.impls()[self.impl_id]["lanes"])

    def info(self) -> dict:
        impls = self._ext.impls()
        return {
            "name": self.name,
            "lanes": self.lanes,
            "cpu_features": self._ext.cpu_features(),
            "impl": self.impl,
            "impls_compiled": [i["name"] for i in impls if i["compiled"]],
            "impls_usable": [i["name"] for i in impls if i["status"] == self._ext.OK],
            "impls_status": {i["name"]: _status_text(self._ext, i) for i in impls},
            "threads_default": os.cpu_count() or 1,
            "max_threads": MAX_THREADS,
            "calibration": self.choice(),
        }

    # ------------------------------------------------------------------ hashing
    def sha256d(self, data: bytes) -> bytes:
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise InvalidInputError(f"data must be bytes-like, not {type(data).__name__}")
        if isinstance(data, memoryview) and not data.c_contiguous:
            data = data.tobytes()
        return self._ext.sha256d(data)

    def _call_scan(self, header76, target, nonce_start, count, threads, **rolling) -> list:
        header76 = _check_header76(header76)
        target_le = _check_target(target)
        _check_range(nonce_start, count, "nonce_start", "count")
        threads = _check_threads(threads)
        if count == 0 or rolling.get("roll_count", 1) == 0:
            # an empty range may start at 2^32 (start + count <= 2^32), which the uint32 argument cannot hold
            return []
        try:
            return self._ext.scan(self.impl_id, header76, target_le, nonce_start, count, threads, **rolling)
        except self._ext.NativeCallError as exc:
            raise _error_for(exc.code, self.impl) from None

    def scan_nonces(self, header76: bytes, target: int, nonce_start: int, count: int, threads: int) -> list[int]:
        return self._call_scan(header76, target, nonce_start, count, threads)

    def scan_versions(self, header76, target, version_mask, roll_start, roll_count, nonce_start, count, threads):
        if not isinstance(version_mask, int) or not 0 < version_mask <= 0xFFFFFFFF:
            raise InvalidInputError(f"version_mask must be a non-zero 32-bit mask, got {version_mask!r}")
        _check_range(roll_start, roll_count, "roll_start", "roll_count")
        return self._call_scan(
            header76,
            target,
            nonce_start,
            count,
            threads,
            version_mask=version_mask,
            rolling=True,
            roll_start=roll_start,
            roll_count=roll_count,
        )

    def __repr__(self) -> str:
        return f"<NativeBackend impl={self.impl!r} lanes={self.lanes}>"


# ---------------------------------------------------------------------- light checks for direct callers
# (minecore.scan validates fully; these keep a direct backend call from reaching C with nonsense)
def _check_header76(header76: object) -> bytes:
    if not isinstance(header76, (bytes, bytearray, memoryview)):
        raise InvalidInputError(f"header76 must be bytes, not {type(header76).__name__}")
    header76 = bytes(header76)
    if len(header76) != 76:
        raise InvalidInputError(f"header76 must be 76 bytes, got {len(header76)}")
    return header76


def _check_target(target: object) -> bytes:
    if isinstance(target, bool) or not isinstance(target, int) or not 0 <= target < 1 << 256:
        raise InvalidInputError(f"target must be an integer in [0, 2^256), got {target!r}")
    return target.to_bytes(32, "little")


def _check_range(start: object, count: object, start_name: str, count_name: str) -> None:
    for value, what in ((start, start_name), (count, count_name)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidInputError(f"{what} must be a non-negative integer, got {value!r}")
    if start + count > 1 << 32:
        raise InvalidInputError(f"{start_name} + {count_name} must not exceed 2^32, got {start} + {count}")


def _check_threads(threads: object) -> int:
    if threads is None:
        return os.cpu_count() or 1
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise InvalidInputError(f"threads must be a positive integer, got {threads!r}")
    return min(threads, MAX_THREADS)
