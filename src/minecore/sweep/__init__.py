"""Scenario sweeps: thousands of scenarios from one sweep file, on this machine or a Dask cluster, resumable.

A sweep file (``docs/sweep.md``) names a base scenario and the inputs to vary, as a grid of axes and/or named
cases; every point is the base scenario with those inputs set, decided lot by lot (expected NPVs, the Monte
Carlo, optionally the what-flips-it thresholds, and the site's joint plan). The result is one tidy table, one
row per point and strategy (or plan).

=================  ===========================================================================================
``spec``           the sweep file: :func:`load_sweep`, :func:`parse_sweep`, :class:`Sweep` (axes, cases, points)
``points``         a point's scenario (the base TOML with its settings), seed and identity hash
``evaluate``       one point's rows; the batch function workers run (light import)
``executors``      :class:`SerialExecutor`, :class:`LocalExecutor` (process pool), :class:`DaskExecutor`
``store``          finished points on disk: atomic chunk files, resume by hash
``driver``         the driver: :func:`run` returns the table as a ``pandas.DataFrame``
``summary``        where the recommendation changes: :func:`summarize`
=================  ===========================================================================================

In a notebook::

    from dask.distributed import Client
    from minecore import sweep
    table = sweep.run("examples/sweep-power-btc-hold.toml", executor=Client("tcp://scheduler:8786"))

This layer sits above :mod:`minecore.economics` and the scenario loader (:mod:`minecore.reports.scenario`);
only the CLI imports it. Modules load on first use: ``import minecore.sweep`` imports neither numpy nor Dask.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "spec": ("Sweep", "Axis", "Case", "Point", "Target", "SeedPolicy", "PlanRows", "load_sweep", "parse_sweep",
             "expand_range"),
    "points": ("point_seed", "point_hash", "to_toml", "scenario_text"),
    "executors": ("SerialExecutor", "LocalExecutor", "DaskExecutor", "Batcher", "cores", "batch_size"),
    "store": ("ChunkStore",),
    "driver": ("run", "SweepStats", "parts_dir", "columns"),
    "summary": ("summarize",),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        if name in _EXPORTS:
            return importlib.import_module(f"{__name__}.{name}")
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
