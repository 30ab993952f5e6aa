"""Sessions, CSRF and security headers for the review desk.

* The session is a signed cookie (Starlette's ``SessionMiddleware``, itsdangerous,
  ``settings.review_secret``): HttpOnly, SameSite=Lax, Secure when
  ``settings.review_cookie_secure``. It stores the user name, the login time and a
  per-session CSRF token; a session older than ``review_session_minutes`` is dropped.
* Every POST, whatever its route, passes ``CSRFMiddleware`` first: the form's
  ``csrf_token`` (or an ``X-CSRF-Token`` header) must equal the session's token. Doing it
  in one ASGI layer means a new form cannot forget the check.
* Pages carry a strict Content-Security-Policy: the desk needs no JavaScript at all, so
  ``script-src 'none'`` is a second wall behind Jinja2's autoescaping against crawled
  text that contains markup.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.datastructures import MutableHeaders
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_FIELD = "csrf_token"
CSRF_HEADER = b"x-csrf-token"
MAX_FORM_BYTES = 1_000_000

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; script-src 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cache-control": "no-store",
}

#: The 403 page's template (the desk's look, in words a reviewer acts on), and the bare page used only
#: when the app's templates cannot be reached (the middleware mounted without ``create_app``).
CSRF_TEMPLATE = "csrf_refused.html"
_CSRF_FALLBACK = """<!doctype html><html lang="vi"><head><meta charset="utf-8">
<title>Biểu mẫu đã hết hạn</title><link rel="stylesheet" href="/static/style.css"></head>
<body><main class="narrow"><h1>Chưa gửi được: biểu mẫu đã hết hạn</h1>
<p>Thao tác vừa rồi chưa được thực hiện. Hãy mở lại trang, đăng nhập lại nếu được hỏi, rồi gửi lại.</p>
<p><a href="/">Về hàng đợi</a></p>
<p><small>Chi tiết kỹ thuật: thiếu mã bảo vệ biểu mẫu (CSRF) hoặc mã không khớp — mã lỗi 403.</small></p>
</main></body></html>"""


def csrf_token(session: dict[str, Any]) -> str:
    """The session's CSRF token, created on first use."""
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def start_session(session: dict[str, Any], user: str, now: float) -> None:
    """Fresh session on login: drops anything set before (no session fixation), new token."""
    session.clear()
    session["user"] = user
    session["login_at"] = now
    session["csrf"] = secrets.token_urlsafe(32)


def session_expired(session: dict[str, Any], now: float, minutes: int) -> bool:
    login_at = session.get("login_at")
    return not isinstance(login_at, int | float) or now - login_at > minutes * 60 or now < login_at - 60


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths are followed after login or a decision (no open redirects)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def _back_path(scope: Scope) -> str:
    """The page the refused form was on (its ``Referer``, a path of this host only), else the queue."""
    headers = dict(scope.get("headers") or [])
    referer = headers.get(b"referer", b"").decode("latin-1")
    parts = urlsplit(referer)
    if not parts.path or parts.netloc != headers.get(b"host", b"").decode("latin-1"):
        return "/"
    return safe_next(parts.path + (f"?{parts.query}" if parts.query else ""))


def csrf_refused_page(scope: Scope) -> str:
    """The 403 page for a missing or stale form token: what happened and what to do, in the desk's
    look. It reads nothing of the session (it may be gone: that is often why the token is stale)."""
    app = scope.get("app")
    templates = getattr(getattr(app, "state", None), "templates", None)
    if templates is None:
        return _CSRF_FALLBACK
    context = {"user": None, "flash": None, "csrf_token": "", "back": _back_path(scope)}
    page: str = templates.env.get_template(CSRF_TEMPLATE).render(context)
    return page


class CSRFMiddleware:
    """Reject any POST whose token does not match the session's (runs inside SessionMiddleware)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_FORM_BYTES:
                await HTMLResponse("Biểu mẫu quá lớn.", status_code=413)(scope, receive, send)
                return
        expected = str((scope.get("session") or {}).get("csrf") or "").encode("utf-8")
        given = dict(scope.get("headers") or []).get(CSRF_HEADER, b"")
        if not given:
            ctype = dict(scope.get("headers") or []).get(b"content-type", b"")
            if ctype.startswith(b"application/x-www-form-urlencoded"):
                values = parse_qs(body.decode("utf-8", "replace")).get(CSRF_FIELD, [""])
                given = values[0].encode("utf-8")
        # Bytes, not str: compare_digest raises on non-ASCII str, which made a forged token a 500.
        if not expected or not given or not hmac.compare_digest(expected, given):
            await HTMLResponse(csrf_refused_page(scope), status_code=403)(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class SecurityHeadersMiddleware:
    """Add CSP and friends to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for key, value in SECURITY_HEADERS.items():
                    if key not in headers:
                        headers[key] = value
            await send(message)

        await self.app(scope, receive, send_wrapper)
