"""The report data model: one frozen tree that every renderer (table, JSON, CSV, HTML) reads.

Nothing here computes money. The builder (:mod:`minecore.reports.build`) copies figures out of the
economics and emulator results into these records; renderers only format them. Names carry units
(``_usd``, ``_ths``, ``_mw``, ``_j_per_th``, ``_usd_per_kwh``, ``_days``); fractions are decimals
(0.02 = 2 %).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from ..economics.spec import PRICE_BASES  # where a unit price comes from (price_basis)

#: Version of the JSON document :func:`minecore.reports.render_json.report_to_dict` writes.
#: Bump the major number when a key is renamed or removed, the minor when one is added.
#: 1.1 added ``dispatch``; 1.2 added ``price_basis``/``price_unverified`` (models) and
#: ``price_basis``/``price_source``/``price_unverified`` (options); 1.3 added to each sensitivity row the winner,
#: runner-up, winner's NPV and margin at low/base/high and the base winner's lead at low/high.
#: 2.0 renamed keys to the economics' vocabulary (docs/glossary.md): top-level ``breakeven`` -> ``break_even``;
#: ``breakeven_power_usd_per_kwh`` ->
#: ``break_even_power_price_usd_per_kwh`` (options, break_even, dispatch rows), ``payback_days`` -> ``payback_day``
#: (options, strategies), hold cost ``lost_margin_usd`` -> ``lost_margin_at_analysis_date_usd`` (the old key held
#: that quantity under the name of a different one); the site inputs list ``availability`` and
#: ``hashrate_efficiency`` instead of ``uptime``. 2.1 added ``salvage_usd`` to each cash series.
SCHEMA_VERSION = "2.1"



@dataclass(frozen=True)
class SourcedFigure:
    """One input figure with where it came from.

    name : what it is, e.g. ``"BTC price"``; value : the number (or text); unit : e.g. ``"USD/BTC"``;
    source : citation or ``"scenario file"``/``"default"``; unverified : the source flags it unverified.
    """

    name: str
    value: Any
    unit: str
    source: str
    unverified: bool = False


@dataclass(frozen=True)
class ModelInput:
    """A catalog model the report uses, with its provenance.

    hashrate_ths [TH/s], power_w [W], efficiency_j_per_th [J/TH], price_usd [USD/unit] (the price the
    scenario uses), tariff_rate [decimal] for ``origin_country`` on the analysis date.
    price_basis : one of :data:`PRICE_BASES`; price_source : where the price comes from, in words;
    price_unverified : economics flags the price unverified (``"price_usd"`` in ``MachineSpec.unverified``).
    """

    name: str
    maker: str
    hashrate_ths: float
    power_w: float
    efficiency_j_per_th: float
    origin_country: str
    restricted: bool
    customs_hold_exposed: bool
    price_usd: float | None
    price_source: str
    tariff_rate: float
    tariff_source: str
    unverified_fields: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    price_basis: str = "scenario_assumption"
    price_unverified: bool = False
    #: the operating point TH/s and W are at: "nameplate (catalog)", a twin's point (profile, inlet, boards), or
    #: "measured: ..." for a fleet from telemetry
    operating_point: str = "nameplate (catalog)"


@dataclass(frozen=True)
class ReportInputs:
    """What the report was computed from."""

    scenario_name: str
    scenario_source: str  # file path or "built-in default"
    analysis_date: str  # ISO date
    horizon_days: int
    discount_rate_per_year: float
    snapshot_name: str
    snapshot_date: str
    network: tuple[SourcedFigure, ...]
    site: tuple[SourcedFigure, ...]
    models: tuple[ModelInput, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class OptionRow:
    """One way to get hashrate (a seized lot redeployed, or a replacement purchase), whole-lot figures.

    kind : ``"seized"`` or ``"replacement"``; hashrate_ths [TH/s] and power_mw [MW] for all ``units``;
    capex_usd [USD] includes the tariff (zero for seized units already paid for);
    daily_margin_usd [USD/day] on day 0 after release/delivery; payback_day [days] or None = never;
    npv_usd [USD] over the horizon at the scenario discount rate; break_even_power_price_usd_per_kwh [USD/kWh];
    roi [decimal] undiscounted (margin + salvage - capex) / capex over the horizon; irr_per_year [decimal/year]
    rate at which the option's cash flows have zero NPV. Both None for seized rows (capex sunk); irr_per_year is
    also None where no such rate exists (no cash ever comes back). See
    :class:`minecore.economics.results.ResolvedOption`. unit_price_usd [USD/unit] comes from ``price_basis``
    (one of :data:`PRICE_BASES`) and ``price_source``; ``price_unverified`` as in :class:`ModelInput`.
    """

    name: str
    kind: str
    model: str
    units: int
    hashrate_ths: float
    power_mw: float
    efficiency_j_per_th: float
    unit_price_usd: float | None
    tariff_rate: float
    capex_usd: float
    daily_margin_usd: float
    payback_day: float | None
    npv_usd: float
    break_even_power_price_usd_per_kwh: float
    roi: float | None = None
    irr_per_year: float | None = None
    origin_country: str = ""
    start_day: int = 0
    price_basis: str = "scenario_assumption"
    price_source: str = ""
    price_unverified: bool = False
    salvage_usd_per_unit: float | None = None  #: net proceeds per unit sold at the horizon (valuation model)


@dataclass(frozen=True)
class HoldCostRow:
    """What the customs hold has cost one seized lot so far [USD]."""

    lot: str
    model: str
    units: int
    days_held: int
    holding_fees_usd: float
    legal_costs_usd: float
    lost_margin_at_analysis_date_usd: float
    difficulty_drift_usd: float
    total_usd: float


@dataclass(frozen=True)
class StrategyRow:
    """One strategy's expected outcome. expected_npv_usd [USD]; rank 1 = best."""

    key: str
    name: str
    description: str
    expected_npv_usd: float
    rank: int
    payback_day: float | None = None
    expected_npv_pre_tax_usd: float | None = None  #: before income tax (equal to expected_npv_usd without [tax])


