"""Figures of mnist.md: real MNIST digits, and the curves of a run trained too long."""

from __future__ import annotations

from matplotlib.figure import Figure

from nnnotes import data, plots
from nnnotes.experiments.mnist import overfitting_history


def digits() -> Figure:
    """The first 40 MNIST test digits with their labels (real data, $NNNOTES_DATA_DIR)."""
    images, labels = data.load("mnist", "test")
    return plots.plot_grid(images[:40], [str(int(d)) for d in labels[:40]], cols=10,
                           title="the first 40 MNIST test images and their labels")


def overfitting() -> Figure:
    """Train and validation curves of a 784-256-128-10 MLP trained too long on 2,400 images
    at a constant learning rate, with the training loss also measured after each epoch."""
    history = overfitting_history()
    fig = plots.plot_history(history)
    ax_loss = fig.axes[0]
    ax_loss.plot([r["epoch"] for r in history], [r["train_loss_after"] for r in history], ":",
                 color="gray", label="train (end of epoch)")
    ax_loss.legend()
    return fig
