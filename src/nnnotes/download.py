"""Downloading MNIST and Fashion-MNIST with torchvision, leaving nothing behind on failure.

:func:`nnnotes.data.load` (``download=True``) and the data command (``python -m nnnotes.data``)
download through :func:`download`; a failure is a :class:`DataError` that says what was tried,
and :func:`offline_options` what to do without a network.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import socket
import tempfile
from pathlib import Path

from nnnotes.errors import DataError

TIMEOUT = 20.0  # seconds a download waits for the network before it gives up
SYSTEM_DIR = Path("/usr/share/datasets")  # Debian's data set packages (dataset-fashion-mnist)
TORCHVISION_CLASS = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST"}


def download(name: str, root: Path, timeout: float = TIMEOUT, progress: bool = False) -> Path:
    """Download ``name`` with torchvision into ``root/<name>/`` and return that folder.

    torchvision downloads into a temporary folder and checks each file's MD5; only its ``.gz``
    files are then moved into place, whole, so a failed download leaves nothing behind (no
    empty folders). ``progress`` lets torchvision's progress bars through to stderr.
    """
    target = Path(root).absolute() / name
    try:
        from torchvision import datasets
    except ImportError as e:
        raise DataError(f"Downloading {name} needs torchvision ({e}).") from None
    cls = getattr(datasets, TORCHVISION_CLASS[name])
    mirrors = list(getattr(cls, "mirrors", [])) or ["(torchvision's default mirrors)"]
    log = io.StringIO()
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)  # urllib would wait forever on a network that never answers
    try:
        with tempfile.TemporaryDirectory(prefix="nnnotes-download-") as tmp:
            quiet_stderr = contextlib.nullcontext() if progress else contextlib.redirect_stderr(log)
            with contextlib.redirect_stdout(log), quiet_stderr:
                cls(root=tmp, train=True, download=True)  # downloads all four files
            files = sorted((Path(tmp) / cls.__name__ / "raw").glob("*.gz"))
            target.mkdir(parents=True, exist_ok=True)
            for file in files:
                part = target / f".{file.name}.part"
                shutil.copyfile(file, part)
                part.replace(target / file.name)
    except Exception as e:  # network errors come in many types (URLError, HTTPError 403, ...)
        reason = str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__
        raise DataError(f"Downloading {name} with torchvision into {target} failed: {reason}\n"
                        f"  tried: {', '.join(mirrors)}") from None
    finally:
        socket.setdefaulttimeout(previous)
    return target


def offline_options(root: Path) -> str:
    """What to do without a network, in a few lines."""
    return (f"Offline options:\n"
            f"  - copy the four IDX files (.gz or not) into {Path(root).absolute()}/<name>/, or into\n"
            f"    DIR/<name>/ and pass --data-dir DIR or set the NNNOTES_DATA_DIR environment variable;\n"
            f"  - Fashion-MNIST on Debian/Ubuntu: apt install dataset-fashion-mnist (found\n"
            f"    automatically in {SYSTEM_DIR}/fashion-mnist);\n"
            f"  - on a machine with a network: python -m nnnotes.data --data-dir DIR, then copy DIR here.")
