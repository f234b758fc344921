"""Train an MLP on MNIST or Fashion-MNIST: ``python -m nnnotes.train --help``.

The whole program, part by part:

* data: the IDX files are decoded once into tensors (:mod:`nnnotes.data`), scaled and
  standardized once, split into training and validation sets, and batched in memory with a
  shuffled index per epoch;
* model: :class:`nnnotes.models.MLP`;
* loop: ``model.train()``, one optimizer step per mini-batch, the loss read with ``.item()``
  (a number, not a graph), then ``model.eval()`` and ``torch.inference_mode()`` on the
  validation set after every epoch;
* the best epoch (by validation accuracy) is kept in ``best.pt``; the test set is evaluated
  once, at the end, on that model;
* outputs in the run directory: ``config.json``, ``history.csv``, ``metrics.json``,
  ``curves.png``, ``confusion_matrix.png``, ``misclassified.png``, ``best.pt``, ``last.pt``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from nnnotes import checkpoint, data, evaluate
from nnnotes.models import MLP

DEFAULT_LR = {"sgd": 0.1, "momentum": 0.05, "adam": 4e-3, "adamw": 4e-3}
EXIT_OK, EXIT_USAGE, EXIT_DATA, EXIT_DIVERGED, EXIT_RUN = 0, 2, 3, 4, 5
RESUME_MAY_CHANGE = ("epochs", "quiet", "device", "threads", "data_dir", "download", "figures")
HISTORY_FIELDS = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "seconds")


@dataclass
class Config:
    """Everything that defines a run; saved as ``config.json`` and in every checkpoint."""

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
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.hidden = tuple(self.hidden)
        if self.lr is None:
            self.lr = DEFAULT_LR[self.optimizer]


class RunError(Exception):
    """The run directory or the options do not allow this run."""


class Diverged(Exception):
    """The loss became NaN or infinite."""


class Interrupted(Exception):
    """Training stopped on SIGINT/SIGTERM after saving ``last.pt``."""

    def __init__(self, message: str, signum: int) -> None:
        super().__init__(message)
        self.signum = signum


class StopOnSignal:
    """While active, Ctrl-C (SIGINT) and SIGTERM only set ``signum``; the loop checks it."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self.previous: dict[int, object] = {}

    def handle(self, signum: int, frame: object) -> None:
        self.signum = signum

    def __enter__(self) -> StopOnSignal:
        if _in_main_thread():
            for s in (signal.SIGINT, signal.SIGTERM):
                self.previous[s] = signal.signal(s, self.handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for s, handler in self.previous.items():
            signal.signal(s, handler)


def _in_main_thread() -> bool:
    import threading
    return threading.current_thread() is threading.main_thread()


def choose_device(name: str = "auto") -> torch.device:
    """``auto``: CUDA if available, then Apple MPS, then CPU."""
    if name != "auto":
        try:
            device = torch.device(name)
            torch.empty(1, device=device)
        except (RuntimeError, AssertionError) as e:
            raise RunError(f"device {name!r} is not usable here ({str(e).splitlines()[0]}); "
                           "use --device auto or cpu") from None
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def make_optimizer(model: nn.Module, cfg: Config) -> torch.optim.Optimizer:
    """SGD, SGD with momentum 0.9, Adam or AdamW, with ``cfg.lr`` and ``cfg.weight_decay``."""
    params, lr, wd = model.parameters(), cfg.lr, cfg.weight_decay
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(params, lr=lr, weight_decay=wd)
    if cfg.optimizer == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=wd)
    if cfg.optimizer == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=wd)
    if cfg.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=wd)
    raise RunError(f"unknown optimizer {cfg.optimizer!r}")


def learning_rate(cfg: Config, step: int, total_steps: int, warmup_steps: int = 0) -> float:
    """The learning rate at a global step: a linear warm-up over ``warmup_steps``, then
    constant, or cosine decay to zero at ``total_steps``."""
    if step < warmup_steps:
        return cfg.lr * (step + 1) / warmup_steps
    if cfg.schedule == "cosine":
        progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
        return cfg.lr * 0.5 * (1 + math.cos(math.pi * progress))
    return cfg.lr


