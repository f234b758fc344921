"""Optimizers written for reading: SGD, RMSprop, Adam and AdamW.

Each class is a ``torch.optim.Optimizer`` subclass, so it plugs into any training
loop exactly like ``torch.optim.SGD`` and friends. The update rules are the ones
PyTorch documents and implements (its single-tensor, ``foreach=False`` code path);
``tests/test_optim.py`` runs each against ``torch.optim`` for 120 steps and
requires the parameters to agree to 1e-6 in float64.

The loops are per parameter and use plain tensor arithmetic: slow, but every
line is one line of the maths on docs/optimizers.md.

Two rules shared by all of them:

* ``step()`` reads ``p.grad`` and changes ``p`` **in place** (under ``no_grad``),
  so the model, which holds the very same ``Parameter`` objects, sees the change.
* ``step()`` never clears ``p.grad``; that is ``zero_grad()``'s job.
"""

from __future__ import annotations

import math
from typing import Callable, Iterable

import torch
from torch import Tensor

Params = Iterable[Tensor] | Iterable[dict]


class SGD(torch.optim.Optimizer):
    """Stochastic gradient descent with momentum, dampening, Nesterov and weight decay.

    With ``g = grad + weight_decay * p`` (L2 folded into the gradient):

    * first step:  ``b = g``
    * later steps: ``b = momentum * b + (1 - dampening) * g``
    * direction:   ``d = g + momentum * b`` (Nesterov) or ``d = b`` (or ``g`` if no momentum)
    * update:      ``p = p - lr * d``
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        if lr < 0 or momentum < 0 or weight_decay < 0:
            raise ValueError("lr, momentum and weight_decay must be >= 0")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(
            lr=lr, momentum=momentum, dampening=dampening,
            weight_decay=weight_decay, nesterov=nesterov,
        )
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: Callable[[], Tensor] | None = None) -> Tensor | None:
        """Update every parameter that has a gradient, in place."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            lr, mu = group["lr"], group["momentum"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad
                if group["weight_decay"] != 0:
                    g = g + group["weight_decay"] * p  # L2 penalty: its gradient is wd * p
                if mu != 0:
                    state = self.state[p]
                    if "momentum_buffer" not in state:
                        buf = g.clone()  # first step: no dampening
                    else:
                        buf = mu * state["momentum_buffer"] + (1 - group["dampening"]) * g
                    state["momentum_buffer"] = buf
                    g = g + mu * buf if group["nesterov"] else buf
                p.sub_(lr * g)  # in place: the model sees the new values
        return loss


class RMSprop(torch.optim.Optimizer):
    """RMSprop: divide each gradient by a running root-mean-square of its past values.

    ``s = alpha * s + (1 - alpha) * g**2`` then ``p = p - lr * g / (sqrt(s) + eps)``.
    ``centered=True`` subtracts the squared running mean of ``g`` from ``s`` first;
    ``momentum > 0`` keeps a velocity of the scaled steps.
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        if lr < 0 or eps < 0 or not 0 <= alpha <= 1:
            raise ValueError("invalid lr, eps or alpha")
        defaults = dict(
            lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
            momentum=momentum, centered=centered,
        )
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: Callable[[], Tensor] | None = None) -> Tensor | None:
        """Update every parameter that has a gradient, in place."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            alpha, eps = group["alpha"], group["eps"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad
                if group["weight_decay"] != 0:
                    g = g + group["weight_decay"] * p
                state = self.state[p]
                if not state:
                    state["square_avg"] = torch.zeros_like(p)
                    state["grad_avg"] = torch.zeros_like(p)
                    state["momentum_buffer"] = torch.zeros_like(p)
                s = alpha * state["square_avg"] + (1 - alpha) * g * g
                state["square_avg"] = s
                if group["centered"]:
                    m = alpha * state["grad_avg"] + (1 - alpha) * g
                    state["grad_avg"] = m
                    s = s - m * m  # a running variance instead of a second moment
                scaled = g / (s.sqrt() + eps)
                if group["momentum"] > 0:
                    buf = group["momentum"] * state["momentum_buffer"] + scaled
                    state["momentum_buffer"] = buf
                    scaled = buf
                p.sub_(group["lr"] * scaled)
        return loss


