"""A fresh clone with no data at all still builds the whole site, and says what is missing.

The clone is a copy of the working tree (git's tracked and unignored files) in a folder of its
own: no ../shared beside it, an empty home and cache, NNNOTES_DATA_DIR an empty folder. The
installed .venv and node_modules are reused (PYTHONPATH points at the copy's src/, a symlink at
node_modules), so this is a real `mkdocs build`, without the installs:

* `mkdocs build` exits 0, prints one warning per missing data set and shows, in place of each
  figure and at the top of each notebook that needs one, a notice in the page's language;
* `mkdocs build --strict` exits non-zero with those lines;
* neither prints a traceback, downloads anything, or leaves a folder behind;
* once a data set is there, the figures that need it are drawn (the figure cache kept no notice).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sitebuild.hooks.quiet import unexpected
from sitebuild.missing_data import NAMES, NOTICE
from sitebuild.pages import FIGURE, ROOT, language, site_pages

pytestmark = pytest.mark.site
WARNING = re.compile(r"^WARNING -  data set (\S+) not found: .* show[s]? a notice instead \((.*)\); "
                     r"fetch it with make data \(python -m nnnotes\.data\)$", re.MULTILINE)


def copy_of_the_working_tree(dest: Path) -> Path:
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=ROOT, capture_output=True, text=True, check=True).stdout.split("\0")
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
    (dest / "node_modules").symlink_to(ROOT / "node_modules")
    return dest


class Clone:
    """A copy of the project in ``base/clone`` with nothing but ``base/home`` and ``base/empty``."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.root = copy_of_the_working_tree(base / "clone")
        self.home, self.empty = base / "home", base / "empty"
        self.home.mkdir()
        self.empty.mkdir()

    def env(self, data_dir: Path) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items()
                if not k.startswith(("NNNOTES_", "XDG_", "JUPYTER", "PYTHON", "MKDOCS"))}
        return {**keep, "HOME": str(self.home), "XDG_CACHE_HOME": str(self.home / ".cache"),
                "NNNOTES_DATA_DIR": str(data_dir), "PYTHONPATH": str(self.root / "src"),
                "NO_MKDOCS_2_WARNING": "1"}

    def build(self, *options: str, data_dir: Path | None = None, site: str = "site"):
        return subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", *options, "--site-dir", str(self.base / site)],
            cwd=self.root, env=self.env(data_dir or self.empty), capture_output=True, text=True,
            timeout=900)


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Clone:
    return Clone(tmp_path_factory.mktemp("fresh"))


@pytest.fixture(scope="module")
def plain(clone):
    return clone.build()


@pytest.fixture(scope="module")
def strict(clone, plain):  # after the plain build: its figures are drawn already
    return clone.build("--strict", site="site-strict")


def missing(run) -> dict[str, list[str]]:
    """``{data set: [what shows a notice instead]}`` from the build's warnings."""
    return {name: needed.split(", ") for name, needed in WARNING.findall(run.stderr)}


def page_html(site: Path, src: Path) -> str:
    rel = re.sub(r"(\.zh)?\.(md|ipynb)$", "", src.relative_to(ROOT / "docs").as_posix())
    rel = "" if rel == "index" else rel + "/"
    return (site / ("zh/" if language(src) == "zh" else "") / rel / "index.html").read_text(encoding="utf-8")


def notice_title(kind: str, dataset: str, lang: str) -> str:
    text = NOTICE[lang]
    return re.search(r'"(.*)"', text[kind]).group(1).format(name=NAMES[dataset], state=text["state"][0])


def test_a_plain_build_exits_0_with_one_warning_per_missing_data_set(plain):
    output = plain.stdout + plain.stderr
    assert plain.returncode == 0, output[-6000:]
    assert "Traceback" not in output
    assert sorted(missing(plain)) == ["fashion-mnist", "mnist"], output
    assert len(re.findall(r"^WARNING", plain.stderr, re.MULTILINE)) == 2, output


def test_the_build_prints_its_warnings_and_slow_steps_only(plain, strict):
    for run in (plain, strict):
        assert not unexpected(run.stdout + run.stderr)


def test_a_strict_build_fails_with_those_lines(strict):
    output = strict.stdout + strict.stderr
    assert strict.returncode != 0
    assert "Traceback" not in output
    assert sorted(missing(strict)) == ["fashion-mnist", "mnist"], output
    assert "Aborted with 2 warnings in strict mode!" in output


@pytest.mark.parametrize("src", [p for p in site_pages(ROOT / "docs") if p.suffix == ".md"],
                         ids=lambda p: p.relative_to(ROOT / "docs").as_posix())
def test_each_figure_is_drawn_or_a_notice_in_the_pages_language_takes_its_place(clone, plain, src):
    html = page_html(clone.base / "site", src)
    needs = {figure: name for name, needed in missing(plain).items() for figure in needed}
    for module, name in FIGURE.findall(src.read_text(encoding="utf-8")):
        figure = f"figures/{module}/{name}.svg"
        drawn = re.search(rf'<img[^>]+src="(\.\./)*{figure}"', html)
        if figure in needs:
            assert not drawn and not (clone.root / "docs" / figure).exists()
            assert notice_title("figure", needs[figure], language(src)) in html
            assert "<code>make data</code>" in html
        else:
            assert drawn and (clone.root / "docs" / figure).stat().st_size > 1000
    assert html.count("missing-data") == sum(
        f"figures/{m}/{n}.svg" in needs for m, n in FIGURE.findall(src.read_text(encoding="utf-8")))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_notebook_without_its_data_is_shown_unrun_under_a_notice(clone, plain, lang):
    src = ROOT / "docs" / "notebooks" / ("train-mnist.zh.ipynb" if lang == "zh" else "train-mnist.ipynb")
    assert "notebooks/train-mnist.ipynb" in missing(plain)["fashion-mnist"]
    html = page_html(clone.base / "site", src)
    assert notice_title("notebook", "fashion-mnist", lang) in html
    assert "jupyter-wrapper" in html and "train.run(config)" in html  # its code, without outputs
    assert "Verified" not in html and "已验证" not in html  # nothing on it ran


def test_nothing_is_downloaded_and_no_folder_is_left_behind(clone, plain, strict):
    assert sorted(p.name for p in clone.base.iterdir() if not p.name.startswith("site")) == ["clone", "empty", "home"]
    assert not any(clone.empty.iterdir())
    assert not (clone.home / ".cache" / "nnnotes").exists()


def test_once_the_data_is_there_its_figures_are_drawn(clone, plain, strict, data_dir, tmp_path):
    (tmp_path / "mnist").symlink_to(data_dir / "mnist")  # MNIST's test split, no Fashion-MNIST
    run = clone.build(data_dir=tmp_path, site="site-mnist")
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr[-6000:]
    assert sorted(missing(run)) == ["fashion-mnist"]
    assert "drew figures/mnist/digits.svg" in run.stderr
    html = page_html(clone.base / "site-mnist", ROOT / "docs" / "mnist.md")
    assert re.search(r'<img[^>]+src="(\.\./)*figures/mnist/digits.svg"', html)
    assert notice_title("figure", "mnist", "en") not in html
