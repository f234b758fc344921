"""Figures of optimizers.md: the runs of ``nnnotes.experiments.optimizers``, drawn."""

from __future__ import annotations

from typing import Callable

import torch
from matplotlib.figure import Figure
from torch import Tensor

from nnnotes.experiments import optimizers as E

COLORS = {"SGD": "tab:blue", "momentum": "tab:orange", "Adam": "tab:green"}


def optimizer_paths() -> Figure:
    """SGD, momentum and Adam on an ill-conditioned quadratic and on Rosenbrock."""
    fig = Figure(figsize=(10, 4.2), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)

    _contours(ax1, E.quadratic, (-5.5, 1.5), (-1.6, 1.6), levels=[0.05, 0.3, 1, 2.5, 5, 9, 14])
    for name, (cls, hyper) in E.QUADRATIC_RUNS.items():
        path = E.trajectory(E.quadratic, E.QUADRATIC_START, cls, E.QUADRATIC_STEPS, **hyper)
        ax1.plot(path[:, 0], path[:, 1], ".-", ms=3, lw=1, color=COLORS[name],
                 label=f"{name} {_describe(hyper)}")
    ax1.plot([0], [0], "k*", ms=10)
    ax1.set_title(rf"$\frac{{1}}{{2}}(x^2 + 20y^2)$, {E.QUADRATIC_STEPS} steps")
    ax1.legend(fontsize=8, loc="lower right")

    _contours(ax2, E.rosenbrock, (-1.5, 1.5), (-0.5, 1.6), levels=[0.1, 0.5, 2, 8, 30, 100, 300])
    for name, (cls, hyper) in E.ROSENBROCK_RUNS.items():
        path = E.trajectory(E.rosenbrock, E.ROSENBROCK_START, cls, E.ROSENBROCK_STEPS, **hyper)
        ax2.plot(path[:, 0], path[:, 1], "-", lw=1.2, color=COLORS[name],
                 label=f"{name} {_describe(hyper)}")
        ax2.plot(path[-1:, 0], path[-1:, 1], "o", ms=4, color=COLORS[name])
    ax2.plot([1], [1], "k*", ms=10)
    ax2.set_title(rf"Rosenbrock $(1-x)^2 + 100(y-x^2)^2$, {E.ROSENBROCK_STEPS} steps")
    ax2.legend(fontsize=8, loc="lower right")
    for ax in (ax1, ax2):
        ax.set_xlabel("x")
        ax.set_ylabel("y")
    return fig


def learning_rate() -> Figure:
    """Gradient descent on w**2 with three learning rates: the path and the loss per step."""
    fig = Figure(figsize=(10, 3.8), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    grid = torch.linspace(-1.8, 1.8, 200)
    ax1.plot(grid, grid**2, color="0.6", lw=1)
    for (label, lr), color in zip(E.LEARNING_RATES.items(), ("tab:blue", "tab:green", "tab:red")):
        ws = torch.tensor(E.gradient_descent_1d(lr))
        shown = ws[ws.abs() <= 1.8]
        ax1.plot(shown, shown**2, "o-", ms=4, lw=0.8, color=color, label=f"lr={lr:g} ({label})")
        ax2.semilogy(range(len(ws)), (ws**2).numpy(), "o-", ms=3, color=color, label=f"lr={lr:g}")
    ax1.set_xlabel("w")
    ax1.set_ylabel(r"$f(w) = w^2$")
    ax1.set_title("12 steps of gradient descent from w = 1")
    ax1.legend(fontsize=8, loc="lower left")
    ax2.set_xlabel("step")
    ax2.set_ylabel("loss (log scale)")
    ax2.set_title(r"$w \leftarrow (1 - 2\,\mathrm{lr})\,w$: diverges once lr > 1")
    ax2.legend(fontsize=8)
    return fig


def sgd_vs_adam() -> Figure:
    """Loss and accuracy curves of SGD and Adam on 2,000 Fashion-MNIST training images, 12 epochs."""
    results = E.compare_sgd_adam()
    fig = Figure(figsize=(10, 3.8), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    for name, curves in results.items():
        color = COLORS[name]
        epochs = range(len(curves["train_loss"]))
        ax1.plot(epochs, curves["train_loss"], "-", color=color, label=f"{name} train")
        ax1.plot(epochs, curves["test_loss"], "--", color=color, label=f"{name} test")
        ax2.plot(epochs, curves["train_acc"], "-", color=color, label=f"{name} train")
        ax2.plot(epochs, curves["test_acc"], "--", color=color, label=f"{name} test")
    ax1.set_ylabel("cross-entropy")
    ax2.set_ylabel("accuracy")
    ax1.set_title(f"Fashion-MNIST: {E.N_TRAIN:,} train / {E.N_TEST:,} test images")
    ax2.set_title("same MLP, same initial weights, same batches")
    for ax in (ax1, ax2):
        ax.set_xlabel("epoch")
        ax.legend(fontsize=8)
    return fig


def _contours(ax, f: Callable[[Tensor], Tensor], xlim, ylim, levels) -> None:
    xs = torch.linspace(*xlim, 200, dtype=torch.float64)
    ys = torch.linspace(*ylim, 200, dtype=torch.float64)
    X, Y = torch.meshgrid(xs, ys, indexing="xy")
    Z = f(torch.stack([X, Y]))
    ax.contour(X.numpy(), Y.numpy(), Z.numpy(), levels=levels, colors="0.75", linewidths=0.7)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)


def _describe(hyper: dict) -> str:
    return ", ".join(f"{k}={v:g}" for k, v in hyper.items())
