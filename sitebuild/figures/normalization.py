"""Figures of normalization.md: the runs of ``nnnotes.experiments.normalization``, drawn."""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from nnnotes.experiments import normalization as E
from sitebuild.figures import WIDTH, words

TEXT = {
    "en": {"train": "{}, train", "test": "{}, test", "epoch": "epoch", "accuracy": "accuracy",
           "title": "{} hidden layers, {} training images", "no_bn": "no BatchNorm", "bn": "BatchNorm",
           "no_dropout": "no Dropout"},
    "zh": {"train": "{}：训练", "test": "{}：测试", "epoch": "轮", "accuracy": "准确率",
           "title": "{} 个隐藏层，{} 张训练图像", "no_bn": "不用批量归一化", "bn": "批量归一化",
           "no_dropout": "不用 Dropout"},
}


def _plot_variants(variants: dict[str, dict[str, list[float]]], lang: str) -> Figure:
    """Train (dashed) and test (solid) accuracy per epoch, one colour per variant."""
    t = words(TEXT, lang)
    fig = Figure(figsize=(WIDTH, 3.8))
    ax = fig.add_subplot()
    for (label, curves), colour in zip(variants.items(), ("tab:gray", "tab:blue")):
        epochs = range(len(curves["train"]))
        ax.plot(epochs, curves["train"], "--", color=colour, label=t["train"].format(label))
        ax.plot(epochs, curves["test"], "-", color=colour, label=t["test"].format(label))
    title = t["title"].format(len(E.SETUP.sizes) - 2, E.SETUP.n_train)
    ax.set(xlabel=t["epoch"], ylabel=t["accuracy"], ylim=(0, 1), title=title)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def batchnorm_curves(lang: str = "en") -> Figure:
    """The deep MLP without and with BatchNorm after every hidden Linear."""
    t = words(TEXT, lang)
    return _plot_variants({t["no_bn"]: E.run(), t["bn"]: E.run(batchnorm=True)}, lang)


def dropout_curves(lang: str = "en") -> Figure:
    """The deep MLP without and with Dropout after every hidden ReLU."""
    t = words(TEXT, lang)
    return _plot_variants({t["no_dropout"]: E.run(), f"Dropout({E.SETUP.dropout})": E.run(dropout=E.SETUP.dropout)},
                          lang)
