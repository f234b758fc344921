"""Figures and small experiments for docs/optimizers.md, all driven by ``nnnotes.optim``.

* :func:`trajectory` runs an optimizer on a 2-D function and records every point it visits;
* :func:`figure_optimizer_paths`: SGD, momentum and Adam on an ill-conditioned quadratic and
  on the Rosenbrock function;
* :func:`figure_learning_rate`: gradient descent on ``f(w) = w**2`` with a learning rate that is
  too small, about right, and too large (diverging);
* :func:`compare_sgd_adam` / :func:`figure_sgd_vs_adam`: the same MLP trained on a few thousand
  Fashion-MNIST images with SGD and with Adam (a few seconds on one CPU core).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable

import torch
from matplotlib.figure import Figure
from torch import Tensor, nn

from nnnotes import optim

COLORS = {"SGD": "tab:blue", "momentum": "tab:orange", "Adam": "tab:green"}


def quadratic(p: Tensor) -> Tensor:
    """An ill-conditioned bowl: curvature 1 along x, 20 along y (condition number 20)."""
    return 0.5 * (p[0] ** 2 + 20 * p[1] ** 2)


def rosenbrock(p: Tensor) -> Tensor:
    """The Rosenbrock function, a curved narrow valley with its minimum 0 at (1, 1)."""
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2


# (optimizer class, hyper-parameters) per curve, per function: tuned by hand, once.
QUADRATIC_RUNS = {
    "SGD": (optim.SGD, dict(lr=0.09)),
    "momentum": (optim.SGD, dict(lr=0.02, momentum=0.8)),
    "Adam": (optim.Adam, dict(lr=0.3)),
}
ROSENBROCK_RUNS = {
    "SGD": (optim.SGD, dict(lr=1.5e-3)),
    "momentum": (optim.SGD, dict(lr=1.5e-3, momentum=0.9)),
    "Adam": (optim.Adam, dict(lr=0.2)),
}
QUADRATIC_START, QUADRATIC_STEPS = (-5.0, 1.2), 40
ROSENBROCK_START, ROSENBROCK_STEPS = (-1.2, 1.0), 300


def trajectory(f: Callable[[Tensor], Tensor], start: tuple[float, float], opt_cls: type,
               steps: int, **hyper) -> Tensor:
    """Points ``[steps + 1, 2]`` visited by ``opt_cls`` minimising ``f`` from ``start``."""
    p = nn.Parameter(torch.tensor(start, dtype=torch.float64))
    opt = opt_cls([p], **hyper)
    points = [p.detach().clone()]
    for _ in range(steps):
        opt.zero_grad()
        f(p).backward()
        opt.step()
        points.append(p.detach().clone())
    return torch.stack(points)


def _contours(ax, f: Callable[[Tensor], Tensor], xlim, ylim, levels) -> None:
    xs = torch.linspace(*xlim, 200, dtype=torch.float64)
    ys = torch.linspace(*ylim, 200, dtype=torch.float64)
    X, Y = torch.meshgrid(xs, ys, indexing="xy")
    Z = f(torch.stack([X, Y]))
    ax.contour(X.numpy(), Y.numpy(), Z.numpy(), levels=levels, colors="0.75", linewidths=0.7)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)


def figure_optimizer_paths() -> Figure:
    """SGD, momentum and Adam on an ill-conditioned quadratic and on Rosenbrock."""
    fig = Figure(figsize=(10, 4.2), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)

    _contours(ax1, quadratic, (-5.5, 1.5), (-1.6, 1.6), levels=[0.05, 0.3, 1, 2.5, 5, 9, 14])
    for name, (cls, hyper) in QUADRATIC_RUNS.items():
        path = trajectory(quadratic, QUADRATIC_START, cls, QUADRATIC_STEPS, **hyper)
        ax1.plot(path[:, 0], path[:, 1], ".-", ms=3, lw=1, color=COLORS[name],
                 label=f"{name} {_describe(hyper)}")
    ax1.plot([0], [0], "k*", ms=10)
    ax1.set_title(rf"$\frac{{1}}{{2}}(x^2 + 20y^2)$, {QUADRATIC_STEPS} steps")
    ax1.legend(fontsize=8, loc="lower right")

    _contours(ax2, rosenbrock, (-1.5, 1.5), (-0.5, 1.6), levels=[0.1, 0.5, 2, 8, 30, 100, 300])
    for name, (cls, hyper) in ROSENBROCK_RUNS.items():
        path = trajectory(rosenbrock, ROSENBROCK_START, cls, ROSENBROCK_STEPS, **hyper)
        ax2.plot(path[:, 0], path[:, 1], "-", lw=1.2, color=COLORS[name],
                 label=f"{name} {_describe(hyper)}")
        ax2.plot(path[-1:, 0], path[-1:, 1], "o", ms=4, color=COLORS[name])
    ax2.plot([1], [1], "k*", ms=10)
    ax2.set_title(rf"Rosenbrock $(1-x)^2 + 100(y-x^2)^2$, {ROSENBROCK_STEPS} steps")
    ax2.legend(fontsize=8, loc="lower right")
    for ax in (ax1, ax2):
        ax.set_xlabel("x")
        ax.set_ylabel("y")
    return fig


def _describe(hyper: dict) -> str:
    return ", ".join(f"{k}={v:g}" for k, v in hyper.items())


def gradient_descent_1d(lr: float, w0: float = 1.0, steps: int = 12) -> list[float]:
    """Iterates of ``w <- w - lr * f'(w)`` on ``f(w) = w**2`` (so ``w <- (1 - 2 lr) w``)."""
    w = nn.Parameter(torch.tensor(w0, dtype=torch.float64))
    opt = optim.SGD([w], lr=lr)
    ws = [w.item()]
    for _ in range(steps):
        opt.zero_grad()
        (w**2).backward()
        opt.step()
        ws.append(w.item())
    return ws


