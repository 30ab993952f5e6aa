"""Stable identifiers: canonical URLs, document ids and author pseudonyms.

A document's id is a hash of its canonical URL (or of platform + post id for social
posts), so re-running a day writes the same ids again and the index never holds two
copies of one article. Individual authors are replaced at ingestion by a salted hash:
the product scores content, never people.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tinradar.settings import DEV_AUTHOR_SALT, Settings
from tinradar.text import nfc

#: Query parameters that only track a click and never change the page.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "zarsrc",
        "zacc",
        "gidzl",
        "ref",
        "ref_src",
        "refsrc",
        "source",
        "src",
        "from",
        "vn_source",
        "vn_medium",
        "vn_campaign",
        "vn_term",
        "vn_content",
        "s_cid",
        "_ga",
        "amp",
        "outputType",
        "utm_id",
        "cmpid",
        "share",
        "fb_source",
        "fb_ref",
        "__tn__",
    }
)
_TRACKING_PREFIXES = ("utm_", "vn_", "pk_", "mtm_", "hsa_")
_MOBILE_HOST = re.compile(r"^(?:m|mobile|amp|www)\.(?=[^.]+\.)")
_AMP_PATH = re.compile(r"(?:/amp)(?=/|$)|\.amp(?=\.html?$|$)")


def canonical_url(url: str) -> str:
    """Canonicalise a URL for de-duplication.

    Lower-cases scheme and host, drops ``www.``/``m.``/``amp.`` host prefixes, AMP path
    variants, tracking parameters, fragments, default ports and trailing slashes, and
    sorts the remaining query so that parameter order does not matter. The scheme is
    folded to https so that http/https twins meet.
    """
    url = nfc(url).strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower() or "https"
    if scheme == "http":
        scheme = "https"
    host = (parts.hostname or "").lower().rstrip(".")
    while True:
        shorter = _MOBILE_HOST.sub("", host)
        if shorter == host:
            break
        host = shorter
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    path = _AMP_PATH.sub("", parts.path) or "/"
    path = re.sub(r"/{2,}", "/", path)
    if len(path) > 1:
        path = path.rstrip("/")
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k not in TRACKING_PARAMS and not k.lower().startswith(_TRACKING_PREFIXES)
    ]
    query.sort()
    return urlunsplit((scheme, host, path, urlencode(query), ""))


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def safe_url(value: object) -> str | None:
    """The link if it may become an ``href``: http(s) with a host; None for anything else.

    Crawled pages and export files say what they like (``javascript:``, ``data:``,
    ``vbscript:``); every place that renders a crawled link as a link (the review desk, the
    daily report) passes it through this one rule.
    """
    if not isinstance(value, str):
        return None
    value = value.strip()
    parts = urlsplit(value)
    return value if parts.scheme in ("http", "https") and parts.netloc else None


def news_id(url: str) -> str:
    """Document id of a web page: a hash of its canonical URL."""
    return _digest("url", canonical_url(url))


def social_id(platform: str, post_id: str) -> str:
    """Document id of a social post: a hash of platform + the platform's post id."""
    return _digest("post", platform.strip().lower(), str(post_id).strip())


class UnsafeSalt(ValueError):
    """The author salt is the public development default: pseudonyms made with it are reversible."""

    def __init__(self) -> None:
        super().__init__(
            "TINRADAR_AUTHOR_SALT vẫn là giá trị mặc định công khai: ai có danh sách tên người dùng cũng "
            "tính lại được bút danh và nhận ra tác giả. Không thu thập/nhập nguồn mạng xã hội với nó "
            "(the default author salt is public; refusing to pseudonymise social authors with it). "
            "Đặt một chuỗi bí mật: export TINRADAR_AUTHOR_SALT=\"$(python -c 'import secrets; "
            "print(secrets.token_urlsafe(32))')\" (đổi khóa: docs/crawlers.md)."
        )


def require_author_salt(settings: Settings) -> str:
    """The deployment's author salt; ``UnsafeSalt`` while it is the public default.

    Social sources are crawled or imported only with a salt of one's own: with the default
    (it is in the source code) anyone who can read the index, Kibana or an export hashes
    a forum's user names and re-identifies every ``author_hash``.
    """
    salt = settings.author_salt.get_secret_value()
    if salt == DEV_AUTHOR_SALT:
        raise UnsafeSalt()
    return salt


def pseudonymize(name: str, salt: str, platform: str = "") -> str:
    """Salted, keyed hash of an individual author's handle.

    HMAC-SHA256 with a deployment secret: the same person gets the same pseudonym
    within one deployment (so repeats can be grouped) but the name cannot be recovered
    or matched across deployments with a dictionary of handles. The public default salt
    is refused (``UnsafeSalt``): every path that pseudonymises passes here.
    """
    if not salt:
        raise ValueError("an author salt is required to pseudonymise authors")
    if salt == DEV_AUTHOR_SALT:
        raise UnsafeSalt()
    key = salt.encode("utf-8")
    msg = f"{platform.strip().lower()}\x1f{nfc(name).strip().lower()}".encode()
    return "u_" + hmac.new(key, msg, hashlib.sha256).hexdigest()[:24]
