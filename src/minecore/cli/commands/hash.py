"""``minecore hash``: the double SHA-256 of an 80-byte block header."""

from __future__ import annotations


def add_parser(subparsers):
    p = subparsers.add_parser(
        "hash",
        help="hash a block header (sha256d) and show its fields",
        description="Hash an 80-byte block header given as 160 hex digits and report its fields, "
        "hash (display order), target, difficulty and whether it meets its own target.",
        epilog="examples:\n"
        "  minecore hash 0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac7"
        "2c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c\n"
        "  minecore hash HEADER_HEX --json\n"
        "  minecore hash HEADER_HEX --csv",
    )
    p.add_argument("header_hex", metavar="HEADER_HEX", help="80-byte header as 160 hex digits")
    p.add_argument("--backend", default=None, help="backend to hash with (default: best)")
    from ._format import add_format_args

    add_format_args(p, csv_help="print CSV (one row: every field)")
    return p


def run(args) -> int:
    from ...backends import resolve
    from ...header import BlockHeader, hash_difficulty, hash_to_int
    from ..output import emit_csv, emit_json
    from ..tables import print_fields

    header = BlockHeader.from_hex(args.header_hex)
    if len(bytes.fromhex(args.header_hex.strip())) != 80:
        from ...errors import InvalidInputError

        raise InvalidInputError("HEADER_HEX must be a full 80-byte header (160 hex digits)")
    engine = resolve(args.backend)
    digest = engine.sha256d(header.to_bytes())
    out = {
        "hash": digest[::-1].hex(),
        "hash_internal": digest.hex(),
        "version": header.version,
        "prev_block": header.prev_block[::-1].hex(),
        "merkle_root": header.merkle_root[::-1].hex(),
        "time": header.time,
        "bits": f"{header.bits:08x}",
        "nonce": header.nonce,
        "target": f"{header.target:064x}",
        "difficulty": header.difficulty,
        "hash_difficulty": hash_difficulty(digest),
        "meets_target": hash_to_int(digest) <= header.target,
        "backend": engine.name,
    }
    if args.json:
        emit_json(out)
    elif args.csv:
        emit_csv([out])
    else:  # the hash, target and fields whole at any width (stacked when the terminal is narrow)
        print_fields("block header", out.items())
    return 0
