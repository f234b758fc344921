"""The questions page (docs/questions.md and its twin) maps every question and claim of the
learner's notes to the section that answers it: every link must lead to an existing section, in
both languages, and to the same section in both; the entries keep the notes' own order.

Anchors are computed as MkDocs computes them: each target page is rendered with the Markdown
extensions and settings of ``mkdocs.yml`` (so with the site's slugify, ``pymdownx.slugs`` in
lower case, and its ``{#id}`` attributes), and its headings are read from the table of contents.
``mkdocs build --strict`` (tests/site/test_site.py) checks the same links again in the built site.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import markdown
import pytest

from sitebuild.pages import ROOT
from sitebuild.translations import without_front_matter

DOCS = ROOT / "docs"
PAGES = {"en": DOCS / "questions.md", "zh": DOCS / "questions.zh.md"}
LINK = re.compile(r"\[[^\]]+\]\(([^)#\s]+\.md)(?:#([^)\s]+))?\)")
ROW = re.compile(r"^\| (\d\.\d+) \| ([\d, -]+) \|")


@lru_cache(maxsize=1)
def _markdown_settings() -> tuple[list, dict]:
    from mkdocs.config import load_config

    cfg = load_config(str(ROOT / "mkdocs.yml"))
    return cfg.markdown_extensions, cfg.mdx_configs


@lru_cache(maxsize=None)
def headings(page: Path) -> list[str]:
    """The anchors of a page's headings, in page order (the h1 first)."""
    extensions, configs = _markdown_settings()
    md = markdown.Markdown(extensions=extensions, extension_configs=configs)
    md.convert(without_front_matter(page.read_text(encoding="utf-8")))
    found: list[str] = []

    def walk(tokens: list[dict]) -> None:
        for token in tokens:
            found.append(token["id"])
            walk(token["children"])

    walk(md.toc_tokens)
    return found


def target(lang: str, path: str) -> Path:
    """The file a link of a page in ``lang`` leads to: ``x.md`` is ``x.zh.md`` on a Chinese page."""
    page = DOCS / path
    return page.with_name(page.name[:-3] + ".zh.md") if lang == "zh" else page


def rows(lang: str) -> list[tuple[str, str, list[tuple[str, str | None]]]]:
    """(entry, line of the notes, links) for every table row of the page."""
    found = []
    for line in PAGES[lang].read_text(encoding="utf-8").splitlines():
        m = ROW.match(line)
        if m:
            found.append((m.group(1), m.group(2), LINK.findall(line.split(" | ")[-1])))
    return found


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_link_of_the_questions_page_leads_to_an_existing_section(lang: str) -> None:
    broken = []
    for entry, _, links in rows(lang):
        if not links:
            broken.append(f"{entry}: no link")
        for path, anchor in links:
            page = target(lang, path)
            if not page.exists():
                broken.append(f"{entry}: {path} does not exist")
            elif anchor and anchor not in headings(page):
                broken.append(f"{entry}: {path}#{anchor} is not a section of {page.relative_to(DOCS)}")
    assert not broken, f"{PAGES[lang].name}: links that do not resolve:\n" + "\n".join(broken)


def test_both_languages_list_the_same_entries_and_link_the_same_sections() -> None:
    en, zh = rows("en"), rows("zh")
    assert [(e, l) for e, l, _ in en] == [(e, l) for e, l, _ in zh]
    differ = []
    for (entry, _, en_links), (_, _, zh_links) in zip(en, zh):
        if [p for p, _ in en_links] != [p for p, _ in zh_links]:
            differ.append(f"{entry}: pages {en_links} / {zh_links}")
            continue
        for (path, a), (_, b) in zip(en_links, zh_links):
            en_page, zh_page = target("en", path), target("zh", path)
            if not (a and b and en_page.exists() and zh_page.exists()):
                continue
            sections = headings(en_page), headings(zh_page)
            if a in sections[0] and b in sections[1] and sections[0].index(a) != sections[1].index(b):
                differ.append(f"{entry}: {path}#{a} is section {sections[0].index(a)}, "
                              f"but #{b} is section {sections[1].index(b)} of the Chinese page")
    assert not differ, "links to different sections:\n" + "\n".join(differ)


def test_the_entries_keep_the_notes_order() -> None:
    entries = rows("en")
    files = sorted({e.split(".")[0] for e, _, _ in entries})
    assert files == ["0", "1", "2", "3"], "one section per file of the notes"
    for f in files:
        lines = [int(re.match(r"\d+", line).group(0)) for e, line, _ in entries if e.split(".")[0] == f]
        assert lines == sorted(lines), f"notes {f}: entries out of the notes' order"


def test_headings_are_read_as_the_site_writes_their_anchors(tmp_path) -> None:
    page = tmp_path / "p.md"
    page.write_text("---\ntranslates: x\n---\n# 优化器\n\n## What `optimizer.step()` does\n\n### 实验 {#experiment}\n")
    assert headings(page) == ["优化器", "what-optimizerstep-does", "experiment"]
