"""``minecore rank``: every catalog model with published figures, ranked by daily profit per unit, break-even power
price, payback or efficiency at the user's power price (what WhatToMine is used for).

The figures come from the economics (:func:`minecore.economics.simulate_machine` for one unit bought on day 0, the
day-0 margin, the break-even power price and the payback; :class:`minecore.economics.Valuation` for the fair market
value of a new unit when the catalog has no dated price); this module only picks the models, sorts and renders.
"""

from __future__ import annotations

from ..argtypes import finite_number, positive_integer
from .hashprice import add_network_args, default_of

#: --sort choice -> (row key, best first is the largest)
SORTS = {"profit": ("profit_usd_per_day", True), "break-even": ("break_even_power_price_usd_per_kwh", True),
         "payback": ("payback_day", False), "efficiency": ("efficiency_j_per_th", False)}
#: --price-basis choices: auto = the catalog's dated price, else the valuation model's fair market value
PRICE_BASES = ("auto", "catalog", "valuation_fmv", "assumed_tier")

#: the table: the ranking figures (revenue, power cost and landed capex per unit: --json and --csv)
_COLUMNS = [
    ("rank", "#"), ("model", "model"), ("maker", "maker"), ("hashrate_ths", "TH/s"), ("power_w", "W"),
    ("efficiency_j_per_th", "J/TH"), ("profit_usd_per_day", "profit $/day"),
    ("break_even_power_price_usd_per_kwh", "break even $/kWh"), ("unit_price_usd", "price $"),
    ("price_basis", "price basis"), ("tariff_rate", "duty"), ("payback_day", "payback day"), ("npv_usd", "NPV $"),
    ("origin_country", "assembled"),
]
#: text columns a narrow terminal leaves out first (every number stays)
_SECONDARY = ("maker", "origin_country", "price_basis")


def add_parser(subparsers):
    from .profit import add_horizon_args, add_site_args

    p = subparsers.add_parser(
        "rank",
        help="rank every catalog model by daily profit, break-even power price or payback at your power price",
        description="Rank every model of the catalog with published hashrate and power by its day-0 profit per "
        "unit (revenue at the snapshot's hashprice after pool fee and availability, less power x PUE), its "
        "break-even power price (where that profit is zero) and its payback at your power price: days until one "
        "unit bought on day 0 (landed price: unit price plus the duty for its country of assembly) has earned its "
        "price back, with difficulty growing over the horizon. The unit price is the catalog's dated price, else "
        "the valuation model's fair market value of a new unit (basis valuation_fmv, an assumption); "
        "--price-basis chooses. Every figure comes from minecore.economics.",
        epilog="examples:\n"
        "  minecore rank                                   # by daily profit at $0.05/kWh\n"
        "  minecore rank --power-price 0.035 --pue 1.05 --sort payback\n"
        "  minecore rank --sort break-even --maker Bitmain --top 10\n"
        "  minecore rank --origin 'United States' --json\n"
        "  minecore rank --unrestricted --price-basis valuation_fmv --csv > rank.csv\n"
        "  minecore rank --btc-price 120000 --growth 0.03 --horizon-days 730\n"
        "models without published hashrate or power are listed as skipped; give their figures in a user catalog "
        "(--catalog my_models.toml, see 'minecore compare --help').",
    )
    p.add_argument("--sort", choices=tuple(SORTS), default="profit",
                   help="order: profit (largest first, default), break-even (highest power price first), payback "
                        "(soonest first; never and unknown last) or efficiency (lowest J/TH first)")
    p.add_argument("--maker", action="append", metavar="M",
                   help="only this maker (case-insensitive; repeatable), e.g. Bitmain, MicroBT, Canaan")
    p.add_argument("--origin", action="append", metavar="COUNTRY",
                   help="only models assembled in this country (case-insensitive; repeatable), e.g. 'United States'")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--restricted", dest="restricted", action="store_const", const=True, default=None,
                       help="only makers headquartered in China")
    group.add_argument("--unrestricted", dest="restricted", action="store_const", const=False,
                       help="only makers outside China")
    p.add_argument("--top", type=positive_integer, metavar="N", help="only the first N after sorting")
    p.add_argument("--price-basis", choices=PRICE_BASES, default="auto",
                   help="unit price for payback and NPV: auto (the catalog's dated price, else the valuation "
                        "model's fair market value of a new unit; default), catalog (catalog prices only: other "
                        "models get no payback), valuation_fmv (the fair market value for every model) or "
                        "assumed_tier (the economics' assumed $/TH tier, not a quote)")
    p.add_argument("--tariff-rate", type=finite_number, metavar="R",
                   help="import duty for every model, decimal (default: the tariff schedule for each model's "
                        "country of assembly on the snapshot's date; a model without one gets no payback)")
    p.add_argument("--catalog", metavar="PATH", help="TOML file that adds or overrides models")
    add_site_args(p)
    add_horizon_args(p)
    add_network_args(p)
    from ._format import add_format_args

    add_format_args(p, json_help="print JSON (every model's figures, the inputs and the skipped models)",
                    csv_help="print CSV (one row per model, in rank order)")
    return p


