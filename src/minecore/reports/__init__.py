"""Reports: scenario files, the report data model built from the economics, and its renderers.

>>> from minecore.reports import default_scenario, build_report, render  # doctest: +SKIP
>>> report = build_report(default_scenario())                              # doctest: +SKIP
>>> print(render(report, "json"))                                          # doctest: +SKIP

Light at import: numpy, rich and matplotlib load only inside the functions that need them.
"""

from __future__ import annotations

from .model import SCHEMA_VERSION, Report
from .scenario import Scenario, default_scenario, load_scenario, parse_scenario

FORMATS = ("table", "json", "csv", "html")


def build_report(scenario, **kwargs):
    """See :func:`minecore.reports.build.build_report`."""
    from .build import build_report as _build

    return _build(scenario, **kwargs)


def render(report: Report, fmt: str, *, width: int = 100, color: bool = False) -> str:
    """Render ``report`` as text in one of :data:`FORMATS`."""
    if fmt == "json":
        from .render_json import render_json

        return render_json(report)
    if fmt == "csv":
        from .render_csv import render_csv

        return render_csv(report)
    if fmt == "html":
        from .render_html import render_html

        return render_html(report)
    if fmt == "table":
        from .render_table import render_text

        return render_text(report, width=width, color=color)
    from ..errors import InvalidInputError

    raise InvalidInputError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")


__all__ = ["FORMATS", "SCHEMA_VERSION", "Report", "Scenario", "build_report", "default_scenario", "load_scenario",
           "parse_scenario", "render"]
