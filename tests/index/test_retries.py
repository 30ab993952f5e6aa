"""429 and 5xx answers are retried with backoff; what keeps failing is dead-lettered.

A small HTTP proxy on 127.0.0.1 sits in front of the real node and answers the first
bulk requests itself with 429/503 (the real node will not do that on demand); every
other request, and the later bulk requests, go to the node.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import httpx
import pytest

from index.indexer import Indexer
from index.templates import alias_name, ensure_templates
from tests.index.items import make_item


class _FlakyProxy(BaseHTTPRequestHandler):
    upstream: ClassVar[str] = ""
    failures: ClassVar[list[int]] = []  # statuses to answer to the next bulk requests
    bulk_calls: ClassVar[list[int]] = []

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path.split("?")[0].endswith("/_bulk"):
            status = type(self).failures.pop(0) if type(self).failures else 200
            type(self).bulk_calls.append(status)
            if status != 200:
                data = b'{"error":{"type":"es_rejected_execution_exception","reason":"busy"},"status":%d}' % status
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("X-Elastic-Product", "Elasticsearch")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length", "connection")}
        resp = httpx.request(self.command, type(self).upstream + self.path, content=body, headers=headers, timeout=30)
        self.send_response(resp.status_code)
        for key, value in resp.headers.items():
            if key.lower() not in ("content-length", "transfer-encoding", "connection", "content-encoding"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(resp.content)))
        self.end_headers()
        self.wfile.write(resp.content)

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _handle

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def flaky(es_settings) -> Iterator[tuple[Any, type[_FlakyProxy]]]:
    _FlakyProxy.upstream = es_settings.es_url.rstrip("/")
    _FlakyProxy.failures = []
    _FlakyProxy.bulk_calls = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FlakyProxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings = es_settings.model_copy(update={"es_url": f"http://127.0.0.1:{server.server_address[1]}"})
    yield settings, _FlakyProxy
    server.shutdown()
    server.server_close()


def test_429_and_503_are_retried_until_they_pass(flaky, es_client, es_settings):
    from elasticsearch import Elasticsearch

    settings, proxy = flaky
    client = Elasticsearch(**settings.es_client_kwargs())
    ensure_templates(client, settings)
    proxy.failures = [429, 503, 502]
    stats = Indexer(client, settings, max_retries=4, initial_backoff=0.01).index([make_item(i) for i in range(25)])
    assert proxy.bulk_calls == [429, 503, 502, 200]
    assert stats.indexed == 25 and stats.failed == 0 and stats.dead_lettered == 0
    es_client.indices.refresh(index=alias_name(es_settings))
    assert es_client.count(index=alias_name(es_settings))["count"] == 25


def test_persistent_503_is_dead_lettered_then_replayed(flaky, es_client, es_settings):
    from elasticsearch import Elasticsearch

    settings, proxy = flaky
    client = Elasticsearch(**settings.es_client_kwargs())
    ensure_templates(client, settings)
    proxy.failures = [503] * 3
    indexer = Indexer(client, settings, max_retries=2, initial_backoff=0.01)
    stats = indexer.index([make_item(i) for i in range(10)])
    assert proxy.bulk_calls == [503, 503, 503]  # first try + 2 retries
    assert stats.failed == 10 and stats.dead_lettered == 10 and {e.status for e in stats.errors} == {503}
    replayed = indexer.replay()  # the proxy lets requests through again
    assert replayed.indexed == 10 and indexer.deadletters.count() == 0
