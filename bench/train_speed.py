"""Benchmark: how fast, and how accurate, training Fashion-MNIST is, from process start.

    NNNOTES_DATA_DIR=../shared/data python bench/train_speed.py [--budget 60]
    python bench/train_speed.py --report bench/train_speed.json     # print a saved result again

One invocation runs every contestant in a fresh process, so each is timed from its own process
start, imports included:

* ``learner-style loop``: the learner's notebook: ``torchvision.datasets.FashionMNIST`` with
  ``transforms.ToTensor()``, ``DataLoader(batch_size=64, shuffle=True)``, 784-128-64-10, Adam
  1e-3, ``nn.CrossEntropyLoss``, epoch after epoch until the budget;
* ``defaults``, ``recipe fast``, ``recipe best``: ``nnnotes.train`` (``train.run``, as the
  command line calls it) with no option, ``--recipe fast``, ``--recipe best``;
* ``scikit-learn MLPClassifier``: what a user might pick instead (``pip install -e .[bench]``):
  ``MLPClassifier((128, 64))``, Adam 1e-3, batches of 200, pixels / 255, one ``partial_fit``
  per epoch until the budget;
* ``busy core``: the defaults for 3 epochs while another process keeps one core busy
  (``python -c "while True: pass"``, started and stopped here);
* ``whole command``: ``python -m nnnotes.train --dataset fashion-mnist`` (and ``--recipe
  fast``, and the defaults under ``torchrun --nproc_per_node=2``) as typed, figures included:
  its wall time and peak memory (of the launching process).

After every epoch the benchmark (not the trainer) measures test accuracy with the clock
stopped: times are training plus start-up, never the benchmark's own evaluation. For the
trainer it is the accuracy of the model the trainer keeps (the best validation epoch so far,
evaluated as the trainer evaluates it: the average of the weights with ``--ema``, mirror images
with ``--tta``); for the learner's loop and scikit-learn, that of their last epoch (they have no
validation split). The trainer chooses nothing on the test set. It also times the matrix
products of one default epoch alone (same batch, same threads) and prints the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = (0.88, 0.89, 0.90, 0.91)
TRAINERS = {"defaults": [], "recipe fast": ["--recipe", "fast"],
            "recipe best": ["--recipe", "best"]}


def seconds_since_process_start() -> float:
    """Wall time since this process started (Linux: /proc)."""
    ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
    uptime = float(Path("/proc/uptime").read_text().split()[0])
    return uptime - ticks / os.sysconf("SC_CLK_TCK")


class Clock:
    """Time since process start, minus the pauses taken to measure test accuracy."""

    def __init__(self) -> None:
        self.paused = 0.0

    def now(self) -> float:
        return seconds_since_process_start() - self.paused

    def pause(self, seconds: float) -> None:
        self.paused += seconds


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the contestants, each in its own process -------------------------------------------------
def learner(data_dir: Path, budget: float) -> dict:
    """The learner's loop, one epoch after another until ``budget`` seconds have passed."""
    import gzip
    import shutil

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
    epochs, train_seconds, startup = [], [], None
    while clock.now() < budget:
        start = time.perf_counter()
        model.train()
        for images, labels in loader:
            optimizer.zero_grad()
            loss = criterion(model(images), labels)
            loss.backward()
            optimizer.step()
            startup = startup or clock.now()
        train_seconds.append(time.perf_counter() - start)
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
    return {"samples": len(train_set), "epoch_seconds": train_seconds, "epochs": epochs,
            "startup": startup, "threads": torch.get_num_threads(), "rss_mb": peak_rss_mb()}


