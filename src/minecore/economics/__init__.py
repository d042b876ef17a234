"""Mining economics: network model, machine cash flows, seized-versus-replacement decision, Monte Carlo, fleets.

Layout, one job per module (inputs at the top, engines below, results at the end):

=================  ===========================================================================================
``inputs``         the typed input model: :class:`Scenario`, :class:`SeizedLot`, :class:`ReplacementOption`,
                   :class:`FleetEntry`, :class:`MonteCarloParams`, :class:`SensitivityRanges`, :class:`Strategy`
``spec``           :class:`MachineSpec` and the catalog adapter (:func:`resolve_spec`), assumed tier prices
``site``           :class:`OperatingCosts` (availability, hashrate efficiency, ...) and :class:`Curtailment`
``release``        :class:`ReleaseModel`: when a held lot comes back
``capex``          landed capex with duty (:func:`landed_capex`)
``valuation``      what a unit fetches when sold (:class:`Valuation`: the buyer's fair market value)
``market``         dated market prices, the market-tier price model, and the valuation checked against them
``tariffs``        the dated US duty schedule by country of assembly
``snapshot``       the network on one date (:class:`NetworkSnapshot`), subsidy and halvings, snapshot files
``network``        hashprice and :class:`NetworkProjection` (the network day by day from a snapshot)
``finance``        npv, irr, discount factors, payback, ROI: one set of conventions
``daily``          the daily engine (:func:`unit_daily`) and break-even prices
``machine``        cash flows of machines bought on day 0 (:func:`simulate_machine`)
``decision``       hold cost and expected NPV per strategy (:func:`compare`)
``results``        :class:`DecisionResult` and its parts
``sensitivity_table`` one-at-a-time sensitivity
``montecarlo``     the Monte Carlo over price, difficulty and release timing
``flips``          what flips the decision: each input's threshold, found by root-finding
``tax``            US federal/state income tax on the cash flows: bonus or MACRS depreciation, recapture, losses
``fleet``          fleets under a power cap
=================  ===========================================================================================

Everything is importable from here; modules load on first use, so ``import minecore.economics.inputs`` does
not import numpy. See docs/economics.md for a tour with worked examples and docs/glossary.md for the names.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "inputs": ("FleetEntry", "MCEngine", "MonteCarloParams", "ReplacementOption", "Scenario", "SeizedLot",
               "SensitivityRanges", "Strategy", "MAX_DAYS", "MAX_UNITS"),
    "spec": ("MachineSpec", "ASSUMED_PRICE_USD_PER_TH", "PRICE_BASES", "assumed_price_usd", "resolve_spec"),
    "site": ("Curtailment", "OperatingCosts"),
    "release": ("ReleaseKind", "ReleaseModel"),
    "capex": ("Capex", "landed_capex"),
    "valuation": ("Valuation", "ValuationKind"),
    "market": ("MarketPrice", "MarketTierModel", "load_market_prices", "fmv_vs_market"),
    "tariffs": ("TariffRate", "TariffTable", "default_tariffs", "load_tariffs"),
    "snapshot": ("Halving", "NetworkSnapshot", "default_snapshot", "load_snapshot", "reference_points", "subsidy_btc"),
    "network": ("Hashprice", "NetworkProjection", "hashprice"),
    "finance": ("DAYS_PER_MONTH", "DAYS_PER_YEAR", "discount_factors", "irr", "npv", "payback_day", "roi"),
    "daily": ("UnitDaily", "break_even_hashprice_usd_per_th_day", "break_even_power_price_usd_per_kwh", "unit_daily"),
    "machine": ("MachineCashFlows", "simulate_machine"),
    "decision": ("compare", "compare_strategies", "hold_cost"),
    "results": ("DecisionResult", "HoldCost", "ResolvedOption", "StrategyOutcome"),
    "sensitivity_table": ("SensitivityRow", "SensitivityTable", "sensitivity"),
    "montecarlo": ("MonteCarloResult", "run_monte_carlo"),
    "flips": ("FlipInput", "FlipRow", "FlipTable", "what_flips"),
    "tax": ("TaxAssumptions", "TaxAsset", "Depreciation", "after_tax_cash", "after_tax_npv"),
    "aftertax": ("TaxTerms", "tax_terms"),
    "fleet": ("DispatchPlan", "PurchasePlan", "dispatch_under_cap", "replacement_mix"),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}
_ERRORS = ("MarketDataError", "MissingFiguresError", "TariffError", "UnknownOriginError")

__all__ = sorted([*_WHERE, *_ERRORS])


def __getattr__(name: str) -> Any:
    if name in _ERRORS:
        from .. import errors

        return getattr(errors, name)
    module = _WHERE.get(name)
    if module is None:
        if name in _EXPORTS:  # a submodule, e.g. minecore.economics.machine
            return importlib.import_module(f"{__name__}.{name}")
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
