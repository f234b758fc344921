"""Figures, diagrams and listings: a page names what it shows by path, every such name resolves,
every drawing function is shown in both languages, each figure draws the numbers of the
computation it illustrates, and the figure cache redraws whatever depends on changed code."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import shutil
import textwrap
from pathlib import Path

import pytest
import torch
from matplotlib.figure import Figure
from mkdocs.exceptions import PluginError

import sitebuild.figures
from sitebuild.pages import DIRECTIVE, FIGURE, ROOT, figure_function, language, resolve, site_pages, source_listing

DOCS = ROOT / "docs"
TEXT = {p: p.read_text(encoding="utf-8") for p in site_pages(DOCS) if p.suffix == ".md"}
SHOWN_FIGURES = {(m, n) for text in TEXT.values() for m, n in FIGURE.findall(text)}
DIRECTIVES = {d for text in TEXT.values() for d in DIRECTIVE.findall(text)}


def drawing_functions() -> dict[tuple[str, str], object]:
    """Every public function of every module of sitebuild/figures/."""
    found = {}
    for info in pkgutil.iter_modules(sitebuild.figures.__path__):
        module = importlib.import_module(f"sitebuild.figures.{info.name}")
        for name, fn in vars(module).items():
            if inspect.isfunction(fn) and fn.__module__ == module.__name__ and not name.startswith("_"):
                found[(info.name, name)] = fn
    return found


def languages_showing(pattern: re.Pattern[str], key) -> set[str]:
    return {language(p) for p, text in TEXT.items() if key in pattern.findall(text)}


@pytest.mark.parametrize("module, name", sorted(SHOWN_FIGURES), ids="/".join)
def test_every_figure_a_page_shows_is_a_drawing_function_shown_in_both_languages(module, name):
    assert callable(figure_function(module, name))
    assert languages_showing(FIGURE, (module, name)) == {"en", "zh"}


@pytest.mark.parametrize("kind, file, name", sorted(DIRECTIVES), ids=lambda x: str(x))
def test_every_insert_and_listing_resolves_and_is_in_both_languages(kind, file, name):
    obj = resolve(file, name)
    if kind == "insert":
        assert file.startswith("sitebuild/figures/") and obj().startswith("```mermaid\n")
    else:
        assert file.startswith("src/nnnotes/")
    assert languages_showing(DIRECTIVE, (kind, file, name)) == {"en", "zh"}


def test_every_drawing_function_is_shown_on_a_page():
    inserted = {(Path(f).stem, n) for kind, f, n in DIRECTIVES if kind == "insert"}
    unused = set(drawing_functions()) - SHOWN_FIGURES - inserted
    assert not unused, f"sitebuild/figures functions no page shows: {sorted(unused)}"


def test_a_listing_is_the_source_of_the_code_that_runs():
    listing = source_listing("src/nnnotes/train/loop.py", "Trainer.train_epoch")
    lines = listing.splitlines()
    assert lines[0] == '```python title="src/nnnotes/train/loop.py"' and lines[-1] == "```"
    assert lines[1].startswith("def train_epoch(self") and "loss.backward()" in listing
    code = textwrap.indent("\n".join(lines[1:-1]), "    ")  # a method: indented in its class
    assert code in (ROOT / "src/nnnotes/train/loop.py").read_text(encoding="utf-8")


def test_the_autograd_diagrams_are_the_mermaid_drawings_of_the_live_graphs():
    from nnnotes import graph
    from sitebuild.figures import autograd

    fenced = "```mermaid\n{}\n```\n".format
    assert autograd.mul_add() == fenced(graph.mermaid(*graph.example_mul_add()))
    assert autograd.mlp_loss() == fenced(graph.mermaid(*graph.example_mlp_loss()))
    assert autograd.diamond() == fenced(graph.mermaid(*graph.example_diamond()))
    assert autograd.engine_mul_add() == autograd.mul_add()  # nnnotes.engine builds the same graph


def test_a_name_that_does_not_match_its_file_is_refused():
    with pytest.raises(LookupError, match="has no nothing_here"):
        resolve("src/nnnotes/train/loop.py", "nothing_here")
    with pytest.raises(LookupError, match="does not exist"):
        resolve("src/nnnotes/train.py", "run")


# --- each figure shows the numbers of its computation --------------------------------------
def lines_of(fig: Figure, axis: int = 0) -> dict[str, list[float]]:
    return {l.get_label(): [float(v) for v in l.get_ydata()] for l in fig.axes[axis].get_lines()}


def test_activation_figure_plots_each_function_and_its_derivative():
    from nnnotes.activations import ACTIVATIONS

    from sitebuild.figures.activations import TEXT

    for lang in ("en", "zh"):
        fig = figure_function("activations", "activations")(lang=lang)
        x = torch.linspace(-4, 4, 801, dtype=torch.float64)
        for ax, (name, (f, df, _)) in zip(fig.axes, ACTIVATIONS.items()):
            drawn = {l.get_label(): l.get_ydata() for l in ax.get_lines()}
            assert ax.get_title() == name
            assert torch.equal(torch.as_tensor(drawn[TEXT[lang]["f"]]), f(x))
            assert torch.equal(torch.as_tensor(drawn[TEXT[lang]["df"]]), df(x))


def test_depth_figure_plots_the_gradient_norm_of_every_layer():
    from nnnotes.activations import layer_gradient_norms

    drawn = lines_of(figure_function("activations", "sigmoid_vs_relu_depth")())
    assert drawn == {"sigmoid": layer_gradient_norms("sigmoid"), "relu": layer_gradient_norms("relu")}


def test_learning_rate_figure_plots_each_runs_loss_per_step():
    from nnnotes.experiments.optimizers import LEARNING_RATES, gradient_descent_1d

    drawn = lines_of(figure_function("optimizers", "learning_rate")(), axis=1)
    for lr in LEARNING_RATES.values():
        assert drawn[f"lr={lr:g}"] == pytest.approx([w * w for w in gradient_descent_1d(lr)])


@pytest.mark.parametrize("name, variant", [("batchnorm_curves", dict(batchnorm=True)),
                                           ("dropout_curves", dict(dropout=0.2))])
def test_normalization_figures_plot_the_experiments_accuracies(name, variant, data_dir, monkeypatch):
    from nnnotes.experiments import normalization as E

    monkeypatch.setenv("NNNOTES_DATA_DIR", str(data_dir))
    drawn = list(lines_of(figure_function("normalization", name)()).values())
    plain, other = E.run(), E.run(**variant)
    assert drawn == [plain["train"], plain["test"], other["train"], other["test"]]


def test_sgd_vs_adam_figure_plots_both_runs_curves(data_dir, monkeypatch):
    from nnnotes.experiments.optimizers import compare_sgd_adam

    monkeypatch.setenv("NNNOTES_DATA_DIR", str(data_dir))
    fig = figure_function("optimizers", "sgd_vs_adam")()
    results = compare_sgd_adam()
    for axis, key in ((0, "loss"), (1, "acc")):
        drawn = lines_of(fig, axis)
        for name, curves in results.items():
            assert drawn[f"{name} train"] == curves[f"train_{key}"]
            assert drawn[f"{name} test"] == curves[f"test_{key}"]


def test_overfitting_figure_plots_the_runs_history_and_the_loss_measured_after_each_epoch(data_dir, monkeypatch):
    from nnnotes.experiments.mnist import overfitting_history

    monkeypatch.setenv("NNNOTES_DATA_DIR", str(data_dir))
    rows = overfitting_history()
    fig = figure_function("mnist", "overfitting")()
    loss, acc = lines_of(fig, 0), lines_of(fig, 1)
    assert loss == {"train (mean over the epoch)": [r["train_loss"] for r in rows],
                    "validation (end of epoch)": [r["val_loss"] for r in rows],
                    "train (end of epoch)": [r["train_loss_after"] for r in rows]}
    assert acc["validation (end of epoch)"] == [r["val_acc"] for r in rows]


# --- the figure cache, and drawing with the code on disk ---------------------------------
def load_hook():
    spec = importlib.util.spec_from_file_location("figures_hook", ROOT / "sitebuild" / "hooks" / "figures.py")
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    return hook


def test_every_figure_module_has_its_words_in_both_languages():
    for info in pkgutil.iter_modules(sitebuild.figures.__path__):
        module = importlib.import_module(f"sitebuild.figures.{info.name}")
        if hasattr(module, "TEXT"):
            assert set(module.TEXT) == {"en", "zh"}
            assert set(module.TEXT["en"]) == set(module.TEXT["zh"]), info.name


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_figure_is_redrawn_with_the_code_on_disk_when_a_dependency_changes(tmp_path, monkeypatch):
    """What `mkdocs serve` does after an edit: the serving process imported the figure's module
    and the library long ago (as this test process has); the redrawn figure shows the edit."""
    import nnnotes.experiments.optimizers  # noqa: F401  (imported, as in a server that drew before)
    import sitebuild.figures.optimizers  # noqa: F401

    hook = load_hook()
    root = tmp_path / "repo"  # a copy of the code the figure depends on, edited below
    shutil.copytree(ROOT / "sitebuild", root / "sitebuild", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "src" / "nnnotes", root / "src" / "nnnotes", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(hook, "ROOT", root)
    docs, figure = tmp_path / "docs", [("optimizers", "learning_rate", "en")]
    svg = docs / "figures" / "optimizers" / "learning_rate.svg"

    assert [a["done"] for a in hook.draw(docs, figure)] == ["figures/optimizers/learning_rate.svg"]
    assert "lr=1.05 (too large)" in svg.read_text() and svg.stat().st_size > 1000
    assert hook.draw(docs, figure) == []  # nothing changed: kept, no process started
    edit(root / "src/nnnotes/experiments/optimizers.py", '"too large": 1.05', '"too large": 1.2')
    assert hook.draw(docs, figure)  # a library file changed
    assert "lr=1.2 (too large)" in svg.read_text() and "lr=1.05" not in svg.read_text()
    edit(root / "sitebuild/figures/optimizers.py", '"gd": "12 steps of gradient descent from w = 1"',
         '"gd": "twelve steps from w = 1"')
    assert hook.draw(docs, figure)  # the figure's own module changed
    assert "twelve steps from w = 1" in svg.read_text()
    (root / "src/nnnotes/new_module.py").write_text("")  # a new file of the library
    assert hook.draw(docs, figure)


def test_a_chinese_figure_is_drawn_in_chinese_and_a_missing_glyph_is_an_error(tmp_path, monkeypatch):
    hook = load_hook()
    docs = tmp_path / "docs"
    answers = hook.draw(docs, [("optimizers", "learning_rate", "zh")])
    if answers == [{"no_font": "figures/optimizers/learning_rate.zh.svg"}]:
        pytest.skip("no font with Chinese glyphs on this machine (apt install fonts-noto-cjk)")
    svg = (docs / "figures/optimizers/learning_rate.zh.svg").read_text(encoding="utf-8")
    assert "<!-- 从 w = 1 出发的 12 步梯度下降 -->" in svg and "steps" not in svg
    root = tmp_path / "repo"
    shutil.copytree(ROOT / "sitebuild", root / "sitebuild", ignore=shutil.ignore_patterns("__pycache__"))
    edit(root / "sitebuild/figures/optimizers.py", '"diverges": "w ← (1 − 2·lr)·w：lr > 1 时发散"',
         '"diverges": r"$w$：发散"')  # Chinese inside a math title: matplotlib draws boxes
    monkeypatch.setattr(hook, "ROOT", root)
    with pytest.raises(PluginError, match="characters without a glyph"):
        hook.draw(docs, [("optimizers", "learning_rate", "zh")])
