"""The one way to write an output file, and the checks on output paths.

:func:`write_atomic` (every ``--output``) writes a temporary file in the target's directory and renames it over
the target only once it is complete, so a failure (disk full, file size limit) leaves the previous file as it was.
A failed write raises :class:`~minecore.errors.OutputError` (exit 3); the CLI boundary
(:func:`minecore.cli.main.main`) turns a failed write to standard output into the same one-line error, and a closed
pipe (``minecore report | head``) into a quiet exit 0.
"""

from __future__ import annotations

import errno
import os
import sys
from typing import Any



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
