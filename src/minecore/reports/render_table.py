"""Terminal rendering with rich: the briefing first, then the sections of :mod:`minecore.reports.sections` in order.

Tables adapt to the width without losing anything:

* a number, a hash or a model name is never cut or broken across lines; prose wraps between words;
* when the width is short, secondary columns move under the row's first cell ("stacked") instead of squeezing the
  table; when even the essential columns do not fit, each row becomes a small record (``header: value`` lines);
* when stdout is not a terminal (a pipe, a file) and ``COLUMNS`` is not set, tables are printed at their full width
  (one line per row), so that pipes and files lose nothing; prose paragraphs still wrap at :data:`PROSE` columns.

The layout is computed here (column widths from each column's longest unbreakable token and longest cell), and
rich only draws it: every cell is pre-wrapped to its column's width, so rich never folds or truncates a cell.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from . import fmt
from . import model as _m
from .sections import DEFAULT, ORDER, TITLES

PROSE = 100  #: prose paragraphs wrap at this many columns at most
GAP = 2  #: columns between two table columns
FULL = 1000  #: the width tables may take when stdout is not a terminal (their natural width)
LABEL = 11  #: width of the briefing's labels ("Hold cost")

Cell = "str | tuple[str, str]"  # text, or (text, rich style)


def _s(text: Any) -> str:
    """User or catalog text made safe for the terminal (``fmt.safe_text`` when present) and with readable names."""
    safe = getattr(fmt, "safe_text", None)
    text = str(text)
    return safe(text) if safe is not None else text


# ------------------------------------------------------------------------------------------ wrapping

_NBSP = "\x00"  # stands for a space inside a protected phrase while wrapping


def _protect(text: str, phrases: Iterable[str]) -> str:
    """``text`` with the spaces inside each protected phrase (model names...) replaced by :data:`_NBSP`."""
    for p in sorted({p for p in phrases if p and " " in p}, key=len, reverse=True):
        if p in text:
            text = text.replace(p, p.replace(" ", _NBSP))
    return text


def _tokens(text: str, phrases: Iterable[str] = ()) -> list[str]:
    """The unbreakable pieces of ``text``: words, with protected phrases kept whole."""
    return [t.replace(_NBSP, " ") for t in _protect(" ".join(str(text).split()), phrases).split(" ") if t]


def _len(text: str) -> int:
    from rich.cells import cell_len

    return cell_len(text)


def wrap(text: str, width: int, phrases: Iterable[str] = ()) -> list[str]:
    """``text`` wrapped to ``width`` columns between words; protected ``phrases`` (model names) are never broken,
    and hard line breaks (``\\n``) are kept. A single word longer than the width (a long path in a note) is the
    only thing ever split.

    >>> wrap("difficulty drift of the Auradine AH3880 lot", 16, ["Auradine AH3880"])
    ['difficulty drift', 'of the', 'Auradine AH3880', 'lot']
    """
    width = max(1, width)
    phrases = tuple(phrases)
    out: list[str] = []
    for para in str(text).split("\n"):
        line = ""
        for tok in _tokens(para, phrases):
            while _len(tok) > width:  # only a single over-long word (never a number column: those are sized)
                if line:
                    out.append(line)
                    line = ""
                out.append(tok[:width])
                tok = tok[width:]
            if not line:
                line = tok
            elif _len(line) + 1 + _len(tok) <= width:
                line += " " + tok
            else:
                out.append(line)
                line = tok
        out.append(line)
    return out


# ------------------------------------------------------------------------------------------ tables


@dataclass(frozen=True)
class Col:
    """A column: ``kind`` ``num`` (never wrapped), ``fig`` (a figure with words, e.g. ``$4.27M (12.6%)``: wraps
    between words, right-aligned), ``name`` (wraps between words, names kept whole) or ``text`` (prose); ``priority`` 0 is always shown as a column, higher numbers move under the first cell first when the
    width is short; ``cap`` limits a prose column's width when there is room (not when printing full width)."""

    header: str
    kind: str = "num"
    priority: int = 0
    style: str = ""
    cap: int | None = None
    soft_min: int = 0


@dataclass
class Grid:
    """A table to lay out: title, columns, rows of cells (None = a blank separator line), caption."""

    title: str
    cols: list[Col]
    rows: list[Sequence[Any] | None]
    caption: str = ""
    phrases: tuple[str, ...] = ()


def _text(cell: Any) -> tuple[str, str]:
    if isinstance(cell, tuple):
        return _s(cell[0]), cell[1]
    return _s(cell), ""


