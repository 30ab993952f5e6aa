"""A tiny real SMTP server on 127.0.0.1 that keeps what it receives (for the e-mail test).

The stdlib ``smtpd`` is gone in Python 3.12 and aiosmtpd is not a dependency, so this
speaks the few SMTP verbs ``smtplib`` uses (EHLO/HELO, MAIL, RCPT, DATA, QUIT, NOOP, RSET).
With ``offer_auth`` it also offers ``AUTH PLAIN`` (and no STARTTLS), like a server whose
STARTTLS a network attacker has stripped, and keeps the credentials it is sent.
"""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes


@dataclass
class Sink:
    host: str
    port: int
    messages: list[Received] = field(default_factory=list)
    offer_auth: bool = False
    auth: list[str] = field(default_factory=list)


class _Handler(socketserver.StreamRequestHandler):
    sink: Sink

    def _say(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self) -> None:
        self._say("220 localhost sink ready")
        sender, rcpts = "", []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode(errors="replace").strip()
            verb = line.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self._say("250-localhost")
                if self.sink.offer_auth:
                    self._say("250-AUTH PLAIN")
                self._say("250 8BITMIME")
            elif verb == "AUTH" and self.sink.offer_auth:
                self.sink.auth.append(line)
                self._say("235 2.7.0 Authentication successful")
            elif verb == "HELO":
                self._say("250 localhost")
            elif verb == "MAIL":
                sender, rcpts = line.split(":", 1)[1].strip().strip("<>").split(">")[0], []
                self._say("250 OK")
            elif verb == "RCPT":
                rcpts.append(line.split(":", 1)[1].strip().strip("<>"))
                self._say("250 OK")
            elif verb == "DATA":
                self._say("354 end with <CRLF>.<CRLF>")
                chunks = []
                while True:
                    data_line = self.rfile.readline()
                    if data_line in (b".\r\n", b".\n", b""):
                        break
                    chunks.append(data_line[1:] if data_line.startswith(b"..") else data_line)
                self.sink.messages.append(Received(sender, rcpts, b"".join(chunks)))
                self._say("250 queued")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            elif verb in ("NOOP", "RSET"):
                self._say("250 OK")
            else:
                self._say("502 not implemented")


@contextmanager
def smtp_sink(*, offer_auth: bool = False) -> Iterator[Sink]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    sink = Sink("127.0.0.1", server.server_address[1], offer_auth=offer_auth)
    _Handler.sink = sink
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield sink
    finally:
        server.shutdown()
        server.server_close()
