"""``minecore bench``: scan throughput [MH/s] per backend, native path and thread count, against a hashlib loop
measured in the same run."""

from __future__ import annotations

from ..argtypes import positive_integer as _positive_int

#: header prefix of block 881423 (tests/data/block_headers.json); the nonce range scanned starts at 0
BENCH_HEADER_HEX = (
    "0060592ee3c96a8a70ca15fe215e99f84ab64c43e1b5d2c43b540100000000000000000076f63a35f1b8b5016d3eb0cce2eebbdf"
    "58bf8fbea4e870c8f770346bdfcf622d69c19a678a9a021702fb05ff"
)



def _positive_float(text: str) -> float:
    import argparse

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or value > 3600:
        raise argparse.ArgumentTypeError(f"must be in (0, 3600]: {text!r}")
    return value


def add_parser(subparsers):
    p = subparsers.add_parser(
        "bench",
        help="measure scan speed of each backend, native path and thread count",
        description="Measure nonce-scan throughput (MH/s) of each backend and native path, for 1 thread and all "
        "cores (or --threads N), and a plain hashlib loop in the same run; print each result's ratio to it. "
        "Progress goes to stderr; Ctrl-C stops cleanly (exit 130).",
        epilog="examples:\n"
        "  minecore bench                                # every backend and native path, 1 thread and all cores\n"
        "  minecore bench --backend native --impl all --threads 1 --seconds 0.5\n"
        "  minecore bench --backend native --impl shani --threads 2 --json\n"
        "  minecore bench --backend all --impl auto --json",
    )
    p.add_argument("--backend", default="all", help="native, numba, hashlib or all (default: all available)")
    p.add_argument(
        "--impl",
        default="all",
        help="native path: avx512, shani, avx2, portable, auto (the default path) or all usable (default: all)",
    )
    p.add_argument("--threads", type=_positive_int, default=None, help="threads (default: 1 and all cores)")
    p.add_argument("--seconds", type=_positive_float, default=1.0, help="time per measurement [s] (default 1)")
    p.add_argument("--json", action="store_true", help="print JSON")
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


def measure(backend, threads: int, seconds: float, header76: bytes) -> tuple[float, int, float]:
    """(hashes per second, hashes, seconds) of ``backend.scan_nonces`` with a target nothing meets.

    A warm-up call (compiles JIT code) and a calibration call are not counted; the measured call is sized to
    take about ``seconds``.
    """
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
    count = int(min(1 << 32, max(count, count * seconds / max(dt, 1e-9))))
    t0 = time.perf_counter()
    backend.scan_nonces(header76, 0, 0, count, threads)
    dt = time.perf_counter() - t0
    return count / dt, count, dt


def _plan(args) -> list[tuple[str, str | None]]:
    """(backend, native impl or None) pairs to measure."""
    from ...backends import available, get
    from ...backends.native import NativeBackend, impls_usable
    from ...errors import InvalidInputError

    names = available() if args.backend == "all" else [args.backend]
    if args.backend != "all":
        get(args.backend)  # unknown / unavailable: typed error now
    if args.impl not in ("all", "auto") and "native" not in names:
        raise InvalidInputError("--impl applies to the native backend only")
    plan: list[tuple[str, str | None]] = []
    for name in names:
        if name != "native":
            plan.append((name, None))
        elif args.impl == "all":
            plan += [(name, impl) for impl in impls_usable()]
        elif args.impl == "auto":
            plan.append((name, NativeBackend().impl))
        else:
            plan.append((name, NativeBackend(impl=args.impl).impl))
    return plan


def run(args) -> int:
    import os
    import sys

    from ...backends import get
    from ...backends.native import NativeBackend
    from ..output import console_err, emit_json, print_table
    from ..progress import progress_bar

    header76 = bytes.fromhex(BENCH_HEADER_HEX)[:76]
    plan = _plan(args)
    cores = os.cpu_count() or 1
    thread_counts = [args.threads] if args.threads else sorted({1, cores})
    jobs = []
    for name, impl in plan:
        counts = [1] if name == "hashlib" else thread_counts  # the reference backend is single-threaded
        jobs += [(name, impl, t) for t in counts]

    plain = not sys.stderr.isatty()
    results = []
    with progress_bar(len(jobs) + 1, "bench: hashlib loop") as advance:
        if plain:
            console_err().print(f"bench: hashlib loop ({args.seconds:g} s)")
        baseline = hashlib_loop_rate(header76, args.seconds)
        advance(1)
        for name, impl, threads in jobs:
            label = f"{name}[{impl}]" if impl else name
            if plain:
                console_err().print(f"bench: {label}, {threads} thread(s)", markup=False)
            backend = NativeBackend(impl=impl) if name == "native" else get(name)
            rate, hashes, seconds = measure(backend, threads, args.seconds, header76)
            results.append(
                {
                    "backend": name,
                    "impl": impl if impl else backend.info().get("impl"),
                    "threads": threads,
                    "hashes_per_second": rate,
                    "ratio_to_hashlib": rate / baseline,
                    "hashes": hashes,
                    "seconds": seconds,
                }
            )
            advance(1)

    if args.json:
        emit_json({"results": results, "hashlib_hashes_per_second": baseline, "cpu_count": cores})
        return 0
    rows = [
        {
            "backend": r["backend"],
            "path": r["impl"],
            "threads": r["threads"],
            "MH/s": round(r["hashes_per_second"] / 1e6, 3),
            "x hashlib": round(r["ratio_to_hashlib"], 1),
        }
        for r in results
    ]
    rows.insert(0, {"backend": "hashlib loop", "path": "python", "threads": 1,
                    "MH/s": round(baseline / 1e6, 3), "x hashlib": 1.0})
    print_table(
        "Nonce-scan throughput",
        ["backend", "path", "threads", "MH/s", "x hashlib"],
        rows,
        caption=f"{args.seconds:g} s per measurement; target 0 (no winners); block 881423 header",
    )
    return 0
