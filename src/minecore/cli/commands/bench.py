"""``minecore bench``: scan throughput [MH/s] per backend, kernel and thread count, against a hashlib loop
measured in the same run.

Every measurement is split into rounds, and the rounds of all measurements are interleaved (round 1 of each, then
round 2 of each, in a rotating order), so that load from elsewhere on the machine falls on every kernel alike; the
best round counts (the median is reported too). Ratios between kernels and thread counts come from this one run.
"""

from __future__ import annotations

from ..argtypes import positive_integer as _positive_int

#: header of block 881423 (tests/data/block_headers.json), the one kernel calibration scans; nonces from 0
from ...backends.calibration import HEADER_HEX as BENCH_HEADER_HEX  # noqa: E402 (light: no numba, no C)
NATIVE_IMPLS = ("avx512", "shani", "avx2", "portable")
NUMBA_KERNELS = ("shani", "lanes")
#: CPU flags worth recording next to the figures (/proc/cpuinfo names)
CPU_FLAGS = ("ssse3", "sse4_1", "sha_ni", "avx", "avx2", "avx512f", "avx512vl", "avx512bw", "avx512dq")


def _positive_float(text: str) -> float:
    import argparse

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or value > 3600:
        raise argparse.ArgumentTypeError(f"must be in (0, 3600]: {text!r}")
    return value


def _thread_list(text: str) -> list[int]:
    import argparse

    out = []
    for part in text.split(","):
        out.append(_positive_int(part.strip()))
    if not out:
        raise argparse.ArgumentTypeError(f"no thread count in {text!r}")
    return sorted(set(out))


def add_parser(subparsers):
    p = subparsers.add_parser(
        "bench",
        help="measure scan speed of each backend, native path and thread count",
        description="Measure nonce-scan throughput (MH/s) of each backend, native path and numba kernel, for 1 "
        "thread and all cores (or --threads N[,M...]), and a plain hashlib loop in the same run; print each "
        "result's ratio to it, and the ratios numba / native and N threads / 1 thread. The rounds of all "
        "measurements are interleaved and the best round counts. Progress goes to stderr; Ctrl-C stops cleanly "
        "(exit 130).",
        epilog="examples:\n"
        "  minecore bench                                # every backend and kernel, 1 thread and all cores\n"
        "  minecore bench --backend all --impl all --threads 1,2\n"
        "  minecore bench --backend native --impl all --threads 1 --seconds 0.5\n"
        "  minecore bench --backend native --impl shani --threads 2 --json\n"
        "  minecore bench --backend all --impl auto --json      # each backend's chosen kernel only",
    )
    p.add_argument("--backend", default="all", help="native, numba, hashlib or all (default: all available)")
    p.add_argument(
        "--impl",
        default="all",
        help="kernel: a native path (avx512, shani, avx2, portable), a numba kernel (shani, lanes), auto (each "
        "backend's chosen kernel) or all usable ones (default: all)",
    )
    p.add_argument("--threads", type=_thread_list, default=None,
                   help="thread counts, comma-separated (default: 1 and all cores)")
    p.add_argument("--seconds", type=_positive_float, default=1.0,
                   help="time per measurement, all rounds together [s] (default 1)")
    p.add_argument("--rounds", type=_positive_int, default=5, help="interleaved rounds per measurement (default 5)")
    from ._format import add_format_args

    add_format_args(p, csv_help="print CSV (one row per backend, kernel and thread count)")
    return p


def hashlib_loop_rate(header76: bytes, seconds: float) -> float:
    """Hashes per second of a plain Python loop: hashlib sha256 twice per nonce (midstate copied), compare."""
    import hashlib
    import struct
    import time

    mid = hashlib.sha256(header76[:64])
    tail = header76[64:]
    sha256 = hashlib.sha256
    pack = struct.Struct("<I").pack
    done, nonce, elapsed = 0, 0, 0.0
    t0 = time.perf_counter()
    while elapsed < seconds:
        for nonce in range(nonce, nonce + 4096):
            h = mid.copy()
            h.update(tail + pack(nonce))
            if int.from_bytes(sha256(h.digest()).digest(), "little") <= 0:
                pass
        nonce += 1
        done += 4096
        elapsed = time.perf_counter() - t0
    return done / elapsed


