"""Build a :class:`~minecore.reports.model.Report` from a scenario by calling the economics (and, with
``emulate=True``, the emulator).

All money comes from :mod:`minecore.economics`: :func:`~minecore.economics.decision.compare` for the
expected NPVs, hold cost and options, :func:`~minecore.economics.sensitivity_table.sensitivity` for the
one-at-a-time table and :func:`~minecore.economics.montecarlo.run_monte_carlo` for the distribution.
The scenario is the economics' own :class:`~minecore.economics.inputs.Scenario`; this module only copies
results into report rows (plus subsampling cash series and binning Monte Carlo NPVs for the charts).

Each seized lot is decided on its own (the economics compares one lot at a time); the plan is each lot's
winner, and its expected NPV is the sum over lots.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from typing import Any, ContextManager

from .. import __version__
from ..economics.inputs import Scenario
from ..errors import UnknownModelError
from . import model as M
from .scenario import BUILTIN_SOURCE

#: ``progress(description, total)`` -> context manager yielding ``advance(n)`` (the CLI passes a rich bar)
ProgressFactory = Callable[[str, int], ContextManager[Callable[[int], None]]]

def strategy_name(label: str, partial_fraction: float = 0.5) -> tuple[str, str]:
    """Name and description of an economics strategy label (``replace_now:Option``), from the economics' Strategy."""
    from ..economics.inputs import Strategy, strategy_title

    key, _, option = label.partition(":")
    try:
        desc = Strategy(key).description(option or None, partial_fraction)
    except ValueError:
        desc = ""
    return strategy_title(label, partial_fraction), desc


@contextlib.contextmanager
def _no_progress(_description: str, _total: int):
    yield lambda n=1: None


# ------------------------------------------------------------------------------------------ inputs


def _source_of(snapshot: Any, field: str) -> str:
    if field in snapshot.overridden:
        return "scenario [network] override"
    for s in snapshot.sources:
        if s.startswith(field):
            return s
    return snapshot.sources[0] if snapshot.sources else snapshot.name


def _default_or(value: Any, default: Any, given: str, fallback: str) -> str:
    """Source label of a figure: the model's default (named ``fallback``) when it equals it, else the scenario."""
    return fallback if value == default else given


