"""The Chinese pages use one rendering per term (the glossary's) and follow the typography rules.

What is checked is the prose: the text of the Markdown pages and of the notebooks' Markdown cells,
and the comments of their code (where a page speaks to the reader in Chinese too). Code, inline
code, math, HTML comments and the text of ``text`` output blocks are not prose. Quotations
(“…”) keep the words of what they quote, often the notes' own wrong ones, so the term rules skip
them; the typography rules do not.

* Terms: the forbidden variants of ``TERMS`` in every Chinese page (``docs/**/*.zh.md`` and the
  ``*.zh.ipynb`` notebooks); the glossary itself gives each required rendering.
* Typography: no italics on Chinese text (a browser fakes them with a slanted Latin face); no
  space after a bold run that ends in full-width punctuation (Python-Markdown closes the bold run
  without it; the space shows as a gap); every link to an English-only page on a Chinese page is
  marked （英文）.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from sitebuild.pages import ROOT, is_chinese, site_pages

DOCS = ROOT / "docs"
CHINESE = [p for p in site_pages(DOCS) if is_chinese(p)]
MARKDOWN = [p for p in site_pages(DOCS) if p.suffix == ".md"]
GLOSSARY = DOCS / "glossary.zh.md"
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
FULL_WIDTH_END = "，。：；！？、）」』”"


@dataclass(frozen=True)
class Term:
    english: str  # the glossary row (English column) that gives the rendering
    rendering: str  # what the glossary's Chinese column must contain
    forbidden: str  # a regular expression for the variants the pages must not use


TERMS = [
    Term("clear (gradients)", "清除", r"清零|清空"),
    Term("learner", "初学者", r"同学"),
    Term("recipe (training configuration)", "配方", r"训练方案"),
    Term("exponential moving average", "指数滑动平均", r"指数平均|(?<!指数)滑动平均"),
    Term("topological order", "拓扑序", r"拓扑排序"),
    Term("traceback", "回溯信息", r"(?<!回溯信息（)\btraceback"),
    Term("inverted dropout", "倒置 Dropout", r"(?<!倒置 Dropout，)(?<!倒置 Dropout（)inverted dropout|倒置 dropout"),
    Term("batch normalisation (BatchNorm)", "批量归一化", r"(?<!批量归一化（)\bBatchNorm\b(?!\d)"),
    Term("notebook (Jupyter)", "笔记本", r"(?<!笔记本（)\bnotebooks?\b"),
    Term("moment (of a distribution)", "矩", r"[一二]阶动量"),
    Term("citation (author, year)", "等人", r"\bet al\b|[A-Za-z] & [A-Z]"),
]


# --- reading the prose ---------------------------------------------------------------------
def _strip_inline(line: str) -> str:
    """A Markdown line without HTML comments, and with inline code and math each replaced by
    one placeholder character (``C``, ``M``), so what is around them keeps its spacing."""
    line = re.sub(r"<!--.*?-->", "", line)
    line = re.sub(r"(`+).+?\1", "C", line)
    line = re.sub(r"\$\$.+?\$\$", "M", line)
    return re.sub(r"(?<![\\$])\$(?!\s)[^$\n]+?(?<![\s\\])\$", "M", line)


def _code_comment(line: str) -> str:
    """The comment of a line of Python (a ``#`` after whitespace or at the start), else ''."""
    m = re.search(r"(?:^|\s)#\s?(.*)$", line)
    return m.group(1) if m else ""


def markdown_prose(text: str) -> list[tuple[int, str]]:
    """(line number, prose) for every line of a Markdown text; code blocks give their comments."""
    out, fence, language, in_math, in_comment = [], None, "", False, False
    for n, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if fence:
            if stripped == fence:
                fence = None
            elif language.startswith("py"):
                out.append((n, _code_comment(line)))
            continue
        m = re.match(r"(`{3,}|~{3,})\s*\{?\.?(\w*)", stripped)
        if m:
            fence, language = m.group(1), m.group(2).lower()
            continue
        if in_comment:
            in_comment = "-->" not in line
            continue
        if stripped.startswith("<!--") and "-->" not in stripped:
            in_comment = True
            continue
        if stripped.startswith("$$"):
            in_math = not (in_math or stripped.endswith("$$") and len(stripped) > 2)
            continue
        if in_math:
            continue
        out.append((n, _strip_inline(line)))
    return out


def prose(page: Path) -> list[tuple[str, str]]:
    """(where, prose) of a page: ``line N`` of a Markdown page, ``cell C line N`` of a notebook."""
    if page.suffix == ".md":
        return [(f"line {n}", s) for n, s in markdown_prose(page.read_text(encoding="utf-8"))]
    found = []
    for c, cell in enumerate(json.loads(page.read_text(encoding="utf-8"))["cells"]):
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            lines = markdown_prose(source)
        else:
            lines = [(n, _code_comment(line)) for n, line in enumerate(source.splitlines(), 1)]
        found += [(f"cell {c} line {n}", s) for n, s in lines]
    return found


def without_quotes_and_links(line: str) -> str:
    """Prose without quotations (“…”), bold markers and link targets: where the term rules apply."""
    line = re.sub(r"“[^”]*”", " ", line).replace("**", "")
    line = re.sub(r"\]\([^)]*\)", "]", line)
    return re.sub(r"<https?://[^>]+>", " ", line)


def _id(page: Path) -> str:
    return str(page.relative_to(DOCS))


# --- terms ---------------------------------------------------------------------------------
def glossary_rows() -> dict[str, str]:
    rows = {}
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) >= 2:
            rows[cells[0]] = cells[1]
    return rows


