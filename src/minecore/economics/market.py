"""Dated market prices of miners, the market-tier price model, and the FMV valuation checked against both.

Three things, all on the shipped table ``data/market_prices.json`` (every point dated and sourced):

* :func:`load_market_prices` reads the table into :class:`MarketPrice` records (a bad file raises
  :class:`~minecore.errors.MarketDataError`, an :class:`~minecore.errors.InvalidInputError`).
* :class:`MarketTierModel`, the alternative to the FMV valuation: a price [USD per TH/s] per efficiency tier,
  scaled with hashprice, ``usd_per_th = V[tier] * (hashprice / 0.05) ** elasticity``.
* :func:`fmv_vs_market`, the default :class:`~minecore.economics.valuation.Valuation` (the buyer's present value
  of future margin) evaluated on each market point's date and network state, as the ratio FMV / market.

Conventions
-----------
* Prices are USD per TH/s of nameplate hashrate; hashprice is USD per TH/s per day before pool fee, computed from
  the point's network state (:func:`minecore.economics.network.hashprice`).
* Tiers are half-open efficiency intervals [J/TH]: under 19, 19-25, 25-38, 38-68, 68 and over (the edges Luxor's
  Hashrate Index has drawn: 38 and 68 since 2020, 25 from October 2022, 19 in 2024-25 per DOMAIN.md; 25 J/TH
  belongs to 25-38). A point is filed by its priced unit's
  efficiency (a tier-index point by the model its source names as typical of the tier).
* Age at a point (for the FMV): 0 for new units; else the days since the catalog's release date of the model
  (``YYYY-MM`` is taken as the 15th, ``YYYY`` as 1 July, ``YYYY-Qn`` as the 15th of the quarter's middle month),
  or the point's own stated ``age_days``. A release date is the *first* shipments, so a used unit's age is an
  upper bound and its FMV a lower bound.

The tier model fit (numpy least squares on the log price)
---------------------------------------------------------
``log p_i = a[tier(i)] + elasticity * log(hashprice_i / 0.05)`` over the 15 shipped market points with
``in_fit`` (all but a unit price whose $/TH needs an assumed hashrate): elasticity 1.52 and tier values at $0.05
per TH/s/day of $11.4 (under 19), $13.0 (19-25), $10.5 (25-38), $7.5 (38-68) and $3.0 (68+) per TH. Residual spread:
rms 0.165 in log (about +-18 %), largest 0.40 (+49 %, Kaboomracks' S19j Pro asking price two weeks after the May
2022 crash: listings lag hashprice). The under-19 and 38-68 tiers rest on one point each (reproduced exactly);
the under-19 value (a 2025 manufacturer list price) sits below the 19-25 value (two 2023 trades) because the model
has no time trend for newer generations pushing older ones down. Read it as a dated reference, not a forecast.

The FMV band (stated from the data, see tests/test_economics_valuation_market.py)
-------------------------------------------------------------------------------
Over the market points whose model is inside its life on the date (the two S9 tier points are not: the valuation
counts no margin past ``life_years`` = 5 from release, so their FMV is 0 against $20 and $4.72 paid), the default
``Valuation()`` lands at median ``|ln(FMV / market)|`` 0.28 (a factor 1.33) and every point within a factor 2.2 of
the market price (|ln| <= 0.79; the largest is 0.73). The stated band is median <= 0.35 and every in-life point
within the factor 2.2. It is that wide because the points span the 2022 crash and the 2024 halving: from January
to July 2022 the market paid less than the FMV of a buyer expecting 30 %/yr BTC growth (ratios FMV / market
1.06-1.74, listings repricing with a lag), at the December 2022 trough it paid more (0.66-0.75), in June-July 2023
(the calibration months) it was within -17 %..+16 %, a used S19 four weeks before the 2024 halving sold at 1 / 1.64
of its FMV, and the December 2025 point (2.07) is a manufacturer's list price for new units before coupons.
DOMAIN.md's "tens of percent" holds for the typical point, not for every one. Next to Luxor's own "FMV
(calculated)" of June 2023 this FMV is 12-37 % lower (S19 Pro $11.00 vs $17.56, S19j Pro+ $14.88 vs $19.12,
S19 XP $20.91 vs $23.78, M50S $16.42 vs $20.28): it counts only the life left after the catalog release date (the
S19 Pro, released 2020-05, has under two years left); the lead's calibration figures ($12.85, $21.83) used
younger ages.

>>> prices = load_market_prices()
>>> p = next(x for x in prices if x.id == "luxor-2023-06-s19-xp")
>>> p.date.isoformat(), p.usd_per_th, p.model, round(p.hashprice_usd_per_th_day, 4)
('2023-06-14', 24.0, 'Antminer S19 XP', 0.0675)
>>> model = MarketTierModel.default()
>>> round(model.elasticity, 2), round(model.usd_per_th(21.5, 0.05), 1)
(1.52, 13.0)
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
import functools
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import InvalidInputError, MarketDataError
from ..validate import as_date, finite, text

__all__ = ["BAND_MAX_ABS_LOG_RATIO", "BAND_MEDIAN_ABS_LOG_RATIO", "REFERENCE_HASHPRICE_USD_PER_TH_DAY",
           "TIER_EDGES_J_PER_TH", "BandReport", "Condition", "FmvComparison", "MarketDataError", "MarketNetwork",
           "MarketPrice", "MarketTierModel", "PriceKind", "PriceSource", "TierFit", "band_report",
           "default_market_prices", "fmv_vs_market", "load_market_prices", "release_date"]

#: Upper edges of the efficiency tiers [J/TH]; tiers are [0, 19), [19, 25), [25, 38), [38, 68), [68, inf).
TIER_EDGES_J_PER_TH: tuple[float, ...] = (19.0, 25.0, 38.0, 68.0)
#: Hashprice at which tier values are quoted [USD per TH/s per day] ($50/PH/day).
REFERENCE_HASHPRICE_USD_PER_TH_DAY = 0.05
#: FMV band over in-life market points: median |ln(FMV / market)| at most this (observed 0.28, a factor 1.33) ...
BAND_MEDIAN_ABS_LOG_RATIO = 0.35
#: ... and every in-life market point within this |ln(FMV / market)| (a factor 2.2; observed at most 0.73).
BAND_MAX_ABS_LOG_RATIO = math.log(2.2)

_PUBLISHED_RE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")
_POINT_KEYS = {"id", "date", "kind", "condition", "usd_per_th", "usd_per_th_range", "model", "representative_model",
               "tier_j_per_th", "quoted_as", "hashrate_ths", "efficiency_j_per_th", "figures_from", "age_days",
               "age_note", "in_fit", "fit_note", "source", "network"}
_NETWORK_KEYS = {"as_of", "difficulty", "block_height", "btc_price_usd", "fees_btc_per_block", "source", "fees_source"}
_SOURCE_KEYS = {"url", "title", "publisher", "published"}


class PriceKind(str, enum.Enum):
    """What a price is."""

    MARKET = "market"  #: a price paid or asked
    FMV_CALCULATED = "fmv_calculated"  #: a publisher's calculated fair market value printed beside a market price


class Condition(str, enum.Enum):
    """What was priced."""

    USED = "used"  #: secondary-market units
    NEW = "new"  #: unused units (age 0 in the FMV check)
    INDEX = "index"  #: an efficiency-tier index averaging listings


@dataclass(frozen=True)
class PriceSource:
    """Where a point comes from: ``url``, ``title``, ``publisher`` and ``published`` (``YYYY[-MM[-DD]]``)."""

    key: str
    url: str
    title: str
    publisher: str
    published: str
    note: str = ""

    def latest_day(self) -> _dt.date:
        """The last day the publication date allows (a price cannot be dated after its publication)."""
        parts = [int(x) for x in self.published.split("-")]
        if len(parts) == 3:
            return _dt.date(*parts)
        if len(parts) == 2:
            nxt = _dt.date(parts[0] + parts[1] // 12, parts[1] % 12 + 1, 1)
            return nxt - _dt.timedelta(days=1)
        return _dt.date(parts[0], 12, 31)


@dataclass(frozen=True)
class MarketNetwork:
    """The network state of a point's date: difficulty [dimensionless] and block height of the last retarget on
    or before ``as_of``, BTC price [USD] (a monthly average) and fees [BTC/block] (an assumption), with sources."""

    as_of: _dt.date
    difficulty: float
    block_height: int
    btc_price_usd: float
    fees_btc_per_block: float
    source: str
    fees_source: str

    def snapshot(self, day: _dt.date, name: str = "market point"):
        """A :class:`~minecore.economics.snapshot.NetworkSnapshot` dated ``day`` with these figures."""
        from .snapshot import NetworkSnapshot

        return NetworkSnapshot(date=day, difficulty=self.difficulty, btc_price_usd=self.btc_price_usd,
                               fees_btc_per_block=self.fees_btc_per_block, block_height=self.block_height,
                               name=name, sources=(self.source, self.fees_source))


@dataclass(frozen=True)
class MarketPrice:
    """One dated, sourced price [USD per TH/s] of a model (``model``, a catalog name; None when the catalog
    lacks it) or of an efficiency tier (``tier_j_per_th`` = (lo, hi) [J/TH] as the source quotes it, with the
    ``representative_model`` the source names as typical). ``hashrate_ths`` [TH/s] and ``efficiency_j_per_th``
    [J/TH] describe the priced unit (``figures_from``: "source" or "catalog"). ``age_days`` overrides the age
    from the catalog's release date (with ``age_note`` saying why). ``in_fit``: used by
    :meth:`MarketTierModel.fit` (``fit_note`` says why not)."""

    id: str
    date: _dt.date
    kind: PriceKind
    condition: Condition
    usd_per_th: float
    quoted_as: str
    hashrate_ths: float
    efficiency_j_per_th: float
    figures_from: str
    source: PriceSource
    network: MarketNetwork
    model: str | None = None
    representative_model: str | None = None
    tier_j_per_th: tuple[float, float] | None = None
    usd_per_th_range: tuple[float, float] | None = None
    age_days: float | None = None
    age_note: str = ""
    in_fit: bool = True
    fit_note: str = ""
    note: str = ""

    @property
    def machine(self) -> str | None:
        """The catalog model whose figures and age stand for this point (the model, or the tier's representative)."""
        return self.model or self.representative_model

    @property
    def power_w(self) -> float:
        """Wall power of the priced unit [W] = efficiency x hashrate."""
        return self.efficiency_j_per_th * self.hashrate_ths

    @property
    def label(self) -> str:
        """The model's name, the tier as quoted, or the source's own words."""
        if self.model:
            return self.model
        if self.tier_j_per_th is not None:
            lo, hi = self.tier_j_per_th
            if lo == 0:
                return f"under {hi:g} J/TH"
            return f"{lo:g} J/TH and over" if hi == math.inf else f"{lo:g}-{hi:g} J/TH"
        return re.split(r"[:,]", self.quoted_as)[0]

    def _unit_key(self) -> tuple[Any, ...]:
        """Same date, source and priced unit: a market price and the FMV its source prints beside it."""
        return self.date, self.source.key, self.machine, self.hashrate_ths, self.efficiency_j_per_th

    @property
    def hashprice_usd_per_th_day(self) -> float:
        """Hashprice on the point's network state [USD per TH/s per day], before pool fee."""
        from .network import hashprice

        return hashprice(self.network.snapshot(self.date)).usd_per_th_day

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["date"] = self.date.isoformat()
        d["kind"], d["condition"] = self.kind.value, self.condition.value
        d["network"]["as_of"] = self.network.as_of.isoformat()
        if self.tier_j_per_th is not None:  # open ends as the file writes them
            lo, hi = self.tier_j_per_th
            d["tier_j_per_th"] = [lo or None, None if hi == math.inf else hi]
        return d


# ---------------------------------------------------------------------------------------------- loading


def _fail(origin: str, where: str, problem: str) -> MarketDataError:
    return MarketDataError(f"{origin}: {where}: {problem}")


def _check_keys(table: Mapping[str, Any], allowed: set[str], origin: str, where: str) -> None:
    for k in table:
        if k not in allowed and not str(k).startswith("_"):
            raise _fail(origin, where, f"unknown key {k!r}; known: {', '.join(sorted(allowed))}")


def _source(key: str, raw: Any, origin: str) -> PriceSource:
    where = f"sources.{key}"
    if not isinstance(raw, Mapping):
        raise _fail(origin, where, "must be a table")
    _check_keys(raw, _SOURCE_KEYS, origin, where)
    missing = [k for k in ("url", "title", "publisher", "published") if not raw.get(k)]
    if missing:
        raise _fail(origin, where, f"missing {', '.join(missing)} (every source needs a url, title, publisher "
                                   "and publication date)")
    url = text(f"{where}.url", raw["url"], max_len=500, err=MarketDataError)
    if not url.startswith(("https://", "http://")):
        raise _fail(origin, where, f"url must start with http(s)://, got {url!r}")
    published = str(raw["published"]).strip()
    if not _PUBLISHED_RE.match(published):
        raise _fail(origin, where, f"published must be YYYY, YYYY-MM or YYYY-MM-DD, got {raw['published']!r}")
    try:
        src = PriceSource(key, url, text(f"{where}.title", raw["title"], max_len=300, err=MarketDataError),
                          text(f"{where}.publisher", raw["publisher"], max_len=400, err=MarketDataError),
                          published, str(raw.get("_note", "")))
        src.latest_day()
    except ValueError as exc:
        raise _fail(origin, where, str(exc)) from None
    return src


def _pair(name: str, value: Any, err_where: str, origin: str, *, open_ends: bool) -> tuple[float, float]:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise _fail(origin, err_where, f"{name} must be a pair [lo, hi], got {value!r}")
    lo, hi = value
    lo = 0.0 if (lo is None and open_ends) else finite(f"{name} low end", lo, lo=0.0, err=MarketDataError)
    hi = math.inf if (hi is None and open_ends) else finite(f"{name} high end", hi, lo=0.0, err=MarketDataError)
    if not lo < hi:
        raise _fail(origin, err_where, f"{name} must have lo < hi, got {value!r}")
    return lo, hi


def _network(raw: Any, day: _dt.date, texts: Mapping[str, Mapping[str, str]], origin: str, where: str) -> MarketNetwork:
    where = f"{where}.network"
    if not isinstance(raw, Mapping):
        raise _fail(origin, where, "must be a table with as_of, difficulty, block_height, btc_price_usd, "
                                   "fees_btc_per_block, source, fees_source")
    _check_keys(raw, _NETWORK_KEYS, origin, where)
    missing = sorted(_NETWORK_KEYS - set(raw))
    if missing:
        raise _fail(origin, where, f"missing {', '.join(missing)}")
    as_of = as_date(f"{where}.as_of", raw["as_of"], MarketDataError)
    if as_of > day:
        raise _fail(origin, where, f"as_of {as_of} is after the point's date {day}")
    height = raw["block_height"]
    if isinstance(height, bool) or not isinstance(height, int) or height < 0:
        raise _fail(origin, where, f"block_height must be a non-negative integer, got {height!r}")
    out = []
    for key, table in (("source", "network_sources"), ("fees_source", "fee_sources")):
        k = raw[key]
        if not isinstance(k, str) or k not in texts[table]:
            raise _fail(origin, where, f"{key} {k!r} is not a key of {table} ({', '.join(texts[table]) or 'none'})")
        out.append(texts[table][k])
    return MarketNetwork(as_of, finite(f"{where}.difficulty", raw["difficulty"], lo=0.0, lo_open=True,
                                       err=MarketDataError), height,
                         finite(f"{where}.btc_price_usd", raw["btc_price_usd"], lo=0.0, lo_open=True,
                                err=MarketDataError),
                         finite(f"{where}.fees_btc_per_block", raw["fees_btc_per_block"], lo=0.0, hi=100.0,
                                err=MarketDataError), out[0], out[1])


def _point(i: int, raw: Any, sources: Mapping[str, PriceSource], texts: Mapping[str, Mapping[str, str]],
           origin: str) -> MarketPrice:
    where = f"points[{i}]"
    if not isinstance(raw, Mapping):
        raise _fail(origin, where, "must be a table")
    if isinstance(raw.get("id"), str):
        where = f"{where} ({raw['id']})"
    _check_keys(raw, _POINT_KEYS, origin, where)
    for k in ("id", "date", "kind", "condition", "usd_per_th", "quoted_as", "hashrate_ths", "efficiency_j_per_th",
              "figures_from", "source", "network"):
        if raw.get(k) is None:
            raise _fail(origin, where, f"missing {k}" + (" (every point needs a date)" if k == "date" else
                                                           " (every point needs a source)" if k == "source" else ""))
    day = as_date(f"{where}.date", raw["date"], MarketDataError)
    try:
        kind, condition = PriceKind(raw["kind"]), Condition(raw["condition"])
    except ValueError:
        kinds, conditions = [k.value for k in PriceKind], [c.value for c in Condition]
        raise _fail(origin, where, f"kind must be one of {kinds} and condition one of {conditions}, "
                                   f"got {raw['kind']!r}, {raw['condition']!r}") from None
    src = sources.get(raw["source"]) if isinstance(raw["source"], str) else None
    if src is None:
        raise _fail(origin, where, f"source {raw['source']!r} is not a key of sources ({', '.join(sources)})")
    if day > src.latest_day():
        raise _fail(origin, where, f"date {day} is after its source's publication ({src.published})")
    model, rep, tier = raw.get("model"), raw.get("representative_model"), raw.get("tier_j_per_th")
    if tier is None and rep is not None:
        raise _fail(origin, where, "representative_model is for tier points (give tier_j_per_th)")
    if tier is not None:
        if model is not None:
            raise _fail(origin, where, "give either a model or a tier_j_per_th, not both")
        if not isinstance(rep, str) or not rep.strip():
            raise _fail(origin, where, "a tier point needs the representative_model its source names")
        tier = _pair("tier_j_per_th", tier, where, origin, open_ends=True)
    if model is not None:
        model = text(f"{where}.model", model, err=MarketDataError)
    price = finite(f"{where}.usd_per_th", raw["usd_per_th"], lo=0.0, lo_open=True, hi=10_000.0, err=MarketDataError)
    rng = raw.get("usd_per_th_range")
    if rng is not None:
        rng = _pair("usd_per_th_range", rng, where, origin, open_ends=False)
        if not rng[0] <= price <= rng[1]:
            raise _fail(origin, where, f"usd_per_th {price:g} is outside its range {rng}")
    eff = finite(f"{where}.efficiency_j_per_th", raw["efficiency_j_per_th"], lo=1.0, hi=1000.0, err=MarketDataError)
    if tier is not None and not tier[0] <= eff <= tier[1]:
        raise _fail(origin, where, f"efficiency {eff:g} J/TH is outside the point's tier {tier}")
    if raw["figures_from"] not in ("source", "catalog"):
        raise _fail(origin, where, f"figures_from must be 'source' or 'catalog', got {raw['figures_from']!r}")
    age = raw.get("age_days")
    if age is not None:
        age = finite(f"{where}.age_days", age, lo=0.0, hi=20 * 366, err=MarketDataError)
        if not raw.get("age_note"):
            raise _fail(origin, where, "age_days needs an age_note saying where the age comes from")
    in_fit = raw.get("in_fit", kind is PriceKind.MARKET)
    if not isinstance(in_fit, bool):
        raise _fail(origin, where, f"in_fit must be true or false, got {in_fit!r}")
    if in_fit and kind is not PriceKind.MARKET:
        raise _fail(origin, where, "only market prices can be in the tier fit")
    if kind is PriceKind.MARKET and not in_fit and not raw.get("fit_note"):
        raise _fail(origin, where, "a market point left out of the fit needs a fit_note saying why")
    if model is None and tier is None and age is None:
        raise _fail(origin, where, "a point without a catalog model or tier needs age_days (and age_note)")
    return MarketPrice(
        id=text(f"{where}.id", raw["id"], err=MarketDataError), date=day, kind=kind, condition=condition,
        usd_per_th=price, quoted_as=text(f"{where}.quoted_as", raw["quoted_as"], max_len=400, err=MarketDataError),
        hashrate_ths=finite(f"{where}.hashrate_ths", raw["hashrate_ths"], lo=0.0, lo_open=True, hi=1e5,
                            err=MarketDataError),
        efficiency_j_per_th=eff, figures_from=raw["figures_from"], source=src,
        network=_network(raw["network"], day, texts, origin, where), model=model,
        representative_model=rep.strip() if isinstance(rep, str) else None, tier_j_per_th=tier,
        usd_per_th_range=rng, age_days=age, age_note=str(raw.get("age_note", "")), in_fit=in_fit,
        fit_note=str(raw.get("fit_note", "")), note=str(raw.get("_note", "")))


def _located(origin: str, fn: Any, *args: Any) -> Any:
    """``fn(*args)``, with the file named in any :class:`MarketDataError` it raises (the field checks name the
    field, not the file)."""
    try:
        return fn(*args)
    except MarketDataError as exc:
        if str(exc).startswith(f"{origin}:"):
            raise
        raise MarketDataError(f"{origin}: {exc}") from None


def _from_mapping(data: Any, origin: str) -> tuple[MarketPrice, ...]:
    if not isinstance(data, Mapping) or not isinstance(data.get("points"), list) or not isinstance(
            data.get("sources"), Mapping):
        raise MarketDataError(f"{origin}: a market-price table needs a 'sources' table and a 'points' list")
    _check_keys(data, {"points", "sources", "network_sources", "fee_sources", "compiled"}, origin, "top level")
    sources = {str(k): _located(origin, _source, str(k), v, origin) for k, v in data["sources"].items()}
    texts: dict[str, Mapping[str, str]] = {}
    for table in ("network_sources", "fee_sources"):
        t = data.get(table, {})
        if not isinstance(t, Mapping) or not all(isinstance(v, str) and v.strip() for v in t.values()):
            raise MarketDataError(f"{origin}: {table} must map keys to non-empty source texts")
        texts[table] = t
    points = tuple(_located(origin, _point, i, raw, sources, texts, origin) for i, raw in enumerate(data["points"]))
    if not points:
        raise MarketDataError(f"{origin}: no points")
    seen: set[str] = set()
    for p in points:
        if p.id in seen:
            raise MarketDataError(f"{origin}: point id {p.id!r} appears twice")
        seen.add(p.id)
    return points


def load_market_prices(path: str | Path | None = None) -> tuple[MarketPrice, ...]:
    """Read a market-price table (the shipped ``data/market_prices.json`` when ``path`` is None; a user's own
    ``.json`` or ``.toml`` in the same layout otherwise). Every point must carry a date, a source with url,
    title, publisher and publication date (the point cannot postdate it), and its network state with sources.
    Raises :class:`MarketDataError`."""
    if path is None:
        return default_market_prices()
    p = Path(path)
    try:
        raw = p.read_bytes().decode("utf-8")
        data = __import__("tomllib").loads(raw) if p.suffix.lower() == ".toml" else json.loads(raw)
    except (OSError, ValueError) as exc:  # UnicodeDecodeError and JSON/TOML errors are ValueErrors
        raise MarketDataError(f"{p}: cannot read market-price table: {str(exc).splitlines()[0]}") from None
    return _from_mapping(data, str(p))


@functools.lru_cache(maxsize=1)
def default_market_prices() -> tuple[MarketPrice, ...]:
    """The shipped table ``data/market_prices.json`` (read once)."""
    raw = resources.files("minecore.economics").joinpath("data/market_prices.json").read_text()
    return _from_mapping(json.loads(raw), "data/market_prices.json")


# ---------------------------------------------------------------------------------------------- ages


def release_date(release: str) -> _dt.date:
    """The day a catalog ``release`` string stands for: ``YYYY-MM`` the 15th, ``YYYY`` 1 July, ``YYYY-Qn`` the
    15th of the quarter's middle month.

    >>> release_date("2020-05"), release_date("2022"), release_date("2023-Q4")
    (datetime.date(2020, 5, 15), datetime.date(2022, 7, 1), datetime.date(2023, 11, 15))
    """
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})|-Q([1-4]))?", str(release).strip())
    if not m:
        raise InvalidInputError(f"release must be YYYY, YYYY-MM or YYYY-Qn, got {release!r}")
    year = int(m.group(1))
    if m.group(2):
        return _dt.date(year, int(m.group(2)), 15)
    if m.group(3):
        return _dt.date(year, 3 * int(m.group(3)) - 1, 15)
    return _dt.date(year, 7, 1)


