"""MNIST-format datasets: find the IDX files, decode them once into tensors.

MNIST and Fashion-MNIST ship as four IDX files (optionally gzipped)::

    train-images-idx3-ubyte   train-labels-idx1-ubyte
    t10k-images-idx3-ubyte    t10k-labels-idx1-ubyte

:func:`load` returns the whole split as two tensors: ``uint8`` images ``[N, 28, 28]`` and
``int64`` labels ``[N]``. Training then batches these in memory with shuffled indices; there is
no per-sample PIL image or ``ToTensor`` call anywhere.

Where the files are looked for, in order, when ``root`` is not given:

1. ``$NNNOTES_DATA_DIR/<name>/`` and ``$NNNOTES_DATA_DIR/`` (if the variable is set);
2. the per-user data directory (:func:`user_data_dir`), where downloads go;
3. ``/usr/share/datasets/<name>/`` (Debian's ``dataset-fashion-mnist`` package installs there).

In each directory the files may also sit in torchvision's layout (``MNIST/raw/``,
``FashionMNIST/raw/``).
"""

from __future__ import annotations

import functools
import gzip
import math
import os
import struct
import zlib
from pathlib import Path

import torch

from nnnotes.errors import DataError

NAMES = ("mnist", "fashion-mnist")
SPLITS = ("train", "test")
PREFIX = {"train": "train", "test": "t10k"}
TORCHVISION_FOLDER = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST"}
SIDE = 28  # every image is SIDE x SIDE pixels
PIXELS = SIDE * SIDE  # the input size of an MLP: 784
NUM_CLASSES = 10
IMAGES_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions
LABELS_MAGIC = 0x00000801  # unsigned bytes, 1 dimension

FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
CLASSES = {"mnist": tuple(str(d) for d in range(NUM_CLASSES)), "fashion-mnist": FASHION_CLASSES}


def user_data_dir() -> Path:
    """Per-user default data directory: ``$XDG_CACHE_HOME/nnnotes/data`` (``~/.cache/...``)."""
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "nnnotes" / "data"


def file_names(split: str) -> tuple[str, str]:
    """The images and labels file names of a split, without ``.gz``."""
    prefix = PREFIX[split]
    return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"


def candidate_dirs(name: str, root: str | Path | None = None) -> list[Path]:
    """Directories that may hold the IDX files of ``name``, in the order they are tried."""
    if root is not None:
        roots = [Path(root)]
    else:
        roots = [Path(d) for d in [os.environ.get("NNNOTES_DATA_DIR")] if d]
        roots.append(user_data_dir())
    dirs = []
    for r in roots:
        dirs += [r / name, r, r / TORCHVISION_FOLDER[name] / "raw"]
    if root is None:
        dirs.append(Path("/usr/share/datasets") / name)
    return list(dict.fromkeys(d.absolute() for d in dirs))  # drop duplicates, keep order


def find_file(directory: Path, stem: str) -> Path | None:
    """``directory/stem`` or ``directory/stem.gz``, whichever exists (plain file first)."""
    for path in (directory / stem, directory / f"{stem}.gz"):
        try:
            if path.is_file():
                return path
        except PermissionError:
            raise unreadable_folder(directory) from None
    return None


def check_readable(directory: Path) -> None:
    """:class:`DataError` if ``directory`` exists but cannot be listed or entered."""
    try:
        exists = directory.is_dir()
    except PermissionError:  # a parent folder cannot be entered
        raise unreadable_folder(directory) from None
    if exists and not os.access(directory, os.R_OK | os.X_OK):
        raise unreadable_folder(directory)


def unreadable_folder(directory: Path) -> DataError:
    return DataError(f"cannot read the folder {directory}: permission denied. Make it readable "
                     f"(e.g. chmod u+rx {directory}) or point --data-dir to another folder.")


