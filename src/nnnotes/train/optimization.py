"""Where and how a run learns: the device and threads, the optimizer, the learning-rate schedule.

The optimizer is :class:`Optimizer`, a thin object around PyTorch's *functional* optimizers
(``torch.optim.adam.adam``, ``torch.optim.sgd.sgd``: what ``torch.optim.Adam``, ``AdamW`` and
``SGD`` call inside their ``step``). Every ``torch.optim.Optimizer`` imports ``torch._dynamo``
when it is constructed (its ``add_param_group`` is wrapped by ``torch._disable_dynamo``), which
costs more than a second and about 150 MB before the first step; the functional calls do not.
The updates are the same, bit for bit, as ``torch.optim``'s with ``fused=True``
(``tests/train/test_optimization.py``), and :meth:`Optimizer.state_dict` has
``torch.optim``'s layout, so checkpoints load either way.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn
from torch.optim.adam import adam
from torch.optim.sgd import sgd

from nnnotes.errors import OptionError, RunError
from nnnotes.train.config import Config

BETAS, EPS, MOMENTUM = (0.9, 0.999), 1e-8, 0.9


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


class Optimizer:
    """SGD, SGD with momentum 0.9, Adam or AdamW (decoupled weight decay) over ``params``.

    ``lr`` is set before every step by the loop (the schedule); ``zero_grad``, ``step``,
    ``state_dict`` and ``load_state_dict`` behave as ``torch.optim``'s."""

    def __init__(self, params, kind: str, lr: float, weight_decay: float = 0.0) -> None:
        if kind not in ("sgd", "momentum", "adam", "adamw"):
            raise RunError(f"unknown optimizer {kind!r}")
        self.params = [p for p in params if p.requires_grad]
        self.kind, self.lr, self.weight_decay = kind, lr, weight_decay
        device = self.params[0].device if self.params else torch.device("cpu")
        self.fused = device.type in ("cpu", "cuda") and all(
            p.dtype in (torch.float32, torch.float16, torch.bfloat16) for p in self.params)
        # fused kernels read the step count where the parameters are; elsewhere on the CPU
        step_device = device if self.fused else torch.device("cpu")
        self.steps = [torch.zeros((), dtype=torch.float32, device=step_device)
                      for _ in self.params] if self.adam else []
        self.exp_avg = [torch.zeros_like(p) for p in self.params] if self.adam else []
        self.exp_avg_sq = [torch.zeros_like(p) for p in self.params] if self.adam else []
        self.momentum_buffer: list[torch.Tensor | None] = [None] * len(self.params)

    @property
    def adam(self) -> bool:
        return self.kind in ("adam", "adamw")

    @property
    def param_groups(self) -> list[dict]:
        """One group, as ``torch.optim`` shows it (``lr`` is the rate of the last step)."""
        return [{"lr": self.lr, "weight_decay": self.weight_decay}]

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        grads = [p.grad for p in self.params]
        if self.adam:
            adam(
                self.params, grads, self.exp_avg, self.exp_avg_sq, [], self.steps,
                foreach=None if self.fused else True, fused=self.fused or None,
                decoupled_weight_decay=self.kind == "adamw", amsgrad=False, beta1=BETAS[0],
                beta2=BETAS[1], lr=self.lr, weight_decay=self.weight_decay, eps=EPS,
                maximize=False, capturable=False, differentiable=False, has_complex=False)
            return
        sgd(
            self.params, grads, self.momentum_buffer, foreach=None if self.fused else True,
            fused=self.fused or None, weight_decay=self.weight_decay,
            momentum=MOMENTUM if self.kind == "momentum" else 0.0, lr=self.lr, dampening=0.0,
            nesterov=False, maximize=False)

    def state_dict(self) -> dict:
        """``torch.optim``'s layout: ``state`` per parameter index, one ``param_groups`` entry."""
        state: dict[int, dict] = {}
        for i in range(len(self.params)):
            if self.adam and float(self.steps[i]) > 0:
                state[i] = {"step": self.steps[i].detach().cpu().clone(),
                            "exp_avg": self.exp_avg[i], "exp_avg_sq": self.exp_avg_sq[i]}
            elif not self.adam and self.momentum_buffer[i] is not None:
                state[i] = {"momentum_buffer": self.momentum_buffer[i]}
        group = {"lr": self.lr, "weight_decay": self.weight_decay, "maximize": False,
                 "foreach": None if self.fused else True, "fused": self.fused or None,
                 "differentiable": False, "params": list(range(len(self.params)))}
        if self.adam:
            group.update(betas=BETAS, eps=EPS, amsgrad=False, capturable=False,
                         decoupled_weight_decay=self.kind == "adamw")
        else:
            group.update(momentum=MOMENTUM if self.kind == "momentum" else 0,
                         dampening=0, nesterov=False)
        return {"state": state, "param_groups": [group]}

    def load_state_dict(self, saved: dict) -> None:
        """Restore what :meth:`state_dict` (or ``torch.optim``'s of the same kind) saved."""
        groups = saved["param_groups"]
        if len(groups) != 1 or len(groups[0]["params"]) != len(self.params):
            raise ValueError(f"the saved optimizer state has {sum(len(g['params']) for g in groups)}"
                             f" parameters in {len(groups)} groups, this model "
                             f"{len(self.params)} in one")
        self.lr = groups[0]["lr"]
        with torch.no_grad():
            for i, p in enumerate(self.params):
                s = saved["state"].get(i, saved["state"].get(str(i)))
                if s is None:
                    continue
                if self.adam:
                    self.steps[i].fill_(float(s["step"]))
                    self.exp_avg[i].copy_(s["exp_avg"])
                    self.exp_avg_sq[i].copy_(s["exp_avg_sq"])
                elif s.get("momentum_buffer") is not None:
                    self.momentum_buffer[i] = s["momentum_buffer"].to(p.device, p.dtype).clone()


def make_optimizer(model: nn.Module, cfg: Config) -> Optimizer:
    """SGD, SGD with momentum 0.9, Adam or AdamW, with ``cfg.lr`` and ``cfg.weight_decay``."""
    return Optimizer(model.parameters(), cfg.optimizer, cfg.lr, cfg.weight_decay)


def learning_rate(cfg: Config, step: int, total_steps: int, warmup_steps: int = 0) -> float:
    """The learning rate at a global step: a linear warm-up over ``warmup_steps``, then
    constant, or cosine decay to zero at ``total_steps``."""
    if step < warmup_steps:
        return cfg.lr * (step + 1) / warmup_steps
    if cfg.schedule == "cosine":
        progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
        return cfg.lr * 0.5 * (1 + math.cos(math.pi * progress))
    return cfg.lr
