"""``minecore model NAME``: one model's figures, sources, chip-level model and tuning curve."""

from __future__ import annotations

_SPEC_FIELDS = (
    "maker", "release", "hashrate_ths", "power_w", "efficiency_j_per_th", "cooling", "chip", "chips_per_board",
    "boards", "chips_in_system", "assembly_country", "maker_country", "customs_hold_exposed", "price_usd",
)


def add_parser(subparsers):
    import argparse

    p = subparsers.add_parser(
        "model",
        help="show one miner model: specs, sources, chip model, tuning curve",
        description="Show one miner model: nameplate figures with the source of each (unverified ones flagged), "
        "country of assembly, and -- where the chip is known -- the chip-level model: implied clock, "
        "eco/normal/turbo profiles and a tuning curve of TH/s, W and J/TH over clock. "
        "Names are forgiving: 'S21 Pro', 'antminer-s21-pro' and 's21pro' all work.",
        epilog="examples:\n  minecore model S21\n  minecore model 's21 pro' --json\n"
        "  minecore model S21 --ambient 44 --failed-boards 1\n  minecore model MyRig --catalog my_models.toml",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("name", metavar="NAME", help="model name, e.g. 'S21 Pro'")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--catalog", metavar="PATH", help="TOML file that adds or overrides models")
    p.add_argument("--ambient", metavar="C", type=float, default=25.0, help="ambient temperature [°C] (default 25)")
    p.add_argument("--failed-boards", metavar="N", type=int, default=0, help="hashboards out of service (default 0)")
    return p


def run(args) -> int:
    from ...hardware import ChipDataUnavailableError, ChipLevelModel, load_catalog
    from ..output import console, emit_json, print_table

    catalog = load_catalog(args.catalog)
    model = catalog.get(args.name)
    chip_model = None
    chip_reason = None
    try:
        chip_model = ChipLevelModel.for_model(model)
    except ChipDataUnavailableError as exc:
        chip_reason = str(exc)
    curve = []
    profiles = {}
    if chip_model is not None:
        for prof in ("eco", "normal", "turbo"):
            profiles[prof] = chip_model.operating_point(prof, ambient_c=args.ambient, failed_boards=args.failed_boards)
        curve = chip_model.tuning_curve(ambient_c=args.ambient, failed_boards=args.failed_boards)

    if args.json:
        out = {"model": model.to_dict(), "chip_model": None, "chip_model_unavailable": chip_reason}
        if chip_model is not None:
            out["chip_model"] = {
                **chip_model.describe(),
                "ambient_c": args.ambient,
                "failed_boards": args.failed_boards,
                "operating_points": {k: v.to_dict() for k, v in profiles.items()},
                "tuning_curve": [p.to_dict() for p in curve],
            }
        emit_json(out)
        return 0

    numbers: dict[str, int] = {}
    rows = []
    for f in _SPEC_FIELDS:
        value = getattr(model, f)
        flag = "unverified" if f in model.unverified else ("derived" if f in model.derived else "")
        refs = [numbers.setdefault(s, len(numbers) + 1) for s in model.sources_for(f)]
        rows.append({"field": f, "value": value, "flag": flag or None,
                     "sources": " ".join(f"[{n}]" for n in refs) or None})
    if model.price_usd is not None:
        rows.append({"field": "price_date", "value": model.price_date, "flag": None, "sources": None})
    print_table(f"{model.maker} {model.name}  [{model.key}]", ["field", "value", "flag", "sources"], rows,
                caption=f"catalog: {model.origin}")
    con = console()
    for src, n in numbers.items():
        con.print(f"[{n}] {src}", markup=False)
    if model.assembly_note:
        con.print(f"assembly: {model.assembly_note}")
    if model.notes:
        con.print(f"notes: {model.notes}")
    if chip_model is None:
        con.print(f"chip-level model: unavailable ({chip_reason})")
        return 0
    d = chip_model.describe()
    con.print(
        f"chip-level model: {d['chips_total']} x {d['chip']} ({d['chips_per_board']} per board x {d['boards']} boards), "
        f"{d['small_cores']} small cores per chip; implied clock {d['implied_clock_mhz']:.1f} MHz, "
        f"normal {d['normal_clock_mhz']:.1f} MHz (nameplate error {d['nameplate_error']:+.1%}); "
        f"static power {d['static_power_w']:.0f} W (assumed {d['static_fraction']:.0%})"
    )
    cols = [("profile", "profile"), ("requested_clock_mhz", "set MHz"), ("clock_mhz", "run MHz"), ("voltage_v", "V"), ("hashrate_ths", "TH/s"),
            ("power_w", "W"), ("efficiency_j_per_th", "J/TH"), ("active_boards", "boards"),
            ("throttled", "throttled"), ("shutdown", "shutdown")]
    print_table(
        f"Tuning curve at {args.ambient:g} °C, {args.failed_boards} failed board(s)",
        cols,
        [p.to_dict() for p in curve],
        caption="P = static + k·V²·f calibrated at nameplate; V/f from BM1397 presets; "
        "derate 440/490 above 40 °C, shutdown above 47 °C",
    )
    return 0
