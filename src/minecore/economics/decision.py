"""The decision engine: the cost of a customs hold so far and the expected NPV of each strategy for one lot.

Timeline: day 0 is the analysis date (``analysis_date``, default the snapshot date). A lot held ``days_held`` days is
released on a random future day ``w`` drawn from :class:`ReleaseModel` (conditional on still being held), or is
forfeited with probability ``forfeiture_probability`` (decided at the same time). While held it costs
``holding_fee_usd_per_unit_day`` on each of the days ``0 .. w-1`` (``w`` days; none on the release day). Released units hash from ``w + redeploy_delay_days``. Values are NPVs on day 0
[USD], cash in positive; sunk costs (the seized units' purchase, fees and legal costs so far) are excluded from the
strategies and reported in :class:`HoldCost`.

Worked example (hand-checkable, no growth, no discounting, no fees): 10 units of 100 TH/s, 1 kW, margin
$2.00/unit/day, released for sure in 10 days, redeployed at once, 100-day horizon, no salvage; waiting is worth
10 units x 90 days x $2 = $1,800::

    >>> from minecore.economics import (MachineSpec, NetworkProjection, NetworkSnapshot, OperatingCosts,
    ...                                 ReleaseModel, Valuation)
    >>> snap = NetworkSnapshot(date="2025-11-25", difficulty=152e12, btc_price_usd=91_000, fees_btc_per_block=0.03)
    >>> proj = NetworkProjection(snap, difficulty_growth_per_month=0.0)
    >>> m = MachineSpec("M", hashrate_ths=100, power_w=1000, price_usd=1000)
    >>> hp = proj.hashprice_usd_per_th_day(1)[0]
    >>> site = OperatingCosts(power_price_usd_per_kwh=(100 * hp - 2.0) / 24, pue=1.0, pool_fee=0.0, availability=1.0)
    >>> lot = SeizedLot(m, units=10, days_held=90, holding_fee_usd_per_unit_day=0.0,
    ...                 release=ReleaseModel.fixed(100), redeploy_delay_days=0, entry_duty_rate=0.0)
    >>> no_resale = Valuation(kind="calendar", start_fraction=0.0)
    >>> res = compare_strategies(lot, [], site=site, projection=proj, horizon_days=100, discount_rate_per_year=0.0,
    ...                          valuation=no_resale)
    >>> round(res.outcome(Strategy.WAIT_AND_REDEPLOY).expected_npv_usd, 6)
    1800.0
    >>> round(res.hold_cost.lost_margin_usd, 6)          # 90 days x 10 units x $2
    1800.0
"""


from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np

from ..errors import InvalidInputError, ScenarioError
from .capex import landed_capex
from .daily import break_even_power_price_usd_per_kwh, unit_daily
from .finance import discount_factors, payback_day, roi
from .inputs import ReplacementOption, SeizedLot, Strategy, Scenario
from .aftertax import after_tax, expected_wait_sell_k, tax_terms
from .results import DecisionResult, HoldCost, ResolvedOption, StrategyOutcome


# ---------------------------------------------------------------------------------------------- engine


@dataclass(frozen=True)
class _Parts:
    """Per-unit building blocks shared by the expected-value engine and the Monte Carlo."""

    horizon: int
    disc: np.ndarray  # H+1
    days_held: int
    pmf: np.ndarray  # resolution on day w (H)
    p_beyond: float
    q_forfeit: float
    seized_daily: Any  # UnitDaily over H days
    fee: float
    release_cost_usd: np.ndarray  # per unit if released on day w: brokerage + entry duty on that day (H+1)
    resale_net_usd: np.ndarray  # net sale proceeds per unit if sold in the US on day w (H+1)
    reexport_net_usd: np.ndarray  # net proceeds per unit if shipped abroad and sold on day w, no duty (H+1)
    seized_salvage_usd: float  # per unit at the horizon, sold as a block
    options: tuple[ResolvedOption, ...]
    option_daily: tuple[Any, ...]
    option_salvage_usd: tuple[float, ...]


