"""The HTML report opens in a real headless browser (Debian's chromium), offline, is a decision page, and fits a
desktop (1280 px) and a phone (390 px) without anything wider than the page.

``.ci/system-deps`` installs chromium in CI. Without it these tests are skipped and say why, except under ``CI=true``
(or ``MINECORE_REQUIRE_BROWSER=1``), where a missing browser is a failure: CI must never pass by skipping them.

The DOM dump (``--dump-dom``) proves the browser parsed the page and kept its inline SVG charts; a copy of the page
with a probe script (the page itself has none, and its CSP forbids them) measures, after layout, the document's
scroll width against the viewport and lists any element that reaches past the page's right edge (a wide table may
be wider, inside its own scroll box). The screenshots prove something was drawn: their pixels vary (a blank page has
a single colour) and the chart colours are on screen.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest

from minecore.reports import build_report, default_scenario, render
from minecore.reports.scenario import with_monte_carlo

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
REQUIRED = os.environ.get("CI", "").lower() in ("1", "true", "yes") or os.environ.get("MINECORE_REQUIRE_BROWSER") == "1"
WIDTHS = (1280, 390)  #: a desktop and a phone (CSS pixels)


@pytest.fixture(scope="module")
def chromium():
    if CHROMIUM is None:
        why = "chromium is not installed (run .ci/system-deps, or apt-get install chromium)"
        if REQUIRED:
            pytest.fail(f"{why}; CI=true requires the browser tests to run, not to skip")
        pytest.skip(f"{why}; HTML browser tests skipped")
    return CHROMIUM


@pytest.mark.parametrize("ci", ["true", ""])
def test_ci_fails_instead_of_skipping_without_chromium(tmp_path, ci):
    """Without chromium on PATH, the browser tests fail under CI=true and are skipped (saying why) otherwise."""
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("CI", "MINECORE_REQUIRE_BROWSER")}
    env.update(PATH=str(tmp_path), CI=ci)  # an empty PATH: no chromium
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", __file__, "-k",
                          "parses"], capture_output=True, text=True, timeout=300, env=env, cwd=str(tmp_path))
    out = res.stdout + res.stderr
    if ci:
        assert res.returncode == 1 and "CI=true requires the browser tests to run" in out, out[-3000:]
    else:
        assert res.returncode == 0 and "1 skipped" in out and "chromium is not installed" in out, out[-3000:]


def _chromium(exe: str, tmp_path, *args: str) -> subprocess.CompletedProcess:
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
           "--disable-background-networking", "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars",
           "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",  # no network: any request would fail
           f"--user-data-dir={tmp_path / 'profile'}", *args]
    env = {**os.environ, "HOME": str(tmp_path)}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("html")
    path = tmp / "report.html"
    report = build_report(with_monte_carlo(default_scenario(), paths=200))
    path.write_text(render(report, "html"), encoding="utf-8")
    return tmp, path, report


#: headless chromium windows are at least 500 px wide, so the page is laid out in an iframe as wide as the screen
FRAME = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>html, body {{ margin: 0; }}
iframe {{ border: 0; display: block; width: {width}px; height: {height}px; }}</style></head>
<body><iframe id="page" srcdoc="{srcdoc}"></iframe>{script}</body></html>"""

#: run in the frame's parent after the page loaded: the page's width against its viewport, and what sticks out
PROBE = """<script>
document.getElementById('page').addEventListener('load', (ev) => {
  const d = ev.target.contentDocument, w = d.documentElement.clientWidth, over = [];
  for (const el of d.querySelectorAll('body *')) {
    if (el.closest('.scroll') && !el.classList.contains('scroll')) continue;  // inside a box that scrolls
    if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue;  // a chart's parts: the svg is checked
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > w + 0.5) over.push(el.tagName + '.' + el.className + ' right=' + Math.round(r.right));
  }
  const out = document.createElement('pre');
  out.id = 'probe';
  out.textContent = JSON.stringify({scrollWidth: d.documentElement.scrollWidth, clientWidth: w, over: over.slice(0, 20)});
  document.body.appendChild(out);
});
</script>"""


def _framed(tmp, path, width: int, height: int, probe: bool):
    """A page that shows the report in a ``width`` x ``height`` px frame (the report's own viewport)."""
    import html

    text = FRAME.format(width=width, height=height, srcdoc=html.escape(path.read_text(encoding="utf-8"), quote=True),
                        script=PROBE if probe else "")
    out = tmp / f"frame-{width}-{'probe' if probe else 'shot'}.html"
    out.write_text(text, encoding="utf-8")
    return out


