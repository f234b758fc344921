"""A quiet build: real warnings, and a line per slow step (the figures and notebooks hooks say
which figure or notebook took how long), nothing else.

* mkdocs-jupyter, mkdocs-static-i18n, git-revision-date-localized (a page not in git yet, a
  checkout without git: it falls back to the build date) and glightbox report every step at INFO ("Cache hit", "Copied
  jupyter file", "Building 'zh' documentation ..."): only their warnings are shown;
* MkDocs' "Cleaning site directory" and "Building documentation to directory" go too
  ("Documentation built in N seconds" stays);
* jieba (Chinese search) logs "Building prefix dict ... Loading model cost" at DEBUG: warnings only.

Material's end-of-life banner is printed before any hook loads; `NO_MKDOCS_2_WARNING=1` turns it
off, and the Makefile, the tests and the workflows set it. The kernels' TCP warning is handled by
sitebuild/hooks/notebooks.py (kernels over IPC).
"""

from __future__ import annotations

import logging
import re

# Every line a build prints (tests/site/test_site.py and test_no_data.py hold builds to it).
OUTPUT = re.compile(r"INFO    -  (drew figures/\S+ in [\d.]+ s|(ran|rendered \(not run\)) notebooks/\S+ in [\d.]+ s"
                    r"|Documentation built in [\d.]+ seconds)|WARNING -  .*|Aborted with \d+ warnings in strict mode!")


def unexpected(output: str) -> list[str]:
    """The lines of a build's output that are neither a warning nor a slow step."""
    return [line for line in output.splitlines() if line.strip() and not OUTPUT.fullmatch(line)]


CHATTY = ("mkdocs.plugins.mkdocs_jupyter", "mkdocs.mkdocs-jupyter", "mkdocs.plugins.mkdocs_static_i18n",
          "mkdocs.plugins.mkdocs_git_revision_date_localized_plugin", "mkdocs_glightbox")
MKDOCS_STEPS = ("Cleaning site directory", "Building documentation to directory")


class QuietSteps(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.INFO or not record.getMessage().startswith(MKDOCS_STEPS)


def mute_chatty_plugins() -> None:
    for name in CHATTY:
        logging.getLogger(name).setLevel(logging.WARNING)


# Now, as MkDocs loads the hook with the configuration: the plugins' own on_config runs before
# this hook's (git-revision-date-localized says there that a copy without git falls back).
mute_chatty_plugins()


def on_config(config):
    mute_chatty_plugins()
    steps = logging.getLogger("mkdocs.commands.build")
    if not any(type(f).__name__ == QuietSteps.__name__ for f in steps.filters):  # once per process
        steps.addFilter(QuietSteps())
    try:
        import jieba
    except ImportError:  # search then has no Chinese segmentation; nothing to quiet
        return config
    jieba.setLogLevel(logging.WARNING)
    return config
