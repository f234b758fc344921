"""Make mkdocs-jupyter and mkdocs-static-i18n work together.

Two known problems (ultrabug/mkdocs-static-i18n#198), both silent under `mkdocs build --strict`:

1. The i18n plugin rebuilds the file list last (its `on_files` runs at priority -100) with plain
   `File` objects, so mkdocs-jupyter's notebook pages become static files again: the built
   "page" is a copy of the `.ipynb`, and its language switcher leads nowhere. After the i18n
   plugin ran, we turn each notebook file back into a page and give it its twins as alternates.
2. The i18n plugin builds each language as a separate MkDocs build; mkdocs-jupyter evicts every
   cached notebook the *current* build did not use, so each language evicted the other's. We mark
   the cache entries of every notebook in every language as used.

The cache lives in a folder named after a hash of the `nnnotes` sources, because a notebook's
outputs depend on the package as much as on the notebook: change the package, rerun the notebook.

tests/site/test_site.py fails if a built notebook page is not a rendered HTML page in each language;
tests/site/test_hooks.py names the private parts of mkdocs-jupyter this hook relies on.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path, PurePosixPath

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root: `sitebuild`

from mkdocs.plugins import event_priority  # noqa: E402
from mkdocs.structure.files import File  # noqa: E402

from sitebuild.pages import ROOT, language, twin_of  # noqa: E402


def _jupyter(config):
    return config.plugins["mkdocs-jupyter"]


def _page_for(src_uri: str, lang: str, i18n, config) -> File:
    """The notebook page `src_uri` as built for `lang`: `[lang/]notebooks/x/index.html`."""
    base = str(twin_of(PurePosixPath(src_uri))) if language(src_uri) != "en" else src_uri
    twin_src = base if lang == i18n.default_language else str(twin_of(PurePosixPath(base)))
    prefix = "" if lang == i18n.default_language else f"{lang}/"
    stem = base[: -len(".ipynb")]
    dest = f"{prefix}{stem}/index.html" if config.use_directory_urls else f"{prefix}{stem}.html"
    page = File(twin_src, config.docs_dir, config.site_dir, config.use_directory_urls, dest_uri=dest)
    page.is_documentation_page = lambda: True
    return page


def on_config(config):
    sources = hashlib.sha256()
    for path in sorted((ROOT / "src" / "nnnotes").rglob("*.py")):
        sources.update(path.read_bytes())
    jupyter = _jupyter(config)
    root = Path(config.config_file_path).parent
    cache = root / ".cache" / "mkdocs-jupyter" / sources.hexdigest()[:16]
    for old in cache.parent.glob("*"):
        if old != cache:  # outputs of an older nnnotes: never shown again
            shutil.rmtree(old, ignore_errors=True)
    jupyter.config["cache_dir"] = str(cache)
    return config


@event_priority(-200)  # after the i18n plugin's on_files (-100)
def on_files(files, config):
    jupyter, i18n = _jupyter(config), config.plugins["i18n"]
    lang = i18n.current_language
    for file in files:
        if file.src_uri.endswith(".ipynb") and jupyter.should_include(file):
            page = _page_for(file.src_uri, lang, i18n, config)
            file.is_documentation_page = page.is_documentation_page
            file.dest_uri, file.url = page.dest_uri, page.url
            file.alternates = {
                other: file if other == lang else _page_for(file.src_uri, other, i18n, config)
                for other in i18n.build_languages
            }
    return files


@event_priority(-200)  # after mkdocs-jupyter's on_pre_build emptied its list of used entries
def on_pre_build(config):
    from mkdocs_jupyter.plugin import _compute_cache_key, _get_cache_path

    jupyter = _jupyter(config)
    for notebook in Path(config.docs_dir).rglob("*.ipynb"):
        key = _compute_cache_key(notebook, jupyter.config, jupyter.config["execute"])
        jupyter._used_cache_paths.add(_get_cache_path(jupyter.config["cache_dir"], key))
