"""``minecore compare``: seized lot versus replacements — hold cost, expected NPV per strategy, winner.

Every default comes from the economics dataclasses (:class:`SeizedLot`, :class:`ReleaseModel`,
:class:`ReplacementOption`, :class:`OperatingCosts`, :class:`Scenario`, :class:`MonteCarloParams`). The output
names each model's unit price with its basis and source, and the duty each replacement pays.
"""

from __future__ import annotations

import argparse

from ..argtypes import finite_number, integer
from ..operating import add_operating_args, conditions_from_args
from .hashprice import add_network_args, default_of, given
from .profit import (SITE_FLAGS, add_horizon_args, add_site_args, print_warnings, projection_from_args,
                     site_from_args, tariff_warnings)

SEIZED_FORM = "MODEL:COUNT[:DAYS_HELD]"
PRICE_SOURCE = "--price on the command line"


def model_price(text: str) -> tuple[str, float]:
    """``MODEL=USD`` -> (MODEL, USD): argparse converter of ``--price``."""
    model, eq, usd = text.rpartition("=")
    if not eq or not model.strip():
        raise argparse.ArgumentTypeError(f"expected MODEL=USD, got {text!r}")
    return model.strip(), finite_number(usd.strip())


def add_parser(subparsers):
    from ...economics.inputs import MonteCarloParams, ReplacementOption, SeizedLot
    from ...economics.release import ReleaseModel

    release = ReleaseModel()
    p = subparsers.add_parser(
        "compare",
        help="seized lot vs replacement: hold cost, expected NPV per strategy, the winner",
        description="Compare waiting for a customs-held lot (redeploy or sell on release), replacing it now "
        "(with the duty of each replacement's country of assembly on the analysis date, the snapshot's date), "
        "or combinations, over a horizon. Release timing is a probability model (default: log-normal, median "
        f"{release.median_hold_days:g} days of total hold). The output names each model's unit price with its "
        "basis (scenario_assumption: given with --price; catalog; assumed_tier: the assumed $/TH tier, not a "
        "quote) and source, and the duty rate used.",
        epilog="examples:\n"
        "  minecore compare --seized 'Antminer S21:1000:180' --replace 'Teraflux AH3880' --replace 'S21 XP'\n"
        "  minecore compare --seized S21:200:90 --replace 'Teraflux AH3880:150' --holding-fee 10 --json\n"
        "  minecore compare --seized S21:500 --days-held 120 --replace 'S21 XP' --mc-paths 2000\n"
        "  minecore compare --seized S21:200:90 --replace 'S21 XP:150' --mc-paths 500 --csv > strategies.csv\n"
        "  minecore compare --seized S21:200:90 --replace 'S21 XP:150' --price S21=2800 --price 'S21 XP=5000' "
        "--uptime 0.95 --hashrate-efficiency 0.98\n"
        "  minecore compare --seized S21:200:90 --replace 'S21 XP:150' --date 2024-11-12 --difficulty 101.65e12 "
        "--btc-price 87235 --fees-btc 0.158 --height 870020\n"
        "  minecore compare --seized S21:200:90 --replace 'SEALMINER A2:150@Malaysia' --price 'SEALMINER A2=4250'\n"
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
    p.add_argument("--price", action="append", default=[], type=model_price, metavar="MODEL=USD",
                   help="unit price before duty of a model (repeatable; name or alias): applies to the seized lot "
                        "(its declared value: the base of the entry duty and the tax basis; resale comes from the "
                        "valuation model) and to every replacement option of that model; default: the catalog's "
                        "price, else the replacement's fair market value new")
    p.add_argument("--catalog", metavar="PATH", help="TOML file that adds or overrides models (e.g. hashrate/power "
                   "for models the built-in catalog lacks)")
    p.add_argument("--days-held", type=integer, metavar="N", help="days held so far; required unless --seized gives "
                   "DAYS_HELD")
    p.add_argument("--holding-fee", type=finite_number, metavar="USD", help="holding fee per unit per day "
                   f"(default {default_of(SeizedLot, 'holding_fee_usd_per_unit_day'):g})")
    p.add_argument("--forfeit", type=finite_number, metavar="P",
                   help=f"probability of forfeiture (default {release.forfeiture_probability:g})")
    p.add_argument("--median-hold", type=finite_number, metavar="DAYS",
                   help=f"median total hold [days] (default {release.median_hold_days:g})")
    p.add_argument("--lead-time", type=integer, metavar="DAYS",
                   help=f"replacement lead time [days] (default {default_of(ReplacementOption, 'lead_time_days')})")
    add_site_args(p)
    add_operating_args(p)
    add_horizon_args(p)
    p.add_argument("--mc-paths", type=integer, metavar="N", help="also run a Monte Carlo with N paths (0: none)")
    p.add_argument("--seed", type=integer, metavar="N",
                   help=f"Monte Carlo seed (default {default_of(MonteCarloParams, 'seed')})")
    add_network_args(p)
    from ._format import add_format_args

    add_format_args(p, json_help="print JSON (every figure; each strategy id with its readable name)",
                    csv_help="print CSV (one row per strategy: id, name, expected figures and, with --mc-paths, "
                             "the Monte Carlo's)")
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


def _model_id(name: str, catalog) -> str:
    """What ``--price MODEL=`` and a machine are matched on: the catalog key, else the lower-case name."""
    from ...errors import UnknownModelError
    from ...hardware import get_model

    try:
        return "key:" + get_model(name, catalog).key
    except UnknownModelError:
        return "name:" + " ".join(name.lower().split())


def _spec_id(spec) -> str:
    return "key:" + spec.key if spec.key else "name:" + " ".join(spec.name.lower().split())


def _prices(pairs: list[tuple[str, float]], catalog) -> dict[str, tuple[str, float]]:
    """``--price`` values by model id; a model priced twice is an error."""
    from ...errors import InvalidInputError

    out: dict[str, tuple[str, float]] = {}
    for model, usd in pairs:
        mid = _model_id(model, catalog)
        if mid in out:
            raise InvalidInputError(f"--price {model}={usd:g}: {out[mid][0]!r} is already priced at "
                                    f"{out[mid][1]:g}; give one price per model")
        out[mid] = (model, usd)
    return out


def _price_row(role: str, name: str, spec, tariff_rate=None, tariff_source: str = "") -> dict:
    return {"role": role, "name": name, "model": spec.name, "unit_price_usd": spec.price_usd,
            "hashrate_ths": spec.hashrate_ths, "power_w": spec.power_w,
            "operating_point": spec.operating_point or "nameplate (catalog)",
            "price_basis": spec.price_basis, "price_source": spec.price_source,
            "origin_country": spec.origin_country, "tariff_rate": tariff_rate, "tariff_source": tariff_source}


def run(args) -> int:
    from ...economics.inputs import MonteCarloParams, ReplacementOption, Scenario, SeizedLot
    from ...economics.release import ReleaseModel
    from ...economics.spec import resolve_spec
    from ...errors import InvalidInputError
    from ..output import emit_csv, emit_json
    from ..tables import print_table

    seized_text, seized_origin = _origin(args.seized, "--seized")
    name, nums = _split(seized_text, "--seized", SEIZED_FORM)
    if not nums:
        raise InvalidInputError(f"--seized {args.seized!r}: missing COUNT; expected {SEIZED_FORM}")
    catalog = None
    if args.catalog:
        from ...hardware import load_catalog

        catalog = load_catalog(args.catalog)
    operating = conditions_from_args(args)  # every machine at this operating point of its twin (None: nameplate)
    seized_spec = resolve_spec(name, origin_country=seized_origin, catalog=catalog,
                               operating=operating)  # the model first
    days = nums[1] if len(nums) > 1 else args.days_held
    if len(nums) > 1 and args.days_held is not None and args.days_held != nums[1]:
        raise InvalidInputError(f"--seized {args.seized!r} says {nums[1]} days held but --days-held says "
                                f"{args.days_held}; give one")
    if days is None:
        raise InvalidInputError(f"--seized {args.seized!r}: days held unknown; give --seized MODEL:COUNT:DAYS_HELD "
                                "or --days-held N")
    prices = _prices(args.price, catalog)
    used: set[str] = set()

    def priced(spec):
        mid = _spec_id(spec)
        if mid not in prices:
            return spec
        used.add(mid)
        return spec.with_price(prices[mid][1], PRICE_SOURCE)

    release = given(args, median_hold_days="median_hold", forfeiture_probability="forfeit")
    lot_kw = given(args, holding_fee_usd_per_unit_day="holding_fee")
    if release:
        lot_kw["release"] = ReleaseModel(**release)
    lot = SeizedLot(priced(seized_spec), units=nums[0], days_held=days, **lot_kw)
    options = []
    for r in args.replace:
        r_text, r_origin = _origin(r, "--replace")
        rname, rnums = _split(r_text, "--replace", "MODEL[:COUNT]")
        spec = priced(resolve_spec(rname, origin_country=r_origin, catalog=catalog, operating=operating))
        options.append(ReplacementOption(spec, units=rnums[0] if rnums else None,
                                         **given(args, lead_time_days="lead_time")))
    unused = [model for mid, (model, _) in prices.items() if mid not in used]
    if unused:
        raise InvalidInputError(f"--price {unused[0]!r}: not the seized model ({lot.machine.name}) nor a replacement "
                                "option (--replace)")
    sc = Scenario(lot, tuple(options), site=site_from_args(args), projection=projection_from_args(args),
                  **given(args, horizon_days="horizon_days", discount_rate_per_year="discount_rate"))
    mc_params = None
    if args.mc_paths is not None or args.seed is not None:
        mc_params = MonteCarloParams(**given(args, paths="mc_paths", seed="seed"))  # checks both
    from ...economics.decision import compare

    res = compare(sc)
    warnings = tariff_warnings(res.analysis_date) if res.options else []
    out = res.summary()
    price_rows = [_price_row("seized", lot.name, lot.machine, None, "not bought: the held units are sunk")]
    for ro, row in zip(res.options, out["options"]):
        m = ro.option.machine
        row.update(price_basis=m.price_basis, price_source=m.price_source, tariff_source=ro.capex.tariff_source)
        price_rows.append(_price_row("replacement", ro.name, m, ro.capex.tariff_rate, ro.capex.tariff_source))
    out["site"] = {k: getattr(sc.site, k) for k in SITE_FLAGS}
    out["prices"] = price_rows
    out["warnings"] = warnings
    mc = None
    if args.mc_paths is not None and mc_params.enabled:
        from ...economics.montecarlo import run_monte_carlo

        mc = run_monte_carlo(sc, mc_params)
        out["monte_carlo"] = mc.summary_rows()
    _add_names(out, res, sc)
    if args.json:
        emit_json(out)
        return 0
    print_warnings(warnings)
    if args.csv:
        emit_csv(_csv_rows(out))
        return 0
    _print_tables(out, res, lot, mc)
    if operating is not None:
        print_table(f"Operating points ({operating.label()}; the twin's TH/s and W)",
                    ["role", "model", "hashrate_ths", "power_w", "operating_point"], price_rows,
                    prose=("operating_point",))
    _print_options_and_strategies(out, res, mc)
    return 0


def _after(record: dict, key: str, new: dict) -> dict:
    """``record`` with the items of ``new`` inserted right after ``key``."""
    out = {}
    for k, v in record.items():
        out[k] = v
        if k == key:
            out.update(new)
    return out


def _add_names(out: dict, res, sc) -> None:
    """A readable name beside every strategy id of the JSON: ``winner_name``, each strategy's ``name`` and each Monte
    Carlo row's ``strategy_name`` (ids such as ``replace_and_redeploy:Teraflux AH3880`` stay for programs)."""
    from ...economics.inputs import strategy_title

    def name(label: str) -> str:
        return strategy_title(label, sc.partial_fraction)

    named = _after(out, "winner", {"winner_name": name(res.winner.label)})
    out.clear()
    out.update(named)
    out["strategies"] = [_after(row, "label", {"name": name(row["label"])}) for row in out["strategies"]]
    if "monte_carlo" in out:
        out["monte_carlo"] = [_after(row, "strategy", {"strategy_name": name(row["strategy"])})
                              for row in out["monte_carlo"]]


def _names_kept(out: dict) -> list[str]:
    """Model and option names, which wrapped strategy names never split across lines."""
    return [row[k] for row in out["prices"] for k in ("name", "model") if row.get(k)]


def _csv_rows(out: dict) -> list[dict]:
    """One CSV row per strategy, best first: its id and name, its expected figures and, with --mc-paths, its Monte
    Carlo figures."""
    mc = {row["strategy"]: row for row in out.get("monte_carlo", [])}
    rows = []
    for row in out["strategies"]:
        extra = {k: v for k, v in mc.get(row["label"], {}).items() if k not in ("strategy", "strategy_name")}
        rows.append({**row, **extra})
    return rows


def _print_tables(out: dict, res, lot, mc) -> None:
    """The decision, the hold cost and the unit prices: every number of the JSON's top level, hold cost, site and
    prices."""
    from ..tables import print_fields, print_table

    keep = _names_kept(out)
    hc = out["hold_cost"]
    print_fields(f"Decision — {lot.units} x {lot.machine.name}, {res.days_held} days held to "
                 f"{res.analysis_date.isoformat()} ({res.snapshot_label})", [
                     ("winner", out["winner_name"]),
                     ("lead over the next best, USD", out["margin_usd"]),
                     ("expected release day", out["expected_release_day"]),
                     ("P(release within the horizon)", out["release_within_horizon_probability"]),
                     ("P(forfeiture)", out["forfeiture_probability"]),
                     ("seized lot's day-0 margin, USD/day", out["seized_daily_margin_day0_usd"]),
                     ("seized model's break-even power price, USD/kWh",
                      out["seized_break_even_power_price_usd_per_kwh"]),
                     ("horizon, days", out["horizon_days"]),
                     ("discount rate per year", out["discount_rate_per_year"]),
                     *((f"site {k}", v) for k, v in out["site"].items()),
                 ], caption=f"winner id: {out['winner']} (--json has every id beside its name)", keep=keep)
    print_fields(f"Hold cost so far — {hc['units']:,} units, {hc['days_held']:,} days", [
        ("lost margin at the analysis date's network", hc["lost_margin_at_analysis_date_usd"]),
        ("difficulty drift over the held days", hc["difficulty_drift_usd"]),
        ("lost margin (the two above)", hc["lost_margin_usd"]),
        ("holding fees", hc["holding_fees_usd"]),
        ("legal costs", hc["legal_costs_usd"]),
        ("total", hc["total_usd"]),
    ], field="item", value="USD")
    print_table("Unit prices and duty",
                [("role", "role"), ("model", "model"), ("unit_price_usd", "unit price $"), ("price_basis", "basis"),
                 ("hashrate_ths", "TH/s"), ("power_w", "W"), ("origin_country", "assembled"),
                 ("tariff_rate", "duty")], out["prices"],
                caption=f"duty for the country of assembly on {res.analysis_date.isoformat()} (the sources of prices "
                        "and duties: --json); price bases: scenario_assumption (given), catalog, valuation_fmv (the "
                        "valuation model's value of a new unit), assumed_tier (not a quote: pass --price MODEL=USD)",
                secondary=("price_basis", "origin_country"))


def _print_options_and_strategies(out: dict, res, mc) -> None:
    """The replacement options, the strategies and the Monte Carlo: every number of their JSON rows."""
    from ..tables import print_table

    keep = _names_kept(out)
    if out["options"]:
        print_table("Replacement options",
                    [("option", "option"), ("origin_country", "assembled"), ("units", "units"),
                     ("hashrate_ths", "TH/s"), ("power_mw", "MW"), ("efficiency_j_per_th", "J/TH"),
                     ("unit_price_usd", "unit price $"), ("tariff_rate", "duty"), ("capex_usd", "capex $"),
                     ("lead_time_days", "lead days")], out["options"], secondary=("origin_country",))
        print_table("Replacement options: economics (whole lot)",
                    [("option", "option"), ("daily_margin_day0_usd", "margin day 0 $/day"),
                     ("payback_day", "payback day"), ("npv_usd", "NPV $"), ("roi", "ROI"),
                     ("irr_per_year", "IRR /year"), ("break_even_power_price_usd_per_kwh", "break-even $/kWh"),
                     ("salvage_usd_per_unit", "salvage $/unit")], out["options"],
                    caption="payback — = not within the horizon; IRR — = none exists (no cash comes back)")
    print_table("Strategies (expected NPV, best first)",
                [("name", "strategy"), ("expected_npv_usd", "E[NPV] $"), ("expected_npv_pre_tax_usd", "pre-tax $"),
                 ("capex_usd", "capex $"), ("replacement_units", "units bought"),
                 ("expected_salvage_usd", "salvage $"), ("expected_total_cash_usd", "total cash $"),
                 ("payback_day", "payback day")], out["strategies"], prose=("name",), keep=keep,
                caption=f"winner: {out['winner_name']} by ${out['margin_usd']:,.0f}; "
                        f"P(release within horizon) {out['release_within_horizon_probability']:.2f}")
    if mc is not None:
        print_table(f"Monte Carlo ({mc.params.paths} paths, seed {mc.params.seed}, engine {mc.engine})",
                    [("strategy_name", "strategy"), ("npv_mean_usd", "mean $"), ("npv_p5_usd", "P5 $"),
                     ("npv_p50_usd", "P50 $"), ("npv_p95_usd", "P95 $"), ("npv_cvar5_usd", "CVaR 5% $"),
                     ("p_win", "P(win)"), ("p_payback_within_horizon", "P(payback)")], out["monte_carlo"],
                    prose=("strategy_name",), keep=keep,
                    caption="P(payback): share of paths whose cash recovers the capex within the horizon; "
                            "— = not applicable (no capex: the seized units are sunk)")
