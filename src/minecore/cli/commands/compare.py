"""``minecore compare``: seized lot versus replacements — hold cost, expected NPV per strategy, winner."""

from __future__ import annotations

from .hashprice import add_network_args, snapshot_from_args

SEIZED_FORM = "MODEL:COUNT[:DAYS_HELD]"


def add_parser(subparsers):
    p = subparsers.add_parser(
        "compare",
        help="seized lot vs replacement: hold cost, expected NPV per strategy, the winner",
        description="Compare waiting for a customs-held lot (redeploy or sell on release), replacing it now "
        "(with the tariff of each replacement's country of assembly), or combinations, over a horizon. "
        "Release timing is a probability model (default: log-normal, median 120 days of total hold).",
        epilog="examples:\n"
        "  minecore compare --seized 'Antminer S21:1000:180' --replace 'Teraflux AH3880' --replace 'S21 XP'\n"
        "  minecore compare --seized S21:200:90 --replace 'Teraflux AH3880:150' --holding-fee 10 --json\n"
        "  minecore compare --seized S21:500 --days-held 120 --replace 'S21 XP' --mc-paths 2000\n"
        "  minecore compare --seized S21:200:90 --replace 'SEALMINER A2:150@Malaysia'\n"
        "  minecore compare --seized S21:200:90 --replace 'Teraflux AT2880:150' --catalog my_models.toml\n"
        "models the catalog lists without published hashrate/power (Teraflux AT1500, AT2880, Proto Rig) need them\n"
        "from a user catalog, e.g. my_models.toml:\n"
        "  [[models]]\n  name = \"Teraflux AT2880\"\n  hashrate_ths = 288    # your own measured figures\n  power_w = 4000",
    )
    p.add_argument("--seized", required=True, metavar=SEIZED_FORM + "[@COUNTRY]",
                   help="the held lot: model, unit count and days held so far; DAYS_HELD is required, here or "
                        "with --days-held N; @COUNTRY gives the country of assembly when the catalog has none")
    p.add_argument("--replace", action="append", default=[], metavar="MODEL[:COUNT][@COUNTRY]",
                   help="a replacement option (repeatable); COUNT defaults to matching the seized hashrate; "
                        "@COUNTRY sets the country of assembly (hence the tariff)")
    p.add_argument("--catalog", metavar="PATH", help="TOML file that adds or overrides models (e.g. hashrate/power "
                   "for models the built-in catalog lacks)")
    p.add_argument("--days-held", type=int, metavar="N", help="days held so far; required unless --seized gives "
                   "DAYS_HELD")
    p.add_argument("--holding-fee", type=float, default=14.0, metavar="USD", help="holding fee per unit per day")
    p.add_argument("--forfeit", type=float, default=0.0, metavar="P", help="probability of forfeiture")
    p.add_argument("--median-hold", type=float, default=120.0, metavar="DAYS", help="median total hold [days]")
    p.add_argument("--lead-time", type=int, default=30, metavar="DAYS", help="replacement lead time [days]")
    p.add_argument("--power-price", type=float, default=0.05, metavar="USD_PER_KWH")
    p.add_argument("--pue", type=float, default=1.10)
    p.add_argument("--pool-fee", type=float, default=0.02)
    p.add_argument("--horizon-days", type=int, default=1095, metavar="N")
    p.add_argument("--growth", type=float, default=0.02, metavar="G", help="difficulty growth per month")
    p.add_argument("--discount-rate", type=float, default=0.10, metavar="R")
    p.add_argument("--mc-paths", type=int, default=0, metavar="N", help="also run a Monte Carlo with N paths")
    p.add_argument("--seed", type=int, default=0)
    add_network_args(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    return p


def _origin(text: str, what: str) -> tuple[str, str | None]:
    """Split an optional ``@COUNTRY`` suffix off ``text``."""
    from ...errors import InvalidInputError

    body, at, country = text.rpartition("@")
    if not at:
        return text, None
    if not country.strip():
        raise InvalidInputError(f"{what} {text!r}: empty country after '@'")
    return body, country.strip()


def _split(text: str, what: str, form: str) -> tuple[str, list[int]]:
    """``MODEL[:N[:M]]`` -> (MODEL, [N, M]); ``form`` (e.g. ``MODEL:COUNT[:DAYS_HELD]``) bounds the field count."""
    from ...errors import InvalidInputError

    name, *fields = text.split(":")
    if not name.strip():
        raise InvalidInputError(f"{what} {text!r}: missing model name; expected {form}")
    if len(fields) > form.count(":"):
        raise InvalidInputError(f"{what} {text!r}: too many ':' fields; expected {form}")
    try:
        nums = [int(f) for f in fields]
    except ValueError:
        raise InvalidInputError(f"{what} {text!r}: expected {form} with whole numbers after the model") from None
    return name, nums


def run(args) -> int:
    from ...economics.machine import OperatingCosts, resolve_spec
    from ...economics.network import NetworkProjection
    from ...economics.seizure import ReleaseModel, ReplacementOption, Scenario, SeizedLot, compare
    from ...errors import InvalidInputError
    from ..output import emit_json, print_table

    seized_text, seized_origin = _origin(args.seized, "--seized")
    name, nums = _split(seized_text, "--seized", SEIZED_FORM)
    if not nums:
        raise InvalidInputError(f"--seized {args.seized!r}: missing COUNT; expected {SEIZED_FORM}")
    catalog = None
    if args.catalog:
        from ...hardware import load_catalog

        catalog = load_catalog(args.catalog)
    seized_spec = resolve_spec(name, origin_country=seized_origin, catalog=catalog)  # the model first
    days = nums[1] if len(nums) > 1 else args.days_held
    if len(nums) > 1 and args.days_held is not None and args.days_held != nums[1]:
        raise InvalidInputError(f"--seized {args.seized!r} says {nums[1]} days held but --days-held says "
                                f"{args.days_held}; give one")
    if days is None:
        raise InvalidInputError(f"--seized {args.seized!r}: days held unknown; give --seized MODEL:COUNT:DAYS_HELD "
                                "or --days-held N")
    lot = SeizedLot(seized_spec, units=nums[0], days_held=days, holding_fee_usd_per_unit_day=args.holding_fee,
                    release=ReleaseModel(median_hold_days=args.median_hold, forfeiture_probability=args.forfeit))
    options = []
    for r in args.replace:
        r_text, r_origin = _origin(r, "--replace")
        rname, rnums = _split(r_text, "--replace", "MODEL[:COUNT]")
        options.append(ReplacementOption(resolve_spec(rname, origin_country=r_origin, catalog=catalog),
                                         units=rnums[0] if rnums else None, lead_time_days=args.lead_time))
    site = OperatingCosts(power_price_usd_per_kwh=args.power_price, pue=args.pue, pool_fee=args.pool_fee)
    proj = NetworkProjection(snapshot_from_args(args), difficulty_growth_per_month=args.growth)
    sc = Scenario(lot, tuple(options), site=site, projection=proj, horizon_days=args.horizon_days,
                  discount_rate_per_year=args.discount_rate)
    res = compare(sc)
    out = res.summary()
    mc = None
    if args.mc_paths:
        from ...economics.montecarlo import MCEngine, MonteCarloParams, run_monte_carlo

        mc = run_monte_carlo(sc, MonteCarloParams(n_paths=args.mc_paths, seed=args.seed, engine=MCEngine.NUMPY))
        out["monte_carlo"] = mc.summary_rows()
    if args.json:
        emit_json(out)
        return 0
    hc = res.hold_cost
    print_table(f"Hold cost so far — {lot.units} x {lot.machine.name}, {res.days_held} days ({res.snapshot_label})",
                ["item", "usd"], [("lost margin at today's network", hc.lost_margin_at_snapshot_usd),
                                  ("difficulty growth in the meantime", hc.difficulty_growth_usd),
                                  ("holding fees", hc.holding_fees_usd), ("legal costs", hc.legal_costs_usd),
                                  ("total", hc.total_usd)])
    if res.options:
        print_table("Replacement options", ["option", "origin_country", "units", "tariff_rate", "capex_usd",
                                            "daily_margin_day0_usd", "payback_day", "npv_usd",
                                            "break_even_power_price_usd_per_kwh"], [o.summary() for o in res.options])
    print_table("Strategies (expected NPV, best first)", ["label", "expected_npv_usd", "capex_usd", "payback_day"],
                [o.summary() for o in res.outcomes],
                caption=f"winner: {res.winner.label} by ${res.margin_usd:,.0f}; "
                        f"P(release within horizon) {res.release_within_horizon_probability:.2f}")
    if mc is not None:
        print_table(f"Monte Carlo ({mc.params.n_paths} paths, seed {mc.params.seed})",
                    ["strategy", "npv_p5_usd", "npv_p50_usd", "npv_p95_usd", "p_win", "p_payback_within_horizon"],
                    mc.summary_rows(),
                    caption="p_payback: share of paths whose cash recovers the capex within the horizon; "
                            "— = not applicable (no capex: the seized units are sunk)")
    return 0
