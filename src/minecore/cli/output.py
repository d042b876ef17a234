"""Renderers shared by every command: JSON and CSV on stdout, rich tables, stderr messages, and the one way to
write an output file.

One row model (a list of dicts) feeds the table, the JSON and the CSV output.
rich is imported on first use, never at ``minecore --help``.

Outputs are never half-written: :func:`write_atomic` (every ``--output``) writes a temporary file in the target's
directory and renames it over the target only once it is complete, so a failure (disk full, file size limit)
leaves the previous file as it was. A failed write raises :class:`~minecore.errors.OutputError` (exit 3); the CLI
boundary (:func:`minecore.cli.main.main`) turns a failed write to standard output into the same one-line error,
and a closed pipe (``minecore report | head``) into a quiet exit 0.
"""

from __future__ import annotations

import csv
import errno
import json
import math
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def _jsonable(value: Any) -> Any:
    """Make dataclasses, enums, numpy scalars, tuples and non-finite floats JSON-safe."""
    import dataclasses
    import enum

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _jsonable(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, enum.Enum):
        return _jsonable(value.value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def to_json(obj: Any) -> str:
    """Serialise ``obj`` (dataclasses, enums, numpy scalars allowed) as indented JSON."""
    return json.dumps(_jsonable(obj), indent=2, allow_nan=False)


def emit_json(obj: Any, stream=None) -> None:
    """Write ``obj`` as JSON to stdout (or ``stream``)."""
    stream = stream or sys.stdout
    stream.write(to_json(obj) + "\n")


def emit_csv(rows: Sequence[Mapping[str, Any]], stream=None, columns: Sequence[str] | None = None) -> None:
    """Write rows of dicts as CSV with a header line.

    Text cells that a spreadsheet would read as a formula (first character ``=``, ``+``, ``-``, ``@``, tab or
    carriage return) get a leading ``'`` (OWASP's rule, :func:`minecore.reports.fmt.csv_cell`); numbers stay
    numbers."""
    stream = stream or sys.stdout
    rows = [_jsonable(r) for r in rows]
    if columns is None:
        columns = list(dict.fromkeys(k for r in rows for k in r))
    texts = [v for r in rows for v in (*r, *r.values()) if isinstance(v, str) and v]
    if any(not v[0].isalnum() or not _printable(v) for v in texts):
        from ..reports.fmt import csv_cell  # loads the reports package: only when a cell may need it
    else:
        def csv_cell(value: Any) -> Any:
            return "" if value is None else value
    writer = csv.DictWriter(stream, fieldnames=[csv_cell(c) for c in columns], extrasaction="ignore",
                            lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({csv_cell(k): csv_cell(v) for k, v in row.items()})


def format_value(value: Any) -> str:
    """Human formatting for table cells: thousands separators, trimmed floats."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return "∞" if value > 0 else ("-∞" if value < 0 else "n/a")
        if value == 0:
            return "0"  # also -0.0, which would print as "-0"
        if value != 0 and (abs(value) >= 1e7 or abs(value) < 1e-3):
            return f"{value:.4g}"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:,.3g}" if abs(value) < 1 else f"{value:,.2f}"
    return str(value)


def _printable(text: str) -> bool:
    """True when ``text`` holds no control or format character (newlines and tabs allowed)."""
    return text.replace("\n", "").replace("\t", "").isprintable()


def safe(text: str) -> str:
    """``text`` with control characters and terminal escape sequences shown escaped (``\\x1b``), newlines and
    tabs kept: see :func:`minecore.reports.fmt.safe_text` (imported only when ``text`` needs it)."""
    if _printable(text):
        return text
    from ..reports.fmt import safe_text

    return safe_text(text, keep_newlines=True)


_console_class = None


def _safe_console_class():
    """rich's Console with two changes (made on first use, so rich loads only then):

    * every string it renders (cells, titles, captions, printed text) has its control characters shown escaped, so
      a model or lot name cannot send escape sequences to the terminal (clear the screen, retitle the window...);
    * a closed pipe raises :class:`BrokenPipeError` for the CLI boundary to end quietly, instead of rich's own
      ``SystemExit(1)``.
    """
    global _console_class
    if _console_class is None:
        from rich.console import Console

        class SafeConsole(Console):
            def render_str(self, text, *args, **kwargs):
                return super().render_str(safe(text), *args, **kwargs)

            def on_broken_pipe(self) -> None:
                self.quiet = True
                raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))

        _console_class = SafeConsole
    return _console_class


def console(stderr: bool = False, **kwargs):
    """A rich Console on stdout (or stderr) honouring the terminal's colour and width; control characters in the
    text it prints are shown escaped (see :func:`_safe_console_class`). ``kwargs`` go to rich's Console."""
    kwargs.setdefault("highlight", False)
    return _safe_console_class()(stderr=stderr, **kwargs)


def console_err():
    """A rich Console on stderr, for messages and progress."""
    return console(stderr=True)


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


# ---------------------------------------------------------------------------------------------- writing files

#: longest file name (one path component) and whole path, in bytes, that minecore accepts (Linux NAME_MAX and
#: PATH_MAX); longer ones are refused with a message naming the limit before any work is done
MAX_NAME_BYTES = 255
MAX_PATH_BYTES = 4096

#: errno values of a write that failed for want of room or a working device: an output error (exit 3), not a bug
OUTPUT_ERRNOS = frozenset(e for e in (errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", None), errno.EIO,
                                      errno.EROFS, errno.EBADF) if e is not None)


def check_path(option: str, path: Any) -> str:
    """``path`` as a string if its length is within :data:`MAX_NAME_BYTES` per name and :data:`MAX_PATH_BYTES` in
    all, else :class:`~minecore.errors.InvalidInputError` naming ``option`` and the limit."""
    from ..errors import InvalidInputError

    text = os.fspath(path)
    if not isinstance(text, str) or not text:
        raise InvalidInputError(f"{option}: expected a file path, got {path!r}")
    if "\0" in text:
        raise InvalidInputError(f"{option}: the path contains a NUL character")
    raw = os.fsencode(text)
    if len(raw) > MAX_PATH_BYTES:
        raise InvalidInputError(f"{option}: path too long: {len(raw):,} bytes, the limit is {MAX_PATH_BYTES:,}")
    longest = max((len(part) for part in raw.split(b"/")), default=0)
    if longest > MAX_NAME_BYTES:
        raise InvalidInputError(f"{option}: file name too long: {longest:,} bytes in one name, the limit is "
                                f"{MAX_NAME_BYTES}")
    return text


def check_output_path(option: str, path: Any) -> str:
    """Check, before any work, that ``path`` can be an output file: its length (:func:`check_path`), an existing
    directory to hold it, not a directory itself. Raises :class:`~minecore.errors.InvalidInputError` (exit 2)."""
    from ..errors import InvalidInputError

    text = check_path(option, path)
    target = os.path.realpath(text)
    parent = os.path.dirname(target) or "."
    if os.path.isdir(target):
        raise InvalidInputError(f"{option} {text}: is a directory")
    if not os.path.isdir(parent):
        raise InvalidInputError(f"{option} {text}: no such directory {parent}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InvalidInputError(f"{option} {text}: no permission to write in {parent}")
    return text


def write_atomic(path: Any, data: str | bytes, *, option: str = "--output", encoding: str = "utf-8") -> int:
    """Write ``data`` to ``path`` so that it is never half-written; return the number of bytes written.

    The bytes go to a temporary file in the same directory (``.minecore-XXXXXXXX.tmp``), are flushed to disk, and
    the temporary file is renamed over ``path`` only then (an atomic step on POSIX). On any failure the temporary
    file is removed and ``path`` keeps its previous content: :class:`~minecore.errors.OutputError` names the
    option, the file and the reason. A new file gets the usual permissions (0666 less the umask), a replaced one
    keeps its mode. A symbolic link is followed (its target is replaced); a path that is not a regular file
    (``/dev/stdout``, a FIFO) is written directly, since it cannot be replaced.
    """
    import secrets
    import stat

    from ..errors import OutputError

    text = check_output_path(option, path)
    payload = data.encode(encoding) if isinstance(data, str) else bytes(data)
    target = os.path.realpath(text)
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise OutputError(f"{option} {text}: cannot write ({exc.strerror})") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        try:
            with open(target, "wb") as f:
                f.write(payload)
        except OSError as exc:
            raise OutputError(f"{option} {text}: cannot write ({exc.strerror})") from None
        return len(payload)
    tmp = os.path.join(os.path.dirname(target), f".minecore-{secrets.token_hex(4)}.tmp")
    kept = f"{text} was left as it was" if st is not None else "nothing was written"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    except OSError as exc:
        raise OutputError(f"{option} {text}: cannot write ({exc.strerror}); {kept}") from None
    try:
        try:
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view):]
            if st is not None:
                os.fchmod(fd, stat.S_IMODE(st.st_mode))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise OutputError(f"{option} {text}: cannot write ({exc.strerror}); {kept}") from None
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return len(payload)


# ---------------------------------------------------------------------------------------------- standard output


class ClosedStdout:
    """Stands in for ``sys.stdout`` when the process started with it closed (``minecore report >&-``): Python then
    sets ``sys.stdout = None`` and ``print`` would drop every line without a word. Every write raises ``OSError``
    (EBADF) instead, which the CLI boundary reports as an output error (exit 3)."""

    closed = False
    encoding = "utf-8"
    errors = "strict"

    def write(self, _text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")

    def flush(self) -> None:
        return None

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        import io

        raise io.UnsupportedOperation("standard output is closed")

    def writable(self) -> bool:
        return True


def output_error(exc: BaseException) -> str | None:
    """The one-line reason when ``exc`` is a failed write of the output (disk full, file too large, closed or
    read-only output...), else ``None``."""
    if isinstance(exc, OSError) and not isinstance(exc, BrokenPipeError) and exc.errno in OUTPUT_ERRNOS:
        return f"cannot write the output ({exc.strerror or os.strerror(exc.errno)})"
    return None


def discard_stdout() -> None:
    """After a failed or broken write to the process's real standard output, point file descriptor 1 at
    ``/dev/null``: the interpreter flushes ``sys.stdout`` once more on exit, and that flush of the unwritten
    buffer must neither fail again nor print "Exception ignored". A replaced ``sys.stdout`` (tests) is left alone."""
    stream = sys.stdout
    if stream is None or stream is not sys.__stdout__:
        return
    try:
        fd = stream.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
    except (OSError, ValueError):
        return
    try:
        os.dup2(devnull, fd)
    except OSError:
        pass
    finally:
        os.close(devnull)