def _inputs(sc: Scenario, hp: Any, catalog: Any) -> M.ReportInputs:
    from ..economics.inputs import SeizedLot
    from ..economics.release import ReleaseModel

    snapshot = sc.projection.snapshot
    proj = sc.projection
    net = [
        M.SourcedFigure("difficulty", snapshot.difficulty, "", _source_of(snapshot, "difficulty")),
        M.SourcedFigure("BTC price", snapshot.btc_price_usd, "USD/BTC", _source_of(snapshot, "btc_price_usd")),
        M.SourcedFigure("fees per block", snapshot.fees_btc_per_block, "BTC", _source_of(snapshot, "fees_btc_per_block")),
        M.SourcedFigure("block height", snapshot.block_height, "", _source_of(snapshot, "block_height")),
        M.SourcedFigure("subsidy", snapshot.subsidy_btc, "BTC", "consensus: halves every 210,000 blocks"),
        M.SourcedFigure("network hashrate", snapshot.hashrate_ehs, "EH/s", _source_of(snapshot, "hashrate_ehs")),
        M.SourcedFigure("hashprice", hp.usd_per_ph_day, "USD/PH/day", "minecore.economics.hashprice of the figures above"),
        M.SourcedFigure("difficulty growth", proj.difficulty_growth_per_month, "decimal/month", "scenario [network]"),
        M.SourcedFigure("BTC price growth", proj.btc_price_growth_per_year, "decimal/year", "scenario [network]"),
    ]
    if proj.offset_days:
        net += [
            M.SourcedFigure("difficulty on the analysis date", float(proj.difficulty(1)[0]), "",
                            f"snapshot difficulty grown {proj.offset_days} days at the difficulty growth"),
            M.SourcedFigure("BTC price on the analysis date", float(proj.btc_price_usd(1)[0]), "USD/BTC",
                            f"snapshot price grown {proj.offset_days} days at the BTC price growth"),
        ]
    for h in proj.halvings(1):
        net.append(M.SourcedFigure("next halving", h.expected_date.isoformat(),
                                   f"(block {h.height:,}, {h.days_from_snapshot:,.0f} days after the analysis date)",
                                   "block height and 600 s blocks"))
    site = sc.site
    site_figs = [
        M.SourcedFigure("power price", site.power_price_usd_per_kwh, "USD/kWh", "scenario [site]"),
        M.SourcedFigure("PUE", site.pue, "", "scenario [site]"),
        M.SourcedFigure("pool fee", site.pool_fee, "decimal", "scenario [site]"),
        M.SourcedFigure("availability", site.availability, "decimal", "scenario [site]"),
        M.SourcedFigure("hashrate efficiency", site.hashrate_efficiency, "decimal", "scenario [site]"),
        M.SourcedFigure("hosting", site.hosting_usd_per_kwh, "USD/kWh", "scenario [site]"),
        M.SourcedFigure("resale and salvage", sc.valuation.kind.value, "", sc.valuation.basis),
        M.SourcedFigure("income tax", f"{sc.tax.rate:.1%}, {sc.tax.depreciation.value}" if sc.tax else "none",
                        "", "scenario [tax]: federal IRC 11(b) 21 % since 2017; 100 % bonus depreciation for "
                            "hardware acquired and placed in service after 2025-01-19 (Pub. L. 119-21)"
                        if sc.tax else "no [tax] section: every NPV is pre-tax"),
    ]
    fee_default = SeizedLot.__dataclass_fields__["holding_fee_usd_per_unit_day"].default
    for lot in sc.lots:
        site_figs.append(M.SourcedFigure(f"{lot.name}: holding fee", lot.holding_fee_usd_per_unit_day, "USD/unit/day",
                                         _default_or(lot.holding_fee_usd_per_unit_day, fee_default, "scenario [[seized]]",
                                                     "economics default (>$200k for 200 units, "
                                                     "research/seizure_context.md)")))
        site_figs.append(M.SourcedFigure(f"{lot.name}: median total hold", lot.release.median_hold_days, "days",
                                         _default_or(lot.release.median_hold_days, ReleaseModel().median_hold_days,
                                                     "scenario [[seized]]", "economics default release model "
                                                     "(holds of ~2 to >6 months)")))
    tariffs = _tariffs(sc)
    models: list[M.ModelInput] = []
    seen: set[str] = set()
    specs = [lot.machine for lot in sc.lots] + [o.machine for o in sc.options]
    given_origin = {o.machine.name: o.origin_country for o in sc.options if o.origin_country}
    for spec in specs:
        ident = f"{spec.name}|{spec.origin_country}|{spec.price_usd}|{spec.operating_point}"
        if ident in seen:
            continue
        seen.add(ident)
        try:
            m = catalog.get(spec.key or spec.name)
        except UnknownModelError:  # a machine given in Python, not from the catalog
            m = None
        country = spec.origin_country
        models.append(M.ModelInput(
            name=spec.name, maker=m.maker if m else "not in the catalog", hashrate_ths=spec.hashrate_ths,
            power_w=spec.power_w, efficiency_j_per_th=spec.efficiency_j_per_th,
            origin_country=country + (" (scenario)" if given_origin.get(spec.name) == country else ""),
            restricted=m.restricted if m else False, customs_hold_exposed=m.customs_hold_exposed if m else False,
            price_usd=spec.price_usd, price_source=spec.price_source,
            tariff_rate=tariffs.rate(country, sc.analysis_date),
            tariff_source=tariffs.source_for(country, sc.analysis_date),
            unverified_fields=tuple(m.unverified) if m else tuple(spec.unverified),
            sources=tuple(m.sources) if m else ("given in Python (MachineSpec)",), price_basis=spec.price_basis,
            price_unverified="price_usd" in spec.unverified,
            operating_point=spec.operating_point or "nameplate (catalog)"))
    notes = (
        f"Network snapshot {snapshot.label}; hashprice ${hp.usd_per_ph_day:,.2f}/PH/day.",
        f"Tariffs: US duty schedule (HTS {tariffs.hts_code}) by country of assembly, verified through "
        f"{tariffs.verified_through.isoformat() if tariffs.verified_through else 'n/a'}.",
        "Catalog figures marked unverified come from a single secondary source; check them before relying on them.",
    )
    return M.ReportInputs(
        scenario_name=sc.name, scenario_source=sc.source, analysis_date=sc.analysis_date.isoformat(),
        horizon_days=sc.horizon_days, discount_rate_per_year=sc.discount_rate_per_year,
        snapshot_name=snapshot.name, snapshot_date=snapshot.date.isoformat(), network=tuple(net),
        site=tuple(site_figs), models=tuple(models), notes=notes)


