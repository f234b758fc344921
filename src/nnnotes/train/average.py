"""``--ema DECAY``: an exponential moving average of the weights, the model that is validated.

After every step ``average = decay * average + (1 - decay) * weights``, for the weights and
BatchNorm's running statistics alike, with the decay ramped up over the first steps,
``min(decay, (1 + n) / (10 + n))`` at step ``n``, so the average does not remember the random
initial weights for long. It smooths out the noise of the last steps: in the recipes' runs it
reached a given validation accuracy epochs earlier than the weights themselves, and ended
about where they ended (``bench/recipes.csv``).
"""

from __future__ import annotations

import copy

import torch
from torch import nn


class WeightAverage:
    """``model``: the average (a copy of the trained model, never trained itself)."""

    def __init__(self, trained: nn.Module, decay: float) -> None:
        self.decay = decay
        self.model = copy.deepcopy(trained).eval()
        for p in self.model.parameters():
            p.requires_grad_(False)
        self.target = floating(self.model)
        self.source = floating(trained)

    @torch.no_grad()
    def update(self, n: int) -> None:
        """The average after the ``n``-th step (counted from 1)."""
        decay = min(self.decay, (1 + n) / (10 + n))
        torch._foreach_lerp_(self.target, self.source, 1 - decay)


def floating(model: nn.Module) -> list[torch.Tensor]:
    """The floating-point tensors of ``model``'s state (weights and running statistics)."""
    return [t for t in model.state_dict().values() if t.is_floating_point()]