def _price(spec, basis: str, valuation, projection):
    """``spec`` priced on ``basis`` (a catalog price kept under auto and catalog), or None when it has no price."""
    import dataclasses

    from ...economics.spec import assumed_price_usd

    if basis in ("auto", "catalog") and spec.price_usd is not None:
        return spec
    if basis == "catalog":
        return None
    if basis == "assumed_tier":
        return dataclasses.replace(spec, price_usd=assumed_price_usd(spec), price_basis="assumed_tier",
                                   price_source="economics' assumed $/TH tier for its J/TH, not a quote")
    fmv = float(valuation.values_usd(spec, projection, 0.0, 0)[0])
    return dataclasses.replace(spec, price_usd=round(fmv, 2), price_basis="valuation_fmv",
                               price_source=f"fair market value of a new unit; {valuation.basis}")


def rank_rows(models, site, projection, *, horizon_days: int, discount_rate: float, price_basis: str = "auto",
              tariff_rate: float | None = None) -> tuple[list[dict], list[dict]]:
    """(rows, skipped): one row per model with published hashrate and power (unsorted), and the others with why.

    Every figure is per unit: day-0 revenue, power cost and profit [USD/day] of a unit that runs
    (:func:`~minecore.economics.daily.unit_daily`; the profit is negative when power costs more than the unit
    earns), its break-even power price [USD/kWh], and, when the unit has a price and a duty, the landed capex,
    payback day (None: not within the horizon) and NPV [USD] of one unit bought on day 0
    (:func:`~minecore.economics.simulate_machine`, which switches a unit off on days it would lose money)."""
    import dataclasses

    from ...economics.daily import unit_daily
    from ...economics.machine import simulate_machine
    from ...economics.spec import MachineSpec
    from ...economics.valuation import Valuation
    from ...errors import TariffError, UnknownOriginError

    valuation = Valuation()
    running = dataclasses.replace(site, shutdown_when_unprofitable=False)  # day 0's figures if the unit runs
    rows, skipped = [], []
    for m in models:
        missing = [f for f in ("hashrate_ths", "power_w") if getattr(m, f, None) is None]
        if missing:
            skipped.append({"model": m.name, "key": m.key, "reason": f"no published {' or '.join(missing)}"})
            continue
        origin = m.assembly_country
        spec = MachineSpec.from_model(m, origin_country=origin or "unknown", assume_price=False)
        priced = _price(spec, price_basis, valuation, projection)
        duty_known = bool(origin) or tariff_rate is not None
        has_capex = priced is not None and duty_known  # a landed price: capex, NPV and payback
        note = None
        if priced is None:
            note = "no catalog price (--price-basis auto or valuation_fmv prices it)"
        elif not duty_known:
            note = "no country of assembly in the catalog: duty unknown (give --tariff-rate)"
        elif not priced.price_usd:
            note = "a new unit is valued at $0 (it cannot cover a buyer's power): no payback"
        try:
            cf = simulate_machine(priced or spec.with_price(0.0), site, projection, horizon_days=horizon_days,
                                  discount_rate_per_year=discount_rate,
                                  tariff_rate=tariff_rate if duty_known else 0.0)
        except (TariffError, UnknownOriginError) as exc:  # no duty for this origin: the rest still ranks
            has_capex, note = False, f"duty unknown ({str(exc).splitlines()[0]})"
            cf = simulate_machine(priced or spec.with_price(0.0), site, projection, horizon_days=horizon_days,
                                  discount_rate_per_year=discount_rate, tariff_rate=0.0)
        day0 = unit_daily(spec, running, projection, 1)
        rows.append({
            "model": m.name, "key": m.key, "maker": m.maker, "origin_country": origin,
            "hashrate_ths": spec.hashrate_ths, "power_w": spec.power_w,
            "efficiency_j_per_th": spec.efficiency_j_per_th,
            "revenue_usd_per_day": float(day0.revenue_usd[0]), "power_cost_usd_per_day": float(day0.power_cost_usd[0]),
            "profit_usd_per_day": float(day0.margin_if_run_usd[0]),
            "break_even_power_price_usd_per_kwh": cf.break_even_power_price_usd_per_kwh,
            "unit_price_usd": priced.price_usd if priced is not None else None,
            "price_basis": priced.price_basis if priced is not None else None,
            "price_source": priced.price_source if priced is not None else None,
            "tariff_rate": cf.capex.tariff_rate if has_capex else None,
            "capex_usd": cf.capex_usd if has_capex else None,
            "payback_day": cf.payback_day if has_capex and priced.price_usd else None,
            "npv_usd": cf.npv_usd if has_capex else None,
            "note": note,
            "unverified": list(m.unverified),
        })
    return rows, skipped


