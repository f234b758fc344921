"""What the site shows when a data set is missing: a notice instead of the result, never a traceback.

Figures and notebooks read real data (``nnnotes.data``) when the site is built, and a fresh clone
may have none. The figures hook catches the :class:`~nnnotes.errors.DataError` of each figure;
the notebooks hook loads what each notebook declares it reads (``metadata.nnnotes.data``) before
running it. Both record the failure here, and then:

* the page shows, in place of the figure or at the top of the notebook, a notice in its language
  naming the data set and the command that fetches it (nothing drawn as if it were a result);
* the build prints one warning per data set (so ``mkdocs build --strict`` fails with that line).

A build of both languages is one build here: the i18n plugin runs the Chinese build inside the
English one with the same config object, and :func:`for_build` keys the record on that object.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from nnnotes.errors import DataError

log = logging.getLogger("mkdocs.hooks.missing_data")
NAMES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}  # the data sets, as written in prose
_NAME = re.compile(r"(?<![\w-])(fashion-mnist|mnist)(?![\w-])")

# The notices, as admonitions of class "missing-data" (tests/site/test_no_data.py finds them).
NOTICE = {
    "en": {
        "fetch": "`make data` (or `python -m nnnotes.data`)",
        "state": ("is missing", "could not be read"),
        "did": ("did not find", "could not read"),
        "figure": ('!!! warning missing-data "Figure not drawn: the {name} data set {state}"\n'
                   "    This figure is drawn from the real {name} data set, which this build of the"
                   " site {did}. Fetch it with {fetch}, then build or serve the site again.\n"),
        "notebook": ('!!! warning missing-data "Notebook not run: the {name} data set {state}"\n'
                     "    This notebook reads the real {name} data set, which this build of the site"
                     " {did}, so it is shown without being run: its cells have no outputs. Fetch it"
                     " with {fetch}, then build or serve the site again.\n"),
    },
    "zh": {
        "fetch": "`make data`（或 `python -m nnnotes.data`）",
        "state": ("缺少", "无法读取"),
        "did": ("没有找到它", "无法读取它"),
        "figure": ('!!! warning missing-data "图未绘制：{state} {name} 数据集"\n'
                   "    这幅图要用真实的 {name} 数据集来画，但本次构建网站时{did}。"
                   "请用 {fetch} 获取数据，然后重新构建或预览网站。\n"),
        "notebook": ('!!! warning missing-data "笔记本未运行：{state} {name} 数据集"\n'
                     "    这个笔记本要读取真实的 {name} 数据集，但本次构建网站时{did}，"
                     "所以这里只列出代码，没有运行，也就没有输出。"
                     "请用 {fetch} 获取数据，然后重新构建或预览网站。\n"),
    },
}


@dataclass
class Missing:
    """A data set the build could not read, and what needed it."""

    dataset: str  # "mnist", "fashion-mnist", or "data" when the error names neither
    reason: str  # the first line of the DataError
    found: bool  # False: not found; True: found but unreadable
    needed_by: list[str] = field(default_factory=list)

    def notice(self, kind: str, lang: str) -> str:
        """The Markdown admonition shown instead of a ``kind`` ("figure" or "notebook")."""
        text = NOTICE[lang]
        return text[kind].format(name=NAMES.get(self.dataset, self.dataset), fetch=text["fetch"],
                                 state=text["state"][self.found], did=text["did"][self.found])

    def warning(self) -> str:
        figures = [n for n in self.needed_by if n.endswith(".svg")]
        notebooks = [n for n in self.needed_by if not n.endswith(".svg")]
        counts = [f"{len(figures)} figure{'s' * (len(figures) != 1)}"] * bool(figures)
        counts += [f"{len(notebooks)} notebook{'s' * (len(notebooks) != 1)}"] * bool(notebooks)
        state = f"could not be read ({self.reason})" if self.found else "not found"
        verb = "shows" if len(self.needed_by) == 1 else "show"
        return (f"data set {self.dataset} {state}: {' and '.join(counts)} {verb} a notice instead "
                f"({', '.join(self.needed_by)}); fetch it with make data (python -m nnnotes.data)")


def dataset_of(error: DataError) -> str:
    """The data set a :class:`DataError` is about: its messages name it (or a file under it)."""
    found = _NAME.search(str(error))
    return found.group(1) if found else "data"


class Record:
    """What one build (both languages) could not draw or run."""

    def __init__(self) -> None:
        self.missing: dict[str, Missing] = {}
        self.figures: dict[tuple[str, str], Missing] = {}  # (module, name) -> its data set
        self.notebooks: dict[str, Missing] = {}  # notebook src_uri -> its data set
        self.figures_checked = self.notebooks_checked = self.warned = False
        self.warned_no_font = False  # sitebuild/hooks/figures.py: no CJK font for the Chinese figures

    def add(self, error: DataError, needed_by: str) -> Missing:
        message = str(error).strip()
        name = dataset_of(error)
        missing = self.missing.setdefault(
            name, Missing(name, message.splitlines()[0] if message else type(error).__name__,
                          found="not found" not in message))
        if needed_by not in missing.needed_by:
            missing.needed_by.append(needed_by)
        return missing

    def warn_once(self) -> None:
        """One warning per data set, once per build (the first hook to ask prints them)."""
        if not self.warned:
            self.warned = True
            for missing in self.missing.values():
                log.warning(missing.warning())


_current: list = [None, None]  # [config, Record]


def for_build(config) -> Record:
    """The record of the build that ``config`` belongs to (a new config is a new build)."""
    if _current[0] is not config:
        _current[:] = [config, Record()]
    return _current[1]
