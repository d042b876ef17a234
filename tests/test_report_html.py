"""The HTML report opens in a real headless browser (Debian's chromium), offline, and is visibly not blank.

``.ci/system-deps`` installs chromium in CI. Without it this test is skipped and says why.
The DOM dump (``--dump-dom``) proves the browser parsed the page and kept its four inline SVG charts;
the screenshot proves something was drawn: its pixels vary (a blank page has a single colour) and the
chart area holds the chart colours.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from minecore.reports.scenario import with_monte_carlo
from minecore.reports import build_report, default_scenario, render

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (run .ci/system-deps, or apt-get install chromium); HTML browser test skipped",
)


def _chromium(tmp_path, *args: str) -> subprocess.CompletedProcess:
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
           "--disable-background-networking", "--disable-sync", "--disable-dev-shm-usage",
           "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",  # no network: any request would fail
           f"--user-data-dir={tmp_path / 'profile'}", *args]
    env = {**os.environ, "HOME": str(tmp_path)}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("html")
    path = tmp / "report.html"
    path.write_text(render(build_report(with_monte_carlo(default_scenario(), paths=200)), "html"), encoding="utf-8")
    return tmp, path


def test_browser_parses_page_with_four_charts(page):
    tmp, path = page
    res = _chromium(tmp, "--dump-dom", path.as_uri())
    assert res.returncode == 0, res.stderr[-2000:]
    dom = res.stdout
    assert dom.count("<svg") == 4
    assert "Recommendation" in dom and "Cost of the hold so far" in dom and "2025-11-25" in dom


def test_screenshot_is_not_blank(page):
    import numpy as np
    from PIL import Image

    tmp, path = page
    shot = tmp / "shot.png"
    res = _chromium(tmp, f"--screenshot={shot}", "--window-size=1280,2600", "--hide-scrollbars", path.as_uri())
    assert res.returncode == 0 and shot.exists(), res.stderr[-2000:]
    img = np.asarray(Image.open(shot).convert("RGB"), dtype=np.float64)
    assert img.shape[:2] == (2600, 1280)
    assert img.std() > 10.0  # a blank page is one colour (std 0)
    # the charts are drawn: the first chart's colours (Okabe-Ito blue #0072B2, orange #E69F00) are on screen
    for rgb in ((0x00, 0x72, 0xB2), (0xE6, 0x9F, 0x00)):
        near = np.all(np.abs(img - np.array(rgb)) < 24, axis=-1)
        assert near.sum() > 200, f"colour {rgb} not drawn"