@pytest.mark.parametrize("term", TERMS, ids=lambda t: t.english)
def test_the_glossary_gives_each_terms_rendering(term: Term) -> None:
    rows = glossary_rows()
    assert term.english in rows, f"glossary.zh.md has no row for {term.english!r}"
    assert term.rendering in rows[term.english], \
        f"glossary.zh.md renders {term.english!r} as {rows[term.english]!r}, not {term.rendering!r}"
    assert not re.search(term.forbidden, rows[term.english]), f"the glossary itself uses a variant: {rows[term.english]!r}"


@pytest.mark.parametrize("page", [p for p in CHINESE if p != GLOSSARY], ids=_id)
def test_a_chinese_page_uses_the_glossarys_terms(page: Path) -> None:
    found = [f"{_id(page)} {where}: {m.group(0)!r} (glossary: {t.rendering}, for {t.english})"
             for where, line in prose(page) for t in TERMS
             for m in re.finditer(t.forbidden, without_quotes_and_links(line))]
    assert not found, "forbidden variants:\n" + "\n".join(found)


# --- typography ----------------------------------------------------------------------------
ITALIC = re.compile(rf"(?<![*\\])\*(?![*\s])([^*\n]*[{CJK}][^*\n]*?)(?<![*\s\\])\*(?!\*)"
                    rf"|(?<![A-Za-z0-9_\\])_(?![_\s])([^_\n]*[{CJK}][^_\n]*?)(?<![_\s])_(?![A-Za-z0-9_])")
BOLD_THEN_SPACE = re.compile(rf"\*\*[^*\n]*[{FULL_WIDTH_END}]\*\* ")
EXTERNAL_LINK = re.compile(r"\[[^\]]*\]\((https?://[^)\s]+)[^)]*\)|<(https?://[^>]+)>")
LOCAL = ("http://127.0.0.1", "http://localhost")


def without_bold_and_bullets(line: str) -> str:
    line = re.sub(r"^\s*(?:[*+-]|\d+\.)\s+", " ", line)  # a list item's marker
    return re.sub(r"\*\*[^\n]*?\*\*", lambda m: m.group(0).replace("*", "#"), line)


@pytest.mark.parametrize("page", CHINESE, ids=_id)
def test_no_italics_on_chinese_text(page: Path) -> None:
    found = [f"{_id(page)} {where}: {m.group(0)!r}" for where, line in prose(page)
             for m in ITALIC.finditer(without_bold_and_bullets(line))]
    assert not found, "italic Chinese text (use bold, or nothing):\n" + "\n".join(found)


@pytest.mark.parametrize("page", MARKDOWN, ids=_id)
def test_no_space_after_a_bold_run_that_ends_in_full_width_punctuation(page: Path) -> None:
    found = [f"{_id(page)} {where}: {m.group(0)!r}" for where, line in prose(page)
             for m in BOLD_THEN_SPACE.finditer(line)]
    assert not found, "a space after **…。** shows as a gap in Chinese text:\n" + "\n".join(found)


@pytest.mark.parametrize("page", CHINESE, ids=_id)
def test_links_to_english_only_pages_are_marked_on_chinese_pages(page: Path) -> None:
    found = []
    for where, line in prose(page):
        for m in EXTERNAL_LINK.finditer(line):
            url = m.group(1) or m.group(2)
            if not url.startswith(LOCAL) and not line[m.end():].startswith("（英文）"):
                found.append(f"{_id(page)} {where}: {m.group(0)}")
    assert not found, "links to English pages without （英文）:\n" + "\n".join(found)


# --- the test's own reading -----------------------------------------------------------------
def test_the_prose_reader_skips_code_math_and_comments_and_keeps_code_comments():
    text = ("正文 *斜体*\n```python\nx = 1  # 注释 *x*\n```\n```text\n输出 *y*\n```\n$$\n*a* & b\n$$\n"
            "`*代码*` 和 $*m*$ <!-- *注释* -->\n")
    lines = dict(markdown_prose(text))
    assert lines[1] == "正文 *斜体*" and lines[3] == "注释 *x*"
    assert 6 not in lines and 9 not in lines
    assert "*" not in lines[11] and lines[11].startswith("C 和 M")
    assert ITALIC.search(without_bold_and_bullets(lines[1]))
    assert not ITALIC.search(without_bold_and_bullets("* **加粗**的列表项，2 * 3 = 6"))
    assert BOLD_THEN_SPACE.search("**小结。** 正文") and not BOLD_THEN_SPACE.search("**小结。**正文")
    assert without_quotes_and_links("笔记写道“已清零”，**[链接](https://x.org/清零)**") == "笔记写道 ，[链接]"