def _tariffs(sc: Scenario) -> Any:
    from ..economics.tariffs import TariffTable, default_tariffs

    if isinstance(sc.tariffs, TariffTable):
        return sc.tariffs
    return default_tariffs() if sc.tariffs is not None else TariffTable(())


# ------------------------------------------------------------------------------------------ per lot


def _lot_report(sc: Scenario, i: int, esc: Any, catalog: Any,
                progress: ProgressFactory) -> tuple[M.LotReport, Any]:
    from ..economics.decision import compare
    from ..economics.sensitivity_table import sensitivity

    res = compare(esc)
    f = sc.partial_fraction
    names = {o.label: strategy_name(o.label, f) for o in res.outcomes}
    lot = esc.lot
    wait = next((o for o in res.outcomes if o.label == "wait_and_redeploy"), None)
    options = [M.OptionRow(
        name=f"Redeploy {lot.name}", kind="seized", model=lot.machine.name, units=lot.units,
        hashrate_ths=lot.machine.hashrate_ths * lot.units, power_mw=lot.machine.power_w * lot.units / 1e6,
        efficiency_j_per_th=lot.machine.efficiency_j_per_th, unit_price_usd=lot.machine.price_usd, tariff_rate=0.0,
        capex_usd=0.0, daily_margin_usd=res.seized_daily_margin_day0_usd, payback_day=None,
        npv_usd=wait.expected_npv_usd if wait is not None else float("nan"),
        break_even_power_price_usd_per_kwh=res.seized_break_even_power_price_usd_per_kwh, origin_country=lot.machine.origin_country,
        start_day=int(round(res.expected_release_day)) if res.expected_release_day == res.expected_release_day else 0,
        price_basis=lot.machine.price_basis, price_source=lot.machine.price_source,
        price_unverified="price_usd" in lot.machine.unverified)]
    for ro in res.options:
        s = ro.summary()
        options.append(M.OptionRow(
            name=ro.name, kind="replacement", model=s["model"], units=s["units"], hashrate_ths=s["hashrate_ths"],
            power_mw=s["power_mw"], efficiency_j_per_th=s["efficiency_j_per_th"], unit_price_usd=s["unit_price_usd"],
            tariff_rate=s["tariff_rate"], capex_usd=s["capex_usd"], daily_margin_usd=s["daily_margin_day0_usd"],
            payback_day=s["payback_day"], npv_usd=s["npv_usd"], roi=s["roi"], irr_per_year=s["irr_per_year"],
            break_even_power_price_usd_per_kwh=s["break_even_power_price_usd_per_kwh"], origin_country=s["origin_country"],
            start_day=s["lead_time_days"], salvage_usd_per_unit=ro.salvage_usd_per_unit,
            price_basis=ro.option.machine.price_basis,
            price_source=ro.option.machine.price_source, price_unverified="price_usd" in ro.option.machine.unverified))

    strategies = tuple(M.StrategyRow(key=o.label, name=names[o.label][0], description=names[o.label][1],
                                     expected_npv_usd=o.expected_npv_usd, rank=k + 1, payback_day=o.payback_day,
                                     expected_npv_pre_tax_usd=o.expected_npv_pre_tax_usd)
                       for k, o in enumerate(res.outcomes))
    win, run = res.winner, res.runner_up
    summary = (f"{lot.name}: {names[win.label][0]} (expected NPV {_usd(win.expected_npv_usd)}"
               + (f", {_usd(res.margin_usd)} ahead of '{names[run.label][0]}')" if run else ")"))
    from ..economics.explain import explain
    from ..economics.flips import what_flips

    title = {k: v[0] for k, v in names.items()}
    flip_table = what_flips(esc, tol=1e-3, steps=6)  # thresholds to 0.1 %: enough for a briefing, half the work
    flips = tuple(M.FlipRow(input=r.input, label=r.label, unit=r.unit, side=r.side.value, base_value=r.base_value,
                            threshold=r.threshold, threshold_text=r.threshold_text,
                            new_winner=title.get(r.new_winner, r.new_winner) if r.new_winner else None,
                            range_text=r.range_text) for r in flip_table.rows)
    rec = M.Recommendation(strategy_key=win.label, strategy_name=names[win.label][0],
                           expected_npv_usd=win.expected_npv_usd, runner_up_key=run.label if run else None,
                           runner_up_name=names[run.label][0] if run else None,
                           margin_over_next_usd=res.margin_usd if run else None, summary=summary,
                           explanation=explain(res, title), what_flips=flip_table.sentence(title))

    hc = res.hold_cost
    hold = M.HoldCostRow(lot=lot.name, model=lot.machine.name, units=hc.units, days_held=hc.days_held,
                         holding_fees_usd=hc.holding_fees_usd, legal_costs_usd=hc.legal_costs_usd,
                         lost_margin_at_analysis_date_usd=hc.lost_margin_at_analysis_date_usd,
                         difficulty_drift_usd=hc.difficulty_drift_usd, total_usd=hc.total_usd)

    # sensitivity: each input at its low, base and high value (the scenario's ranges), others at base
    p0 = float(esc.projection.btc_price_usd(1)[0])
    table = sensitivity(esc)
    base_values = {"power_price_usd_per_kwh": (esc.site.power_price_usd_per_kwh, "USD/kWh", "power price"),
                   "btc_price_usd": (p0, "USD/BTC", "BTC price"),
                   "difficulty_growth_per_month": (esc.projection.difficulty_growth_per_month, "decimal/month",
                                                   "difficulty growth"),
                   "hold_scale": (1.0, "x", "hold length")}
    def ranked(npv_usd: dict[str, float]) -> list[str]:
        """Strategy labels by the NPVs the economics returned, best first (ordering only)."""
        return sorted(npv_usd, key=lambda k: -npv_usd[k])

    def lead(npv_usd: dict[str, float]) -> float | None:
        """Base winner's NPV minus the best other strategy's, both as the economics returned them."""
        others = [v for k, v in npv_usd.items() if k != win.label]
        return npv_usd[win.label] - max(others) if others and win.label in npv_usd else None

    def runner_up(npv_usd: dict[str, float]) -> str | None:
        order = ranked(npv_usd)
        return strategy_name(order[1], f)[0] if len(order) > 1 else None

    sens_rows = []
    for param, (base, unit, label) in base_values.items():
        rows = [r for r in table.rows if r.parameter == param]
        if len(rows) < 2:
            continue
        lo, hi = rows[0], rows[-1]
        sens_rows.append(M.SensitivityRow(
            variable=label, unit=unit, base_value=base, low_value=lo.value, high_value=hi.value,
            npv_low_usd=lo.npv_usd.get(win.label, float("nan")), npv_base_usd=win.expected_npv_usd,
            npv_high_usd=hi.npv_usd.get(win.label, float("nan")),
            winner_low=strategy_name(lo.winner, f)[0], winner_high=strategy_name(hi.winner, f)[0],
            margin_low_usd=lo.margin_usd, margin_high_usd=hi.margin_usd,
            winner_base=names[win.label][0], runner_up_low=runner_up(lo.npv_usd),
            runner_up_base=names[run.label][0] if run else None, runner_up_high=runner_up(hi.npv_usd),
            winner_npv_low_usd=lo.winner_npv_usd, winner_npv_high_usd=hi.winner_npv_usd,
            margin_base_usd=res.margin_usd if run else None,
            base_winner_lead_low_usd=lead(lo.npv_usd), base_winner_lead_high_usd=lead(hi.npv_usd)))

    mc_summary = _monte_carlo(sc, esc, names, progress, lot.name)

    step = 7
    series = []
    for o in res.outcomes:
        cum = o.cumulative_cash_usd
        idx = list(range(0, len(cum), step))
        if idx[-1] != len(cum) - 1:
            idx.append(len(cum) - 1)
        series.append(M.CashSeries(o.label, names[o.label][0], tuple(idx), tuple(float(cum[j]) for j in idx),
                                  salvage_usd=float(o.expected_salvage_usd)))

    exp_day = res.expected_release_day
    return (M.LotReport(
        lot=lot.name, model=lot.machine.name, units=lot.units, days_held=res.days_held,
        expected_release_day=exp_day if exp_day == exp_day else None,
        release_within_horizon_probability=res.release_within_horizon_probability,
        forfeiture_probability=res.forfeiture_probability, hold_cost=hold, options=tuple(options),
        strategies=strategies, recommendation=rec, sensitivity=tuple(sens_rows), monte_carlo=mc_summary,
        cash_series=tuple(series), flips=flips, resale_usd_per_unit=res.seized_resale_usd_per_unit,
        salvage_usd_per_unit=res.seized_salvage_usd_per_unit, resale_basis=res.resale_basis,
        after_tax=esc.tax is not None), res)


