"""Figures and diagrams on the site are drawn from the code when the site is built.

* A page that shows ``figures/<module>/<name>.svg`` gets it drawn by the function ``<name>`` of
  ``sitebuild/figures/<module>.py`` into ``docs/figures/`` (git-ignored).
* A line ``<!-- insert: FILE::NAME -->`` is replaced by the Markdown that ``NAME()`` returns
  (a Mermaid diagram of a live autograd graph, say); ``<!-- source: FILE::QUALNAME -->`` by
  the source of that function or class of the library, so the page shows the code that runs.

A figure is redrawn only when something it may depend on changed: the hash stored beside it
covers every file of ``src/nnnotes``, its own module and the versions of Python, torch and
matplotlib. A figure whose data set is missing (a :class:`~nnnotes.errors.DataError`) is not
drawn and gets no hash, so it is drawn as soon as the data is there; until then its page shows a
notice in its place (``sitebuild/missing_data.py``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import sys
import time
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root: `sitebuild`

from mkdocs.exceptions import PluginError  # noqa: E402

from nnnotes.errors import DataError  # noqa: E402
from sitebuild import missing_data  # noqa: E402
from sitebuild.pages import DIRECTIVE, FIGURE, ROOT, figure_function, language, resolve, source_listing  # noqa: E402

log = logging.getLogger("mkdocs.hooks.figures")
# A figure on a line of its own, as pages show them: ![alt](figures/<module>/<name>.svg){attrs}
FIGURE_LINE = re.compile(r"^(?P<indent>[ \t]*)!\[[^\]\n]*\]\((?:\.\./)*figures/(?P<module>\w+)/(?P<name>\w+)\.svg\)"
                         r"(?:\{[^}\n]*\})?[ \t]*$", re.MULTILINE)


def dependencies_hash(module: str) -> str:
    """A hash of everything ``sitebuild/figures/<module>.py`` may depend on."""
    files = sorted((ROOT / "src" / "nnnotes").rglob("*.py"))
    files += [ROOT / "sitebuild" / "figures" / "__init__.py", ROOT / "sitebuild" / "figures" / f"{module}.py"]
    h = hashlib.sha256(f"{sys.version} torch {version('torch')} matplotlib {version('matplotlib')}".encode())
    for path in files:
        h.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def shown_figures(docs: Path) -> set[tuple[str, str]]:
    """``(module, name)`` of every figure a page shows."""
    return {m for page in docs.rglob("*.md") for m in FIGURE.findall(page.read_text(encoding="utf-8"))}


def save_svg(figure, path: Path) -> None:
    """Write a matplotlib figure as a reproducible SVG (no date, fixed ids)."""
    import matplotlib

    with matplotlib.rc_context({"svg.hashsalt": "nnnotes", "svg.fonttype": "path"}):
        figure.savefig(path, format="svg", metadata={"Date": None}, bbox_inches="tight")


def draw(docs: Path, module: str, name: str) -> bool:
    """Draw ``figures/<module>/<name>.svg`` unless it is up to date; True if it was drawn.

    A :class:`DataError` of the drawing function propagates, and leaves the files as they were.
    """
    out = docs / "figures" / module
    target, stamp = out / f"{name}.svg", out / f".{name}.hash"
    key = dependencies_hash(module)
    if target.exists() and stamp.exists() and stamp.read_text() == key:
        return False
    try:
        function = figure_function(module, name)
    except LookupError as e:
        raise PluginError(f"figures/{module}/{name}.svg: {e}") from None
    start = time.perf_counter()
    figure = function()
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / f".{name}.svg"
    save_svg(figure, tmp)
    log.info("drew figures/%s/%s.svg in %.1f s", module, name, time.perf_counter() - start)
    if target.exists() and target.read_bytes() == tmp.read_bytes():
        tmp.unlink()  # unchanged: don't touch it, `mkdocs serve` watches docs/
    else:
        tmp.replace(target)
    stamp.write_text(key)
    return True


def on_config(config):
    record = missing_data.for_build(config)
    if record.figures_checked:  # the i18n plugin's build of another language: drawn already
        return config
    record.figures_checked = True
    os.environ.setdefault("MPLBACKEND", "Agg")
    docs = Path(config.docs_dir)
    shown = shown_figures(docs)
    for old in (docs / "figures").glob("*/*.svg"):
        if (old.parent.name, old.stem) not in shown:  # no page shows it any more
            old.unlink()
    for module, name in sorted(shown):
        try:
            draw(docs, module, name)
        except DataError as e:
            record.figures[(module, name)] = record.add(e, f"figures/{module}/{name}.svg")
    return config


def on_pre_build(config):
    missing_data.for_build(config).warn_once()


def with_notices(markdown: str, missing: dict[tuple[str, str], missing_data.Missing], lang: str) -> str:
    """The page with a notice in place of each figure that could not be drawn."""
    def notice(m: re.Match[str]) -> str:
        problem = missing.get((m["module"], m["name"]))
        if problem is None:
            return m[0]
        return "\n".join(m["indent"] + line if line else line
                         for line in problem.notice("figure", lang).splitlines())

    return FIGURE_LINE.sub(notice, markdown)


def on_page_markdown(markdown, page, config, files):
    record = missing_data.for_build(config)
    if record.figures:
        markdown = with_notices(markdown, record.figures, language(page.file.src_uri))

    def expand(m):
        kind, file, name = m.groups()
        try:
            if kind == "source":
                return source_listing(file, name).strip("\n")
            return resolve(file, name)().strip("\n")
        except LookupError as e:
            raise PluginError(f"{page.file.src_uri}: <!-- {kind}: {file}::{name} -->: {e}") from None

    return DIRECTIVE.sub(expand, markdown)
