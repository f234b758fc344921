"""Signals and a full disk, as they really come: Ctrl-C while torch loads (cold processes),
SIGTERM, several Ctrl-C in a row, Ctrl-C in ``nnnotes.evaluate``, a disk that fills up during
a run, with and without Ctrl-C. Every one ends in a message and its exit code, never a
traceback, and leaves a run that resumes."""

from __future__ import annotations

import json
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from nnnotes import checkpoint
from nnnotes.errors import EXIT_RUN
from tests.conftest import history
from tests.train.warm import COLD
from tests.train.conftest import (assert_no_traceback, finish, go_on, small_args, start,
                                  stop, temporaries)

SIGINT, SIGTERM = 128 + signal.SIGINT, 128 + signal.SIGTERM


def loading_torch(pid: int, timeout: float = 60) -> None:
    """Wait until the process has begun loading torch's C++ library (Linux: /proc/PID/maps)."""
    maps = Path(f"/proc/{pid}/maps")
    if not maps.exists():
        pytest.skip("no /proc: cannot tell when torch is loading")
    deadline = time.monotonic() + timeout
    while "libtorch" not in maps.read_text():
        assert time.monotonic() < deadline
        time.sleep(0.002)


@pytest.mark.parametrize("module", ["nnnotes.train", "nnnotes.evaluate"])
def test_ctrl_c_or_sigterm_while_torch_loads_ends_cleanly(module, data_dir, tmp_path, finished):
    """Cold processes: signalled as torch's library loads, and 0.5 s and 1.5 s later."""
    args = small_args(data_dir, tmp_path / "run") if module == "nnnotes.train" else [finished[0]]
    moments = [(0.0, signal.SIGINT), (0.5, signal.SIGTERM), (1.5, signal.SIGINT)]

    def interrupt(moment: tuple[float, int]):
        proc = start(args, module)
        loading_torch(proc.pid)
        time.sleep(moment[0])
        proc.send_signal(moment[1])
        return moment[1], finish(proc)

    with ThreadPoolExecutor(3) as pool:
        for signum, r in pool.map(interrupt, moments):
            assert r.code in (128 + signum, 0), r.err  # 0: it finished first (a fast machine)
            if r.code:
                assert f"interrupted by {signal.Signals(signum).name}" in r.message, r.err


def test_sigterm_during_training_saves_last_pt_and_exits_143(warm, data_dir, tmp_path, started):
    out = tmp_path / "run"
    run = warm.start(small_args(data_dir, out, epochs=1000, quiet=False))
    started(run)
    assert run.poll_line("epoch   1/")
    run.send_signal(signal.SIGTERM)
    r = run.wait()
    assert_no_traceback(r.err)
    assert r.code == SIGTERM and r.message.startswith("interrupted by SIGTERM at epoch")
    assert f"Resume with: python -m nnnotes.train --resume {out}" in r.err
    assert checkpoint.load(out / "last.pt")["epoch"] >= 1


def test_several_ctrl_c_in_quick_succession_save_once_and_exit_130(warm, data_dir, tmp_path,
                                                                    started, finished):
    out = tmp_path / "run"
    run = warm.start(small_args(data_dir, out, quiet=False))
    started(run)
    assert run.poll_line("epoch   1/")
    for _ in range(6):
        run.send_signal(signal.SIGINT)
        time.sleep(0.003)
    r = run.wait()
    assert_no_traceback(r.err)  # no "Exception ignored ... KeyboardInterrupt"
    assert r.code in (SIGINT, 0), r.err  # 0 only if the run ended before the first arrived
    if r.code:
        assert r.message.startswith("interrupted by SIGINT at ") and "; saved " in r.message
        assert r.err.count("interrupted") == 1 and "Resume with" in r.err
        resumed = warm.run(["--resume", out])
        assert resumed.code == 0, resumed.err
    assert json.loads((out / "metrics.json").read_text()) == finished[1]


@pytest.mark.skipif(COLD, reason="a cold process is still starting Python itself at 50 ms; "
                                   "cold starts: test_ctrl_c_or_sigterm_while_torch_loads_...")
