"""What is checked before the long work starts, so that a run fails in its first seconds, not
after an hour: sizes against the data, the memory the model needs against what the machine
has, the disk space its checkpoints need. (The options themselves are checked by
:meth:`nnnotes.train.config.Config.check`, the device by
:func:`nnnotes.train.optimization.choose_device`, the data files by :mod:`nnnotes.data`.)
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import torch

from nnnotes.data import NUM_CLASSES, PIXELS
from nnnotes.errors import OptionError, RunError
from nnnotes.train.batches import validation_size
from nnnotes.train.config import Config

FLOAT = 4  # bytes of a float32
OPTIMIZER_STATES = {"sgd": 0, "momentum": 1, "adam": 2, "adamw": 2}  # tensors per parameter
EXTRA_FILES = 2 ** 20  # config, history, metrics and the three figures: well under 1 MiB
TEST_IMAGES = 10_000


def check_sizes(cfg: Config, available: int) -> tuple[int, int]:
    """The numbers of training and validation images; :class:`OptionError` when ``--train-size``
    asks for more images than the split has, or leaves no training or validation image."""
    if cfg.train_size is not None and cfg.train_size > available:
        raise OptionError(f"--train-size {cfg.train_size}: the training split of {cfg.dataset} "
                          f"has only {available} images; use --train-size {available} or less "
                          "(or leave it out to use them all)")
    n = min(cfg.train_size or available, available)
    n_val = validation_size(n, cfg.val_fraction)
    if n_val == 0 or n - n_val == 0:
        raise OptionError(f"{n} images with --val-fraction {cfg.val_fraction:g} leave "
                          f"{n - n_val} for training and {n_val} for validation; both need at "
                          "least one: use a larger --train-size or another --val-fraction")
    if cfg.batchnorm and n - n_val < 2:
        raise OptionError("--batchnorm needs at least 2 training images (it normalises over "
                          "the batch); use a larger --train-size")
    return n - n_val, n_val


def parameter_count(cfg: Config) -> int:
    """Weights and biases of the MLP (and BatchNorm's scale and shift)."""
    sizes = (PIXELS, *cfg.hidden, NUM_CLASSES)
    count = sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    return count + (2 * sum(cfg.hidden) if cfg.batchnorm else 0)


def checkpoint_bytes(cfg: Config, n_train: int) -> int:
    """About the size of one checkpoint: weights, optimizer state, the epoch's order."""
    states = 1 + OPTIMIZER_STATES[cfg.optimizer]
    return FLOAT * states * parameter_count(cfg) + 8 * n_train + 64 * 1024


def memory_needed(cfg: Config, n_images: int, n_train: int) -> dict[str, int]:
    """Bytes a run needs at its peak, by what needs them (an upper estimate): the model with
    its gradients and optimizer state, a checkpoint being written, the activations (one
    training batch forward and backward, or one chunk of 10,000 images evaluated), and the
    images as float32 (decoded, standardised, split)."""
    p = parameter_count(cfg)
    batch = min(cfg.batch_size + 1, n_train)
    return {
        "model": FLOAT * p * (2 + OPTIMIZER_STATES[cfg.optimizer]),
        "checkpoint": 2 * checkpoint_bytes(cfg, n_train),
        "activations": FLOAT * max(batch * (2 * PIXELS + 6 * sum(cfg.hidden) + 4 * NUM_CLASSES),
                                   TEST_IMAGES * 3 * max(cfg.hidden)),
        "images": FLOAT * PIXELS * (3 * n_images + TEST_IMAGES),
    }


def memory_available(device: torch.device) -> int | None:
    """Free memory of ``device`` in bytes (for the CPU: what Linux calls available, within a
    container's limit), or ``None`` where it cannot be known."""
    if device.type == "cuda":
        return torch.cuda.mem_get_info(device)[0]
    if device.type != "cpu":
        return None
    available = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    available = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        try:
            available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, AttributeError):
            return None
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        used = int(Path("/sys/fs/cgroup/memory.current").read_text())
        if limit != "max":
            available = min(available or int(limit), int(limit) - used)
    except (OSError, ValueError):
        pass
    return available


def check_memory(cfg: Config, device: torch.device, n_images: int, n_train: int) -> None:
    """:class:`OptionError` if the run needs more memory than ``device`` has free, before the
    model is built (``--hidden 1000000000`` would ask for terabytes)."""
    needed = memory_needed(cfg, n_images, n_train)
    total, available = sum(needed.values()), memory_available(device)
    if available is None or total <= available:
        return
    culprit = max(needed, key=needed.get)
    advice = "use a smaller --train-size" if culprit == "images" else \
        "choose smaller --hidden sizes" + (" or --batch-size" if culprit == "activations" else "")
    where = "this machine has" if device.type == "cpu" else f"{device} has"
    raise OptionError(f"this run needs about {size(total)} of memory ({parameter_count(cfg):,} "
                      f"parameters with {cfg.optimizer}: model {size(needed['model'])}, a "
                      f"checkpoint being written {size(needed['checkpoint'])}, activations "
                      f"{size(needed['activations'])}, the images {size(needed['images'])}) and "
                      f"{where} {size(available)} available: {advice}")


def check_disk(cfg: Config, run_dir: Path, n_train: int) -> None:
    """:class:`RunError` if the folder of ``run_dir`` has less free space than the run writes
    at its peak: ``best.pt`` and ``last.pt``, a temporary copy while one is replaced, the rest.
    Checkpoints already there will only be replaced, so they count as space the run has."""
    one = checkpoint_bytes(cfg, n_train)
    there = sum(1 for name in ("best", "last") if (run_dir / f"{name}.pt").is_file())
    needed = (3 - there) * one + EXTRA_FILES
    folder = next((p for p in (run_dir, *run_dir.parents) if p.is_dir()), None)
    if folder is None:
        return
    usage = shutil.disk_usage(folder)
    free = usage.free
    if usage.total and free < needed:  # (a total of 0: /proc and the like, not a disk)
        raise RunError(f"{folder} has {size(free)} free, and this run needs about "
                       f"{size(needed)} (two checkpoints of {size(one)}, a temporary copy while "
                       "one is replaced, and the small files): free some space or choose an "
                       "--out on another disk. Nothing was written.")


def size(n: float) -> str:
    """Bytes for a reader: ``1.5 MB``, ``3.2 TB``."""
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} PB"
