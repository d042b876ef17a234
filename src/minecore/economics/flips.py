"""What flips the decision: for one lot, the value of each key input at which the winner changes.

Each input is a :class:`FlipInput` of the registry (see :func:`flip_inputs`; add one with :func:`register`): a
name, a unit, how to read its base value from a :class:`~minecore.economics.inputs.Scenario`, how to move it
(``apply(sc, value) -> Scenario``, everything else unchanged) and the range it is searched over. The built-in
inputs and their search ranges (absolute bounds unless marked "x base"):

================================  ==============  ================  ==========================================
name                              unit            range             what is moved
================================  ==============  ================  ==========================================
``power_price_usd_per_kwh``       USD/kWh         [0, 0.30]         the site's flat price (a price path moves
                                                                    by the same amount every day, floored at 0)
``btc_price_usd``                 USD/BTC         [0.2, 5] x base   the price on the analysis date; the whole
                                                                    price path is scaled with it
``difficulty_growth_per_month``   decimal/month   [-0.05, 0.10]     the projection's trend (not searched when
                                                                    the scenario gives a difficulty path)
``hold_scale``                    x               [0.25, 4]         every hold length of the lot's release
                                                                    model (base 1; clipped to the lengths the
                                                                    release model accepts)
``holding_fee_usd_per_unit_day``  USD/unit/day    [0, 100]          the lot's holding fee while held
``release_cost_fraction``         decimal         [0, 1.5]          ``release_costs_usd_per_unit`` (costs due
                                                                    on release) / the lot's unit price
================================  ==============  ================  ==========================================

A range is widened to include the base value when the scenario's base lies outside it.

Search, per input and side (below and above the base value):

1. **Walk outwards.** ``steps`` points (default 8) at ``base + (end - base) x 2^-k``, k = steps-1 .. 0, i.e. at
   1/128, 1/64, ..., 1/2 of the way to the range end and at the end itself, nearest first. The first point at
   which the base winner no longer wins brackets the first change with the last point at which it still did.
   A change narrower than the step spacing (the winner changes and changes back between two points) can be
   missed; no grid reading is ever reported.
2. **Bisect** on "does the base winner still win" (robust where the lead is non-smooth: it is a max over
   strategies) until the bracket is no wider than ``tolerance = max(tol x |value|, atol)``: ``tol`` is relative
   (default 1e-4), ``atol`` is the input's absolute floor in its unit (power 1e-5 USD/kWh, BTC $1, growth
   1e-5/month, hold scale 1e-4, fee $0.01/unit/day, release cost 1e-4 of the price). The threshold reported is
   the bracket's midpoint, so the winner changes within ``tolerance / 2`` of it; the bracket ends are kept.

Cost, counted in calls of :func:`~minecore.economics.decision.compare` (a few ms each on the default
scenario's lots): one at the base for the whole table; per side without a flip exactly ``steps`` (none when the
base sits on the range end); per side with a flip at most ``steps + ceil(log2(bracket / tolerance))``, the
widest bracket being half the side. With the defaults and the built-in ranges that is at most 8 + 15 per side,
46 per input (BTC price, both sides flipping), and typically 20 to 40 per input.

Example: the winner flips from selling on release to abandoning the lot when the holding fee eats the sale.
Released for sure 200 days from now, fees on days 0..199: selling is worth ``S - 10 x 200 x fee`` for 10
units (``S``: the sale, whatever the valuation model says), so it stops beating abandoning (worth 0) at
``fee = S / 2000``::

    >>> import dataclasses
    >>> from minecore.economics import (MachineSpec, NetworkProjection, NetworkSnapshot, ReleaseModel, Scenario,
    ...                                 SeizedLot, compare)
    >>> snap = NetworkSnapshot(date="2025-11-25", difficulty=152e12, btc_price_usd=91_000, fees_btc_per_block=0.03)
    >>> lot = SeizedLot(MachineSpec("M", hashrate_ths=100, power_w=1000, price_usd=3000), units=10, days_held=0,
    ...                 holding_fee_usd_per_unit_day=5.0, release=ReleaseModel.fixed(200))
    >>> sc = Scenario(lot, projection=NetworkProjection(snap), horizon_days=300, discount_rate_per_year=0.0,
    ...               strategies=("sell_on_release", "abandon"), tariffs=None)
    >>> table = what_flips(sc, ["holding_fee_usd_per_unit_day"])
    >>> row = table.row("holding_fee_usd_per_unit_day", "above")
    >>> free = sc.replace(lots=(dataclasses.replace(lot, holding_fee_usd_per_unit_day=0.0),))
    >>> S = compare(free).outcome("sell_on_release").expected_npv_usd
    >>> row.new_winner, abs(row.threshold - S / 2000) <= row.tolerance / 2
    ('abandon', True)
    >>> fee = f"${row.threshold:,.2f}/unit/day"
    >>> table.sentence() == f"Sell on release wins unless holding fee ≥ {fee} (then Abandon the lot)."
    True
    >>> table.sentence({"sell_on_release": "Selling", "abandon": "walking away"}).endswith("(then walking away).")
    True
"""

