"""The page in a real browser: the dashboard's server on a free loopback port, Debian's chromium driven
headless by Playwright. Load the page, move a slider, play 30 days, and check that the exchanges of fire
the page shows are the command line's for the same seed and settings, and that the browser's console
shows no error. The screenshot is kept in tests/artifacts/ (gitignored).

Without chromium the test is skipped with the reason, unless CI=true (.ci/run installs chromium), where
it fails: CI skips nothing."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from sim import api
from sim.dashboard import assets

from .helpers import BIN, REPO, chromium, env, unavailable

DAYS = 30
SCREENSHOT = "dashboard-run.png"
STATUS = re.compile(r"^Day (\d+(?:\.\d+)?) \(.*\) of 365: (\d+) exchanges of fire in (\d+) episodes")


@pytest.fixture(scope="module")
def browser_path() -> str:
    path = chromium()
    if path is None:
        unavailable("chromium is not installed (Debian: apt-get install chromium; .ci/run installs it)")
    try:
        import playwright.sync_api  # noqa: F401 -- the test extra installs it
    except ImportError:
        unavailable("playwright is not installed (pip install -e '.[test]')")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(browser_path, tmp_path_factory):
    """``solara run sim/dashboard/app.py`` as ``make dashboard`` runs it, on a free port; stopped after."""
    assets.ensure()  # the front-end files, from the npm registry once (sim/dashboard/assets.py)
    work = tmp_path_factory.mktemp("dashboard")
    log = open(work / "server.log", "w")
    port = free_port()
    argv = [str(BIN / "solara"), "run", str(REPO / "sim" / "dashboard" / "app.py")]
    argv += ["--host", "127.0.0.1", "--port", str(port), "--production"]
    proc = subprocess.Popen(argv, cwd=work, env=env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, (work / "server.log").read_text()[-3000:]
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                assert time.monotonic() < deadline, "the dashboard's server did not answer within 90 s"
                time.sleep(0.1)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the server and anything it started; nothing else
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def seed_with_fire(days: int, **settings) -> int:
    """The first seed whose run (the command line's replication 0) has exchanges of fire within ``days``."""
    for seed in range(200):
        incidents = api.run_model("sept2022", seed=seed, **settings).incidents
        if (incidents["time_hours"] <= days * 24).any():
            return seed
    pytest.fail("no seed with fire")


def test_load_move_a_slider_play_30_days(server, browser_path, artifacts):
    from playwright.sync_api import sync_playwright

    intensity = 0.4
    seed = seed_with_fire(DAYS, **{"mediation.intensity": intensity})
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=browser_path, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.goto(server)
            status = page.locator(".ceasefire-status")
            status.wait_for(timeout=60_000)
            assert status.inner_text().startswith("Day 0 (14 Sep 2022) of 365: 0 exchanges of fire")

            # move the mediation slider with the keyboard, as a user would: 1.0 -> 0.4 in steps of 0.05
            slider = page.locator(".v-slider").filter(has_text="mediation (x leverage)").get_by_role("slider")
            slider.focus()
            for _ in range(round((1.0 - intensity) / 0.05)):
                slider.press("ArrowLeft")
            assert float(slider.get_attribute("aria-valuenow")) == pytest.approx(intensity)
            seed_field = page.get_by_label("seed (an integer >= 0)")
            seed_field.fill(str(seed))
            seed_field.press("Enter")
            page.get_by_role("button", name="Reset").click()
            command = page.get_by_text("the same run from the command line")
            expected = f"ceasefire-sim scenario=sept2022 seed={seed} mediation.intensity={intensity:g}"
            page.wait_for_function(
                "([el, want]) => el.textContent.endsWith(want)", arg=[command.element_handle(), expected]
            )

            page.get_by_role("button", name="▶").click()
            page.wait_for_function(
                f"el => parseFloat(el.textContent.slice(4)) >= {DAYS}", arg=status.element_handle(), timeout=120_000
            )
            page.get_by_role("button", name="❚❚").click()
            page.wait_for_function("el => !el.disabled", arg=page.get_by_role("button", name="Step").element_handle())
            shown = STATUS.match(status.inner_text())
            assert shown, status.inner_text()
            day, exchanges = float(shown.group(1)), int(shown.group(2))
            incidents = api.run_model("sept2022", seed=seed, **{"mediation.intensity": intensity}).incidents
            assert day >= DAYS and exchanges > 0
            assert exchanges == int((incidents["time_hours"] <= day * 24).sum())  # the command line's fire
            assert page.get_by_text("opened by (truth)").is_visible()  # the claims table has rows
            assert page.locator("img.solara-image, .solara-image img").count() >= 2 or page.locator("img").count() >= 2
            page.screenshot(path=str(artifacts / SCREENSHOT))
        finally:
            browser.close()
    assert not problems, "\n".join(problems)
    assert Path(artifacts / SCREENSHOT).stat().st_size > 10_000
