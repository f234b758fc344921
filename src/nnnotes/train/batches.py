"""The data a run trains on: loaded once, split, kept as bytes on the device, standardised and
augmented one mini-batch at a time.

There is no ``DataLoader``: the whole split fits in memory as one tensor, and a mini-batch is
``x.index_select(0, idx)`` for a slice ``idx`` of the epoch's shuffled order (see
:mod:`nnnotes.train.loop`). The training images stay ``uint8``: a quarter of the memory of
``float32`` copies (and of the bytes sent to a GPU), and a batch of bytes is gathered and
standardised faster than a batch of floats is gathered. An epoch has :func:`steps_per_epoch`
mini-batches; a last one of a single image joins the one before it (BatchNorm cannot train on
one image, and it is the noisiest step of the epoch).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from nnnotes import data, evaluate
from nnnotes.data import PIXELS, SIDE
from nnnotes.errors import DataError
from nnnotes.train.config import Config


@dataclass
class Dataset:
    """The tensors a run trains and validates on, on the device: training images as ``uint8``
    rows of 784 pixels, validation images standardised (``float32``), labels, and the
    training part's mean and standard deviation (of pixels scaled to [0, 1])."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    mean: float
    std: float

    def normalize(self, images: torch.Tensor) -> torch.Tensor:
        """``uint8`` rows to standardised ``float32`` rows (:func:`nnnotes.evaluate.normalize`)."""
        return evaluate.normalize(images, self.mean, self.std)


def prepare(cfg: Config, device: torch.device,
            split: tuple[torch.Tensor, torch.Tensor] | None = None,
            normalization: tuple[float, float] | None = None) -> Dataset:
    """The training split (``split``, or loaded here) cut to ``--train-size``, a validation
    part held out, the training part's statistics, everything moved to ``device``.

    A resumed run passes its saved ``normalization``: it is used as saved (so the run stays
    exact), after checking that the images still have those statistics."""
    images, labels = split or data.load(cfg.dataset, "train", cfg.data_dir, download=cfg.download)
    if cfg.train_size is not None:
        images, labels = images[:cfg.train_size], labels[:cfg.train_size]
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(cfg.seed))
    n_val = validation_size(len(images), cfg.val_fraction)
    val, train = order[:n_val], order[n_val:]
    rows = images.reshape(len(images), PIXELS)
    x_train = rows.index_select(0, train)
    mean, std = pixel_statistics(x_train)
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
    x_val = evaluate.normalize(rows.index_select(0, val), mean, std)
    return Dataset(x_train.to(device), labels.index_select(0, train).to(device),
                   x_val.to(device), labels.index_select(0, val).to(device), mean, std)


def pixel_statistics(images: torch.Tensor) -> tuple[float, float]:
    """Mean and (unbiased) standard deviation of the pixels of ``uint8`` images, scaled to
    [0, 1], from a histogram of the 256 values: exact, and no float copy of the images."""
    counts = torch.bincount(images.reshape(-1), minlength=256).double()
    values = torch.arange(256, dtype=torch.float64) / 255
    n = counts.sum()
    mean = (counts * values).sum() / n
    var = (counts * (values - mean) ** 2).sum() / max(n.item() - 1, 1)
    return mean.item(), var.sqrt().item()


def validation_size(n: int, val_fraction: float) -> int:
    """How many of ``n`` images are held out for validation."""
    return int(round(n * val_fraction))


def steps_per_epoch(n: int, batch_size: int, processes: int = 1) -> int:
    """Mini-batches of ``batch_size`` in an epoch of ``n`` images; a last batch of a single
    image is merged into the one before it (which then holds ``batch_size + 1``). With several
    processes, each trains on its slice of every batch, and a last batch that would leave a
    slice of one image (fewer than 2 per process) is merged in the same way."""
    full, rest = divmod(n, batch_size)
    return full if 0 < rest < 2 * processes and full > 0 else full + (rest > 0)


def augment(x: torch.Tensor, how: str, max_shift: int, generator: torch.Generator,
            start: int = 0, total: int | None = None) -> torch.Tensor:
    """A batch of ``uint8`` rows ``[B, 784]`` as ``--augment`` asks: unchanged, or each image
    moved by up to ``max_shift`` pixels in each direction (filled with black), mirrored left to
    right, or both.

    The batch is already in random order, so it is cut into as many contiguous chunks as
    there are variants (25 offsets of up to 2 pixels, times 2 with flips), and each chunk
    gets a different one, in an order drawn from ``generator``: one copy per chunk, no
    per-pixel gather. ``start`` and ``total`` say where these rows are within the whole
    mini-batch (a process of a data-parallel run holds a slice of it): the chunks are cut
    over the whole batch, so every process augments its rows as one process would."""
    if how == "none":
        return x
    shift = max_shift if "shift" in how else 0
    variants = [(dy, dx, flip) for dy in range(2 * shift + 1) for dx in range(2 * shift + 1)
                for flip in ((False, True) if "flip" in how else (False,))]
    order = torch.randperm(len(variants), generator=generator).tolist()
    total = len(x) if total is None else total
    n = len(x)
    images = x.view(n, SIDE, SIDE)
    padded = F.pad(images, (shift,) * 4) if shift else images
    out = torch.empty_like(images)
    for k, v in enumerate(order):
        a = max(total * k // len(variants) - start, 0)
        b = min(total * (k + 1) // len(variants) - start, n)
        if a >= b:
            continue
        dy, dx, flip = variants[v]
        moved = padded[a:b, dy:dy + SIDE, dx:dx + SIDE]
        out[a:b] = moved.flip(2) if flip else moved
    return out.view(n, PIXELS)
