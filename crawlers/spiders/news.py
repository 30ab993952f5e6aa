"""News spider: feeds, sitemaps and listing pages → each article fetched once → ``ArticleItem``."""

from __future__ import annotations

import logging
import re
import struct
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

import scrapy
from scrapy.utils.gz import gunzip, gzip_magic_number

from crawlers.discovery import BrokenSitemap, read_feed, read_sitemap
from crawlers.extract import ExtractionError, extract_article, layout_key
from crawlers.items import ArticleItem
from crawlers.middlewares import KEY, PUBLISHED
from crawlers.reasons import SKIPPED_PREFIX, SkipReason
from crawlers.registry import Listing
from crawlers.spiders.base import TinRadarSpider
from tinradar.ids import canonical_url
from tinradar.schema import trusted_published

log = logging.getLogger(__name__)


class NewsSpider(TinRadarSpider):
    name = "news"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.layout = layout_key(self.source.selectors)
        # Per-run caps (``max_child_sitemaps``, ``max_article_links``): a hostile or broken
        # site that announces thousands of child sitemaps or articles gets this much, no more.
        self.sitemaps_followed = 0
        self.links_taken: set[str] = set()

    async def start(self) -> AsyncIterator[Any]:
        for url in self.source.feeds:
            yield self.request(url, self.parse_feed, conditional=True)
        for url in self.source.sitemaps:
            yield self.request(url, self.parse_sitemap, conditional=True)
        for listing in self.source.listings:
            yield self.request(listing.url, self.parse_listing, conditional=True, listing=listing, page=1)

    # --- discovery -------------------------------------------------------------------------
    def parse_feed(self, response: scrapy.http.Response) -> Iterator[scrapy.Request]:
        if self.not_modified(response):
            return
        feed = read_feed(response.body, tz=self.ctx.settings.tz)
        if not feed.well_formed:  # counted; whatever a lenient read recovered is still followed
            self.skip(SkipReason.BROKEN_FEED, response.url)
        for link in feed.links:
            yield from self.consider(urljoin(response.url, link.url), link.published)

    def parse_sitemap(self, response: scrapy.http.Response) -> Iterator[scrapy.Request]:
        if self.not_modified(response):
            return
        try:
            body = response.body
            if gzip_magic_number(response):  # a .xml.gz file (Content-Encoding is undone by Scrapy)
                body = gunzip(body, max_size=self.ctx.settings.max_page_bytes)
            sitemap = read_sitemap(body, tz=self.ctx.settings.tz)
        # what Scrapy's gunzip raises: OSError (bad gzip), EOFError / struct.error (cut inside the
        # gzip header), ValueError (too large once unpacked)
        except (BrokenSitemap, OSError, EOFError, struct.error, ValueError) as exc:
            self.skip(SkipReason.BROKEN_SITEMAP, response.url, str(exc)[:120])
            return
        for child in sitemap.children:
            url = urljoin(response.url, child)
            if self.sitemaps_followed >= self.ctx.settings.max_child_sitemaps:
                self.over_cap(SkipReason.TOO_MANY_SITEMAPS, url, self.ctx.settings.max_child_sitemaps)
                continue
            self.sitemaps_followed += 1
            yield self.request(url, self.parse_sitemap, conditional=True)
        for link in sitemap.links:
            yield from self.consider(urljoin(response.url, link.url), link.published)

    def parse_listing(self, response: scrapy.http.Response) -> Iterator[scrapy.Request]:
        if self.not_modified(response):
            return
        listing: Listing = response.meta["listing"]
        page: int = response.meta["page"]
        for href in response.css(listing.link_selector).xpath("@href").getall():
            yield from self.consider(response.urljoin(href), None)
        if listing.next_selector and page < listing.max_pages:
            nxt = response.css(listing.next_selector).xpath("@href").get()
            if nxt:
                yield self.request(
                    response.urljoin(nxt), self.parse_listing, conditional=True, listing=listing, page=page + 1
                )

    def consider(self, url: str, published: datetime | None) -> Iterator[scrapy.Request]:
        """A request for a discovered article URL, unless the registry says it is no article.

        Scrapy then drops it when offsite or when this crawl already asked for the same
        canonical URL, and ``KnownItemsMiddleware`` when it is known or too old. A feed's
        impossible date (1900, 2100) is no date: the page's own then decides, not a look-back
        that a broken feed would make every article fail."""
        if self.source.article_pattern and not re.search(self.source.article_pattern, url):
            self.skip(SkipReason.NOT_ARTICLE, url)
            return
        published = trusted_published(published)
        key = canonical_url(url)
        if key not in self.links_taken and self.known_item(key, published) is None:
            if len(self.links_taken) >= self.ctx.settings.max_article_links:
                self.over_cap(SkipReason.TOO_MANY_LINKS, url, self.ctx.settings.max_article_links)
                return
            self.links_taken.add(key)
        meta: dict[str, Any] = {PUBLISHED: published}
        if self.source.download_timeout:
            meta["download_timeout"] = self.source.download_timeout
        yield self.request(url, self.parse_article, item_key=key, **meta)

    def over_cap(self, reason: SkipReason, url: str, cap: int) -> None:
        """Count a link over a per-run cap; say once per cap, as a warning, that the cap was reached."""
        assert self.crawler.stats is not None
        if not self.crawler.stats.get_value(SKIPPED_PREFIX + reason):
            log.warning("%s: cap of %d reached (%s); the rest is counted, not fetched", self.source.id, cap, reason)
        self.skip(reason, url)

    # --- articles ----------------------------------------------------------------------------
    def parse_article(self, response: scrapy.http.Response) -> Iterator[ArticleItem]:
        key = response.meta[KEY]
        if isinstance(response, scrapy.http.TextResponse):
            page: str | bytes = response.text  # decoded by Scrapy (header, BOM, meta charset, detection)
        elif response.body.lstrip()[:1] == b"<":
            page = response.body  # HTML served under a binary type: extraction finds the charset
        else:
            self.skip(SkipReason.NOT_HTML, response.url)
            return
        try:
            extracted = extract_article(
                page,
                response.url,
                selectors=self.source.selectors,
                content_type=(response.headers.get("Content-Type") or b"").decode("latin-1"),
                max_bytes=self.ctx.settings.max_page_bytes,
                tz=self.ctx.settings.tz,
            )
        except ExtractionError as exc:
            self.skip(SkipReason(exc.reason), response.url, str(exc))
            self.state.mark_failed(key, exc.reason, self.layout)  # not seen: a layout fix reads it again
            return
        yield ArticleItem(extracted=extracted, key=key)
