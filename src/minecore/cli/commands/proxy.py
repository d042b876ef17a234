"""``minecore proxy``: between miners and their pool, check every share and measure every worker."""

from __future__ import annotations

from ..argtypes import positive_integer as _count, positive_number as _positive


def add_parser(subparsers):
    p = subparsers.add_parser(
        "proxy",
        help="a validating Stratum proxy: checks every share, each worker's hashrate against its twin",
        description="Sits between miners and their pool. Each miner gets its own upstream connection, so jobs "
        "pass down and submits pass up unchanged; on the way every submit is rebuilt and hashed with hashlib "
        "against the job and difficulty the pool gave that connection. Shares that cannot be valid are answered "
        "by the proxy (never forwarded, unless --forward-invalid). Per worker it keeps the hashrate measured from "
        "verified shares with its 95% Poisson interval, the pool's verdicts by reason, and the ASIC twin's "
        "predicted hashrate for the declared model: 'rig7: 187 ± 9 TH/s, 94% of an Antminer S21 at 200 TH/s'.",
        epilog="examples:\n"
        "  minecore proxy --bind 127.0.0.1:3334 --upstream stratum+tcp://127.0.0.1:3333 --model 'Antminer S21'\n"
        "  minecore proxy --bind 0.0.0.0:3334 --upstream stratum+tcp://pool.example:3333 --models rigs.txt \\\n"
        "      --stats-interval 60 --share-log checked.jsonl\n"
        "\n"
        "A model map is JSON {\"rig7\": \"Antminer S21\", \"*\": \"S21 Pro\"} or lines 'rig7 = Antminer S21'.\n"
        "Ctrl-C stops it (exit 130), SIGTERM (exit 0), after the statistics are printed.",
    )
    p.add_argument("--bind", default="127.0.0.1:3334", metavar="HOST:PORT",
                   help="address miners connect to (default 127.0.0.1:3334; port 0 picks a free port)")
    p.add_argument("--upstream", required=True, metavar="URL", help="the pool: stratum+tcp://HOST:PORT")
    p.add_argument("--model", default=None, help="the model every worker is declared as ('Antminer S21')")
    p.add_argument("--models", metavar="FILE", default=None, help="worker -> model map (JSON or 'worker = model')")
    p.add_argument("--forward-invalid", action="store_true",
                   help="forward shares the proxy found invalid too (to count the pool's verdicts)")
    p.add_argument("--share-log", metavar="FILE", default=None, help="append every checked share as a JSON line")
    p.add_argument("--stats-interval", type=_positive, default=None, metavar="S",
                   help="print per-worker statistics on stderr every S s")
    p.add_argument("--max-seconds", type=_positive, default=None, metavar="S", help="stop after S s")
    p.add_argument("--max-connections", type=_count, default=10_000, metavar="N",
                   help="refuse miners past N (default 10000)")
    p.add_argument("--json", action="store_true", help="print the final statistics as JSON")
    return p


def run(args) -> int:
    from ...stratum import protocol as P
    from ...stratum.connection import Limits
    from ...stratum.proxy import ProxyConfig, StratumProxy, check_upstream, load_model_map
    from ...stratum.runner import run_with_signals, status_line

    host, port = P.parse_bind(args.bind)
    models = load_model_map(args.models) if args.models else {}
    config = ProxyConfig(upstream=args.upstream, model=args.model, models=models,
                         forward_invalid=args.forward_invalid, share_log=args.share_log,
                         stats_interval=args.stats_interval, limits=Limits(max_connections=args.max_connections))
    proxy = StratumProxy(config, status=status_line)  # unknown models fail here

    async def main():
        await check_upstream(args.upstream)
        await proxy.start(host, port)
        status_line(f"proxy: listening on {proxy.url}, upstream {args.upstream}")
        return await proxy.serve(max_seconds=args.max_seconds)

    report = run_with_signals(main, proxy.request_stop)
    status_line(f"proxy: stopped after {report['seconds']:.1f} s: {report['forwarded']} forwarded, "
                f"{report['pool_accepted']} accepted by the pool")
    _print(report, args.json)
    return proxy.exit_code


def _print(report: dict, as_json: bool) -> None:
    from ..output import emit_json
    from ..tables import print_table

    if as_json:
        emit_json(report)
        return
    rows = [{"worker": w["worker"], "verified": w["verified"], "forwarded": w["forwarded"],
             "pool accepted": w["pool_accepted"], "pool rejected": sum(w["pool_rejected"].values()),
             "proxy refused": sum(w["proxy_rejected"].values()), "summary": w["summary"]}
            for w in report["workers"]]
    print_table(f"minecore proxy {report['url']} -> {report['upstream']}",
                ["worker", "verified", "forwarded", "pool accepted", "pool rejected", "proxy refused", "summary"],
                rows, prose=("summary",),
                caption="hashrate from shares verified with hashlib, 95% Poisson interval; prediction from the "
                        "twin of the declared model")
