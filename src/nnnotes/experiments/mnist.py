"""The runs of mnist.md: the small run the page and the tests train, and a network trained too
long on too little data."""

from __future__ import annotations

import tempfile
from functools import lru_cache

import torch.nn.functional as F

from nnnotes import evaluate, train

# The small run: 3 epochs on 2,400 Fashion-MNIST images (600 held out for validation), one
# thread: about a second. The page's snippets and the trainer's tests train it.
SMALL = dict(dataset="fashion-mnist", train_size=3000, val_fraction=0.2, epochs=3,
             batch_size=100, threads=1, quiet=True)
# Too long on too little data: a 784-256-128-10 MLP, 2,400 training images, 25 epochs of Adam at
# a constant learning rate and plain cross-entropy (as in the learner's notebook).
OVERFITTING = dict(dataset="fashion-mnist", train_size=3000, val_fraction=0.2, epochs=25,
                   hidden=(256, 128), lr=2e-3, batch_size=64, schedule="constant",
                   label_smoothing=0.0)


@lru_cache(maxsize=4)
def overfitting_history(schedule: str = OVERFITTING["schedule"], epochs: int = OVERFITTING["epochs"],
                        seed: int = 0) -> tuple[dict, ...]:
    """Per-epoch history of the :data:`OVERFITTING` run (``history.csv``'s rows), each row with
    three more numbers measured after the epoch in evaluation mode: ``train_loss_after``, the loss
    on the whole training split (``train_loss`` is the trainer's: the mean of the mini-batch
    losses during the epoch, in training mode, while the weights were still changing), and on the
    validation split ``val_wrong``, how many images are misclassified, and ``val_wrong_loss``,
    their mean loss.

    About 6 seconds on one thread for the 25 epochs of the default.
    """
    after: list[tuple[float, int, float]] = []

    def measure(trainer: train.Trainer) -> None:
        data = trainer.data
        logits = evaluate.predict(trainer.model, data.normalize(data.x_train))
        train_loss = evaluate.loss_and_accuracy(logits, data.y_train)[0]
        val_logits, y = evaluate.predict(trainer.model, data.x_val), data.y_val
        wrong = val_logits.argmax(dim=1) != y
        wrong_loss = F.cross_entropy(val_logits[wrong], y[wrong]).item()
        after.append((train_loss, int(wrong.sum()), wrong_loss))

    with tempfile.TemporaryDirectory() as tmp:
        cfg = train.Config(**{**OVERFITTING, "schedule": schedule, "epochs": epochs, "seed": seed},
                           quiet=True, figures=False, threads=1, out=f"{tmp}/run")
        train.run(cfg, on_epoch_end=measure)
        rows = train.read_history(f"{tmp}/run/history.csv")
    return tuple({**row, "train_loss_after": round(loss, 6), "val_wrong": wrong,
                  "val_wrong_loss": round(wrong_loss, 6)}
                 for row, (loss, wrong, wrong_loss) in zip(rows, after))
