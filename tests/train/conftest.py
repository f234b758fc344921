"""The trainer's programs run as a user runs them: ``python -m nnnotes.train`` and
``python -m nnnotes.evaluate`` in a subprocess, with real signals, real files and real disks.

Each such process spends two to three seconds importing torch, so cases that are independent
run a few at a time (:func:`run_all`).
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from nnnotes.experiments.mnist import SMALL

PARALLEL = 3  # processes at a time: mostly torch's import, on 2 CPU cores


def options(config: dict) -> list[str]:
    """A ``Config``'s fields as command-line options: ``{"epochs": 3}`` -> ``--epochs 3``."""
    args = []
    for name, value in config.items():
        flag = "--" + name.replace("_", "-")
        if value is True:
            args += [] if name in ("figures", "download") else [flag]  # on by default
        elif value is False:
            args += {"figures": ["--no-figures"], "download": ["--no-download"]}.get(name, [])
        elif value is None:
            continue
        else:
            args += [flag, ",".join(map(str, value)) if isinstance(value, tuple) else str(value)]
    return args


def small_args(data_dir: Path, out: Path | str | None, **changes) -> list[str]:
    """The options of the small run (:data:`SMALL`, no figures) reading ``data_dir``."""
    args = options({**SMALL, "figures": False, **changes}) + ["--data-dir", str(data_dir)]
    return args + (["--out", str(out)] if out is not None else [])


@dataclass
class Result:
    """How a program ended: its exit code and what it printed."""

    code: int
    out: str
    err: str

    @property
    def message(self) -> str:
        """The first line of its message on stderr (after argparse's usage lines)."""
        lines = self.err.strip().splitlines()
        return next((line for line in lines if not line.startswith(("usage:", " "))), "")


def command(args: list[str], module: str = "nnnotes.train", prefix: tuple = ()) -> list[str]:
    return [*prefix, sys.executable, "-m", module, *map(str, args)]


def environment(**extra: str) -> dict:
    return {**os.environ, "MPLBACKEND": "Agg", "PYTHONUNBUFFERED": "1", **extra}


def run_program(args: list[str], module: str = "nnnotes.train", cwd: Path | None = None,
                prefix: tuple = (), env: dict | None = None, umask: int | None = None,
                timeout: float = 300) -> Result:
    """Run a program to its end, as a user would (the caller checks what it printed)."""
    done = subprocess.run(command(args, module, prefix), cwd=cwd, env=env or environment(),
                          capture_output=True, text=True, timeout=timeout,
                          umask=-1 if umask is None else umask)
    return Result(done.returncode, done.stdout, done.stderr)


def run_all(calls: list[dict]) -> list[Result]:
    """:func:`run_program` for each dict of keyword arguments, a few at a time, in order."""
    with ThreadPoolExecutor(PARALLEL) as pool:
        return list(pool.map(lambda kw: run_program(**kw), calls))


