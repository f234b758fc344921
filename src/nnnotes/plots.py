"""Figures of a training run: curves, confusion matrix, misclassified images.

Every function returns a :class:`matplotlib.figure.Figure` built without pyplot, so nothing
opens a window and figures can be drawn from any thread or test.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
from matplotlib.figure import Figure

from nnnotes.data import SIDE

DPI = 110  # the run's PNG files: sharp on a laptop screen, small on disk


def save(fig: Figure, path: str | Path) -> None:
    """Write ``fig`` as a PNG (the trainer's and ``nnnotes.evaluate``'s figures)."""
    fig.savefig(path, dpi=DPI)


def plot_history(history: Sequence[dict]) -> Figure:
    """Loss and accuracy per epoch, training and validation, side by side.

    The training numbers are the trainer's: the mean over the epoch's mini-batches, in training
    mode, while the weights were changing; the validation ones are measured after the epoch.
    """
    epochs = [row["epoch"] for row in history]
    fig = Figure(figsize=(9, 3.4), layout="constrained")
    ax_loss, ax_acc = fig.subplots(1, 2)
    for ax, key in ((ax_loss, "loss"), (ax_acc, "acc")):
        ax.plot(epochs, [r[f"train_{key}"] for r in history], "o-", ms=3,
                label="train (mean over the epoch)")
        ax.plot(epochs, [r[f"val_{key}"] for r in history], "o-", ms=3,
                label="validation (end of epoch)")
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
    mosaic = torch.zeros(rows * (SIDE + pad), cols * (SIDE + 2))
    fig = Figure(figsize=(cols * 1.0, rows * 1.3), layout="constrained")
    ax = fig.subplots()
    for k, (image, label) in enumerate(zip(images, labels)):
        r, c = divmod(k, cols)
        top, left = r * (SIDE + pad) + pad, c * (SIDE + 2) + 1
        mosaic[top:top + SIDE, left:left + SIDE] = image.reshape(SIDE, SIDE).float()
        ax.text(left + SIDE // 2, top - 1, label, ha="center", va="bottom", fontsize=6.5)
    ax.imshow(mosaic.numpy(), cmap="gray_r", interpolation="nearest")
    ax.axis("off")
    ax.set_title(title, fontsize=9)
    return fig
