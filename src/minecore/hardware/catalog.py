"""The miner catalog: built-in sourced data plus optional user TOML files.

File format (the built-in ``data/models.toml`` uses the same one)::

    [sources]                      # optional: short ids for long citations
    mine = "Spec sheet, vendor page, 2025-03-01"

    [[models]]
    name = "Antminer S21 Pro"      # matched forgivingly against existing models
    maker = "Bitmain"
    hashrate_ths = 234             # [TH/s]
    power_w = 3531                 # [W] at the wall
    efficiency_j_per_th = 15.09    # [J/TH]; optional, computed when missing
    sources = ["mine"]             # ids from [sources] or literal citations

An entry whose name (or ``key``) matches a model already in the catalog
overrides only the fields it gives; any other entry adds a new model and must
give at least ``name``, ``maker``, ``hashrate_ths`` and ``power_w`` (or
``efficiency_j_per_th``).  Every problem raises :class:`CatalogError` naming the
file, the model and the field.
"""

from __future__ import annotations

import difflib
import functools
import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import replace
from importlib import resources
from typing import Any

from minecore import validate as V
from minecore.errors import CatalogError, InvalidInputError, UnknownModelError
from minecore.hardware.models import FIGURE_FIELDS, AssemblyPeriod, Cooling, MinerModel

__all__ = [
    "Catalog",
    "load_catalog",
    "default_catalog",
    "get_model",
    "normalize_name",
    "slugify",
    "EFFICIENCY_TOLERANCE",
]

#: Relative tolerance between a stated efficiency and power_w / hashrate_ths.
EFFICIENCY_TOLERANCE = 0.02

_NAMEPLATE = ("hashrate_ths", "power_w", "efficiency_j_per_th")
_STR_FIELDS = {
    "key", "maker", "name", "release", "cooling", "chip", "assembly_country", "assembly_note",
    "maker_country", "price_date", "price_source", "notes",
}
#: free-text fields may be long; every other string field is a name or a code (at most 200 characters)
_LONG_TEXT_FIELDS = {"assembly_note", "notes", "price_source"}
_LONG_TEXT_MAX = 10_000
_POS_FLOAT_FIELDS = {"hashrate_ths", "power_w", "efficiency_j_per_th"}
_NONNEG_FLOAT_FIELDS = {"price_usd"}
_POS_INT_FIELDS = {"chips_per_board", "boards", "chips_in_system"}
_BOOL_FIELDS = {"customs_hold_exposed"}
_LIST_FIELDS = {"sources", "unverified", "derived", "aliases", "undated"}
_TABLE_FIELDS = {"field_sources"}
_PERIOD_FIELDS = {"assembly_history"}
_PERIOD_KEYS = {"country", "start", "end", "plant", "note", "sources"}
ALLOWED_FIELDS = (
    _STR_FIELDS | _POS_FLOAT_FIELDS | _NONNEG_FLOAT_FIELDS | _POS_INT_FIELDS | _BOOL_FIELDS
    | _LIST_FIELDS | _TABLE_FIELDS | _PERIOD_FIELDS
)
_UNITS = {
    "power": ("power_w", "[W]"),
    "hashrate": ("hashrate_ths", "[TH/s]"),
    "efficiency": ("efficiency_j_per_th", "[J/TH]"),
    "price": ("price_usd", "[USD]"),
    "watts": ("power_w", "[W]"),
    "wattage": ("power_w", "[W]"),
}
_RELEASE_RE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$")
_SERIES_WORDS = ("antminer", "whatsminer", "avalon", "sealminer", "teraflux", "blockscale")


def slugify(name: str) -> str:
    """Canonical key for a model name: ``"Antminer S21+ Hyd"`` → ``"antminer-s21-plus-hyd"``."""
    text = name.lower().replace("+", " plus ")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def normalize_name(text: str) -> str:
    """Compact form used for forgiving lookup: lower case, ``+`` → ``plus``, hydro → hyd,
    everything but letters and digits dropped (``"S21 Pro"`` and ``"s21pro"`` agree)."""
    text = text.lower().replace("+", "plus").replace("hydro", "hyd")
    return re.sub(r"[^a-z0-9]", "", text)


