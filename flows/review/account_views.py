"""Login, logout and (for admins) account management pages."""

from __future__ import annotations

import math

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from flows.review import events, sessions
from flows.review.deps import current_user, render, require_admin
from flows.review.security import safe_next, start_session
from flows.review.users import AccountAction, Role, User, UserError

router = APIRouter()


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, next: str = "/", expired: str = "", out: str = "") -> HTMLResponse:
    message = "Phiên làm việc đã hết hạn, vui lòng đăng nhập lại." if expired else None
    # after "Đăng xuất" the bare login form left the reviewer wondering whether it worked
    notice = "Bạn đã đăng xuất (trên mọi máy đang dùng tài khoản này)." if out and not expired else None
    return render(request, "login.html", {"next": safe_next(next), "error": message, "notice": notice, "name": ""})


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, username: str = Form(""), password: str = Form(""), next: str = Form("/")) -> Response:
    """Check the password (argon2, in the thread pool) and start a fresh session.

    Too many recent failures for this name, from this address or for this account get
    429 without a password check (``flows.review.throttle``)."""
    name = username.strip()
    target = safe_next(next)
    now = request.app.state.clock()
    address = request.client.host if request.client else "?"
    throttle = request.app.state.login_throttle
    users = request.app.state.users
    wait = throttle.attempt(address, name, now)  # counted before the (slow) password check
    if wait > 0:
        events.login_throttled(_tried(request, name), address, wait)
        minutes = math.ceil(wait / 60)
        message = f"Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {minutes} phút."
        response = render(request, "login.html", {"next": target, "error": message, "name": name}, status_code=429)
        response.headers["Retry-After"] = str(math.ceil(wait))
        return response
    user = users.authenticate(name, password) if name and password else None
    if user is None:
        events.login_failed(_tried(request, name), address)
        context = {"next": target, "error": "Sai tên đăng nhập hoặc mật khẩu.", "name": name}
        return render(request, "login.html", context, status_code=401)
    throttle.succeeded(address, name, now)
    events.login_ok(user.name, address)
    start_session(request.session, user.name, now)
    sessions.stamp(request.session, user)
    return RedirectResponse(target, status_code=303)


def _tried(request: Request, name: str) -> str:
    """The typed name as the log may show it (``events.tried_name``: an account, or a hash)."""
    known = request.app.state.users.get(name) if name else None
    return events.tried_name(name, known.name if known else None, request.app.state.settings)


@router.post("/logout")
def logout(request: Request) -> RedirectResponse:
    """End this account's sessions everywhere (a copied cookie too), then this one."""
    name = request.session.get("user")
    if name:
        request.app.state.users.end_sessions(name)
    request.session.clear()
    return RedirectResponse("/login?out=1" if name else "/login", status_code=303)


@router.get("/admin/users", response_class=HTMLResponse)
async def users_page(request: Request, admin: User = Depends(require_admin)) -> HTMLResponse:
    return render(request, "users.html", {"accounts": request.app.state.users.list(), "roles": list(Role)})


@router.post("/admin/users")
def users_action(
    request: Request,
    admin: User = Depends(require_admin),
    action: str = Form(""),
    name: str = Form(""),
    password: str = Form(""),
    role: str = Form("reviewer"),
) -> Response:
    store = request.app.state.users
    state = request.app.state

    def record(
        change: AccountAction, account: User
    ) -> None:  # in the audit index first: AuditWriteError stops the change
        events.account_change(
            state.client, state.settings, action=change, account=account.name, role=account.role.value, by=admin.name
        )

    try:
        if action == "add":
            if role not in {r.value for r in Role}:
                raise UserError("Vai trò không hợp lệ.")
            store.add(name, password, role, record=record)
            request.session["flash"] = f"Đã tạo tài khoản {store.normalise_name(name)}."
        elif action == "remove":
            if store.key(name) == current_user(request).name:
                raise UserError("Không thể tự xóa tài khoản đang đăng nhập.")
            removed = store.remove(name, record=record)
            request.session["flash"] = f"Đã xóa tài khoản {name}." if removed else f"Không có tài khoản {name}."
        else:
            raise UserError("Thao tác không hợp lệ.")
    except UserError as exc:
        context = {"accounts": store.list(), "roles": list(Role), "error": str(exc)}
        return render(request, "users.html", context, status_code=400)
    return RedirectResponse("/admin/users", status_code=303)
