"""Every topic page ends with exercises, each with a solution that runs (issue 16).

On every topic page, in both languages:

* the section ``## Exercises {#exercises}`` (``## 练习 {#exercises}``) comes right before
  ``## References`` (``## 参考文献``) where the page has one, else at the end of the page;
* it holds 3 to 6 exercises, numbered 1, 2, ... and graded from quick to hard, and the Chinese twin
  has the same number, with the same levels and kinds;
* every ``!!! question`` is followed directly by its ``??? success`` solution (collapsed), with
  nothing between them but the question's own indented body;
* every solution holds a Python block that the harness executes (``sitebuild.pages.python_blocks``
  finds it, and no skip directive is in the section) followed by its output block.

The index, ``docs/exercises.md`` and ``docs/exercises.zh.md``, lists exactly the exercises the
pages have: the same numbers, levels and kinds for each page, the same counts in its table of
difficulties, and the same total.

"A solution block that ran", beyond the structure: this test runs the solution blocks itself. For
each topic page it writes a page that keeps only the lines of the solutions' Python and output
blocks (everything else blanked, so every line number stays the page's own) and runs them all
with the real harness (``docs/conftest.py``, in a subprocess, as ``tests/site/test_pages.py``
does), in one namespace per page. Every block must pass, output compared, and their number must
be the number of solution blocks. A solution thus runs apart from the page it sits on and from the
question above it, which also proves what the index promises: every exercise stands alone. The
English pages are run; ``tests/site/test_twins.py`` proves that the Chinese twins hold the same
code and the same output.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from sitebuild.pages import ROOT, python_blocks, twin_of

DOCS = ROOT / "docs"
TOPIC_PAGES = [
    "modules.md", "references.md", "activations.md", "losses.md",
    "autograd/graph.md", "autograd/backward.md", "autograd/training-step.md",
    "autograd/no-grad.md", "autograd/engine.md",
    "optimizers.md", "normalization.md", "mnist.md", "plots.md",
]
NOT_TOPIC_PAGES = {"index.md", "questions.md", "glossary.md", "exercises.md", "notebooks/train-mnist.ipynb"}
LEVELS = ["quick", "medium", "hard"]
KINDS = ["predict the output", "change the code", "derive then verify", "explain a result"]
LANG = {
    "en": {"section": "## Exercises {#exercises}", "references": "## References",
           "question": re.compile(r'Exercise (\d+) · (\w+) · ([a-z ]+)'), "solution": "Solution",
           "levels": LEVELS, "kinds": KINDS, "index": DOCS / "exercises.md",
           "total": re.compile(r"(\d+) in all")},
    "zh": {"section": "## 练习 {#exercises}", "references": "## 参考文献",
           "question": re.compile(r'练习 (\d+) · (\S+) · (\S+)'), "solution": "答案",
           "levels": ["简单", "中等", "较难"], "kinds": ["预测输出", "修改代码", "推导并验证", "解释结果"],
           "index": DOCS / "exercises.zh.md", "total": re.compile(r"共 (\d+) 道")},
}
ADMONITION = re.compile(r'^(!!!|\?\?\?\+?) (\w+) "([^"]*)"[ \t]*$')


@dataclass
class Exercise:
    number: int
    level: str  # English: quick, medium, hard
    kind: str  # English
    solution: tuple[int, int]  # character offsets of the solution in the page


def page_path(name: str, lang: str) -> Path:
    path = DOCS / name
    return path if lang == "en" else twin_of(path)


def section_bounds(text: str, lang: str) -> tuple[int, int]:
    """Character offsets of the exercises section: its heading to the next ``## `` or the end."""
    heading = LANG[lang]["section"]
    start = text.find("\n" + heading + "\n") + 1
    assert start > 0, f"no {heading!r} section"
    following = text.find("\n## ", start)
    return start, len(text) if following < 0 else following + 1


def exercises(text: str, lang: str) -> list[Exercise]:
    """The exercises of a page, in order, with each solution's place; fails on a broken structure."""
    spec = LANG[lang]
    start, end = section_bounds(text, lang)
    lines, offset, headers = text[start:end].splitlines(keepends=True), start, []
    for n, line in enumerate(lines):
        if m := ADMONITION.match(line):
            headers.append((m, offset))
        elif line.strip() and not line.startswith((" ", "\t")) and headers:
            raise AssertionError(f"unindented text inside an exercise or solution: {line.strip()[:60]!r}")
        offset += len(line)
    found = []
    for i in range(0, len(headers), 2):
        question = headers[i][0]
        assert question.group(1, 2) == ("!!!", "question"), f"expected a !!! question, found {question.group(0)!r}"
        solution, at = headers[i + 1] if i + 1 < len(headers) else (None, end)
        assert solution is not None and solution.group(1, 2) == ("???", "success"), \
            f"{question.group(3)!r} is not followed directly by its collapsed ??? success solution"
        assert solution.group(3) == spec["solution"], solution.group(0)
        m = spec["question"].fullmatch(question.group(3))
        assert m, f"a question title that does not say number, level and kind: {question.group(3)!r}"
        level, kind = m.group(2), m.group(3)
        assert level in spec["levels"] and kind in spec["kinds"], question.group(3)
        until = headers[i + 2][1] if i + 2 < len(headers) else end
        found.append(Exercise(int(m.group(1)), LEVELS[spec["levels"].index(level)],
                              KINDS[spec["kinds"].index(kind)], (at, until)))
    return found