def _age(point: MarketPrice, catalog: Any) -> tuple[float, str]:
    if point.condition is Condition.NEW:
        return 0.0, "new units: age 0"
    if point.age_days is not None:
        return point.age_days, point.age_note
    m = catalog.find(point.machine) if point.machine else None
    if m is None or not m.release:
        raise InvalidInputError(f"{point.id}: {point.machine!r} has no release date in the catalog and the point "
                                "gives no age_days")
    day = release_date(m.release)
    return float(max(0, (point.date - day).days)), f"since the catalog release {m.release} ({day.isoformat()})"


# ---------------------------------------------------------------------------------------------- tier model


@dataclass(frozen=True)
class TierFit:
    """How :meth:`MarketTierModel.fit` went: the points used, their log residuals ``ln(price / model)`` and
    their spread, and how many points each tier rests on."""

    point_ids: tuple[str, ...]
    residuals_log: tuple[float, ...]
    points_per_tier: tuple[int, ...]

    @property
    def rms_log(self) -> float:
        return math.sqrt(sum(r * r for r in self.residuals_log) / len(self.residuals_log))

    @property
    def max_abs_log(self) -> float:
        return max(abs(r) for r in self.residuals_log)


@dataclass(frozen=True)
class MarketTierModel:
    """Price [USD per TH/s] by efficiency tier, scaled with hashprice:
    ``usd_per_th(e, h) = tier_values_usd_per_th[tier(e)] * (h / reference_hashprice) ** elasticity``.

    ``tier_values_usd_per_th`` has one entry per tier of ``tier_edges_j_per_th`` (None: no market point in the
    tier, and :meth:`usd_per_th` refuses it rather than guess). Fitted by :meth:`fit`; :meth:`default` is the fit
    on the shipped points (see the module docstring for the result and its residual spread).
    """

    tier_values_usd_per_th: tuple[float | None, ...]
    elasticity: float
    tier_edges_j_per_th: tuple[float, ...] = TIER_EDGES_J_PER_TH
    reference_hashprice_usd_per_th_day: float = REFERENCE_HASHPRICE_USD_PER_TH_DAY
    fit_report: TierFit | None = None

    def __post_init__(self) -> None:
        edges = tuple(finite("tier edge", e, lo=0.0, lo_open=True) for e in self.tier_edges_j_per_th)
        if any(b <= a for a, b in zip(edges, edges[1:])):
            raise InvalidInputError(f"tier edges must increase, got {edges}")
        if len(self.tier_values_usd_per_th) != len(edges) + 1:
            raise InvalidInputError(f"{len(edges) + 1} tier values needed for edges {edges}, "
                                    f"got {len(self.tier_values_usd_per_th)}")
        values = tuple(None if v is None else finite("tier value", v, lo=0.0, lo_open=True)
                       for v in self.tier_values_usd_per_th)
        object.__setattr__(self, "tier_edges_j_per_th", edges)
        object.__setattr__(self, "tier_values_usd_per_th", values)
        object.__setattr__(self, "elasticity", finite("elasticity", self.elasticity, lo=0.0, hi=10.0))
        finite("reference_hashprice_usd_per_th_day", self.reference_hashprice_usd_per_th_day, lo=0.0, lo_open=True)

    def tier(self, efficiency_j_per_th: float) -> int:
        """Index of the tier holding ``efficiency_j_per_th`` (0 = the most efficient)."""
        e = finite("efficiency_j_per_th", efficiency_j_per_th, lo=0.0, lo_open=True)
        return sum(1 for edge in self.tier_edges_j_per_th if e >= edge)

    def tier_name(self, index: int) -> str:
        edges = self.tier_edges_j_per_th
        if index == 0:
            return f"under {edges[0]:g} J/TH"
        if index == len(edges):
            return f"{edges[-1]:g} J/TH and over"
        return f"{edges[index - 1]:g}-{edges[index]:g} J/TH"

    def usd_per_th(self, efficiency_j_per_th: float, hashprice_usd_per_th_day: float) -> float:
        """Market price [USD per TH/s] of a miner of ``efficiency_j_per_th`` [J/TH] at a hashprice of
        ``hashprice_usd_per_th_day`` [USD per TH/s per day, before pool fee]."""
        i = self.tier(efficiency_j_per_th)
        h = finite("hashprice_usd_per_th_day", hashprice_usd_per_th_day, lo=0.0, lo_open=True)
        value = self.tier_values_usd_per_th[i]
        if value is None:
            raise InvalidInputError(f"the market-tier model has no market point in the {self.tier_name(i)} tier; "
                                    "price such a machine with a quote or the FMV valuation")
        return value * (h / self.reference_hashprice_usd_per_th_day) ** self.elasticity

    @classmethod
    def fit(cls, points: Sequence[MarketPrice] | None = None, *,
            tier_edges_j_per_th: Sequence[float] = TIER_EDGES_J_PER_TH,
            reference_hashprice_usd_per_th_day: float = REFERENCE_HASHPRICE_USD_PER_TH_DAY) -> "MarketTierModel":
        """Least squares (``numpy.linalg.lstsq``) of ``ln(price)`` on one intercept per tier plus
        ``elasticity * ln(hashprice / reference)``, over the market points with ``in_fit`` (default: shipped)."""
        import numpy as np

        use = [p for p in (default_market_prices() if points is None else points)
               if p.kind is PriceKind.MARKET and p.in_fit]
        shell = cls((None,) * (len(tier_edges_j_per_th) + 1), 0.0, tuple(tier_edges_j_per_th),
                    reference_hashprice_usd_per_th_day)
        tiers = [shell.tier(p.efficiency_j_per_th) for p in use]
        present = sorted(set(tiers))
        if len(use) < len(present) + 2:
            raise InvalidInputError(f"{len(use)} market points cannot fit {len(present)} tier values and an "
                                    "elasticity with a residual left over")
        hp = np.array([p.hashprice_usd_per_th_day for p in use])
        a = np.zeros((len(use), len(present) + 1))
        a[np.arange(len(use)), [present.index(t) for t in tiers]] = 1.0
        a[:, -1] = np.log(hp / reference_hashprice_usd_per_th_day)
        if np.linalg.matrix_rank(a) < a.shape[1]:
            raise InvalidInputError("the market points do not separate tier values from the elasticity "
                                    "(hashprice must vary within at least one tier)")
        y = np.log([p.usd_per_th for p in use])
        coef = np.linalg.lstsq(a, y, rcond=None)[0]
        values: list[float | None] = [None] * (len(tier_edges_j_per_th) + 1)
        for k, t in enumerate(present):
            values[t] = float(np.exp(coef[k]))
        report = TierFit(tuple(p.id for p in use), tuple(float(r) for r in y - a @ coef),
                         tuple(tiers.count(t) for t in range(len(values))))
        return cls(tuple(values), max(0.0, float(coef[-1])), tuple(tier_edges_j_per_th),
                   reference_hashprice_usd_per_th_day, report)

    @classmethod
    def default(cls) -> "MarketTierModel":
        """The fit on the shipped market points."""
        return _default_tier_model()