class _Layout:
    """Widths of a grid's columns at a given width, and which columns are stacked under the first one."""

    def __init__(self, grid: Grid, width: int, full: bool):
        self.grid, self.width, self.full = grid, width, full
        n = len(grid.cols)
        self.shown = list(range(n))
        self.stacked: list[int] = []
        self.records = False
        #: stacked columns go under this one: the first always-shown text column (the row's name)
        self.target = next((i for i, c in enumerate(grid.cols) if c.kind in ("name", "text") and c.priority == 0), 0)
        while True:
            mins = [self._min(i) for i in self.shown]
            if sum(mins) + GAP * (len(self.shown) - 1) <= width:
                break
            cand = [i for i in self.shown if grid.cols[i].priority > 0]
            if not cand:
                self.records = True
                return
            drop = max(cand, key=lambda i: (grid.cols[i].priority, i))
            self.shown.remove(drop)
            self.stacked.append(drop)
        self.stacked.sort()
        maxs = [self._max(i) for i in self.shown]
        spare = width - sum(mins) - GAP * (len(self.shown) - 1)
        widths = list(mins)
        # room goes to the text columns first (fewer wrapped lines), then to numbers' headers
        for phase in (lambda c: c.kind != "num", lambda c: c.kind == "num"):
            idx = [k for k, i in enumerate(self.shown) if phase(grid.cols[i])]
            need = {k: maxs[k] - widths[k] for k in idx}
            total = sum(need.values())
            if total <= 0 or spare <= 0:
                continue
            if total <= spare:
                for k in idx:
                    widths[k] = maxs[k]
                spare -= total
                continue
            give = {k: spare * need[k] // total for k in idx}
            left = spare - sum(give.values())
            for k in sorted(idx, key=lambda k: -(need[k] - give[k]))[:left]:
                give[k] += 1
            for k in idx:
                widths[k] += give[k]
            spare = 0
        self.widths = dict(zip(self.shown, widths))

    def _cells(self, i: int) -> list[str]:
        return [_text(r[i])[0] for r in self.grid.rows if r is not None]

    def _stack_entries(self, row: Sequence[Any]) -> list[tuple[str, str, str]]:
        """``(header, value, kind)`` of the stacked columns of ``row`` (empty text cells left out)."""
        out = []
        for j in self.stacked:
            col = self.grid.cols[j]
            text = _text(row[j])[0]
            if text and (text != "—" or col.kind == "num"):
                out.append((col.header, text, col.kind))
        return out

    def _stack_tokens(self, row: Sequence[Any]) -> list[str]:
        """The unbreakable pieces of the stacked lines: header words, and a number whole."""
        out: list[str] = []
        for head, value, kind in self._stack_entries(row):
            out += _tokens(head + ":")
            out += [value] if kind == "num" else _tokens(value, self.grid.phrases)
        return out

    def stack_lines(self, row: Sequence[Any], width: int) -> list[str]:
        return [x for head, value, kind in self._stack_entries(row)
                for x in _wrap_entry(head, value, kind, width, self.grid.phrases)]

    def _min(self, i: int) -> int:
        col = self.grid.cols[i]
        head = max((_len(w) for w in col.header.split()), default=1)
        cells = self._cells(i)
        if col.kind == "num":
            body = max((_len(line) for c in cells for line in c.split("\n")), default=1)
        else:
            body = max((_len(t) for c in cells for t in _tokens(c, self.grid.phrases)), default=1)
            body = max(body, min(col.soft_min, self._max(i)))
        if i == self.target and self.stacked:
            body = max([body] + [_len(t) for r in self.grid.rows if r is not None for t in self._stack_tokens(r)])
        return max(head, body)

    def _max(self, i: int) -> int:
        col = self.grid.cols[i]
        cells = self._cells(i)
        longest = max((_len(line) for c in cells for line in c.split("\n")), default=1)
        longest = max(longest, _len(col.header))
        if col.kind == "text" and col.cap and not self.full:
            longest = min(longest, max(col.cap, 1))
        if i == self.target and self.stacked:
            longest = max([longest] + [_len(f"{h}: {v}") for r in self.grid.rows if r is not None
                                       for h, v, _k in self._stack_entries(r)])
        return longest


def _wrap_entry(head: str, value: str, kind: str, width: int, phrases: Iterable[str] = ()) -> list[str]:
    """``head: value`` wrapped to ``width``: between words, a number (``kind`` ``num``) never broken."""
    if kind != "num":
        return wrap(f"{head}: {value}", width, phrases)
    lines = wrap(head + ":", width)
    if _len(lines[-1]) + 1 + _len(value) <= width:
        lines[-1] += " " + value
    else:
        lines.extend(value.split("\n"))
    return lines


def _render_grid(grid: Grid, width: int, full: bool, prose: int) -> list[Any]:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    out: list[Any] = [Text("\n".join(wrap(_s(grid.title), min(width, prose) if not full else prose)), style="bold")]
    lay = _Layout(grid, width, full)
    if lay.records:
        out.extend(_records(grid, width))
    else:
        t = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0), expand=False,
                  show_header=True, header_style="bold")
        for i in lay.shown:
            col = grid.cols[i]
            w = lay.widths[i]
            just = "right" if col.kind in ("num", "fig") else "left"
            head = Text("\n".join(wrap(col.header, w)), justify=just)
            t.add_column(head, width=w, overflow="fold", justify=just, style=col.style)
        pending_section = False
        for row in grid.rows:
            if row is None:
                pending_section = True
                continue
            if pending_section and t.row_count:
                t.rows[-1].end_section = True
            pending_section = False
            cells = []
            for i in lay.shown:
                col = grid.cols[i]
                text, style = _text(row[i])
                w = lay.widths[i]
                if col.kind == "num":
                    lines = text.split("\n")
                else:
                    lines = wrap(text, w, grid.phrases)
                cell = Text("\n".join(lines), style=style, justify="right" if col.kind in ("num", "fig") else "left")
                if i == lay.target and lay.stacked:
                    extra = lay.stack_lines(row, w)
                    if extra:
                        cell.append("\n" + "\n".join(extra), style="dim")
                cells.append(cell)
            t.add_row(*cells)
        out.append(t)
    if grid.caption:
        out.append(Text("\n".join(wrap(_s(grid.caption), min(width, prose), grid.phrases)), style="dim"))
    return out


