"""The command line: ``python -m nnnotes.train`` (also ``nnnotes-train``).

Options the user typed are known from the parser itself: every option's default is
``argparse.SUPPRESS``, so ``parse`` returns exactly the typed ones, and :class:`Config` fills in
the rest. ``--resume`` passes the typed options to :func:`nnnotes.train.runs.resume` as changes.

This module is light (no torch): ``--help`` and every bad option answer at once, and the
seconds torch takes to load are covered by :class:`~nnnotes.errors.ProgramSignals`, so Ctrl-C
at any moment ends with a message and exit code 130, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import os
from pathlib import Path

from nnnotes import errors
from nnnotes.errors import (EXIT_CODES, EXIT_OK, ExitAtOnceOnSignals, NnnotesError,
                            ProgramSignals)
from nnnotes.train.config import DATASETS, DEFAULT_LR, DEVICE, MAX_SEED, Config


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit code. Every failure is a message on stderr
    (no traceback) with the exit code of :data:`~nnnotes.errors.EXIT_CODES`; only a bug, an
    exception nnnotes does not expect, prints a traceback, and says it is a bug."""
    try:
        typed = parse(argv)
    except SystemExit as e:  # --help, or argparse's own usage error (code 2)
        return int(e.code or 0)
    with ExitAtOnceOnSignals():  # seconds of imports, nothing written yet
        load_libraries()
    with ProgramSignals() as signals:
        try:
            return train(typed)
        except NnnotesError as e:
            signals.ignore_from_now_on()
            return errors.report(e)
        except KeyboardInterrupt as e:  # a second signal may have replaced the first's error
            signals.ignore_from_now_on()
            reported = errors.the_error_reported(e)
            if reported is not None:
                return errors.report(reported)
            return errors.report_interrupted(getattr(e, "signum", 2), "nothing was written")
        except Exception:  # noqa: BLE001 (anything else is a bug: say so)
            signals.ignore_from_now_on()
            if signals.signum is not None:  # a library turned the signal into another error
                return errors.report_interrupted(signals.signum, "the checkpoints already "
                                                 "written are kept")
            return errors.report_bug("nnnotes.train")


def load_libraries() -> None:
    """Import torch and the trainer (seconds). ``torch.optim`` imports ``torch._dynamo`` the
    first time an optimizer is made, two seconds more: that is done here too, while a Ctrl-C
    still ends the process at once (an import interrupted by an exception can be left half
    done by a library that catches everything)."""
    import importlib

    import nnnotes.train.runs  # noqa: F401

    try:
        importlib.import_module("torch._dynamo")
    except ImportError:  # a torch without it: nothing to load early
        pass


def train(typed: dict) -> int:
    """Run or resume as ``typed`` asks (torch is imported here, not at the top)."""
    run_dir = typed.pop("resume", None)
    if run_dir is None:
        cfg = Config(**typed)
        cfg.check()  # before torch loads: a wrong combination answers at once
    from nnnotes.train.outputs import summary
    from nnnotes.train.runs import resume, run

    if run_dir is None:
        metrics, quiet = run(cfg), cfg.quiet
        shown = typed.get("out") or os.path.relpath(cfg.out)  # runs/<dataset>-<date>-<time>
    else:
        metrics, shown = resume(run_dir, typed), run_dir
        quiet = Config.from_dict(json.loads(Path(run_dir, "config.json").read_text())).quiet
    if quiet:  # otherwise the trainer has printed it
        print(summary(metrics, shown), flush=True)
    return EXIT_OK


def parse(argv: list[str] | None) -> dict:
    """The options typed on the command line (only those), by their ``Config`` names."""
    return vars(build_parser().parse_args(argv))


# --- validators: each turns one option's text into a value or a usage error (exit 2) ------
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


def seed(text: str) -> int:
    value = int(text)
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"must be an integer from 0 to {MAX_SEED} (64 bits), "
                                         f"got {text}")
    return value


def device(text: str) -> str:
    if not DEVICE.fullmatch(text):
        raise argparse.ArgumentTypeError(f"must be auto, cpu, cuda, cuda:N or mps, got {text!r}")
    return text


def threads(text: str) -> int:
    value, cores = positive_int(text), os.cpu_count() or 1
    if value > cores:
        raise argparse.ArgumentTypeError(f"must be at most {cores}, the number of CPU cores "
                                         f"here, got {text}")
    return value


