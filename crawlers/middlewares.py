"""Scrapy components that make a crawl incremental and fetch each article once.

- ``CanonicalFingerprinter`` (``REQUEST_FINGERPRINTER_CLASS``): a request for an item page
  carries its canonical URL (``KEY`` in ``Request.meta``: tracking parameters, AMP and
  mobile hosts, fragments removed by ``tinradar.ids.canonical_url``) and is identified by
  it, so Scrapy's own dupefilter drops the same article linked under a second URL. Other
  requests, and the hops of a redirect, keep Scrapy's fingerprint: an http→https or
  www→bare redirect leads to the canonical twin of its own URL and must not count as a
  duplicate of itself, while a redirect loop still meets its own hops.
- ``KnownItemsMiddleware`` (downloader middleware): does not send a request for an item
  the source's state already holds (``already_seen``), pages that could not be read under
  the source's current layout (``already_failed``: fetched again once selectors change), or that its feed or sitemap dates
  before the look-back (``too_old``). It runs after the dupefilter, so of two links to one
  known article the first counts as already seen and the second as a duplicate.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.utils.request import RequestFingerprinter

from crawlers.reasons import SkipReason
from crawlers.skips import SkipRequest

if TYPE_CHECKING:
    from crawlers.spiders.base import TinRadarSpider

#: ``Request.meta`` keys: the canonical URL of an item page, and its date from a feed or sitemap.
KEY = "tinradar_key"
PUBLISHED = "tinradar_published"


class CanonicalFingerprinter:
    def __init__(self, crawler: Crawler | None = None) -> None:
        self._scrapy = RequestFingerprinter(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CanonicalFingerprinter:
        return cls(crawler)

    def fingerprint(self, request: Request) -> bytes:
        key = request.meta.get(KEY)
        if key is None or "redirect_times" in request.meta:
            return self._scrapy.fingerprint(request)
        return hashlib.sha1(f"{request.method} {key}".encode()).digest()


class KnownItemsMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> KnownItemsMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        key = request.meta.get(KEY)
        if key is None:
            return
        spider: TinRadarSpider = self.crawler.spider  # type: ignore[assignment]
        if spider.state.is_seen(key):
            raise SkipRequest(SkipReason.ALREADY_SEEN)
        if spider.layout and spider.state.failed_under(key, spider.layout):
            raise SkipRequest(SkipReason.ALREADY_FAILED)
        if spider.too_old(request.meta.get(PUBLISHED)):
            raise SkipRequest(SkipReason.TOO_OLD)
