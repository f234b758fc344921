"""A tiny autograd engine shaped like PyTorch's (read it on one page: docs/autograd/engine.md).

Like micrograd, but with PyTorch's vocabulary: a ``Value`` knows the node that made it
(``grad_fn``); a node knows where to send gradients (``next_functions``, pairs
``(node, input_nr)``, ``None`` for inputs that need no gradient); each leaf gets one
``AccumulateGrad`` node; ``backward`` runs every node once, in topological order; gradients
accumulate in leaves' ``.grad``; saved values are freed unless ``retain_graph=True``.
Data are float64 NumPy arrays (scalars are 0-d arrays).
"""

from __future__ import annotations

import numpy as np


class Node:
    """A backward function: receives d(root)/d(output), returns d(root)/d(each input)."""

    def __init__(self, inputs: tuple[Value, ...], saved: dict | None = None) -> None:
        self.next_functions = tuple(_edge(v) for v in inputs)
        self.input_shapes = tuple(v.data.shape for v in inputs)  # metadata, never freed
        self.saved = saved or {}  # values the derivative needs; freed after backward

    def name(self) -> str:
        return type(self).__name__

    def __call__(self, grad: np.ndarray) -> tuple[np.ndarray, ...]:
        if self.saved is None:
            raise RuntimeError(
                "Trying to backward through the graph a second time: its saved values "
                "have been freed. Specify retain_graph=True the first time."
            )
        return self.apply(grad, **self.saved)

    def release(self) -> None:
        if self.saved:  # a node that saved nothing has nothing to free
            self.saved = None

    def __repr__(self) -> str:
        return f"<{self.name()}>"


class AccumulateGrad(Node):
    """The node of a leaf: adds the incoming gradient to ``variable.grad``."""

    def __init__(self, variable: Value) -> None:
        self.variable, self.next_functions, self.saved = variable, (), {}
        self.input_shapes = ()

    def apply(self, grad):
        v = self.variable
        v.grad = grad.copy() if v.grad is None else v.grad + grad
        return ()


# Each backward node: the derivative of one operation (names as PyTorch names them).
class AddBackward0(Node):
    def apply(self, g):
        return g, g


class MulBackward0(Node):
    def apply(self, g, self_, other):
        return g * other, g * self_


class PowBackward0(Node):
    def apply(self, g, self_, exponent):
        return (g * exponent * self_ ** (exponent - 1),)


class ExpBackward0(Node):
    def apply(self, g, result):
        return (g * result,)


class LogBackward0(Node):
    def apply(self, g, self_):
        return (g / self_,)


class TanhBackward0(Node):
    def apply(self, g, result):
        return (g * (1 - result**2),)


class ReluBackward0(Node):
    def apply(self, g, result):
        return (g * (result > 0),)


class SumBackward0(Node):
    def apply(self, g):
        return (np.broadcast_to(g, self.input_shapes[0]),)


class MmBackward0(Node):
    def apply(self, g, self_, mat2):
        return g @ mat2.T, self_.T @ g


def _edge(v: Value) -> tuple[Node | None, int]:
    """Where the gradient for ``v`` goes: its grad_fn, its AccumulateGrad, or nowhere."""
    if not v.requires_grad:
        return (None, 0)
    if v.grad_fn is not None:
        return (v.grad_fn, 0)
    if v._accumulator is None:  # one AccumulateGrad per leaf, reused
        v._accumulator = AccumulateGrad(v)
    return (v._accumulator, 0)


def _sum_to(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Undo broadcasting: sum ``grad`` down to ``shape``."""
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


class Value:
    """A float64 array that can take part in a graph."""

    def __init__(self, data, requires_grad: bool = False) -> None:
        self.data = np.asarray(data, dtype=np.float64)
        self.requires_grad = requires_grad
        self.grad: np.ndarray | None = None
        self.grad_fn: Node | None = None
        self._accumulator: AccumulateGrad | None = None

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    def __repr__(self) -> str:
        fn = f", grad_fn=<{self.grad_fn.name()}>" if self.grad_fn else ""
        rg = ", requires_grad=True" if self.requires_grad and not fn else ""
        return f"Value({np.array2string(self.data, precision=4)}{rg}{fn})"

    def _op(self, data, node_type: type[Node], inputs: tuple[Value, ...], **saved) -> Value:
        """Make the result; record a node only if some input requires grad."""
        out = Value(data, requires_grad=any(v.requires_grad for v in inputs))
        if out.requires_grad:
            out.grad_fn = node_type(inputs, saved)
        return out

    def __add__(self, other) -> Value:
        other = _value(other)
        return self._op(self.data + other.data, AddBackward0, (self, other))

    def __mul__(self, other) -> Value:
        other = _value(other)
        return self._op(self.data * other.data, MulBackward0, (self, other), self_=self.data, other=other.data)

    def __pow__(self, exponent: float) -> Value:
        return self._op(self.data**exponent, PowBackward0, (self,), self_=self.data, exponent=exponent)

    def exp(self) -> Value:
        result = np.exp(self.data)
        return self._op(result, ExpBackward0, (self,), result=result)

    def log(self) -> Value:
        return self._op(np.log(self.data), LogBackward0, (self,), self_=self.data)

    def tanh(self) -> Value:
        result = np.tanh(self.data)
        return self._op(result, TanhBackward0, (self,), result=result)

    def relu(self) -> Value:
        result = np.maximum(self.data, 0.0)
        return self._op(result, ReluBackward0, (self,), result=result)

    def sum(self) -> Value:
        return self._op(self.data.sum(), SumBackward0, (self,))

    def __matmul__(self, other: Value) -> Value:
        return self._op(self.data @ other.data, MmBackward0, (self, other), self_=self.data, mat2=other.data)

    __radd__, __rmul__ = __add__, __mul__

    def backward(self, grad=None, retain_graph: bool = False) -> None:
        backward([self], None if grad is None else [grad], retain_graph)


def _value(x) -> Value:
    return x if isinstance(x, Value) else Value(x)


def backward(roots: list[Value], grads: list | None = None, retain_graph: bool = False) -> None:
    """Like ``torch.autograd.backward``: run every node once, each after all its consumers."""
    if grads is None:
        if any(r.data.size != 1 for r in roots):
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        grads = [np.ones_like(r.data) for r in roots]
    edges = [_edge(r) for r in roots]
    if any(node is None for node, _ in edges):
        raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    # 1. Count, for every node, how many edges point at it (its consumers).
    dependencies: dict[Node, int] = {}
    stack = list({node: None for node, _ in edges})  # each root node once
    seen = set(stack)
    while stack:
        for nxt, _ in stack.pop().next_functions:
            if nxt is not None:
                dependencies[nxt] = dependencies.get(nxt, 0) + 1
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
    # 2. Seed the roots, then run a node only once all its consumers have sent their gradient.
    buffers: dict[Node, np.ndarray] = {}
    for (node, _), root, g in zip(edges, roots, grads):
        g = np.asarray(g, dtype=np.float64)
        buffers[node] = buffers[node] + g if node in buffers else g
    ready = [node for node in buffers if dependencies.get(node, 0) == 0]
    while ready:
        node = ready.pop()
        input_grads = node(buffers.pop(node))
        if not retain_graph:
            node.release()
        for (nxt, _), shape, g in zip(node.next_functions, node.input_shapes, input_grads):
            if nxt is None:
                continue
            g = _sum_to(g, shape)
            buffers[nxt] = buffers[nxt] + g if nxt in buffers else g
            dependencies[nxt] -= 1
            if dependencies[nxt] == 0:
                ready.append(nxt)
