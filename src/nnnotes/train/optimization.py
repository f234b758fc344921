"""Where and how a run learns: the device and threads, the optimizer, the learning-rate schedule."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn

from nnnotes.errors import OptionError, RunError
from nnnotes.train.config import Config


def choose_device(name: str = "auto") -> torch.device:
    """``auto``: CUDA if available, then Apple MPS, then CPU. Any other name must work here:
    one small tensor is made on it, or :class:`OptionError` (exit 2) says why not."""
    if name != "auto":
        try:
            device = torch.device(name)
            torch.empty(1, device=device)
        except (RuntimeError, AssertionError, ValueError) as e:
            reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise OptionError(f"device {name!r} is not usable here ({reason}); use --device "
                              "auto or cpu") from None
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


@contextmanager
def num_threads(n: int | None) -> Iterator[None]:
    """Run the body with ``n`` CPU threads for PyTorch (``None``: as they are), then restore."""
    before = torch.get_num_threads()
    if n:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def make_optimizer(model: nn.Module, cfg: Config) -> torch.optim.Optimizer:
    """SGD, SGD with momentum 0.9, Adam or AdamW, with ``cfg.lr`` and ``cfg.weight_decay``."""
    params, lr, wd = model.parameters(), cfg.lr, cfg.weight_decay
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(params, lr=lr, weight_decay=wd)
    if cfg.optimizer == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=wd)
    if cfg.optimizer == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=wd)
    if cfg.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=wd)
    raise RunError(f"unknown optimizer {cfg.optimizer!r}")


def learning_rate(cfg: Config, step: int, total_steps: int, warmup_steps: int = 0) -> float:
    """The learning rate at a global step: a linear warm-up over ``warmup_steps``, then
    constant, or cosine decay to zero at ``total_steps``."""
    if step < warmup_steps:
        return cfg.lr * (step + 1) / warmup_steps
    if cfg.schedule == "cosine":
        progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
        return cfg.lr * 0.5 * (1 + math.cos(math.pi * progress))
    return cfg.lr