def start(args: list[str], module: str = "nnnotes.train", cwd: Path | None = None,
          env: dict | None = None, prefix: tuple = ()) -> subprocess.Popen:
    """A program started in the background (stdout and stderr as text pipes)."""
    return subprocess.Popen(command(args, module, prefix), cwd=cwd, env=env or environment(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_line(proc: subprocess.Popen, prefix: str, timeout: float = 120) -> str:
    """Read the program's stdout until a line starts with ``prefix``; return that line."""
    deadline = time.monotonic() + timeout
    for line in proc.stdout:
        if line.startswith(prefix):
            return line
        assert time.monotonic() < deadline, f"no line starting with {prefix!r}"
    raise AssertionError(f"the program ended (code {proc.wait()}) before printing {prefix!r}: "
                         f"{proc.stderr.read()}")


def finish(proc: subprocess.Popen, timeout: float = 120) -> Result:
    out, err = proc.communicate(timeout=timeout)
    assert_no_traceback(err)
    return Result(proc.returncode, out, err)


def assert_no_traceback(err: str) -> None:
    assert "Traceback" not in err and "Exception ignored" not in err, err


def temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# --- ordinary permissions for a root user ----------------------------------------------------
def as_ordinary_user() -> tuple:
    """A command prefix under which file permissions apply. Root ignores them (capabilities
    DAC_OVERRIDE and DAC_READ_SEARCH), so as root the program runs without those two."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: file permissions cannot be tested")
    drop = "-dac_override,-dac_read_search"
    return (setpriv, f"--inh-caps={drop}", f"--bounding-set={drop}")


# --- a disk that fills up --------------------------------------------------------------------
class Disk:
    """A folder on a small disk: a real tmpfs where this machine lets the tests mount one
    (``mount -t tmpfs``, as root), else a plain folder where the programs' writes fail with
    ENOSPC injected at the OS boundary (:func:`tests.train.warm.inject_disk_faults`).
    Start programs with ``env=disk.env``."""

    def __init__(self, root: Path, size_mb: int) -> None:
        self.dir, self.flags = root / "disk", root / "flags"
        self.dir.mkdir()
        self.flags.mkdir()
        can_mount = os.geteuid() == 0 and not os.environ.get("NNNOTES_TEST_NO_TMPFS")
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs",
                                  str(self.dir)], capture_output=True) if can_mount else None
        self.kind = "tmpfs" if mounted is not None and mounted.returncode == 0 else "injected"
        self.env = {} if self.kind == "tmpfs" else {"NNNOTES_TEST_DISK": str(self.flags)}

    def fill(self) -> None:
        """No byte more can be written."""
        if self.kind == "injected":
            (self.flags / "full").touch()
            return
        with open(self.dir / "filler", "wb", buffering=0) as f:
            for chunk in (2 ** 20, 4096, 1):
                try:
                    while True:
                        f.write(bytes(chunk))
                except OSError as e:
                    assert e.errno == errno.ENOSPC
        assert shutil.disk_usage(self.dir).free == 0

    def free(self) -> None:
        (self.flags / "full").unlink(missing_ok=True)
        (self.dir / "filler").unlink(missing_ok=True)

    def close(self) -> None:
        if self.kind == "tmpfs":
            subprocess.run(["umount", "-l", str(self.dir)], check=True)


@pytest.fixture
def disk(tmp_path):
    """A 16 MB disk (see :class:`Disk`); ``disk.kind`` says which kind this machine allowed."""
    d = Disk(tmp_path, 16)
    yield d
    d.close()


@pytest.fixture
def tiny_disk(tmp_path):
    """A disk with 1 MiB free."""
    d = Disk(tmp_path, 1)
    if d.kind == "injected":
        (d.flags / "small").touch()
    yield d
    d.close()


def stop(proc: subprocess.Popen) -> None:
    """Freeze a program (SIGSTOP) until :func:`go_on`: the test acts while it waits."""
    proc.send_signal(signal.SIGSTOP)


def go_on(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGCONT)


@pytest.fixture(scope="session")
def warm(tmp_path_factory):
    """Programs started warm (see :mod:`tests.train.warm`): real processes, minus torch's
    four seconds of imports."""
    from tests.train.warm import WarmStarter

    starter = WarmStarter(tmp_path_factory.mktemp("warm"))
    yield starter
    starter.close()


def run_cases(warm, calls: list[dict]) -> list[Result]:
    """:meth:`~tests.train.warm.WarmStarter.run` for each dict of its arguments, a few at a
    time; the results in order."""
    with ThreadPoolExecutor(PARALLEL) as pool:
        return list(pool.map(lambda kw: warm.run(**kw), calls))


@pytest.fixture
def started(warm):
    """Programs a test starts in the background are stopped when it ends, pass or fail."""
    procs: list = []
    yield procs.append
    for p in procs:
        if p.ended.empty():
            p.send_signal(signal.SIGKILL)
            p.wait()
