"""Where the recommendation changes across a sweep: ``minecore sweep --summary``.

For each seized lot (and the site's joint plan when the table has plan rows): how many points each strategy
wins, and, along each axis, between which neighbouring values the winner changes, how often and from what to
what. A *line* along an axis is a set of points that differ only in that axis (every other axis and the case
held fixed); a change is counted between two neighbouring values of a line (both points present: with
``--limit`` some lines are partial). Cases count as an axis whose "neighbours" are consecutive cases in the
file. Points whose scenario was refused (error rows) are counted and named apart.

With a Monte Carlo, the summary also counts the points where the strategy most often best on the paths
(highest P(win)) is not the expected-NPV winner: where the two disagree, the recommendation is fragile.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from .spec import Sweep

MAX_TRANSITIONS = 6  #: kinds of change (from -> to) listed per axis, the most frequent first


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    text = str(v)
    return text if len(text) <= 40 else text[:37] + "..."


def winners(table: Any) -> dict[str, dict[int, str]]:
    """lot -> {point: winner label} (plans under "site (joint plan)")."""
    out: dict[str, dict[int, str]] = defaultdict(dict)
    best = table[(table["rank"] == 1) & table["kind"].isin(["strategy", "plan"])]
    for kind, lot, point, label in zip(best["kind"], best["lot"], best["point"], best["strategy"]):
        out["site (joint plan)" if kind == "plan" else lot][int(point)] = label
    return out


def transitions(sweep: Sweep, wins: dict[int, str]) -> list[tuple[str, list[Any], int, int, Counter]]:
    """Per axis (cases first, as "case"): (name, values, lines with a change, lines, Counter of
    (value index k, winner at k, winner at k + 1))."""
    dims: list[tuple[str, list[Any]]] = []
    if sweep.cases:
        dims.append(("case", [c.name for c in sweep.cases]))
    dims += [(a.target.key, list(a.values)) for a in sweep.axes]
    coords = {}
    for i in wins:
        p = sweep.point(i)
        coords[i] = ((p.case_index,) if sweep.cases else ()) + p.coords
    index = {c: i for i, c in coords.items()}
    out = []
    for d, (name, values) in enumerate(dims):
        if len(values) < 2:
            continue
        lines: dict[tuple, list[int]] = defaultdict(list)
        for i, c in coords.items():
            lines[c[:d] + c[d + 1:]].append(i)
        changed, counted, what = 0, 0, Counter()
        for key, members in lines.items():
            pairs = 0
            hit = False
            for i in members:
                c = coords[i]
                nxt = index.get(c[:d] + (c[d] + 1,) + c[d + 1:])
                if nxt is None:
                    continue
                pairs += 1
                if wins[i] != wins[nxt]:
                    hit = True
                    what[(c[d], wins[i], wins[nxt])] += 1
            if pairs:
                counted += 1
                changed += hit
        out.append((name, values, changed, counted, what))
    return out


def _changes(values: list[Any], what: Counter) -> list[str]:
    """One line per kind of change (from -> to), most frequent first: how often, between which values of the
    axis, and the most frequent place."""
    kinds: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for (k, a, b), n in what.items():
        kinds[(a, b)][k] += n
    out = []
    for (a, b), at in sorted(kinds.items(), key=lambda kv: (-sum(kv[1].values()), kv[0])):
        n = sum(at.values())
        lo, hi = min(at), max(at)
        where = (f"between {_fmt(values[lo])} and {_fmt(values[lo + 1])}" if lo == hi else
                 f"between {_fmt(values[lo])} and {_fmt(values[hi + 1])}, most often "
                 f"{_fmt(values[at.most_common(1)[0][0]])} -> {_fmt(values[at.most_common(1)[0][0] + 1])}")
        out.append(f"{a} -> {b}: {n} line{'s' if n != 1 else ''}, {where}")
    return out


def summarize(table: Any, sweep: Sweep, stats: dict[str, Any] | None = None) -> str:
    """The text ``minecore sweep --summary`` prints."""
    n_points = int(table["point"].nunique()) if len(table) else 0
    shape = " x ".join(str(n) for n in sweep.shape)
    lines = [f"Sweep {sweep.name!r}: {n_points} of {sweep.n_points} points ({shape}; "
             f"{'cases x ' if sweep.cases else ''}{' x '.join(sweep.axis_keys) or 'cases'})"]
    if stats:
        lines.append(f"computed {stats['computed']}, reused {stats['reused']}"
                     + (f", {stats['points_per_s']:.2f} points/s on {stats['executor']}" if stats["computed"] else ""))
    errors = table[table["kind"] == "error"] if len(table) else table
    if len(errors):
        first = errors.iloc[0]
        lines.append(f"{len(errors)} point(s) refused by the scenario loader, e.g. point {int(first['point'])}: "
                     f"{first['error']}")
    lines.append("")
    lines.append("Where the recommendation changes:")
    plans = table[table["kind"] == "plan"] if len(table) else table
    for lot, wins in winners(table).items():
        count = Counter(wins.values())
        lines.append("")
        if lot == "site (joint plan)":
            differs = int((plans.groupby("point").size() > 1).sum())
            if not differs:
                lines.append(f"{lot}: the best plan is each lot's own winner at all {len(wins)} points (the lots do "
                             "not compete for the site's power)")
                continue
            lines.append(f"{lot}: at {differs} of {len(wins)} points the best plan is not the lots' own winners "
                         "(they compete for the site's power)")
        lines.append(f"{lot}: {len(count)} winner{'s' if len(count) != 1 else ''} over {len(wins)} points")
        width = max(len(k) for k in count)
        for label, n in count.most_common():
            lines.append(f"  {label:<{width}}  {n:>6} points  {n / len(wins):>4.0%}")
        for name, values, changed, counted, what in transitions(sweep, wins):
            head = ("across the cases (in file order)" if name == "case" else
                    f"as {name} goes {_fmt(values[0])} to {_fmt(values[-1])}")
            if not changed:
                lines.append(f"  {head}: the winner never changes ({counted} lines)")
                continue
            lines.append(f"  {head}: the winner changes in {changed} of {counted} lines")
            kinds = _changes(values, what)
            lines += [f"    {k}" for k in kinds[:MAX_TRANSITIONS]]
            if len(kinds) > MAX_TRANSITIONS:
                lines.append(f"    ... and {len(kinds) - MAX_TRANSITIONS} other kinds of change")
    fragile = _mc_disagreements(table)
    if fragile:
        lines.append("")
        for lot, (n, total) in fragile.items():
            lines.append(f"{lot}: at {n} of {total} points the strategy most often best on the Monte Carlo paths "
                         "(highest P(win)) is not the expected-NPV winner")
    return "\n".join(lines) + "\n"


def _mc_disagreements(table: Any) -> dict[str, tuple[int, int]]:
    if not len(table) or "mc_p_win" not in table.columns:
        return {}
    s = table[(table["kind"] == "strategy")]
    s = s[s["mc_p_win"].notna()]
    if not len(s):
        return {}
    out = {}
    for lot, g in s.groupby("lot", sort=False):
        top = g.loc[g.groupby("point")["mc_p_win"].idxmax()]
        n = int((top["rank"] != 1).sum())
        if n:
            out[lot] = (n, int(g["point"].nunique()))
    return out
