"""Running a server or miner from the command line: signals, exit codes, status lines.

SIGINT (Ctrl-C) and SIGTERM ask the running object to stop cleanly (close connections, flush the share log,
print the statistics); the exit status is then 130 for SIGINT (as every minecore command) and 0 for SIGTERM.
Signal handlers are installed only in the main thread (``asyncio`` cannot elsewhere); in another thread
Ctrl-C is not seen and ``--max-seconds`` / ``--seconds`` bound the run.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Awaitable, Callable

#: exit status per signal: SIGINT 130 (interrupted), SIGTERM 0 (asked to stop)
SIGNAL_EXIT = {signal.SIGINT: 130, signal.SIGTERM: 0}


def run_with_signals(main: Callable[[], Awaitable], stop: Callable[[int], None]):
    """``asyncio.run(main())`` with SIGINT/SIGTERM calling ``stop(exit_code)``; returns what ``main`` returns."""

    async def runner():
        loop = asyncio.get_running_loop()
        installed = []
        for sig, code in SIGNAL_EXIT.items():
            try:
                loop.add_signal_handler(sig, stop, code)
                installed.append(sig)
            except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no signals here
                pass
        try:
            return await main()
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)

    return asyncio.run(runner())


def status_line(text: str) -> None:
    """A progress or status line: stderr, flushed (stdout carries only results)."""
    print(text, file=sys.stderr, flush=True)


__all__ = ["SIGNAL_EXIT", "run_with_signals", "status_line"]
