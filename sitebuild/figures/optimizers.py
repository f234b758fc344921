"""Figures of optimizers.md: the runs of ``nnnotes.experiments.optimizers``, drawn."""

from __future__ import annotations

from typing import Callable

import torch
from matplotlib.figure import Figure
from torch import Tensor

from nnnotes.experiments import optimizers as E
from sitebuild.figures import WIDTH, words

COLORS = {"SGD": "tab:blue", "momentum": "tab:orange", "Adam": "tab:green"}
TEXT = {
    "en": {"quadratic": r"$\frac{{1}}{{2}}(x^2 + 20y^2)$, {} steps",
           "rosenbrock": r"Rosenbrock $(1-x)^2 + 100(y-x^2)^2$, {} steps",
           "lr": {"too small": "too small", "about right": "about right", "too large": "too large"},
           "gd": "12 steps of gradient descent from w = 1", "step": "step", "log_loss": "loss (log scale)",
           "diverges": r"$w \leftarrow (1 - 2\,\mathrm{{lr}})\,w$: diverges once lr > 1",
           "train": "{} train", "test": "{} test", "epoch": "epoch", "ce": "cross-entropy",
           "accuracy": "accuracy", "data": "Fashion-MNIST: {} train / {} test images",
           "same": "same MLP, same initial weights, same batches"},
    # matplotlib draws a title with $...$ wholly in its math fonts, which have no Chinese glyphs:
    # the Chinese titles write their formulas in plain Unicode.
    "zh": {"quadratic": "½(x² + 20y²)，{} 步",
           "rosenbrock": "Rosenbrock 函数 (1 − x)² + 100(y − x²)²，{} 步",
           "lr": {"too small": "太小", "about right": "合适", "too large": "太大"},
           "gd": "从 w = 1 出发的 12 步梯度下降", "step": "步", "log_loss": "损失（对数坐标）",
           "diverges": "w ← (1 − 2·lr)·w：lr > 1 时发散",
           "train": "{} 训练集", "test": "{} 测试集", "epoch": "轮", "ce": "交叉熵",
           "accuracy": "准确率", "data": "Fashion-MNIST：{} 张训练图像 / {} 张测试图像",
           "same": "同一个 MLP、同样的初始权重、同样的小批量"},
}


def optimizer_paths(lang: str = "en") -> Figure:
    """SGD, momentum and Adam on an ill-conditioned quadratic and on Rosenbrock."""
    t = words(TEXT, lang)
    fig = Figure(figsize=(WIDTH, 6.4), layout="constrained")
    ax1, ax2 = fig.subplots(2, 1)

    _contours(ax1, E.quadratic, (-5.5, 1.5), (-1.6, 1.6), levels=[0.05, 0.3, 1, 2.5, 5, 9, 14])
    for name, (cls, hyper) in E.QUADRATIC_RUNS.items():
        path = E.trajectory(E.quadratic, E.QUADRATIC_START, cls, E.QUADRATIC_STEPS, **hyper)
        ax1.plot(path[:, 0], path[:, 1], ".-", ms=3, lw=1, color=COLORS[name],
                 label=f"{name} {_describe(hyper)}")
    ax1.plot([0], [0], "k*", ms=10)
    ax1.set_title(t["quadratic"].format(E.QUADRATIC_STEPS))
    ax1.legend(loc="lower right")

    _contours(ax2, E.rosenbrock, (-1.5, 1.5), (-0.5, 1.6), levels=[0.1, 0.5, 2, 8, 30, 100, 300])
    for name, (cls, hyper) in E.ROSENBROCK_RUNS.items():
        path = E.trajectory(E.rosenbrock, E.ROSENBROCK_START, cls, E.ROSENBROCK_STEPS, **hyper)
        ax2.plot(path[:, 0], path[:, 1], "-", lw=1.2, color=COLORS[name],
                 label=f"{name} {_describe(hyper)}")
        ax2.plot(path[-1:, 0], path[-1:, 1], "o", ms=4, color=COLORS[name])
    ax2.plot([1], [1], "k*", ms=10)
    ax2.set_title(t["rosenbrock"].format(E.ROSENBROCK_STEPS))
    ax2.legend(loc="lower right")
    for ax in (ax1, ax2):
        ax.set_xlabel("x")
        ax.set_ylabel("y")
    return fig


def learning_rate(lang: str = "en") -> Figure:
    """Gradient descent on w**2 with three learning rates: the path and the loss per step."""
    t = words(TEXT, lang)
    fig = Figure(figsize=(WIDTH, 6.2), layout="constrained")
    ax1, ax2 = fig.subplots(2, 1)
    grid = torch.linspace(-1.8, 1.8, 200)
    ax1.plot(grid, grid**2, color="0.6", lw=1)
    for (label, lr), color in zip(E.LEARNING_RATES.items(), ("tab:blue", "tab:green", "tab:red")):
        ws = torch.tensor(E.gradient_descent_1d(lr))
        shown = ws[ws.abs() <= 1.8]
        ax1.plot(shown, shown**2, "o-", ms=4, lw=0.8, color=color, label=f"lr={lr:g} ({t['lr'][label]})")
        ax2.semilogy(range(len(ws)), (ws**2).numpy(), "o-", ms=3, color=color, label=f"lr={lr:g}")
    ax1.set_xlabel("w")
    ax1.set_ylabel(r"$f(w) = w^2$")
    ax1.set_title(t["gd"])
    ax1.legend(loc="lower left")
    ax2.set_xlabel(t["step"])
    ax2.set_ylabel(t["log_loss"])
    ax2.set_title(t["diverges"].format())
    ax2.legend()
    return fig


def sgd_vs_adam(lang: str = "en") -> Figure:
    """Loss and accuracy curves of SGD and Adam on 2,000 Fashion-MNIST training images, 12 epochs."""
    t = words(TEXT, lang)
    results = E.compare_sgd_adam()
    fig = Figure(figsize=(WIDTH, 3.6), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    for name, curves in results.items():
        color = COLORS[name]
        epochs = range(len(curves["train_loss"]))
        ax1.plot(epochs, curves["train_loss"], "-", color=color, label=t["train"].format(name))
        ax1.plot(epochs, curves["test_loss"], "--", color=color, label=t["test"].format(name))
        ax2.plot(epochs, curves["train_acc"], "-", color=color, label=t["train"].format(name))
        ax2.plot(epochs, curves["test_acc"], "--", color=color, label=t["test"].format(name))
    ax1.set_ylabel(t["ce"])
    ax2.set_ylabel(t["accuracy"])
    fig.suptitle(t["data"].format(f"{E.N_TRAIN:,}", f"{E.N_TEST:,}") + " · " + t["same"], fontsize=10)
    for ax in (ax1, ax2):
        ax.set_xlabel(t["epoch"])
        ax.legend()
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
