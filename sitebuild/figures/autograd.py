"""Diagrams of the autograd pages: live PyTorch (and ``nnnotes.engine``) graphs as Mermaid.

Each page builds the same graph in a checked code block and prints it with
``nnnotes.graph.text_tree``; these functions draw it with ``nnnotes.graph.mermaid``.
"""

from __future__ import annotations

from nnnotes import graph
from nnnotes.engine import Value


def _fenced(diagram: str) -> str:
    return "```mermaid\n" + diagram + "\n```\n"


def mul_add() -> str:
    """graph.md: ``w = (x * y + y) * c``."""
    return _fenced(graph.mermaid(*graph.example_mul_add()))


def mlp_loss() -> str:
    """graph.md: Linear -> ReLU -> Linear -> cross-entropy on a batch of 4."""
    return _fenced(graph.mermaid(*graph.example_mlp_loss()))


def diamond() -> str:
    """backward.md: a shared subexpression, ``y = h * h + h`` with ``h = x.exp()``."""
    return _fenced(graph.mermaid(*graph.example_diamond()))


def engine_mul_add() -> str:
    """engine.md: the ``mul_add`` graph built by ``nnnotes.engine``, drawn like PyTorch's."""
    x, y = Value(2.0, requires_grad=True), Value(3.0, requires_grad=True)
    return _fenced(graph.mermaid((x * y + y) * Value(4.0), {"x": x, "y": y}))
