"""``minecore scan``: every nonce in a range whose hash meets a target."""

from __future__ import annotations

from ..argtypes import integer as _int



def add_parser(subparsers):
    p = subparsers.add_parser(
        "scan",
        help="scan a nonce range of a header against a target",
        description="Scan nonces [START, START+COUNT) of an 80- or 76-byte header and print every nonce "
        "whose sha256d is at or below the target (default: the header's own bits).",
        epilog="examples:\n"
        "  minecore scan HEADER_HEX --start 2083236000 --count 1000\n"
        "  minecore scan HEADER_HEX --difficulty 1 --count 10000000 --threads 2 --json\n"
        "  minecore scan HEADER_HEX --difficulty 1 --count 10000000 --csv > nonces.csv\n"
        "  minecore scan HEADER_HEX --target 00000000ffff0000000000000000000000000000000000000000000000000000",
    )
    p.add_argument("header_hex", metavar="HEADER_HEX", help="header as 160 (or 152) hex digits")
    p.add_argument("--start", type=_int, default=0, help="first nonce (default 0)")
    p.add_argument("--count", type=_int, default=1 << 24, help="nonces to scan (default 2^24)")
    target = p.add_mutually_exclusive_group()
    target.add_argument("--target", help="target as 64 hex digits (big-endian, as displayed)")
    target.add_argument("--difficulty", type=float, help="share difficulty (truediffone)")
    p.add_argument("--backend", default=None, help="native, numba or hashlib (default: best)")
    p.add_argument("--threads", type=_int, default=None,
                   help="worker threads (default: all cores; clamped to the backend's maximum, native 256)")
    from ._format import add_format_args

    add_format_args(p, csv_help="print CSV (one row per winning nonce: nonce, nonce_hex, hash)")
    return p


def parse_target_hex(text: str) -> int:
    from ...errors import InvalidInputError

    cleaned = text.strip().lower().removeprefix("0x")
    if not cleaned or len(cleaned) > 64:
        raise InvalidInputError("--target must be 1 to 64 hex digits")
    try:
        return int(cleaned, 16)
    except ValueError:
        raise InvalidInputError(f"--target is not hexadecimal: {text!r}") from None


def run(args) -> int:
    from ... import scanning
    from ...backends import resolve
    from ...header import BlockHeader, difficulty_to_target
    from ..output import emit_csv, emit_json
    from ..tables import print_fields, print_table

    header = BlockHeader.from_hex(args.header_hex)
    if args.target is not None:
        target = parse_target_hex(args.target)
    elif args.difficulty is not None:
        target = difficulty_to_target(args.difficulty)
    else:
        target = header.target
    engine = resolve(args.backend)
    result = scanning.scan(header, target, args.start, args.count, backend=engine, threads=args.threads)
    choice = engine.choice() if hasattr(engine, "choice") else None
    out = {
        "nonces": list(result.nonces),
        "hashes": result.hashes,
        "seconds": result.seconds,
        "hashes_per_second": result.hashes_per_second,
        "backend": result.backend,
        # the native path or numba kernel that ran, and how it was chosen (measured, cached, static, forced)
        "impl": result.impl,
        "impl_source": choice["source"] if choice else None,
        "threads": result.threads,
        "threads_requested": result.threads_requested,
        "max_threads": engine.max_threads,
        "target": f"{target:064x}",
    }
    if result.backend == "numba":
        out["kernel"] = result.impl
    if args.json:
        emit_json(out)
        return 0
    if args.csv:
        emit_csv([{"nonce": n, "nonce_hex": f"{n:08x}", "hash": header.with_nonce(n).hash_hex} for n in result.nonces],
                 columns=["nonce", "nonce_hex", "hash"])
        return 0
    print_table(
        f"{len(result.nonces)} winning nonce(s) in [{args.start}, {args.start + args.count})",
        ["nonce", "nonce_hex", "hash"],
        [
            {"nonce": n, "nonce_hex": f"{n:08x}", "hash": header.with_nonce(n).hash_hex}
            for n in result.nonces[:1000]
        ],
        caption=f"{result.hashes:,} hashes in {result.seconds:.3f} s = {result.hashes_per_second / 1e6:,.2f} MH/s "
        f"({result.backend} {result.impl}, {result.threads} thread(s))",
    )
    print_fields("scan", [(k, v) for k, v in out.items() if k != "nonces"])
    if len(result.nonces) > 1000:
        from ..output import console_err

        console_err().print(f"{len(result.nonces) - 1000} more nonces not shown; use --json for all")
    return 0
