"""The data a run trains on: loaded once, split, standardised, moved to the device, augmented.

There is no ``DataLoader``: the whole split fits in memory as one tensor, and a mini-batch is
``x[idx]`` for a slice ``idx`` of the epoch's shuffled order (see :mod:`nnnotes.train.loop`).
An epoch has :func:`steps_per_epoch` mini-batches; a last one of a single image joins the one
before it (BatchNorm cannot train on one image, and it is the noisiest step of the epoch).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from nnnotes import data, evaluate
from nnnotes.data import SIDE
from nnnotes.errors import DataError
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


def prepare(cfg: Config, device: torch.device,
            split: tuple[torch.Tensor, torch.Tensor] | None = None,
            normalization: tuple[float, float] | None = None) -> Dataset:
    """The training split (``split``, or loaded here) cut to ``--train-size``, a validation
    part held out, standardized with the training part's statistics, moved to ``device``.

    A resumed run passes its saved ``normalization``: it is used as saved (so the run stays
    exact), after checking that the images still have those statistics."""
    images, labels = split or data.load(cfg.dataset, "train", cfg.data_dir, download=cfg.download)
    if cfg.train_size is not None:
        images, labels = images[:cfg.train_size], labels[:cfg.train_size]
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(cfg.seed))
    n_val = validation_size(len(images), cfg.val_fraction)
    val, train = order[:n_val], order[n_val:]
    pixels = images[train].float().div_(255)
    mean, std = pixels.mean().item(), pixels.std().item()
    if not std > 0:
        raise DataError(f"all {len(train)} training images of {cfg.dataset} are one flat colour "
                        f"(every pixel {round(mean * 255)}, standard deviation 0): there is "
                        "nothing to learn from and they cannot be standardised. The image file "
                        "is not a real dataset; download it again.")
    if normalization is not None:
        if not all(math.isclose(a, b, rel_tol=1e-4) for a, b in zip((mean, std), normalization)):
            raise DataError(
                f"the training images of {cfg.dataset} found now (in "
                f"{cfg.data_dir or 'the default data folders'}) are not the ones this run was "
                f"trained on: their mean and standard deviation are {mean:.5f}, {std:.5f}, the "
                f"run's {normalization[0]:.5f}, {normalization[1]:.5f}. Point --data-dir to "
                "the data the run started with.")
        mean, std = normalization
    x = evaluate.normalize(images, mean, std)
    return Dataset(x[train].to(device), labels[train].to(device),
                   x[val].to(device), labels[val].to(device), mean, std)


def validation_size(n: int, val_fraction: float) -> int:
    """How many of ``n`` images are held out for validation."""
    return int(round(n * val_fraction))


def steps_per_epoch(n: int, batch_size: int) -> int:
    """Mini-batches of ``batch_size`` in an epoch of ``n`` images; a last batch of a single
    image is merged into the one before it (which then holds ``batch_size + 1``)."""
    full, rest = divmod(n, batch_size)
    return full if rest == 1 and full > 0 else full + (rest > 0)


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
