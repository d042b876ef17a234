"""What a unit costs to land: price, duty by country of assembly on the entry date, freight. Numpy-free.

What it fetches when sold is :mod:`minecore.economics.valuation`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import InvalidInputError
from ..validate import non_negative
from .spec import MachineSpec
from .tariffs import TariffTable, default_tariffs


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
