"""The built site: both languages, switchers, notebooks, search, figures, offline assets.

The site is built once per test session (tests/site/conftest.py: `mkdocs build --strict`, real data).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from built import page_dir

from sitebuild.hooks.quiet import unexpected
from sitebuild.pages import ROOT, is_chinese, site_pages

DOCS = ROOT / "docs"
pytestmark = pytest.mark.site
_page_dir = page_dir
PAGES = site_pages(DOCS)
NOTEBOOKS = [p for p in PAGES if p.suffix == ".ipynb"]


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


# --- every link and heading anchor --------------------------------------------------------
def content_of(html: str) -> str:
    """The page's own content (Material's <article>), without header, navigation and footer."""
    start = html.find('<article class="md-content__inner')
    return html[start:html.find("</article>", start)] if start >= 0 else ""


def built_pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "assets" not in p.relative_to(site).parts)


def ids_of(html: str) -> set[str]:
    return set(re.findall(r'\s(?:id|name)="([^"]+)"', html))


def test_every_link_of_the_built_site_leads_to_a_file_and_every_anchor_to_an_id(site: Path) -> None:
    from html import unescape
    from urllib.parse import unquote, urljoin, urlsplit

    ids: dict[Path, set[str]] = {}
    broken = []
    for page in built_pages(site):
        html = page.read_text(encoding="utf-8")
        ids[page] = ids[page] if page in ids else ids_of(html)
        url = "http://site/" + page.relative_to(site).as_posix()
        for href in {unescape(h) for h in re.findall(r'<a [^>]*href="([^"]*)"', html)}:
            target = urlsplit(urljoin(url, href))
            if target.scheme != "http" or target.netloc != "site":
                continue  # another site (the repository, Colab) or a data: image
            path = site / unquote(target.path).lstrip("/")
            if target.path.endswith("/") or path.is_dir():
                path = path / "index.html"
            if not path.exists():
                broken.append(f"{page.relative_to(site)}: {href} (no {path.relative_to(site)})")
                continue
            if target.fragment and path.suffix == ".html":
                if path not in ids:
                    ids[path] = ids_of(path.read_text(encoding="utf-8"))
                if unquote(target.fragment) not in ids[path]:
                    broken.append(f"{page.relative_to(site)}: {href} (no id {unquote(target.fragment)!r})")
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize("src", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_every_heading_has_a_readable_id_of_its_own(site: Path, src: Path) -> None:
    headings = re.findall(r"<h([1-6])([^>]*)>", content_of(_html(site, src)))
    ids = [re.search(r'id="([^"]*)"', attrs) for _, attrs in headings]
    assert headings and all(i and i.group(1) for i in ids), f"a heading without an id: {headings}"
    ids = [i.group(1) for i in ids]
    assert len(ids) == len(set(ids)), ids
    # no id of mkdocs-jupyter's own (_1), none made of a formula's LaTeX (\text{...})
    assert not [i for i in ids if re.fullmatch(r"_\d*", i) or re.search(r"(^|-)text[a-z]", i)], ids


# --- each language whole --------------------------------------------------------------------
def test_each_language_has_a_search_index_of_its_own_without_the_banner(site: Path) -> None:
    english = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    chinese = json.loads((site / "zh" / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert english["config"]["lang"] == ["en"] and chinese["config"]["lang"] == ["zh"]
    assert english["docs"] and not [d for d in english["docs"] if d["location"].startswith("zh/")]
    for index, folder in ((english, site), (chinese, site / "zh")):
        for doc in index["docs"]:
            page = doc["location"].split("#")[0]
            assert (folder / page / "index.html").exists() or (folder / page).is_file(), doc["location"]
            assert not doc["text"].startswith(("<p>Verified", "<p>已验证")), doc["location"]
            assert "Run this page yourself" not in doc["text"] and "自己运行本页" not in doc["text"]
    assert sum(bool(re.search(r"[\u4e00-\u9fff]", d["text"])) for d in chinese["docs"]) > len(chinese["docs"]) / 2


def test_api_names_are_search_tokens_as_typed(site: Path) -> None:
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    separator = re.compile(index["config"]["separator"])
    tokens = {t for doc in index["docs"] for t in separator.split(re.sub(r"<[^>]+>", " ", doc["text"]))}
    assert {"AccumulateGrad", "zero_grad", "BatchNorm1d"} <= tokens


def test_a_404_page_in_each_language(site: Path) -> None:
    english = (site / "404.html").read_text(encoding="utf-8")
    chinese = (site / "zh" / "404.html").read_text(encoding="utf-8")
    assert '<html lang="en"' in english and "404: page not found" in english
    assert '<html lang="zh"' in chinese and "404：页面不存在" in chinese
    for html in (english, chinese):  # the switcher leads to the two home pages, not the last page built
        assert set(re.findall(r'<a href="([^"]*)" hreflang="(?:en|zh)"', html)) <= {"/", "/zh/"}


@pytest.mark.parametrize("src", [p for p in PAGES if is_chinese(p)], ids=lambda p: str(p.relative_to(DOCS)))
def test_a_chinese_page_speaks_chinese(site: Path, src: Path) -> None:
    html = _html(site, src)
    assert '<html lang="zh"' in html
    for english in ("Permanent link", "Copy to Clipboard", "Switch to dark mode", "Switch to light mode",
                    "Edit this page", "No description has been provided"):
        assert english not in html, english


# --- run any page ------------------------------------------------------------------------------
def notebook_of(site: Path, src: Path) -> tuple[str, str | None, Path]:
    """The page's download link, its Colab link, and the downloaded file."""
    html = _html(site, src)
    download = re.search(r'<a class="nnnotes-download" href="([^"]+)" download="([^"]+)"', html)
    colab = re.search(r'<a class="nnnotes-colab" href="([^"]+)"', html)
    assert download, f"{src.name}: no download link"
    return download.group(1), colab.group(1) if colab else None, site / _page_dir(src) / download.group(1)


