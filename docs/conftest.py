"""Run every Python code block of every page, in both languages (``pytest docs/``).

Sybil collects the pages; what it already does, it does:

* ``<!-- skip: next "reason" -->`` skips the next block (Sybil's Markdown ``SkipParser``, so
  ``start``/``end`` and conditions work too); here a skip must give its reason;
* a block starting with ``>>>`` is a doctest (Sybil's doctest parser, ELLIPSIS and
  NORMALIZE_WHITESPACE).

What Sybil has no notion of is added here (the page reading is ``sitebuild.pages``):

* one namespace per page, seeded (``torch``, ``random``, ``numpy``), run in a fresh temporary
  working directory; blocks run in page order;
* a ``text`` block right after a Python block must equal what that block printed
  (trailing spaces ignored; ``...`` matches anything, as doctest's ELLIPSIS);
* ``--8<-- "x.py"`` includes ``snippets/x.py`` and runs it in the page's namespace.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import os
import random
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pytest
from sybil import Document, Example, Region, Sybil
from sybil.evaluators.doctest import DocTestEvaluator
from sybil.parsers.abstract.doctest import DocTestStringParser
from sybil.parsers.markdown import SkipParser

from sitebuild.pages import Block, expand_includes, only_includes, python_blocks

os.environ.setdefault("MPLBACKEND", "Agg")

DOCS = Path(__file__).resolve().parent
SNIPPETS = DOCS.parent / "snippets"
SEED = 0
_ran: set[tuple[str, int]] = set()  # (page, line) of every block that ran


def _seed(namespace: dict) -> None:
    import numpy
    import torch

    torch.manual_seed(SEED)
    random.seed(SEED)
    numpy.random.seed(SEED)
    namespace["__name__"] = "__main__"
    namespace["__nnnotes_cwd__"] = os.getcwd()
    namespace["__nnnotes_tmp__"] = tempfile.TemporaryDirectory(prefix="nnnotes-page-")
    os.chdir(namespace["__nnnotes_tmp__"].name)


def _teardown(namespace: dict) -> None:
    import matplotlib.pyplot as plt

    plt.close("all")  # a page may draw with pyplot, as a reader would
    os.chdir(namespace.pop("__nnnotes_cwd__"))
    namespace.pop("__nnnotes_tmp__").cleanup()


def _same_output(want: str, got: str) -> bool:
    want = "\n".join(line.rstrip() for line in want.strip("\n").splitlines()) + "\n"
    got = "\n".join(line.rstrip() for line in got.strip("\n").splitlines()) + "\n"
    return doctest.OutputChecker().check_output(want, got, doctest.ELLIPSIS)


def _run_code(example: Example) -> str | None:
    """Execute a block and compare what it printed with the output block under it."""
    block: Block = example.parsed
    _ran.add((example.path, block.line))
    namespace, stdout = example.namespace, io.StringIO()
    with contextlib.redirect_stdout(stdout):
        if only_includes(block):  # snippets keep their own file names and line numbers
            for name in block.includes:
                snippet = SNIPPETS / name
                exec(compile(snippet.read_text(encoding="utf-8"), str(snippet), "exec"), namespace)
        else:  # code keeps the page's line numbers
            source = "\n" * (block.body_line - 1) + expand_includes(block.source, SNIPPETS)
            exec(compile(source, example.path, "exec"), namespace)
    if block.output is not None and not _same_output(block.output.source, stdout.getvalue()):
        return (
            f"{example.path}:{block.output.line}: the output shown does not match what the block at "
            f"line {block.line} printed.\n--- shown on the page\n{block.output.source.rstrip()}\n"
            f"--- printed\n{stdout.getvalue().rstrip()}"
        )
    return None


class _Doctest(DocTestEvaluator):
    """Sybil's doctest evaluator, counting each fenced block once."""

    def __init__(self, line: int) -> None:
        super().__init__(doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        self.line = line

    def __call__(self, example: Example) -> str:
        _ran.add((example.path, self.line))
        return super().__call__(example)


def parse_python_blocks(document: Document) -> Iterable[Region]:
    """One region per Python block; a ``>>>`` block becomes Sybil's doctest regions."""
    for block in python_blocks(document.text):
        if not block.is_doctest:
            yield Region(block.start, block.end, parsed=block, evaluator=_run_code)
            continue
        offset = block.start + document.text[block.start:].index("\n") + 1
        for region in DocTestStringParser(_Doctest(block.line))(block.source, document.path):
            region.start, region.end = region.start + offset, region.end + offset
            yield region


class SkipWithReason(SkipParser):
    """Sybil's skip directive; ``next`` and ``start`` must say why: ``<!-- skip: next "why" -->``."""

    def __call__(self, document: Document) -> Iterable[Region]:
        for region in super().__call__(document):
            action, reason = region.parsed
            if action in ("next", "start") and not reason:
                line = document.text.count("\n", 0, region.start) + 1
                raise ValueError(f'{document.path}:{line}: a skip needs a reason: '
                                 f'<!-- skip: {action} "why" -->')
            yield region


pytest_collect_file = Sybil(
    parsers=[SkipWithReason(), parse_python_blocks],
    patterns=["*.md"],
    setup=_seed,
    teardown=_teardown,
).pytest()


def pytest_terminal_summary(terminalreporter) -> None:
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if ".md" in r.nodeid]
    if _ran or skipped:
        terminalreporter.write_line(
            f"page code blocks: {len(_ran)} run, {len(skipped)} skipped"
            + "".join(f"\n  skipped {r.nodeid}: {r.longrepr[-1]}" for r in skipped))
