"""nnnotes.norm against PyTorch: BatchNorm1d, LayerNorm and Dropout written from scratch."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from nnnotes import norm

TOL = dict(rtol=1e-6, atol=1e-6)


def twin_batchnorms(c: int, momentum: float = 0.1) -> tuple[norm.BatchNorm1d, nn.BatchNorm1d]:
    """Ours and PyTorch's, float64, with the same random (non-trivial) gamma and beta."""
    ours = norm.BatchNorm1d(c, momentum=momentum).double()
    theirs = nn.BatchNorm1d(c, momentum=momentum).double()
    with torch.no_grad():
        gamma, beta = torch.randn(c, dtype=torch.float64), torch.randn(c, dtype=torch.float64)
        for m in (ours, theirs):
            m.weight.copy_(gamma)
            m.bias.copy_(beta)
    return ours, theirs


def grads_of(module: nn.Module, x: torch.Tensor, upstream: torch.Tensor) -> list[torch.Tensor]:
    """Output and the gradients of ``(output * upstream).sum()`` w.r.t. input, weight and bias."""
    x = x.clone().requires_grad_(True)
    out = module(x)
    inputs = [x, module.weight, module.bias]
    return [out.detach(), *torch.autograd.grad((out * upstream).sum(), inputs)]


# ---------------------------------------------------------------- BatchNorm1d

@pytest.mark.parametrize("shape", [(16, 5), (8, 5, 7)])
def test_batchnorm_training_output_and_gradients_match_torch(shape):
    torch.manual_seed(0)
    ours, theirs = twin_batchnorms(shape[1])
    x = 3 * torch.randn(shape, dtype=torch.float64) + 2
    upstream = torch.randn(shape, dtype=torch.float64)
    for a, b in zip(grads_of(ours, x, upstream), grads_of(theirs, x, upstream)):
        torch.testing.assert_close(a, b, **TOL)


def test_batchnorm_training_output_has_batch_mean_beta_and_biased_std_gamma():
    torch.manual_seed(0)
    bn = norm.BatchNorm1d(3).double()
    with torch.no_grad():
        bn.weight.copy_(torch.tensor([1.0, 2.0, 0.5]))
        bn.bias.copy_(torch.tensor([0.0, -1.0, 3.0]))
    y = bn(5 * torch.rand(1000, 3, dtype=torch.float64))
    torch.testing.assert_close(y.mean(0), bn.bias.detach(), atol=1e-9, rtol=0)
    torch.testing.assert_close(y.std(0, unbiased=False), bn.weight.detach(), atol=1e-5, rtol=0)


def test_batchnorm_running_stats_match_torch_after_several_steps():
    torch.manual_seed(0)
    ours, theirs = twin_batchnorms(4, momentum=0.3)
    for step in range(6):
        x = (step + 1) * torch.randn(10, 4, dtype=torch.float64) + step
        ours(x), theirs(x)
    torch.testing.assert_close(ours.running_mean, theirs.running_mean, **TOL)
    torch.testing.assert_close(ours.running_var, theirs.running_var, **TOL)
    assert ours.num_batches_tracked.item() == theirs.num_batches_tracked.item() == 6


def test_batchnorm_running_var_uses_unbiased_batch_variance():
    bn = norm.BatchNorm1d(1, momentum=1.0).double()   # momentum 1: running = last batch
    x = torch.tensor([[1.0], [2.0], [6.0]], dtype=torch.float64)
    bn(x)
    assert bn.running_var.item() == pytest.approx(x.var(unbiased=True).item())
    assert bn.running_var.item() != pytest.approx(x.var(unbiased=False).item())


def test_batchnorm_eval_output_and_gradients_match_torch_with_running_stats():
    torch.manual_seed(0)
    ours, theirs = twin_batchnorms(5)
    for _ in range(4):
        x = 2 * torch.randn(12, 5, dtype=torch.float64) + 1
        ours(x), theirs(x)
    ours.eval(), theirs.eval()
    x = torch.randn(3, 5, dtype=torch.float64)
    upstream = torch.randn(3, 5, dtype=torch.float64)
    for a, b in zip(grads_of(ours, x, upstream), grads_of(theirs, x, upstream)):
        torch.testing.assert_close(a, b, **TOL)


def test_batchnorm_eval_does_not_touch_running_stats_and_ignores_the_batch():
    torch.manual_seed(0)
    bn = norm.BatchNorm1d(4)
    bn(torch.randn(8, 4))
    bn.eval()
    mean, var = bn.running_mean.clone(), bn.running_var.clone()
    x = torch.randn(6, 4)
    alone = bn(x[:1])
    in_batch = bn(x)[:1]
    assert torch.equal(alone, in_batch)
    assert torch.equal(bn.running_mean, mean) and torch.equal(bn.running_var, var)


