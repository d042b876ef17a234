"""Finished points on disk: a directory of chunk files beside the sweep's table, written atomically.

``PATH.parts/`` (for the table ``PATH``) holds ``chunk-NNNNNN-PID.parquet`` (or ``.csv`` without pyarrow): the
rows of the points that finished, written as they arrive. Every file is written to a temporary name in the same
directory, flushed to disk (fsync) and renamed into place (``os.replace``, atomic on POSIX), then the directory
is synced: a crash leaves either the whole chunk or none of it, never half of one. Temporary files a crash left
behind are removed on the next start.

A rerun reads the ``point_hash`` column of every chunk and skips those points (the hash covers everything a
result depends on: :mod:`minecore.sweep.points`). The directory is the cache: the table ``PATH`` is rebuilt
from it at the end of every run (only the points of the current sweep, each once), and chunks of points no
longer in the sweep stay there for a later sweep that has them again. A finished run merges its chunks into one
(the merged file is written before the old ones are removed; a point found in two chunks is read from one) once
they are more than :data:`COMPACT_CHUNKS` files.
Delete the directory to start afresh. One run at a time may write a directory (an exclusive lock,
``.lock``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Callable

from ..errors import OptionalDependencyError, OutputError, SweepError

CHUNK = re.compile(r"^chunk-(\d{6,})-(\d+)\.(parquet|csv)$")
TMP_PREFIX = ".tmp-"
COMPACT_CHUNKS = 16  #: a finished run merges the chunks when there are more than this many


def have_pyarrow() -> bool:
    import importlib.util

    return importlib.util.find_spec("pyarrow") is not None


def _fsync_dir(d: Path) -> None:
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. a platform without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write ``path`` through ``write(temporary path)``, then fsync and rename it into place. A failure (disk
    full...) removes the temporary file, leaves ``path`` as it was and raises :class:`OutputError`."""
    path = Path(path)
    tmp = path.with_name(f"{TMP_PREFIX}{os.getpid()}-{path.name}")
    try:
        write(tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OutputError(f"{path}: cannot write ({exc.strerror or exc}); {path.name} was left as it "
                              "was") from None
        raise
    _fsync_dir(path.parent)


def write_frame(df: Any, path: Path, fmt: str) -> None:
    """Write a table atomically as Parquet or CSV."""
    if fmt == "parquet":
        if not have_pyarrow():
            raise OptionalDependencyError(f"{path}: Parquet needs pyarrow: pip install 'minecore[scale]' "
                                          "(or write CSV: --format csv)")
        atomic_write(path, lambda p: df.to_parquet(p, index=False))
    else:
        atomic_write(path, lambda p: df.to_csv(p, index=False))


def read_frame(path: Path, columns: list[str] | None = None) -> Any:
    import pandas as pd

    from .evaluate import TEXT_COLUMNS

    if path.suffix == ".parquet":
        return pd.read_parquet(path, columns=columns)
    wanted = None if columns is None else set(columns)
    dtypes = {c: t for c, t in (("seed", "uint64"), ("point_hash", str)) if wanted is None or c in wanted}
    exact = {"float_precision": "round_trip"} if int(pd.__version__.split(".")[0]) < 3 else {}  # 3: the default
    df = pd.read_csv(path, usecols=columns, dtype=dtypes, **exact)  # floats read back exactly
    for c in TEXT_COLUMNS:
        if c in df.columns:
            df[c] = df[c].astype(object).where(df[c].notna(), "").astype(str)
    return df


class ChunkStore:
    """The chunk directory of one table (see the module docstring)."""

    def __init__(self, directory: str | Path, fmt: str) -> None:
        self.dir = Path(directory)
        self.fmt = fmt  # format of new chunks: "parquet" or "csv"
        self._lock_fd: int | None = None
        self._seq = 0

    # -- opening

    def open(self) -> "ChunkStore":
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{self.dir}: cannot create the sweep's chunk directory ({exc.strerror})") from None
        self._lock()
        for f in self.dir.iterdir():
            if f.name.startswith(TMP_PREFIX):
                f.unlink(missing_ok=True)  # a crash's half-written file: never a chunk
        self._seq = max((int(m.group(1)) for m in map(CHUNK.match, os.listdir(self.dir)) if m), default=0)
        return self

    def _lock(self) -> None:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX
            return
        fd = os.open(self.dir / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise SweepError(f"{self.dir}: another minecore sweep is writing these results; wait for it to finish "
                             "or choose another --output") from None
        self._lock_fd = fd

    def close(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the lock
            self._lock_fd = None

    def __enter__(self) -> "ChunkStore":
        return self.open()

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- reading

    def chunks(self) -> list[Path]:
        """Chunk files, oldest first."""
        found = [(int(m.group(1)), f) for f in self.dir.iterdir() if (m := CHUNK.match(f.name))]
        return [f for _, f in sorted(found)]

    def done(self, warn: Callable[[str], None] | None = None) -> set[str]:
        """Hashes of every point with rows in a chunk."""
        out: set[str] = set()
        for f in self.chunks():
            try:
                out.update(read_frame(f, ["point_hash"])["point_hash"].astype(str))
            except Exception as exc:  # noqa: BLE001 - an unreadable chunk costs its points, not the sweep
                if warn:
                    warn(f"ignoring unreadable chunk {f} ({type(exc).__name__}: {exc}); its points will be rerun")
        return out

    def read(self, hashes: set[str] | None = None) -> Any:
        """Every row of the points in ``hashes`` (all points: None), each point from one chunk only."""
        import pandas as pd

        frames = []
        seen: set[str] = set()
        for f in self.chunks():
            try:
                df = read_frame(f)
            except Exception:  # noqa: BLE001 - reported by done()
                continue
            h = df["point_hash"].astype(str)
            keep = ~h.isin(seen)
            if hashes is not None:
                keep &= h.isin(hashes)
            seen.update(h.unique())
            if keep.any():
                frames.append(df[keep])
        if not frames:
            return pd.DataFrame()
        return pd.concat(frames, ignore_index=True)

    # -- writing

    def write(self, frames: list[Any]) -> Path | None:
        """Write the rows of ``frames`` (DataFrames) as a new chunk, atomically; None when there is nothing."""
        import pandas as pd

        frames = [f for f in frames if len(f)]
        if not frames:
            return None
        self._seq += 1
        path = self.dir / f"chunk-{self._seq:06d}-{os.getpid()}.{self.fmt}"
        write_frame(pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0], path, self.fmt)
        return path

    def compact(self, everything: Any = None) -> None:
        """Merge every chunk into one (the new file first, then the old ones go); ``everything``: what
        :meth:`read` returns, when the caller has it already."""
        old = self.chunks()
        if len(old) <= 1:
            return
        df = self.read() if everything is None else everything
        self._seq += 1
        path = self.dir / f"chunk-{self._seq:06d}-{os.getpid()}.{self.fmt}"
        write_frame(df, path, self.fmt)
        for f in old:
            f.unlink(missing_ok=True)
        _fsync_dir(self.dir)
