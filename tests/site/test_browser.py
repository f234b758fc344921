"""The site as a reader uses it, in a real browser from a local `mkdocs serve`, with no internet.

A real headless Chromium is driven by Playwright; every request that leaves 127.0.0.1 is blocked
and recorded, so a CDN dependency fails the test. What it checks: math and Mermaid render
offline, and Mermaid's 3.5 MB are fetched only by a page with a diagram; the language switcher
follows instant navigation; a page's notebook downloads, in each language, valid and naming the
pinned versions, and its Colab link names a path of the notebooks branch; a 404 page per
language; search finds only pages of the reader's language, AccumulateGrad on the graph page
first; every in-page anchor of every page leads to an element; output blocks carry their label
and no copy button; a Chinese page's figure is drawn in Chinese and is shown at full size on a
laptop; axe-core (npm, pinned in package.json) finds no accessibility violation of the project's
own making (Material's own defaults it excludes are listed in AXE_EXCLUDED, with the reason). The browser is, in this order: the program named
by $NNNOTES_CHROMIUM (the GitHub workflows set the runner's preinstalled Google Chrome), Debian's
`chromium` (installed by .ci/run on Debian), `chromium-browser`, Google Chrome, and a Chromium that
`playwright install chromium` downloaded. A snap wrapper (what `apt install chromium` gives on
Ubuntu) is skipped: it is not a browser Playwright can start.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
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


def _open(browser, url: str, requested: list[str] | None = None, **options):
    """A page that may only talk to 127.0.0.1; returns it with its console errors and blocked
    requests (and records every request in ``requested``)."""
    page = browser.new_page(**{"viewport": {"width": 1280, "height": 900}, **options})
    errors: list[str] = []
    blocked: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def route(r):
        if requested is not None:
            requested.append(r.request.url)
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


# --- what a reader does with the site ----------------------------------------------------------
PINS = {name: version for name, version in (line.split("==") for line in
        (ROOT / "constraints.txt").read_text().splitlines() if "==" in line and not line.startswith("#"))}


@pytest.mark.parametrize("lang", ["", "zh/"])
def test_a_pages_notebook_downloads_valid_and_names_the_pinned_versions(server, browser, lang) -> None:
    import nbformat

    page, errors, blocked = _open(browser, f"{server}{lang}modules/")
    with page.expect_download() as download:
        page.click("a.nnnotes-download")
    notebook = nbformat.reads(Path(download.value.path()).read_text(encoding="utf-8"), as_version=4)
    nbformat.validate(notebook)
    assert download.value.suggested_filename == ("modules.zh.ipynb" if lang else "modules.ipynb")
    assert notebook.metadata["nnnotes"]["language"] == ("zh" if lang else "en")
    setup = notebook.cells[1].source
    assert f'"torch=={PINS["torch"]}" "torchvision=={PINS["torchvision"]}"' in setup
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    assert re.search(rf'"nnnotes @ git\+https://github\.com/[^/\s]+/[^/\s]+\.git@{head}"', setup), setup
    assert sum(c.cell_type == "code" for c in notebook.cells) > 10
    assert not errors and not blocked
    page.close()


@pytest.mark.parametrize("path", ["zh/autograd/graph/", "notebooks/train-mnist/"])
def test_the_colab_link_opens_the_pages_notebook_on_the_notebooks_branch(server, browser, path, tmp_path) -> None:
    """The branch the deploy publishes (sitebuild.publish_notebooks, run here on the notebooks
    the site serves) holds, at the path the Colab link names, the notebook the page downloads;
    the link's repository is repo_url, the one "edit this page" leads to."""
    from sitebuild.publish_notebooks import publish

    page, errors, blocked = _open(browser, f"{server}{path}")
    colab = page.get_attribute("a.nnnotes-colab", "href")
    m = re.fullmatch(r"https://colab\.research\.google\.com/github/([^/]+/[^/]+)/blob/notebooks/(.+\.ipynb)", colab)
    assert m, colab
    edit = page.eval_on_selector("a.md-content__button[href*='/edit/']", "a => a.href")
    assert edit.startswith(f"https://github.com/{m.group(1)}/edit/"), (colab, edit)
    download = page.eval_on_selector("a.nnnotes-download", "a => a.href")
    manifest = json.loads(urllib.request.urlopen(f"{server}notebooks.json").read())
    site = tmp_path / "site"
    for site_path in manifest.values():
        (site / site_path).parent.mkdir(parents=True, exist_ok=True)
        (site / site_path).write_bytes(urllib.request.urlopen(server + site_path).read())
    (site / "notebooks.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert m.group(2) in publish(site, tmp_path / "branch")
    assert (tmp_path / "branch" / m.group(2)).read_bytes() == urllib.request.urlopen(download).read()
    stem = m.group(2).removesuffix(".ipynb")
    sources = [f"docs/{stem}.md", f"docs/{stem}.ipynb"]  # a page, or a notebook page's own notebook
    tracked = subprocess.run(["git", "ls-files", "--", *sources], cwd=ROOT, capture_output=True, text=True)
    assert tracked.stdout.strip(), f"neither of {sources} is a file of the repository"
    assert not errors and not blocked
    page.close()


@pytest.mark.parametrize("lang, title, home, search", [("", "404: page not found", "Home", "Search"),
                                                     ("zh/", "404：页面不存在", "首页", "搜索")])
def test_a_missing_page_says_so_in_its_language(server, browser, lang, title, home, search) -> None:
    page, errors, blocked = _open(browser, f"{server}{lang}no/such/page/")
    page.wait_for_function(f"document.documentElement.lang === {('zh' if lang else 'en')!r}"
                           f" && document.querySelector('h1') && document.querySelector('h1').textContent.includes({title!r})")
    assert page.url == f"{server}{lang}no/such/page/"  # the address the reader asked for
    nav = page.eval_on_selector_all("nav.md-nav--primary a.md-nav__link[href]",
                                    "links => links.map(a => [a.origin + a.pathname, a.textContent.trim()])")
    assert len(nav) >= 15 and all(url.startswith(f"{server}zh/") == bool(lang) for url, _ in nav), nav
    assert nav[0] == [f"{server}{lang}", home]  # the navigation in the reader's language
    assert page.get_attribute(".md-search__input", "placeholder") == search
    assert page.eval_on_selector("article p a[href]", "a => a.href") == f"{server}{lang}"  # back home
    assert not blocked
    assert all("404" in e for e in errors), errors  # only the missing page itself
    page.close()


def search(page, query: str) -> list[tuple[str, str]]:
    """(address, text) of each result Material's search shows for ``query``, entered as a reader
    enters it (Material searches on a key's release: a fill alone, or an IME's text, is not seen
    until a key is released)."""
    placeholder = page.evaluate("JSON.parse(document.getElementById('__config').textContent)"
                                ".translations['search.result.placeholder']")
    meta = ".md-search-result__meta"
    page.click(".md-search__input")
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")
    page.wait_for_function(f"document.querySelector({meta!r}).textContent.trim() === {placeholder!r}")
    page.fill(".md-search__input", query)
    page.keyboard.press("End")
    page.wait_for_function(f"document.querySelector({meta!r}).textContent.trim() !== {placeholder!r}", timeout=30000)
    page.wait_for_timeout(300)
    return page.eval_on_selector_all(
        ".md-search-result__item > a.md-search-result__link",
        "links => links.map(a => [a.href, a.querySelector('article').innerText])")


@pytest.mark.parametrize("lang", ["", "zh/"])
def test_search_finds_pages_of_the_readers_language_and_api_names_as_typed(server, browser, lang) -> None:
    page, errors, blocked = _open(browser, f"{server}{lang}modules/")
    for query in ("AccumulateGrad", "BatchNorm", "zero_grad", *(["反向传播"] if lang else [])):
        results = search(page, query)
        assert results, query
        pages = [urllib.parse.urljoin(url, urllib.parse.urlparse(url).path) for url, _ in results]
        assert all(u.startswith(f"{server}zh/") == bool(lang) for u in pages), (query, pages)
        assert not any(text.strip().startswith(("Verified", "已验证")) for _, text in results)
        if query == "AccumulateGrad":
            assert pages[0] == f"{server}{lang}autograd/graph/", pages
    assert not errors and not blocked
    page.close()


def site_pages(page, server) -> list[str]:
    """Every page of the site in both languages: what the navigation of each home page links
    (the sitemap leaves the notebook pages out)."""
    pages = set()
    for home in (server, f"{server}zh/"):
        page.goto(home, wait_until="load")
        pages |= set(page.eval_on_selector_all(
            "nav.md-nav--primary a.md-nav__link[href]",
            "links => links.filter(a => a.origin === location.origin).map(a => a.origin + a.pathname)"))
    return sorted(pages)


def test_every_in_page_anchor_of_every_page_leads_to_an_element(server, browser) -> None:
    page, errors, blocked = _open(browser, server)
    pages, missing, followed = site_pages(page, server), {}, 0
    for url in pages:
        page.goto(url, wait_until="load")
        hashes = page.evaluate("""() => [...document.querySelectorAll('a[href*="#"]')]
            .filter(a => a.origin === location.origin && a.pathname === location.pathname && a.hash.length > 1)
            .map(a => decodeURIComponent(a.hash.slice(1)))""")
        followed += len(hashes)
        lost = page.evaluate("ids => ids.filter(id => !document.getElementById(id) && !document.getElementsByName(id).length)", hashes)
        if lost:
            missing[url] = sorted(set(lost))
    zh = [u for u in pages if u.startswith(f"{server}zh/")]
    assert len(zh) >= 15 and len(pages) == 2 * len(zh), pages  # every page, in both languages
    assert f"{server}zh/notebooks/train-mnist/" in zh, zh
    assert followed > 20 * len(pages)  # headings' permalinks and the table of contents, at least
    assert not missing, missing
    page.close()


@pytest.mark.parametrize("lang, label", [("", "Output"), ("zh/", "输出")])
def test_an_output_block_carries_its_label_and_no_copy_button(server, browser, lang, label) -> None:
    page, errors, blocked = _open(browser, f"{server}{lang}modules/")
    labels = page.eval_on_selector_all(".nnnotes-output .filename", "els => els.map(e => e.textContent.trim())")  # also in a closed solution
    assert labels and {text.lower() for text in labels} == {label.lower()}
    assert page.locator(".nnnotes-output button.md-code__button, .nnnotes-output .md-clipboard").count() == 0
    assert page.locator(".highlight:not(.nnnotes-output) button.md-code__button, "
                        ".highlight:not(.nnnotes-output) .md-clipboard").count() > 0  # code keeps its copy button
    page.close()


def test_mermaid_is_fetched_only_by_a_page_with_a_diagram(server, browser) -> None:
    mermaid = "script[src*='mermaid.min.js']"
    requested: list[str] = []
    page, errors, blocked = _open(browser, f"{server}modules/", requested)
    assert not page.locator("div.mermaid, pre.mermaid").count()  # no diagram here...
    assert not [u for u in requested if "mermaid.min.js" in u] and not page.locator(mermaid).count()  # ...no Mermaid
    assert page.evaluate("typeof window.mermaid.render === 'function' && !window.mermaid.mermaidAPI")  # the stand-in
    page.click("a.md-nav__link[href$='autograd/graph/']")  # instant navigation to a page with diagrams
    page.wait_for_function("document.querySelectorAll('div.mermaid').length > 0", timeout=30000)
    assert [u for u in requested if "mermaid.min.js" in u] and page.locator(mermaid).count() == 1
    assert not errors and not blocked
    page.close()
    requested.clear()
    page, errors, blocked = _open(browser, f"{server}zh/autograd/graph/", requested)  # straight to one
    page.wait_for_function("document.querySelectorAll('div.mermaid').length > 0", timeout=30000)
    assert len([u for u in requested if "mermaid.min.js" in u]) == 1 and page.locator(mermaid).count() == 1
    assert not errors and not blocked
    page.close()


def test_a_chinese_pages_figure_is_drawn_in_chinese_and_shown_at_full_size(server, browser) -> None:
    page, errors, blocked = _open(browser, f"{server}zh/optimizers/")
    figure = page.locator("img[src$='learning_rate.svg']")
    src = figure.evaluate("img => img.src")
    assert src.startswith(f"{server}zh/figures/"), src
    svg = page.request.get(src).text()
    assert re.search(r"<!-- [^>]*[\u4e00-\u9fff]", svg), "no Chinese text in the figure"
    natural, shown = figure.evaluate("img => [img.naturalWidth, img.getBoundingClientRect().width]")
    assert shown >= 0.95 * natural, (natural, shown)  # at 1280 px: not shrunk, its 9 pt text 12 px
    figure.click()  # glightbox: the figure full screen
    page.wait_for_selector(".glightbox-container .gslide-image img", timeout=10000)
    assert not errors and not blocked
    page.close()


# Violations axe reports on every page that come from Material for MkDocs' own markup, not
# from this project: what each rule flags, and why it is left to Material.
AXE_EXCLUDED = {
    "aria-dialog-name": (".md-search", "Material's search overlay is a role=dialog without a name "
                         "(partials/search.html); it opens from the labelled search field"),
    "landmark-unique": (".md-code__nav", "Material 9.8 wraps each code block's copy button in a <nav> "
                        "with no name, so a page with several code blocks has several unnamed nav landmarks"),
}
AXE_PAGES = ["", "modules/", "zh/modules/", "losses/", "autograd/graph/", "zh/notebooks/train-mnist/",
             "optimizers/", "no/such/page/"]


@pytest.mark.parametrize("path", AXE_PAGES)
def test_axe_finds_no_accessibility_violation_of_the_projects_own(server, browser, path) -> None:
    page, errors, blocked = _open(browser, f"{server}{path}")
    if page.locator(".arithmatex").count():  # the lazy math: rendered, and fitted to the column
        page.wait_for_function("document.documentElement.dataset.nnnotesMath === 'rendered'", timeout=20000)
    page.add_script_tag(path=str(ROOT / "node_modules" / "axe-core" / "axe.min.js"))
    violations = page.evaluate("""() => axe.run(document, {resultTypes: ['violations']}).then(r =>
        r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                nodes: v.nodes.map(n => n.target.join(' '))})))""")
    ours = []
    for v in violations:
        excluded = AXE_EXCLUDED.get(v["id"])
        nodes = [n for n in v["nodes"] if not (excluded and excluded[0] in n)]
        if nodes:
            ours.append(f"{v['id']} ({v['impact']}): {v['help']}: {nodes[:5]}")
    assert not ours, "\n".join(ours)
    page.close()
