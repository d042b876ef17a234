"""``minecore sweep``: run a sweep file (a grid and/or named cases over scenario inputs) into one tidy table."""

from __future__ import annotations

import argparse

_EPILOG = """\
examples:
  minecore sweep examples/sweep-power-btc-hold.toml               # Parquet table ./sweep-power-btc-hold.parquet
  minecore sweep examples/sweep-power-btc-hold.toml --limit 20    # a trial run: the first 20 points
  minecore sweep examples/sweep-power-btc-hold.toml --summary     # ... and where the recommendation changes
  minecore sweep SWEEP.toml --format csv --output results.csv
  minecore sweep SWEEP.toml --workers 4                           # local process pool of 4 (default: one per core)
  minecore sweep SWEEP.toml --dask local                          # a Dask LocalCluster on this machine
  minecore sweep SWEEP.toml --dask tcp://HOST:8786                # an existing Dask scheduler

Finished points are written as they complete to OUTPUT.parts/; rerunning the same command skips them, so a crash,
Ctrl-C or lost worker costs only the points in flight. Delete OUTPUT.parts/ to recompute everything.
Dask and Parquet need the optional extra: pip install 'minecore[scale]'. Sweep files: docs/sweep.md.
Exit status: 0 ok, 1 a worker died (finished points kept: rerun), 2 bad input (bad sweep file...), 130 interrupted
(finished points kept: rerun)."""


def add_parser(subparsers):
    p = subparsers.add_parser(
        "sweep",
        help="run a sweep file (grid or cases over scenario inputs) into one table; resumable, local or Dask",
        description="Run every point of a sweep file (the base scenario with the inputs of the point set) and write "
        "one tidy table: one row per point, lot and strategy (and joint plan), with the inputs, the winner, "
        "expected NPV, the lead over the next best and, with a Monte Carlo, P5/P50/P95, CVaR 5 % and P(win).",
        epilog=_EPILOG,
    )
    p.add_argument("sweep", metavar="SWEEP.toml", help="sweep file (docs/sweep.md)")
    p.add_argument("--output", "-o", metavar="PATH",
                   help="the table (default: ./<sweep file name>.parquet, or .csv with --format csv)")
    p.add_argument("--format", "-f", choices=("parquet", "csv"), default=None,
                   help="table format (default: parquet, from the --output suffix when it is .csv or .parquet)")
    p.add_argument("--limit", type=int, metavar="N", help="run only the first N points (a trial run)")
    p.add_argument("--summary", action="store_true", help="print where the recommendation changes across the grid")
    p.add_argument("--workers", "-j", type=int, metavar="N",
                   help="local worker processes (default: one per core); with --dask local: Dask workers")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--serial", action="store_true", help="compute every point in this process")
    where.add_argument("--dask", metavar="ADDRESS",
                       help="run on Dask: 'local' (a LocalCluster on this machine) or a scheduler, tcp://HOST:8786")
    p.add_argument("--batch-points", type=int, metavar="N", help="points per task (default: automatic)")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: when stderr is a terminal)")
    return p


class _Bar:
    """points done / total, rate and time left, on stderr (rich)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._progress = None
        self._task = None

    def __call__(self, done: int, total: int, reused: int) -> None:
        if not self.enabled:
            return
        if self._progress is None:
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn,
                                       TimeElapsedColumn, TimeRemainingColumn)
            from rich.text import Text

            from ..output import console_err

            class Rate(ProgressColumn):
                def render(self, task):  # noqa: D401
                    speed = task.finished_speed or task.speed
                    return Text("" if speed is None else f"{speed:,.1f} points/s")

            self._progress = Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                                      MofNCompleteColumn(), Rate(), TimeElapsedColumn(), TextColumn("eta"),
                                      TimeRemainingColumn(), console=console_err(), transient=True)
            self._progress.start()
            words = f"sweep ({reused} reused)" if reused else "sweep"
            self._task = self._progress.add_task(words, total=total)
        self._progress.update(self._task, completed=done)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def run(args) -> int:
    import sys
    from pathlib import Path

    from ...errors import SweepWorkerError, UsageError
    from ...sweep import driver, executors
    from ...sweep.spec import load_sweep

    bar = None

    def log(msg: str) -> None:
        if bar is not None:
            bar.close()  # a note ends the progress bar's line (it starts again with the next batch)
        print(f"minecore sweep: {msg}", file=sys.stderr)

    for name in ("limit", "workers", "batch_points"):
        v = getattr(args, name)
        if v is not None and v < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be >= 1, got {v}")
    if args.serial and args.workers:
        raise UsageError("--serial and --workers cannot be used together")
    sweep = load_sweep(args.sweep)
    if args.dask:
        if args.workers and args.dask != "local":
            raise UsageError("--workers goes with --dask local (a remote cluster has its own workers)")
        executor = executors.DaskExecutor(address=args.dask, workers=args.workers)
    elif args.serial:
        executor = executors.SerialExecutor()
    else:
        executor = executors.resolve("local", workers=args.workers)
    fmt, output = args.format, args.output
    if output is None:  # ./<sweep name>.parquet; without pyarrow (and no --format parquet) CSV, with a note
        from ...sweep.store import have_pyarrow

        if fmt is None:
            fmt = "parquet" if have_pyarrow() else "csv"
            if fmt == "csv":
                log("pyarrow is not installed (pip install 'minecore[scale]'): writing CSV instead of Parquet")
        output = f"{Path(args.sweep).stem}.{fmt}"
    from ..files import check_output_path

    check_output_path("--output", output)
    bar = _Bar(sys.stderr.isatty() if args.progress is None else args.progress)
    try:
        table = driver.run(sweep, executor, output=output, format=fmt, limit=args.limit,
                           batch_points=args.batch_points, progress=bar, log=log)
    except KeyboardInterrupt:
        bar.close()
        return 130
    except SweepWorkerError as exc:
        bar.close()
        print(f"minecore: error: {exc}", file=sys.stderr)
        return 1
    finally:
        bar.close()
    st = table.attrs["sweep"]
    rate = f", {st['points_per_s']:,.2f} points/s on {st['executor']}" if st["computed"] else ""
    print(f"wrote {st['output']} ({len(table):,} rows, {st['points']:,} points: {st['computed']:,} computed, "
          f"{st['reused']:,} reused{rate})", file=sys.stderr)
    if args.summary:
        from ...sweep.summary import summarize

        sys.stdout.write(summarize(table, sweep, st))
    return 0
