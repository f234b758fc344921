"""The harness itself: no code block escapes, outputs are really compared, snippets run."""

from __future__ import annotations

import os
import random
import re
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nnnotes.pages import count_python_fences, python_blocks, read_blocks, strip_comments

ROOT = Path(__file__).resolve().parents[1]
DOCS, SNIPPETS = ROOT / "docs", ROOT / "snippets"
MARKDOWN = sorted(DOCS.rglob("*.md"))


@pytest.mark.parametrize("page", MARKDOWN, ids=lambda p: str(p.relative_to(DOCS)))
def test_no_python_block_escapes_the_harness(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert len(python_blocks(text)) == count_python_fences(text)


@pytest.mark.parametrize("page", MARKDOWN, ids=lambda p: str(p.relative_to(DOCS)))
def test_no_pasted_images_or_cdn_links(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert "![[" not in text, "a broken Obsidian image link from the notes"
    assert not re.search(r"unpkg\.com|jsdelivr\.net|cdnjs", text)


def test_reader_sees_titled_and_indented_python_blocks() -> None:
    text = 'Intro\n\n```python title="x.py"\nprint(1)\n```\n\n```text\n1\n```\n\n=== "Tab"\n\n    ```py\n    x = 2\n    ```\n'
    blocks = python_blocks(text)
    assert [b.source for b in blocks] == ["print(1)\n", "x = 2\n"]
    assert blocks[0].output.source == "1\n" and blocks[0].line == 3
    assert count_python_fences(text) == 2


def test_skip_needs_a_reason() -> None:
    text = '<!-- skip: next "needs CUDA" -->\n```python\nimport cuda\n```\n<!-- skip: next -->\n```python\nx = 1\n```\n'
    first, second = python_blocks(text)
    assert first.skip_reason == "needs CUDA" and second.skip_reason is None


def test_comments_do_not_count_as_code() -> None:
    assert strip_comments("x = 1  # one\n# note\nprint('# kept')\n") == strip_comments("x = 1  # 一\nprint('# kept')\n")


def test_a_wrong_output_in_a_chinese_page_fails_naming_page_and_line(tmp_path: Path) -> None:
    page = DOCS / "modules.zh.md"
    text = page.read_text(encoding="utf-8")
    shown = next(b.output for b in read_blocks(text) if b.is_python and b.output and "(5, 10)" in b.output.source)
    (tmp_path / "docs").mkdir()
    shutil.copy(DOCS / "conftest.py", tmp_path / "docs" / "conftest.py")
    changed = text[: shown.start] + text[shown.start : shown.end].replace("(5, 10)", "(10, 5)") + text[shown.end :]
    (tmp_path / "docs" / "modules.zh.md").write_text(changed, encoding="utf-8")
    (tmp_path / "snippets").mkdir()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "docs/modules.zh.md"],
        cwd=tmp_path, capture_output=True, text=True, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert run.returncode == 1, run.stdout
    assert f"modules.zh.md:{shown.line}: the output shown does not match" in run.stdout, run.stdout


SNIPPET_FILES = sorted(SNIPPETS.glob("*.py"))


@pytest.mark.parametrize("snippet", SNIPPET_FILES, ids=lambda p: p.name)
def test_snippet_runs_on_its_own(snippet: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    import numpy
    import torch

    torch.manual_seed(0), random.seed(0), numpy.random.seed(0)
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(snippet), run_name="__main__")


@pytest.mark.parametrize("snippet", SNIPPET_FILES, ids=lambda p: p.name)
def test_every_snippet_is_shown_on_a_page(snippet: Path) -> None:
    included = {name for page in MARKDOWN for b in read_blocks(page.read_text(encoding="utf-8")) for name in b.includes}
    assert snippet.name in included, f"snippets/{snippet.name} is not included by any page"
