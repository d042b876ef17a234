"""``minecore mine``: a CPU miner speaking Stratum v1, hashing on minecore's backends."""

from __future__ import annotations

from ..argtypes import integer as _int, positive_integer as _count, positive_number as _positive


def add_parser(subparsers):
    p = subparsers.add_parser(
        "mine",
        help="mine on a Stratum v1 pool with this CPU (native, numba or hashlib backend)",
        description="A CPU miner. It subscribes and authorises like cgminer and ESP-Miner, negotiates version "
        "rolling (BIP 310) when the pool allows it, iterates extranonce2 and the rolled versions, checks every "
        "hit with hashlib before submitting it at the pool's difficulty, drops stale work on clean_jobs and "
        "reconnects with backoff. It prints each thread's hashrate and the accepted and rejected counts.",
        epilog="examples:\n"
        "  minecore mine stratum+tcp://127.0.0.1:3333 --user rig1 --seconds 30\n"
        "  minecore mine stratum+tcp://127.0.0.1:3333 --user rig1 --backend native --threads 4 --json\n"
        "  minecore mine stratum+tcp://pool.example:3333 --user bc1q...wallet.worker --password x\n"
        "\n"
        "Ctrl-C stops it (exit 130) after the statistics are printed.",
    )
    p.add_argument("url", metavar="URL", help="the pool: stratum+tcp://HOST:PORT")
    p.add_argument("--user", required=True, metavar="NAME", help="worker name (often wallet.worker)")
    p.add_argument("--password", default="x", help="worker password (default x)")
    p.add_argument("--backend", default=None, help="native, numba or hashlib (default: best)")
    p.add_argument("--threads", type=_count, default=None, metavar="N", help="hashing threads (default: all cores)")
    p.add_argument("--seconds", type=_positive, default=None, metavar="S", help="stop after S s (default: run on)")
    p.add_argument("--max-shares", type=_count, default=None, metavar="N", help="stop after N accepted shares")
    p.add_argument("--no-version-rolling", action="store_true", help="do not ask for version rolling")
    p.add_argument("--suggest-difficulty", type=_positive, default=None, metavar="D",
                   help="send mining.suggest_difficulty D")
    p.add_argument("--nonce-span", type=_int, default=1 << 32, metavar="N",
                   help="nonces per (extranonce2, version) before rolling the version (default 2^32)")
    p.add_argument("--stats-interval", type=_positive, default=None, metavar="S",
                   help="print hashrate and share counts on stderr every S s")
    p.add_argument("--json", action="store_true", help="print the final report as JSON (every share included)")
    return p


def run(args) -> int:
    import os

    from ...stratum.miner import CpuMiner, MinerConfig
    from ...stratum.runner import run_with_signals, status_line

    config = MinerConfig(
        url=args.url, user=args.user, password=args.password, backend=args.backend,
        threads=args.threads or os.cpu_count() or 1, seconds=args.seconds, max_shares=args.max_shares,
        version_rolling=not args.no_version_rolling, suggest_difficulty=args.suggest_difficulty,
        nonce_span=args.nonce_span, stats_interval=args.stats_interval,
    )
    miner = CpuMiner(config, status=status_line)
    report = run_with_signals(miner.run, miner.stop)
    print_report(report, args.json, title=f"minecore mine {args.url} as {args.user}")
    return miner.exit_code


def print_report(report: dict, as_json: bool, *, title: str, extra: list | None = None) -> None:
    from ...stratum.stats import format_hashrate
    from ..output import emit_json
    from ..tables import print_table

    if as_json:
        emit_json(report)
        return
    rows = [{"thread": t["thread"], "hashes": t["hashes"], "hashrate": format_hashrate(t["hashrate_hs"]),
             "found": t["found"], "hw errors": t["hardware_errors"]} for t in report["threads"]]
    rows.append({"thread": "all", "hashes": report["hashes"], "hashrate": format_hashrate(report["hashrate_hs"]),
                 "found": sum(t["found"] for t in report["threads"]), "hw errors": report["hardware_errors"]})
    print_table(title, ["thread", "hashes", "hashrate", "found", "hw errors"], rows,
                caption=f"backend {report['backend']} ({report.get('impl')}), hashrate inside the backend")
    rejected = ", ".join(f"{k} {v}" for k, v in report["rejected"].items()) or "none"
    items = [
        ("pool difficulty", report["difficulty"]),
        ("version rolling", report["version_mask"] if report["version_mask"] != "00000000" else "off"),
        ("submitted", report["submitted"]),
        ("accepted", report["accepted"]),
        ("rejected", f"{report['rejected_total']} ({rejected})"),
        ("stale, not sent", report["stale_dropped"]),
        ("connections / reconnects", f"{report['connections']} / {report['reconnects']}"),
        ("seconds", f"{report['seconds']:.1f}"),
        *(extra or []),
    ]
    print_table("shares", ["field", "value"], [{"field": k, "value": v} for k, v in items])
