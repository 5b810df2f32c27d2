"""``negsim brief``: the brief of both shipped scenarios, self-contained, rendered in headless chromium (Playwright).

Builds each brief from a small sweep (4 seeds per point of paris_2025's own 18-point sweep; 10 runs of paris_2026 at
its numbers), checks the page has every section, that no src/href points outside the page and that every <img> is a
data: URI, then renders it full-page in Debian's chromium and checks the screenshot is a tall, non-blank page. The
screenshot is kept in tmp (docs/img/brief_paris_2026.png is one, looked at by hand). Skipped without chromium or
Playwright on a developer's machine; under CI=true a missing browser fails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SECTIONS = ("Question", "Sourced numbers", "Assumptions", "Headline", "Decomposition", "Drivers", "Figures",
            "Modal package", "Who is pivotal", "Caveats", "Reproduce")  # fmt: skip
pytestmark = pytest.mark.slow


def _brief(tmp_path: Path, scenario: str, seeds: int, suffix: str = ".html") -> Path:
    out = tmp_path / f"brief_{scenario}{suffix}"
    cmd = [sys.executable, "-m", "sim", "brief", f"scenarios/{scenario}.yaml", "--seeds", str(seeds),
           "--sweep-out", str(tmp_path / f"sweep_{scenario}"), "-o", str(out)]  # fmt: skip
    env = {**os.environ, "MPLBACKEND": "Agg", "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out)
    return out


@pytest.fixture(scope="module", params=[("paris_2025", 4), ("paris_2026", 10)], ids=["paris_2025", "paris_2026"])
def brief_html(request, tmp_path_factory):
    scenario, seeds = request.param
    return scenario, _brief(tmp_path_factory.mktemp("brief"), scenario, seeds)


def test_the_brief_has_every_section_and_is_self_contained(brief_html):
    scenario, path = brief_html
    page = path.read_text(encoding="utf-8")
    for title in SECTIONS:
        assert f"<h2>{title}</h2>" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page, re.I), "a link to an external resource"
    assert "<script" not in page and "<link" not in page
    imgs = re.findall(r"<img[^>]*\bsrc=\"([^\"]*)\"", page)
    assert len(imgs) >= 2 and all(src.startswith("data:image/png;base64,") for src in imgs)
    assert re.search(r"P\(deal\) = \d+%, 95% interval \[\d+%, \d+%\], over \d+ runs", page)
    assert f"negsim brief scenarios/{scenario}.yaml" in page  # the command that reproduces it
    # provenance from the scenario's tags: the sourced numbers apart, each key number with its tag and reference
    sourced, assumptions = page.split("<h2>Sourced numbers</h2>")[1].split("<h2>Assumptions</h2>")
    assumptions = assumptions.split("<h2>Headline</h2>")[0]
    assert "<td>assumption</td>" in assumptions and "<td>sourced</td>" not in assumptions
    assert "<td>assumption</td>" not in sourced
    if scenario == "paris_2026":
        assert "<td>decision_rules.qmv.member_share</td><td>0.55</td><td>sourced</td><td>TEU art. 16(4)" in sourced
    assert "<td>actors.RU.reservation.expected_gain</td>" in assumptions


def test_paris_2025_brief_facets_its_sweep_and_says_what_is_pooled(brief_html):
    scenario, path = brief_html
    if scenario != "paris_2025":
        pytest.skip("paris_2025 only: it sweeps two parameters")
    page = path.read_text(encoding="utf-8")
    assert "Russia&#x27;s expected gain from fighting on" in page  # the labels: map, not the dotted path
    assert "72 runs, 4 per point" in page and "pooled over" in page


def test_the_brief_renders_in_headless_chromium(brief_html, tmp_path):
    if CHROMIUM is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no chromium: CI must run the browser test (.ci/run installs chromium)")
        pytest.skip("no chromium on this machine (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("playwright is not installed")
        pytest.skip("playwright is not installed (pip install -e '.[dev]')")
    from PIL import Image

    scenario, path = brief_html
    shot = tmp_path / f"{scenario}.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        failed: list[str] = []
        page.on("requestfailed", lambda r: failed.append(r.url))
        page.goto(path.as_uri())
        assert page.locator("h2").count() == len(SECTIONS)
        widths = page.eval_on_selector_all("img", "els => els.map(e => e.naturalWidth)")
        assert widths and all(w > 100 for w in widths), "an embedded figure did not decode"
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    assert not failed
    im = Image.open(shot).convert("L")
    assert im.size[1] > 2000  # the whole page, not the viewport
    lo, hi = im.getextrema()
    assert hi - lo > 150  # not blank


def test_markdown_brief_writes_its_figures_beside_it(tmp_path):
    out = _brief(tmp_path, "paris_2026", 4, ".md")
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# ") and "## Decomposition" in text and "## Reproduce" in text
    figs = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert figs and all((out.parent / f).is_file() for f in figs)
