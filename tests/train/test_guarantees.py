"""The mnist page's list of guarantees names, in both languages, tests that exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
NAMED = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def guarantees(page: str) -> list[tuple[str, str]]:
    text = (ROOT / "docs" / page).read_text(encoding="utf-8")
    section = text.split("{#guarantees}", 1)[1].split("\n## ", 1)[0]
    return NAMED.findall(section)


def test_both_languages_name_the_same_tests_in_the_same_order():
    assert guarantees("mnist.md") == guarantees("mnist.zh.md") and guarantees("mnist.md")


@pytest.mark.parametrize("path, name", sorted(set(guarantees("mnist.md"))))
def test_every_test_a_guarantee_names_exists(path, name):
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    assert name in {f.name for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)}