from __future__ import annotations

import dataclasses
import enum
import math
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

from ..errors import InvalidInputError
from ..validate import count, finite, text
from .decision import compare
from .inputs import MAX_DAYS, Scenario, strategy_title
from .release import ReleaseKind

DEFAULT_TOL = 1e-4  #: relative tolerance of a threshold (decimal of its value)
DEFAULT_STEPS = 8  #: points per side of the outward walk (1/128 .. 1 of the way to the range end)
MAX_CLAUSES = 3  #: most flips one :meth:`FlipTable.sentence` names
_MAX_BISECTIONS = 200  #: guard only: the tolerance is reached long before (about 15 halvings)


class Side(str, enum.Enum):
    """Which way from the base value an input is moved (values are stable JSON keys)."""

    BELOW = "below"
    ABOVE = "above"


# ---------------------------------------------------------------------------------------------- formatting


def fmt_usd_per_kwh(v: float) -> str:
    return f"${v:.3f}/kWh"


def fmt_usd(v: float) -> str:
    return f"-${-v:,.0f}" if v < 0 else f"${v:,.0f}"


def fmt_percent_per_month(v: float) -> str:
    return f"{v:+.2%}/month"


def fmt_scale(v: float) -> str:
    return f"{v:.2f}x"


def fmt_usd_per_unit_day(v: float) -> str:
    return f"${v:,.2f}/unit/day"


def fmt_fraction_of_price(v: float) -> str:
    return f"{v:.1%} of the unit price"


def strategy_words(label: str) -> str:
    """Plain words for a strategy label (:func:`minecore.economics.inputs.strategy_title`), or for a joint plan's
    label (the lots' labels joined by ``" | "``), e.g. ``Wait and redeploy; Sell on release``."""
    return "; ".join(strategy_title(part) for part in label.split(" | "))


