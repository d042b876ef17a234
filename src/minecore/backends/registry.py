"""Which SHA-256d backends exist, which are usable here, and which one to use.

Backends are loaded lazily: listing or describing them never imports numba or
builds anything.  Each backend module provides ``probe() -> str | None`` (``None``
when usable, else the reason) and a backend class.

``MINECORE_BACKEND`` forces the backend :func:`best` returns.
"""

from __future__ import annotations

import importlib
import os
import threading
from dataclasses import dataclass, field

from ..errors import BackendError, BackendUnavailableError, UnknownBackendError
from .base import Backend

#: name -> (module, class), in order of preference for :func:`best`.
BACKENDS: dict[str, tuple[str, str]] = {
    "native": ("minecore.backends.native", "NativeBackend"),
    "numba": ("minecore.backends.numba_backend", "NumbaBackend"),
    "hashlib": ("minecore.backends.reference", "HashlibBackend"),
    "cuda": ("minecore.backends.cuda_backend", "CudaBackend"),  # opt-in: after hashlib, so best() never picks it
}

ENV_BACKEND = "MINECORE_BACKEND"

_instances: dict[str, Backend] = {}
#: backends whose probe passed but which failed when loaded (e.g. numba installed but broken)
_load_failures: dict[str, str] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class BackendStatus:
    """What ``minecore backends`` shows for one backend, found without loading it."""

    name: str
    available: bool
    reason: str | None = None
    details: dict = field(default_factory=dict)


def _module(name: str):
    module_name, _ = BACKENDS[name]
    try:
        return importlib.import_module(module_name)
    except ImportError as exc:
        # a backend module that is missing or broken is unavailable, not fatal
        return exc


def _probe(name: str) -> str | None:
    if name in _load_failures:
        return _load_failures[name]
    module = _module(name)
    if isinstance(module, ImportError):
        return f"cannot import {BACKENDS[name][0]}: {module}"
    return module.probe()


def _check_name(name: object) -> str:
    if not isinstance(name, str) or name not in BACKENDS:
        raise UnknownBackendError(f"unknown backend {name!r}; choose from {', '.join(BACKENDS)}")
    return name


def names() -> list[str]:
    """Every backend minecore knows, usable here or not."""
    return list(BACKENDS)


def available() -> list[str]:
    """Names of the backends usable on this machine, in order of preference."""
    return [name for name in BACKENDS if _probe(name) is None]


def describe() -> list[BackendStatus]:
    """Status of every backend, without importing numba or compiling anything."""
    out = []
    for name in BACKENDS:
        reason = _probe(name)
        module = _module(name)
        details = {}
        if reason is None:
            try:
                if hasattr(module, "describe"):  # a backend whose info() would be costly (numba)
                    details = module.describe()
                elif hasattr(module, "cache_status"):
                    details = {"cache": module.cache_status()}
                else:
                    details = get(name).info()
            except BackendError as exc:  # e.g. MINECORE_NATIVE_IMPL names a path this CPU lacks
                reason = str(exc)
        out.append(BackendStatus(name, reason is None, reason, details))
    return out


def get(name: str) -> Backend:
    """The backend called ``name``; raises :class:`UnknownBackendError` or
    :class:`BackendUnavailableError` (with the reason)."""
    name = _check_name(name)
    with _lock:
        if name in _instances:
            return _instances[name]
        reason = _probe(name)
        if reason is not None:
            raise BackendUnavailableError(f"backend {name!r} is not available: {reason}")
        module_name, class_name = BACKENDS[name]
        try:
            backend = getattr(importlib.import_module(module_name), class_name)()
        except BackendUnavailableError as exc:
            # the cheap probe passed but loading failed: remember why, so available()/describe() say so
            _load_failures[name] = str(exc)
            raise
        _instances[name] = backend
        return backend


def forced() -> str | None:
    """The backend name ``MINECORE_BACKEND`` forces, or ``None``."""
    value = os.environ.get(ENV_BACKEND, "").strip()
    return value or None


def best() -> Backend:
    """``MINECORE_BACKEND`` if set, else the first usable of native, numba, hashlib.

    A backend that probes usable but then fails to load (say numba is installed but
    broken) is skipped, and :func:`describe` reports why.  A forced backend or a
    forced native path that cannot be used is an error, never a silent fallback.
    """
    name = forced()
    if name:
        try:
            return get(name)
        except (UnknownBackendError, BackendUnavailableError) as exc:
            # say where the name came from: the user set it in the environment, not in a call
            raise type(exc)(f"{ENV_BACKEND}={name!r}: {exc}") from None
    for name in BACKENDS:
        if _probe(name) is None:
            try:
                return get(name)
            except BackendUnavailableError:
                continue
    raise BackendUnavailableError("no backend is available")  # unreachable: hashlib always is


def resolve(backend: "str | Backend | None") -> Backend:
    """Accept a backend object, a name, or ``None`` (meaning :func:`best`)."""
    if backend is None:
        return best()
    if isinstance(backend, Backend):
        return backend
    return get(backend)
