"""Terminal rendering with rich: sections of tables that follow the terminal's colour and width.

On consoles narrower than 120 columns the per-option table splits into a hardware table and a money
table so that no column is squeezed into unreadable wrapping.
"""

from __future__ import annotations

from typing import Any

from . import fmt
from . import model as _m

WIDE = 120  #: columns from which the per-option table is shown in one piece


def _table(title: str, caption: str | None = None):
    from rich import box
    from rich.table import Table

    return Table(title=title, caption=caption, title_justify="left", caption_justify="left",
                 box=box.SIMPLE_HEAD, title_style="bold", pad_edge=False, expand=False)


def _x(text: Any) -> str:
    """Escape rich markup in user/catalog text (model names, sources with [brackets])."""
    from rich.markup import escape

    return escape(str(text))


def _inputs(report: _m.Report, out: list[Any]) -> None:
    inp = report.inputs
    t = _table("Inputs and their sources",
               caption="* unverified figure (see the catalog sources); scenario figures are assumptions to override")
    t.add_column("input", overflow="fold")
    t.add_column("value", justify="right")
    t.add_column("source", overflow="fold", style="dim")
    t.add_row("scenario", _x(inp.scenario_name), _x(inp.scenario_source))
    t.add_row("network snapshot", inp.snapshot_date, _x(inp.snapshot_name))
    t.add_row("analysis date / horizon", f"{inp.analysis_date} / {inp.horizon_days:,} d",
              f"discount {fmt.pct(inp.discount_rate_per_year)}/year")
    for f in inp.network + inp.site:
        t.add_row(_x(f.name) + (" *" if f.unverified else ""), _x(fmt.figure(f.value, f.unit)),
                  _x(fmt.short(f.source, 56)))
    out.append(t)

    m = _table("Models", caption="origin = country of assembly, which sets the US tariff")
    m.add_column("model", overflow="fold")
    m.add_column("TH/s", justify="right")
    m.add_column("W", justify="right")
    m.add_column("J/TH", justify="right")
    m.add_column("origin", overflow="fold")
    m.add_column("tariff", justify="right")
    m.add_column("unverified", overflow="fold", style="yellow")
    for x in inp.models:
        m.add_row(_x(x.name), fmt.number(x.hashrate_ths, 0), fmt.number(x.power_w, 0),
                  fmt.number(x.efficiency_j_per_th, 1), _x(x.origin_country), fmt.pct(x.tariff_rate),
                  _x(", ".join(f.replace("efficiency_j_per_th", "J/TH")
                               .replace("hashrate_ths", "TH/s").replace("power_w", "W")
                               for f in x.unverified_fields) or "—"))
    out.append(m)

    p = _table("Unit prices and where they come from",
               caption="catalog (dated) = the catalog's dated price; scenario assumption = price_usd in the scenario "
                       "file, not a catalog figure; assumed $/TH tier = the economics' efficiency-tier guess, not a "
                       "quote. Capex, resale and salvage all start from these prices: override them.")
    p.add_column("model", overflow="fold")
    p.add_column("price", justify="right")
    p.add_column("basis", overflow="fold", style="yellow")
    p.add_column("source", overflow="fold", style="dim")
    for x in inp.models:
        p.add_row(_x(x.name), fmt.usd(x.price_usd), _x(fmt.price_basis(x.price_basis, x.price_unverified)),
                  _x(fmt.short(x.price_source, 90)))
    out.append(p)


def _money_style(value: float | None) -> str:
    return "red" if value is not None and value < 0 else ""


