"""The data a run trains on: loaded once, split, standardised, moved to the device, augmented.

There is no ``DataLoader``: the whole split fits in memory as one tensor, and a mini-batch is
``x[idx]`` for a slice ``idx`` of the epoch's shuffled order (see :mod:`nnnotes.train.loop`).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from nnnotes import data, evaluate
from nnnotes.data import SIDE
from nnnotes.train.config import Config


@dataclass
class Dataset:
    """The tensors a run trains and validates on (already normalized, on the device)."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    mean: float
    std: float


def prepare(cfg: Config, device: torch.device) -> Dataset:
    """Load the training split once, split off validation, standardize, move to ``device``."""
    images, labels = data.load(cfg.dataset, "train", cfg.data_dir, download=cfg.download)
    if cfg.train_size is not None:
        images, labels = images[:cfg.train_size], labels[:cfg.train_size]
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(cfg.seed))
    n_val = int(round(len(images) * cfg.val_fraction))
    val, train = order[:n_val], order[n_val:]
    pixels = images[train].float().div_(255)
    mean, std = pixels.mean().item(), pixels.std().item()
    x = evaluate.normalize(images, mean, std)
    return Dataset(x[train].to(device), labels[train].to(device),
                   x[val].to(device), labels[val].to(device), mean, std)


def augment(x: torch.Tensor, how: str, d: Dataset, generator: torch.Generator) -> torch.Tensor:
    """A training batch as ``--augment`` asks: unchanged, shifted or flipped."""
    if how == "shift":  # background: a black pixel, standardized
        return shift_images(x, 2, -d.mean / d.std, generator)
    if how == "flip":
        return flip_images(x, generator)
    return x


def shift_images(x: torch.Tensor, max_shift: int, background: float,
                 generator: torch.Generator) -> torch.Tensor:
    """Translate every 28x28 image of a flattened batch ``[B, 784]`` by its own random offset
    of up to ``max_shift`` pixels in each direction, filling with ``background``.

    One pad and one gather for the whole batch: no per-image Python loop."""
    n, side = len(x), SIDE
    padded_side = side + 2 * max_shift
    padded = F.pad(x.view(n, side, side), (max_shift,) * 4, value=background)
    offsets = torch.randint(0, 2 * max_shift + 1, (n, 2), generator=generator).to(x.device)
    rows = torch.arange(side, device=x.device).view(1, side, 1) + offsets[:, 0].view(n, 1, 1)
    cols = torch.arange(side, device=x.device).view(1, 1, side) + offsets[:, 1].view(n, 1, 1)
    index = (rows * padded_side + cols).view(n, side * side)
    return padded.view(n, -1).gather(1, index)


def flip_images(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Mirror a random half of a flattened batch ``[B, 784]`` of 28x28 images left to right."""
    n = len(x)
    flip = (torch.rand(n, generator=generator) < 0.5).to(x.device).view(n, 1, 1)
    images = x.view(n, SIDE, SIDE)
    return torch.where(flip, images.flip(2), images).view(n, -1)