def test_ctrl_c_before_training_writes_nothing(warm, data_dir, tmp_path):
    out = tmp_path / "run"
    run = warm.start(small_args(data_dir, out))
    time.sleep(0.05)  # parsing, loading the data
    run.send_signal(signal.SIGINT)
    r = run.wait()
    assert_no_traceback(r.err)
    if r.code == SIGINT and "before training started" in r.err:
        assert r.message == "interrupted by SIGINT before training started; nothing was written"
        assert not out.exists()
    else:  # a fast machine was already training: it saved and said how to resume
        assert r.code == SIGINT and "--resume" in r.err, r.err


def test_ctrl_c_in_evaluate_exits_130(warm, finished):
    run = warm.start([finished[0]], module="nnnotes.evaluate")
    time.sleep(0.2)
    run.send_signal(signal.SIGINT)
    r = run.wait()
    assert_no_traceback(r.err)
    assert r.code in (SIGINT, 0), r.err
    if r.code:
        assert r.message.startswith("interrupted by SIGINT")
        assert temporaries(finished[0]) == []


# --- a full disk -------------------------------------------------------------------------------
def test_too_small_a_disk_is_refused_before_training(warm, data_dir, tiny_disk):
    out = tiny_disk.dir / "run"
    r = warm.run(small_args(data_dir, out), env=tiny_disk.env)
    assert_no_traceback(r.err)
    assert r.code == EXIT_RUN and "free, and this run needs about" in r.message, (tiny_disk.kind,
                                                                              r.err)
    assert not out.exists()


def test_a_disk_that_fills_up_during_a_run_loses_nothing(warm, data_dir, disk, finished,
                                                         started):
    out = disk.dir / "run"
    run = warm.start(small_args(data_dir, out, quiet=False), env=disk.env)
    started(run)
    assert run.poll_line("training on")
    stop(run)  # before its first checkpoint: the disk fills up now
    disk.fill()
    go_on(run)
    r = run.wait()
    assert_no_traceback(r.err)
    assert r.code == EXIT_RUN, (disk.kind, r.err)
    assert "No space left on device" in r.message and "--resume" in r.err
    assert temporaries(out) == []
    disk.free()
    resumed = warm.run(["--resume", out], env=disk.env)
    assert resumed.code == 0, resumed.err
    assert json.loads((out / "metrics.json").read_text()) == finished[1]
    assert history(out) == history(finished[0])


def test_a_full_disk_after_some_epochs_keeps_the_last_good_checkpoint(warm, data_dir, disk,
                                                                      started):
    out = disk.dir / "run"
    run = warm.start(small_args(data_dir, out, epochs=1000, quiet=False), env=disk.env)
    started(run)
    assert run.poll_line("epoch   1/")
    stop(run)
    disk.fill()
    go_on(run)
    r = run.wait()
    assert_no_traceback(r.err)
    assert r.code == EXIT_RUN and "No space left on device" in r.message, (disk.kind, r.err)
    kept = checkpoint.load(out / "last.pt")
    assert f"last.pt holds the end of epoch {kept['epoch']}" in r.err
    disk.free()
    resumed = warm.run(["--resume", out, "--epochs", kept["epoch"] + 1], env=disk.env)
    assert resumed.code == 0, resumed.err


def test_ctrl_c_on_a_full_disk_exits_130_and_says_what_is_saved(warm, data_dir, disk, started):
    out = disk.dir / "run"
    run = warm.start(small_args(data_dir, out, epochs=1000, quiet=False), env=disk.env)
    started(run)
    assert run.poll_line("epoch   1/")
    stop(run)
    disk.fill()
    run.send_signal(signal.SIGINT)  # handled when it goes on: at its next step
    go_on(run)
    r = run.wait()
    assert_no_traceback(r.err)
    assert r.code == SIGINT, (disk.kind, r.err)
    assert "but last.pt could not be saved" in r.message and "No space left on device" in r.err
    kept = checkpoint.load(out / "last.pt")
    assert f"last.pt holds the end of epoch {kept['epoch']}" in r.err