def _dispatch(sc: Scenario, results: list[Any], chosen: tuple[str, ...]) -> M.SiteDispatch | None:
    """Site dispatch under the power cap: the scenario's fleet plus what each lot's recommendation runs."""
    if not sc.fleet and sc.site.power_cap_mw is None:
        return None
    from ..economics.fleet import dispatch_under_cap

    entries: list[tuple[Any, int, str]] = [(f.machine, f.units, "fleet") for f in sc.fleet]
    for lot, res, key in zip(sc.lots, results, chosen):
        outcome = next(o for o in res.outcomes if o.label == key)
        entries += [(spec, n, f"{lot.name}: {label}") for spec, n, label in res.machines_after(outcome)]
    plan = dispatch_under_cap(entries, sc.site.power_cap_mw, sc.site, sc.projection)
    rows = tuple(M.DispatchRow(label=r["label"], model=r["model"], units=r["units"], units_on=r["units_on"],
                               profitable=r["profitable"],
                               break_even_power_price_usd_per_kwh=r["break_even_power_price_usd_per_kwh"],
                               power_mw_on=r["power_mw_on"], margin_usd_per_day=r["margin_usd_per_day"])
                 for r in plan.rows)
    return M.SiteDispatch(site_cap_mw=plan.site_cap_mw, rows=rows, power_mw_on=plan.power_mw_on,
                          uncapped_power_mw=plan.uncapped_power_mw, margin_usd_per_day=plan.margin_usd_per_day,
                          uncapped_margin_usd_per_day=plan.uncapped_margin_usd_per_day,
                          cost_of_cap_usd_per_day=plan.cost_of_cap_usd_per_day)