def trainer(data_dir: Path, argv: list[str], budget: float, epochs: int | None = None) -> dict:
    """``nnnotes.train`` with ``argv``; test accuracy of the kept model after every epoch."""
    import shutil

    import torch

    from nnnotes import data, evaluate, train
    from nnnotes.train.cli import parse, with_recipe
    from nnnotes.train.loop import Trainer

    clock = Clock()
    out = Path(tempfile.mkdtemp()) / "run"
    typed = parse(["--dataset", "fashion-mnist", "--data-dir", str(data_dir), "--out", str(out),
                   "--quiet", "--no-figures", *argv, *(["--epochs", str(epochs)] if epochs
                                                       else [])])
    cfg = train.Config(**with_recipe(typed))
    images, labels = data.load("fashion-mnist", "test", data_dir)
    found: dict = {"test_acc": 0.0, "epochs": [], "startup": None, "threads": []}

    def on_step(t: Trainer) -> None:
        if found["startup"] is None:
            found["startup"] = clock.now()

    def on_epoch_end(t: Trainer) -> None:
        at = clock.now()
        start = time.perf_counter()
        if t.best["epoch"] == t.epoch:  # a new best validation accuracy: the model kept
            x = evaluate.normalize(images, t.data.mean, t.data.std)
            logits = evaluate.predict(t.evaluated, x, tta=t.cfg.tta)
            found["test_acc"] = evaluate.loss_and_accuracy(logits, labels)[1]
        found["epochs"].append({"seconds": at, "test_acc": found["test_acc"],
                                "val_acc": t.history[-1]["val_acc"],
                                "epoch_seconds": t.history[-1]["seconds"]})
        found["threads"].append(torch.get_num_threads())
        clock.pause(time.perf_counter() - start)
        if at > 2 * budget:
            raise StopIteration

    try:
        metrics = train.run(cfg, on_step=on_step, on_epoch_end=on_epoch_end)
    except StopIteration:
        metrics = {}
    end = clock.now()
    shutil.rmtree(out.parent, ignore_errors=True)
    n_train = 60_000 - round(60_000 * cfg.val_fraction)
    result = {"samples": n_train, "epoch_seconds": [e["epoch_seconds"] for e in found["epochs"]],
              "epochs": found["epochs"], "startup": found["startup"], "end": end,
              "final_test_acc": metrics.get("test_acc"), "threads": found["threads"],
              "rss_mb": peak_rss_mb(), "batch_size": cfg.batch_size, "hidden": list(cfg.hidden)}
    if not argv and not epochs:
        torch.set_num_threads(max(set(found["threads"]), key=found["threads"].count))
        result["matmul_seconds"] = matmul_seconds(n_train, cfg.batch_size, (784, *cfg.hidden, 10))
        result["matmul_threads"] = torch.get_num_threads()
    return result


def sklearn_mlp(data_dir: Path, budget: float) -> dict:
    """scikit-learn's ``MLPClassifier((128, 64))``, one ``partial_fit`` per epoch."""
    import warnings

    import numpy as np
    from sklearn.neural_network import MLPClassifier

    from nnnotes import data

    clock = Clock()
    x, y = data.load("fashion-mnist", "train", data_dir)
    xt, yt = data.load("fashion-mnist", "test", data_dir)
    x = x.reshape(len(x), -1).numpy().astype(np.float32) / 255
    xt = xt.reshape(len(xt), -1).numpy().astype(np.float32) / 255
    y, yt = y.numpy(), yt.numpy()
    model = MLPClassifier((128, 64), learning_rate_init=1e-3, batch_size=200, random_state=0)
    classes = np.arange(10)
    epochs, seconds, startup = [], [], None
    while clock.now() < budget:
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.partial_fit(x, y, classes=classes)
        startup = startup or clock.now() - (time.perf_counter() - start)
        seconds.append(time.perf_counter() - start)
        at = clock.now()
        t = time.perf_counter()
        acc = float((model.predict(xt) == yt).mean())
        clock.pause(time.perf_counter() - t)
        epochs.append({"seconds": at, "test_acc": acc})
    import sklearn
    return {"samples": len(x), "epoch_seconds": seconds, "epochs": epochs, "startup": startup,
            "threads": None, "rss_mb": peak_rss_mb(), "version": sklearn.__version__}


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


def whole_command(data_dir: Path, argv: list[str], launcher: tuple = ()) -> dict:
    """``python -m nnnotes.train --dataset fashion-mnist ARGV`` as typed: wall time, peak RSS
    (``wait4``), its test accuracy (``metrics.json``)."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        proc = subprocess.Popen([*(launcher or (sys.executable,)), "-m", "nnnotes.train",
                                 "--dataset",
                                 "fashion-mnist", "--data-dir", str(data_dir), "--out",
                                 f"{tmp}/run", "--quiet", *argv], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"nnnotes.train {' '.join(argv)} failed: {proc.stderr.read()!r}")
        metrics = json.loads(Path(tmp, "run", "metrics.json").read_text())
    return {"seconds": wall, "rss_mb": usage.ru_maxrss / 1024, "test_acc": metrics["test_acc"]}


# --- the parent: run everything, print the table ---------------------------------------------
def part(name: str, data_dir: Path, budget: float, extra: tuple = ()) -> dict:
    """One contestant in a fresh process (this script with ``--part``)."""
    done = subprocess.run([sys.executable, __file__, "--part", name, "--data-dir", str(data_dir),
                           "--budget", str(budget), *extra], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{name} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def busy(data_dir: Path, budget: float) -> dict:
    """The defaults for 3 epochs while one core is kept busy by another process."""
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        return part("busy", data_dir, budget)
    finally:
        hog.kill()
        hog.wait()


def median(values: list[float]) -> float:
    s = sorted(values)
    return (s[(len(s) - 1) // 2] + s[len(s) // 2]) / 2


def first_time(epochs: list[dict], target: float) -> str:
    for e in epochs:
        if e["test_acc"] >= target:
            return f"{e['seconds']:.1f}"
    return "-"


def acc_at(epochs: list[dict], seconds: float) -> str:
    accs = [e["test_acc"] for e in epochs if e["seconds"] <= seconds]
    return f"{accs[-1]:.4f}" if accs else "-"


def report(results: dict) -> None:
    """The table, from the results of one invocation (also from a saved JSON file)."""
    budget = results["budget"]
    rows = results["contestants"]
    head = (f"{'':28}{'samples/s':>10}{'epoch s':>8}{'start s':>8}"
            + "".join(f"{'to ' + str(round(t * 100)) + '%':>7}" for t in TARGETS)
            + f"{'at ' + str(round(budget)) + ' s':>8}{'final':>14}{'RSS MB':>7}")
    print(head)
    for name, r in rows.items():
        if not r["epochs"]:
            print(f"{name:28}no epoch within the budget")
            continue
        epoch = median(r["epoch_seconds"])
        last = r["epochs"][-1]
        final = f"{r.get('final_test_acc') or last['test_acc']:.4f}@{last['seconds']:.0f}s"
        print(f"{name:28}{r['samples'] / epoch:>10,.0f}{epoch:>8.2f}{r['startup']:>8.2f}"
              + "".join(f"{first_time(r['epochs'], t):>7}" for t in TARGETS)
              + f"{acc_at(r['epochs'], budget):>8}{final:>14}{r['rss_mb']:>7.0f}")
    print("(to N%: seconds from process start to N% test accuracy; start s: to the end of the "
          "first step; final: test accuracy@seconds)")
    learner_speed = rows["learner-style loop"]["samples"] / median(
        rows["learner-style loop"]["epoch_seconds"] or [float("nan")])
    d = rows["defaults"]
    d_epoch = median(d["epoch_seconds"])
    print(f"samples/s, defaults / learner-style loop: {d['samples'] / d_epoch / learner_speed:.1f}x")
    print(f"epoch / matmul time (defaults: batch {d['batch_size']}, hidden {d['hidden']}, "
          f"{d['matmul_threads']} threads): {d_epoch:.3f} s / {d['matmul_seconds']:.3f} s = "
          f"{d_epoch / d['matmul_seconds']:.2f}x")
    b = results["busy"]
    b_epoch = median(b["epoch_seconds"])
    print(f"busy core (one other process spinning): defaults epoch {b_epoch:.2f} s vs quiet "
          f"{d_epoch:.2f} s = {b_epoch / d_epoch:.2f}x; threads per epoch {b['threads']}")
    for name, w in results["whole"].items():
        print(f"whole command, {name}: {w['seconds']:.1f} s, peak RSS {w['rss_mb']:.0f} MB, "
              f"test acc {w['test_acc']:.4f}")
    print(f"measured {results['when']} on {results['machine']}; load average "
          f"{results['load']} before and after")


def seconds_to(epochs: list[dict], target: float) -> float:
    """Seconds from process start to the first epoch at ``target`` test accuracy (inf: never)."""
    return next((e["seconds"] for e in epochs if e["test_acc"] >= target), float("inf"))


def goals(results: dict) -> None:
    """The goals of issue 15 against one invocation's results: goal, measured, met or not."""
    rows, whole = results["contestants"], results["whole"]
    d, w = rows["defaults"], whole["defaults"]
    d_epoch = median(d["epoch_seconds"])
    learner = rows["learner-style loop"]
    speedup = d["samples"] / d_epoch / (learner["samples"] / median(learner["epoch_seconds"]))
    fast = seconds_to(rows["recipe fast"]["epochs"], 0.89)
    best = seconds_to(rows["recipe best"]["epochs"], 0.91)
    busy = median(results["busy"]["epoch_seconds"]) / d_epoch
    checks = [
        ("defaults: test accuracy >= 89.5%", f"{w['test_acc']:.4f}", w["test_acc"] >= 0.895),
        ("defaults: whole command <= 10 s", f"{w['seconds']:.1f} s", w["seconds"] <= 10),
        ("defaults: >= 15x the learner's samples/s", f"{speedup:.1f}x", speedup >= 15),
        ("--recipe fast: 89% within 8 s", f"{fast:.1f} s", fast <= 8),
        ("--recipe best: 91.0% within 60 s",
         f"{best:.1f} s" if best < float("inf") else
         f"never (best {max(e['test_acc'] for e in rows['recipe best']['epochs']):.4f})",
         best <= 60),
        ("start-up to the first step <= 2.2 s", f"{d['startup']:.2f} s", d["startup"] <= 2.2),
        ("one busy core: epoch <= 2x quiet", f"{busy:.2f}x", busy <= 2),
        ("epoch <= 2x its matrix products", f"{d_epoch / d['matmul_seconds']:.2f}x",
         d_epoch / d["matmul_seconds"] <= 2),
        ("peak RSS of a default run <= 850 MB", f"{w['rss_mb']:.0f} MB", w["rss_mb"] <= 850),
    ]
    for goal, measured, met in checks:
        print(f"{goal:42}{measured:>22}  {'met' if met else 'NOT met'}")


def machine() -> str:
    import torch

    return (f"{os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), "
            f"Python {platform.python_version()}, torch {torch.__version__}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=os.environ.get("NNNOTES_DATA_DIR", "../shared/data"))
    parser.add_argument("--budget", type=float, default=60.0,
                        help="seconds for the learner's loop and scikit-learn; the trainer's "
                             "runs go to their end (at most twice this)")
    parser.add_argument("--save", default=str(Path(__file__).with_suffix(".json")),
                        help="where to write the results (default: bench/train_speed.json)")
    parser.add_argument("--report", metavar="JSON", help="print the table of a saved result")
    parser.add_argument("--part", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.report:
        saved = json.loads(Path(args.report).read_text())
        report(saved)
        goals(saved)
        return
    data_dir = Path(args.data_dir).absolute()
    if args.part:
        if args.part == "learner":
            result = learner(data_dir, args.budget)
        elif args.part == "sklearn":
            result = sklearn_mlp(data_dir, args.budget)
        elif args.part == "busy":
            result = trainer(data_dir, [], args.budget, epochs=3)
        else:
            result = trainer(data_dir, TRAINERS[args.part], args.budget)
        print(json.dumps(result))
        sys.stdout.flush()
        os._exit(0)
    load = [f"{os.getloadavg()[0]:.1f}"]
    contestants = {}
    for name in ("learner-style loop", *TRAINERS, "scikit-learn MLPClassifier"):
        key = {"learner-style loop": "learner", "scikit-learn MLPClassifier": "sklearn"}.get(name,
                                                                                           name)
        contestants[name] = part(key, data_dir, args.budget)
        print(f"{name}: done", file=sys.stderr)
    results = {"budget": args.budget, "contestants": contestants, "busy": busy(data_dir,
                                                                                args.budget),
               "whole": {"defaults": whole_command(data_dir, []),
                         "--recipe fast": whole_command(data_dir, ["--recipe", "fast"]),
                         "defaults, torchrun --nproc_per_node=2": whole_command(
                             data_dir, [], (sys.executable, "-m", "torch.distributed.run",
                                            "--standalone", "--nproc_per_node=2"))},
               "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": machine()}
    load.append(f"{os.getloadavg()[0]:.1f}")
    results["load"] = " / ".join(load)
    Path(args.save).write_text(json.dumps(results, indent=1) + "\n")
    report(results)
    goals(results)


if __name__ == "__main__":
    main()
