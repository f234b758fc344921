"""Every page says which PyTorch its code was verified with, and how to run it yourself.

The version is read at build time from the environment that builds the site, which is the pinned
test environment (`make serve`, `make test` and CI install constraints.txt). If it differs from the
pin in constraints.txt, the build warns, and `mkdocs build --strict` fails.

Under the banner, the page's notebook: "Download the notebook" and "Open in Colab"
(``page.nnnotes_notebook``, from sitebuild/hooks/downloads.py). Both are raw HTML marked
``data-search-exclude``, so search excerpts start with the page's own text.
"""

from __future__ import annotations

import html as _html
import logging
import re
import sys
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root: `sitebuild`

from sitebuild import missing_data  # noqa: E402
from sitebuild.pages import language  # noqa: E402

log = logging.getLogger("mkdocs.hooks.verified")
BANNER = {
    "en": ('<div class="admonition success nnnotes-verified" data-search-exclude>\n<p class="admonition-title">Verified</p>\n'
           '<p>Every code block on this page ran, and its output was checked, with PyTorch {torch} (torchvision {vision}, Python {python}).</p>\n</div>\n'),
    "zh": ('<div class="admonition success nnnotes-verified" data-search-exclude>\n<p class="admonition-title">已验证</p>\n'
           '<p>本页每个代码块都在 PyTorch {torch}（torchvision {vision}，Python {python}）下实际运行，输出已核对。</p>\n</div>\n'),
}
RUN = {
    "en": {"lead": "Run this page yourself:", "download": "Download the notebook", "colab": "Open in Colab",
           "title": "A Jupyter notebook of this page: its prose and code, and a first cell that installs PyTorch {torch} and nnnotes"},
    "zh": {"lead": "自己运行本页：", "download": "下载笔记本", "colab": "在 Colab 中打开",
           "title": "本页的 Jupyter 笔记本：正文和代码，第一个单元格会安装 PyTorch {torch} 和 nnnotes"},
}


def run_links(page, lang: str) -> str:
    """The page's notebook links, as HTML (empty if the page has none)."""
    links = getattr(page, "nnnotes_notebook", None)
    if not links:
        return ""
    t = RUN[lang]
    title = _html.escape(t["title"].format(**_versions))
    parts = [f'<a class="nnnotes-download" href="{links["download"]}" download="{links["download"]}" '
             f'title="{title}">{t["download"]}</a>']
    if links.get("colab"):
        parts.append(f'<a class="nnnotes-colab" href="{links["colab"]}" title="{title}">{t["colab"]}</a>')
    return (f'<p class="nnnotes-run" data-search-exclude><span>{t["lead"]}</span> '
            + ' <span aria-hidden="true">·</span> '.join(parts) + "</p>\n")
_versions: dict[str, str] = {}


def on_config(config):
    torch = version("torch").split("+")[0]
    _versions.update(torch=torch, vision=version("torchvision").split("+")[0], python=f"{sys.version_info[0]}.{sys.version_info[1]}")
    pins = Path(config.config_file_path).parent / "constraints.txt"
    pinned = re.search(r"^torch==([^\s;]+)", pins.read_text(), re.MULTILINE) if pins.exists() else None
    if pinned and pinned.group(1) != torch:
        log.warning("the site is built with torch %s but constraints.txt pins %s: pages would claim the wrong version", torch, pinned.group(1))
    return config


def on_page_markdown(markdown, page, config, files):
    lang = language(page.file.src_uri)
    banner = BANNER[lang].format(**_versions) + run_links(page, lang)
    lines = markdown.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("# "):  # right under the page's title
            return "\n".join(lines[: i + 1] + ["", banner] + lines[i + 1 :])
    return banner + "\n" + markdown


def on_page_content(html, page, config, files):
    """Notebook pages are rendered by mkdocs-jupyter, not from Markdown: add the banner as HTML
    (not on a notebook shown without being run for lack of data: nothing on it ran)."""
    if not page.file.src_uri.endswith(".ipynb"):
        return html
    lang = language(page.file.src_uri)
    ran = page.file.src_uri not in missing_data.for_build(config).notebooks
    return (BANNER[lang].format(**_versions) if ran else "") + run_links(page, lang) + html
