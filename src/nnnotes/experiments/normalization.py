"""The experiment of normalization.md: one deep MLP on Fashion-MNIST, with and without
BatchNorm or Dropout.

Everything is deliberately small so it runs in the test suite in a few seconds on one CPU
core: a fixed random subset of the training set, a fixed subset of the test set, a short run.
The curves are accuracies measured after each epoch in evaluation mode (``model.eval()``), on
the whole training subset and on the test subset. The figures show seed 0; the page repeats
the runs for several seeds (``Setup.seed`` changes both the subsets and the initial weights).
No tuning: the page says what this does and does not show.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import torch
from torch import nn

from nnnotes import data
from nnnotes.evaluate import accuracy, predict
from nnnotes.models import MLP
from nnnotes.train.optimization import num_threads


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


@lru_cache(maxsize=8)
def subsets(n_train: int, n_test: int, seed: int) -> tuple[torch.Tensor, ...]:
    """Random training and test subsets, images as floats in [0, 1] of shape ``[N, 784]``."""
    x_train, y_train, x_test, y_test = data.subsets("fashion-mnist", n_train, n_test, seed)
    return (x_train.reshape(n_train, -1).float() / 255, y_train,
            x_test.reshape(n_test, -1).float() / 255, y_test)


INITS = ("default", "kaiming")


def kaiming_init(model: nn.Module) -> None:
    """He (Kaiming) initialisation for ReLU networks: every ``Linear`` weight drawn with
    standard deviation sqrt(2 / fan_in), every bias 0."""
    for m in model.modules():
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            nn.init.zeros_(m.bias)


def build(setup: Setup, batchnorm: bool = False, dropout: float = 0.0,
          init: str = "default") -> MLP:
    """The experiment's MLP drawn from the global random generator: PyTorch's default
    initialisation, or ``init="kaiming"``."""
    if init not in INITS:
        raise ValueError(f"init must be one of {INITS}, got {init!r}")
    model = MLP(setup.sizes, dropout=dropout, batchnorm=batchnorm)
    if init == "kaiming":
        kaiming_init(model)
    return model


def initial_model(setup: Setup = SETUP, batchnorm: bool = False, dropout: float = 0.0,
                  init: str = "default") -> MLP:
    """The model a run of ``setup`` starts from; the caller's random generator is left alone."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(setup.seed)
        return build(setup, batchnorm, dropout, init)


@lru_cache(maxsize=32)
def run(batchnorm: bool = False, dropout: float = 0.0, setup: Setup = SETUP,
        init: str = "default") -> dict[str, list[float]]:
    """Train one model; train and test accuracy after each epoch (index 0: before training).

    Runs on one thread (these matrices are too small to gain from more) and with its own
    random state; the caller's thread count and random generator are left as they were.
    """
    with num_threads(1), torch.random.fork_rng(devices=[]):
        return train(batchnorm, dropout, setup, init)


def train(batchnorm: bool, dropout: float, setup: Setup, init: str = "default") -> dict[str, list[float]]:
    """The training loop of :func:`run`."""
    x_train, y_train, x_test, y_test = subsets(setup.n_train, setup.n_test, setup.seed)
    torch.manual_seed(setup.seed)                  # same initial weights for every variant
    model = build(setup, batchnorm, dropout, init)
    opt = torch.optim.SGD(model.parameters(), lr=setup.lr, momentum=setup.momentum)
    loss_fn = nn.CrossEntropyLoss()
    curves = {"train": [accuracy(predict(model, x_train), y_train)],
              "test": [accuracy(predict(model, x_test), y_test)]}
    for _ in range(setup.epochs):
        model.train()
        for idx in torch.randperm(setup.n_train).split(setup.batch_size):
            opt.zero_grad()
            loss_fn(model(x_train[idx]), y_train[idx]).backward()
            opt.step()
        curves["train"].append(accuracy(predict(model, x_train), y_train))
        curves["test"].append(accuracy(predict(model, x_test), y_test))
    return curves
