"""nnnotes.graph on the graphs shown on the autograd pages.

The expected trees and diagrams are written out in full: if a PyTorch release changes the graph of
an example shown on a page (a node renamed, an edge added), these tests fail.
"""

from __future__ import annotations

import torch

from nnnotes import graph
from nnnotes.engine import Value

MUL_ADD_TREE = """\
MulBackward0
├── AddBackward0
│   ├── MulBackward0
│   │   ├── AccumulateGrad (x)
│   │   └── AccumulateGrad (y)
│   └── AccumulateGrad (y) (see above)
└── None"""

MUL_ADD_MERMAID = """\
flowchart TB
    n0["MulBackward0"]
    n1["AddBackward0"]
    n2["MulBackward0"]
    n3(["AccumulateGrad (x)"])
    n4(["AccumulateGrad (y)"])
    n0 --> n1
    n0 --> none0[/None/]
    n1 --> n2
    n1 --> n4
    n2 --> n3
    n2 --> n4"""

MLP_LOSS_TREE = """\
NllLossBackward0
└── LogSoftmaxBackward0
    └── AddmmBackward0
        ├── AccumulateGrad (2.bias)
        ├── ReluBackward0
        │   └── AddmmBackward0
        │       ├── AccumulateGrad (0.bias)
        │       ├── None
        │       └── TBackward0
        │           └── AccumulateGrad (0.weight)
        └── TBackward0
            └── AccumulateGrad (2.weight)"""

MLP_LOSS_MERMAID = """\
flowchart TB
    n0["NllLossBackward0"]
    n1["LogSoftmaxBackward0"]
    n2["AddmmBackward0"]
    n3(["AccumulateGrad (2.bias)"])
    n4["ReluBackward0"]
    n5["AddmmBackward0"]
    n6(["AccumulateGrad (0.bias)"])
    n7["TBackward0"]
    n8(["AccumulateGrad (0.weight)"])
    n9["TBackward0"]
    n10(["AccumulateGrad (2.weight)"])
    n0 --> n1
    n1 --> n2
    n2 --> n3
    n2 --> n4
    n2 --> n9
    n4 --> n5
    n5 --> n6
    n5 --> none0[/None/]
    n5 --> n7
    n7 --> n8
    n9 --> n10"""

DIAMOND_TREE = """\
AddBackward0
├── MulBackward0
│   ├── ExpBackward0
│   │   └── AccumulateGrad (x)
│   └── ExpBackward0 (see above)
└── ExpBackward0 (see above)"""

DIAMOND_MERMAID = """\
flowchart TB
    n0["AddBackward0"]
    n1["MulBackward0"]
    n2["ExpBackward0"]
    n3(["AccumulateGrad (x)"])
    n0 --> n1
    n0 --> n2
    n1 --> n2
    n1 --> n2
    n2 --> n3"""


def test_mul_add_graph_is_drawn_as_pytorch_builds_it() -> None:
    assert graph.text_tree(*graph.example_mul_add()) == MUL_ADD_TREE
    assert graph.mermaid(*graph.example_mul_add()) == MUL_ADD_MERMAID


def test_linear_relu_linear_cross_entropy_graph_is_drawn_as_pytorch_builds_it() -> None:
    assert graph.text_tree(*graph.example_mlp_loss()) == MLP_LOSS_TREE
    assert graph.mermaid(*graph.example_mlp_loss()) == MLP_LOSS_MERMAID


def test_shared_subexpression_is_one_node_drawn_once() -> None:
    assert graph.text_tree(*graph.example_diamond()) == DIAMOND_TREE
    assert graph.mermaid(*graph.example_diamond()) == DIAMOND_MERMAID


def test_engine_graph_is_drawn_exactly_like_the_pytorch_graph() -> None:
    x = Value(2.0, requires_grad=True)
    y = Value(3.0, requires_grad=True)
    w = (x * y + y) * Value(4.0)
    names = {"x": x, "y": y}
    assert graph.text_tree(w, names) == MUL_ADD_TREE
    assert graph.mermaid(w, names) == MUL_ADD_MERMAID


def test_output_index_of_a_multi_output_node_is_shown() -> None:
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    a, b = t.unbind()
    p = a * b
    assert graph.text_tree(p, {"t": t}).splitlines() == [
        "MulBackward0",
        "├── UnbindBackward0",
        "│   └── AccumulateGrad (t)",
        "└── UnbindBackward0 [output 1] (see above)",
    ]
    assert "n0 -->|1| n1" in graph.mermaid(p, {"t": t})


def test_each_node_is_listed_once() -> None:
    y, _ = graph.example_diamond()
    names = [type(n).__name__ for n in graph.nodes(y)]
    assert names == ["AddBackward0", "MulBackward0", "ExpBackward0", "AccumulateGrad"]


def test_leaf_is_drawn_as_its_accumulate_grad_and_constant_has_no_graph() -> None:
    x = torch.tensor(1.0, requires_grad=True)
    assert graph.text_tree(x, {"x": x}) == "AccumulateGrad (x)"
    assert graph.text_tree(torch.tensor(1.0)).startswith("None")


def test_unnamed_leaves_are_plain_accumulate_grad() -> None:
    x = torch.tensor(1.0, requires_grad=True)
    assert graph.text_tree(x.exp()) == "ExpBackward0\n└── AccumulateGrad"
