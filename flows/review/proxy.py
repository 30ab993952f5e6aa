"""Which forwarded headers the review desk believes, behind an HTTPS reverse proxy.

The login throttle counts by client address, so the address must be one the client
cannot choose. ``X-Forwarded-For`` is written by whoever sends the request: nginx's
``$proxy_add_x_forwarded_for`` keeps what the browser sent and appends the address it saw.
So the desk believes the header only from the configured proxies
(``TINRADAR_REVIEW_TRUSTED_PROXIES``, default 127.0.0.1), and uvicorn then takes the
right-most address that is not a proxy, the one the proxy itself added. Trusting everyone
(``*``) would hand every client a fresh address per request, and is refused.
"""

from __future__ import annotations

from typing import Any

from flows.review.deploy import UnsafeDeployment
from tinradar.settings import Settings


def trusted_proxies(settings: Settings) -> list[str]:
    """The proxies' addresses/networks; ``UnsafeDeployment`` for ``*`` or an empty list."""
    entries = [e.strip() for e in settings.review_trusted_proxies.split(",") if e.strip()]
    if not entries or "*" in entries:
        raise UnsafeDeployment(
            "TINRADAR_REVIEW_TRUSTED_PROXIES phải là địa chỉ của reverse proxy, không được để trống hay '*': "
            "ai cũng tự xưng được địa chỉ khác và vượt giới hạn đăng nhập sai.",
            hint="Ví dụ: TINRADAR_REVIEW_TRUSTED_PROXIES=127.0.0.1 (nginx cùng máy) hoặc 10.0.0.5.",
        )
    return entries


def uvicorn_options(settings: Settings, *, proxy: bool) -> dict[str, Any]:
    """uvicorn's forwarded-header options: believed from the proxies only, and only with ``--proxy``."""
    if not proxy:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": trusted_proxies(settings)}