# ---------------------------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class FlipInput:
    """One input :func:`what_flips` can move.

    name : registry key (units in the name, e.g. ``power_price_usd_per_kwh``); label : words for sentences
    ("power price"); unit : its unit; base(sc) : its value in ``sc``; apply(sc, value) : ``sc`` with the input at
    ``value``, everything else unchanged (``apply(sc, base(sc))`` must decide like ``sc``); low, high : the search
    range, absolute, or multiples of the base value when ``relative``; atol : absolute floor of the tolerance
    [unit]; fmt : value -> text with its unit (None: ``f"{value:.4g} {unit}"``); unavailable(sc) : why the input
    cannot be moved in ``sc``, or None; limits(sc) : the values ``apply`` accepts in ``sc`` (the range is clipped
    to them), or None for no limit; doc : one line on what is moved.

    An input of the scenario's valuation, say the buyer's power price, would be registered as::

        register(FlipInput(
            "buyer_power_price_usd_per_kwh", "buyer's power price", "USD/kWh",
            lambda sc: sc.valuation.buyer_power_price_usd_per_kwh,
            lambda sc, v: sc.replace(valuation=dataclasses.replace(sc.valuation, buyer_power_price_usd_per_kwh=v)),
            0.0, 0.15, atol=1e-5, fmt=fmt_usd_per_kwh))
    """

    name: str
    label: str
    unit: str
    base: Callable[[Scenario], float]
    apply: Callable[[Scenario, float], Scenario]
    low: float
    high: float
    atol: float
    relative: bool = False
    fmt: Callable[[float], str] | None = None
    unavailable: Callable[[Scenario], str | None] | None = None
    limits: Callable[[Scenario], tuple[float, float]] | None = None
    doc: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", text("flip input name", self.name, max_len=80))
        object.__setattr__(self, "label", text(f"{self.name}: label", self.label, max_len=80))
        for what in ("base", "apply"):
            if not callable(getattr(self, what)):
                raise InvalidInputError(f"{self.name}: {what} must be callable")
        for what in ("fmt", "unavailable", "limits"):
            if getattr(self, what) is not None and not callable(getattr(self, what)):
                raise InvalidInputError(f"{self.name}: {what} must be callable or None")
        lo = finite(f"{self.name}: low", self.low)
        hi = finite(f"{self.name}: high", self.high)
        if not lo < hi:
            raise InvalidInputError(f"{self.name}: low must be below high, got ({lo:g}, {hi:g})")
        if self.relative and lo <= 0:
            raise InvalidInputError(f"{self.name}: a relative range needs low > 0 (a multiple of the base)")
        object.__setattr__(self, "low", lo)
        object.__setattr__(self, "high", hi)
        object.__setattr__(self, "atol", finite(f"{self.name}: atol", self.atol, lo=0.0, lo_open=True))

    def search_range(self, sc: Scenario, base: float | None = None) -> tuple[float, float]:
        """The range searched in ``sc`` [unit]: the declared one (times the base when relative), clipped to
        :attr:`limits`, widened to include the base value."""
        b = self.base(sc) if base is None else base
        lo, hi = (self.low * b, self.high * b) if self.relative else (self.low, self.high)
        if self.relative and b < 0:
            lo, hi = hi, lo
        if self.limits is not None:
            a, z = self.limits(sc)
            lo, hi = max(lo, a), min(hi, z)
        return min(lo, b), max(hi, b)

    def format(self, value: float) -> str:
        """``value`` with its unit, by :attr:`fmt` (default: 4 significant digits and the unit)."""
        return self.fmt(value) if self.fmt is not None else f"{value:.4g} {self.unit}".strip()


_REGISTRY: dict[str, FlipInput] = {}


def register(inp: FlipInput, *, replace: bool = False) -> FlipInput:
    """Add ``inp`` to the registry (after the inputs already there) and return it; a name already registered
    is an error unless ``replace`` (which keeps its place)."""
    if not isinstance(inp, FlipInput):
        raise InvalidInputError(f"register() takes a FlipInput, got {type(inp).__name__}")
    if inp.name in _REGISTRY and not replace:
        raise InvalidInputError(f"flip input {inp.name!r} is already registered (pass replace=True to replace it)")
    _REGISTRY[inp.name] = inp
    return inp


def flip_inputs() -> tuple[FlipInput, ...]:
    """Every registered input, in registration order (the order of :func:`what_flips`' rows)."""
    return tuple(_REGISTRY.values())


def flip_input(name: str) -> FlipInput:
    """The registered input called ``name``; an unknown name is an error that lists the known ones."""
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise InvalidInputError(f"unknown flip input {name!r}; known: {', '.join(_REGISTRY)}") from None


# ------------------------------------------------------------------------------------ the built-in inputs


def _power_base(sc: Scenario) -> float:
    path = sc.site.power_price_path_usd_per_kwh
    return float(path[0]) if path is not None else float(sc.site.power_price_usd_per_kwh)


def _power_apply(sc: Scenario, v: float) -> Scenario:
    path = sc.site.power_price_path_usd_per_kwh
    if path is None:
        return sc.replace(site=sc.site.replace(power_price_usd_per_kwh=v))
    shift = v - float(path[0])
    return sc.replace(site=sc.site.replace(power_price_usd_per_kwh=v,
                                           power_price_path_usd_per_kwh=tuple(max(0.0, x + shift) for x in path)))


def _btc_base(sc: Scenario) -> float:
    return float(sc.projection.btc_price_usd(1)[0])


def _btc_apply(sc: Scenario, v: float) -> Scenario:
    proj = sc.projection
    k = v / _btc_base(sc)
    snap = proj.snapshot.with_overrides(btc_price_usd=proj.snapshot.btc_price_usd * k)
    path = None if proj.btc_price_path_usd is None else tuple(x * k for x in proj.btc_price_path_usd)
    return sc.replace(projection=proj.replace(snapshot=snap, btc_price_path_usd=path))


def _growth_apply(sc: Scenario, v: float) -> Scenario:
    return sc.replace(projection=sc.projection.replace(difficulty_growth_per_month=v))


