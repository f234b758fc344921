"""nnnotes.optim against torch.optim: same model, same data, same parameters to 1e-6."""

from __future__ import annotations

import copy
import math

import pytest
import torch
from torch import nn

from nnnotes import optim

STEPS = 120


def _model_and_data(seed: int = 0) -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    """A small float64 MLP and a fixed regression data set."""
    g = torch.Generator().manual_seed(seed)
    model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3)).double()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g, dtype=torch.float64) * 0.5)
    x = torch.randn(64, 5, generator=g, dtype=torch.float64)
    y = torch.randn(64, 3, generator=g, dtype=torch.float64)
    return model, x, y


def _train(model: nn.Module, opt: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor,
           steps: int = STEPS) -> list[float]:
    """Mini-batch training (batches of 16, cycling), returning the losses."""
    losses = []
    for step in range(steps):
        i = (step * 16) % len(x)
        loss = nn.functional.mse_loss(model(x[i:i + 16]), y[i:i + 16])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def _assert_same_training(ours_cls, theirs_cls, **hyper) -> None:
    model, x, y = _model_and_data()
    twin = copy.deepcopy(model)
    ours_losses = _train(model, ours_cls(model.parameters(), **hyper), x, y)
    theirs_losses = _train(twin, theirs_cls(twin.parameters(), foreach=False, **hyper), x, y)
    for p, q in zip(model.parameters(), twin.parameters()):
        assert p.dtype == torch.float64
        torch.testing.assert_close(p, q, atol=1e-6, rtol=0)
    assert ours_losses == pytest.approx(theirs_losses, abs=1e-6)
    # the parameters really moved: the comparison is not trivially true
    start, _, _ = _model_and_data()
    moved = max((p - p0).abs().max().item() for p, p0 in zip(model.parameters(), start.parameters()))
    assert moved > 1e-3


SGD_SETTINGS = [
    dict(lr=0.1),
    dict(lr=0.05, momentum=0.9),
    dict(lr=0.05, momentum=0.9, dampening=0.5),
    dict(lr=0.05, momentum=0.9, nesterov=True),
    dict(lr=0.05, momentum=0.8, weight_decay=0.01),
    dict(lr=0.03, momentum=0.9, nesterov=True, weight_decay=0.05),
]
RMSPROP_SETTINGS = [
    dict(lr=0.01),
    dict(lr=0.003, alpha=0.9, eps=1e-6),
    dict(lr=0.003, momentum=0.9),
    dict(lr=0.003, centered=True),
    dict(lr=0.003, weight_decay=0.1, momentum=0.5, centered=True),
]
ADAM_SETTINGS = [
    dict(lr=1e-3),
    dict(lr=1e-2, betas=(0.8, 0.99)),
    dict(lr=3e-3, betas=(0.95, 0.9), eps=1e-6),
    dict(lr=3e-3, weight_decay=0.1),
]
ADAMW_SETTINGS = [
    dict(lr=1e-3),
    dict(lr=1e-2, weight_decay=0.1),
    dict(lr=3e-3, betas=(0.8, 0.99), weight_decay=0.5, eps=1e-6),
]


@pytest.mark.parametrize("hyper", SGD_SETTINGS, ids=str)
def test_sgd_matches_torch_sgd_for_120_steps(hyper):
    _assert_same_training(optim.SGD, torch.optim.SGD, **hyper)


@pytest.mark.parametrize("hyper", RMSPROP_SETTINGS, ids=str)
def test_rmsprop_matches_torch_rmsprop_for_120_steps(hyper):
    _assert_same_training(optim.RMSprop, torch.optim.RMSprop, **hyper)


@pytest.mark.parametrize("hyper", ADAM_SETTINGS, ids=str)
def test_adam_matches_torch_adam_for_120_steps(hyper):
    _assert_same_training(optim.Adam, torch.optim.Adam, **hyper)


@pytest.mark.parametrize("hyper", ADAMW_SETTINGS, ids=str)
def test_adamw_matches_torch_adamw_for_120_steps(hyper):
    _assert_same_training(optim.AdamW, torch.optim.AdamW, **hyper)


