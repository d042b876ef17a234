"""``minecore profit``: daily cash flows, payback, NPV/IRR and break-evens of one machine model.

Also home of the site and horizon flags profit and compare share (:func:`add_site_args`, :func:`site_from_args`,
:func:`add_horizon_args`) and of :func:`tariff_warnings`. Every default comes from the economics dataclasses.
"""

from __future__ import annotations

import sys

from ..argtypes import finite_number, integer
from ..operating import add_operating_args, conditions_from_args
from .hashprice import add_network_args, default_of, given, snapshot_from_args

#: site flag -> OperatingCosts field
SITE_FLAGS = {"power_price_usd_per_kwh": "power_price", "pue": "pue", "pool_fee": "pool_fee",
              "availability": "availability", "hashrate_efficiency": "hashrate_efficiency"}


def add_site_args(p) -> None:
    """Site flags (defaults: :class:`~minecore.economics.site.OperatingCosts`)."""
    from ...economics.site import OperatingCosts

    d = OperatingCosts()
    g = p.add_argument_group("site (defaults: minecore.economics.OperatingCosts)")
    g.add_argument("--power-price", type=finite_number, metavar="USD_PER_KWH",
                   help=f"power price [USD/kWh] (default {d.power_price_usd_per_kwh:g})")
    g.add_argument("--pue", type=finite_number, metavar="RATIO",
                   help=f"facility overhead multiplier on power, >= 1 (default {d.pue:g})")
    g.add_argument("--pool-fee", type=finite_number, metavar="F", help=f"pool fee, decimal (default {d.pool_fee:g})")
    g.add_argument("--availability", "--uptime", dest="availability", type=finite_number, metavar="F",
                   help="share of time the machines are on (outages, curtailment, maintenance): scales power and "
                        f"revenue, decimal (default {d.availability:g}); --uptime is the same flag")
    g.add_argument("--hashrate-efficiency", type=finite_number, metavar="F",
                   help="share of the nameplate hashrate that earns while on (stale shares, dead boards): scales "
                        f"revenue only, decimal (default {d.hashrate_efficiency:g})")


def site_from_args(args):
    from ...economics.site import OperatingCosts

    return OperatingCosts(**given(args, **SITE_FLAGS))


def add_horizon_args(p) -> None:
    """--horizon-days, --discount-rate (defaults: :class:`Scenario`) and --growth (:class:`NetworkProjection`)."""
    from ...economics.inputs import Scenario
    from ...economics.network import NetworkProjection

    p.add_argument("--horizon-days", type=integer, metavar="N",
                   help=f"horizon [days] (default {default_of(Scenario, 'horizon_days')})")
    p.add_argument("--growth", type=finite_number, metavar="G", help="difficulty growth per month, decimal "
                   f"(default {default_of(NetworkProjection, 'difficulty_growth_per_month'):g})")
    p.add_argument("--discount-rate", type=finite_number, metavar="R",
                   help=f"annual discount rate, decimal (default {default_of(Scenario, 'discount_rate_per_year'):g})")


def projection_from_args(args):
    from ...economics.network import NetworkProjection

    return NetworkProjection(snapshot_from_args(args), **given(args, difficulty_growth_per_month="growth"))


def tariff_warnings(date) -> list[str]:
    """The shipped tariff schedule's warning for ``date`` (past its verified date), as a list of 0 or 1 lines."""
    from ...economics.tariffs import default_tariffs

    w = default_tariffs().warning(date)
    return [] if w is None else [w]


def print_warnings(warnings: list[str]) -> None:
    for w in warnings:
        print(f"minecore: warning: {w}", file=sys.stderr)


