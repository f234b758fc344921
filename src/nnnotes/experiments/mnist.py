"""The runs of mnist.md: the small run the page and the tests train, and a network trained too
long on too little data."""

from __future__ import annotations

import tempfile
from functools import lru_cache

from nnnotes import train

# The small run: 3 epochs on 2,400 Fashion-MNIST images (600 held out for validation), one
# thread: about a second. The page's snippets and the trainer's tests train it.
SMALL = dict(dataset="fashion-mnist", train_size=3000, val_fraction=0.2, epochs=3,
             batch_size=100, threads=1, quiet=True)
OVERFITTING = dict(dataset="fashion-mnist", train_size=3000, val_fraction=0.2, epochs=15,
                   hidden=(256, 128), lr=2e-3, batch_size=64)


@lru_cache(maxsize=1)
def overfitting_history() -> tuple[dict, ...]:
    """Per-epoch history of a 784-256-128-10 MLP trained for 15 epochs on 2,400 images
    (600 held out for validation): about a second on one thread."""
    with tempfile.TemporaryDirectory() as tmp:
        cfg = train.Config(**OVERFITTING, quiet=True, figures=False, threads=1, out=f"{tmp}/run")
        train.run(cfg)
        return tuple(train.read_history(f"{tmp}/run/history.csv"))