def _resolve_option(opt: ReplacementOption, sc: Scenario, seized_ths: float, disc: np.ndarray) -> tuple[ResolvedOption, Any, float]:
    capex = landed_capex(opt.machine, tariffs=sc.tariffs, on=sc.analysis_date, freight_usd=opt.freight_usd_per_unit,
                         tariff_rate=opt.tariff_rate)
    if opt.units is not None:
        units = opt.units
    elif opt.budget_usd is not None:
        units = int(opt.budget_usd // capex.total_usd) if capex.total_usd > 0 else 0
        if units < 1:
            raise InvalidInputError(f"{opt.name}: budget ${opt.budget_usd:,.0f} buys no unit at ${capex.total_usd:,.0f}")
    else:
        units = max(1, math.ceil(seized_ths / opt.machine.hashrate_ths - 1e-9))
    H = sc.horizon_days
    daily = unit_daily(opt.machine, sc.site, sc.projection, H)
    live = np.arange(H) >= opt.lead_time_days
    cash = np.where(live, daily.margin_usd, 0.0)
    # sold at the horizon as a block, bought new on day 0
    salvage = float(sc.valuation.values_usd(opt.machine, sc.projection, 0.0, H)[0] * sc.valuation.net_of_sale_costs(units))
    cost = capex.total_usd
    npv_unit = -cost + float(np.sum(cash * disc[:H])) + salvage * disc[H]
    be = break_even_power_price_usd_per_kwh(opt.machine, sc.site, float(daily.hashprice_usd_per_th_day[0]))
    flows = np.concatenate([[-cost], cash, [salvage]])
    return (ResolvedOption(opt, units, capex, npv_unit, float(daily.margin_usd[0]),
                           payback_day(np.cumsum(cash) - cost), be, roi(float(cash.sum()) + salvage, cost), salvage,
                           flows), daily, salvage)


def seized_gross_value_usd(sc: Scenario) -> np.ndarray:
    """Gross value per seized unit if sold on day w = 0..H [USD]: the buyer's quote when the lot has one, else the
    scenario's valuation model at the units' age on that day."""
    lot = sc.lot
    H = sc.horizon_days
    if lot.resale_quote_usd is not None:
        return np.full(H + 1, float(lot.resale_quote_usd))
    age_now = lot.age_days_at_hold_start + sc.days_held
    return sc.valuation.values_usd(lot.machine, sc.projection, age_now, np.arange(H + 1))


def entry_duty_rates(sc: Scenario) -> np.ndarray:
    """US duty rate on the seized units' declared value if they enter on day w = 0..H (decimal): the lot's
    ``entry_duty_rate``, else the tariff schedule for their country of assembly on the release date."""
    lot = sc.lot
    H = sc.horizon_days
    if lot.entry_duty_rate is not None:
        return np.full(H + 1, float(lot.entry_duty_rate))
    table = sc.tariffs
    if table is None:
        return np.zeros(H + 1)
    if isinstance(table, str):
        from .tariffs import default_tariffs

        table = default_tariffs()
    # the schedule is piecewise constant: evaluate it at day 0 and at each row's start inside the horizon
    start = sc.analysis_date
    out = np.empty(H + 1)
    out[:] = table.rate(lot.machine.origin_country, start)
    for row in sorted(table.rates, key=lambda r: r.effective_from):
        w = (row.effective_from - start).days
        if 0 < w <= H:
            out[w:] = table.rate(lot.machine.origin_country, row.effective_from)
    return out


def _parts(sc: Scenario) -> _Parts:
    H = sc.horizon_days
    lot = sc.lot
    d0 = sc.days_held
    disc = discount_factors(sc.discount_rate_per_year, H)
    pmf, beyond = lot.release.remaining_pmf(d0, H)
    daily = unit_daily(lot.machine, sc.site, sc.projection, H)
    age_now = lot.age_days_at_hold_start + d0
    gross = seized_gross_value_usd(sc)
    keep = sc.valuation.net_of_sale_costs(lot.units)  # every sale pays the same selling costs and block discount
    resale = gross * keep
    reexport = gross * (1.0 - lot.reexport_price_discount) * keep - lot.reexport_freight_usd_per_unit
    # the salvage at the horizon is always the valuation model's (a quote is for a sale now, not in three years)
    salvage = float(sc.valuation.values_usd(lot.machine, sc.projection, age_now, H)[0] * keep)
    release_cost = lot.release_costs_usd_per_unit + lot.machine.price_usd * entry_duty_rates(sc)
    seized_ths = lot.machine.hashrate_ths * lot.units
    resolved = [_resolve_option(o, sc, seized_ths, disc) for o in sc.options]
    return _Parts(H, disc, d0, pmf, beyond, lot.release.forfeiture_probability, daily,
                  lot.holding_fee_usd_per_unit_day, release_cost, resale, reexport, salvage,
                  tuple(r[0] for r in resolved), tuple(r[1] for r in resolved), tuple(r[2] for r in resolved))


def _expected_series(p: _Parts, delay: int) -> dict[str, Any]:
    """Per-unit expected daily cash of the seized lot under 'wait' and 'sell' (length H) and salvage."""
    H = p.horizon
    rel = p.pmf * (1.0 - p.q_forfeit)  # released on day w
    cdf_res = np.cumsum(p.pmf)  # resolved (released or forfeited) on or before day t
    held = 1.0 - cdf_res  # P(w > t): a fee is due on day t while t < w, so w days in all (as the Monte Carlo)
    fees = -p.fee * held
    rel_cdf = np.cumsum(rel)
    running = np.zeros(H)
    if delay < H:
        running[delay:] = rel_cdf[: H - delay]
    rc = p.release_cost_usd[:H] * rel
    wait = fees - rc + running * p.seized_daily.margin_usd
    sell = fees - rc + rel * p.resale_net_usd[:H]
    reexport = fees + rel * p.reexport_net_usd[:H]  # shipped abroad in bond: no US entry duty or brokerage
    p_released = float(rel_cdf[-1]) if H else 0.0
    return {"wait": wait, "sell": sell, "reexport": reexport, "wait_salvage": p.seized_salvage_usd * p_released,
            "p_released": p_released}


def compare(sc: Scenario) -> DecisionResult:
    """Expected NPV of every strategy for ``sc``; see the module docstring for the timeline and conventions."""
    p = _parts(sc)
    H = sc.horizon_days
    lot = sc.lot
    N = lot.units
    ser = _expected_series(p, lot.redeploy_delay_days)
    disc = p.disc
    legal = lot.legal_costs_future_usd

    def pv(cash: np.ndarray, salvage: float) -> float:
        return float(np.sum(cash * disc[:H]) + salvage * disc[H])

    def with_legal(cash: np.ndarray) -> np.ndarray:
        c = cash.copy()
        c[0] -= legal
        return c

    wanted = set(sc.strategies) if sc.strategies is not None else set(Strategy)
    outs: list[StrategyOutcome] = []
    terms = tax_terms(sc, p) if sc.tax is not None else None
    if terms is not None:
        k_wait, k_sell = expected_wait_sell_k(terms, p.pmf, p.q_forfeit)
        k_wait, k_sell, k_abandon = N * k_wait, N * k_sell, N * terms.abandon
    else:
        k_wait = k_sell = k_abandon = 0.0

    def add(strategy: Strategy, option: str | None, cash: np.ndarray, salvage: float, capex: float, units: int,
            k_usd: float) -> None:
        if strategy in wanted:
            pre = pv(cash, salvage)
            value = pre if terms is None else after_tax(pre, k_usd, terms.rate)
            outs.append(StrategyOutcome(strategy, option, value, capex, units, cash, salvage,
                                        payback_day(np.cumsum(cash)), pre))

    wait_cash = with_legal(N * ser["wait"])
    sell_cash = with_legal(N * ser["sell"])
    wait_salv = N * ser["wait_salvage"]
    add(Strategy.WAIT_AND_REDEPLOY, None, wait_cash, wait_salv, 0.0, 0, k_wait)
    add(Strategy.SELL_ON_RELEASE, None, sell_cash, 0.0, 0.0, 0, k_sell)
    add(Strategy.REEXPORT_ON_RELEASE, None, with_legal(N * ser["reexport"]), 0.0, 0.0, 0, k_sell)
    add(Strategy.ABANDON, None, np.zeros(H), 0.0, 0.0, 0, k_abandon)
    for j, (ro, daily, salv) in enumerate(zip(p.options, p.option_daily, p.option_salvage_usd)):
        k_rep = terms.replacement[j] if terms is not None else 0.0
        live = np.arange(H) >= ro.option.lead_time_days
        unit_cash = np.where(live, daily.margin_usd, 0.0)
        rep = ro.units * unit_cash
        rep = rep.copy()
        rep[0] -= ro.capex_usd
        rep_salv = ro.units * salv
        n = ro.units
        add(Strategy.REPLACE_NOW, ro.name, rep, rep_salv, ro.capex_usd, n, n * k_rep + k_abandon)
        add(Strategy.REPLACE_AND_SELL_ON_RELEASE, ro.name, rep + sell_cash, rep_salv, ro.capex_usd, n,
            n * k_rep + k_sell)
        add(Strategy.REPLACE_AND_REDEPLOY, ro.name, rep + wait_cash, rep_salv + wait_salv, ro.capex_usd, n,
            n * k_rep + k_wait)
        f = sc.partial_fraction
        k = int(round(f * ro.units))
        if 0 < k < ro.units or (0 < f < 1 and k > 0):
            part = k * unit_cash
            part = part.copy()
            part[0] -= k * ro.capex.total_usd
            seized_mix = with_legal(N * ((1 - f) * ser["wait"] + f * ser["sell"]))
            add(Strategy.PARTIAL_REPLACE, ro.name, part + seized_mix, k * salv + (1 - f) * wait_salv,
                k * ro.capex.total_usd, k, k * k_rep + (1 - f) * k_wait + f * k_sell)
    outs.sort(key=lambda o: -o.expected_npv_usd)
    if not outs:
        raise ScenarioError("no strategy to compare (check 'strategies' and replacement options)")

    hold = hold_cost(sc)
    rel = p.pmf * (1.0 - p.q_forfeit)
    pr = float(rel.sum())
    exp_day = float(np.sum(np.arange(H) * rel) / pr) if pr > 0 else math.nan
    seized_be = break_even_power_price_usd_per_kwh(lot.machine, sc.site,
                                                   float(p.seized_daily.hashprice_usd_per_th_day[0]))
    release_day = min(int(round(exp_day)), H) if exp_day == exp_day else H
    basis = (f"quote: {lot.resale_quote_source or 'source not given'}" if lot.resale_quote_usd is not None
             else sc.valuation.basis)
    return DecisionResult(sc, sc.projection.snapshot.label, sc.analysis_date, p.days_held, hold, p.options, tuple(outs),
                          exp_day, pr, p.q_forfeit, float(p.seized_daily.margin_usd[0]) * N, seized_be,
                          float(p.resale_net_usd[release_day]), p.seized_salvage_usd, basis)


def hold_cost(sc: Scenario) -> HoldCost:
    """Cost of the hold so far for the lot in ``sc`` (see :class:`HoldCost`)."""
    lot = sc.lot
    d0 = sc.days_held
    N = lot.units
    if d0 == 0:
        return HoldCost(0, N, 0.0, 0.0, 0.0, lot.legal_costs_usd)
    today = unit_daily(lot.machine, sc.site, sc.projection, 1).margin_usd[0]
    past = unit_daily(lot.machine, sc.site, sc.projection, d0, start_day=-d0).margin_usd
    static = float(today) * d0 * N
    actual = float(past.sum()) * N
    return HoldCost(d0, N, static, actual - static, lot.holding_fee_usd_per_unit_day * d0 * N, lot.legal_costs_usd)


def compare_strategies(lot: SeizedLot, options: Iterable[ReplacementOption] = (), **scenario_kw: Any) -> DecisionResult:
    """Shortcut: ``compare(Scenario(lot, tuple(options), **scenario_kw))``."""
    return compare(Scenario(lot, tuple(options), **scenario_kw))
