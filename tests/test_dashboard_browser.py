"""`negsim dashboard` in a real browser: Debian's chromium, headless, driven by Playwright (no browser download).

Starts the real server on a free loopback port, opens the page, checks that P(deal) and the sliders render, switches
the agenda to a single package (the shipped ceasefire-first agenda never gives a deal), moves Russia's expected gain
to 0.4 with the keyboard and sees P(deal) fall — each time after every panel's background computation is done (no
``.negsim-computing`` left) — and ends connected: no "App is disconnected" banner, no "Please refresh" dialog, the
websocket still up (the work runs in threads, not in the event handler that serves the socket). Skipped without
chromium or Playwright on a developer's machine; under CI=true (.ci/run installs chromium) a missing browser fails.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
P_DEAL = re.compile(r"P\(deal\) = (\d\.\d\d)")
pytestmark = pytest.mark.slow


def _missing(why: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{why}: CI must run the browser test (.ci/run installs chromium)")
    pytest.skip(why)


@pytest.fixture
def server(tmp_path):
    if CHROMIUM is None:
        _missing("no chromium on this machine (apt-get install chromium)")
    for module in ("solara", "playwright"):
        try:
            __import__(module)
        except ImportError:
            _missing(f"{module} is not installed (pip install -e '.[dev]')")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = (tmp_path / "server.log").open("w")
    # Paris 2025 over 30 weeks: its actors concede on their own clocks (Russia's ≈ 33 weeks), so within the
    # scenario's 12 no seed agrees even as one package, and the slider could not lower P(deal)
    text = (ROOT / "scenarios" / "paris_2025.yaml").read_text()
    assert "  max_rounds: 12 " in text
    scenario = tmp_path / "paris_2025.yaml"
    text = text.replace("  max_rounds: 12 ", "  max_rounds: 30 ")
    # the Rada, Congress and minerals votes made certain: at p 0.4, 0.5, 0.9 (since the fidelity pass #16.1) they
    # cap P(deal) near 0.15 whatever Russia expects, and the slider's effect could not show
    for vote in (
        "p: 0.5, when: [article5_like_us_europe]",
        "p: 0.4, when: [constitutional_and_nato_ban]",
        "p: 0.9, when: [us_ua_fund_plus_eu]",
    ):
        assert vote in text
        text = text.replace(vote, "p: 1.0," + vote.split(",", 1)[1])
    scenario.write_text(text)
    cmd = [sys.executable, "-m", "sim", "dashboard", str(scenario), "--port", str(port), "--seeds", "40"]
    env = {**os.environ, "MPLBACKEND": "Agg", "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, (tmp_path / "server.log").read_text()
            try:
                urllib.request.urlopen(url, timeout=5).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the dashboard server did not answer within 90 s"
                time.sleep(0.5)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)
        log.close()


def _p_deal(page) -> float:
    match = P_DEAL.search(page.get_by_text(P_DEAL).first.inner_text())
    assert match, "no P(deal) on the page"
    return float(match.group(1))


def _settled(page, sync_api) -> None:
    """Wait until no panel shows "computing…": the runs, the analysis and the curve are those of the current changes."""
    sync_api.expect(page.locator(".negsim-computing")).to_have_count(0, timeout=240_000)


def _connected(page) -> None:
    for text in ("App is disconnected", "Please refresh", "Could not restore session"):
        shown = page.get_by_text(text).filter(visible=True).count()
        assert shown == 0, f"the page shows {text!r}: the server stopped serving the websocket"
    # solara's page keeps its websocket's state in window.solara.debug (a test hook: checked where it exists)
    js = "() => { const d = window.solara && window.solara.debug; return d ? d.connectionStatus : 'no hook' }"
    status = page.evaluate(js)
    assert status in ("connected", "no hook"), f"the page's websocket is {status!r}"


def test_dashboard_in_chromium(server, tmp_path):
    from playwright import sync_api  # the fixture checked it is installed

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.set_default_timeout(120_000)
            page.goto(server)
            page.get_by_text(P_DEAL).first.wait_for()
            _settled(page, sync_api)
            assert page.locator(".negsim-slider").count() >= 7, "the protocol and actor sliders should render"
            assert _p_deal(page) <= 0.1  # as shipped: ceasefire first, Russia refuses (tests/test_shipped_outcomes.py)

            page.locator(".v-select", has_text="agenda").first.click()
            page.locator(".v-menu__content .v-list-item", has_text="single_package").first.click()
            page.get_by_text("protocol.agenda: ceasefire_first → single_package").wait_for()
            _settled(page, sync_api)
            before = _p_deal(page)

            thumb = page.locator(".negsim-actors-RU-reservation-expected_gain [role=slider]").first
            thumb.focus()
            thumb.press("PageUp")  # + a tenth of the range: 0.15 -> 0.35
            thumb.press("Shift+ArrowRight")  # + 3 steps -> 0.38
            thumb.press("Control+ArrowRight")  # + 2 steps -> 0.40
            page.get_by_text("actors.RU.reservation.expected_gain: 0.15 → 0.4").wait_for()
            _settled(page, sync_api)
            after = _p_deal(page)
            _connected(page)
            page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=False)
            if os.environ.get("NEGSIM_DASHBOARD_SCREENSHOT"):
                page.screenshot(path=os.environ["NEGSIM_DASHBOARD_SCREENSHOT"], full_page=False)
        finally:
            browser.close()
    assert before >= 0.2, f"a single package should give deals (P(deal) {before})"
    assert after < before - 0.15, f"Russia expecting 0.4 from fighting on should cut P(deal): {before} -> {after}"