def path(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("must be a path, got an empty string")
    return text


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
    """Every option with its help; defaults (shown in the help) come from :class:`Config`."""
    d = Config()
    p = argparse.ArgumentParser(
        prog="python -m nnnotes.train", argument_default=argparse.SUPPRESS,
        description="Train a multi-layer perceptron on MNIST or Fashion-MNIST. The training "
                    "set is split into training and validation; the epoch with the best "
                    "validation accuracy is kept and evaluated once on the test set.",
        epilog="Outputs in the run directory: config.json, history.csv, metrics.json, "
               "curves.png, confusion_matrix.png, misclassified.png, best.pt, last.pt. "
               "Ctrl-C or SIGTERM saves last.pt; continue with --resume RUN_DIR. The run stops "
               "if the loss becomes NaN or infinite or exceeds 100 times its first value. "
               "Evaluate a saved run again with: python -m nnnotes.evaluate RUN_DIR. "
               + EXIT_CODES)
    g = p.add_argument_group("data")
    g.add_argument("--dataset", choices=DATASETS, help=f"which dataset (default: {d.dataset})")
    g.add_argument("--data-dir", type=path,
                   help="folder with the IDX files (or with mnist/ and fashion-mnist/ "
                        "subfolders); downloads go here. Default: $NNNOTES_DATA_DIR, then "
                        "$XDG_CACHE_HOME/nnnotes/data (~/.cache/nnnotes/data), then "
                        "/usr/share/datasets/<dataset>. Stored as an absolute path")
    g.add_argument("--no-download", dest="download", action="store_false",
                   help="never try to download a missing dataset")
    g.add_argument("--val-fraction", type=fraction,
                   help="fraction of the training set held out for validation "
                        f"(default: {d.val_fraction})")
    g.add_argument("--train-size", type=positive_int,
                   help="use only the first N training images (quick experiments and tests)")
    g = p.add_argument_group("model")
    g.add_argument("--hidden", type=hidden_sizes,
                   help="hidden layer sizes, comma-separated; input 784 and output 10 are added "
                        "(default: " + ",".join(map(str, d.hidden)) + ")")
    g.add_argument("--dropout", type=rate,
                   help="Dropout probability after every hidden ReLU (default: 0, none)")
    g.add_argument("--batchnorm", action="store_true", help="BatchNorm1d before every hidden ReLU")
    g.add_argument("--augment", choices=["none", "shift", "flip"],
                   help="data augmentation of the training batches, drawn anew every epoch: "
                        "none; shift (move each image by a random 0-2 pixels in each "
                        "direction); or flip (mirror a random half of the images left to "
                        f"right) (default: {d.augment})")
    g = p.add_argument_group("optimization")
    g.add_argument("--epochs", type=positive_int, help=f"number of epochs (default: {d.epochs})")
    g.add_argument("--batch-size", type=positive_int,
                   help=f"mini-batch size (default: {d.batch_size})")
    g.add_argument("--optimizer", choices=list(DEFAULT_LR),
                   help=f"sgd, momentum (SGD with momentum 0.9), adam or adamw "
                        f"(default: {d.optimizer})")
    g.add_argument("--lr", type=positive_float,
                   help="learning rate (default: " +
                        ", ".join(f"{k} {v:g}" for k, v in DEFAULT_LR.items()) + ")")
    g.add_argument("--weight-decay", type=non_negative_float,
                   help=f"weight decay (default: {d.weight_decay})")
    g.add_argument("--schedule", choices=["constant", "cosine"],
                   help="learning rate schedule: constant, or cosine decay to 0 over the run "
                        f"(default: {d.schedule})")
    g.add_argument("--warmup", type=non_negative_float,
                   help="epochs (may be fractional) of linear learning rate warm-up from 0 "
                        f"before the schedule starts (default: {d.warmup}, none)")
    g.add_argument("--label-smoothing", type=rate,
                   help="label smoothing of the cross-entropy targets, in [0, 1) "
                        f"(default: {d.label_smoothing}, none)")
    g.add_argument("--seed", type=seed,
                   help=f"random seed for weights, split, batch order and dropout "
                        f"(default: {d.seed})")
    g = p.add_argument_group("run")
    g.add_argument("--device", type=device,
                   help="auto (CUDA, then Apple MPS, then CPU), cpu, cuda, cuda:1 or mps "
                        f"(default: {d.device})")
    g.add_argument("--threads", type=threads,
                   help="CPU threads for PyTorch, at most the number of cores (default: "
                        "PyTorch's choice)")
    g.add_argument("--out", type=path,
                   help="run directory: a new or empty folder, owned by this process while it "
                        "runs (default: runs/<dataset>-<date>-<time>, a name no other run has)")
    g.add_argument("--resume", metavar="RUN_DIR", type=path,
                   help="continue the run in RUN_DIR from its most advanced checkpoint. Its "
                        "saved options are used; --epochs (train to a new total), --device, "
                        "--threads, --data-dir, --no-download, --quiet and --no-figures may "
                        "change, and each change is reported; any other option typed must "
                        "equal the run's own")
    g.add_argument("--no-figures", dest="figures", action="store_false",
                   help="skip the PNG figures (redraw them later with nnnotes.evaluate)")
    g.add_argument("--quiet", action="store_true",
                   help="no progress bar and no per-epoch lines; only the final line")
    return p