def find_split(name: str, split: str, root: str | Path | None = None) -> tuple[Path, Path]:
    """Paths of the images and labels files of a split; :class:`DataError` if not found."""
    check_name_split(name, split)
    images_stem, labels_stem = file_names(split)
    dirs = candidate_dirs(name, root)
    for d in dirs:
        check_readable(d)
        images, labels = find_file(d, images_stem), find_file(d, labels_stem)
        if images and labels:
            return images, labels
        if images or labels:
            missing = labels_stem if images else images_stem
            raise DataError(f"{d} has {(images or labels).name} but not {missing}[.gz]: "
                            f"the {split} split of {name} needs both files.")
    tried = "\n".join(f"  {d}" for d in dirs)
    raise DataError(f"the {split} split of {name} was not found: looked for {images_stem}[.gz] "
                    f"and {labels_stem}[.gz] in\n{tried}")


def check_name_split(name: str, split: str) -> None:
    """Raise :class:`DataError` for an unknown dataset name or split."""
    if name not in NAMES:
        raise DataError(f"unknown dataset {name!r}: expected one of {', '.join(NAMES)}")
    if split not in SPLITS:
        raise DataError(f"unknown split {split!r}: expected one of {', '.join(SPLITS)}")


def read_bytes(path: Path) -> bytes:
    """The content of ``path``, gunzipped if it ends in ``.gz``."""
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                return f.read()
        return path.read_bytes()
    except PermissionError:
        raise DataError(f"cannot read {path}: permission denied. Make it readable (e.g. chmod "
                        f"u+r {path}) or point --data-dir to another copy.") from None
    except IsADirectoryError:
        raise DataError(f"{path} is a directory where an IDX file was expected.") from None
    except (EOFError, zlib.error, gzip.BadGzipFile) as e:
        raise DataError(f"{path}: cannot read it as {'gzip' if path.suffix == '.gz' else 'a file'}"
                        f" ({e}); the file is truncated or corrupt, download it again.") from None
    except OSError as e:  # an I/O error of the disk or the network file system
        raise DataError(f"cannot read {path}: {e.strerror or e}.") from None


def parse_idx(data: bytes, magic: int, path: Path) -> torch.Tensor:
    """Decode an IDX buffer of unsigned bytes whose header must start with ``magic``."""
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(data) >= 4:
        (found,) = struct.unpack(">I", data[:4])
        if found != magic:
            raise DataError(f"{path}: magic number {found:#010x}, expected {magic:#010x} "
                            f"({'images' if ndim == 3 else 'labels'} of unsigned bytes, {ndim} "
                            f"dimension{'s' if ndim > 1 else ''}); is this the right file?")
    if len(data) < header:
        raise DataError(f"{path}: {len(data)} bytes, shorter than the {header}-byte IDX header;"
                        f" the file is truncated.")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    expected = header + math.prod(shape)
    if len(data) != expected:
        raise DataError(f"{path}: {len(data)} bytes, expected {expected} for shape "
                        f"{list(shape)}; the file is truncated or corrupt.")
    if expected == header:  # no pixels at all (0 images, or 0x0 ones): frombuffer refuses
        return torch.empty(shape, dtype=torch.uint8)
    flat = torch.frombuffer(bytearray(data[header:]), dtype=torch.uint8)
    return flat.reshape(shape)


def read_idx(path: Path, magic: int) -> torch.Tensor:
    """Read and decode one IDX file (``.gz`` or not); decoded files are cached in memory."""
    path = Path(path).absolute()
    try:
        stat = path.stat()
    except OSError as e:
        raise DataError(f"cannot read {path}: {e.strerror}.") from None
    return _read_idx_cached(path, stat.st_mtime_ns, stat.st_size, magic).clone()


@functools.lru_cache(maxsize=4)
def _read_idx_cached(path: Path, mtime_ns: int, size: int, magic: int) -> torch.Tensor:
    return parse_idx(read_bytes(path), magic, path)


