"""The driver: enumerate the points, skip those already done, send the rest to an executor in batches, write
results as they arrive, and assemble the table.

Never losing finished work: with an output path, every finished batch goes into a buffer that is written as a
chunk (atomically, :mod:`minecore.sweep.store`) at least every :data:`FLUSH_SECONDS` seconds or
:data:`FLUSH_POINTS` points, and always before the driver stops: at the end, on Ctrl-C (KeyboardInterrupt) and
when a worker dies. So a crash of the driver costs at most the last couple of seconds of finished points, a
Ctrl-C or a lost worker only the points in flight; a rerun computes only the points missing.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from ..errors import IntegrityError, InvalidInputError, OptionalDependencyError, SweepError, SweepWorkerError
from .evaluate import RESULT_COLUMNS, Context, Task, flip_columns
from .spec import Sweep, load_sweep

FLUSH_SECONDS = 2.0  #: write a chunk at least this often while points finish
FLUSH_POINTS = 500  #: ... or when this many finished points are waiting
FORMATS = ("parquet", "csv")


@dataclass
class SweepStats:
    """What a run did (also in ``DataFrame.attrs["sweep"]`` of :func:`run`'s result)."""

    points: int = 0  #: points in the table (after --limit)
    reused: int = 0  #: points found in the chunk store
    computed: int = 0  #: points computed by this run
    elapsed_s: float = 0.0  #: wall time of the computing part (executor start to last batch)
    executor: str = ""
    batch_points: int = 0
    output: str | None = None
    format: str | None = None
    chunks_written: int = 0
    worker_cpu_s: float = 0.0  #: CPU seconds the workers spent on this run's points
    workers_seen: set[tuple[str, int]] = field(default_factory=set)

    @property
    def points_per_s(self) -> float:
        return self.computed / self.elapsed_s if self.elapsed_s > 0 else float("nan")

    def as_dict(self) -> dict[str, Any]:
        return {"points": self.points, "reused": self.reused, "computed": self.computed,
                "elapsed_s": self.elapsed_s, "points_per_s": self.points_per_s, "executor": self.executor,
                "batch_points": self.batch_points, "output": self.output, "format": self.format,
                "chunks_written": self.chunks_written, "workers": len(self.workers_seen),
                "cpu_s_per_point": self.worker_cpu_s / self.computed if self.computed else float("nan")}


def parts_dir(output: str | Path) -> Path:
    """The chunk directory of the table ``output``: ``output`` + ``.parts``."""
    p = Path(output)
    return p.with_name(p.name + ".parts")


def resolve_format(output: str | Path | None, fmt: str | None, warn: Callable[[str], None]) -> tuple[str, Path | None]:
    """(format, output path): Parquet unless ``fmt`` or the output's suffix says CSV. Without pyarrow: an error
    when Parquet was asked for (``fmt`` or a ``.parquet`` output), else CSV with a warning."""
    from .store import have_pyarrow

    if fmt is not None and fmt not in FORMATS:
        raise InvalidInputError(f"format must be parquet or csv, got {fmt!r}")
    out = Path(output) if output is not None else None
    suffix = out.suffix.lower() if out is not None else ""
    explicit = fmt is not None or suffix in (".parquet", ".pq", ".csv")
    fmt = fmt or ("csv" if suffix == ".csv" else "parquet")
    if fmt == "parquet" and not have_pyarrow():
        if explicit:
            raise OptionalDependencyError("Parquet output needs pyarrow: pip install 'minecore[scale]' "
                                          "(or --format csv)")
        fmt = "csv"
        if out is not None and suffix in ("", ".parquet"):
            out = out.with_suffix(".csv")
        warn(f"pyarrow is not installed (pip install 'minecore[scale]'): writing CSV instead"
             f"{'' if out is None else f' to {out}'}")
    return fmt, out


def context(sweep: Sweep) -> Context:
    from .. import __version__

    delay = os.environ.get("MINECORE_SWEEP_DELAY_S", "")
    try:
        delay_s = float(delay) if delay else 0.0
    except ValueError:
        raise InvalidInputError(f"MINECORE_SWEEP_DELAY_S must be a number of seconds, got {delay!r}") from None
    return Context(sweep.base_raw, sweep.base_source, sweep.paths, sweep.engine.value, sweep.flips, sweep.flip_tol,
                   sweep.flip_steps, sweep.plans.value, __version__, delay_s)


def tasks(sweep: Sweep, limit: int | None = None) -> list[tuple[int, str, int]]:
    """(index, hash, seed) of the first ``limit`` points (all: None)."""
    from .points import base_digest, point_hash, point_seed

    digest = base_digest(sweep)
    out = []
    for p in sweep.points(limit):
        seed = point_seed(sweep, p)
        out.append((p.index, point_hash(digest, p, seed), seed))
    return out


def make_task(sweep: Sweep, index: int, h: str, seed: int) -> Task:
    from .points import column_value

    p = sweep.point(index)
    cols = tuple((a.target.key, column_value(p.overrides[len(p.overrides) - len(sweep.axes) + k][1]))
                 for k, a in enumerate(sweep.axes))
    return Task(index, h, seed, p.case, p.overrides, cols)


def columns(sweep: Sweep) -> list[str]:
    """The table's columns, in order."""
    cols = ["point", "point_hash", "case", *sweep.axis_keys, "seed", *RESULT_COLUMNS]
    if sweep.flips:
        cols += flip_columns(sweep.flips) + ["flip_sentence"]
    return cols


def assemble(frame: Any, sweep: Sweep) -> Any:
    """The rows in a stable order (point, lot, rank) with the sweep's columns, whatever order points finished in."""
    import pandas as pd

    cols = columns(sweep)
    if frame is None or len(frame) == 0:
        return pd.DataFrame(columns=cols)
    for c in cols:
        if c not in frame.columns:
            frame[c] = "" if c in ("case", "error", "flip_sentence") else float("nan")
    frame = frame[cols].sort_values(["point", "lot_index", "rank"], kind="stable").reset_index(drop=True)
    for c in ("point", "seed", "lot_index", "rank"):
        frame[c] = frame[c].astype("uint64" if c == "seed" else "int64")
    return frame


def run(sweep: Sweep | str | Path, executor: Any = None, *, output: str | Path | None = None,
        format: str | None = None, limit: int | None = None, workers: int | None = None,
        batch_points: int | None = None, progress: Callable[[int, int, int], None] | None = None,
        log: Callable[[str], None] | None = None) -> Any:
    """Run ``sweep`` (a :class:`Sweep` or a sweep file) and return its table as a ``pandas.DataFrame``.

    executor : where points run (:func:`minecore.sweep.executors.resolve`): None or "local" (a process pool, one
        worker per core or ``workers``), "serial", "dask" (a LocalCluster), "tcp://HOST:8786", a
        ``dask.distributed.Client`` (e.g. a notebook's), or an executor object.
    output : the table's path; with it, finished points are written as they complete to ``output.parts/`` and a
        rerun skips them (without it nothing is written and nothing is resumed).
    format : "parquet" (default, needs pyarrow) or "csv"; limit : only the first ``limit`` points.
    progress(done, total, reused) : called as batches finish (points of this run; reused ones are not in it).
    log(message) : one-line notes (fallbacks, what was reused, where results are kept on interruption).

    ``result.attrs["sweep"]`` holds :class:`SweepStats` as a dict. Ctrl-C (KeyboardInterrupt) and a dead worker
    (:class:`~minecore.errors.SweepWorkerError`) are raised after everything finished has been written.
    """
    from . import executors as ex
    from .store import ChunkStore

    say = log or (lambda msg: None)
    sw = sweep if isinstance(sweep, Sweep) else load_sweep(sweep)
    if limit is not None:
        from ..validate import count

        limit = count("limit", limit, minimum=1)
    fmt, out = resolve_format(output, format, say) if output is not None else (format or "parquet", None)
    stats = SweepStats(output=None if out is None else str(out), format=fmt if out is not None else None)
    all_tasks = tasks(sw, limit)
    stats.points = len(all_tasks)
    store = ChunkStore(parts_dir(out), fmt).open() if out is not None else None
    memory: list[Any] = []  # the batches' frames, without an output
    try:
        done = store.done(warn=say) if store is not None else set()
        todo = [t for t in all_tasks if t[1] not in done]
        stats.reused = len(all_tasks) - len(todo)
        if todo:
            _compute(sw, todo, ex.resolve(executor, workers=workers), store, memory, stats, batch_points,
                     progress, say)
        if store is not None:
            from .store import COMPACT_CHUNKS

            everything = store.read()
            if len(store.chunks()) > COMPACT_CHUNKS:
                store.compact(everything)
            frame = None
            if len(everything):
                number = {h: i for i, h, _ in all_tasks}
                hashes = everything["point_hash"].astype(str)
                frame = everything[hashes.isin(number)].copy()
                # a point reused from another sweep had another number there
                frame["point"] = frame["point_hash"].astype(str).map(number).astype("int64")
        else:
            import pandas as pd

            frame = pd.concat(memory, ignore_index=True) if memory else None
        table = assemble(frame, sw)
        got = table["point"].nunique() if len(table) else 0
        if got != stats.points:  # pragma: no cover - a bug, not an input problem
            raise IntegrityError(f"{sw.source}: the sweep's table has {got} of its {stats.points} points")
        if out is not None:
            from .store import write_frame

            write_frame(table, out, fmt)
    finally:
        if store is not None:
            store.close()
    table.attrs["sweep"] = stats.as_dict()
    return table


def _batches(sw: Sweep, todo: list[tuple[int, str, int]], batcher) -> Iterator[list[Task]]:
    i = 0
    while i < len(todo):
        size = batcher.size(len(todo) - i)
        yield [make_task(sw, *t) for t in todo[i:i + size]]
        i += size


def _compute(sw: Sweep, todo, executor, store, memory: list, stats: SweepStats, batch_points: int | None,
             progress, say) -> None:
    from .. import __version__

    ctx = context(sw)
    stats.executor = executor.describe() if hasattr(executor, "describe") else type(executor).__name__
    buffer: list[Any] = []  # frames of finished batches not yet on disk
    buffered = 0
    last_flush = time.monotonic()

    def flush() -> None:
        nonlocal buffered, last_flush
        if store is not None and buffer:
            store.write(buffer)
            stats.chunks_written += 1
        buffer.clear()
        buffered = 0
        last_flush = time.monotonic()

    t0 = time.perf_counter()
    if progress:
        progress(0, len(todo), stats.reused)
    try:
        executor.start(ctx)
        stats.executor = executor.describe() if hasattr(executor, "describe") else stats.executor
        from .executors import Batcher

        batcher = Batcher(getattr(executor, "slots", 1), getattr(executor, "task_seconds", 0.25),
                          batch_points or sw.batch_points, getattr(executor, "max_batch_points", 32))
        for batch, result in executor.run(_batches(sw, todo, batcher)):
            batcher.observe(len(batch), result.elapsed_s)
            stats.batch_points = batcher.largest
            if result.version != __version__:
                raise SweepError(f"a worker on {result.host} runs minecore {result.version}, this one "
                                 f"{__version__}: install the same minecore on every worker")
            stats.workers_seen.add((result.host, result.pid))
            stats.worker_cpu_s += result.cpu_s
            (buffer if store is not None else memory).append(result.frame)
            buffered += len(batch)
            stats.computed += len(batch)
            if progress:
                progress(stats.computed, len(todo), stats.reused)
            if store is not None and (buffered >= FLUSH_POINTS or time.monotonic() - last_flush >= FLUSH_SECONDS):
                flush()
        flush()
    except BaseException as exc:
        flush()  # everything finished is on disk before anything else happens
        executor.close(abort=True)
        stats.elapsed_s = time.perf_counter() - t0
        kept = stats.reused + stats.computed
        where = f" in {store.dir}" if store is not None else ""
        if isinstance(exc, KeyboardInterrupt):
            say(f"interrupted: {kept} of {stats.points} points finished and kept{where}; rerun the same command "
                "to compute only the rest")
            raise
        if isinstance(exc, SweepWorkerError):
            raise SweepWorkerError(f"{exc}; {kept} of {stats.points} points finished and kept{where}; rerun the "
                                   "same command to compute only the rest") from None
        raise
    else:
        executor.close()
    stats.elapsed_s = time.perf_counter() - t0
