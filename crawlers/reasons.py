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


#: What each reason means, in Vietnamese, for the board's report (the codes are for logs and
#: the CLI's table; a reviewer reading "broken_feed" or "off_topic" learns nothing).
SKIP_LABELS_VI: dict[str, str] = {
    SkipReason.TIMEOUT: "quá thời gian chờ",
    SkipReason.CONNECTION_ERROR: "không kết nối được",
    SkipReason.REDIRECT_LOOP: "chuyển hướng vòng lặp",
    SkipReason.TOO_LARGE: "trang quá lớn",
    SkipReason.BROKEN_FEED: "nguồn RSS hỏng",
    SkipReason.BROKEN_SITEMAP: "sơ đồ trang (sitemap) hỏng",
    SkipReason.IGNORED: "bị bỏ qua do lỗi tải",
    SkipReason.ROBOTS_FORBIDDEN: "trang không cho phép thu thập (robots.txt)",
    SkipReason.OFFSITE: "liên kết ra ngoài trang nguồn",
    SkipReason.NOT_ARTICLE: "không phải bài viết",
    SkipReason.TOO_MANY_SITEMAPS: "vượt số sơ đồ trang cho phép",
    SkipReason.TOO_MANY_LINKS: "vượt số liên kết cho phép",
    SkipReason.NOT_MODIFIED: "không có gì mới",
    SkipReason.ALREADY_SEEN: "đã thu thập trước đó",
    SkipReason.ALREADY_FAILED: "lần trước đã không đọc được",
    SkipReason.DUPLICATE_URL: "trùng địa chỉ",
    SkipReason.DUPLICATE_CONTENT: "trùng nội dung",
    SkipReason.TOO_OLD: "bài quá cũ",
    SkipReason.OFF_TOPIC: "không liên quan COVID-19",
    SkipReason.NOT_HTML: "không phải trang web",
    SkipReason.EMPTY_PAGE: "trang trống",
    SkipReason.UNPARSEABLE: "không đọc được trang",
    SkipReason.NO_BODY: "không tìm thấy nội dung bài",
    SkipReason.NO_TEXT: "bài không có chữ",
    SkipReason.INVALID: "dữ liệu không hợp lệ",
    SkipReason.NO_POST_ID: "thiếu mã bài",
    SkipReason.DUPLICATE_POST: "trùng bài",
    SkipReason.BAD_DATE: "ngày đăng không hợp lệ",
    SkipReason.BAD_JSON: "dòng JSON hỏng",
    SkipReason.UNKNOWN_ITEM: "loại dữ liệu không nhận ra",
    SkipReason.INVALID_ROW: "dòng dữ liệu không hợp lệ",
}


def skip_label(reason: str) -> str:
    """The Vietnamese words for a skip reason: ``http_404`` → "lỗi HTTP 404", an unforeseen
    ``error_X`` → "lỗi bất ngờ (X)", an unknown code as it is (a new reason is still counted)."""
    if reason in SKIP_LABELS_VI:
        return SKIP_LABELS_VI[reason]
    if reason.startswith("http_"):
        return f"lỗi HTTP {reason.removeprefix('http_')}"
    if reason.startswith("error_"):
        return f"lỗi bất ngờ ({reason.removeprefix('error_')})"
    return reason


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
