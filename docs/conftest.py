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
* ``--8<-- "x.py"`` includes ``snippets/x.py`` and runs it in the page's namespace;
* a page whose code reads a data set (``nnnotes.data.find_split``) that its front matter does
  not declare (``nnnotes: {data: [...]}``, see ``sitebuild.pages.declared_data``) fails, in a
  last item of its own: its notebook would not fetch it;
* a block that raises :class:`~nnnotes.errors.DataError` (its data set is missing) is skipped,
  and so is the rest of its page (later blocks build on it), with a one-line reason naming the
  data set and ``make data``; under CI (``CI=true``) it fails instead, as the tests of real data
  do. The summary counts these skips apart (``conftest.py`` at the root), so a run without data
  says how much of the site it did not check.

When ``$NNNOTES_DATA_DIR`` is not set, the pages see the folder where ``make data`` puts the data
sets (``nnnotes.data.user_data_dir()``), as the notebooks' first cell does.
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

from nnnotes import data
from nnnotes.data import user_data_dir
from nnnotes.errors import DataError
from sitebuild.missing_data import dataset_of
from sitebuild.pages import Block, covers, declared_data, expand_includes, only_includes, python_blocks

os.environ.setdefault("MPLBACKEND", "Agg")
if not os.environ.get("NNNOTES_DATA_DIR") and user_data_dir().is_dir():
    os.environ["NNNOTES_DATA_DIR"] = str(user_data_dir())  # where `make data` downloads to

DOCS = Path(__file__).resolve().parent
SNIPPETS = DOCS.parent / "snippets"
SEED = 0
MISSING_DATA = "missing data: "  # how the reason of a skip for missing data starts
_ran: set[tuple[str, int]] = set()  # (page, line) of every block that ran
_no_data: dict[str, dict] = {}  # page -> {"line": first block skipped, "why": ..., "blocks": count}
_reads: set[tuple[str, str]] = set()  # (data set, split) the running page's code looked for


def _recording(find_split):
    def find_split_recorded(name, split, root=None):
        if root is None:  # the search a reader's notebook would need the data for
            _reads.add((name, split))
        return find_split(name, split, root)

    return find_split_recorded


data.find_split = _recording(data.find_split)  # nnnotes.data.load looks up every split through it


def under_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _skip_rest_of_page(example: Example, line: int, block: bool = True) -> None:
    """Skip this block (or check) if an earlier block of its page lacked its data."""
    skipped = _no_data.get(example.path)
    if skipped is not None and example.namespace.get("__nnnotes_no_data__"):
        skipped["blocks"] += block
        pytest.skip(f"{MISSING_DATA}follows line {skipped['line']}, which needs {skipped['why']}")


def _skip_for_data(example: Example, line: int, error: DataError) -> None:
    """Skip a block whose data set is missing, and mark the rest of its page (not under CI)."""
    if under_ci():
        raise error
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    why = f"the {dataset_of(error)} data set ({first.split(':')[0]}); fetch it with `make data`"
    example.namespace["__nnnotes_no_data__"] = True
    _no_data[example.path] = {"line": line, "why": why, "blocks": 1}
    pytest.skip(f"{MISSING_DATA}needs {why}")


def _seed(namespace: dict) -> None:
    import numpy
    import torch

    torch.manual_seed(SEED)
    random.seed(SEED)
    numpy.random.seed(SEED)
    namespace["__name__"] = "__main__"
    _reads.clear()
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
    _skip_rest_of_page(example, block.line)
    _ran.add((example.path, block.line))
    namespace, stdout = example.namespace, io.StringIO()
    try:
        with contextlib.redirect_stdout(stdout):
            if only_includes(block):  # snippets keep their own file names and line numbers
                for name in block.includes:
                    snippet = SNIPPETS / name
                    exec(compile(snippet.read_text(encoding="utf-8"), str(snippet), "exec"), namespace)
            else:  # code keeps the page's line numbers
                source = "\n" * (block.body_line - 1) + expand_includes(block.source, SNIPPETS)
                exec(compile(source, example.path, "exec"), namespace)
    except DataError as e:
        _ran.discard((example.path, block.line))
        _skip_for_data(example, block.line, e)
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
        _skip_rest_of_page(example, self.line)
        _ran.add((example.path, self.line))
        return super().__call__(example)


def _check_declared_data(example: Example) -> str | None:
    """After the page's last block: every data set its code looked for is declared."""
    _skip_rest_of_page(example, example.line, block=False)
    declared = example.parsed
    undeclared = sorted({f"{name}:{split}" for name, split in _reads if not covers(declared, name, split)})
    if not undeclared:
        return None
    wanted = set(declared) | set(undeclared)
    for name in {w.split(":")[0] for w in wanted}:
        if {f"{name}:{split}" for split in data.SPLITS} <= wanted:  # every split: the name says it
            wanted = {w for w in wanted if w.split(":")[0] != name} | {name}
    wanted = sorted(wanted)
    return (f"{Path(example.path).name}: the page's code reads {', '.join(undeclared)}, which its front matter does "
            f"not declare (its notebook fetches only what is declared). Put at the top of the page and "
            f"of its twin:\n---\nnnnotes:\n  data: [{', '.join(wanted)}]\n---")


def parse_python_blocks(document: Document) -> Iterable[Region]:
    """One region per Python block; a ``>>>`` block becomes Sybil's doctest regions; a last,
    empty region checks the data the page read against what it declares."""
    blocks = python_blocks(document.text)
    for block in blocks:
        if not block.is_doctest:
            yield Region(block.start, block.end, parsed=block, evaluator=_run_code)
            continue
        offset = block.start + document.text[block.start:].index("\n") + 1
        for region in DocTestStringParser(_Doctest(block.line))(block.source, document.path):
            region.start, region.end = region.start + offset, region.end + offset
            yield region
    if blocks:
        end = len(document.text)
        yield Region(end, end, parsed=declared_data(document.text), evaluator=_check_declared_data)


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
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if ".md" in r.nodeid
               and not r.longrepr[-1].removeprefix("Skipped: ").startswith(MISSING_DATA)]
    no_data = sum(page["blocks"] for page in _no_data.values())
    if not (_ran or skipped or no_data):
        return
    counts = f"page code blocks: {len(_ran)} run, {len(skipped)} skipped"
    if no_data:
        counts += f", {no_data} skipped for missing data"
    lines = [counts] + [f"  skipped {r.nodeid}: {r.longrepr[-1]}" for r in skipped]
    if no_data:
        lines.append("  missing data (fetch it with `make data`, then run the tests again):")
        root = terminalreporter.config.rootpath
        lines += [f"    {Path(path).relative_to(root)}: {page['blocks']} block{'s' * (page['blocks'] != 1)}"
                  f" from line {page['line']} on: needs {page['why'].split(';')[0]}"
                  for path, page in sorted(_no_data.items())]
    terminalreporter.write_line("\n".join(lines))