def size_for(backend, threads: int, seconds: float, header76: bytes) -> int:
    """Nonces that ``backend.scan_nonces`` on ``threads`` threads hashes in about ``seconds`` (target 0).

    A warm-up call (loads or compiles JIT code, starts thread pools) is not counted."""
    import time

    backend.scan_nonces(header76, 0, 0, 4096, threads)  # warm-up / JIT compile
    count = 1 << 14
    while True:
        t0 = time.perf_counter()
        backend.scan_nonces(header76, 0, 0, count, threads)
        dt = time.perf_counter() - t0
        if dt >= seconds / 8 or count >= 1 << 31:
            break
        count *= 4
    return int(min(1 << 32, max(count, count * seconds / max(dt, 1e-9))))


def measure(backend, threads: int, seconds: float, header76: bytes) -> tuple[float, int, float]:
    """(hashes per second, hashes, seconds) of one ``backend.scan_nonces`` call sized to take about ``seconds``."""
    import time

    count = size_for(backend, threads, seconds, header76)
    t0 = time.perf_counter()
    backend.scan_nonces(header76, 0, 0, count, threads)
    dt = time.perf_counter() - t0
    return count / dt, count, dt


def _plan(args) -> list[tuple[str, str | None]]:
    """(backend, kernel or None) pairs to measure; the kernel is a native path or a numba kernel."""
    from ...backends import available, get
    from ...backends.native import NativeBackend, impls_usable
    from ...errors import InvalidInputError

    names = available() if args.backend == "all" else [args.backend]
    if args.backend != "all":
        get(args.backend)  # unknown / unavailable: typed error now
    impl = args.impl
    known = set(NATIVE_IMPLS) | set(NUMBA_KERNELS) | {"all", "auto"}
    if impl not in known:
        raise InvalidInputError(
            f"--impl {impl!r} is not a kernel; choose from {', '.join(NATIVE_IMPLS)} (native), "
            f"{', '.join(NUMBA_KERNELS)} (numba), auto or all"
        )
    if impl not in ("all", "auto") and not (
        ("native" in names and impl in NATIVE_IMPLS) or ("numba" in names and impl in NUMBA_KERNELS)
    ):
        raise InvalidInputError(f"--impl {impl} applies to the native or numba backend only")
    plan: list[tuple[str, str | None]] = []
    for name in names:
        if name == "native":
            if impl == "all":
                plan += [(name, path) for path in impls_usable()]
            elif impl == "auto":
                plan.append((name, get("native").impl))
            elif impl in NATIVE_IMPLS:
                plan.append((name, NativeBackend(impl=impl).impl))
        elif name == "numba":
            from ...backends.numba_backend import _features_without_numba, _jit_disabled_env, usable_kernels

            if impl == "all":
                plan += [(name, k) for k in usable_kernels(_features_without_numba(), _jit_disabled_env())]
            elif impl == "auto":
                plan.append((name, get("numba").kernel))
            elif impl in NUMBA_KERNELS:
                plan.append((name, impl))
        elif impl in ("all", "auto"):
            plan.append((name, None))
    return plan


def _engine(name: str, kernel: str | None):
    from ...backends import get

    if name == "native":
        from ...backends.native import NativeBackend

        return NativeBackend(impl=kernel)
    if name == "numba" and kernel is not None:
        from ...backends.numba_backend import NumbaBackend

        return NumbaBackend(kernel=kernel)
    return get(name)


def _auto_kernels(plan) -> dict[str, str]:
    """Each planned backend's automatic choice (what it runs when nothing is forced)."""
    from ...backends import get

    out = {}
    for name in {name for name, _ in plan}:
        engine = get(name)
        out[name] = engine.impl_name
    return out


def _cpu_flags() -> list[str]:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return [flag for flag in CPU_FLAGS if flag in flags]
    except OSError:
        pass
    return []


