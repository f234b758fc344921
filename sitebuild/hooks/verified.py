"""Every page says which PyTorch its code was verified with.

The version is read at build time from the environment that builds the site, which is the pinned
test environment (`make serve`, `make test` and CI install constraints.txt). If it differs from the
pin in constraints.txt, the build warns, and `mkdocs build --strict` fails.
"""

from __future__ import annotations

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
    "en": '!!! success "Verified"\n    Every code block on this page ran, and its output was checked, with PyTorch {torch} (torchvision {vision}, Python {python}).\n',
    "zh": '!!! success "已验证"\n    本页每个代码块都在 PyTorch {torch}（torchvision {vision}，Python {python}）下实际运行，输出已核对。\n',
}
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
    banner = BANNER[language(page.file.src_uri)].format(**_versions)
    lines = markdown.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("# "):  # right under the page's title
            return "\n".join(lines[: i + 1] + ["", banner] + lines[i + 1 :])
    return banner + "\n" + markdown


def on_page_content(html, page, config, files):
    """Notebook pages are rendered by mkdocs-jupyter, not from Markdown: add the banner as HTML
    (not on a notebook shown without being run for lack of data: nothing on it ran)."""
    if not page.file.src_uri.endswith(".ipynb") or page.file.src_uri in missing_data.for_build(config).notebooks:
        return html
    import markdown

    banner = markdown.markdown(BANNER[language(page.file.src_uri)].format(**_versions),
                               extensions=["admonition"])
    return banner + html
