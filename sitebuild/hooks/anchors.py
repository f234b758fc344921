"""Every heading gets a readable anchor that its links can rely on.

The Markdown pages' ``toc`` extension slugs headings with ``sitebuild.slugs.slugify``: Chinese
characters kept, a heading's math left out (``#its-gradient``, not the LaTeX of its formula).
The notebook pages and the generated notebooks use the same function
(``sitebuild/hooks/notebooks.py``, ``sitebuild/notebook.py``). mkdocs.yml can only name
functions of installed packages, so the slug function is set here, before any page is built.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root: `sitebuild`

from sitebuild.slugs import slugify  # noqa: E402


def on_config(config):
    config.mdx_configs.setdefault("toc", {})["slugify"] = slugify
    return config
