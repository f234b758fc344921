"""Where the built site puts each page (shared by the site's tests and the benchmark)."""

from __future__ import annotations

import re
from pathlib import Path

from sitebuild.pages import ROOT, is_chinese

DOCS = ROOT / "docs"
SITE_URL = "http://127.0.0.1:8000/"


def page_dir(src: Path) -> str:
    """docs/autograd/graph.zh.md -> zh/autograd/graph/ ; docs/index.md -> ''."""
    rel = src.relative_to(DOCS).as_posix()
    rel = re.sub(r"(\.zh)?\.(md|ipynb)$", "", rel)
    rel = "" if rel == "index" else rel + "/"
    return ("zh/" if is_chinese(src) else "") + rel
