"""Code once, prose twice: every page has its twin, and the twins run the same code.

Rule: the twins' Python blocks are identical once comments are removed (comments may be
translated; strings may not, so printed output is the same in both languages), the output
blocks shown under them are identical, they include the same snippets and insert the same
generated diagrams, and declare the same data sets (front matter). Notebooks: the same code cells.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sitebuild.pages import DIRECTIVE, FIGURE, ROOT, declared_data, is_chinese, read_blocks, site_pages, strip_comments, twin_of

DOCS = ROOT / "docs"
PAGES = site_pages(DOCS)
ENGLISH = [p for p in PAGES if not is_chinese(p)]


def _id(path: Path) -> str:
    return str(path.relative_to(DOCS))


@pytest.mark.parametrize("page", PAGES, ids=_id)
def test_every_page_has_its_twin(page: Path) -> None:
    assert twin_of(page).exists(), f"{_id(page)} has no twin {_id(twin_of(page))}"


def _code(page: Path) -> dict:
    text = page.read_text(encoding="utf-8")
    if page.suffix == ".ipynb":
        cells = json.loads(text)["cells"]
        return {"code cells": [strip_comments("".join(c["source"])) for c in cells if c["cell_type"] == "code"]}
    blocks = read_blocks(text)
    return {
        "python blocks": [strip_comments(b.source) for b in blocks if b.is_python],
        "output blocks": [b.output.source.strip() for b in blocks if b.is_python and b.output],
        "snippets": [name for b in blocks for name in b.includes],
        "figures": FIGURE.findall(text),
        "inserted diagrams and listings": DIRECTIVE.findall(text),
        "data sets declared": declared_data(text),
    }


@pytest.mark.parametrize("page", [p for p in ENGLISH if twin_of(p).exists()], ids=_id)
def test_twins_have_the_same_code(page: Path) -> None:
    english, chinese = _code(page), _code(twin_of(page))
    for what in english:
        ours, theirs = english[what], chinese[what]
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert a == b, f"{_id(page)} vs {_id(twin_of(page))}: {what} #{i + 1} differ:\n{a}\n---\n{b}"
        assert len(ours) == len(theirs), f"{_id(page)} has {len(ours)} {what}, its twin {len(theirs)}"
