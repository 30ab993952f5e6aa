"""What every TinRadar spider shares: skip accounting, state, look-back, output.

A spider never raises on bad input: each thing it does not turn into a document is a
skip with a named reason (``http_404``, ``timeout``, ``redirect_loop``, ``too_large``,
``robots_forbidden``, ``broken_feed``, ``duplicate_url``, ``already_seen``, ``too_old``,
``off_topic``, ``no_body``, ...), counted per source and logged with its URL.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import scrapy
from scrapy import signals
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectError, DNSLookupError, TCPTimedOutError, TimeoutError
from twisted.python.failure import Failure

from crawlers.registry import Source
from crawlers.state import SourceState
from crawlers.summary import SourceSummary
from crawlers.topic import is_covid_related
from tinradar.schema import Document
from tinradar.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class CrawlContext:
    """Everything a spider needs besides its source; built once per crawl."""

    settings: Settings
    since: datetime | None
    sink: Callable[[Document], None]
    states: dict[str, SourceState] = field(default_factory=dict)
    summaries: dict[str, SourceSummary] = field(default_factory=dict)


def classify_failure(failure: Failure) -> str:
    """Name the reason a request failed."""
    if failure.check(HttpError):
        return f"http_{failure.value.response.status}"
    if failure.check(DownloadTimeoutError, TimeoutError, TCPTimedOutError):
        return "timeout"
    if failure.check(DownloadCancelledError):
        return "too_large"
    if failure.check(IgnoreRequest):
        message = str(failure.value).lower()
        if "robots" in message:
            return "robots_forbidden"
        if "redirect" in message:
            return "redirect_loop"
        if "offsite" in message or "domain" in message:
            return "offsite"
        return "ignored"
    if failure.check(DNSLookupError, ConnectError):
        return "connection_error"
    return "error_" + type(failure.value).__name__


class TinRadarSpider(scrapy.Spider):
    """Base of the three spiders; one instance crawls one source."""

    name = "tinradar"

    def __init__(self, source: Source, ctx: CrawlContext, **kwargs: Any) -> None:
        super().__init__(name=f"{self.name}:{source.id}", **kwargs)
        self.source = source
        self.ctx = ctx
        self.allowed_domains = list(source.allowed_domains)
        self.state = ctx.states[source.id]
        self.summary = ctx.summaries[source.id]
        self.skips: Counter[str] = Counter()
        self.requested: set[str] = set()
        self.emitted: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> TinRadarSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_callback_error, signal=signals.spider_error)
        return spider

    # --- accounting ---------------------------------------------------------------------
    def on_callback_error(self, failure: Failure, response: Any, spider: scrapy.Spider) -> None:
        """A bug or an unforeseen page shape in a callback: counted, never fatal."""
        if spider is not self:
            return
        url = getattr(response, "url", "")
        self.skip("error_" + type(failure.value).__name__, url)
        if len(self.summary.errors) < 20:
            self.summary.errors.append(f"{url}: {failure.value!r}"[:300])

    def skip(self, reason: str, url: str = "", detail: str = "") -> None:
        self.skips[reason] += 1
        self.summary.skipped[reason] = self.summary.skipped.get(reason, 0) + 1
        log.info("skip %s [%s] %s %s", self.source.id, reason, url, detail)

    def on_error(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        url = request.url if request is not None else ""
        reason = classify_failure(failure)
        self.skip(reason, url, str(failure.value)[:200])
        if reason.startswith("error_") and len(self.summary.errors) < 20:
            self.summary.errors.append(f"{url}: {failure.value!r}"[:300])

    # --- shared decisions ------------------------------------------------------------------
    def too_old(self, when: datetime | None) -> bool:
        return bool(when and self.ctx.since and when < self.ctx.since)

    def off_topic(self, *texts: str | None) -> bool:
        return self.source.topic_filter and not is_covid_related(*texts)

    def emit(self, doc: Document, key: str | None = None) -> bool:
        """Write a document unless it was already written (by id); mark it seen."""
        if doc.id in self.emitted:
            self.skip("duplicate_content", doc.url or doc.id)
            return False
        if self.state.is_seen(doc.id):
            self.skip("already_seen", doc.url or doc.id)
            return False
        self.emitted.add(doc.id)
        self.state.mark_seen(doc.id)
        if key:
            self.state.mark_seen(key)
        self.ctx.sink(doc)
        self.summary.items += 1
        return True

    def request(
        self, url: str, callback: Callable[..., Any], *, conditional: bool = False, **meta: Any
    ) -> scrapy.Request:
        """A request that reports failures to ``on_error`` (Scrapy's dupefilter is off: we count duplicates)."""
        headers = self.state.conditional_headers(url) if conditional else {}
        if conditional:
            meta["handle_httpstatus_list"] = [304]
        return scrapy.Request(
            url, callback=callback, errback=self.on_error, headers=headers, meta=meta, dont_filter=True
        )

    def not_modified(self, response: scrapy.http.Response) -> bool:
        """Record validators of a discovery page; True when it answered 304."""
        if response.status == 304:
            self.skip("not_modified", response.url)
            return True
        etag = response.headers.get("ETag")
        modified = response.headers.get("Last-Modified")
        self.state.remember(
            response.request.url if response.request else response.url,
            etag.decode("latin-1") if etag else None,
            modified.decode("latin-1") if modified else None,
        )
        return False
