"""``minecore model NAME``: one model's figures, sources, twin (chip-level or nameplate-level) and tuning curve."""

from __future__ import annotations

_SPEC_FIELDS = (
    "maker", "release", "hashrate_ths", "power_w", "efficiency_j_per_th", "cooling", "chip", "chips_per_board",
    "boards", "chips_in_system", "assembly_country", "maker_country", "customs_hold_exposed", "price_usd",
)
#: the operating-point tables' columns (the tuning curve and the named profiles); every number of a point
_POINT_COLUMNS = [("profile", "profile"), ("requested_clock_mhz", "set MHz"), ("clock_mhz", "run MHz"),
                  ("voltage_v", "V"), ("hashrate_ths", "TH/s"), ("power_w", "W"), ("efficiency_j_per_th", "J/TH"),
                  ("chip_temp_c", "chip °C"), ("fan_power_w", "fans W"), ("active_boards", "boards"),
                  ("throttled", "throttled"), ("shutdown", "shutdown")]


def add_parser(subparsers):
    import argparse

    p = subparsers.add_parser(
        "model",
        help="show one miner model: specs, sources, chip model, tuning curve",
        description="Show one miner model: nameplate figures with the source of each (unverified ones and those "
        "resting only on undated sources flagged), country of assembly by production date, and its twin: "
        "chip-level where the chip data exist, else nameplate-level (a stand-in die). The twin prints whether its "
        "clock is independent of the nameplate (else the nameplate check is no check), every coefficient with its "
        "basis (sourced, derived or ASSUMPTION), eco/normal/turbo profiles and a tuning curve of TH/s, W and J/TH. "
        "Names are forgiving: 'S21 Pro', 'antminer-s21-pro' and 's21pro' all work.",
        epilog="examples:\n  minecore model S21\n  minecore model 's21 pro' --json\n"
        "  minecore model S21 --ambient 44 --failed-boards 1\n  minecore model M60S --power-target 3000\n"
        "  minecore model MyRig --catalog my_models.toml",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("name", metavar="NAME", help="model name, e.g. 'S21 Pro'")
    from ._format import add_format_args

    add_format_args(p, csv_help="print CSV (one row per operating point: the named profiles, then the tuning "
                                "curve)")
    p.add_argument("--catalog", metavar="PATH", help="TOML file that adds or overrides models")
    p.add_argument("--ambient", metavar="C", type=float, default=25.0,
                   help="inlet air (hydro: coolant inlet) temperature [°C] (default 25)")
    p.add_argument("--failed-boards", metavar="N", type=int, default=0, help="hashboards out of service (default 0)")
    p.add_argument("--cooling", choices=("air", "hydro", "immersion"), default=None, help="default: the catalog's")
    p.add_argument("--power-target", metavar="W", type=float, default=None,
                   help="also show the operating point at this wall power [W]")
    return p


def run(args) -> int:
    from ...hardware import ChipDataUnavailableError, load_catalog, twin_for
    from ..output import console, emit_csv, emit_json
    from ..tables import print_fields, print_table

    catalog = load_catalog(args.catalog)
    model = catalog.get(args.name)
    twin = None
    twin_reason = None
    try:
        twin = twin_for(model, cooling=args.cooling)
    except ChipDataUnavailableError as exc:
        twin_reason = str(exc)
    curve = []
    profiles = {}
    if twin is not None:
        for prof in ("eco", "normal", "turbo"):
            profiles[prof] = twin.operating_point(prof, ambient_c=args.ambient, failed_boards=args.failed_boards)
        if args.power_target is not None:
            profiles["power target"] = twin.operating_point(power_target_w=args.power_target, ambient_c=args.ambient,
                                                            failed_boards=args.failed_boards)
        curve = twin.tuning_curve(ambient_c=args.ambient, failed_boards=args.failed_boards)

    if args.json:
        out = {"model": model.to_dict(), "chip_model": None, "chip_model_unavailable": twin_reason}
        if twin is not None:
            out["chip_model"] = {
                **twin.describe(),
                "ambient_c": args.ambient,
                "failed_boards": args.failed_boards,
                "operating_points": {k: v.to_dict() for k, v in profiles.items()},
                "tuning_curve": [p.to_dict() for p in curve],
            }
            if twin.kind != "chip":
                out["chip_model_unavailable"] = "; ".join(twin.notes)
        emit_json(out)
        return 0
    if args.csv:
        emit_csv([{"set": "profile", **p.to_dict()} for p in profiles.values()]
                 + [{"set": "tuning curve", **p.to_dict()} for p in curve])
        return 0

    numbers: dict[str, int] = {}
    rows = []
    for f in _SPEC_FIELDS:
        value = getattr(model, f)
        flags = [x for x, on in (("unverified", f in model.unverified), ("undated", f in model.undated),
                                 ("derived", f in model.derived)) if on]
        refs = [numbers.setdefault(s, len(numbers) + 1) for s in model.sources_for(f)]
        rows.append({"field": f, "value": value, "flag": ", ".join(flags) or None,
                     "sources": " ".join(f"[{n}]" for n in refs) or None})
    rows.insert(_SPEC_FIELDS.index("chips_in_system") + 1,
                {"field": "chips_total", "value": model.to_dict().get("chips_total"), "flag": None, "sources": None})
    if model.price_usd is not None:
        rows.append({"field": "price_date", "value": model.price_date, "flag": None, "sources": None})
    print_table(f"{model.maker} {model.name}  [{model.key}]", ["field", "value", "flag", "sources"], rows,
                caption=f"catalog: {model.origin}; undated = every source of the figure is undated")
    con = console()
    for src, n in numbers.items():
        con.print(f"[{n}] {src}", markup=False)
    if model.assembly_note:
        con.print(f"assembly: {model.assembly_note}", markup=False)
    for period in model.assembly_history:
        span = f"{period.start or '…'} to {period.end or 'now'}"
        plant = f", {period.plant}" if period.plant else ""
        con.print(f"  assembled in {period.country} ({span}{plant}): {period.note or ''}", markup=False)
    if model.notes:
        con.print(f"notes: {model.notes}", markup=False)
    if twin is None:
        con.print(f"twin: unavailable ({twin_reason})", markup=False)
        return 0
    d = twin.describe()
    check = twin.nameplate_check()
    if twin.kind == "chip":
        con.print(
            f"twin: chip-level, {d['chips_total']} x {d['chip']} ({d['chips_per_board']} per board x {d['boards']} "
            f"boards), {d['small_cores']} small cores per chip, {d['cooling']}; normal clock "
            f"{d['normal_clock_mhz']:.1f} MHz ({twin.clock_basis})", markup=False)
    else:
        con.print(f"twin: NAMEPLATE-LEVEL (no chip data; stand-in die, clock {d['normal_clock_mhz']:.1f} MHz is not "
                  f"a real chip clock): {'; '.join(twin.notes)}", markup=False)
    con.print(f"nameplate check: {check.text()}", markup=False)
    for note in twin.notes if twin.kind == "chip" else ():
        con.print(f"note: {note}", markup=False)
    split = d["power_split_at_nameplate_w"]
    con.print(f"power at nameplate: control {split['control']:.0f} W + fans {split['fans']:.0f} W + chips dynamic "
              f"{split['chips_dynamic']:.0f} W + leakage {split['chips_leakage']:.0f} W (chip {d['reference_chip_temp_c']:.0f} °C)",
              markup=False)
    print_table("Coefficients of the twin", ["name", "value", "unit", "basis", "date", "source"],
                [{"name": c["name"], "value": c["value"], "unit": c["unit"],
                  "basis": "ASSUMPTION" if c["basis"] == "assumed" else c["basis"], "date": c["date"],
                  "source": c["source"]} for c in d["coefficients"]],
                caption=f"{len(d['assumptions'])} assumption(s): no source gives them (data/twin.toml; docs/hardware.md)",
                prose=("value", "unit", "source"))
    # every other figure of the twin under its JSON name (describe(): nested ones as outer.inner)
    print_fields(f"Twin figures at {args.ambient:g} °C, {args.failed_boards} failed board(s)",
                 [(k, v) for k, v in _flat(d).items() if k not in ("coefficients", "assumptions", "notes")]
                 + [("ambient_c", args.ambient), ("failed_boards", args.failed_boards)])
    in_curve = [p.to_dict() for p in curve]
    named = [{**p.to_dict(), "profile": name} for name, p in profiles.items() if p.to_dict() not in in_curve]
    if named:  # the named profiles the tuning curve below does not hold
        print_table("Operating points", _POINT_COLUMNS, named)
    cols = _POINT_COLUMNS
    pts = [p.to_dict() for p in curve]
    if "power target" in profiles:
        pts.append(profiles["power target"].to_dict())
    print_table(
        f"Tuning curve at {args.ambient:g} °C, {args.failed_boards} failed board(s)",
        cols,
        pts,
        caption="P = control + fans(T) + dynamic·(V/Vn)²·(f/fn) + leakage·(V/Vn)·2^((Tchip-Tref)/Td); V/f from LuxOS "
        f"preset steps; heat thresholds: derate above {d['derate_above_c']:g} °C, off above {d['shutdown_above_c']:g} °C"
        + ("" if twin.kind == "chip" else "; NAMEPLATE-LEVEL twin: clock and V are stand-ins"),
    )
    return 0


def _flat(d: dict, prefix: str = "") -> dict:
    """``d`` with nested dicts as ``outer.inner`` keys and lists of numbers joined by ``" – "``."""
    out: dict = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flat(v, f"{prefix}{k}."))
        elif isinstance(v, (list, tuple)) and all(isinstance(x, (int, float)) for x in v):
            out[f"{prefix}{k}"] = " – ".join(format_number(x) for x in v) or None
        else:
            out[f"{prefix}{k}"] = v
    return out


def format_number(x) -> str:
    from ..output import format_value

    return format_value(x)
