"""minecore: SHA-256d engine, ASIC emulation and mining economics.

Importing ``minecore`` is light: heavy layers (numpy, numba, the catalog, the
economics) load on first use of the name that needs them.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

from .errors import (  # noqa: E402  (errors are tiny and always needed)
    BackendUnavailableError,
    CatalogError,
    InvalidInputError,
    MinecoreError,
    ScenarioError,
    SnapshotError,
    UnknownBackendError,
    UnknownImplementationError,
    UnknownModelError,
)
from .header import (  # noqa: E402
    BlockHeader,
    bits_to_target,
    difficulty_to_target,
    sha256d as _sha256d_reference,
    target_to_bits,
    target_to_difficulty,
)

#: public name -> module that defines it (loaded on first access)
_LAZY = {
    "scan": "minecore.scanning",
    "scan_versions": "minecore.scanning",
    "ScanResult": "minecore.scanning",
    "VersionScanResult": "minecore.scanning",
    "backends": "minecore.backends",
    "emulate": "minecore.emulator",
    "get_model": "minecore.hardware",
    "load_catalog": "minecore.hardware",
}


def sha256d(data: bytes) -> bytes:
    """sha256(sha256(data)) [32 bytes, internal byte order], computed by the best backend."""
    from .backends.registry import best
    from .header import _as_bytes

    return best().sha256d(_as_bytes(data, "data"))


def __getattr__(name: str):
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'minecore' has no attribute {name!r}")
    module = importlib.import_module(module_name)
    value = module if name == module_name.rsplit(".", 1)[1] else getattr(module, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "__version__",
    "BlockHeader",
    "bits_to_target",
    "difficulty_to_target",
    "target_to_bits",
    "target_to_difficulty",
    "sha256d",
    "MinecoreError",
    "InvalidInputError",
    "UnknownBackendError",
    "BackendUnavailableError",
    "UnknownImplementationError",
    "UnknownModelError",
    "CatalogError",
    "ScenarioError",
    "SnapshotError",
    *_LAZY,
]
