"""Figures of activations.md: the functions and derivatives of ``nnnotes.activations``."""

from __future__ import annotations

import torch
from matplotlib.figure import Figure

from nnnotes.activations import ACTIVATIONS, layer_gradient_norms


def activations() -> Figure:
    """Each activation (solid) with its hand-written derivative (dashed)."""
    x = torch.linspace(-4, 4, 801, dtype=torch.float64)
    fig = Figure(figsize=(12, 5.6), layout="constrained")
    axes = fig.subplots(2, 4, sharex=True)
    for ax, (name, (f, df, _)) in zip(axes.flat, ACTIVATIONS.items()):
        ax.axhline(0, color="0.8", lw=0.8)
        ax.axvline(0, color="0.8", lw=0.8)
        ax.plot(x, f(x), color="C0", lw=2, label="f(x)")
        ax.plot(x, df(x), color="C3", lw=1.5, ls="--", label="f'(x)")
        ax.set_title(name)
        ax.set_ylim(-1.3, 4.2 if name in {"relu", "leaky_relu", "gelu", "silu"} else 1.3)
    last = axes.flat[-1]
    last.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    last.legend(handles, labels, loc="center", fontsize=12)
    return fig


def sigmoid_saturation() -> Figure:
    """float32 sigmoid tails and the autograd gradient on a log scale: both reach exact 0."""
    x = torch.linspace(-110, 40, 1501, dtype=torch.float32, requires_grad=True)
    s = torch.sigmoid(x)
    (g,) = torch.autograd.grad(s.sum(), x)
    x, s, g = x.detach().double(), s.detach().double(), g.double()
    floor = 1e-50  # exact zeros are drawn on this line (float64: 1e-50 is not 0)
    left, right = x <= 0, x >= 0
    fig = Figure(figsize=(8, 3.6), layout="constrained")
    ax = fig.subplots()
    ax.semilogy(x[left], s[left].clamp_min(floor), lw=2, label="sigmoid(x)")
    ax.semilogy(x[right], (1 - s[right]).clamp_min(floor), lw=2, label="1 - sigmoid(x)")
    ax.semilogy(x, g.clamp_min(floor), color="k", ls="--", lw=1, label="autograd gradient")
    for edge, text, dx, ha in [(-88.72, "sigmoid = 0.0", -4, "right"), (16.64, "sigmoid = 1.0", 4, "left")]:
        ax.axvline(edge, color="0.6", lw=0.8, ls=":")
        ax.annotate(text, (edge, 1e-30), xytext=(dx, 0), textcoords="offset points", ha=ha, fontsize=9)
    ax.set_xlabel("x (float32)")
    ax.set_ylim(floor / 1e4, 10)
    ax.legend(loc="upper left")
    ax.set_title("float32: values on the bottom line are exactly 0")
    return fig


def sigmoid_vs_relu_depth() -> Figure:
    """Gradient norm of every layer's weight in a 10-layer sigmoid MLP and a ReLU one."""
    fig = Figure(figsize=(7, 3.6), layout="constrained")
    ax = fig.subplots()
    for name in ("sigmoid", "relu"):
        norms = layer_gradient_norms(name)
        ax.semilogy(range(1, len(norms) + 1), norms, marker="o", label=name)
    ax.set_xlabel("layer (1 = next to the input)")
    ax.set_ylabel("||dL/dW||")
    ax.set_xticks(range(1, 11))
    ax.legend()
    return fig