def test_optimizers_are_torch_optimizers():
    p = [nn.Parameter(torch.zeros(2))]
    for cls in (optim.SGD, optim.RMSprop, optim.Adam, optim.AdamW):
        assert isinstance(cls(p, lr=0.1), torch.optim.Optimizer)


def test_step_updates_parameters_in_place_and_keeps_grad():
    model, x, y = _model_and_data()
    opt = optim.Adam(model.parameters(), lr=0.01)
    params = list(model.parameters())
    ids, ptrs = [id(p) for p in params], [p.data_ptr() for p in params]
    before = [p.detach().clone() for p in params]
    nn.functional.mse_loss(model(x), y).backward()
    grads = [p.grad.clone() for p in params]
    opt.step()
    assert [id(p) for p in model.parameters()] == ids
    assert [p.data_ptr() for p in model.parameters()] == ptrs
    assert all(not torch.equal(p, b) for p, b in zip(params, before))
    assert all(torch.equal(p.grad, g) for p, g in zip(params, grads))


def test_parameters_without_grad_are_skipped():
    a, b = nn.Parameter(torch.ones(2)), nn.Parameter(torch.ones(2))
    opt = optim.SGD([a, b], lr=0.1, momentum=0.9)
    a.sum().backward()
    opt.step()
    assert torch.equal(b, torch.ones(2)) and b not in opt.state
    assert torch.allclose(a, torch.full((2,), 0.9))


def test_nesterov_requires_momentum_and_zero_dampening():
    p = [nn.Parameter(torch.zeros(2))]
    with pytest.raises(ValueError):
        optim.SGD(p, lr=0.1, nesterov=True)
    with pytest.raises(ValueError):
        optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)


def test_param_groups_get_their_own_learning_rate():
    a, b = nn.Parameter(torch.ones(1)), nn.Parameter(torch.ones(1))
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    (a + b).sum().backward()
    opt.step()
    assert a.item() == pytest.approx(0.9) and b.item() == pytest.approx(0.5)


def test_closure_is_evaluated_and_its_loss_returned():
    w = nn.Parameter(torch.tensor([2.0]))
    opt = optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w**2).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == 4.0
    assert w.item() == pytest.approx(1.0)


@pytest.mark.parametrize("grad", [1e-4, 1.0, 1e4])
def test_adam_first_step_is_lr_whatever_the_gradient_scale(grad):
    w = nn.Parameter(torch.tensor([0.0], dtype=torch.float64))
    opt = optim.Adam([w], lr=0.01)
    w.grad = torch.tensor([grad], dtype=torch.float64)
    opt.step()
    assert w.item() == pytest.approx(-0.01, rel=1e-3)
    assert optim.adam_first_step(grad, lr=0.01) == pytest.approx(0.01, rel=1e-3)


def test_adam_first_step_without_bias_correction_is_about_3_times_lr():
    w = nn.Parameter(torch.tensor([0.0], dtype=torch.float64))
    opt = optim.Adam([w], lr=0.01, bias_correction=False)
    w.grad = torch.tensor([1.0], dtype=torch.float64)
    opt.step()
    expected = 0.01 * 0.1 / math.sqrt(0.001)
    assert -w.item() == pytest.approx(expected, rel=1e-6)
    assert optim.adam_first_step(1.0, lr=0.01, bias_correction=False) == pytest.approx(expected)


def test_adamw_decay_differs_from_adam_l2_decay():
    model, x, y = _model_and_data()
    twin = copy.deepcopy(model)
    _train(model, optim.Adam(model.parameters(), lr=1e-2, weight_decay=0.1), x, y, steps=20)
    _train(twin, optim.AdamW(twin.parameters(), lr=1e-2, weight_decay=0.1), x, y, steps=20)
    diff = max((p - q).abs().max().item() for p, q in zip(model.parameters(), twin.parameters()))
    assert diff > 1e-4


def test_adamw_with_zero_gradient_shrinks_weights_by_lr_times_decay():
    w = nn.Parameter(torch.tensor([1.0, -2.0], dtype=torch.float64))
    opt = optim.AdamW([w], lr=0.1, weight_decay=0.5)
    w.grad = torch.zeros(2, dtype=torch.float64)
    opt.step()
    torch.testing.assert_close(w.detach(), torch.tensor([0.95, -1.9], dtype=torch.float64))