def shift_images(x: torch.Tensor, max_shift: int, background: float,
                 generator: torch.Generator) -> torch.Tensor:
    """Translate every 28x28 image of a flattened batch ``[B, 784]`` by its own random offset
    of up to ``max_shift`` pixels in each direction, filling with ``background``.

    One pad and one gather for the whole batch: no per-image Python loop."""
    n, side = len(x), 28
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
    images = x.view(n, 28, 28)
    return torch.where(flip, images.flip(2), images).view(n, -1)


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


class Trainer:
    """One training run: state, loop, checkpoints and outputs in ``run_dir``."""

    def __init__(self, cfg: Config, run_dir: Path,
                 on_step: Callable[[Trainer], None] | None = None,
                 on_epoch_end: Callable[[Trainer], None] | None = None) -> None:
        self.cfg, self.run_dir = cfg, run_dir
        self.on_step, self.on_epoch_end = on_step, on_epoch_end
        self.device = choose_device(cfg.device)
        self.data = prepare(cfg, self.device)
        torch.manual_seed(cfg.seed)  # weights and dropout masks
        self.shuffle = torch.Generator().manual_seed(cfg.seed)  # batch order
        self.augmentation = torch.Generator().manual_seed(cfg.seed + 1)  # shifts, flips
        self.model = MLP((784, *cfg.hidden, 10), cfg.dropout, cfg.batchnorm).to(self.device)
        self.optimizer = make_optimizer(self.model, cfg)
        self.history: list[dict] = []
        self.epoch, self.step = 0, 0  # completed epochs; completed steps of the current one
        self.perm: torch.Tensor | None = None  # this epoch's shuffled order
        self.partial = {"loss_sum": 0.0, "correct": 0, "seen": 0, "seconds": 0.0}
        self.best = {"epoch": 0, "val_acc": -1.0}
        n = len(self.data.y_train)
        if n == 0 or len(self.data.y_val) == 0:
            raise RunError(f"{n} training and {len(self.data.y_val)} validation examples: "
                           "increase --train-size or change --val-fraction")
        self.steps_per_epoch = math.ceil(n / cfg.batch_size)
        self.warmup_steps = round(cfg.warmup * self.steps_per_epoch)

    # --- checkpoints -------------------------------------------------------------------
    def state(self) -> dict:
        """Everything needed to continue exactly from here."""
        return {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                "epoch": self.epoch, "step": self.step, "perm": self.perm,
                "partial": dict(self.partial), "rng": checkpoint.rng_state(self.shuffle),
                "augmentation_rng": self.augmentation.get_state(),
                "config": config_to_dict(self.cfg), "history": self.history,
                "best": dict(self.best), "normalization": [self.data.mean, self.data.std],
                "torch_version": str(torch.__version__)}

    def restore(self, state: dict) -> None:
        """Continue from a :meth:`state` saved earlier."""
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.epoch, self.step, self.perm = state["epoch"], state["step"], state["perm"]
        self.partial, self.best = dict(state["partial"]), dict(state["best"])
        self.history = list(state["history"])
        checkpoint.set_rng_state(state["rng"], self.shuffle)
        if "augmentation_rng" in state:
            self.augmentation.set_state(state["augmentation_rng"])

    def save(self, name: str) -> Path:
        path = self.run_dir / f"{name}.pt"
        checkpoint.save(self.state(), path)
        return path

    # --- the loop ----------------------------------------------------------------------
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
            idx = perm[step * cfg.batch_size:(step + 1) * cfg.batch_size]
            x, y = d.x_train[idx], d.y_train[idx]
            if cfg.augment == "shift":  # background: a black pixel, standardized
                x = shift_images(x, 2, -d.mean / d.std, self.augmentation)
            elif cfg.augment == "flip":
                x = flip_images(x, self.augmentation)
            logits = self.model(x)
            loss = F.cross_entropy(logits, y, label_smoothing=cfg.label_smoothing)
            value = loss.item()  # a Python float: no graph is kept alive by the running sum
            if not math.isfinite(value):
                bar.close()
                raise Diverged(self.diverged_message(value, step, lr))
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()
            self.partial["loss_sum"] += value * len(y)
            self.partial["correct"] += int((logits.argmax(1) == y).sum())
            self.partial["seen"] += len(y)
            self.step = step + 1
            bar.update()
            if self.on_step:
                self.on_step(self)
            if stop.signum is not None and self.step < self.steps_per_epoch:
                self.partial["seconds"] += time.perf_counter() - start
                bar.close()
                self.interrupt(stop.signum)
        bar.close()
        self.partial["seconds"] += time.perf_counter() - start

    def end_epoch(self) -> dict:
        """Validate, record history, save ``best`` (if improved) and ``last``."""
        logits = evaluate.predict(self.model, self.data.x_val)
        val_loss, val_acc = evaluate.loss_and_accuracy(logits, self.data.y_val)
        p = self.partial
        self.epoch += 1
        row = {"epoch": self.epoch, "train_loss": round(p["loss_sum"] / p["seen"], 6),
               "train_acc": round(p["correct"] / p["seen"], 6), "val_loss": round(val_loss, 6),
               "val_acc": round(val_acc, 6), "lr": self.optimizer.param_groups[0]["lr"],
               "seconds": round(p["seconds"], 3)}
        self.history.append(row)
        self.step, self.perm = 0, None
        self.partial = {"loss_sum": 0.0, "correct": 0, "seen": 0, "seconds": 0.0}
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

    def fit(self) -> dict:
        """Train until ``cfg.epochs``, then evaluate the best model on the test set."""
        with StopOnSignal() as stop:
            while self.epoch < self.cfg.epochs:
                self.train_epoch(stop)
                self.end_epoch()
                if self.on_epoch_end:
                    self.on_epoch_end(self)
                if stop.signum is not None and self.epoch < self.cfg.epochs:
                    self.interrupt(stop.signum)
        return self.finish()

    def finish(self) -> dict:
        """Test the best checkpoint once; write metrics and figures."""
        best = checkpoint.load(self.run_dir / "best.pt")
        model = evaluate.model_from_checkpoint(best).to(self.device)
        images, labels = data.load(self.cfg.dataset, "test", self.cfg.data_dir,
                                   download=self.cfg.download)
        figures_dir = self.run_dir if self.cfg.figures else None
        test = evaluate.report(model, images, labels, list(data.CLASSES[self.cfg.dataset]),
                               self.data.mean, self.data.std, figures_dir, self.device)
        metrics = {"dataset": self.cfg.dataset, "epochs": self.epoch,
                   "best_epoch": self.best["epoch"], "best_val_acc": round(self.best["val_acc"], 6),
                   **test}
        checkpoint.write_json(self.run_dir / "metrics.json", metrics)
        if self.cfg.figures:
            from nnnotes import plots  # matplotlib: imported only to draw (it takes ~0.6 s)

            plots.plot_history(self.history).savefig(self.run_dir / "curves.png", dpi=110)
        self.log(f"best epoch {metrics['best_epoch']} (val acc {metrics['best_val_acc']:.4f}): "
                 f"test loss {test['test_loss']:.4f}  test acc {test['test_acc']:.4f}  "
                 f"-> {self.run_dir}", always=self.cfg.extra.get("cli", False))
        return metrics

    # --- messages ----------------------------------------------------------------------
    def interrupt(self, signum: int) -> None:
        path = self.save("last")
        where = f"epoch {self.epoch + 1}, step {self.step}/{self.steps_per_epoch}" if self.step \
            else f"the end of epoch {self.epoch}"
        raise Interrupted(f"interrupted by {signal.Signals(signum).name} at {where}; saved "
                          f"{path}.\nResume with: python -m nnnotes.train --resume {self.run_dir}",
                          signum)

    def diverged_message(self, value: float, step: int, lr: float) -> str:
        last = self.run_dir / "last.pt"
        kept = (f"the last good checkpoint is {last} (epoch {self.epoch})" if last.exists()
                else "no checkpoint was written (it diverged in the first epoch)")
        return (f"the loss became {value} at epoch {self.epoch + 1}, step {step + 1} "
                f"(learning rate {lr:g}): training stopped. Try a lower learning rate, "
                f"e.g. --lr {self.cfg.lr / 10:g}; {kept}.")

    def log(self, message: str, always: bool = False) -> None:
        if always or not self.cfg.quiet:
            print(message, flush=True)


