"""``minecore report``: the main job. Seized versus replacement, as tables, JSON, CSV or an HTML page."""

from __future__ import annotations

_EPILOG = """\
examples:
  minecore report                                     # built-in default scenario, tables
  minecore report examples/small-hosting.toml         # your own scenario file
  minecore report --format json --output report.json  # stable JSON (schema_version, units in keys)
  minecore report --format csv | head                 # tidy CSV: section,item,metric,value,unit
  minecore report --format html --output docs/sample-report.html
  minecore report --paths 5000 --seed 7               # more Monte Carlo paths, another seed
  minecore report --emulate                           # add emulated throughput and this CPU's kernel speed

Scenario schema: README.md, "Scenario files" (examples in examples/).
Exit status: 0 ok, 2 bad input (bad scenario file, unknown model...), 130 interrupted."""


def add_parser(subparsers):
    p = subparsers.add_parser(
        "report",
        help="seized vs replacement report: tables, JSON, CSV or HTML with charts",
        description="Compute the whole seized-versus-replacement report for a scenario (default: the built-in "
        "one): inputs and their sources, each option's economics, the cost of the hold so far, the "
        "recommended strategy, sensitivity and a Monte Carlo summary.",
        epilog=_EPILOG,
    )
    p.add_argument("scenario", nargs="?", metavar="SCENARIO.toml", help="scenario file (default: built-in default)")
    p.add_argument("--format", "-f", choices=("table", "json", "csv", "html"), default="table",
                   help="output format (default: table)")
    p.add_argument("--output", "-o", metavar="PATH", help="write to PATH instead of stdout")
    p.add_argument("--emulate", action="store_true",
                   help="also emulate each model on this CPU (compiles/loads the hashing kernel)")
    p.add_argument("--emulate-seconds", type=float, default=0.3, metavar="S",
                   help="CPU seconds of hashing per model with --emulate (default 0.3)")
    p.add_argument("--seed", type=int, default=None, help="Monte Carlo seed (default: the scenario's)")
    p.add_argument("--paths", type=int, default=None, help="Monte Carlo paths; 0 switches it off (default: the scenario's)")
    p.add_argument("--catalog", metavar="PATH", help="extra hardware catalog TOML (adds or overrides models)")
    return p


def run(args) -> int:
    import sys

    from ...reports import build_report, default_scenario, load_scenario, render
    from ...reports.scenario import with_monte_carlo
    from ..progress import progress_bar

    catalog = None
    if args.catalog:
        from ...hardware import load_catalog

        catalog = load_catalog(args.catalog)
    scenario = load_scenario(args.scenario, catalog=catalog) if args.scenario else default_scenario(catalog=catalog)
    scenario = with_monte_carlo(scenario, paths=args.paths, seed=args.seed)
    from ...validate import positive

    positive("--emulate-seconds", args.emulate_seconds, hi=3600.0)
    report = build_report(scenario, catalog=catalog, emulate=args.emulate, emulate_seconds=args.emulate_seconds,
                          progress=lambda description, total: progress_bar(total, description))

    if args.format == "table" and args.output is None:
        from ...reports.render_table import render_table
        from ..output import console

        render_table(report, console())
        return 0
    text = render(report, args.format)
    if args.output is None:
        sys.stdout.write(text)
        return 0
    from pathlib import Path

    from ...errors import InvalidInputError

    out = Path(args.output)
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InvalidInputError(f"--output {out}: cannot write ({exc.strerror})") from None
    print(f"wrote {out} ({len(text.encode('utf-8')):,} bytes, {args.format})", file=sys.stderr)
    return 0
