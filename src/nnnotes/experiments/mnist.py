"""The runs of mnist.md: the small run the page and the tests train, and a network trained too
long on too little data."""

from __future__ import annotations

import tempfile
from functools import lru_cache

from nnnotes import evaluate, train

# The small run: 3 epochs on 2,400 Fashion-MNIST images (600 held out for validation), one
# thread: about a second. The page's snippets and the trainer's tests train it.
SMALL = dict(dataset="fashion-mnist", train_size=3000, val_fraction=0.2, epochs=3,
             batch_size=100, threads=1, quiet=True)
# Too long on too little data: a 784-256-128-10 MLP, 2,400 training images, 25 epochs of Adam at
# a constant learning rate (the learner's notebook used a constant one too).
OVERFITTING = dict(dataset="fashion-mnist", train_size=3000, val_fraction=0.2, epochs=25,
                   hidden=(256, 128), lr=2e-3, batch_size=64, schedule="constant")


@lru_cache(maxsize=4)
def overfitting_history(schedule: str = OVERFITTING["schedule"], epochs: int = OVERFITTING["epochs"],
                        seed: int = 0) -> tuple[dict, ...]:
    """Per-epoch history of the :data:`OVERFITTING` run (``history.csv``'s rows), each row with
    one more number: ``train_loss_after``, the loss on the whole training split measured after
    the epoch in evaluation mode. (``train_loss`` is the trainer's: the mean of the mini-batch
    losses during the epoch, in training mode, while the weights were still changing.)

    About 6 seconds on one thread for the 25 epochs of the default.
    """
    after: list[float] = []

    def measure(trainer: train.Trainer) -> None:
        logits = evaluate.predict(trainer.model, trainer.data.x_train)
        after.append(evaluate.loss_and_accuracy(logits, trainer.data.y_train)[0])

    with tempfile.TemporaryDirectory() as tmp:
        cfg = train.Config(**{**OVERFITTING, "schedule": schedule, "epochs": epochs, "seed": seed},
                           quiet=True, figures=False, threads=1, out=f"{tmp}/run")
        train.run(cfg, on_epoch_end=measure)
        rows = train.read_history(f"{tmp}/run/history.csv")
    return tuple({**row, "train_loss_after": round(loss, 6)} for row, loss in zip(rows, after))