@dataclass(frozen=True)
class Recommendation:
    """The winner, the runner-up and the gap between their expected NPVs [USD]."""

    strategy_key: str
    strategy_name: str
    expected_npv_usd: float
    runner_up_key: str | None
    runner_up_name: str | None
    margin_over_next_usd: float | None
    summary: str
    explanation: str = ""  #: why it wins, one sentence of the economics' figures (minecore.economics.explain)
    what_flips: str = ""  #: the nearest inputs that change the winner, with their thresholds (economics.flips)


@dataclass(frozen=True)
class SensitivityRow:
    """Winner and margin when one input moves to a low and a high value (others at base).

    base/low/high are in ``unit``; npv_*_usd [USD] are the base winner's expected NPV at each value;
    winner_* / runner_up_* are strategy names at each value; winner_npv_*_usd [USD] the winner's expected NPV there;
    margin_*_usd [USD] winner minus runner-up there (from the economics sensitivity table; margin_base_usd is
    the recommendation's margin); base_winner_lead_*_usd [USD] the base winner's NPV minus the best other
    strategy's NPV at that value: the margin while it still wins, negative once another strategy wins.
    """

    variable: str
    unit: str
    base_value: float
    low_value: float
    high_value: float
    npv_low_usd: float
    npv_base_usd: float
    npv_high_usd: float
    winner_low: str
    winner_high: str
    margin_low_usd: float
    margin_high_usd: float
    winner_base: str = ""
    runner_up_low: str | None = None
    runner_up_base: str | None = None
    runner_up_high: str | None = None
    winner_npv_low_usd: float = float("nan")
    winner_npv_high_usd: float = float("nan")
    margin_base_usd: float | None = None
    base_winner_lead_low_usd: float | None = None
    base_winner_lead_high_usd: float | None = None


@dataclass(frozen=True)
class MonteCarloRow:
    """NPV distribution of one strategy [USD] and its odds (decimals). p_payback None: not defined (the strategy has no
    cash flows, e.g. abandoning the lot); JSON null, ``n/a`` in the table and HTML."""

    strategy_key: str
    strategy_name: str
    npv_p5_usd: float
    npv_p50_usd: float
    npv_p95_usd: float
    npv_mean_usd: float
    p_win: float
    p_payback: float | None
    npv_cvar5_usd: float | None = None  #: mean NPV of the worst 5 % of paths


@dataclass(frozen=True)
class Histogram:
    """Counts of NPV [USD] per bin; ``edges_usd`` has one more entry than ``counts``."""

    strategy_key: str
    edges_usd: tuple[float, ...]
    counts: tuple[int, ...]


@dataclass(frozen=True)
class MonteCarloSummary:
    """Monte Carlo settings and results."""

    paths: int
    seed: int
    horizon_days: int
    model: tuple[SourcedFigure, ...]
    rows: tuple[MonteCarloRow, ...]
    histograms: tuple[Histogram, ...] = ()
    engine: str = ""
    elapsed_s: float | None = None
    ranking_note: str | None = None  #: set when the best strategy by P5 is not the best by expected NPV


@dataclass(frozen=True)
class CashSeries:
    """Cumulative net cash of one strategy [USD] on the given days [days from the analysis date] (expected, pre-tax,
    undiscounted, without the sale at the horizon); salvage_usd [USD]: the expected sale proceeds at the horizon
    (undiscounted), the final step of the cumulative cash chart."""

    strategy_key: str
    strategy_name: str
    days: tuple[int, ...]
    cumulative_cash_usd: tuple[float, ...]
    salvage_usd: float | None = None


