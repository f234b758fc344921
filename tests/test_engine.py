"""nnnotes.engine against PyTorch: random expression graphs, graph shape, freeing, accumulation."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nnnotes import engine
from nnnotes.engine import AccumulateGrad, Value

CASES = 250  # random expression graphs compared with PyTorch (the issue asks for >= 200)
RTOL = 1e-6
UNARY = ["exp", "log", "tanh", "relu", "sum", "square", "cube"]
BINARY = ["add", "mul", "matmul"]


@st.composite
def programs(draw) -> dict:
    """A random program: leaves (some constant), steps reading any earlier value, several outputs.

    Steps pick their operands anywhere in the pool of values computed so far, so leaves are
    reused and subexpressions shared; outputs are any values of the pool (several of them).
    """
    n = draw(st.integers(1, 3))
    floats = st.floats(-1.5, 1.5, allow_subnormal=False)
    n_leaves = draw(st.integers(1, 4))
    leaves = [draw(st.lists(floats, min_size=n * n, max_size=n * n)) for _ in range(n_leaves)]
    requires_grad = draw(st.lists(st.booleans(), min_size=n_leaves, max_size=n_leaves))
    assume(any(requires_grad))
    op = st.sampled_from(UNARY + BINARY)
    index = st.integers(0, 10_000)
    steps = draw(st.lists(st.tuples(op, index, index), min_size=1, max_size=12))
    outputs = draw(st.lists(index, min_size=1, max_size=3))
    seed = draw(st.integers(0, 2**32 - 1))
    return dict(n=n, leaves=leaves, requires_grad=requires_grad, steps=steps, outputs=outputs, seed=seed)


def run(program: dict, leaf) -> tuple[list, list]:
    """Evaluate a program with ``leaf(data, requires_grad)`` making torch tensors or engine Values.

    Both libraries spell every operation the same way, so one function drives both.
    """
    n = program["n"]
    leaves = [leaf(np.reshape(d, (n, n)), rg) for d, rg in zip(program["leaves"], program["requires_grad"])]
    pool = list(leaves)
    for op, i, j in program["steps"]:
        a, b = pool[i % len(pool)], pool[j % len(pool)]
        if op == "matmul" and (a.data.ndim != 2 or b.data.ndim != 2):
            op = "mul"  # matmul needs matrices; a sum() made a scalar
        pool.append(
            {
                "add": lambda: a + b,
                "mul": lambda: a * b,
                "matmul": lambda: a @ b,
                "exp": lambda: a.tanh().exp(),  # tanh first keeps exp from overflowing
                "log": lambda: (a * a + 1.0).log(),  # log of something positive
                "tanh": lambda: a.tanh(),
                "relu": lambda: a.relu(),
                "sum": lambda: a.sum(),
                "square": lambda: a**2,
                "cube": lambda: a**3,
            }[op]()
        )
    grad_needed = [v for v in pool if v.requires_grad]
    outputs = [grad_needed[k % len(grad_needed)] for k in program["outputs"]]
    return leaves, outputs


def reuses_a_value(program: dict) -> bool:
    """Does some leaf or intermediate value feed more than one operation?"""
    used = []
    for k, (op, i, j) in enumerate(program["steps"]):
        size = len(program["leaves"]) + k
        used += [i % size, j % size] if op in BINARY else [i % size]
    return len(used) != len(set(used))


def torch_leaf(data: np.ndarray, requires_grad: bool) -> torch.Tensor:
    return torch.tensor(data, dtype=torch.float64, requires_grad=requires_grad)


def engine_leaf(data: np.ndarray, requires_grad: bool) -> Value:
    return Value(data, requires_grad=requires_grad)


def assert_close(got, want: torch.Tensor) -> None:
    want = want.detach().numpy()
    scale = max(1.0, float(np.abs(want).max(initial=0.0)))
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=1e-12 * scale)


def check_program(program: dict) -> None:
    """Same values, same gradients for every leaf (None where PyTorch has None)."""
    t_leaves, t_outs = run(program, torch_leaf)
    e_leaves, e_outs = run(program, engine_leaf)
    assume(all(torch.isfinite(o).all() for o in t_outs))
    rng = np.random.default_rng(program["seed"])
    seeds = [rng.uniform(-1, 1, size=tuple(o.shape)) for o in t_outs]  # d(root)/d(output)
    torch.autograd.backward(t_outs, [torch.tensor(s) for s in seeds])
    engine.backward(e_outs, seeds)
    for e, t in zip(e_outs, t_outs):
        assert_close(e.data, t)
    for e, t in zip(e_leaves, t_leaves):
        assert (e.grad is None) == (t.grad is None)
        if t.grad is not None:
            assert_close(e.grad, t.grad)


def test_engine_gradients_match_torch_on_random_expression_graphs(capsys) -> None:
    checked = []

    @settings(
        max_examples=CASES,
        derandomize=True,  # the same graphs on every run: CI cannot flake
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(programs())
    def check(program: dict) -> None:
        check_program(program)
        checked.append(program)

    check()
    reused = sum(reuses_a_value(p) for p in checked)
    several = sum(len(p["outputs"]) > 1 for p in checked)
    with capsys.disabled():
        print(
            f"\n{len(checked)} random expression graphs: nnnotes.engine == torch (float64, rtol {RTOL}); "
            f"{reused} reuse a leaf or subexpression, {several} have several outputs"
        )
    assert len(checked) >= 200
    assert reused >= 100 and several >= 100  # the strategy really builds what it promises


def test_nodes_are_named_and_linked_like_torch() -> None:
    x = Value(2.0, requires_grad=True)
    y = Value(3.0, requires_grad=True)
    z = (x * y + y) * 4.0
    assert z.grad_fn.name() == "MulBackward0"
    (add, _), (none, nr) = z.grad_fn.next_functions
    assert none is None and nr == 0  # the constant 4.0 needs no gradient
    assert [type(n).__name__ for n, _ in add.next_functions] == ["MulBackward0", "AccumulateGrad"]


def test_each_leaf_gets_one_accumulate_grad_reused_by_every_use() -> None:
    x = Value(2.0, requires_grad=True)
    a, b = x * 3.0, x.exp()
    acc_a, acc_b = a.grad_fn.next_functions[0][0], b.grad_fn.next_functions[0][0]
    assert isinstance(acc_a, AccumulateGrad) and acc_a is acc_b and acc_a.variable is x


def test_leaves_have_no_grad_fn_and_results_of_constants_are_leaves() -> None:
    c = Value(1.0) * 2.0
    assert c.is_leaf and c.grad_fn is None and not c.requires_grad


def test_shared_node_runs_once_after_all_its_consumers() -> None:
    x = Value(0.5, requires_grad=True)
    h = x.exp()
    y = h * h + h
    calls = []
    node = h.grad_fn
    original = node.apply
    node.apply = lambda g, **saved: calls.append(float(g)) or original(g, **saved)
    y.backward()
    e = np.exp(0.5)
    assert calls == [pytest.approx(2 * e + 1)]  # one call, with the summed gradient
    assert x.grad == pytest.approx(2 * e * e + e)


def test_gradients_accumulate_across_backward_calls() -> None:
    x = Value(3.0, requires_grad=True)
    (x * x).backward()
    (x * x).backward()
    assert x.grad == pytest.approx(12.0)


def test_second_backward_fails_after_saved_values_are_freed() -> None:
    x = Value(3.0, requires_grad=True)
    y = x * x
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_retain_graph_keeps_saved_values_for_a_second_backward() -> None:
    x = Value(3.0, requires_grad=True)
    y = x * x
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad == pytest.approx(12.0)


def test_graph_that_saved_nothing_can_run_backward_twice() -> None:
    x = Value([1.0, 2.0], requires_grad=True)
    y = (x + x).sum()
    y.backward()
    y.backward()
    np.testing.assert_allclose(x.grad, [4.0, 4.0])


def test_broadcast_gradients_are_summed_back_to_the_input_shape() -> None:
    w = Value([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    s = Value(2.0, requires_grad=True)
    (w * s).sum().backward()
    assert s.grad == pytest.approx(10.0)
    assert s.grad.shape == ()


def test_backward_of_a_non_scalar_needs_a_gradient() -> None:
    x = Value([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        (x * 2.0).backward()