def _records(grid: Grid, width: int) -> list[Any]:
    """Each row as a record: its first cell, then ``header: value`` lines (the narrowest widths)."""
    from rich.text import Text

    out = []
    for row in grid.rows:
        if row is None:
            continue
        first, style = _text(row[0])
        lines = [Text("\n".join(wrap(first, width, grid.phrases)), style=style or "bold")]
        for col, cell in zip(grid.cols[1:], row[1:]):
            text = _text(cell)[0]
            wrapped = _wrap_entry(col.header, text, col.kind, max(1, width - 2), grid.phrases)
            lines.append(Text("\n".join("  " + x for x in wrapped)))
        out.extend(lines)
    return out


# ------------------------------------------------------------------------------------------ helpers


def _money(value: float | None, *, bold: bool = False) -> tuple[str, str]:
    style = "red" if value is not None and value < 0 else ""
    return fmt.usd(value), ("bold " + style).strip() if bold else style


def _names(report: _m.Report) -> tuple[str, ...]:
    """Model and option names: never broken across lines."""
    names = {m.name for m in report.inputs.models}
    for lot in report.lots:
        names.update(o.name for o in lot.options)
        names.update((lot.model, lot.lot))
    return tuple(sorted(names))


def _mc_row(lot: _m.LotReport, key: str) -> _m.MonteCarloRow | None:
    if lot.monte_carlo is None:
        return None
    return next((r for r in lot.monte_carlo.rows if r.strategy_key == key), None)


def _site(report: _m.Report, name: str) -> _m.SourcedFigure | None:
    return next((f for f in report.inputs.network + report.inputs.site if f.name == name), None)


# ------------------------------------------------------------------------------------------ sections


class _Out:
    """Renderables in order, with the widths to lay them out at."""

    def __init__(self, width: int, full: bool, phrases: tuple[str, ...]):
        self.width, self.full, self.phrases = width, full, phrases
        self.prose = min(width, PROSE)
        self.parts: list[Any] = []

    def grid(self, title: str, cols: list[Col], rows: list[Sequence[Any] | None], caption: str = "") -> None:
        self.blank()
        self.parts.extend(_render_grid(Grid(title, cols, rows, caption, self.phrases), self.width, self.full,
                                       self.prose))

    def para(self, text: str, style: str = "", indent: int = 0) -> None:
        from rich.text import Text

        lines = wrap(_s(text), self.prose - indent, self.phrases)
        self.parts.append(Text("\n".join(" " * indent + x for x in lines), style=style))

    def heading(self, text: str) -> None:
        self.blank()
        self.para(text, style="bold")

    def blank(self) -> None:
        from rich.text import Text

        if self.parts:
            self.parts.append(Text(""))

    def kv(self, label: str, value: str, *, highlight: Sequence[tuple[str, str]] = ()) -> None:
        """A briefing line: ``label`` in a fixed column, ``value`` wrapped beside it."""
        from rich.text import Text

        lines = wrap(_s(value), max(10, self.prose - 2 - LABEL), self.phrases)
        text = Text()
        for k, line in enumerate(lines):
            if k:
                text.append("\n" + " " * (2 + LABEL))
            else:
                text.append("  " + label.ljust(LABEL - 1) + " ", style="bold")
            piece = Text(line)
            for words, style in highlight:
                if words:
                    piece.highlight_words([words], style)
            text.append_text(piece)
        self.parts.append(text)


