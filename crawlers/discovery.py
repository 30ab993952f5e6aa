"""Article links from feeds and sitemaps, with the date each one announces.

Feeds are read by ``feedparser`` (RSS 0.9x–2.0, RDF, Atom; guids that are permalinks),
sitemaps by Scrapy's own ``scrapy.utils.sitemap.Sitemap`` (plain, index). Dates are
read by ``crawlers.dates.parse_date`` in the board's zone, because Vietnamese feeds print
them in local shapes ("30/08/2021 14:05") that feed parsers take for UTC or miss.
"""

from __future__ import annotations

import xml.sax
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import feedparser
import lxml.etree
from scrapy.utils.sitemap import Sitemap

from crawlers.dates import month_first_page, parse_date, parse_when

_NEWS_DATE = "./*[local-name()='news']/*[local-name()='publication_date']/text()"


@dataclass(frozen=True, slots=True)
class Link:
    """An article URL (possibly relative) and the date its feed or sitemap gives it."""

    url: str
    published: datetime | None = None


@dataclass(frozen=True)
class Feed:
    links: list[Link]
    well_formed: bool = True  # False: not well-formed XML; ``links`` are what a lenient read recovered


@dataclass(frozen=True)
class SitemapLinks:
    children: list[str] = field(default_factory=list)  # sitemaps listed by a sitemap index
    links: list[Link] = field(default_factory=list)


class BrokenSitemap(ValueError):
    """Not a sitemap: unreadable XML, or another document (an error page)."""


def read_feed(body: bytes, *, tz: ZoneInfo) -> Feed:
    """Links of an RSS or Atom feed, newest first as the feed lists them.

    Numeric dates are read day-first, as Vietnamese outlets print them, unless the feed
    shows itself month-first: Zing News printed .NET's US default ("2/18/2017 11:21:09 PM"),
    which day-first reading cannot take at all (month 18). Decided for the whole feed, the
    way ``month_first_page`` decides for a page, so that its "2/3/2017" items follow suit.
    """
    parsed = feedparser.parse(body)
    broken = bool(parsed.get("bozo")) and isinstance(parsed.get("bozo_exception"), xml.sax.SAXException)
    entries = [entry for entry in parsed.entries if entry.get("link")]
    printed = [entry.get("published") or entry.get("updated") for entry in entries]
    month_first = month_first_page([text for text in printed if text])
    links = []
    for entry, text in zip(entries, printed, strict=True):
        when = parse_when(text, tz=tz, month_first=month_first)
        links.append(Link(str(entry["link"]), when.value if when else None))
    return Feed(links=links, well_formed=not broken)


class _GoogleNewsSitemap(Sitemap):
    """Scrapy's parser, keeping the Google News publication date, which it drops because
    it sits one level down (``<news:news><news:publication_date>``)."""

    __slots__ = ()

    def _process_sitemap_element(self, elem: lxml.etree._Element) -> dict[str, Any] | None:
        published = elem.xpath(_NEWS_DATE)
        entry = super()._process_sitemap_element(elem)
        if entry is not None and published:
            entry["publication_date"] = str(published[0]).strip()
        return entry


def read_sitemap(body: bytes, *, tz: ZoneInfo) -> SitemapLinks:
    """Child sitemaps and article links of a sitemap; a Google News date wins over lastmod.

    Raises ``BrokenSitemap`` for a document that is not a sitemap at all; a sitemap that
    breaks off halfway gives the entries before the break (Scrapy's parser recovers).
    """
    try:
        sitemap = _GoogleNewsSitemap(body)
    except lxml.etree.XMLSyntaxError as exc:
        raise BrokenSitemap(str(exc)) from exc
    if sitemap.type not in ("urlset", "sitemapindex"):
        raise BrokenSitemap(f"<{sitemap.type}> is not a sitemap")
    out = SitemapLinks()
    for entry in sitemap:
        if sitemap.type == "sitemapindex":
            out.children.append(entry["loc"])
        else:
            date = entry.get("publication_date") or entry.get("lastmod")
            out.links.append(Link(entry["loc"], parse_date(date, tz=tz)))
    return out
