"""Heading anchors: one slug function for the Markdown pages, the notebook pages and the
generated notebooks, so every heading has a readable id and every link to it works.

pymdownx's slugify keeps Chinese characters (``#模块与参数``); before it, the math of a heading
is reduced to its words (``### Its gradient: $(p - \\text{onehot}(y)) / N$`` is
``#its-gradient-p-onehot-y-n``, not ``#its-gradient-p---textonehoty--n``), whether the heading
still holds the ``$...$`` of the page or arithmatex's ``\\(...\\)``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pymdownx.slugs import slugify as _pymdownx_slugify

_SLUG = _pymdownx_slugify(case="lower")
_MATH = re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$|\\\(.*?\\\)|\\\[.*?\\\]", re.DOTALL)


def _math_words(m: re.Match[str]) -> str:
    """``$(p - \\text{onehot}(y)) / N$`` -> `` p onehot y N ``: no commands, no operators."""
    math = re.sub(r"\\[a-zA-Z]+", " ", m.group(0).strip("$").removeprefix("\\(").removesuffix("\\)"))
    return " " + " ".join(re.sub(r"[^\w]", " ", math).split()) + " "


def slugify(text: str, sep: str = "-") -> str:
    """The anchor of a heading whose text is ``text`` (the ``toc`` extension's signature)."""
    if not _MATH.search(text):
        return _SLUG(text, sep)  # as pymdownx makes it: the anchors of headings without math
    words = " ".join(_MATH.sub(_math_words, text).split())
    return _SLUG(words, sep).strip(sep) or _SLUG(text, sep)


def unique(slugs: Iterable[str]) -> list[str]:
    """Slugs made unique as Python-Markdown's toc does: the second ``x`` is ``x_1``."""
    seen: set[str] = set()
    out = []
    for slug in slugs:
        candidate, n = slug or "_", 0
        while candidate in seen:
            n += 1
            candidate = f"{slug}_{n}"
        seen.add(candidate)
        out.append(candidate)
    return out
