"""The built site, shared by the tests that read it (test_site.py, test_notebooks.py).

Built once per test session with `mkdocs build --strict` (any warning fails the build), with the
real data of the data_dir fixture (skipped without it, failed under CI, like every test of real
data). Its address is SITE_URL, so the pages' absolute links (the notebooks' links to the site)
are those of this build.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from built import SITE_URL

from sitebuild.pages import ROOT

@pytest.fixture(scope="session")
def build(tmp_path_factory, data_dir) -> tuple[Path, subprocess.CompletedProcess]:
    """The site as deployed: strict, with real data (without it, see test_no_data.py)."""
    out = tmp_path_factory.mktemp("site")
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "NNNOTES_DATA_DIR": str(data_dir), "NO_MKDOCS_2_WARNING": "1", "SITE_URL": SITE_URL},
    )
    assert run.returncode == 0, f"mkdocs build --strict failed:\n{run.stdout}\n{run.stderr[-6000:]}"
    return out, run


@pytest.fixture(scope="session")
def site(build) -> Path:
    return build[0]