def _options(report: _m.Report, lot: _m.LotReport, width: int, out: list[Any]) -> None:
    rows = lot.options
    hw_cols = [("option", "left"), ("units", "right"), ("TH/s", "right"), ("MW", "right"),
               ("J/TH", "right"), ("capex incl. tariff", "right")]
    money_cols = [("daily margin", "right"), ("payback", "right"), ("NPV", "right"), ("ROI", "right"),
                  ("IRR", "right"), ("break-even power", "right")]

    def hw(o: _m.OptionRow) -> list[str]:
        capex = fmt.usd(o.capex_usd) + f" ({fmt.pct(o.tariff_rate, 1)})" if o.capex_usd else "sunk"
        return [_x(o.name), fmt.number(o.units), fmt.number(o.hashrate_ths, 0), fmt.number(o.power_mw, 2),
                fmt.number(o.efficiency_j_per_th, 1), capex]

    def money(o: _m.OptionRow) -> list[str]:
        margin = fmt.usd(o.daily_margin_usd) + "/d"
        npv = fmt.usd(o.npv_usd)
        return [f"[red]{margin}[/red]" if o.daily_margin_usd < 0 else margin,
                fmt.days(o.payback_day) if o.capex_usd else "sunk",
                f"[red]{npv}[/red]" if o.npv_usd < 0 else npv,
                fmt.pct(o.roi, 0) if o.capex_usd else "sunk", fmt.pct(o.irr_per_year, 0) if o.capex_usd else "sunk",
                fmt.usd_per_kwh(o.break_even_power_price_usd_per_kwh) + "/kWh"]

    caption = (f"NPV over {report.inputs.horizon_days:,} days at {fmt.pct(report.inputs.discount_rate_per_year)}/year "
               "incl. salvage; the seized row's NPV is 'wait and redeploy' (capex sunk); "
               "payback 'never' = not within the horizon; ROI undiscounted incl. salvage; IRR per year, "
               "'—' = no rate exists (no cash comes back). Capex starts from the unit prices in 'Unit prices' ("
               + "; ".join(f"{_x(o.name)}: {_x(fmt.price_basis(o.price_basis, o.price_unverified))}"
                           for o in rows if o.kind == "replacement") + ")")
    title = f"{_x(lot.lot)}: options (whole lots, replacements sized to the lot's hashrate unless counted)"
    if width >= WIDE:
        t = _table(title, caption=caption)
        for name, just in hw_cols + money_cols:
            t.add_column(name, justify=just, overflow="fold")
        for o in rows:
            t.add_row(*hw(o), *money(o))
        out.append(t)
    else:
        t1 = _table(f"{_x(lot.lot)}: options, hardware")
        for name, just in hw_cols:
            t1.add_column(name, justify=just, overflow="fold")
        for o in rows:
            t1.add_row(*hw(o))
        t2 = _table(f"{_x(lot.lot)}: options, money", caption=caption)
        t2.add_column("option", overflow="fold")
        for name, just in money_cols:
            t2.add_column(name, justify=just, overflow="fold")
        for o in rows:
            t2.add_row(_x(o.name), *money(o))
        out.extend([t1, t2])


def _hold(report: _m.Report, out: list[Any]) -> None:
    t = _table("Cost of the hold so far",
               caption="lost margin = days held x today's margin; drift = what the lower difficulty of the held "
                       "days would have added; fees and legal costs as paid")
    for name in ("lot", "units", "days held", "holding fees", "legal", "lost margin", "difficulty drift", "total"):
        t.add_column(name, justify="left" if name == "lot" else "right", overflow="fold")
    for lot in report.lots:
        h = lot.hold_cost
        t.add_row(_x(h.lot), fmt.number(h.units), fmt.number(h.days_held), fmt.usd(h.holding_fees_usd),
                  fmt.usd(h.legal_costs_usd), fmt.usd(h.lost_margin_at_analysis_date_usd), fmt.usd(h.difficulty_drift_usd),
                  f"[bold]{fmt.usd(h.total_usd)}[/bold]")
    if len(report.lots) > 1:
        t.add_row("[bold]all lots[/bold]", "", "", "", "", "", "", f"[bold]{fmt.usd(report.hold_cost_total_usd)}[/bold]")
    out.append(t)


def _plan(report: _m.Report, out: list[Any]) -> None:
    from rich.panel import Panel

    lines = []
    lots = {lot.lot: lot for lot in report.lots}
    for p in report.plan:
        margin = (f", {fmt.usd(p.margin_over_next_usd)} ahead of the next best" if p.margin_over_next_usd is not None
                  else "")
        lot = lots.get(p.lot)
        taxed = " after tax" if lot is not None and lot.after_tax else ""
        lines.append(f"[bold]{_x(p.lot)}[/bold]: [bold green]{_x(p.strategy_name)}[/bold green] "
                     f"(expected NPV{taxed} {fmt.usd(p.expected_npv_usd)}{margin})")
        if lot is not None and lot.recommendation.explanation:
            lines.append(f"  Why: {_x(lot.recommendation.explanation)}")
        if lot is not None and lot.recommendation.what_flips:
            lines.append(f"  [yellow]What flips it:[/yellow] {_x(lot.recommendation.what_flips)}")
    jp = report.joint_plan
    if jp is not None:
        lines.append(f"[bold]Joint plan for the site[/bold] ({fmt.number(jp.site_cap_mw, 2)} MW cap, the fleet and the "
                     f"lots dispatched together): [bold]{fmt.usd(jp.best.expected_npv_usd)}[/bold] expected NPV, after "
                     f"{fmt.usd(jp.best.displaced_margin_usd)} of margin displaced under the cap")
        if jp.differs_from_per_lot:
            w = jp.per_lot_winners
            lines.append(f"  [yellow]The per-lot winners ({_x(', '.join(w.strategies))}) would be worth "
                         f"{fmt.usd(w.expected_npv_usd)}[/yellow]: they displace {fmt.usd(w.displaced_margin_usd)} "
                         "of margin under the cap")
        else:
            lines.append("  The joint plan is the per-lot winners: the cap does not change any lot's choice")
        if jp.what_flips:
            lines.append(f"  [yellow]What flips the plan:[/yellow] {_x(jp.what_flips)}")
    elif len(report.plan) > 1:
        lines.append(f"Plan total, the sum of the lots' winners: [bold]{fmt.usd(report.plan_expected_npv_usd)}[/bold] "
                     "expected NPV (no site power cap: the lots do not compete for power)")
    out.append(Panel("\n".join(lines), title="Recommendation", title_align="left", border_style="green", expand=False))


