"""``minecore pool``: a Stratum v1 pool server for tests and labs (every share checked with hashlib)."""

from __future__ import annotations

from ..argtypes import integer as _int, positive_integer as _count, positive_number as _positive


def add_parser(subparsers):
    p = subparsers.add_parser(
        "pool",
        help="run a Stratum v1 pool for tests and labs: every share checked with hashlib, share log, vardiff",
        description="A Stratum v1 pool server on asyncio. It hands out jobs cut from a real block template (a "
        "captured public-pool job by default), gives every connection its own extranonce1, checks every "
        "mining.submit by rebuilding and hashing the header with hashlib, answers with the standard error codes "
        "(21 job not found/stale, 22 duplicate, 23 low difficulty, 24 unauthorised, 25 not subscribed, 20 other), "
        "appends each share to a JSON-lines log, and prints per-worker statistics (hashrate from accepted "
        "difficulty with a 95% Poisson interval) on stderr and at exit. Ctrl-C exits 130, SIGTERM 0, both after "
        "closing every connection.",
        epilog="examples:\n"
        "  minecore pool --bind 127.0.0.1:3333 --difficulty 0.001 --share-log shares.jsonl\n"
        "  minecore pool --bind 0.0.0.0:3333 --difficulty 1024 --vardiff --stats-interval 30\n"
        "  minecore pool --bind 127.0.0.1:0 --difficulty 0.0001 --max-seconds 60 --json   # port 0: any free port\n"
        "  minecore pool --template tests/data/stratum_jobs.json --block-interval 600\n"
        "\n"
        "Difficulties below 1 are normal for CPU miners (a CPU core does ~10^7 hashes/s: difficulty 0.001 gives\n"
        "a share every ~0.4 s).",
    )
    p.add_argument("--bind", default="127.0.0.1:3333", metavar="HOST:PORT",
                   help="address to listen on (default 127.0.0.1:3333; port 0 picks a free port)")
    p.add_argument("--difficulty", type=_positive, default=1.0, metavar="D",
                   help="share difficulty (default 1; any positive value, fractions included)")
    p.add_argument("--vardiff", action="store_true", help="retarget each connection toward --vardiff-target")
    p.add_argument("--vardiff-target", type=_positive, default=10.0, metavar="S",
                   help="seconds per share vardiff aims at (default 10)")
    p.add_argument("--vardiff-retarget", type=_positive, default=30.0, metavar="S",
                   help="seconds between vardiff retargets (default 30)")
    p.add_argument("--min-difficulty", type=_positive, default=None, metavar="D",
                   help="lowest difficulty a connection gets (default: --difficulty, or /1024 with --vardiff)")
    p.add_argument("--max-difficulty", type=_positive, default=1e15, metavar="D", help="highest (default 1e15)")
    p.add_argument("--version-mask", default="1fffe000", metavar="HEX",
                   help="version bits miners may roll (BIP 320, default 1fffe000; 0 refuses version rolling)")
    p.add_argument("--template", metavar="FILE", default=None,
                   help="block template: a job file {mining_notify, extranonce1, extranonce2_size} or a vectors "
                   "file (default: the built-in captured Bitaxe job)")
    p.add_argument("--share-log", metavar="FILE", default=None, help="append every share as a JSON line")
    p.add_argument("--fsync", action="store_true", help="fsync the share log after every line")
    p.add_argument("--job-interval", type=_positive, default=30.0, metavar="S", help="new job every S s (default 30)")
    p.add_argument("--block-interval", type=_positive, default=None, metavar="S",
                   help="simulate a new block (clean_jobs) every S s (default: never)")
    p.add_argument("--ntime-window", type=_int, default=600, metavar="S",
                   help="seconds a miner may roll ntime forward (default 600)")
    p.add_argument("--users", default=None, metavar="A,B,...", help="accept only these worker names")
    p.add_argument("--stats-interval", type=_positive, default=None, metavar="S",
                   help="print per-worker statistics on stderr every S s")
    p.add_argument("--max-seconds", type=_positive, default=None, metavar="S", help="stop after S s")
    p.add_argument("--max-shares", type=_count, default=None, metavar="N", help="stop after N accepted shares")
    p.add_argument("--max-connections", type=_count, default=10_000, metavar="N",
                   help="refuse connections past N (default 10000)")
    p.add_argument("--idle-timeout", type=_positive, default=600.0, metavar="S",
                   help="close a connection silent for S s (default 600)")
    p.add_argument("--seed", type=_int, default=None, help="seed of job ids and extranonces (default: random)")
    p.add_argument("--json", action="store_true", help="print the final statistics as JSON")
    return p


