"""Figures and diagrams on the site are drawn by nnnotes when the site is built.

* Every ``figure_<name>()`` function of a ``nnnotes`` module is rendered to
  ``docs/figures/<name>.svg`` (git-ignored); pages embed ``figures/<name>.svg``.
* A line ``<!-- insert: <name> -->`` on a page is replaced by what ``markdown_<name>()``
  returns (for example a Mermaid diagram of a live autograd graph).

A figure is redrawn only when the source of its module, or of a nnnotes module that module
imports, changes (a hash is stored beside each figure).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from pathlib import Path

from mkdocs.exceptions import PluginError

from nnnotes.pages import INSERT, generators, save_svg

log = logging.getLogger("mkdocs.hooks.figures")


def _module_hash(module: str, seen: set[str] | None = None) -> str:
    """Hash of a nnnotes module's source and of every nnnotes module it imports, recursively."""
    import nnnotes

    seen = set() if seen is None else seen
    path = Path(nnnotes.__file__).parent / f"{module}.py"
    if module in seen or not path.exists():
        return ""
    seen.add(module)
    text = path.read_text(encoding="utf-8")
    deps = re.findall(r"(?:from\s+(?:nnnotes)?\.?\s*(\w+)\s+import|import\s+nnnotes\.(\w+))", text)
    parts = [text] + [_module_hash(a or b, seen) for a, b in deps]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def on_config(config):
    os.environ.setdefault("MPLBACKEND", "Agg")
    out = Path(config.docs_dir) / "figures"
    out.mkdir(exist_ok=True)
    import matplotlib.pyplot as plt

    drawers = generators("figure_")
    for old in out.glob("*.svg"):
        if old.stem not in drawers:  # a figure whose function was renamed or removed
            old.unlink()
    for name, draw in drawers.items():
        target, stamp = out / f"{name}.svg", out / f".{name}.hash"
        key = _module_hash(draw.__module__.rsplit(".", 1)[1])
        if target.exists() and stamp.exists() and stamp.read_text() == key:
            continue  # drawn from this very source already
        log.info("drawing figures/%s.svg", name)
        fig = draw()
        tmp = out / f".{name}.svg"
        save_svg(fig, tmp)
        plt.close(fig)
        if target.exists() and target.read_bytes() == tmp.read_bytes():
            tmp.unlink()  # unchanged: don't touch it, `mkdocs serve` watches docs/
        else:
            tmp.replace(target)
        stamp.write_text(key)
    return config


def on_page_markdown(markdown, page, config, files):
    makers = None

    def insert(m):
        nonlocal makers
        makers = makers or generators("markdown_")
        if m.group(1) not in makers:
            raise PluginError(f"{page.file.src_uri}: no markdown_{m.group(1)}() in nnnotes")
        return makers[m.group(1)]().strip("\n")

    return INSERT.sub(insert, markdown)