def _joint_plan(sc: Scenario) -> M.JointPlan | None:
    """The lots valued together under the site's power cap (None without a cap: lots do not interact)."""
    if sc.site.power_cap_mw is None:
        return None
    from ..economics.plan import joint_plans

    res = joint_plans(sc)
    f = sc.partial_fraction

    def row(p: Any) -> M.JointPlanRow:
        return M.JointPlanRow(strategies=tuple(strategy_name(k, f)[0] for k in p.strategies), strategy_keys=p.strategies,
                              lot_npv_usd=p.lot_npv_usd, displaced_margin_usd=p.displaced_margin_usd,
                              expected_npv_usd=p.expected_npv_usd)

    from ..economics.flips import PLAN_SEPARATOR, what_flips_plan

    names = {PLAN_SEPARATOR.join(p.strategies): "; ".join(strategy_name(k, f)[0] for k in p.strategies)
             for p in res.plans}
    flips = what_flips_plan(sc, tol=1e-3, steps=6)
    return M.JointPlan(site_cap_mw=sc.site.power_cap_mw, best=row(res.best), others=tuple(row(p) for p in res.plans[1:5]),
                       per_lot_winners=row(res.per_lot_winners), differs_from_per_lot=res.differs_from_per_lot,
                       what_flips=flips.sentence(names))


