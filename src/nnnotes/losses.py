"""Loss functions, softmax and their gradients, written by hand.

``tests/test_losses.py`` checks every function against PyTorch (``nn.MSELoss``,
``torch.softmax``, ``torch.log_softmax``, ``F.nll_loss``, ``nn.CrossEntropyLoss``) and every
hand-derived gradient against autograd. The page ``docs/losses.md`` explains them.

Shapes: ``logits`` is ``[N, C]`` (N examples, C classes), ``target`` is ``[N]`` of class
indices (int64), as for ``nn.CrossEntropyLoss``.
"""

from __future__ import annotations

import torch
from torch import Tensor

# ---------------------------------------------------------------- mean squared error


def mse(pred: Tensor, target: Tensor) -> Tensor:
    """Mean of (target - pred)^2 over all N elements, like ``nn.MSELoss()`` (reduction="mean")."""
    return ((target - pred) ** 2).mean()


def mse_grad(pred: Tensor, target: Tensor) -> Tensor:
    """d mse / d pred = -(2 / N) (target - pred) = (2 / N) (pred - target), same shape as pred."""
    return 2 * (pred - target) / pred.numel()


def linear_mse_grad(x: Tensor, y: Tensor, w: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """Gradients of mse(x @ w + b, y) with respect to w ``[D]`` and b ``[]``.

    With f = x @ w + b and N = len(y): d loss / d theta = -(2 / N) sum_i (y_i - f_i) d f_i / d theta,
    where d f_i / d w = x_i and d f_i / d b = 1.
    """
    error = y - (x @ w + b)  # [N]
    n = y.numel()
    grad_w = -2 / n * (error @ x)  # sum_i error_i * x_i
    grad_b = -2 / n * error.sum()
    return grad_w, grad_b


# ---------------------------------------------------------------- softmax


def softmax(z: Tensor, dim: int = -1) -> Tensor:
    """exp(z_i) / sum_j exp(z_j), computed as exp(z_i - m) / sum_j exp(z_j - m), m = max z.

    Subtracting the max changes nothing mathematically (it cancels) but keeps every
    exponent <= 0, so exp never overflows.
    """
    e = torch.exp(z - z.amax(dim=dim, keepdim=True))
    return e / e.sum(dim=dim, keepdim=True)


def softmax_jacobian(z: Tensor) -> Tensor:
    """Jacobian of softmax for one vector z ``[C]``: d p_i / d z_j = p_i (delta_ij - p_j).

    As a matrix: diag(p) - p p^T, symmetric, ``[C, C]``.
    """
    p = softmax(z)
    return torch.diag(p) - torch.outer(p, p)


def log_softmax(z: Tensor, dim: int = -1) -> Tensor:
    """log softmax(z) = z - m - log sum_j exp(z_j - m), m = max z (never log(0))."""
    shifted = z - z.amax(dim=dim, keepdim=True)
    return shifted - torch.log(torch.exp(shifted).sum(dim=dim, keepdim=True))


# ---------------------------------------------------------------- cross-entropy


def nll_loss(log_probs: Tensor, target: Tensor) -> Tensor:
    """Negative log-likelihood: mean over i of -log_probs[i, target[i]], like ``F.nll_loss``."""
    picked = log_probs.gather(1, target.unsqueeze(1)).squeeze(1)
    return -picked.mean()


def cross_entropy(logits: Tensor, target: Tensor) -> Tensor:
    """Cross-entropy from raw logits = NLL of log-softmax, like ``nn.CrossEntropyLoss()``."""
    return nll_loss(log_softmax(logits, dim=1), target)


def one_hot(target: Tensor, num_classes: int, dtype: torch.dtype = torch.float32) -> Tensor:
    """``[N]`` class indices -> ``[N, C]`` rows with a single 1."""
    out = torch.zeros(target.numel(), num_classes, dtype=dtype)
    out[torch.arange(target.numel()), target] = 1
    return out


def cross_entropy_grad(logits: Tensor, target: Tensor) -> Tensor:
    """d cross_entropy / d logits = (softmax(logits) - onehot(target)) / N."""
    n, c = logits.shape
    return (softmax(logits, dim=1) - one_hot(target, c, logits.dtype)) / n