@functools.lru_cache(maxsize=1)
def _default_tier_model() -> MarketTierModel:
    return MarketTierModel.fit()


# ---------------------------------------------------------------------------------------------- FMV check


@dataclass(frozen=True)
class FmvComparison:
    """The valuation's FMV [USD per TH/s] at a market point, and ``ratio`` = FMV / market price.

    ``age_days``/``age_basis``: the unit's age used; ``in_life``: the age is inside the valuation's life (else the
    FMV is 0 by construction); ``published_fmv_usd_per_th``: the source's own calculated FMV for the same model
    and date, when it prints one."""

    point: MarketPrice
    fmv_usd_per_th: float
    age_days: float
    age_basis: str
    in_life: bool
    published_fmv_usd_per_th: float | None = None

    @property
    def ratio(self) -> float:
        return self.fmv_usd_per_th / self.point.usd_per_th

    @property
    def log_ratio(self) -> float:
        """``ln(FMV / market)``; -inf when the FMV is 0."""
        return math.log(self.ratio) if self.ratio > 0 else -math.inf


def fmv_vs_market(points: Sequence[MarketPrice] | None = None, valuation: Any = None, *,
                  difficulty_growth_per_month: float = 0.02, catalog: Any = None) -> tuple[FmvComparison, ...]:
    """FMV / market at every market point (default: the shipped ones) with ``valuation`` (default
    ``Valuation()``), each on its own date and network state (:attr:`MarketPrice.network`), difficulty growing
    ``difficulty_growth_per_month`` from there (BTC growth: the valuation's buyer assumption), for the priced unit
    (:attr:`MarketPrice.hashrate_ths`, :attr:`MarketPrice.power_w`) at the age described in the module docstring."""
    from ..hardware import default_catalog
    from .finance import DAYS_PER_YEAR
    from .network import NetworkProjection
    from .spec import MachineSpec
    from .valuation import Valuation

    pts = default_market_prices() if points is None else tuple(points)
    v = Valuation() if valuation is None else valuation
    cat = default_catalog() if catalog is None else catalog
    life_days = int(round(v.life_years * DAYS_PER_YEAR))
    published = {p._unit_key(): p.usd_per_th for p in pts if p.kind is PriceKind.FMV_CALCULATED}
    out = []
    for p in pts:
        if p.kind is not PriceKind.MARKET:
            continue
        age, basis = _age(p, cat)
        proj = NetworkProjection(p.network.snapshot(p.date, name=p.id),
                                 difficulty_growth_per_month=difficulty_growth_per_month)
        spec = MachineSpec(p.machine or p.label, p.hashrate_ths, p.power_w)
        fmv = float(v.fmv_usd(spec, proj, [0], age)[0]) / p.hashrate_ths
        out.append(FmvComparison(p, fmv, age, basis, age < life_days, published.get(p._unit_key())))
    return tuple(out)


