"""Tables for every command: the first layout that fits the width, and never a cut number, hash or name.

Layouts, tried in order: every cell on one line; headers wrapped at spaces and ``prose`` columns wrapped at word
boundaries; ``secondary`` columns left out (the caption names them); one record per row as ``header: value``
pairs. A terminal gives the width; a pipe or a file gets full width (or ``COLUMNS``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .output import console, format_value, safe


#: a prose column (notes, sources, sentences) wraps at word boundaries but never gets narrower than this, nor than
#: its longest word
PROSE_MIN_WIDTH = 16


#: a cell that reads as a number (right-aligned in its column): digits with separators, a sign, an exponent or a
#: unit sign, or a dash for "unknown"
_NUMBER = r"—|n/a|[-+]?[$]?[\d,]*\.?\d+(e[-+]?\d+)?%?|[-+]?∞"


def _numeric(cell: str) -> bool:
    import re

    return re.fullmatch(_NUMBER, cell) is not None


#: stands for a space that must not break a line (inside a kept phrase such as a model name) while text is measured
#: and wrapped; printed as a plain space
_GLUE = "\ue000"


def _glued(text: str, keep: Iterable[str]) -> str:
    """``text`` with the spaces inside each phrase of ``keep`` (model names) glued, so wrapping never splits them."""
    for phrase in sorted({k for k in keep if k and " " in k}, key=len, reverse=True):
        text = text.replace(phrase, phrase.replace(" ", _GLUE))
    return text


def table_width(con) -> int | None:
    """The columns a table may use on the rich Console ``con``: the terminal's width; when the output is not a
    terminal (a pipe or a file), ``COLUMNS`` if it is set, else ``None``: the table prints at its full width, so
    nothing is wrapped or cut (the report's tables follow the same rule)."""
    if con.is_terminal:
        return con.width
    columns = os.environ.get("COLUMNS", "").strip()
    return int(columns) if columns.isdigit() and int(columns) > 0 else None


def _cells_width(text: str) -> int:
    """Terminal cells of the widest line of ``text``."""
    from rich.cells import cell_len

    return max((cell_len(line) for line in text.split("\n")), default=0)


def _word_width(text: str) -> int:
    """Terminal cells of the longest word (run of non-blanks) of ``text``."""
    from rich.cells import cell_len

    return max((cell_len(word) for word in text.split()), default=0)


def _column_widths(heads: list[str], body: list[list[str]], prose: set[int], width: int | None) -> list[int] | None:
    """Content width of each column of a boxed table no wider than ``width`` (``None``: no limit), or ``None`` when
    no such table shows every cell whole.

    The natural layout (every cell on one line) is used when it fits. Otherwise headers wrap at their spaces and
    prose columns wrap at word boundaries, down to :data:`PROSE_MIN_WIDTH` or their longest word; every other cell
    (a number, a hash, a model name) keeps its whole width, so it is never wrapped, folded or cut."""
    n = len(heads)
    natural = [max([_cells_width(heads[i])] + [_cells_width(row[i]) for row in body]) for i in range(n)]
    overhead = 3 * n + 1  # rich's box: a border and one space of padding either side of each column
    if width is None or sum(natural) + overhead <= width:
        return natural
    minimum = []
    for i in range(n):
        if i in prose:
            longest = max([_word_width(heads[i])] + [_word_width(row[i]) for row in body])
            minimum.append(max(longest, min(natural[i], PROSE_MIN_WIDTH)))
        else:
            minimum.append(max([_word_width(heads[i])] + [_cells_width(row[i]) for row in body]))
    spare = width - overhead - sum(minimum)
    if spare < 0:
        return None
    want = [natural[i] - minimum[i] for i in range(n)]
    total = sum(want)
    widths = [minimum[i] + want[i] * spare // total for i in range(n)]
    left = width - overhead - sum(widths)
    for i in sorted(range(n), key=lambda j: -want[j]):
        if left <= 0:
            break
        if widths[i] < natural[i]:
            widths[i] += 1
            left -= 1
    return widths


def _wrap(text: str, width: int | None, *, first: str = "", rest: str = "", prose: bool = True) -> list[str]:
    """``first + text`` as lines of at most ``width`` cells, broken only at blanks (never inside a word, a number
    or a hash; a word longer than the line stays whole). Not prose, or no width: one line, whatever its length."""
    import textwrap

    if width is None or not prose or _cells_width(first + text) <= width:
        return [first + text]
    return textwrap.wrap(text, width=max(width, 1), initial_indent=first, subsequent_indent=rest,
                         break_long_words=False, break_on_hyphens=False) or [first]


def _stacked(heads: list[str], body: list[list[str]], prose: set[int], width: int) -> list[str]:
    """Rows as records for a terminal too narrow for the table: nothing is dropped or cut.

    Two columns (a field and its value): one ``field: value`` line each (the value on the next line when both do
    not fit). More: the first cell on a line of its own (with its header when it is a number), then
    ``header: value`` pairs packed into lines; a prose value wraps at word boundaries, any other value is never
    broken."""
    lines: list[str] = []
    n = len(heads)
    for r, row in enumerate(body):
        if n == 1:
            lines += _wrap(row[0], width, prose=0 in prose)
            continue
        if n == 2:
            label = f"{row[0]}: "
            if _cells_width(label + row[1]) <= width or (1 in prose and _word_width(row[1]) + len(label) <= width):
                lines += _wrap(row[1], width, first=label, rest="    ", prose=1 in prose)
            else:
                lines.append(label.rstrip())
                lines += _wrap(row[1], width, first="  ", rest="  ", prose=1 in prose)
            continue
        if r:
            lines.append("")
        lines += _wrap(row[0], width, first=f"{heads[0]}: " if _numeric(row[0]) else "", rest="  ", prose=0 in prose)
        line = ""
        for i in range(1, n):
            piece = f"{heads[i]}: {row[i]}"
            if line and _cells_width(line + "   " + piece) <= width:
                line += "   " + piece
                continue
            if line:
                lines.append(line)
            if _cells_width("  " + piece) <= width or i not in prose:
                line = "  " + piece
            else:
                lines += _wrap(row[i], width, first=f"  {heads[i]}: ", rest="    ")
                line = ""
        if line:
            lines.append(line)
    return lines


def print_table(
    title: str | None,
    columns: Sequence[str | tuple[str, str]],
    rows: Iterable[Mapping[str, Any] | Sequence[Any]],
    *,
    caption: str | None = None,
    out=None,
    prose: Iterable[str] = (),
    secondary: Sequence[str] = (),
    keep: Iterable[str] = (),
) -> None:
    """Print a table that adapts to the width and never cuts a value.

    ``columns`` are keys, or ``(key, header)`` pairs; rows are dicts or sequences; cells are formatted with
    :func:`format_value`. ``prose`` names the columns whose text may wrap at word boundaries (notes, sources);
    every other cell (a number, a hash, a model name) is shown whole on one line. ``secondary`` names text columns
    that may be left out on a narrow terminal, the first named first (never a column of numbers). ``keep`` lists
    phrases (model names) that wrapping never splits, in prose cells, the title and the caption.

    On a terminal the table fits its width: the natural layout, else headers and prose wrapped, else without the
    secondary columns (the caption says which), else (too narrow for a table) one record per row with every column,
    ``header: value`` pairs packed into lines (:func:`_stacked`). When the output is not a terminal (a pipe, a file)
    the table prints whole at its full width, nothing wrapped or left out. The title and caption wrap at word
    boundaries on a terminal and stay whole elsewhere."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    keys = [c if isinstance(c, str) else c[0] for c in columns]
    heads = [safe(c if isinstance(c, str) else c[1]) for c in columns]
    prose, keep = set(prose), tuple(keep)
    wrap = {i for i, k in enumerate(keys) if k in prose}
    body = []
    for row in rows:
        values = [row.get(k) for k in keys] if isinstance(row, Mapping) else list(row)
        cells = [safe(format_value(v)) for v in values]
        body.append([_glued(c, keep) if keys[i] in prose else c for i, c in enumerate(cells)])
    con = out or console()
    width = table_width(con)

    def say(text: str | None, style: str) -> None:
        for line in [] if not text else _wrap(_glued(safe(text), keep), width, rest=""):
            con.print(line.replace(_GLUE, " "), style=style, markup=False, highlight=False, soft_wrap=True)

    widths = _column_widths(heads, body, wrap, width)
    shown = list(range(len(keys)))
    for key in secondary if widths is None else ():
        if key not in keys:
            continue
        shown.remove(keys.index(key))
        widths = _column_widths([heads[i] for i in shown], [[row[i] for i in shown] for row in body],
                                {n for n, i in enumerate(shown) if i in wrap}, width)
        if widths is not None:
            left_out = ", ".join(heads[i] for i in range(len(keys)) if i not in shown)
            caption = (f"{caption}; " if caption else "") + f"not shown at this width: {left_out} (--json or a " \
                "wider terminal shows them)"
            wrap = {n for n, i in enumerate(shown) if i in wrap}
            heads, body = [heads[i] for i in shown], [[row[i] for i in shown] for row in body]
            break
    say(title, "bold")
    if widths is None:
        for line in _stacked(heads, body, wrap, width):
            con.print(line.replace(_GLUE, " "), markup=False, highlight=False, soft_wrap=True)
    else:
        table = Table(box=box.HEAVY_HEAD, show_edge=True)
        for i, head in enumerate(heads):
            numeric = i and i not in wrap and all(_numeric(row[i]) for row in body)
            table.add_column(Text(head), justify="right" if numeric else "left", width=widths[i], overflow="fold")
        for cells in body:
            table.add_row(*(Text("\n".join(_wrap(c, widths[i], prose=i in wrap)).replace(_GLUE, " "))
                            for i, c in enumerate(cells)))
        before = con.width
        con.width = max(before, sum(widths) + 3 * len(widths) + 1)
        try:
            con.print(table)
        finally:
            con.width = before
    say(caption, "dim")


def print_fields(title: str | None, items: Iterable[tuple[str, Any]], *, caption: str | None = None, out=None,
                 field: str = "field", value: str = "value", keep: Iterable[str] = ()) -> None:
    """Print ``(name, value)`` pairs as a two-column table (see :func:`print_table`); the values may wrap at word
    boundaries (a long note), and a number or hash stays whole."""
    print_table(title, [(field, field), (value, value)], [list(item) for item in items], caption=caption, out=out,
                prose=(value,), keep=keep)