LEARNING_RATES = {"too small": 0.03, "about right": 0.3, "too large": 1.05}


def figure_learning_rate() -> Figure:
    """Gradient descent on w**2 with three learning rates: the path and the loss per step."""
    fig = Figure(figsize=(10, 3.8), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    grid = torch.linspace(-1.8, 1.8, 200)
    ax1.plot(grid, grid**2, color="0.6", lw=1)
    for (label, lr), color in zip(LEARNING_RATES.items(), ("tab:blue", "tab:green", "tab:red")):
        ws = torch.tensor(gradient_descent_1d(lr))
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


N_TRAIN, N_TEST = 2000, 1000  # images drawn at random from the train and test splits


@lru_cache(maxsize=2)
def _fashion_subsets(n_train: int, n_test: int, seed: int) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Random subsets of the Fashion-MNIST train and test splits, as floats in [0, 1]."""
    from nnnotes.data import load

    g = torch.Generator().manual_seed(seed)
    out: list[Tensor] = []
    for split, n in (("train", n_train), ("test", n_test)):
        images, labels = load("fashion-mnist", split)
        idx = torch.randperm(len(labels), generator=g)[:n]
        out += [images[idx].double().div(255), labels[idx]]
    return tuple(out)  # type: ignore[return-value]


@torch.no_grad()
def _evaluate(model: nn.Module, x: Tensor, y: Tensor) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of ``model`` on ``(x, y)``."""
    logits = model(x)
    loss = nn.functional.cross_entropy(logits, y).item()
    return loss, (logits.argmax(1) == y).double().mean().item()


@lru_cache(maxsize=2)
def compare_sgd_adam(n_train: int = N_TRAIN, n_test: int = N_TEST, epochs: int = 6,
                     batch_size: int = 50, seed: int = 0) -> dict[str, dict[str, list[float]]]:
    """Train the same MLP (same initial weights, same batches) with SGD and with Adam.

    Returns, per optimizer, the train and test loss and accuracy after each epoch
    (index 0 is before training). SGD: lr=0.1, no momentum; Adam: lr=1e-3, the defaults.
    Computed in float64 on one thread, so the numbers do not depend on the machine's threads.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small matrices: extra threads only add overhead on a busy CPU
    try:
        return _train_both(n_train, n_test, epochs, batch_size, seed)
    finally:
        torch.set_num_threads(threads)


def _train_both(n_train: int, n_test: int, epochs: int, batch_size: int,
                seed: int) -> dict[str, dict[str, list[float]]]:
    """The body of :func:`compare_sgd_adam`."""
    from nnnotes.models import MLP

    x_train, y_train, x_test, y_test = _fashion_subsets(n_train, n_test, seed)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        init = MLP((784, 128, 64, 10)).double().state_dict()
        orders = [torch.randperm(n_train) for _ in range(epochs)]
    results = {}
    for name, make in (("SGD", lambda ps: optim.SGD(ps, lr=0.1)),
                       ("Adam", lambda ps: optim.Adam(ps, lr=1e-3))):
        model = MLP((784, 128, 64, 10)).double()
        model.load_state_dict(init)
        opt = make(model.parameters())
        curves: dict[str, list[float]] = {k: [] for k in ("train_loss", "test_loss", "train_acc", "test_acc")}
        for epoch in range(epochs + 1):
            for split, x, y in (("train", x_train, y_train), ("test", x_test, y_test)):
                loss, acc = _evaluate(model, x, y)
                curves[f"{split}_loss"].append(loss)
                curves[f"{split}_acc"].append(acc)
            if epoch == epochs:
                break
            for batch in orders[epoch].split(batch_size):
                loss = nn.functional.cross_entropy(model(x_train[batch]), y_train[batch])
                opt.zero_grad()
                loss.backward()
                opt.step()
        results[name] = curves
    return results


def figure_sgd_vs_adam() -> Figure:
    """Loss and accuracy curves of SGD and Adam on 2000 Fashion-MNIST training images."""
    results = compare_sgd_adam()
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
    ax1.set_title(f"Fashion-MNIST: {N_TRAIN} train / {N_TEST} test images")
    ax2.set_title("same MLP, same initial weights, same batches")
    for ax in (ax1, ax2):
        ax.set_xlabel("epoch")
        ax.legend(fontsize=8)
    return fig
