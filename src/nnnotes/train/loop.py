"""The training loop: :class:`Trainer` runs epochs of mini-batch steps, validates after each,
keeps the best and the last checkpoint, and stops cleanly on Ctrl-C, SIGTERM, a diverging loss
or a failed write (the message says what is on disk and how to continue).

Read it in the order it runs: ``Trainer(...)`` (set-up), :meth:`Trainer.fit` (the epochs),
:meth:`Trainer.train_epoch` (the steps), :meth:`Trainer.end_epoch` (validation, checkpoints),
:meth:`Trainer.finish` (the test set, once). The data, the device and the run directory come
ready from :mod:`nnnotes.train.runs`, which checked them before any training.
"""

from __future__ import annotations

import math
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from nnnotes import checkpoint, data, evaluate
from nnnotes.errors import (CheckpointError, Diverged, Interrupted, ProgramSignals, RunError,
                            WriteError)
from nnnotes.models import MLP
from nnnotes.train.batches import Dataset, augment, steps_per_epoch
from nnnotes.train.config import DEFAULT_LR, Config
from nnnotes.train.optimization import learning_rate, make_optimizer
from nnnotes.train.outputs import summary, write_history

Callback = Callable[["Trainer"], None]
DIVERGENCE_FACTOR = 100  # a loss this many times its starting value means the run diverged


