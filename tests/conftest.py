"""Shared fixtures. Real data only: the IDX files in $NNNOTES_DATA_DIR (../shared/data in CI)."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from nnnotes.experiments.mnist import SMALL
from nnnotes.train import Config, run

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


def small(data_dir: Path, out: Path, **changes) -> Config:
    """The configuration of :data:`SMALL`, reading ``data_dir`` and writing ``out``."""
    return Config(**{**SMALL, "data_dir": str(data_dir), "out": str(out), "figures": False,
                     **changes})


def history(run_dir: Path) -> list[dict]:
    """history.csv without its wall-clock column."""
    with open(run_dir / "history.csv") as f:
        return [{k: v for k, v in row.items() if k != "seconds"} for row in csv.DictReader(f)]


@pytest.fixture(scope="session")
def finished(data_dir, tmp_path_factory) -> tuple[Path, dict]:
    """One finished small run (with its figures) and its metrics, shared by the tests."""
    out = tmp_path_factory.mktemp("run") / "run"
    return out, run(small(data_dir, out, figures=True))
