"""Figures of a training run: curves, confusion matrix, misclassified images.

Every function returns a :class:`matplotlib.figure.Figure` built without pyplot, so nothing
opens a window and figures can be drawn from any thread or test.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from matplotlib.figure import Figure


def plot_history(history: Sequence[dict]) -> Figure:
    """Loss and accuracy per epoch, training and validation, side by side."""
    epochs = [row["epoch"] for row in history]
    fig = Figure(figsize=(9, 3.4), layout="constrained")
    ax_loss, ax_acc = fig.subplots(1, 2)
    for ax, key in ((ax_loss, "loss"), (ax_acc, "acc")):
        ax.plot(epochs, [r[f"train_{key}"] for r in history], "o-", ms=3, label="train")
        ax.plot(epochs, [r[f"val_{key}"] for r in history], "o-", ms=3, label="validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel("cross-entropy loss" if key == "loss" else "accuracy")
        ax.grid(alpha=0.3)
        ax.legend()
    best = max(history, key=lambda r: r["val_acc"]) if history else None
    if best:
        ax_acc.axvline(best["epoch"], color="gray", ls=":", lw=1)
        ax_acc.set_title(f"best validation accuracy {best['val_acc']:.4f} (epoch {best['epoch']})",
                         fontsize=9)
    return fig


def plot_confusion(matrix: torch.Tensor, classes: Sequence[str]) -> Figure:
    """A confusion matrix with the count written in every cell (rows: truth, columns: prediction)."""
    matrix = torch.as_tensor(matrix)
    n = len(classes)
    shade = matrix.float().log1p()
    fig = Figure(figsize=(6.4, 5.6), layout="constrained")
    ax = fig.subplots()
    ax.imshow(shade.numpy(), cmap="Blues")
    high = shade.max().item() * 0.6
    for i in range(n):
        for j in range(n):
            count = int(matrix[i, j])
            color = "white" if shade[i, j] > high else "black"
            ax.text(j, i, str(count), ha="center", va="center", fontsize=7, color=color)
    ax.set_xticks(range(n), classes, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(n), classes, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    correct = int(matrix.diag().sum())
    ax.set_title(f"{correct} / {int(matrix.sum())} correct", fontsize=9)
    return fig


def plot_misclassified(images: torch.Tensor, predicted: torch.Tensor, target: torch.Tensor,
                       classes: Sequence[str], count: int = 36, cols: int = 9) -> Figure:
    """One grid of the first ``count`` misclassified images, labelled ``predicted (true)``.

    The images are tiled into a single array and drawn with one ``imshow``: one figure, not one
    file per error, and fast to draw.
    """
    wrong = (predicted != target).nonzero().flatten()[:count].tolist()
    labels = [f"{classes[predicted[i]]}\n({classes[target[i]]})" for i in wrong]
    title = (f"first {len(wrong)} of {int((predicted != target).sum())} misclassified: "
             "predicted (true)")
    return plot_grid(images[wrong], labels, cols, title)


def plot_grid(images: torch.Tensor, labels: Sequence[str], cols: int = 9,
              title: str = "") -> Figure:
    """Images tiled into one array (one ``imshow``, fast), each with its label above it."""
    rows = max(1, -(-len(images) // cols))
    pad = 12  # pixels above each image for its label
    mosaic = torch.zeros(rows * (28 + pad), cols * 30)
    fig = Figure(figsize=(cols * 1.0, rows * 1.3), layout="constrained")
    ax = fig.subplots()
    for k, (image, label) in enumerate(zip(images, labels)):
        r, c = divmod(k, cols)
        top, left = r * (28 + pad) + pad, c * 30 + 1
        mosaic[top:top + 28, left:left + 28] = image.reshape(28, 28).float()
        ax.text(left + 14, top - 1, label, ha="center", va="bottom", fontsize=6.5)
    ax.imshow(mosaic.numpy(), cmap="gray_r", interpolation="nearest")
    ax.axis("off")
    ax.set_title(title, fontsize=9)
    return fig


def figure_mnist_digits() -> Figure:
    """The first 40 MNIST test digits with their labels (real data, $NNNOTES_DATA_DIR)."""
    from nnnotes import data

    images, labels = data.load("mnist", "test")
    return plot_grid(images[:40], [str(int(d)) for d in labels[:40]], cols=10,
                     title="the first 40 MNIST test images and their labels")


def figure_mnist_overfitting() -> Figure:
    """Train and validation curves of a 784-256-128-10 MLP trained too long on 2,400 images.

    Small on purpose (about a second): validation loss turns up after a few epochs while the
    training loss keeps falling, which is what 50 epochs without a validation set hide.
    """
    import tempfile

    from nnnotes import train

    threads = torch.get_num_threads()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = train.Config(dataset="fashion-mnist", train_size=3000, val_fraction=0.2,
                           epochs=15, hidden=(256, 128), lr=2e-3, batch_size=64, quiet=True,
                           figures=False, threads=1, out=f"{tmp}/run")
        try:
            train.run(cfg)
        finally:
            torch.set_num_threads(threads)
        history = train.read_history(f"{tmp}/run/history.csv")
    return plot_history(history)
