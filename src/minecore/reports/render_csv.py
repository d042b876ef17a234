"""CSV rendering: one tidy table, one figure per line.

Columns: ``section, item, metric, value, unit, text``. ``section`` is one of ``report``, ``inputs``,
``models``, ``plan``, ``hold_cost``, ``break_even``, ``lots``, ``options``, ``strategies``,
``recommendation``, ``sensitivity``, ``monte_carlo``, ``dispatch``, ``emulation``, ``warnings``; ``item`` names the row
inside the section (``LOT/option name``, ``LOT/strategy key``...); ``metric`` is
the JSON key; ``unit`` is read from the key's suffix. A figure is in ``value`` when it is a number and in ``text``
when it is text or a flag (``true``/``false``); the other cell is empty, and both are for a missing figure (JSON
``null``). So ``value`` holds only numbers and a pivot of it is numeric. Load and pivot it with pandas::

    df = pd.read_csv("report.csv")
    options = df[df.section == "options"].pivot(index="item", columns="metric", values="value")  # float64
    labels = df[df.section == "options"].pivot(index="item", columns="metric", values="text")    # text

:meth:`minecore.reports.Report.to_dataframe` gives the same rows as a frame without the CSV round trip.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from . import model as _m
from .render_json import report_to_dict

COLUMNS = ("section", "item", "metric", "value", "unit", "text")

#: key suffix -> unit, longest first
_SUFFIX_UNITS = (
    ("_usd_per_kwh", "USD/kWh"),
    ("_usd_per_unit_day", "USD/unit/day"),
    ("_hashes_per_s", "H/s"),
    ("_j_per_th", "J/TH"),
    ("_per_year", "1/year"),
    ("_per_month", "1/month"),
    ("_usd", "USD"),
    ("_ths", "TH/s"),
    ("_mw", "MW"),
    ("_w", "W"),
    ("_days", "days"),
    ("_s", "s"),
    ("_rate", "decimal"),
)


def unit_of(metric: str) -> str:
    """Unit implied by a key's suffix (``npv_usd`` -> ``USD``), ``""`` when it has none."""
    if metric.startswith("p_") or metric in {"roi", "pool_fee", "availability", "hashrate_efficiency"}:
        return "probability" if metric.startswith("p_") else "decimal"
    if metric.startswith("days_"):
        return "days"
    for suffix, unit in _SUFFIX_UNITS:
        if metric.endswith(suffix) or metric == suffix[1:]:
            return unit
    return ""


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _rows_of(section: str, item: str, record: dict[str, Any]) -> Iterator[tuple]:
    for key, value in record.items():
        if _scalar(value):
            yield (section, item, key, value, unit_of(key))


def tidy_rows(report: _m.Report) -> list[tuple]:
    """All figures of the report as ``(section, item, metric, value, unit)`` tuples."""
    d = report_to_dict(report)
    rows: list[tuple] = [("report", "report", "schema_version", d["schema_version"], ""),
                         ("report", "report", "title", d["title"], "")]
    inputs = d["inputs"]
    rows += _rows_of("inputs", "scenario", {k: v for k, v in inputs.items() if _scalar(v)})
    for fig in inputs["network"] + inputs["site"]:
        rows.append(("inputs", fig["name"], "value", fig["value"], fig["unit"]))
        rows.append(("inputs", fig["name"], "source", fig["source"], ""))
        rows.append(("inputs", fig["name"], "unverified", fig["unverified"], ""))
    for m in inputs["models"]:
        rows += _rows_of("models", m["name"], m)
        rows.append(("models", m["name"], "unverified_fields", ";".join(m["unverified_fields"]), ""))
    for p in d["plan"]:
        rows += _rows_of("plan", p["lot"], p)
    rows.append(("plan", "total", "plan_expected_npv_usd", d["plan_expected_npv_usd"], "USD"))
    jp = d.get("joint_plan")
    if jp is None:
        rows.append(("plan", "total", "note", "the lots' winners; no site power cap: the lots do not compete for power",
                     ""))
    else:
        rows.append(("plan", "total", "note", "the best joint plan: lots and fleet dispatched together under the cap",
                     ""))
        rows.append(("plan", "total", "displaced_margin_usd", jp["best"]["displaced_margin_usd"], "USD"))
        rows.append(("plan", "per_lot_winners", "plan_expected_npv_usd", jp["per_lot_winners"]["expected_npv_usd"],
                     "USD"))
    rows.append(("hold_cost", "total", "hold_cost_total_usd", d["hold_cost_total_usd"], "USD"))
    for b in d["break_even"]:
        rows += _rows_of("break_even", b["model"], b)
    for lot in d["lots"]:
        name = lot["lot"]
        rows += _rows_of("lots", name, lot)
        rows += _rows_of("hold_cost", name, lot["hold_cost"])
        for o in lot["options"]:
            rows += _rows_of("options", f"{name}/{o['name']}", o)
        for s in lot["strategies"]:
            rows += _rows_of("strategies", f"{name}/{s['key']}", s)
        rows += _rows_of("recommendation", name, lot["recommendation"])
        for s in lot["sensitivity"]:
            rows += _rows_of("sensitivity", f"{name}/{s['variable']}", s)
        mc = lot["monte_carlo"]
        if mc is not None:
            rows += _rows_of("monte_carlo", f"{name}/settings", mc)
            for fig in mc["model"]:
                rows.append(("monte_carlo", f"{name}/settings", fig["name"], fig["value"], fig["unit"]))
            for r in mc["rows"]:
                rows += _rows_of("monte_carlo", f"{name}/{r['strategy_key']}", r)
    dp = d["dispatch"]
    if dp is not None:
        rows += _rows_of("dispatch", "site", dp)
        for r in dp["rows"]:
            rows += _rows_of("dispatch", r["label"] if r["label"] != "fleet" else f"fleet/{r['model']}", r)
    em = d["emulation"]
    if em is not None:
        rows += _rows_of("emulation", "machine", em)
        for r in em["rows"]:
            rows += _rows_of("emulation", r["model"], r)
    for i, w in enumerate(d["warnings"]):
        rows.append(("warnings", str(i + 1), "warning", w, ""))
    return rows


def value_and_text(value: Any) -> tuple[int | float | None, str | None]:
    """The ``value`` and ``text`` cells of one figure: a number goes to ``value``, a text or a flag to ``text``
    (flags as ``true``/``false``), a missing figure (None) to neither.

    >>> value_and_text(2.5), value_and_text("catalog"), value_and_text(True), value_and_text(None)
    ((2.5, None), (None, 'catalog'), (None, 'true'), (None, None))
    """
    if value is None:
        return None, None
    if isinstance(value, bool):
        return None, "true" if value else "false"
    if isinstance(value, (int, float)):
        return value, None
    return None, str(value)


def render_csv(report: _m.Report) -> str:
    """CSV text with a header line (``section,item,metric,value,unit,text``): numbers in ``value``, text and flags
    in ``text`` (:func:`value_and_text`), so the ``value`` column reads back as numbers.

    Safe to open in a spreadsheet: a text cell that begins with ``=``, ``+``, ``-`` or ``@`` (a lot named
    ``=HYPERLINK(...)``) gets a leading ``'`` (OWASP's rule, :func:`minecore.reports.fmt.csv_cell`), while numbers,
    negative ones included, stay numbers."""
    from .fmt import csv_cell

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for section, item, metric, figure, unit in tidy_rows(report):
        number, text = value_and_text(figure)
        writer.writerow([csv_cell(v) for v in (section, item, metric, number, unit, text)])
    return buf.getvalue()
