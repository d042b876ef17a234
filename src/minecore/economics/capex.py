"""What a unit costs to land (price, duty by country of assembly, freight) and what it fetches when sold.

Every sale, on release or at the horizon, of a seized unit or a replacement, goes through
:meth:`SalvageModel.net_sale_usd`: the same value curve and the same selling costs. Numpy-free (numpy only
when an array of ages is passed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import InvalidInputError
from ..validate import check_fields, non_negative, spec as _spec
from .finance import DAYS_PER_YEAR
from .spec import MachineSpec
from .tariffs import TariffTable, default_tariffs


@dataclass(frozen=True)
class SalvageModel:
    """Resale value of a unit: ``price * start_fraction * (1 - decline_per_year) ** (age_days / 365)``, floored,
    less ``selling_cost_fraction`` of it (broker or marketplace cut, shipping) on every sale.

    The 35 %/year decline is an assumption (used-ASIC prices fall with hashprice and newer models); override it
    from market quotes.

    >>> s = SalvageModel()
    >>> round(s.fraction(365), 3), round(s.fraction(730), 4), round(s.net_sale_usd(1000.0, 365), 2)
    (0.65, 0.4225, 617.5)
    """

    decline_per_year: float = _spec(0.35, unit="decimal/year", lo=0.0, hi=1.0, doc="yearly decline of resale value")
    start_fraction: float = _spec(1.0, unit="decimal", lo=0.0, hi=1.0, doc="resale value of a new unit, share of price")
    floor_fraction: float = _spec(0.0, unit="decimal", lo=0.0, hi=1.0, doc="resale value never falls below this share")
    selling_cost_fraction: float = _spec(0.05, unit="decimal", lo=0.0, hi=1.0,
                                         doc="share of the sale price lost to selling costs, on every sale")

    def __post_init__(self) -> None:
        check_fields(self)

    def fraction(self, age_days: Any) -> Any:
        """Gross resale value as a decimal of the unit price after ``age_days`` [days] (float or array)."""
        import numpy as np

        f = self.start_fraction * (1.0 - self.decline_per_year) ** (np.asarray(age_days, dtype=float) / DAYS_PER_YEAR)
        out = np.maximum(f, self.floor_fraction)
        return float(out) if np.ndim(out) == 0 else out

    def net_sale_usd(self, price_usd: float, age_days: Any) -> Any:
        """Cash from selling one unit of new price ``price_usd`` at ``age_days`` [USD], after selling costs."""
        return price_usd * self.fraction(age_days) * (1.0 - self.selling_cost_fraction)


@dataclass(frozen=True)
class Capex:
    """Landed cost of one unit [USD]: ``unit_price_usd * (1 + tariff_rate) + freight_usd``."""

    unit_price_usd: float
    tariff_rate: float
    freight_usd: float
    origin_country: str
    tariff_source: str = ""

    @property
    def tariff_usd(self) -> float:
        return self.unit_price_usd * self.tariff_rate

    @property
    def total_usd(self) -> float:
        return self.unit_price_usd * (1.0 + self.tariff_rate) + self.freight_usd


def landed_capex(spec: MachineSpec, *, tariffs: TariffTable | None | str = "default", on: Any = None,
                 freight_usd: float = 0.0, tariff_rate: float | None = None) -> Capex:
    """Capex of one unit with duty for ``spec.origin_country`` on date ``on`` (``tariff_rate`` overrides the table).

    >>> s = MachineSpec("x", 100, 2000, price_usd=1000, origin_country="China")
    >>> landed_capex(s, on="2025-09-01", freight_usd=50).total_usd     # 1000 * 1.576 + 50
    1626.0
    """
    if spec.price_usd is None:
        raise InvalidInputError(f"{spec.name}: no unit price; pass price_usd")
    non_negative("freight_usd", freight_usd, hi=1e6)
    if tariff_rate is not None:
        return Capex(spec.price_usd, non_negative("tariff_rate", tariff_rate, hi=10.0), freight_usd,
                     spec.origin_country, "given")
    table = default_tariffs() if isinstance(tariffs, str) else tariffs
    if table is None:
        return Capex(spec.price_usd, 0.0, freight_usd, spec.origin_country, "no tariff")
    return Capex(spec.price_usd, table.rate(spec.origin_country, on), freight_usd, spec.origin_country,
                 table.source_for(spec.origin_country, on))
