"""Train an MLP on MNIST or Fashion-MNIST: ``python -m nnnotes.train --help``.

The program in the order it runs, one module per part:

* :mod:`~nnnotes.train.cli`: the command line, its validators and exit codes; ``main()``;
* :mod:`~nnnotes.train.config`: :class:`Config`, everything that defines a run;
* :mod:`~nnnotes.train.runs`: :func:`run` starts a run directory, :func:`resume` continues one;
* :mod:`~nnnotes.train.rundir`: the run directory's lock, its name, what a kill leaves in it;
* :mod:`~nnnotes.train.checks`: sizes, memory and disk space, checked before training starts;
* :mod:`~nnnotes.train.optimization`: the device and threads, the optimizer, the schedule;
* :mod:`~nnnotes.train.batches`: the IDX files decoded once (:mod:`nnnotes.data`), split into
  training and validation, standardised, augmented per batch;
* :mod:`~nnnotes.train.loop`: :class:`Trainer`: ``model.train()``, one optimizer step per
  mini-batch, the loss read with ``.item()`` (a number, not a graph), validation in
  ``model.eval()`` and ``torch.inference_mode()`` after every epoch, ``best.pt`` and ``last.pt``,
  the test set once at the end, on the best epoch's model;
* :mod:`~nnnotes.train.outputs`: ``history.csv`` and the final line.

Outputs in the run directory: ``config.json``, ``history.csv``, ``metrics.json``,
``curves.png``, ``confusion_matrix.png``, ``misclassified.png``, ``best.pt``, ``last.pt``.
"""

__all__ = ["Config", "Diverged", "Interrupted", "Locked", "RunError", "Trainer", "main",
           "read_history", "resume", "run"]


def __getattr__(name: str) -> object:
    """Everything loads on first use: ``python -m nnnotes.train`` imports this package before
    its ``__main__`` can take care of Ctrl-C, so the package itself imports nothing, and
    ``--help`` or a bad option answer without loading torch."""
    if name in ("Diverged", "Interrupted", "Locked", "RunError"):
        from nnnotes import errors
        return getattr(errors, name)
    if name == "Config":
        from nnnotes.train.config import Config
        return Config
    if name == "main":
        from nnnotes.train.cli import main
        return main
    if name == "Trainer":
        from nnnotes.train.loop import Trainer
        return Trainer
    if name == "read_history":
        from nnnotes.train.outputs import read_history
        return read_history
    if name in ("run", "resume"):
        from nnnotes.train import runs
        return getattr(runs, name)
    raise AttributeError(f"module 'nnnotes.train' has no attribute {name!r}")
