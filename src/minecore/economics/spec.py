"""A miner as the economics sees it (:class:`MachineSpec`), and the adapter from the hardware catalog.

Every unit price carries its basis (:data:`PRICE_BASES`): a quote or scenario figure the user gave, the
catalog's dated price, or the assumed $/TH tier (never a quote). Numpy-free.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidInputError, MissingFiguresError, UnknownOriginError
from ..validate import check_fields, spec as _spec

#: Where a unit price comes from: the user's own figure (a quote or a scenario assumption), the catalog's
#: dated price, the valuation model's fair market value of a new unit (used for a replacement without a price),
#: or the economics' assumed $/TH tier for the machine's efficiency (not a quote).
PRICE_BASES = ("scenario_assumption", "catalog", "valuation_fmv", "assumed_tier")

#: Assumed new-unit price by efficiency tier [USD per TH/s], used only when no price is known: rows of
#: (up to J/TH, USD per TH/s). An assumption in the spirit of Luxor's ASIC price index tiers
#: (hashrateindex.com), not a quote: override it with real prices.
ASSUMED_PRICE_USD_PER_TH: tuple[tuple[float, float], ...] = ((16.0, 17.0), (20.0, 14.0), (25.0, 9.0), (38.0, 4.0),
                                                             (math.inf, 1.5))


@dataclass(frozen=True)
class MachineSpec:
    """A miner: nameplate figures, unit price with its basis and source, and country of assembly.

    The country of assembly (not the maker's home) sets the import duty. ``unverified`` names the figures
    the catalog flags as unverified (plus ``price_usd`` for an assumed tier price).
    """

    name: str = _spec(kind="text", doc="model name")
    hashrate_ths: float = _spec(unit="TH/s", lo=0.0, lo_open=True, hi=1e5, doc="nameplate hashrate")
    power_w: float = _spec(unit="W", lo=0.0, lo_open=True, hi=1e6, doc="wall power at nameplate")
    price_usd: float | None = _spec(None, unit="USD/unit", lo=0.0, hi=1e7, optional=True,
                                    doc="new unit price before duty and freight; None = unknown")
    origin_country: str = _spec("China", kind="text", doc="country of assembly, which sets the tariff")
    key: str | None = None
    unverified: tuple[str, ...] = ()
    price_basis: str = "scenario_assumption"  #: one of :data:`PRICE_BASES`
    price_source: str = ""  #: where the price comes from, in words
    #: the operating point ``hashrate_ths``/``power_w`` are at, in words ("" = the catalog's nameplate); set by
    #: :meth:`at_operating_point` from the hardware twin (profile, inlet temperature, cooling, failed boards, age)
    operating_point: str = ""

    def __post_init__(self) -> None:
        check_fields(self, prefix=f"{self.name}: " if isinstance(self.name, str) else "")
        object.__setattr__(self, "unverified", tuple(self.unverified))
        if self.price_basis not in PRICE_BASES:
            raise ValueError(f"price_basis must be one of {PRICE_BASES}, got {self.price_basis!r}")

    @property
    def efficiency_j_per_th(self) -> float:
        """Energy per terahash [J/TH] = W / (TH/s)."""
        return self.power_w / self.hashrate_ths

    def at_operating_point(self, model: Any, operating: Any) -> "MachineSpec":
        """Copy at an operating point of the hardware twin of catalog ``model``: ``operating`` is a
        :class:`minecore.hardware.OperatingConditions` or a dict of its fields (profile eco/normal/turbo or a power
        target, ambient_c, cooling, failed_boards, age_years, degradation_per_year). The unit price stays (it was set
        from the nameplate); ``operating_point`` says which point and which twin the figures come from.

        >>> from minecore.hardware import get_model
        >>> s21 = MachineSpec.from_catalog("Antminer S21", 2800)
        >>> eco = s21.at_operating_point(get_model("S21"), {"profile": "eco", "ambient_c": 35})
        >>> round(eco.hashrate_ths, 1), round(eco.power_w), eco.price_usd
        (174.7, 2992, 2800.0)
        """
        from ..hardware.chip_model import OperatingConditions, operating_point_for  # layer below; imported lazily

        cond = operating if isinstance(operating, OperatingConditions) else OperatingConditions(**dict(operating))
        op = operating_point_for(model, cond)
        if op.shutdown or not op.hashrate_ths > 0:
            raise InvalidInputError(f"{self.name} does not hash at {cond.label()}: {op.label()}")
        return dataclasses.replace(self, hashrate_ths=op.hashrate_ths, power_w=op.power_w, operating_point=op.label())

    @classmethod
    def from_model(cls, model: Any, price_usd: float | None = None, *, origin_country: str | None = None,
                   assume_price: bool = False, price_source: str | None = None,
                   operating: Any = None) -> "MachineSpec":
        """Build from a :class:`minecore.hardware.MinerModel` (or anything with the same attributes).

        ``price_usd`` (with ``price_source``) is the user's figure; else the catalog's dated price; else, with
        ``assume_price``, :func:`assumed_price_usd` (flagged ``price_usd`` in ``unverified``).
        ``origin_country`` overrides the catalog's ``assembly_country``; ``operating`` (see :meth:`at_operating_point`)
        puts the figures at an operating point of the model's twin. Raises :class:`MissingFiguresError`
        when the model has no published hashrate or power, and :class:`UnknownOriginError` when no country of
        assembly is known: the maker's home country is not the country of origin, and guessing one would
        silently pick a tariff.
        """
        name = getattr(model, "name", None) or getattr(model, "key", "model")
        missing = [f for f in ("hashrate_ths", "power_w") if getattr(model, f, None) is None]
        if missing:
            raise MissingFiguresError(
                f"{name}: the catalog has no published {' or '.join(missing)} for this model (unknown figures stay "
                "unknown); supply them in a user catalog TOML with hashrate_ths and power_w (CLI: --catalog FILE; "
                "API: load_catalog(FILE)) or as a plain MachineSpec(name, hashrate_ths, power_w, ...)")
        unverified = tuple(getattr(model, "unverified", ()) or ())
        origin = origin_country or getattr(model, "assembly_country", None)
        if not origin:
            raise UnknownOriginError(f"{name}: the catalog has no country of assembly, so the tariff is unknown; "
                                     "give an origin country (origin_country=..., --origin COUNTRY, or "
                                     "origin_country in the scenario)")
        catalog_price = getattr(model, "price_usd", None)
        if price_usd is not None:
            price, basis, source = price_usd, "scenario_assumption", price_source or "given by the user"
        elif catalog_price is not None:
            price, basis = catalog_price, "catalog"
            source = f"{getattr(model, 'price_source', None) or 'catalog'} ({getattr(model, 'price_date', None)})"
        else:
            price, basis, source = None, "scenario_assumption", ""
        out = cls(name=str(name), hashrate_ths=model.hashrate_ths, power_w=model.power_w, price_usd=price,
                  origin_country=str(origin), key=getattr(model, "key", None), unverified=unverified,
                  price_basis=basis, price_source=source)
        if out.price_usd is None and assume_price:
            out = dataclasses.replace(
                out, price_usd=assumed_price_usd(out), unverified=unverified + ("price_usd",), price_basis="assumed_tier",
                price_source="economics' assumed $/TH tier for its J/TH (minecore.economics.spec."
                             "ASSUMED_PRICE_USD_PER_TH), not a quote; set price_usd")
        if operating is not None:
            out = out.at_operating_point(model, operating)
        return out

    @classmethod
    def from_catalog(cls, name: str, price_usd: float | None = None, catalog: Any = None, *,
                     origin_country: str | None = None, assume_price: bool = False,
                     price_source: str | None = None, operating: Any = None) -> "MachineSpec":
        """Look ``name`` up in the hardware catalog (default: the built-in one) and :meth:`from_model` it."""
        from ..hardware import get_model  # layer below; imported lazily

        model = get_model(name, catalog) if catalog is not None else get_model(name)
        return cls.from_model(model, price_usd, origin_country=origin_country, assume_price=assume_price,
                              price_source=price_source, operating=operating)

    def with_price(self, price_usd: float, price_source: str = "given by the user") -> "MachineSpec":
        """Copy with a user-given price (basis ``scenario_assumption``)."""
        unverified = tuple(u for u in self.unverified if u != "price_usd")
        return dataclasses.replace(self, price_usd=price_usd, price_basis="scenario_assumption",
                                   price_source=price_source, unverified=unverified)


def assumed_price_usd(spec: MachineSpec) -> float:
    """Fallback unit price [USD] = TH/s x tier $/TH (see :data:`ASSUMED_PRICE_USD_PER_TH`).

    >>> assumed_price_usd(MachineSpec("x", 200, 3500))     # 17.5 J/TH -> $14/TH
    2800.0
    """
    for max_j_per_th, usd_per_th in ASSUMED_PRICE_USD_PER_TH:
        if spec.efficiency_j_per_th <= max_j_per_th:
            return round(spec.hashrate_ths * usd_per_th, 2)
    return round(spec.hashrate_ths * ASSUMED_PRICE_USD_PER_TH[-1][1], 2)


def resolve_spec(machine: MachineSpec | str | Any, price_usd: float | None = None, *,
                 origin_country: str | None = None, assume_price: bool = True, catalog: Any = None,
                 price_source: str | None = None, operating: Any = None) -> MachineSpec:
    """A :class:`MachineSpec` from a spec, a catalog model object, or a catalog name (looked up in ``catalog``,
    default the built-in one). Catalog models without a price get :func:`assumed_price_usd` (flagged) unless
    ``assume_price`` is False; ``price_usd`` and ``origin_country`` override; ``operating`` puts the figures at an
    operating point of the hardware twin (:meth:`MachineSpec.at_operating_point`; a spec needs a catalog ``key``)."""
    if isinstance(machine, MachineSpec):
        spec = machine if price_usd is None else machine.with_price(price_usd, price_source or "given by the user")
        spec = spec if origin_country is None else dataclasses.replace(spec, origin_country=origin_country)
        if operating is not None:
            if not spec.key:
                raise InvalidInputError(f"{spec.name}: an operating point needs a catalog model (this spec has no key)")
            from ..hardware import get_model  # layer below; imported lazily

            spec = spec.at_operating_point(get_model(spec.key, catalog) if catalog is not None
                                           else get_model(spec.key), operating)
        return spec
    if isinstance(machine, str):
        return MachineSpec.from_catalog(machine, price_usd, catalog, origin_country=origin_country,
                                        assume_price=assume_price, price_source=price_source, operating=operating)
    return MachineSpec.from_model(machine, price_usd, origin_country=origin_country, assume_price=assume_price,
                                  price_source=price_source, operating=operating)
