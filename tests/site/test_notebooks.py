"""Every generated notebook runs headless and prints what its page shows.

Each page's notebook, as the built site serves it (tests/site/conftest.py), is executed by
nbclient in a fresh kernel of this environment, in a temporary folder, with the real data:

* the setup cell runs without its `%pip install` line (this environment is the pinned one, and
  installs nothing offline; tests/site/test_site.py checks what that line names and that the
  commit it names builds), so its data step runs as a reader's would;
* a cell whose block the tests skip is not run;
* the code of an exercise's question runs, and may print anything: the page shows its output
  in the solution, which the notebook leaves out;
* each cell of a page block prints exactly what the page shows under that block (the harness's
  comparison: trailing spaces ignored, ``...`` matches anything), and shows nothing else;
* a notebook page's cells print what the built page shows for them (timings aside).
"""

from __future__ import annotations

import doctest
import re
from html import unescape
from pathlib import Path

import pytest
from built import DOCS, page_dir

from sitebuild.notebook import notebook_name
from sitebuild.pages import is_chinese, read_blocks, site_pages, strip_comments, twin_of

pytestmark = pytest.mark.site
PAGES = site_pages(DOCS)
# A Chinese page's code is its English twin's (tests/site/test_twins.py), so its notebook's code
# cells are compared with the English notebook's below instead of being run a second time; the
# notebook pages (.ipynb) have code of their own in each language and are run in both.
RUN = [p for p in PAGES if p.suffix == ".ipynb" or not is_chinese(p)]
TWINNED = [p for p in PAGES if p.suffix == ".md" and is_chinese(p)]
TIMING = re.compile(r"\d+(\.\d+)? ?s\b")


def same_output(want: str, got: str) -> bool:
    want = "\n".join(line.rstrip() for line in want.strip("\n").splitlines()) + "\n"
    got = "\n".join(line.rstrip() for line in got.strip("\n").splitlines()) + "\n"
    return doctest.OutputChecker().check_output(want, got, doctest.ELLIPSIS)