def test_batchnorm_batch_of_one_in_training_raises_like_torch():
    x = torch.randn(1, 4)
    with pytest.raises(ValueError) as theirs:
        nn.BatchNorm1d(4)(x)
    with pytest.raises(ValueError) as ours:
        norm.BatchNorm1d(4)(x)
    assert str(ours.value) == str(theirs.value)


def test_batchnorm_no_grad_still_updates_running_stats_in_training_mode():
    bn = norm.BatchNorm1d(2)
    with torch.no_grad():
        bn(torch.randn(5, 2) + 10)
    assert bn.running_mean.abs().min() > 0.5


# ---------------------------------------------------------------- LayerNorm

@pytest.mark.parametrize("shape, normalized", [((6, 5), 5), ((2, 3, 4, 5), (4, 5))])
def test_layernorm_output_and_gradients_match_torch(shape, normalized):
    torch.manual_seed(0)
    ours, theirs = norm.LayerNorm(normalized).double(), nn.LayerNorm(normalized).double()
    with torch.no_grad():
        gamma = torch.randn_like(ours.weight)
        beta = torch.randn_like(ours.bias)
        for m in (ours, theirs):
            m.weight.copy_(gamma)
            m.bias.copy_(beta)
    x = 3 * torch.randn(shape, dtype=torch.float64) - 1
    upstream = torch.randn(shape, dtype=torch.float64)
    for a, b in zip(grads_of(ours, x, upstream), grads_of(theirs, x, upstream)):
        torch.testing.assert_close(a, b, **TOL)


def test_layernorm_output_of_a_sample_does_not_depend_on_the_batch_or_the_mode():
    torch.manual_seed(0)
    ln = norm.LayerNorm(8)
    x = torch.randn(5, 8)
    train_out = ln(x)
    ln.eval()
    torch.testing.assert_close(ln(x[:1]), train_out[:1])


# ---------------------------------------------------------------- Dropout

@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
@pytest.mark.parametrize("shape", [(7,), (32, 10), (4, 3, 5)])
def test_dropout_mask_is_identical_to_torch_under_the_same_seed(p, shape):
    x = torch.randn(shape)
    torch.manual_seed(123)
    theirs = nn.Dropout(p)(x)
    torch.manual_seed(123)
    ours = norm.Dropout(p)(x)
    assert torch.equal(ours, theirs)


def test_dropout_leaves_the_random_generator_where_torch_leaves_it():
    x = torch.randn(50)
    torch.manual_seed(5)
    nn.Dropout(0.3)(x)
    after_theirs = torch.rand(3)
    torch.manual_seed(5)
    norm.Dropout(0.3)(x)
    assert torch.equal(torch.rand(3), after_theirs)


def test_dropout_scales_survivors_by_one_over_keep_probability():
    p = 0.25
    torch.manual_seed(0)
    y = norm.Dropout(p)(torch.ones(10_000, dtype=torch.float64))
    assert set(y.unique().tolist()) == {0.0, 1 / (1 - p)}


def test_dropout_keep_rate_within_five_standard_deviations():
    n, p = 1_000_000, 0.3
    torch.manual_seed(0)
    kept = (norm.Dropout(p)(torch.ones(n)) != 0).float().mean().item()
    bound = 5 * math.sqrt(p * (1 - p) / n)          # about 0.0023
    assert abs(kept - (1 - p)) < bound


def test_dropout_preserves_the_mean_in_expectation():
    n, p = 1_000_000, 0.5
    torch.manual_seed(0)
    y = norm.Dropout(p)(torch.ones(n))
    # each value is 0 or 2: mean 1, standard deviation 1, so the sample mean is within 5/sqrt(n)
    assert abs(y.mean().item() - 1.0) < 5 / math.sqrt(n)


def test_dropout_gradient_is_the_scaled_mask():
    torch.manual_seed(0)
    x = torch.randn(100, requires_grad=True)
    y = norm.Dropout(0.4)(x)
    y.sum().backward()
    mask = (y != 0).float()
    torch.testing.assert_close(x.grad, mask / 0.6)


def test_dropout_is_identity_in_eval_and_with_p_zero():
    x = torch.randn(20)
    d = norm.Dropout(0.5).eval()
    assert d(x) is x
    assert norm.Dropout(0.0)(x) is x


def test_dropout_with_p_one_zeroes_everything_like_torch():
    x = torch.randn(20)
    assert torch.equal(norm.Dropout(1.0)(x), nn.Dropout(1.0)(x))


def test_dropout_rejects_probability_outside_unit_interval():
    with pytest.raises(ValueError):
        norm.Dropout(1.5)
