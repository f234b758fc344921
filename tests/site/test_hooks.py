"""The site build's hooks, part by part: what they rely on in mkdocs-jupyter, notebooks that
declare their data, notices that can take a figure's place, kernels that run quietly."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from nnnotes.data import NAMES
from nnnotes.errors import DataError
from sitebuild.hooks.figures import FIGURE_LINE
from sitebuild.missing_data import Record, dataset_of
from sitebuild.pages import FIGURE, ROOT, site_pages, twin_of

DOCS = ROOT / "docs"
NOTEBOOKS = [p for p in site_pages(DOCS) if p.suffix == ".ipynb"]


def test_the_private_parts_of_mkdocs_jupyter_the_notebooks_hook_uses_exist():
    from mkdocs_jupyter import plugin

    assert callable(plugin._compute_cache_key) and callable(plugin._get_cache_path)
    jupyter = plugin.Plugin()
    jupyter.on_pre_build(config=None)
    assert jupyter._used_cache_paths == set()
    assert "execute_ignore" in dict(plugin.Plugin.config_scheme)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_a_notebook_declares_the_data_it_reads_as_its_twin_does(notebook):
    meta = json.loads(notebook.read_text(encoding="utf-8"))["metadata"]
    twin = json.loads(twin_of(notebook).read_text(encoding="utf-8"))["metadata"]
    declared = meta.get("nnnotes", {}).get("data")
    assert declared is not None, 'declare what it reads: "metadata": {"nnnotes": {"data": [...]}}'
    assert set(declared) <= set(NAMES) and declared == twin.get("nnnotes", {}).get("data")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_a_notebook_is_stored_without_outputs(notebook):
    """Outputs come from running it at build time; shown unrun, it must show none."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    assert not [c for c in cells if c.get("outputs") or c.get("execution_count")]


@pytest.mark.parametrize("page", [p for p in site_pages(DOCS) if p.suffix == ".md"],
                         ids=lambda p: p.relative_to(DOCS).as_posix())
def test_every_figure_stands_on_a_line_of_its_own_so_a_notice_can_take_its_place(page):
    text = page.read_text(encoding="utf-8")
    assert len(FIGURE_LINE.findall(text)) == len(FIGURE.findall(text))


def test_the_data_set_of_an_error_is_the_one_its_message_names():
    assert dataset_of(DataError("the train split of fashion-mnist was not found: looked in\n  /d/mnist")) == "fashion-mnist"
    assert dataset_of(DataError("/d/mnist/t10k-labels-idx1-ubyte.gz: cannot read it as gzip")) == "mnist"
    assert dataset_of(DataError("something else")) == "data"


def test_a_record_has_one_entry_per_data_set_and_tells_missing_from_unreadable():
    record = Record()
    record.add(DataError("the train split of mnist was not found: ..."), "figures/a/b.svg")
    record.add(DataError("the test split of mnist was not found: ..."), "figures/a/c.svg")
    record.add(DataError("/d/fashion-mnist/x.gz: cannot read it as gzip (bad)"), "notebooks/n.ipynb")
    assert list(record.missing) == ["mnist", "fashion-mnist"]
    assert record.missing["mnist"].warning() == (
        "data set mnist not found: 2 figures show a notice instead (figures/a/b.svg, figures/a/c.svg);"
        " fetch it with make data (python -m nnnotes.data)")
    unreadable = record.missing["fashion-mnist"]
    assert unreadable.found and "could not be read (/d/fashion-mnist/x.gz: cannot read" in unreadable.warning()
    assert unreadable.notice("notebook", "zh").startswith('!!! warning missing-data "笔记本未运行：无法读取 Fashion-MNIST 数据集"')


def test_notebook_kernels_talk_over_ipc_without_the_tcp_warning(tmp_path):
    """The kernel runs in the notebook's folder, not the build's: its sockets must still meet."""
    import nbformat

    folder = tmp_path / "notebooks"
    folder.mkdir()
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, folder / "n.ipynb")
    convert = ("from mkdocs_jupyter import convert; import sys; "
               "html = convert.nb2html(sys.argv[1], execute=True, allow_errors=False); print('42' in html)")
    run = subprocess.run([sys.executable, "-c", convert, str(folder / "n.ipynb")], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300,
                         env={**os.environ, "JUPYTER_CONFIG_PATH": str(ROOT / "sitebuild" / "jupyter")})
    assert run.returncode == 0 and run.stdout.strip() == "True", run.stderr[-3000:]
    assert "Kernel is running over TCP" not in run.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["n.ipynb"]  # no socket files left behind


def test_a_page_language_is_read_one_way_for_files_and_site_uris():
    from pathlib import Path

    from sitebuild.pages import language

    assert [language(p) for p in ("modules.md", "modules.zh.md", "notebooks/x.zh.ipynb", "x.ipynb")] == \
        ["en", "zh", "zh", "en"]
    assert twin_of(Path("autograd/graph.md")) == Path("autograd/graph.zh.md")
    assert twin_of(Path("notebooks/x.zh.ipynb")) == Path("notebooks/x.ipynb")