def load(name: str, split: str, root: str | Path | None = None,
         download: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """Images ``uint8 [N, 28, 28]`` and labels ``int64 [N]`` of one split of a dataset.

    ``name`` is ``"mnist"`` or ``"fashion-mnist"``, ``split`` is ``"train"`` or ``"test"``.
    With ``download=True`` a missing split is fetched with torchvision into ``root`` (or the
    per-user data directory). Every failure raises :class:`DataError` with a readable message.
    """
    try:
        images_path, labels_path = find_split(name, split, root)
    except DataError as not_found:
        if not download or "not found" not in str(not_found):
            raise
        fetch(name, Path(root) if root is not None else user_data_dir(), str(not_found))
        images_path, labels_path = find_split(name, split, root)
    images = read_idx(images_path, IMAGES_MAGIC)
    labels = read_idx(labels_path, LABELS_MAGIC).long()
    check_images(images, images_path)
    if images.shape[0] != labels.shape[0]:
        raise DataError(f"{images_path} has {images.shape[0]} images but {labels_path} has "
                        f"{labels.shape[0]} labels; they must match.")
    if labels.numel() and int(labels.max()) >= NUM_CLASSES:
        raise DataError(f"{labels_path}: label {int(labels.max())} found, expected 0 to "
                        f"{NUM_CLASSES - 1}.")
    return images, labels


def check_images(images: torch.Tensor, path: Path) -> None:
    """:class:`DataError` unless ``images`` holds at least one image of SIDE x SIDE pixels."""
    if tuple(images.shape[1:]) != (SIDE, SIDE):
        size = "x".join(map(str, images.shape[1:]))
        raise DataError(f"{path}: images of {size} pixels, expected {SIDE}x{SIDE} (MNIST and "
                        f"Fashion-MNIST); this is not one of their image files.")
    if len(images) == 0:
        raise DataError(f"{path} holds 0 images; the file is empty or was cut short when written.")


def subsets(name: str, n_train: int, n_test: int, seed: int = 0) -> tuple[torch.Tensor, ...]:
    """Random subsets of the train and test splits: ``uint8`` images and labels of each.

    One generator seeded with ``seed`` draws the training indices, then the test indices, so the
    same arguments always give the same images. Small experiments on the pages use these.
    """
    g = torch.Generator().manual_seed(seed)
    out: list[torch.Tensor] = []
    for split, n in (("train", n_train), ("test", n_test)):
        images, labels = load(name, split)
        idx = torch.randperm(len(labels), generator=g)[:n]
        out += [images[idx], labels[idx]]
    return tuple(out)


def fetch(name: str, root: Path, not_found: str = "") -> None:
    """Download ``name`` with torchvision into ``root``; :class:`DataError` on any failure."""
    import contextlib
    import io

    from torchvision import datasets

    cls = {"mnist": datasets.MNIST, "fashion-mnist": datasets.FashionMNIST}[name]
    mirrors = [m for m in getattr(cls, "mirrors", [])] or ["(torchvision's default mirrors)"]
    log = io.StringIO()
    try:
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            for train in (True, False):
                cls(root=str(root), train=train, download=True)
    except Exception as e:  # network errors come in many types (URLError, HTTPError 403, ...)
        reason = str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__
        raise DataError(
            f"{not_found}\n"
            f"Downloading {name} with torchvision into {root} failed: {reason}\n"
            f"  tried: {', '.join(mirrors)}\n"
            f"Offline options:\n"
            f"  - copy the four IDX files (.gz or not) into {root / name} or any folder and\n"
            f"    point to it with --data-dir or the NNNOTES_DATA_DIR environment variable;\n"
            f"  - Fashion-MNIST on Debian/Ubuntu: apt install dataset-fashion-mnist (found\n"
            f"    automatically in /usr/share/datasets/fashion-mnist);\n"
            f"  - download on a machine with a good connection: python -c \"import torchvision; "
            f"torchvision.datasets.{cls.__name__}('DIR', download=True)\"\n"
            f"    then copy DIR/{cls.__name__}/raw/ and pass it with --data-dir."
        ) from None