def _briefing(report: _m.Report, o: _Out) -> None:
    inp = report.inputs
    after_tax = any(lot.after_tax for lot in report.lots)
    tax = _site(report, "income tax")
    o.para(f"Analysis date {inp.analysis_date}, horizon {inp.horizon_days:,} days, discount "
           f"{fmt.pct(inp.discount_rate_per_year)}/year, NPVs "
           + (f"after tax ({tax.value})" if after_tax and tax is not None else "before tax"))
    btc = _site(report, "BTC price on the analysis date") or _site(report, "BTC price")
    power = _site(report, "power price")
    growth = _site(report, "difficulty growth")
    drivers = []
    if btc is not None:
        drivers.append(f"BTC {fmt.figure(btc.value, btc.unit)} (snapshot {inp.snapshot_date})")
    if power is not None:
        drivers.append(f"power {fmt.figure(power.value, power.unit)}")
    if growth is not None:
        drivers.append(f"difficulty growth {fmt.figure(growth.value, growth.unit)}")
    o.para("Assumptions: " + ", ".join(drivers))
    bases = list(dict.fromkeys(lot.resale_basis for lot in report.lots if lot.resale_basis))
    if bases:
        o.para("Resale and salvage: " + " / ".join(bases), style="dim")

    jp = report.joint_plan
    if jp is not None:
        o.blank()
        from .sections import joint_plan_sentence

        line = joint_plan_sentence(jp)
        o.para(line, style="bold")
        if jp.what_flips:
            o.para("What flips the plan: " + jp.what_flips)

    plan = {p.lot: p for p in report.plan}
    for lot in report.lots:
        rec = lot.recommendation
        p = plan.get(lot.lot)
        key = p.strategy_key if p is not None else rec.strategy_key
        name = p.strategy_name if p is not None else rec.strategy_name
        npv = p.expected_npv_usd if p is not None else rec.expected_npv_usd
        o.blank()
        o.para(f"{lot.lot}: {fmt.number(lot.units)} × {lot.model}, held {lot.days_held:,} days", style="bold")
        taxed = " after tax" if lot.after_tax else ""
        o.kv("Decision", f"{name}: {fmt.usd(npv)} expected NPV{taxed}", highlight=[(name, "bold green")])
        if key == rec.strategy_key:
            if rec.runner_up_name is not None and rec.margin_over_next_usd is not None:
                o.kv("Lead", f"{fmt.usd(rec.margin_over_next_usd)} over {rec.runner_up_name}, the next best")
            else:
                o.kv("Lead", "the only strategy")
        else:
            o.kv("Lead", f"on its own the lot's best is {rec.strategy_name} ({fmt.usd(rec.expected_npv_usd)}); the "
                         "site's power cap makes this the better choice for the site")
        row = _mc_row(lot, key)
        if row is not None:
            mc = lot.monte_carlo
            line = (f"{fmt.pct(row.p_win, 0)} of {mc.paths:,} Monte Carlo paths; NPV P5 {fmt.usd(row.npv_p5_usd)}, "
                    f"P50 {fmt.usd(row.npv_p50_usd)}, P95 {fmt.usd(row.npv_p95_usd)}")
            safest = min(mc.rows, key=lambda r: -r.npv_p5_usd)
            if safest.strategy_key != key:
                line += f"; by P5 {safest.strategy_name} leads ({fmt.usd(safest.npv_p5_usd)})"
            o.kv("P(win)", line)
        else:
            o.kv("P(win)", "n/a: Monte Carlo off (--paths 0)")
        if rec.what_flips:
            o.kv("Flips if", _flips_text(rec))
        h = lot.hold_cost
        o.kv("Hold cost", f"{fmt.usd(h.total_usd)} so far: fees {fmt.usd(h.holding_fees_usd)}, lost margin "
                          f"{fmt.usd(h.lost_margin_at_analysis_date_usd)}, legal {fmt.usd(h.legal_costs_usd)}, "
                          f"difficulty drift {fmt.usd(h.difficulty_drift_usd)}")
    if jp is None and len(report.plan) > 1:
        o.blank()
        o.para(f"Plan total {fmt.usd(report.plan_expected_npv_usd)}: the lots' winners; the lots do not compete for "
               "power (no site power cap)")


