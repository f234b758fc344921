"""nnnotes.activations against PyTorch: values, autograd derivatives, saturation, depth."""

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from nnnotes import activations as A

# Tolerance for float64 comparisons with PyTorch (values and autograd derivatives).
ATOL, RTOL = 1e-12, 1e-10
NAMES = list(A.ACTIVATIONS)
# Points at and around 0 (where the kinks are), plus far out in both tails.
AROUND_ZERO = [0.0, -0.0, 1e-12, -1e-12, 1e-6, -1e-6, 1e-3, -1e-3, 0.1, -0.1]
TAILS = [-50.0, -20.0, -5.0, 5.0, 20.0, 50.0]


def inputs(dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """Random inputs of three scales, the points around 0 and the tails."""
    g = torch.Generator().manual_seed(0)
    random = torch.randn(3, 500, generator=g, dtype=dtype) * torch.tensor([[0.1], [1.0], [10.0]], dtype=dtype)
    fixed = torch.tensor(AROUND_ZERO + TAILS, dtype=dtype)
    return torch.cat([random.flatten(), fixed])


def autograd_derivative(f, x: torch.Tensor) -> torch.Tensor:
    """Elementwise derivative of PyTorch's f at x, via torch.autograd.grad."""
    x = x.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(f(x).sum(), x)
    return g


@pytest.mark.parametrize("name", NAMES)
def test_values_match_torch(name):
    f, _, torch_f = A.ACTIVATIONS[name]
    x = inputs()
    torch.testing.assert_close(f(x), torch_f(x), atol=ATOL, rtol=RTOL)


@pytest.mark.parametrize("name", [n for n in NAMES if n != "step"])
def test_derivative_matches_autograd(name):
    _, df, torch_f = A.ACTIVATIONS[name]
    x = inputs()
    torch.testing.assert_close(df(x), autograd_derivative(torch_f, x), atol=ATOL, rtol=RTOL)


@pytest.mark.parametrize("name", NAMES)
def test_values_and_derivatives_match_torch_in_float32(name):
    f, df, torch_f = A.ACTIVATIONS[name]
    x = inputs(torch.float32)
    torch.testing.assert_close(f(x), torch_f(x), atol=1e-6, rtol=1e-5)
    if name != "step":
        torch.testing.assert_close(df(x), autograd_derivative(torch_f, x), atol=1e-6, rtol=1e-5)


def test_step_derivative_is_zero_like_autograd_through_sign():
    x = inputs()
    step_from_sign = lambda t: (torch.sign(t) + 1) / 2  # noqa: E731, differentiable ops
    torch.testing.assert_close(step_from_sign(x[x != 0]), A.step(x[x != 0]))
    assert torch.equal(autograd_derivative(step_from_sign, x), A.step_derivative(x))
    assert torch.equal(A.step_derivative(x), torch.zeros_like(x))


def test_step_by_comparison_is_not_tracked_by_autograd():
    x = torch.tensor([-1.0, 2.0], requires_grad=True)
    y = A.step(x)
    assert not y.requires_grad and y.grad_fn is None


def test_relu_derivative_at_zero_is_zero():
    zero = torch.zeros(1, dtype=torch.float64)
    assert autograd_derivative(torch.relu, zero).item() == 0.0
    assert A.relu_derivative(zero).item() == 0.0


def test_leaky_relu_derivative_at_zero_is_negative_slope():
    zero = torch.zeros(1, dtype=torch.float64)
    assert autograd_derivative(F.leaky_relu, zero).item() == 0.01
    assert A.leaky_relu_derivative(zero).item() == 0.01
    slope = lambda t: F.leaky_relu(t, 0.2)  # noqa: E731
    x = inputs()
    torch.testing.assert_close(A.leaky_relu(x, 0.2), slope(x), atol=ATOL, rtol=RTOL)
    torch.testing.assert_close(A.leaky_relu_derivative(x, 0.2), autograd_derivative(slope, x), atol=ATOL, rtol=RTOL)


def test_torch_gelu_default_is_exact_erf_form_not_tanh_approximation():
    x = inputs()
    torch.testing.assert_close(F.gelu(x), A.gelu(x), atol=ATOL, rtol=RTOL)
    assert not torch.allclose(F.gelu(x, approximate="tanh"), A.gelu(x), atol=1e-6, rtol=0)


def test_normal_cdf_and_pdf_match_torch_distributions():
    x = inputs()
    normal = torch.distributions.Normal(torch.tensor(0.0, dtype=torch.float64), torch.tensor(1.0, dtype=torch.float64))
    torch.testing.assert_close(A.normal_cdf(x), normal.cdf(x), atol=ATOL, rtol=RTOL)
    torch.testing.assert_close(A.normal_pdf(x), normal.log_prob(x).exp(), atol=ATOL, rtol=RTOL)


def test_handwritten_tanh_does_not_overflow_where_textbook_formula_does():
    x = torch.tensor([-100.0, 100.0])
    textbook = (torch.exp(x) - torch.exp(-x)) / (torch.exp(x) + torch.exp(-x))
    assert textbook.isnan().all()
    assert torch.equal(A.tanh(x), torch.tensor([-1.0, 1.0]))


def test_float32_sigmoid_saturates_to_exact_one_and_zero_with_zero_gradient():
    x = torch.tensor([-100.0, 16.5, 17.0, 20.0, 33.0], requires_grad=True)
    s = torch.sigmoid(x)
    (g,) = torch.autograd.grad(s.sum(), x)
    assert s[0].item() == 0.0 and g[0].item() == 0.0
    assert s[1].item() < 1.0 and g[1].item() > 0.0
    assert (s[2:] == 1.0).all() and (g[2:] == 0.0).all()


def test_sigmoid_derivative_is_at_most_a_quarter_and_tanh_at_most_one():
    x = inputs()
    assert A.sigmoid_derivative(x).max().item() == 0.25
    assert A.tanh_derivative(x).max().item() == 1.0


def test_gradient_vanishes_through_ten_sigmoid_layers_but_not_relu():
    sig, rel = A.layer_gradient_norms("sigmoid"), A.layer_gradient_norms("relu")
    assert len(sig) == len(rel) == 10
    assert sig[0] < 1e-4 * sig[-1]  # first layer gets a 10,000x smaller gradient than the last
    assert rel[0] > 0.1 * rel[-1]
    assert rel[0] > 1e3 * sig[0]


def test_deep_mlp_differs_only_in_activation():
    sig, rel = A.deep_mlp("sigmoid"), A.deep_mlp("relu")
    assert len(sig) == len(rel) == 20
    for a, b in zip(sig.parameters(), rel.parameters()):
        assert torch.equal(a, b)


def test_torch_relu_functional_relu_and_module_agree():
    x = inputs()
    assert torch.equal(torch.relu(x), F.relu(x))
    assert torch.equal(torch.relu(x), nn.ReLU()(x))
    assert list(nn.ReLU().parameters()) == []


@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from(NAMES),
    shape=st.lists(st.integers(1, 5), min_size=1, max_size=3),
    scale=st.sampled_from([1e-6, 1e-2, 1.0, 10.0, 1e3, 1e4]),
    seed=st.integers(0, 2**16),
)
def test_property_finite_and_equal_to_torch_for_random_shapes_and_scales(name, shape, scale, seed):
    f, df, torch_f = A.ACTIVATIONS[name]
    x = torch.randn(shape, generator=torch.Generator().manual_seed(seed)) * scale
    y, dy = f(x), df(x)
    assert y.shape == dy.shape == x.shape
    assert torch.isfinite(y).all() and torch.isfinite(dy).all()
    torch.testing.assert_close(y, torch_f(x), atol=1e-6, rtol=1e-5)
    if name != "step":
        torch.testing.assert_close(dy, autograd_derivative(torch_f, x), atol=1e-6, rtol=1e-5)
