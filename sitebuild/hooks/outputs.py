"""What a block printed looks like output, not like more code to copy.

The ``text`` block right after a Python block (the output the tests compare with what the block
printed, README: "How a page is tested") is given, on the built page only, the label "Output"
(输出 on Chinese pages) as its title and the classes ``nnnotes-output`` (its own style, with
long lines wrapped: docs/stylesheets/nnnotes.css) and ``no-copy`` (no copy button: Material
leaves such blocks alone). The page's source is unchanged, so the tests read it as before.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root: `sitebuild`

from sitebuild.pages import language, read_blocks  # noqa: E402

LABEL = {"en": "Output", "zh": "输出"}
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*text[ \t]*$")


def label_outputs(markdown: str, lang: str) -> str:
    """``markdown`` with each output block's fence given its label and classes."""
    starts = sorted((b.output.start for b in read_blocks(markdown) if b.is_python and b.output), reverse=True)
    for start in starts:
        end = markdown.find("\n", start)
        end = len(markdown) if end == -1 else end
        m = FENCE.match(markdown[start:end])
        if m:
            fence = f'{m["indent"]}{m["fence"]}{{ .text .nnnotes-output .no-copy title="{LABEL[lang]}" }}'
            markdown = markdown[:start] + fence + markdown[end:]
    return markdown


def on_page_markdown(markdown, page, config, files):
    if page.file.src_uri.endswith(".md"):
        markdown = label_outputs(markdown, language(page.file.src_uri))
    return markdown