def _monte_carlo(sc: Scenario, esc: Any, names: dict[str, tuple[str, str]], progress: ProgressFactory,
                 lot_name: str) -> M.MonteCarloSummary | None:
    mcs = sc.monte_carlo
    if not mcs.enabled:
        return None
    import numpy as np

    from ..economics.inputs import MCEngine
    from ..economics.montecarlo import run_monte_carlo

    params = dataclasses.replace(mcs, engine=MCEngine.NUMPY)  # no JIT in reports
    with progress(f"Monte Carlo: {lot_name}", mcs.paths) as advance:
        res = run_monte_carlo(esc, params, progress=advance)
    rows = []
    for r in res.summary_rows():
        lab = r["strategy"]
        rows.append(M.MonteCarloRow(strategy_key=lab, strategy_name=names.get(lab, (lab,))[0],
                                    npv_p5_usd=r["npv_p5_usd"], npv_p50_usd=r["npv_p50_usd"],
                                    npv_p95_usd=r["npv_p95_usd"], npv_mean_usd=r["npv_mean_usd"], p_win=r["p_win"],
                                    p_payback=r["p_payback_within_horizon"], npv_cvar5_usd=r.get("npv_cvar5_usd")))
    # histograms of the four strategies with the highest mean NPV, on shared bins (for the chart)
    top = [r.strategy_key for r in rows[:4]]
    data = [res.npv_usd[res.labels.index(k)] for k in top]
    lo = float(min(np.percentile(d, 0.5) for d in data))
    hi = float(max(np.percentile(d, 99.5) for d in data))
    edges = np.linspace(lo, hi, 41) if hi > lo else np.array([lo - 1.0, hi + 1.0])
    hists = tuple(M.Histogram(k, tuple(float(e) for e in edges), tuple(int(c) for c in np.histogram(np.clip(d, lo, hi),
                                                                                                    edges)[0]))
                  for k, d in zip(top, data))
    drift = mcs.btc_drift_per_year
    figs = (
        M.SourcedFigure("BTC volatility", mcs.btc_volatility_per_year, "decimal/sqrt(year)", "scenario [monte_carlo]"),
        M.SourcedFigure("BTC drift", esc.projection.btc_price_growth_per_year if drift is None else drift,
                        "decimal/year", "scenario [network] BTC price growth" if drift is None
                        else "scenario [monte_carlo]"),
        M.SourcedFigure("difficulty growth sd", mcs.difficulty_growth_sd_per_month, "decimal/month",
                        "scenario [monte_carlo]"),
        M.SourcedFigure("price-difficulty correlation", mcs.price_difficulty_correlation, "", "scenario [monte_carlo]"),
        M.SourcedFigure("difficulty adjustment", mcs.difficulty_adjustment_per_epoch, "1/epoch",
                        "scenario [monte_carlo]; fitted on 2016-2024 history (minecore.economics.difficulty_model)"),
    )
    return M.MonteCarloSummary(paths=mcs.paths, seed=mcs.seed, horizon_days=sc.horizon_days, model=figs,
                               rows=tuple(rows), histograms=hists, engine=res.engine, elapsed_s=res.elapsed_s,
                               ranking_note=res.ranking_note(sc.partial_fraction))