def _flips_text(rec: _m.Recommendation) -> str:
    """The economics' what-flips sentence without its ``X wins unless`` lead-in (the line says it already)."""
    lead = f"{rec.strategy_name} wins unless "
    text = rec.what_flips
    if text.startswith(lead):
        text = text[len(lead):]
    return text


def _warnings(report: _m.Report, o: _Out) -> None:
    if not report.warnings:
        return
    o.heading(TITLES["warnings"])
    for w in report.warnings:
        o.para("- " + fmt.readable(w), style="yellow")


def _plan(report: _m.Report, o: _Out) -> None:
    jp = report.joint_plan
    if jp is None:
        return
    lots = [lot.lot for lot in report.lots]
    plans = [("best", jp.best)] + [(f"#{k + 2}", p) for k, p in enumerate(jp.others)]
    if jp.differs_from_per_lot:
        plans.append(("per-lot winners", jp.per_lot_winners))
    cols = [Col("plan", "name")] + [Col(f"{name}", "name") for name in lots] + [
        Col("displaced margin", priority=1), Col("expected NPV")]
    rows = [[label, *p.strategies, _money(p.displaced_margin_usd), _money(p.expected_npv_usd, bold=label == "best")]
            for label, p in plans]
    o.grid(f"{TITLES['plan']} ({fmt.number(jp.site_cap_mw, 2)} MW)", cols, rows,
           caption="each lot's NPV as if uncapped, less the present value of the margin the cap takes away from the "
                   "site because of the plan's machines")


def _hold(report: _m.Report, o: _Out) -> None:
    cols = [Col("lot", "name"), Col("units", priority=3), Col("days held", priority=2), Col("holding fees"),
            Col("legal", priority=1), Col("lost margin"), Col("difficulty drift", priority=1), Col("total")]
    rows: list[Any] = []
    for lot in report.lots:
        h = lot.hold_cost
        rows.append([h.lot, fmt.number(h.units), fmt.number(h.days_held), fmt.usd(h.holding_fees_usd),
                     fmt.usd(h.legal_costs_usd), fmt.usd(h.lost_margin_at_analysis_date_usd),
                     fmt.usd(h.difficulty_drift_usd), (fmt.usd(h.total_usd), "bold")])
    if len(report.lots) > 1:
        rows.append([("all lots", "bold"), "", "", "", "", "", "", (fmt.usd(report.hold_cost_total_usd), "bold")])
    o.grid(TITLES["hold"], cols, rows,
           caption="lost margin = days held x the operating margin on the analysis date; difficulty drift = what the "
                   "lower difficulty of the held days would have added; fees and legal costs as paid")


def _strategies(report: _m.Report, o: _Out) -> None:
    for lot in report.lots:
        rec = lot.recommendation
        cols = [Col("#"), Col("strategy", "name", soft_min=14), Col("expected NPV")]
        if lot.after_tax:
            cols.append(Col("pre-tax", priority=2, style="dim"))
        cols.append(Col("what it means", "text", priority=1, style="dim", cap=48, soft_min=20))
        rows = []
        for s in sorted(lot.strategies, key=lambda s: s.rank):
            style = "bold green" if s.rank == 1 else ("red" if s.expected_npv_usd < 0 else "")
            row = [str(s.rank), (s.name, style), (fmt.usd(s.expected_npv_usd), style)]
            if lot.after_tax:
                row.append(fmt.usd(s.expected_npv_pre_tax_usd))
            rows.append(row + [s.description])
        cap = f"release within the horizon {fmt.pct(lot.release_within_horizon_probability, 0)}"
        if lot.expected_release_day is not None:
            cap += f", expected in {lot.expected_release_day:,.0f} days"
        if lot.forfeiture_probability:
            cap += f"; forfeiture {fmt.pct(lot.forfeiture_probability, 0)}"
        if lot.resale_usd_per_unit is not None:
            cap += (f". Resale of a seized unit on the expected release day {fmt.usd(lot.resale_usd_per_unit)} net; "
                    f"at the horizon {fmt.usd(lot.salvage_usd_per_unit)} net. Basis: {lot.resale_basis}")
        o.grid(f"{lot.lot}: strategies by expected NPV" + (" after tax" if lot.after_tax else ""), cols, rows,
               caption=cap + ".")
        if rec.explanation:
            o.para("Why: " + rec.explanation)