def _lookup_forms(model: MinerModel) -> set[str]:
    forms = {model.key, model.name, f"{model.maker} {model.name}", *model.aliases}
    words = model.name.split()
    if words and words[0].lower() in _SERIES_WORDS and len(words) > 1:
        forms.add(" ".join(words[1:]))
        forms.add(f"{model.maker} {' '.join(words[1:])}")
    return {normalize_name(f) for f in forms if normalize_name(f)}


class Catalog:
    """An immutable set of :class:`MinerModel` with forgiving lookup."""

    def __init__(self, models: list[MinerModel] | tuple[MinerModel, ...], *, origin: str = "") -> None:
        self._models: dict[str, MinerModel] = {}
        for m in models:
            if m.key in self._models:
                raise CatalogError(f"{origin or 'catalog'}: duplicate model key {m.key!r}")
            self._models[m.key] = m
        self._index: dict[str, set[str]] = {}
        for m in self._models.values():
            for form in _lookup_forms(m):
                self._index.setdefault(form, set()).add(m.key)
        self.origin = origin

    def __iter__(self) -> Iterator[MinerModel]:
        return iter(self._models.values())

    def __len__(self) -> int:
        return len(self._models)

    def __contains__(self, name: object) -> bool:
        if isinstance(name, MinerModel):
            return name.key in self._models
        if not isinstance(name, str):
            return False
        try:
            self.get(name)
        except UnknownModelError:
            return False
        return True

    def __repr__(self) -> str:
        return f"Catalog({len(self)} models)"

    def keys(self) -> list[str]:
        """Canonical keys in catalog order."""
        return list(self._models)

    def find(self, name: str) -> MinerModel | None:
        """Like :meth:`get` but returns None when nothing (or more than one model) matches."""
        if not isinstance(name, str):
            return None
        keys = self._index.get(normalize_name(name), set())
        if len(keys) == 1:
            return self._models[next(iter(keys))]
        return None

    def get(self, name: str) -> MinerModel:
        """Return the model named ``name``; ``"S21 Pro"``, ``"antminer-s21-pro"`` and
        ``"s21pro"`` all find the Antminer S21 Pro.

        Raises :class:`UnknownModelError` with "did you mean …" suggestions.
        """
        name = V.text("model name", name, err=UnknownModelError)
        keys = self._index.get(normalize_name(name), set())
        if len(keys) == 1:
            return self._models[next(iter(keys))]
        if len(keys) > 1:
            names = sorted(self._models[k].name for k in keys)
            raise UnknownModelError(f"model name {name!r} is ambiguous: {', '.join(names)}")
        raise UnknownModelError(f"unknown model {name!r}{self._suggest(name)}")

    def _close_names(self, wanted: str, cutoff: float) -> list[str]:
        names: list[str] = []
        for form in difflib.get_close_matches(wanted, list(self._index), n=12, cutoff=cutoff):
            for key in sorted(self._index[form]):
                if self._models[key].name not in names:
                    names.append(self._models[key].name)
        return names

    def _suggest(self, name: str) -> str:
        """One-line hint: close matches, else the nearest few names, else the makers."""
        wanted = normalize_name(name)
        names = self._close_names(wanted, 0.6)
        if names:
            return f"; did you mean {', '.join(names[:3])}?"
        names = self._close_names(wanted, 0.3)
        if names:
            return f"; nearest names: {', '.join(names[:3])} (all: `minecore models`)"
        return f"; makers: {', '.join(self.makers())} (list one with `minecore models --maker M`)"

    def makers(self) -> list[str]:
        """Makers in catalog order, without repeats."""
        return list(dict.fromkeys(m.maker for m in self._models.values()))

    def models(self, maker: str | None = None, restricted: bool | None = None) -> list[MinerModel]:
        """Models filtered by maker (case-insensitive) and by restriction status
        (``restricted=True``: China-headquartered makers; ``False``: everyone else)."""
        out = list(self._models.values())
        if maker is not None:
            maker = V.text("maker", maker)
            wanted = normalize_name(maker)
            makers = {normalize_name(m): m for m in self.makers()}
            if wanted not in makers:
                close = difflib.get_close_matches(maker, self.makers(), n=3, cutoff=0.5)
                hint = f"; did you mean {', '.join(close)}?" if close else ""
                raise InvalidInputError(
                    f"unknown maker {maker!r} (makers: {', '.join(self.makers())}){hint}"
                )
            out = [m for m in out if normalize_name(m.maker) == wanted]
        if restricted is not None:
            out = [m for m in out if m.restricted == bool(restricted)]
        return out