def _strategies(lot: _m.LotReport, out: list[Any]) -> None:
    t = _table(f"{_x(lot.lot)}: strategies by expected NPV",
               caption=f"release within the horizon {fmt.pct(lot.release_within_horizon_probability, 0)}"
                       + (f", expected in {lot.expected_release_day:,.0f} days" if lot.expected_release_day is not None
                          else "")
                       + (f"; forfeiture {fmt.pct(lot.forfeiture_probability, 0)}" if lot.forfeiture_probability else ""))
    t.add_column("#", justify="right")
    t.add_column("strategy", overflow="fold")
    t.add_column("expected NPV" + (" after tax" if lot.after_tax else ""), justify="right")
    if lot.after_tax:
        t.add_column("pre-tax", justify="right", style="dim")
    t.add_column("what it means", overflow="fold", style="dim")
    for s in sorted(lot.strategies, key=lambda s: s.rank):
        npv = fmt.usd(s.expected_npv_usd)
        style = "bold green" if s.rank == 1 else ("red" if s.expected_npv_usd < 0 else "")
        name = _x(s.name)
        cells = [str(s.rank), f"[{style}]{name}[/{style}]" if style else name,
                 f"[{style}]{npv}[/{style}]" if style else npv]
        if lot.after_tax:
            cells.append(fmt.usd(s.expected_npv_pre_tax_usd))
        t.add_row(*cells, _x(s.description))
    out.append(t)
    if lot.resale_usd_per_unit is not None:
        from rich.text import Text

        out.append(Text(f"Resale of a seized unit on the expected release day: {fmt.usd(lot.resale_usd_per_unit)} net; "
                        f"at the horizon: {fmt.usd(lot.salvage_usd_per_unit)} net. Basis: {lot.resale_basis}.",
                        style="dim"))


def _sensitivity(lot: _m.LotReport, out: list[Any]) -> None:
    if not lot.sensitivity:
        return
    best = lot.recommendation.strategy_name
    t = _table(f"{_x(lot.lot)}: sensitivity, one input at a time: the winner and its margin",
               caption=f"NPV = the winner's expected NPV; margin = it minus the next best's, at that value; yellow "
                       f"when the "
                       f"winner is not '{_x(best)}' (the recommendation at base)")
    t.expand = True
    t.add_column("input", overflow="fold", max_width=11)
    t.add_column("value", justify="right", no_wrap=True)
    t.add_column("winner", overflow="fold", ratio=1)
    t.add_column("NPV", justify="right", no_wrap=True)
    t.add_column("margin", justify="right", no_wrap=True)
    t.add_column("next best", overflow="fold", ratio=1)
    for s in lot.sensitivity:
        points = (("low", s.low_value, s.winner_low, s.winner_npv_low_usd, s.margin_low_usd, s.runner_up_low),
                  ("base", s.base_value, s.winner_base or best, s.npv_base_usd, s.margin_base_usd, s.runner_up_base),
                  ("high", s.high_value, s.winner_high, s.winner_npv_high_usd, s.margin_high_usd, s.runner_up_high))
        for i, (at, value, winner, npv, margin, nxt) in enumerate(points):
            w = _x(winner)
            t.add_row(s.variable if i == 0 else "", f"{at} {fmt.figure(value, s.unit)}",
                      f"[yellow]{w}[/yellow]" if winner != best else w, fmt.usd(npv), fmt.usd(margin),
                      _x(nxt or "—"), end_section=i == 2)
    out.append(t)


