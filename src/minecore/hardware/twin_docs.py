"""Generated parts of ``docs/hardware.md``: the nameplate-check table per model and the coefficient table.

``python -c "from minecore.hardware.twin_docs import generated_markdown; print(generated_markdown())"`` prints them;
a test keeps the manual equal to this output, so the table can never claim a check the code does not make.
"""

from __future__ import annotations

from minecore.hardware.catalog import default_catalog
from minecore.hardware.chip_model import ChipDataUnavailableError, coefficients, twin_for

__all__ = ["BEGIN", "END", "coefficient_table", "generated_markdown", "nameplate_table"]

BEGIN = "<!-- BEGIN GENERATED: minecore.hardware.twin_docs -->"
END = "<!-- END GENERATED -->"


def nameplate_table() -> str:
    """Markdown: every catalog model, its twin, its normal clock and whether the nameplate check is independent."""
    rows = ["| model | twin | chips | normal clock [MHz] | clock basis | twin TH/s | nameplate TH/s | nameplate check |",
            "|---|---|---|---|---|---|---|---|"]
    for m in default_catalog():
        try:
            t = twin_for(m)
        except ChipDataUnavailableError:
            rows.append(f"| {m.name} | none (no nameplate in the sources) | | | | | | |")
            continue
        c = t.nameplate_check()
        chips = f"{t.chips_total} x {t.chip.name}" if t.kind == "chip" else "stand-in die"
        basis = "measured" if c.independent else "calibrated to nameplate"
        clock = f"{t.normal_clock_mhz:.1f}" if t.kind == "chip" else "stand-in"
        check = (f"{c.error:+.2%} ({'within' if c.within else 'OUTSIDE'} ±{c.tolerance:.0%})" if c.independent
                 else "not independent")
        rows.append(f"| {m.name} | {t.kind} | {chips} | {clock} | {basis} | {c.twin_ths:.1f} | "
                    f"{c.nameplate_ths:g} | {check} |")
    return "\n".join(rows)


def coefficient_table() -> str:
    """Markdown: every coefficient of ``data/twin.toml`` with its basis, date and source."""
    rows = ["| coefficient | value | unit | basis | date | source or reason |", "|---|---|---|---|---|---|"]
    for c in coefficients().values():
        basis = "**ASSUMPTION**" if c.assumed else c.basis
        src = c.source.replace("|", "/")
        rows.append(f"| `{c.name}` | {c.value} | {c.unit} | {basis} | {c.date} | {src} |")
    return "\n".join(rows)


def generated_markdown() -> str:
    """The generated block of ``docs/hardware.md`` (between :data:`BEGIN` and :data:`END`)."""
    return "\n".join([BEGIN, "", "### Nameplate check per model", "", nameplate_table(), "",
                      "### Coefficients of the twin", "", coefficient_table(), "", END])
