"""Checkpoints: everything needed to continue a run exactly, written atomically.

A checkpoint is a plain ``dict`` of tensors, numbers, strings, lists and dicts, so it loads
with ``torch.load(path, weights_only=True)``: no pickled Python objects, no code runs on load.
Every file a run writes goes through :func:`atomic_write_bytes`: a reader, or a crash, sees
the old file or the new one, never half of one; files get the user's normal permissions.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import secrets
import zipfile
from pathlib import Path
from typing import Any

import torch

from nnnotes.errors import CheckpointError, WriteError

TEMPORARY = re.compile(r"^\..+\.[0-9a-f]{16}\.tmp$")  # what atomic_write_bytes names them
# What each use of a checkpoint needs in it.
FOR_EVALUATION = ("model", "config", "normalization", "epoch", "history")
HISTORY_KEYS = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc")
FOR_RESUMING = FOR_EVALUATION + ("optimizer", "step", "perm", "partial", "rng", "best")


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder, then rename.

    ``os.replace`` is atomic: a reader (or a crash) sees the old file or the new one, never
    half of one. The temporary file is created with mode 0o666 less the umask, like any file
    a program writes (``mkstemp`` would make it 0o600). An ``OSError`` (disk full, read-only
    folder, a file where a folder should be) becomes a :class:`WriteError` naming the file.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise WriteError(f"cannot write {path}: {e.strerror or e}", path, e.errno) from None
        raise
    sync_directory(path.parent)


def sync_directory(folder: Path) -> None:
    """Make a rename in ``folder`` durable, where the file system can (best effort: the
    file itself is complete either way)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write_text(path: str | Path, text: str) -> None:
    """:func:`atomic_write_bytes` for UTF-8 text."""
    atomic_write_bytes(path, text.encode("utf-8"))


def write_json(path: str | Path, obj: Any) -> None:
    """Write ``obj`` as indented JSON, atomically."""
    text = json.dumps(obj, indent=2)
    text = re.sub(r"\[\s+([-+\d.eE,\s]+?)\s+\]", lambda m: "[" + " ".join(m[1].split()) + "]", text)
    atomic_write_text(path, text + "\n")  # lists of numbers on one line


def write_figure(fig: Any, path: str | Path, dpi: int) -> None:
    """Save a matplotlib figure as a PNG, atomically (like every other output of a run)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    atomic_write_bytes(path, buffer.getbuffer())


def remove_temporaries(folder: Path) -> list[str]:
    """Delete the temporary files an interrupted :func:`atomic_write_bytes` left in ``folder``
    (a process killed with SIGKILL cannot remove its own); return their names."""
    removed = []
    for p in sorted(folder.iterdir()) if folder.is_dir() else []:
        if TEMPORARY.match(p.name) and p.is_file():
            p.unlink(missing_ok=True)
            removed.append(p.name)
    return removed


def save(state: dict[str, Any], path: str | Path) -> None:
    """``torch.save`` ``state`` to ``path`` atomically."""
    buffer = io.BytesIO()
    torch.save(state, buffer)
    atomic_write_bytes(path, buffer.getbuffer())


def load(path: str | Path, needs: tuple[str, ...] = ()) -> dict[str, Any]:
    """Load a checkpoint with ``weights_only=True`` and check it holds ``needs``.

    Every way a file can fail to be a checkpoint of ours is a :class:`CheckpointError` that
    says which: missing, unreadable, empty, not a PyTorch file, truncated, holding pickled
    objects, or a valid PyTorch file that is not an nnnotes checkpoint.
    """
    path = Path(path)
    reason = unreadable(path)
    if reason:
        raise CheckpointError(f"{path} {reason}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 (torch raises many types; each is a bad file)
        raise CheckpointError(f"{path} {why_not_loadable(path, e)}") from None
    check_contents(state, path, needs)
    return state


def unreadable(path: Path) -> str | None:
    """Why ``path`` cannot even be opened as a checkpoint, or ``None``."""
    try:
        if not path.exists():
            return "does not exist: no checkpoint there"
        if path.is_dir():
            return "is a directory, not a checkpoint file"
        with open(path, "rb") as f:
            head = f.read(4)
    except PermissionError:
        return "cannot be read: permission denied (make it readable, e.g. chmod u+r)"
    except OSError as e:
        return f"cannot be read: {e.strerror}"
    if not head:
        return ("is empty (0 bytes): it is not a checkpoint; nnnotes never leaves an empty one "
                "(it writes to a temporary file and renames it), so it was made by something else")
    if head != b"PK\x03\x04":  # torch.save writes a zip archive
        return ("is not a PyTorch checkpoint: torch.save writes a zip archive and this file does "
                "not start like one (it may be another format, or damaged)")
    return None


def why_not_loadable(path: Path, e: Exception) -> str:
    """A user-facing reason for a failed ``torch.load`` (never torch's advice to retry with
    ``weights_only=False``: that would run whatever code the file holds)."""
    try:
        with zipfile.ZipFile(path) as z:
            broken = z.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        broken = "archive"
    if broken:
        return ("is truncated or corrupt (its zip archive is damaged); it was not written "
                "completely, or changed afterwards")
    if "Weights only load failed" in str(e) or type(e).__name__ == "UnpicklingError":
        return ("holds pickled Python objects, which nnnotes refuses to load because loading "
                "them could run arbitrary code; it was not written by nnnotes.train (whose "
                "checkpoints hold only tensors, numbers, strings, lists and dicts)")
    return f"could not be loaded by torch.load ({type(e).__name__}); it is not a usable checkpoint"


def check_contents(state: object, path: Path, needs: tuple[str, ...]) -> None:
    """A :class:`CheckpointError` unless ``state`` is a dict with every key of ``needs``."""
    if not needs:
        return
    if not isinstance(state, dict):
        raise CheckpointError(f"{path} is a valid PyTorch file but not an nnnotes checkpoint: it "
                              f"holds a {type(state).__name__}, where nnnotes.train saves a dict "
                              f"with {', '.join(needs)}")
    missing = [k for k in needs if k not in state]
    if len(missing) == len(needs):
        raise CheckpointError(f"{path} is a valid PyTorch file but not an nnnotes checkpoint: it "
                              f"holds a dict of {', '.join(map(str, state)) or 'nothing'}, where "
                              f"nnnotes.train saves {', '.join(needs)}")
    if missing:
        has = ", ".join(map(str, state))
        raise CheckpointError(f"{path} is not a complete nnnotes checkpoint: it lacks "
                              f"{', '.join(missing)} (it has {has})")
    history = state["history"]
    if (not isinstance(state["config"], dict) or not isinstance(state["model"], dict)
            or not all(isinstance(state[k], int) for k in ("epoch", "step") if k in needs)
            or not isinstance(history, list)
            or not all(isinstance(row, dict) and all(isinstance(row.get(k), (int, float))
                                                     for k in HISTORY_KEYS) for row in history)):
        raise CheckpointError(f"{path} is not an nnnotes checkpoint: its config and model must "
                              "be dictionaries, its epoch and step whole numbers and its history "
                              "a list of epochs with their losses and accuracies")


def rng_state(shuffle: torch.Generator) -> dict[str, torch.Tensor]:
    """The random state a run depends on: the global CPU generator and the shuffling one."""
    state = {"torch": torch.get_rng_state(), "shuffle": shuffle.get_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state()
    return state


def set_rng_state(state: dict[str, torch.Tensor], shuffle: torch.Generator) -> None:
    """Restore what :func:`rng_state` saved."""
    torch.set_rng_state(state["torch"])
    shuffle.set_state(state["shuffle"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state(state["cuda"])
