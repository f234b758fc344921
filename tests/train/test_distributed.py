"""Data parallelism: ``torchrun --nproc_per_node=2 -m nnnotes.train`` (gloo on the CPU), run as a
user runs it, on real data.

* Two processes with a global batch of 100 (50 each) train the weights one process trains with
  batch 100: every weight and bias of the three layers within 1e-6 after 16 steps (2 epochs of
  8, an epoch boundary with validation and checkpoints between them). SGD with momentum, whose
  step is linear in the gradient: the all-reduced gradient differs from the one-process
  gradient only by float rounding (about 1e-8 here). Adam divides by the root of the squared
  gradient, which magnifies rounding where a gradient is near its epsilon (9e-7 after 8 steps),
  so it would test Adam, not the all-reduce.
* Rank 0 alone writes (one final line, the run directory's files once) and prints.
* Ctrl-C (SIGINT to the process group, as a terminal sends it) stops both ranks at the same
  step with one message; ``torchrun ... --resume`` then finishes the run with the weights and
  metrics of a run never interrupted, bit for bit.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch

from tests.train.conftest import Result, assert_no_traceback, environment, small_args

TORCHRUN = (sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2")
# 800 training images in batches of 100: 8 steps per epoch
EQUIVALENCE = dict(train_size=1000, val_fraction=0.2, batch_size=100, epochs=2,
                   optimizer="momentum")
WORKER = ("nnnotes.train",)


def torchrun(args: list[str], timeout: float = 300) -> Result:
    done = subprocess.run([*TORCHRUN, "-m", *WORKER, *map(str, args)], env=environment(),
                          capture_output=True, text=True, timeout=timeout)
    return Result(done.returncode, done.stdout, done.stderr)


def weights(run: Path, name: str = "last") -> dict[str, torch.Tensor]:
    return torch.load(run / f"{name}.pt", weights_only=True)["model"]


def our_lines(err: str) -> list[str]:
    """stderr without torchrun's own banner and report (lines of the elastic agent)."""
    return [line for line in err.splitlines() if line.startswith(("error:", "note:", "rank ",
                                                                  "interrupted", "Resume"))]


def test_two_processes_train_the_weights_of_one_process_with_the_same_global_batch(
        warm, data_dir, tmp_path):
    with ThreadPoolExecutor(2) as pool:
        two = pool.submit(torchrun, small_args(data_dir, tmp_path / "two", **EQUIVALENCE))
        one = warm.run(small_args(data_dir, tmp_path / "one", **EQUIVALENCE))
        two = two.result()
    assert one.code == 0 and two.code == 0, two.err
    assert_no_traceback(two.err)
    ours, theirs = weights(tmp_path / "one"), weights(tmp_path / "two")
    assert list(ours) == ["1.weight", "1.bias", "3.weight", "3.bias", "5.weight", "5.bias"]
    assert torch.load(tmp_path / "two" / "last.pt", weights_only=True)["epoch"] == 2
    for name in ours:
        assert (ours[name] - theirs[name]).abs().max() <= 1e-6, name
    # rank 0 alone prints and writes
    assert two.out.count("best epoch") == 1 and our_lines(two.err) == []
    assert sorted(p.name for p in (tmp_path / "two").iterdir()) == sorted(
        p.name for p in (tmp_path / "one").iterdir())


def test_ctrl_c_stops_every_rank_and_torchrun_resume_ends_as_the_uninterrupted_run_bitwise(
        data_dir, tmp_path):
    run = dict(epochs=6, quiet=False)  # the small run: 24 steps per epoch, 12 per process
    with ThreadPoolExecutor(1) as pool:
        whole = pool.submit(torchrun, small_args(data_dir, tmp_path / "whole", **run))
        cut = tmp_path / "cut"
        proc = subprocess.Popen([*TORCHRUN, "-m", *WORKER, *small_args(data_dir, cut, **run)],
                                env=environment(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
        for line in proc.stdout:
            if line.startswith("epoch   1/"):
                os.killpg(proc.pid, signal.SIGINT)  # as Ctrl-C in a terminal: every process
                break
        out, err = proc.communicate(timeout=120)
        whole = whole.result()
    assert whole.code == 0, whole.err
    messages = our_lines(err)
    assert [m for m in messages if m.startswith("interrupted by SIGINT")] == messages[:1], err
    assert len(messages) == 2 and messages[1] == (
        f"Resume with: torchrun --nproc_per_node=2 -m nnnotes.train --resume {cut}"), err
    saved = torch.load(cut / "last.pt", weights_only=True)
    assert 1 <= saved["epoch"] < 6 and not (cut / "metrics.json").exists()

    resumed = torchrun(["--resume", cut])
    assert resumed.code == 0, resumed.err
    assert_no_traceback(resumed.err)
    assert "resuming" in resumed.out and resumed.out.count("best epoch") == 1
    for name in ("last", "best"):
        a, b = weights(cut, name), weights(tmp_path / "whole", name)
        assert all(torch.equal(a[k], b[k]) for k in a), name
    metrics = [json.loads((d / "metrics.json").read_text()) for d in (cut, tmp_path / "whole")]
    assert metrics[0] == metrics[1]
