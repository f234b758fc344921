"""Warm starts: ``python -m nnnotes.train`` without the four seconds of torch's imports.

A trainer process spends about 1.7 s importing torch and 2.2 s more importing
``torch._dynamo`` (``torch.optim`` loads it on first use), so the dozens of processes the
fault tests start would take minutes. This file, run as a script, is a *warm starter*: it
imports those modules once, then for each request forks a child that runs the program exactly
as ``python -m`` does (``runpy.run_module(module, run_name="__main__")``), with its own
arguments, working directory, environment, umask, stdout and stderr files. Each child is a
real, separate process: real signals, real files, its own exit code.

What a warm child does not do is import torch, so everything about startup (Ctrl-C while
torch loads, ``--help`` without torch) is tested with cold ``python -m`` processes instead.
``NNNOTES_TEST_COLD=1`` makes every warm start a cold one, to check both give the same results.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from queue import Queue

COLD = os.environ.get("NNNOTES_TEST_COLD", "") not in ("", "0")


def serve() -> None:  # the warm starter's own loop (this file run as a script)
    import torch  # noqa: F401
    import torch._dynamo  # noqa: F401

    import nnnotes.evaluate  # noqa: F401
    import nnnotes.train.runs  # noqa: F401

    children: dict[int, int] = {}
    pending = b""
    while True:
        ready, _, _ = select.select([0], [], [], 0.005)
        if ready:
            chunk = os.read(0, 65536)
            if not chunk:
                break
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                request = json.loads(line)
                if "kill" in request:  # only a child not yet reaped: its pid is still its own
                    if request["kill"] in children:
                        os.kill(request["kill"], request["signal"])
                    continue
                pid = os.fork()
                if pid == 0:
                    child(request)
                children[pid] = request["id"]
                reply({"id": request["id"], "pid": pid})
        while children:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            reply({"id": children.pop(pid), "code": os.waitstatus_to_exitcode(status)})
    while children:
        pid, status = os.waitpid(-1, 0)
        reply({"id": children.pop(pid), "code": os.waitstatus_to_exitcode(status)})


def reply(message: dict) -> None:
    os.write(1, (json.dumps(message) + "\n").encode())


def child(request: dict) -> None:
    """In the forked child: become the program the request names; never returns."""
    import runpy
    import warnings

    code = 1
    try:
        for fd, name in ((0, os.devnull), (1, request["stdout"]), (2, request["stderr"])):
            os.dup2(os.open(name, os.O_RDONLY if fd == 0 else os.O_WRONLY | os.O_CREAT), fd)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.chdir(request["cwd"])
        os.environ.update(request["env"])
        if request["umask"] is not None:
            os.umask(request["umask"])
        if request["ordinary"]:
            drop_root_powers()
        inject_disk_faults()
        # the module was imported to warm up; running it as __main__ again is what -m does
        warnings.filterwarnings("ignore", category=RuntimeWarning, module="runpy")
        sys.argv = [request["module"], *request["args"]]
        try:
            runpy.run_module(request["module"], run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:  # noqa: BLE001 (what python -m would print, then exit 1)
        import traceback

        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001
                pass
        os._exit(code)


def inject_disk_faults() -> None:
    """Where no small tmpfs can be mounted: with ``NNNOTES_TEST_DISK=FLAGS`` set, writes fail
    with ENOSPC once ``FLAGS/full`` exists, and ``os.statvfs`` reports 1 MiB free while
    ``FLAGS/small`` exists: the disk faults, injected at the OS boundary."""
    flags = os.environ.get("NNNOTES_TEST_DISK")
    if not flags:
        return
    import errno

    write, statvfs = os.write, os.statvfs

    def failing_write(fd: int, data: bytes) -> int:
        if os.path.exists(os.path.join(flags, "full")):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return write(fd, data)

    def small_statvfs(path):
        st = statvfs(path)
        if os.path.exists(os.path.join(flags, "small")):
            return os.statvfs_result((st.f_bsize, 4096, 256, 256, 256) + tuple(st)[5:])
        return st

    os.write, os.statvfs = failing_write, small_statvfs


def drop_root_powers() -> None:
    """Make file permissions apply to this (root) process: drop the capabilities
    CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, what ``setpriv`` does for a cold start."""
    import ctypes

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Sets(ctypes.Structure):
        _fields_ = [(name, ctypes.c_uint32) for name in ("effective", "permitted", "inheritable")]

    libc = ctypes.CDLL(None, use_errno=True)
    header, sets = Header(0x20080522, 0), (Sets * 2)()  # _LINUX_CAPABILITY_VERSION_3
    if libc.capget(ctypes.byref(header), sets) != 0:
        raise OSError(ctypes.get_errno(), "capget")
    keep = ~((1 << 1) | (1 << 2)) & 0xFFFFFFFF  # CAP_DAC_OVERRIDE = 1, CAP_DAC_READ_SEARCH = 2
    for name in ("effective", "permitted", "inheritable"):
        setattr(sets[0], name, getattr(sets[0], name) & keep)
    if libc.capset(ctypes.byref(header), sets) != 0:
        raise OSError(ctypes.get_errno(), "capset")


@dataclass
class Child:
    """A started program: its pid, where its output goes, and how it ended."""

    pid: int
    out: Path
    err: Path
    ended: Queue
    signal_it: object  # (signum) -> None: by its parent, which alone knows it still runs

    def send_signal(self, signum: int) -> None:
        self.signal_it(signum)

    def poll_line(self, prefix: str, timeout: float = 120) -> bool:
        """Wait until stdout has a line starting with ``prefix``; False if the program ended."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(line.startswith(prefix) for line in self.out.read_text().splitlines()):
                return True
            if not self.ended.empty():
                return False
            time.sleep(0.002)
        raise AssertionError(f"no line starting with {prefix!r} in {timeout} s")

    def wait(self, timeout: float = 300):
        from tests.train.conftest import Result

        code = self.ended.get(timeout=timeout)
        self.ended.put(code)
        return Result(code, self.out.read_text(), self.err.read_text())