def run(args) -> int:
    from ...errors import StratumError
    from ...stratum import protocol as P
    from ...stratum.connection import Limits
    from ...stratum.pool import PoolConfig, PoolServer
    from ...stratum.runner import run_with_signals, status_line
    from ...stratum.templates import BlockTemplate
    from ...stratum.work import _hex_u32

    host, port = P.parse_bind(args.bind)
    try:
        mask = _hex_u32(args.version_mask, "--version-mask") if args.version_mask not in ("0", "") else 0
    except StratumError as exc:
        raise StratumError(f"--version-mask: {exc}") from None
    if args.ntime_window < 0:
        raise StratumError("--ntime-window must be >= 0")
    users = None
    if args.users is not None:
        users = frozenset(u.strip() for u in args.users.split(",") if u.strip())
        if not users:
            raise StratumError("--users needs at least one name")
    template = BlockTemplate.load(args.template) if args.template else BlockTemplate.builtin()
    limits = Limits(max_connections=args.max_connections, idle_timeout=args.idle_timeout)
    config = PoolConfig(
        difficulty=args.difficulty, vardiff=args.vardiff, vardiff_target_seconds=args.vardiff_target,
        vardiff_retarget_seconds=args.vardiff_retarget, min_difficulty=args.min_difficulty,
        max_difficulty=args.max_difficulty, version_mask=mask, job_interval=args.job_interval,
        block_interval=args.block_interval, ntime_window=args.ntime_window, users=users,
        share_log=args.share_log, fsync=args.fsync, stats_interval=args.stats_interval, seed=args.seed,
        limits=limits,
    )
    server = PoolServer(config, template, status=status_line)

    async def main():
        await server.start(host, port)
        status_line(f"pool: listening on {server.url} (difficulty {args.difficulty:g}"
                    f"{', vardiff' if args.vardiff else ''}, version mask {P.hex_u32(mask)}, template: "
                    f"{template.name})")
        return await server.serve(max_seconds=args.max_seconds, max_shares=args.max_shares)

    report = run_with_signals(main, server.request_stop)
    status_line(f"pool: stopped after {report['seconds']:.1f} s: {report['accepted']} accepted, "
                f"{report['rejected']} rejected, {report['connections_total']} connection(s)")
    _print(report, args.json)
    return server.exit_code


def _print(report: dict, as_json: bool) -> None:
    from ...stratum.stats import format_hashrate
    from ..output import emit_json
    from ..tables import print_table

    if as_json:
        emit_json(report)
        return
    rows = [{
        "worker": w["worker"], "accepted": w["accepted"], "rejected": w["rejected_total"],
        "reasons": ", ".join(f"{k} {v}" for k, v in w["rejected"].items()) or "—",
        "hashrate": format_hashrate(w["hashrate_hs"]),
        "95% interval": f"{format_hashrate(w['hashrate_low_hs'])} – {format_hashrate(w['hashrate_high_hs'])}",
        "difficulty": w["difficulty"],
    } for w in report["workers"]]
    caption = (f"{report['accepted']} accepted, {report['rejected']} rejected in {report['seconds']:.1f} s; every share "
               "hashed with hashlib")
    if report.get("verify_shares_per_second"):
        caption += f" ({report['verify_shares_per_second']:,.0f} checks/s)"
    print_table(f"minecore pool {report['url']}", ["worker", "accepted", "rejected", "reasons", "hashrate",
                                                    "95% interval", "difficulty"], rows, caption=caption)
