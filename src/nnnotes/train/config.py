"""What defines a run: :class:`Config`, saved as ``config.json`` and inside every checkpoint.

Light on purpose (no torch): the command line parses and checks options with it alone.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import asdict, dataclass, fields

from nnnotes.errors import OptionError

DATASETS = ("mnist", "fashion-mnist")  # = nnnotes.data.NAMES (tests/train/test_cli.py checks)
DEFAULT_LR = {"sgd": 0.1, "momentum": 0.05, "adam": 4e-3, "adamw": 4e-3}
# Options a resumed run may change; every other one is the run's own and stays as saved.
RESUME_MAY_CHANGE = ("epochs", "quiet", "device", "threads", "data_dir", "download", "figures")
CHOICES = {"dataset": DATASETS, "optimizer": tuple(DEFAULT_LR), "schedule": ("constant", "cosine"),
           "augment": ("none", "shift", "flip")}
DEVICE = re.compile(r"auto|cpu|mps|cuda(:\d+)?")  # the devices --device accepts
MAX_SEED = 2**64 - 1  # torch.manual_seed takes 64 bits


@dataclass
class Config:
    """Everything that defines a run. Defaults are the command line's defaults."""

    dataset: str = "mnist"
    data_dir: str | None = None
    epochs: int = 10
    batch_size: int = 512
    optimizer: str = "adam"
    lr: float | None = None  # None: DEFAULT_LR[optimizer]
    weight_decay: float = 0.0
    schedule: str = "cosine"
    warmup: float = 0.0  # epochs of linear warm-up before the schedule
    label_smoothing: float = 0.0
    augment: str = "none"
    hidden: tuple[int, ...] = (128, 64)
    dropout: float = 0.0
    batchnorm: bool = False
    val_fraction: float = 0.1
    train_size: int | None = None
    seed: int = 0
    device: str = "auto"
    threads: int | None = None
    out: str | None = None
    download: bool = True
    quiet: bool = False
    figures: bool = True

    def __post_init__(self) -> None:
        self.hidden = tuple(self.hidden) if isinstance(self.hidden, (list, tuple)) else ()
        if self.lr is None:
            self.lr = DEFAULT_LR.get(self.optimizer)

    def check(self) -> None:
        """:class:`OptionError` (exit 2) for the first value no run can use, named by its
        option: the command line's validators already refuse these, but a ``Config`` also comes
        from Python code and from a run's ``config.json``."""
        for name, problem in self.problems():
            raise OptionError(f"{flag(name)} {problem}")

    def problems(self):
        """``(field, what is wrong)`` for every invalid value."""
        def number(v):
            return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)

        def count(v, low=1):
            return isinstance(v, int) and not isinstance(v, bool) and v >= low

        for name, allowed in CHOICES.items():
            if getattr(self, name) not in allowed:
                yield name, f"must be one of {', '.join(allowed)}, got {getattr(self, name)!r}"
        for name in ("epochs", "batch_size"):
            if not count(getattr(self, name)):
                yield name, f"must be a positive integer, got {getattr(self, name)!r}"
        for name in ("train_size", "threads"):
            if getattr(self, name) is not None and not count(getattr(self, name)):
                yield name, f"must be a positive integer, got {getattr(self, name)!r}"
        cores = os.cpu_count() or 1
        if count(self.threads) and self.threads > cores:  # (more would crash torch)
            yield "threads", f"must be at most {cores}, the number of CPU cores here"
        if not (number(self.lr) and self.lr > 0):
            yield "lr", f"must be a positive number, got {self.lr!r}"
        for name in ("weight_decay", "warmup"):
            if not (number(getattr(self, name)) and getattr(self, name) >= 0):
                yield name, f"must be a number >= 0, got {getattr(self, name)!r}"
        if number(self.warmup) and count(self.epochs) and self.warmup > self.epochs:
            yield "warmup", (f"{self.warmup:g} is longer than the run (--epochs {self.epochs}): "
                             "the warm-up must end within the run")
        for name in ("dropout", "label_smoothing"):
            if not (number(getattr(self, name)) and 0 <= getattr(self, name) < 1):
                yield name, f"must be in [0, 1), got {getattr(self, name)!r}"
        if not (number(self.val_fraction) and 0 < self.val_fraction < 1):
            yield "val_fraction", f"must be between 0 and 1 (exclusive), got {self.val_fraction!r}"
        if not self.hidden or not all(count(h) for h in self.hidden):
            yield "hidden", f"must be one or more positive sizes, got {list(self.hidden)!r}"
        if not count(self.seed, 0) or self.seed > MAX_SEED:
            yield "seed", f"must be an integer from 0 to {MAX_SEED}, got {self.seed!r}"
        if not isinstance(self.device, str) or not DEVICE.fullmatch(self.device):
            yield "device", f"must be auto, cpu, cuda, cuda:N or mps, got {self.device!r}"
        for name in ("data_dir", "out"):
            if getattr(self, name) is not None and not (isinstance(getattr(self, name), str)
                                                        and getattr(self, name)):
                yield name, f"must be a non-empty path, got {getattr(self, name)!r}"
        for name in ("batchnorm", "download", "quiet", "figures"):
            if not isinstance(getattr(self, name), bool):
                yield name, f"must be true or false, got {getattr(self, name)!r}"
        if self.batchnorm is True and self.batch_size == 1:
            yield "batch_size", ("1 cannot train with --batchnorm: in training mode BatchNorm "
                                 "normalises each feature over the batch, and a batch of one "
                                 "image has no spread to normalise by; use --batch-size 2 or more")

    def to_dict(self) -> dict:
        """Plain JSON types (``hidden`` as a list), as saved in ``config.json``."""
        return {**asdict(self), "hidden": list(self.hidden)}

    @classmethod
    def from_dict(cls, d: dict) -> Config:
        """The inverse of :meth:`to_dict`; keys this version does not know are ignored."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


def flag(name: str) -> str:
    """The command-line option of a ``Config`` field: ``batch_size`` -> ``--batch-size``."""
    return "--" + name.replace("_", "-")
