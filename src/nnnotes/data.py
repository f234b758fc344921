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
``FashionMNIST/raw/``). ``python -m nnnotes.data`` (``make data``) says where each data set is
found and downloads what is missing (:func:`main`).
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

from nnnotes.download import SYSTEM_DIR, TIMEOUT, download, offline_options
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


def fetch(name: str, root: Path, not_found: str = "", timeout: float = TIMEOUT) -> Path:
    """Download ``name`` into ``root/<name>/`` (:func:`nnnotes.download.download`); on failure a
    :class:`DataError` with ``not_found``, what was tried, and the offline options."""
    try:
        return download(name, root, timeout)
    except DataError as e:
        raise DataError("\n".join(filter(None, [not_found, str(e), offline_options(root)]))) from None


# --- the data command: python -m nnnotes.data ------------------------------------------------
HELP = """\
Looks for each data set where the trainer and the site look, in this order:
  $NNNOTES_DATA_DIR/<name>/ (the Makefile sets it to ../shared/data when that exists),
  the per-user data directory {user_dir}/<name>/,
  {system_dir}/<name>/ (Debian's package dataset-fashion-mnist installs there);
in each also the folder itself and torchvision's layout (MNIST/raw/, FashionMNIST/raw/).
What is found is reported and read where it is (never copied). What is missing is
downloaded with torchvision into the per-user data directory (or --data-dir): that needs
a network, and a failed download leaves nothing behind.

exit status: 0 all found, 2 bad option, 3 a data set is missing or unreadable

examples:
  python -m nnnotes.data                       both data sets, both splits
  python -m nnnotes.data fashion-mnist mnist:test --check
  python -m nnnotes.data --data-dir data       look in ./data only, download into it"""


def where(directory: Path) -> str:
    """Which place of the search ``directory`` is in, in words (empty for --data-dir)."""
    places = [(os.environ.get("NNNOTES_DATA_DIR"), "$NNNOTES_DATA_DIR"),
              (user_data_dir(), "the per-user data directory"),
              (SYSTEM_DIR / "fashion-mnist", "Debian's package dataset-fashion-mnist"),
              (SYSTEM_DIR, SYSTEM_DIR)]
    for place, words in places:
        if place and directory.absolute().is_relative_to(Path(place).absolute()):
            return f" ({words})"
    return ""


def locate(name: str, splits: list[str], root: Path | None) -> tuple[dict[str, Path], list[str]]:
    """The folder of each split that is found, and the splits that are not."""
    found, missing = {}, []
    for split in splits:
        try:
            found[split] = find_split(name, split, root)[0].parent
        except DataError as e:
            if "not found" not in str(e):
                raise  # half a split: a download elsewhere would not be read
            missing.append(split)
    return found, missing


def found_line(name: str, found: dict[str, Path]) -> str:
    """``fashion-mnist: train and test found in DIR (where)``, one clause per folder."""
    by_dir: dict[Path, list[str]] = {}
    for split, directory in found.items():
        by_dir.setdefault(directory, []).append(split)
    return f"{name}: " + "; ".join(f"{' and '.join(s)} found in {d}{where(d)}" for d, s in by_dir.items())


def wanted_split(text: str) -> tuple[str, tuple[str, ...]]:
    """``"mnist"`` -> ``("mnist", ("train", "test"))``; ``"mnist:test"`` -> ``("mnist", ("test",))``."""
    import argparse

    name, _, split = text.partition(":")
    if name not in NAMES or (split and split not in SPLITS):
        raise argparse.ArgumentTypeError(f"{text!r}: expected {' or '.join(NAMES)}, "
                                         f"optionally with :{' or :'.join(SPLITS)}")
    return name, (split,) if split else SPLITS


def get(name: str, splits: list[str], root: Path | None, check: bool, timeout: float) -> bool:
    """Find ``splits`` of ``name``, download them if missing (unless ``check``); True if all found."""
    import sys
    import time

    dest = root if root is not None else user_data_dir()
    try:
        found, missing = locate(name, splits, root)
        if missing:
            looked = ", ".join(str(d) for d in candidate_dirs(name, root) if d.name == name)
            print(f"{name}: {' and '.join(missing)} not found in {looked}", flush=True)
            if check:
                return False
            print(f"{name}: downloading with torchvision into {dest.absolute() / name} ...", flush=True)
            start = time.perf_counter()
            download(name, dest, timeout, progress=sys.stderr.isatty())
            print(f"{name}: downloaded in {time.perf_counter() - start:.1f} s", flush=True)
            found, missing = locate(name, splits, root)
        print(found_line(name, found), flush=True)
        return not missing
    except DataError as e:
        print(e, file=sys.stderr, flush=True)  # its message names the data set
        return False


def main(argv: list[str] | None = None) -> int:
    """``python -m nnnotes.data``: find MNIST and Fashion-MNIST, download what is missing."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(
        prog="python -m nnnotes.data", epilog=HELP.format(user_dir=user_data_dir(), system_dir=SYSTEM_DIR),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Find MNIST and Fashion-MNIST, and download with torchvision what is missing.")
    parser.add_argument("wanted", nargs="*", type=wanted_split, metavar="NAME[:SPLIT]",
                        help=f"{' or '.join(NAMES)}, or one split such as mnist:test "
                             "(default: both data sets, both splits)")
    parser.add_argument("--data-dir", type=Path, metavar="DIR",
                        help="look only in DIR (DIR/<name>/ or DIR itself) and download into it")
    parser.add_argument("--check", action="store_true", help="only report what is found; never download")
    parser.add_argument("--timeout", type=float, default=TIMEOUT, metavar="SECONDS",
                        help=f"network timeout of a download (default {TIMEOUT:g})")
    args = parser.parse_args(argv)
    wanted: dict[str, list[str]] = {}
    for name, splits in args.wanted or [(n, SPLITS) for n in NAMES]:
        wanted.setdefault(name, []).extend(s for s in splits if s not in wanted.get(name, []))
    ok = [get(name, splits, args.data_dir, args.check, args.timeout) for name, splits in wanted.items()]
    if not all(ok) and not args.check:
        print(offline_options(args.data_dir if args.data_dir is not None else user_data_dir()),
              file=sys.stderr)
    return 0 if all(ok) else DataError.exit_code


if __name__ == "__main__":  # python -m nnnotes.data
    raise SystemExit(main())