@dataclass(frozen=True)
class BandReport:
    """Where the FMV lands against the market: over in-life points, the median and largest ``|ln(FMV/market)|``,
    the ids outside :data:`BAND_MAX_ABS_LOG_RATIO`, and the ids whose model is past its life on the date."""

    median_abs_log_ratio: float
    max_abs_log_ratio: float
    outside: tuple[str, ...]
    out_of_life: tuple[str, ...]

    @property
    def within(self) -> bool:
        """True when the median and every in-life point are inside the stated band."""
        return self.median_abs_log_ratio <= BAND_MEDIAN_ABS_LOG_RATIO and not self.outside


def band_report(comparisons: Sequence[FmvComparison]) -> BandReport:
    """Summarise :func:`fmv_vs_market` against the stated band (see the module docstring)."""
    live = [c for c in comparisons if c.in_life]
    if not live:
        raise InvalidInputError("no market point is inside its model's life")
    logs = sorted(abs(c.log_ratio) for c in live)
    n = len(logs)
    median = logs[n // 2] if n % 2 else 0.5 * (logs[n // 2 - 1] + logs[n // 2])
    return BandReport(median, logs[-1],
                      tuple(c.point.id for c in live if abs(c.log_ratio) > BAND_MAX_ABS_LOG_RATIO),
                      tuple(c.point.id for c in comparisons if not c.in_life))