def _growth_unavailable(sc: Scenario) -> str | None:
    if sc.projection.difficulty_path is not None:
        return "the scenario gives an explicit difficulty path, which the growth trend does not move"
    return None


def _hold_limits(sc: Scenario) -> tuple[float, float]:
    """Scale factors the release model accepts: hold lengths within its declared bounds, factor <= 100."""
    r = sc.lot.release
    if r.kind is ReleaseKind.FIXED:
        return 0.0, (min(100.0, MAX_DAYS / r.fixed_hold_days) if r.fixed_hold_days > 0 else 100.0)
    return 1.0 / r.median_hold_days, min(100.0, MAX_DAYS / r.median_hold_days)


def _with_lot(sc: Scenario, **changes: Any) -> Scenario:
    return sc.replace(lots=(dataclasses.replace(sc.lot, **changes),))


def _release_cost_base(sc: Scenario) -> float:
    return sc.lot.release_costs_usd_per_unit / sc.lot.machine.price_usd


def _release_cost_unavailable(sc: Scenario) -> str | None:
    return None if sc.lot.machine.price_usd > 0 else "the lot's unit price is 0"


BUILTIN_INPUTS: tuple[FlipInput, ...] = (
    FlipInput("power_price_usd_per_kwh", "power price", "USD/kWh", _power_base, _power_apply, 0.0, 0.30,
              atol=1e-5, fmt=fmt_usd_per_kwh,
              doc="the site's flat power price; a price path moves by the same amount every day (floored at 0)"),
    FlipInput("btc_price_usd", "BTC price", "USD/BTC", _btc_base, _btc_apply, 0.2, 5.0, atol=1.0, relative=True,
              fmt=fmt_usd, doc="BTC price on the analysis date; the whole price path is scaled with it"),
    FlipInput("difficulty_growth_per_month", "difficulty growth", "decimal/month",
              lambda sc: float(sc.projection.difficulty_growth_per_month), _growth_apply, -0.05, 0.10, atol=1e-5,
              fmt=fmt_percent_per_month, unavailable=_growth_unavailable, doc="the projection's difficulty trend"),
    FlipInput("hold_scale", "hold length", "x", lambda sc: 1.0,
              lambda sc, v: _with_lot(sc, release=sc.lot.release.scaled(v)), 0.25, 4.0, atol=1e-4, fmt=fmt_scale,
              limits=_hold_limits, doc="multiplier on every hold length of the lot's release model (1 = as given)"),
    FlipInput("holding_fee_usd_per_unit_day", "holding fee", "USD/unit/day",
              lambda sc: float(sc.lot.holding_fee_usd_per_unit_day),
              lambda sc, v: _with_lot(sc, holding_fee_usd_per_unit_day=v), 0.0, 100.0, atol=0.01,
              fmt=fmt_usd_per_unit_day, doc="the lot's holding fee while held"),
    FlipInput("release_cost_fraction", "release costs", "decimal", _release_cost_base,
              lambda sc, v: _with_lot(sc, release_costs_usd_per_unit=v * sc.lot.machine.price_usd), 0.0, 1.5,
              atol=1e-4, fmt=fmt_fraction_of_price, unavailable=_release_cost_unavailable,
              doc="costs due on release (release_costs_usd_per_unit) as a decimal of the lot's unit price"),
)


def _with_valuation(sc: Scenario, **changes: Any) -> Scenario:
    return sc.replace(valuation=dataclasses.replace(sc.valuation, **changes))


def _duty_rates(sc: Scenario):
    from .decision import entry_duty_rates

    return entry_duty_rates(sc)


def _duty_unavailable(sc: Scenario) -> str | None:
    rates = _duty_rates(sc)
    if float(rates.min()) != float(rates.max()):
        return "the tariff schedule changes the entry duty within the horizon"
    return None if sc.lot.machine.price_usd > 0 else "the lot's declared value is 0"


def _fmv_unavailable(sc: Scenario) -> str | None:
    return None if sc.valuation.kind.value == "fmv" else "resale does not use the buyer's fair market value"


