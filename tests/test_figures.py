"""Figures and generated diagrams: each one is shown on a page in both languages, and each
one a page shows is drawn by a function of nnnotes. (They are drawn, and fail loudly, when
tests/test_site.py builds the site.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nnnotes.pages import INSERT, generators

DOCS = Path(__file__).resolve().parents[1] / "docs"
TEXT = {p: p.read_text(encoding="utf-8") for p in DOCS.rglob("*.md")}


def _shown(pattern: re.Pattern[str]) -> dict[str, set[str]]:
    shown: dict[str, set[str]] = {}
    for page, text in TEXT.items():
        for name in pattern.findall(text):
            shown.setdefault(name, set()).add("zh" if page.name.endswith(".zh.md") else "en")
    return shown


FIGURE = re.compile(r"\]\((?:\.\./)*figures/([A-Za-z0-9_]+)\.svg\)")


@pytest.mark.parametrize("kind, pattern", [("figure_", FIGURE), ("markdown_", INSERT)], ids=["figures", "diagrams"])
def test_every_generated_figure_is_shown_in_both_languages(kind: str, pattern: re.Pattern[str]) -> None:
    shown = _shown(pattern)
    for name in generators(kind):
        assert shown.get(name) == {"en", "zh"}, f"{kind}{name} is shown in {sorted(shown.get(name, []))}"


@pytest.mark.parametrize("kind, pattern", [("figure_", FIGURE), ("markdown_", INSERT)], ids=["figures", "diagrams"])
def test_every_shown_figure_has_a_function(kind: str, pattern: re.Pattern[str]) -> None:
    missing = set(_shown(pattern)) - set(generators(kind))
    assert not missing, f"pages show {sorted(missing)} but nnnotes has no {kind} function for them"
