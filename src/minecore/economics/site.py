"""Where and how the machines run: power price, facility overhead, pool fee, availability, hosting, curtailment.

Two different losses are kept apart: ``availability`` is the share of time a machine is on (outages,
curtailment by the utility, maintenance), so it scales both power and revenue; ``hashrate_efficiency`` is the
share of the nameplate hashrate that earns while the machine is on (stale and rejected shares, a dead board,
derating), so it scales revenue only: the machine still draws its power. Numpy-free (numpy is imported only
to expand a power-price path).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidInputError
from ..validate import check_fields, spec as _spec


@dataclass(frozen=True)
class Curtailment:
    """Planned downtime that saves power."""

    hours_per_week: float = _spec(0.0, unit="h/week", lo=0.0, hi=168.0, doc="hours off per week (peak shaving)")
    above_power_price_usd_per_kwh: float | None = _spec(
        None, unit="USD/kWh", lo=0.0, hi=10.0, optional=True,
        doc="switch off on days whose power price exceeds this; None = never")
    demand_response_credit_usd_per_kwh: float = _spec(
        0.0, unit="USD/kWh", lo=0.0, hi=10.0, doc="credit per kWh not drawn while curtailed by hours_per_week")

    def __post_init__(self) -> None:
        check_fields(self, prefix="curtailment ")


@dataclass(frozen=True)
class OperatingCosts:
    """Site costs and operating assumptions (one set of defaults for the API, the CLI and scenario files)."""

    power_price_usd_per_kwh: float = _spec(0.05, unit="USD/kWh", lo=0.0, hi=10.0, doc="flat power price")
    pue: float = _spec(1.10, unit="ratio", lo=1.0, hi=5.0, doc="facility overhead multiplier on power (PUE)")
    pool_fee: float = _spec(0.02, unit="decimal", lo=0.0, hi=1.0, doc="pool fee, share of revenue")
    availability: float = _spec(0.97, unit="decimal", lo=0.0, hi=1.0,
                                doc="share of time the machines are on (outages, curtailment): scales power and revenue")
    hashrate_efficiency: float = _spec(1.0, unit="decimal", lo=0.0, hi=1.0,
                                       doc="share of nameplate hashrate that earns while on (stale shares, dead "
                                           "boards): scales revenue only")
    hosting_usd_per_kwh: float = _spec(0.0, unit="USD/kWh", lo=0.0, hi=10.0, doc="hosting charge per IT kWh")
    hosting_usd_per_month: float = _spec(0.0, unit="USD/unit/month", lo=0.0, hi=1e5, doc="fixed hosting per unit")
    power_cap_mw: float | None = _spec(None, unit="MW", lo=0.0, lo_open=True, hi=1e5, optional=True,
                                       doc="site power cap for fleet dispatch; None = no cap")
    curtailment: Curtailment = field(default_factory=Curtailment)
    shutdown_when_unprofitable: bool = _spec(True, kind="bool",
                                             doc="switch off on days whose operating margin is negative")
    power_price_path_usd_per_kwh: tuple[float, ...] | None = None  #: optional daily path [USD/kWh]; last value held

    def __post_init__(self) -> None:
        check_fields(self)
        if self.power_price_path_usd_per_kwh is not None:
            from ..validate import finite

            try:
                path = tuple(finite("power_price_path_usd_per_kwh", x, lo=0.0, hi=10.0)
                             for x in self.power_price_path_usd_per_kwh)
            except TypeError:
                raise InvalidInputError("power_price_path_usd_per_kwh must be a sequence of numbers") from None
            if not path:
                raise InvalidInputError("power_price_path_usd_per_kwh must not be empty")
            object.__setattr__(self, "power_price_path_usd_per_kwh", path)

    @property
    def running_fraction(self) -> float:
        """Share of the day a machine draws power: availability less planned curtailment hours."""
        return self.availability * (1.0 - self.curtailment.hours_per_week / 168.0)

    def power_price(self, days: int):
        """Daily power price [USD/kWh] for days 0 .. days-1 (numpy array)."""
        import numpy as np

        if self.power_price_path_usd_per_kwh is None:
            return np.full(days, self.power_price_usd_per_kwh)
        arr = np.asarray(self.power_price_path_usd_per_kwh)
        return arr[:days] if arr.size >= days else np.concatenate([arr, np.full(days - arr.size, arr[-1])])

    def replace(self, **changes: Any) -> "OperatingCosts":
        return dataclasses.replace(self, **changes)
