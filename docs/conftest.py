"""Run every Python code block of every page, in both languages (``pytest docs/``).

* One namespace per page, seeded (``torch``, ``random``, ``numpy``), run in a fresh temporary
  working directory; blocks run in page order.
* A ``text`` block right after a Python block must equal what that block printed
  (trailing spaces ignored; ``...`` matches anything, as doctest's ELLIPSIS).
* A block starting with ``>>>`` is a doctest.
* ``--8<-- "x.py"`` includes ``snippets/x.py`` and runs it in the page's namespace.
* ``<!-- skip: next "reason" -->`` skips the next block; the run prints how many were skipped.

The block reading is in ``nnnotes.pages`` and shared with the twin test and the site hooks.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import os
import random
import tempfile
from pathlib import Path

import pytest
from sybil import Region, Sybil

from nnnotes.pages import Block, expand_includes, python_blocks

os.environ.setdefault("MPLBACKEND", "Agg")

DOCS = Path(__file__).resolve().parent
SNIPPETS = DOCS.parent / "snippets"
SEED = 0
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
_stats = {"run": 0, "skipped": 0, "reasons": []}


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

    plt.close("all")
    os.chdir(namespace.pop("__nnnotes_cwd__"))
    namespace.pop("__nnnotes_tmp__").cleanup()


def _same_output(want: str, got: str) -> bool:
    want = "\n".join(line.rstrip() for line in want.strip("\n").splitlines()) + "\n"
    got = "\n".join(line.rstrip() for line in got.strip("\n").splitlines()) + "\n"
    return doctest.OutputChecker().check_output(want, got, doctest.ELLIPSIS)


def _run_code(block: Block, path: str, namespace: dict) -> None:
    """Execute a block; code keeps the page's line numbers, included snippets their own."""
    only_includes = block.includes and all(
        not line.strip() or line.strip().startswith(("--8<--", "-8<-")) for line in block.source.splitlines()
    )
    if only_includes:
        for name in block.includes:
            snippet = SNIPPETS / name
            exec(compile(snippet.read_text(encoding="utf-8"), str(snippet), "exec"), namespace)
    else:
        source = "\n" * (block.body_line - 1) + expand_includes(block.source, SNIPPETS)
        exec(compile(source, path, "exec"), namespace)


def _evaluate(example) -> str | None:
    block: Block = example.parsed
    where = f"{example.path}:{block.line}"
    if block.skip_reason:
        _stats["skipped"] += 1
        _stats["reasons"].append(f"{where}: {block.skip_reason}")
        pytest.skip(block.skip_reason)
    _stats["run"] += 1
    namespace = example.namespace
    if block.is_doctest:
        test = doctest.DocTestParser().get_doctest(block.source, namespace, where, example.path, block.line)
        report = io.StringIO()
        runner = doctest.DocTestRunner(optionflags=FLAGS)
        runner.run(test, out=report.write, clear_globs=False)
        return report.getvalue() or None
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        _run_code(block, example.path, namespace)
    if block.output is not None and not _same_output(block.output.source, stdout.getvalue()):
        return (
            f"{example.path}:{block.output.line}: the output shown does not match what the block at "
            f"line {block.line} printed.\n--- shown on the page\n{block.output.source.rstrip()}\n"
            f"--- printed\n{stdout.getvalue().rstrip()}"
        )
    return None


def parse_page(document) -> list[Region]:
    return [Region(b.start, b.end, parsed=b, evaluator=_evaluate) for b in python_blocks(document.text)]


pytest_collect_file = Sybil(
    parsers=[parse_page],
    patterns=["*.md"],
    setup=_seed,
    teardown=_teardown,
).pytest()


def pytest_terminal_summary(terminalreporter) -> None:
    if _stats["run"] or _stats["skipped"]:
        terminalreporter.write_line(
            f"page code blocks: {_stats['run']} run, {_stats['skipped']} skipped"
            + "".join(f"\n  skipped {r}" for r in _stats["reasons"])
        )
