"""The report's sections, in the one order the table and the HTML renderers share.

The first section is the briefing: for each lot the decision, its expected NPV and lead, P(win), what would flip
it and the hold cost so far, with the assumptions that drive it. The rest follow from the decision to its
support; inputs, models and unit prices go last. ``minecore report`` prints :data:`DEFAULT` as a table
(``--full``: every section; ``--sections a,b``: those, still in this order); the HTML page has every section.
Sections without content in a report (no site power cap, no ``--emulate``) are left out.

>>> parse_sections("risk, briefing")
('briefing', 'risk')
>>> parse_sections("all") == ORDER
True
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    """One section: ``key`` (what ``--sections`` takes), its heading and what it holds."""

    key: str
    title: str
    holds: str


SECTIONS: tuple[Section, ...] = (
    Section("briefing", "Briefing",
            "per lot: the decision, expected NPV and lead, P(win), what flips it, the hold cost; the key assumptions"),
    Section("warnings", "Check before relying on it", "catalog figures from a single secondary source, tariff notes"),
    Section("plan", "Joint plan under the site power cap", "the best plans for the site (only with a power cap)"),
    Section("hold", "Cost of the hold so far", "per lot: holding fees, legal costs, lost margin, difficulty drift"),
    Section("strategies", "Strategies", "per lot: every strategy by expected NPV; resale and salvage per unit"),
    Section("risk", "Risk (Monte Carlo)", "per lot: P5/P50/P95, CVaR 5 %, mean NPV, P(win), P(payback)"),
    Section("sensitivity", "Sensitivity and what flips it",
            "per lot: one input at a time, and each input's threshold that changes the winner"),
    Section("options", "Options", "per lot: each way to get hashrate: hardware, capex, margin, NPV, ROI, IRR"),
    Section("dispatch", "Site dispatch", "which machines run under the site power cap (only with a fleet or cap)"),
    Section("emulation", "Emulation on this machine", "emulated TH/s per model (only with --emulate)"),
    Section("inputs", "Inputs and their sources", "the scenario, network snapshot and site figures with sources"),
    Section("models", "Models", "each model used: TH/s, W, J/TH, origin and tariff, unverified figures"),
    Section("prices", "Unit prices and where they come from", "each model's price and its basis"),
)

ORDER: tuple[str, ...] = tuple(s.key for s in SECTIONS)
TITLES: dict[str, str] = {s.key: s.title for s in SECTIONS}
#: what ``minecore report`` prints as a table without ``--sections``/``--full``: the decision and its support
DEFAULT: tuple[str, ...] = ("briefing", "warnings", "plan", "hold", "strategies", "risk", "sensitivity", "dispatch",
                            "emulation")


def parse_sections(spec: str | None, *, full: bool = False) -> tuple[str, ...]:
    """Section keys from a ``--sections`` value (comma-separated keys, or ``all``), in :data:`ORDER`.

    None gives :data:`DEFAULT` (every section with ``full``). An unknown key raises
    :class:`~minecore.errors.InvalidInputError` naming the valid ones.
    """
    if spec is None:
        return ORDER if full else DEFAULT
    asked = [k.strip().lower() for k in spec.split(",") if k.strip()]
    if not asked:
        from ..errors import InvalidInputError

        raise InvalidInputError(f"--sections: give one or more of {', '.join(ORDER)} (comma-separated) or 'all'")
    if "all" in asked:
        return ORDER
    unknown = [k for k in asked if k not in TITLES]
    if unknown:
        from ..errors import InvalidInputError

        raise InvalidInputError(f"--sections: unknown section {', '.join(repr(k) for k in unknown)}; "
                                f"choose from {', '.join(ORDER)} or 'all'")
    return tuple(k for k in ORDER if k in asked)


def joint_plan_sentence(jp) -> str:
    """The joint plan's verdict in words (plain text; each renderer escapes it): its value, what the cap displaces,
    and how it compares with the lots' own winners. ``jp`` is a :class:`~minecore.reports.model.JointPlan`."""
    from . import fmt

    text = (f"Joint plan for the site under the {fmt.number(jp.site_cap_mw, 2)} MW cap (the lots and the fleet "
            f"dispatched together): {fmt.usd(jp.best.expected_npv_usd)} expected NPV, after "
            f"{fmt.usd(jp.best.displaced_margin_usd)} of margin the cap displaces.")
    if jp.differs_from_per_lot:
        w = jp.per_lot_winners
        return text + (f" The per-lot winners ({', '.join(w.strategies)}) would be worth "
                       f"{fmt.usd(w.expected_npv_usd)}: they displace {fmt.usd(w.displaced_margin_usd)}.")
    return text + " It is the per-lot winners: the cap changes no lot's choice."
