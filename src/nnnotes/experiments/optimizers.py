"""The experiments of optimizers.md, all driven by ``nnnotes.optim``.

* :func:`trajectory`: the points an optimizer visits on a function of two variables (the
  ill-conditioned :func:`quadratic` and :func:`rosenbrock`, with the settings in
  ``QUADRATIC_RUNS`` and ``ROSENBROCK_RUNS``);
* :func:`gradient_descent_1d`: gradient descent on ``f(w) = w**2`` (``LEARNING_RATES``: too
  small, about right, too large);
* :func:`compare_sgd_adam`: the same MLP trained on 2,000 Fashion-MNIST images with SGD and
  with Adam for 12 epochs (a few seconds on one CPU core). The batch orders are drawn one epoch
  after the other, so its first epochs are those of a shorter run.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable

import torch
from torch import Tensor, nn

from nnnotes import data, optim
from nnnotes.evaluate import loss_and_accuracy, predict
from nnnotes.models import MLP
from nnnotes.train.optimization import num_threads


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


N_TRAIN, N_TEST = 2000, 1000  # images drawn at random from the train and test splits


@lru_cache(maxsize=2)
def fashion_subsets(n_train: int, n_test: int, seed: int) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Random subsets of the Fashion-MNIST train and test splits, as float64 in [0, 1]."""
    x_train, y_train, x_test, y_test = data.subsets("fashion-mnist", n_train, n_test, seed)
    return x_train.double().div(255), y_train, x_test.double().div(255), y_test


@lru_cache(maxsize=2)
def compare_sgd_adam(n_train: int = N_TRAIN, n_test: int = N_TEST, epochs: int = 12,
                     batch_size: int = 50, seed: int = 0) -> dict[str, dict[str, list[float]]]:
    """Train the same MLP (same initial weights, same batches) with SGD and with Adam.

    Returns, per optimizer, the train and test loss and accuracy after each epoch
    (index 0 is before training). SGD: lr=0.1, no momentum; Adam: lr=1e-3, the defaults.
    Computed in float64 on one thread, so the numbers do not depend on the machine's threads.
    """
    with num_threads(1):  # small matrices: extra threads only add overhead on a busy CPU
        return _train_both(n_train, n_test, epochs, batch_size, seed)


def _train_both(n_train: int, n_test: int, epochs: int, batch_size: int,
                seed: int) -> dict[str, dict[str, list[float]]]:
    """The body of :func:`compare_sgd_adam`."""
    x_train, y_train, x_test, y_test = fashion_subsets(n_train, n_test, seed)
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
                loss, acc = loss_and_accuracy(predict(model, x), y)
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
