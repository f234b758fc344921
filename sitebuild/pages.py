"""Reading the site's pages: their code blocks, the output shown under them, the snippets they
include, their languages and twins.

The test harness (``docs/conftest.py``), the twin test and the site hooks all read pages through
this module, so they agree on what a code block is. Fences are found by Sybil's Markdown lexer
(the one its own parsers use); this module adds what Sybil has no notion of:

* a ``text`` block that follows a Python block with only blank lines between holds the output
  that block must print;
* a line ``--8<-- "name.py"`` inside a Python block includes ``snippets/name.py`` (the syntax of
  ``pymdownx.snippets``, which shows the same file on the built page);
* a plain line scan counts the Python fences again, so a block the lexer misses cannot escape.

A Python block is one whose info string starts with ``python`` or ``py`` (``title="x.py"`` and
other attributes may follow); if its first line starts with ``>>>`` it is a doctest.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

from sybil import Document
from sybil.parsers.markdown.lexers import RawFencedCodeBlockLexer

PYTHON_LANGUAGES = {"python", "py", "python3", "pycon"}
LANGUAGES = ("en", "zh")  # English pages are page.md, Chinese ones page.zh.md
PAGE_SUFFIXES = (".md", ".ipynb")

_FENCES = RawFencedCodeBlockLexer(info_pattern=re.compile(r"(?P<info>[^\n]*)$\n", re.MULTILINE))
_INCLUDE = re.compile(r"""^[ \t]*-{1,2}8<-{1,2}[ \t]+["']([^"']+)["'][ \t]*$""", re.MULTILINE)
# What a page shows from the code, named by path (README: "How a page is tested"):
# ![alt](figures/<module>/<name>.svg) is drawn by sitebuild/figures/<module>.py::<name>;
# <!-- insert: FILE::NAME --> is replaced by the Markdown NAME() returns;
# <!-- source: FILE::QUALNAME --> by the source of that function or class, as a code block.
FIGURE = re.compile(r"\]\((?:\.\./)*figures/(\w+)/(\w+)\.svg\)")
DIRECTIVE = re.compile(r"^<!--\s*(insert|source):\s*(\S+?)::([\w.]+)\s*-->[ \t]*$", re.MULTILINE)


# --- pages and languages -------------------------------------------------------------------
def site_pages(docs: Path) -> list[Path]:
    """Every page of the site: Markdown pages and notebooks, both languages."""
    return sorted(p for p in docs.rglob("*") if p.suffix in PAGE_SUFFIXES
                  and not {".ipynb_checkpoints", "assets"} & set(p.relative_to(docs).parts))


def language(page: Path | str) -> str:
    """``"zh"`` for ``x.zh.md`` and ``x.zh.ipynb`` (also a site URI), else ``"en"``."""
    return "zh" if str(page).endswith(tuple(".zh" + s for s in PAGE_SUFFIXES)) else "en"


def is_chinese(page: Path | str) -> bool:
    return language(page) == "zh"


def twin_of(page: Path) -> Path:
    """``x.md`` <-> ``x.zh.md`` (also for notebooks)."""
    name = page.name
    for ext in PAGE_SUFFIXES:
        if name.endswith(".zh" + ext):
            return page.with_name(name[: -len(".zh" + ext)] + ext)
        if name.endswith(ext):
            return page.with_name(name[: -len(ext)] + ".zh" + ext)
    raise ValueError(f"not a page: {page}")


# --- what a page declares ------------------------------------------------------------------
def front_matter(text: str) -> dict:
    """The YAML front matter of a page (``---`` lines at its top), as MkDocs reads it."""
    from mkdocs.utils.meta import get_data

    return get_data(text)[1]


def declared_data(text: str) -> list[str]:
    """The data sets a page's code reads, as its front matter declares them::

        ---
        nnnotes:
          data: [fashion-mnist, "mnist:test"]
        ---

    in the syntax of ``python -m nnnotes.data`` (``NAME`` or ``NAME:SPLIT``). The page's notebook
    fetches them in its first cell; ``docs/conftest.py`` fails a page whose code reads a data
    set it does not declare. Notebooks declare theirs in ``metadata.nnnotes.data``.
    """
    meta = front_matter(text).get("nnnotes") or {}
    return list(meta.get("data") or [])


def covers(declared: list[str], name: str, split: str) -> bool:
    """Whether a declaration (``["fashion-mnist", "mnist:test"]``) includes a split."""
    return name in declared or f"{name}:{split}" in declared


# --- code blocks ---------------------------------------------------------------------------
@dataclass
class Block:
    """One fenced code block of a page."""

    language: str
    source: str  # the body, without the fence's indentation
    line: int  # 1-based line of the opening fence
    start: int  # character offsets of the whole block in the page
    end: int
    output: Block | None = None  # the ``text`` block that shows what this block prints
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


def read_blocks(text: str) -> list[Block]:
    """All fenced blocks of a page, in order, each Python block with its output block."""
    blocks: list[Block] = []
    for region in _FENCES(Document(text, "<page>")):
        source = str(region.lexemes["source"])
        block = Block(_language(region.lexemes["info"]), source,
                      text.count("\n", 0, region.start) + 1, region.start, region.end)
        block.includes = _INCLUDE.findall(source) if block.is_python else []
        blocks.append(block)
    blocks.sort(key=lambda b: b.start)
    for before, block in zip(blocks, blocks[1:]):
        gap = text[before.end:block.start]
        if before.is_python and block.language == "text" and not gap.strip():
            before.output = block
    return blocks


def python_blocks(text: str) -> list[Block]:
    """The blocks the test suite executes."""
    return [b for b in read_blocks(text) if b.is_python]


def count_python_fences(text: str) -> int:
    """Count Python fences by a plain line scan, independently of :func:`read_blocks`.

    A test compares the two, so a block that the lexer misses cannot escape.
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