@dataclass(frozen=True)
class EmulationRow:
    """Emulated throughput of one model on this machine.

    nameplate_ths [TH/s]; emulated_ths [TH/s] from the shares found; cpu_hashes_per_s [H/s] of this
    machine's kernel; scale_factor: one CPU core does 1/scale_factor of the model's chip.
    """

    model: str
    nameplate_ths: float
    emulated_ths: float | None
    shares_found: int
    shares_expected: float
    poisson_p_value: float | None
    cpu_hashes_per_s: float
    scale_factor: float | None
    backend: str
    note: str = ""


@dataclass(frozen=True)
class EmulationSummary:
    """Kernel speed of this machine and the emulated rows (``--emulate`` only)."""

    backend: str
    kernel_hashes_per_s: float
    seconds_per_model: float
    rows: tuple[EmulationRow, ...]


@dataclass(frozen=True)
class FlipRow:
    """One input's threshold at which the lot's winner changes (from :func:`minecore.economics.what_flips`).

    side : ``below`` or ``above`` the base value; threshold : in ``unit`` (None: the winner holds over the whole
    searched range, ``range_text``); new_winner : the strategy that wins past the threshold.
    """

    input: str
    label: str
    unit: str
    side: str
    base_value: float
    threshold: float | None
    threshold_text: str
    new_winner: str | None
    range_text: str


@dataclass(frozen=True)
class LotReport:
    """Everything about one seized lot's decision: its options, strategies, sensitivity and Monte Carlo.

    expected_release_day [days from the analysis date, given release within the horizon];
    release_within_horizon_probability and forfeiture_probability are decimals.
    """

    lot: str
    model: str
    units: int
    days_held: int
    expected_release_day: float | None
    release_within_horizon_probability: float
    forfeiture_probability: float
    hold_cost: HoldCostRow
    options: tuple[OptionRow, ...]
    strategies: tuple[StrategyRow, ...]
    recommendation: Recommendation
    sensitivity: tuple[SensitivityRow, ...]
    monte_carlo: MonteCarloSummary | None
    cash_series: tuple[CashSeries, ...] = ()
    flips: tuple[FlipRow, ...] = ()
    resale_usd_per_unit: float | None = None  #: net US sale proceeds per unit on the expected release day
    salvage_usd_per_unit: float | None = None  #: net proceeds per unit sold at the horizon
    resale_basis: str = ""  #: how resale and salvage were valued (a quote, or the valuation model's assumptions)
    after_tax: bool = False  #: strategy NPVs are after income tax (the scenario has a [tax] section)


@dataclass(frozen=True)
class PlanRow:
    """The recommended strategy for one lot and its expected NPV [USD]."""

    lot: str
    strategy_key: str
    strategy_name: str
    expected_npv_usd: float
    margin_over_next_usd: float | None


@dataclass(frozen=True)
class JointPlanRow:
    """One plan for the site (a strategy per lot), valued with the lots and the fleet under the power cap."""

    strategies: tuple[str, ...]  #: strategy names, one per lot in the report's lot order
    strategy_keys: tuple[str, ...]
    lot_npv_usd: tuple[float, ...]  #: each lot's own expected NPV under its strategy (as if uncapped)
    displaced_margin_usd: float  #: PV of the margin the cap takes away because of the plan's machines
    expected_npv_usd: float  #: sum of the lots' NPVs less the displaced margin


@dataclass(frozen=True)
class JointPlan:
    """Plans ranked under the site's power cap (from :func:`minecore.economics.plan.joint_plans`): the best, the
    next ones, and the plan the lot-by-lot winners make, for comparison."""

    site_cap_mw: float | None
    best: JointPlanRow
    others: tuple[JointPlanRow, ...]  #: the next best plans (up to four)
    per_lot_winners: JointPlanRow
    differs_from_per_lot: bool
    what_flips: str = ""  #: the nearest site-wide inputs that change the best plan (economics.flips.what_flips_plan)


@dataclass(frozen=True)
class BreakEvenRow:
    """Break-even (shutdown) power price of one model [USD/kWh] at the snapshot hashprice."""

    model: str
    kind: str
    break_even_power_price_usd_per_kwh: float


@dataclass(frozen=True)
class DispatchRow:
    """One group of machines under the site power cap, best break-even first.

    label : where the units come from (``fleet``, ``LOT: seized MODEL``, ``LOT: replacement OPTION``);
    units / units_on : owned and running under the cap; profitable : break-even above the power price;
    break_even_power_price_usd_per_kwh [USD/kWh]; power_mw_on [MW of facility power, wall x PUE];
    margin_usd_per_day [USD/day] of the running units at today's hashprice.
    """

    label: str
    model: str
    units: int
    units_on: int
    profitable: bool
    break_even_power_price_usd_per_kwh: float
    power_mw_on: float
    margin_usd_per_day: float


