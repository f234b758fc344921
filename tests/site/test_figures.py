"""Figures, diagrams and listings: a page names what it shows by path, every such name resolves,
every drawing function is shown in both languages, each figure draws the numbers of the
computation it illustrates, and the figure cache redraws whatever depends on changed code."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import textwrap
from pathlib import Path

import pytest
import torch
from matplotlib.figure import Figure

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

    fig = figure_function("activations", "activations")()
    x = torch.linspace(-4, 4, 801, dtype=torch.float64)
    for ax, (name, (f, df, _)) in zip(fig.axes, ACTIVATIONS.items()):
        drawn = {l.get_label(): l.get_ydata() for l in ax.get_lines()}
        assert ax.get_title() == name
        assert torch.equal(torch.as_tensor(drawn["f(x)"]), f(x))
        assert torch.equal(torch.as_tensor(drawn["f'(x)"]), df(x))


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


# --- the figure cache ----------------------------------------------------------------------
def load_hook():
    spec = importlib.util.spec_from_file_location("figures_hook", ROOT / "sitebuild" / "hooks" / "figures.py")
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    return hook


def test_a_figure_is_redrawn_when_any_library_file_or_its_own_module_changes(tmp_path, monkeypatch):
    hook = load_hook()
    root = tmp_path / "repo"
    for sub in ("src/nnnotes", "sitebuild/figures"):
        (root / sub).mkdir(parents=True)
    (root / "src/nnnotes/optim.py").write_text("x = 1\n")
    (root / "sitebuild/figures/__init__.py").write_text("")
    (root / "sitebuild/figures/optimizers.py").write_text("y = 1\n")
    monkeypatch.setattr(hook, "ROOT", root)
    monkeypatch.setattr(hook, "figure_function", lambda m, n: figure_function("optimizers", "learning_rate"))
    docs = tmp_path / "docs"
    assert hook.draw(docs, "optimizers", "learning_rate")          # first build: drawn
    assert not hook.draw(docs, "optimizers", "learning_rate")      # nothing changed: kept
    (root / "src/nnnotes/optim.py").write_text("x = 2\n")          # a library file changed
    assert hook.draw(docs, "optimizers", "learning_rate")
    (root / "sitebuild/figures/optimizers.py").write_text("y = 2\n")  # the figure's own module
    assert hook.draw(docs, "optimizers", "learning_rate")
    (root / "src/nnnotes/new_module.py").write_text("")            # a new file of the library
    assert hook.draw(docs, "optimizers", "learning_rate")
    assert (docs / "figures/optimizers/learning_rate.svg").stat().st_size > 1000
