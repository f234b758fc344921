"""nnnotes.plots: the trainer's figures show the run's numbers, and are written as PNG files."""

from __future__ import annotations

import torch

from nnnotes import plots

HISTORY = [{"epoch": e, "train_loss": 1 / e, "val_loss": 1.2 / e, "train_acc": 0.5 + e / 10,
            "val_acc": 0.45 + e / 10} for e in (1, 2, 3)]


def test_history_plot_draws_train_and_validation_per_epoch_and_marks_the_best():
    fig = plots.plot_history(HISTORY)
    loss, acc = fig.axes
    lines = {l.get_label(): l for l in loss.get_lines()}
    # the legend says what each curve is: a running mean, and a measurement after the epoch
    assert list(lines["train (mean over the epoch)"].get_ydata()) == [r["train_loss"] for r in HISTORY]
    assert list({l.get_label(): l for l in acc.get_lines()}["validation (end of epoch)"].get_ydata()) == \
        [r["val_acc"] for r in HISTORY]
    assert "epoch 3" in acc.get_title()


def test_confusion_plot_writes_every_count_in_its_cell():
    matrix = torch.tensor([[5, 1], [0, 7]])
    fig = plots.plot_confusion(matrix, ["a", "b"])
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["5", "1", "0", "7"] and "12 / 13 correct" in fig.axes[0].get_title()


def test_misclassified_grid_labels_each_error_predicted_then_true():
    images = torch.zeros(4, 28, 28, dtype=torch.uint8)
    fig = plots.plot_misclassified(images, torch.tensor([0, 1, 1, 0]), torch.tensor([0, 0, 1, 1]),
                                   ["zero", "one"])
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert labels == ["one\n(zero)", "zero\n(one)"]
    assert "first 2 of 2 misclassified" in fig.axes[0].get_title()


def test_save_writes_a_png(tmp_path):
    plots.save(plots.plot_history(HISTORY), tmp_path / "c.png")
    assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
