"""The run directory: one owner at a time, names that never collide, every state a kill leaves
resumable, no orphaned temporary files, the user's permissions, paths that work from anywhere.
Each test drives real processes (see :mod:`tests.train.warm`)."""

from __future__ import annotations

import json
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import torch

from nnnotes import checkpoint, train
from nnnotes.errors import EXIT_LOCKED, EXIT_RUN
from tests.conftest import history, small
from tests.train.conftest import assert_no_traceback, small_args, temporaries


def files(run: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(run.iterdir()) if p.is_file()}


def same_weights(a: Path, b: Path) -> bool:
    x, y = torch.load(a, weights_only=True)["model"], torch.load(b, weights_only=True)["model"]
    return x.keys() == y.keys() and all(torch.equal(x[k], y[k]) for k in x)


def test_a_second_trainer_or_resume_on_a_busy_run_directory_exits_6_and_changes_nothing(
        warm, data_dir, tmp_path, started):
    out = tmp_path / "run"
    first = warm.start(small_args(data_dir, out, epochs=1000, quiet=False))
    started(first)
    assert first.poll_line("epoch   1/")
    before = files(out)
    with ThreadPoolExecutor(2) as pool:
        second, again = pool.map(lambda args: warm.run(args), [
            small_args(data_dir, out, hidden=(32,), epochs=2), ["--resume", out]])
    for r in (second, again):
        assert_no_traceback(r.err)
        assert r.code == EXIT_LOCKED, r.err
        assert f"is in use by process {first.pid}" in r.err and "Nothing was changed" in r.err
    assert json.loads((out / "config.json").read_text())["epochs"] == 1000
    assert {k: v for k, v in files(out).items() if k in ("config.json", ".lock")} == \
        {k: v for k, v in before.items() if k in ("config.json", ".lock")}
    first.send_signal(signal.SIGTERM)
    assert first.wait().code == 128 + signal.SIGTERM
    assert not (out / ".lock").exists()  # released, and removed, on the way out
    done = checkpoint.load(out / "last.pt")["epoch"]
    resumed = warm.run(["--resume", out, "--epochs", done + 1])  # the lock is free again
    assert resumed.code == 0, resumed.err


def test_runs_started_in_the_same_second_without_out_get_different_directories(
        warm, data_dir, tmp_path):
    now = time.time()
    stamp = lambda t: time.strftime("%Y%m%d-%H%M%S", time.localtime(t))  # noqa: E731
    taken = [tmp_path / "runs" / f"fashion-mnist-{stamp(t)}"
             for t in range(int(now), int(now) + 60)]
    for d in taken:  # every name of the coming minute exists already
        d.mkdir(parents=True)
    args = [a for a in small_args(data_dir, None)]
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: warm.run(args, cwd=tmp_path), range(2)))
    assert [r.code for r in results] == [0, 0], [r.err for r in results]
    made = sorted(p for p in (tmp_path / "runs").iterdir() if p not in taken)
    assert len(made) == 2 and all((d / "metrics.json").is_file() for d in made)
    assert all(not any(d.iterdir()) for d in taken)  # nobody else's directory was used
    shown = sorted(r.out.rsplit("-> ", 1)[1].strip() for r in results)
    assert shown == sorted(str(d.relative_to(tmp_path)) for d in made)


def interrupted_run(data_dir: Path, out: Path, at_epoch: int) -> dict[int, bytes]:
    """A run stopped by SIGTERM at the end of epoch ``at_epoch``; the bytes of its last.pt
    after each epoch."""
    saved = {}

    def on_epoch_end(trainer: train.Trainer) -> None:
        saved[trainer.epoch] = (out / "last.pt").read_bytes()
        if trainer.epoch == at_epoch:
            os.kill(os.getpid(), signal.SIGTERM)

    with pytest.raises(train.Interrupted):
        train.run(small(data_dir, out), on_epoch_end=on_epoch_end)
    return saved


