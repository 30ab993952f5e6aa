"""The review desk's application factory.

``create_app(settings)`` builds a FastAPI app with server-rendered Jinja2 pages (autoescape
on), the session/CSRF/security-header layers, and the routes of ``views`` and
``account_views``. Everything it needs (settings, Elasticsearch client, account store,
clock) hangs on ``app.state`` so tests can build an app against a real node and a
temporary data dir, and a test can move the clock to check session expiry.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path

import jinja2
from elasticsearch import ApiError, Elasticsearch, TransportError
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from flows.review import account_views, claim_views, presentation, views
from flows.review.deploy import check_secret
from flows.review.deps import Forbidden, LoginRequired, gate, known_user, render
from flows.review.security import CSRFMiddleware, SecurityHeadersMiddleware
from flows.review.throttle import LoginThrottle
from flows.review.users import UserStore
from index.audit_chain import AuditWriteError
from index.client import UNREACHABLE
from nlp.claims import Claim, load_claims
from tinradar.settings import Settings

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "tinradar_review"


@dataclass
class ClaimsCache:
    """Known claims by id: the registry index (re-read at most every ``ttl`` seconds, so a claim
    approved on the desk shows at once on the next page after that), else ``nlp/claims.yaml``."""

    path: Path
    registry: Callable[[], dict[str, Claim]] | None = None
    ttl: float = 30.0
    mtime: float = -1.0
    read_at: float = -1e9
    claims: dict[str, Claim] = field(default_factory=dict)

    def get(self) -> dict[str, Claim]:
        if self.registry is not None and time.monotonic() - self.read_at < self.ttl and self.claims:
            return self.claims
        if self.registry is not None:
            try:
                found = self.registry()
            except (ApiError, TransportError):  # down, or stalled (ConnectionTimeout): the file's claims
                found = {}
            if found:
                self.claims, self.read_at, self.mtime = found, time.monotonic(), -1.0
                return self.claims
        try:
            mtime = self.path.stat().st_mtime
        except OSError:
            return {}
        if mtime != self.mtime:
            self.claims = {c.id: c for c in load_claims(self.path)}
            self.mtime = mtime
        return self.claims


def _connect(settings: Settings) -> Elasticsearch:
    """Client without a ping: the app starts even while the cluster is down and says so per page."""
    from index.client import connect

    return connect(settings, check=False)


def create_app(
    settings: Settings,
    *,
    client: Elasticsearch | None = None,
    users: UserStore | None = None,
    clock: Callable[[], float] = time.time,
    dev: bool = False,
) -> FastAPI:
    """Build the review desk for these settings (``dev``: allow the development secret)."""
    check_secret(settings, dev=dev)
    app = FastAPI(
        title="TinRadar — Bàn duyệt tin",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(gate)],
    )
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    presentation.install(env, settings.tz, settings.sources_file)
    app.state.settings = settings
    app.state.templates = Jinja2Templates(env=env)
    app.state.client = client if client is not None else _connect(settings)
    app.state.users = users or UserStore.for_settings(settings)
    app.state.clock = clock
    app.state.login_throttle = LoginThrottle(
        settings.review_login_failures,
        settings.review_login_failures_per_address,
        settings.review_login_window_minutes * 60,
        max_per_account=settings.review_login_failures_per_account,
    )

    def registry() -> dict[str, Claim]:
        from index.claims import all_claims

        return {r.id: r.claim for r in all_claims(app.state.client, settings)}

    app.state.claims = ClaimsCache(settings.claims_file, registry)

    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(account_views.router)
    app.include_router(views.router)
    app.include_router(claim_views.router)

    # Outermost last: headers ← session ← CSRF ← app (CSRF needs the session in scope).
    app.add_middleware(CSRFMiddleware)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.review_secret.get_secret_value(),
        session_cookie=SESSION_COOKIE,
        max_age=settings.review_session_minutes * 60,
        same_site="lax",
        https_only=settings.review_cookie_secure,
    )
    app.add_middleware(SecurityHeadersMiddleware)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> RedirectResponse:
        from urllib.parse import urlencode

        query = {"next": exc.next_path}
        if exc.expired:
            query["expired"] = "1"
        return RedirectResponse(f"/login?{urlencode(query)}", status_code=303)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> HTMLResponse:
        return render(request, "message.html", {"title": "Không có quyền", "message": exc.message}, 403)

    def unavailable(title: str, message: str) -> Callable[[Request, Exception], Awaitable[HTMLResponse]]:
        async def handler(request: Request, exc: Exception) -> HTMLResponse:
            return render(request, "message.html", {"title": title, "message": message}, 503)

        return handler

    audit_down = (
        "Không ghi được nhật ký kiểm tra, nên thao tác này chưa được lưu (mọi kết luận phải có bản ghi). "
        "Hãy thử lại sau ít phút hoặc báo cho quản trị viên."
    )
    es_down = (
        "Không kết nối được Elasticsearch. Hãy kiểm tra máy chủ tìm kiếm đang chạy "
        "(lệnh: tinradar es start) và cấu hình TINRADAR_ES_URL, rồi tải lại trang."
    )
    app.add_exception_handler(AuditWriteError, unavailable("Chưa lưu", audit_down))
    for unreachable in UNREACHABLE:  # down or stalled
        app.add_exception_handler(unreachable, unavailable("Mất kết nối dữ liệu", es_down))

    @app.exception_handler(ApiError)
    async def _es_error(request: Request, exc: ApiError) -> HTMLResponse:
        message = f"Elasticsearch trả lỗi ({exc.meta.status}). Hãy báo cho quản trị viên."
        return render(request, "message.html", {"title": "Lỗi dữ liệu", "message": message}, 502)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> HTMLResponse:
        titles = {404: "Không tìm thấy", 405: "Không mở trực tiếp được"}
        title = titles.get(exc.status_code, "Lỗi")
        messages = {
            404: "Trang hoặc mục này không tồn tại (có thể đã bị xóa).",
            # typically the address bar after a form came back with an error (/item/x/decide)
            405: "Địa chỉ này chỉ nhận biểu mẫu gửi từ trang (ví dụ nút «Lưu kết luận»), không mở trực tiếp "
            "được. Hãy quay lại trang trước rồi thử lại.",
        }
        message = messages.get(exc.status_code, str(exc.detail))
        if message == HTTPStatus(exc.status_code).phrase:  # Starlette's English default ("Bad Request")
            message = f"Yêu cầu không thực hiện được (mã {exc.status_code}). Hãy quay lại trang trước rồi thử lại."
        known_user(request)  # the usual header for a logged-in user, even where no route (and no gate) ran
        return render(request, "message.html", {"title": title, "message": message}, exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> HTMLResponse:
        """A bug must not show "Internal Server Error" (English, no way forward); the traceback
        still goes to the server's log (Starlette re-raises after this page is sent)."""
        message = (
            "Có lỗi bất ngờ trong chương trình. Hãy tải lại trang để xem thao tác đã được lưu chưa; "
            "nếu lỗi lặp lại, hãy báo cho quản trị viên (kèm thời điểm xảy ra)."
        )
        try:
            return render(request, "message.html", {"title": "Lỗi chương trình", "message": message}, 500)
        except Exception:  # the page itself failed: a bare page, still in Vietnamese
            return HTMLResponse(f'<!doctype html><html lang="vi"><meta charset="utf-8"><p>{message}</p>', 500)

    @app.get("/healthz", include_in_schema=False)
    async def _health() -> dict[str, str]:
        return {"status": "ok"}

    return app
