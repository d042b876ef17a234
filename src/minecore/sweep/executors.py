"""Where a sweep's points run: in this process, in a local process pool, or on a Dask cluster.

One interface (:class:`Executor`): ``start(ctx)``, ``run(batches)`` yielding each finished batch as it completes
(any order), ``close(abort)``. The driver (:func:`minecore.sweep.run`, in :mod:`minecore.sweep.driver`) does the
rest the same way for all of them: it cuts the points into batches, writes results as they arrive, and keeps
what finished on Ctrl-C or when a worker dies.

How the cores are shared: the local pool starts one worker process per core (``os.sched_getaffinity``) and
caps every numeric library inside a worker (numba's Monte Carlo threads, BLAS) at ``cores // workers`` threads,
1 by default, so the two levels never oversubscribe the machine. A sweep's points use the numpy Monte Carlo
engine by default, which is single-threaded; ``[sweep] engine = "numba"`` with ``--workers`` below the core
count gives each worker's numba the cores left over. On Dask, each worker thread runs one batch at a time: start
workers with one thread per core (``dask worker --nthreads 1 --nworkers N``) or set ``NUMBA_NUM_THREADS`` on
them when the numba engine is used.

Batches (:class:`Batcher`): the first tasks carry one point each, to measure what a point costs; then each task
carries enough points to last about ``task_seconds``, and never so many that fewer than four tasks per worker
remain (so the end balances). In the pool, whose per-task overhead is a fraction of a millisecond, that is 0.25 s
and at most :data:`MAX_BATCH_POINTS` points. On Dask the scheduler spends about 1 ms per task, so a task lasts at
least 1 s (0.1 % overhead) and, on a big cluster, at least ``workers / 500`` s, so that the scheduler is asked for
no more than about 500 tasks a second (up to :data:`MAX_DASK_BATCH_POINTS` points). At most two tasks per worker
are in flight: a Ctrl-C or a lost worker costs at most those points.
"""

from __future__ import annotations

import math
import os
from typing import Any, Iterable, Iterator, Protocol

from ..errors import OptionalDependencyError, SweepWorkerError
from .evaluate import BatchResult, Context, Task

SCALE_EXTRA = "pip install 'minecore[scale]'"
MAX_BATCH_POINTS = 32  #: the automatic batch size in this process and the local pool never exceeds this
MAX_DASK_BATCH_POINTS = 1024  #: ... and on Dask
DASK_TASKS_PER_S = 500  #: the task rate a batch size aims to keep a Dask scheduler under (about 1 ms per task)


