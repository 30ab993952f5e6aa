"""Why a link, page or post did not become a document: the names of the crawl's skips.

No Scrapy here (``crawlers.skips`` has the Scrapy side), so the crawl summary and the
flows read these names without loading a crawler.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

#: Stats keys: ``tinradar/skipped/<reason>`` counts; ``tinradar/errors`` the first unexpected failures.
SKIPPED_PREFIX = "tinradar/skipped/"
ERRORS_KEY = "tinradar/errors"
#: Items kept without their publication date because it was impossible (before 1990, or days
#: after the crawl; ``tinradar.schema.published_problem``): not a skip, the item went through.
DATES_DROPPED_STAT = "tinradar/dates_dropped"
#: Scrapy's own offsite filter counts here (it drops requests before any errback).
OFFSITE_STAT = "offsite/filtered"
MAX_ERRORS = 20


class SkipReason(StrEnum):
    """Every fixed reason. Two families carry a detail: ``http_<status>`` (``http_reason``)
    and ``error_<Exception>`` for the unforeseen (``error_reason``)."""

    # A request failed: the site is down, slow or changed (see ``is_failure``).
    TIMEOUT = "timeout"
    CONNECTION_ERROR = "connection_error"
    REDIRECT_LOOP = "redirect_loop"
    TOO_LARGE = "too_large"
    BROKEN_FEED = "broken_feed"
    BROKEN_SITEMAP = "broken_sitemap"
    IGNORED = "ignored"
    # Policy: what we may not or do not fetch.
    ROBOTS_FORBIDDEN = "robots_forbidden"
    OFFSITE = "offsite"
    NOT_ARTICLE = "not_article"
    #: Over the per-source caps of one crawl (``max_child_sitemaps``, ``max_article_links``).
    TOO_MANY_SITEMAPS = "too_many_sitemaps"
    TOO_MANY_LINKS = "too_many_links"
    # Nothing new.
    NOT_MODIFIED = "not_modified"
    ALREADY_SEEN = "already_seen"
    #: An article page that could not be read last time, under the same selectors and extractor.
    ALREADY_FAILED = "already_failed"
    DUPLICATE_URL = "duplicate_url"
    DUPLICATE_CONTENT = "duplicate_content"
    TOO_OLD = "too_old"
    # Not about COVID-19 (sources with ``topic_filter``).
    OFF_TOPIC = "off_topic"
    # A page or post without anything to keep.
    NOT_HTML = "not_html"
    EMPTY_PAGE = "empty_page"
    UNPARSEABLE = "unparseable"
    NO_BODY = "no_body"
    NO_TEXT = "no_text"
    INVALID = "invalid"
    # Rows of an export file (``crawlers.ingest``, ``crawlers.exports``).
    NO_POST_ID = "no_post_id"
    DUPLICATE_POST = "duplicate_post"
    BAD_DATE = "bad_date"
    BAD_JSON = "bad_json"
    UNKNOWN_ITEM = "unknown_item"
    INVALID_ROW = "invalid_row"


_FAILURES = {
    SkipReason.TIMEOUT,
    SkipReason.CONNECTION_ERROR,
    SkipReason.REDIRECT_LOOP,
    SkipReason.TOO_LARGE,
    SkipReason.BROKEN_FEED,
    SkipReason.BROKEN_SITEMAP,
    SkipReason.IGNORED,
}


#: A fetched article page whose text could not be extracted: the sign of a changed layout
#: (markup renamed, content moved to a script). Empty posts (``no_text``) are not: a
#: channel posting only pictures is not broken.
_EXTRACTION = {SkipReason.NO_BODY, SkipReason.UNPARSEABLE}


def http_reason(status: int) -> str:
    return f"http_{status}"


def error_reason(exc: BaseException) -> str:
    return f"error_{type(exc).__name__}"


def is_failure(reason: str) -> bool:
    """True when the reason means a request failed (as opposed to "nothing new" or policy)."""
    return reason in _FAILURES or reason.startswith(("http_", "error_"))


def is_extraction_failure(reason: str) -> bool:
    """True when a page came in but no article could be read from it (``no_body``, ``unparseable``)."""
    return reason in _EXTRACTION


def skipped_from_stats(stats: dict[str, Any]) -> dict[str, int]:
    """Skips by reason, as the stats of one crawl hold them."""
    skipped = {key.removeprefix(SKIPPED_PREFIX): int(n) for key, n in stats.items() if key.startswith(SKIPPED_PREFIX)}
    if stats.get(OFFSITE_STAT):
        offsite = str(SkipReason.OFFSITE)
        skipped[offsite] = skipped.get(offsite, 0) + int(stats[OFFSITE_STAT])
    return skipped
