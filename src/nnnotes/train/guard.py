"""The divergence guard's data: each step's loss stays on the device until it is read.

The rule itself (:meth:`nnnotes.train.loop.Trainer.diverged`) is checked on the CPU, for every
step, in order; what changes is *when*: every ``READ_EVERY`` steps, at the end of an epoch,
and before anything is saved. A run stops with the same message, at the same step, and with
the same files on disk as if every step had been checked at once: the steps taken after the
bad one changed only the weights in memory, which a diverged run never saves.
"""

from __future__ import annotations

import torch

from nnnotes.train.distributed import World

READ_EVERY = 32  # steps between two reads of the losses from the device


class LossWindow:
    """The last steps' losses and counts of correct predictions, kept on the device.

    A step only writes two numbers into a device tensor: no ``.item()``, nothing the CPU waits
    for (on a GPU, ``.item()`` every step makes the CPU wait for each step to finish).
    :meth:`read` copies the window to the CPU at once. With several processes the window is
    all-reduced first (each slot becomes the whole mini-batch's sum), along with each
    process's pending signal, so all of them see the same losses and stop at the same step."""

    def __init__(self, device: torch.device, world: World) -> None:
        self.world, self.size = world, READ_EVERY
        self.values = torch.zeros(2 * READ_EVERY + world.size, device=device)
        self.pending: list[tuple[int, int, float]] = []
        self.stop: int | None = None  # a signal some process got (several processes)
        self.signum: int | None = None  # this process's, to be sent at the next read

    @property
    def full(self) -> bool:
        return len(self.pending) == self.size

    def add(self, step: int, n: int, lr: float, loss_sum: torch.Tensor,
            right: torch.Tensor) -> None:
        k = len(self.pending)
        self.values[k] = loss_sum
        self.values[self.size + k] = right.sum()
        self.pending.append((step, n, lr))

    def read(self) -> list[tuple[int, int, float, float, int]]:
        """``(step, batch size, lr, loss sum, correct)`` of each pending step, in order."""
        if self.world.size > 1:
            self.values[2 * self.size:] = 0
            self.values[2 * self.size + self.world.rank] = self.signum or 0
            self.world.all_sum(self.values)
        elif not self.pending:
            return []
        values = self.values.tolist()  # the one copy to the CPU (and wait)
        signals = [int(v) for v in values[2 * self.size:] if v]
        if signals and self.stop is None:
            self.stop = signals[0]
        rows = [(step, n, lr, values[k], round(values[self.size + k]))
                for k, (step, n, lr) in enumerate(self.pending)]
        self.pending.clear()
        return rows

    def agree_on_stop(self, signum: int | None) -> int | None:
        """Between two epochs: the signal any process got (this one's, alone)."""
        if self.world.size == 1:
            return signum
        self.signum = signum
        self.read()
        return self.stop
