"""Activation functions and their derivatives, written by hand.

Every function here has a twin in PyTorch; ``tests/test_activations.py`` checks the values
against PyTorch and the derivatives against ``torch.autograd.grad``. The page
``docs/activations.md`` explains them.

Conventions at the kinks (where the function has no derivative), chosen to match what
PyTorch's autograd returns there:

- ``relu_derivative(0) == 0``
- ``leaky_relu_derivative(0) == negative_slope``
- ``step_derivative(x) == 0`` everywhere (the true derivative is 0 for every x != 0 and
  does not exist at 0).
"""

from __future__ import annotations

import math
from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

# ---------------------------------------------------------------- the functions


def step(x: Tensor) -> Tensor:
    """Heaviside step: 1 where x > 0, else 0 (so step(0) = 0)."""
    return (x > 0).to(x.dtype)


def step_derivative(x: Tensor) -> Tensor:
    """0 everywhere: the slope of a flat piece is 0 (at x = 0 there is no derivative)."""
    return torch.zeros_like(x)


def sigmoid(x: Tensor) -> Tensor:
    """sigma(x) = 1 / (1 + exp(-x)), range (0, 1)."""
    return 1 / (1 + torch.exp(-x))


def sigmoid_derivative(x: Tensor) -> Tensor:
    """sigma'(x) = sigma(x) (1 - sigma(x)), at most 1/4 (at x = 0)."""
    s = sigmoid(x)
    return s * (1 - s)


def tanh(x: Tensor) -> Tensor:
    """tanh(x) = (e^x - e^-x) / (e^x + e^-x), range (-1, 1).

    Computed as sign(x) * (1 - e^{-2|x|}) / (1 + e^{-2|x|}) so that no exponential
    overflows (the textbook quotient gives inf / inf = nan for x > 45 in float32).
    """
    t = torch.expm1(-2 * x.abs())  # e^{-2|x|} - 1, in (-1, 0]
    return torch.sign(x) * (-t / (t + 2))


def tanh_derivative(x: Tensor) -> Tensor:
    """tanh'(x) = 1 - tanh(x)^2, at most 1 (at x = 0)."""
    return 1 - tanh(x) ** 2


def relu(x: Tensor) -> Tensor:
    """ReLU(x) = max(0, x)."""
    return torch.where(x > 0, x, torch.zeros_like(x))


def relu_derivative(x: Tensor) -> Tensor:
    """1 where x > 0, else 0 (PyTorch uses 0 at x = 0, so do we)."""
    return (x > 0).to(x.dtype)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x where x > 0, else negative_slope * x (PyTorch's default slope is 0.01)."""
    return torch.where(x > 0, x, negative_slope * x)


def leaky_relu_derivative(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """1 where x > 0, else negative_slope (also at x = 0, like PyTorch)."""
    return torch.where(x > 0, torch.ones_like(x), torch.full_like(x, negative_slope))


def normal_cdf(x: Tensor) -> Tensor:
    """Phi(x), the standard normal CDF: (1 + erf(x / sqrt 2)) / 2."""
    return 0.5 * (1 + torch.erf(x / math.sqrt(2)))


def normal_pdf(x: Tensor) -> Tensor:
    """phi(x), the standard normal density: exp(-x^2 / 2) / sqrt(2 pi)."""
    return torch.exp(-0.5 * x**2) / math.sqrt(2 * math.pi)


def gelu(x: Tensor) -> Tensor:
    """GELU(x) = x * Phi(x), the exact (erf) form, which is PyTorch's default."""
    return x * normal_cdf(x)


def gelu_derivative(x: Tensor) -> Tensor:
    """GELU'(x) = Phi(x) + x * phi(x) (product rule)."""
    return normal_cdf(x) + x * normal_pdf(x)


def silu(x: Tensor) -> Tensor:
    """SiLU(x) = x * sigma(x), also called swish."""
    return x * sigmoid(x)


def silu_derivative(x: Tensor) -> Tensor:
    """SiLU'(x) = sigma(x) (1 + x (1 - sigma(x)))."""
    s = sigmoid(x)
    return s * (1 + x * (1 - s))


def _torch_step(x: Tensor) -> Tensor:
    return torch.heaviside(x, torch.zeros_like(x))


# name -> (hand-written f, hand-written f', PyTorch's f)
ACTIVATIONS: dict[str, tuple[Callable[[Tensor], Tensor], Callable[[Tensor], Tensor], Callable[[Tensor], Tensor]]] = {
    "step": (step, step_derivative, _torch_step),
    "sigmoid": (sigmoid, sigmoid_derivative, torch.sigmoid),
    "tanh": (tanh, tanh_derivative, torch.tanh),
    "relu": (relu, relu_derivative, torch.relu),
    "leaky_relu": (leaky_relu, leaky_relu_derivative, F.leaky_relu),
    "gelu": (gelu, gelu_derivative, F.gelu),
    "silu": (silu, silu_derivative, F.silu),
}


# ---------------------------------------------------------------- vanishing gradients


def deep_mlp(activation: str, depth: int = 10, width: int = 64, seed: int = 0) -> nn.Sequential:
    """``depth`` Linear layers of ``width`` units, each followed by ``activation``.

    Weights use He (Kaiming) normal initialisation and zero biases for *both*
    activations, so the only difference between two such networks is the activation.
    """
    act = {"sigmoid": nn.Sigmoid, "relu": nn.ReLU, "tanh": nn.Tanh}[activation]
    generator = torch.Generator().manual_seed(seed)
    layers: list[nn.Module] = []
    for _ in range(depth):
        linear = nn.Linear(width, width)
        with torch.no_grad():
            linear.weight.normal_(0.0, math.sqrt(2.0 / width), generator=generator)
            linear.bias.zero_()
        layers += [linear, act()]
    return nn.Sequential(*layers)


def layer_gradient_norms(activation: str, depth: int = 10, width: int = 64, seed: int = 0) -> list[float]:
    """Norm of d loss / d weight for each Linear layer, first layer first.

    One batch of 64 standard-normal inputs, MSE loss against standard-normal targets.
    """
    model = deep_mlp(activation, depth, width, seed)
    generator = torch.Generator().manual_seed(seed + 1)
    x = torch.randn(64, width, generator=generator)
    y = torch.randn(64, width, generator=generator)
    loss = F.mse_loss(model(x), y)
    weights = [m.weight for m in model if isinstance(m, nn.Linear)]
    grads = torch.autograd.grad(loss, weights)
    return [g.norm().item() for g in grads]