def _risk(report: _m.Report, o: _Out) -> None:
    for lot in report.lots:
        mc = lot.monte_carlo
        if mc is None:
            continue
        settings = ", ".join(f"{f.name} {fmt.figure(f.value, f.unit)}" for f in mc.model)
        cols = [Col("strategy", "name", soft_min=14), Col("P(win)"), Col("P5 NPV"), Col("P50 NPV"),
                Col("P95 NPV", priority=1), Col("mean", priority=2), Col("CVaR 5%", priority=3),
                Col("P(payback)", priority=4)]
        rows = []
        for r in mc.rows:
            rows.append([r.strategy_name, fmt.pct(r.p_win, 0), _money(r.npv_p5_usd), _money(r.npv_p50_usd),
                         _money(r.npv_p95_usd), _money(r.npv_mean_usd),
                         _money(r.npv_cvar5_usd) if r.npv_cvar5_usd is not None else "—",
                         fmt.probability(r.p_payback)])
        o.grid(f"{lot.lot}: Monte Carlo, {mc.paths:,} paths, seed {mc.seed}", cols, rows,
               caption=settings + "; P(win) = share of paths on which the strategy is best; CVaR 5% = mean NPV of the "
                                  "worst 5% of paths; P(payback) n/a = nothing invested to pay back")
        if mc.ranking_note:
            o.para(mc.ranking_note, style="yellow")


def _sensitivity(report: _m.Report, o: _Out) -> None:
    for lot in report.lots:
        best = lot.recommendation.strategy_name
        if lot.sensitivity:
            cols = [Col("input", "name"), Col("at", "name"), Col("value"), Col("winner", "name", soft_min=14),
                    Col("NPV"), Col("margin", priority=1), Col("next best", "name", priority=2)]
            rows: list[Any] = []
            for s in lot.sensitivity:
                points = (("low", s.low_value, s.winner_low, s.winner_npv_low_usd, s.margin_low_usd, s.runner_up_low),
                          ("base", s.base_value, s.winner_base or best, s.npv_base_usd, s.margin_base_usd,
                           s.runner_up_base),
                          ("high", s.high_value, s.winner_high, s.winner_npv_high_usd, s.margin_high_usd,
                           s.runner_up_high))
                if rows:
                    rows.append(None)
                for i, (at, value, winner, npv, margin, nxt) in enumerate(points):
                    rows.append([s.variable if i == 0 else "", at, fmt.figure(value, s.unit),
                                 (winner, "yellow" if winner != best else ""), _money(npv), _money(margin),
                                 nxt or "—"])
            o.grid(f"{lot.lot}: sensitivity, one input at a time", cols, rows,
                   caption=f"NPV = the winner's expected NPV there; margin = it minus the next best's; yellow when "
                           f"the winner is not '{best}' (the recommendation at base)")
        if lot.flips:
            cols = [Col("input", "name"), Col("base", "fig"), Col("flips at", "fig"), Col("then wins", "name", soft_min=10),
                    Col("searched", "text", priority=1, style="dim", cap=36)]
            rows = []
            for f in lot.flips:
                side = "≤" if f.side == "below" else "≥"
                at = f"{side} {f.threshold_text}" if f.threshold is not None else f"holds {f.side}"
                rows.append([f.label, fmt.figure(f.base_value, f.unit), at, f.new_winner or "—", f.range_text])
            o.grid(f"{lot.lot}: what flips it, each input alone", cols, rows,
                   caption=f"the value past which '{best}' stops winning, found by root-finding over the searched "
                           "range; 'holds' = it wins over the whole range on that side")


