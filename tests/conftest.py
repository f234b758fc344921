"""Shared fixtures. Real data only: the IDX files in $NNNOTES_DATA_DIR (../shared/data in CI), or
where `make data` puts them (the per-user data directory, ``nnnotes.data.user_data_dir()``)."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from nnnotes.data import user_data_dir
from nnnotes.experiments.mnist import SMALL
from nnnotes.train import Config, run

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The folder holding ``mnist/`` and ``fashion-mnist/``: ``$NNNOTES_DATA_DIR``, else the
    per-user data directory that ``make data`` (``python -m nnnotes.data``) downloads into
    (the first two places ``nnnotes.data`` looks in).

    Under CI (``CI=true``) a missing data set is a failure, not a skip: CI must prove the
    tests that read real data ran. Elsewhere the skip's reason starts "missing data: " and
    pytest's summary counts it apart (conftest.py at the root).
    """
    root = os.environ.get("NNNOTES_DATA_DIR")
    tried = ([Path(root)] if root else []) + [user_data_dir()]
    for folder in tried:
        if (folder / "fashion-mnist").is_dir():
            return folder
    message = (f"missing data: no fashion-mnist/ in {' or '.join(map(str, tried))}; "
               "fetch it with `make data`")
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