def add_parser(subparsers):
    from ...economics.inputs import ReplacementOption

    p = subparsers.add_parser(
        "profit",
        help="cash flows, payback, ROI, NPV, IRR and break-even prices of a miner",
        description="Simulate one or more units of a catalog model day by day over a horizon: revenue share of "
        "subsidy + fees, pool fee, availability and hashrate efficiency, power x PUE, halvings, difficulty growth, "
        "capex with the duty for its country of assembly on the snapshot's date (or --tariff-rate), declining "
        "resale value. Payback may be 'never'. Prints the unit price with its basis (scenario_assumption: given "
        "with --price; catalog; assumed_tier: the assumed $/TH tier, not a quote).",
        epilog="examples:\n"
        "  minecore profit 'Antminer S21'\n"
        "  minecore profit S21 --power-price 0.06 --pue 1.2 --pool-fee 0.025 --availability 0.95 "
        "--hashrate-efficiency 0.98 --horizon-days 730\n"
        "  minecore profit S21 --price 3200 --units 100 --growth 0.03 --csv > s21_daily.csv\n"
        "  minecore profit S21 --date 2024-11-12 --difficulty 101.65e12 --btc-price 87235 --fees-btc 0.158 "
        "--height 870020 --power-price 0.05 --pue 1.05 --pool-fee 0.02 --uptime 0.98 --json\n"
        "  minecore profit 'S21 XP' --price 5000 --tariff-rate 0 --growth 0\n"
        "  minecore profit 'SEALMINER A2' --price 4250 --origin Malaysia\n"

        "  minecore profit 'Teraflux AT2880' --catalog my_models.toml\n"
        "models without published hashrate/power need them from a user catalog (--catalog; see 'minecore compare "
        "--help').",
    )
    p.add_argument("model", metavar="MODEL", help="catalog model name or alias (see 'minecore models')")
    add_site_args(p)
    add_operating_args(p)
    add_horizon_args(p)
    p.add_argument("--price", type=finite_number, metavar="USD",
                   help="unit price before duty (default: the catalog's, else the assumed $/TH tier)")
    p.add_argument("--tariff-rate", type=finite_number, metavar="R",
                   help="import duty, decimal (0.216 = 21.6 percent); overrides the tariff schedule for the country "
                        "of assembly on the snapshot's date")
    p.add_argument("--origin", metavar="COUNTRY", help="country of assembly (sets the tariff); required for models whose catalog entry has none")
    p.add_argument("--catalog", metavar="PATH", help="TOML file that adds or overrides models (e.g. hashrate/power "
                   "for models the built-in catalog lacks)")
    p.add_argument("--freight", type=finite_number, metavar="USD", help="freight and install per unit [USD] "
                   f"(default {default_of(ReplacementOption, 'freight_usd_per_unit'):g})")
    p.add_argument("--units", type=integer, metavar="N", help="number of units bought on day 0 (default: one)")
    add_network_args(p)
    from ._format import add_format_args

    add_format_args(p, json_help="print JSON (summary + daily rows + warnings)",
                    csv_help="print the daily cash flows as CSV (one row per day)")
    return p


def run(args) -> int:
    from ...economics.inputs import ReplacementOption, Scenario
    from ...economics.machine import resolve_spec, simulate_machine
    from ..output import emit_csv, emit_json
    from ..tables import print_fields
    from ._format import text_of

    catalog = None
    if args.catalog:
        from ...hardware import load_catalog

        catalog = load_catalog(args.catalog)
    spec = resolve_spec(args.model, args.price, origin_country=args.origin, catalog=catalog,
                        price_source="--price on the command line" if args.price is not None else None,
                        operating=conditions_from_args(args))
    site = site_from_args(args)
    proj = projection_from_args(args)
    horizon = args.horizon_days if args.horizon_days is not None else default_of(Scenario, "horizon_days")
    rate = args.discount_rate if args.discount_rate is not None else default_of(Scenario, "discount_rate_per_year")
    freight = args.freight if args.freight is not None else default_of(ReplacementOption, "freight_usd_per_unit")
    cf = simulate_machine(spec, site, proj, horizon_days=horizon, discount_rate_per_year=rate, freight_usd=freight,
                          tariff_rate=args.tariff_rate, **given(args, units="units"))
    warnings = tariff_warnings(cf.start_date) if args.tariff_rate is None else []
    summary = cf.summary() | {
        "analysis_date": cf.start_date.isoformat(), "price_basis": spec.price_basis, "price_source": spec.price_source,
        "tariff_source": cf.capex.tariff_source, "power_price_usd_per_kwh": site.power_price_usd_per_kwh,
        "pue": site.pue, "pool_fee": site.pool_fee, "availability": site.availability,
        "hashrate_efficiency": site.hashrate_efficiency, "unverified": list(spec.unverified),
        "unit_hashrate_ths": spec.hashrate_ths, "unit_power_w": spec.power_w,
        "operating_point": spec.operating_point or "nameplate (catalog)"}
    if args.csv:
        print_warnings(warnings)
        df = cf.to_dataframe()
        df["date"] = df["date"].astype(str)
        emit_csv(df.to_dict(orient="records"))
        return 0
    if args.json:
        df = cf.to_dataframe()
        df["date"] = df["date"].astype(str)
        emit_json({"summary": summary, "warnings": warnings, "daily": df.to_dict(orient="records")})
        return 0
    print_warnings(warnings)
    note = ("unit price is the assumed $/TH tier, not a quote: pass --price" if spec.price_basis == "assumed_tier"
            else None)
    print_fields(f"{spec.name} x{cf.units} — {cf.snapshot_label}",
                 [(k, text_of(v)) for k, v in summary.items()], caption=note)
    return 0
