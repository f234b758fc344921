"""Resuming: the options typed are known from the parser, those that may change are applied
and reported, ``config.json`` always describes the run as it is; and runs killed with SIGKILL
at random moments all resume to the uninterrupted run's metrics and weights, bitwise."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import torch

from nnnotes import checkpoint
from nnnotes.errors import EXIT_RUN, EXIT_USAGE
from tests.conftest import history
from tests.train.conftest import assert_no_traceback, small_args, temporaries


def config(run: Path) -> dict:
    return json.loads((run / "config.json").read_text())


@pytest.fixture(scope="module")
def two_epochs(warm, data_dir, tmp_path_factory) -> Path:
    """A finished 2-epoch small run (copy it before changing it)."""
    out = tmp_path_factory.mktemp("two") / "run"
    assert warm.run(small_args(data_dir, out, epochs=2)).code == 0
    return out


def copy(run: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(run, tmp_path / "run"))


def test_typing_the_default_epochs_on_resume_trains_to_that_total_and_says_so(
        warm, two_epochs, tmp_path):
    run = copy(two_epochs, tmp_path)
    r = warm.run(["--resume", run, "--epochs", "10"])  # 10 is also the default
    assert_no_traceback(r.err)
    assert r.code == 0, r.err
    assert "changed on resume: epochs 10 (was 2)" in r.err
    assert "the cosine schedule now spans 10 epochs" in r.err
    assert config(run)["epochs"] == 10 and len(history(run)) == 10
    assert json.loads((run / "metrics.json").read_text())["epochs"] == 10
    assert checkpoint.load(run / "last.pt")["config"]["epochs"] == 10


def test_fewer_epochs_than_done_is_refused_and_leaves_config_json_alone(warm, finished,
                                                                         tmp_path):
    run = copy(finished[0], tmp_path)
    before = (run / "config.json").read_bytes()
    r = warm.run(["--resume", run, "--epochs", "1"])
    assert r.code == EXIT_USAGE and "has already trained 3 epochs" in r.err, r.err
    assert (run / "config.json").read_bytes() == before


def test_a_run_saved_with_an_unusable_device_says_how_to_resume_it_and_resumes(warm,
                                                                              two_epochs,
                                                                              tmp_path):
    run = copy(two_epochs, tmp_path)
    for name in ("best.pt", "last.pt"):  # as if trained on a machine with a GPU
        state = torch.load(run / name, weights_only=True)
        state["config"]["device"] = "cuda"
        torch.save(state, run / name)
    (run / "config.json").write_text(json.dumps({**config(run), "device": "cuda"}))
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA: the saved device is usable")
    refused = warm.run(["--resume", run, "--epochs", "3"])
    assert refused.code == EXIT_USAGE
    assert "was trained with --device cuda, which is not usable here" in refused.err
    assert "resume it with --device cpu (or --device auto)" in refused.err
    resumed = warm.run(["--resume", run, "--epochs", "3", "--device", "auto"])
    assert resumed.code == 0, resumed.err
    assert "device auto (was cuda)" in resumed.err and config(run)["device"] == "auto"


def test_options_a_resume_cannot_change_are_refused_unless_they_equal_the_runs_own(
        warm, two_epochs, tmp_path):
    run = copy(two_epochs, tmp_path)
    refused, other_out, same = (warm.run(args) for args in (
        ["--resume", run, "--hidden", "64"],
        ["--resume", run, "--out", tmp_path / "elsewhere"],
        ["--resume", run, "--hidden", "128,64", "--lr", "0.004"]))
    assert refused.code == EXIT_USAGE and "--hidden cannot change when a run is resumed" \
        in refused.err and "hidden 128,64" in refused.err
    assert other_out.code == EXIT_USAGE and "stays in its own directory" in other_out.err
    assert same.code == 0 and "the run is complete (2 of 2 epochs)" in same.err, same.err


def test_a_resume_killed_before_its_first_checkpoint_keeps_the_new_total(warm, two_epochs,
                                                                        tmp_path):
    run = copy(two_epochs, tmp_path)
    # `--resume --epochs 4` rewrites config.json first; a kill right then leaves only that
    (run / "config.json").write_text(json.dumps({**config(run), "epochs": 4}))
    r = warm.run(["--resume", run])
    assert r.code == 0, r.err
    assert len(history(run)) == 4 and json.loads((run / "metrics.json").read_text())["epochs"] == 4


# --- killed at random moments ------------------------------------------------------------------
KILLS = int(os.environ.get("NNNOTES_TEST_KILLS", 8))  # runs killed once each, then resumed


def same_checkpoint_weights(a: Path, b: Path) -> bool:
    x, y = torch.load(a, weights_only=True)["model"], torch.load(b, weights_only=True)["model"]
    return x.keys() == y.keys() and all(torch.equal(x[k], y[k]) for k in x)


def test_runs_killed_at_random_moments_resume_to_the_uninterrupted_result_bitwise(
        warm, data_dir, finished, tmp_path):
    reference, metrics = finished
    seed = int.from_bytes(os.urandom(4), "little")
    rng = random.Random(seed)
    args = lambda out: small_args(data_dir, out, quiet=False)  # noqa: E731
    t0 = time.monotonic()  # how long one run takes, and how long after its training starts
    timing = warm.start(args(tmp_path / "timing"))
    timing.poll_line("training on")
    starting = time.monotonic() - t0
    assert timing.wait().code == 0
    training = time.monotonic() - t0 - starting
    # half the kills at any moment of a run's life, half once it trains (writes, tests)
    moments = [(i % 2 == 0, rng.uniform(0, (starting + training) if i % 2 else training * 1.1))
               for i in range(KILLS)]

    def kill_and_resume(i: int) -> str:
        out = tmp_path / f"run{i}"
        child = warm.start(args(out))
        after_start, delay = moments[i]
        if after_start:
            child.poll_line("training on")
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        killed = child.wait().code
        left = sorted(p.name for p in out.iterdir()) if out.is_dir() else []
        r = warm.run(["--resume", out])
        assert_no_traceback(r.err)
        if r.code == EXIT_RUN and ("no run at" in r.err or "nothing to resume" in r.err):
            r = warm.run(args(out))  # nothing had started: the user starts it again
        assert r.code == 0, f"seed {seed}, run {i}: {r.err}"
        assert json.loads((out / "metrics.json").read_text()) == metrics, f"seed {seed}, run {i}"
        assert history(out) == history(reference), f"seed {seed}, run {i}"
        for name in ("best.pt", "last.pt"):
            assert same_checkpoint_weights(out / name, reference / name), \
                (f"seed {seed}, run {i}: {name}; left {left}; {r.err}",
                 {k: v for k, v in torch.load(out / name, weights_only=True).items()
                  if k in ("epoch", "step", "best")})
        assert temporaries(out) == [] and not (out / ".lock").exists()
        when = f"{delay:.2f} s after {'training started' if after_start else 'its start'}"
        return f"{'killed' if killed == -9 else 'ended'} {when}, leaving {left}"

    with ThreadPoolExecutor(2) as pool:
        print(f"\nseed {seed}:", *pool.map(kill_and_resume, range(KILLS)), sep="\n  ")
