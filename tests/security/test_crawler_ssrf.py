"""Attack: a crawled site that steers the crawler at the machine's own network or disk.

Discovery pages (feeds, sitemaps, listings and the pages they lead to) are followed
wherever they are, so a source's sitemap index (a hacked outlet, a forum's sitemap) chose
what the crawler fetched next, and from where:

* a child sitemap at ``http://169.254.169.254/…`` (cloud metadata), ``127.0.0.1:9200``
  (the Elasticsearch node next door) or any other internal address: fetched (blind SSRF,
  and any ``<loc>`` such a service answered with was followed);
* a child sitemap that redirects there: followed the same way;
* a child sitemap at ``file:///…``: read from the crawler's disk, and the links in that
  file requested from the network, so the file's content left the machine.

Here the "internal service" listens on 127.0.0.2 (another loopback address than the
source's own host, 127.0.0.1) and records whatever reaches it; the local file lists a link
whose path is a marker the hostile site watches for.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.crawlers.local import NewsSource, crawl_news

MARKER = "leaked-from-local-file"


def _urlset(*locs: str) -> bytes:
    urls = "".join(f"<url><loc>{loc}</loc></url>" for loc in locs)
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'.encode()


def _index(*locs: str) -> bytes:
    maps = "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in locs)
    body = (
        f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{maps}</sitemapindex>'
    )
    return body.encode()


@contextmanager
def _server(host: str, pages: dict[str, tuple[int, dict[str, str], bytes]], log: list[str]) -> Iterator[str]:
    """A real HTTP server on ``host``: ``pages`` by path, every request path appended to ``log``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            log.append(self.path)
            status, headers, body = pages.get(self.path, (404, {}, b"not here"))
            self.send_response(status)
            for key, value in {"Content-Type": "application/xml", **headers}.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((host, 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_sitemap_cannot_send_the_crawler_to_internal_addresses_or_local_files(tmp_path: Path) -> None:
    internal_log: list[str] = []
    site_log: list[str] = []
    internal_pages = {"/latest/meta-data/": (200, {}, _urlset("http://127.0.0.2/x"))}
    with _server("127.0.0.2", internal_pages, internal_log) as internal:
        local_file = tmp_path / "secret-sitemap.xml"
        site_pages: dict[str, tuple[int, dict[str, str], bytes]] = {}
        with _server("127.0.0.1", site_pages, site_log) as site:
            local_file.write_bytes(_urlset(f"{site}/{MARKER}/1"))
            site_pages["/sitemap.xml"] = (
                200,
                {},
                _index(f"{internal}/latest/meta-data/", f"{site}/moved.xml", local_file.as_uri(), f"{site}/bai.xml"),
            )
            # article links: one on the internal host, one that redirects there (Scrapy's offsite filter)
            site_pages["/bai.xml"] = (200, {}, _urlset(f"{internal}/bai/1", f"{site}/bai/2"))
            site_pages["/bai/2"] = (302, {"Location": f"{internal}/bai/2"}, b"")
            site_pages["/moved.xml"] = (302, {"Location": f"{internal}/_cat/indices"}, b"")
            summary = crawl_news(tmp_path, [NewsSource("hostile-outlet", sitemaps=[f"{site}/sitemap.xml"])])
    assert {"/sitemap.xml", "/bai.xml", "/bai/2"} <= set(site_log)  # the crawl ran and read the hostile index
    assert internal_log == []  # neither directly nor through the redirect
    assert not any(MARKER in path for path in site_log), site_log  # the local file was never read
    assert summary.source("hostile-outlet").skipped.get("offsite", 0) >= 2, summary.source("hostile-outlet")


INTERNAL_SPELLINGS = ["127.0.0.1", "::ffff:127.0.0.1", "[::1]", "2130706433", "0x7f.1", "0.0.0.0", "169.254.169.254"]
INTERNAL_SPELLINGS += ["::ffff:a9fe:a9fe", "10.1.2.3", "100.64.0.1", "fd00::1", "localhost", "foo.localhost"]


def test_every_spelling_of_an_internal_address_counts_as_internal() -> None:
    """Decimal, hex, IPv4-mapped IPv6 and ``localhost`` names reach the same machines."""
    from crawlers.middlewares import _internal

    assert [h for h in INTERNAL_SPELLINGS if not _internal(h)] == []
    assert not _internal("8.8.8.8") and not _internal("2001:4860:4860::8888")
