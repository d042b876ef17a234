"""One plan for the whole site: a strategy for every seized lot, valued together under the site's power cap.

Each lot's :func:`~minecore.economics.decision.compare` values its strategies as if the site had room for every
machine. Under a power cap they compete: redeploying a lot switches off part of the existing fleet (or leaves
part of the lot off), and that displaced margin is a cost of the plan. So a plan (one strategy per lot) is worth::

    sum of the lots' expected NPVs - PV of the margin the cap takes away because of the plan's machines

where, day by day, the fleet plus the machines the plan runs (expected units: a released lot counts by the
probability it is running that day, replacements from their delivery) are dispatched in order of efficiency
(the highest break-even power price first, the rule of :mod:`minecore.economics.fleet`) until the cap is full;
the margin lost is the uncapped margin minus the capped one, less what the fleet alone already loses. Without a cap
the lots do not interact and the best plan is each lot's winner.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InvalidInputError
from .daily import unit_daily
from .decision import _parts, compare
from .inputs import Scenario, Strategy
from .results import DecisionResult

MAX_PLANS = 2000  #: most plans valued; beyond it each lot keeps only its best strategies (TOP_PER_LOT)
TOP_PER_LOT = 5


@dataclass(frozen=True)
class JointPlan:
    """A strategy label per lot, with the plan's value [USD, expected NPV on day 0]."""

    strategies: tuple[str, ...]  #: one label per lot, in the scenario's lot order
    lot_npv_usd: tuple[float, ...]  #: each lot's own expected NPV under its strategy (as if uncapped)
    displaced_margin_usd: float  #: PV of the margin the cap takes away because of this plan's machines
    expected_npv_usd: float  #: sum of the lots' NPVs less the displaced margin

    def summary(self, lots: tuple[str, ...]) -> dict[str, Any]:
        return {"strategies": dict(zip(lots, self.strategies)), "lot_npv_usd": dict(zip(lots, self.lot_npv_usd)),
                "displaced_margin_usd": self.displaced_margin_usd, "expected_npv_usd": self.expected_npv_usd}


@dataclass(frozen=True)
class JointPlanResult:
    """Plans ranked best first, the per-lot decisions behind them, and whether the cap made a difference."""

    lots: tuple[str, ...]
    plans: tuple[JointPlan, ...]  #: best first
    decisions: tuple[DecisionResult, ...]
    capped: bool  #: the site has a power cap, so lots were valued together

    @property
    def best(self) -> JointPlan:
        return self.plans[0]

    @property
    def per_lot_winners(self) -> JointPlan:
        """The plan made of each lot's own winner (what deciding lot by lot picks)."""
        want = tuple(d.winner.label for d in self.decisions)
        return next(p for p in self.plans if p.strategies == want)

    @property
    def differs_from_per_lot(self) -> bool:
        return self.best.strategies != self.per_lot_winners.strategies

    def to_dataframe(self):
        import pandas as pd

        return pd.DataFrame([{**{f"strategy[{lot}]": s for lot, s in zip(self.lots, p.strategies)},
                              "displaced_margin_usd": p.displaced_margin_usd, "expected_npv_usd": p.expected_npv_usd}
                             for p in self.plans])


def _groups(sc: Scenario, decisions: tuple[DecisionResult, ...], plan: tuple[str, ...]):
    """(spec, expected running units per day [H], label) for every machine group a plan adds to the site."""
    out = []
    for i, (label, res) in enumerate(zip(plan, decisions)):
        lot_sc = sc.for_lot(i)
        o = next(o for o in res.outcomes if o.label == label)
        H = lot_sc.horizon_days
        lot = lot_sc.lot
        if o.strategy in (Strategy.WAIT_AND_REDEPLOY, Strategy.REPLACE_AND_REDEPLOY, Strategy.PARTIAL_REPLACE):
            p = _parts(lot_sc)
            running = _running_share(p, lot.redeploy_delay_days)
            share = 1.0 - sc.partial_fraction if o.strategy is Strategy.PARTIAL_REPLACE else 1.0
            out.append((lot.machine, lot.units * share * running, f"{lot.name}: seized"))
        if o.option is not None and o.replacement_units > 0:
            ro = next(r for r in res.options if r.name == o.option)
            units = np.where(np.arange(H) >= ro.option.lead_time_days, float(o.replacement_units), 0.0)
            out.append((ro.option.machine, units, f"{lot.name}: {ro.name}"))
    return out


def _running_share(p, delay: int) -> np.ndarray:
    """P(the lot's units are running on day t): released (not forfeited) by day t - delay."""
    rel_cdf = np.cumsum(p.pmf * (1.0 - p.q_forfeit))
    running = np.zeros(p.horizon)
    if delay < p.horizon:
        running[delay:] = rel_cdf[: p.horizon - delay]
    return running


def _capped_margin(sc: Scenario, groups: list) -> tuple[np.ndarray, np.ndarray]:
    """Daily site margin [USD] of the groups uncapped and under the cap (most efficient first)."""
    H = sc.horizon_days
    cap_kw = sc.site.power_cap_mw * 1000.0 if sc.site.power_cap_mw is not None else math.inf
    rows = []
    for spec, units, _label in groups:
        d = unit_daily(spec, sc.site, sc.projection, H)
        kw = spec.power_w / 1000.0 * sc.site.pue
        rows.append((spec.efficiency_j_per_th, np.maximum(d.margin_usd, 0.0), kw, units))
    rows.sort(key=lambda r: r[0])
    left = np.full(H, cap_kw)
    uncapped = np.zeros(H)
    capped = np.zeros(H)
    for _eff, margin, kw, units in rows:
        on = margin > 0  # a unit that loses money is off anyway and takes no room
        uncapped += np.where(on, units * margin, 0.0)
        fit = np.where(on, np.minimum(units, left / kw), 0.0)
        capped += fit * margin
        left = left - fit * kw
    return uncapped, capped


def joint_plans(sc: Scenario) -> JointPlanResult:
    """Value every plan (one strategy per lot) of ``sc`` together under the site's power cap; best first."""
    decisions = tuple(compare(sc.for_lot(i)) for i in range(len(sc.lots)))
    names = tuple(lot.name for lot in sc.lots)
    capped = sc.site.power_cap_mw is not None
    per_lot = [[o.label for o in d.outcomes] for d in decisions]
    total = math.prod(len(c) for c in per_lot)
    if total > MAX_PLANS:
        per_lot = [c[:TOP_PER_LOT] for c in per_lot]
    npv = [{o.label: o.expected_npv_usd for o in d.outcomes} for d in decisions]
    disc = _parts(sc.for_lot(0)).disc[: sc.horizon_days]
    fleet = [(f.machine, np.full(sc.horizon_days, float(f.units)), "fleet") for f in sc.fleet]
    base_lost = 0.0
    if capped:
        u, c = _capped_margin(sc, fleet)
        base_lost = float(np.sum((u - c) * disc))
    plans = []
    for combo in itertools.product(*per_lot):
        lost = 0.0
        if capped:
            groups = fleet + _groups(sc, decisions, combo)
            u, c = _capped_margin(sc, groups)
            lost = float(np.sum((u - c) * disc)) - base_lost
        values = tuple(npv[i][label] for i, label in enumerate(combo))
        plans.append(JointPlan(combo, values, lost, sum(values) - lost))
    if not plans:
        raise InvalidInputError("no plan to value (no strategies)")
    plans.sort(key=lambda p: -p.expected_npv_usd)
    return JointPlanResult(names, tuple(plans), decisions, capped)
