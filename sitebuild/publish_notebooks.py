"""The tree of the repository's ``notebooks`` branch, from a built site:

    python -m sitebuild.publish_notebooks SITE_DIR TREE_DIR

Colab opens a notebook from a GitHub repository, not from a web site, so "Open in Colab"
(sitebuild/hooks/downloads.py) points at ``notebooks/<path>`` on that branch. This copies every
notebook the site lists in ``notebooks.json`` (branch path -> site path) to ``TREE_DIR/<branch
path>``, with a README; .github/workflows/deploy.yml commits the tree to the branch when it
publishes the site, so both always come from the same commit.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

README = """# nnnotes: every page as a Jupyter notebook

Generated from the pages of the site when it is published (do not edit: the next deploy
replaces this branch). Each notebook's first cell installs what its page was verified with.
"""


def publish(site: Path, tree: Path) -> list[str]:
    manifest = json.loads((site / "notebooks.json").read_text(encoding="utf-8"))
    if tree.exists():
        shutil.rmtree(tree)
    tree.mkdir(parents=True)
    for branch_path, site_path in sorted(manifest.items()):
        target = tree / branch_path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(site / site_path, target)
    (tree / "README.md").write_text(README, encoding="utf-8")
    return sorted(manifest)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    paths = publish(Path(argv[0]), Path(argv[1]))
    print(f"{len(paths)} notebooks in {argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
