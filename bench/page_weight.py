"""Benchmark: what a reader's browser downloads for a few pages of a built site, or of two.

    python bench/page_weight.py SITE_DIR [OTHER_SITE_DIR] [--page PATH ...]

    e.g. a build of main (before) and of this branch (after):
    git worktree add --detach /tmp/w-main main && (cd /tmp/w-main && mkdocs build -d /tmp/site-main)
    .venv/bin/mkdocs build -d /tmp/site && python bench/page_weight.py /tmp/site-main /tmp/site

Serves each SITE_DIR on 127.0.0.1 (Python's http.server: no compression, as `mkdocs serve`),
opens each page (default: / autograd/graph/ normalization/) in a fresh headless Chromium context
(empty cache), waits until the network is idle and the lazy loads (search index, KaTeX, Mermaid)
are done, and prints per page: the requests, the bytes transferred (the encoded data length the
browser's network layer reports, headers included), of them JavaScript, and the same responses
gzipped (roughly what GitHub Pages sends). With two sites it adds, per page, the ratio of the
second to the first. The browser is the one the tests use (tests/site/test_browser.py).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gzip
import http.server
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "site"))
from test_browser import find_chromium  # noqa: E402  (the browser the tests use)

DEFAULT = ["", "autograd/graph/", "normalization/"]


@dataclass
class Weight:
    requests: int
    bytes: int      # transferred, as the browser counts them
    js: int         # of them, JavaScript
    gzipped: int    # the same responses, gzipped
    js_gzipped: int
    largest: list[tuple[int, str]]


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # noqa: D102
        pass


@contextlib.contextmanager
def serve(site: Path) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()


def measure(browser, base: str, path: str, site: Path) -> Weight:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    sizes: dict[str, int] = {}
    urls: dict[str, str] = {}
    types: dict[str, str] = {}
    cdp.on("Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
    cdp.on("Network.responseReceived", lambda e: types.__setitem__(e["requestId"], e["type"]))
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])))
    page.goto(base + path, wait_until="networkidle")
    page.wait_for_timeout(1500)  # what is loaded on demand (the search worker's index, KaTeX, Mermaid)
    page.wait_for_load_state("networkidle")
    context.close()
    rows = []
    for rid, size in sizes.items():
        url = urls.get(rid, "?").removeprefix(base)
        local = site / url.split("#")[0].split("?")[0]
        if local.is_dir():
            local = local / "index.html"
        zipped = len(gzip.compress(local.read_bytes())) if local.is_file() else size
        is_js = types.get(rid) == "Script" or url.split("?")[0].endswith(".js")
        rows.append((size, zipped, is_js, url))
    return Weight(requests=len(rows), bytes=sum(r[0] for r in rows), js=sum(r[0] for r in rows if r[2]),
                  gzipped=sum(r[1] for r in rows), js_gzipped=sum(r[1] for r in rows if r[2]),
                  largest=[(r[0], r[3]) for r in sorted(rows, reverse=True)[:3]])


def weigh(sites: list[Path], paths: list[str]) -> list[dict[str, Weight]]:
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_chromium()[0], args=["--no-sandbox", "--disable-gpu"])
        for site in sites:
            with serve(site) as base:
                results.append({path: measure(browser, base, path, site) for path in paths})
        browser.close()
    return results


def kb(n: int) -> str:
    return f"{n / 1e3:,.0f} kB"


def table(sites: list[Path], results: list[dict[str, Weight]], paths: list[str]) -> str:
    head = f"{'page':<18}{'site':<8}{'requests':>9}{'total':>12}{'JS':>12}{'gzipped':>12}{'JS gzipped':>12}"
    lines = [head, "-" * len(head)]
    names = ["before", "after"] if len(sites) == 2 else ["site"]
    for path in paths:
        for name, result in zip(names, results):
            w = result[path]
            lines.append(f"{'/' + path:<18}{name:<8}{w.requests:>9}{kb(w.bytes):>12}{kb(w.js):>12}"
                         f"{kb(w.gzipped):>12}{kb(w.js_gzipped):>12}")
        if len(results) == 2:
            a, b = results[0][path], results[1][path]
            lines.append(f"{'':<18}{'ratio':<8}{b.requests / a.requests:>9.2f}{b.bytes / a.bytes:>12.2f}"
                         f"{b.js / a.js:>12.2f}{b.gzipped / a.gzipped:>12.2f}{b.js_gzipped / a.js_gzipped:>12.2f}")
    lines.append("")
    for name, result in zip(names, results):
        for path in paths:
            largest = ", ".join(f"{url or '/'} {kb(size)}" for size, url in result[path].largest)
            lines.append(f"largest ({name}) /{path}: {largest}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("sites", nargs="+", type=Path, metavar="SITE_DIR", help="a built site (two: before, after)")
    parser.add_argument("--page", action="append", dest="pages", metavar="PATH",
                        help=f"a page's path in the site (default: {' '.join('/' + p for p in DEFAULT)})")
    args = parser.parse_args(argv)
    if len(args.sites) > 2:
        parser.error("one site, or two to compare")
    for site in args.sites:
        if not (site / "index.html").is_file():
            parser.error(f"{site}: not a built site (no index.html); build one with `mkdocs build -d {site}`")
    paths = [p.lstrip("/") for p in args.pages] if args.pages else DEFAULT
    sites = [s.resolve() for s in args.sites]
    print(table(sites, weigh(sites, paths), paths))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