def only_includes(block: Block) -> bool:
    """A block that is nothing but ``--8<--`` lines (it runs the snippets as files of their own)."""
    return bool(block.includes) and all(
        not line.strip() or _INCLUDE.match(line) for line in block.source.splitlines())


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


# --- what a page shows from the code -------------------------------------------------------
ROOT = Path(__file__).resolve().parents[1]


def resolve(file: str, qualname: str) -> object:
    """The object ``qualname`` of the Python file ``file`` (relative to the repository root):
    ``src/nnnotes/train/loop.py::Trainer.train_epoch`` is ``nnnotes.train.loop.Trainer.train_epoch``.
    """
    import importlib

    path = (ROOT / file).resolve()
    parts = Path(file).with_suffix("").parts
    module_name = ".".join(parts[1:] if parts[0] == "src" else parts)
    if not path.is_file():
        raise LookupError(f"{file} does not exist")
    module = importlib.import_module(module_name)
    if Path(module.__file__).resolve() != path:
        raise LookupError(f"{file}: importing {module_name} gives {module.__file__}")
    obj: object = module
    for attr in qualname.split("."):
        if not hasattr(obj, attr):
            raise LookupError(f"{file} has no {qualname}")
        obj = getattr(obj, attr)
    return obj


def figure_function(module: str, name: str):
    """The function that draws ``figures/<module>/<name>.svg``."""
    return resolve(f"sitebuild/figures/{module}.py", name)


def source_of(file: str, qualname: str) -> str:
    """The source of the function or class ``qualname`` of ``file`` as it is on disk now
    (decorators included, dedented), read with :mod:`ast`: nothing is imported, so a server
    that runs for hours never shows the code of a module it imported before an edit."""
    import ast
    import textwrap

    path = ROOT / file
    if not path.is_file():
        raise LookupError(f"{file} does not exist")
    text = path.read_text(encoding="utf-8")
    body, node = ast.parse(text).body, None
    for part in qualname.split("."):
        node = next((n for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                     and n.name == part), None)
        if node is None:
            raise LookupError(f"{file} has no {qualname}")
        body = node.body
    start = min([node.lineno] + [d.lineno for d in node.decorator_list])
    return textwrap.dedent("\n".join(text.splitlines()[start - 1:node.end_lineno])).rstrip()


def source_listing(file: str, qualname: str) -> str:
    """A fenced block with the source of ``qualname`` in ``file``, titled with the file."""
    return f'```python title="{file}"\n{source_of(file, qualname)}\n```\n'
