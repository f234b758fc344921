"""Which version of its English twin each Chinese page translates.

A fix in one language must never be forgotten in the other. So every Chinese page records a
hash of the English **prose** it translates, and ``tests/site/test_translations.py`` fails,
naming the page, as soon as the English prose has changed since.

The prose of an English page is its text without its front matter and without its fenced code
blocks (code and output blocks are the same in both languages, and ``tests/site/test_twins.py``
already compares them), with every run of whitespace made one space: re-wrapping a paragraph
changes nothing, changing a word, a number or a link does. For a notebook it is the text of its
Markdown cells; for ``README.md`` the file without its code blocks.

Where the hash is kept:

* ``docs/X.zh.md``: ``translates: <hash>`` in the page's front matter (MkDocs reads front matter
  as page metadata and does not show it);
* ``docs/notebooks/X.zh.ipynb``: ``metadata.nnnotes.translates`` of the notebook;
* ``README.zh.md``: an HTML comment on its first line, ``<!-- translates: <hash> -->`` (GitHub
  does not show it).

After bringing a Chinese page up to date with its English twin, record that::

    python -m sitebuild.translations --update docs/optimizers.zh.md   # the pages you translated
    python -m sitebuild.translations                                   # list the stale ones

``--update`` without pages records the current hash for every Chinese page: only right after a
review of all of them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

from sitebuild.pages import ROOT, is_chinese, read_blocks, site_pages, twin_of

DOCS = ROOT / "docs"
README, README_ZH = ROOT / "README.md", ROOT / "README.zh.md"
FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?---[ \t]*\n", re.S)
KEY = "translates"
README_RECORD = re.compile(r"\A<!-- translates: (\w+) -->\n")


# --- the prose and its hash -------------------------------------------------------------
def without_front_matter(text: str) -> str:
    return FRONT_MATTER.sub("", text, count=1)


def markdown_prose(text: str) -> str:
    """A Markdown text without front matter and fenced code blocks, whitespace normalised."""
    text = without_front_matter(text)
    for block in sorted(read_blocks(text), key=lambda b: b.start, reverse=True):
        text = text[:block.start] + "\n" + text[block.end:]
    return " ".join(text.split())


def prose(path: Path) -> str:
    """The prose of an English page, notebook or README (see the module's docstring)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":
        cells = json.loads(text)["cells"]
        return " ".join(" ".join("".join(c["source"]).split()) for c in cells
                        if c["cell_type"] == "markdown")
    return markdown_prose(text)


def prose_hash(path: Path) -> str:
    """The first 12 hex digits of the SHA-256 of :func:`prose`."""
    return hashlib.sha256(prose(path).encode("utf-8")).hexdigest()[:12]


# --- the record in each Chinese file ----------------------------------------------------
def english_of(chinese: Path) -> Path:
    return README if chinese == README_ZH else twin_of(chinese)


def translations() -> list[Path]:
    """Every Chinese file that translates an English one: pages, notebooks, README.zh.md."""
    return [p for p in site_pages(DOCS) if is_chinese(p)] + [README_ZH]


def recorded(chinese: Path) -> str | None:
    """The hash a Chinese file says it translates, or None."""
    text = chinese.read_text(encoding="utf-8")
    if chinese == README_ZH:
        m = README_RECORD.match(text)
        return m.group(1) if m else None
    if chinese.suffix == ".ipynb":
        return json.loads(text).get("metadata", {}).get("nnnotes", {}).get(KEY)
    m = FRONT_MATTER.match(text)
    found = re.search(rf"^{KEY}:\s*(\w+)\s*$", m.group(1) or "", re.M) if m else None
    return found.group(1) if found else None


def record(chinese: Path, digest: str) -> None:
    """Write ``digest`` into a Chinese file, leaving everything else as it is."""
    text = chinese.read_text(encoding="utf-8")
    if chinese == README_ZH:
        text = f"<!-- translates: {digest} -->\n" + README_RECORD.sub("", text, count=1)
    elif chinese.suffix == ".ipynb":
        notebook = json.loads(text)
        notebook.setdefault("metadata", {}).setdefault("nnnotes", {})[KEY] = digest
        text = json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
    else:
        m = FRONT_MATTER.match(text)
        if m is None:
            text = f"---\n{KEY}: {digest}\n---\n\n" + text
        else:
            body = m.group(1) or ""
            line = f"{KEY}: {digest}\n"
            body = (re.sub(rf"^{KEY}:.*\n", line, body, flags=re.M) if re.search(rf"^{KEY}:", body, re.M)
                    else body + line)
            text = f"---\n{body}---\n" + text[m.end():]
    chinese.write_text(text, encoding="utf-8")


def stale() -> list[tuple[Path, str | None, str]]:
    """(Chinese file, recorded hash, current hash of its English twin) for every out-of-date one."""
    found = []
    for chinese in translations():
        now, then = prose_hash(english_of(chinese)), recorded(chinese)
        if then != now:
            found.append((chinese, then, now))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sitebuild.translations",
        description="Check (default) or record which version of its English twin each Chinese "
                    "page, notebook and README.zh.md translates.")
    parser.add_argument("--update", nargs="*", metavar="CHINESE_FILE",
                        help="record the current English prose hash in these Chinese files "
                             "(all of them if none is given)")
    args = parser.parse_args(argv)
    if args.update is not None:
        targets = [Path(p).resolve() for p in args.update] or translations()
        for chinese in targets:
            if chinese not in translations():
                parser.error(f"{chinese} is not a Chinese page, notebook or README.zh.md")
            record(chinese, prose_hash(english_of(chinese)))
            print(f"{chinese.relative_to(ROOT)}: translates {prose_hash(english_of(chinese))}")
        return 0
    out = stale()
    for chinese, then, now in out:
        print(f"{chinese.relative_to(ROOT)}: translates {then or 'nothing recorded'}, "
              f"but {english_of(chinese).relative_to(ROOT)} is now {now}")
    return 1 if out else 0


if __name__ == "__main__":
    sys.exit(main())
