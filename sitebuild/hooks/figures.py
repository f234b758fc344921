"""Figures and diagrams on the site are drawn from the code when the site is built.

* A page that shows ``figures/<module>/<name>.svg`` gets it drawn by the function ``<name>`` of
  ``sitebuild/figures/<module>.py`` into ``docs/figures/`` (git-ignored), once per language:
  ``<name>.svg`` and ``<name>.zh.svg``, which mkdocs-static-i18n serves to the Chinese page.
* A line ``<!-- insert: FILE::NAME -->`` is replaced by the Markdown that ``NAME()`` returns
  (a Mermaid diagram of a live autograd graph, say); ``<!-- source: FILE::QUALNAME -->`` by
  the source of that function or class of the library as it is on disk, so the page shows the
  code that runs.

Figures and inserts are drawn by ``python -m sitebuild.draw`` in a fresh process, never in the
build's own: `mkdocs serve` keeps the modules it imported, so an edit would otherwise be drawn
with the old code (and cached under the new hash). A drawing is redone only when something it
may depend on changed: the hash stored beside it covers every file of ``src/nnnotes``, its own
module, the drawing code and the versions of Python, torch and matplotlib. A figure whose data
set is missing (a :class:`~nnnotes.errors.DataError`) is not drawn and gets no hash, so it is
drawn as soon as the data is there; until then its page shows a notice in its place
(``sitebuild/missing_data.py``). Without a font with Chinese glyphs the Chinese figures are not
drawn, the Chinese pages show the English ones, and the build says so in a warning.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root: `sitebuild`

from mkdocs.exceptions import PluginError  # noqa: E402

from nnnotes.errors import DataError  # noqa: E402
from sitebuild import missing_data  # noqa: E402
from sitebuild.pages import DIRECTIVE, FIGURE, ROOT, language, source_listing  # noqa: E402

log = logging.getLogger("mkdocs.hooks.figures")
LANGUAGES = ("en", "zh")
# A figure on a line of its own, as pages show them: ![alt](figures/<module>/<name>.svg){attrs}
FIGURE_LINE = re.compile(r"^(?P<indent>[ \t]*)!\[[^\]\n]*\]\((?:\.\./)*figures/(?P<module>\w+)/(?P<name>\w+)\.svg\)"
                         r"(?:\{[^}\n]*\})?[ \t]*$", re.MULTILINE)
NO_FONT = ("no font with Chinese glyphs for the figures (looked for Noto Sans CJK SC and others): "
           "the Chinese pages show the English figures; install one (Debian, Ubuntu: "
           "apt install fonts-noto-cjk) and build again")


def dependencies_hash(module: str, lang: str = "en") -> str:
    """A hash of everything ``sitebuild/figures/<module>.py`` may depend on, in ``lang``."""
    files = sorted((ROOT / "src" / "nnnotes").rglob("*.py"))
    files += [ROOT / "sitebuild" / "figures" / "__init__.py", ROOT / "sitebuild" / "figures" / f"{module}.py",
              ROOT / "sitebuild" / "draw.py"]
    h = hashlib.sha256(f"{sys.version} torch {version('torch')} matplotlib {version('matplotlib')} {lang}".encode())
    for path in files:
        if path.exists():
            h.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def shown_figures(docs: Path) -> set[tuple[str, str]]:
    """``(module, name)`` of every figure a page shows."""
    return {m for page in docs.rglob("*.md") for m in FIGURE.findall(page.read_text(encoding="utf-8"))}


def shown_inserts(docs: Path) -> set[tuple[str, str]]:
    """``(file, name)`` of every ``<!-- insert: FILE::NAME -->`` of a page."""
    return {(file, name) for page in docs.rglob("*.md")
            for kind, file, name in DIRECTIVE.findall(page.read_text(encoding="utf-8")) if kind == "insert"}


def figure_path(docs: Path, module: str, name: str, lang: str) -> Path:
    return docs / "figures" / module / (f"{name}.zh.svg" if lang == "zh" else f"{name}.svg")


def insert_path(file: str, name: str) -> Path:
    """Where the Markdown of an insert is kept between builds (.cache/ is git-ignored)."""
    return ROOT / ".cache" / "inserts" / (re.sub(r"[^\w.-]", "_", file) + f"--{name}.md")


def _stamp(target: Path) -> Path:
    return target.with_name(f".{target.name.removesuffix('.svg').removesuffix('.md')}.hash")


def is_current(target: Path, key: str) -> bool:
    stamp = _stamp(target)
    return target.exists() and stamp.exists() and stamp.read_text() == key


def run_drawing(request: dict) -> list[dict]:
    """Run ``python -m sitebuild.draw`` on ``request``; its answers, one per item."""
    env = {**os.environ, "MPLBACKEND": "Agg",
           # the repository's code, also where another nnnotes is installed
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), str(ROOT / "src"), os.environ.get("PYTHONPATH")]))}
    run = subprocess.run([sys.executable, "-m", "sitebuild.draw"], input=json.dumps(request), cwd=ROOT,
                         env=env, capture_output=True, text=True)
    if run.returncode != 0:
        raise PluginError(f"drawing the figures failed (python -m sitebuild.draw):\n{run.stderr[-6000:]}")
    return [json.loads(line) for line in run.stdout.splitlines() if line.strip()]


def draw(docs: Path, wanted: list[tuple[str, str, str]], inserts: list[tuple[str, str]] = ()) -> list[dict]:
    """Draw the figures ``(module, name, lang)`` and inserts ``(file, name)`` that are not up to
    date, in one fresh process; return its answers (nothing drawn: an empty list)."""
    figures = [(m, n, lang, figure_path(docs, m, n, lang)) for m, n, lang in wanted]
    figures = [(m, n, lang, path) for m, n, lang, path in figures if not is_current(path, dependencies_hash(m, lang))]
    keyed = [(f, n, insert_path(f, n), dependencies_hash(Path(f).stem)) for f, n in inserts]
    stale_inserts = [(f, n, path, key) for f, n, path, key in keyed if not is_current(path, key)]
    if not figures and not stale_inserts:
        return []
    answers = run_drawing({"figures": [[m, n, lang, str(path)] for m, n, lang, path in figures],
                           "inserts": [[f, n, str(path)] for f, n, path, _ in stale_inserts]})
    done = {a["done"] for a in answers if "done" in a}
    for m, n, lang, path in figures:
        key = f"figures/{m}/{n}" + (".zh" if lang == "zh" else "") + ".svg"
        if key in done:
            _stamp(path).write_text(dependencies_hash(m, lang))
    for f, n, path, key in stale_inserts:
        if f"{f}::{n}" in done:
            _stamp(path).write_text(key)
    return answers


def on_config(config):
    record = missing_data.for_build(config)
    if record.figures_checked:  # the i18n plugin's build of another language: drawn already
        return config
    record.figures_checked = True
    docs = Path(config.docs_dir)
    shown = shown_figures(docs)
    for old in (docs / "figures").glob("*/*.svg"):
        if (old.parent.name, old.name.split(".")[0]) not in shown:  # no page shows it any more
            old.unlink()
    wanted = [(m, n, lang) for m, n in sorted(shown) for lang in LANGUAGES]
    for answer in draw(docs, wanted, sorted(shown_inserts(docs))):
        if "done" in answer and answer["done"].startswith("figures/"):
            log.info("drew %s in %.1f s", answer["done"], answer["seconds"])
        elif "data_error" in answer:
            module, name = answer["data_error"].split("/")[1:3]
            name = name.split(".")[0]
            record.figures[(module, name)] = record.add(DataError(answer["message"]), f"figures/{module}/{name}.svg")
        elif "lookup_error" in answer:
            raise PluginError(f"{answer['lookup_error']}: {answer['message']}")
        elif "no_font" in answer and not record.warned_no_font:
            record.warned_no_font = True
            log.warning(NO_FONT)
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
            path = insert_path(file, name)
            if not path.exists():
                raise LookupError("not drawn (see the build's first lines)")
            return path.read_text(encoding="utf-8").strip("\n")
        except LookupError as e:
            raise PluginError(f"{page.file.src_uri}: <!-- {kind}: {file}::{name} -->: {e}") from None

    return DIRECTIVE.sub(expand, markdown)
