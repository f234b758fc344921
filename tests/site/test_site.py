"""The built site: both languages, switchers, notebooks, search, figures, offline assets.

Builds once per test session with `mkdocs build --strict` (any warning fails the build), with the
real data of $NNNOTES_DATA_DIR (skipped without it, failed under CI, like every test of real data).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sitebuild.hooks.quiet import unexpected
from sitebuild.pages import ROOT, is_chinese, site_pages

DOCS = ROOT / "docs"
pytestmark = pytest.mark.site


def _page_dir(src: Path) -> str:
    """docs/autograd/graph.zh.md -> zh/autograd/graph/ ; docs/index.md -> ''."""
    rel = src.relative_to(DOCS).as_posix()
    rel = re.sub(r"(\.zh)?\.(md|ipynb)$", "", rel)
    rel = "" if rel == "index" else rel + "/"
    return ("zh/" if is_chinese(src) else "") + rel


PAGES = site_pages(DOCS)
NOTEBOOKS = [p for p in PAGES if p.suffix == ".ipynb"]


@pytest.fixture(scope="session")
def build(tmp_path_factory, data_dir) -> tuple[Path, subprocess.CompletedProcess]:
    """The site as deployed: strict, with real data (without it, see test_no_data.py)."""
    out = tmp_path_factory.mktemp("site")
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "NNNOTES_DATA_DIR": str(data_dir), "NO_MKDOCS_2_WARNING": "1"},
    )
    assert run.returncode == 0, f"mkdocs build --strict failed:\n{run.stdout}\n{run.stderr[-6000:]}"
    return out, run


@pytest.fixture(scope="session")
def site(build) -> Path:
    return build[0]


def test_the_build_prints_its_warnings_and_slow_steps_only(build) -> None:
    assert not unexpected(build[1].stdout + build[1].stderr)


def _html(site: Path, src: Path) -> str:
    return (site / _page_dir(src) / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("src", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_page_is_built_with_a_switcher_to_its_twin(site: Path, src: Path) -> None:
    html = _html(site, src)
    twin_lang = "en" if is_chinese(src) else "zh"
    twin = _page_dir(src).removeprefix("zh/") if is_chinese(src) else "zh/" + _page_dir(src)
    links = re.findall(rf'<a href="([^"]*)" hreflang="{twin_lang}"', html)
    assert links, f"no language switcher link on {_page_dir(src)}"
    here = f"http://x/{_page_dir(src)}"
    from urllib.parse import urljoin

    assert {urljoin(here, link) for link in links} == {f"http://x/{twin}"}


@pytest.mark.parametrize("src", NOTEBOOKS, ids=lambda p: str(p.relative_to(DOCS)))
def test_notebook_is_a_rendered_page_in_its_language(site: Path, src: Path) -> None:
    html = _html(site, src)
    assert html.lstrip().lower().startswith("<!doctype html"), "the notebook was copied, not rendered"
    assert "jupyter-wrapper" in html and 'class="md-content"' in html
    assert f'<html lang="{"zh" if is_chinese(src) else "en"}"' in html
    # nbconvert renders a notebook's Markdown without MkDocs: no admonitions, no .md links
    assert "!!! " not in html and "??? " not in html, "a MkDocs admonition left as text"
    assert not re.search(r'href="[^"]*\.md(#[^"]*)?"', html), "a link to a .md file (use ../../page/)"


@pytest.mark.parametrize("src", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_page_says_which_torch_verified_it(site: Path, src: Path) -> None:
    from importlib.metadata import version

    torch = version("torch").split("+")[0]
    assert f"PyTorch {torch}" in _html(site, src)


def test_search_index_splits_chinese_words(site: Path) -> None:
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    separator = re.compile(index["config"]["separator"])
    tokens = {t for doc in index["docs"] for t in separator.split(doc["text"] + " " + doc["title"]) if t}
    assert {"梯度", "张量"} <= tokens


def test_chinese_headings_get_readable_anchors(site: Path) -> None:
    html = (site / "zh" / "modules" / "index.html").read_text(encoding="utf-8")
    ids = re.findall(r'<h2 id="([^"]+)"', html)
    assert ids and not any(re.fullmatch(r"_\d*", i) for i in ids), ids
    assert any(re.search(r"[\u4e00-\u9fff]", i) for i in ids)


def test_nothing_is_loaded_from_a_cdn(site: Path) -> None:
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        found = re.findall(r'(?:src|href)="(https?://(?:unpkg|cdn\.jsdelivr|cdnjs|fonts\.googleapis)[^"]*)"', text)
        assert not found, f"{page.relative_to(site)} loads {found}"
    assert (site / "assets" / "vendor" / "mermaid" / "mermaid.min.js").exists()
    assert (site / "assets" / "vendor" / "katex" / "katex.min.js").exists()


def test_every_figure_a_page_shows_was_drawn(site: Path) -> None:
    for src in PAGES:
        if src.suffix != ".md":
            continue
        html = _html(site, src)
        for svg in re.findall(r'<img[^>]+src="([^"]+\.svg)"', html):
            target = (site / _page_dir(src) / svg).resolve()
            assert target.exists() and target.stat().st_size > 1000, f"{src.name}: {svg}"


def test_404_page_exists(site: Path) -> None:
    assert (site / "404.html").exists()
