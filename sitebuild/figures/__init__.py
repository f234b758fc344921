"""Figures and diagrams of the pages, drawn when the site is built, one module per page.

A page names what it shows by path, so a reader can follow it to the code:

* ``![alt](figures/<module>/<name>.svg)`` is ``sitebuild/figures/<module>.py``, function
  ``<name>(lang="en") -> matplotlib.figure.Figure``;
* ``<!-- insert: sitebuild/figures/<module>.py::<name> -->`` is replaced by the Markdown that
  ``<name>() -> str`` returns (a Mermaid diagram of a live autograd graph, say).

The functions compute nothing a page does not also print: the numbers come from ``nnnotes``
(its teaching modules and ``nnnotes.experiments``); these modules only draw them.

Each figure is drawn once per language: ``figures/<module>/<name>.svg`` for English pages and
``<name>.zh.svg`` for Chinese ones (mkdocs-static-i18n serves the ``.zh`` file to the Chinese
page that links the plain name). The words of a figure (titles, axes, legends) come from the
string table ``TEXT = {"en": {...}, "zh": {...}}`` of its module; numbers, code names (``SGD``,
``relu``) and formulas are the same in both. Figures are drawn for the content column: at most
:data:`WIDTH` inches wide, no text under :data:`MIN_FONT` points (``sitebuild/draw.py`` holds
every figure to both).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

LANGUAGES = ("en", "zh")
WIDTH = 6.8  # inches: the content column is about 690 px wide at 1280 px (96 px per inch)
MIN_FONT = 9.0  # points: 12 px at full size; smaller text is raised to it when a figure is saved


def words(table: Mapping[str, Mapping[str, str]], lang: str) -> Mapping[str, str]:
    """The strings of ``lang`` from a module's ``TEXT`` table (every language has every key)."""
    return table[lang]


def relabel(figure, translate: Callable[[str], str]) -> None:
    """Replace every text of ``figure`` (titles, labels, legends, annotations) by
    ``translate(text)``: for figures drawn by the library (``nnnotes.plots``) in English."""
    from matplotlib.text import Text

    for text in figure.findobj(Text):
        if text.get_text():
            text.set_text(translate(text.get_text()))


def translator(exact: Mapping[str, str], patterns: Mapping[str, str] = {}) -> Callable[[str], str]:
    """A ``translate`` for :func:`relabel`: exact strings first, then regular expressions
    (``{r"best validation accuracy ([\\d.]+)": r"最佳验证准确率 \\1"}``); others stay as they are."""
    compiled = [(re.compile(p), r) for p, r in patterns.items()]

    def translate(text: str) -> str:
        if text in exact:
            return exact[text]
        for pattern, replacement in compiled:
            if pattern.fullmatch(text):
                return pattern.sub(replacement, text)
        return text

    return translate
