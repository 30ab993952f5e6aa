"""A source whose host is down or whose name does not resolve is counted as ``connection_error``.

Scrapy 2.19's download handlers wrap Twisted's refused-connection and DNS errors in their own
exceptions (``DownloadConnectionRefusedError``, ``CannotResolveHostError``); the crawl counted
them as unforeseen errors (``error_DownloadConnectionRefusedError``) instead of the reason the
summary and the flow's "source down" check are written for.
"""

from __future__ import annotations

import socket
from datetime import datetime
from pathlib import Path

from crawlers.runner import crawl
from tinradar.settings import VN_TZ, Settings

FAST = {"DOWNLOAD_TIMEOUT": 10, "DNS_TIMEOUT": 10, "RETRY_TIMES": 0, "AUTOTHROTTLE_ENABLED": False}


def _closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_refused_connection_and_an_unknown_name_are_connection_errors(tmp_path: Path) -> None:
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n"
        "  - id: host-down\n"
        "    name: Host down\n"
        "    kind: news\n"
        f'    feeds: ["http://127.0.0.1:{_closed_port()}/rss.xml"]\n'
        "    verified: true\n"
        "  - id: no-such-name\n"
        "    name: No such name\n"
        "    kind: news\n"
        '    feeds: ["http://tinradar-test.invalid/rss.xml"]\n'  # .invalid never resolves (RFC 6761)
        "    verified: true\n",
        encoding="utf-8",
    )
    summary = crawl(
        Settings(data_dir=tmp_path / "data", autothrottle=False, obey_robots=False),
        sources_file=sources,
        since=datetime(2021, 1, 1, tzinfo=VN_TZ),
        out_path=tmp_path / "docs.jsonl",
        scrapy_settings=FAST,
        use_state=False,
    )
    for source_id in ("host-down", "no-such-name"):
        skipped = summary.source(source_id).skipped
        assert skipped == {"connection_error": 1}, (source_id, skipped)
