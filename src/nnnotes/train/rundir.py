"""The run directory: owned by one process at a time, named so that names never collide, and
read back in whatever state a kill left it.

* :class:`RunLock`: an OS lock (``fcntl.flock``) on ``RUN_DIR/.lock``. The kernel releases it
  when the process ends, however it ends (also SIGKILL), so a lock is never stale.
* :func:`claim_default` makes ``runs/<dataset>-<date>-<time>`` with ``os.mkdir``, which fails
  if the name exists: two runs started in the same second get ``...-2`` and so on.
* :func:`resume_point`: what a kill can leave, and where a resumed run continues from.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from nnnotes import checkpoint
from nnnotes.errors import CheckpointError, Locked, RunError, WriteError

try:
    import fcntl
except ImportError:  # Windows: no flock, no lock (documented on the mnist page)
    fcntl = None

LOCK = ".lock"
CHECKPOINTS = ("last", "best")  # on a tie the first is preferred


class RunLock:
    """``with RunLock(run_dir, shown):`` the body runs as the directory's only owner, or
    :class:`Locked` (exit 6) is raised and nothing is changed. ``shown`` is the path as the
    user typed it, for messages."""

    def __init__(self, run_dir: Path, shown: Path | None = None) -> None:
        self.path, self.shown = run_dir / LOCK, shown or run_dir
        self.fd: int | None = None

    def __enter__(self) -> RunLock:
        if fcntl is None:
            return self
        while True:  # the lock file at the path may be replaced between open and flock: retry
            fd = self._open()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                owner = os.pread(fd, 32, 0).decode(errors="replace").strip()
                os.close(fd)
                raise self.locked(owner) from None
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        self.fd = fd
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)  # who holds it, for the message above
        except OSError:
            pass  # a full disk: the lock holds all the same
        return self

    def _open(self) -> int:
        try:
            return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as e:
            raise WriteError(f"cannot write in {self.shown}: {e.strerror} (creating {LOCK}, the "
                             "lock that keeps a second trainer out). Make the folder writable, "
                             "or start the run with another --out", self.path, e.errno) from None

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            try:
                os.unlink(self.path)  # still ours: a waiting process re-checks the inode
            except OSError:
                pass
            os.close(self.fd)
            self.fd = None

    def locked(self, owner: str) -> Locked:
        who = f"process {owner}" if owner.isdigit() else "another process"
        return Locked(f"{self.shown} is in use by {who}, which holds its lock {self.shown / LOCK}"
                      f": another nnnotes.train is training or resuming this run. Wait for it "
                      f"to finish (or stop it{f', kill {owner}' if owner.isdigit() else ''}), or "
                      "choose another --out. Nothing was changed.")

    @classmethod
    def probe(cls, run_dir: Path, shown: Path | None = None) -> None:
        """:class:`Locked` now if another process holds the lock (a quick check before loading
        data; the lock itself is taken later)."""
        try:
            fd = os.open(run_dir / LOCK, os.O_RDONLY) if fcntl else None
        except OSError:  # no lock file (or no directory yet): nobody holds it
            return
        if fd is None:
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.pread(fd, 32, 0).decode(errors="replace").strip()
            raise cls(run_dir, shown).locked(owner) from None
        finally:
            os.close(fd)


def claim_default(dataset: str) -> Path:
    """Create and return ``runs/<dataset>-<date>-<time>[-N]``: the first name that did not
    exist (``os.mkdir`` is atomic, so two processes never get the same one)."""
    stem = Path("runs") / f"{dataset}-{time.strftime('%Y%m%d-%H%M%S')}"
    make_dir(stem.parent, stem.parent)
    for n in range(1, 10_000):
        path = stem if n == 1 else stem.with_name(f"{stem.name}-{n}")
        try:
            os.mkdir(path)
            return path
        except FileExistsError:
            continue
        except OSError as e:
            raise cannot_create(path, e) from None
    raise RunError(f"{stem.parent} holds 10,000 runs named {stem.name}: choose --out")


def make_dir(path: Path, shown: Path) -> bool:
    """Create the directory ``path`` (and its parents); True if it did not exist."""
    if path.is_dir():
        return False
    try:
        path.mkdir(parents=True)
        return True
    except FileExistsError:
        if path.is_dir():
            return False
        raise not_a_directory(shown) from None
    except OSError as e:
        raise cannot_create(shown, e) from None


def check_usable(path: Path, shown: Path) -> None:
    """A quick :class:`RunError` before loading data if ``--out`` cannot be a run directory."""
    if path.exists() and not path.is_dir():
        raise not_a_directory(shown)
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise not_a_directory(shown, parent)
            return


def not_a_directory(shown: Path, blocker: Path | None = None) -> RunError:
    what = f"{blocker} is a file, so {shown} cannot be a folder" if blocker else \
        f"{shown} exists and is not a directory"
    return RunError(f"--out {shown}: {what}. A run directory is a folder the trainer creates "
                    "(or an empty one): choose another --out")


def cannot_create(shown: Path, e: OSError) -> WriteError:
    return WriteError(f"cannot create the run directory {shown}: {e.strerror}. Choose an --out "
                      "in a folder you can write to", shown, e.errno)


def check_holds_no_run(run_dir: Path, shown: Path) -> None:
    """:class:`RunError` if a run already has a checkpoint in ``run_dir``."""
    found = [f"{name}.pt" for name in CHECKPOINTS if (run_dir / f"{name}.pt").exists()]
    if found:
        raise RunError(f"{shown} already holds a run ({' and '.join(found)}): continue it with "
                       f"--resume {shown}, or choose another --out (nothing was changed)")


def resume_point(run_dir: Path, shown: Path) -> tuple[dict | None, Path | None]:
    """The most advanced readable checkpoint of ``run_dir`` and its path, or ``(None, None)``.

    A kill between writing ``best.pt`` and ``last.pt`` leaves ``best.pt`` newer (or alone):
    both hold the whole state, so the run continues from whichever is further along. A file
    that exists but cannot be read is an error that names it: nothing is silently skipped.
    """
    found: dict[str, dict] = {}
    broken: dict[str, CheckpointError] = {}
    for name in CHECKPOINTS:
        path = run_dir / f"{name}.pt"
        if path.exists() or path.is_symlink():
            try:
                found[name] = checkpoint.load(path, checkpoint.FOR_RESUMING)
            except CheckpointError as e:
                broken[name] = e
    for name, e in broken.items():
        other = next(iter(found), None)
        way_out = (f"{other}.pt is readable ({position(found[other])}): move {name}.pt aside "
                   f"(mv {shown / name}.pt {shown / name}.pt.broken) and resume again to "
                   f"continue from it" if other else
                   f"no other checkpoint is readable: move {name}.pt aside to start the run "
                   "again from its beginning with its saved config.json")
        raise CheckpointError(f"{e}. A resume never skips a damaged checkpoint silently; "
                              f"{way_out}") from None
    if not found:
        return None, None
    name = max(found, key=lambda k: (found[k]["epoch"], found[k]["step"], k == "last"))
    return found[name], run_dir / f"{name}.pt"


def position(state: dict) -> str:
    return (f"epoch {state['epoch'] + 1}, step {state['step']}" if state["step"]
            else f"the end of epoch {state['epoch']}")


def saved_config(run_dir: Path, shown: Path, state: dict | None) -> dict:
    """The configuration a resumed run starts from: ``config.json``, which is rewritten on
    every start and resume, so it also holds what the last ``--resume`` changed, else the
    checkpoint's. :class:`CheckpointError` when there is neither (nothing to resume)."""
    path = run_dir / "config.json"
    if path.exists():
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise CheckpointError(f"{shown / 'config.json'} cannot be read ({e}); it is not the "
                                  "config.json nnnotes.train writes") from None
        if isinstance(saved, dict):
            return saved
        raise CheckpointError(f"{shown / 'config.json'} holds no configuration")
    if state is not None:
        return state["config"]
    raise CheckpointError(f"nothing to resume in {shown}: it holds no config.json and no "
                          f"checkpoint (a run killed this early had not started). Start the "
                          f"run again: python -m nnnotes.train --out {shown} [options]")
