"""Data parallelism: ``torchrun --nproc_per_node=N -m nnnotes.train ...`` trains one model in N
processes.

Every process (a *rank*) holds the whole model and the whole training set, shuffles it in the
same order (the same seed), and trains on its own slice of each mini-batch:
``DistributedDataParallel`` all-reduces the gradients during ``backward()``, so every rank
takes the same step, the step of the whole mini-batch. ``--batch-size`` is the mini-batch of
all ranks together, so a run with N processes computes what one process computes (to rounding;
``tests/train/test_distributed.py``). Rank 0 alone owns the run directory (its lock, the
checkpoints, ``history.csv``, the figures) and prints; the others decide nothing on their own:
what rank 0 found (an error before training, a failed write) is sent to all of them
(:meth:`World.agree`), and the losses and a Ctrl-C are all-reduced every few steps, so every
rank stops at the same step.

Outside torchrun, :func:`current` is a world of one process and nothing here does anything.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

import torch

from nnnotes import errors
from nnnotes.errors import NnnotesError

T = TypeVar("T")


class World:
    """The processes of a run: ``rank`` (this one) of ``size``."""

    def __init__(self, rank: int = 0, size: int = 1, local_rank: int = 0) -> None:
        self.rank, self.size, self.local_rank = rank, size, local_rank

    @property
    def main(self) -> bool:
        """Rank 0: the process that writes and prints."""
        return self.rank == 0

    def shard(self, start: int, stop: int) -> tuple[int, int]:
        """This rank's part ``[a, b)`` of the mini-batch ``[start, stop)`` of the epoch's order."""
        n = stop - start
        return start + n * self.rank // self.size, start + n * (self.rank + 1) // self.size

    def device(self, device: torch.device) -> torch.device:
        """One GPU per rank (``LOCAL_RANK``); the CPU is shared."""
        if device.type == "cuda" and self.size > 1:
            return torch.device("cuda", self.local_rank)
        return device

    def start(self, device: torch.device) -> None:
        """Join the process group: gloo on the CPU, NCCL on CUDA."""
        if self.size == 1 or torch.distributed.is_initialized():
            return
        backend = "nccl" if device.type == "cuda" else "gloo"
        if device.type == "cuda":
            torch.cuda.set_device(device)
        torch.distributed.init_process_group(backend, timeout=timedelta(minutes=10))

    def stop(self) -> None:
        if self.size > 1 and torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()

    def wrap(self, model: torch.nn.Module) -> torch.nn.Module:
        """The model that trains: ``DistributedDataParallel`` when there are several ranks."""
        if self.size == 1:
            return model
        from torch.nn.parallel import DistributedDataParallel

        device = next(model.parameters()).device
        return DistributedDataParallel(model, device_ids=[device] if device.type == "cuda"
                                       else None)

    def all_sum(self, t: torch.Tensor) -> torch.Tensor:
        """``t`` summed over all ranks, in place."""
        if self.size > 1:
            torch.distributed.all_reduce(t)
        return t

    def broadcast(self, value: T) -> T:
        """Rank 0's ``value``, on every rank."""
        if self.size == 1:
            return value
        box = [value]
        torch.distributed.broadcast_object_list(box, src=0)
        return box[0]

    def agree(self, error: NnnotesError | None) -> None:
        """Rank 0 tells every rank whether what it just did (alone) failed; each rank raises
        the same error (the others marked ``agreed``: rank 0 prints it, they stay silent)."""
        if self.size == 1:
            if error is not None:
                raise error
            return
        found = self.broadcast(None if error is None else
                               (type(error).__name__, str(error), error.exit_code,
                                getattr(error, "signum", None)))
        if error is not None:
            raise error
        if found is not None:
            raise agreed_error(*found)

    def on_main(self, work: Callable[[], T]) -> T:
        """``work()`` on rank 0 only, its result (or its :class:`NnnotesError`) on every rank."""
        if self.size == 1:
            return work()
        result, error = None, None
        if self.main:
            try:
                result = work()
            except NnnotesError as e:
                error = e
        self.agree(error)
        return self.broadcast(result)


def agreed_error(kind: str, message: str, exit_code: int, signum: int | None) -> NnnotesError:
    """The error rank 0 met, on another rank (not printed again)."""
    cls = getattr(errors, kind, NnnotesError)
    e = cls(message, signum) if cls is errors.Interrupted else cls(message)
    e.exit_code, e.agreed = exit_code, True
    return e


_WORLD: World | None = None


def current() -> World:
    """The world of this process: torchrun's (``WORLD_SIZE``, ``RANK``, ``LOCAL_RANK``), else
    a world of one."""
    global _WORLD
    if _WORLD is None:
        env = os.environ
        size = int(env.get("WORLD_SIZE", "1") or 1)
        _WORLD = World(int(env.get("RANK", "0") or 0), size,
                       int(env.get("LOCAL_RANK", "0") or 0)) if size > 1 else World()
    return _WORLD


def rank() -> int:
    """This process's rank, without importing torch (0 outside torchrun)."""
    return int(os.environ.get("RANK", "0") or 0) if int(os.environ.get("WORLD_SIZE", "1") or 1) \
        > 1 else 0
