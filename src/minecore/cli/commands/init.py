"""``minecore init``: write a commented template scenario, or one of the shipped examples, to start from.

The examples ship inside the package (``minecore/reports/examples/*.toml``; the checkout's ``examples/`` is a
link to that folder), so ``minecore init --example site-cap`` works from an installed wheel as from a checkout.
An existing file is never overwritten without ``--force``; the file is written whole or not at all.
"""

from __future__ import annotations

#: what ``minecore init`` writes without ``--example``: every section, the keys people change first, the rest
#: commented out with its meaning (the full schema: docs/scenario.md)
TEMPLATE_TOML = """\
# minecore scenario, written by `minecore init`. Edit it, then run:
#   minecore report scenario.toml
# Keys marked REQUIRED must stay; every other key is optional and has a default. A line starting with # is a
# comment: remove the # to use that key. Every key, with its unit, range and default: docs/scenario.md.
schema = 2

[scenario]
name = "My site: a customs-held lot"
horizon_days = 1095                  # analysis length [days]: 3 years
discount_rate_per_year = 0.10        # decimal per year
# analysis_date = "2025-11-25"       # day 0 of the cash flows (default: the network snapshot's date)
# strategies = ["wait_and_redeploy", "sell_on_release", "reexport_on_release", "replace_now",
#               "replace_and_sell_on_release", "replace_and_redeploy", "partial_replace", "abandon"]

[site]
power_price_usd_per_kwh = 0.05       # your all-in power price [USD/kWh]
pue = 1.10                           # facility overhead on power (1.0: none)
pool_fee = 0.02                      # share of revenue (decimal)
availability = 0.97                  # share of the time the machines are on
# hosting_usd_per_kwh = 0.0          # hosting billed per kWh [USD/kWh]
# power_cap_mw = 4.0                 # site power cap [MW]: the lots and the [[fleet]] are dispatched under it

[network]
# No figures here: the shipped, dated network snapshot is used (`minecore hashprice` shows it).
difficulty_growth_per_month = 0.02   # +2 %/month [decimal/month]
# btc_price_usd = 91000              # override the snapshot's BTC price [USD]
# difficulty = 152e12                # override the snapshot's difficulty

[[seized]]                           # one block per held lot
name = "Held lot"
model = "Antminer S21"               # REQUIRED: a catalog name or alias (`minecore models`, `minecore rank`)
units = 100                          # REQUIRED: units held
days_held = 90                       # days held so far on the analysis date (or hold_start = "YYYY-MM-DD")
holding_fee_usd_per_unit_day = 14.0  # storage fee while held [USD/unit/day]
median_hold_days = 120               # median total hold of the release model [days]
# price_usd = 2699                   # new unit price, the base of its resale value (default: the catalog's,
#                                    # else the valuation model's fair market value)
# price_source = "quote from ..."    # where price_usd comes from, shown beside it
# resale_quote_usd = 2000            # a buyer's quote per unit, instead of the valuation model
# forfeiture_probability = 0.0       # chance the lot is never released

[[option]]                           # one block per replacement you could buy
model = "Antminer S21 XP"            # REQUIRED: a catalog name or alias
lead_time_days = 30                  # from order to hashing [days]
# units = 80                         # default: match the seized lot's hashrate
# price_usd = 6000                   # unit price before duty (default: the catalog's, else the valuation model's)
# origin_country = "Malaysia"        # country of assembly: it sets the import duty

# [[fleet]]                          # machines already running at the site (matters with power_cap_mw)
# model = "Antminer S19 XP"
# units = 400

[monte_carlo]
paths = 1000                         # price, difficulty and release-timing paths (0: none)
seed = 2025                          # the same seed gives the same paths

# [tax]                              # with this section the NPVs are after US federal income tax
# federal_rate = 0.21
"""


def examples() -> dict[str, str]:
    """The shipped examples: name (file name without ``.toml``) -> text, read from the package."""
    from importlib import resources

    folder = resources.files("minecore.reports").joinpath("examples")
    out = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            out[entry.name.removesuffix(".toml")] = entry.read_text(encoding="utf-8")
    return out


def _first_comment(text: str) -> str:
    for line in text.splitlines():
        if line.startswith("#"):
            return line.lstrip("# ").strip()
    return ""


def add_parser(subparsers):
    p = subparsers.add_parser(
        "init",
        help="write a commented template scenario, or a shipped example, to start from",
        description="Write a scenario file to start from: a commented template (every section, the keys people "
        "change first, the others commented out with their meaning), or with --example one of the examples that "
        "ship with minecore. PATH '-' prints it instead. An existing file is left alone unless --force is given; "
        "the file is written whole or not at all.",
        epilog="examples:\n"
        "  minecore init                               # writes scenario.toml\n"
        "  minecore init my-site.toml\n"
        "  minecore init --example site-cap site-cap.toml\n"
        "  minecore init --example default - | head    # print an example\n"
        "  minecore init scenario.toml --force         # overwrite\n"
        "then: minecore report scenario.toml\n"
        "\nshipped examples: " + ", ".join(examples()),
    )
    p.add_argument("path", nargs="?", default="scenario.toml", metavar="PATH",
                   help="file to write (default scenario.toml; '-': standard output)")
    p.add_argument("--example", metavar="NAME", help="write this shipped example instead of the template")
    p.add_argument("--force", action="store_true", help="overwrite PATH if it exists")
    return p


def run(args) -> int:
    import os
    import sys

    from ...errors import InvalidInputError
    from ..files import check_output_path, write_atomic

    if args.example is None:
        text, what = TEMPLATE_TOML, "the template scenario"
    else:
        shipped = examples()
        name = args.example.strip().removesuffix(".toml")
        if name not in shipped:
            raise InvalidInputError(f"--example {args.example!r}: no such example; the shipped ones are "
                                    f"{', '.join(shipped)}")
        text, what = shipped[name], f"example {name!r} ({_first_comment(shipped[name])})"
    if args.path == "-":
        sys.stdout.write(text)
        return 0
    check_output_path("PATH", args.path)
    if os.path.lexists(args.path) and not args.force:
        raise InvalidInputError(f"{args.path} exists; pass --force to overwrite it (or give another PATH)")
    size = write_atomic(args.path, text, option="PATH")
    command = "sweep" if "\n[sweep]" in text else "report"
    print(f"wrote {args.path} ({size:,} bytes): {what}; next: minecore {command} {args.path}", file=sys.stderr)
    return 0
