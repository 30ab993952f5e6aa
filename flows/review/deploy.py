"""What the review desk insists on before it serves anyone.

The session cookie is signed with ``TINRADAR_REVIEW_SECRET``; whoever knows the secret can
sign a session for any account, admin included. The development default is printed in
the source code, so it protects nothing, and a short secret can be guessed offline from
one cookie. Both are therefore refused, wherever the desk listens: a forgotten secret on
``127.0.0.1`` behind an HTTPS proxy is as open as one on ``0.0.0.0``. Only the explicit
development flag (``tinradar review serve --dev``, ``create_app(dev=True)``) may use
them, and only on loopback without a proxy, where nobody else can reach the desk.
"""

from __future__ import annotations

from tinradar.settings import DEV_REVIEW_SECRET, Settings

#: A secret shorter than this is refused (``secrets.token_urlsafe(48)`` gives 64).
MIN_SECRET_BYTES = 32
LOOPBACK = ("127.0.0.1", "localhost", "::1")
SECRET_HINT = (
    "Đặt TINRADAR_REVIEW_SECRET thành một chuỗi ngẫu nhiên dài, ví dụ: "
    "export TINRADAR_REVIEW_SECRET=\"$(python -c 'import secrets; print(secrets.token_urlsafe(48))')\" "
    "(chỉ khi thử trên máy mình: tinradar review serve --dev)."
)


class UnsafeDeployment(ValueError):
    """The desk would be unsafe to serve like this; ``hint`` says what to set."""

    def __init__(self, message: str, hint: str = SECRET_HINT) -> None:
        super().__init__(message)
        self.hint = hint


def secret_problem(settings: Settings) -> str | None:
    """Why the session secret is unfit for a desk others can reach (None: it is fine)."""
    secret = settings.review_secret.get_secret_value()
    if secret == DEV_REVIEW_SECRET:
        return "TINRADAR_REVIEW_SECRET vẫn là giá trị mặc định công khai: ai cũng ký được phiên quản trị."
    if len(secret.encode("utf-8")) < MIN_SECRET_BYTES:
        return f"TINRADAR_REVIEW_SECRET quá ngắn (dưới {MIN_SECRET_BYTES} byte): có thể bị dò ra từ một cookie."
    return None


def check_secret(settings: Settings, *, dev: bool = False) -> None:
    """Raise ``UnsafeDeployment`` for a weak secret unless this is explicit development use."""
    problem = secret_problem(settings)
    if problem and not dev:
        raise UnsafeDeployment(problem)


def check_serve(settings: Settings, *, host: str, proxy: bool, dev: bool) -> None:
    """The checks of ``tinradar review serve``: the development flag only where nobody else can reach."""
    if dev and (proxy or host not in LOOPBACK):
        raise UnsafeDeployment(
            "--dev (khóa phiên mặc định) chỉ dùng được trên 127.0.0.1 và không kèm --proxy.",
            hint="Bỏ --dev và đặt TINRADAR_REVIEW_SECRET cho máy chủ thật.",
        )
    check_secret(settings, dev=dev)


def for_serving(settings: Settings, *, proxy: bool) -> Settings:
    """The settings the desk serves with: behind the TLS proxy (``--proxy``) the cookie is always ``Secure``.

    Otherwise a browser would also send it on a plain ``http://`` request to the same host.
    """
    return settings.model_copy(update={"review_cookie_secure": True}) if proxy else settings
