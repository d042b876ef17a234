"""Every exception minecore raises on purpose, in one small tree.

::

    MinecoreError
    ├── InvalidInputError (ValueError)      bad input: the CLI prints one line and exits 2
    │   ├── UsageError                      bad command line
    │   ├── ScenarioError, SnapshotError, TariffError, CatalogError, StratumError
    │   │                                   StratumError → PoolRejectedError (a pool answered with an error)
    │   ├── UnknownModelError, UnknownChipError (LookupError)
    │   ├── UnknownOriginError, MissingFiguresError, MarketDataError      economics inputs
    │   ├── EmulatorError, LayoutError
    │   ├── LimitError                      a size above its documented limit (Monte Carlo memory...)
    │   ├── SweepError, OptionalDependencyError                          sweeps (minecore.sweep)
    │   └── UnknownBackendError, UnknownImplementationError → UnsupportedImplementationError
    ├── BackendError                        a hashing backend cannot be used
    │   └── BackendUnavailableError
    ├── OutputError                         the output cannot be written (disk full, closed stdout): exit 3
    ├── ChipDataUnavailableError (LookupError)
    ├── SweepWorkerError                    a sweep's worker process died: finished points are kept
    └── IntegrityError                      minecore computed something wrong: exit 1, "please report"
        ├── VerificationError               a backend returned a hash that hashlib disagrees with
        └── ImplementationSelfTestError     a native kernel failed its known-answer test at load time

Bad input (exit 2) is something the user can fix; an :class:`IntegrityError` is a fault in minecore or the
machine (exit 1) and must never be reported as bad input. An :class:`OutputError` (exit 3) says the result was
computed but could not be written; ``--output`` then leaves the previous file as it was.
"""

from __future__ import annotations


class MinecoreError(Exception):
    """Base class of every error minecore raises on purpose."""


class InvalidInputError(MinecoreError, ValueError):
    """An argument is out of range, malformed or of the wrong type."""


class IntegrityError(MinecoreError):
    """A result failed an internal check (a wrong hash, a failed self-test): a bug or a faulty machine."""


class OutputError(MinecoreError):
    """The output cannot be written: disk full, file size limit, closed standard output, I/O error.

    Not bad input (the command was right) and not an internal error: the CLI prints one line and exits 3, and a
    failed ``--output`` leaves the previous file intact (it is replaced only by a complete new one)."""


class LimitError(InvalidInputError):
    """A size is above its documented limit (e.g. the Monte Carlo would need more memory than its budget); the
    message names the limit and what to lower."""


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


class PoolRejectedError(StratumError):
    """A pool answered a request with an error (a refused worker, a refused subscription).

    ``error`` holds the pool's ``[code, message, traceback]`` (or whatever it sent)."""

    def __init__(self, message: str, error: object = None):
        super().__init__(message)
        self.error = error


class StratumConnectionError(MinecoreError, ConnectionError):
    """A pool cannot be reached, or a server cannot listen on its address: the user can fix the address."""


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


# ---------------------------------------------------------------------------------------------- sweeps


class SweepError(InvalidInputError):
    """A sweep file (``minecore sweep``) is malformed: unknown axis, empty range, wrong type, no such input."""


class OptionalDependencyError(InvalidInputError):
    """A feature needs an optional extra that is not installed (e.g. Dask or pyarrow: ``minecore[scale]``)."""


class SweepWorkerError(MinecoreError):
    """A worker process of a sweep died (killed, out of memory); the points it finished are kept for a rerun."""


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
