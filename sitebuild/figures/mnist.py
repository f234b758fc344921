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
    """Train and validation curves of a 784-256-128-10 MLP trained too long on 2,400 images."""
    return plots.plot_history(overfitting_history())
