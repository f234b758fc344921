"""nnnotes.train.cli: exit codes and messages, help, real signals, options known as typed."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from nnnotes import checkpoint, train
from nnnotes.errors import EXIT_DATA, EXIT_DIVERGED, EXIT_RUN, EXIT_USAGE


def test_nan_loss_exits_with_code_4_and_a_message(data_dir, tmp_path, capsys):
    argv = ["--dataset", "fashion-mnist", "--data-dir", str(data_dir), "--train-size", "500",
            "--optimizer", "sgd", "--lr", "1e12", "--out", str(tmp_path / "r"), "--quiet"]
    assert train.main(argv) == EXIT_DIVERGED
    err = capsys.readouterr().err
    assert err.startswith("error: the loss became") and "Try a lower learning rate" in err
    assert "Traceback" not in err



def main_error(argv: list[str], capsys) -> tuple[int, str]:
    code = train.main(argv)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err



def test_missing_mnist_training_split_exits_3_naming_the_files(data_dir, capsys):
    code, err = main_error(["--data-dir", str(data_dir), "--no-download"], capsys)
    assert code == EXIT_DATA
    assert "train split of mnist was not found" in err and "train-images-idx3-ubyte" in err



def test_corrupt_data_exits_3_naming_the_file(data_dir, tmp_path, capsys):
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"):
        (tmp_path / name).write_bytes(b"not gzip at all")
    code, err = main_error(["--data-dir", str(tmp_path), "--out", str(tmp_path / "r")], capsys)
    assert code == EXIT_DATA and "train-images-idx3-ubyte.gz: cannot read it as gzip" in err



@pytest.mark.parametrize("option, value, message", [
    ("--batch-size", "0", "must be a positive integer"),
    ("--epochs", "ten", "invalid positive_int value"),
    ("--dropout", "1.5", "must be in [0, 1)"),
    ("--hidden", "128,x", "comma-separated positive sizes"),
    ("--val-fraction", "1", "must be between 0 and 1"),
    ("--optimizer", "rmsprop", "invalid choice"),
    ("--lr", "-1", "must be a positive number"),
    ("--augment", "rotate", "invalid choice"),
    ("--label-smoothing", "1", "must be in [0, 1)"),
    ("--warmup", "-2", "must be a number >= 0"),
])
def test_bad_option_exits_2_with_the_reason(option, value, message, capsys):
    code, err = main_error([option, value], capsys)
    assert code == EXIT_USAGE and message in err and option in err



def test_existing_run_directory_is_not_overwritten(finished, data_dir, capsys):
    out, _ = finished
    code, err = main_error(["--data-dir", str(data_dir), "--out", str(out)], capsys)
    assert code == EXIT_RUN and f"continue it with --resume {out}" in err



def test_resuming_a_missing_run_exits_5(tmp_path, capsys):
    code, err = main_error(["--resume", str(tmp_path / "nothing")], capsys)
    assert code == EXIT_RUN and "no checkpoint at" in err



def test_unusable_device_exits_5(data_dir, tmp_path, capsys):
    code, err = main_error(["--device", "cuda:7", "--dataset", "fashion-mnist", "--data-dir",
                            str(data_dir), "--out", str(tmp_path / "r")], capsys)
    assert code == EXIT_RUN and "device 'cuda:7' is not usable" in err



def test_help_explains_every_option(capsys):
    assert train.main(["--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--epochs", "--batch-size", "--lr", "--optimizer", "--hidden", "--dropout",
                   "--batchnorm", "--seed", "--device", "--out", "--resume", "--val-fraction",
                   "--quiet", "--data-dir", "--augment", "--label-smoothing", "--warmup",
                   "Exit codes"):
        assert option in out



def test_ctrl_c_in_a_real_process_saves_last_and_says_how_to_resume(data_dir, tmp_path):
    out = tmp_path / "r"
    cmd = [sys.executable, "-m", "nnnotes.train", "--dataset", "fashion-mnist", "--data-dir",
           str(data_dir), "--train-size", "3000", "--epochs", "1000", "--threads", "1",
           "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in proc.stdout:  # wait for the first finished epoch
        if line.startswith("epoch"):
            break
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGINT
    assert "interrupted by SIGINT" in err and f"--resume {out}" in err
    assert "Traceback" not in err
    assert checkpoint.load(out / "last.pt")["epoch"] >= 1



def test_failed_download_exits_3_with_the_offline_options(tmp_path, monkeypatch, capsys):
    from torchvision import datasets

    class NoNetwork:
        mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/"]

        def __init__(self, *args, **kwargs):
            raise OSError("<urlopen error [Errno -2] Name or service not known>")

    monkeypatch.setattr(datasets, "MNIST", NoNetwork)
    code, err = main_error(["--data-dir", str(tmp_path), "--out", str(tmp_path / "r")], capsys)
    assert code == EXIT_DATA
    assert "Downloading mnist with torchvision" in err and "Offline options" in err


def test_options_are_known_as_typed_even_with_their_default_value():
    from nnnotes.train.cli import parse

    assert parse([]) == {}
    assert parse(["--epochs", "10", "--no-figures"]) == {"epochs": 10, "figures": False}
    assert parse(["--resume", "runs/x", "--device", "auto"]) == {"resume": "runs/x", "device": "auto"}