@pytest.mark.parametrize("src", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_every_page_has_its_notebook_with_the_pinned_versions_and_its_data(site: Path, src: Path) -> None:
    import nbformat

    from sitebuild.notebook import branch_path, pinned
    from sitebuild.pages import declared_data

    _, colab, path = notebook_of(site, src)
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    setup = notebook.cells[1]
    assert setup.cell_type == "code" and setup.metadata["nnnotes"]["role"] == "setup"
    pins = pinned()
    assert f'"torch=={pins["torch"]}" "torchvision=={pins["torchvision"]}"' in setup.source
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    assert re.search(rf'"nnnotes @ git\+https://github\.com/[^/]+/[^/@]+\.git@{commit}"', setup.source), setup.source
    text = src.read_text(encoding="utf-8")
    declared = (json.loads(text)["metadata"].get("nnnotes", {}).get("data", []) if src.suffix == ".ipynb"
                else declared_data(text))
    if declared:
        assert '"-m", "nnnotes.data", ' + ", ".join(json.dumps(d) for d in declared) + "]" in setup.source
    else:
        assert "nnnotes.data" not in setup.source
    assert colab and colab.endswith("/blob/notebooks/" + branch_path(src.relative_to(DOCS).as_posix()))
    manifest = json.loads((site / "notebooks.json").read_text(encoding="utf-8"))
    assert (site / manifest[branch_path(src.relative_to(DOCS).as_posix())]) == path


def test_the_install_cell_installs_this_repository_at_the_built_commit(site: Path, tmp_path: Path) -> None:
    """Offline, as far as it goes: the nnnotes the setup cell names (this repository, the built
    commit) builds into a wheel of nnnotes; torch and torchvision are the pins (checked above)."""
    import nbformat

    _, _, path = notebook_of(site, DOCS / "modules.md")
    from pip._vendor.packaging.requirements import Requirement

    setup = nbformat.read(path, as_version=4).cells[1].source
    spec = re.search(r'"(nnnotes @ git\+\S+)"', setup).group(1)
    url = Requirement(spec).url  # what pip reads: a valid requirement
    commit = re.fullmatch(r"git\+https://github\.com/[^/]+/[^/]+\.git@([0-9a-f]{40})", url).group(1)
    run = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                          "--no-index", "--wheel-dir", str(tmp_path), f"nnnotes @ git+file://localhost{ROOT}@{commit}"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert [w.name.split("-")[0] for w in tmp_path.glob("*.whl")] == ["nnnotes"]


def test_the_notebooks_branch_tree_is_the_sites_notebooks(site: Path, tmp_path: Path) -> None:
    """What .github/workflows/deploy.yml pushes to the `notebooks` branch, which Colab opens:
    every Colab link's path is in it, and each page's notebook comes from a file of the repository."""
    run = subprocess.run([sys.executable, "-m", "sitebuild.publish_notebooks", str(site), str(tmp_path / "tree")],
                         cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    tracked = set(subprocess.run(["git", "ls-files", "docs"], cwd=ROOT, capture_output=True, text=True).stdout.split())
    for src in PAGES:
        _, colab, path = notebook_of(site, src)
        branch = colab.split("/blob/notebooks/", 1)[1]
        assert (tmp_path / "tree" / branch).read_bytes() == path.read_bytes()
        assert f"docs/{re.sub(r'[.]ipynb$', src.suffix, branch)}" in tracked
    assert "notebooks" in (ROOT / ".github" / "workflows" / "deploy.yml").read_text()


# --- figures and images ---------------------------------------------------------------------
@pytest.mark.parametrize("src", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_every_image_has_real_alt_text_in_its_pages_language(site: Path, src: Path) -> None:
    for img in re.findall(r"<img [^>]*>", content_of(_html(site, src))):
        alt = re.search(r'alt="([^"]*)"', img)
        assert alt and len(alt.group(1)) > 10 and "No description" not in alt.group(1), img[:200]
        assert bool(re.search(r"[\u4e00-\u9fff]", alt.group(1))) == is_chinese(src), alt.group(1)


@pytest.mark.parametrize("src", [p for p in PAGES if p.suffix == ".md"], ids=lambda p: str(p.relative_to(DOCS)))
def test_each_figure_is_drawn_in_its_pages_language_for_the_column(site: Path, src: Path) -> None:
    from sitebuild.figures import WIDTH

    for svg in re.findall(r'<img [^>]*src="([^"]+\.svg)"', _html(site, src)):
        drawing = (site / _page_dir(src) / svg).resolve().read_text(encoding="utf-8")
        words = " ".join(re.findall(r"<!-- (.*?) -->", drawing))  # matplotlib keeps each text as a comment
        assert bool(re.search(r"[\u4e00-\u9fff]", words)) == is_chinese(src), f"{svg}: {words[:200]}"
        width = float(re.search(r'<svg [^>]*width="([\d.]+)pt"', drawing).group(1))
        assert width <= WIDTH * 72 * 1.02, f"{svg} is {width / 72:.1f} in wide"


def test_output_blocks_are_labelled_and_have_no_copy_button(site: Path) -> None:
    from sitebuild.pages import read_blocks

    for src, label in ((DOCS / "modules.md", "Output"), (DOCS / "modules.zh.md", "输出")):
        shown = sum(1 for b in read_blocks(src.read_text(encoding="utf-8")) if b.is_python and b.output)
        outputs = re.findall(r'<div class="nnnotes-output no-copy highlight"><span class="filename">([^<]*)</span>',
                             _html(site, src))
        assert outputs == [label] * shown


def test_no_page_loads_mermaid_or_katex_itself(site: Path) -> None:
    for page in built_pages(site):
        html = page.read_text(encoding="utf-8")
        assert "mermaid.min.js" not in html and "katex.min.js" not in html, page.relative_to(site)
        assert "javascripts/mermaid.js" in html and "javascripts/katex.js" in html


@pytest.mark.parametrize("src", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_every_page_links_to_its_source_and_says_when_it_changed(site: Path, src: Path) -> None:
    html = _html(site, src)
    assert re.search(rf'href="https://github\.com/[^"]+/edit/main/docs/{re.escape(src.relative_to(DOCS).as_posix())}"', html)
    date = re.search(r'git-revision-date-localized-plugin-date"[^>]*>([^<]+)<', html)
    assert date and (("年" in date.group(1)) == is_chinese(src)), date
