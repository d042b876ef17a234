"""Every exception minecore raises on purpose, in one small tree.

::

    MinecoreError
    ├── InvalidInputError (ValueError)      bad input: the CLI prints one line and exits 2
    │   ├── UsageError                      bad command line
    │   ├── ScenarioError, SnapshotError, TariffError, CatalogError, StratumError
    │   ├── UnknownModelError, UnknownChipError (LookupError)
    │   ├── UnknownOriginError, MissingFiguresError, MarketDataError      economics inputs
    │   ├── EmulatorError, LayoutError
    │   └── UnknownBackendError, UnknownImplementationError → UnsupportedImplementationError
    ├── BackendError                        a hashing backend cannot be used
    │   └── BackendUnavailableError
    ├── ChipDataUnavailableError (LookupError)
    └── IntegrityError                      minecore computed something wrong: exit 1, "please report"
        ├── VerificationError               a backend returned a hash that hashlib disagrees with
        └── ImplementationSelfTestError     a native kernel failed its known-answer test at load time

Bad input (exit 2) is something the user can fix; an :class:`IntegrityError` is a fault in minecore or the
machine (exit 1) and must never be reported as bad input.
"""

from __future__ import annotations


class MinecoreError(Exception):
    """Base class of every error minecore raises on purpose."""


class InvalidInputError(MinecoreError, ValueError):
    """An argument is out of range, malformed or of the wrong type."""


class IntegrityError(MinecoreError):
    """A result failed an internal check (a wrong hash, a failed self-test): a bug or a faulty machine."""


# ---------------------------------------------------------------------------------------------- input files


class UsageError(InvalidInputError):
    """Bad command-line usage."""


class ScenarioError(InvalidInputError):
    """A scenario file or scenario argument is malformed."""


class SnapshotError(InvalidInputError):
    """A network snapshot file or override is malformed."""


class TariffError(InvalidInputError):
    """A tariff table or tariff override is malformed."""


class CatalogError(InvalidInputError):
    """A catalog file is malformed or inconsistent."""


class StratumError(InvalidInputError):
    """A Stratum message, job or submission is malformed."""


# ---------------------------------------------------------------------------------------------- hardware


class UnknownModelError(InvalidInputError, LookupError):
    """No miner model in the catalog matches the name."""


class UnknownChipError(InvalidInputError, LookupError):
    """No chip in the table has that name."""


class ChipDataUnavailableError(MinecoreError, LookupError):
    """The model's chip, or its chip counts, are not known well enough to model it."""


# ---------------------------------------------------------------------------------------------- economics


class UnknownOriginError(InvalidInputError):
    """A catalog model has no country of assembly and no origin was given, so its tariff is unknown."""


class MarketDataError(InvalidInputError):
    """A market-price table (dated ASIC prices) is malformed."""


class MissingFiguresError(InvalidInputError):
    """A catalog model has no published hashrate or power, so its cash flows cannot be computed.

    Unknown figures stay unknown (the catalog never guesses them); supply them in a user catalog or a plain
    :class:`~minecore.economics.MachineSpec`."""


# ---------------------------------------------------------------------------------------------- emulator


class EmulatorError(InvalidInputError):
    """The emulator cannot run with these arguments (model without chip data, bad budget, ...)."""


class LayoutError(InvalidInputError):
    """A chip layout is impossible (no chips, too many chips on a chain, ...)."""


class VerificationError(IntegrityError):
    """A backend returned a (version, nonce) whose hashlib hash does not meet the target."""


# ---------------------------------------------------------------------------------------------- backends


class BackendError(MinecoreError):
    """Something is wrong with a hashing backend."""


class UnknownBackendError(BackendError, InvalidInputError):
    """No backend has that name."""


class BackendUnavailableError(BackendError):
    """The backend exists but cannot be used here (not built, not installed, forced off)."""


class UnknownImplementationError(BackendError, InvalidInputError):
    """A native implementation name is unknown, or not supported by this CPU."""


class UnsupportedImplementationError(UnknownImplementationError):
    """The implementation exists in minecore but is not compiled into this build or not supported by this CPU."""


class ImplementationSelfTestError(BackendError, IntegrityError):
    """The implementation is compiled and supported but failed its known-answer self-test at load time."""