def printed(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


def shown(cell) -> list[str]:
    return [o.data.get("text/plain", "") for o in cell.outputs if o.output_type in ("execute_result", "display_data")]


def run(notebook, folder: Path):
    from nbclient import NotebookClient

    for cell in notebook.cells:
        meta = cell.metadata.get("nnnotes", {})
        if meta.get("role") == "setup":
            cell.source = "\n".join(line for line in cell.source.splitlines() if not line.startswith("%pip"))
        elif meta.get("skip"):
            cell.source = "pass  # " + meta["skip"]
    NotebookClient(notebook, timeout=900, kernel_name="python3", allow_errors=False,
                   resources={"metadata": {"path": str(folder)}}).execute()
    return notebook


@pytest.mark.parametrize("src", RUN, ids=lambda p: str(p.relative_to(DOCS)))
def test_the_notebook_of_a_page_runs_and_prints_what_the_page_shows(site, src, data_dir, tmp_path, monkeypatch):
    import nbformat

    monkeypatch.setenv("NNNOTES_DATA_DIR", str(data_dir))
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's own (inline), as a reader's
    path = site / page_dir(src) / notebook_name(src.relative_to(DOCS).as_posix())
    notebook = run(nbformat.read(path, as_version=4), tmp_path)
    problems = []
    if src.suffix == ".ipynb":
        page = unescape(re.sub(r"<[^>]+>", "", (site / page_dir(src) / "index.html").read_text(encoding="utf-8")))
        for cell in notebook.cells:
            for line in printed(cell).splitlines() if cell.cell_type == "code" else []:
                if line.strip() and not TIMING.search(line) and line.strip() not in page:
                    problems.append(f"printed {line!r}, which the page does not show")
    else:
        blocks = {b.line: b for b in read_blocks(src.read_text(encoding="utf-8")) if b.is_python}
        for cell in notebook.cells:
            meta = cell.metadata.get("nnnotes", {}) if cell.cell_type == "code" else {}
            if meta.get("role") != "block" or meta.get("skip"):
                continue
            where = f"{src.relative_to(DOCS)}:{meta['line']}"
            if "doctest" in meta:
                got = printed(cell) + "".join(t + "\n" for t in shown(cell))
                if not same_output(meta["doctest"], got):
                    problems.append(f"{where}: expected {meta['doctest']!r}, got {got!r}")
                continue
            block = blocks[meta["line"]]
            if block.output is None and meta.get("exercise"):
                continue  # an exercise's code: its output is shown in the solution, which the notebook leaves out
            want = block.output.source if block.output else ""
            if not same_output(want, printed(cell)):
                problems.append(f"{where}: the page shows\n{want}\n--- the notebook printed\n{printed(cell)}")
            if shown(cell):
                problems.append(f"{where}: the notebook also shows {shown(cell)}, which the page does not")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("src", TWINNED, ids=lambda p: str(p.relative_to(DOCS)))
def test_a_chinese_pages_notebook_has_the_code_cells_of_its_english_twins_notebook(site, src):
    import nbformat

    def code(page: Path) -> list[str]:
        path = site / page_dir(page) / notebook_name(page.relative_to(DOCS).as_posix())
        return [strip_comments(c.source) for c in nbformat.read(path, as_version=4).cells
                if c.cell_type == "code" and c.metadata.get("nnnotes", {}).get("role") != "setup"]

    assert code(src) == code(twin_of(src))


# --- how a page becomes a notebook (no build needed) ----------------------------------------
PAGE = '''---
nnnotes:
  data: [mnist:test]
---

# A page {#top}

Text with a [link](autograd/graph.md#leaves), a ![figure](figures/mnist/digits.svg) and $x^2$.

```python
print(1 + 1)
```

```text
2
```

!!! warning "Careful"
    Inside an admonition:

    ```python
    y = 3
    y
    ```

=== "Tab one"

    ```python
    print(y)
    ```

<!-- skip: next "needs CUDA" -->
```python
import torch
torch.zeros(1, device="cuda")
```

```python
>>> 2 * 3
6
```

## Exercises

!!! question "Double it"
    Print twice `y`.

??? success "Solution"
    ```python
    print(2 * y)
    ```

    ```text
    6
    ```

!!! question
    Why?
'''


def make(text: str, src: str = "page.md"):
    from sitebuild import notebook as nb

    settings = nb.Settings("https://example.org/site/", "https://github.com/someone/nnnotes", "a" * 40, "2.14.1", "0.29.1")
    return nb.from_page(text, src, settings, DOCS, lambda kind, file, name: "")


def test_a_page_becomes_markdown_cells_and_the_code_cells_the_tests_run():
    import nbformat

    notebook = nbformat.from_dict(make(PAGE))
    nbformat.validate(notebook)
    cells = [(c.cell_type, c.metadata.get("nnnotes", {}).get("role"), c.source) for c in notebook.cells]
    code = [(role, source) for kind, role, source in cells if kind == "code"]
    assert [role for role, _ in code] == ["setup", "seed", "block", "block", "block", "block", "block",
                                          "exercise", "exercise"]
    setup = code[0][1]
    assert '%pip install --quiet "torch==2.14.1" "torchvision==0.29.1" "nnnotes @ git+https://github.com/someone/nnnotes.git@' + "a" * 40 + '"' in setup
    assert '"-m", "nnnotes.data", "mnist:test"]' in setup
    assert code[2][1] == "print(1 + 1)" and code[3][1] == "y = 3\ny;"  # no value shown: the page shows none
    assert code[5][1].startswith("# The site's tests skip this block: needs CUDA\n")
    assert code[5][1] and notebook.cells[[c.source for c in notebook.cells].index(code[5][1])].metadata["nnnotes"]["skip"] == "needs CUDA"
    assert code[6][1] == "2 * 3"  # a doctest: one cell per example, its output in the metadata
    markdown = "\n\n".join(source for kind, _, source in cells if kind == "markdown")
    assert markdown.startswith("# A page\n\nThis notebook is the page [A page](https://example.org/site/page/)")
    assert "[link](https://example.org/site/autograd/graph/#leaves)" in markdown
    assert "![figure](https://example.org/site/figures/mnist/digits.svg)" in markdown
    assert "> **Careful**\n>\n> Inside an admonition:" in markdown and "**Tab one**" in markdown
    assert '<a id="exercises"></a>\n\n## Exercises' in markdown
    assert "> **Exercise: Double it**\n>\n> Print twice `y`." in markdown and "> **Exercise**" in markdown
    assert "Solution" not in markdown and "2 * y" not in str(cells)  # the solution is left out
    assert "```text" not in markdown  # outputs come from running the cells


def test_a_chinese_page_gets_chinese_cells_and_chinese_addresses():
    page = PAGE.replace("# A page {#top}", "# 一页").replace("## Exercises", "## 练习")
    notebook = make(page, "page.zh.md")
    text = "\n".join(c["source"] for c in notebook["cells"])
    assert "本笔记本由 nnnotes 网站的页面[一页](https://example.org/site/zh/page/)" in text
    assert "[link](https://example.org/site/zh/autograd/graph/#leaves)" in text
    figure = "zh/figures" if (DOCS / "figures/mnist/digits.zh.svg").exists() else "figures"  # drawn, or not yet
    assert f"![figure](https://example.org/site/{figure}/mnist/digits.svg)" in text
    assert "> **练习：Double it**" in text and "# 在这里写你的答案" in text
    assert "# 安装验证本页时所用的版本" in text
