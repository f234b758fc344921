"""nnnotes.train: a real short run, its outputs, exact resume, determinism, clear errors."""

from __future__ import annotations

import csv
import json
import math
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from nnnotes import checkpoint, evaluate, train
from nnnotes.train import Config

SMALL = dict(dataset="fashion-mnist", train_size=3000, val_fraction=0.2, epochs=3,
             batch_size=100, threads=1, quiet=True)


def small(data_dir: Path, out: Path, **changes) -> Config:
    """3 epochs on 2,400 Fashion-MNIST images (600 for validation): about a second."""
    return Config(**{**SMALL, "data_dir": str(data_dir), "out": str(out), "figures": False,
                     **changes})


def history(run_dir: Path) -> list[dict]:
    """history.csv without its wall-clock column."""
    with open(run_dir / "history.csv") as f:
        return [{k: v for k, v in row.items() if k != "seconds"} for row in csv.DictReader(f)]


@pytest.fixture(scope="module")
def finished(data_dir, tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("run") / "run"
    return out, train.run(small(data_dir, out, figures=True))


def test_short_real_run_beats_78_percent_test_accuracy(finished):
    _, metrics = finished
    assert metrics["test_acc"] > 0.78  # 3 epochs on 2,400 images; the full set reaches ~0.89
    assert metrics["epochs"] == 3 and 1 <= metrics["best_epoch"] <= 3


def test_run_writes_every_output_file(finished):
    out, _ = finished
    expected = {"config.json", "history.csv", "metrics.json", "curves.png",
                "confusion_matrix.png", "misclassified.png", "best.pt", "last.pt"}
    assert expected <= {p.name for p in out.iterdir()}
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]  # atomic writes left none
    assert len(history(out)) == 3
    metrics = json.loads((out / "metrics.json").read_text())
    assert sum(map(sum, metrics["confusion_matrix"])) == 10_000
    assert json.loads((out / "config.json").read_text())["train_size"] == 3000


def test_checkpoints_load_with_weights_only_and_hold_everything_to_resume(finished):
    out, _ = finished
    state = torch.load(out / "last.pt", weights_only=True)
    assert {"model", "optimizer", "epoch", "rng", "config", "history"} <= state.keys()
    assert state["epoch"] == 3 and state["config"]["dataset"] == "fashion-mnist"


def test_evaluating_a_saved_run_again_gives_the_same_test_metrics(finished, capsys):
    out, metrics = finished
    again = evaluate.evaluate_run(out)
    assert again["test_acc"] == metrics["test_acc"]
    assert again["confusion_matrix"] == metrics["confusion_matrix"]
    assert evaluate.main([str(out)]) == 0
    assert f"test accuracy {metrics['test_acc']:.4f}" in capsys.readouterr().out


def test_same_seed_gives_the_same_history_and_metrics(data_dir, tmp_path, finished):
    out, metrics = finished
    again = train.run(small(data_dir, tmp_path / "again"))
    assert history(tmp_path / "again") == history(out)
    assert again == metrics


def test_interrupted_then_resumed_run_equals_the_uninterrupted_run(data_dir, tmp_path, finished):
    out, metrics = finished

    def sigterm_mid_epoch_two(trainer: train.Trainer) -> None:
        if trainer.epoch == 1 and trainer.step == 7:
            os.kill(os.getpid(), signal.SIGTERM)  # a real signal, handled by the trainer

    cut = tmp_path / "cut"
    with pytest.raises(train.Interrupted, match="--resume") as e:
        train.run(small(data_dir, cut), on_step=sigterm_mid_epoch_two)
    assert e.value.signum == signal.SIGTERM
    saved = checkpoint.load(cut / "last.pt")
    assert (saved["epoch"], saved["step"]) == (1, 7)
    resumed = train.run(Config(figures=False, extra={"given": ["figures"]}), resume=cut)
    assert resumed == metrics
    assert history(cut) == history(out)
    best, best_cut = checkpoint.load(out / "best.pt"), checkpoint.load(cut / "best.pt")
    assert all(torch.equal(best["model"][k], best_cut["model"][k]) for k in best["model"])


def test_nan_loss_stops_suggests_a_lower_lr_and_keeps_the_last_good_checkpoint(data_dir, tmp_path):
    def explode_after_epoch_one(trainer: train.Trainer) -> None:
        trainer.cfg.lr = 1e30  # the next steps overflow to inf/NaN

    cfg = small(data_dir, tmp_path / "nan", optimizer="sgd", lr=0.1)
    with pytest.raises(train.Diverged) as e:
        train.run(cfg, on_epoch_end=explode_after_epoch_one)
    assert "lower learning rate" in str(e.value) and "last.pt (epoch 1)" in str(e.value)
    last = checkpoint.load(tmp_path / "nan" / "last.pt")
    assert last["epoch"] == 1
    assert all(torch.isfinite(v).all() for v in last["model"].values() if v.is_floating_point())


def test_nan_loss_exits_with_code_4_and_a_message(data_dir, tmp_path, capsys):
    argv = ["--dataset", "fashion-mnist", "--data-dir", str(data_dir), "--train-size", "500",
            "--optimizer", "sgd", "--lr", "1e12", "--out", str(tmp_path / "r"), "--quiet"]
    assert train.main(argv) == train.EXIT_DIVERGED
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
    assert code == train.EXIT_DATA
    assert "train split of mnist was not found" in err and "train-images-idx3-ubyte" in err


def test_corrupt_data_exits_3_naming_the_file(data_dir, tmp_path, capsys):
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"):
        (tmp_path / name).write_bytes(b"not gzip at all")
    code, err = main_error(["--data-dir", str(tmp_path), "--out", str(tmp_path / "r")], capsys)
    assert code == train.EXIT_DATA and "train-images-idx3-ubyte.gz: cannot read it as gzip" in err


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
    assert code == train.EXIT_USAGE and message in err and option in err