BUILTIN_INPUTS += (
    FlipInput("entry_duty_rate", "entry duty on release", "decimal", lambda sc: float(_duty_rates(sc)[0]),
              lambda sc, v: _with_lot(sc, entry_duty_rate=v), 0.0, 1.5, atol=1e-4,
              fmt=lambda v: f"{v:.1%} of the declared value",
              unavailable=_duty_unavailable, doc="US duty on the seized units' declared value when they enter"),
    FlipInput("buyer_power_price_usd_per_kwh", "buyer's power price", "USD/kWh",
              lambda sc: sc.valuation.buyer_power_price_usd_per_kwh,
              lambda sc, v: _with_valuation(sc, buyer_power_price_usd_per_kwh=v), 0.0, 0.15, atol=1e-5,
              fmt=fmt_usd_per_kwh, unavailable=_fmv_unavailable,
              doc="the marginal buyer's power price in the valuation of resale and salvage"),
    FlipInput("liquidity_discount_per_1000_units", "liquidity discount", "decimal per 1,000 units",
              lambda sc: sc.valuation.liquidity_discount_per_1000_units,
              lambda sc, v: _with_valuation(sc, liquidity_discount_per_1000_units=v,
                                            max_liquidity_discount=max(sc.valuation.max_liquidity_discount, 1.0)),
              0.0, 1.0, atol=1e-5, fmt=lambda v: f"{v:.1%} per 1,000 units",
              doc="discount for selling a large block, per 1,000 units (its cap lifted while searching)"),
)
for _inp in BUILTIN_INPUTS:
    register(_inp)


# ---------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class FlipRow:
    """One input moved one way from its base value.

    threshold : the value at which the base winner stops winning [unit], the midpoint of ``bracket``; None when
    it wins all the way to ``range_end``. bracket : (last value at which the base winner still wins, first value
    at which ``new_winner`` does), no wider than ``tolerance``. base_lead_usd : the base winner's expected NPV
    minus the runner-up's at the base value; lead_over_new_usd : minus ``new_winner``'s at the base value.
    compares : calls of ``compare`` spent on this side.
    """

    input: str
    label: str
    unit: str
    side: Side
    base_value: float
    range_low: float
    range_high: float
    threshold: float | None
    bracket: tuple[float, float] | None
    tolerance: float | None
    base_winner: str
    new_winner: str | None
    base_lead_usd: float
    lead_over_new_usd: float | None
    compares: int
    threshold_text: str = ""  #: the threshold with its unit ('' when there is none)
    range_text: str = ""  #: the searched range with its unit

    @property
    def range_end(self) -> float:
        """The end of the range searched on this side."""
        return self.range_low if self.side is Side.BELOW else self.range_high

    @property
    def flips(self) -> bool:
        return self.threshold is not None

    @property
    def relative_distance(self) -> float | None:
        """|threshold - base| / |base| (when the base is 0: / the width of the range); None without a flip."""
        if self.threshold is None:
            return None
        scale = abs(self.base_value)
        if scale == 0.0:
            scale = self.range_high - self.range_low
        return abs(self.threshold - self.base_value) / scale

    def clause(self, names: Mapping[str, str] | None = None) -> str:
        """``hold length ≥ 2.00x (then Abandon)``; '' when the winner holds over the range."""
        if self.threshold is None:
            return ""
        label = _name(self.input, names, self.label)
        sign = "≥" if self.side is Side.ABOVE else "≤"
        then = _name(self.new_winner, names, strategy_words(self.new_winner))
        return f"{label} {sign} {self.threshold_text} (then {then})"

    def summary(self) -> dict[str, Any]:
        return {"input": self.input, "label": self.label, "unit": self.unit, "side": self.side.value,
                "base_value": self.base_value, "range_low": self.range_low, "range_high": self.range_high,
                "range_end": self.range_end, "threshold": self.threshold,
                "bracket_inside": None if self.bracket is None else self.bracket[0],
                "bracket_outside": None if self.bracket is None else self.bracket[1],
                "tolerance": self.tolerance, "base_winner": self.base_winner, "new_winner": self.new_winner,
                "base_lead_usd": self.base_lead_usd, "lead_over_new_usd": self.lead_over_new_usd,
                "relative_distance": self.relative_distance, "compares": self.compares}


def _name(key: str, names: Mapping[str, str] | None, default: str) -> str:
    return names[key] if names is not None and key in names else default


