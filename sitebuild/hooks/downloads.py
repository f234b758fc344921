"""Every page, in each language, as a Jupyter notebook to download or open in Colab.

When a page is built, its notebook is made from the page's source (``sitebuild/notebook.py``:
the same blocks the tests run, the prose as Markdown, a first cell that installs the pinned
versions and fetches the page's data) and written beside the page: ``modules/modules.ipynb``,
``zh/modules/modules.zh.ipynb``, ``notebooks/train-mnist/train-mnist.ipynb`` (a notebook page's
own cells after the setup cell). ``page.nnnotes_notebook`` holds the two links the page shows
(``sitebuild/hooks/verified.py`` puts them under the title):

* **download**: the file beside the page;
* **Open in Colab**: ``colab.research.google.com/github/OWNER/NAME/blob/notebooks/<path>``, the
  same file on the repository's ``notebooks`` branch, which the deploy workflow publishes from
  ``notebooks.json`` (the site's list of its notebooks: branch path -> site path).

Both come from ``repo_url`` in mkdocs.yml, as does Material's "edit this page".
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root: `sitebuild`

from mkdocs.plugins import event_priority  # noqa: E402

from sitebuild import notebook as nb  # noqa: E402
from sitebuild.hooks.figures import insert_path  # noqa: E402
from sitebuild.pages import language, source_listing  # noqa: E402

_builds: list = [None, None, {}]  # [config, Settings, {branch path: site path}] of the running build
MANIFEST = "notebooks.json"


def _settings(config) -> nb.Settings:
    if _builds[0] is not config:
        on_config(config)
    return _builds[1]


def on_config(config):
    """Each build (each language's, each rebuild of `mkdocs serve`) starts its own list."""
    _builds[:] = [config, nb.settings_for(config), {}]
    return config


def expand(kind: str, file: str, name: str) -> str:
    """The Markdown of a directive, as the site shows it (inserts drawn by the figures hook)."""
    if kind == "source":
        return source_listing(file, name)
    path = insert_path(file, name)
    return path.read_text(encoding="utf-8") if path.exists() else ""


def make(page, config) -> dict:
    """The notebook of ``page``."""
    settings = _settings(config)
    src = page.file.src_uri
    source = Path(page.file.abs_src_path).read_text(encoding="utf-8")
    if src.endswith(".ipynb"):
        title = page.title or Path(src).stem
        return nb.from_notebook(json.loads(source), src, settings, title)
    return nb.from_page(source, src, settings, Path(config.docs_dir), expand)


@event_priority(90)  # before the other hooks change the page: the notebook is made from its source
def on_page_markdown(markdown, page, config, files):
    settings = _settings(config)
    src = page.file.src_uri
    notebook = make(page, config)
    target = Path(config.site_dir) / nb.notebook_path(src)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(notebook, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    _builds[2][nb.branch_path(src)] = nb.notebook_path(src)
    page.nnnotes_notebook = {"download": nb.notebook_name(src), "lang": language(src),
                             "colab": nb.colab_url(settings.repo_url, src) if settings.repo_url else None}
    return markdown


def on_post_build(config):
    """The list of the site's notebooks (both languages: the i18n plugin's builds share it)."""
    manifest = Path(config.site_dir) / MANIFEST
    known = json.loads(manifest.read_text(encoding="utf-8")) if manifest.exists() else {}
    known.update(_builds[2])
    manifest.write_text(json.dumps(dict(sorted(known.items())), indent=1) + "\n", encoding="utf-8")
