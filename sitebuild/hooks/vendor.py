"""Serve KaTeX and Mermaid from the site itself, never from a CDN.

`npm ci` (run by `make serve` / `make test`) installs the versions pinned in package.json and
package-lock.json into node_modules/; this hook copies the files the site needs into
docs/assets/vendor/ (git-ignored) before MkDocs collects the pages. Material loads Mermaid from
unpkg only when no global `mermaid` exists, so loading ours first keeps it offline.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from mkdocs.exceptions import PluginError

NEEDED = {
    "katex/dist/katex.min.js": "katex/katex.min.js",
    "katex/dist/katex.min.css": "katex/katex.min.css",
    "katex/dist/contrib/auto-render.min.js": "katex/contrib/auto-render.min.js",
    "katex/dist/fonts": "katex/fonts",
    "mermaid/dist/mermaid.min.js": "mermaid/mermaid.min.js",
}


def _copy(src: Path, dst: Path) -> None:
    if src.is_dir():
        for item in src.iterdir():
            _copy(item, dst / item.name)
    elif not dst.exists() or dst.stat().st_size != src.stat().st_size:
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)  # only when changed: `mkdocs serve` watches docs/


def on_config(config):
    modules = Path(config.config_file_path).parent / "node_modules"
    target = Path(config.docs_dir) / "assets" / "vendor"
    for src, dst in NEEDED.items():
        if not (modules / src).exists():
            raise PluginError(
                f"{modules / src} is missing: run `npm ci` in the project root "
                "(`make serve` and `make test` do it for you)."
            )
        _copy(modules / src, target / dst)
    return config
