"""``minecore fleet import FILE``: a fleet's pyasic telemetry against its twins, a power-model calibration per model,
and a fleet file that ``[[fleet]] from_telemetry = "fleet.json"`` puts into the economics."""

from __future__ import annotations

import argparse


def add_parser(subparsers):
    p = subparsers.add_parser(
        "fleet",
        help="fleet telemetry (pyasic): health against the twin, power-model calibration, fleet file",
        description="Read telemetry exported by pyasic (MinerData as JSON, JSON Lines or CSV with a header row), "
        "compare each machine with its twin at its own inlet temperature (hashrate and efficiency in percent, "
        "boards and chips missing), fit each model's power (static, dynamic and heat response) and write a fleet "
        "file whose measured TH/s and W a scenario can use: [[fleet]] from_telemetry = \"fleet.json\".",
        epilog="examples:\n  minecore fleet import telemetry.json\n"
        "  minecore fleet import telemetry.csv --out site_a_fleet.json --json\n"
        "collect telemetry with pyasic (pip install 'minecore[telemetry]'):\n"
        "  data = await pyasic.get_miner(ip).get_data();  json.dump([d.as_dict() for d in datas], f, default=str)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="fleet_command", metavar="ACTION")
    imp = sub.add_parser("import", help="read telemetry, print the health table, write a fleet file",
                         description="Read pyasic telemetry, print the health and calibration tables, write a fleet file.")
    imp.add_argument("file", metavar="FILE", help="pyasic MinerData export: JSON, JSON Lines or CSV")
    imp.add_argument("--out", metavar="PATH", default="fleet.json", help="fleet file to write (default fleet.json)")
    imp.add_argument("--catalog", metavar="PATH", help="TOML file that adds or overrides models")
    imp.add_argument("--rows", type=int, default=50, metavar="N", help="machines to list in the table (default 50)")
    imp.add_argument("--json", action="store_true", help="print JSON (the fleet file's content)")
    return p


def run(args) -> int:
    from ...errors import UsageError
    from ...hardware import load_catalog
    from ...hardware.telemetry import calibrate, fleet_file_dict, fleet_health, load_telemetry, write_fleet_file
    from ..output import console, emit_json
    from ..tables import print_table

    if args.fleet_command != "import":
        raise UsageError("minecore fleet: give an action: import FILE")
    catalog = load_catalog(args.catalog) if args.catalog else None
    records = load_telemetry(args.file, catalog)
    health = fleet_health(records, catalog)
    cal = calibrate(records, catalog)
    content = fleet_file_dict(records, health, cal, args.file)
    path = write_fleet_file(args.out, content)
    if args.json:
        emit_json({**content, "fleet_file": str(path)})
        return 0
    rows = [h.__dict__ for h in health]
    bad = [r for r in rows if r["status"] != "ok"]
    shown = (bad + [r for r in rows if r["status"] == "ok"])[: max(0, args.rows)]
    print_table(f"Fleet health: {len(rows)} machines, {len(bad)} not ok (first {len(shown)}, problems first)",
                [("ip", "ip"), ("model", "model"), ("twin", "twin"), ("inlet_c", "inlet °C"),
                 ("measured_ths", "TH/s"), ("twin_ths", "twin TH/s"), ("hashrate_pct", "hash %"),
                 ("measured_w", "W"), ("efficiency_pct", "eff %"), ("boards_missing", "boards missing"),
                 ("chips_missing", "chips missing"), ("status", "status")], shown,
                caption="hash % = measured / twin with every board at the machine's inlet; eff % = twin J/TH at the "
                        "boards found / measured J/TH; critical below 65 % (A1466 firmware threshold)")
    print_table("Power model per model: fit of the measured wall power vs the twin",
                [("model", "model"), ("machines", "machines"), ("static_w", "static W"), ("twin_static_w", "twin"),
                 ("dynamic_w", "dynamic W"), ("twin_dynamic_w", "twin"), ("heat_w_per_c", "heat W/°C"),
                 ("twin_heat_w_per_c", "twin"), ("rmse_w", "rmse W"), ("r2", "R²"), ("note", "note")],
                [c.__dict__ for c in cal],
                caption="W = static + dynamic·(H/H_twin) + heat·(T_chip - T_ref)·(H/H_twin), least squares")
    print_table("Fleet file models (measured means over the machines that hash)",
                ["name", "units_total", "units_hashing", "hashrate_ths", "power_w", "basis"], content["models"])
    console().print(f"fleet file written: {path}  (scenario: [[fleet]] from_telemetry = \"{path}\")", markup=False)
    return 0