def _options(report: _m.Report, o: _Out) -> None:
    horizon = report.inputs.horizon_days
    for lot in report.lots:
        cols = [Col("option", "name"), Col("units", priority=4), Col("TH/s", priority=5), Col("MW", priority=5),
                Col("J/TH", priority=3), Col("capex incl. tariff", "fig", priority=2), Col("daily margin"),
                Col("payback", priority=3), Col("NPV"), Col("ROI", priority=4), Col("IRR", priority=4),
                Col("break-even power", priority=1)]
        rows = []
        for x in lot.options:
            capex = f"{fmt.usd(x.capex_usd)} ({fmt.pct(x.tariff_rate, 1)})" if x.capex_usd else "sunk"
            rows.append([x.name, fmt.number(x.units), fmt.number(x.hashrate_ths, 0), fmt.number(x.power_mw, 2),
                         fmt.number(x.efficiency_j_per_th, 1), capex,
                         (fmt.usd(x.daily_margin_usd) + "/d", "red" if x.daily_margin_usd < 0 else ""),
                         fmt.days(x.payback_day) if x.capex_usd else "sunk", _money(x.npv_usd),
                         fmt.pct(x.roi, 0) if x.capex_usd else "sunk",
                         fmt.pct(x.irr_per_year, 0) if x.capex_usd else "sunk",
                         fmt.usd_per_kwh(x.break_even_power_price_usd_per_kwh) + "/kWh"])
        bases = "; ".join(f"{x.name}: {fmt.price_basis(x.price_basis, x.price_unverified)}"
                          for x in lot.options if x.kind == "replacement")
        o.grid(f"{lot.lot}: options (whole lots; replacements sized to the lot's hashrate unless counted)", cols, rows,
               caption=f"NPV over {horizon:,} days at {fmt.pct(report.inputs.discount_rate_per_year)}/year incl. "
                       "salvage; the seized row's NPV is 'wait and redeploy' (capex sunk); payback 'never' = not within "
                       "the horizon; ROI undiscounted incl. salvage; IRR per year, '—' = no rate exists (no cash comes "
                       f"back); capex in brackets: the tariff rate. Unit prices: {bases or 'none'}")


def _dispatch(report: _m.Report, o: _Out) -> None:
    d = report.dispatch
    if d is None:
        return
    cap = f"{fmt.number(d.site_cap_mw, 2)} MW cap" if d.site_cap_mw is not None else "no power cap"
    cols = [Col("machines", "name"), Col("units", priority=2), Col("running", "fig"), Col("break-even power", priority=1),
            Col("MW on"), Col("margin", priority=1)]
    rows = []
    for r in d.rows:
        running = fmt.number(r.units_on) if r.profitable else "0 (unprofitable)"
        rows.append([f"{r.label}: {r.model}" if r.label == "fleet" else r.label, fmt.number(r.units), running,
                     fmt.usd_per_kwh(r.break_even_power_price_usd_per_kwh) + "/kWh", fmt.number(r.power_mw_on, 2),
                     fmt.usd(r.margin_usd_per_day) + "/d"])
    o.grid(f"Site dispatch, {cap}: fleet + each lot's recommendation, best break-even first", cols, rows,
           caption=f"running {fmt.number(d.power_mw_on, 2)} MW of {fmt.number(d.uncapped_power_mw, 2)} MW profitable "
                   f"(facility power, wall x PUE) at today's hashprice; margin {fmt.usd(d.margin_usd_per_day)}/d; the "
                   f"cap costs {fmt.usd(d.cost_of_cap_usd_per_day)}/d")


def _emulation(report: _m.Report, o: _Out) -> None:
    em = report.emulation
    if em is None:
        return
    cols = [Col("model", "name"), Col("nameplate TH/s"), Col("emulated TH/s"), Col("shares found", priority=2),
            Col("expected", priority=2), Col("Poisson p", priority=1), Col("scale", priority=1)]
    rows = [[r.model, fmt.number(r.nameplate_ths, 1), fmt.number(r.emulated_ths, 1), fmt.number(r.shares_found),
             fmt.number(r.shares_expected, 1), fmt.number(r.poisson_p_value, 3),
             f"1/{fmt.number(r.scale_factor, 0)}" if r.scale_factor else "—"] for r in em.rows]
    o.grid(f"Emulation on this machine: {em.backend}, {fmt.number(em.kernel_hashes_per_s / 1e6, 2)} MH/s", cols, rows,
           caption="emulated TH/s from the shares found in the sample; scale = one CPU core does 1/N of one chip of "
                   "the model; — = no chip data in the catalog for that model")


def _inputs(report: _m.Report, o: _Out) -> None:
    inp = report.inputs
    cols = [Col("input", "name"), Col("value", "name"), Col("source", "text", priority=1, style="dim", cap=60,
                                                            soft_min=24)]
    rows = [["scenario", inp.scenario_name, inp.scenario_source],
            ["network snapshot", inp.snapshot_date, inp.snapshot_name],
            ["analysis date / horizon", f"{inp.analysis_date} / {inp.horizon_days:,} d",
             f"discount {fmt.pct(inp.discount_rate_per_year)}/year"]]
    for f in inp.network + inp.site:
        rows.append([f.name + (" *" if f.unverified else ""), fmt.figure(f.value, f.unit), f.source])
    o.grid(TITLES["inputs"], cols, rows,
           caption="* unverified figure (see the catalog sources); scenario figures are assumptions to override")
    for note in inp.notes:
        o.para(note, style="dim")


