"""SHA-256d backends: ``native`` (C via Cython), ``numba`` and the ``hashlib`` reference.

>>> import minecore.backends as b
>>> "hashlib" in b.available()
True
"""

from .base import Backend
from .registry import BackendStatus, available, best, describe, forced, get, names, resolve

__all__ = ["Backend", "BackendStatus", "available", "best", "describe", "forced", "get", "names", "resolve"]
