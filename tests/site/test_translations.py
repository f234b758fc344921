"""Every Chinese page, notebook and README.zh.md translates the current English prose of its twin
(``sitebuild/translations.py`` says what "prose" is and where the record is kept)."""

from __future__ import annotations

import json
import shutil

import pytest

from sitebuild import translations as T
from sitebuild.pages import ROOT


def _id(path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("chinese", T.translations(), ids=_id)
def test_a_chinese_file_translates_the_current_english_prose(chinese):
    english = T.english_of(chinese)
    then, now = T.recorded(chinese), T.prose_hash(english)
    assert then == now, (
        f"{_id(chinese)} records that it translates {then or 'nothing'}, but the prose of "
        f"{_id(english)} is now {now}: bring the Chinese up to date with the English, then run "
        f"`python -m sitebuild.translations --update {_id(chinese)}`")


def test_prose_ignores_code_blocks_and_wrapping_but_not_words(tmp_path):
    page = tmp_path / "p.md"
    page.write_text("# Title\n\nOne sentence,\nwrapped.\n\n```python\nprint(1)\n```\n\n```text\n1\n```\n")
    before = T.prose_hash(page)
    assert T.prose(page) == "# Title One sentence, wrapped."
    page.write_text("---\ntranslates: x\n---\n# Title\n\nOne sentence, wrapped.\n\n```python\nprint(2)\n```\n")
    assert T.prose_hash(page) == before              # front matter, code and wrapping: no change
    page.write_text("# Title\n\nOne sentence, rewrapped.\n")
    assert T.prose_hash(page) != before


def test_the_record_is_written_where_mkdocs_and_github_do_not_show_it(tmp_path, monkeypatch):
    page = tmp_path / "p.zh.md"
    page.write_text("# 标题\n\n正文。\n")
    T.record(page, "abc123")
    assert page.read_text() == "---\ntranslates: abc123\n---\n\n# 标题\n\n正文。\n"
    T.record(page, "def456")                          # replaced, not added twice
    assert T.recorded(page) == "def456" and page.read_text().count("translates") == 1

    notebook = tmp_path / "n.zh.ipynb"
    shutil.copy(ROOT / "docs/notebooks/train-mnist.zh.ipynb", notebook)
    T.record(notebook, "abc123")
    data = json.loads(notebook.read_text())
    assert data["metadata"]["nnnotes"]["translates"] == "abc123" and T.recorded(notebook) == "abc123"

    readme = tmp_path / "README.zh.md"
    readme.write_text("# nnnotes\n")
    monkeypatch.setattr(T, "README_ZH", readme)
    T.record(readme, "abc123")
    T.record(readme, "def456")
    assert readme.read_text() == "<!-- translates: def456 -->\n# nnnotes\n"


def test_front_matter_leaves_the_page_its_title_and_code():
    from sitebuild.pages import read_blocks

    for chinese in T.translations():
        if chinese.suffix == ".md" and chinese != T.README_ZH:
            text = chinese.read_text(encoding="utf-8")
            body = T.without_front_matter(text)
            assert body.lstrip().startswith("# "), f"{_id(chinese)}: the page must start with its title"
            assert len(read_blocks(body)) == len(read_blocks(text))
