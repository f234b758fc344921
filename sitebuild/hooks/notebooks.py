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

A notebook declares the data sets it reads in its metadata (`"nnnotes": {"data": [...]}`). When
one cannot be loaded and no run of the notebook is cached, the notebook is rendered without being
run (mkdocs-jupyter's `execute_ignore`) under a notice saying which data set is missing and how to
fetch it (sitebuild/missing_data.py). Kernels talk over IPC rather than TCP
(sitebuild/jupyter/jupyter_nbconvert_config.py), which also keeps ipykernel from warning about
unencrypted TCP; a notebook that takes a while says how long it took.

Images: nbconvert gives every image of an output the alt text "No description has been provided
for this image"; the notebook's cells carry the real ones (``metadata.nnnotes.alt``, one per image
the cell shows, in order), which :func:`with_alt_texts` puts in their place.

Headings: mkdocs-jupyter gives a notebook's headings ASCII-only ids (a Chinese heading gets
``id=""``) and its table of contents ids of its own (``#_1``); :func:`with_anchors` gives every
heading the id a Markdown page's heading would get (``sitebuild/slugs.py``) and rebuilds the
page's table of contents from them.

tests/site/test_site.py fails if a built notebook page is not a rendered HTML page in each language;
tests/site/test_hooks.py names the private parts of mkdocs-jupyter this hook relies on.
"""

from __future__ import annotations

import glob
import hashlib
import json
import logging
import os
import re
import shutil
import sys
import time
from html import unescape
from pathlib import Path, PurePosixPath

from markdown.extensions.toc import nest_toc_tokens

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root: `sitebuild`

from mkdocs.plugins import event_priority  # noqa: E402
from mkdocs.structure.files import File  # noqa: E402

from nnnotes.errors import DataError  # noqa: E402
from sitebuild import missing_data  # noqa: E402
from sitebuild.pages import ROOT, language, site_pages, twin_of  # noqa: E402
from sitebuild.slugs import slugify, unique  # noqa: E402

log = logging.getLogger("mkdocs.hooks.notebooks")
JUPYTER_CONFIG = ROOT / "sitebuild" / "jupyter"  # jupyter_nbconvert_config.py: kernels over IPC
_started: dict[str, float] = {}  # notebook src_uri -> when its page began to render


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
    paths = os.environ.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep)
    if str(JUPYTER_CONFIG) not in paths:
        os.environ["JUPYTER_CONFIG_PATH"] = os.pathsep.join([str(JUPYTER_CONFIG), *filter(None, paths)])
    check_data(config)
    return config


def declared_data(notebook: Path) -> list[str]:
    """The data sets a notebook says it reads: ``metadata.nnnotes.data``."""
    return json.loads(notebook.read_text(encoding="utf-8"))["metadata"].get("nnnotes", {}).get("data", [])


def check_data(config) -> None:
    """Render without running (and record) each notebook whose data cannot be loaded, unless a
    run of it is cached: a cached run was made from real data and is shown as it is."""
    from mkdocs_jupyter.plugin import _compute_cache_key, _get_cache_path

    from nnnotes import data

    record = missing_data.for_build(config)
    if record.notebooks_checked:  # the i18n plugin's build of another language
        return
    record.notebooks_checked = True
    jupyter, docs = _jupyter(config), Path(config.docs_dir)
    for notebook in (p for p in site_pages(docs) if p.suffix == ".ipynb"):
        key = _compute_cache_key(notebook, jupyter.config, jupyter.config["execute"])
        if _get_cache_path(jupyter.config["cache_dir"], key).exists():
            continue
        src_uri = notebook.relative_to(docs).as_posix()
        english = src_uri if language(src_uri) == "en" else str(twin_of(PurePosixPath(src_uri)))
        for name in declared_data(notebook):
            try:
                for split in data.SPLITS:
                    data.load(name, split)
            except DataError as e:
                record.notebooks[src_uri] = record.add(e, english)
                jupyter.config["execute_ignore"] = [*jupyter.config["execute_ignore"],
                                                    glob.escape(str(notebook.absolute()))]
                break


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
    missing_data.for_build(config).warn_once()


def not_run(page, config) -> missing_data.Missing | None:
    """The missing data set of a notebook page rendered without being run, if it is one."""
    return missing_data.for_build(config).notebooks.get(page.file.src_uri)


@event_priority(-100)  # the last step before mkdocs-jupyter renders the notebook
def on_page_markdown(markdown, page, config, files):
    if page.file.src_uri.endswith(".ipynb"):
        _started[page.file.src_uri] = time.perf_counter()
    return markdown


HEADING = re.compile(r'<h(?P<level>[1-6]) id="(?P<id>[^"]*)">(?P<inner>.*?)</h(?P=level)>', re.DOTALL)


def with_anchors(html: str) -> tuple[str, list[dict]]:
    """The notebook's HTML with the site's heading ids, and its table of contents tokens."""
    found = list(HEADING.finditer(html))
    names = [re.sub(r'<a class="anchor-link"[^>]*>.*?</a>', "", m["inner"], flags=re.DOTALL) for m in found]
    texts = [unescape(re.sub(r"<[^>]+>", "", name)).strip() for name in names]
    ids = unique(slugify(t) for t in texts)
    renamed = {m["id"]: new for m, new in zip(found, ids) if m["id"]}
    out, last = [], 0
    for m, new, name in zip(found, ids, names):
        out.append(html[last:m.start()])
        out.append(f'<h{m["level"]} id="{new}">{name}<a class="anchor-link" href="#{new}">¶</a></h{m["level"]}>')
        last = m.end()
    out.append(html[last:])
    html = "".join(out)
    # links between the notebook's own headings, written with mkdocs-jupyter's ids
    html = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{renamed.get(m[1], m[1])}"', html)
    tokens = [{"level": int(m["level"]), "id": new, "name": name.strip(), "children": []}
              for m, new, name in zip(found, ids, names)]
    return html, nest_toc_tokens(tokens)


NO_ALT = 'alt="No description has been provided for this image"'


def with_alt_texts(html: str, notebook: Path) -> str:
    """The rendered notebook with each image's alt text from its cell's ``metadata.nnnotes.alt``."""
    from html import escape

    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    alts = iter([alt for c in cells if c["cell_type"] == "code"
                 for alt in c.get("metadata", {}).get("nnnotes", {}).get("alt", [])])
    html = re.sub(re.escape(NO_ALT), lambda m: f'alt="{escape(next(alts, ""), quote=True)}"', html)
    # inline images: not wrapped in a link to themselves for the lightbox (sitebuild/hooks/zoom.py)
    return re.sub(r'<img (?=[^>]*src="data:)', '<img class="nnnotes-no-zoom" ', html)


@event_priority(100)  # before the "verified" banner (sitebuild/hooks/verified.py) is added
def on_page_content(html, page, config, files):
    src = page.file.src_uri
    if src.endswith(".ipynb"):
        from mkdocs.structure.toc import get_toc

        html, tokens = with_anchors(with_alt_texts(html, Path(page.file.abs_src_path)))
        page.toc = get_toc(tokens)
    if src not in _started:
        return html
    seconds = time.perf_counter() - _started.pop(src)
    missing = not_run(page, config)
    if seconds >= 1:
        log.info("%s %s in %.1f s", "rendered (not run)" if missing else "ran", src, seconds)
    if missing is None:
        return html
    import markdown

    return markdown.markdown(missing.notice("notebook", language(src)), extensions=["admonition"]) + html
