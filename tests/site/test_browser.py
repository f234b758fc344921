"""Math and Mermaid render in a real browser from a local `mkdocs serve`, with no internet.

Headless Debian Chromium (`/usr/bin/chromium`, installed by .ci/run) is driven by Playwright;
every request that leaves 127.0.0.1 is blocked and recorded, so a CDN dependency fails the test.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server():
    if CHROMIUM is None:
        message = "Chromium is not installed (Debian package `chromium`; .ci/run installs it)"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message)
        pytest.skip(message)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "--no-livereload", "-a", f"127.0.0.1:{port}"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "SITE_URL": f"http://127.0.0.1:{port}/"},
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.time() + 600
        while time.time() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"mkdocs serve exited:\n{proc.stderr.read()[-4000:]}")
            try:
                urllib.request.urlopen(url + "zh/", timeout=2)
                break
            except OSError:
                time.sleep(1)
        else:
            pytest.fail("mkdocs serve did not answer within 10 minutes")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


def _open(browser, url: str):
    """A page that may only talk to 127.0.0.1; returns it with its console errors and blocked requests."""
    page = browser.new_page()
    errors: list[str] = []
    blocked: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def route(r):
        if r.request.url.startswith(("http://127.0.0.1", "data:", "blob:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(url, wait_until="networkidle")
    return page, errors, blocked


@pytest.mark.parametrize("lang", ["", "zh/"])
def test_math_and_mermaid_render_offline(server, browser, lang) -> None:
    page, errors, blocked = _open(browser, f"{server}{lang}autograd/graph/")
    page.wait_for_function("document.querySelectorAll('.katex').length > 0", timeout=20000)
    # Material draws each diagram into a closed shadow root of a div.mermaid that replaces the
    # <pre class="mermaid"> source: a drawn diagram is a div with a height.
    page.wait_for_function(
        "document.querySelectorAll('pre.mermaid').length === 0 && document.querySelectorAll('div.mermaid').length > 0"
        " && [...document.querySelectorAll('div.mermaid')].every(d => d.getBoundingClientRect().height > 50)",
        timeout=30000,
    )
    assert not blocked, f"requests left the machine: {blocked}"
    assert not errors, f"console errors: {errors}"
    page.close()


def test_switcher_follows_instant_navigation(server, browser) -> None:
    page, errors, blocked = _open(browser, server)
    page.click("a.md-nav__link[href$='modules/']")
    page.wait_for_url("**/modules/")
    page.wait_for_function("document.querySelector('.md-select__link[hreflang=zh]').href.endsWith('/zh/modules/')")
    assert not errors and not blocked
    page.close()