def solution_blocks(text: str, lang: str) -> list:
    """The Python blocks of the solutions that are followed by an output block."""
    blocks = python_blocks(text)
    return [b for ex in exercises(text, lang) for b in blocks
            if ex.solution[0] <= b.start < ex.solution[1] and b.output is not None]


# --- the pages ------------------------------------------------------------------------------
PAGES = [(name, lang) for name in TOPIC_PAGES for lang in LANG]


def _id(case) -> str:
    name, lang = case
    return name if lang == "en" else name.replace(".md", ".zh.md")


def test_every_page_of_the_nav_is_a_topic_page_or_named_as_not_one() -> None:
    nav = re.findall(r"^\s*- (?:\"[^\"]+\"|[^:]+): (\S+\.(?:md|ipynb))\s*$",
                     (ROOT / "mkdocs.yml").read_text(encoding="utf-8"), re.M)
    assert sorted(nav) == sorted(TOPIC_PAGES + list(NOT_TOPIC_PAGES))


@pytest.mark.parametrize("case", PAGES, ids=_id)
def test_a_topic_page_ends_with_three_to_six_exercises_graded_quick_to_hard(case) -> None:
    name, lang = case
    text = page_path(name, lang).read_text(encoding="utf-8")
    found = exercises(text, lang)
    assert 3 <= len(found) <= 6, f"{len(found)} exercises"
    assert [ex.number for ex in found] == list(range(1, len(found) + 1))
    levels = [LEVELS.index(ex.level) for ex in found]
    assert levels == sorted(levels), "not graded from quick to hard"
    start, end = section_bounds(text, lang)
    rest = text[end:]
    assert not rest or rest.startswith(LANG[lang]["references"] + "\n"), \
        f"the exercises must come right before {LANG[lang]['references']!r} or at the end of the page"
    assert LANG[lang]["references"] + "\n" not in text[:start], "the exercises come after the references"


@pytest.mark.parametrize("name", TOPIC_PAGES)
def test_the_twins_have_the_same_exercises(name: str) -> None:
    en = [(ex.number, ex.level, ex.kind) for ex in exercises((DOCS / name).read_text(encoding="utf-8"), "en")]
    zh = [(ex.number, ex.level, ex.kind) for ex in exercises(twin_of(DOCS / name).read_text(encoding="utf-8"), "zh")]
    assert en == zh


@pytest.mark.parametrize("case", PAGES, ids=_id)
def test_every_solution_has_a_block_the_harness_runs_and_its_output(case) -> None:
    name, lang = case
    text = page_path(name, lang).read_text(encoding="utf-8")
    start, end = section_bounds(text, lang)
    assert not re.search(r"<!--\s*skip:", text[start:end]), "a skip directive among the exercises"
    blocks = python_blocks(text)
    for ex in exercises(text, lang):
        assert any(ex.solution[0] <= b.start < ex.solution[1] and b.output is not None for b in blocks), \
            f"the solution of exercise {ex.number} has no Python block followed by its output"


# --- the index ------------------------------------------------------------------------------
def index_entries(lang: str) -> tuple[dict, dict, int]:
    """From the index: {page: [(number, level, kind)]}, {page: (quick, medium, hard, all)}, total."""
    spec = LANG[lang]
    text = spec["index"].read_text(encoding="utf-8")
    listed: dict[str, list] = {}
    for number, page, level, kind in re.findall(
            r"^\| \[(\d+)\]\(([^)#]+)#exercises\) \| (\S+) \| ([^|]+?) \|", text, re.M):
        listed.setdefault(page, []).append((int(number), LEVELS[spec["levels"].index(level)],
                                            KINDS[spec["kinds"].index(kind.strip())]))
    counts = {page: tuple(int(c) for c in cells) for page, *cells in re.findall(
        r"^\| \[[^\]]+\]\(([^)#]+)#exercises\) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|", text, re.M)}
    return listed, counts, int(spec["total"].search(text).group(1))


