"""What a run writes besides checkpoints: ``history.csv`` (one row per epoch), its last line, and
the progress bar."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

from nnnotes import checkpoint

HISTORY_FIELDS = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "seconds")


def write_history(path: Path, history: list[dict]) -> None:
    """Per-epoch history as CSV, atomically."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HISTORY_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(history)
    checkpoint.atomic_write_text(path, buffer.getvalue())


def read_history(path: str | Path) -> list[dict]:
    """history.csv back as a list of dicts of numbers."""
    with open(path, newline="") as f:
        return [{k: (int(v) if k == "epoch" else float(v)) for k, v in row.items()}
                for row in csv.DictReader(f)]


def summary(metrics: dict, run_dir: Path) -> str:
    """The line a finished run ends with."""
    return (f"best epoch {metrics['best_epoch']} (val acc {metrics['best_val_acc']:.4f}): "
            f"test loss {metrics['test_loss']:.4f}  test acc {metrics['test_acc']:.4f}  "
            f"-> {run_dir}")


def progress_bar(total: int, initial: int, desc: str, quiet: bool):
    """A tqdm bar on stderr, or a do-nothing stand-in when quiet or not a terminal."""
    if quiet or not sys.stderr.isatty():
        return NoBar()
    from tqdm import tqdm
    return tqdm(total=total, initial=initial, desc=desc, leave=False, unit="batch",
                dynamic_ncols=True)


class NoBar:
    """What a progress bar does when nobody sees it."""

    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass
