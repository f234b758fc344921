"""Click a figure to see it full size (mkdocs-glightbox), without what the plugin breaks.

* mkdocs-glightbox 0.5 returns each page's content as a whole HTML document
  (``<html><head></head><body>...``), which Material's search then indexes as a section of its
  own, before the page's title: the document's wrapper is removed again.
* A notebook's output images are inline ``data:`` URLs; wrapped in a link to themselves they
  would be sent twice. They are shown at the column's width and not wrapped
  (``sitebuild/hooks/notebooks.py`` gives them the class ``nnnotes-no-zoom``, which
  ``skip_classes`` in mkdocs.yml names).
"""

from __future__ import annotations

import re

from mkdocs.plugins import event_priority

WRAPPER = re.compile(r"^\s*<html><head></head><body>(?P<content>.*)</body></html>\s*$", re.DOTALL)


@event_priority(-50)  # after the glightbox plugin (0)
def on_page_content(html, page, config, files):
    m = WRAPPER.match(html)
    return m["content"] if m else html
