"""Why a link, page or post did not become a document: one name per reason, counted in
Scrapy's stats of the crawl (``crawler.stats``), read back into the crawl summary.

A crawl never raises on bad input. Whatever does not end as a document is counted under
one of these names, wherever Scrapy decides it: in a spider callback (``skip``), in a
request's errback (``classify_failure``), in the item pipeline (``Drop``, a ``DropItem``),
in the downloader (``SkipRequest``, an ``IgnoreRequest``), in Scrapy's dupefilter
(``request_dropped``) or in its offsite filter (its own ``offsite/filtered`` stat).
"""

from __future__ import annotations

from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    DropItem,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.statscollectors import StatsCollector
from twisted.internet.error import ConnectError, DNSLookupError, TCPTimedOutError, TimeoutError
from twisted.python.failure import Failure

from crawlers.reasons import ERRORS_KEY, MAX_ERRORS, SKIPPED_PREFIX, SkipReason, error_reason, http_reason
from crawlers.resolver import refused_lookup
from tinradar.ids import canonical_url


class Drop(DropItem):
    """An item pipeline's reject, with its reason (counted by ``SkipCounter``).

    Logged at INFO: a counted skip is expected, and the summary reports it."""

    def __init__(self, reason: SkipReason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else str(reason), log_level="INFO")
        self.reason = reason


class SkipRequest(IgnoreRequest):
    """A request not worth sending (already collected, too old); its errback counts the reason."""

    def __init__(self, reason: SkipReason) -> None:
        super().__init__(str(reason))
        self.reason = reason


def exception_of(failure: Failure) -> BaseException:
    """The exception a Twisted failure carries (always set for a failed request or callback)."""
    return failure.value if failure.value is not None else RuntimeError(failure.getErrorMessage())


def classify_failure(failure: Failure) -> str | None:
    """Name the reason a request failed; None when Scrapy counted it itself (offsite)."""
    exc = exception_of(failure)
    if isinstance(exc, SkipRequest):
        return str(exc.reason)
    if isinstance(exc, HttpError):
        return http_reason(exc.response.status)
    if isinstance(exc, DownloadTimeoutError | TimeoutError | TCPTimedOutError):
        return SkipReason.TIMEOUT
    if isinstance(exc, DownloadCancelledError):
        return SkipReason.TOO_LARGE
    if isinstance(exc, IgnoreRequest):
        message = str(exc).lower()
        if "offsite" in message:
            return None  # OffsiteMiddleware counted it under offsite/filtered
        if "robots" in message:
            return SkipReason.ROBOTS_FORBIDDEN
        if "download_maxsize" in message:  # a compressed answer that unpacks past the cap (a gzip bomb)
            return SkipReason.TOO_LARGE
        if "redirect" in message:
            return SkipReason.REDIRECT_LOOP
        return SkipReason.IGNORED
    # Scrapy 2.19's download handlers wrap Twisted's errors in their own (scrapy.utils.
    # _download_handlers.wrap_twisted_exceptions): DNSLookupError is CannotResolveHostError,
    # ConnectionRefusedError DownloadConnectionRefusedError, ResponseFailed (the connection
    # closed before or during the answer) DownloadFailedError; a body cut short of its
    # Content-Length or chunked end is ResponseDataLossError (DOWNLOAD_FAIL_ON_DATALOSS).
    if isinstance(exc, DNSLookupError | CannotResolveHostError) and refused_lookup(str(exc)):
        return SkipReason.OFFSITE  # the resolver refused an internal address (DNS rebinding)
    if isinstance(
        exc,
        DNSLookupError
        | ConnectError
        | CannotResolveHostError
        | DownloadConnectionRefusedError
        | DownloadFailedError
        | ResponseDataLossError,
    ):
        return SkipReason.CONNECTION_ERROR
    # Left an error on purpose: UnsupportedURLSchemeError (a proxy whose scheme Scrapy cannot
    # use, e.g. http_proxy=socks5://...; links off http/https are offsite before any download)
    # is our configuration, not the site: its message, kept in the errors, says what to fix.
    return error_reason(exc)


def count_skip(stats: StatsCollector, reason: str) -> None:
    stats.inc_value(SKIPPED_PREFIX + reason)


def record_error(stats: StatsCollector, url: str, exc: BaseException) -> None:
    """Count an unforeseen failure and keep its first few messages, with the URL."""
    count_skip(stats, error_reason(exc))
    errors: list[str] = stats.get_value(ERRORS_KEY) or []
    if len(errors) < MAX_ERRORS:
        stats.set_value(ERRORS_KEY, [*errors, f"{url}: {exc!r}"[:300]])


class SkipCounter:
    """Scrapy extension: counts, under their reasons, what Scrapy drops on the crawl's
    behalf — rejected items, requests its dupefilter filtered — and unforeseen errors in
    callbacks and pipelines (``EXTENSIONS`` in ``crawlers.child.scrapy_settings``)."""

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SkipCounter:
        assert crawler.stats is not None
        counter = cls(crawler.stats)
        crawler.signals.connect(counter.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(counter.item_error, signal=signals.item_error)
        crawler.signals.connect(counter.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(counter.spider_error, signal=signals.spider_error)
        return counter

    def item_dropped(self, item: Any, exception: BaseException) -> None:
        if isinstance(exception, Drop):
            count_skip(self.stats, exception.reason)
        else:
            record_error(self.stats, getattr(item, "url", ""), exception)

    def item_error(self, item: Any, failure: Failure) -> None:
        record_error(self.stats, getattr(item, "url", ""), exception_of(failure))

    def request_dropped(self, request: Request) -> None:
        """The dupefilter saw this URL already: a duplicate link, or a redirect back into its own chain."""
        chain = {canonical_url(url) for url in request.meta.get("redirect_urls", ())}
        loop = canonical_url(request.url) in chain
        count_skip(self.stats, SkipReason.REDIRECT_LOOP if loop else SkipReason.DUPLICATE_URL)

    def spider_error(self, failure: Failure, response: Response) -> None:
        """A bug or an unforeseen page shape in a callback: counted, never fatal."""
        record_error(self.stats, response.url, exception_of(failure))
