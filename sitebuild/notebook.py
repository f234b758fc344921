"""Every page as a Jupyter notebook, made from the same blocks the tests run.

A Markdown page becomes, in order: a cell that says what the notebook is (title, the page's
address, the commit), a **setup cell** that installs what the page was verified with (PyTorch and
torchvision as pinned in ``constraints.txt``, the ``nnnotes`` package from the repository at the
built commit) and fetches the data sets the page declares (``python -m nnnotes.data``), a cell
that seeds ``random``, ``numpy`` and ``torch`` as the test harness does, and then the page
itself: its prose as Markdown cells and each Python block as a code cell (snippets included,
doctests split into one cell per example), the output blocks left out (running the cell shows
them). What Jupyter cannot render is translated: admonitions become quotes, tabs bold labels,
``<!-- insert -->`` and ``<!-- source -->`` the diagram or listing, links to other pages and
figures the site's addresses, headings keep the site's anchors.

**Exercises**: in a section titled "Exercises" (练习), each ``!!! question`` admonition is kept,
followed by an empty code cell for the reader's answer, and each ``??? success`` (the solution)
is left out, with the code blocks in it.

A notebook page (``docs/notebooks/x.ipynb``) gets the same first cells before its own.

Each code cell says where it comes from in its metadata (``nnnotes.role``: ``setup``, ``seed``,
``block`` with the page ``line``, ``exercise``; ``skip`` with the reason of a block the tests
skip; ``exercise`` on a block of an exercise's question, whose output is in its solution), which ``tests/site/test_notebooks.py`` uses to run every notebook and compare each cell's
output with what the page shows under the block.
"""

from __future__ import annotations

import doctest
import json
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote, urljoin

from sitebuild.pages import DIRECTIVE, ROOT, declared_data, front_matter, language, read_blocks, twin_of
from sitebuild.slugs import slugify, unique

NBFORMAT = 4
EXERCISES = {"exercises", "练习", "习题"}  # section titles (lower case) whose questions are exercises
ADMONITION = re.compile(r'^(?P<indent>[ \t]*)(?P<marker>!!!|\?\?\?\+?)[ \t]+(?P<type>[\w-]+)(?P<classes>(?:[ \t]+[\w-]+)*)'
                        r'(?:[ \t]+"(?P<title>[^"]*)")?[ \t]*$')
TAB = re.compile(r'^(?P<indent>[ \t]*)===\+?[ \t]+"(?P<title>[^"]*)"[ \t]*$')
HEADING = re.compile(r"^(?P<hashes>#{1,6})[ \t]+(?P<text>.*?)(?:[ \t]+\{(?P<attrs>[^}]*)\})?[ \t]*$")
SKIP = re.compile(r'^[ \t]*<!--\s*skip:\s*(next|start|end)\s*(?:"([^"]*)")?\s*-->[ \t]*$')
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
LINK = re.compile(r"(?P<bang>!?)\[(?P<text>(?:[^\[\]]|\[[^\]]*\])*)\]\((?P<target>[^)\s]+)(?P<title>\s+\"[^\"]*\")?\)"
                  r"(?:\{[^}\n]*\})?")
TITLE_WORDS = {"en": {"note": "Note", "warning": "Warning", "danger": "Danger", "tip": "Tip", "example": "Example",
                      "question": "Exercise", "info": "Info", "success": "Success", "abstract": "Summary"},
               "zh": {"note": "注意", "warning": "警告", "danger": "危险", "tip": "提示", "example": "示例",
                      "question": "练习", "info": "说明", "success": "成功", "abstract": "摘要"}}