def progress_bar(total: int, initial: int, desc: str, quiet: bool):
    """A tqdm bar on stderr, or a do-nothing stand-in when quiet or not a terminal."""
    from tqdm import tqdm
    disable = quiet or not sys.stderr.isatty()
    return tqdm(total=total, initial=initial, desc=desc, leave=False, disable=disable,
                unit="batch", dynamic_ncols=True)


def write_history(path: Path, history: list[dict]) -> None:
    """Per-epoch history as CSV, atomically."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HISTORY_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(history)
    checkpoint.atomic_write_text(path, buffer.getvalue())


def read_history(path: str | Path) -> list[dict]:
    """history.csv back as a list of dicts of numbers."""
    with open(path, newline="") as f:
        return [{k: (int(v) if k == "epoch" else float(v)) for k, v in row.items()}
                for row in csv.DictReader(f)]


def config_to_dict(cfg: Config) -> dict:
    d = asdict(cfg)
    d["hidden"] = list(cfg.hidden)
    return d


def config_from_dict(d: dict) -> Config:
    names = {f.name for f in fields(Config)}
    return Config(**{k: v for k, v in d.items() if k in names})


def default_run_dir(cfg: Config) -> Path:
    return Path("runs") / f"{cfg.dataset}-{time.strftime('%Y%m%d-%H%M%S')}"


def run(cfg: Config, resume: str | Path | None = None,
        on_step: Callable[[Trainer], None] | None = None,
        on_epoch_end: Callable[[Trainer], None] | None = None) -> dict:
    """Train (or resume) a run and return its final metrics. Raises the errors above."""
    if resume is not None:
        run_dir = Path(resume)
        state = checkpoint.load(run_dir / "last.pt")
        saved = config_from_dict(state["config"])
        for name in RESUME_MAY_CHANGE:
            if name in cfg.extra.get("given", ()):
                setattr(saved, name, getattr(cfg, name))
        cfg = saved
    else:
        run_dir = Path(cfg.out) if cfg.out else default_run_dir(cfg)
        if (run_dir / "last.pt").exists() or (run_dir / "best.pt").exists():
            raise RunError(f"{run_dir} already holds a run: continue it with --resume {run_dir} "
                           "or choose another --out")
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    cfg.out = str(run_dir)
    trainer = Trainer(cfg, run_dir, on_step, on_epoch_end)
    run_dir.mkdir(parents=True, exist_ok=True)
    checkpoint.write_json(run_dir / "config.json", config_to_dict(cfg))
    if resume is not None:
        trainer.restore(state)
        trainer.log(f"resuming {run_dir} at epoch {trainer.epoch + 1}, "
                    f"step {trainer.step}/{trainer.steps_per_epoch}")
    else:
        trainer.log(f"training on {trainer.device}: {len(trainer.data.y_train)} training and "
                    f"{len(trainer.data.y_val)} validation examples of {cfg.dataset} -> {run_dir}")
    return trainer.fit()


# --- command line ----------------------------------------------------------------------
def positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def fraction(text: str) -> float:
    value = float(text)
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (exclusive), got {text}")
    return value


def rate(text: str) -> float:
    """A probability-like rate in [0, 1): Dropout, label smoothing."""
    value = float(text)
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value


def positive_float(text: str) -> float:
    value = float(text)
    if not value > 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def non_negative_float(text: str) -> float:
    value = float(text)
    if not value >= 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a number >= 0, got {text}")
    return value


def hidden_sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(s) for s in text.split(",") if s.strip())
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) <= 0:
        raise argparse.ArgumentTypeError(f"expected comma-separated positive sizes like 128,64, "
                                         f"got {text!r}")
    return sizes


def build_parser() -> argparse.ArgumentParser:
    d = Config()
    p = argparse.ArgumentParser(
        prog="python -m nnnotes.train",
        description="Train a multi-layer perceptron on MNIST or Fashion-MNIST. The training "
                    "set is split into training and validation; the epoch with the best "
                    "validation accuracy is kept and evaluated once on the test set.",
        epilog="Outputs in the run directory: config.json, history.csv, metrics.json, "
               "curves.png, confusion_matrix.png, misclassified.png, best.pt, last.pt. "
               "Ctrl-C or SIGTERM saves last.pt; continue with --resume RUN_DIR. Evaluate a "
               "saved run again with: python -m nnnotes.evaluate RUN_DIR. Exit codes: 0 done, "
               "2 bad option, 3 data missing or corrupt, 4 loss diverged, 5 run directory or "
               "checkpoint problem, 130/143 interrupted (SIGINT/SIGTERM).")
    g = p.add_argument_group("data")
    g.add_argument("--dataset", choices=data.NAMES, default=d.dataset, help="which dataset (default: %(default)s)")
    g.add_argument("--data-dir", default=None,
                   help="folder with the IDX files (or with mnist/ and fashion-mnist/ "
                        "subfolders); downloads go here. Default: $NNNOTES_DATA_DIR, then "
                        f"{data.user_data_dir()}, then /usr/share/datasets/<dataset>")
    g.add_argument("--no-download", dest="download", action="store_false",
                   help="never try to download a missing dataset")
    g.add_argument("--val-fraction", type=fraction, default=d.val_fraction,
                   help="fraction of the training set held out for validation (default: %(default)s)")
    g.add_argument("--train-size", type=positive_int, default=None,
                   help="use only the first N training images (quick experiments and tests)")
    g = p.add_argument_group("model")
    g.add_argument("--hidden", type=hidden_sizes, default=d.hidden,
                   help="hidden layer sizes, comma-separated; input 784 and output 10 are added "
                        "(default: " + ",".join(map(str, d.hidden)) + ")")
    g.add_argument("--dropout", type=rate, default=d.dropout,
                   help="Dropout probability after every hidden ReLU (default: 0, none)")
    g.add_argument("--batchnorm", action="store_true", help="BatchNorm1d before every hidden ReLU")
    g.add_argument("--augment", choices=["none", "shift", "flip"], default=d.augment,
                   help="data augmentation of the training batches, drawn anew every epoch: "
                        "none; shift (move each image by a random 0-2 pixels in each "
                        "direction); or flip (mirror a random half of the images left to "
                        "right) (default: %(default)s)")
    g = p.add_argument_group("optimization")
    g.add_argument("--epochs", type=positive_int, default=d.epochs, help="number of epochs (default: %(default)s)")
    g.add_argument("--batch-size", type=positive_int, default=d.batch_size,
                   help="mini-batch size (default: %(default)s)")
    g.add_argument("--optimizer", choices=list(DEFAULT_LR), default=d.optimizer,
                   help="sgd, momentum (SGD with momentum 0.9), adam or adamw "
                        "(default: %(default)s)")
    g.add_argument("--lr", type=positive_float, default=None,
                   help="learning rate (default: " +
                        ", ".join(f"{k} {v:g}" for k, v in DEFAULT_LR.items()) + ")")
    g.add_argument("--weight-decay", type=float, default=d.weight_decay, help="weight decay (default: %(default)s)")
    g.add_argument("--schedule", choices=["constant", "cosine"], default=d.schedule,
                   help="learning rate schedule: constant, or cosine decay to 0 over the run "
                        "(default: %(default)s)")
    g.add_argument("--warmup", type=non_negative_float, default=d.warmup,
                   help="epochs (may be fractional) of linear learning rate warm-up from 0 "
                        "before the schedule starts (default: %(default)s, none)")
    g.add_argument("--label-smoothing", type=rate, default=d.label_smoothing,
                   help="label smoothing of the cross-entropy targets, in [0, 1) "
                        "(default: %(default)s, none)")
    g.add_argument("--seed", type=int, default=d.seed,
                   help="random seed for weights, split, batch order and dropout "
                        "(default: %(default)s)")
    g = p.add_argument_group("run")
    g.add_argument("--device", default=d.device,
                   help="auto (CUDA, then Apple MPS, then CPU), cpu, cuda, cuda:1 or mps "
                        "(default: %(default)s)")
    g.add_argument("--threads", type=positive_int, default=None,
                   help="CPU threads for PyTorch (default: PyTorch's choice)")
    g.add_argument("--out", default=None,
                   help="run directory (default: runs/<dataset>-<date>-<time>)")
    g.add_argument("--resume", metavar="RUN_DIR", default=None,
                   help="continue the run in RUN_DIR from its last.pt (its saved options are "
                        "used; --epochs, --device, --threads, --data-dir, --quiet, --no-figures may "
                        "change)")
    g.add_argument("--no-figures", dest="figures", action="store_false",
                   help="skip the PNG figures (redraw them later with nnnotes.evaluate)")
    g.add_argument("--quiet", action="store_true",
                   help="no progress bar and no per-epoch lines; only the final line")
    return p


def parse_config(argv: list[str] | None) -> tuple[Config, str | None]:
    parser = build_parser()
    args = parser.parse_args(argv)
    values = vars(args)
    resume = values.pop("resume")
    given = [k for k, v in values.items() if v != parser.get_default(k)]
    cfg = Config(**values, extra={"given": given, "cli": True})
    if resume is not None:
        ignored = [k for k in given if k not in RESUME_MAY_CHANGE]
        if ignored:
            print("note: on --resume the run's saved options are used; ignoring "
                  + ", ".join("--" + k.replace("_", "-") for k in ignored), file=sys.stderr)
    return cfg, resume


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit code (errors are messages, not tracebacks)."""
    try:
        cfg, resume = parse_config(argv)
    except SystemExit as e:  # --help, or argparse's own usage error (code 2)
        return int(e.code or 0)
    try:
        run(cfg, resume)
    except data.DataError as e:
        return fail(e, EXIT_DATA)
    except Diverged as e:
        return fail(e, EXIT_DIVERGED)
    except (RunError, checkpoint.CheckpointError) as e:
        return fail(e, EXIT_RUN)
    except Interrupted as e:
        print(e, file=sys.stderr)
        return 128 + e.signum
    except KeyboardInterrupt:  # outside the training loop (loading data, final evaluation)
        print("interrupted outside the training loop; checkpoints already written are kept",
              file=sys.stderr)
        return 128 + signal.SIGINT
    return EXIT_OK


def fail(error: Exception, code: int) -> int:
    print(f"error: {error}", file=sys.stderr)
    return code


# --- the code shown on the mnist page (inserted at site build, so it is the code that runs) ---
def _source(obj: object, path: str) -> str:
    import inspect
    import textwrap
    code = textwrap.dedent(inspect.getsource(obj)).rstrip()
    return f'```python title="{path}"\n{code}\n```\n'


def markdown_mnist_prepare() -> str:
    return _source(prepare, "src/nnnotes/train.py")


def markdown_mnist_train_epoch() -> str:
    return _source(Trainer.train_epoch, "src/nnnotes/train.py")


def markdown_mnist_end_epoch() -> str:
    return _source(Trainer.end_epoch, "src/nnnotes/train.py")


def markdown_mnist_predict() -> str:
    return _source(evaluate.predict, "src/nnnotes/evaluate.py")


def markdown_mnist_atomic_write() -> str:
    return _source(checkpoint.atomic_write_bytes, "src/nnnotes/checkpoint.py")


def markdown_mnist_signals() -> str:
    return _source(StopOnSignal, "src/nnnotes/train.py")


if __name__ == "__main__":
    sys.exit(main())