def sort_rows(rows: list[dict], sort: str) -> list[dict]:
    """``rows`` in ``--sort`` order with their ``rank`` (1 = best); a missing figure sorts last."""
    key, largest_first = SORTS[sort]

    def order(row):
        value = row[key]
        missing = value is None
        return (missing, 0.0 if missing else (-value if largest_first else value), -row["profit_usd_per_day"])

    out = sorted(rows, key=order)
    return [{"rank": i + 1, **row} for i, row in enumerate(out)]


def _wanted(m, makers, origins, restricted) -> bool:
    if makers and (m.maker or "").lower() not in makers:
        return False
    if origins and (m.assembly_country or "").lower() not in origins:
        return False
    return restricted is None or bool(m.restricted) == restricted


def run(args) -> int:
    from ...economics.inputs import Scenario
    from ...errors import InvalidInputError
    from ...hardware import load_catalog
    from ..output import emit_csv, emit_json, format_value as f
    from ..tables import print_table
    from .profit import print_warnings, projection_from_args, site_from_args, tariff_warnings

    catalog = load_catalog(args.catalog)
    makers = {m.strip().lower() for m in args.maker or ()}
    known = {(m.maker or "").lower() for m in catalog.models()}
    unknown = sorted(makers - known)
    if unknown:
        raise InvalidInputError(f"--maker {unknown[0]!r}: unknown maker; the catalog's makers are "
                                f"{', '.join(sorted({m.maker for m in catalog.models() if m.maker}))}")
    origins = {o.strip().lower() for o in args.origin or ()}
    models = [m for m in catalog.models() if _wanted(m, makers, origins, args.restricted)]
    site = site_from_args(args)
    projection = projection_from_args(args)
    horizon = args.horizon_days if args.horizon_days is not None else default_of(Scenario, "horizon_days")
    rate = args.discount_rate if args.discount_rate is not None else default_of(Scenario, "discount_rate_per_year")
    rows, skipped = rank_rows(models, site, projection, horizon_days=horizon, discount_rate=rate,
                              price_basis=args.price_basis, tariff_rate=args.tariff_rate)
    rows = sort_rows(rows, args.sort)
    if args.top is not None:
        rows = rows[: args.top]
    snap = projection.snapshot
    hashprice = float(projection.hashprice_usd_per_th_day(1)[0])
    warnings = tariff_warnings(projection.day0) if args.tariff_rate is None else []
    inputs = {"snapshot": snap.label, "analysis_date": projection.day0.isoformat(),
              "hashprice_usd_per_th_day": hashprice, "horizon_days": horizon, "discount_rate_per_year": rate,
              "difficulty_growth_per_month": projection.difficulty_growth_per_month,
              **{k: getattr(site, k) for k in ("power_price_usd_per_kwh", "pue", "pool_fee", "availability",
                                                "hashrate_efficiency")},
              "sort": args.sort, "price_basis": args.price_basis, "tariff_rate": args.tariff_rate}
    if args.json:
        emit_json({"inputs": inputs, "count": len(rows), "models": rows, "skipped": skipped,
                   "warnings": warnings})
        return 0
    print_warnings(warnings)
    if args.csv:
        emit_csv(rows, columns=["rank", *(k for k in rows[0] if k != "rank")] if rows else None)
        return 0
    names = [r["model"] for r in rows]
    notes = sorted({r["note"] for r in rows if r["note"]})
    caption = (f"per unit, day 0 at {snap.label}: profit = revenue after pool fee "
               f"{f(site.pool_fee)}, availability {f(site.availability)} and hashrate efficiency "
               f"{f(site.hashrate_efficiency)} less power x PUE; break even = the power price where profit is zero; "
               f"payback and NPV of one unit at its price plus duty, over {f(horizon)} days, discount rate "
               f"{f(rate)}/year, difficulty growth {f(projection.difficulty_growth_per_month)}/month; price basis: "
               "catalog (dated), valuation_fmv (the valuation model's fair market value of a new unit: an "
               "assumption), assumed_tier (not a quote); payback — = not within the horizon, or no price or duty; "
               "revenue, power cost and landed capex per unit: --json or --csv")
    if notes:
        caption += "; " + "; ".join(f"{sum(1 for r in rows if r['note'] == n)} model(s): {n}" for n in notes)
    if skipped:
        caption += "; skipped (no figures: --catalog adds them): " + ", ".join(s["model"] for s in skipped)
    duty = "" if args.tariff_rate is None else f", duty {f(args.tariff_rate)} for every model"
    print_table(f"Miners ranked by {args.sort} at ${f(site.power_price_usd_per_kwh)}/kWh, PUE {f(site.pue)} "
                f"(hashprice ${f(hashprice)}/TH/day{duty}; {f(len(rows))} models)",
                _COLUMNS, rows, caption=caption, secondary=_SECONDARY, keep=names)
    return 0
