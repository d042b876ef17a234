"""The report charts as inline SVG text (matplotlib, Agg backend; imported only for HTML).

One chart per lot and purpose, so that a phone shows each at full width: cumulative cash per strategy
(:func:`cash_chart`), the Monte Carlo NPV distribution (:func:`npv_distribution_chart`), the sensitivity tornado
(:func:`tornado_chart`), and the break-even power price by model (:func:`breakeven_chart`). Each returns an
``<svg ...>`` string without the XML prolog, ready to be embedded in HTML; the ``*_figure`` functions return the
matplotlib figure (for tests). The charts only draw figures already in the report; they compute nothing new.

Rules every chart follows: legends sit outside the plotting area (below it), so they never cover data; colours are
named by legends, never by captions; a strategy keeps its colour in every chart of its lot (by rank); all text goes
through :func:`_t` so that user text is never read as mathtext.
"""

from __future__ import annotations

import io
import re
from typing import Any

from . import fmt
from . import model as _m

#: one colour per strategy/option, colour-blind-safe (Okabe-Ito); the yellow and black are left out (contrast, axes)
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
OTHER = "#8c8c8c"  #: strategies ranked below the coloured ones
WIDTH_IN = 6.4  #: figure width [inches]: one chart per lot, full width on a phone


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({
        "svg.fonttype": "none",  # keep text as text: smaller, selectable, searchable
        "svg.hashsalt": "minecore",  # stable ids, so a regenerated sample diffs cleanly
        "font.family": "sans-serif",
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
    })
    return plt


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": "minecore"})
    import matplotlib.pyplot as plt

    plt.close(fig)
    text = buf.getvalue()
    start = text.find("<svg")
    svg = text[start:]
    # no external namespaces or RDF metadata: the page must not reference anything outside itself
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = re.sub(r'\sxmlns:(?:dc|cc|rdf)="[^"]*"', "", svg)
    # let the page size the chart: keep the viewBox, drop fixed pt sizes
    svg = re.sub(r'(<svg[^>]*?)\swidth="[^"]*"\sheight="[^"]*"', r'\1 width="100%"', svg, count=1)
    return svg


def _t(text: str) -> str:
    """Text for a chart: ``$`` escaped, so matplotlib never reads dollar amounts or user text (a lot named
    ``$\\undefinedcmd$``) as mathtext, and control characters shown escaped (:func:`fmt.safe_text`; newlines kept),
    since they are not allowed in SVG text."""
    return fmt.safe_text(text, keep_newlines=True).replace("$", r"\$")


def _lines(text: str, width: int) -> str:
    """``text`` wrapped between words to lines of about ``width`` characters (a name is never cut)."""
    import textwrap

    return "\n".join(textwrap.wrap(str(text), width, break_long_words=False, break_on_hyphens=False)) or str(text)


def colour(lot: _m.LotReport, strategy_key: str) -> str:
    """The colour of a strategy in every chart of its lot: by rank, grey past the sixth."""
    rank = next((s.rank for s in lot.strategies if s.key == strategy_key), 99)
    return PALETTE[rank - 1] if rank <= 6 else OTHER


def _usd_axis(ax, axis: str = "y") -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    f = FuncFormatter(lambda v, _pos: _t(fmt.usd(v)))
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(f)
    target.set_major_locator(MaxNLocator(nbins=5 if axis == "x" else 6))


def _legend_below(ax, handles=None, labels=None, ncol: int = 1, inches: float = 0.5):
    """A legend ``inches`` under the axes (below the tick labels and the axis label: outside the plotting area, so it
    never covers data)."""
    from matplotlib.transforms import ScaledTranslation

    kw: dict[str, Any] = dict(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(0.0, 0.0), ncol=ncol,
                              borderaxespad=0.0,
                              bbox_transform=ax.transAxes + ScaledTranslation(0.0, -inches, ax.figure.dpi_scale_trans))
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    return ax.legend(handles, labels, **kw)


def _placeholder(title: str, text: str):
    plt = _plt()
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 1.6))
    ax.set_title(_t(title), loc="left", fontweight="bold")
    ax.text(0.5, 0.5, _t(text), ha="center", va="center", transform=ax.transAxes, color="#666666")
    ax.set_axis_off()
    return fig