def cores() -> int:
    """CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def batch_size(points: int, slots: int, requested: int | None = None) -> int:
    """A fixed batch size for ``points`` points on ``slots`` workers: ``requested``, else
    ``ceil(points / (8 x slots))`` clipped to [1, MAX_BATCH_POINTS] (benchmarks; sweeps use :class:`Batcher`)."""
    if requested:
        return requested
    return max(1, min(MAX_BATCH_POINTS, math.ceil(points / (8 * max(1, slots)))))


class Batcher:
    """Points per task, adapted to the measured cost of a point (see the module docstring).

    ``fixed``: always that many; else one point per task until a result has been seen, then
    ``round(task_seconds / seconds per point)`` clipped to [1, max_points] and to a quarter of the remaining
    points per slot."""

    def __init__(self, slots: int, task_seconds: float, fixed: int | None = None,
                 max_points: int = MAX_BATCH_POINTS) -> None:
        self.slots = max(1, slots)
        self.task_seconds = task_seconds
        self.fixed = fixed
        self.max_points = max_points
        self.per_point_s: float | None = None
        self.largest = fixed or 1

    def observe(self, points: int, seconds: float) -> None:
        if points > 0 and seconds > 0:
            x = seconds / points
            self.per_point_s = x if self.per_point_s is None else 0.7 * self.per_point_s + 0.3 * x

    def size(self, remaining: int) -> int:
        if self.fixed:
            return self.fixed
        if self.per_point_s is None:
            return 1
        n = round(self.task_seconds / self.per_point_s)
        n = max(1, min(self.max_points, n, math.ceil(remaining / (4 * self.slots))))
        self.largest = max(self.largest, n)
        return n


class Executor(Protocol):
    name: str

    @property
    def slots(self) -> int:
        """Batches it can run at once."""

    def start(self, ctx: Context) -> None: ...

    def run(self, batches: Iterable[list[Task]]) -> Iterator[tuple[list[Task], BatchResult]]: ...

    def close(self, abort: bool = False) -> None: ...

    def describe(self) -> str: ...


class SerialExecutor:
    """Every point in this process, one after the other."""

    name = "serial"
    slots = 1
    task_seconds = 0.25  #: only sets how often progress and chunks move
    max_batch_points = MAX_BATCH_POINTS

    def __init__(self) -> None:
        self._ctx: Context | None = None

    def start(self, ctx: Context) -> None:
        self._ctx = ctx

    def run(self, batches: Iterable[list[Task]]) -> Iterator[tuple[list[Task], BatchResult]]:
        from .evaluate import evaluate_batch

        for batch in batches:
            yield batch, evaluate_batch(self._ctx, batch)

    def close(self, abort: bool = False) -> None:
        self._ctx = None

    def describe(self) -> str:
        return "serial (this process)"


def _mp_context():
    import multiprocessing as mp

    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        # the fork server imports these once; each worker forks from it with them loaded (no numba: its thread
        # count is set per worker before it loads)
        ctx.set_forkserver_preload(["minecore.sweep.evaluate", "numpy", "minecore.economics.decision",
                                    "minecore.economics.montecarlo", "minecore.reports.scenario"])
        return ctx
    return mp.get_context("spawn")  # pragma: no cover - not Linux


class LocalExecutor:
    """A pool of worker processes on this machine (default: one per core)."""

    name = "local"
    task_seconds = 0.25
    max_batch_points = MAX_BATCH_POINTS

    def __init__(self, workers: int | None = None) -> None:
        from ..validate import count

        self.workers = count("workers", workers, minimum=1, maximum=1024) if workers is not None else cores()
        self._pool = None

    @property
    def slots(self) -> int:
        return self.workers

    @property
    def threads_per_worker(self) -> int:
        return max(1, cores() // self.workers)

    def start(self, ctx: Context) -> None:
        from concurrent.futures import ProcessPoolExecutor

        from .evaluate import init_worker

        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=_mp_context(), initializer=init_worker,
                                         initargs=(ctx, self.threads_per_worker))

    def run(self, batches: Iterable[list[Task]]) -> Iterator[tuple[list[Task], BatchResult]]:
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        from .evaluate import evaluate_in_pool

        it = iter(batches)
        pending: dict[Any, list[Task]] = {}
        window = 2 * self.workers

        def fill() -> None:
            while len(pending) < window:
                batch = next(it, None)
                if batch is None:
                    return
                pending[self._pool.submit(evaluate_in_pool, batch)] = batch

        fill()
        finished = 0
        while pending:
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            for fut in done:
                batch = pending.pop(fut)
                try:
                    result = fut.result()
                except BrokenProcessPool:
                    if finished:
                        raise SweepWorkerError("a worker process of the sweep died (killed, or out of memory)"
                                               ) from None
                    raise SweepWorkerError("the sweep's worker processes stopped before finishing a point: killed, "
                                           "out of memory, or they could not start (a script that calls "
                                           "minecore.sweep.run must call it under if __name__ == '__main__':)"
                                           ) from None
                finished += 1
                yield batch, result
            fill()

    def close(self, abort: bool = False) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if abort:  # stop now: the points in flight are lost, everything finished is already with the driver
            for proc in list(getattr(pool, "_processes", {}).values()):
                if proc.is_alive():
                    proc.terminate()
        pool.shutdown(wait=True, cancel_futures=True)

    def describe(self) -> str:
        t = self.threads_per_worker
        procs = "process" if self.workers == 1 else "processes"
        return f"local pool of {self.workers} worker {procs} ({t} thread{'s' if t != 1 else ''} each)"


class _sigint_ignored:
    """Ignore SIGINT while child processes start (they inherit it), so a Ctrl-C in a terminal, which reaches the
    whole process group, stops only the driver; the driver then shuts its workers down."""

    def __enter__(self) -> None:
        import signal
        import threading

        self._old = None
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGINT, signal.SIG_IGN)

    def __exit__(self, *exc: Any) -> None:
        import signal

        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)


def _distributed():
    try:
        import distributed
    except ImportError:
        raise OptionalDependencyError(f"Dask is not installed: {SCALE_EXTRA}") from None
    return distributed


class DaskExecutor:
    """Batches as tasks on a Dask cluster: an existing ``distributed.Client``, a scheduler address
    (``tcp://HOST:8786``), or ``"local"`` for a ``distributed.LocalCluster`` on this machine (one single-threaded
    worker process per core, on the loopback interface)."""

    name = "dask"
    max_batch_points = MAX_DASK_BATCH_POINTS

    def __init__(self, client: Any = None, *, address: str | None = None, workers: int | None = None) -> None:
        _distributed()
        self._client = client
        self._address = address
        self._workers = workers
        self._own: list[Any] = []
        self._ctx_future = None
        self._futures: list[Any] = []

    @property
    def client(self):
        return self._client

    @property
    def task_seconds(self) -> float:
        return max(1.0, self.slots / DASK_TASKS_PER_S)

    @property
    def slots(self) -> int:
        try:
            return max(1, sum(self._client.nthreads().values()))
        except Exception:  # noqa: BLE001 - a scheduler that does not answer: assume one slot
            return 1

    def start(self, ctx: Context) -> None:
        import logging

        distributed = _distributed()
        if self._client is None:
            if self._address in (None, "local"):
                with _sigint_ignored():  # Ctrl-C is the driver's: its workers inherit "ignore SIGINT"
                    cluster = distributed.LocalCluster(n_workers=self._workers or cores(), threads_per_worker=1,
                                                       processes=True, host="127.0.0.1", dashboard_address=None,
                                                       silence_logs=logging.ERROR)  # not the cancelled tasks
                self._own.append(cluster)
                self._client = distributed.Client(cluster)
            else:
                try:
                    self._client = distributed.Client(self._address, timeout="20s")
                except OSError as exc:
                    raise OptionalDependencyError(f"--dask {self._address}: cannot reach the Dask scheduler "
                                                  f"({exc})") from None
            self._own.insert(0, self._client)
        self._ctx_future = self._client.scatter(ctx, broadcast=True, hash=False)

    def run(self, batches: Iterable[list[Task]]) -> Iterator[tuple[list[Task], BatchResult]]:
        distributed = _distributed()
        from .evaluate import evaluate_batch

        it = iter(batches)
        window = max(4, 2 * self.slots)
        pending: dict[Any, list[Task]] = {}
        ac = distributed.as_completed()

        def submit() -> bool:
            batch = next(it, None)
            if batch is None:
                return False
            fut = self._client.submit(evaluate_batch, self._ctx_future, batch, pure=False)
            pending[fut] = batch
            ac.add(fut)
            return True

        while len(pending) < window and submit():
            pass
        self._futures = list(pending)
        for fut in ac:
            batch = pending.pop(fut)
            result = fut.result()  # a task's own error is raised here; a lost worker's tasks are rerun by Dask
            fut.release()
            yield batch, result
            while len(pending) < window and submit():
                pass
            self._futures = list(pending)

    def close(self, abort: bool = False) -> None:
        if self._futures and self._client is not None:
            try:
                self._client.cancel(self._futures)
            except Exception:  # noqa: BLE001 - closing must not hide the reason we are closing
                pass
        self._futures = []
        for obj in self._own:
            try:
                obj.close()
            except Exception:  # noqa: BLE001
                pass
        if self._own:
            self._client = None
        self._own = []

    def describe(self) -> str:
        if self._client is None:
            return f"Dask ({self._address or 'local'})"
        try:
            info = self._client.scheduler_info()
            n = len(info.get("workers", {}))
            return f"Dask at {self._client.scheduler.address} ({n} workers, {self.slots} threads)"
        except Exception:  # noqa: BLE001
            return "Dask"


def resolve(executor: Any = None, *, workers: int | None = None) -> Any:
    """An executor from what a caller gave: None or ``"local"`` (a process pool of ``workers``, default one per
    core; serial on a one-core machine), ``"serial"``, ``"dask"``/``"dask:local"`` (a LocalCluster), a scheduler
    address ``tcp://HOST:PORT``, a ``dask.distributed.Client``, or an executor object."""
    if executor is None or executor == "local":
        if workers is None and cores() == 1:
            return SerialExecutor()
        return LocalExecutor(workers)
    if isinstance(executor, str):
        if executor == "serial":
            return SerialExecutor()
        if executor in ("dask", "dask:local"):
            return DaskExecutor(address="local", workers=workers)
        if "://" in executor:
            return DaskExecutor(address=executor)
        from ..errors import InvalidInputError

        raise InvalidInputError(f"executor must be local, serial, dask or a Dask scheduler address "
                                f"(tcp://HOST:8786), got {executor!r}")
    import sys

    dist = sys.modules.get("distributed")  # a Client exists only once distributed is imported
    if dist is not None and isinstance(executor, dist.Client):
        return DaskExecutor(executor)
    if all(hasattr(executor, a) for a in ("start", "run", "close", "slots")):
        return executor
    from ..errors import InvalidInputError

    raise InvalidInputError(f"executor must be local, serial, a Dask address, a dask.distributed.Client or a "
                            f"minecore.sweep executor, got {type(executor).__name__}")