class WarmStarter:
    """Starts programs from the warm starter (or cold, with ``NNNOTES_TEST_COLD=1``)."""

    def __init__(self, scratch: Path) -> None:
        self.scratch, self.count, self.lock = scratch, 0, threading.Lock()
        self.waiting: dict[int, Queue] = {}
        self.children: list[Child] = []
        self.server = None if COLD else subprocess.Popen(
            [sys.executable, __file__], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            cwd=Path(__file__).parents[2])
        if self.server:
            threading.Thread(target=self._read_replies, daemon=True).start()

    def _read_replies(self) -> None:
        for line in self.server.stdout:
            message = json.loads(line)
            self.waiting[message["id"]].put(message.get("pid", message.get("code")))

    def start(self, args: list, module: str = "nnnotes.train", cwd: Path | None = None,
              env: dict | None = None, umask: int | None = None,
              ordinary: bool = False) -> Child:
        """Start ``python -m module args``; ``ordinary``: without root's power over file
        permissions (:func:`drop_root_powers`)."""
        with self.lock:
            self.count += 1
            n = self.count
        out, err = self.scratch / f"{n}.out", self.scratch / f"{n}.err"
        out.touch()
        err.touch()
        if self.server is None:
            return self._cold(args, module, cwd, env, umask, out, err, ordinary)
        replies: Queue = Queue()
        self.waiting[n] = replies
        request = {"id": n, "args": list(map(str, args)), "module": module, "stdout": str(out),
                   "stderr": str(err), "cwd": str(cwd or os.getcwd()), "env": env or {},
                   "umask": umask, "ordinary": ordinary and os.geteuid() == 0}
        with self.lock:
            self.server.stdin.write((json.dumps(request) + "\n").encode())
            self.server.stdin.flush()
        pid = replies.get(timeout=60)
        started = Child(pid, out, err, replies, lambda signum: self._send(pid, signum))
        self.children.append(started)
        return started

    def _send(self, pid: int, signum: int) -> None:
        with self.lock:
            self.server.stdin.write((json.dumps({"kill": pid, "signal": int(signum)}) + "\n")
                                    .encode())
            self.server.stdin.flush()

    def _cold(self, args, module, cwd, env, umask, out, err, ordinary) -> Child:
        from tests.train.conftest import as_ordinary_user, command, environment

        prefix = as_ordinary_user() if ordinary else ()
        cmd = command(list(args), module, prefix)
        if (env or {}).get("NNNOTES_TEST_DISK"):  # python -m, with the disk faults injected
            cmd = [*prefix, sys.executable, __file__, "--run", module, *map(str, args)]
        with open(out, "w") as o, open(err, "w") as e:
            proc = subprocess.Popen(cmd, cwd=cwd, stdout=o, stderr=e,
                                    env=environment(**(env or {})),
                                    umask=-1 if umask is None else umask)
        ended: Queue = Queue()
        threading.Thread(target=lambda: ended.put(proc.wait()), daemon=True).start()
        started = Child(proc.pid, out, err, ended, proc.send_signal)
        self.children.append(started)
        return started

    def run(self, args: list, **kwargs):
        return self.start(args, **kwargs).wait()

    def close(self) -> None:
        """Stop what a failed test left running, then the warm starter."""
        for c in self.children:
            if c.ended.empty():
                c.send_signal(signal.SIGKILL)
        if self.server:
            self.server.stdin.close()
            self.server.wait(timeout=120)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--run"]:  # a cold start with the disk faults injected
        import runpy

        inject_disk_faults()
        sys.argv = sys.argv[2:]
        runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
    else:
        sys.path.insert(0, str(Path(__file__).parents[2]))
        serve()