@dataclass(frozen=True)
class FlipTable:
    """Output of :func:`what_flips`: for one lot, two rows per input searched (below, above the base value).

    compares counts every call of ``compare`` (the base one included); skipped lists ``(input, why)`` for
    inputs the scenario cannot move.
    """

    lot: str
    base_winner: str
    base_npv_usd: float
    runner_up: str | None
    base_lead_usd: float
    rows: tuple[FlipRow, ...]
    skipped: tuple[tuple[str, str], ...]
    tol: float
    steps: int
    compares: int

    def row(self, input: str, side: Side | str) -> FlipRow:
        """The row of ``input`` on ``side`` ("below" or "above" the base value)."""
        try:
            side = Side(side)
        except ValueError:
            raise InvalidInputError(f"side must be 'below' or 'above', got {side!r}") from None
        for r in self.rows:
            if r.input == input and r.side is side:
                return r
        raise InvalidInputError(f"no row for {input!r} {side.value} (searched: "
                                f"{', '.join(dict.fromkeys(r.input for r in self.rows))})")

    def flips(self) -> tuple[FlipRow, ...]:
        """Rows with a threshold, nearest (in relative terms, see :attr:`FlipRow.relative_distance`) first."""
        return tuple(sorted((r for r in self.rows if r.flips), key=lambda r: r.relative_distance))

    def sentence(self, names: Mapping[str, str] | None = None, *, max_clauses: int = MAX_CLAUSES) -> str:
        """One sentence: the winner and the nearest flips (at most ``max_clauses``), e.g. "Sell on release wins
        unless BTC price ≥ $118,000 (then Wait and redeploy) or hold length ≥ 2.00x (then Abandon the lot)."

        ``names`` maps strategy labels (``replace_now:Bitdeer A2``) and input names (``hold_scale``) to the words
        used for them (default: :func:`strategy_words` and each input's label).
        """
        winner = _name(self.base_winner, names, strategy_words(self.base_winner))
        clauses = [r.clause(names) for r in self.flips()[:max(0, max_clauses)]]
        if not clauses:
            ranges = "; ".join(f"{_name(r.input, names, r.label)} {r.range_text}"
                               for r in self.rows if r.side is Side.ABOVE)
            return f"{winner} wins over the whole range searched ({ranges})." if ranges else f"{winner} wins."
        tail = clauses[0] if len(clauses) == 1 else f"{', '.join(clauses[:-1])} or {clauses[-1]}"
        return f"{winner} wins unless {tail}."

    def to_dataframe(self):
        """One row per input and side, in search order."""
        import pandas as pd

        return pd.DataFrame([r.summary() for r in self.rows])

    def summary(self) -> dict[str, Any]:
        return {"lot": self.lot, "base_winner": self.base_winner, "base_npv_usd": self.base_npv_usd,
                "runner_up": self.runner_up, "base_lead_usd": self.base_lead_usd, "tol": self.tol,
                "steps": self.steps, "compares": self.compares, "sentence": self.sentence(),
                "rows": [r.summary() for r in self.rows],
                "skipped": [{"input": n, "why": why} for n, why in self.skipped]}


# ---------------------------------------------------------------------------------------------- search


def _resolve_inputs(inputs: Iterable[FlipInput | str] | None) -> tuple[FlipInput, ...]:
    if inputs is None:
        return flip_inputs()
    if isinstance(inputs, (str, FlipInput)):
        inputs = (inputs,)
    out = tuple(i if isinstance(i, FlipInput) else flip_input(i) for i in inputs)
    names = [i.name for i in out]
    if len(set(names)) != len(names):
        raise InvalidInputError(f"flip inputs must be unique, got {names}")
    return out


def _walk_points(base: float, end: float, steps: int) -> list[float]:
    """``base + (end - base) x 2^-k`` for k = steps-1 .. 0 (nearest first; the last is ``end``)."""
    if end == base:
        return []
    return [base + (end - base) * 2.0 ** -k for k in range(steps - 1, 0, -1)] + [end]


def what_flips(sc: Scenario, inputs: Sequence[FlipInput | str] | None = None, *, tol: float = DEFAULT_TOL,
               steps: int = DEFAULT_STEPS) -> FlipTable:
    """For the lot of the single-lot scenario ``sc``, the value of each input at which the winner changes, on
    each side of its base value (see the module docstring for the search, its tolerance and its cost).

    inputs : registered names or :class:`FlipInput` objects (default: every registered input, in order);
    tol : relative tolerance of a threshold (decimal, in (0, 0.1]); the input's ``atol`` floors it;
    steps : points per side of the outward walk (2 to 30).
    """
    lot = sc.lot  # a single-lot scenario: raises with a hint otherwise

    def decide(s: Scenario) -> tuple[str, dict[str, float], float, str | None]:
        res = compare(s)
        return (res.winner.label, {o.label: o.expected_npv_usd for o in res.outcomes}, res.margin_usd,
                res.runner_up.label if res.runner_up else None)

    return _search(sc, lot.name, _resolve_inputs(inputs), decide, tol, steps)


