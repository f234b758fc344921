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
            args.append(flag)
        elif name == "figures" and value is False:
            args.append("--no-figures")
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
        """The first line it printed on stderr (the table of cases quotes it)."""
        return self.err.strip().splitlines()[0] if self.err.strip() else ""


def command(args: list[str], module: str = "nnnotes.train", prefix: tuple = ()) -> list[str]:
    return [*prefix, sys.executable, "-m", module, *map(str, args)]


def environment(**extra: str) -> dict:
    return {**os.environ, "MPLBACKEND": "Agg", "PYTHONUNBUFFERED": "1", **extra}


def run_program(args: list[str], module: str = "nnnotes.train", cwd: Path | None = None,
                prefix: tuple = (), env: dict | None = None, umask: int | None = None,
                timeout: float = 300) -> Result:
    """Run a program to its end, as a user would, and check it printed no traceback."""
    done = subprocess.run(command(args, module, prefix), cwd=cwd, env=env or environment(),
                          capture_output=True, text=True, timeout=timeout,
                          umask=-1 if umask is None else umask)
    assert_no_traceback(done.stderr)
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
INJECT = """
import errno, os, runpy, sys
flags = os.environ["NNNOTES_TEST_DISK"]
_write, _statvfs = os.write, os.statvfs
def write(fd, data):
    if os.path.exists(os.path.join(flags, "full")):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    return _write(fd, data)
def statvfs(path):
    st = _statvfs(path)
    if os.path.exists(os.path.join(flags, "small")):  # report 1 MiB free
        return os.statvfs_result((st.f_bsize, 4096, 256, 256, 256) + tuple(st)[5:])
    return st
os.write, os.statvfs = write, statvfs
sys.argv[0] = "nnnotes.train"
runpy.run_module("nnnotes.train", run_name="__main__", alter_sys=True)
"""


class Disk:
    """A folder on a small disk: a real tmpfs where this machine lets the tests mount one
    (``mount -t tmpfs``, as root), else a plain folder and a write that fails with ENOSPC
    injected at the OS boundary (``os.write``, ``os.statvfs``) in the program's process."""

    def __init__(self, root: Path, size_mb: int) -> None:
        self.dir, self.flags = root / "disk", root / "flags"
        self.dir.mkdir()
        self.flags.mkdir()
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs",
                                  str(self.dir)], capture_output=True) if os.geteuid() == 0 \
            else None
        self.kind = "tmpfs" if mounted is not None and mounted.returncode == 0 else "injected"

    def command(self, args: list[str]) -> list[str]:
        if self.kind == "tmpfs":
            return command(args)
        return [sys.executable, "-c", INJECT, *map(str, args)]

    def env(self) -> dict:
        return environment(NNNOTES_TEST_DISK=str(self.flags))

    def start(self, args: list[str]) -> subprocess.Popen:
        return subprocess.Popen(self.command(args), env=self.env(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def run(self, args: list[str]) -> Result:
        return finish(self.start(args))

    def fill(self) -> None:
        """No byte more can be written."""
        if self.kind == "injected":
            (self.flags / "full").touch()
            return
        with open(self.dir / "filler", "wb") as f:
            for chunk in (2 ** 20, 4096, 1):
                try:
                    while True:
                        f.write(bytes(chunk))
                        f.flush()
                except OSError as e:
                    assert e.errno == errno.ENOSPC
        assert shutil.disk_usage(self.dir).free == 0

    def shrink(self) -> None:
        """Report 1 MiB free (a tmpfs is mounted that small instead)."""
        (self.flags / "small").touch()

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
        d.shrink()
    yield d
    d.close()


def stop(proc: subprocess.Popen) -> None:
    """Freeze a program (SIGSTOP) until :func:`go_on`: the test acts while it waits."""
    proc.send_signal(signal.SIGSTOP)


def go_on(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGCONT)