class StopOnSignal:
    """While active, Ctrl-C (SIGINT) and SIGTERM only set ``signum``; the loop checks it."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self.previous: dict[int, object] = {}

    def handle(self, signum: int, frame: object) -> None:
        self.signum = signum

    def __enter__(self) -> StopOnSignal:
        if threading.current_thread() is threading.main_thread():
            for s in (signal.SIGINT, signal.SIGTERM):
                self.previous[s] = signal.signal(s, self.handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for s, handler in self.previous.items():
            if self.signum is not None and isinstance(getattr(handler, "__self__", None),
                                                      ProgramSignals):
                handler.__self__.stopping(self.signum)  # the command line: ignore the rest
            signal.signal(s, handler)


@dataclass
class EpochTotals:
    """Running sums over the steps of the current epoch (saved mid-epoch, to resume exactly)."""

    loss_sum: float = 0.0
    correct: int = 0
    seen: int = 0
    seconds: float = 0.0


class Trainer:
    """One training run: state, loop, checkpoints and outputs in ``run_dir``."""

    def __init__(self, cfg: Config, run_dir: Path, device: torch.device, data: Dataset,
                 test: tuple[torch.Tensor, torch.Tensor], on_step: Callback | None = None,
                 on_epoch_end: Callback | None = None, shown: Path | None = None) -> None:
        self.cfg, self.run_dir, self.shown = cfg, run_dir, shown or run_dir  # shown: as typed
        self.on_step, self.on_epoch_end = on_step, on_epoch_end
        self.device, self.data, self.test = device, data, test
        torch.manual_seed(cfg.seed)  # weights and dropout masks
        self.shuffle = torch.Generator().manual_seed(cfg.seed)  # batch order
        self.augmentation = torch.Generator().manual_seed((cfg.seed + 1) % 2**64)  # shifts, flips
        self.model = MLP.for_images(cfg.hidden, cfg.dropout, cfg.batchnorm).to(self.device)
        self.optimizer = make_optimizer(self.model, cfg)
        self.history: list[dict] = []
        self.epoch, self.step = 0, 0  # completed epochs; completed steps of the current one
        self.perm: torch.Tensor | None = None  # this epoch's shuffled order
        self.totals = EpochTotals()
        self.best = {"epoch": 0, "val_acc": -1.0}
        self.first_loss: float | None = None  # the divergence rule's reference
        self.on_disk: dict[str, str] = {}  # what each checkpoint file on disk holds, in words
        self.steps_per_epoch = steps_per_epoch(len(self.data.y_train), cfg.batch_size)
        self.warmup_steps = round(cfg.warmup * self.steps_per_epoch)

    # --- the loop, in the order it runs -------------------------------------------------
    def fit(self) -> None:
        """Train until ``cfg.epochs`` (:meth:`finish` then tests the best model)."""
        stop = StopOnSignal()
        try:
            with stop:
                while self.epoch < self.cfg.epochs:
                    self.train_epoch(stop)
                    self.end_epoch()
                    if self.on_epoch_end:
                        self.on_epoch_end(self)
                    if stop.signum is not None and self.epoch < self.cfg.epochs:
                        self.interrupt(stop.signum)
        except WriteError as e:
            what = (f"{self.what_is_on_disk()} Files are replaced only once completely "
                    f"written, so these are intact. Free some space or fix the folder, then "
                    f"continue with: {self.resume_command()}")
            if stop.signum is not None:  # Ctrl-C came too: it is what the user did
                raise Interrupted(f"interrupted by {signal.Signals(stop.signum).name}, and "
                                  f"{e}. {what}", stop.signum) from None
            raise RunError(f"{e}. Training stopped. {what}") from None

    def train_epoch(self, stop: StopOnSignal) -> None:
        """Run the remaining steps of the current epoch (all of them unless resumed)."""
        cfg, d = self.cfg, self.data
        if self.perm is None:
            self.perm = torch.randperm(len(d.y_train), generator=self.shuffle)
        perm = self.perm.to(self.device)
        total = cfg.epochs * self.steps_per_epoch
        bar = progress_bar(self.steps_per_epoch, self.step, f"epoch {self.epoch + 1}", cfg.quiet)
        start = time.perf_counter()
        self.model.train()  # Dropout on, BatchNorm uses (and updates) batch statistics
        for step in range(self.step, self.steps_per_epoch):
            lr = learning_rate(cfg, self.epoch * self.steps_per_epoch + step, total,
                               self.warmup_steps)
            for group in self.optimizer.param_groups:
                group["lr"] = lr
            last = step + 1 == self.steps_per_epoch  # the last batch takes what is left
            idx = perm[step * cfg.batch_size:None if last else (step + 1) * cfg.batch_size]
            x = augment(d.x_train[idx], cfg.augment, d, self.augmentation)
            y = d.y_train[idx]
            logits = self.model(x)
            loss = F.cross_entropy(logits, y, label_smoothing=cfg.label_smoothing)
            value = loss.item()  # a Python float: no graph is kept alive by the running sum
            if self.diverged(value):
                bar.close()
                raise Diverged(self.diverged_message(value, step, lr))
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()
            self.totals.loss_sum += value * len(y)
            self.totals.correct += int((logits.argmax(1) == y).sum())
            self.totals.seen += len(y)
            self.step = step + 1
            bar.update()
            if self.on_step:
                self.on_step(self)
            if stop.signum is not None and self.step < self.steps_per_epoch:
                self.totals.seconds += time.perf_counter() - start
                bar.close()
                self.interrupt(stop.signum)
        bar.close()
        self.totals.seconds += time.perf_counter() - start

    def end_epoch(self) -> dict:
        """Validate, record history, save ``best`` (if improved) and ``last``."""
        logits = evaluate.predict(self.model, self.data.x_val)
        val_loss, val_acc = evaluate.loss_and_accuracy(logits, self.data.y_val)
        t = self.totals
        self.epoch += 1
        row = {"epoch": self.epoch, "train_loss": round(t.loss_sum / t.seen, 6),
               "train_acc": round(t.correct / t.seen, 6), "val_loss": round(val_loss, 6),
               "val_acc": round(val_acc, 6), "lr": self.optimizer.param_groups[0]["lr"],
               "seconds": round(t.seconds, 3)}
        self.history.append(row)
        self.step, self.perm, self.totals = 0, None, EpochTotals()
        improved = val_acc > self.best["val_acc"]
        if improved:
            self.best = {"epoch": self.epoch, "val_acc": val_acc}
            self.save("best")
        self.save("last")
        write_history(self.run_dir / "history.csv", self.history)
        self.log(f"epoch {self.epoch:3d}/{self.cfg.epochs}  train loss {row['train_loss']:.4f} "
                 f"acc {row['train_acc']:.4f}  val loss {val_loss:.4f} acc {val_acc:.4f}  "
                 f"{row['seconds']:.2f}s{'  *best' if improved else ''}")
        return row

    def finish(self) -> dict:
        """Test the best checkpoint once (on the test split loaded before training); write
        metrics and figures."""
        best = checkpoint.load(self.run_dir / "best.pt", checkpoint.FOR_EVALUATION)
        model = evaluate.model_from_checkpoint(best, self.run_dir / "best.pt").to(self.device)
        images, labels = self.test
        figures_dir = self.run_dir if self.cfg.figures else None
        try:
            test = evaluate.report(model, images, labels, list(data.CLASSES[self.cfg.dataset]),
                                   self.data.mean, self.data.std, figures_dir, self.device)
            metrics = {"dataset": self.cfg.dataset, "epochs": self.epoch,
                       "best_epoch": self.best["epoch"],
                       "best_val_acc": round(self.best["val_acc"], 6), **test}
            # history.csv again: a kill between last.pt and history.csv left it an epoch short
            write_history(self.run_dir / "history.csv", self.history)
            checkpoint.write_json(self.run_dir / "metrics.json", metrics)
            if self.cfg.figures:
                from nnnotes import plots  # matplotlib: imported only to draw (it takes ~0.6 s)

                checkpoint.write_figure(plots.plot_history(self.history),
                                        self.run_dir / "curves.png", plots.DPI)
        except WriteError as e:
            raise RunError(f"{e}. Training is complete ({self.epoch} epochs) and its checkpoints "
                           f"are saved; only the test results are missing. Free some space or "
                           f"fix the folder, then write them with: {self.resume_command()} "
                           "(it trains nothing more)") from None
        self.log(summary(metrics, self.shown))
        return metrics

    # --- checkpoints -------------------------------------------------------------------
    def state(self) -> dict:
        """Everything needed to continue exactly from here."""
        return {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                "epoch": self.epoch, "step": self.step, "perm": self.perm,
                "partial": asdict(self.totals), "rng": checkpoint.rng_state(self.shuffle),
                "augmentation_rng": self.augmentation.get_state(),
                "config": self.cfg.to_dict(), "history": self.history,
                "best": dict(self.best), "normalization": [self.data.mean, self.data.std],
                "first_loss": self.first_loss, "torch_version": str(torch.__version__)}

    def restore(self, state: dict, source: Path) -> None:
        """Continue from a :meth:`state` saved earlier (in the file ``source``)."""
        try:
            self.model.load_state_dict(state["model"])
            self.optimizer.load_state_dict(state["optimizer"])
            self.epoch, self.step, self.perm = state["epoch"], state["step"], state["perm"]
            self.totals, self.best = EpochTotals(**state["partial"]), dict(state["best"])
            self.history = list(state["history"])
            checkpoint.set_rng_state(state["rng"], self.shuffle)
            if "augmentation_rng" in state:
                self.augmentation.set_state(state["augmentation_rng"])
        except (KeyError, TypeError, ValueError, RuntimeError) as e:
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise CheckpointError(
                f"{source} does not fit the run its config describes ({first}); it was not "
                "written by this run of nnnotes.train, or was changed afterwards") from None
        self.first_loss = state.get("first_loss") or math.log(data.NUM_CLASSES)
        self.on_disk[source.stem] = self.position()

    def save(self, name: str) -> Path:
        path = self.run_dir / f"{name}.pt"
        checkpoint.save(self.state(), path)
        self.on_disk[name] = self.position()
        return path

    def position(self) -> str:
        return (f"epoch {self.epoch + 1}, step {self.step}/{self.steps_per_epoch}" if self.step
                else f"the end of epoch {self.epoch}")

    # --- the divergence rule -----------------------------------------------------------
    def diverged(self, loss: float) -> bool:
        """Whether a mini-batch loss means the run diverged: it is NaN or infinite, or more
        than ``DIVERGENCE_FACTOR`` (100) times the run's first mini-batch loss (about 2.3 with
        10 classes, the loss of a uniform guess): a model that far off does not come back."""
        if self.first_loss is None and math.isfinite(loss):  # (a floor, for a lucky first batch)
            self.first_loss = max(loss, math.log(data.NUM_CLASSES) / 10)
        return not math.isfinite(loss) or loss > DIVERGENCE_FACTOR * self.first_loss

    # --- messages ----------------------------------------------------------------------
    def interrupt(self, signum: int) -> None:
        name, where = signal.Signals(signum).name, self.position()
        try:
            path = self.save("last")
        except WriteError as e:
            raise Interrupted(f"interrupted by {name} at {where}, but last.pt could not be "
                              f"saved: {e}. {self.what_is_on_disk()} Free some space, then "
                              f"continue with: {self.resume_command()}", signum) from None
        raise Interrupted(f"interrupted by {name} at {where}; saved {self.shown / path.name}.\n"
                          f"Resume with: {self.resume_command()}", signum)

    def what_is_on_disk(self) -> str:
        saved = [f"{name}.pt holds {self.on_disk[name]}" for name in ("last", "best")
                 if name in self.on_disk]
        if not saved:
            return (f"No checkpoint was written yet; {self.shown} holds the run's config.json, "
                    "so resuming starts the run again from its beginning.")
        return f"On disk, {' and '.join(saved)}."

    def resume_command(self) -> str:
        return f"python -m nnnotes.train --resume {self.shown}"

    def diverged_message(self, value: float, step: int, lr: float) -> str:
        why = ("is not a number" if math.isnan(value) else "is infinite" if math.isinf(value)
               else f"is more than {DIVERGENCE_FACTOR} times its starting value "
                    f"{self.first_loss:.3g}")
        default = DEFAULT_LR[self.cfg.optimizer]
        lower = default if self.cfg.lr > default else self.cfg.lr / 10
        last = self.on_disk.get("last")
        kept = (f"{self.shown}/last.pt keeps {last}, before it diverged" if last
                else "no checkpoint was written (it diverged in the first epoch)")
        return (f"the loss became {value:.4g} at epoch {self.epoch + 1}, step {step + 1} "
                f"(learning rate {lr:g}), which {why}: training diverged and stopped. Try a "
                f"lower learning rate, e.g. --lr {lower:g}, in a new run (another --out); "
                f"{kept}.")

    def log(self, message: str) -> None:
        if not self.cfg.quiet:
            print(message, flush=True)

    def note(self, message: str) -> None:
        """Something the user should know even with --quiet: on stderr."""
        print(f"note: {message}", file=sys.stderr, flush=True)


def progress_bar(total: int, initial: int, desc: str, quiet: bool):
    """A tqdm bar on stderr, or a do-nothing stand-in when quiet or not a terminal."""
    from tqdm import tqdm
    disable = quiet or not sys.stderr.isatty()
    return tqdm(total=total, initial=initial, desc=desc, leave=False, disable=disable,
                unit="batch", dynamic_ncols=True)