def _usd(v: float) -> str:
    from .fmt import usd

    return usd(v)


# ------------------------------------------------------------------------------------------ public


def build_report(sc: Scenario, *, catalog: Any = None, emulate: bool = False, emulate_seconds: float = 0.5,
                 progress: ProgressFactory | None = None) -> M.Report:
    """Compute every section of the report for scenario ``sc``.

    catalog : hardware catalog (default: the built-in one); emulate : also run the emulator per model;
    progress : factory of progress callbacks (see :data:`ProgressFactory`), e.g. the CLI's rich bar.
    """
    from ..economics.network import hashprice

    if catalog is None:
        from ..hardware import default_catalog

        catalog = default_catalog()
    progress = progress or _no_progress
    hp = hashprice(sc.projection.snapshot)
    inputs = _inputs(sc, hp, catalog)
    decided = [_lot_report(sc, i, sc.for_lot(i), catalog, progress) for i in range(len(sc.lots))]
    lots = tuple(lr for lr, _res in decided)
    joint = _joint_plan(sc)
    chosen = joint.best.strategy_keys if joint else tuple(lr.recommendation.strategy_key for lr in lots)
    dispatch = _dispatch(sc, [res for _lr, res in decided], chosen)

    plan = []
    for lr, key in zip(lots, chosen):
        row = next(s for s in lr.strategies if s.key == key)
        margin = lr.recommendation.margin_over_next_usd if key == lr.recommendation.strategy_key else None
        plan.append(M.PlanRow(lot=lr.lot, strategy_key=key, strategy_name=row.name,
                              expected_npv_usd=row.expected_npv_usd, margin_over_next_usd=margin))
    plan = tuple(plan)
    break_even: dict[str, M.BreakEvenRow] = {}
    for lr in lots:
        for o in lr.options:
            break_even.setdefault(o.model, M.BreakEvenRow(o.model, o.kind, o.break_even_power_price_usd_per_kwh))
    warnings = []
    tariff_warning = _tariffs(sc).warning(sc.analysis_date)
    if tariff_warning:
        warnings.append(tariff_warning)
    for m in inputs.models:
        critical = {"hashrate_ths", "power_w", "efficiency_j_per_th"} & set(m.unverified_fields)
        if critical:
            warnings.append(f"{m.name}: {', '.join(sorted(critical))} unverified in the catalog")
        if m.price_basis == "assumed_tier":
            warnings.append(f"{m.name}: no price in the scenario or the catalog; using the economics' assumed $/TH "
                            f"tier price {_usd(m.price_usd)} (not a quote): set price_usd")
    emulation = None
    if emulate:
        from .emulate import emulation_summary

        emulation = emulation_summary(inputs.models, seconds=emulate_seconds, progress=progress)
    source = "built-in default" if sc.source == BUILTIN_SOURCE else sc.source
    return M.Report(
        title=f"minecore report: {sc.name}", generated_by=f"minecore {__version__}",
        inputs=dataclasses.replace(inputs, scenario_source=source), lots=lots, plan=plan,
        plan_expected_npv_usd=joint.best.expected_npv_usd if joint else sum(p.expected_npv_usd for p in plan),
        hold_cost_total_usd=sum(lr.hold_cost.total_usd for lr in lots),
        break_even=tuple(sorted(break_even.values(), key=lambda b: b.break_even_power_price_usd_per_kwh)),
        emulation=emulation, dispatch=dispatch, warnings=tuple(warnings), joint_plan=joint)
