"""Kernel choice by measurement: time each usable kernel briefly, keep the fastest, remember it per CPU.

A backend with several kernels (native: ``avx512``, ``shani``, ``avx2``, ``portable``; numba: ``shani`` and
``lanes``) calls :func:`choose` the first time it is used without a forced kernel.  :func:`choose` returns the
choice remembered for this CPU, or measures: every usable kernel scans nonces of a fixed header with target 0 on
one thread, :data:`ROUNDS` rounds of about :data:`ROUND_SECONDS` of CPU time each, interleaved (round-robin, in a
rotating order) so that a burst of load elsewhere on the machine hits every kernel alike.  The kernel with the
best round wins; a kernel earlier in the static priority order is kept when it is within :data:`MARGIN` of the
winner, so that noise does not flip the choice between two kernels of equal speed.  Each kernel's first call
(which loads or compiles JIT code) is not timed.

The choice is stored in ``$XDG_CACHE_HOME/minecore/kernel-choice.json`` (``~/.cache/minecore/...`` when
``XDG_CACHE_HOME`` is unset), one entry per backend, CPU model, CPU features that matter, usable kernels and
package version (numba's version too, for numba), written atomically (a temporary file, then ``os.replace``).

The static priority order is used instead of measuring when

* ``MINECORE_NO_CALIBRATION`` is set (to anything but ``0``),
* the cache directory cannot be written (measuring in every process would cost each of them a fraction of a
  second), or
* measuring fails (the error is kept as the reason).

Nothing here runs for ``minecore --help`` or when a kernel is forced (``MINECORE_NATIVE_IMPL``,
``MINECORE_NUMBA_KERNEL``, ``NativeBackend(impl=...)``, ``NumbaBackend(kernel=...)``): the backends call
:func:`choose` only for the automatic choice.  ``MINECORE_CALIBRATION_SECONDS`` sets the time per kernel and round.

>>> pick({"avx512": 26.0e6, "shani": 30.0e6, "avx2": 14.8e6}, ["avx512", "shani", "avx2"])
'shani'
>>> pick({"avx512": 29.9e6, "shani": 30.0e6}, ["avx512", "shani"])   # within 2 %: priority order
'avx512'
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import platform
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Sequence

from ..errors import InvalidInputError

ENV_OFF = "MINECORE_NO_CALIBRATION"
ENV_SECONDS = "MINECORE_CALIBRATION_SECONDS"
#: the cache file, in :func:`cache_dir`
CACHE_FILE = "kernel-choice.json"
FORMAT = "minecore kernel choice"
SCHEMA = 1
#: time each kernel scans per round [s]
ROUND_SECONDS = 0.02
#: interleaved rounds per kernel; the best round counts
ROUNDS = 5
#: a kernel whose first timing is below this fraction of the fastest one's runs one round only (it cannot win)
SLOW_FRACTION = 0.5
#: a kernel earlier in priority order is kept when the fastest beats it by no more than this fraction
MARGIN = 0.02
#: hashes of each kernel's untimed first call (loads or compiles JIT code, faults pages in)
WARMUP_HASHES = 1 << 12
#: largest accepted MINECORE_CALIBRATION_SECONDS [s]
MAX_ROUND_SECONDS = 10.0
#: the header scanned: block 881423 (80 bytes; its first 76 are used, with target 0, so nothing wins)
HEADER_HEX = (
    "0060592ee3c96a8a70ca15fe215e99f84ab64c43e1b5d2c43b540100000000000000000076f63a35f1b8b5016d3eb0cce2eebbdf"
    "58bf8fbea4e870c8f770346bdfcf622d69c19a678a9a021702fb05ff"
)

#: where a choice came from
MEASURED, CACHED, STATIC, FORCED, ONLY = "measured", "cached", "static", "forced", "only usable"

#: (cache file, key) -> the choice this process made or read
_memo: dict[tuple[str, str], "Choice"] = {}
_lock = threading.RLock()


@dataclass(frozen=True)
class Choice:
    """A backend's kernel choice and how it was made.

    backend : str — ``"native"`` or ``"numba"``
    choice : str — the kernel used when none is forced
    source : str — ``"measured"`` (in this process), ``"cached"`` (read from the cache file), ``"static"`` (priority
        order: see ``reason``), ``"forced"`` or ``"only usable"``
    reason : str or None — why the priority order was used, what forced the kernel, or why a measurement was not saved
    rates_hps : dict — best round of each kernel [hashes/s, 1 thread]; empty unless measured or cached
    median_hps : dict — median round of each kernel [hashes/s]
    """

    backend: str
    choice: str
    source: str
    reason: str | None = None
    rates_hps: dict = field(default_factory=dict)
    median_hps: dict = field(default_factory=dict)
    measured_at: str | None = None
    round_seconds: float | None = None
    rounds: int | None = None
    cache_file: str | None = None
    key: str | None = None

    def as_dict(self) -> dict:
        return {
            "choice": self.choice,
            "source": self.source,
            "reason": self.reason,
            "rates_hps": dict(self.rates_hps),
            "median_hps": dict(self.median_hps),
            "measured_at": self.measured_at,
            "round_seconds": self.round_seconds,
            "rounds": self.rounds,
            "cache_file": self.cache_file,
            "key": self.key,
        }

    def summary(self) -> str:
        """One line: the rates, the choice and where it came from."""
        rates = ", ".join(f"{k} {v / 1e6:.1f}" for k, v in sorted(self.rates_hps.items(), key=lambda kv: -kv[1]))
        head = f"{self.choice} ({self.source}"
        head += f": {self.reason})" if self.reason else ")"
        return f"{head}; 1-thread MH/s: {rates}" if rates else head


# ------------------------------------------------------------------------------------------- settings
def disabled_reason() -> str | None:
    """``"MINECORE_NO_CALIBRATION=1 is set"`` when calibration is turned off, else ``None``."""
    value = os.environ.get(ENV_OFF, "").strip()
    return None if value in ("", "0") else f"{ENV_OFF}={value} is set"


def round_seconds() -> float:
    """Time per kernel and round [s]: ``MINECORE_CALIBRATION_SECONDS``, else :data:`ROUND_SECONDS`."""
    raw = os.environ.get(ENV_SECONDS, "").strip()
    if not raw:
        return ROUND_SECONDS
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not 0 < value <= MAX_ROUND_SECONDS:
        raise InvalidInputError(
            f"{ENV_SECONDS}={raw!r} is not a time in seconds in (0, {MAX_ROUND_SECONDS:g}] (per kernel and round)"
        )
    return value


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/minecore``, or ``~/.cache/minecore`` (XDG: a relative ``XDG_CACHE_HOME`` is ignored)."""
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    if not base or not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "minecore"


