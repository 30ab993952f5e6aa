"""Attack: a crawled site that answers with bombs: does ``max_page_bytes`` hold after unpacking?

* an article sent ``Content-Encoding: gzip`` that unpacks to 40× the page limit;
* a ``.xml.gz`` child sitemap that unpacks to 40× the limit;
* a feed with nested entities (billion laughs) and an external entity naming a local file
  (XXE).

Each is skipped and counted (``too_large``, ``broken_sitemap``), the crawl ends normally and
quickly, the local file's content goes nowhere. Scrapy's ``HttpCompressionMiddleware``
applies ``DOWNLOAD_MAXSIZE`` to the unpacked size, the spider unpacks sitemaps with
``max_size``, feedparser and Scrapy's sitemap parser resolve no entities: the bombs did no
harm before either. What was wrong: the gzip-bombed article was counted as ``ignored``
(Scrapy says so in an ``IgnoreRequest``), so the summary did not say why it was dropped;
it is now ``too_large``, like a page over the cap.
"""

from __future__ import annotations

import gzip
import time
from pathlib import Path

from tests.crawlers.local import NewsSource, crawl_news
from tests.security.test_crawler_ssrf import _index, _server, _urlset
from tinradar.settings import Settings

LIMIT = 500_000
SECRET = "TOPSECRET-XXE-MARKER"


def _laughs_and_xxe(secret_file: Path, site: str) -> bytes:
    entities = '<!ENTITY lol "lollollollollollollollollollol">' + "".join(
        f'<!ENTITY lol{i} "{(f"&lol{i - 1};" if i > 1 else "&lol;") * 10}">' for i in range(1, 10)
    )
    doctype = f'<!DOCTYPE rss [{entities}<!ENTITY x SYSTEM "{secret_file.as_uri()}">]>'
    item = f"<item><title>&lol9;</title><link>{site}/xxe/&x;</link></item>"
    return f'<?xml version="1.0"?>{doctype}<rss version="2.0"><channel><title>t</title>{item}</channel></rss>'.encode()


def test_bombs_are_skipped_and_counted(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(SECRET, encoding="utf-8")
    log: list[str] = []
    pages: dict[str, tuple[int, dict[str, str], bytes]] = {}
    bomb = gzip.compress(b"<html><body><p>" + b"a" * (40 * LIMIT) + b"</p></body></html>", 9)
    with _server("127.0.0.1", pages, log) as site:
        pages["/sitemap.xml"] = (200, {}, _index(f"{site}/bomb.xml.gz", f"{site}/articles.xml"))
        pages["/bomb.xml.gz"] = (200, {"Content-Type": "application/x-gzip"}, bomb)
        pages["/articles.xml"] = (200, {}, _urlset(f"{site}/bai/1"))
        pages["/bai/1"] = (200, {"Content-Type": "text/html", "Content-Encoding": "gzip"}, bomb)
        pages["/feed.rss"] = (200, {"Content-Type": "application/rss+xml"}, _laughs_and_xxe(secret_file, site))
        started = time.monotonic()
        summary = crawl_news(
            tmp_path,
            [NewsSource("bomb-outlet", feeds=[f"{site}/feed.rss"], sitemaps=[f"{site}/sitemap.xml"])],
            settings=Settings(data_dir=tmp_path / "data", autothrottle=False, obey_robots=False, max_page_bytes=LIMIT),
        )
        took = time.monotonic() - started
    outlet = summary.source("bomb-outlet")
    assert {"/sitemap.xml", "/bomb.xml.gz", "/bai/1", "/feed.rss"} <= set(log), log
    assert outlet.items == 0
    assert outlet.skipped.get("too_large", 0) >= 1, outlet
    assert outlet.skipped.get("broken_sitemap", 0) >= 1, outlet
    assert not any(SECRET in path for path in log), log
    assert took < 60, took
