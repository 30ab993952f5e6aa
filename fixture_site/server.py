"""A local HTTP server for the fixture site, with the bad inputs a crawler must survive.

Static files come from ``fixtures/site/``; the placeholder host ``http://fixture.local``
in feeds, sitemaps and pages is rewritten to the server's own address. Special routes:
``/status/<code>``, ``/slow/...`` (answers after ``slow_seconds``), ``/loop/a`` ↔
``/loop/b`` (redirect loop), ``/huge/...`` (a page larger than the size cap). Every
static file carries an ETag and Last-Modified and answers conditional GETs with 304.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from fixture_site.generate import BASE, SITE

_TYPES = {
    ".html": "text/html",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
}
#: Fixed modification time of every static file, so Last-Modified is reproducible.
_LAST_MODIFIED = 1_631_000_000  # 2021-09-07


class _Handler(BaseHTTPRequestHandler):
    server_version = "TinRadarFixture/1.0"
    root: Path
    base_url: str
    slow_seconds: float
    huge_bytes: int
    stop: threading.Event
    request_log: list[tuple[float, float, str]] | None
    delay_seconds: float

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: tests read the crawl summary, not the access log."""

    def _send(
        self,
        code: int,
        body: bytes = b"",
        ctype: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle(self) -> None:
        """A crawler that gives up (timeout, size cap) resets the socket; that is expected."""
        with suppress(ConnectionError, TimeoutError):
            super().handle()

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        started = time.time()
        if self.delay_seconds:
            self.stop.wait(self.delay_seconds)
        try:
            self._route()
        finally:
            if self.request_log is not None:  # list.append is atomic: the handler threads share it
                self.request_log.append((started, time.time(), unquote(urlsplit(self.path).path)))

    def _route(self) -> None:
        path = unquote(urlsplit(self.path).path)
        if path.startswith("/status/"):
            code = int(path.rsplit("/", 1)[1] or 500)
            self._send(code, f"<html><body>HTTP {code}</body></html>".encode())
        elif path.startswith("/slow/"):
            deadline = time.monotonic() + self.slow_seconds
            while time.monotonic() < deadline and not self.stop.is_set():
                time.sleep(0.05)
            self._send(200, b"<html><body><h1>Trang ch\xe1\xba\xadm</h1></body></html>")
        elif path.startswith("/loop/"):
            target = "/loop/b" if path.endswith("/a") else "/loop/a"
            self._send(302, b"", headers={"Location": target})
        elif path.startswith("/huge/"):
            para = "<p>Nội dung lặp lại rất dài của một trang quá lớn về COVID-19.</p>\n".encode()
            body = (
                b"<html><head><meta charset='utf-8'></head><body>"
                + para * (self.huge_bytes // len(para) + 1)
                + b"</body></html>"
            )
            self._send(200, body)
        else:
            self._static(path)

    def _static(self, path: str) -> None:
        rel = path.lstrip("/")
        candidates = [rel, rel + ".html", rel.rstrip("/") + "/index.html"] if rel else ["index.html"]
        root = self.root.resolve()
        for cand in candidates:
            file = (root / cand).resolve()
            if file.is_file() and root in file.parents:
                break
        else:
            self._send(404, b"<html><body>404</body></html>")
            return
        body = file.read_bytes().replace(BASE.encode(), self.base_url.encode())
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        headers = {"ETag": etag, "Last-Modified": formatdate(_LAST_MODIFIED, usegmt=True)}
        if self.headers.get("If-None-Match") == etag or self._not_modified_since():
            self._send(304, b"", headers=headers)
            return
        self._send(200, body, _TYPES.get(file.suffix, "application/octet-stream"), headers)

    def _not_modified_since(self) -> bool:
        since = self.headers.get("If-Modified-Since")
        if not since or self.headers.get("If-None-Match"):
            return False
        try:
            return parsedate_to_datetime(since).timestamp() >= _LAST_MODIFIED
        except (TypeError, ValueError):
            return False


@contextmanager
def serve_fixture_site(
    root: Path | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    slow_seconds: float = 30.0,
    huge_bytes: int = 6_000_000,
    request_log: list[tuple[float, float, str]] | None = None,
    delay_seconds: float = 0.0,
) -> Iterator[str]:
    """Serve the fixture site on ``host`` (a free port by default); yields the base URL.

    ``slow_seconds`` is how long ``/slow/...`` waits (longer than the crawler's download
    timeout); ``huge_bytes`` is the size of ``/huge/...`` (above the default size cap).
    ``request_log``, when given, gets ``(started, answered, path)`` (``time.time()``) for
    every request: what the site saw, to check a crawler's politeness against.
    ``delay_seconds`` delays every answer (a slow site: a crawl's requests then spread
    over seconds, and two crawls at once overlap in the log instead of slipping between
    each other's requests).
    """
    stop = threading.Event()
    handler: type[_Handler] = type(
        "FixtureHandler",
        (_Handler,),
        {
            "root": Path(root or SITE),
            "slow_seconds": slow_seconds,
            "huge_bytes": huge_bytes,
            "stop": stop,
            "base_url": "",
            "request_log": request_log,
            "delay_seconds": delay_seconds,
        },
    )
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    base_url = f"http://{host}:{server.server_address[1]}"
    handler.base_url = base_url
    thread = threading.Thread(target=server.serve_forever, name="fixture-site", daemon=True)
    thread.start()
    try:
        yield base_url
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def main() -> None:
    """``python -m fixture_site.server [PORT]``: serve the fixture site until Ctrl-C."""
    import sys

    arg = sys.argv[1] if len(sys.argv) > 1 else "8765"
    # "abc" or 99999 used to end in a ValueError/OverflowError traceback; a taken port in an OSError one
    port = int(arg) if arg.isdigit() else -1
    if not 0 <= port <= 65535:
        print(f"cổng không hợp lệ / not a port: {arg!r} (0..65535; 0 = any free port)", file=sys.stderr)
        sys.exit(2)  # a usage error, as in the CLI's exit-code table
    with ExitStack() as stack:
        try:
            base = stack.enter_context(serve_fixture_site(port=port, slow_seconds=5))
        except OSError as exc:
            print(f"không mở được cổng / cannot listen on port {port}: {exc.strerror or exc}", file=sys.stderr)
            sys.exit(2)
        print(f"fixture site: {base}  (registry: fixtures/site/sources.yaml, base_url={base})", flush=True)
        with suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
