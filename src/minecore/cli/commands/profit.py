"""``minecore profit``: daily cash flows, payback, NPV/IRR and break-evens of one machine model."""

from __future__ import annotations

from .hashprice import add_network_args, snapshot_from_args


def add_parser(subparsers):
    p = subparsers.add_parser(
        "profit",
        help="cash flows, payback, ROI, NPV, IRR and break-even prices of a miner",
        description="Simulate one or more units of a catalog model day by day over a horizon: revenue share of "
        "subsidy + fees, pool fee, uptime, power x PUE, halvings, difficulty growth, capex with the tariff for "
        "its country of assembly, declining resale value. Payback may be 'never'.",
        epilog="examples:\n"
        "  minecore profit 'Antminer S21'\n"
        "  minecore profit S21 --power-price 0.06 --pue 1.2 --pool-fee 0.025 --horizon-days 730\n"
        "  minecore profit S21 --price 3200 --units 100 --growth 0.03 --csv > s21_daily.csv\n"
        "  minecore profit 'SEALMINER A2' --price 4250 --origin Malaysia\n"
        "  minecore profit 'Teraflux AT2880' --catalog my_models.toml\n"
        "models without published hashrate/power need them from a user catalog (--catalog; see 'minecore compare "
        "--help').",
    )
    p.add_argument("model", metavar="MODEL", help="catalog model name or alias (see 'minecore models')")
    p.add_argument("--power-price", type=float, default=0.05, metavar="USD_PER_KWH", help="power price (default 0.05)")
    p.add_argument("--pue", type=float, default=1.10, help="facility PUE (default 1.10)")
    p.add_argument("--pool-fee", type=float, default=0.02, metavar="F", help="pool fee, decimal (default 0.02)")
    p.add_argument("--uptime", type=float, default=0.97, help="uptime, decimal (default 0.97)")
    p.add_argument("--horizon-days", type=int, default=1095, metavar="N", help="horizon [days] (default 1095)")
    p.add_argument("--growth", type=float, default=0.02, metavar="G", help="difficulty growth per month (default 0.02)")
    p.add_argument("--discount-rate", type=float, default=0.10, metavar="R", help="annual discount rate (default 0.10)")
    p.add_argument("--price", type=float, metavar="USD", help="unit price before duty (default: catalog, else assumed)")
    p.add_argument("--origin", metavar="COUNTRY", help="country of assembly (sets the tariff); required for models whose catalog entry has none")
    p.add_argument("--catalog", metavar="PATH", help="TOML file that adds or overrides models (e.g. hashrate/power "
                   "for models the built-in catalog lacks)")
    p.add_argument("--freight", type=float, default=0.0, metavar="USD", help="freight per unit [USD]")
    p.add_argument("--units", type=int, default=1, help="number of units (default 1)")
    add_network_args(p)
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print JSON (summary + daily rows)")
    fmt.add_argument("--csv", action="store_true", help="print the daily cash flows as CSV")
    return p


def run(args) -> int:
    from ...economics.machine import OperatingCosts, resolve_spec, simulate_machine
    from ...economics.network import NetworkProjection
    from ..output import emit_csv, emit_json, print_table

    catalog = None
    if args.catalog:
        from ...hardware import load_catalog

        catalog = load_catalog(args.catalog)
    spec = resolve_spec(args.model, args.price, origin_country=args.origin, catalog=catalog)
    site = OperatingCosts(power_price_usd_per_kwh=args.power_price, pue=args.pue, pool_fee=args.pool_fee,
                          uptime=args.uptime)
    proj = NetworkProjection(snapshot_from_args(args), difficulty_growth_per_month=args.growth)
    cf = simulate_machine(spec, site, proj, units=args.units, horizon_days=args.horizon_days,
                          discount_rate_per_year=args.discount_rate, freight_usd=args.freight)
    summary = cf.summary() | {"unverified": list(spec.unverified)}
    if args.csv:
        df = cf.to_dataframe()
        df["date"] = df["date"].astype(str)
        emit_csv(df.to_dict(orient="records"))
        return 0
    if args.json:
        df = cf.to_dataframe()
        df["date"] = df["date"].astype(str)
        emit_json({"summary": summary, "daily": df.to_dict(orient="records")})
        return 0
    note = "unit price assumed (not in catalog): pass --price" if "price_usd" in spec.unverified else None
    print_table(f"{spec.name} x{cf.units} — {cf.snapshot_label}", [("field", "field"), ("value", "value")],
                list(summary.items()), caption=note)
    return 0
