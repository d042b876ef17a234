"""``minecore models``: list the miner catalog (built-in plus an optional user file)."""

from __future__ import annotations

import argparse

_COLUMNS = [
    ("key", "key"),
    ("hashrate_ths", "TH/s"),
    ("power_w", "W"),
    ("efficiency_j_per_th", "J/TH"),
    ("cooling", "cooling"),
    ("chip", "chip"),
    ("chips_total", "chips"),
    ("assembly_country", "assembled"),
    ("customs_hold_exposed", "held"),
    ("price_usd", "price $"),
    ("unverified", "unverif."),
]


def add_parser(subparsers):
    p = subparsers.add_parser(
        "models",
        help="list SHA-256 miner models in the catalog",
        description="List the miner catalog: nameplate hashrate, power and efficiency, chip, country of assembly, "
        "customs-hold exposure and default price. Figures flagged unverified are counted in the last column.",
        epilog="examples:\n  minecore models\n  minecore models --maker Bitmain\n  minecore models --unrestricted --json\n"
        "  minecore models --csv > models.csv\n  minecore models --catalog my_models.toml",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--maker", metavar="M", help="only this maker (case-insensitive), e.g. Bitmain, MicroBT, Canaan")
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--restricted", dest="restricted", action="store_const", const=True, default=None,
        help="only makers headquartered in China (exposed to US holds and China tariffs)",
    )
    group.add_argument(
        "--unrestricted", dest="restricted", action="store_const", const=False, help="only makers outside China"
    )
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print JSON (every field, with sources)")
    fmt.add_argument("--csv", action="store_true", help="print CSV")
    p.add_argument("--catalog", metavar="PATH", help="TOML file that adds or overrides models")
    return p


def run(args) -> int:
    from ...hardware import load_catalog
    from ..output import emit_csv, emit_json, print_table

    catalog = load_catalog(args.catalog)
    models = catalog.models(maker=args.maker, restricted=args.restricted)
    if args.json:
        emit_json({"count": len(models), "catalog": catalog.origin, "models": [m.to_dict() for m in models]})
        return 0
    if args.csv:
        rows = []
        for m in models:
            d = m.to_dict()
            rows.append(
                {
                    k: ("; ".join(v) if isinstance(v, list) else v)
                    for k, v in d.items()
                    if k not in ("field_sources",)
                }
            )
        emit_csv(rows)
        return 0
    rows = []
    for m in models:
        d = m.to_dict()
        d["unverified"] = len(m.unverified) or None
        rows.append(d)
    verified = sum(1 for m in models if m.verified)
    print_table(
        f"Miner catalog ({len(models)} models, {verified} with every figure verified)",
        _COLUMNS,
        rows,
        caption="held = exposed to the 2024-25 US customs holds; unverified = number of unverified figures; "
        "— = unknown. Sources: minecore model NAME",
    )
    return 0
