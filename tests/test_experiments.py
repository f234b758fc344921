"""nnnotes.experiments: the runs the pages show give the numbers the pages state."""

from __future__ import annotations

import pytest
import torch

from nnnotes.experiments import mnist as M
from nnnotes.experiments import normalization as N
from nnnotes.experiments import optimizers as O


def test_gradient_descent_on_w_squared_diverges_when_lr_above_one():
    assert abs(O.gradient_descent_1d(0.3)[-1]) < 1e-4
    assert abs(O.gradient_descent_1d(1.05)[-1]) > 1.0
    assert O.gradient_descent_1d(0.25, steps=3) == pytest.approx([1.0, 0.5, 0.25, 0.125])


def test_momentum_gets_closer_than_sgd_on_the_quadratic():
    ends = {name: O.quadratic(O.trajectory(O.quadratic, O.QUADRATIC_START, cls, 40, **hyper)[-1])
            for name, (cls, hyper) in O.QUADRATIC_RUNS.items()}
    assert ends["momentum"] < ends["SGD"] < O.quadratic(torch.tensor(O.QUADRATIC_START))


def test_experiment_curves_have_one_value_per_epoch_and_start_at_chance(data_dir, monkeypatch):
    monkeypatch.setenv("NNNOTES_DATA_DIR", str(data_dir))
    setup = N.Setup(n_train=200, n_test=200, epochs=2)
    curves = N.run(batchnorm=True, dropout=0.2, setup=setup)
    assert len(curves["train"]) == len(curves["test"]) == 3
    assert all(0.0 <= a <= 1.0 for a in curves["train"] + curves["test"])
    assert curves["train"][0] < 0.3   # an untrained 10-class model is near chance


def test_experiment_leaves_the_callers_random_state_and_threads_alone(data_dir, monkeypatch):
    monkeypatch.setenv("NNNOTES_DATA_DIR", str(data_dir))
    setup = N.Setup(n_train=100, n_test=100, epochs=1)
    torch.manual_seed(7)
    expected = torch.rand(3)
    threads = torch.get_num_threads()
    torch.manual_seed(7)
    N.run(setup=setup)
    assert torch.equal(torch.rand(3), expected)
    assert torch.get_num_threads() == threads


def test_kaiming_init_gives_relu_weights_variance_two_over_fan_in_and_zero_biases():
    model = N.initial_model(init="kaiming")
    first = model[1]                               # Flatten, then the first Linear
    assert abs(first.weight.var().item() * first.in_features - 2.0) < 0.05
    assert torch.count_nonzero(first.bias) == 0
    with pytest.raises(ValueError, match="init must be one of"):
        N.initial_model(init="xavier")


def test_initial_model_is_the_one_a_run_starts_from_and_leaves_the_random_state_alone():
    torch.manual_seed(3)
    expected = torch.rand(2)
    torch.manual_seed(3)
    a, b = N.initial_model(), N.initial_model()
    assert torch.equal(torch.rand(2), expected)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    torch.manual_seed(N.SETUP.seed)
    direct = N.build(N.SETUP)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), direct.parameters()))


def test_sgd_and_adam_start_from_the_same_weights_and_adam_lowers_the_training_loss_faster(data_dir, monkeypatch):
    monkeypatch.setenv("NNNOTES_DATA_DIR", str(data_dir))
    results = O.compare_sgd_adam(n_train=200, n_test=100, epochs=2)
    sgd, adam = results["SGD"], results["Adam"]
    assert sgd["train_loss"][0] == adam["train_loss"][0]  # index 0: before any step
    assert len(sgd["test_acc"]) == 3 and adam["train_loss"][1] < sgd["train_loss"][1]


def test_overfitting_history_has_one_row_per_epoch_and_leaves_threads_alone(data_dir, monkeypatch):
    monkeypatch.setenv("NNNOTES_DATA_DIR", str(data_dir))
    threads = torch.get_num_threads()
    rows = M.overfitting_history()
    assert [r["epoch"] for r in rows] == list(range(1, M.OVERFITTING["epochs"] + 1))
    assert rows[-1]["train_loss"] < rows[0]["train_loss"]
    assert all(r["lr"] == M.OVERFITTING["lr"] for r in rows)        # a constant learning rate
    assert torch.get_num_threads() == threads


def rise(rows) -> float:
    """How far the validation loss ends above its lowest value."""
    val = [r["val_loss"] for r in rows]
    return val[-1] - min(val)


def test_the_overfitting_runs_validation_loss_turns_up_and_cosine_decay_damps_the_rise(data_dir, monkeypatch):
    """mnist.md (#evaluation) names this test: with a constant learning rate the validation loss
    of the overfitting run climbs far above its minimum; the trainer's default cosine decay, in
    the same 25 epochs, keeps the rise at least 0.1 smaller."""
    monkeypatch.setenv("NNNOTES_DATA_DIR", str(data_dir))
    constant, cosine = M.overfitting_history("constant"), M.overfitting_history("cosine")
    assert rise(constant) > 0.25
    assert rise(cosine) < rise(constant) - 0.1
    assert cosine[-1]["lr"] < 1e-5 < constant[-1]["lr"]
