"""Computing points: the rows one point adds to the sweep's table, and the batch function workers run.

This module is what a worker process imports first, so it imports only the standard library at load time; the
economics load on the first point. Everything a worker needs travels in a :class:`Context` (sent once per
worker) and :class:`Task` objects (one per point), all plain picklable data.

Rows of one point (see :data:`RESULT_COLUMNS`; ``docs/sweep.md`` describes every column):

* ``kind = "strategy"``: one row per seized lot and strategy, best first (``rank`` 1 is the lot's winner), with
  the expected NPV, the lead over the next best (for the winner: over the runner-up, so positive; for the
  others: behind the winner, so negative) and, with a Monte Carlo, the strategy's mean, P5/P50/P95, CVaR 5 %,
  P(win) and P(payback); with ``flips``, every row of the lot carries the lot's thresholds.
* ``kind = "plan"``: the best joint plan of the site (one strategy per lot, valued together under the power
  cap; :func:`minecore.economics.plan.joint_plans`), and the plan of per-lot winners when it differs.
* ``kind = "error"``: the point's scenario was refused by the loader (a combination of values that fails only
  together); ``error`` says why. The point counts as done: the same inputs give the same refusal.
"""

from __future__ import annotations

import math
import os
import socket
import time
from dataclasses import dataclass, field
from typing import Any

#: result columns, in table order (flip columns follow, then flip_sentence)
RESULT_COLUMNS = ("lot_index", "lot", "kind", "rank", "strategy", "option", "winner", "expected_npv_usd",
                  "expected_npv_pre_tax_usd", "lead_usd", "capex_usd", "replacement_units", "mc_paths",
                  "mc_npv_mean_usd", "mc_npv_p5_usd", "mc_npv_p50_usd", "mc_npv_p95_usd", "mc_npv_cvar5_usd",
                  "mc_p_win", "mc_p_payback", "displaced_margin_usd", "error")
TEXT_COLUMNS = ("point_hash", "case", "lot", "kind", "strategy", "option", "winner", "error", "flip_sentence")
NAN = math.nan


@dataclass(frozen=True)
class Context:
    """What every point of a sweep shares (sent to each worker once)."""

    base_raw: dict[str, Any]
    source: str  #: the base scenario's source (file path or the loader's built-in name)
    paths: int | None
    engine: str
    flips: tuple[str, ...]
    flip_tol: float
    flip_steps: int
    plans: str
    version: str  #: minecore version on the driver
    delay_s: float = 0.0  #: extra seconds per point (MINECORE_SWEEP_DELAY_S; for tests of interruption)


@dataclass(frozen=True)
class Task:
    """One point to compute."""

    index: int
    hash: str
    seed: int
    case: str
    overrides: tuple[tuple[Any, Any], ...]
    columns: tuple[tuple[str, Any], ...]  #: the point's axis values as table cells


@dataclass(frozen=True)
class BatchResult:
    """What a worker sends back: the batch's rows as a ``pandas.DataFrame`` (built on the worker: columns of
    numbers travel and load much faster than a list of dicts, and the driver stays light)."""

    frame: Any
    version: str  #: minecore version on the worker
    host: str
    pid: int
    elapsed_s: float  #: wall time of the batch on the worker
    cpu_s: float  #: CPU time of the batch on the worker (its process)
    points: int = 0
    indices: tuple[int, ...] = field(default=())


def flip_columns(flips: tuple[str, ...]) -> list[str]:
    return [f"flip_{name}_{side}" for name in flips for side in ("below", "above")]


