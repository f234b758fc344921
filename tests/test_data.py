"""nnnotes.data: real IDX files load; corrupt or missing ones give messages that name the file."""

from __future__ import annotations

import gzip
import shutil
import struct
from pathlib import Path

import pytest
import torch

from nnnotes import data
from nnnotes.data import DataError


def write_idx(path: Path, magic: int, shape: tuple[int, ...], payload: bytes | None = None) -> Path:
    """A synthetic IDX file (only for the corrupt-input cases)."""
    count = 1
    for s in shape:
        count *= s
    body = payload if payload is not None else bytes(count)
    raw = struct.pack(">I", magic) + struct.pack(f">{len(shape)}I", *shape) + body
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(raw))
    else:
        path.write_bytes(raw)
    return path


def test_fashion_mnist_train_and_test_load_as_uint8_images_and_int64_labels(data_dir):
    images, labels = data.load("fashion-mnist", "train", data_dir)
    assert images.shape == (60_000, 28, 28) and images.dtype == torch.uint8
    assert labels.shape == (60_000,) and labels.dtype == torch.int64
    assert labels[:5].tolist() == [9, 0, 0, 3, 0]
    assert torch.bincount(labels).tolist() == [6000] * 10
    test_images, test_labels = data.load("fashion-mnist", "test", data_dir)
    assert test_images.shape == (10_000, 28, 28) and test_labels.shape == (10_000,)


def test_mnist_test_split_loads_the_real_digits(data_dir):
    images, labels = data.load("mnist", "test", data_dir)
    assert images.shape == (10_000, 28, 28)
    assert labels[:5].tolist() == [7, 2, 1, 0, 4]
    assert int(images.max()) == 255 and int(images.min()) == 0


def test_root_defaults_to_the_nnnotes_data_dir_environment_variable(data_dir, monkeypatch):
    monkeypatch.setenv("NNNOTES_DATA_DIR", str(data_dir))
    images, _ = data.load("mnist", "test")
    assert images.shape == (10_000, 28, 28)


def test_root_may_be_the_dataset_folder_itself(data_dir):
    images, _ = data.load("mnist", "test", data_dir / "mnist")
    assert images.shape == (10_000, 28, 28)


def test_uncompressed_idx_files_load_the_same_as_gzipped(data_dir, tmp_path):
    for stem in data.file_names("test"):
        with gzip.open(data_dir / "mnist" / f"{stem}.gz") as f:
            (tmp_path / stem).write_bytes(f.read())
    plain = data.load("mnist", "test", tmp_path)
    packed = data.load("mnist", "test", data_dir)
    assert torch.equal(plain[0], packed[0]) and torch.equal(plain[1], packed[1])


def test_loaded_tensors_are_private_copies(data_dir):
    images, _ = data.load("mnist", "test", data_dir)
    images[0] = 0
    assert int(data.load("mnist", "test", data_dir)[0][0].max()) == 255


def test_missing_split_names_the_expected_files_and_where_it_looked(tmp_path):
    with pytest.raises(DataError) as e:
        data.load("mnist", "train", tmp_path)  # an empty folder: no split is there
    message = str(e.value)
    assert "train split of mnist was not found" in message
    assert "train-images-idx3-ubyte[.gz]" in message and str(tmp_path / "mnist") in message


def test_images_without_labels_names_the_missing_file(tmp_path):
    write_idx(tmp_path / "t10k-images-idx3-ubyte", data.IMAGES_MAGIC, (2, 28, 28))
    with pytest.raises(DataError, match="has t10k-images-idx3-ubyte but not t10k-labels-idx1-ubyte"):
        data.load("mnist", "test", tmp_path)


def test_wrong_magic_number_names_the_file_and_the_expected_magic(tmp_path):
    write_idx(tmp_path / "t10k-images-idx3-ubyte", 0x0801, (2,))  # labels where images belong
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", data.LABELS_MAGIC, (2,))
    with pytest.raises(DataError) as e:
        data.load("mnist", "test", tmp_path)
    assert "t10k-images-idx3-ubyte: magic number 0x00000801, expected 0x00000803" in str(e.value)


def test_truncated_file_says_how_many_bytes_were_expected(tmp_path):
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", data.IMAGES_MAGIC, (2, 28, 28),
              payload=bytes(1000))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", data.LABELS_MAGIC, (2,))
    with pytest.raises(DataError) as e:
        data.load("mnist", "test", tmp_path)
    assert "t10k-images-idx3-ubyte.gz: 1016 bytes, expected 1584 for shape [2, 28, 28]" in str(e.value)


def test_corrupt_gzip_names_the_file(data_dir, tmp_path):
    source = data_dir / "mnist" / "t10k-labels-idx1-ubyte.gz"
    shutil.copy(data_dir / "mnist" / "t10k-images-idx3-ubyte.gz", tmp_path)
    (tmp_path / source.name).write_bytes(source.read_bytes()[:100])  # cut short
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte.gz: cannot read it as gzip"):
        data.load("mnist", "test", tmp_path)


def test_image_and_label_counts_must_match(tmp_path):
    write_idx(tmp_path / "t10k-images-idx3-ubyte", data.IMAGES_MAGIC, (3, 28, 28))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", data.LABELS_MAGIC, (2,))
    with pytest.raises(DataError, match="has 3 images but .* has 2 labels"):
        data.load("mnist", "test", tmp_path)


def test_unknown_dataset_or_split_lists_the_choices():
    with pytest.raises(DataError, match="expected one of mnist, fashion-mnist"):
        data.load("cifar10", "train")
    with pytest.raises(DataError, match="expected one of train, test"):
        data.load("mnist", "validation")


def test_failed_download_says_what_was_tried_and_the_offline_options(tmp_path, monkeypatch):
    from torchvision import datasets

    class Offline:
        mirrors = ["https://mirror.example/mnist/"]

        def __init__(self, *args, **kwargs):
            raise RuntimeError("Error downloading train-images-idx3-ubyte.gz:\n"
                               "HTTP Error 403: Forbidden")

    monkeypatch.setattr(datasets, "MNIST", Offline)
    with pytest.raises(DataError) as e:
        data.load("mnist", "train", tmp_path, download=True)
    message = str(e.value)
    assert "failed: HTTP Error 403: Forbidden" in message
    assert "tried: https://mirror.example/mnist/" in message
    assert "Offline options" in message and "NNNOTES_DATA_DIR" in message


def test_default_root_falls_back_to_the_user_dir_then_debian_path(monkeypatch, tmp_path):
    monkeypatch.delenv("NNNOTES_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    dirs = data.candidate_dirs("fashion-mnist")
    assert dirs[0] == tmp_path / "nnnotes" / "data" / "fashion-mnist"
    assert dirs[-1] == Path("/usr/share/datasets/fashion-mnist")
