"""Reading the site's own pages: the code blocks, the output shown under them, the snippets.

The test harness (``docs/conftest.py``), the twin test and the site hooks all read pages
through this module, so they agree on what a code block is.

Rules (README: "How a page is tested"):

* a fenced block whose language is ``python`` or ``py`` (whatever follows the language in
  the info string, e.g. ``title="x.py"``) is executed; if its first line starts with ``>>>``
  it is a doctest;
* a ``text`` block that follows a Python block with only blank lines between holds the
  output that block must print;
* a line ``--8<-- "name.py"`` inside a Python block includes ``snippets/name.py``;
* ``<!-- skip: next "reason" -->`` right before a block skips it, with that reason.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

PYTHON_LANGUAGES = {"python", "py", "python3", "pycon"}

_FENCE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)\n"
    r"(?P<body>.*?)"
    r"^(?P=indent)(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
_INCLUDE = re.compile(r"""^[ \t]*-{1,2}8<-{1,2}[ \t]+["']([^"']+)["'][ \t]*$""", re.MULTILINE)
_SKIP = re.compile(r"""<!--\s*skip:\s*next\s+"([^"]+)"\s*-->\s*$""")
INSERT = re.compile(r"^<!--\s*insert:\s*([A-Za-z0-9_]+)\s*-->[ \t]*$", re.MULTILINE)


@dataclass
class Block:
    """One fenced code block of a page."""

    language: str
    source: str  # dedented body
    line: int  # 1-based line of the opening fence
    start: int  # character offsets of the whole block in the page
    end: int
    output: Block | None = None  # the ``text`` block that shows what this block prints
    skip_reason: str | None = None
    includes: list[str] = field(default_factory=list)

    @property
    def is_python(self) -> bool:
        return self.language in PYTHON_LANGUAGES

    @property
    def is_doctest(self) -> bool:
        return self.source.lstrip().startswith(">>>")

    @property
    def body_line(self) -> int:
        """The page line of the block's first line of code."""
        return self.line + 1


def _language(info: str) -> str:
    info = info.strip().lstrip("{").strip()
    word = info.split()[0] if info else ""
    return word.lstrip(".").lower()


def _dedent(body: str, indent: str) -> str:
    lines = body.splitlines(keepends=True)
    return "".join(line[len(indent):] if line.startswith(indent) else line.lstrip(" \t") for line in lines)


def read_blocks(text: str) -> list[Block]:
    """All fenced blocks of a page, with outputs and skips attached to their Python block."""
    blocks: list[Block] = []
    for m in _FENCE.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        source = _dedent(m.group("body"), m.group("indent"))
        block = Block(_language(m.group("info")), source, line, m.start(), m.end())
        block.includes = _INCLUDE.findall(source) if block.is_python else []
        blocks.append(block)
    for before, block in zip([None, *blocks], blocks):
        gap = text[before.end if before else 0 : block.start]
        if before is not None and before.is_python and block.language == "text" and not gap.strip():
            before.output = block
        skip = _SKIP.search(gap.rstrip())
        if skip and block.is_python:
            block.skip_reason = skip.group(1)
    return blocks


def python_blocks(text: str) -> list[Block]:
    """The blocks the test suite executes."""
    return [b for b in read_blocks(text) if b.is_python]


def count_python_fences(text: str) -> int:
    """Count Python fences by a plain line scan, independently of :func:`read_blocks`.

    A test compares the two, so a block that the regular expression misses cannot escape.
    """
    count, fence = 0, None
    for line in text.splitlines():
        stripped = line.strip()
        if fence is None:
            m = re.match(r"(`{3,}|~{3,})\s*\{?\.?(\w*)", stripped)
            if m:
                fence = m.group(1)
                count += m.group(2).lower() in PYTHON_LANGUAGES
        elif stripped == fence:
            fence = None
    return count


def expand_includes(source: str, snippets: Path) -> str:
    """Replace each ``--8<-- "name.py"`` line by the snippet's text (a missing one is an error)."""

    def include(m: re.Match[str]) -> str:
        path = snippets / m.group(1)
        if not path.is_file():
            raise FileNotFoundError(f"snippet not found: {path}")
        return path.read_text(encoding="utf-8").rstrip("\n")

    return _INCLUDE.sub(include, source)


def strip_comments(source: str) -> str:
    """Python source without comments, trailing spaces or blank lines (for the twin test)."""
    if source.lstrip().startswith(">>>"):
        lines = [re.sub(r"\s+#.*$", "", l) if l.lstrip().startswith((">>>", "...")) else l for l in source.splitlines()]
    else:
        try:
            tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type != tokenize.COMMENT]
            source = tokenize.untokenize(tokens)
        except (tokenize.TokenError, IndentationError, SyntaxError):
            source = re.sub(r"(?m)^\s*#.*$", "", source)
        lines = source.splitlines()
    return "\n".join(l.rstrip() for l in lines if l.strip())


def site_pages(docs: Path) -> list[Path]:
    """Every page of the site: Markdown pages and notebooks, both languages."""
    return sorted(p for p in docs.rglob("*") if p.suffix in {".md", ".ipynb"} and ".ipynb_checkpoints" not in p.parts)


def twin_of(page: Path) -> Path:
    """``x.md`` <-> ``x.zh.md`` (also for notebooks)."""
    name = page.name
    for ext in (".md", ".ipynb"):
        if name.endswith(".zh" + ext):
            return page.with_name(name[: -len(".zh" + ext)] + ext)
        if name.endswith(ext):
            return page.with_name(name[: -len(ext)] + ".zh" + ext)
    raise ValueError(f"not a page: {page}")


def is_chinese(page: Path | str) -> bool:
    return str(page).endswith((".zh.md", ".zh.ipynb"))


def generators(prefix: str) -> dict:
    """Every ``<prefix><name>`` function of every ``nnnotes`` module, by name.

    ``figure_<name>() -> matplotlib Figure`` becomes ``figures/<name>.svg`` on the site;
    ``markdown_<name>() -> str`` replaces ``<!-- insert: <name> -->`` on a page.
    """
    import importlib
    import inspect
    import pkgutil

    import nnnotes

    found: dict = {}
    for info in pkgutil.iter_modules(nnnotes.__path__):
        if info.name in {"__main__"}:
            continue
        module = importlib.import_module(f"nnnotes.{info.name}")
        for attr, fn in vars(module).items():
            if attr.startswith(prefix) and inspect.isfunction(fn) and fn.__module__ == module.__name__:
                name = attr[len(prefix):]
                if name in found:
                    raise ValueError(f"two {prefix}{name} functions: {found[name].__module__} and {module.__name__}")
                found[name] = fn
    return found


def save_svg(figure, path: Path) -> None:
    """Write a matplotlib figure as a reproducible SVG (no date, fixed ids)."""
    import matplotlib

    with matplotlib.rc_context({"svg.hashsalt": "nnnotes", "svg.fonttype": "path"}):
        figure.savefig(path, format="svg", metadata={"Date": None}, bbox_inches="tight")