def _one_line(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    from .spec import CHECK_SOURCE, _loader_problem

    return _loader_problem(Exception(text), CHECK_SOURCE)


def _scenario(ctx: Context, task: Task):
    import dataclasses

    from ..economics.inputs import MCEngine
    from ..reports.scenario import parse_scenario
    from .points import scenario_text

    sc = parse_scenario(scenario_text(ctx.base_raw, task.overrides), ctx.source)
    mc = sc.monte_carlo
    changes: dict[str, Any] = {"seed": task.seed, "engine": MCEngine(ctx.engine)}
    if ctx.paths is not None:
        changes["paths"] = ctx.paths
    return sc.replace(monte_carlo=dataclasses.replace(mc, **changes))


def point_rows(ctx: Context, task: Task) -> list[dict[str, Any]]:
    """The rows of one point (see the module docstring)."""
    from ..errors import InvalidInputError, SweepError

    head = {"point": task.index, "point_hash": task.hash, "case": task.case, **dict(task.columns), "seed": task.seed}
    try:
        sc = _scenario(ctx, task)
    except (InvalidInputError, SweepError) as exc:
        return [{**head, "lot_index": 0, "lot": "", "kind": "error", "rank": 0, "strategy": "", "option": "",
                 "winner": "", "error": _one_line(exc)}]
    from ..economics.decision import compare
    from ..economics.montecarlo import run_monte_carlo

    rows: list[dict[str, Any]] = []
    fcols = flip_columns(ctx.flips)
    for i, lot in enumerate(sc.lots):
        s = sc.for_lot(i)
        res = compare(s)
        mc: dict[str, dict[str, Any]] = {}
        if s.monte_carlo.paths > 0:
            mc = {r["strategy"]: r for r in run_monte_carlo(s).summary_rows()}
        flip: dict[str, Any] = {}
        if ctx.flips:
            from ..economics.flips import what_flips

            table = what_flips(s, list(ctx.flips), tol=ctx.flip_tol, steps=ctx.flip_steps)
            flip = dict.fromkeys(fcols, NAN)
            for r in table.rows:
                flip[f"flip_{r.input}_{r.side.value}"] = NAN if r.threshold is None else float(r.threshold)
            flip["flip_sentence"] = table.sentence()
        outs = res.outcomes
        for rank, o in enumerate(outs, 1):
            other = outs[1] if rank == 1 else outs[0]
            m = mc.get(o.label, {})
            pay = m.get("p_payback_within_horizon")
            rows.append({**head, "lot_index": i, "lot": lot.name, "kind": "strategy", "rank": rank,
                         "strategy": o.label, "option": o.option or "", "winner": res.winner.label,
                         "expected_npv_usd": float(o.expected_npv_usd),
                         "expected_npv_pre_tax_usd": float(o.expected_npv_usd if o.expected_npv_pre_tax_usd is None
                                                           else o.expected_npv_pre_tax_usd),
                         "lead_usd": float(o.expected_npv_usd - other.expected_npv_usd) if len(outs) > 1 else NAN,
                         "capex_usd": float(o.capex_usd), "replacement_units": int(o.replacement_units),
                         "mc_paths": int(s.monte_carlo.paths),
                         "mc_npv_mean_usd": m.get("npv_mean_usd", NAN), "mc_npv_p5_usd": m.get("npv_p5_usd", NAN),
                         "mc_npv_p50_usd": m.get("npv_p50_usd", NAN), "mc_npv_p95_usd": m.get("npv_p95_usd", NAN),
                         "mc_npv_cvar5_usd": m.get("npv_cvar5_usd", NAN), "mc_p_win": m.get("p_win", NAN),
                         "mc_p_payback": NAN if pay is None else float(pay), "error": "", **flip})
    plans = ctx.plans == "always" or (ctx.plans == "auto" and len(sc.lots) > 1)
    if plans:
        rows += _plan_rows(sc, head)
    return rows


def _plan_rows(sc, head: dict[str, Any]) -> list[dict[str, Any]]:
    from ..economics.plan import joint_plans

    jp = joint_plans(sc)
    plans = jp.plans

    def label(p) -> str:
        return "; ".join(f"{lot}={s}" for lot, s in zip(jp.lots, p.strategies))

    best = plans[0]
    chosen = [(1, best)]
    per_lot = jp.per_lot_winners
    if per_lot.strategies != best.strategies:
        chosen.append((plans.index(per_lot) + 1, per_lot))
    rows = []
    for rank, p in chosen:
        other = plans[1] if rank == 1 else best
        rows.append({**head, "lot_index": len(sc.lots), "lot": "site", "kind": "plan", "rank": rank,
                     "strategy": label(p), "option": "", "winner": label(best),
                     "expected_npv_usd": float(p.expected_npv_usd), "expected_npv_pre_tax_usd": NAN,
                     "lead_usd": float(p.expected_npv_usd - other.expected_npv_usd) if len(plans) > 1 else NAN,
                     "displaced_margin_usd": float(p.displaced_margin_usd), "error": ""})
    return rows


def evaluate_batch(ctx: Context, tasks: list[Task]) -> BatchResult:
    """Compute every point of ``tasks`` (what one worker task runs)."""
    from .. import __version__

    t0, c0 = time.perf_counter(), time.process_time()
    rows: list[dict[str, Any]] = []
    for task in tasks:
        rows += point_rows(ctx, task)
        if ctx.delay_s > 0:
            time.sleep(ctx.delay_s)
    out = frame(rows)
    return BatchResult(out, __version__, socket.gethostname(), os.getpid(), time.perf_counter() - t0,
                       time.process_time() - c0, len(tasks), tuple(t.index for t in tasks))


def frame(rows: list[dict[str, Any]]) -> Any:
    """Rows as a DataFrame with exact integer columns (seeds span [0, 2^64): pandas alone would make some floats)."""
    import pandas as pd

    df = pd.DataFrame(rows)
    if "seed" in df.columns:
        df["seed"] = pd.Series([int(r["seed"]) for r in rows], dtype="uint64", index=df.index)
    return df


# ---------------------------------------------------------------------------------------------- process pools

_CTX: Context | None = None


def init_worker(ctx: Context, threads: int) -> None:
    """Process-pool initializer: keep the context, cap the threads each worker's numeric libraries may start
    (numba's Monte Carlo, BLAS), and leave Ctrl-C to the driver (which stops the pool and keeps what finished)."""
    import signal

    global _CTX
    _CTX = ctx
    for var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def evaluate_in_pool(tasks: list[Task]) -> BatchResult:
    if _CTX is None:  # pragma: no cover - the initializer always runs first
        raise RuntimeError("sweep worker without a context")
    return evaluate_batch(_CTX, tasks)