class Adam(torch.optim.Optimizer):
    """Adam: momentum on ``g`` and RMSprop on ``g**2``, both bias-corrected.

    At step ``t`` (starting at 1):

    * ``m = beta1 * m + (1 - beta1) * g``        (first moment, starts at 0)
    * ``v = beta2 * v + (1 - beta2) * g**2``     (second moment, starts at 0)
    * ``m_hat = m / (1 - beta1**t)``, ``v_hat = v / (1 - beta2**t)``  (bias correction)
    * ``p = p - lr * m_hat / (sqrt(v_hat) + eps)``

    ``weight_decay`` here is the L2 kind (added to ``g``); for decoupled weight
    decay use :class:`AdamW`.
    """

    decoupled_weight_decay = False

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        bias_correction: bool = True,
    ) -> None:
        if lr < 0 or eps < 0 or not all(0 <= b < 1 for b in betas):
            raise ValueError("invalid lr, eps or betas")
        defaults = dict(
            lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
            bias_correction=bias_correction,
        )
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: Callable[[], Tensor] | None = None) -> Tensor | None:
        """Update every parameter that has a gradient, in place."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            lr, wd, eps = group["lr"], group["weight_decay"], group["eps"]
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad
                if wd != 0:
                    if self.decoupled_weight_decay:
                        p.mul_(1 - lr * wd)  # AdamW: shrink the weights directly
                    else:
                        g = g + wd * p  # Adam: L2 penalty inside the gradient
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(p)
                    state["exp_avg_sq"] = torch.zeros_like(p)
                state["step"] += 1
                t, m, v = state["step"], state["exp_avg"], state["exp_avg_sq"]
                m.mul_(beta1).add_((1 - beta1) * g)  # m = beta1 m + (1 - beta1) g, in place
                v.mul_(beta2).add_((1 - beta2) * g * g)  # v = beta2 v + (1 - beta2) g^2
                if group["bias_correction"]:
                    m_hat = m / (1 - beta1**t)
                    v_hat = v / (1 - beta2**t)
                else:  # the notes' version: biased towards 0 in the first steps
                    m_hat, v_hat = m, v
                p.sub_(lr * m_hat / (v_hat.sqrt() + eps))
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay: ``p = p * (1 - lr * weight_decay)`` before the Adam step.

    Unlike L2 in :class:`Adam`, the decay never passes through ``m`` and ``v``, so every
    weight shrinks by the same factor, however large its gradients are.
    """

    decoupled_weight_decay = True

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        bias_correction: bool = True,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, bias_correction)


def _closure_loss(closure: Callable[[], Tensor] | None) -> Tensor | None:
    """Re-evaluate the loss with gradients enabled, if a closure is given."""
    if closure is None:
        return None
    with torch.enable_grad():
        return closure()


def adam_first_step(grad: float, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                    eps: float = 1e-8, bias_correction: bool = True) -> float:
    """The size of Adam's very first update for a scalar gradient ``grad``.

    With bias correction it is ``lr * grad / (|grad| + eps)``, about ``lr`` whatever the
    gradient's scale; without it, ``m = (1-beta1) g`` and ``v = (1-beta2) g**2`` give
    ``lr * (1-beta1) / sqrt(1-beta2)``, about ``3.16 * lr`` with the default betas.
    """
    beta1, beta2 = betas
    m, v = (1 - beta1) * grad, (1 - beta2) * grad * grad
    if bias_correction:
        m, v = m / (1 - beta1), v / (1 - beta2)
    return lr * m / (math.sqrt(v) + eps)