# ------------------------------------------------------------------------------------------ cumulative cash


def cash_order(lot: _m.LotReport, top: int = 5) -> list[tuple[_m.StrategyRow, _m.CashSeries, float]]:
    """The strategies the cash chart draws (the ``top`` by rank) with their series and end value [USD]: the last
    cumulative cash plus the expected sale at the horizon (the chart's final step)."""
    series = {c.strategy_key: c for c in lot.cash_series}
    out = []
    for s in sorted(lot.strategies, key=lambda s: s.rank)[:top]:
        c = series.get(s.key)
        if c is None or not c.cumulative_cash_usd:
            continue
        out.append((s, c, c.cumulative_cash_usd[-1] + (c.salvage_usd or 0.0)))
    return out


def cash_figure(report: _m.Report, lot: _m.LotReport):
    """Expected cumulative net cash of a lot's leading strategies over the horizon, the sale at the horizon as the
    last step [USD vs days]."""
    if not lot.cash_series:
        return _placeholder(f"{lot.lot}: cumulative cash", "no cash-flow series in this report")
    plt = _plt()
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 3.4))
    horizon = report.inputs.horizon_days
    winner = lot.recommendation.strategy_key
    taxed = " after tax" if lot.after_tax else ""
    ax.axhline(0.0, color="#333333", lw=0.8, zorder=1)
    for s, c, end in cash_order(lot):
        col, lw = colour(lot, s.key), (2.6 if s.key == winner else 1.4)
        days = list(c.days) + [horizon]
        cash = list(c.cumulative_cash_usd) + [c.cumulative_cash_usd[-1]]
        ax.plot(days, cash, color=col, lw=lw, label=_t(f"{s.rank}. {s.name}: expected NPV{taxed} "
                                                       f"{fmt.usd(s.expected_npv_usd)}"))
        if c.salvage_usd:
            ax.plot([horizon, horizon], [cash[-1], end], color=col, lw=lw, ls=(0, (2, 1)))
        ax.plot([horizon], [end], marker="o", ms=4, color=col)
    ax.set_xlabel("days from the analysis date (the last step: the sale at the horizon)")
    ax.set_xlim(0, horizon * 1.02)
    _usd_axis(ax)
    ax.set_title(_t(f"{lot.lot}: expected cumulative cash, pre-tax, undiscounted"), loc="left", fontweight="bold")
    _legend_below(ax)
    return fig


def cash_chart(report: _m.Report, lot: _m.LotReport) -> str:
    return _svg(cash_figure(report, lot))


# ------------------------------------------------------------------------------------------ NPV distribution


def fixed_value(row: _m.MonteCarloRow) -> bool:
    """The strategy's NPV is the same on every path (e.g. abandoning the lot): marked, not drawn as a distribution."""
    return row.npv_p5_usd == row.npv_p95_usd == row.npv_p50_usd


