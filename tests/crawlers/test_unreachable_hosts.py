"""A source whose host is down or whose name does not resolve is counted as ``connection_error``.

Scrapy 2.19's download handlers wrap Twisted's refused-connection and DNS errors in their own
exceptions (``DownloadConnectionRefusedError``, ``CannotResolveHostError``); the crawl counted
them as unforeseen errors (``error_DownloadConnectionRefusedError``) instead of the reason the
summary and the flow's "source down" check are written for.
"""

from __future__ import annotations

import socket
from pathlib import Path

from tests.crawlers.local import FAST, NewsSource, crawl_news


def _closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_refused_connection_and_an_unknown_name_are_connection_errors(tmp_path: Path) -> None:
    sources = [
        NewsSource("host-down", feeds=[f"http://127.0.0.1:{_closed_port()}/rss.xml"]),
        NewsSource(
            "no-such-name", feeds=["http://tinradar-test.invalid/rss.xml"]
        ),  # .invalid never resolves (RFC 6761)
    ]
    summary = crawl_news(tmp_path, sources, scrapy_settings={**FAST, "DOWNLOAD_TIMEOUT": 10, "DNS_TIMEOUT": 10})
    for source_id in ("host-down", "no-such-name"):
        skipped = summary.source(source_id).skipped
        assert skipped == {"connection_error": 1}, (source_id, skipped)
