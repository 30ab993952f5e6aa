"""A server that breaks the connection mid-answer is counted as ``connection_error``.

Scrapy 2.19's download handlers wrap Twisted's errors in their own: a connection dropped
before or during the answer (Twisted ``ResponseFailed``) is ``DownloadFailedError``, a body
shorter than its ``Content-Length`` is ``ResponseDataLossError``. Both were counted as
unforeseen errors (``error_DownloadFailedError``...) instead of the reason the summary and
the flow's "source down" check are written for (and the flow counted each twice: once as
a failed request, once in ``errors``). The servers here are real sockets that
misbehave on purpose, one way each.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from crawlers.runner import crawl
from crawlers.summary import SourceSummary
from tinradar.settings import VN_TZ, Settings

FAST = {"DOWNLOAD_TIMEOUT": 10, "DNS_TIMEOUT": 10, "RETRY_TIMES": 0, "AUTOTHROTTLE_ENABLED": False}
FEED = b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'


def _read_request(conn: socket.socket) -> None:
    """Read the request's head (a GET has no body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return
        data += chunk


def _short_body(conn: socket.socket) -> None:
    """Promises 5,000 bytes, sends fewer, closes."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 5000\r\n\r\n" + FEED)


def _cut_chunked(conn: socket.socket) -> None:
    """A chunked body that stops after its first chunk, without the closing zero chunk."""
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nTransfer-Encoding: chunked\r\n\r\n"
        + f"{len(FEED):x}\r\n".encode()
        + FEED
        + b"\r\n"
    )


def _cut_headers(conn: socket.socket) -> None:
    """The status line and half the headers, then nothing."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n")


def _no_answer(conn: socket.socket) -> None:
    """Reads the request and hangs up without a word."""


@pytest.fixture
def misbehaving() -> Iterator[Callable[[Callable[[socket.socket], None]], int]]:
    """Start a local server that answers every connection with ``behave``, then closes it."""
    servers: list[socket.socket] = []

    def start(behave: Callable[[socket.socket], None]) -> int:
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        servers.append(server)

        def serve() -> None:
            while True:
                try:
                    conn, _ = server.accept()
                except OSError:
                    return  # closed by the fixture
                with conn:
                    _read_request(conn)
                    behave(conn)

        threading.Thread(target=serve, daemon=True).start()
        return int(server.getsockname()[1])

    yield start
    for server in servers:
        server.close()


def _crawl_one(tmp_path: Path, url: str) -> SourceSummary:
    """Crawl one news source whose only feed is ``url``; its summary."""
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        f'sources:\n  - id: broken\n    name: Broken\n    kind: news\n    feeds: ["{url}"]\n    verified: true\n',
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
    return summary.source("broken")


@pytest.mark.parametrize("behave", [_short_body, _cut_chunked, _cut_headers, _no_answer])
def test_a_connection_broken_mid_answer_is_a_connection_error(
    tmp_path: Path,
    misbehaving: Callable[[Callable[[socket.socket], None]], int],
    behave: Callable[[socket.socket], None],
) -> None:
    source = _crawl_one(tmp_path, f"http://127.0.0.1:{misbehaving(behave)}/rss.xml")
    assert source.skipped == {"connection_error": 1}, (source.skipped, source.errors)
    assert source.failed_requests == {"connection_error": 1}
    assert source.errors == []  # a named reason, not an unforeseen error counted twice by the flow


def test_a_proxy_scheme_scrapy_cannot_use_stays_an_error_that_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """UnsupportedURLSchemeError is our configuration, not the site: kept ``error_…`` with its message."""
    monkeypatch.setenv("http_proxy", "socks5://127.0.0.1:9")  # the crawl's child process inherits it
    for name in ("no_proxy", "NO_PROXY"):  # a machine's own bypass list must not skip the proxy
        monkeypatch.delenv(name, raising=False)
    source = _crawl_one(tmp_path, "http://127.0.0.1:9/rss.xml")
    assert source.skipped == {"error_UnsupportedURLSchemeError": 1}
    assert len(source.errors) == 1 and "socks5" in source.errors[0]
