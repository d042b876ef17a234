"""The four report charts as inline SVG text (matplotlib, Agg backend; imported only for HTML).

Each function takes the report and returns an ``<svg ...>`` string without the XML prolog, ready to be
embedded in HTML. The charts only draw figures already in the report; they compute nothing new.
"""

from __future__ import annotations

import io
import re

from . import fmt
from . import model as _m

#: one colour per strategy/option, colour-blind-safe (Okabe-Ito)
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")


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
    """Escape ``$`` so matplotlib does not read dollar amounts as mathtext."""
    return text.replace("$", r"\$")


def _usd_axis(ax, axis: str = "y") -> None:
    from matplotlib.ticker import FuncFormatter

    from matplotlib.ticker import MaxNLocator

    f = FuncFormatter(lambda v, _pos: _t(fmt.usd(v)))
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(f)
    target.set_major_locator(MaxNLocator(nbins=5 if axis == "x" else 6))


def _placeholder(plt, title: str, text: str) -> str:
    fig, ax = plt.subplots(figsize=(7.0, 3.0))
    ax.set_title(title, loc="left", fontweight="bold")
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#666666")
    ax.set_axis_off()
    return _svg(fig)


def _lot_axes(plt, n: int, height: float):
    fig, axes = plt.subplots(1, n, figsize=(5.2 * n if n > 1 else 7.5, height), squeeze=False)
    return fig, list(axes[0])


def cumulative_cash_chart(report: _m.Report) -> str:
    """Expected cumulative net cash per strategy over the horizon, one panel per lot [USD vs days]."""
    plt = _plt()
    title = "Cumulative cash per strategy (expected, undiscounted, without salvage)"
    lots = [lot for lot in report.lots if lot.cash_series]
    if not lots:
        return _placeholder(plt, title, "no cash-flow series in this report")
    fig, axes = _lot_axes(plt, len(lots), 4.0)
    for ax, lot in zip(axes, lots):
        winner = lot.recommendation.strategy_key
        top = sorted(lot.strategies, key=lambda s: s.rank)[:5]
        keys = {s.key for s in top}
        shown = [s for s in lot.cash_series if s.strategy_key in keys]
        for i, s in enumerate(shown):
            lw = 2.6 if s.strategy_key == winner else 1.3
            ax.plot(s.days, s.cumulative_cash_usd, label=_t(s.strategy_name), color=PALETTE[i % len(PALETTE)], lw=lw)
        ax.axhline(0.0, color="#333333", lw=0.8)
        ax.set_xlabel("days from the analysis date")
        _usd_axis(ax)
        ax.set_title(lot.lot, loc="left", fontweight="bold")
        ax.legend(fontsize=7, frameon=False, loc="best")
    fig.suptitle(title, x=0.01, ha="left", fontweight="bold")
    return _svg(fig)


def npv_distribution_chart(report: _m.Report) -> str:
    """Monte Carlo NPV histograms of the leading strategies, one panel per lot [USD]."""
    plt = _plt()
    title = "NPV distribution per strategy (Monte Carlo)"
    lots = [lot for lot in report.lots if lot.monte_carlo is not None and lot.monte_carlo.histograms]
    if not lots:
        return _placeholder(plt, title, "Monte Carlo was switched off for this report")
    fig, axes = _lot_axes(plt, len(lots), 4.0)
    for ax, lot in zip(axes, lots):
        mc = lot.monte_carlo
        names = {r.strategy_key: r.strategy_name for r in mc.rows}
        for i, h in enumerate(mc.histograms):
            ax.stairs(h.counts, h.edges_usd, label=_t(names.get(h.strategy_key, h.strategy_key)),
                      color=PALETTE[i % len(PALETTE)], lw=1.6, fill=False)
        ax.axvline(0.0, color="#333333", lw=0.8)
        _usd_axis(ax, "x")
        ax.set_xlabel(f"NPV ({mc.paths:,} paths, seed {mc.seed})")
        ax.set_ylabel("paths")
        ax.set_title(lot.lot, loc="left", fontweight="bold")
        ax.legend(fontsize=7, frameon=False, loc="upper left")
    fig.suptitle(title, x=0.01, ha="left", fontweight="bold")
    return _svg(fig)


