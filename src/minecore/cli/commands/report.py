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
  minecore report --full                              # every section (default: the briefing and its support)
  minecore report --sections briefing,risk            # chosen sections, always in the report's order
  minecore report --emulate                           # add emulated throughput and this CPU's kernel speed

Manual: docs/report.md (sections, formats, JSON); scenario keys: docs/scenario.md (examples in examples/).
Limits (docs/cli.md): --paths <= 1,000,000 and the Monte Carlo memory budget, --emulate-seconds <= 3600,
file names <= 255 bytes. --output is written whole or not at all (the previous file is kept on failure).
Exit status: 0 ok (also when a pipe reader stops early), 2 bad input (bad scenario file, unknown model, a limit,
a bad MINECORE_BACKEND with --emulate...), 3 the output could not be written, 130 interrupted."""


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
    fmt = p.add_mutually_exclusive_group()  # --json and --csv: the short forms every table command has
    fmt.add_argument("--format", "-f", choices=("table", "json", "csv", "html"), default="table",
                     help="output format (default: table)")
    fmt.add_argument("--json", dest="format", action="store_const", const="json", help="= --format json")
    fmt.add_argument("--csv", dest="format", action="store_const", const="csv", help="= --format csv")
    p.add_argument("--output", "-o", metavar="PATH", help="write to PATH instead of stdout")
    p.add_argument("--emulate", action="store_true",
                   help="also emulate each model on this CPU (compiles/loads the hashing kernel)")
    from ..argtypes import positive_number

    p.add_argument("--emulate-seconds", type=positive_number, default=0.3, metavar="S",
                   help="CPU seconds of hashing per model with --emulate (default 0.3, at most 3600)")
    p.add_argument("--seed", type=int, default=None, help="Monte Carlo seed (default: the scenario's)")
    p.add_argument("--paths", type=int, default=None,
                   help="Monte Carlo paths, at most 1,000,000; 0 switches it off (default: the scenario's)")
    p.add_argument("--catalog", metavar="PATH", help="extra hardware catalog TOML (adds or overrides models)")
    from ...reports.sections import DEFAULT, ORDER

    which = p.add_mutually_exclusive_group()
    which.add_argument("--sections", metavar="KEY,...",
                       help=f"sections to print (table and html), in the report's order: {', '.join(ORDER)}, or all "
                            f"(table default: {', '.join(DEFAULT)}; html default: all)")
    which.add_argument("--full", action="store_true", help="print every section (table; html always has them all)")
    return p


def run(args) -> int:
    import sys

    from ...reports import build_report, default_scenario, load_scenario, render
    from ...reports.scenario import with_monte_carlo
    from ..progress import progress_bar

    sections = _sections(args)
    _check_before_work(args)
    catalog = None
    if args.catalog:
        from ...hardware import load_catalog

        catalog = load_catalog(args.catalog)
    scenario = load_scenario(args.scenario, catalog=catalog) if args.scenario else default_scenario(catalog=catalog)
    scenario = with_monte_carlo(scenario, paths=args.paths, seed=args.seed)
    report = build_report(scenario, catalog=catalog, emulate=args.emulate, emulate_seconds=args.emulate_seconds,
                          progress=lambda description, total: progress_bar(total, description))

    if args.format == "table" and args.output is None:
        from ...reports.render_table import render_table
        from ..output import console

        render_table(report, console(), sections=sections)
        return 0
    text = _render(report, args.format, sections)
    if args.output is None:
        sys.stdout.write(text)
        return 0
    from ..files import write_atomic

    size = write_atomic(args.output, text, option="--output")  # complete or not at all: OutputError, exit 3
    print(f"wrote {args.output} ({size:,} bytes, {args.format})", file=sys.stderr)
    return 0


#: longest emulation per model with --emulate [s] (docs/cli.md, "Limits")
MAX_EMULATE_SECONDS = 3600.0


def _check_before_work(args) -> None:
    """Every option that sizes the work or names a file, checked before anything is loaded or computed: path
    lengths, the --output directory, --emulate-seconds (finite, at most :data:`MAX_EMULATE_SECONDS`) and, with
    --emulate, the backend settings (a bad MINECORE_BACKEND or MINECORE_NATIVE_IMPL is an error, exit 2)."""
    from ...validate import positive
    from ..files import check_output_path, check_path

    if args.scenario:
        check_path("SCENARIO.toml", args.scenario)
    if args.catalog:
        check_path("--catalog", args.catalog)
    if args.output is not None:
        check_output_path("--output", args.output)
    positive("--emulate-seconds", args.emulate_seconds, hi=MAX_EMULATE_SECONDS)
    if args.emulate:
        from ...reports.emulate import check_backend_settings

        check_backend_settings()


def _sections(args) -> tuple[str, ...] | None:
    """The sections ``--sections``/``--full`` ask for (None: the format's default); checked before any work."""
    from ...reports.sections import parse_sections

    spec, full = getattr(args, "sections", None), getattr(args, "full", False)
    if spec is not None and args.format in ("json", "csv"):
        from ...errors import InvalidInputError

        raise InvalidInputError(f"--sections applies to the table and html formats; {args.format} always holds the "
                                "whole report")
    if spec is None and not full:
        return None
    return parse_sections(spec, full=full)


def _render(report, fmt: str, sections):
    from ...reports import render

    if sections is not None and fmt == "table":
        from ...reports.render_table import render_text

        return render_text(report, sections=sections)
    if sections is not None and fmt == "html":
        from ...reports.render_html import render_html

        return render_html(report, sections=sections)
    return render(report, fmt)