def npv_distribution_figure(report: _m.Report, lot: _m.LotReport):
    """The Monte Carlo NPV distribution of every strategy of a lot: above, the empirical CDF of the leading
    strategies (share of paths with an NPV at or below x); below, each strategy's P5-P95 range with its median and
    mean. A strategy with the same NPV on every path is a marked line, not a spike."""
    mc = lot.monte_carlo
    if mc is None or not mc.rows:
        return _placeholder(f"{lot.lot}: NPV distribution", "Monte Carlo was switched off for this report")
    import numpy as np

    plt = _plt()
    rows = sorted(mc.rows, key=lambda r: next((s.rank for s in lot.strategies if s.key == r.strategy_key), 99))
    n = len(rows)
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(WIDTH_IN, 3.0 + 0.34 * n + 0.6), sharex=True,
                                   gridspec_kw={"height_ratios": [2.6, 0.34 * n + 0.3], "hspace": 0.12})
    by_key = {r.strategy_key: r for r in rows}
    handles, labels = [], []
    for h in mc.histograms:
        r = by_key.get(h.strategy_key)
        if r is None or fixed_value(r):
            continue
        counts = np.asarray(h.counts, dtype=float)
        if counts.sum() <= 0:
            continue
        cdf = np.concatenate([[0.0], np.cumsum(counts) / counts.sum()])
        (line,) = ax1.step(h.edges_usd, cdf * 100.0, where="post", color=colour(lot, r.strategy_key),
                           lw=2.4 if r.strategy_key == lot.recommendation.strategy_key else 1.5)
        handles.append(line)
        labels.append(_t(f"{r.strategy_name}: P(win) {fmt.pct(r.p_win, 0)}"))
    for r in rows:
        if fixed_value(r) and any(h.strategy_key == r.strategy_key for h in mc.histograms):
            line = ax1.axvline(r.npv_p50_usd, color=colour(lot, r.strategy_key), lw=1.4, ls="--")
            handles.append(line)
            labels.append(_t(f"{r.strategy_name}: {fmt.usd(r.npv_p50_usd)} on every path, P(win) "
                             f"{fmt.pct(r.p_win, 0)}"))
    ax1.set_ylim(0, 100)
    ax1.set_ylabel("% of paths with NPV ≤ x")
    ax1.axvline(0.0, color="#333333", lw=0.8)
    ax1.set_title(_t(f"{lot.lot}: NPV distribution, {mc.paths:,} Monte Carlo paths"), loc="left", fontweight="bold")

    for y, r in enumerate(rows):
        col = colour(lot, r.strategy_key)
        if fixed_value(r):
            ax2.plot([r.npv_p50_usd], [y], marker="|", ms=12, mew=2.2, color=col)
            ax2.text(r.npv_p50_usd, y, "  same on every path", va="center", fontsize=7, color="#444444")
            continue
        ax2.plot([r.npv_p5_usd, r.npv_p95_usd], [y, y], color=col, lw=3.0, solid_capstyle="butt")
        ax2.plot([r.npv_p50_usd], [y], marker="o", ms=5, color="white", mec=col, mew=1.6)
        ax2.plot([r.npv_mean_usd], [y], marker="D", ms=3.5, color="#222222")
    ax2.set_yticks(range(n))
    ax2.set_yticklabels([_t(_lines(r.strategy_name, 34)) for r in rows], fontsize=7)
    ax2.set_ylim(n - 0.4, -0.6)
    ax2.axvline(0.0, color="#333333", lw=0.8)
    ax2.grid(axis="y", visible=False)
    _usd_axis(ax2, "x")
    ax2.set_xlabel("NPV (bar: P5 to P95; circle: median; diamond: mean)")
    from matplotlib.lines import Line2D

    if not handles:  # every histogrammed strategy is fixed: the key still says what the lines are
        handles, labels = [Line2D([], [], color=OTHER)], ["no spread to draw"]
    _legend_below(ax2, handles, labels)  # under the lower panel: outside both plotting areas
    return fig


def npv_distribution_chart(report: _m.Report, lot: _m.LotReport) -> str:
    return _svg(npv_distribution_figure(report, lot))


# ------------------------------------------------------------------------------------------ tornado


def tornado_figure(report: _m.Report, lot: _m.LotReport):
    """Sensitivity tornado of one lot: the recommended strategy's lead over the best other strategy at each input's
    low and high value [USD]; a bar crossing zero means another strategy wins there."""
    if not lot.sensitivity or lot.sensitivity[0].margin_base_usd is None:
        return _placeholder(f"{lot.lot}: sensitivity", "no sensitivity rows")
    plt = _plt()

    def val(v: float | None) -> float:
        return v if v is not None else float("nan")

    rows = sorted(lot.sensitivity, key=lambda r: abs(val(r.base_winner_lead_high_usd) - val(r.base_winner_lead_low_usd)))
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 0.75 * len(rows) + 1.6))
    base = rows[0].margin_base_usd
    for y, r in enumerate(rows):
        ax.barh(y, val(r.base_winner_lead_low_usd) - base, left=base, color=PALETTE[0], height=0.6,
                label="at the input's low value" if y == 0 else None)
        ax.barh(y, val(r.base_winner_lead_high_usd) - base, left=base, color=PALETTE[1], height=0.6,
                label="at the input's high value" if y == 0 else None)
    labels = []
    for r in rows:
        flips = [f"{at}: {w}" for at, w in (("low", r.winner_low), ("high", r.winner_high))
                 if w != lot.recommendation.strategy_name]
        labels.append(_t(f"{r.variable}\n{fmt.figure(r.low_value, r.unit)} … {fmt.figure(r.high_value, r.unit)}"
                         + ("".join(f"\n{_lines(x + ' wins', 40)}" for x in flips))))
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(labels, fontsize=7)
    ax.axvline(base, color="#333333", lw=1.0)
    ax.axvline(0.0, color="#333333", lw=1.0, ls="--")
    ax.margins(x=0.08)
    _usd_axis(ax, "x")
    ax.set_xlabel(_t(f"lead of '{lot.recommendation.strategy_name}' over the best other strategy "
                     f"(base {fmt.usd(base)}, solid line);\nleft of the dashed zero line another strategy wins"),
                  fontsize=8)
    ax.set_title(_t(f"{lot.lot}: sensitivity, one input at a time"), loc="left", fontweight="bold")
    ax.grid(axis="y", visible=False)
    _legend_below(ax, ncol=2, inches=0.62)
    return fig


