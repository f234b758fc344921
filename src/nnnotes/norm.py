"""Batch normalisation, layer normalisation and dropout, written from scratch.

Each class is a plain :class:`torch.nn.Module` built from elementary tensor operations, so
autograd differentiates it like any other code. They compute what ``nn.BatchNorm1d``,
``nn.LayerNorm`` and ``nn.Dropout`` compute (``tests/test_norm.py`` checks outputs, gradients,
running statistics and dropout masks against PyTorch); the page is ``normalization.md``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn


class BatchNorm1d(nn.Module):
    """Normalise each feature over the batch, then scale by ``weight`` and shift by ``bias``.

    Input ``[N, C]`` or ``[N, C, L]``; statistics are taken per feature ``C`` over every
    other dimension. In training: the batch mean and the *biased* batch variance, and the
    running statistics move towards the batch ones by ``momentum`` (the running variance with
    the *unbiased* batch variance). In evaluation: the running statistics, the batch is ignored.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.weight = nn.Parameter(torch.ones(num_features))   # gamma
        self.bias = nn.Parameter(torch.zeros(num_features))    # beta
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))
        self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dims = [0] + list(range(2, x.dim()))        # every dimension except the feature one
        shape = [1, -1] + [1] * (x.dim() - 2)       # broadcast per-feature vectors over x
        if self.training:
            n = x.numel() // x.shape[1]             # values per feature in this batch
            if n == 1:
                raise ValueError("Expected more than 1 value per channel when training, "
                                 f"got input size {x.shape}")
            mean = x.mean(dim=dims)
            var = x.var(dim=dims, unbiased=False)   # biased: divide by n
            self.update_running_stats(mean.detach(), var.detach() * n / (n - 1))
        else:
            mean, var = self.running_mean, self.running_var
        x_hat = (x - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + self.eps)
        return self.weight.reshape(shape) * x_hat + self.bias.reshape(shape)

    @torch.no_grad()
    def update_running_stats(self, mean: torch.Tensor, unbiased_var: torch.Tensor) -> None:
        """Exponential moving averages: ``running = (1 - momentum) * running + momentum * batch``."""
        m = self.momentum
        self.running_mean.mul_(1 - m).add_(m * mean)
        self.running_var.mul_(1 - m).add_(m * unbiased_var)
        self.num_batches_tracked.add_(1)

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


class LayerNorm(nn.Module):
    """Normalise each sample over its last ``len(normalized_shape)`` dimensions.

    The statistics belong to one sample (one token), so the result never depends on the rest
    of the batch, and training and evaluation compute the same thing: no running statistics.
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5) -> None:
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape, self.eps = tuple(normalized_shape), eps
        self.weight = nn.Parameter(torch.ones(self.normalized_shape))
        self.bias = nn.Parameter(torch.zeros(self.normalized_shape))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dims = tuple(range(-len(self.normalized_shape), 0))
        mean = x.mean(dim=dims, keepdim=True)
        var = x.var(dim=dims, unbiased=False, keepdim=True)
        return self.weight * (x - mean) / torch.sqrt(var + self.eps) + self.bias

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}"


class Dropout(nn.Module):
    """Inverted dropout: in training zero each value with probability ``p`` and scale the
    survivors by ``1 / (1 - p)``, so the expected output equals the input; in evaluation
    return the input unchanged.

    The mask is drawn as ``nn.Dropout`` draws it on the CPU (``empty_like(x).bernoulli_(1 - p)``),
    so under the same seed both produce the same mask.
    """

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        if self.p == 1.0:
            return x * torch.zeros_like(x)
        keep = torch.empty_like(x).bernoulli_(1 - self.p)   # 1 with probability 1 - p
        return x * keep.div_(1 - self.p)

    def extra_repr(self) -> str:
        return f"p={self.p}"
