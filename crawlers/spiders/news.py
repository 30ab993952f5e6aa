"""News spider: feeds, sitemaps and listing pages → each article fetched once → Document."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import scrapy
from lxml import etree

from crawlers.dates import parse_date
from crawlers.extract import ExtractionError, extract_article, to_document
from crawlers.registry import Listing
from crawlers.spiders.base import TinRadarSpider
from tinradar.ids import canonical_url
from tinradar.schema import utc_now


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def parse_feed(body: bytes, tz: ZoneInfo) -> list[tuple[str, datetime | None]]:
    """(link, date) of every RSS item or Atom entry. Raises ``etree.XMLSyntaxError`` if broken."""
    root = etree.fromstring(body, parser=etree.XMLParser(recover=False, resolve_entities=False, no_network=True))
    out: list[tuple[str, datetime | None]] = []
    for node in root.iter():
        name = _local(node.tag)
        if name == "item":
            fields = {_local(c.tag): (c.text or "").strip() for c in node}
            link = fields.get("link") or fields.get("guid", "")
            when = fields.get("pubDate") or fields.get("date") or fields.get("published")
            if link:
                out.append((link, parse_date(when, tz=tz)))
        elif name == "entry":
            link = ""
            when = None
            for child in node:
                cname = _local(child.tag)
                if cname == "link" and child.get("rel", "alternate") == "alternate":
                    link = child.get("href", "")
                elif cname in ("published", "updated") and when is None:
                    when = parse_date(child.text, tz=tz)
            if link:
                out.append((link, when))
    return out


def parse_sitemap(body: bytes, tz: ZoneInfo) -> tuple[list[str], list[tuple[str, datetime | None]]]:
    """(child sitemaps, (url, date) entries); Google News publication dates win over lastmod."""
    root = etree.fromstring(body, parser=etree.XMLParser(recover=False, resolve_entities=False, no_network=True))
    children: list[str] = []
    urls: list[tuple[str, datetime | None]] = []
    for node in root:
        name = _local(node.tag)
        values = {_local(el.tag): (el.text or "").strip() for el in node.iter()}
        if name == "sitemap" and values.get("loc"):
            children.append(values["loc"])
        elif name == "url" and values.get("loc"):
            urls.append((values["loc"], parse_date(values.get("publication_date") or values.get("lastmod"), tz=tz)))
    return children, urls


class NewsSpider(TinRadarSpider):
    name = "news"

    async def start(self) -> AsyncIterator[Any]:
        for url in self.source.feeds:
            yield self.request(url, self.parse_feed, conditional=True)
        for url in self.source.sitemaps:
            yield self.request(url, self.parse_sitemap, conditional=True)
        for listing in self.source.listings:
            yield self.request(listing.url, self.parse_listing, conditional=True, listing=listing, page=1)

    # --- discovery -------------------------------------------------------------------------
    def parse_feed(self, response: scrapy.http.Response) -> Any:
        if self.not_modified(response):
            return
        try:
            entries = parse_feed(response.body, self.ctx.settings.tz)
        except etree.XMLSyntaxError as exc:
            self.skip("broken_feed", response.url, str(exc)[:120])
            return
        for link, when in entries:
            yield from self.consider(urljoin(response.url, link), when)

    def parse_sitemap(self, response: scrapy.http.Response) -> Any:
        if self.not_modified(response):
            return
        try:
            children, entries = parse_sitemap(response.body, self.ctx.settings.tz)
        except etree.XMLSyntaxError as exc:
            self.skip("broken_sitemap", response.url, str(exc)[:120])
            return
        for child in children:
            yield self.request(urljoin(response.url, child), self.parse_sitemap, conditional=True)
        for link, when in entries:
            yield from self.consider(urljoin(response.url, link), when)

    def parse_listing(self, response: scrapy.http.Response) -> Any:
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

    def consider(self, url: str, when: datetime | None) -> Any:
        """Decide whether to fetch a discovered article URL (each one once)."""
        host = (urlsplit(url).hostname or "").lower()
        if self.allowed_domains and not any(host == d or host.endswith("." + d) for d in self.allowed_domains):
            self.skip("offsite", url)
            return
        if self.source.article_pattern and not re.search(self.source.article_pattern, url):
            self.skip("not_article", url)
            return
        key = canonical_url(url)
        if key in self.requested:
            self.skip("duplicate_url", url)
            return
        self.requested.add(key)
        if self.state.is_seen(key):
            self.skip("already_seen", url)
            return
        if self.too_old(when):
            self.skip("too_old", url)
            return
        meta: dict[str, Any] = {"key": key}
        if self.source.download_timeout:
            meta["download_timeout"] = self.source.download_timeout
        yield self.request(url, self.parse_article, **meta)

    # --- articles ----------------------------------------------------------------------------
    def parse_article(self, response: scrapy.http.Response) -> None:
        key = response.meta["key"]
        if not isinstance(response, scrapy.http.TextResponse) and response.body.lstrip()[:1] != b"<":
            self.skip("not_html", response.url)
            return
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1")
        try:
            extracted = extract_article(
                response.body,
                response.url,
                selectors=self.source.selectors,
                content_type=content_type,
                max_bytes=self.ctx.settings.max_page_bytes,
                tz=self.ctx.settings.tz,
            )
        except ExtractionError as exc:
            self.skip(exc.reason, response.url, str(exc))
            self.state.mark_seen(key)
            return
        doc = to_document(extracted, self.source, fetched_at=utc_now())
        if self.too_old(doc.published_at):
            self.skip("too_old", response.url)
            self.state.mark_seen(key)
            return
        if self.off_topic(doc.title, doc.text):
            self.skip("off_topic", response.url)
            self.state.mark_seen(key)
            return
        self.emit(doc, key)