@pytest.mark.parametrize("lang", LANG)
def test_the_index_lists_exactly_the_exercises_of_the_pages(lang: str) -> None:
    listed, counts, total = index_entries(lang)
    pages = {name: [(ex.number, ex.level, ex.kind) for ex in
                    exercises(page_path(name, lang).read_text(encoding="utf-8"), lang)] for name in TOPIC_PAGES}
    assert listed == pages
    assert counts == {name: tuple(sum(e[1] == level for e in found) for level in LEVELS) + (len(found),)
                      for name, found in pages.items()}
    assert total == sum(len(found) for found in pages.values())


# --- the solutions run ----------------------------------------------------------------------
def solutions_only(text: str) -> str:
    """The page with every line blanked except its front matter (the data it declares) and its
    solutions' Python and output blocks."""
    front = re.match(r"---\n.*?\n---\n", text, re.S)
    keep = set(range(front.group(0).count("\n"))) if front else set()
    for block in solution_blocks(text, "en"):
        for part in (block, block.output):
            first = part.line - 1
            keep.update(range(first, first + text[part.start:part.end].count("\n") + 1))
    return "".join(line if n in keep else "\n" for n, line in enumerate(text.splitlines(keepends=True)))


@pytest.fixture(scope="module")
def harness_run(tmp_path_factory) -> subprocess.CompletedProcess:
    """All topic pages' solutions, run once by the real harness."""
    tmp = tmp_path_factory.mktemp("solutions")
    (tmp / "docs").mkdir()
    shutil.copy(DOCS / "conftest.py", tmp / "docs" / "conftest.py")
    shutil.copytree(ROOT / "snippets", tmp / "snippets")
    for name in TOPIC_PAGES:
        target = tmp / "docs" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(solutions_only((DOCS / name).read_text(encoding="utf-8")), encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rA", "docs/"],
        cwd=tmp, capture_output=True, text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(ROOT)},
    )


@pytest.mark.parametrize("name", TOPIC_PAGES)
def test_every_solution_block_runs_on_its_own_and_prints_its_output(name: str, harness_run) -> None:
    text = (DOCS / name).read_text(encoding="utf-8")
    expected = {b.line for b in solution_blocks(text, "en")}
    results = re.findall(rf"^(PASSED|FAILED|ERROR|SKIPPED).*?docs/{re.escape(name)}::line:(\d+),", harness_run.stdout, re.M)
    data_check = text.count("\n") + 1  # the harness's last check, after the page: the data it read is declared
    passed = {int(line) for status, line in results if status == "PASSED"} - {data_check}
    failed = sorted(int(line) for status, line in results if status != "PASSED")
    assert not failed, f"solution blocks of docs/{name} failed at lines {failed}:\n{harness_run.stdout[-4000:]}"
    if passed < expected and re.search(rf"^ +docs/{re.escape(name)}: \d+ blocks? from line \d+ on: needs ", harness_run.stdout, re.M):
        pytest.skip(f"missing data: solutions of docs/{name} need a data set that is not here; fetch it with `make data`")
    assert passed == expected, f"docs/{name}: ran {sorted(passed)}, expected {sorted(expected)}"


# --- the test's own reading -----------------------------------------------------------------
GOOD = '''# Page

## Exercises {#exercises}

Intro.

!!! question "Exercise 1 · quick · predict the output"

    ```python
    print(1)
    ```

??? success "Solution"

    Why.

    ```python
    print(1)
    ```

    ```text
    1
    ```
'''


def test_the_reader_finds_an_exercise_and_its_solution_block() -> None:
    [ex] = exercises(GOOD, "en")
    assert (ex.number, ex.level, ex.kind) == (1, "quick", "predict the output")
    assert [b.source for b in solution_blocks(GOOD, "en")] == ["print(1)\n"]
    assert solutions_only(GOOD).splitlines()[16:22] == ["    ```python", "    print(1)", "    ```", "",
                                                        "    ```text", "    1"]
    assert not solutions_only(GOOD).splitlines()[8].strip()   # the question's block is blanked


def test_the_reader_rejects_a_question_without_its_solution_or_a_solution_without_output() -> None:
    two_questions = GOOD.replace('??? success "Solution"', '!!! question "Exercise 2 · quick · predict the output"')
    with pytest.raises(AssertionError, match="not followed directly"):
        exercises(two_questions + GOOD[GOOD.index("??? success"):], "en")
    open_solution = GOOD.replace('??? success "Solution"', '!!! success "Solution"')
    with pytest.raises(AssertionError, match="collapsed"):
        exercises(open_solution, "en")
    no_output = GOOD.replace("    ```text\n    1\n    ```\n", "")
    assert solution_blocks(no_output, "en") == []
