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

from sitebuild.pages import ROOT, count_python_fences, python_blocks, read_blocks, site_pages, strip_comments

DOCS, SNIPPETS = ROOT / "docs", ROOT / "snippets"
MARKDOWN = [p for p in site_pages(DOCS) if p.suffix == ".md"]


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


def test_comments_do_not_count_as_code() -> None:
    assert strip_comments("x = 1  # one\n# note\nprint('# kept')\n") == strip_comments("x = 1  # 一\nprint('# kept')\n")


def run_harness(tmp_path: Path, name: str, text: str, **env: str) -> subprocess.CompletedProcess:
    """Run ``pytest`` with the real harness on one page written into a copy of docs/."""
    (tmp_path / "docs").mkdir(parents=True)
    shutil.copy(DOCS / "conftest.py", tmp_path / "docs" / "conftest.py")
    shutil.copy(ROOT / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "docs" / name).write_text(text, encoding="utf-8")
    (tmp_path / "snippets").mkdir()
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", f"docs/{name}"],
        cwd=tmp_path, capture_output=True, text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(ROOT), "CI": "", **env},
    )


def test_a_wrong_output_in_a_chinese_page_fails_naming_page_and_line(tmp_path: Path) -> None:
    page = DOCS / "modules.zh.md"
    text = page.read_text(encoding="utf-8")
    shown = next(b.output for b in read_blocks(text) if b.is_python and b.output and "(5, 10)" in b.output.source)
    changed = text[: shown.start] + text[shown.start : shown.end].replace("(5, 10)", "(10, 5)") + text[shown.end :]
    run = run_harness(tmp_path, "modules.zh.md", changed)
    assert run.returncode == 1, run.stdout
    assert f"modules.zh.md:{shown.line}: the output shown does not match" in run.stdout, run.stdout


def test_a_skip_runs_nothing_and_is_counted_with_its_reason(tmp_path: Path) -> None:
    text = '<!-- skip: next "needs CUDA" -->\n```python\nraise SystemExit(3)\n```\n\n```python\nprint(2)\n```\n\n```text\n2\n```\n'
    run = run_harness(tmp_path, "p.md", text)
    assert run.returncode == 0, run.stdout
    assert "page code blocks: 1 run, 1 skipped" in run.stdout and "needs CUDA" in run.stdout


MISSING = ('```python\nprint(1)\n```\n\n```python\nfrom nnnotes import data\n\n'
           'images, labels = data.load("mnist", "train", root="nowhere")\n```\n\n'
           '```python\nprint(images.shape)\n```\n\n```python\n>>> labels[0]\n```\n')


def test_a_block_without_its_data_skips_the_rest_of_its_page_naming_the_data_set(tmp_path: Path) -> None:
    run = run_harness(tmp_path, "p.md", MISSING)
    assert run.returncode == 0, run.stdout
    assert "Traceback" not in run.stdout and "DataError" not in run.stdout, run.stdout
    assert "page code blocks: 1 run, 0 skipped, 3 skipped for missing data" in run.stdout, run.stdout
    assert ("docs/p.md: 3 blocks from line 5 on: needs the mnist data set "
            "(the train split of mnist was not found)") in run.stdout, run.stdout
    # the 3 blocks and the check of the data the page declares (tests of their own for pytest)
    assert re.search(r"^1 passed, 4 skipped for missing data in [\d.]+s$", run.stdout, re.MULTILINE), run.stdout


def test_under_ci_a_block_without_its_data_fails(tmp_path: Path) -> None:
    run = run_harness(tmp_path, "p.md", MISSING, CI="true")
    assert run.returncode == 1, run.stdout
    assert "DataError: the train split of mnist was not found" in run.stdout, run.stdout
    assert "skipped for missing data" not in run.stdout, run.stdout


READS = '```python\nfrom nnnotes import data\n\nprint(len(data.load("mnist", "test")[1]))\n```\n\n```text\n10000\n```\n'


def test_a_page_that_reads_a_data_set_it_does_not_declare_fails_saying_what_to_declare(tmp_path, data_dir) -> None:
    env = {"NNNOTES_DATA_DIR": str(data_dir)}
    undeclared = run_harness(tmp_path / "undeclared", "p.md", READS, **env)
    assert undeclared.returncode == 1, undeclared.stdout
    assert "p.md: the page's code reads mnist:test, which its front matter does not declare" in undeclared.stdout
    assert "---\nnnnotes:\n  data: [mnist:test]\n---" in undeclared.stdout, undeclared.stdout
    for declared in ("[mnist:test]", "[mnist]"):
        run = run_harness(tmp_path / declared[1:-1].replace(":", "-"), "p.md",
                          f"---\nnnnotes:\n  data: {declared}\n---\n\n" + READS, **env)
        assert run.returncode == 0 and "page code blocks: 1 run" in run.stdout, run.stdout


def test_a_skip_without_a_reason_fails(tmp_path: Path) -> None:
    run = run_harness(tmp_path, "p.md", "<!-- skip: next -->\n```python\nx = 1\n```\n")
    assert run.returncode != 0 and "a skip needs a reason" in run.stdout, run.stdout


def test_a_doctest_block_is_checked_by_sybil(tmp_path: Path) -> None:
    good = run_harness(tmp_path / "good", "p.md", "```python\n>>> 1 + 1\n2\n>>> print('a b')\na   b\n```\n")
    bad = run_harness(tmp_path / "bad", "p.md", "```python\n>>> 1 + 1\n3\n```\n")
    assert good.returncode == 0 and "page code blocks: 1 run" in good.stdout, good.stdout
    assert bad.returncode == 1 and "Expected:\n    3\nGot:\n    2" in bad.stdout, bad.stdout


SNIPPET_FILES = sorted(SNIPPETS.glob("*.py"))


@pytest.mark.parametrize("snippet", SNIPPET_FILES, ids=lambda p: p.name)
def test_snippet_runs_on_its_own(snippet: Path, tmp_path: Path, monkeypatch, capsys, request) -> None:
    import numpy
    import torch

    if re.search(r"\bSMALL\b|fashion-mnist", snippet.read_text(encoding="utf-8")):
        request.getfixturevalue("data_dir")  # reads Fashion-MNIST: skipped without it (failed under CI)

    torch.manual_seed(0), random.seed(0), numpy.random.seed(0)
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(snippet), run_name="__main__")


@pytest.mark.parametrize("snippet", SNIPPET_FILES, ids=lambda p: p.name)
def test_every_snippet_is_shown_on_a_page(snippet: Path) -> None:
    included = {name for page in MARKDOWN for b in read_blocks(page.read_text(encoding="utf-8")) for name in b.includes}
    assert snippet.name in included, f"snippets/{snippet.name} is not included by any page"
