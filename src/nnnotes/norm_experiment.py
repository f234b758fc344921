"""A small experiment: the same deep MLP on Fashion-MNIST with and without BatchNorm / Dropout.

Everything is deliberately small so it runs in the test suite in a few seconds on one CPU
core: a fixed random subset of the training set, a fixed subset of the test set, a short run.
The curves are accuracies measured after each epoch in evaluation mode (``model.eval()``), on
the whole training subset and on the test subset. One seed, no tuning: the page says what
this does and does not show.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import torch
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from torch import nn

from nnnotes.data import load
from nnnotes.models import MLP


@dataclass(frozen=True)
class Setup:
    """What is trained, on how much data, for how long."""

    sizes: tuple[int, ...] = (784, 64, 64, 64, 64, 10)   # four hidden layers
    n_train: int = 1000       # images from the Fashion-MNIST training split
    n_test: int = 1000        # images from the Fashion-MNIST test split
    epochs: int = 15          # 10 steps per epoch: 150 steps in all
    batch_size: int = 100
    dropout: float = 0.2      # p of the Dropout variant
    lr: float = 0.05          # SGD with momentum, no weight decay
    momentum: float = 0.9
    seed: int = 0


SETUP = Setup()


@lru_cache(maxsize=4)
def subsets(n_train: int, n_test: int, seed: int) -> tuple[torch.Tensor, ...]:
    """Random training and test subsets, images as floats in [0, 1] of shape ``[N, 784]``."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for split, n in (("train", n_train), ("test", n_test)):
        images, labels = load("fashion-mnist", split)
        idx = torch.randperm(len(labels), generator=g)[:n]
        out += [images[idx].reshape(n, -1).float() / 255, labels[idx]]
    return tuple(out)


@torch.no_grad()
def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of ``x`` classified correctly, computed in evaluation mode."""
    model.eval()
    return (model(x).argmax(dim=1) == y).float().mean().item()


@lru_cache(maxsize=8)
def run(batchnorm: bool = False, dropout: float = 0.0, setup: Setup = SETUP) -> dict[str, list[float]]:
    """Train one model; train and test accuracy after each epoch (index 0: before training).

    Runs on one thread (these matrices are too small to gain from more) and with its own
    random state; the caller's thread count and random generator are left as they were.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.random.fork_rng(devices=[]):
            return train(batchnorm, dropout, setup)
    finally:
        torch.set_num_threads(threads)


def train(batchnorm: bool, dropout: float, setup: Setup) -> dict[str, list[float]]:
    """The training loop of :func:`run`."""
    x_train, y_train, x_test, y_test = subsets(setup.n_train, setup.n_test, setup.seed)
    torch.manual_seed(setup.seed)                  # same initial weights for every variant
    model = MLP(setup.sizes, dropout=dropout, batchnorm=batchnorm)
    opt = torch.optim.SGD(model.parameters(), lr=setup.lr, momentum=setup.momentum)
    loss_fn = nn.CrossEntropyLoss()
    curves = {"train": [accuracy(model, x_train, y_train)], "test": [accuracy(model, x_test, y_test)]}
    for _ in range(setup.epochs):
        model.train()
        for idx in torch.randperm(setup.n_train).split(setup.batch_size):
            opt.zero_grad()
            loss_fn(model(x_train[idx]), y_train[idx]).backward()
            opt.step()
        curves["train"].append(accuracy(model, x_train, y_train))
        curves["test"].append(accuracy(model, x_test, y_test))
    return curves


def plot_variants(variants: dict[str, dict[str, list[float]]], title: str) -> Figure:
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


def figure_norm_batchnorm_curves() -> Figure:
    """The deep MLP without and with BatchNorm after every hidden Linear."""
    return plot_variants({"no BatchNorm": run(), "BatchNorm": run(batchnorm=True)},
                         f"{len(SETUP.sizes) - 2} hidden layers, {SETUP.n_train} training images")


def figure_norm_dropout_curves() -> Figure:
    """The deep MLP without and with Dropout after every hidden ReLU."""
    return plot_variants({"no Dropout": run(), f"Dropout({SETUP.dropout})": run(dropout=SETUP.dropout)},
                         f"{len(SETUP.sizes) - 2} hidden layers, {SETUP.n_train} training images")