def tornado_chart(report: _m.Report) -> str:
    """Sensitivity tornado: each lot's recommended strategy's lead over the best other strategy at each input's low
    and high value [USD]; a bar crossing zero means another strategy wins there."""
    plt = _plt()
    title = "Sensitivity: the recommended strategy's lead over the next best (one input at a time)"
    lots = [lot for lot in report.lots if lot.sensitivity and lot.sensitivity[0].margin_base_usd is not None]
    if not lots:
        return _placeholder(plt, title, "no sensitivity rows")
    n_rows = max(len(lot.sensitivity) for lot in lots)
    fig, axes = _lot_axes(plt, len(lots), 0.7 * n_rows + 1.6)

    def val(v: float | None) -> float:
        return v if v is not None else float("nan")

    for ax, lot in zip(axes, lots):
        rows = sorted(lot.sensitivity, key=lambda r: abs(val(r.base_winner_lead_high_usd)
                                                         - val(r.base_winner_lead_low_usd)))
        base = rows[0].margin_base_usd
        for y, r in enumerate(rows):
            ax.barh(y, val(r.base_winner_lead_low_usd) - base, left=base, color=PALETTE[0], height=0.6,
                    label="at the low value" if y == 0 else None)
            ax.barh(y, val(r.base_winner_lead_high_usd) - base, left=base, color=PALETTE[1], height=0.6,
                    label="at the high value" if y == 0 else None)
        labels = []
        for r in rows:
            flips = [f"{at}: {w}" for at, w in (("low", r.winner_low), ("high", r.winner_high))
                     if w != lot.recommendation.strategy_name]
            labels.append(_t(f"{r.variable}\n{fmt.figure(r.low_value, r.unit)} … {fmt.figure(r.high_value, r.unit)}"
                             + ("".join(f"\n{fmt.short(x, 38)} wins" for x in flips))))
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels(labels, fontsize=7)
        ax.axvline(base, color="#333333", lw=1.0)
        ax.axvline(0.0, color=PALETTE[3], lw=1.0, ls="--")
        _usd_axis(ax, "x")
        ax.set_xlabel(_t(f"lead of '{fmt.short(lot.recommendation.strategy_name, 40)}' over the best other "
                         f"strategy\n(base {fmt.usd(base)}; left of the dashed zero line another wins)"), fontsize=8)
        ax.set_title(lot.lot, loc="left", fontweight="bold")
        ax.grid(axis="y", visible=False)
    fig.subplots_adjust(wspace=0.6)  # room for the right panel's two-line input labels
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=7, frameon=False, loc="upper right", ncol=2)
    fig.suptitle(title, x=0.01, ha="left", fontweight="bold")
    return _svg(fig)


def breakeven_chart(report: _m.Report) -> str:
    """Break-even (shutdown) power price by model [USD/kWh], with the site's power price marked."""
    plt = _plt()
    title = "Break-even power price by model"
    seen = {b.model: b.break_even_power_price_usd_per_kwh for b in report.break_even}
    kinds = {b.model: b.kind for b in report.break_even}
    if not seen:
        return _placeholder(plt, title, "no options")
    items = sorted(seen.items(), key=lambda kv: kv[1])
    fig, ax = plt.subplots(figsize=(10.4, 0.4 * len(items) + 1.4))
    colours = [PALETTE[3] if kinds[m] == "seized" else PALETTE[2] for m, _ in items]
    ax.barh(range(len(items)), [v for _, v in items], color=colours, height=0.6)
    for y, (_m_name, v) in enumerate(items):
        ax.text(v, y, _t(f" ${v:.3f}"), va="center", fontsize=8)
    ax.set_yticks(range(len(items)))
    ax.set_yticklabels([_t(m) for m, _ in items])
    site_price = next((f.value for f in report.inputs.site if f.name == "power price"), None)
    if isinstance(site_price, (int, float)):
        ax.axvline(site_price, color="#333333", ls="--", lw=1.2)
        ax.text(site_price, -0.75, _t(f" site power price ${site_price:.3f}/kWh"), fontsize=8, va="center")
        ax.set_ylim(-1.1, len(items) - 0.4)
    ax.set_xlabel("USD/kWh at which the machine stops covering its power (red: seized, green: replacement)",
                  fontsize=8)
    ax.set_title(title, loc="left", fontweight="bold")
    ax.grid(axis="y", visible=False)
    ax.set_xlim(left=0)
    return _svg(fig)


def all_charts(report: _m.Report) -> list[tuple[str, str]]:
    """``[(title, svg), ...]`` for the four charts, in page order."""
    return [
        ("Cumulative cash per strategy", cumulative_cash_chart(report)),
        ("NPV distribution per strategy", npv_distribution_chart(report)),
        ("Sensitivity tornado", tornado_chart(report)),
        ("Break-even power price by model", breakeven_chart(report)),
    ]
