"""``minecore emulate``: hash a miner's real work on this CPU and account for it at ASIC scale."""

from __future__ import annotations


from ..argtypes import integer as _int, number as _float, positive_number as _positive_float





def add_parser(subparsers):
    p = subparsers.add_parser(
        "emulate",
        help="emulate a miner: hash its real work split on this CPU, verify every share",
        description="Split a Stratum job the way the model's chips split it (chip address in nonce bits 17-24, "
        "big core in bits 25-31, small cores on rolled versions), hash a seeded sample with the real kernel, "
        "verify every share with hashlib, and compare shares found with the Poisson expectation.",
        epilog="examples:\n"
        "  minecore emulate S21\n"
        "  minecore emulate 's21 pro' --seconds 10 --profile eco --seed 3\n"
        "  minecore emulate S21 --clock 440 --ambient 42 --failed-boards 1 --json\n"
        "  minecore emulate 'Whatsminer M60S' --power-target 3000   # a nameplate-level twin (no chip data)\n"
        "  minecore emulate S21-XP --hashes 1000000 --difficulty 0.00001 --backend hashlib\n"
        "  minecore emulate S21 --hashes 20000 --csv > shares.csv\n"
        "  minecore emulate S21 --job job.json   # {mining_notify, extranonce1, extranonce2_size[, version_mask]}\n"
        "  minecore emulate MyRig --catalog my_models.toml   # a model of your own on a modelled chip\n"
        "\n"
        "Difficulties below 1 are normal here: one CPU core is ~10^5 times slower than one chip.",
    )
    p.add_argument("name", metavar="NAME", help="model name, forgiving: 'S21 Pro', antminer-s21-pro, s21pro")
    budget = p.add_mutually_exclusive_group()
    budget.add_argument("--seconds", type=_positive_float, default=3.0, help="hashing budget [s] (default 3)")
    budget.add_argument("--hashes", type=_int, default=None, help="hash exactly this many headers (reproducible)")
    p.add_argument("--difficulty", type=_positive_float, default=None,
                   help="pool share difficulty (default: a power of two giving ~200 shares)")
    tune = p.add_mutually_exclusive_group()
    tune.add_argument("--profile", default="normal", help="eco, normal or turbo, or a power target such as 3000W "
                      "(default normal)")
    tune.add_argument("--clock", type=_positive_float, default=None, metavar="MHZ", help="chip clock [MHz]")
    tune.add_argument("--power-target", type=_positive_float, default=None, metavar="W",
                      help="run at the clock whose wall power meets this [W]")
    p.add_argument("--ambient", type=_float, default=25.0, metavar="C", help="ambient temperature [°C] (default 25)")
    p.add_argument("--failed-boards", type=_int, default=0, metavar="N", help="dead hashboards (default 0)")
    p.add_argument("--backend", default=None, help="native, numba or hashlib (default: best)")
    p.add_argument("--threads", type=_int, default=None, help="worker threads (default: all cores)")
    p.add_argument("--seed", type=_int, default=0, help="seed of the synthetic job and the sample (default 0)")
    p.add_argument("--catalog", metavar="PATH", default=None,
                   help="TOML file that adds or overrides models (e.g. chip counts for a model that lacks them)")
    p.add_argument("--job", metavar="FILE", default=None, help="JSON file with a Stratum job to hash instead")
    p.add_argument("--show-shares", type=_int, default=10, metavar="N", help="shares to list (default 10)")
    from ._format import add_format_args

    add_format_args(p, json_help="print JSON (summary, per-chip counts, every share)",
                    csv_help="print CSV (one row per share found)")
    p.add_argument("--ticket-difficulty", type=_positive_float, default=None, metavar="D",
                   help="the chips' ticket difficulty (default: the chip family's, 256 on BM13xx, scaled down with a "
                   "CPU-scale pool difficulty)")
    wire = p.add_argument_group("virtual miner (--stratum): the twin on a real pool, see docs/stratum.md")
    wire.add_argument("--stratum", metavar="URL", default=None,
                      help="connect to this pool (stratum+tcp://HOST:PORT) and submit the shares found, for --seconds")
    wire.add_argument("--user", default="twin", metavar="NAME", help="worker name on the pool (default twin)")
    wire.add_argument("--password", default="x", help="worker password (default x)")
    wire.add_argument("--max-shares", type=_int, default=None, metavar="N", help="stop after N accepted shares")
    wire.add_argument("--hw-error-rate", type=_float, default=0.0, metavar="F",
                      help="fraction of nonces the chips return corrupted (counted as hardware errors, not sent)")
    wire.add_argument("--duplicate-rate", type=_float, default=0.0, metavar="F",
                      help="fraction of shares submitted twice (the pool must answer duplicate)")
    wire.add_argument("--dead-chip", type=_int, action="append", default=[], metavar="N",
                      help="a chip (global index) that returns nothing; repeatable")
    return p


