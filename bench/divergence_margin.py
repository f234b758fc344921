"""How far every documented recipe stays from the trainer's divergence rule.

The trainer stops a run when a mini-batch loss is NaN or infinite, or more than 100 times the
run's first mini-batch loss (``nnnotes.train.loop.DIVERGENCE_FACTOR``). This script trains each
recipe the mnist page and the trainer document, at full length on the full Fashion-MNIST, and
prints the largest ratio ``loss / first loss`` seen at any step: a recipe is safe when the ratio
is far below 100. (About 1 for all of them: losses fall from the first step on.)

    python bench/divergence_margin.py [--data-dir DIR] [--threads N] [--quick]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

RECIPES = {  # name: options, as documented (mnist.md, --help, nnnotes.experiments.mnist)
    "defaults (adam 4e-3, cosine, 128,64, batch 512, 10 epochs)": {},
    "best recipe": dict(hidden=(512, 256), dropout=0.3, epochs=16, batch_size=512, lr=2e-3),
    "sgd (default lr 0.1)": dict(optimizer="sgd"),
    "momentum (default lr 0.05)": dict(optimizer="momentum"),
    "adamw, weight decay 0.05": dict(optimizer="adamw", weight_decay=0.05),
    "constant schedule": dict(schedule="constant"),
    "batchnorm": dict(batchnorm=True),
    "dropout 0.4, 1024,512": dict(hidden=(1024, 512), dropout=0.4),
    "augment shift": dict(augment="shift"),
    "augment flip": dict(augment="flip"),
    "label smoothing 0.1": dict(label_smoothing=0.1),
    "warm-up 1 epoch": dict(warmup=1.0),
    "overfitting experiment (256,128, lr 2e-3, batch 64, 15 epochs, 3000 images)":
        dict(hidden=(256, 128), lr=2e-3, batch_size=64, epochs=15, train_size=3000,
             val_fraction=0.2),
    "notebook (20,000 images, 6 epochs)": dict(train_size=20_000, epochs=6),
    "small run (SMALL)": dict(train_size=3000, val_fraction=0.2, epochs=3, batch_size=100),
}


class LossWatch:
    """An ``on_step`` callback: each mini-batch's loss, from the epoch's running sums."""

    def __init__(self) -> None:
        self.first: float | None = None
        self.worst, self.epoch, self.sum, self.seen = 0.0, -1, 0.0, 0

    def __call__(self, trainer) -> None:
        t = trainer.totals
        if trainer.epoch != self.epoch:  # a new epoch: the sums started again
            self.epoch, self.sum, self.seen = trainer.epoch, 0.0, 0
        loss = (t.loss_sum - self.sum) / (t.seen - self.seen)
        self.sum, self.seen = t.loss_sum, t.seen
        self.first = self.first or loss
        self.worst = max(self.worst, loss / self.first)


def largest_ratio(options: dict, data_dir: str, threads: int | None, quick: bool) -> float:
    from nnnotes import train

    watch = LossWatch()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = train.Config(**{"dataset": "fashion-mnist", "data_dir": data_dir, "threads": threads,
                              **options, "out": f"{tmp}/run", "quiet": True, "figures": False})
        if quick:
            cfg.epochs, cfg.warmup = 1, min(cfg.warmup, 1.0)
        train.run(cfg, on_step=watch)
    return watch.worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=os.environ.get("NNNOTES_DATA_DIR", "../shared/data"))
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--quick", action="store_true", help="one epoch of each")
    args = parser.parse_args()
    print(f"{'recipe':78} largest loss / first loss")
    for name, options in RECIPES.items():
        start = time.perf_counter()
        ratio = largest_ratio(options, args.data_dir, args.threads, args.quick)
        print(f"{name:78} {ratio:6.3f}   ({time.perf_counter() - start:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
