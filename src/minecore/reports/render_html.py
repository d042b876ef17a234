"""HTML rendering: one self-contained page (inline CSS, inline SVG charts, no script, no network).

The page has the same sections as the terminal output, in the same order, plus the four charts.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from . import fmt
from . import model as _m

_CSS = """
:root { --fg:#1b1f24; --muted:#5b6470; --line:#d8dde3; --bg:#ffffff; --band:#f5f7f9; --good:#0a7d45; --bad:#b42318; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif;
       color: var(--fg); background: var(--bg); }
main { max-width: 1100px; margin: 0 auto; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
p.sub, p.note, caption { color: var(--muted); }
p.note { font-size: 12px; margin: 4px 0 0; }
table { border-collapse: collapse; width: 100%; margin: 6px 0; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-size: 12px; caption-side: bottom; padding-top: 4px; }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--line); text-align: right; vertical-align: top; }
th { background: var(--band); font-weight: 600; }
th:first-child, td:first-child, td.text, th.text { text-align: left; }
td.src { color: var(--muted); font-size: 12px; text-align: left; word-break: break-word; }
.neg { color: var(--bad); }
.win { color: var(--good); font-weight: 700; }
.flag { color: #9a6700; font-weight: 700; }
.decision { border: 2px solid var(--good); border-radius: 8px; padding: 12px 16px; background: #f0faf4; font-size: 16px; }
.warn { border-left: 4px solid #d4a72c; padding: 6px 10px; background: #fff8e1; margin: 6px 0; }
.charts { display: grid; grid-template-columns: 1fr; gap: 16px; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 8px; background: #fff; }
figure svg { width: 100%; height: auto; display: block; }
figcaption { font-size: 12px; color: var(--muted); }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _money(value: float | None, *, win: bool = False) -> str:
    cls = "win" if win else ("neg" if value is not None and value < 0 else "")
    text = _e(fmt.usd(value))
    return f'<span class="{cls}">{text}</span>' if cls else text


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], caption: str | None = None,
           text_cols: Sequence[int] = (0,)) -> str:
    head = "".join(f'<th class="text">{_e(h)}</th>' if i in text_cols else f"<th>{_e(h)}</th>"
                   for i, h in enumerate(headers))
    body = []
    for row in rows:
        cells = "".join(f'<td class="text">{c}</td>' if i in text_cols else f"<td>{c}</td>" for i, c in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    cap = f"<caption>{_e(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _price_basis(basis: str, unverified: bool) -> str:
    """The price basis label, highlighted unless it is a dated catalog price."""
    text = _e(fmt.price_basis(basis, unverified))
    return text if basis == "catalog" and not unverified else f'<span class="flag">{text}</span>'


def _inputs(r: _m.Report) -> str:
    inp = r.inputs
    rows = [
        ["scenario", _e(inp.scenario_name), f'<span class="src">{_e(inp.scenario_source)}</span>'],
        ["network snapshot", _e(inp.snapshot_date), f'<span class="src">{_e(inp.snapshot_name)}</span>'],
        ["analysis date / horizon", _e(f"{inp.analysis_date} / {inp.horizon_days:,} days"),
         _e(f"discount rate {fmt.pct(inp.discount_rate_per_year)} per year")],
    ]
    for f in inp.network + inp.site:
        flag = ' <span class="flag" title="unverified">*</span>' if f.unverified else ""
        rows.append([_e(f.name) + flag, _e(fmt.figure(f.value, f.unit)), f'<span class="src">{_e(f.source)}</span>'])
    out = [_table(["input", "value", "source"], rows, text_cols=(0, 2))]
    mrows = []
    for m in inp.models:
        unver = ", ".join(m.unverified_fields)
        mrows.append([_e(m.name) + (' <span class="flag">*</span>' if unver else ""), _e(m.maker),
                      _e(fmt.number(m.hashrate_ths, 0)), _e(fmt.number(m.power_w, 0)),
                      _e(fmt.number(m.efficiency_j_per_th, 1)), _e(m.origin_country), _e(fmt.pct(m.tariff_rate)),
                      _e(fmt.usd(m.price_usd)), _price_basis(m.price_basis, m.price_unverified),
                      f'<span class="src">{_e(m.price_source)}</span>',
                      f'<span class="flag">{_e(unver)}</span>' if unver else "—"])
    out.append("<h3>Models</h3>")
    out.append(_table(["model", "maker", "TH/s", "W", "J/TH", "origin", "tariff", "unit price", "price basis",
                       "price source", "unverified"],
                      mrows, caption="* figures flagged unverified in the catalog; origin = country of assembly, "
                                     "which sets the US tariff. Price basis: catalog (dated) = the catalog's dated "
                                     "price; scenario assumption = price_usd in the scenario file, not a catalog "
                                     "figure; assumed $/TH tier = the economics' efficiency-tier guess, not a quote. "
                                     "Capex, resale and salvage all start from these prices.",
                      text_cols=(0, 1, 5, 8, 9, 10)))
    for note in inp.notes:
        out.append(f'<p class="note">{_e(note)}</p>')
    return "\n".join(out)


def _options(r: _m.Report, lot: _m.LotReport) -> str:
    rows = []
    for o in lot.options:
        capex = fmt.usd(o.capex_usd) + f" ({fmt.pct(o.tariff_rate)} tariff)" if o.capex_usd else "sunk"
        price = _e(fmt.usd(o.unit_price_usd)) + "<br>" + _price_basis(o.price_basis, o.price_unverified)
        rows.append([_e(o.name), _e(fmt.number(o.units)), _e(fmt.number(o.hashrate_ths, 0)),
                     _e(fmt.number(o.power_mw, 2)), _e(fmt.number(o.efficiency_j_per_th, 1)), price, _e(capex),
                     _money(o.daily_margin_usd) + "/day", _e(fmt.days(o.payback_day) if o.capex_usd else "sunk"),
                     _money(o.npv_usd), _e(fmt.pct(o.roi, 0) if o.capex_usd else "sunk"),
                     _e(fmt.pct(o.irr_per_year, 0) if o.capex_usd else "sunk"),
                     _e(fmt.usd_per_kwh(o.break_even_power_price_usd_per_kwh)) + "/kWh"])
    return _table(["option", "units", "TH/s", "MW", "J/TH", "unit price", "capex incl. tariff", "daily margin", "payback", "NPV",
                   "ROI", "IRR", "break-even power"], rows,
                  caption=f"Whole lots; replacements sized to the lot's hashrate unless counted. NPV over "
                          f"{r.inputs.horizon_days:,} days at {fmt.pct(r.inputs.discount_rate_per_year)} per year incl. "
                          "salvage; the seized row's NPV is 'wait and redeploy' (its capex is sunk). 'never' = does "
                          "not pay back within the horizon. ROI: undiscounted (margin + salvage - capex) / capex; IRR: annual "
                          "rate at which the NPV is zero, '—' where none exists (no cash comes back). Unit price: the "
                          "seized row's is the base of its resale value; see 'Models' for each price's source.")


def _hold(r: _m.Report) -> str:
    rows = []
    for lot in r.lots:
        h = lot.hold_cost
        rows.append([_e(h.lot), _e(fmt.number(h.units)), _e(fmt.number(h.days_held)), _e(fmt.usd(h.holding_fees_usd)),
                     _e(fmt.usd(h.legal_costs_usd)), _e(fmt.usd(h.lost_margin_at_analysis_date_usd)),
                     _e(fmt.usd(h.difficulty_drift_usd)), f"<strong>{_e(fmt.usd(h.total_usd))}</strong>"])
    if len(r.lots) > 1:
        rows.append(["<strong>all lots</strong>", "", "", "", "", "", "",
                     f"<strong>{_e(fmt.usd(r.hold_cost_total_usd))}</strong>"])
    return _table(["lot", "units", "days held", "holding fees", "legal", "lost margin", "difficulty drift", "total"],
                  rows, caption="lost margin: days held x today's operating margin; difficulty drift: what the lower "
                                "difficulty of the held days would have added; fees and legal costs as paid")


def _plan(r: _m.Report) -> str:
    items = []
    lots = {lot.lot: lot for lot in r.lots}
    for p in r.plan:
        margin = (f", {fmt.usd(p.margin_over_next_usd)} ahead of the next best" if p.margin_over_next_usd is not None
                  else "")
        lot = lots.get(p.lot)
        taxed = " after tax" if lot is not None and lot.after_tax else ""
        why = (f"<br>Why: {_e(lot.recommendation.explanation)}" if lot is not None and lot.recommendation.explanation
               else "")
        flips = (f"<br><em>What flips it:</em> {_e(lot.recommendation.what_flips)}"
                 if lot is not None and lot.recommendation.what_flips else "")
        items.append(f"<li><strong>{_e(p.lot)}</strong>: <span class=\"win\">{_e(p.strategy_name)}</span> "
                     f"(expected NPV{taxed} {_e(fmt.usd(p.expected_npv_usd))}{_e(margin)}){why}{flips}</li>")
    jp = r.joint_plan
    if jp is not None:
        total = (f"<p><strong>Joint plan for the site</strong> ({_e(fmt.number(jp.site_cap_mw, 2))} MW cap, the fleet and "
                 f"the lots dispatched together): <strong>{_e(fmt.usd(jp.best.expected_npv_usd))}</strong> expected NPV, "
                 f"after {_e(fmt.usd(jp.best.displaced_margin_usd))} of margin displaced under the cap.")
        if jp.differs_from_per_lot:
            w = jp.per_lot_winners
            total += (f" The per-lot winners ({_e(', '.join(w.strategies))}) would be worth "
                      f"{_e(fmt.usd(w.expected_npv_usd))}: they displace {_e(fmt.usd(w.displaced_margin_usd))}.")
        total += "</p>"
    else:
        total = ("<p>Plan total (the lots' winners; no site power cap, so the lots do not compete for power): "
                 f"<strong>{_e(fmt.usd(r.plan_expected_npv_usd))}</strong> expected NPV.</p>" if len(r.plan) > 1 else "")
    return f'<div class="decision"><ul>{"".join(items)}</ul>{total}</div>'


def _strategies(lot: _m.LotReport) -> str:
    rows = []
    for s in sorted(lot.strategies, key=lambda s: s.rank):
        name = f'<span class="win">{_e(s.name)}</span>' if s.rank == 1 else _e(s.name)
        row = [str(s.rank), name, _money(s.expected_npv_usd, win=s.rank == 1)]
        if lot.after_tax:
            row.append(_money(s.expected_npv_pre_tax_usd))
        rows.append(row + [_e(s.description)])
    cap = f"Release within the horizon {fmt.pct(lot.release_within_horizon_probability, 0)}"
    if lot.expected_release_day is not None:
        cap += f", expected in {lot.expected_release_day:,.0f} days"
    if lot.forfeiture_probability:
        cap += f"; forfeiture {fmt.pct(lot.forfeiture_probability, 0)}"
    if lot.resale_usd_per_unit is not None:
        cap += (f". Resale of a seized unit on the expected release day {fmt.usd(lot.resale_usd_per_unit)} net, at the "
                f"horizon {fmt.usd(lot.salvage_usd_per_unit)} net; basis: {lot.resale_basis}")
    head = ["#", "strategy", "expected NPV" + (" after tax" if lot.after_tax else "")]
    head += ["pre-tax"] if lot.after_tax else []
    return _table(head + ["what it means"], rows, caption=cap + ".", text_cols=(1, len(head)))


def _sensitivity(lot: _m.LotReport) -> str:
    if not lot.sensitivity:
        return "<p>No sensitivity rows.</p>"
    best = lot.recommendation.strategy_name
    rows = []
    for s in lot.sensitivity:
        points = (("low", s.low_value, s.winner_low, s.winner_npv_low_usd, s.margin_low_usd, s.runner_up_low),
                  ("base", s.base_value, s.winner_base or best, s.npv_base_usd, s.margin_base_usd, s.runner_up_base),
                  ("high", s.high_value, s.winner_high, s.winner_npv_high_usd, s.margin_high_usd, s.runner_up_high))
        for i, (at, value, winner, npv, margin, nxt) in enumerate(points):
            rows.append([_e(s.variable) if i == 0 else "", _e(at), _e(fmt.figure(value, s.unit)),
                         f'<span class="flag">{_e(winner)}</span>' if winner != best else _e(winner),
                         _money(npv), _money(margin), _e(nxt or "—")])
    return _table(["input", "at", "value", "winner", "winner's NPV", "margin", "next best"], rows,
                  caption=f"One input moved at a time, the others at base. Margin = the winner's expected NPV minus "
                          f"the next best's at that value; highlighted when the winner is not '{best}' (the "
                          "recommendation at base).", text_cols=(0, 1, 3, 6))


def _monte_carlo(lot: _m.LotReport) -> str:
    mc = lot.monte_carlo
    if mc is None:
        return "<p>Monte Carlo was switched off for this report.</p>"
    rows = [[_e(x.strategy_name), _money(x.npv_p5_usd), _money(x.npv_p50_usd), _money(x.npv_p95_usd),
             _money(x.npv_mean_usd), _e(fmt.pct(x.p_win, 0)), _e(fmt.probability(x.p_payback))] for x in mc.rows]
    settings = "; ".join(f"{f.name} {fmt.figure(f.value, f.unit)}" for f in mc.model)
    return _table(["strategy", "P5 NPV", "P50 NPV", "P95 NPV", "mean NPV", "P(win)", "P(payback)"], rows,
                  caption=f"{mc.paths:,} paths, seed {mc.seed}. {settings}. P(payback) n/a: the strategy has no cash "
                          "flows to pay back (e.g. abandoning the lot).")


def _lot(r: _m.Report, lot: _m.LotReport) -> str:
    return (f"<h2>{_e(lot.lot)}: {_e(fmt.number(lot.units))} × {_e(lot.model)}, held {lot.days_held:,} days</h2>"
            f"<h3>Options</h3>{_options(r, lot)}<h3>Strategies</h3>{_strategies(lot)}"
            f"<h3>Sensitivity</h3>{_sensitivity(lot)}<h3>Monte Carlo</h3>{_monte_carlo(lot)}")


def _dispatch(r: _m.Report) -> str:
    d = r.dispatch
    if d is None:
        return ""
    cap = f"{fmt.number(d.site_cap_mw, 2)} MW cap" if d.site_cap_mw is not None else "no power cap"
    rows = [[_e(f"{x.label}: {x.model}" if x.label == "fleet" else x.label), _e(fmt.number(x.units)),
             _e(fmt.number(x.units_on) if x.profitable else "0 (unprofitable)"),
             _e(fmt.usd_per_kwh(x.break_even_power_price_usd_per_kwh)) + "/kWh", _e(fmt.number(x.power_mw_on, 2)),
             _money(x.margin_usd_per_day) + "/day"] for x in d.rows]
    return (f"<h2>Site dispatch, {_e(cap)}</h2>"
            + f"<p>The cap costs <strong>{_e(fmt.usd(d.cost_of_cap_usd_per_day))}/day</strong> of operating margin: "
            + f"{_e(fmt.number(d.power_mw_on, 2))} MW run of the {_e(fmt.number(d.uncapped_power_mw, 2))} MW that "
            + f"would be profitable, for {_e(fmt.usd(d.margin_usd_per_day))}/day instead of "
            + f"{_e(fmt.usd(d.uncapped_margin_usd_per_day))}/day.</p>"
            + _table(["machines", "units", "running", "break-even power", "MW on", "margin"], rows,
                     caption="The site's [[fleet]] plus, per lot, the machines its recommended strategy keeps or buys "
                             "(after release and delivery), at today's hashprice. Machines run in order of "
                             "break-even power price (most efficient first) until the cap (facility MW = wall x PUE) "
                             "is full."))


def _emulation(r: _m.Report) -> str:
    em = r.emulation
    if em is None:
        return ""
    rows = [[_e(x.model), _e(fmt.number(x.nameplate_ths, 1)), _e(fmt.number(x.emulated_ths, 1)),
             _e(fmt.number(x.shares_found)), _e(fmt.number(x.shares_expected, 1)),
             _e(fmt.number(x.poisson_p_value, 3)), _e(f"1/{fmt.number(x.scale_factor, 0)}" if x.scale_factor else "—"),
             _e(x.note)] for x in em.rows]
    return ("<h2>Emulation on this machine</h2>"
            + f"<p>Kernel: {_e(em.backend)}, {_e(fmt.number(em.kernel_hashes_per_s / 1e6, 2))} MH/s.</p>"
            + _table(["model", "nameplate TH/s", "emulated TH/s", "shares", "expected", "Poisson p", "scale", "note"],
                     rows, text_cols=(0, 7)))


def render_html(report: _m.Report) -> str:
    """The whole page as one string."""
    from .charts import all_charts

    charts = "".join(f'<figure><figcaption>{_e(title)}</figcaption>{svg}</figure>' for title, svg in all_charts(report))
    warnings = "".join(f'<div class="warn">{_e(w)}</div>' for w in report.warnings)
    inp = report.inputs
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="{_e(report.generated_by)}">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>{_e(report.title)}</title>
<style>{_CSS}</style>
</head>
<body>
<main>
<h1>{_e(report.title)}</h1>
<p class="sub">Scenario <strong>{_e(inp.scenario_name)}</strong> ({_e(inp.scenario_source)}); network snapshot
<strong>{_e(inp.snapshot_name)}</strong> dated <strong>{_e(inp.snapshot_date)}</strong>.</p>
{warnings}
<h2>Recommendation</h2>
{_plan(report)}
<h2>Cost of the hold so far</h2>
{_hold(report)}
<h2>Charts</h2>
<div class="charts">{charts}</div>
<h2>Inputs and their sources</h2>
{_inputs(report)}
{"".join(_lot(report, lot) for lot in report.lots)}
{_dispatch(report)}
{_emulation(report)}
<footer>Generated by {_e(report.generated_by)}; JSON schema version {_e(report.schema_version)}.
Self-contained page: no scripts, no network requests.</footer>
</main>
</body>
</html>
"""
