"""Figures of normalization.md: the runs of ``nnnotes.experiments.normalization``, drawn."""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from nnnotes.experiments import normalization as E


def _plot_variants(variants: dict[str, dict[str, list[float]]], title: str) -> Figure:
    """Train (dashed) and test (solid) accuracy per epoch, one colour per variant."""
    fig = Figure(figsize=(6.4, 3.6))
    ax = fig.add_subplot()
    for (label, curves), colour in zip(variants.items(), ("tab:gray", "tab:blue")):
        epochs = range(len(curves["train"]))
        ax.plot(epochs, curves["train"], "--", color=colour, label=f"{label}, train")
        ax.plot(epochs, curves["test"], "-", color=colour, label=f"{label}, test")
    ax.set(xlabel="epoch", ylabel="accuracy", ylim=(0, 1), title=title)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    return fig


def batchnorm_curves() -> Figure:
    """The deep MLP without and with BatchNorm after every hidden Linear."""
    return _plot_variants({"no BatchNorm": E.run(), "BatchNorm": E.run(batchnorm=True)},
                         f"{len(E.SETUP.sizes) - 2} hidden layers, {E.SETUP.n_train} training images")


def dropout_curves() -> Figure:
    """The deep MLP without and with Dropout after every hidden ReLU."""
    return _plot_variants({"no Dropout": E.run(), f"Dropout({E.SETUP.dropout})": E.run(dropout=E.SETUP.dropout)},
                         f"{len(E.SETUP.sizes) - 2} hidden layers, {E.SETUP.n_train} training images")
