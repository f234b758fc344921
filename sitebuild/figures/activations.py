"""Figures of activations.md: the functions and derivatives of ``nnnotes.activations``."""

from __future__ import annotations

import torch
from matplotlib.figure import Figure

from nnnotes.activations import ACTIVATIONS, layer_gradient_norms
from sitebuild.figures import WIDTH, words

TEXT = {
    "en": {"f": "function f(x)", "df": "derivative f'(x)", "x": "x (float32)",
           "grad": "autograd gradient", "zero_line": "float32: values on the bottom line are exactly 0",
           "layer": "layer (1 = next to the input)"},
    "zh": {"f": "函数 f(x)", "df": "导数 f'(x)", "x": "x（float32）",
           "grad": "自动微分算出的梯度", "zero_line": "float32：落在最下面那条线上的值恰好是 0",
           "layer": "层（1 = 紧挨着输入的那一层）"},
}


def activations(lang: str = "en") -> Figure:
    """Each activation (solid) with its hand-written derivative (dashed)."""
    t = words(TEXT, lang)
    x = torch.linspace(-4, 4, 801, dtype=torch.float64)
    fig = Figure(figsize=(WIDTH, 6.6), layout="constrained")
    axes = fig.subplots(3, 3, sharex=True)
    for ax, (name, (f, df, _)) in zip(axes.flat, ACTIVATIONS.items()):
        ax.axhline(0, color="0.8", lw=0.8)
        ax.axvline(0, color="0.8", lw=0.8)
        ax.plot(x, f(x), color="C0", lw=2, label=t["f"])
        ax.plot(x, df(x), color="C3", lw=1.5, ls="--", label=t["df"])
        ax.set_title(name)
        ax.set_ylim(-1.3, 4.2 if name in {"relu", "leaky_relu", "gelu", "silu"} else 1.3)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    for ax in axes.flat[len(ACTIVATIONS):]:
        ax.axis("off")
    axes.flat[-1].legend(handles, labels, loc="center", fontsize=11)
    return fig


def sigmoid_saturation(lang: str = "en") -> Figure:
    """float32 sigmoid tails and the autograd gradient on a log scale: both reach exact 0."""
    t = words(TEXT, lang)
    x = torch.linspace(-110, 40, 1501, dtype=torch.float32, requires_grad=True)
    s = torch.sigmoid(x)
    (g,) = torch.autograd.grad(s.sum(), x)
    x, s, g = x.detach().double(), s.detach().double(), g.double()
    floor = 1e-50  # exact zeros are drawn on this line (float64: 1e-50 is not 0)
    left, right = x <= 0, x >= 0
    fig = Figure(figsize=(WIDTH, 3.6), layout="constrained")
    ax = fig.subplots()
    ax.semilogy(x[left], s[left].clamp_min(floor), lw=2, label="sigmoid(x)")
    ax.semilogy(x[right], (1 - s[right]).clamp_min(floor), lw=2, label="1 - sigmoid(x)")
    ax.semilogy(x, g.clamp_min(floor), color="k", ls="--", lw=1, label=t["grad"])
    for edge, text, dx, ha in [(-88.72, "sigmoid = 0.0", -4, "right"), (16.64, "sigmoid = 1.0", 4, "left")]:
        ax.axvline(edge, color="0.6", lw=0.8, ls=":")
        ax.annotate(text, (edge, 1e-30), xytext=(dx, 0), textcoords="offset points", ha=ha, fontsize=9)
    ax.set_xlabel(t["x"])
    ax.set_ylim(floor / 1e4, 10)
    ax.legend(loc="upper left")
    ax.set_title(t["zero_line"])
    return fig


def sigmoid_vs_relu_depth(lang: str = "en") -> Figure:
    """Gradient norm of every layer's weight in a 10-layer sigmoid MLP and a ReLU one."""
    t = words(TEXT, lang)
    fig = Figure(figsize=(WIDTH, 3.6), layout="constrained")
    ax = fig.subplots()
    for name in ("sigmoid", "relu"):
        norms = layer_gradient_norms(name)
        ax.semilogy(range(1, len(norms) + 1), norms, marker="o", label=name)
    ax.set_xlabel(t["layer"])
    ax.set_ylabel("||dL/dW||")
    ax.set_xticks(range(1, 11))
    ax.legend()
    return fig