#: inputs that move the whole site (not one lot): the ones a joint plan can be flipped by
SITE_INPUTS = ("power_price_usd_per_kwh", "btc_price_usd", "difficulty_growth_per_month",
               "buyer_power_price_usd_per_kwh", "liquidity_discount_per_1000_units")
PLAN_SEPARATOR = " | "  #: joins the lots' strategy labels into a plan's label


def what_flips_plan(sc: Scenario, inputs: Sequence[FlipInput | str] | None = None, *, tol: float = DEFAULT_TOL,
                    steps: int = DEFAULT_STEPS) -> FlipTable:
    """The same search for the site's joint plan (:func:`minecore.economics.plan.joint_plans`): the value of each
    site-wide input (:data:`SITE_INPUTS` by default) at which the best plan changes. Plan labels join the lots'
    strategy labels with :data:`PLAN_SEPARATOR`, in the scenario's lot order."""
    from .plan import joint_plans

    def decide(s: Scenario) -> tuple[str, dict[str, float], float, str | None]:
        res = joint_plans(s)
        labels = [PLAN_SEPARATOR.join(p.strategies) for p in res.plans]
        npv = dict(zip(labels, (p.expected_npv_usd for p in res.plans)))
        lead = res.plans[0].expected_npv_usd - res.plans[1].expected_npv_usd if len(res.plans) > 1 else 0.0
        return labels[0], npv, lead, labels[1] if len(labels) > 1 else None

    return _search(sc, "joint plan", _resolve_inputs(inputs if inputs is not None else SITE_INPUTS), decide, tol,
                   steps)


def _search(sc: Scenario, name: str, chosen: tuple[FlipInput, ...], decide_fn: Callable, tol: float,
            steps: int) -> FlipTable:
    tol = finite("tol", tol, lo=0.0, lo_open=True, hi=0.1)
    steps = count("steps", steps, minimum=2, maximum=30)
    n_compares = 0

    def decide(s: Scenario):
        nonlocal n_compares
        n_compares += 1
        return decide_fn(s)

    winner, npv0, lead, runner_up = decide(sc)
    rows: list[FlipRow] = []
    skipped: list[tuple[str, str]] = []
    for inp in chosen:
        why = inp.unavailable(sc) if inp.unavailable is not None else None
        if why:
            skipped.append((inp.name, why))
            continue
        b = float(inp.base(sc))
        lo, hi = inp.search_range(sc, b)
        range_text = f"{inp.format(lo)} to {inp.format(hi)}"

        def winner_at(v: float, inp: FlipInput = inp) -> str:
            return decide(inp.apply(sc, v))[0]

        for side, end in ((Side.BELOW, lo), (Side.ABOVE, hi)):
            before = n_compares
            inside, outside, new = b, None, None
            for x in _walk_points(b, end, steps):
                label = winner_at(x)
                if label != winner:
                    outside, new = x, label
                    break
                inside = x
            threshold = bracket = tolerance = None
            if outside is not None:
                for _ in range(_MAX_BISECTIONS):
                    mid = 0.5 * (inside + outside)
                    if abs(outside - inside) <= max(tol * abs(mid), inp.atol):
                        break
                    label = winner_at(mid)
                    if label == winner:
                        inside = mid
                    else:
                        outside, new = mid, label
                threshold = 0.5 * (inside + outside)
                bracket = (inside, outside)
                tolerance = max(tol * abs(threshold), inp.atol)
            rows.append(FlipRow(inp.name, inp.label, inp.unit, side, b, lo, hi, threshold, bracket, tolerance, winner,
                                new, lead, None if new is None else npv0[winner] - npv0.get(new, math.nan),
                                n_compares - before, "" if threshold is None else inp.format(threshold), range_text))
    return FlipTable(name, winner, npv0[winner], runner_up, lead, tuple(rows), tuple(skipped), tol, steps, n_compares)
