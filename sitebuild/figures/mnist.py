"""Figures of mnist.md: real MNIST digits, and the curves of a run trained too long.

Both are drawn by the trainer's own plotting functions (``nnnotes.plots``), in English; the
Chinese figures are the same drawings with their words replaced (:func:`sitebuild.figures.relabel`).
"""

from __future__ import annotations

from matplotlib.figure import Figure

from nnnotes import data, plots
from nnnotes.experiments.mnist import overfitting_history
from sitebuild.figures import WIDTH, relabel, translator, words

TEXT = {
    "en": {"digits": "the first 40 MNIST test images and their labels"},
    "zh": {"digits": "MNIST 测试集的前 40 张图像及其标签"},
}
# The words nnnotes.plots.plot_history writes, in Chinese (glossary: 轮, 交叉熵, 准确率, 验证集).
HISTORY_ZH = translator(
    {"train (mean over the epoch)": "训练集（整轮平均）", "validation (end of epoch)": "验证集（每轮结束时）",
     "train (end of epoch)": "训练集（每轮结束时）", "epoch": "轮", "cross-entropy loss": "交叉熵损失",
     "accuracy": "准确率"},
    {r"best validation accuracy ([\d.]+) \(epoch (\d+)\)": r"最佳验证准确率 \1（第 \2 轮）"})


def digits(lang: str = "en") -> Figure:
    """The first 40 MNIST test digits with their labels (real data, $NNNOTES_DATA_DIR)."""
    images, labels = data.load("mnist", "test")
    fig = plots.plot_grid(images[:40], [str(int(d)) for d in labels[:40]], cols=10,
                          title=words(TEXT, lang)["digits"])
    fig.set_size_inches(WIDTH, WIDTH * 0.48)
    return fig


def overfitting(lang: str = "en") -> Figure:
    """Train and validation curves of a 784-256-128-10 MLP trained too long on 2,400 images
    at a constant learning rate, with the training loss also measured after each epoch."""
    history = overfitting_history()
    fig = plots.plot_history(history)
    ax_loss = fig.axes[0]
    ax_loss.plot([r["epoch"] for r in history], [r["train_loss_after"] for r in history], ":",
                 color="gray", label="train (end of epoch)")
    ax_loss.legend()
    fig.set_size_inches(WIDTH, 3.2)
    if lang == "zh":
        relabel(fig, HISTORY_ZH)
    return fig
