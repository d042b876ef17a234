"""HTML rendering: one self-contained decision page (inline CSS, inline SVG charts, no script, no network).

The page has the sections of :mod:`minecore.reports.sections` in their order, as the terminal output does: first the
briefing (per lot a recommendation box with the decision, its expected NPV, lead, P(win), what flips it, why it wins
and the hold cost so far), then the support, with each chart in its section. It reads on a phone: wide tables
scroll inside their own box, charts scale to the width, and nothing is wider than the page.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from . import fmt
from . import model as _m
from .sections import ORDER, TITLES

_CSS = """
:root { --fg:#1b1f24; --muted:#5b6470; --line:#d8dde3; --bg:#ffffff; --band:#f5f7f9; --good:#0a7d45; --bad:#b42318; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; padding: 24px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif;
       color: var(--fg); background: var(--bg); overflow-wrap: break-word; }
main { max-width: 1100px; margin: 0 auto; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 8px; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
p.sub, p.note, p.caption { color: var(--muted); }
p.note { font-size: 12px; margin: 4px 0 0; }
nav { font-size: 13px; margin: 8px 0 0; }
nav a { color: var(--muted); margin-right: 10px; white-space: nowrap; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; width: 100%; margin: 6px 0; font-variant-numeric: tabular-nums; }
p.caption { font-size: 12px; margin: 2px 0 10px; }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--line); text-align: right; vertical-align: top; }
td { white-space: nowrap; }
td.text { white-space: normal; min-width: 9em; }
td .src { display: inline-block; min-width: 14em; }
th { background: var(--band); font-weight: 600; }
th:first-child, td:first-child, td.text, th.text { text-align: left; }
td:first-child { white-space: normal; }
.src { color: var(--muted); font-size: 12px; text-align: left; }
.neg { color: var(--bad); }
.win { color: var(--good); font-weight: 700; }
.flag { color: #9a6700; font-weight: 700; }
.decisions { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 460px), 1fr)); gap: 16px; }
.decision { border: 2px solid var(--good); border-radius: 8px; padding: 12px 16px; background: #f0faf4; }
.decision h3 { margin: 0 0 6px; }
.verdict { font-size: 18px; margin: 0 0 10px; }
.stats { display: flex; flex-wrap: wrap; gap: 8px; margin: 0 0 10px; }
.stat { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; min-width: 8.5em;
        flex: 1 1 8.5em; }
.stat b { display: block; font-size: 18px; }
.stat span { color: var(--muted); font-size: 12px; }
.decision dl { margin: 0; }
.decision dt { font-weight: 700; margin-top: 6px; }
.decision dd { margin: 0; }
.plan { border: 2px solid #1f6feb; border-radius: 8px; padding: 10px 16px; background: #f1f6ff; margin-top: 16px; }
.warn { border-left: 4px solid #d4a72c; padding: 6px 10px; background: #fff8e1; margin: 6px 0; }
.charts { display: grid; grid-template-columns: minmax(0, 1fr); gap: 16px; margin: 12px 0; }
figure { margin: 0 auto; border: 1px solid var(--line); border-radius: 6px; padding: 8px; background: #fff;
         min-width: 0; width: 100%; max-width: 860px; }
figure svg { width: 100%; height: auto; display: block; }
figcaption { font-size: 12px; color: var(--muted); margin-top: 4px; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
.stacked { display: none; color: var(--muted); font-size: 12px; white-space: normal; }
@media (max-width: 600px) {
  body { padding: 12px; } h1 { font-size: 20px; } .verdict { font-size: 16px; }
  th.sec, td.sec { display: none; } .stacked { display: block; } th, td { padding: 5px 5px; }
}
"""


def _e(text: object) -> str:
    """HTML-escaped text (user text goes through ``fmt.safe_text`` when it exists)."""
    safe = getattr(fmt, "safe_text", None)
    text = str(text)
    return html.escape(safe(text) if safe is not None else text, quote=True)


def _money(value: float | None, *, win: bool = False) -> str:
    cls = "win" if win else ("neg" if value is not None and value < 0 else "")
    text = _e(fmt.usd(value))
    return f'<span class="{cls}">{text}</span>' if cls else text


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], caption: str | None = None,
           text_cols: Sequence[int] = (0,), stack: Sequence[int] = ()) -> str:
    """A table in its own horizontal scroll box: a wide table never widens the page.

    stack : secondary columns that, on a phone (under 600 px), move under the row's name (the first text column)
    as ``header: value`` lines instead of widening the table, as the terminal tables do when narrow.
    """
    into = next((i for i in text_cols if i not in stack), 0)

    def cls(i: int) -> str:
        names = (["text"] if i in text_cols else []) + (["sec"] if i in stack else [])
        return f' class="{" ".join(names)}"' if names else ""

    head = "".join(f"<th{cls(i)}>{_e(h)}</th>" for i, h in enumerate(headers))
    body = []
    for row in rows:
        extra = "".join(f'<div class="stacked">{_e(headers[j])}: {row[j]}</div>' for j in stack
                        if j < len(row) and row[j] not in ("", "—"))
        cells = "".join(f"<td{cls(i)}>{c}{extra if i == into else ''}</td>" for i, c in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    cap = f'<p class="caption">{_e(caption)}</p>' if caption else ""  # outside the scroll box: wraps to the page
    return (f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'
            + cap)


def _price_basis(basis: str, unverified: bool) -> str:
    """The price basis label, highlighted unless it is a dated catalog price."""
    text = _e(fmt.price_basis(basis, unverified))
    return text if basis == "catalog" and not unverified else f'<span class="flag">{text}</span>'


def _site(r: _m.Report, name: str) -> _m.SourcedFigure | None:
    return next((f for f in r.inputs.network + r.inputs.site if f.name == name), None)


def _figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{_e(caption)}</figcaption></figure>"


# ------------------------------------------------------------------------------------------ sections


def _briefing(r: _m.Report) -> str:
    inp = r.inputs
    tax = _site(r, "income tax")
    after_tax = any(lot.after_tax for lot in r.lots)
    btc = _site(r, "BTC price on the analysis date") or _site(r, "BTC price")
    power, growth = _site(r, "power price"), _site(r, "difficulty growth")
    drivers = [f"BTC {fmt.figure(btc.value, btc.unit)} (snapshot {inp.snapshot_date})" if btc else "",
               f"power {fmt.figure(power.value, power.unit)}" if power else "",
               f"difficulty growth {fmt.figure(growth.value, growth.unit)}" if growth else ""]
    bases = list(dict.fromkeys(lot.resale_basis for lot in r.lots if lot.resale_basis))
    out = [f'<p class="sub">Analysis date {_e(inp.analysis_date)}, horizon {inp.horizon_days:,} days, discount '
           f"{_e(fmt.pct(inp.discount_rate_per_year))}/year, NPVs "
           + (f"after tax ({_e(tax.value)})" if after_tax and tax is not None else "before tax")
           + f". Assumptions that drive it: {_e(', '.join(d for d in drivers if d))}"
           + (f"; resale and salvage: {_e(' / '.join(bases))}" if bases else "") + ".</p>"]
    plan = {p.lot: p for p in r.plan}
    boxes = []
    for lot in r.lots:
        rec = lot.recommendation
        p = plan.get(lot.lot)
        key = p.strategy_key if p is not None else rec.strategy_key
        name = p.strategy_name if p is not None else rec.strategy_name
        npv = p.expected_npv_usd if p is not None else rec.expected_npv_usd
        taxed = " after tax" if lot.after_tax else ""
        row = next((x for x in lot.monte_carlo.rows if x.strategy_key == key), None) if lot.monte_carlo else None
        stats = [(fmt.usd(npv), f"expected NPV{taxed}")]
        if key == rec.strategy_key and rec.margin_over_next_usd is not None:
            stats.append((fmt.usd(rec.margin_over_next_usd), f"lead over {rec.runner_up_name}"))
        stats.append((fmt.pct(row.p_win, 0) if row else "n/a",
                      f"P(win), {lot.monte_carlo.paths:,} paths" if row else "P(win): Monte Carlo off"))
        stats.append((fmt.usd(lot.hold_cost.total_usd), "hold cost so far"))
        facts = []
        if key != rec.strategy_key:
            facts.append(("Why this and not the lot's own best",
                          f"on its own the lot's best is {rec.strategy_name} ({fmt.usd(rec.expected_npv_usd)}); the "
                          "site's power cap makes this plan better for the site (see the joint plan)."))
        if rec.explanation:
            facts.append(("Why", rec.explanation))
        if rec.what_flips:
            facts.append(("What flips it", rec.what_flips))
        if row is not None:
            mc = lot.monte_carlo
            text = (f"NPV P5 {fmt.usd(row.npv_p5_usd)}, P50 {fmt.usd(row.npv_p50_usd)}, P95 {fmt.usd(row.npv_p95_usd)}"
                    + (f", CVaR 5% {fmt.usd(row.npv_cvar5_usd)}" if row.npv_cvar5_usd is not None else "") + ".")
            if mc.ranking_note:
                text += " " + mc.ranking_note
            facts.append(("Risk", text))
        h = lot.hold_cost
        facts.append(("Hold cost so far", f"{fmt.usd(h.total_usd)} over {h.days_held:,} days: holding fees "
                                          f"{fmt.usd(h.holding_fees_usd)}, lost margin "
                                          f"{fmt.usd(h.lost_margin_at_analysis_date_usd)}, legal "
                                          f"{fmt.usd(h.legal_costs_usd)}, difficulty drift "
                                          f"{fmt.usd(h.difficulty_drift_usd)}."))
        boxes.append(
            f'<div class="decision"><h3>{_e(lot.lot)}: {_e(fmt.number(lot.units))} × {_e(lot.model)}, held '
            f"{lot.days_held:,} days</h3>"
            f'<p class="verdict">Recommendation: <span class="win">{_e(name)}</span></p>'
            '<div class="stats">' + "".join(f"<div class=\"stat\"><b>{_e(v)}</b><span>{_e(k)}</span></div>"
                                            for v, k in stats) + "</div>"
            "<dl>" + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts) + "</dl></div>")
    out.append(f'<div class="decisions">{"".join(boxes)}</div>')
    jp = r.joint_plan
    if jp is not None:
        from .sections import joint_plan_sentence

        text = _e(joint_plan_sentence(jp))
        if jp.what_flips:
            text += f"<br><em>What flips the plan:</em> {_e(jp.what_flips)}"
        out.append(f'<div class="plan">{text}</div>')
    elif len(r.plan) > 1:
        out.append(f'<div class="plan">Plan: <strong>{_e(fmt.usd(r.plan_expected_npv_usd))}</strong> expected NPV, the '
                   "sum of the lots' winners (no site power cap: the lots do not compete for power); hold cost so far "
                   f"{_e(fmt.usd(r.hold_cost_total_usd))}.</div>")
    return "\n".join(out)


def _warnings(r: _m.Report) -> str:
    return "".join(f'<div class="warn">{_e(fmt.readable(w))}</div>' for w in r.warnings)


def _plan(r: _m.Report) -> str:
    jp = r.joint_plan
    if jp is None:
        return ""
    plans = [("best", jp.best)] + [(f"#{k + 2}", p) for k, p in enumerate(jp.others)]
    if jp.differs_from_per_lot:
        plans.append(("per-lot winners", jp.per_lot_winners))
    rows = [[_e(label), *(_e(s) for s in p.strategies), _money(p.displaced_margin_usd),
             _money(p.expected_npv_usd, win=label == "best")] for label, p in plans]
    lots = [lot.lot for lot in r.lots]
    return _table(["plan", *lots, "displaced margin", "expected NPV"], rows,
                  caption="Each lot's NPV as if uncapped, less the present value of the margin the cap takes away from "
                          "the site because of the plan's machines.", text_cols=tuple(range(len(lots) + 1)))


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
                  rows, stack=(1, 2, 4, 6), caption="lost margin: days held x the operating margin on the analysis date; difficulty drift: "
                                "what the lower difficulty of the held days would have added; fees and legal costs as "
                                "paid")


def _cash_caption(r: _m.Report, lot: _m.LotReport) -> str:
    from .charts import cash_order

    drawn = cash_order(lot)
    text = (f"{lot.lot}: expected cumulative net cash of the {len(drawn)} best strategies, pre-tax and undiscounted; "
            "the last step at the horizon is the expected sale of what is left (salvage). The legend lists them in "
            "the ranking's order with the expected NPV the ranking uses.")
    ends = [end for _s, _c, end in drawn]
    if any(a < b for a, b in zip(ends, ends[1:])):
        text += (" Here the lines do not end in that order: the ranking discounts the cash"
                 + (" and counts income tax (abandoning deducts the units' declared value)" if lot.after_tax else "")
                 + ".")
    else:
        text += " The lines end in the ranking's order."
    return text


def _strategies(r: _m.Report) -> str:
    from .charts import cash_chart

    out = []
    for lot in r.lots:
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
            cap += (f". Resale of a seized unit on the expected release day {fmt.usd(lot.resale_usd_per_unit)} net, at "
                    f"the horizon {fmt.usd(lot.salvage_usd_per_unit)} net; basis: {lot.resale_basis}")
        head = ["#", "strategy", "expected NPV" + (" after tax" if lot.after_tax else "")]
        head += ["pre-tax"] if lot.after_tax else []
        out.append(f"<h3>{_e(lot.lot)}</h3>")
        out.append(_table(head + ["what it means"], rows, caption=cap + ".", text_cols=(1, len(head)),
                          stack=tuple(range(3, len(head) + 1))))
    out.append('<div class="charts">' + "".join(_figure(cash_chart(r, lot), _cash_caption(r, lot)) for lot in r.lots
                                                if lot.cash_series) + "</div>")
    return "\n".join(out)


def _risk(r: _m.Report) -> str:
    from .charts import fixed_value, npv_distribution_chart

    out = []
    for lot in r.lots:
        mc = lot.monte_carlo
        if mc is None:
            continue
        rows = [[_e(x.strategy_name), _e(fmt.pct(x.p_win, 0)), _money(x.npv_p5_usd), _money(x.npv_p50_usd),
                 _money(x.npv_p95_usd), _money(x.npv_mean_usd),
                 _money(x.npv_cvar5_usd) if x.npv_cvar5_usd is not None else "—", _e(fmt.probability(x.p_payback))]
                for x in mc.rows]
        settings = "; ".join(f"{f.name} {fmt.figure(f.value, f.unit)}" for f in mc.model)
        out.append(f"<h3>{_e(lot.lot)}: {mc.paths:,} paths, seed {mc.seed}</h3>")
        out.append(_table(["strategy", "P(win)", "P5 NPV", "P50 NPV", "P95 NPV", "mean NPV", "CVaR 5%", "P(payback)"],
                          rows, stack=(5, 6, 7), caption=f"{settings}. P(win): share of paths on which the strategy is best; CVaR 5%: "
                                        "mean NPV of the worst 5% of paths; P(payback) n/a: the strategy has no cash "
                                        "flows to pay back (e.g. abandoning the lot)."))
        if mc.ranking_note:
            out.append(f'<p class="note">{_e(mc.ranking_note)}</p>')
    figs = []
    for lot in r.lots:
        mc = lot.monte_carlo
        if mc is None:
            continue
        fixed = [x.strategy_name for x in mc.rows if fixed_value(x)]
        cap = (f"{lot.lot}: above, the share of paths with an NPV at or below each value for the leading strategies "
               "(further right is better); below, every strategy's P5 to P95 range with its median and mean.")
        if fixed:
            cap += f" Same NPV on every path, marked instead of drawn: {', '.join(fixed)}."
        figs.append(_figure(npv_distribution_chart(r, lot), cap))
    if figs:
        out.append(f'<div class="charts">{"".join(figs)}</div>')
    return "\n".join(out)


def _sensitivity(r: _m.Report) -> str:
    from .charts import tornado_chart

    out = []
    for lot in r.lots:
        best = lot.recommendation.strategy_name
        out.append(f"<h3>{_e(lot.lot)}</h3>")
        if lot.sensitivity:
            rows = []
            for s in lot.sensitivity:
                points = (("low", s.low_value, s.winner_low, s.winner_npv_low_usd, s.margin_low_usd, s.runner_up_low),
                          ("base", s.base_value, s.winner_base or best, s.npv_base_usd, s.margin_base_usd,
                           s.runner_up_base),
                          ("high", s.high_value, s.winner_high, s.winner_npv_high_usd, s.margin_high_usd,
                           s.runner_up_high))
                for i, (at, value, winner, npv, margin, nxt) in enumerate(points):
                    rows.append([_e(s.variable) if i == 0 else "", _e(at), _e(fmt.figure(value, s.unit)),
                                 f'<span class="flag">{_e(winner)}</span>' if winner != best else _e(winner),
                                 _money(npv), _money(margin), _e(nxt or "—")])
            out.append(_table(["input", "at", "value", "winner", "winner's NPV", "margin", "next best"], rows, stack=(5, 6),
                              caption=f"One input moved at a time, the others at base. Margin = the winner's expected "
                                      f"NPV minus the next best's at that value; highlighted when the winner is not "
                                      f"'{best}' (the recommendation at base).", text_cols=(0, 1, 3, 6)))
        if lot.flips:
            rows = []
            for f in lot.flips:
                side = "≤" if f.side == "below" else "≥"
                at = f"{side} {f.threshold_text}" if f.threshold is not None else f"holds {f.side}"
                rows.append([_e(f.label), _e(fmt.figure(f.base_value, f.unit)), _e(at), _e(f.new_winner or "—"),
                             f'<span class="src">{_e(f.range_text)}</span>'])
            out.append(_table(["input", "base", "flips at", "then wins", "searched"], rows, stack=(4,),
                              caption=f"The value past which '{best}' stops winning, each input alone, found by "
                                      "root-finding over the searched range; 'holds' = it wins over the whole range "
                                      "on that side.", text_cols=(0, 3, 4)))
    figs = [_figure(tornado_chart(r, lot),
                    f"{lot.lot}: the recommended strategy's lead over the best other strategy at each input's low and "
                    "high value; a bar past the dashed zero line means another strategy wins there.")
            for lot in r.lots if lot.sensitivity and lot.sensitivity[0].margin_base_usd is not None]
    if figs:
        out.append(f'<div class="charts">{"".join(figs)}</div>')
    return "\n".join(out)


def _options(r: _m.Report) -> str:
    from .charts import breakeven_chart

    out = []
    for lot in r.lots:
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
        out.append(f"<h3>{_e(lot.lot)}: {_e(fmt.number(lot.units))} × {_e(lot.model)}</h3>")
        out.append(_table(
            ["option", "units", "TH/s", "MW", "J/TH", "unit price", "capex incl. tariff", "daily margin", "payback",
             "NPV", "ROI", "IRR", "break-even power"], rows, stack=(1, 2, 3, 4, 5, 6, 8, 10, 11, 12),
            caption=f"Whole lots; replacements sized to the lot's hashrate unless counted. NPV over "
                    f"{r.inputs.horizon_days:,} days at {fmt.pct(r.inputs.discount_rate_per_year)} per year incl. "
                    "salvage; the seized row's NPV is 'wait and redeploy' (its capex is sunk). 'never' = does not pay "
                    "back within the horizon. ROI: undiscounted (margin + salvage - capex) / capex; IRR: annual rate "
                    "at which the NPV is zero, '—' where none exists (no cash comes back). Unit price: the seized "
                    "row's is the base of its resale value; see 'Unit prices' for each price's source."))
    out.append('<div class="charts">' + _figure(breakeven_chart(r), "Break-even (shutdown) power price of each model "
                                                "at the snapshot hashprice, against the site's power price.")
               + "</div>")
    return "\n".join(out)


def _dispatch(r: _m.Report) -> str:
    d = r.dispatch
    if d is None:
        return ""
    cap = f"{fmt.number(d.site_cap_mw, 2)} MW cap" if d.site_cap_mw is not None else "no power cap"
    rows = [[_e(f"{x.label}: {x.model}" if x.label == "fleet" else x.label), _e(fmt.number(x.units)),
             _e(fmt.number(x.units_on) if x.profitable else "0 (unprofitable)"),
             _e(fmt.usd_per_kwh(x.break_even_power_price_usd_per_kwh)) + "/kWh", _e(fmt.number(x.power_mw_on, 2)),
             _money(x.margin_usd_per_day) + "/day"] for x in d.rows]
    return (f"<h3>Site dispatch, {_e(cap)}</h3>"
            + f"<p>The cap costs <strong>{_e(fmt.usd(d.cost_of_cap_usd_per_day))}/day</strong> of operating margin: "
            + f"{_e(fmt.number(d.power_mw_on, 2))} MW run of the {_e(fmt.number(d.uncapped_power_mw, 2))} MW that "
            + f"would be profitable, for {_e(fmt.usd(d.margin_usd_per_day))}/day instead of "
            + f"{_e(fmt.usd(d.uncapped_margin_usd_per_day))}/day.</p>"
            + _table(["machines", "units", "running", "break-even power", "MW on", "margin"], rows, stack=(1, 3),
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
    return (f"<p>Kernel: {_e(em.backend)}, {_e(fmt.number(em.kernel_hashes_per_s / 1e6, 2))} MH/s.</p>"
            + _table(["model", "nameplate TH/s", "emulated TH/s", "shares", "expected", "Poisson p", "scale", "note"],
                     rows, text_cols=(0, 7)))


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
    out = [_table(["input", "value", "source"], rows, text_cols=(0, 1, 2), stack=(2,))]
    for note in inp.notes:
        out.append(f'<p class="note">{_e(note)}</p>')
    return "\n".join(out)


def _models(r: _m.Report) -> str:
    rows = []
    for m in r.inputs.models:
        unver = ", ".join(fmt.field_label(f) for f in m.unverified_fields)
        rows.append([_e(m.name) + (' <span class="flag">*</span>' if unver else ""), _e(m.maker),
                     _e(fmt.number(m.hashrate_ths, 0)), _e(fmt.number(m.power_w, 0)),
                     _e(fmt.number(m.efficiency_j_per_th, 1)), _e(m.origin_country), _e(fmt.pct(m.tariff_rate)),
                     f'<span class="flag">{_e(unver)}</span>' if unver else "—", _e(m.operating_point)])
    return _table(["model", "maker", "TH/s", "W", "J/TH", "origin", "tariff", "unverified in the catalog",
                   "operating point"], rows,
                  caption="* figures flagged unverified in the catalog (a single secondary source); origin = country "
                          "of assembly, which sets the US tariff; operating point = where TH/s and W come from.",
                  text_cols=(0, 1, 5, 7, 8), stack=(1, 3, 5, 7, 8))


def _prices(r: _m.Report) -> str:
    rows = [[_e(m.name), _e(fmt.usd(m.price_usd)), _price_basis(m.price_basis, m.price_unverified),
             f'<span class="src">{_e(m.price_source)}</span>'] for m in r.inputs.models]
    return _table(["model", "unit price", "price basis", "price source"], rows, stack=(3,),
                  caption="catalog (dated) = the catalog's dated price; scenario assumption = price_usd in the "
                          "scenario file, not a catalog figure; valuation model (FMV new) = the valuation model's fair "
                          "market value of a new unit; assumed $/TH tier = the economics' efficiency-tier guess, not a "
                          "quote. Capex, resale and salvage all start from these prices.", text_cols=(0, 2, 3))


_RENDER = {"briefing": _briefing, "warnings": _warnings, "plan": _plan, "hold": _hold, "strategies": _strategies,
           "risk": _risk, "sensitivity": _sensitivity, "options": _options, "dispatch": _dispatch,
           "emulation": _emulation, "inputs": _inputs, "models": _models, "prices": _prices}
assert tuple(_RENDER) == ORDER


def render_html(report: _m.Report, *, sections: Sequence[str] | None = None) -> str:
    """The whole page as one string: every section with content (``sections``: only those, in the report's order)."""
    from .render_table import present

    shown = [k for k in present(report) if sections is None or k in sections]
    body = []
    for key in shown:
        content = _RENDER[key](report)
        if content:
            body.append(f'<section id="{key}"><h2>{_e(TITLES[key])}</h2>\n{content}\n</section>')
    nav = " ".join(f'<a href="#{k}">{_e(TITLES[k])}</a>' for k in shown if k != "briefing")
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
<nav>{nav}</nav>
{"".join(body)}
<footer>Generated by {_e(report.generated_by)}; JSON schema version {_e(report.schema_version)}.
Self-contained page: no scripts, no network requests.</footer>
</main>
</body>
</html>
"""