def tornado_chart(report: _m.Report, lot: _m.LotReport) -> str:
    return _svg(tornado_figure(report, lot))


# ------------------------------------------------------------------------------------------ break-even


def breakeven_figure(report: _m.Report):
    """Break-even (shutdown) power price by model [USD/kWh], with the site's power price marked."""
    seen = {b.model: b.break_even_power_price_usd_per_kwh for b in report.break_even}
    kinds = {b.model: b.kind for b in report.break_even}
    if not seen:
        return _placeholder("Break-even power price by model", "no options")
    from matplotlib.patches import Patch

    plt = _plt()
    items = sorted(seen.items(), key=lambda kv: kv[1])
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 0.42 * len(items) + 1.6))
    kind_colour = {"seized": PALETTE[3], "replacement": PALETTE[2]}
    ax.barh(range(len(items)), [v for _, v in items], color=[kind_colour.get(kinds[m], OTHER) for m, _ in items],
            height=0.6)
    for y, (_name, v) in enumerate(items):
        ax.text(v, y, _t(f" ${v:.3f}"), va="center", fontsize=8)
    ax.set_yticks(range(len(items)))
    ax.set_yticklabels([_t(m) for m, _ in items])
    handles = [Patch(color=kind_colour["seized"], label="a seized lot's model"),
               Patch(color=kind_colour["replacement"], label="a replacement")]
    site_price = next((f.value for f in report.inputs.site if f.name == "power price"), None)
    if isinstance(site_price, (int, float)):
        from matplotlib.lines import Line2D

        ax.axvline(site_price, color="#333333", ls="--", lw=1.2)
        handles.append(Line2D([], [], color="#333333", ls="--", label=_t(f"site power price ${site_price:.3f}/kWh")))
    ax.set_xlabel("USD/kWh at which the machine stops covering its power")
    ax.set_title("Break-even power price by model", loc="left", fontweight="bold")
    ax.grid(axis="y", visible=False)
    xmax = max(v for _, v in items)
    ax.set_xlim(0, xmax * 1.18)
    _legend_below(ax, handles=handles, labels=[h.get_label() for h in handles], ncol=2)
    return fig


def breakeven_chart(report: _m.Report) -> str:
    return _svg(breakeven_figure(report))


# ------------------------------------------------------------------------------------------ all


def figures(report: _m.Report) -> list[tuple[str, Any]]:
    """``[(name, figure), ...]`` of every chart in page order (for tests; close them after use)."""
    out: list[tuple[str, Any]] = []
    for lot in report.lots:
        out.append((f"cash:{lot.lot}", cash_figure(report, lot)))
    for lot in report.lots:
        if lot.monte_carlo is not None:
            out.append((f"npv:{lot.lot}", npv_distribution_figure(report, lot)))
    for lot in report.lots:
        out.append((f"tornado:{lot.lot}", tornado_figure(report, lot)))
    out.append(("break-even", breakeven_figure(report)))
    return out


def all_charts(report: _m.Report) -> list[tuple[str, str]]:
    """``[(title, svg), ...]`` for every chart, in page order."""
    return [(name, _svg(fig)) for name, fig in figures(report)]