def _load_job(path: str):
    import json

    from ...errors import InvalidInputError
    from ...stratum import DEFAULT_VERSION_MASK, StratumJob

    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except OSError as exc:
        raise InvalidInputError(f"--job {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise InvalidInputError(f"--job {path}: not JSON ({exc})") from None
    if not isinstance(doc, dict) or "mining_notify" not in doc:
        raise InvalidInputError(f"--job {path}: needs mining_notify, extranonce1 and extranonce2_size")
    try:
        return StratumJob.from_notify(
            doc["mining_notify"], doc.get("extranonce1", ""), doc.get("extranonce2_size", 4),
            int(str(doc.get("version_mask", f"{DEFAULT_VERSION_MASK:08x}")), 16),
        )
    except ValueError as exc:
        raise InvalidInputError(f"--job {path}: {exc}") from None


def run(args) -> int:
    if args.stratum is not None:
        return _run_on_pool(args)
    from ...emulator import emulate
    from ..output import emit_csv, emit_json
    from ..tables import print_fields, print_table
    from ..progress import progress_bar

    job = _load_job(args.job) if args.job else None
    model = args.name
    if args.catalog is not None:
        from ...hardware import load_catalog

        model = load_catalog(args.catalog).get(args.name)
    total = args.hashes if args.hashes is not None else int(args.seconds * 1000)
    with progress_bar(total, f"emulating {args.name}") as advance:
        result = emulate(
            model,
            seconds=args.seconds,
            hashes=args.hashes,
            difficulty=args.difficulty,
            profile=f"{args.power_target:g}W" if args.power_target is not None else args.profile,
            clock_mhz=args.clock,
            ambient_c=args.ambient,
            failed_boards=args.failed_boards,
            backend=args.backend,
            threads=args.threads,
            seed=args.seed,
            job=job,
            progress=advance,
            ticket_difficulty=args.ticket_difficulty,
        )
    twin = getattr(result.state, "twin", "chip")
    doc = {**result.to_dict(), "twin": twin, "clock_basis": getattr(result.state, "clock_basis", "")}
    if args.json:
        emit_json(doc)
        return 0
    if args.csv:
        emit_csv(doc["shares"], columns=_SHARE_COLUMNS)
        return 0

    s = result.summary()
    state = "SHUT DOWN (too hot)" if s["shutdown"] else ("throttled" if s["throttled"] else "ok")
    rows = [
        ("machine", f"{s['model']}: {s['chains']} chains × {s['chips_per_chain']} {s['chip']}, "
                    f"address interval {s['address_interval']}, {s['big_cores']} big cores × "
                    f"{s['versions_per_core']} versions"),
        ("operating point", f"{s['profile']}, {s['clock_mhz']:.0f} MHz, {s['voltage_v']:.3f} V, "
                            f"{s['ambient_c']:g} °C, {s['failed_boards']} failed board(s): {state}"),
        ("emulated TH/s", s["emulated_hashrate_ths"]),
        ("power W / J/TH", f"{s['power_w']:,.0f} W / {s['efficiency_j_per_th']:.2f} J/TH"),
        ("CPU hashes", s["hashes"]),
        ("CPU H/s", f"{s['cpu_hashrate_hs'] / 1e6:,.2f} MH/s ({s['backend']}, {s['threads']} thread(s))"),
        ("ASIC time represented", f"{s['asic_seconds']:.3e} s"),
        ("pool difficulty", s["difficulty"]),
        ("shares expected / found", f"{s['shares_expected']:,.1f} / {s['shares_found']:,} "
                                    f"(Poisson p = {s['p_value']:.3f})"),
        ("hashrate from shares", f"{s['share_hashrate_ths']:,.1f} TH/s"),
        (f"tickets (diff {s['ticket_difficulty']:.4g}{', scaled' if s['ticket_scaled'] else ''}) exp. / found",
         f"{s['tickets_expected']:.4g} / {s['tickets_found']}"),
        ("chips sampled", f"{s['chips_sampled']} of {s['chips_total']}"),
        ("scale", s["scale"]),
    ]
    if twin != "chip":
        rows.insert(1, ("twin", "NAMEPLATE-LEVEL: no chip data in the sources; the chips, cores and clock are a "
                                "stand-in die calibrated to the nameplate"))
    print_table(f"minecore emulate {result.model_name} (seed {result.seed}, job {result.job_id})",
                [("figure", "figure"), ("value", "value")], [{"figure": k, "value": v} for k, v in rows],
                caption="every share re-verified with hashlib from (job, extranonce2, version, nonce)",
                prose=("value",))
    if result.shares and args.show_shares > 0:
        shown = result.shares[: args.show_shares]
        print_table(
            f"first {len(shown)} of {result.shares_found} shares",
            ["extranonce2", "version", "nonce", "chain", "chip", "core", "small_core", "difficulty"],
            [{"extranonce2": x.extranonce2, "version": f"{x.version:08x}", "nonce": f"{x.nonce:08x}",
              "chain": x.chain, "chip": x.chip, "core": x.core, "small_core": x.small_core, "difficulty": x.difficulty}
             for x in shown],
            caption="each share's hash: --json or --csv",
        )
    # every figure of the JSON's top level under its JSON name (the per-chip counts and every share: --json)
    print_fields("Figures (as --json names them)",
                 [(k, v) for k, v in doc.items() if not isinstance(v, (list, dict))])
    return 0


#: the columns of ``--csv``: one row per share
_SHARE_COLUMNS = ["job_id", "extranonce2", "ntime", "version", "version_bits", "nonce", "chain", "chip", "core",
                  "small_core", "difficulty", "ticket", "hash"]


def _run_on_pool(args) -> int:
    """``--stratum URL``: the twin as a virtual miner on a pool (:mod:`minecore.stratum.virtual`)."""
    from ...errors import InvalidInputError
    from ...stratum.runner import run_with_signals, status_line
    from ...stratum.virtual import VirtualMiner, VirtualMinerConfig
    from .mine import print_report

    if args.hashes is not None or args.job is not None:
        raise InvalidInputError("--stratum takes its jobs from the pool and runs for --seconds: "
                                "--hashes and --job do not apply")
    if args.max_shares is not None and args.max_shares < 1:
        raise InvalidInputError("--max-shares must be >= 1")
    catalog = None
    if args.catalog is not None:
        from ...hardware import load_catalog

        catalog = load_catalog(args.catalog).get(args.name)
    config = VirtualMinerConfig(
        url=args.stratum, model=args.name, user=args.user, password=args.password,
        profile=f"{args.power_target:g}W" if getattr(args, "power_target", None) is not None else args.profile,
        clock_mhz=args.clock, ambient_c=args.ambient, failed_boards=args.failed_boards, backend=args.backend,
        threads=args.threads, seconds=args.seconds, max_shares=args.max_shares, seed=args.seed,
        ticket_difficulty=args.ticket_difficulty, hw_error_rate=args.hw_error_rate,
        duplicate_rate=args.duplicate_rate, dead_chips=tuple(args.dead_chip), catalog=catalog,
    )
    miner = VirtualMiner(config, status=status_line)
    report = run_with_signals(miner.run, miner.stop)
    extra = [
        ("machine", f"{report['model']}: {report['chips_total']} {report['chip']}, {report['clock_mhz']:.0f} MHz, "
                    f"{report['machine_hashrate_ths']:.4g} TH/s"),
        ("shares found / expected", f"{report['shares_found']} / {report['shares_expected']:.1f} "
                                    f"(Poisson p = {report['p_value']:.3f})"),
        ("tickets found / expected", f"{report['tickets_found']} / {report['tickets_expected']:.1f} (ticket "
                                     f"difficulty {report['ticket_difficulty'] or 0:.4g}"
                                     f"{', scaled' if report['ticket_scaled'] else ''})"),
        ("faults", f"{report['hardware_errors']} hardware errors, {report['duplicates_sent']} duplicates sent, "
                   f"dead chips {report['dead_chips'] or 'none'} ({report['dead_chip_hits']} shares lost)"),
        ("scale", report["scale"]),
    ]
    print_report(report, args.json, title=f"minecore emulate {report['model']} --stratum {args.stratum}",
                 extra=extra)
    return miner.exit_code