#: speed targets (checked here and in benches/, never in tests): numba's chosen kernel on 1 thread against
#: native's chosen path, and numba on N threads against its own 1-thread rate (per thread)
TARGET_NUMBA_TO_NATIVE = 0.95
TARGET_SCALING_PER_THREAD = 0.95


def _ratios(results: list[dict], auto: dict[str, str]) -> list[dict]:
    """numba / native (same thread count) and N threads / 1 thread (same kernel), from this run's best rounds,
    with the targets that apply (numba's chosen kernel: >= 0.95x native's chosen path on 1 thread, and >= 0.95 N
    on N threads against its 1 thread)."""
    rate = {(r["backend"], r["impl"], r["threads"]): r["hashes_per_second"] for r in results}
    out = []

    def add(label, threads, value, target=None):
        out.append({"ratio": label, "threads": threads, "value": value, "target": target,
                    "met": None if target is None else value >= target})

    threads_seen = sorted({r["threads"] for r in results})
    native_auto = auto.get("native")
    for t in threads_seen:
        natives = {impl: v for (b, impl, tt), v in rate.items() if b == "native" and tt == t}
        if not natives:
            continue
        ref_impl = native_auto if native_auto in natives else max(natives, key=natives.get)
        for (b, impl, tt), v in rate.items():
            if b == "numba" and tt == t:
                chosen = impl == auto.get("numba") and ref_impl == native_auto
                add(f"numba {impl} / native {ref_impl}", t, v / natives[ref_impl],
                    TARGET_NUMBA_TO_NATIVE if chosen and t == 1 else None)
    for (b, impl, t), v in rate.items():
        if t > 1 and (b, impl, 1) in rate:
            target = TARGET_SCALING_PER_THREAD * t if b == "numba" and impl == auto.get("numba") else None
            add(f"{b} {impl}: {t} threads / 1 thread", t, v / rate[(b, impl, 1)], target)
    # the same by CPU time: meaningful when other work shares the CPUs (wall-time ratios then say little)
    cpu = {(r["backend"], r["impl"], r["threads"]): r["hashes_per_cpu_second"] for r in results}
    if native_auto is not None and ("native", native_auto, 1) in cpu:
        for (b, impl, t), v in cpu.items():
            if b == "numba" and t == 1:
                add(f"per CPU-second: numba {impl} / native {native_auto}", 1, v / cpu[("native", native_auto, 1)])
    for (b, impl, t), v in cpu.items():
        if t > 1 and (b, impl, 1) in cpu and b == "numba":
            add(f"per CPU-second: {b} {impl}: {t} threads / 1 thread (1.0 = no threading loss)", t,
                v / cpu[(b, impl, 1)])
    return out


