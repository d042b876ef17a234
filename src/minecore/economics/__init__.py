"""Mining economics: network model, machine cash flows, seized-versus-replacement decision, Monte Carlo, fleets.

Pure Python + numpy; numba is imported only when a Monte Carlo run uses the numba engine, pandas only by
``to_dataframe()``. See the "Economics" section of README.md for a tour with worked examples.
"""

from .fleet import DispatchPlan, PurchasePlan, dispatch_under_cap, replacement_mix
from .machine import (Capex, Curtailment, MachineCashFlows, MachineSpec, OperatingCosts, SalvageModel, UnitDaily,
                      MissingFiguresError, UnknownOriginError,
                      break_even_hashprice_usd_per_th_day, break_even_power_price_usd_per_kwh, irr, landed_capex, npv,
                      resolve_spec, simulate_machine, unit_daily)
from .montecarlo import MCEngine, MonteCarloParams, MonteCarloResult, run_monte_carlo
from .network import (Halving, Hashprice, NetworkProjection, NetworkSnapshot, default_snapshot, hashprice,
                      load_snapshot, reference_points, subsidy_btc)
from .seizure import (DecisionResult, HoldCost, ReleaseKind, ReleaseModel, ReplacementOption, ResolvedOption, Scenario,
                      SeizedLot, SensitivityRow, SensitivityTable, Strategy, StrategyOutcome, compare,
                      compare_strategies, hold_cost, sensitivity)
from .tariffs import TariffError, TariffRate, TariffTable, default_tariffs, load_tariffs

__all__ = [n for n in dir() if not n.startswith("_") and n not in ("fleet", "machine", "montecarlo", "network",
                                                                  "seizure", "tariffs")]
