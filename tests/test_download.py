"""nnnotes.download and the data command (`python -m nnnotes.data`, `make data`): data found where
it lies, a real download failure said in a few lines with the offline options and exit code 3,
fast, with nothing left behind.

The command runs as a user runs it, in a process of its own, with an empty home. Offline is real:
every HTTP(S) request goes through a proxy at a local port that refuses connections, or one that
accepts and never answers (the timeout), so torchvision's download fails as it does without a
network, on any machine.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nnnotes import data, download
from nnnotes.errors import DataError


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def data_command(*args: str, home: Path, proxy: str | None = None, data_dir: Path | None = None,
                 timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("NNNOTES_", "XDG_")) and k.lower() not in {"http_proxy", "https_proxy", "no_proxy"}}
    env["HOME"] = str(home)
    if data_dir is not None:
        env["NNNOTES_DATA_DIR"] = str(data_dir)
    if proxy is not None:
        env.update(http_proxy=proxy, https_proxy=proxy, HTTP_PROXY=proxy, HTTPS_PROXY=proxy)
    return subprocess.run([sys.executable, "-m", "nnnotes.data", *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture
def home(tmp_path) -> Path:
    (tmp_path / "home").mkdir()
    return tmp_path / "home"


def files_under(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*"))


def test_a_folder_laid_out_like_debians_package_is_found_and_read_where_it_is(data_dir, tmp_path, home):
    system = tmp_path / "usr" / "share" / "datasets"  # dataset-fashion-mnist's layout
    (system / "fashion-mnist").mkdir(parents=True)
    for gz in sorted((data_dir / "fashion-mnist").glob("*-ubyte.gz")):
        shutil.copy(gz, system / "fashion-mnist" / gz.name)
    run = data_command("fashion-mnist", "--data-dir", str(system), home=home)
    assert run.returncode == 0, run.stderr
    assert run.stdout == f"fashion-mnist: train and test found in {system / 'fashion-mnist'}\n"
    assert files_under(home) == []  # nothing copied, nothing downloaded
    images, labels = data.load("fashion-mnist", "train", system)
    assert images.shape == (60_000, 28, 28) and labels[:5].tolist() == [9, 0, 0, 3, 0]


def test_the_system_folder_is_named_after_debians_package():
    assert data.where(download.SYSTEM_DIR / "fashion-mnist") == " (Debian's package dataset-fashion-mnist)"
    assert data.candidate_dirs("fashion-mnist")[-1] == download.SYSTEM_DIR / "fashion-mnist"


def test_found_in_nnnotes_data_dir_it_says_so_for_each_split(data_dir, home):
    run = data_command("fashion-mnist", "mnist:test", home=home, data_dir=data_dir)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [
        f"fashion-mnist: train and test found in {data_dir / 'fashion-mnist'} ($NNNOTES_DATA_DIR)",
        f"mnist: test found in {data_dir / 'mnist'} ($NNNOTES_DATA_DIR)"]


def test_offline_it_says_what_it_tried_and_the_offline_options_and_exits_3(tmp_path, home):
    empty = tmp_path / "empty"
    empty.mkdir()
    start = time.perf_counter()
    run = data_command(home=home, data_dir=empty, proxy=f"http://127.0.0.1:{free_port()}")
    seconds = time.perf_counter() - start
    assert run.returncode == 3
    assert "Traceback" not in run.stderr + run.stdout
    user_dir = home / ".cache" / "nnnotes" / "data"
    assert run.stdout.splitlines() == [
        f"mnist: train and test not found in {empty / 'mnist'}, {user_dir / 'mnist'}, /usr/share/datasets/mnist",
        f"mnist: downloading with torchvision into {user_dir / 'mnist'} ...",
        f"fashion-mnist: train and test not found in {empty / 'fashion-mnist'}, {user_dir / 'fashion-mnist'}, "
        "/usr/share/datasets/fashion-mnist",
        f"fashion-mnist: downloading with torchvision into {user_dir / 'fashion-mnist'} ...",
    ]
    err = run.stderr.splitlines()
    assert err[0].startswith(f"Downloading mnist with torchvision into {user_dir / 'mnist'} failed: ")
    assert err[1] == "  tried: https://ossci-datasets.s3.amazonaws.com/mnist/, http://yann.lecun.com/exdb/mnist/"
    assert err[2].startswith(f"Downloading fashion-mnist with torchvision into {user_dir / 'fashion-mnist'} failed: ")
    assert err[4] == "Offline options:" and "apt install dataset-fashion-mnist" in run.stderr
    assert run.stderr.count("Offline options") == 1 and len(err) <= 12
    assert files_under(home) == [] and files_under(empty) == []  # no empty folders left behind
    assert seconds < 60


def test_a_network_that_never_answers_fails_within_the_timeout(tmp_path, home):
    with socket.socket() as silent:  # accepts connections (the kernel's backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        start = time.perf_counter()
        run = data_command("mnist:test", "--timeout", "1", home=home, data_dir=tmp_path,
                           proxy=f"http://127.0.0.1:{silent.getsockname()[1]}")
        seconds = time.perf_counter() - start
    assert run.returncode == 3 and "timed out" in run.stderr, run.stderr
    assert seconds < 30  # two mirrors, one second each, plus starting Python
    assert files_under(home) == []


def test_check_only_reports_and_never_downloads(tmp_path, home):
    run = data_command("mnist", "--check", home=home, data_dir=tmp_path)
    assert run.returncode == 3
    assert "not found" in run.stdout and "downloading" not in run.stdout and run.stderr == ""


def test_help_says_where_it_looks_and_what_it_downloads(home):
    run = data_command("--help", home=home)
    assert run.returncode == 0
    for words in ("$NNNOTES_DATA_DIR", str(home / ".cache" / "nnnotes" / "data"), "/usr/share/datasets",
                  "dataset-fashion-mnist", "torchvision", "never copied", "exit status", "--data-dir"):
        assert words in run.stdout


def test_an_unknown_data_set_is_a_usage_error(home):
    run = data_command("cifar10", home=home)
    assert run.returncode == 2 and "expected mnist or fashion-mnist" in run.stderr


def test_a_download_moves_whole_files_into_root_name(data_dir, tmp_path, monkeypatch):
    """torchvision's layout (ROOT/MNIST/raw/) becomes ROOT/mnist/, the layout the search reads.
    torchvision stands in for the network here: it 'downloads' the real files of the test split."""
    from torchvision import datasets

    class MNIST:
        mirrors = ["https://mirror.example/mnist/"]

        def __init__(self, root, train, download):
            raw = Path(root) / "MNIST" / "raw"
            raw.mkdir(parents=True)
            for gz in (data_dir / "mnist").glob("*.gz"):
                shutil.copy(gz, raw / gz.name)
                shutil.copy(gz, raw / gz.stem)  # torchvision also keeps them uncompressed

    monkeypatch.setattr(datasets, "MNIST", MNIST)
    target = download.download("mnist", tmp_path / "data")
    assert target == tmp_path / "data" / "mnist"
    assert files_under(target) == ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    assert data.load("mnist", "test", tmp_path / "data")[0].shape == (10_000, 28, 28)


def test_a_failed_download_creates_no_folder(tmp_path, monkeypatch):
    from torchvision import datasets

    class MNIST:
        def __init__(self, root, train, download):
            (Path(root) / "MNIST" / "raw").mkdir(parents=True)  # as torchvision does, then fails
            raise RuntimeError("Error downloading train-images-idx3-ubyte.gz:\nHTTP Error 503")

    monkeypatch.setattr(datasets, "MNIST", MNIST)
    with pytest.raises(DataError, match="failed: HTTP Error 503"):
        download.download("mnist", tmp_path / "data")
    assert not (tmp_path / "data").exists()