def cache_path() -> Path:
    """The cache file: ``cache_dir() / "kernel-choice.json"``."""
    return cache_dir() / CACHE_FILE


def cpu_model() -> str:
    """The CPU's model name with family, model and stepping where Linux tells them (one string, for cache keys)."""
    fields: dict[str, str] = {}
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if not line.strip():
                    break  # the first processor is enough
                name, _, value = line.partition(":")
                fields.setdefault(name.strip(), value.strip())
    except OSError:
        pass
    name = fields.get("model name") or fields.get("Model") or platform.processor() or platform.machine() or "unknown"
    extra = [f"{label} {fields[key]}" for key, label in (("cpu family", "family"), ("model", "model"),
                                                           ("stepping", "stepping")) if fields.get(key)]
    return f"{name} ({', '.join(extra)})" if extra else name


def make_key(backend: str, fields: Mapping[str, object], kernels: Sequence[str]) -> str:
    """A readable cache key: ``"native | cpu=... | features=... | ... | kernels=avx512,shani,avx2,portable"``."""
    parts = [backend]
    for name, value in {**fields, "kernels": list(kernels)}.items():
        if isinstance(value, (list, tuple)):
            value = ",".join(str(v) for v in value)
        parts.append(f"{name}={value}")
    return " | ".join(parts)


