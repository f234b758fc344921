"""nnnotes.train.runs: a real short run, its outputs, exact resume, determinism, divergence."""

from __future__ import annotations

import json
import os
import signal

import pytest
import torch

from nnnotes import checkpoint, train
from tests.conftest import history, small


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
    resumed = train.resume(cut, {"figures": False})
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
    assert "lower learning rate" in str(e.value)
    assert "last.pt keeps the end of epoch 1, before it diverged" in str(e.value)
    last = checkpoint.load(tmp_path / "nan" / "last.pt")
    assert last["epoch"] == 1
    assert all(torch.isfinite(v).all() for v in last["model"].values() if v.is_floating_point())



def test_resume_is_exact_with_augmentation_warmup_and_label_smoothing(data_dir, tmp_path):
    options = dict(augment="shift", warmup=0.5, label_smoothing=0.1, epochs=2)

    def sigterm_mid_epoch_two(trainer: train.Trainer) -> None:
        if trainer.epoch == 1 and trainer.step == 5:
            os.kill(os.getpid(), signal.SIGTERM)

    with pytest.raises(train.Interrupted):
        train.run(small(data_dir, tmp_path / "cut", **options), on_step=sigterm_mid_epoch_two)
    resumed = train.resume(tmp_path / "cut", {"figures": False})
    alone = train.run(small(data_dir, tmp_path / "alone", **options))
    assert resumed == alone and history(tmp_path / "cut") == history(tmp_path / "alone")
    plain = train.run(small(data_dir, tmp_path / "plain", epochs=2))
    assert plain["test_acc"] != alone["test_acc"]  # the options did change the training
