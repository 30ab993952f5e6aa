"""Connecting to Elasticsearch, with errors a person can act on and no secrets in them.

``connect`` builds the client from ``Settings.es_client_kwargs()`` (TLS CA certificate,
API key or user/password) and checks the cluster answers. Every failure becomes
``ElasticsearchUnavailable`` whose message names the URL without credentials and says
what to do; API keys and passwords are scrubbed from anything the libraries said.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from elasticsearch import (
    ApiError,
    AuthenticationException,
    AuthorizationException,
    ConnectionTimeout,
    Elasticsearch,
    TransportError,
)
from elasticsearch import (
    ConnectionError as TransportConnectionError,
)

from tinradar.settings import Settings

#: What a request to a node that is down *or* stalled raises: since elasticsearch-py 8 a
#: ``ConnectionTimeout`` is no longer a ``ConnectionError``, so catching the one alone let a
#: stalled node through as a crash. Catch this tuple wherever "Elasticsearch unreachable" is meant.
UNREACHABLE = (TransportConnectionError, ConnectionTimeout)


class ElasticsearchUnavailable(RuntimeError):
    """Elasticsearch cannot be used; ``hint`` says what to do."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


def safe_url(url: str) -> str:
    """The URL without user, password or query string."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid URL>"
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def scrub(text: str, settings: Settings) -> str:
    """Remove every secret the settings hold (and URL credentials) from ``text``."""
    secrets: list[str] = []
    if settings.es_api_key:
        secrets.append(settings.es_api_key.get_secret_value())
    if settings.es_password:
        secrets.append(settings.es_password.get_secret_value())
    parts = urlsplit(settings.es_url) if "://" in settings.es_url else None
    if parts and parts.password:
        secrets.append(parts.password)
    for secret in sorted(filter(None, secrets), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text.replace(settings.es_url, safe_url(settings.es_url))


def connect(settings: Settings, *, check: bool = True) -> Elasticsearch:
    """A client for the configured cluster, checked with a cheap cluster-health call."""
    where = safe_url(settings.es_url)
    if settings.es_ca_certs is not None and not settings.es_ca_certs.is_file():
        raise ElasticsearchUnavailable(
            f"Không thấy chứng chỉ CA / CA certificate not found: {settings.es_ca_certs}",
            hint="Đặt TINRADAR_ES_CA_CERTS là tệp PEM của CA đã ký chứng chỉ của cụm / set TINRADAR_ES_CA_CERTS to the PEM "
            "file of the CA that signed the cluster's certificate.",
        )
    try:
        client = Elasticsearch(**settings.es_client_kwargs())
    except (ValueError, TypeError, OSError) as exc:  # bad URL, unreadable CA file, ...
        raise ElasticsearchUnavailable(
            f"Cấu hình Elasticsearch không dùng được / bad Elasticsearch settings for {where}: {scrub(str(exc), settings)}",
            hint="Kiểm tra TINRADAR_ES_URL và TINRADAR_ES_CA_CERTS / check TINRADAR_ES_URL and TINRADAR_ES_CA_CERTS.",
        ) from None
    if not check:
        return client
    try:
        # Cluster health, not GET / : the integ-test node has no root handler (405), and
        # health also tells us the cluster can take writes.
        client.cluster.health(timeout="10s")
    except AuthorizationException:
        return client  # authenticated but not allowed to monitor: reachable, and that is enough
    except AuthenticationException as exc:
        client.close()
        raise ElasticsearchUnavailable(
            f"Elasticsearch tại {where} từ chối thông tin đăng nhập / rejected the credentials (HTTP {exc.status_code}).",
            hint="Kiểm tra TINRADAR_ES_API_KEY, hoặc TINRADAR_ES_USERNAME và TINRADAR_ES_PASSWORD / check TINRADAR_ES_API_KEY, "
            "or TINRADAR_ES_USERNAME and TINRADAR_ES_PASSWORD.",
        ) from None
    except ApiError as exc:
        client.close()
        raise ElasticsearchUnavailable(
            f"Elasticsearch tại {where} trả lỗi / answered with an error: HTTP {exc.status_code} {scrub(str(exc.message), settings)}",
            hint="Kiểm tra tình trạng cụm và địa chỉ (TINRADAR_ES_URL) / check the cluster's health and the URL (TINRADAR_ES_URL).",
        ) from None
    except TransportError as exc:
        client.close()
        detail = scrub(str(exc), settings)
        tls = "certificate" in detail.lower() or "ssl" in detail.lower() or "tls" in detail.lower()
        hint = (
            "TLS lỗi: đặt TINRADAR_ES_CA_CERTS là chứng chỉ CA (PEM) đã ký chứng chỉ của cụm / TLS failed: set "
            "TINRADAR_ES_CA_CERTS to the CA certificate (PEM) that signed the cluster's certificate."
            if tls
            else "Chạy một nút cục bộ bằng 'tinradar es start', hoặc đặt TINRADAR_ES_URL là một cụm đang chạy / start a "
            "local node with 'tinradar es start', or set TINRADAR_ES_URL to a running cluster."
        )
        raise ElasticsearchUnavailable(
            f"Không kết nối được Elasticsearch / cannot reach Elasticsearch at {where} ({type(exc).__name__}: {detail[:300]}).",
            hint=hint,
        ) from None
    return client


def error_reason(error: object) -> tuple[str | None, str]:
    """(type, reason) of an Elasticsearch error: a bulk item's ``error``, a response body's ``error``
    (a dict with ``caused_by``), a string or an exception. The indexer's failed items and the
    template's conflicts read their reasons through this one function."""
    if isinstance(error, dict):
        kind = error.get("type")
        reason = error.get("reason") or kind or "unknown"
        cause = error.get("caused_by")
        if isinstance(cause, dict) and cause.get("reason"):
            reason = f"{reason}: {cause['reason']}"
        return kind, _short(str(reason))
    return None, _short(str(error))


def _short(reason: str, limit: int = 500) -> str:
    """First part of a reason: Elasticsearch appends a preview of the whole source."""
    reason = reason.split("\n at [Source:")[0]
    return reason if len(reason) <= limit else reason[: limit - 1] + "…"