# ------------------------------------------------------------------------------------------- the cache file
def _read_file(path: Path) -> dict:
    """The cache file's content, or an empty one when it is missing, unreadable or not ours."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("schema") != SCHEMA or not isinstance(data.get("entries"), dict):
        return {}
    return data


def load_entry(key: str) -> dict | None:
    """The stored entry for ``key``, or ``None``."""
    entry = _read_file(cache_path()).get("entries", {}).get(key)
    return entry if isinstance(entry, dict) else None


@contextlib.contextmanager
def _file_lock(directory: Path):
    """An advisory lock on ``directory/.kernel-choice.json.lock`` (POSIX), so that concurrent writers keep each
    other's entries."""
    try:
        import fcntl
    except ImportError:  # not POSIX: atomic replace still keeps the file whole
        yield
        return
    with open(directory / f".{CACHE_FILE}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def save_entry(key: str, entry: dict) -> Path:
    """Store ``entry`` under ``key`` (other entries kept), atomically; raises ``OSError`` when it cannot."""
    directory = cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / CACHE_FILE
    with _file_lock(directory):
        data = _read_file(path) or {"format": FORMAT, "schema": SCHEMA, "entries": {}}
        data["entries"][key] = entry
        fd, tmp = tempfile.mkstemp(prefix=f".{CACHE_FILE}.", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, indent=2, sort_keys=True)
                f.write("\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    return path


def unwritable_reason() -> str | None:
    """Why the cache directory cannot be written (it is created if missing), or ``None`` when it can."""
    directory = cache_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".probe.", dir=directory)
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        return f"cache directory {directory} is not writable ({exc.strerror or exc})"
    return None


# ------------------------------------------------------------------------------------------- measuring
def measure(
    runners: Mapping[str, Callable[[int], object]],
    seconds: float,
    rounds: int = ROUNDS,
    clock: Callable[[], float] = time.thread_time,
) -> tuple[dict[str, float], dict[str, float]]:
    """(best, median) hashes per second of each runner; ``runner(n)`` scans ``n`` nonces on one thread.

    Each runner's first call is untimed (JIT load or compile); a sizing call finds how many nonces take about
    ``seconds``; then ``rounds`` interleaved rounds are timed, each starting one kernel later than the one before
(a kernel far slower than the fastest in the sizing call runs the first round only).
    ``clock`` is CPU time by default (of the calling thread, where a 1-thread scan runs): on a shared machine the
    time this process waits for a CPU then does not count, which wall time would add as noise (hashes per
    CPU-second is what a kernel choice compares).
    """
    names = list(runners)
    for name in names:
        runners[name](WARMUP_HASHES)
    sizes, first = {}, {}
    for name in names:
        n = WARMUP_HASHES
        while True:
            t0 = clock()
            runners[name](n)
            dt = clock() - t0
            if dt >= seconds / 4 or n >= 1 << 30:
                break
            n *= 4 if dt < seconds / 32 else 2
        first[name] = n / max(dt, 1e-9)
        sizes[name] = max(WARMUP_HASHES, min(1 << 31, int(n * seconds / max(dt, 1e-9))))
    # a kernel at under SLOW_FRACTION of the fastest cannot win: one round tells its rate well enough
    fastest = max(first.values())
    contenders = [name for name in names if first[name] >= SLOW_FRACTION * fastest]
    samples: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        k = r % len(contenders)
        for name in (contenders[k:] + contenders[:k]) if r else names:
            t0 = clock()
            runners[name](sizes[name])
            dt = clock() - t0
            samples[name].append(sizes[name] / max(dt, 1e-9))
    best = {name: max(v) for name, v in samples.items()}
    median = {name: statistics.median(v) for name, v in samples.items()}
    return best, median


def pick(rates: Mapping[str, float], order: Sequence[str], margin: float = MARGIN) -> str:
    """The first kernel in priority ``order`` whose rate is within ``margin`` of the fastest."""
    fastest = max(rates[name] for name in order)
    return next(name for name in order if rates[name] * (1 + margin) >= fastest)


# ------------------------------------------------------------------------------------------- the choice
def _from_entry(backend: str, entry: dict, kernels: Sequence[str], key: str) -> Choice | None:
    choice = entry.get("choice")
    rates = entry.get("rates_hps")
    if choice not in kernels or not isinstance(rates, dict):
        return None
    return Choice(
        backend, choice, CACHED, None,
        rates_hps={k: float(v) for k, v in rates.items() if isinstance(v, (int, float))},
        median_hps={k: float(v) for k, v in (entry.get("median_hps") or {}).items() if isinstance(v, (int, float))},
        measured_at=entry.get("measured_at"), round_seconds=entry.get("round_seconds"), rounds=entry.get("rounds"),
        cache_file=str(cache_path()), key=key,
    )


def lookup(backend: str, kernels: Sequence[str], fields: Mapping[str, object]) -> Choice | None:
    """The remembered choice for this machine (this process's, else the cache file's), without measuring."""
    key = make_key(backend, fields, kernels)
    with _lock:
        if (str(cache_path()), key) in _memo:
            return _memo[(str(cache_path()), key)]
    entry = load_entry(key)
    return _from_entry(backend, entry, kernels, key) if entry else None


def forget() -> None:
    """Drop this process's remembered choices (the next :func:`choose` reads the cache file again)."""
    with _lock:
        _memo.clear()


def choose(
    backend: str,
    kernels: Sequence[str],
    fields: Mapping[str, object],
    runners: Callable[[], Mapping[str, Callable[[int], object]]],
    *,
    recalibrate: bool = False,
    clock: Callable[[], float] = time.thread_time,
) -> Choice:
    """The kernel ``backend`` should use: remembered, measured, or the first of ``kernels`` (priority order).

    ``fields`` describe the machine (CPU model, features, versions) and make the cache key, with the kernels;
    ``runners()`` returns ``{kernel: run(n)}`` and is called only when measuring; ``clock`` times the runs (see
    :func:`measure`). ``recalibrate`` measures even when a choice is remembered (and then also when the cache
    cannot be written: the result is kept for this process).
    Raises :class:`InvalidInputError` for a malformed ``MINECORE_CALIBRATION_SECONDS``; any error while measuring
    gives the priority order, with the error as the reason.
    """
    kernels = list(kernels)
    key = make_key(backend, fields, kernels)
    path = str(cache_path())
    if len(kernels) == 1:
        return Choice(backend, kernels[0], ONLY, None, cache_file=path, key=key)
    off = disabled_reason()
    if off:
        return Choice(backend, kernels[0], STATIC, off, cache_file=path, key=key)
    seconds = round_seconds()
    with _lock:
        if not recalibrate:
            remembered = lookup(backend, kernels, fields)
            if remembered is not None:
                _memo[(path, key)] = remembered
                return remembered
        unwritable = unwritable_reason()
        if unwritable and not recalibrate:
            _memo[(path, key)] = Choice(backend, kernels[0], STATIC, unwritable, cache_file=path, key=key)
            return _memo[(path, key)]
        try:
            best, median = measure(runners(), seconds, ROUNDS, clock)
            choice = pick(best, kernels)
        except (KeyboardInterrupt, SystemExit, InvalidInputError):
            raise
        except Exception as exc:  # noqa: BLE001 - a failed measurement must never make the backend unusable
            reason = f"measuring failed ({type(exc).__name__}: {exc})"
            _memo[(path, key)] = Choice(backend, kernels[0], STATIC, reason, cache_file=path, key=key)
            return _memo[(path, key)]
        now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        entry = {
            "backend": backend,
            **{k: (list(v) if isinstance(v, tuple) else v) for k, v in fields.items()},
            "kernels": kernels,
            "choice": choice,
            "rates_hps": best,
            "median_hps": median,
            "threads": 1,
            "round_seconds": seconds,
            "rounds": ROUNDS,
            "measured_at": now,
        }
        note = unwritable
        if not unwritable:
            try:
                save_entry(key, entry)
            except OSError as exc:
                note = f"not saved: {exc.strerror or exc}"
        result = Choice(backend, choice, MEASURED, note, rates_hps=best, median_hps=median, measured_at=now,
                        round_seconds=seconds, rounds=ROUNDS, cache_file=path, key=key)
        _memo[(path, key)] = result
        return result
