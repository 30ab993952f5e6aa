"""Attack: a site that announces far more than any outlet publishes (fan-out).

A sitemap index may list thousands of child sitemaps, each thousands of article links; the
news spider followed every one, so one hostile or broken source could keep a crawl (and the
site it hammered for us) busy for hours. Now one source's crawl follows at most
``max_child_sitemaps`` children and fetches at most ``max_article_links`` new article links;
the rest are counted (``too_many_sitemaps``, ``too_many_links``) so the summary says what
was left out. Links already collected or older than the look-back do not use the cap (they
are not fetched anyway): a daily crawl of a big sitemap still reaches its new articles.
"""

from __future__ import annotations

from pathlib import Path

from crawlers.state import SourceState, save_state
from tests.crawlers.local import NewsSource, crawl_news
from tests.security.test_crawler_ssrf import _index, _server
from tinradar.ids import canonical_url
from tinradar.settings import Settings

CHILDREN = 8
LINKS_PER_CHILD = 4
MAX_CHILDREN = 3
MAX_LINKS = 5


def _dated_urlset(entries: list[tuple[str, str]]) -> bytes:
    urls = "".join(f"<url><loc>{loc}</loc><lastmod>{day}</lastmod></url>" for loc, day in entries)
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'.encode()


def test_child_sitemaps_and_article_links_are_capped_per_source_and_counted(tmp_path: Path) -> None:
    log: list[str] = []
    pages: dict[str, tuple[int, dict[str, str], bytes]] = {}
    data = tmp_path / "data"
    with _server("127.0.0.1", pages, log) as site:
        pages["/sitemap.xml"] = (200, {}, _index(*(f"{site}/map-{i}.xml" for i in range(CHILDREN))))
        for i in range(CHILDREN):
            pages[f"/map-{i}.xml"] = (
                200,
                {},
                _dated_urlset([(f"{site}/bai/{i}-{j}", "2021-09-01") for j in range(LINKS_PER_CHILD)]),
            )
        # map-0 also lists two articles already collected and one before the look-back:
        # skipped as before, and not counted against the cap
        known = [f"{site}/bai/known-{j}" for j in range(2)]
        extra = [(url, "2021-09-01") for url in known] + [(f"{site}/bai/old", "2020-01-01")]
        pages["/map-0.xml"] = (
            200,
            {},
            _dated_urlset(extra + [(f"{site}/bai/0-{j}", "2021-09-01") for j in range(LINKS_PER_CHILD)]),
        )
        save_state(data, SourceState(source_id="fanout", seen={canonical_url(u): "2021-09-01" for u in known}))
        settings = Settings(
            data_dir=data,
            autothrottle=False,
            obey_robots=False,
            max_child_sitemaps=MAX_CHILDREN,
            max_article_links=MAX_LINKS,
        )
        summary = crawl_news(
            tmp_path, [NewsSource("fanout", sitemaps=[f"{site}/sitemap.xml"])], settings=settings, use_state=True
        )
    skipped = summary.source("fanout").skipped
    maps_fetched = [p for p in log if p.startswith("/map-")]
    articles_fetched = [p for p in log if p.startswith("/bai/")]
    assert sorted(maps_fetched) == [f"/map-{i}.xml" for i in range(MAX_CHILDREN)], log  # in the index's order
    assert skipped["too_many_sitemaps"] == CHILDREN - MAX_CHILDREN, skipped
    assert len(articles_fetched) == MAX_LINKS and len(set(articles_fetched)) == MAX_LINKS, log
    assert skipped["too_many_links"] == MAX_CHILDREN * LINKS_PER_CHILD - MAX_LINKS, skipped
    assert skipped["already_seen"] == 2 and skipped["too_old"] == 1, skipped
    assert not any("known" in p or "old" in p for p in articles_fetched), articles_fetched
    assert skipped["http_404"] == MAX_LINKS, skipped  # the fetched links, counted as before
