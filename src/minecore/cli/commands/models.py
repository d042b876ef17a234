"""``minecore models``: list the miner catalog (built-in plus an optional user file)."""

from __future__ import annotations

import argparse

from ._format import add_format_args

_COLUMNS = [
    ("name", "model"),
    ("maker", "maker"),
    ("hashrate_ths", "TH/s"),
    ("power_w", "W"),
    ("efficiency_j_per_th", "J/TH"),
    ("cooling", "cooling"),
    ("chip", "chip"),
    ("chips", "chips"),
    ("layout", "boards × chips"),
    ("assembly_country", "assembled"),
    ("customs_hold_exposed", "held"),
    ("price_usd", "price $"),
    ("unverified", "unverif."),
    ("undated", "undated"),
]
#: text columns a narrow terminal leaves out first (every number stays)
_SECONDARY = ("cooling", "chip", "maker", "customs_hold_exposed", "assembly_country")


def add_parser(subparsers):
    p = subparsers.add_parser(
        "models",
        help="list SHA-256 miner models in the catalog",
        description="List the miner catalog: nameplate hashrate, power and efficiency, chip, country of assembly, "
        "customs-hold exposure and default price. Figures flagged unverified are counted in the last column. "
        "To rank the models by profit at your power price, see 'minecore rank'.",
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
    add_format_args(p, json_help="print JSON (every field, with sources)", csv_help="print CSV (one row per model)")
    p.add_argument("--catalog", metavar="PATH", help="TOML file that adds or overrides models")
    return p


def table_row(d: dict) -> dict:
    """The table cells of one model (``MinerModel.to_dict()``): every number of it, the rest as text."""
    chips = d.get("chips_total")
    if d.get("chips_in_system") is not None and d["chips_in_system"] != chips:
        chips = f"{chips if chips is not None else '—'} (system {d['chips_in_system']:,})"
    boards, per_board = d.get("boards"), d.get("chips_per_board")
    if boards is None and per_board is None:
        layout = None
    else:
        layout = f"{'?' if boards is None else f'{boards:,}'} × {'?' if per_board is None else f'{per_board:,}'}"
    return {**d, "chips": chips, "layout": layout, "unverified": len(d.get("unverified") or ()) or None,
            "undated": len(d.get("undated") or ()) or None}


def run(args) -> int:
    from ...hardware import load_catalog
    from ..output import emit_csv, emit_json
    from ..tables import print_table

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
                    k: ("; ".join(map(str, v)) if isinstance(v, list) else v)
                    for k, v in d.items()
                    if k not in ("field_sources", "assembly_history")
                }
            )
        emit_csv(rows)
        return 0
    verified = sum(1 for m in models if m.verified)
    print_table(
        f"Miner catalog ({len(models)} models, {verified} with every figure verified)",
        _COLUMNS,
        [table_row(m.to_dict()) for m in models],
        caption="held = exposed to the 2024-25 US customs holds; unverif. = number of unverified figures; undated = "
        "number of figures whose every source is undated; — = unknown. Sources: minecore model NAME",
        secondary=_SECONDARY,
    )
    return 0