def test_browser_parses_the_page_with_its_charts_and_sections(chromium, page):
    tmp, path, report = page
    res = _chromium(chromium, tmp, "--dump-dom", path.as_uri())
    assert res.returncode == 0, res.stderr[-2000:]
    dom = res.stdout
    # a cumulative-cash, an NPV-distribution and a tornado chart per lot, and the break-even chart
    assert dom.count("<svg") == 3 * len(report.lots) + 1
    assert "Recommendation" in dom and "Cost of the hold so far" in dom and "2025-11-25" in dom
    ids = re.findall(r'<section id="(\w+)"', dom)
    from minecore.reports.sections import ORDER

    assert ids == [k for k in ORDER if k in ids] and ids[0] == "briefing" and ids[-1] == "prices"


@pytest.mark.parametrize("width", WIDTHS)
def test_nothing_is_wider_than_the_page(chromium, page, width):
    """At 1280 and 390 px the document is no wider than the viewport, and no element outside a scroll box reaches
    past its right edge (a phone never scrolls the page sideways)."""
    tmp, path, _report = page
    frame = _framed(tmp, path, width, 1200, probe=True)
    res = _chromium(chromium, tmp, "--window-size=1300,1200", "--virtual-time-budget=10000", "--dump-dom",
                    frame.as_uri())
    assert res.returncode == 0, res.stderr[-2000:]
    m = re.search(r'<pre id="probe">(.*?)</pre>', res.stdout, re.S)
    assert m, "the probe did not run"
    got = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))
    assert width - 20 <= got["clientWidth"] <= width, got
    assert got["scrollWidth"] <= got["clientWidth"], got
    assert got["over"] == [], got


@pytest.mark.parametrize("width", WIDTHS)
def test_screenshot_is_not_blank_and_shows_the_charts(chromium, page, width):
    import numpy as np
    from PIL import Image

    tmp, path, _report = page
    shot = tmp / f"shot-{width}.png"
    height = 9000 if width < 600 else 6000
    frame = _framed(tmp, path, width, height, probe=False)
    res = _chromium(chromium, tmp, f"--screenshot={shot}", f"--window-size={max(width, 500)},{height}",
                    "--virtual-time-budget=10000", frame.as_uri())
    assert res.returncode == 0 and shot.exists(), res.stderr[-2000:]
    from PIL import Image

    Image.open(shot).convert("RGB").crop((0, 0, width, height)).save(shot)  # the frame: the phone's screen
    keep = os.environ.get("MINECORE_SCREENSHOT_DIR")
    if keep:  # to look at them: MINECORE_SCREENSHOT_DIR=/tmp pytest tests/test_report_html.py
        shutil.copy(shot, os.path.join(keep, f"report-{width}.png"))
    img = np.asarray(Image.open(shot).convert("RGB"), dtype=np.float64)
    assert img.shape[:2] == (height, width)
    assert img.std() > 10.0  # a blank page is one colour (std 0)
    # the charts are drawn: the first strategies' colours (Okabe-Ito blue #0072B2, orange #E69F00) are on screen
    for rgb in ((0x00, 0x72, 0xB2), (0xE6, 0x9F, 0x00)):
        near = np.all(np.abs(img - np.array(rgb)) < 24, axis=-1)
        assert near.sum() > 200, f"colour {rgb} not drawn at {width} px"
    # the recommendation box's green border is in the first screen (the decision comes first)
    top = img[: min(1400, height)]
    green = np.all(np.abs(top - np.array((0x0A, 0x7D, 0x45))) < 30, axis=-1)
    assert green.sum() > 100


# ------------------------------------------------------------------------------------------ the page, no browser


@pytest.fixture(scope="module")
def capped():
    from pathlib import Path

    from minecore.reports import load_scenario

    path = Path(__file__).resolve().parent.parent / "examples" / "site-cap.toml"
    return build_report(with_monte_carlo(load_scenario(path), paths=100))


def test_recommendation_box_is_a_briefing(page):
    """Per lot: the decision, expected NPV, lead, P(win), why it wins, what flips it, and the hold cost so far."""
    from minecore.reports import fmt
    from minecore.reports.render_html import _e

    _tmp, path, report = page
    html = path.read_text(encoding="utf-8")
    box = html[html.index('<section id="briefing">'):html.index("</section>")]
    for lot in report.lots:
        rec = lot.recommendation
        win = next(r for r in lot.monte_carlo.rows if r.strategy_key == rec.strategy_key)
        for needle in (f'Recommendation: <span class="win">{_e(rec.strategy_name)}</span>',
                       f"<b>{_e(fmt.usd(rec.expected_npv_usd))}</b><span>expected NPV after tax</span>",
                       f"<b>{_e(fmt.usd(rec.margin_over_next_usd))}</b><span>lead over {_e(rec.runner_up_name)}</span>",
                       f"<b>{fmt.pct(win.p_win, 0)}</b><span>P(win), {PATHS_HTML:,} paths</span>",
                       f"<dt>What flips it</dt><dd>{_e(rec.what_flips)}</dd>", f"<dt>Why</dt><dd>{_e(rec.explanation)}</dd>",
                       f"<b>{_e(fmt.usd(lot.hold_cost.total_usd))}</b><span>hold cost so far</span>"):
            assert needle in box, needle
    assert "the lots do not compete for power" in box


