"""The dated market-price table, the market-tier model, and the FMV valuation checked against market prices."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import doctest
import json
import math
from pathlib import Path

import pytest

from minecore.economics import market as M
from minecore.economics.valuation import Valuation
from minecore.errors import InvalidInputError
from minecore.hardware import default_catalog

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "src" / "minecore" / "economics" / "data" / "market_prices.json"
S9_POINTS = {"k33-2022-04-18-over-68", "hashrateindex-2022-12-25-over-68"}


def _history_dir() -> Path | None:
    for base in (REPO / "shared", REPO.parent / "shared"):
        d = base / "research" / "history"
        if (d / "difficulty_by_epoch.csv").exists() and (d / "btc_usd_monthly_average.csv").exists():
            return d
    return None


def _rows(path: Path) -> list[list[str]]:
    with path.open() as f:
        return [r for r in csv.reader(f) if r and not r[0].startswith("#")][1:]


# ---------------------------------------------------------------------------------------------- the table


def test_every_point_has_a_date_a_source_and_a_network_state():
    points = M.load_market_prices()
    assert points == M.load_market_prices(SHIPPED)  # the default is the shipped file
    market = [p for p in points if p.kind is M.PriceKind.MARKET]
    assert len(market) >= 12 and len({p.id for p in points}) == len(points)
    assert {p.date.year for p in market} >= {2022, 2023, 2024, 2025}
    for p in points:
        assert isinstance(p.date, dt.date)
        s = p.source
        assert s.url.startswith(("https://", "http://")) and s.title and s.publisher and s.published
        assert p.date <= s.latest_day()  # a price is not dated after it was published
        n = p.network
        assert n.as_of <= p.date and n.source and n.fees_source
        assert n.difficulty > 0 and n.btc_price_usd > 0 and n.fees_btc_per_block >= 0 and n.block_height > 0
        assert (p.model is None) != (p.tier_j_per_th is None) or p.age_days is not None
        if not p.in_fit and p.kind is M.PriceKind.MARKET:
            assert p.fit_note
        assert json.loads(json.dumps(p.to_dict()))["date"] == p.date.isoformat()
    # several efficiency tiers are covered
    assert len({M.MarketTierModel.fit().tier(p.efficiency_j_per_th) for p in market}) == 5


def test_the_domain_june_2023_points_are_shipped_with_their_original_report():
    by_id = {p.id: p for p in M.load_market_prices()}
    url = "https://hashrateindex.com/blog/luxor-rfq-june-2023-update/"
    for pid, price in [("luxor-2023-06-s19-pro", 13.25), ("luxor-2023-06-s19-pro-fmv", 17.56),
                       ("luxor-2023-06-s19-xp", 24.00), ("luxor-2023-06-s19-xp-fmv", 23.78)]:
        p = by_id[pid]
        assert p.usd_per_th == price and p.date == dt.date(2023, 6, 14) and p.source.url == url
        assert p.network.difficulty == pytest.approx(52.35e12, rel=1e-3) and p.network.btc_price_usd == 27657
        assert p.network.fees_btc_per_block == 0.1 and p.network.block_height == 794_304
    assert by_id["luxor-2023-06-s19-pro-fmv"].kind is M.PriceKind.FMV_CALCULATED


def test_models_are_catalog_names_and_catalog_figures_match_the_catalog():
    cat = default_catalog()
    for p in M.load_market_prices():
        if p.machine is None:
            assert p.figures_from == "source" and p.age_days is not None and p.age_note
            continue
        m = cat.find(p.machine)
        assert m is not None and m.name == p.machine, p.id
        if p.figures_from == "catalog":
            assert p.hashrate_ths == m.hashrate_ths, p.id
            assert p.efficiency_j_per_th == pytest.approx(m.power_w / m.hashrate_ths, abs=0.01), p.id
        if p.tier_j_per_th is not None:
            lo, hi = p.tier_j_per_th
            assert lo <= m.efficiency_j_per_th <= hi, p.id


def test_network_states_are_the_history_csvs_last_retarget_and_monthly_average():
    d = _history_dir()
    if d is None:
        pytest.skip("shared/research/history CSVs not in this checkout")
    retargets = [(dt.date.fromisoformat(r[1][:10]), int(r[0]), float(r[3])) for r in
                 _rows(d / "difficulty_by_epoch.csv")]
    btc = {r[0]: float(r[1]) for r in _rows(d / "btc_usd_monthly_average.csv")}
    from minecore.economics import default_snapshot

    snap = default_snapshot()
    checked = 0
    for p in M.load_market_prices():
        n = p.network
        if n.source.startswith("difficulty and block height: shared/research/history"):
            day, height, diff = [r for r in retargets if r[0] <= p.date][-1]
            assert (n.as_of, n.block_height) == (day, height), p.id
            assert n.difficulty == pytest.approx(diff, rel=1e-9), p.id
            assert n.btc_price_usd == btc[p.date.strftime("%Y-%m")], p.id
            checked += 1
        else:  # past the CSVs: the shipped snapshot's figures
            assert p.date > dt.date(2024, 6, 30) and n.as_of == snap.date
            assert (n.difficulty, n.btc_price_usd, n.fees_btc_per_block, n.block_height) == (
                snap.difficulty, snap.btc_price_usd, snap.fees_btc_per_block, snap.block_height)
    assert checked >= 15


# ---------------------------------------------------------------------------------------------- FMV vs market


def test_default_valuation_lands_within_the_stated_band_of_market_prices():
    """Band (stated in market.py's docstring, chosen from the data): over the market points whose model is
    inside the valuation's 5-year life on the date, the median |ln(FMV / market)| is at most 0.35 (observed 0.28,
    a factor 1.33) and every point is within a factor 2.2 (|ln| <= 0.79; the largest, 0.73, is a 2025 list price
    for new units before coupons). Why so wide: market prices sit tens of percent from calculated FMV (DOMAIN.md),
    and these points span the 2022 crash (listings lag hashprice: FMV / market 1.06-1.74 in H1 2022, 0.66-0.75 at
    the December 2022 trough) and the 2024 halving. Outside by construction, and named here rather than hidden by
    a wider band: the two S9 (over 68 J/TH) tier points, where the S9 is past its 5-year life, so the FMV is 0
    while the market paid $20 and $4.72 per TH."""
    comps = M.fmv_vs_market()
    assert len(comps) == sum(p.kind is M.PriceKind.MARKET for p in M.load_market_prices())
    report = M.band_report(comps)
    assert report.median_abs_log_ratio <= M.BAND_MEDIAN_ABS_LOG_RATIO == 0.35
    assert report.outside == () and report.within
    assert report.max_abs_log_ratio <= M.BAND_MAX_ABS_LOG_RATIO == pytest.approx(math.log(2.2))
    assert set(report.out_of_life) == S9_POINTS
    for c in comps:
        if c.point.id in S9_POINTS:
            assert c.fmv_usd_per_th == 0.0 and c.log_ratio == -math.inf and c.age_days > 5 * 365
        else:
            assert c.fmv_usd_per_th > 0


def test_june_july_2023_points_within_twenty_percent_and_below_luxors_own_fmv():
    """The calibration months: FMV / market within -17 %..+16 %. Next to Luxor's printed 'FMV (calculated)' this
    FMV is 12-37 % lower (it counts only the life left after the catalog release date)."""
    comps = {c.point.id: c for c in M.fmv_vs_market()}
    mid_2023 = [c for c in comps.values() if dt.date(2023, 6, 1) <= c.point.date <= dt.date(2023, 7, 31)]
    assert len(mid_2023) == 5
    for c in mid_2023:
        assert 0.8 <= c.ratio <= 1.2, (c.point.id, c.ratio)
    published = [c for c in comps.values() if c.published_fmv_usd_per_th is not None]
    assert {c.point.id for c in published} == {"luxor-2023-06-s19-pro", "luxor-2023-06-s19j-pro-plus",
                                               "luxor-2023-06-s19-xp", "luxor-2023-06-m50s"}
    for c in published:
        assert 0.55 <= c.fmv_usd_per_th / c.published_fmv_usd_per_th <= 0.95, c.point.id


def test_ages_come_from_catalog_release_dates_or_stated_assumptions():
    comps = {c.point.id: c for c in M.fmv_vs_market()}
    s19_pro = comps["luxor-2023-06-s19-pro"]  # catalog release 2020-05 -> 2020-05-15
    assert s19_pro.age_days == (dt.date(2023, 6, 14) - dt.date(2020, 5, 15)).days
    assert "2020-05" in s19_pro.age_basis
    assert comps["luxor-2023-06-s19j-pro-plus"].age_days == 365  # not in the catalog: stated assumption
    assert comps["theminermag-2025-12-23-s21-hyd-new"].age_days == 0  # new units
    assert M.release_date("2022") == dt.date(2022, 7, 1)
    with pytest.raises(InvalidInputError):
        M.release_date("mid-2022")


def test_fmv_follows_the_valuation_it_is_given():
    base = {c.point.id: c.fmv_usd_per_th for c in M.fmv_vs_market()}
    dear = {c.point.id: c.fmv_usd_per_th for c in M.fmv_vs_market(
        valuation=Valuation(buyer_power_price_usd_per_kwh=0.06))}
    assert all(dear[k] <= base[k] for k in base) and any(dear[k] < base[k] for k in base)


# ---------------------------------------------------------------------------------------------- tier model


def test_tier_model_fit_is_the_documented_one_and_reproduces_its_points():
    """Stated in market.py: elasticity 1.52, tier values at $0.05/TH/day of 11.4, 13.0, 10.5, 7.5 and 3.0 USD/TH,
    residual rms 0.165 in log (about +-18 %), largest 0.40 (+49 %)."""
    model = M.MarketTierModel.default()
    assert model.elasticity == pytest.approx(1.52, abs=0.01)
    assert model.tier_values_usd_per_th == pytest.approx((11.4, 13.0, 10.5, 7.5, 3.0), abs=0.06)
    fit = model.fit_report
    assert fit.rms_log <= 0.17 and fit.max_abs_log <= 0.40
    by_id = {p.id: p for p in M.load_market_prices()}
    assert "luxor-2024-03-25-s19" not in fit.point_ids  # $/TH needs an assumed hashrate: left out, and said why
    assert len(fit.point_ids) == sum(p.in_fit for p in by_id.values()) == 15
    for pid, resid in zip(fit.point_ids, fit.residuals_log):
        p = by_id[pid]
        predicted = model.usd_per_th(p.efficiency_j_per_th, p.hashprice_usd_per_th_day)
        assert math.log(p.usd_per_th / predicted) == pytest.approx(resid, abs=1e-9)
        assert abs(resid) <= fit.max_abs_log <= 0.40


def test_tier_model_scales_with_hashprice_and_refuses_tiers_without_data():
    model = M.MarketTierModel.default()
    lo, hi = model.usd_per_th(30.0, 0.04), model.usd_per_th(30.0, 0.08)
    assert hi / lo == pytest.approx(2.0 ** model.elasticity)
    assert model.usd_per_th(30.0, 0.05) == pytest.approx(model.tier_values_usd_per_th[2])
    assert model.tier(25.0) == 2 and model.tier(24.99) == 1 and model.tier(68.0) == 4
    only_2023 = [p for p in M.load_market_prices() if p.date.year == 2023]
    partial = M.MarketTierModel.fit(only_2023)
    assert partial.tier_values_usd_per_th[0] is None
    with pytest.raises(InvalidInputError, match="under 19 J/TH"):
        partial.usd_per_th(15.0, 0.05)
    with pytest.raises(InvalidInputError):
        model.usd_per_th(30.0, 0.0)


def test_tier_fit_recovers_known_parameters_exactly():
    """Least squares on synthetic points generated by the model itself returns the model."""
    true = M.MarketTierModel((20.0, 15.0, 9.0, 5.0, 2.0), 1.3)
    points = []
    template = next(p for p in M.load_market_prices() if p.id == "luxor-2023-06-s19-xp")
    for i, (eff, diff) in enumerate([(15, 50e12), (15, 80e12), (22, 40e12), (22, 90e12), (30, 30e12),
                                     (30, 60e12), (45, 35e12), (80, 45e12), (80, 70e12)]):
        net = M.MarketNetwork(template.network.as_of, diff, 794_304, 27_657.0, 0.1, "test", "test")
        p0 = M.MarketPrice(f"synthetic-{i}", template.date, M.PriceKind.MARKET, M.Condition.USED, 1.0, "test",
                           100.0, float(eff), "source", template.source, net)
        price = true.usd_per_th(eff, p0.hashprice_usd_per_th_day)
        points.append(M.MarketPrice(f"synthetic-{i}", template.date, M.PriceKind.MARKET, M.Condition.USED, price,
                                    "test", 100.0, float(eff), "source", template.source, net))
    fitted = M.MarketTierModel.fit(points)
    assert fitted.elasticity == pytest.approx(1.3, rel=1e-9)
    assert fitted.tier_values_usd_per_th == pytest.approx(true.tier_values_usd_per_th, rel=1e-9)
    assert fitted.fit_report.max_abs_log < 1e-9


# ---------------------------------------------------------------------------------------------- bad files


def _shipped() -> dict:
    return json.loads(SHIPPED.read_text())


def _point(data: dict, pid: str) -> dict:
    return next(p for p in data["points"] if p["id"] == pid)


def _drop(key):
    def edit(d):
        del _point(d, "luxor-2023-06-s19-pro")[key]
    return edit


def _set(key, value, pid="luxor-2023-06-s19-pro"):
    def edit(d):
        _point(d, pid)[key] = value
    return edit


def _source_set(key, value):
    def edit(d):
        d["sources"]["luxor-rfq-2023-06"][key] = value
    return edit


def _dup(d):
    d["points"].append(copy.deepcopy(d["points"][0]))


def _network_drop(d):
    del _point(d, "luxor-2023-06-s19-pro")["network"]["fees_source"]


BAD_EDITS = {
    "no date": _drop("date"),
    "bad date": _set("date", "2023-13-01"),
    "no source": _drop("source"),
    "unknown source key": _set("source", "nowhere"),
    "source without url": _source_set("url", ""),
    "source url not http": _source_set("url", "hashrateindex.com/blog"),
    "source without publication date": _source_set("published", None),
    "bad publication date": _source_set("published", "June 2023"),
    "price after publication": _set("date", "2024-01-01"),
    "unknown key": _set("usd_per_thh", 1.0),
    "negative price": _set("usd_per_th", -1.0),
    "price as text": _set("usd_per_th", "13.25"),
    "unknown kind": _set("kind", "quote"),
    "duplicate id": _dup,
    "network without fee source": _network_drop,
    "network after the date": lambda d: _point(d, "luxor-2023-06-s19-pro")["network"].update(as_of="2023-06-15"),
    "tier without representative": lambda d: _point(d, "k33-2022-04-18-over-68").pop("representative_model"),
    "efficiency outside its tier": _set("efficiency_j_per_th", 30.0, pid="k33-2022-04-18-over-68"),
    "left out of the fit without a reason": lambda d: _point(d, "luxor-2024-03-25-s19").pop("fit_note"),
    "price outside its range": _set("usd_per_th", 25.0, pid="coindesk-2022-07-16-s19-pro"),
    "age without a note": lambda d: _point(d, "luxor-2023-06-s19j-pro-plus").pop("age_note"),
    "no points": lambda d: d.update(points=[]),
}


@pytest.mark.parametrize("name", sorted(BAD_EDITS))
def test_bad_tables_raise_market_data_error(tmp_path, name):
    data = _shipped()
    BAD_EDITS[name](data)
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(data))
    with pytest.raises(M.MarketDataError) as info:
        M.load_market_prices(path)
    assert isinstance(info.value, InvalidInputError) and str(path) in str(info.value)


def test_unreadable_files_raise_market_data_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    for path in (bad, tmp_path / "missing.json"):
        with pytest.raises(M.MarketDataError):
            M.load_market_prices(path)
    ok = tmp_path / "copy.json"
    ok.write_text(SHIPPED.read_text())
    assert M.load_market_prices(ok) == M.load_market_prices()


def test_module_doctests():
    assert doctest.testmod(M).failed == 0
