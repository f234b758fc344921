"""Evaluation: loss, accuracy and confusion matrix of a model, and of a saved run.

``python -m nnnotes.evaluate RUN_DIR`` evaluates a run's best checkpoint on the test set again,
without training, and rewrites its figures.
"""

from __future__ import annotations

import argparse
import math
import signal
import sys
from pathlib import Path

from nnnotes import errors

if __name__ == "__main__":  # python -m nnnotes.evaluate: a Ctrl-C while torch loads exits cleanly
    errors.exit_on_signals_while_starting()

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from nnnotes import checkpoint, data  # noqa: E402
from nnnotes.errors import (CheckpointError, NnnotesError, ProgramSignals,  # noqa: E402
                            SignalStop, WriteError)
from nnnotes.models import MLP  # noqa: E402


def predict(model: nn.Module, x: torch.Tensor, batch_size: int = 10_000) -> torch.Tensor:
    """Logits of ``model`` on ``x``, in eval mode and without building a graph."""
    was_training = model.training
    model.eval()  # Dropout off, BatchNorm uses its running statistics
    with torch.inference_mode():
        logits = torch.cat([model(x[i:i + batch_size]) for i in range(0, len(x), batch_size)])
    model.train(was_training)
    return logits


def loss_and_accuracy(logits: torch.Tensor, target: torch.Tensor) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of ``logits`` against ``target``."""
    loss = F.cross_entropy(logits, target).item()
    return loss, accuracy(logits, target)


def accuracy(logits: torch.Tensor, target: torch.Tensor) -> float:
    """The fraction of rows of ``logits`` whose largest entry is at the ``target`` class."""
    return (logits.argmax(1) == target).float().mean().item()


def confusion_matrix(predicted: torch.Tensor, target: torch.Tensor,
                     num_classes: int = 10) -> torch.Tensor:
    """Counts ``[true, predicted]``: row ``i`` says what the examples of class ``i`` became.

    >>> confusion_matrix(torch.tensor([0, 1, 1]), torch.tensor([0, 0, 1]), num_classes=2)
    tensor([[1, 1],
            [0, 1]])
    """
    flat = target.long() * num_classes + predicted.long()
    return torch.bincount(flat.cpu(), minlength=num_classes ** 2).reshape(num_classes, num_classes)


def normalize(images: torch.Tensor, mean: float, std: float) -> torch.Tensor:
    """``uint8 [N, 28, 28]`` images to ``float32 [N, 784]``, scaled to [0, 1] then standardized."""
    x = images.reshape(len(images), -1).float().div_(255)
    return x.sub_(mean).div_(std)


def report(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, classes: list[str],
           mean: float, std: float, out_dir: Path | None = None,
           device: torch.device | str = "cpu") -> dict:
    """Test metrics of ``model``; with ``out_dir``, also write the confusion and error figures."""
    logits = predict(model, normalize(images, mean, std).to(device)).cpu()
    loss, acc = loss_and_accuracy(logits, labels)
    predicted = logits.argmax(1)
    matrix = confusion_matrix(predicted, labels, len(classes))
    per_class = (matrix.diag() / matrix.sum(1).clamp(min=1)).tolist()
    if out_dir is not None:
        from nnnotes import plots  # matplotlib: imported only to draw (it takes ~0.6 s)

        checkpoint.write_figure(plots.plot_confusion(matrix, classes),
                                out_dir / "confusion_matrix.png", plots.DPI)
        checkpoint.write_figure(plots.plot_misclassified(images, predicted, labels, classes),
                                out_dir / "misclassified.png", plots.DPI)
    return {"test_loss": round(loss, 6), "test_acc": round(acc, 6),
            "test_errors": int((predicted != labels).sum()),
            "per_class_acc": {c: round(a, 4) for c, a in zip(classes, per_class)},
            "confusion_matrix": matrix.tolist()}


def model_from_checkpoint(state: dict, path: str | Path = "the checkpoint") -> nn.Module:
    """Rebuild the MLP a checkpoint was trained with and load its weights
    (:class:`CheckpointError` if they do not fit the architecture its config describes)."""
    cfg = state["config"]
    try:
        model = MLP.for_images(cfg["hidden"], dropout=cfg["dropout"], batchnorm=cfg["batchnorm"])
    except (KeyError, TypeError, ValueError) as e:
        raise CheckpointError(f"{path} has no usable model description in its config "
                              f"({type(e).__name__}: {e}); it is not an nnnotes checkpoint"
                              ) from None
    try:
        model.load_state_dict(state["model"])
    except (RuntimeError, TypeError, AttributeError) as e:
        first = str(e).strip().splitlines()
        detail = first[1].strip() if len(first) > 1 else (first[0] if first else type(e).__name__)
        sizes = "-".join(map(str, model.sizes))
        raise CheckpointError(f"{path}: its weights do not fit the {sizes} MLP its config "
                              f"describes ({detail}); the file was not written by nnnotes.train "
                              "or was changed afterwards") from None
    return model


def normalization(state: dict, path: Path) -> tuple[float, float]:
    """The mean and standard deviation a checkpoint's run standardised its images with."""
    value = state["normalization"]
    if (isinstance(value, (list, tuple)) and len(value) == 2
            and all(isinstance(v, (int, float)) and math.isfinite(v) for v in value)
            and value[1] > 0):
        return float(value[0]), float(value[1])
    raise CheckpointError(f"{path}: its normalization is {value!r}, expected [mean, std] with "
                          "std > 0; it is not an nnnotes checkpoint")