# --------------------------------------------------------------------------- parsing


class _Ctx:
    """Names the file and model in every error message."""

    def __init__(self, path: str) -> None:
        self.path = path

    def where(self, model: str | None, field: str | None) -> str:
        """``path: model 'X': field 'f'`` (the parts that are known)."""
        where = self.path
        if model is not None:
            where += f": model {model!r}"
        if field is not None:
            where += f": field {field!r}"
        return where

    def fail(self, model: str | None, field: str | None, problem: str) -> CatalogError:
        return CatalogError(f"{self.where(model, field)}: {problem}")


def _unit_hint(field: str) -> str | None:
    base = field.split("_", 1)[0].lower()
    if base in _UNITS:
        good, unit = _UNITS[base]
        if field != good:
            return f"wrong unit or name: use {good} {unit}"
    return None


def _read_toml(path: str, ctx: _Ctx) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ctx.fail(None, None, "file not found") from None
    except IsADirectoryError:
        raise ctx.fail(None, None, "is a directory, not a TOML file") from None
    except PermissionError:
        raise ctx.fail(None, None, "permission denied") from None
    except tomllib.TOMLDecodeError as exc:
        raise ctx.fail(None, None, f"invalid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ctx.fail(None, None, "not a UTF-8 text file") from None


def _check_value(ctx: _Ctx, label: str, field: str, value: Any) -> Any:
    """One field of one entry, checked and cleaned; :class:`CatalogError` names the file, model and field.

    Strings and numbers go through :mod:`minecore.validate` (so a figure written as a string, ``nan`` or
    ``inf`` is rejected with the same wording as everywhere else), named ``path: model 'X': field 'f':``.
    """

    def bad(problem: str) -> CatalogError:
        return ctx.fail(label, field, problem)

    name = f"{ctx.where(label, field)}:"  # validate's messages read "<name> must be ..."
    if field in _STR_FIELDS:
        max_len = _LONG_TEXT_MAX if field in _LONG_TEXT_FIELDS else 200
        value = V.text(name, value, max_len=max_len, err=CatalogError)
        if field == "cooling":
            allowed = [c.value for c in Cooling]
            if value.lower() not in allowed:
                raise bad(f"must be one of {', '.join(allowed)}, got {value!r}")
            value = value.lower()
        if field == "release" and not _RELEASE_RE.match(value):
            raise bad(f"must look like YYYY, YYYY-MM or YYYY-Qn, got {value!r}")
        return value
    if field in _POS_FLOAT_FIELDS:
        return V.positive(name, value, err=CatalogError)
    if field in _NONNEG_FLOAT_FIELDS:
        return V.non_negative(name, value, err=CatalogError)
    if field in _POS_INT_FIELDS:
        return V.count(name, value, minimum=1, err=CatalogError)
    if field in _BOOL_FIELDS:
        if not isinstance(value, bool):
            raise bad(f"must be true or false, got {value!r}")
        return value
    if field in _LIST_FIELDS:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise bad(f"must be a list of strings, got {value!r}")
        return [v.strip() for v in value]
    if field in _PERIOD_FIELDS:
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise bad("must be written as [[models.assembly_history]] tables")
        out_periods = []
        for i, period in enumerate(value):
            where = f"{field}[{i + 1}]"
            for k in period:
                if k not in _PERIOD_KEYS:
                    raise ctx.fail(label, f"{where}.{k}", f"unknown key (known: {', '.join(sorted(_PERIOD_KEYS))})")
            if "country" not in period:
                raise ctx.fail(label, f"{where}.country", "missing")
            clean = {"country": V.text(f"{ctx.where(label, where + '.country')}:", period["country"], err=CatalogError)}
            for k in ("start", "end"):
                if k in period:
                    v = V.text(f"{ctx.where(label, where + '.' + k)}:", period[k], err=CatalogError)
                    if not _RELEASE_RE.match(v):
                        raise ctx.fail(label, f"{where}.{k}", f"must look like YYYY, YYYY-MM or YYYY-Qn, got {v!r}")
                    clean[k] = v
            for k in ("plant", "note"):
                if k in period:
                    clean[k] = V.text(f"{ctx.where(label, where + '.' + k)}:", period[k], max_len=_LONG_TEXT_MAX,
                                      err=CatalogError)
            clean["sources"] = _check_value(ctx, label, "sources", period.get("sources", []))
            out_periods.append(clean)
        return out_periods
    if field in _TABLE_FIELDS:
        if not isinstance(value, dict):
            raise bad(f"must be a table of field = [sources], got {value!r}")
        out = {}
        for sub, srcs in value.items():
            if sub not in FIGURE_FIELDS:
                raise ctx.fail(label, f"{field}.{sub}", "is not a figure field")
            out[sub] = _check_value(ctx, label, "sources", srcs)
        return out
    raise bad("unknown field")  # pragma: no cover - guarded by the caller


def _entry_label(entry: Mapping[str, Any], index: int) -> str:
    name = entry.get("name")
    return name if isinstance(name, str) and name.strip() else f"#{index + 1}"


def _parse_entries(doc: dict[str, Any], ctx: _Ctx) -> tuple[list[tuple[str, dict[str, Any]]], dict[str, str]]:
    for top in doc:
        if top not in ("models", "sources"):
            hint = "; did you mean [[models]]?" if top in ("model", "miners", "miner") else ""
            raise ctx.fail(None, top, f"unknown top-level table (expected [[models]] and [sources]){hint}")
    src_table = doc.get("sources", {})
    if not isinstance(src_table, dict) or not all(isinstance(v, str) for v in src_table.values()):
        raise ctx.fail(None, "sources", "[sources] must map short ids to citation strings")
    raw = doc.get("models", [])
    if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
        raise ctx.fail(None, "models", "models must be written as [[models]] tables")
    entries = []
    for i, entry in enumerate(raw):
        label = _entry_label(entry, i)
        if "name" not in entry:
            raise ctx.fail(label, "name", "missing (every model needs a name)")
        clean: dict[str, Any] = {}
        for field, value in entry.items():
            if field not in ALLOWED_FIELDS:
                hint = _unit_hint(field)
                if hint is None:
                    close = difflib.get_close_matches(field, sorted(ALLOWED_FIELDS), n=1, cutoff=0.6)
                    hint = f"unknown field (did you mean {close[0]!r}?)" if close else "unknown field"
                else:
                    hint = f"unknown field: {hint}"
                raise ctx.fail(label, field, hint)
            clean[field] = _check_value(ctx, label, field, value)
        for listed in ("unverified", "derived", "undated"):
            for f in clean.get(listed, []):
                if f not in FIGURE_FIELDS:
                    raise ctx.fail(label, listed, f"{f!r} is not a figure field")
        entries.append((label, clean))
    return entries, dict(src_table)


def _resolve(sources: list[str], table: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(table.get(s, s) for s in sources))


def _complete_nameplate(ctx: _Ctx, label: str, data: dict[str, Any]) -> None:
    """Fill in the one missing nameplate figure and check the three agree."""
    h, p, e = (data.get(f) for f in _NAMEPLATE)
    derived = list(data.get("derived", []))
    if h is not None and p is not None and e is None:
        data["efficiency_j_per_th"] = round(p / h, 3)
        derived.append("efficiency_j_per_th")
    elif h is not None and e is not None and p is None:
        data["power_w"] = round(h * e, 1)
        derived.append("power_w")
    elif p is not None and e is not None and h is None:
        data["hashrate_ths"] = round(p / e, 3)
        derived.append("hashrate_ths")
    elif h is not None and p is not None and e is not None:
        implied = p / h
        if abs(e - implied) > EFFICIENCY_TOLERANCE * implied:
            raise ctx.fail(
                label,
                "efficiency_j_per_th",
                f"{e:g} J/TH is inconsistent with power_w / hashrate_ths = {p:g} / {h:g} = {implied:.2f} J/TH "
                f"(tolerance {EFFICIENCY_TOLERANCE:.0%}); is a figure in the wrong unit?",
            )
    data["derived"] = list(dict.fromkeys(derived))


def _build(ctx: _Ctx, label: str, data: dict[str, Any], table: Mapping[str, str], origin: str) -> MinerModel:
    for req in ("name", "maker"):
        if not data.get(req):
            raise ctx.fail(label, req, "missing (required for a new model)")
    _complete_nameplate(ctx, label, data)
    if not data.get("_allow_no_nameplate"):
        for req in ("hashrate_ths", "power_w"):
            if data.get(req) is None:
                raise ctx.fail(label, req, "missing (a new model needs hashrate_ths and power_w, or one of them "
                               "and efficiency_j_per_th)")
    if data.get("price_usd") is not None and (not data.get("price_date") or not data.get("price_source")):
        raise ctx.fail(label, "price_usd", "a price needs price_date and price_source")
    field_sources = {f: _resolve(list(s), table) for f, s in data.get("field_sources", {}).items()}
    model_sources = _resolve(list(data.get("sources", [])), table)
    if origin != "built-in":
        default = model_sources or (f"user catalog {ctx.path}",)
        for f in data.get("_user_fields", ()):
            if f in FIGURE_FIELDS and f not in data.get("_user_field_sources", ()):
                field_sources[f] = default
    all_sources = tuple(dict.fromkeys([*model_sources, *(s for v in field_sources.values() for s in v)]))
    price_source = data.get("price_source")
    if price_source is not None:
        price_source = table.get(price_source, price_source)
    name = data["name"]
    try:
        return MinerModel(
            key=data.get("key") or slugify(name),
            maker=data["maker"],
            name=name,
            release=data.get("release"),
            hashrate_ths=data.get("hashrate_ths"),
            power_w=data.get("power_w"),
            efficiency_j_per_th=data.get("efficiency_j_per_th"),
            cooling=data.get("cooling", Cooling.AIR.value),
            chip=data.get("chip"),
            chips_per_board=data.get("chips_per_board"),
            boards=data.get("boards"),
            assembly_country=data.get("assembly_country"),
            maker_country=data.get("maker_country") or "unknown",
            customs_hold_exposed=bool(data.get("customs_hold_exposed", False)),
            price_usd=data.get("price_usd"),
            price_date=data.get("price_date"),
            price_source=price_source,
            sources=all_sources,
            unverified=tuple(dict.fromkeys(data.get("unverified", []))),
            field_sources=field_sources,
            derived=tuple(data.get("derived", [])),
            aliases=tuple(data.get("aliases", [])),
            chips_in_system=data.get("chips_in_system"),
            assembly_note=data.get("assembly_note"),
            notes=data.get("notes"),
            origin=origin,
            undated=tuple(dict.fromkeys(data.get("undated", []))),
            assembly_history=tuple(
                AssemblyPeriod(country=p["country"], start=p.get("start"), end=p.get("end"), plant=p.get("plant"),
                               note=p.get("note"), sources=_resolve(list(p.get("sources", [])), table))
                for p in data.get("assembly_history", [])),
        )
    except TypeError as exc:  # pragma: no cover - the checks above catch bad types first
        raise ctx.fail(label, None, str(exc)) from None


def _model_as_data(model: MinerModel) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for f in ALLOWED_FIELDS:
        if f in ("sources",):
            continue
        if hasattr(model, f):
            v = getattr(model, f)
            if v is None:
                continue
            if isinstance(v, tuple):
                v = list(v)
            if f == "field_sources":
                v = {k: list(s) for k, s in v.items()}
            if f == "assembly_history":
                v = [{k: (list(x) if isinstance(x, tuple) else x) for k, x in p.to_dict().items() if x is not None}
                     for p in v]
            data[f] = v
    data["sources"] = list(model.sources)
    return data


def _apply_file(models: dict[str, MinerModel], path: str, origin_label: str | None = None) -> None:
    ctx = _Ctx(path)
    doc = _read_toml(path, ctx)
    entries, table = _parse_entries(doc, ctx)
    origin = origin_label or path
    current = Catalog(list(models.values()))
    seen: dict[str, str] = {}
    touched: dict[str, str] = {}
    for label, entry in entries:
        ident = normalize_name(entry.get("key") or entry["name"])
        if ident in seen or normalize_name(entry["name"]) in seen:
            raise ctx.fail(label, "name", f"duplicate name: model {seen.get(ident, label)!r} appears twice in this file")
        seen[ident] = label
        seen[normalize_name(entry["name"])] = label
        base = current.find(entry.get("key", "")) if entry.get("key") else None
        base = base or current.find(entry["name"])
        if origin == "built-in":
            base = None
            entry = {**entry, "_allow_no_nameplate": True}
        target = base.key if base is not None else (entry.get("key") or slugify(entry["name"]))
        if target in touched:
            raise ctx.fail(label, "name", f"duplicate name: {touched[target]!r} and {label!r} are the same model")
        touched[target] = label
        if base is None:
            if origin != "built-in":
                entry = {**entry, "_user_fields": tuple(entry), "_user_field_sources": tuple(entry.get("field_sources", {}))}
            model = _build(ctx, label, dict(entry), table, origin)
            if model.key in models:
                raise ctx.fail(label, "key", f"duplicate name: key {model.key!r} already used by {models[model.key].name!r}")
            models[model.key] = model
            current = Catalog(list(models.values()))
            continue
        # override: start from the existing model, drop figures the new nameplate replaces
        merged = _model_as_data(base)
        given = set(entry) & set(_NAMEPLATE)
        dropped: list[str] = []
        if given and "efficiency_j_per_th" not in given:
            dropped.append("efficiency_j_per_th")
        elif given == {"efficiency_j_per_th"}:
            dropped.append("power_w")
        for f in dropped:
            merged.pop(f, None)
        merged["derived"] = [d for d in merged.get("derived", []) if d not in given and d in merged]
        overridden = [f for f in entry if f in FIGURE_FIELDS or f in ("price_date", "price_source")] + dropped
        merged["unverified"] = [u for u in merged.get("unverified", []) if u not in overridden]
        merged["undated"] = [u for u in merged.get("undated", []) if u not in overridden]
        merged.update(entry)
        if "unverified" in entry:
            merged["unverified"] = list(dict.fromkeys([*merged["unverified"], *entry["unverified"]]))
        merged["field_sources"] = {
            k: v for k, v in merged.get("field_sources", {}).items() if k not in overridden
        } | entry.get("field_sources", {})
        merged["sources"] = list(base.sources)
        user_sources = list(entry.get("sources", [])) or [f"user catalog {path}"]
        for f in overridden:
            if f in FIGURE_FIELDS and f not in entry.get("field_sources", {}) and (f in entry or f in dropped):
                merged["field_sources"][f] = user_sources
        if "price_usd" in entry and "price_source" not in entry:
            merged["price_source"] = _resolve(user_sources, table)[0]
        merged["key"] = base.key
        merged["name"] = entry.get("name", base.name) if normalize_name(entry["name"]) != normalize_name(base.name) else base.name
        merged["aliases"] = list(dict.fromkeys([*base.aliases, *entry.get("aliases", [])]))
        merged["_allow_no_nameplate"] = True
        model = _build(ctx, label, merged, table, origin)
        models[base.key] = replace(model, origin=origin)
        current = Catalog(list(models.values()))


def _builtin_path() -> str:
    return str(resources.files("minecore.hardware").joinpath("data", "models.toml"))


def load_catalog(extra_path: str | os.PathLike[str] | None = None) -> Catalog:
    """Load the built-in catalog, then apply the user TOML file ``extra_path`` (if given),
    which may add models or override fields of existing ones.

    Raises :class:`CatalogError` naming file, model and field for any problem in the file.
    """
    if extra_path is not None and not isinstance(extra_path, (str, os.PathLike)):
        raise CatalogError(f"catalog path must be a file path, got {extra_path!r}")
    models: dict[str, MinerModel] = {}
    _apply_file(models, _builtin_path(), origin_label="built-in")
    origin = "built-in"
    if extra_path is not None:
        path = os.fspath(extra_path)
        _apply_file(models, path)
        origin = f"built-in + {path}"
    return Catalog(list(models.values()), origin=origin)


@functools.lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    """The built-in catalog, loaded once and cached."""
    return load_catalog()


def get_model(name: str, catalog: Catalog | None = None) -> MinerModel:
    """Look ``name`` up forgivingly in ``catalog`` (default: the built-in catalog)."""
    return (catalog if catalog is not None else default_catalog()).get(name)
