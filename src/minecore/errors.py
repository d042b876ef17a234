"""Typed exceptions raised by minecore.

Every error a user can cause derives from :class:`MinecoreError`.  The CLI turns
these into a one-line message and exit status 2; anything else is a bug.
"""

from __future__ import annotations


class MinecoreError(Exception):
    """Base class of every error minecore raises on purpose."""


class InvalidInputError(MinecoreError, ValueError):
    """An argument is out of range, malformed or of the wrong type."""


class BackendError(MinecoreError):
    """Something is wrong with a hashing backend."""


class UnknownBackendError(BackendError, InvalidInputError):
    """No backend has that name."""


class BackendUnavailableError(BackendError):
    """The backend exists but cannot be used here (not built, not installed, forced off)."""


class UnknownImplementationError(BackendError, InvalidInputError):
    """A native implementation name is unknown, or not supported by this CPU."""


class UnknownModelError(InvalidInputError, LookupError):
    """No miner model in the catalog matches the name."""


class CatalogError(InvalidInputError):
    """A catalog file is malformed or inconsistent."""


class ScenarioError(InvalidInputError):
    """A scenario file or scenario argument is malformed."""


class SnapshotError(InvalidInputError):
    """A network snapshot file or override is malformed."""
