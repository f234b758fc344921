"""Benchmark: the learner's training loop against ``nnnotes.train`` on the same data.

    NNNOTES_DATA_DIR=../shared/data python bench/train_speed.py [--budget 60]

One invocation runs three fresh processes (so each is timed from its own process start,
imports included):

1. ``learner``: the loop of the learner's notebook: ``torchvision.datasets.FashionMNIST`` with
   ``transforms.ToTensor()``, ``DataLoader(batch_size=64, shuffle=True)``, MLP 784-128-64-10,
   Adam lr 1e-3, ``nn.CrossEntropyLoss``;
2. ``default``: ``nnnotes.train`` with its default options (on Fashion-MNIST);
3. ``best``: ``nnnotes.train`` with the best recipe (chosen on the validation split).

After every epoch the benchmark (not the trainer) measures test accuracy with the clock
stopped, so the times are training time plus start-up, not evaluation. For the trainer the
test accuracy reported at a time is that of the model it keeps (best validation epoch so far);
for the learner's loop, that of its last epoch (it has no validation set). It also times the
matrix multiplications one epoch of the default configuration performs (forward and backward,
same batch size and thread count) and prints the trainer's epoch time as a multiple of it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

BEST_RECIPE = ["--hidden", "512,256", "--dropout", "0.3", "--epochs", "16", "--batch-size", "512",
               "--lr", "2e-3"]  # adam, cosine schedule; the best validation accuracy we found


def seconds_since_process_start() -> float:
    """Wall time since this process started (Linux: /proc), else since this module loaded."""
    try:
        ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return uptime - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.perf_counter() - _MODULE_START


_MODULE_START = time.perf_counter()


class Clock:
    """Time since process start, minus the pauses taken to measure test accuracy."""

    def __init__(self) -> None:
        self.paused = 0.0

    def now(self) -> float:
        return seconds_since_process_start() - self.paused

    def pause(self, seconds: float) -> None:
        self.paused += seconds


def learner(data_dir: Path, budget: float) -> dict:
    """The learner's loop, one epoch after another until ``budget`` seconds have passed."""
    import gzip
    import shutil
    import tempfile

    import torch
    from torch import nn
    from torch.utils.data import DataLoader
    from torchvision import datasets, transforms

    clock = Clock()
    raw = Path(tempfile.mkdtemp()) / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    t = time.perf_counter()
    for gz in (data_dir / "fashion-mnist").glob("*-ubyte.gz"):  # torchvision wants them unpacked
        (raw / gz.stem).write_bytes(gzip.decompress(gz.read_bytes()))
    clock.pause(time.perf_counter() - t)  # not the learner's cost: torchvision would download
    root = str(raw.parent.parent)
    train_set = datasets.FashionMNIST(root, train=True, transform=transforms.ToTensor())
    test_set = datasets.FashionMNIST(root, train=False, transform=transforms.ToTensor())
    loader = DataLoader(train_set, batch_size=64, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=1000)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64),
                          nn.ReLU(), nn.Linear(64, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    criterion = nn.CrossEntropyLoss()
    epochs, train_seconds = [], 0.0
    while clock.now() < budget:
        start = time.perf_counter()
        model.train()
        for images, labels in loader:
            optimizer.zero_grad()
            loss = criterion(model(images), labels)
            loss.backward()
            optimizer.step()
        train_seconds += time.perf_counter() - start
        at = clock.now()
        t = time.perf_counter()
        model.eval()
        correct = 0
        with torch.no_grad():
            for images, labels in test_loader:
                correct += (model(images).argmax(1) == labels).sum().item()
        clock.pause(time.perf_counter() - t)
        epochs.append({"seconds": at, "test_acc": correct / len(test_set)})
    shutil.rmtree(raw.parent.parent, ignore_errors=True)
    return {"samples_per_s": len(epochs) * len(train_set) / train_seconds, "epochs": epochs,
            "epoch_seconds": train_seconds / len(epochs)}


def ours(data_dir: Path, argv: list[str], budget: float) -> dict:
    """``nnnotes.train`` with ``argv``, test accuracy of the kept model after every epoch."""
    import shutil
    import tempfile

    import torch

    from nnnotes import data, evaluate, train
    from nnnotes.train.cli import parse

    clock = Clock()
    out = Path(tempfile.mkdtemp()) / "run"
    cfg = train.Config(**parse(["--dataset", "fashion-mnist", "--data-dir", str(data_dir),
                                "--out", str(out), "--quiet", "--no-figures", *argv]))
    images, labels = data.load("fashion-mnist", "test", data_dir)
    epochs: list[dict] = []
    kept = {"test_acc": 0.0}

    def on_epoch_end(trainer: train.Trainer) -> None:
        at = clock.now()
        t = time.perf_counter()
        if trainer.best["epoch"] == trainer.epoch:  # a new best validation accuracy
            x = evaluate.normalize(images, trainer.data.mean, trainer.data.std)
            logits = evaluate.predict(trainer.model, x)
            kept["test_acc"] = evaluate.loss_and_accuracy(logits, labels)[1]
        epochs.append({"seconds": at, "test_acc": kept["test_acc"],
                       "val_acc": trainer.history[-1]["val_acc"]})
        clock.pause(time.perf_counter() - t)
        if at > budget:
            raise StopIteration

    try:
        train.run(cfg, on_epoch_end=on_epoch_end)
    except StopIteration:
        pass
    rows = train.read_history(out / "history.csv")
    shutil.rmtree(out.parent, ignore_errors=True)
    epoch_seconds = sorted(r["seconds"] for r in rows)[len(rows) // 2]  # median
    n_train = 60_000 - round(60_000 * cfg.val_fraction)
    result = {"samples_per_s": n_train / epoch_seconds, "epochs": epochs,
              "epoch_seconds": epoch_seconds, "batch_size": cfg.batch_size,
              "hidden": list(cfg.hidden), "threads": torch.get_num_threads()}
    if argv == []:
        result["matmul_seconds"] = matmul_seconds(n_train, cfg.batch_size, (784, *cfg.hidden, 10))
    return result


def matmul_seconds(n: int, batch_size: int, sizes: tuple[int, ...], repeats: int = 3) -> float:
    """Time of the matrix products of one training epoch: forward, and backward for the
    weight gradients and the input gradients (except the first layer's, which is not needed)."""
    import torch

    steps = [(batch_size, n_in, n_out) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    best = float("inf")
    for _ in range(repeats):
        tensors = [(torch.randn(b, i), torch.randn(o, i), torch.randn(b, o)) for b, i, o in steps]
        start = time.perf_counter()
        for first in range(0, n, batch_size):
            for layer, (x, w, g) in enumerate(tensors):
                x = x[:min(batch_size, n - first)]
                g = g[:len(x)]
                x @ w.T  # forward
                g.T @ x  # weight gradient
                if layer:
                    g @ w  # input gradient
        best = min(best, time.perf_counter() - start)
    return best


def first_time(epochs: list[dict], target: float) -> str:
    for e in epochs:
        if e["test_acc"] >= target:
            return f"{e['seconds']:.1f} s"
    return "not reached"


def best_within(epochs: list[dict], budget: float) -> str:
    accs = [e["test_acc"] for e in epochs if e["seconds"] <= budget]
    return f"{accs[-1]:.4f}" if accs else "-"


def report(results: dict, budget: float) -> None:
    print(f"{'':28}{'samples/s':>11}{'epoch':>9}{'to 88%':>13}{'to 89%':>13}"
          f"{'acc at ' + str(int(budget)) + ' s':>12}")
    for name, r in results.items():
        print(f"{name:28}{r['samples_per_s']:>11,.0f}{r['epoch_seconds']:>8.2f}s"
              f"{first_time(r['epochs'], 0.88):>13}{first_time(r['epochs'], 0.89):>13}"
              f"{best_within(r['epochs'], budget):>12}")
    learner_speed = results["learner-style loop"]["samples_per_s"]
    default = results["nnnotes.train (defaults)"]
    print(f"\nsamples/s ratio, defaults / learner-style: "
          f"{default['samples_per_s'] / learner_speed:.1f}x")
    print(f"epoch time / matmul time of one epoch (batch {default['batch_size']}, hidden "
          f"{default['hidden']}, {default['threads']} threads): "
          f"{default['epoch_seconds']:.3f} s / {default['matmul_seconds']:.3f} s = "
          f"{default['epoch_seconds'] / default['matmul_seconds']:.1f}x")
    print(f"best recipe: {' '.join(BEST_RECIPE)}")
    print(f"times are from process start (imports and data loading included), test-accuracy "
          f"measurement excluded; machine: {os.cpu_count()} CPUs, torch threads as shown; "
          f"load average at the end {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=os.environ.get("NNNOTES_DATA_DIR", "../shared/data"))
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per contestant")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads for every contestant (default: PyTorch's choice); "
                             "1 gives steadier numbers on a busy machine")
    parser.add_argument("--part", choices=["learner", "default", "best"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    data_dir = Path(args.data_dir).absolute()
    if args.part:
        if args.threads:
            import torch
            torch.set_num_threads(args.threads)
        if args.part == "learner":
            result = learner(data_dir, args.budget)
        else:
            result = ours(data_dir, [] if args.part == "default" else BEST_RECIPE, args.budget)
        print(json.dumps(result))
        return
    results = {}
    names = {"learner": "learner-style loop", "default": "nnnotes.train (defaults)",
             "best": "nnnotes.train (best recipe)"}
    for part, name in names.items():
        out = subprocess.run([sys.executable, __file__, "--part", part, "--data-dir",
                              str(data_dir), "--budget", str(args.budget),
                              *(["--threads", str(args.threads)] if args.threads else [])],
                             capture_output=True, text=True, check=True)
        results[name] = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{name}: done", file=sys.stderr)
    report(results, args.budget)


if __name__ == "__main__":
    main()
