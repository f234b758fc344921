"""Shared fixtures. Real data only: the IDX files in $NNNOTES_DATA_DIR (../shared/data in CI)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The folder holding ``mnist/`` and ``fashion-mnist/``.

    Under CI (``CI=true``) a missing data set is a failure, not a skip: CI must prove the
    tests that read real data ran.
    """
    root = os.environ.get("NNNOTES_DATA_DIR")
    if root and (Path(root) / "fashion-mnist").is_dir():
        return Path(root)
    message = f"real data not found: set NNNOTES_DATA_DIR to the folder with fashion-mnist/ (got {root!r})"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(message)
    pytest.skip(message)
