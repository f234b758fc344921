"""Draw a live autograd graph: walk ``grad_fn`` -> ``next_functions`` (docs/autograd/graph.md).

``text_tree(t)`` prints the graph as an indented tree, ``mermaid(t)`` as a Mermaid flowchart.
Nodes are named as PyTorch names them (``type(node).__name__``); ``AccumulateGrad`` nodes show
the name of their leaf when ``names={"x": x, ...}`` is given (``dict(model.named_parameters())``
works). Works on ``nnnotes.engine`` values too. The ``example_*`` functions build the graphs
the autograd pages show (the site draws them with :func:`mermaid` when it is built).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn


def node_name(node: Any, names: Mapping[str, Any] | None = None) -> str:
    """PyTorch's name for a node, plus the leaf's name for an ``AccumulateGrad``."""
    name = type(node).__name__
    variable = getattr(node, "variable", None)
    for label, value in (names or {}).items():
        if variable is not None and variable is value:
            return f"{name} ({label})"
    return name


def _root(tensor: Any) -> tuple[Any, int]:
    """The first edge of the graph: the tensor's grad_fn, or its leaf's AccumulateGrad."""
    if tensor.grad_fn is not None:
        return tensor.grad_fn, 0
    if not tensor.requires_grad:
        return None, 0
    if hasattr(tensor, "view_as"):  # a torch leaf: reach its AccumulateGrad through a view
        return tensor.view_as(tensor).grad_fn.next_functions[0]
    from nnnotes.engine import _edge

    return _edge(tensor)


def nodes(tensor: Any) -> list[Any]:
    """Every node reachable from ``tensor``, each once, in depth-first discovery order."""
    root, _ = _root(tensor)
    order, seen, stack = [], set(), [root] if root is not None else []
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        order.append(node)
        stack.extend(n for n, _ in reversed(node.next_functions) if n is not None and n not in seen)
    return order


def text_tree(tensor: Any, names: Mapping[str, Any] | None = None) -> str:
    """The graph as a tree; a node reached again is marked ``(see above)`` and not expanded."""
    root, _ = _root(tensor)
    if root is None:
        return "None (no graph: this tensor does not require grad)"
    lines, seen = [node_name(root, names)], {root}

    def walk(node: Any, prefix: str) -> None:
        edges = node.next_functions
        for i, (child, input_nr) in enumerate(edges):
            last = i == len(edges) - 1
            label = "None" if child is None else node_name(child, names)
            if input_nr:
                label += f" [output {input_nr}]"
            again = child is not None and child in seen
            lines.append(prefix + ("└── " if last else "├── ") + label + (" (see above)" if again else ""))
            if child is not None and child not in seen:
                seen.add(child)
                walk(child, prefix + ("    " if last else "│   "))

    walk(root, "")
    return "\n".join(lines)


def mermaid(tensor: Any, names: Mapping[str, Any] | None = None) -> str:
    """The graph as a Mermaid flowchart, arrows following ``next_functions`` (output to leaves)."""
    ids = {node: f"n{i}" for i, node in enumerate(nodes(tensor))}
    lines = ["flowchart TB"]
    for node, nid in ids.items():
        shape = '(["{}"])' if type(node).__name__ == "AccumulateGrad" else '["{}"]'
        lines.append(f"    {nid}" + shape.format(node_name(node, names)))
    nones = 0
    for node, nid in ids.items():
        for child, input_nr in node.next_functions:
            arrow = f" -->|{input_nr}| " if input_nr else " --> "
            if child is None:
                lines.append(f"    {nid}{arrow}none{nones}[/None/]")
                nones += 1
            else:
                lines.append(f"    {nid}{arrow}{ids[child]}")
    return "\n".join(lines)


# The graphs drawn on the pages. Each page builds the same graph in a checked code block.
def example_mul_add() -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """``z = x * y + y`` with ``c`` a tensor that needs no gradient: ``w = z * c``."""
    x = torch.tensor(2.0, requires_grad=True)
    y = torch.tensor(3.0, requires_grad=True)
    c = torch.tensor(4.0)
    w = (x * y + y) * c
    return w, {"x": x, "y": y}


def example_mlp_loss() -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """``nn.Linear`` -> ReLU -> ``nn.Linear`` -> ``CrossEntropyLoss`` on a batch of 4."""
    with torch.random.fork_rng(devices=[]):  # seeded, leaving the caller's generator alone
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2))
        loss = nn.CrossEntropyLoss()(model(torch.randn(4, 3)), torch.tensor([0, 1, 1, 0]))
    return loss, dict(model.named_parameters())


def example_diamond() -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """A shared subexpression: ``h = x.exp()`` is used twice, ``y = h * h + h``."""
    x = torch.tensor(0.5, requires_grad=True)
    h = x.exp()
    y = h * h + h
    return y, {"x": x}