def test_best_pt_without_last_pt_resumes_from_best_and_says_so(warm, data_dir, tmp_path,
                                                               finished):
    out = tmp_path / "run"
    interrupted_run(data_dir, out, at_epoch=1)
    (out / "last.pt").unlink()  # a SIGKILL after best.pt was written and before last.pt
    (out / ".last.pt.0123456789abcdef.tmp").write_bytes(b"x" * 100_000)  # its half-written copy
    again = warm.run(small_args(data_dir, out))
    assert again.code == EXIT_RUN and f"continue it with --resume {out}" in again.err
    resumed = warm.run(["--resume", out])
    assert resumed.code == 0, resumed.err
    assert "resuming from best.pt (the end of epoch 1): last.pt is missing" in resumed.err
    assert "removed 1 temporary file left by an interrupted write" in resumed.err
    assert json.loads((out / "metrics.json").read_text()) == finished[1]
    assert same_weights(out / "best.pt", finished[0] / "best.pt")
    assert temporaries(out) == []


def test_best_pt_newer_than_last_pt_resumes_from_best(warm, data_dir, tmp_path, finished):
    out = tmp_path / "run"
    saved = interrupted_run(data_dir, out, at_epoch=2)
    (out / "last.pt").write_bytes(saved[1])  # best.pt of epoch 2 written, last.pt still epoch 1
    resumed = warm.run(["--resume", out])
    assert resumed.code == 0, resumed.err
    assert "resuming from best.pt (the end of epoch 2): it is further along than last.pt" \
        in resumed.err
    assert json.loads((out / "metrics.json").read_text()) == finished[1]
    assert history(out) == history(finished[0])


def test_a_run_killed_before_its_first_checkpoint_resumes_from_its_beginning(warm, data_dir,
                                                                            tmp_path, finished):
    out = tmp_path / "run"
    out.mkdir()
    config = train.Config(**{**small(data_dir, out).to_dict(), "out": str(out)})
    (out / "config.json").write_text(json.dumps(config.to_dict()))  # what the kill left
    resumed = warm.run(["--resume", out])
    assert resumed.code == 0, resumed.err
    assert "no checkpoint yet" in resumed.err
    assert json.loads((out / "metrics.json").read_text()) == finished[1]


def test_a_new_run_in_a_directory_with_stale_temporary_files_removes_them(warm, data_dir,
                                                                           tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / ".best.pt.fedcba9876543210.tmp").write_bytes(bytes(22_000_000))  # 22 MB, as found
    r = warm.run(small_args(data_dir, out, epochs=1))
    assert r.code == 0, r.err
    assert "removed 1 temporary file left by an interrupted write: .best.pt.fedcba9876543210.tmp" \
        in r.err
    assert temporaries(out) == []


def test_outputs_are_written_with_the_users_umask(warm, data_dir, tmp_path):
    out = tmp_path / "run"
    r = warm.run(small_args(data_dir, out, epochs=1, figures=True), umask=0o027)
    assert r.code == 0, r.err
    modes = {p.name: oct(p.stat().st_mode & 0o777) for p in out.iterdir()}
    assert set(modes) >= {"best.pt", "last.pt", "config.json", "history.csv", "metrics.json",
                          "curves.png", "confusion_matrix.png", "misclassified.png"}
    assert set(modes.values()) == {"0o640"}, modes  # 0o666 less the umask, like any program


def test_paths_are_stored_absolute_so_a_run_resumes_and_evaluates_from_anywhere(
        warm, data_dir, tmp_path):
    here, elsewhere = tmp_path / "here", tmp_path / "elsewhere"
    here.mkdir()
    elsewhere.mkdir()
    (here / "data").symlink_to(data_dir)
    args = small_args("data", "run", epochs=2)
    r = warm.run(args, cwd=here)
    assert r.code == 0, r.err
    saved = json.loads((here / "run" / "config.json").read_text())
    assert saved["data_dir"] == str(here / "data") and saved["out"] == str(here / "run")
    resumed = warm.run(["--resume", "../here/run", "--epochs", "3"], cwd=elsewhere)
    assert resumed.code == 0, resumed.err
    evaluated = warm.run(["../here/run"], module="nnnotes.evaluate", cwd=elsewhere)
    assert evaluated.code == 0 and "best checkpoint (epoch" in evaluated.out, evaluated.err
    assert not list(elsewhere.iterdir())  # nothing was looked for, or written, here
