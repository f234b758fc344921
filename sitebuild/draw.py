"""Draw the site's figures and compute its inserted diagrams, in a process of their own.

    python -m sitebuild.draw < request.json        (sitebuild/hooks/figures.py runs it)

Why a process of their own: `mkdocs serve` runs for hours, and Python keeps every module it
imported. Drawn inside it, a figure whose code (``sitebuild/figures/*``, ``nnnotes``) was just
edited would be drawn by the old code, and cached under the hash of the new one. A fresh
process imports what is on disk now, and keeps matplotlib's and torch's state (fonts, seeds,
threads) out of the server.

The request is JSON: ``{"figures": [[module, name, lang, path], ...], "inserts": [[file, name,
path], ...]}``. Each figure is drawn by ``sitebuild/figures/<module>.py::<name>(lang=...)`` and
saved as a reproducible SVG at ``path``, no wider than the content column and with no text
under :data:`sitebuild.figures.MIN_FONT`; each insert's Markdown is written to ``path``. One JSON
line per item comes back on stdout: ``{"done": ..., "seconds": s}``, ``{"data_error": ...,
"message": m}`` (its data set is missing: nothing written), ``{"lookup_error": ..., "message":
m}`` (a name that does not resolve), or, for a Chinese figure on a
machine without a CJK font, ``{"no_font": ...}`` (not drawn: the Chinese page then shows the
English figure). Any other error is a traceback on stderr and exit status 1.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Families with Chinese glyphs, best first; Debian's fonts-noto-cjk installs the first.
CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "WenQuanYi Zen Hei",
                "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", "Heiti SC", "SimHei",
                "Droid Sans Fallback")
CJK_FILES = re.compile(r"cjk|sourcehan|wqy|wenquanyi|droidsansfallback|yahei|msyh|pingfang|simhei|heiti",
                       re.IGNORECASE)


def cjk_font() -> str | None:
    """The name of a font family with Chinese glyphs that matplotlib can use, if any.

    matplotlib's font list is cached (``~/.cache/matplotlib``) and misses fonts installed after
    it was made; those are added from the system's font folders.
    """
    from matplotlib import font_manager

    def known() -> str | None:
        names = {f.name for f in font_manager.fontManager.ttflist}
        return next((family for family in CJK_FAMILIES if family in names), None)

    if found := known():
        return found
    listed = {f.fname for f in font_manager.fontManager.ttflist}
    for path in font_manager.findSystemFonts():
        if path not in listed and CJK_FILES.search(Path(path).name):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
    return known()


def style(lang: str, font: str | None) -> dict:
    """matplotlib settings for a figure of ``lang``: readable sizes, and for Chinese a CJK font
    after DejaVu Sans (matplotlib falls back glyph by glyph, so Latin text keeps its font)."""
    from sitebuild.figures import MIN_FONT

    rc = {"font.size": 10.0, "legend.fontsize": MIN_FONT, "xtick.labelsize": MIN_FONT,
          "ytick.labelsize": MIN_FONT, "svg.hashsalt": "nnnotes", "svg.fonttype": "path"}
    if lang == "zh" and font:
        rc["font.family"] = ["DejaVu Sans", font]
        rc["axes.unicode_minus"] = False  # the CJK fonts' minus sign is a full-width dash
    return rc


def legible(figure) -> None:
    """No text under MIN_FONT, and no wider than the content column (scaled down, same shape)."""
    from matplotlib.text import Text

    from sitebuild.figures import MIN_FONT, WIDTH

    for text in figure.findobj(Text):
        if text.get_fontsize() < MIN_FONT:
            text.set_fontsize(MIN_FONT)
    width, height = figure.get_size_inches()
    if width > WIDTH:
        figure.set_size_inches(WIDTH, height * WIDTH / width)


def save_svg(figure, path: Path) -> None:
    """Write a figure as a reproducible SVG (no date, fixed ids), through a temporary file:
    an unchanged figure leaves the file untouched (`mkdocs serve` watches docs/)."""
    tmp = path.with_name(f".{path.name}.tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(tmp, format="svg", metadata={"Date": None}, bbox_inches="tight")
    if path.exists() and path.read_bytes() == tmp.read_bytes():
        tmp.unlink()
    else:
        tmp.replace(path)


class MissingGlyph(logging.Handler):
    """Collects matplotlib's complaints about characters its fonts cannot draw."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if "glyph" in record.getMessage().lower():
            self.seen.append(record.getMessage())


def draw_figure(module: str, name: str, lang: str, path: Path, font: str | None) -> None:
    """Draw and save one figure; a character no font could draw (a box in the figure) is an
    error, not a warning."""
    import matplotlib

    from sitebuild.pages import figure_function

    glyphs = MissingGlyph()
    logging.getLogger("matplotlib").addHandler(glyphs)
    try:
        with warnings.catch_warnings(record=True) as caught, matplotlib.rc_context(style(lang, font)):
            warnings.simplefilter("always")
            figure = figure_function(module, name)(lang=lang)
            legible(figure)
            save_svg(figure, path)
    finally:
        logging.getLogger("matplotlib").removeHandler(glyphs)
    missing = glyphs.seen + [str(w.message) for w in caught if "glyph" in str(w.message).lower()]
    if missing:
        path.unlink(missing_ok=True)
        raise RuntimeError(f"figures/{module}/{path.name}: characters without a glyph: {missing[:3]}")


def main() -> int:
    os.environ.setdefault("MPLBACKEND", "Agg")
    sys.path.insert(0, str(ROOT))
    from nnnotes.errors import DataError
    from sitebuild.pages import resolve

    request = json.load(sys.stdin)
    answer, sys.stdout = sys.stdout, sys.stderr  # what the drawing code prints is not an answer
    font = cjk_font() if any(lang == "zh" for _, _, lang, _ in request.get("figures", [])) else None

    def say(**item) -> None:
        answer.write(json.dumps(item, ensure_ascii=False) + "\n")
        answer.flush()

    for module, name, lang, path in request.get("figures", []):
        key = f"figures/{module}/{name}" + (".zh" if lang == "zh" else "") + ".svg"
        if lang == "zh" and font is None:
            say(no_font=key)
            continue
        start = time.perf_counter()
        try:
            draw_figure(module, name, lang, Path(path), font)
        except DataError as e:
            say(data_error=key, message=str(e))
            continue
        except LookupError as e:
            say(lookup_error=key, message=str(e))
            continue
        say(done=key, seconds=round(time.perf_counter() - start, 2), font=font if lang == "zh" else None)
    for file, name, path in request.get("inserts", []):
        start = time.perf_counter()
        try:
            markdown = resolve(file, name)()
        except LookupError as e:
            say(lookup_error=f"{file}::{name}", message=str(e))
            continue
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(markdown, encoding="utf-8")
        say(done=f"{file}::{name}", seconds=round(time.perf_counter() - start, 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
