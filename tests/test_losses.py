"""nnnotes.losses against PyTorch: values, hand-derived gradients vs autograd, stability."""

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from nnnotes import losses as L

# Tolerance for float64 comparisons with PyTorch.
ATOL, RTOL = 1e-12, 1e-10


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def logits_and_target(n: int = 8, c: int = 5, scale: float = 3.0, seed: int = 0, dtype=torch.float64):
    g = gen(seed)
    logits = torch.randn(n, c, generator=g, dtype=dtype) * scale
    target = torch.randint(0, c, (n,), generator=g)
    return logits, target


def test_mse_matches_nn_mseloss_which_takes_the_mean_by_default():
    pred, target = torch.randn(4, 3, generator=gen(0), dtype=torch.float64), torch.randn(4, 3, generator=gen(1), dtype=torch.float64)
    torch.testing.assert_close(L.mse(pred, target), nn.MSELoss()(pred, target), atol=ATOL, rtol=RTOL)
    total = nn.MSELoss(reduction="sum")(pred, target)
    torch.testing.assert_close(total, 12 * L.mse(pred, target), atol=ATOL, rtol=RTOL)


def test_mse_grad_matches_autograd():
    pred = torch.randn(4, 3, generator=gen(0), dtype=torch.float64, requires_grad=True)
    target = torch.randn(4, 3, generator=gen(1), dtype=torch.float64)
    (g,) = torch.autograd.grad(F.mse_loss(pred, target), pred)
    torch.testing.assert_close(L.mse_grad(pred.detach(), target), g, atol=ATOL, rtol=RTOL)


def test_linear_mse_grad_matches_autograd():
    g = gen(0)
    x = torch.randn(20, 3, generator=g, dtype=torch.float64)
    y = torch.randn(20, generator=g, dtype=torch.float64)
    w = torch.randn(3, generator=g, dtype=torch.float64, requires_grad=True)
    b = torch.zeros((), dtype=torch.float64, requires_grad=True)
    auto_w, auto_b = torch.autograd.grad(nn.MSELoss()(x @ w + b, y), (w, b))
    hand_w, hand_b = L.linear_mse_grad(x, y, w.detach(), b.detach())
    assert hand_w.shape == w.shape and hand_b.shape == b.shape
    torch.testing.assert_close(hand_w, auto_w, atol=ATOL, rtol=RTOL)
    torch.testing.assert_close(hand_b, auto_b, atol=ATOL, rtol=RTOL)


def test_softmax_matches_torch_and_rows_sum_to_one():
    logits, _ = logits_and_target()
    p = L.softmax(logits)
    torch.testing.assert_close(p, torch.softmax(logits, dim=-1), atol=ATOL, rtol=RTOL)
    torch.testing.assert_close(p.sum(dim=-1), torch.ones(8, dtype=torch.float64), atol=ATOL, rtol=RTOL)
    torch.testing.assert_close(L.softmax(logits, dim=0), torch.softmax(logits, dim=0), atol=ATOL, rtol=RTOL)


def test_naive_softmax_overflows_at_1000_but_stable_softmax_does_not():
    z = torch.tensor([1000.0, 999.0, 998.0])
    naive = torch.exp(z) / torch.exp(z).sum()
    assert naive.isnan().all()
    torch.testing.assert_close(L.softmax(z), torch.softmax(z, dim=0))
    torch.testing.assert_close(L.softmax(z), L.softmax(z - 1000))


def test_softmax_jacobian_matches_autograd_functional_jacobian():
    z = torch.randn(5, generator=gen(0), dtype=torch.float64)
    jac = torch.autograd.functional.jacobian(lambda t: torch.softmax(t, dim=0), z)
    torch.testing.assert_close(L.softmax_jacobian(z), jac, atol=ATOL, rtol=RTOL)
    torch.testing.assert_close(L.softmax_jacobian(z), L.softmax_jacobian(z).T)


def test_log_softmax_matches_torch_even_for_extreme_logits():
    logits, _ = logits_and_target(scale=1e4)
    torch.testing.assert_close(L.log_softmax(logits), torch.log_softmax(logits, dim=-1), atol=1e-9, rtol=RTOL)
    z = torch.tensor([1000.0, 0.0, -1000.0])
    assert torch.isfinite(L.log_softmax(z)).all()
    assert torch.isinf(torch.log(L.softmax(z))).any()  # log of softmax is not the same


def test_nll_loss_matches_functional_nll_loss():
    logits, target = logits_and_target()
    logp = torch.log_softmax(logits, dim=1)
    torch.testing.assert_close(L.nll_loss(logp, target), F.nll_loss(logp, target), atol=ATOL, rtol=RTOL)