def _models(report: _m.Report, o: _Out) -> None:
    cols = [Col("model", "name"), Col("TH/s"), Col("W", priority=2), Col("J/TH"), Col("origin", "name", priority=1),
            Col("tariff"), Col("unverified", "text", priority=3, style="yellow", cap=40),
            Col("operating point", "text", priority=3, style="dim", cap=60)]
    rows = [[x.name, fmt.number(x.hashrate_ths, 0), fmt.number(x.power_w, 0), fmt.number(x.efficiency_j_per_th, 1),
             x.origin_country, fmt.pct(x.tariff_rate),
             ", ".join(fmt.field_label(f) for f in x.unverified_fields) or "—", x.operating_point]
            for x in report.inputs.models]
    o.grid(TITLES["models"], cols, rows, caption="origin = country of assembly, which sets the US tariff")


def _prices(report: _m.Report, o: _Out) -> None:
    cols = [Col("model", "name"), Col("price"), Col("basis", "name", priority=1, style="yellow"),
            Col("source", "text", priority=2, style="dim", cap=60, soft_min=24)]
    rows = [[x.name, fmt.usd(x.price_usd), fmt.price_basis(x.price_basis, x.price_unverified), x.price_source]
            for x in report.inputs.models]
    o.grid(TITLES["prices"], cols, rows,
           caption="catalog (dated) = the catalog's dated price; scenario assumption = price_usd in the scenario file, "
                   "not a catalog figure; valuation model (FMV new) = the valuation model's fair market value of a new "
                   "unit; assumed $/TH tier = the economics' efficiency-tier guess, not a quote. Capex, resale and "
                   "salvage all start from these prices: override them.")


_RENDER = {"briefing": _briefing, "warnings": _warnings, "plan": _plan, "hold": _hold, "strategies": _strategies,
           "risk": _risk, "sensitivity": _sensitivity, "options": _options, "dispatch": _dispatch,
           "emulation": _emulation, "inputs": _inputs, "models": _models, "prices": _prices}
assert tuple(_RENDER) == ORDER


def present(report: _m.Report) -> tuple[str, ...]:
    """The sections that have content in ``report`` (a plan only with a cap, dispatch with a fleet or cap...)."""
    skip = set()
    if report.joint_plan is None:
        skip.add("plan")
    if report.dispatch is None:
        skip.add("dispatch")
    if report.emulation is None:
        skip.add("emulation")
    if not report.warnings:
        skip.add("warnings")
    if all(lot.monte_carlo is None for lot in report.lots):
        skip.add("risk")
    return tuple(k for k in ORDER if k not in skip)


def _full_width(console: Any) -> bool:
    """Print tables at their full width: stdout is not a terminal and ``COLUMNS`` does not set a width."""
    return not console.is_terminal and not os.environ.get("COLUMNS", "").strip().isdigit()


def render_table(report: _m.Report, console: Any = None, *, sections: Sequence[str] | None = None,
                 full_width: bool | None = None) -> None:
    """Print the report to ``console`` (default: a rich Console on stdout).

    sections : keys of :data:`minecore.reports.sections.ORDER` to print (always in that order; default
    :data:`~minecore.reports.sections.DEFAULT`); full_width : lay tables out at their natural width (default: when
    the console is not a terminal and ``COLUMNS`` is not set).
    """
    if console is None:
        from rich.console import Console

        console = Console(highlight=False)
    full = _full_width(console) if full_width is None else full_width
    width = FULL if full else max(20, console.width)
    wanted = set(DEFAULT if sections is None else sections)
    shown = [k for k in present(report) if k in wanted]
    o = _Out(width, full, _names(report))
    if full:
        o.prose = PROSE
    o.para(report.title, style="bold")
    for key in shown:
        _RENDER[key](report, o)
    hidden = [k for k in present(report) if k not in wanted]
    if hidden and sections is None:
        o.blank()
        o.para(f"Not shown: {', '.join(hidden)}. `minecore report --full` prints every section; "
               f"`--sections {','.join(hidden[:2])}` picks some.", style="dim")
    saved = getattr(console, "_width", None)
    if full:
        console.width = max(console.width, FULL)
    try:
        for part in o.parts:
            console.print(part)
    finally:
        if full:
            console._width = saved


def render_text(report: _m.Report, *, width: int = 100, color: bool = False,
                sections: Sequence[str] | None = None) -> str:
    """The table output as a string, laid out for a terminal ``width`` columns wide (for files and tests)."""
    import io

    from rich.console import Console

    buf = io.StringIO()
    console = Console(file=buf, width=width, force_terminal=color, color_system="standard" if color else None,
                      highlight=False, emoji=False)
    render_table(report, console, sections=sections, full_width=False)
    return buf.getvalue()
