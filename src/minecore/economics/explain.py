"""One sentence that says why a lot's winner wins, from the decision's own figures (never from a template
filled with anything the economics did not compute)."""

from __future__ import annotations

import math
from typing import Mapping

from .inputs import strategy_title
from .results import DecisionResult


def _usd(v: float) -> str:
    a = abs(v)
    text = (f"${a / 1e6:,.2f}M" if a >= 1e6 else f"${a / 1e3:,.0f}k" if a >= 1e4 else f"${a:,.0f}" if a >= 100
            else f"${a:,.2f}")
    return ("-" if v < 0 else "") + text


def per_unit_figures(res: DecisionResult) -> dict[str, float]:
    """Per seized unit [USD]: expected holding fees until release, entry duty and net US resale on the expected
    release day, the re-export proceeds then, and the day-0 operating margin per day if it ran."""
    from .decision import _parts, entry_duty_rates

    sc = res.scenario
    lot = sc.lot
    p = _parts(sc)
    day = res.expected_release_day
    d = min(int(round(day)), sc.horizon_days) if math.isfinite(day) else sc.horizon_days
    return {"release_day": float(d),
            "holding_fees_usd": lot.holding_fee_usd_per_unit_day * (d if math.isfinite(day) else sc.horizon_days),
            "entry_duty_usd": float(lot.machine.price_usd * entry_duty_rates(sc)[d]),
            "resale_usd": float(p.resale_net_usd[d]), "reexport_usd": float(p.reexport_net_usd[d]),
            "margin_usd_per_day": res.seized_daily_margin_day0_usd / lot.units}


def explain(res: DecisionResult, names: Mapping[str, str] | None = None) -> str:
    """Why the winner of ``res`` wins, in one sentence of figures (per unit unless stated)."""
    def name(label: str) -> str:
        return (names or {}).get(label) or strategy_title(label, res.scenario.partial_fraction)

    w, r = res.winner, res.runner_up
    taxed = res.scenario.tax is not None
    lead = (f" by {_usd(res.margin_usd)}{' after tax' if taxed else ''} over {name(r.label)}" if r is not None else "")
    f = per_unit_figures(res)
    day = f"day {f['release_day']:.0f}"
    key = w.strategy.value
    if key in ("sell_on_release", "reexport_on_release", "replace_and_sell_on_release"):
        if key == "reexport_on_release":
            how = (f"a unit shipped abroad fetches about {_usd(f['reexport_usd'])} net on the expected release "
                   f"({day}) and pays no US entry duty (about {_usd(f['entry_duty_usd'])} a unit)")
        else:
            how = (f"a unit sold on the expected release ({day}) fetches about {_usd(f['resale_usd'])} net, after "
                   f"about {_usd(f['entry_duty_usd'])} of entry duty")
        return (f"{name(w.label)} wins{lead}: {how}, against about {_usd(f['holding_fees_usd'])} of holding fees "
                f"until then and a day-0 operating margin of {_usd(f['margin_usd_per_day'])} a day if redeployed.")
    if key in ("wait_and_redeploy", "replace_and_redeploy", "partial_replace"):
        return (f"{name(w.label)} wins{lead}: once released ({day} expected) a unit earns "
                f"{_usd(f['margin_usd_per_day'])} a day at the analysis date's network, more than the "
                f"{_usd(f['resale_usd'])} it would fetch sold then.")
    if key == "abandon":
        return (f"{name(w.label)} wins{lead}: waiting costs about {_usd(f['holding_fees_usd'])} of holding fees "
                f"a unit until the expected release ({day}) plus {_usd(f['entry_duty_usd'])} of entry duty, more "
                f"than a unit then fetches ({_usd(f['resale_usd'])} net in the US, {_usd(f['reexport_usd'])} "
                f"abroad){' after the tax deduction of its basis' if taxed else ''}.")
    opt = next((o for o in res.options if o.name == w.option), None)
    detail = (f": {opt.units:,} units for {_usd(opt.capex_usd)} landed earn {_usd(opt.npv_per_unit_usd * opt.units)} "
              f"of NPV while the lot is written off" if opt is not None else "")
    return f"{name(w.label)} wins{lead}{detail}."
