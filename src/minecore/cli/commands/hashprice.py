"""``minecore hashprice``: expected revenue of 1 PH/s and 1 TH/s per day, from the shipped or a given snapshot."""

from __future__ import annotations


def add_network_args(p) -> None:
    """Network override flags shared by hashprice, profit and compare (no heavy imports here)."""
    g = p.add_argument_group("network (defaults: the shipped dated snapshot)")
    g.add_argument("--snapshot", metavar="FILE", help="TOML or JSON snapshot file; a partial file overrides the default "
                   "and the output names what it inherited; a file without a date is labelled undated")
    g.add_argument("--difficulty", type=float, metavar="D", help="network difficulty, e.g. 152e12")
    g.add_argument("--btc-price", type=float, metavar="USD", help="BTC price [USD]")
    g.add_argument("--fees-btc", type=float, metavar="BTC", help="average fees per block [BTC]")
    g.add_argument("--height", type=int, metavar="N", help="block height (sets the subsidy and halving dates)")


def snapshot_from_args(args):
    from ...economics.network import default_snapshot, load_snapshot

    snap = default_snapshot()
    if getattr(args, "snapshot", None):
        snap = load_snapshot(args.snapshot, base=snap)
    return snap.with_overrides(difficulty=args.difficulty, btc_price_usd=args.btc_price,
                               fees_btc_per_block=args.fees_btc, block_height=args.height)


def add_parser(subparsers):
    p = subparsers.add_parser(
        "hashprice",
        help="hashprice in USD and BTC per PH/s and TH/s per day",
        description="Hashprice = expected revenue of 1 PH/s (or 1 TH/s) for one day: "
        "1e15 x 86400 x (subsidy + fees) / (difficulty x 2^32) BTC, times the BTC price. "
        "Uses the shipped dated snapshot unless overridden; the output names the snapshot and its date.",
        epilog="examples:\n"
        "  minecore hashprice\n"
        "  minecore hashprice --difficulty 101.65e12 --btc-price 87235 --fees-btc 0.158 --height 870000\n"
        "  minecore hashprice --snapshot my_network.toml --json",
    )
    add_network_args(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    return p


def run(args) -> int:
    from ...economics.network import hashprice
    from ..output import emit_json, print_table

    snap = snapshot_from_args(args)
    hp = hashprice(snap)
    halv = snap.halvings(1)[0]
    out = {
        "snapshot": snap.label, "snapshot_date": snap.date.isoformat() if snap.dated else None, "difficulty": snap.difficulty,
        "btc_price_usd": snap.btc_price_usd, "fees_btc_per_block": snap.fees_btc_per_block,
        "subsidy_btc": snap.subsidy_btc, "block_height": snap.block_height, "hashrate_ehs": snap.hashrate_ehs,
        "hashprice_usd_per_ph_day": hp.usd_per_ph_day, "hashprice_btc_per_ph_day": hp.btc_per_ph_day,
        "hashprice_usd_per_th_day": hp.usd_per_th_day, "hashprice_btc_per_th_day": hp.btc_per_th_day,
        "next_halving_height": halv.height, "next_halving_expected_date": halv.expected_date.isoformat(),
        "sources": list(snap.sources),
    }
    if args.json:
        emit_json(out)
        return 0
    rows = [(k, out[k]) for k in out if k != "sources"]
    print_table(f"Hashprice — {snap.label}", [("field", "field"), ("value", "value")], rows)
    return 0