def _monte_carlo(lot: _m.LotReport, out: list[Any]) -> None:
    mc = lot.monte_carlo
    if mc is None:
        return
    settings = ", ".join(f"{f.name} {fmt.figure(f.value, f.unit)}" for f in mc.model)
    t = _table(f"{_x(lot.lot)}: Monte Carlo, {mc.paths:,} paths, seed {mc.seed}",
               caption=settings + "; P(payback) n/a = nothing invested to pay back (the seized units are sunk)")
    for name in ("strategy", "CVaR 5%", "P5 NPV", "P50 NPV", "P95 NPV", "mean", "P(win)", "P(payback)"):
        t.add_column(name, justify="left" if name == "strategy" else "right", overflow="fold")
    for r in mc.rows:
        t.add_row(_x(r.strategy_name), fmt.usd(r.npv_cvar5_usd) if r.npv_cvar5_usd is not None else "—",
                  fmt.usd(r.npv_p5_usd), fmt.usd(r.npv_p50_usd), fmt.usd(r.npv_p95_usd),
                  fmt.usd(r.npv_mean_usd), fmt.pct(r.p_win, 0), fmt.probability(r.p_payback))
    out.append(t)
    if mc.ranking_note:
        from rich.text import Text

        out.append(Text(mc.ranking_note, style="yellow"))


def _dispatch(report: _m.Report, out: list[Any]) -> None:
    d = report.dispatch
    if d is None:
        return
    cap = f"{fmt.number(d.site_cap_mw, 2)} MW cap" if d.site_cap_mw is not None else "no power cap"
    t = _table(f"Site dispatch, {cap}: fleet + each lot's recommendation, best break-even first",
               caption=f"running {fmt.number(d.power_mw_on, 2)} MW of {fmt.number(d.uncapped_power_mw, 2)} MW "
                       f"profitable (facility power, wall x PUE) at today's hashprice; margin "
                       f"{fmt.usd(d.margin_usd_per_day)}/d; the cap costs {fmt.usd(d.cost_of_cap_usd_per_day)}/d")
    for name, just in (("machines", "left"), ("units", "right"), ("running", "right"), ("break-even power", "right"),
                       ("MW on", "right"), ("margin", "right")):
        t.add_column(name, justify=just, overflow="fold")
    for r in d.rows:
        running = fmt.number(r.units_on) if r.profitable else "0 (unprofitable)"
        t.add_row(_x(f"{r.label}: {r.model}" if r.label == "fleet" else r.label), fmt.number(r.units), running,
                  fmt.usd_per_kwh(r.break_even_power_price_usd_per_kwh) + "/kWh", fmt.number(r.power_mw_on, 2),
                  fmt.usd(r.margin_usd_per_day) + "/d")
    out.append(t)


def _emulation(report: _m.Report, out: list[Any]) -> None:
    em = report.emulation
    if em is None:
        return
    t = _table(f"Emulation on this machine: {em.backend}, {fmt.number(em.kernel_hashes_per_s / 1e6, 2)} MH/s",
               caption="emulated TH/s from the shares found in the sample; scale = one CPU core does 1/N of "
                       "one chip of the model; — = no chip data in the catalog for that model")
    for name in ("model", "nameplate TH/s", "emulated TH/s", "shares found", "expected", "Poisson p", "scale"):
        t.add_column(name, justify="left" if name == "model" else "right", overflow="fold")
    for r in em.rows:
        t.add_row(_x(r.model), fmt.number(r.nameplate_ths, 1), fmt.number(r.emulated_ths, 1), fmt.number(r.shares_found),
                  fmt.number(r.shares_expected, 1), fmt.number(r.poisson_p_value, 3),
                  f"1/{fmt.number(r.scale_factor, 0)}" if r.scale_factor else "—")
    out.append(t)


def render_table(report: _m.Report, console=None) -> None:
    """Print the report to ``console`` (default: a rich Console on stdout)."""
    if console is None:
        from rich.console import Console

        console = Console(highlight=False)
    width = console.width
    parts: list[Any] = []
    _plan(report, parts)
    _inputs(report, parts)
    _hold(report, parts)
    for lot in report.lots:
        _options(report, lot, width, parts)
        _strategies(lot, parts)
        _sensitivity(lot, parts)
        _monte_carlo(lot, parts)
    _dispatch(report, parts)
    _emulation(report, parts)
    console.print(f"[bold]{_x(report.title)}[/bold]")
    for w in report.warnings:
        console.print(f"[yellow]warning:[/yellow] {_x(w)}")
    for part in parts:
        console.print(part)


def render_text(report: _m.Report, *, width: int = 100, color: bool = False) -> str:
    """The table output as a string (for files and tests)."""
    import io

    from rich.console import Console

    buf = io.StringIO()
    console = Console(file=buf, width=width, force_terminal=color, color_system="standard" if color else None,
                      highlight=False, emoji=False)
    render_table(report, console)
    return buf.getvalue()
