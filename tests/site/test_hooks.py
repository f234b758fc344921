"""The site build's hooks and what they rely on in the plugins (private parts included)."""

from __future__ import annotations

import inspect

from sitebuild.pages import language, twin_of


def test_the_notebook_hook_relies_on_these_private_parts_of_mkdocs_jupyter():
    """sitebuild/hooks/notebooks.py marks both languages' cache entries as used; if an
    upgrade of mkdocs-jupyter renames these, this test names what broke."""
    from mkdocs_jupyter import plugin

    assert list(inspect.signature(plugin._compute_cache_key).parameters) == ["nb_path", "config", "exec_nb"]
    assert list(inspect.signature(plugin._get_cache_path).parameters) == ["cache_dir", "cache_key"]
    assert "_used_cache_paths" in inspect.getsource(plugin.Plugin)


def test_a_page_language_is_read_one_way_for_files_and_site_uris():
    from pathlib import Path

    assert [language(p) for p in ("modules.md", "modules.zh.md", "notebooks/x.zh.ipynb", "x.ipynb")] == \
        ["en", "zh", "zh", "en"]
    assert twin_of(Path("autograd/graph.md")) == Path("autograd/graph.zh.md")
    assert twin_of(Path("notebooks/x.zh.ipynb")) == Path("notebooks/x.ipynb")
