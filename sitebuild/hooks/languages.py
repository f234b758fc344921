"""Each language whole: its own 404 page, its own search index, its interface in its language.

mkdocs-static-i18n builds the Chinese site inside the English build, into the same folder:

* **404**: each language's build renders ``404.html`` at the root, so the Chinese one replaced
  the English one. The Chinese page goes to ``zh/404.html`` and the root keeps the English one,
  which shows the Chinese page instead when the missing address is under ``/zh/``
  (``overrides/404.html``; GitHub Pages, like `mkdocs serve`, answers every missing address with
  the root's ``404.html``). Its language switcher leads to the two home pages.
* **search**: the plugin stacks both languages into one ``search/search_index.json``, so an
  English search found Chinese pages. After the build the index is split: English entries stay,
  the Chinese ones go to ``zh/search/search_index.json`` (their locations relative to ``zh/``),
  and a Chinese page's ``base`` (Material's config, ``overrides/main.html``) is ``zh/``, so its
  search loads that index. Material's instant navigation reads ``sitemap.xml`` beside the base,
  so the sitemap is copied to ``zh/`` too.
* **interface**: Material's strings follow ``theme.language`` (set per language in mkdocs.yml);
  the few strings of other parts that stay English are translated on Chinese pages: the
  headings' "Permanent link" (Python-Markdown's toc) and mkdocs-jupyter's "Copy to Clipboard".
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.plugins import event_priority

ZH_INTERFACE = {'title="Permanent link"': 'title="永久链接"',
                'title="Copy to Clipboard"': 'title="复制到剪贴板"',
                'aria-label="Copy to Clipboard"': 'aria-label="复制到剪贴板"',
                '<span class="notice" hidden="">Copied!</span>': '<span class="notice" hidden="">已复制！</span>',
                '<span class="notice" hidden>Copied!</span>': '<span class="notice" hidden>已复制！</span>'}
_english_404: list[str] = []  # the English 404 page of the running build


def _language(config) -> str:
    return config.theme.get("language") or "en"


def on_page_content(html, page, config, files):
    if _language(config) == "zh":
        for english, chinese in ZH_INTERFACE.items():
            html = html.replace(english, chinese)
    return html


def home_pages(config) -> list[dict]:
    """The language switcher's entries for the two home pages (``/``, ``/zh/``)."""
    i18n = config.plugins.get("i18n")
    base = urlsplit(config.site_url or "/").path.rstrip("/")
    return [{"name": lang.name, "link": f"{base}{lang.link}", "lang": lang.locale}
            for lang in (i18n.config.languages if i18n else []) if lang.build]


def on_pre_template(template, template_name, config):
    if template_name == "404.html":  # not a page: the switcher leads to the home pages
        # the i18n plugin sets the attribute of each page's (which Jinja reads before the item)
        config.extra["alternate"] = config.extra.alternate = home_pages(config)
    return template


def on_post_template(output, template_name, config):
    if template_name != "404.html":
        return output
    if _language(config) == "en":
        _english_404[:] = [output]
        return output
    target = Path(config.site_dir) / _language(config) / "404.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(output, encoding="utf-8")
    return _english_404[0] if _english_404 else output


def split_search_index(site: Path, languages: list[str]) -> None:
    """``search/search_index.json`` of both languages -> one index per language."""
    index_file = site / "search" / "search_index.json"
    if not index_file.exists():
        return
    index = json.loads(index_file.read_text(encoding="utf-8"))
    for lang in languages:
        prefix = f"{lang}/"
        docs = [dict(d, location=d["location"][len(prefix):]) for d in index["docs"] if d["location"].startswith(prefix)]
        target = site / lang / "search" / "search_index.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps({**index, "config": {**index["config"], "lang": [lang]}, "docs": docs},
                                     ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    others = tuple(f"{lang}/" for lang in languages)
    english = [d for d in index["docs"] if not d["location"].startswith(others)]
    index_file.write_text(json.dumps({**index, "config": {**index["config"], "lang": ["en"]}, "docs": english},
                                     ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    for name in ("sitemap.xml", "sitemap.xml.gz"):
        if (site / name).exists():
            for lang in languages:
                shutil.copyfile(site / name, site / lang / name)


@event_priority(-200)  # after the i18n plugin (-100) built the other languages and stacked the index
def on_post_build(config):
    i18n = config.plugins.get("i18n")
    others = [lang for lang in (i18n.build_languages if i18n else []) if lang != (i18n.default_language if i18n else "en")]
    split_search_index(Path(config.site_dir), others)
