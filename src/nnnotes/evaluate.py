"""Evaluation: loss, accuracy and confusion matrix of a model, and of a saved run.

``python -m nnnotes.evaluate RUN_DIR`` evaluates a run's best checkpoint on the test set again,
without training, and rewrites its figures.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from nnnotes import checkpoint, data
from nnnotes.errors import NnnotesError
from nnnotes.models import MLP


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

        plots.save(plots.plot_confusion(matrix, classes), out_dir / "confusion_matrix.png")
        plots.save(plots.plot_misclassified(images, predicted, labels, classes),
                   out_dir / "misclassified.png")
    return {"test_loss": round(loss, 6), "test_acc": round(acc, 6),
            "test_errors": int((predicted != labels).sum()),
            "per_class_acc": {c: round(a, 4) for c, a in zip(classes, per_class)},
            "confusion_matrix": matrix.tolist()}


def model_from_checkpoint(state: dict) -> nn.Module:
    """Rebuild the MLP a checkpoint was trained with and load its weights."""
    cfg = state["config"]
    model = MLP.for_images(cfg["hidden"], dropout=cfg["dropout"], batchnorm=cfg["batchnorm"])
    model.load_state_dict(state["model"])
    return model


def evaluate_run(run_dir: str | Path, which: str = "best", data_dir: str | None = None) -> dict:
    """Evaluate checkpoint ``which`` of a run on the test set; rewrite the run's figures."""
    run_dir = Path(run_dir)
    state = checkpoint.load(run_dir / f"{which}.pt")
    cfg = state["config"]
    images, labels = data.load(cfg["dataset"], "test", data_dir or cfg["data_dir"])
    mean, std = state["normalization"]
    metrics = report(model_from_checkpoint(state), images, labels,
                     list(data.CLASSES[cfg["dataset"]]), mean, std, run_dir)
    if state["history"]:
        from nnnotes import plots

        plots.save(plots.plot_history(state["history"]), run_dir / "curves.png")
    metrics = {"checkpoint": which, "epoch": state["epoch"], **metrics}
    checkpoint.write_json(run_dir / f"evaluation-{which}.json", metrics)
    return metrics


def main(argv: list[str] | None = None) -> int:
    """Command line: evaluate a saved run again. Returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m nnnotes.evaluate",
        description="Evaluate a saved training run on the test set again, without training: "
                    "prints the metrics, writes evaluation-<checkpoint>.json and redraws "
                    "curves.png, confusion_matrix.png and misclassified.png in RUN_DIR.")
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a directory written by nnnotes.train")
    parser.add_argument("--checkpoint", choices=["best", "last"], default="best",
                        help="which checkpoint to evaluate (default: best)")
    parser.add_argument("--data-dir", help="where the dataset is (default: as when trained)")
    args = parser.parse_args(argv)
    try:
        m = evaluate_run(args.run_dir, args.checkpoint, args.data_dir)
    except NnnotesError as e:
        print(f"error: {e}", file=sys.stderr)
        return e.exit_code
    print(f"{args.checkpoint} checkpoint (epoch {m['epoch']}): test loss {m['test_loss']:.4f}  "
          f"test accuracy {m['test_acc']:.4f}  ({m['test_errors']} errors)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
