"""What every TinRadar spider shares: its source and state, the look-back, skip counting.

A spider reads pages and yields items (``crawlers.items``) and requests; it never raises
on bad input and never writes a file. What it does not follow or keep, it counts in the
crawl's stats under a ``SkipReason`` (``skip``, or the errback ``on_error`` for a request
that failed); the item pipeline, Scrapy's dupefilter and ``SkipCounter`` count the rest.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import scrapy
from twisted.python.failure import Failure

from crawlers.middlewares import KEY
from crawlers.reasons import SkipReason
from crawlers.registry import Source
from crawlers.skips import classify_failure, count_skip, exception_of, record_error
from crawlers.state import SourceState
from tinradar.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CrawlContext:
    """What every spider of one crawl shares besides its source."""

    settings: Settings
    since: datetime | None


class TinRadarSpider(scrapy.Spider):
    """Base of the three spiders; one instance crawls one source (one crawler per source)."""

    name = "tinradar"
    #: The key of how this spider reads pages (``crawlers.extract.layout_key``); empty for a
    #: spider whose unreadable items are not worth fetching again.
    layout = ""

    def __init__(self, source: Source, ctx: CrawlContext, state: SourceState, **kwargs: Any) -> None:
        super().__init__(name=f"{self.name}:{source.id}", **kwargs)
        self.source = source
        self.source_id = source.id  # names this source's part of the feed export
        self.ctx = ctx
        self.state = state
        self.allowed_domains = list(source.allowed_domains)

    # --- accounting ---------------------------------------------------------------------
    def skip(self, reason: SkipReason, url: str = "", detail: str = "") -> None:
        assert self.crawler.stats is not None
        count_skip(self.crawler.stats, reason)
        log.info("skip %s [%s] %s %s", self.source.id, reason, url, detail)

    def on_error(self, failure: Failure) -> None:
        """Errback of every request: a failed request is a named skip (or an error, listed)."""
        assert self.crawler.stats is not None
        request = getattr(failure, "request", None)
        url = request.url if request is not None else ""
        reason = classify_failure(failure)
        if reason is None:
            return
        if reason.startswith("error_"):
            record_error(self.crawler.stats, url, exception_of(failure))
        else:
            count_skip(self.crawler.stats, reason)
        log.info("skip %s [%s] %s %s", self.source.id, reason, url, str(failure.value)[:200])

    # --- shared decisions ------------------------------------------------------------------
    def too_old(self, when: datetime | None) -> bool:
        return bool(when and self.ctx.since and when < self.ctx.since)

    def known_item(self, key: str, published: datetime | None) -> SkipReason | None:
        """Why an item page need not be fetched (known, failed under this layout, too old), or None.

        ``KnownItemsMiddleware`` drops such a request; the news spider asks first so that
        only links it will really fetch count against ``max_article_links``."""
        if self.state.is_seen(key):
            return SkipReason.ALREADY_SEEN
        if self.layout and self.state.failed_under(key, self.layout):
            return SkipReason.ALREADY_FAILED
        if self.too_old(published):
            return SkipReason.TOO_OLD
        return None

    def request(
        self,
        url: str,
        callback: Callable[..., Any],
        *,
        conditional: bool = False,
        item_key: str | None = None,
        **meta: Any,
    ) -> scrapy.Request:
        """A request whose failures reach ``on_error``.

        ``conditional`` sends the validators the source's state remembers for the URL
        (feeds, listings, channel and forum pages). A request for an item page gives its
        canonical URL as ``item_key``: Scrapy's dupefilter then knows it under that URL,
        ``KnownItemsMiddleware`` skips it when already collected, and Scrapy's offsite
        filter keeps it within ``allowed_domains``. Discovery pages (the registry's URLs and
        the pages they lead to) are followed wherever they are.
        """
        headers = self.state.conditional_headers(url) if conditional else {}
        if conditional:
            meta["handle_httpstatus_list"] = [304]
        if item_key is None:
            meta["allow_offsite"] = True
        else:
            meta[KEY] = item_key
        return scrapy.Request(url, callback=callback, errback=self.on_error, headers=headers, meta=meta)

    def not_modified(self, response: scrapy.http.Response) -> bool:
        """Record validators of a discovery page; True when it answered 304."""
        if response.status == 304:
            self.skip(SkipReason.NOT_MODIFIED, response.url)
            return True
        etag = response.headers.get("ETag")
        modified = response.headers.get("Last-Modified")
        self.state.remember(
            response.request.url if response.request else response.url,
            etag.decode("latin-1") if etag else None,
            modified.decode("latin-1") if modified else None,
        )
        return False