def test_cross_entropy_is_log_softmax_plus_nll_like_nn_crossentropyloss():
    logits, target = logits_and_target()
    expected = nn.CrossEntropyLoss()(logits, target)
    torch.testing.assert_close(L.cross_entropy(logits, target), expected, atol=ATOL, rtol=RTOL)
    torch.testing.assert_close(F.nll_loss(F.log_softmax(logits, dim=1), target), expected, atol=ATOL, rtol=RTOL)
    assert type(F.cross_entropy(logits.requires_grad_(), target).grad_fn).__name__ == "NllLossBackward0"


def test_one_hot_matches_functional_one_hot():
    _, target = logits_and_target()
    assert torch.equal(L.one_hot(target, 5, torch.int64), F.one_hot(target, 5))


def test_cross_entropy_grad_is_p_minus_onehot_over_n_like_autograd():
    logits, target = logits_and_target()
    logits.requires_grad_(True)
    (g,) = torch.autograd.grad(nn.CrossEntropyLoss()(logits, target), logits)
    torch.testing.assert_close(L.cross_entropy_grad(logits.detach(), target), g, atol=ATOL, rtol=RTOL)


def test_softmax_before_cross_entropy_changes_loss_and_gradient():
    logits, target = logits_and_target()
    logits.requires_grad_(True)
    right = nn.CrossEntropyLoss()(logits, target)
    wrong = nn.CrossEntropyLoss()(torch.softmax(logits, dim=1), target)
    (g_right,) = torch.autograd.grad(right, logits)
    (g_wrong,) = torch.autograd.grad(wrong, logits)
    assert abs(right.item() - wrong.item()) > 0.1
    assert g_wrong.norm() < g_right.norm()
    # softmax outputs are in [0, 1], so the "wrong" loss can never go below log(C - 1 + e) - 1
    assert wrong.item() >= torch.log(torch.tensor(4.0 + torch.e)).item() - 1


def test_backward_on_non_scalar_needs_gradient_argument():
    z = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    p = torch.softmax(z, dim=0)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        p.backward()
    p.backward(torch.tensor([1.0, 0.0, 0.0]))
    torch.testing.assert_close(z.grad, L.softmax_jacobian(z.detach())[0])


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 16),
    c=st.integers(2, 12),
    scale=st.sampled_from([1e-3, 1.0, 10.0, 100.0, 1e3, 1e4]),
    extreme=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_property_softmax_and_cross_entropy_match_torch_without_nan_or_inf(n, c, scale, extreme, seed):
    logits, target = logits_and_target(n, c, scale, seed, dtype=torch.float32)
    if extreme:  # a row with one huge logit and one hugely negative one
        logits[0, 0], logits[0, -1] = 1e4, -1e4
    auto = logits.clone().requires_grad_(True)
    loss = F.cross_entropy(auto, target)
    (grad,) = torch.autograd.grad(loss, auto)
    # (ours, PyTorch's, absolute tolerance): log-probabilities and losses grow with the scale
    pairs = {
        "softmax": (L.softmax(logits), torch.softmax(logits, dim=-1), 1e-6),
        "log_softmax": (L.log_softmax(logits), torch.log_softmax(logits, dim=-1), 1e-6 * max(1.0, scale)),
        "cross_entropy": (L.cross_entropy(logits, target), loss.detach(), 1e-6 * max(1.0, scale)),
        "cross_entropy_grad": (L.cross_entropy_grad(logits, target), grad, 1e-6),
    }
    for name, (ours, theirs, atol) in pairs.items():
        assert torch.isfinite(ours).all(), name
        torch.testing.assert_close(ours, theirs, atol=atol, rtol=1e-5, msg=name)
    torch.testing.assert_close(L.softmax(logits).sum(dim=-1), torch.ones(n), atol=1e-5, rtol=0)


@settings(max_examples=40, deadline=None)
@given(
    shape=st.lists(st.integers(1, 6), min_size=1, max_size=3),
    scale=st.sampled_from([1e-3, 1.0, 100.0, 1e4]),
    seed=st.integers(0, 2**16),
)
def test_property_mse_and_its_gradient_match_torch(shape, scale, seed):
    g = gen(seed)
    pred = (torch.randn(shape, generator=g) * scale).requires_grad_(True)
    target = torch.randn(shape, generator=g) * scale
    loss = nn.MSELoss()(pred, target)
    (auto,) = torch.autograd.grad(loss, pred)
    ours, ours_grad = L.mse(pred.detach(), target), L.mse_grad(pred.detach(), target)
    assert torch.isfinite(ours) and torch.isfinite(ours_grad).all()
    torch.testing.assert_close(ours, loss.detach(), atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(ours_grad, auto, atol=1e-6 * scale, rtol=1e-5)
