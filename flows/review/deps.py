"""What every page of the desk shares: the login gate, the role checks and ``render``.

Its own module so that the pages (``views``, ``account_views``) and the application
factory (``app``) all import it, and none of them imports another.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from flows.review import sessions
from flows.review.security import csrf_token, session_expired
from flows.review.users import User

PUBLIC_PATHS = ("/login", "/healthz")


class LoginRequired(Exception):
    """Raised by the gate; answered with a redirect to the login page."""

    def __init__(self, next_path: str, expired: bool = False) -> None:
        self.next_path = next_path
        self.expired = expired


class Forbidden(Exception):
    """The user is logged in but their role does not allow this."""

    def __init__(self, message: str) -> None:
        self.message = message


def current_user(request: Request) -> User:
    """The logged-in user (the gate has already run)."""
    user: User = request.state.user
    return user


async def gate(request: Request) -> None:
    """Login required on every page except the login page itself; expired sessions end."""
    path = request.url.path
    if path in PUBLIC_PATHS or path.startswith("/static/"):
        return
    here = path + (f"?{request.url.query}" if request.url.query else "") if request.method == "GET" else "/"
    user, expired = _session_user(request)
    if user is None:
        raise LoginRequired(here, expired=expired)
    request.state.user = user


def _session_user(request: Request) -> tuple[User | None, bool]:
    """The session's user, if it still holds one, and whether it has just expired (then cleared)."""
    session = request.session
    name = session.get("user")
    if not name:
        return None, False
    app_state = request.app.state
    if session_expired(session, app_state.clock(), app_state.settings.review_session_minutes):
        session.clear()
        return None, True
    user = app_state.users.get(name)
    if user is None or not sessions.is_current(session, user):  # removed, logged out or reset since
        session.clear()
        return None, False
    return user, False


def known_user(request: Request) -> User | None:
    """The logged-in user for a page no route answered (a 404): the gate never ran there, so the
    page had no header; the same checks as the gate, without sending anyone to the login page."""
    user = getattr(request.state, "user", None)
    if user is None:
        user, _ = _session_user(request)
        request.state.user = user
    return user


def require_decider(request: Request) -> User:
    user = current_user(request)
    if not user.role.can_decide:
        raise Forbidden("Tài khoản của bạn chỉ có quyền xem (phân tích viên), không được ghi quyết định.")
    return user


def require_admin(request: Request) -> User:
    user = current_user(request)
    if not user.role.can_manage:
        raise Forbidden("Chỉ quản trị viên mới quản lý được tài khoản.")
    return user


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    """Render a page with the common context (user, CSRF token, flash message)."""
    ctx = {
        "user": getattr(request.state, "user", None),
        "csrf_token": csrf_token(request.session),
        "flash": request.session.pop("flash", None),
        "settings": request.app.state.settings,
    }
    ctx.update(context or {})
    response: HTMLResponse = request.app.state.templates.TemplateResponse(request, name, ctx, status_code=status_code)
    return response