@dataclass(frozen=True)
class SiteDispatch:
    """Which machines run under the site power cap, from :func:`minecore.economics.fleet.dispatch_under_cap`.

    The site holds the scenario's ``[[fleet]]`` plus, per lot, the machines its recommended strategy keeps or
    buys (after release and delivery), valued at today's hashprice. site_cap_mw [MW] (None = no cap);
    power_mw_on [MW] running; uncapped_power_mw [MW] every profitable unit would draw;
    cost_of_cap_usd_per_day [USD/day] = margin of every profitable unit minus margin under the cap.
    """

    site_cap_mw: float | None
    rows: tuple[DispatchRow, ...]
    power_mw_on: float
    uncapped_power_mw: float
    margin_usd_per_day: float
    uncapped_margin_usd_per_day: float
    cost_of_cap_usd_per_day: float


@dataclass(frozen=True)
class Report:
    """The whole report. ``emulation`` is None unless ``--emulate`` was given; ``dispatch`` is None unless the
    scenario has a ``[[fleet]]`` or a site ``power_cap_mw``.

    plan lists each lot's strategy in the recommended plan: with a site power cap, the best joint plan (lots valued
    together with the fleet under the cap, ``joint_plan``), else each lot's own winner; plan_expected_npv_usd [USD]
    is that plan's expected NPV (less the margin the cap displaces, with a cap).
    hold_cost_total_usd [USD] sums the lots' hold costs.
    """

    title: str
    generated_by: str
    inputs: ReportInputs
    lots: tuple[LotReport, ...]
    plan: tuple[PlanRow, ...]
    plan_expected_npv_usd: float
    hold_cost_total_usd: float
    break_even: tuple[BreakEvenRow, ...]
    emulation: EmulationSummary | None = None
    dispatch: SiteDispatch | None = None
    warnings: tuple[str, ...] = field(default=())
    joint_plan: JointPlan | None = None  #: plans valued together under the site's power cap (None: no cap)
    schema_version: str = SCHEMA_VERSION

    def replace(self, **changes: Any) -> "Report":
        return dataclasses.replace(self, **changes)

    def to_dataframe(self, section: str | None = None):
        """The report's figures as pandas frames, the rows of the CSV (:mod:`minecore.reports.render_csv`).

        section None : one long tidy frame, columns ``section, item, metric, value, unit, text``; ``value`` holds
        the numbers (float64), ``text`` the texts and flags (``true``/``false``), a missing figure neither.
        section ``"options"``, ``"strategies"``, ``"monte_carlo"``... (a ``section`` of the long frame) : that
        section wide, one row per ``item`` and one column per ``metric``, numbers as numeric columns (float64 or
        int64), texts as text and flags as booleans.

        >>> from minecore.reports import build_report, default_scenario  # doctest: +SKIP
        >>> report = build_report(default_scenario())                     # doctest: +SKIP
        >>> report.to_dataframe("options")["npv_usd"].dtype               # doctest: +SKIP
        dtype('float64')
        """
        import pandas as pd

        from .render_csv import COLUMNS, tidy_rows, value_and_text

        rows = tidy_rows(self)
        if section is None:
            long = [(s, i, m, *value_and_text(v), u) for s, i, m, v, u in rows]
            frame = pd.DataFrame([(s, i, m, n, u, t) for s, i, m, n, t, u in long], columns=list(COLUMNS))
            frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype("float64")
            return frame
        known = list(dict.fromkeys(r[0] for r in rows))
        if section not in known:
            from ..errors import InvalidInputError

            raise InvalidInputError(f"no report section {section!r}; the sections are {', '.join(known)}")
        records: dict[str, dict[str, Any]] = {}
        for s, item, metric, value, _unit in rows:
            if s == section:
                records.setdefault(item, {})[metric] = value
        metrics = list(dict.fromkeys(m for record in records.values() for m in record))
        columns = {}
        for metric in metrics:
            values = [record.get(metric) for record in records.values()]
            given = [v for v in values if v is not None]
            if all(isinstance(v, bool) for v in given) and given:
                columns[metric] = pd.array(values, dtype="boolean")
            elif all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in given):  # all None: numeric
                numbers = pd.Series([float("nan") if v is None else v for v in values])
                columns[metric] = numbers.astype("int64" if numbers.notna().all() and all(
                    isinstance(v, int) for v in given) else "float64").to_numpy()
            else:
                columns[metric] = pd.array(values, dtype=object)
        frame = pd.DataFrame(columns, index=pd.Index(list(records), name="item"))
        return frame