def run(args) -> int:
    import os
    import statistics
    import sys
    import time

    from ...backends import calibration
    from ..output import console_err, emit_json
    from ..tables import print_table
    from ..progress import progress_bar

    header76 = bytes.fromhex(BENCH_HEADER_HEX)[:76]
    plan = _plan(args)
    auto = _auto_kernels(plan)
    cores = os.cpu_count() or 1
    thread_counts = args.threads or sorted({1, cores})
    jobs = []
    for name, kernel in plan:
        counts = [1] if name == "hashlib" else thread_counts  # the reference backend is single-threaded
        jobs += [(name, kernel, t) for t in counts]
    rounds = args.rounds
    per_round = args.seconds / rounds

    plain = not sys.stderr.isatty()
    load_before = round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None
    engines, by_kernel, sizes = {}, {}, {}
    samples: dict[tuple, list[tuple[float, int, float]]] = {job: [] for job in jobs}
    with progress_bar(len(jobs) * (rounds + 1) + 1, "bench: hashlib loop") as advance:
        if plain:
            console_err().print(f"bench: hashlib loop ({args.seconds:g} s)")
        baseline = hashlib_loop_rate(header76, args.seconds)
        advance(1)
        for job in jobs:
            name, kernel, threads = job
            if plain:
                console_err().print(f"bench: sizing {name} {kernel}, {threads} thread(s)", markup=False)
            if (name, kernel) not in by_kernel:
                by_kernel[(name, kernel)] = _engine(name, kernel)
            engines[job] = by_kernel[(name, kernel)]
            sizes[job] = size_for(engines[job], threads, per_round, header76)
            advance(1)
        for r in range(rounds):
            if plain:
                console_err().print(f"bench: round {r + 1}/{rounds}", markup=False)
            k = r % len(jobs)
            for job in jobs[k:] + jobs[:k]:
                c0, t0 = time.process_time(), time.perf_counter()
                engines[job].scan_nonces(header76, 0, 0, sizes[job], job[2])
                dt, cpu = time.perf_counter() - t0, time.process_time() - c0
                samples[job].append((sizes[job] / max(dt, 1e-9), sizes[job], dt, cpu / max(dt, 1e-9)))
                advance(1)
    load_after = round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None

    results = []
    for job in jobs:
        name, kernel, threads = job
        best = max(samples[job])
        engine = engines[job]
        results.append(
            {
                "backend": name,
                "impl": kernel if kernel else engine.impl_name,
                "impl_detail": engine.info().get("impl"),
                "auto": (kernel or engine.impl_name) == auto.get(name),
                "threads": threads,
                "hashes_per_second": best[0],
                "median_hashes_per_second": statistics.median(s[0] for s in samples[job]),
                "ratio_to_hashlib": best[0] / baseline,
                "hashes": best[1],
                "seconds": best[2],
                # CPU time / wall time of the best round: about the thread count when the machine gave this run
                # a CPU per thread; less means other work shared them (then the N-thread figures are low)
                "cpu_per_wall": best[3],
                # hashes per second of CPU time (best round): what a kernel does with the CPU it gets, for
                # comparing kernels on a machine that other work keeps busy
                "hashes_per_cpu_second": max(s[1] / max(s[2] * s[3], 1e-9) for s in samples[job]),
            }
        )
    ratios = _ratios(results, auto)
    machine = {"cpu": calibration.cpu_model(), "cpu_flags": _cpu_flags(), "cpu_count": cores,
               "load_average_before": load_before, "load_average_after": load_after}

    if args.json:
        emit_json({"results": results, "hashlib_hashes_per_second": baseline, "cpu_count": cores,
                   "rounds": rounds, "seconds_per_round": per_round, "auto": auto, "ratios": ratios,
                   "machine": machine})
        return 0
    if args.csv:
        from ..output import emit_csv

        emit_csv([{**r, "hashlib_hashes_per_second": baseline, "rounds": rounds, "seconds_per_round": per_round}
                  for r in results])
        return 0
    rows = [
        {
            "backend": r["backend"],
            "kernel": r["impl"] + (" (auto)" if r["auto"] else ""),
            "threads": r["threads"],
            "MH/s": round(r["hashes_per_second"] / 1e6, 3),
            "median MH/s": round(r["median_hashes_per_second"] / 1e6, 3),
            "x hashlib": round(r["ratio_to_hashlib"], 1),
            "CPU/wall": round(r["cpu_per_wall"], 2),
        }
        for r in results
    ]
    rows.insert(0, {"backend": "hashlib loop", "kernel": "python", "threads": 1,
                    "MH/s": round(baseline / 1e6, 3), "median MH/s": None, "x hashlib": 1.0})
    print_table(
        "Nonce-scan throughput",
        ["backend", "kernel", "threads", "MH/s", "median MH/s", "x hashlib", "CPU/wall"],
        rows,
        caption=f"best of {rounds} interleaved rounds of {per_round:g} s; target 0 (no winners); block 881423 "
        f"header; {machine['cpu']}, {cores} CPUs, flags {' '.join(machine['cpu_flags'])}; load average "
        f"{load_before} -> {load_after}",
    )
    if ratios:
        def target(r):
            return None if r["target"] is None else f">= {r['target']:g} ({'met' if r['met'] else 'MISSED'})"

        print_table("Ratios (this run, best rounds)", ["ratio", "threads", "value", "target"],
                    [{**r, "value": round(r["value"], 3), "target": target(r)} for r in ratios], prose=("ratio",))
    return 0