TEXT = {
    "en": {
        "intro": ("This notebook is the page [{title}]({url}) of nnnotes, generated when the site was built{at}: "
                  "the page's prose and the code blocks its tests ran, in the same order. The first cell installs "
                  "what the page was verified with{data}; then run the cells from the top."),
        "at": " from commit `{short}`", "data": ", and fetches the data set{s} it reads ({names})",
        "install": ("# Install what this page was verified with: PyTorch {torch} and torchvision {vision}\n"
                    "# (pinned in constraints.txt), and the nnnotes package ({which})."),
        "fetch": ("# Fetch the data this page reads (python -m nnnotes.data: it says where it finds each data set,\n"
                  "# or downloads it into ~/.cache/nnnotes/data, about 30 MB per data set)."),
        "seed": "# The site's tests ran this page's code with these seeds; so does this notebook.",
        "skipped": "# The site's tests skip this block: {reason}",
        "answer": "# Your answer",
        "where": "# where the pages' code looks",
        "which_commit": "{repo} at commit {short}", "which_branch": "{repo}",
    },
    "zh": {
        "intro": ("本笔记本由 nnnotes 网站的页面[{title}]({url})在构建网站时生成{at}：页面的正文，以及测试实际运行过的"
                  "代码块，顺序与页面相同。第一个单元格安装验证本页时所用的版本{data}；然后从上往下依次运行各个单元格。"),
        "at": "（提交 `{short}`）", "data": "，并获取本页读取的数据集（{names}）",
        "install": ("# 安装验证本页时所用的版本：PyTorch {torch} 和 torchvision {vision}（在 constraints.txt 中固定），\n"
                    "# 以及 nnnotes 包（{which}）。"),
        "fetch": ("# 获取本页读取的数据（python -m nnnotes.data：找到了就说明在哪里，找不到就下载到\n"
                  "# ~/.cache/nnnotes/data，每个数据集约 30 MB）。"),
        "seed": "# 网站的测试用这些随机种子运行本页的代码；本笔记本也一样。",
        "skipped": "# 网站的测试跳过这个代码块：{reason}",
        "answer": "# 在这里写你的答案",
        "where": "# 页面上的代码在这里找数据",
        "which_commit": "{repo}，提交 {short}", "which_branch": "{repo}",
    },
}


@dataclass
class Settings:
    """What every generated notebook needs to know about the build."""

    site_url: str  # the site's address, ending with "/"
    repo_url: str | None  # https://github.com/OWNER/NAME (mkdocs.yml: repo_url)
    commit: str | None  # the commit the site is built from (None outside git)
    torch: str  # the pinned versions (constraints.txt)
    torchvision: str

    @property
    def install(self) -> str:
        """What ``pip install`` gets for nnnotes: the repository at the built commit."""
        if not self.repo_url:
            return "nnnotes"
        ref = f"@{self.commit}" if self.commit else ""
        return f"nnnotes @ git+{self.repo_url.rstrip('/')}.git{ref}"