def test_existing_run_directory_is_not_overwritten(finished, data_dir, capsys):
    out, _ = finished
    code, err = main_error(["--data-dir", str(data_dir), "--out", str(out)], capsys)
    assert code == train.EXIT_RUN and f"continue it with --resume {out}" in err


def test_resuming_a_missing_run_exits_5(tmp_path, capsys):
    code, err = main_error(["--resume", str(tmp_path / "nothing")], capsys)
    assert code == train.EXIT_RUN and "no checkpoint at" in err


def test_unusable_device_exits_5(data_dir, tmp_path, capsys):
    code, err = main_error(["--device", "cuda:7", "--dataset", "fashion-mnist", "--data-dir",
                            str(data_dir), "--out", str(tmp_path / "r")], capsys)
    assert code == train.EXIT_RUN and "device 'cuda:7' is not usable" in err


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


def test_cosine_schedule_decays_to_zero():
    cfg = Config(lr=0.1, schedule="cosine")
    assert train.learning_rate(cfg, 0, 100) == 0.1
    assert math.isclose(train.learning_rate(cfg, 50, 100), 0.05)
    assert train.learning_rate(cfg, 100, 100) < 1e-12


def test_warmup_rises_linearly_then_the_cosine_starts_from_the_full_rate():
    cfg = Config(lr=0.1, schedule="cosine")
    assert [train.learning_rate(cfg, s, 100, warmup_steps=4) for s in range(4)] == \
        pytest.approx([0.025, 0.05, 0.075, 0.1])
    assert train.learning_rate(cfg, 4, 100, warmup_steps=4) == 0.1
    assert train.learning_rate(cfg, 100, 100, warmup_steps=4) < 1e-12


def test_shift_moves_each_image_by_at_most_two_pixels_and_fills_with_background():
    images = torch.rand(200, 28, 28) + 1  # all pixels in [1, 2): background -1 is recognizable
    shifted = train.shift_images(images.view(200, -1), 2, -1.0, torch.Generator().manual_seed(0))
    shifted = shifted.view(200, 28, 28)
    found = set()
    for image, moved in zip(images, shifted):
        for dy in range(-2, 3):
            for dx in range(-2, 3):
                rolled = torch.roll(image, (dy, dx), (0, 1))
                inside = moved != -1
                if torch.equal(moved[inside], rolled[inside]) and \
                        int(inside.sum()) == (28 - abs(dy)) * (28 - abs(dx)):
                    found.add((dy, dx))
                    break
            else:
                continue
            break
        else:
            raise AssertionError("an image was not a shift of at most 2 pixels")
    assert len(found) == 25  # every offset occurs: each image gets its own


def test_flip_mirrors_about_half_of_the_images_and_leaves_the_rest_alone():
    images = torch.rand(1000, 784)
    flipped = train.flip_images(images, torch.Generator().manual_seed(0))
    mirrored = torch.tensor([torch.equal(f.view(28, 28), i.view(28, 28).flip(1))
                             for f, i in zip(flipped, images)])
    unchanged = (flipped == images).all(1)
    assert bool((mirrored | unchanged).all()) and 400 < int(mirrored.sum()) < 600


def test_resume_is_exact_with_augmentation_warmup_and_label_smoothing(data_dir, tmp_path):
    options = dict(augment="shift", warmup=0.5, label_smoothing=0.1, epochs=2)

    def sigterm_mid_epoch_two(trainer: train.Trainer) -> None:
        if trainer.epoch == 1 and trainer.step == 5:
            os.kill(os.getpid(), signal.SIGTERM)

    with pytest.raises(train.Interrupted):
        train.run(small(data_dir, tmp_path / "cut", **options), on_step=sigterm_mid_epoch_two)
    resumed = train.run(Config(figures=False, extra={"given": ["figures"]}),
                        resume=tmp_path / "cut")
    alone = train.run(small(data_dir, tmp_path / "alone", **options))
    assert resumed == alone and history(tmp_path / "cut") == history(tmp_path / "alone")
    plain = train.run(small(data_dir, tmp_path / "plain", epochs=2))
    assert plain["test_acc"] != alone["test_acc"]  # the options did change the training


def test_confusion_matrix_rows_are_truth_and_columns_predictions():
    m = evaluate.confusion_matrix(torch.tensor([1, 1, 2]), torch.tensor([0, 1, 2]), 3)
    assert m.tolist() == [[0, 1, 0], [0, 1, 0], [0, 0, 1]]


def test_page_listings_are_the_source_of_the_running_code():
    listing = train.markdown_mnist_train_epoch()
    assert listing.startswith('```python title="src/nnnotes/train.py"\ndef train_epoch(')
    assert "loss.backward()" in listing and listing.rstrip().endswith("```")
    for make in (train.markdown_mnist_prepare, train.markdown_mnist_end_epoch,
                 train.markdown_mnist_predict, train.markdown_mnist_atomic_write,
                 train.markdown_mnist_signals):
        assert make().count("```") == 2


def test_failed_download_exits_3_with_the_offline_options(tmp_path, monkeypatch, capsys):
    from torchvision import datasets

    class NoNetwork:
        mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/"]

        def __init__(self, *args, **kwargs):
            raise OSError("<urlopen error [Errno -2] Name or service not known>")

    monkeypatch.setattr(datasets, "MNIST", NoNetwork)
    code, err = main_error(["--data-dir", str(tmp_path), "--out", str(tmp_path / "r")], capsys)
    assert code == train.EXIT_DATA
    assert "Downloading mnist with torchvision" in err and "Offline options" in err