def evaluate_run(run_dir: str | Path, which: str = "best", data_dir: str | None = None) -> dict:
    """Evaluate checkpoint ``which`` of a run on the test set; rewrite the run's figures."""
    run_dir = Path(run_dir)
    path = run_dir / f"{which}.pt"
    if not run_dir.is_dir():
        what = "it is not a directory" if run_dir.exists() else "it does not exist"
        raise CheckpointError(f"no run at {run_dir}: {what}; RUN_DIR is a directory written by "
                              "nnnotes.train (its --out)")
    try:
        state = checkpoint.load(path, checkpoint.FOR_EVALUATION)
        cfg = state["config"]
        if cfg.get("dataset") not in data.NAMES:
            raise CheckpointError(f"{path}: its config names no known dataset "
                                  f"({cfg.get('dataset')!r}); it is not an nnnotes checkpoint")
        model = model_from_checkpoint(state, path)
        mean, std = normalization(state, path)
    except CheckpointError as e:
        other = "last" if which == "best" else "best"
        raise CheckpointError(f"{e}. nnnotes.evaluate reads the {which}.pt that nnnotes.train "
                              f"wrote in the run directory (or, with --checkpoint {other}, its "
                              f"{other}.pt)") from None
    images, labels = data.load(cfg["dataset"], "test", data_dir or cfg.get("data_dir"))
    try:
        metrics = report(model, images, labels, list(data.CLASSES[cfg["dataset"]]), mean, std,
                         run_dir)
        if state["history"]:
            from nnnotes import plots

            checkpoint.write_figure(plots.plot_history(state["history"]),
                                    run_dir / "curves.png", plots.DPI)
        metrics = {"checkpoint": which, "epoch": state["epoch"], **metrics}
        checkpoint.write_json(run_dir / f"evaluation-{which}.json", metrics)
    except WriteError as e:
        raise WriteError(f"{e}; nnnotes.evaluate writes its results and figures into the run "
                         "directory: make it writable or free some space (the checkpoints are "
                         "untouched)", e.path, e.errno) from None
    return metrics


def main(argv: list[str] | None = None) -> int:
    """Command line: evaluate a saved run again. Returns the exit code (errors are one
    paragraph on stderr, never a traceback, except for a bug)."""
    with ProgramSignals() as signals:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as e:  # --help, or a usage error (code 2)
            return int(e.code or 0)
        try:
            m = evaluate_run(args.run_dir, args.checkpoint, args.data_dir)
        except NnnotesError as e:
            signals.ignore_from_now_on()
            return errors.report(e)
        except SignalStop as e:
            signals.ignore_from_now_on()
            return errors.report_interrupted(e.signum, UNTOUCHED)
        except Exception:  # noqa: BLE001
            signals.ignore_from_now_on()
            if signals.signum is not None:  # a library turned the signal into another error
                return errors.report_interrupted(signals.signum, UNTOUCHED)
            return errors.report_bug("nnnotes.evaluate")
        print(f"{args.checkpoint} checkpoint (epoch {m['epoch']}): test loss {m['test_loss']:.4f}"
              f"  test accuracy {m['test_acc']:.4f}  ({m['test_errors']} errors)", flush=True)
        return 0


UNTOUCHED = "the checkpoints are untouched and every file already rewritten is complete"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m nnnotes.evaluate",
        description="Evaluate a saved training run on the test set again, without training: "
                    "prints the metrics, writes evaluation-<checkpoint>.json and redraws "
                    "curves.png, confusion_matrix.png and misclassified.png in RUN_DIR.",
        epilog=errors.EXIT_CODES)
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a directory written by nnnotes.train")
    parser.add_argument("--checkpoint", choices=["best", "last"], default="best",
                        help="which checkpoint to evaluate (default: best)")
    parser.add_argument("--data-dir", help="where the dataset is (default: as when trained)")
    return parser


if __name__ == "__main__":
    code = main()
    for s in ProgramSignals.SIGNALS:  # done: a late Ctrl-C changes nothing any more
        signal.signal(s, signal.SIG_IGN)
    sys.exit(code)