def pinned(constraints: Path = ROOT / "constraints.txt") -> dict[str, str]:
    """The pinned versions of ``constraints.txt``: ``{"torch": "2.14.1", ...}``."""
    pins = {}
    for line in constraints.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Za-z0-9_.-]+)==([^\s;#]+)", line)
        if m:
            pins[m.group(1).lower()] = m.group(2)
    return pins


def head_commit(root: Path = ROOT) -> str | None:
    """The commit checked out in ``root`` (None if it is not a git repository)."""
    try:
        run = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    commit = run.stdout.strip()
    return commit if run.returncode == 0 and re.fullmatch(r"[0-9a-f]{40}", commit) else None


def settings_for(config) -> Settings:
    pins = pinned(Path(config.config_file_path).parent / "constraints.txt")
    site_url = config.site_url or "http://127.0.0.1:8000/"
    return Settings(site_url=site_url if site_url.endswith("/") else site_url + "/",
                    repo_url=config.repo_url, commit=head_commit(Path(config.config_file_path).parent),
                    torch=pins.get("torch", "?"), torchvision=pins.get("torchvision", "?"))


# --- where a page's things are on the site --------------------------------------------------
def page_dir(src_uri: str) -> str:
    """The site folder of a page: ``autograd/graph.zh.md`` -> ``zh/autograd/graph/``."""
    stem = re.sub(r"(\.zh)?\.(md|ipynb)$", "", src_uri)
    folder = "" if stem == "index" else f"{stem}/"
    if stem.endswith("/index"):
        folder = stem[: -len("index")]
    return ("zh/" if language(src_uri) == "zh" else "") + folder


def notebook_name(src_uri: str) -> str:
    """The file name of a page's notebook: ``graph.ipynb``, ``graph.zh.ipynb``."""
    name = PurePosixPath(src_uri).name
    return re.sub(r"\.(md|ipynb)$", ".ipynb", name)


def notebook_path(src_uri: str) -> str:
    """Where a page's notebook is on the site: ``zh/autograd/graph/graph.zh.ipynb``."""
    return page_dir(src_uri) + notebook_name(src_uri)


def branch_path(src_uri: str) -> str:
    """Where a page's notebook is on the ``notebooks`` branch (what Colab opens): the page's
    path in docs/ with ``.ipynb``, ``autograd/graph.zh.ipynb``."""
    return re.sub(r"\.(md|ipynb)$", ".ipynb", src_uri)


NOTEBOOKS_BRANCH = "notebooks"  # .github/workflows/deploy.yml publishes the notebooks there


def colab_url(repo_url: str, src_uri: str) -> str | None:
    """The "Open in Colab" address of a page's notebook (GitHub repositories only)."""
    m = re.match(r"^https://github\.com/([^/]+)/([^/]+?)(?:\.git)?/?$", repo_url or "")
    if not m:
        return None
    return (f"https://colab.research.google.com/github/{m.group(1)}/{m.group(2)}/blob/"
            f"{NOTEBOOKS_BRANCH}/{quote(branch_path(src_uri))}")


def site_address(settings: Settings, src_uri: str, target: str, docs: Path) -> str:
    """The absolute address of a relative link of page ``src_uri`` (pages, figures, files)."""
    path, _, anchor = target.partition("#")
    base = PurePosixPath(src_uri).parent
    resolved = PurePosixPath(*[p for p in (base / path).parts])
    parts: list[str] = []
    for part in resolved.parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    rel = "/".join(parts)
    lang = language(src_uri)
    if rel.endswith((".md", ".ipynb")):
        if lang == "zh" and not rel.endswith((".zh.md", ".zh.ipynb")):
            rel = str(twin_of(PurePosixPath(rel)))
        url = page_dir(rel)
    else:
        localized = re.sub(r"(\.[^./]+)$", r".zh\1", rel)
        url = ("zh/" + rel) if lang == "zh" and (docs / localized).exists() else rel
    return urljoin(settings.site_url, url) + (f"#{anchor}" if anchor else "")


# --- cells -----------------------------------------------------------------------------------
def quiet_last_expression(source: str) -> str:
    """``source`` with a ``;`` after its last statement if that is an expression: Jupyter would
    show the expression's value, which the page (run as a script by the tests) never shows."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    last = tree.body[-1] if tree.body else None
    if not isinstance(last, ast.Expr) or (isinstance(last.value, ast.Call) and isinstance(last.value.func, ast.Name)
                                          and last.value.func.id == "print"):
        return source
    lines = source.split("\n")
    line = lines[last.end_lineno - 1]
    cut = len(line.encode("utf-8")[: last.end_col_offset].decode("utf-8", "ignore"))
    lines[last.end_lineno - 1] = line[:cut] + ";" + line[cut:]
    return "\n".join(lines)


def markdown_cell(source: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": source.strip("\n")}


def code_cell(source: str, **nnnotes) -> dict:
    return {"cell_type": "code", "execution_count": None, "metadata": {"nnnotes": nnnotes},
            "outputs": [], "source": source.rstrip("\n")}


def first_cells(settings: Settings, title: str, url: str, datasets: list[str], lang: str,
                seed: bool = True) -> list[dict]:
    """What every notebook starts with: what it is, the setup cell, the seeds."""
    t = TEXT[lang]
    names = ", ".join(datasets)
    intro = t["intro"].format(
        title=title, url=url, at=t["at"].format(short=settings.commit[:7]) if settings.commit else "",
        data=t["data"].format(names=names, s="s" * (len(datasets) != 1)) if datasets else "")
    repo = settings.repo_url or "PyPI"
    which = (t["which_commit"].format(short=settings.commit[:7], repo=repo) if settings.commit
             else t["which_branch"].format(repo=repo))
    setup = [t["install"].format(torch=settings.torch, vision=settings.torchvision, which=which),
             f'%pip install --quiet "torch=={settings.torch}" "torchvision=={settings.torchvision}" "{settings.install}"']
    if datasets:
        setup += ["", t["fetch"], "import os", "import subprocess", "import sys", "",
                  "from nnnotes.data import user_data_dir", "",
                  f'os.environ.setdefault("NNNOTES_DATA_DIR", str(user_data_dir()))  {t["where"]}',
                  f'subprocess.run([sys.executable, "-m", "nnnotes.data", {", ".join(json.dumps(d) for d in datasets)}], check=True)']
    cells = [markdown_cell(f"# {title}\n\n{intro}"), code_cell("\n".join(setup), role="setup", data=datasets)]
    if seed:
        cells.append(code_cell("\n".join([t["seed"], "import random", "", "import numpy", "import torch", "",
                                          "random.seed(0)", "numpy.random.seed(0)", "_ = torch.manual_seed(0)"]),
                               role="seed"))
    return cells


def notebook(cells: list[dict], lang: str) -> dict:
    """A notebook (nbformat 4.5) of ``cells``, each given an id of its own (its place)."""
    cells = [{"id": f"cell-{i}", **{k: v for k, v in cell.items() if k != "id"}} for i, cell in enumerate(cells)]
    return {"cells": cells, "metadata": {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"}, "nnnotes": {"language": lang}},
        "nbformat": NBFORMAT, "nbformat_minor": 5}


# --- a Markdown page -------------------------------------------------------------------------
@dataclass
class _Container:
    indent: int  # the body's indentation
    kind: str  # "admonition", "tab"
    type: str = ""
    exercise: bool = False
    dropped: bool = False  # a solution: left out with everything in it


class _Converter:
    def __init__(self, text: str, src_uri: str, settings: Settings, docs: Path,
                 expand: Callable[[str, str, str], str]) -> None:
        self.text, self.src_uri, self.settings, self.docs, self.expand = text, src_uri, settings, docs, expand
        self.lang = language(src_uri)
        self.cells: list[dict] = []
        self.lines: list[str] = []  # the Markdown cell being written
        self.stack: list[_Container] = []
        self.in_exercises = False
        self.skip_next: str | None = None
        self.skip_range: str | None = None
        self.title = ""
        self.anchors: list[str] = []

    # Markdown output
    def quote(self) -> str:
        return "> " * sum(c.kind == "admonition" for c in self.stack)

    def dropped(self) -> bool:
        return any(c.dropped for c in self.stack)

    def emit(self, line: str) -> None:
        if not self.dropped():
            self.lines.append((self.quote() + line).rstrip() if line.strip() else self.quote().rstrip())

    def flush(self) -> None:
        body = "\n".join(self.lines).strip("\n")
        if body.strip(" >\n"):
            self.cells.append(markdown_cell(body))
        self.lines = []

    def code(self, source: str, **meta) -> None:
        if self.dropped():
            return
        self.flush()
        self.cells.append(code_cell(source, **meta))

    # containers
    def close(self, indent: int) -> None:
        while self.stack and indent < self.stack[-1].indent:
            while self.lines and self.lines[-1].strip(" >") == "":
                self.lines.pop()  # no empty quote lines at the end of a quote
            container = self.stack.pop()
            self.emit("")
            if container.exercise and not container.dropped and not self.dropped():
                self.code(TEXT[self.lang]["answer"], role="exercise")

    def open(self, line: str) -> bool:
        m = ADMONITION.match(line)
        if m:
            kind, title = m["type"].lower(), m["title"]
            exercise = self.in_exercises and kind == "question"
            dropped = self.in_exercises and kind == "success" and m["marker"].startswith("???")
            words = TITLE_WORDS[self.lang]
            self.emit("")
            self.stack.append(_Container(len(m["indent"]) + 4, "admonition", kind, exercise, dropped))
            label = title if title is not None else words.get(kind, kind.title())
            if exercise and title:
                label = f"{words['question']}: {title}" if self.lang == "en" else f"{words['question']}：{title}"
            if label:
                self.emit(f"**{self.links(label)}**")
                self.emit("")
            return True
        m = TAB.match(line)
        if m:
            self.emit(f"**{self.links(m['title'])}**")
            self.emit("")
            self.stack.append(_Container(len(m["indent"]) + 4, "tab"))
            return True
        return False

    # prose
    def links(self, text: str) -> str:
        def absolute(m: re.Match[str]) -> str:
            target = m["target"]
            if not re.match(r"^([a-z][a-z0-9+.-]*:|#|/)", target):
                target = site_address(self.settings, self.src_uri, target, self.docs)
            return f"{m['bang']}[{m['text']}]({target}{m['title'] or ''})"

        return LINK.sub(absolute, text)

    def anchor(self, text: str) -> str:
        """The site's id of a heading (Python-Markdown's toc: ``x``, then ``x_1``)."""
        slug = unique([*self.anchors, slugify(text)])[-1]
        self.anchors.append(slug)
        return slug

    def heading(self, m: re.Match[str]) -> None:
        level, text, attrs = len(m["hashes"]), m["text"], m["attrs"] or ""
        explicit = re.search(r"#([\w-]+)", attrs)
        if level == 1 and not self.title:
            self.title = text
            self.anchor(text)
            return  # the first cell carries the title
        if level <= 2:
            self.in_exercises = text.strip().lower() in EXERCISES
        anchor = explicit.group(1) if explicit else self.anchor(text)
        self.emit(f'<a id="{anchor}"></a>')
        self.emit("")
        self.emit(f"{m['hashes']} {self.links(text)}")

    def prose(self, line: str) -> None:
        if not line.strip():
            self.emit("")
            return
        indent = len(line) - len(line.lstrip(" "))
        self.close(indent)
        body = line[self.stack[-1].indent:] if self.stack else line
        skip = SKIP.match(line)
        if skip:
            action, reason = skip.groups()
            if action == "next":
                self.skip_next = reason
            elif action == "start":
                self.skip_range = reason
            else:
                self.skip_range = None
            return
        directive = DIRECTIVE.match(body.strip())
        if directive:
            for expanded in self.expand(*directive.groups()).splitlines():
                self.emit(expanded)
            return
        if self.open(line):
            return
        heading = HEADING.match(body) if not self.stack else None
        if heading:
            self.heading(heading)
            return
        body = COMMENT.sub("", body)
        if body.strip() or not line.strip():
            self.emit(self.links(body))

    # code
    def block(self, block) -> None:
        indent = len(self.text_lines[block.line - 1]) - len(self.text_lines[block.line - 1].lstrip(" "))
        self.close(indent)
        skip = self.skip_next or self.skip_range
        self.skip_next = None
        if block.is_python:
            from sitebuild.pages import expand_includes

            source = expand_includes(block.source, ROOT / "snippets")
            extra = {"skip": skip} if skip else {}
            if any(c.exercise for c in self.stack):
                extra["exercise"] = True  # a question's code: what it prints, the reader predicts
            if block.is_doctest:
                for example in doctest.DocTestParser().get_examples(source):
                    self.code(example.source, role="block", line=block.line, doctest=example.want, **extra)
                return
            source = quiet_last_expression(source)
            if skip:
                source = TEXT[self.lang]["skipped"].format(reason=skip) + "\n" + source
            self.code(source, role="block", line=block.line, **extra)
            return
        fence = "````" if "```" in block.source else "```"
        self.emit(fence + block.language)
        for line in block.source.rstrip("\n").splitlines():
            self.emit(line)
        self.emit(fence)

    def convert(self) -> list[dict]:
        from mkdocs.utils.meta import get_data

        body = get_data(self.text)[0]
        offset = self.text.count("\n", 0, len(self.text) - len(body)) if body != self.text else 0
        self.text_lines = self.text.splitlines()
        blocks = read_blocks(self.text)
        outputs = {id(b.output) for b in blocks if b.output is not None}
        starts = {b.line: b for b in blocks}
        i = offset + 1  # 1-based line numbers of the page, front matter skipped
        while i <= len(self.text_lines):
            if i in starts:
                block = starts[i]
                if id(block) not in outputs:
                    self.block(block)
                i = self.text.count("\n", 0, block.end) + 2  # the line after the closing fence
                continue
            self.prose(self.text_lines[i - 1])
            i += 1
        self.close(0)
        self.flush()
        return self.cells


def from_page(text: str, src_uri: str, settings: Settings, docs: Path,
              expand: Callable[[str, str, str], str]) -> dict:
    """The notebook of the Markdown page ``src_uri`` whose text is ``text``. ``expand(kind, file,
    name)`` gives the Markdown of an ``<!-- insert -->`` or ``<!-- source -->`` directive."""
    converter = _Converter(text, src_uri, settings, docs, expand)
    cells = converter.convert()
    lang = language(src_uri)
    url = urljoin(settings.site_url, page_dir(src_uri))
    return notebook(first_cells(settings, converter.title, url, declared_data(text), lang) + cells, lang)


def from_notebook(source: dict, src_uri: str, settings: Settings, title: str) -> dict:
    """The notebook page ``src_uri`` as a reader downloads it: its cells after the setup cell
    (no seed cell: the site runs the notebook as it is)."""
    lang = language(src_uri)
    datasets = list(source.get("metadata", {}).get("nnnotes", {}).get("data", []))
    url = urljoin(settings.site_url, page_dir(src_uri))
    cells = [dict(c, outputs=[], execution_count=None) if c["cell_type"] == "code" else dict(c)
             for c in source["cells"]]

    def absolute(m: re.Match[str]) -> str:  # the notebook's links are relative to its page
        target = m["target"]
        if not re.match(r"^([a-z][a-z0-9+.-]*:|#|/)", target):
            target = urljoin(url, target)
        return f"{m['bang']}[{m['text']}]({target}{m['title'] or ''})"

    for cell in cells:
        cell.pop("id", None)
        if cell["cell_type"] == "code":
            meta = cell.get("metadata", {})
            cell["metadata"] = {**meta, "nnnotes": {**meta.get("nnnotes", {}), "role": "block"}}
        else:
            cell["source"] = LINK.sub(absolute, "".join(cell["source"]))
    if cells and cells[0]["cell_type"] == "markdown" and "".join(cells[0]["source"]).lstrip().startswith("# "):
        first = "".join(cells[0]["source"]).lstrip().split("\n", 1)
        cells = ([markdown_cell(first[1])] if len(first) > 1 and first[1].strip() else []) + cells[1:]
    nb = notebook(first_cells(settings, title, url, datasets, lang, seed=False) + cells, lang)
    nb["metadata"] = {**source.get("metadata", {}), **nb["metadata"]}
    return nb


def front_matter_title(text: str) -> str | None:
    return front_matter(text).get("title")
