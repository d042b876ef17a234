"""``minecore`` entry point: argument parsing and the single error boundary.

``main(argv) -> int`` never calls ``sys.exit``; :func:`entry_point` does.
Command modules live in :mod:`minecore.cli.commands`, one per command, each with
``add_parser(subparsers)`` and ``run(args) -> int``.  They import heavy layers
inside ``run`` so that ``minecore --help`` stays fast and never imports numba.
"""

from __future__ import annotations

import argparse
import enum
import errno
import importlib
import sys
import traceback

from .. import __version__
from ..errors import IntegrityError, MinecoreError, OutputError, UsageError

#: command -> one-line summary, in the order --help lists them.  Each command is the module
#: minecore.cli.commands.<name>; only the module of the command being run is imported, so
#: ``minecore --help`` imports none of them.
COMMANDS: dict[str, str] = {
    "report": "seized vs replacement report: tables, JSON, CSV or HTML with charts",
    "init": "write a commented template scenario, or a shipped example (--example site-cap), to start from",
    "sweep": "run a sweep file (grid or cases over scenario inputs) into one table; resumable, local or Dask",
    "compare": "seized lot vs replacement: hold cost, expected NPV per strategy, the winner",
    "profit": "cash flows, payback, ROI, NPV, IRR and break-even prices of a miner",
    "hashprice": "hashprice in USD and BTC per PH/s and TH/s per day",
    "models": "list SHA-256 miner models in the catalog",
    "rank": "rank every catalog model by daily profit, break-even power price or payback at your power price",
    "model": "show one miner model: specs, sources, chip model, tuning curve",
    "fleet": "fleet telemetry (pyasic): health against the twin, power-model calibration, fleet file",
    "emulate": "emulate a miner: hash its real work split on this CPU, verify every share",
    "pool": "run a Stratum v1 pool for tests and labs: every share checked with hashlib, share log, vardiff",
    "mine": "mine on a Stratum v1 pool with this CPU (native, numba or hashlib backend)",
    "proxy": "a validating Stratum proxy: checks every share, each worker's hashrate against its twin",
    "backends": "list hashing backends and the active native path",
    "hash": "hash a block header (sha256d) and show its fields",
    "scan": "scan a nonce range of a header against a target",
    "bench": "measure scan speed of each backend, native path and thread count",
}


class ExitStatus(enum.IntEnum):
    """Process exit codes of ``minecore`` (docs/cli.md, "Exit status").

    A broken pipe (the reader stopped reading: ``minecore report | head``) is not an error: it ends quietly with
    ``OK``, as the rest of the output was not wanted."""

    OK = 0
    ERROR = 1  #: internal error: a bug or a faulty machine ("please report")
    BAD_INPUT = 2  #: bad input the user can fix: arguments, files, settings, limits
    OUTPUT_FAILED = 3  #: the output could not be written (disk full, file size limit, closed stdout)
    INTERRUPTED = 130


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so the boundary decides the exit code.

    Help text keeps its line breaks, so each command's epilog can list examples.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):  # noqa: D401
        raise UsageError(f"{self.prog}: {message}")


def _command_in(argv: list[str]) -> str | None:
    """The command named in ``argv``: the first word that is not a top-level option."""
    for word in argv:
        if not word.startswith("-"):
            return word
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``minecore`` parser, with the full sub-parser of ``command`` only (``None``: none)."""
    parser = _Parser(
        prog="minecore",
        description="SHA-256d engine, ASIC emulation and mining economics for customs-held miners.",
        epilog="Run 'minecore COMMAND --help' for the options and examples of each command.\n"
        "Exit status: 0 ok, 1 internal error, 2 bad input, 3 output not written, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"minecore {__version__}")
    parser.add_argument("--traceback", action="store_true", help="show the full traceback on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, summary in COMMANDS.items():
        if name != command:
            # a placeholder keeps the name and summary in --help and in "invalid choice" messages
            sub.add_parser(name, help=summary, add_help=False)
            continue
        module = importlib.import_module(f"minecore.cli.commands.{name}")
        command_parser = module.add_parser(sub)
        command_parser.set_defaults(_run=module.run)
        command_parser.add_argument("--traceback", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser


def _say(message: str) -> None:
    """One line on stderr, control characters shown escaped; a closed or full stderr loses it silently."""
    from .output import safe

    try:
        print(safe(message.replace("\n", " ")), file=sys.stderr)
    except (OSError, ValueError):
        pass


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__


def main(argv: list[str] | None = None) -> int:
    """Run ``minecore`` with ``argv``; return the exit status (:class:`ExitStatus`).

    The one error boundary: every error ends as one line on stderr and an exit status, never a traceback (unless
    ``--traceback``). Standard output is flushed here, so a write that fails at the end (disk full) is caught too.
    """
    from .files import ClosedStdout, discard_stdout, output_error

    argv = list(sys.argv[1:] if argv is None else argv)
    show_traceback = "--traceback" in argv
    stdout_closed = sys.stdout is None  # started with fd 1 closed: make writes fail loudly, not vanish
    if stdout_closed:
        sys.stdout = ClosedStdout()
    try:
        parser = build_parser(_command_in(argv))
        if not argv or argv in (["-h"], ["--help"]):
            parser.print_help()
            status = ExitStatus.OK if argv else ExitStatus.BAD_INPUT
        else:
            args = parser.parse_args(argv)
            if args.command is None:
                parser.print_help(sys.stderr)
                status = ExitStatus.BAD_INPUT
            else:
                status = int(args._run(args) or ExitStatus.OK)
        sys.stdout.flush()
        return status
    except KeyboardInterrupt:
        _say("minecore: interrupted")
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:  # the reader went away (| head): the rest was not wanted; end quietly, as cat does
        discard_stdout()
        return ExitStatus.OK
    except OutputError as exc:  # a file or stdout could not be written; --output left the old file intact
        discard_stdout()
        if show_traceback:
            traceback.print_exc()
        message = _first_line(exc)
        _say(message if message.startswith("minecore") else f"minecore: error: {message}")
        return ExitStatus.OUTPUT_FAILED
    except IntegrityError as exc:  # minecore computed something wrong: never "bad input"
        if show_traceback:
            traceback.print_exc()
        _say(f"minecore: internal error: {exc} (please report it; --traceback shows details)")
        return ExitStatus.ERROR
    except MinecoreError as exc:
        if show_traceback:
            traceback.print_exc()
        message = _first_line(exc)
        _say(message if message.startswith("minecore") else f"minecore: error: {message}")
        return ExitStatus.BAD_INPUT
    except Exception as exc:  # the one place that catches everything
        if show_traceback:
            traceback.print_exc()
        reason = output_error(exc)
        if reason is not None:  # stdout to a full disk, a closed stdout...: not a bug
            discard_stdout()
            _say(f"minecore: error: {reason}")
            return ExitStatus.OUTPUT_FAILED
        if isinstance(exc, OSError) and exc.errno == errno.ENAMETOOLONG:
            _say("minecore: error: file name too long (limits: 255 bytes per name, 4096 bytes per path)")
            return ExitStatus.BAD_INPUT
        if not show_traceback:
            _say(f"minecore: internal error: {type(exc).__name__}: {exc} (run with --traceback for details)")
        return ExitStatus.ERROR
    finally:
        if stdout_closed:
            sys.stdout = None


def entry_point() -> None:
    """Console-script entry: ``sys.exit(main())``."""
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    entry_point()
