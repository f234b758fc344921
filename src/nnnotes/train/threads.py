"""How many CPU threads a run uses: a fixed ``--threads N``, or chosen from what is free.

On a quiet machine two threads make an epoch of the default MLP about 1.7 times as fast as one.
When another program keeps a core busy, the two threads of PyTorch's thread pool wait for each
other at every operation, and an epoch became *seventy* times slower in the issue's
measurement, while one thread on the free core ran at its normal speed. So without
``--threads`` the trainer measures instead of guessing:

* :func:`probe` times a small matrix product with one thread and with all of them, and keeps
  all only if they are clearly faster (about 20 ms);
* :class:`ThreadGovernor` probes again whenever a window of training steps takes much longer
  than the fastest window seen with the current count (someone started using a core), and,
  while it uses fewer threads than there are cores, every few seconds (a core came free).
"""

from __future__ import annotations

import os
import time

import torch

WINDOW = 16  # training steps per timed window
SLOWER = 1.5  # a window this much slower than the best one with the same count: probe again
RECHECK_SECONDS = 3.0  # with fewer threads than cores: probe again this often


def cores() -> int:
    """The CPU cores this process may run on (its affinity mask, else the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def probe(max_threads: int | None = None, n: int = 192, reps: int = 6) -> int:
    """The thread count to use now: ``max_threads`` if a ``n x n`` matrix product runs clearly
    faster with them than with one thread (under 0.75 of its time), else 1. Sets it."""
    max_threads = max_threads or cores()
    if max_threads <= 1:
        torch.set_num_threads(1)
        return 1
    a, b, out = torch.randn(n, n), torch.randn(n, n), torch.empty(n, n)

    def trial(threads: int, budget: float) -> float:
        torch.set_num_threads(threads)
        torch.mm(a, b, out=out)  # wake the pool
        best, start = float("inf"), time.perf_counter()
        for _ in range(3):
            t = time.perf_counter()
            for _ in range(reps):
                torch.mm(a, b, out=out)
                if time.perf_counter() - start > budget:  # already lost: stop
                    return max(best if best < float("inf") else 0.0, time.perf_counter() - t)
            best = min(best, time.perf_counter() - t)
        return best

    one = trial(1, float("inf"))
    many = trial(max_threads, 3 * one)  # at most about as long as the one-thread trial
    choice = max_threads if many < 0.75 * one else 1
    torch.set_num_threads(choice)
    return choice


class ThreadGovernor:
    """Call :meth:`step` after every training step (CPU runs without ``--threads``)."""

    def __init__(self, max_threads: int | None = None) -> None:
        self.max_threads = max_threads or cores()
        self.threads = probe(self.max_threads)
        self.best: dict[int, float] = {}
        self.probes, self.count = 1, 0
        self.started = self.checked = time.perf_counter()

    def restart(self) -> None:
        """A new epoch begins (validation in between is not timed)."""
        self.count, self.started = 0, time.perf_counter()

    def step(self) -> None:
        self.count += 1
        if self.count < WINDOW:
            return
        now = time.perf_counter()
        took, self.count = now - self.started, 0
        best = self.best.get(self.threads, float("inf"))
        self.best[self.threads] = min(best, took)
        recheck = self.threads < self.max_threads and now - self.checked > RECHECK_SECONDS
        if took > SLOWER * best or recheck:
            self.threads = probe(self.max_threads)
            self.probes += 1
            self.checked = time.perf_counter()
        self.started = time.perf_counter()
