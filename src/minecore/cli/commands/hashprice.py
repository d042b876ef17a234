"""``minecore hashprice``: expected revenue of 1 PH/s and 1 TH/s per day, from the shipped or a given snapshot.

Also home of the helpers the economics commands share (hashprice, profit, compare): the network flags, the
snapshot they build, and :func:`default_of`, which reads a default from the economics dataclasses so the
command line never repeats a default number.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ..argtypes import finite_number, integer, iso_date


def default_of(cls: type, name: str) -> Any:
    """The default of field ``name`` of the dataclass ``cls`` (the one place defaults live)."""
    for f in dataclasses.fields(cls):
        if f.name == name:
            if f.default is not dataclasses.MISSING:
                return f.default
            if f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
                return f.default_factory()  # type: ignore[misc]
            raise LookupError(f"{cls.__name__}.{name} has no default")
    raise LookupError(f"{cls.__name__} has no field {name!r}")


def given(args, **dests: str) -> dict[str, Any]:
    """``{keyword: args.<dest>}`` for the flags the user gave (``None`` = not given: the dataclass default applies)."""
    return {kw: getattr(args, dest) for kw, dest in dests.items() if getattr(args, dest, None) is not None}


def add_network_args(p) -> None:
    """Network override flags shared by hashprice, profit and compare (no heavy imports here)."""
    g = p.add_argument_group("network (defaults: the shipped dated snapshot)")
    g.add_argument("--snapshot", metavar="FILE", help="TOML or JSON snapshot file; a partial file overrides the default "
                   "and the output names what it inherited; a file without a date is labelled undated")
    g.add_argument("--date", type=iso_date, metavar="YYYY-MM-DD",
                   help="date of the snapshot's figures: day 0 of the cash flows, of the halving dates and of the "
                        "tariff lookup (give it with figures of another day, e.g. --height)")
    g.add_argument("--difficulty", type=finite_number, metavar="D", help="network difficulty, e.g. 152e12")
    g.add_argument("--btc-price", type=finite_number, metavar="USD", help="BTC price [USD]")
    g.add_argument("--fees-btc", type=finite_number, metavar="BTC", help="average fees per block [BTC]")
    g.add_argument("--height", type=integer, metavar="N", help="block height (sets the subsidy and halving dates)")


def snapshot_from_args(args):
    """The shipped snapshot, or ``--snapshot`` on top of it, with the figure flags as named overrides."""
    from ...economics.snapshot import default_snapshot, load_snapshot

    snap = default_snapshot()
    if getattr(args, "snapshot", None):
        snap = load_snapshot(args.snapshot, base=snap)
    date = getattr(args, "date", None)
    if date is not None and not snap.dated:
        snap = dataclasses.replace(snap, undated_file=None)  # the user has now dated the figures
    return snap.with_overrides(date=date, difficulty=args.difficulty, btc_price_usd=args.btc_price,
                               fees_btc_per_block=args.fees_btc, block_height=args.height)


def add_parser(subparsers):
    p = subparsers.add_parser(
        "hashprice",
        help="hashprice in USD and BTC per PH/s and TH/s per day",
        description="Hashprice = expected revenue of 1 PH/s (or 1 TH/s) for one day: "
        "1e15 x 86400 x (subsidy + fees) / (difficulty x 2^32) BTC, times the BTC price. "
        "Uses the shipped dated snapshot unless overridden; the output names the snapshot, its date and the next "
        "halving (block and expected date at 600 s per block from the snapshot's height and date).",
        epilog="examples:\n"
        "  minecore hashprice\n"
        "  minecore hashprice --date 2024-11-12 --difficulty 101.65e12 --btc-price 87235 --fees-btc 0.158 "
        "--height 870000\n"
        "  minecore hashprice --snapshot my_network.toml --json\n"
        "  minecore hashprice --csv",
    )
    add_network_args(p)
    from ._format import add_format_args

    add_format_args(p, csv_help="print CSV (one row: every figure, the sources joined by '; ')")
    return p


def run(args) -> int:
    from ...economics.network import hashprice
    from ..output import emit_csv, emit_json
    from ..tables import print_fields
    from ._format import flat_record

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
        "next_halving_days": round(halv.days_from_snapshot), "next_halving_subsidy_btc": halv.subsidy_after_btc,
        "sources": list(snap.sources),
    }
    if args.json:
        emit_json(out)
        return 0
    if args.csv:
        emit_csv([flat_record(out)])
        return 0
    rows = [(k, out[k]) for k in out if k != "sources"]
    when = "" if snap.dated else " (the snapshot is undated: counted from day 0, give --date)"
    print_fields(f"Hashprice — {snap.label}", rows,
                caption=f"next halving: block {halv.height:,} around {halv.expected_date.isoformat()}, "
                        f"{round(halv.days_from_snapshot):,} days after {snap.date.isoformat()}{when}")
    return 0