PATHS_HTML = 200


def _legend_clear(fig) -> list[str]:
    """Names of the legends that overlap a plotting area of ``fig`` (none: legends never cover data)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    bad = []
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None] + list(fig.legends)
    for leg in legends:
        box = leg.get_window_extent(renderer)
        for ax in fig.axes:
            if box.overlaps(ax.get_window_extent(renderer)):
                bad.append(f"{fig.axes[0].get_title()}: legend over {ax.get_title() or 'axes'}")
    return bad


def test_legends_never_cover_data(page, capped):
    import matplotlib.pyplot as plt

    from minecore.reports import charts

    for report in (page[2], capped):
        for name, fig in charts.figures(report):
            try:
                assert fig.axes[0].get_legend() is not None or fig.legends or name.startswith("npv"), name
                assert _legend_clear(fig) == [], name
            finally:
                plt.close(fig)


def test_cumulative_cash_ends_with_the_sale_at_the_horizon(capped):
    """The chart's last step is the expected salvage, so each line ends at cash + salvage, and its caption says
    whether the ends follow the ranking."""
    import matplotlib.pyplot as plt

    from minecore.reports import charts
    from minecore.reports.render_html import _cash_caption

    lot = capped.lots[0]
    drawn = charts.cash_order(lot)
    assert any(c.salvage_usd for _s, c, _end in drawn), "the example sells something at the horizon"
    horizon = capped.inputs.horizon_days
    fig = charts.cash_figure(capped, lot)
    try:
        lines = fig.axes[0].get_lines()
        for s, c, end in drawn:
            assert end == c.cumulative_cash_usd[-1] + (c.salvage_usd or 0.0)
            assert any(list(ln.get_xdata()) == [horizon] and list(ln.get_ydata()) == [end] for ln in lines), s.name
            if c.salvage_usd:
                step = [c.cumulative_cash_usd[-1], end]
                assert any(list(ln.get_xdata()) == [horizon, horizon] and list(ln.get_ydata()) == step for ln in lines)
    finally:
        plt.close(fig)
    ends = [end for _s, _c, end in drawn]
    in_order = ends == sorted(ends, reverse=True)
    assert ("The lines end in the ranking's order." in _cash_caption(capped, lot)) == in_order
    labels = [t.get_text() for t in charts.cash_figure(capped, lot).axes[0].get_legend().get_texts()]
    plt.close("all")
    assert [x.split(".")[0] for x in labels] == [str(s.rank) for s, _c, _e in drawn]  # the legend: ranking order


def test_npv_distribution_marks_fixed_strategies_and_shows_every_strategy(page):
    """Abandoning the lot has the same NPV on every path: a marked line with its value, not a spike that squashes
    the other curves; the lower panel has a row for every strategy."""
    import matplotlib.pyplot as plt

    from minecore.reports import charts, fmt

    report = page[2]
    for lot in report.lots:
        mc = lot.monte_carlo
        fixed = [r for r in mc.rows if charts.fixed_value(r)]
        assert [r.strategy_key for r in fixed] == ["abandon"]
        fig = charts.npv_distribution_figure(report, lot)
        try:
            top, ranges = fig.axes
            assert top.get_ylim() == (0.0, 100.0)  # a CDF: the spike cannot set the scale
            labels = [t.get_text() for t in ranges.get_legend().get_texts()]
            assert any(f"{fmt.usd(fixed[0].npv_p50_usd)} on every path" in x for x in labels)
            assert len(ranges.get_yticklabels()) == len(mc.rows)
            drawn = {h.strategy_key for h in mc.histograms} - {r.strategy_key for r in fixed}
            assert sum(1 for x in labels if "on every path" not in x) == len(drawn)
        finally:
            plt.close(fig)


def test_captions_and_charts_name_no_colours(page):
    """Colours are explained by legends; a caption that says "red" for orange bars cannot happen."""
    html = page[1].read_text(encoding="utf-8")
    words = re.compile(r"\b(red|green|blue|orange|yellow|purple|pink|grey|gray)\b", re.I)
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", html, re.S)
    assert captions and not [c for c in captions if words.search(c)]
    svg_text = re.findall(r"<text[^>]*>([^<]*)</text>", html)
    assert svg_text and not [t for t in svg_text if words.search(t)]
