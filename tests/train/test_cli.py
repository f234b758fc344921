"""nnnotes.train.cli: exit codes and messages, help, real signals, options known as typed."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from nnnotes import checkpoint, data, evaluate, train
from nnnotes.errors import EXIT_CODES, EXIT_DATA, EXIT_DIVERGED, EXIT_RUN, EXIT_USAGE


def test_a_diverging_loss_exits_with_code_4_and_a_message(data_dir, tmp_path, capsys):
    argv = ["--dataset", "fashion-mnist", "--data-dir", str(data_dir), "--train-size", "500",
            "--optimizer", "sgd", "--lr", "1e12", "--out", str(tmp_path / "r"), "--quiet"]
    assert train.main(argv) == EXIT_DIVERGED
    err = capsys.readouterr().err
    assert err.startswith("error: the loss became") and "training diverged and stopped" in err
    assert "Try a lower learning rate" in err and "Traceback" not in err



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
    ("--weight-decay", "-1", "must be a number >= 0"),
    ("--weight-decay", "nan", "must be a number >= 0"),
    ("--seed", str(2**64), "must be an integer from 0 to 18446744073709551615"),
    ("--seed", "-1", "must be an integer from 0"),
    ("--device", "meta", "must be auto, cpu, cuda, cuda:N or mps"),
    ("--threads", "100000", "the number of CPU cores here"),
    ("--out", "", "must be a path"),
    ("--data-dir", " ", "must be a path"),
])
def test_bad_option_exits_2_with_the_reason(option, value, message, capsys):
    code, err = main_error([option, value], capsys)
    assert code == EXIT_USAGE and message in err and option in err



@pytest.mark.parametrize("options, message", [
    (["--warmup", "1e308"], "--warmup 1e+308 is longer than the run (--epochs 10)"),
    (["--batchnorm", "--batch-size", "1"], "--batch-size 1 cannot train with --batchnorm"),
])
def test_options_that_cannot_work_together_exit_2_before_torch_loads(options, message, capsys):
    code, err = main_error(options, capsys)
    assert code == EXIT_USAGE and err.startswith(f"error: {message}")


def test_existing_run_directory_is_not_overwritten(finished, data_dir, capsys):
    out, _ = finished
    code, err = main_error(["--data-dir", str(data_dir), "--out", str(out)], capsys)
    assert code == EXIT_RUN and f"continue it with --resume {out}" in err



def test_resuming_a_missing_run_exits_5_and_says_how_to_start_one(tmp_path, capsys):
    code, err = main_error(["--resume", str(tmp_path / "nothing")], capsys)
    assert code == EXIT_RUN and "no run at" in err and "--out" in err



def test_unusable_device_exits_2(data_dir, tmp_path, capsys):
    code, err = main_error(["--device", "cuda:7", "--dataset", "fashion-mnist", "--data-dir",
                            str(data_dir), "--out", str(tmp_path / "r")], capsys)
    assert code == EXIT_USAGE and "device 'cuda:7' is not usable" in err
    assert not (tmp_path / "r").exists()  # checked before anything is written



def test_help_explains_every_option_and_the_exit_codes(capsys):
    assert train.main(["--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    for option in ("--epochs", "--batch-size", "--lr", "--optimizer", "--hidden", "--dropout",
                   "--batchnorm", "--seed", "--device", "--out", "--resume", "--val-fraction",
                   "--quiet", "--data-dir", "--augment", "--label-smoothing", "--warmup",
                   "100 times its first value"):
        assert option in out
    assert EXIT_CODES in out and "6 run directory in use by another process" in out
    assert evaluate.main(["--help"]) == 0
    assert EXIT_CODES in " ".join(capsys.readouterr().out.split())


def test_help_and_bad_options_answer_without_loading_torch():
    code = ("import sys; from nnnotes.train.cli import main; main(['--epochs', '0']); "
            "print('torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "False" and "--epochs: must be a positive integer" in done.stderr


def test_the_dataset_choices_are_the_data_modules(capsys):
    from nnnotes.train.config import DATASETS

    assert DATASETS == data.NAMES


def test_an_unexpected_error_prints_its_traceback_and_says_it_is_a_bug(monkeypatch, capsys):
    from nnnotes.train import runs

    def broken(cfg):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(runs, "run", broken)
    assert train.main(["--quiet"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "ZeroDivisionError: a bug" in err
    assert "this is a bug in nnnotes, not in your input" in err



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
    assert parse(["--resume", "runs/x", "--device", "auto"]) == \
        {"resume": "runs/x", "device": "auto"}
