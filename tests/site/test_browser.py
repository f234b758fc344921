"""Math and Mermaid render in a real browser from a local `mkdocs serve`, with no internet.

A real headless Chromium is driven by Playwright; every request that leaves 127.0.0.1 is blocked
and recorded, so a CDN dependency fails the test. The browser is, in this order: the program named
by $NNNOTES_CHROMIUM (the GitHub workflows set the runner's preinstalled Google Chrome), Debian's
`chromium` (installed by .ci/run on Debian), `chromium-browser`, Google Chrome, and a Chromium that
`playwright install chromium` downloaded. A snap wrapper (what `apt install chromium` gives on
Ubuntu) is skipped: it is not a browser Playwright can start.
"""

from __future__ import annotations

import functools
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
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
pytestmark = pytest.mark.browser


def why_not(path: str) -> str | None:
    """Why ``path`` is not a browser Playwright can start (None if it is one)."""
    exe = Path(path)
    if not exe.is_file() or not os.access(exe, os.X_OK):
        return "not an executable file"
    if "/snap/" in exe.resolve().as_posix():
        return "a snap"
    with open(exe, "rb") as f:
        head = f.read(8192)
    if head.startswith(b"#!") and b"/snap/" in head:
        return "a snap wrapper"
    try:
        run = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"`{path} --version` failed: {e}"
    if run.returncode != 0 or not any(w in run.stdout for w in ("Chromium", "Chrome")):
        return f"`{path} --version` says {(run.stdout + run.stderr).strip()[:200]!r}"
    return None


def playwright_chromium() -> str | None:
    """The Chromium `playwright install chromium` downloaded, if it did."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        path = p.chromium.executable_path
    return path if Path(path).is_file() else None


@functools.cache
def find_chromium() -> tuple[str | None, list[str]]:
    """The browser to use, and what was tried (see the module's docstring for the order)."""
    chosen = os.environ.get("NNNOTES_CHROMIUM")
    tried = []
    for path in [chosen] if chosen else [*(shutil.which(b) for b in BROWSERS), "playwright"]:
        if path == "playwright":
            path = playwright_chromium()
        if path is None:
            continue
        reason = why_not(path)
        if reason is None:
            return path, tried
        tried.append(f"{path}: {reason}")
    if not tried:
        tried.append(f"none of {', '.join(BROWSERS)} is on PATH, and Playwright downloaded none")
    return None, tried


@pytest.fixture(scope="module")
def server():
    chromium, tried = find_chromium()
    if chromium is None:
        message = ("no usable Chromium: " + "; ".join(tried) + ". Install Debian's `chromium` "
                   "(.ci/run does on Debian) or set NNNOTES_CHROMIUM to a Chromium or Google Chrome.")
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message)
        pytest.skip(message)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "--no-livereload", "-a", f"127.0.0.1:{port}"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "SITE_URL": f"http://127.0.0.1:{port}/", "NO_MKDOCS_2_WARNING": "1"},
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
            executable_path=find_chromium()[0],
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


def test_a_snap_wrapper_is_not_taken_for_a_browser(tmp_path) -> None:
    wrapper = tmp_path / "chromium-browser"  # what Ubuntu's `apt install chromium` puts on PATH
    wrapper.write_text('#!/bin/sh\nexec /snap/bin/chromium "$@"\n')
    wrapper.chmod(0o755)
    assert why_not(str(wrapper)) == "a snap wrapper"


def test_nnnotes_chromium_is_taken_as_given_and_said_when_unusable(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("NNNOTES_CHROMIUM", str(tmp_path / "chrome"))
    assert find_chromium.__wrapped__() == (None, [f"{tmp_path / 'chrome'}: not an executable file"])
