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
- ``InternalAddressMiddleware`` (downloader middleware, before the offsite filter): a
  crawled page decides where discovery goes next (a sitemap index's children, a listing's
  next page, a redirect), so every request, each redirect hop included, must be http(s),
  and one outside the source's own hosts (``allowed_domains``, from the registry) must not
  go to a loopback, private, link-local or otherwise non-public address: otherwise a
  hostile sitemap makes the crawler fetch cloud metadata (169.254.169.254), the
  Elasticsearch node next door or a ``file://`` path and follow the links found there.
  Counted as ``offsite``. The registry's own hosts are trusted (the demo's sources are on
  127.0.0.1).
"""

from __future__ import annotations

import hashlib
import ipaddress
import socket
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.utils.request import RequestFingerprinter

from crawlers.reasons import SkipReason
from crawlers.resolver import is_public, on_hosts
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
        reason = spider.known_item(key, request.meta.get(PUBLISHED))
        if reason is not None:
            raise SkipRequest(reason)


def _internal(host: str) -> bool:
    """True when ``host`` is, or resolves to, an address that is not on the public internet.

    A name that does not resolve is left to Scrapy (it fails as a DNS error and is counted
    there). The name is resolved again when Scrapy connects: a DNS server that answers
    differently the second time (rebinding) is stopped there, by ``crawlers.resolver``.
    """
    name = host.strip("[]").rstrip(".").lower()
    if not name:
        return True
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        addresses = [ipaddress.ip_address(name)]
    except ValueError:
        try:
            infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
        except (OSError, UnicodeError):
            return False
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    return not all(is_public(address) for address in addresses)


class InternalAddressMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> InternalAddressMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme not in ("http", "https"):
            raise SkipRequest(SkipReason.OFFSITE)
        if not (request.dont_filter or request.meta.get("allow_offsite")):
            return  # Scrapy's offsite filter (next) drops it unless it is on the source's hosts
        host = (parts.hostname or "").rstrip(".").lower()
        if on_hosts(host, getattr(self.crawler.spider, "allowed_domains", None) or []):
            return
        if _internal(host):
            raise SkipRequest(SkipReason.OFFSITE)
