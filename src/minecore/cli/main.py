"""``minecore`` entry point: argument parsing and the single error boundary.

``main(argv) -> int`` never calls ``sys.exit``; :func:`entry_point` does.
Command modules live in :mod:`minecore.cli.commands`, one per command, each with
``add_parser(subparsers)`` and ``run(args) -> int``.  They import heavy layers
inside ``run`` so that ``minecore --help`` stays fast and never imports numba.
"""

from __future__ import annotations

import argparse
import enum
import importlib
import sys
import traceback

from .. import __version__
from ..errors import IntegrityError, MinecoreError, UsageError

#: command -> one-line summary, in the order --help lists them.  Each command is the module
#: minecore.cli.commands.<name>; only the module of the command being run is imported, so
#: ``minecore --help`` imports none of them.
COMMANDS: dict[str, str] = {
    "report": "seized vs replacement report: tables, JSON, CSV or HTML with charts",
    "compare": "seized lot vs replacement: hold cost, expected NPV per strategy, the winner",
    "profit": "cash flows, payback, ROI, NPV, IRR and break-even prices of a miner",
    "hashprice": "hashprice in USD and BTC per PH/s and TH/s per day",
    "models": "list SHA-256 miner models in the catalog",
    "model": "show one miner model: specs, sources, chip model, tuning curve",
    "emulate": "emulate a miner: hash its real work split on this CPU, verify every share",
    "backends": "list hashing backends and the active native path",
    "hash": "hash a block header (sha256d) and show its fields",
    "scan": "scan a nonce range of a header against a target",
    "bench": "measure scan speed of each backend, native path and thread count",
}


class ExitStatus(enum.IntEnum):
    """Process exit codes of ``minecore``."""

    OK = 0
    ERROR = 1
    BAD_INPUT = 2
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
        "Exit status: 0 ok, 1 internal error, 2 bad input, 130 interrupted.",
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


def main(argv: list[str] | None = None) -> int:
    """Run ``minecore`` with ``argv``; return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    show_traceback = "--traceback" in argv
    try:
        parser = build_parser(_command_in(argv))
        if not argv or argv in (["-h"], ["--help"]):
            parser.print_help()
            return ExitStatus.OK if argv else ExitStatus.BAD_INPUT
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return ExitStatus.BAD_INPUT
        return int(args._run(args) or ExitStatus.OK)
    except KeyboardInterrupt:
        print("minecore: interrupted", file=sys.stderr)
        return ExitStatus.INTERRUPTED
    except IntegrityError as exc:  # minecore computed something wrong: never "bad input"
        if show_traceback:
            traceback.print_exc()
        print(f"minecore: internal error: {exc} (please report it; --traceback shows details)", file=sys.stderr)
        return ExitStatus.ERROR
    except MinecoreError as exc:
        if show_traceback:
            traceback.print_exc()
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        prefix = "" if message.startswith("minecore") else "minecore: error: "
        print(f"{prefix}{message}", file=sys.stderr)
        return ExitStatus.BAD_INPUT
    except BrokenPipeError:
        return ExitStatus.OK
    except Exception as exc:  # the one place that catches everything
        if show_traceback:
            traceback.print_exc()
            return ExitStatus.ERROR
        print(f"minecore: internal error: {type(exc).__name__}: {exc} (run with --traceback for details)", file=sys.stderr)
        return ExitStatus.ERROR


def entry_point() -> None:
    """Console-script entry: ``sys.exit(main())``."""
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    entry_point()
