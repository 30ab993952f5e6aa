"""Article extraction: bytes of one page → title, body, date, lead, canonical URL.

trafilatura does the body; we add what it misses on Vietnamese outlets: the minute of
publication (visible date lines and ``article:published_time``), the lead paragraph
(sapo) it tends to drop, the visible ``<h1>`` instead of an SEO ``<title>``, charsets that
are only declared in a meta tag or are windows-1258, NFD text, and per-site CSS/XPath
overrides from the registry. Failures are ``ExtractionError`` with a named reason that
the spider counts as a skip.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from html import unescape
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import lxml.html
import trafilatura
from lxml import etree
from lxml.cssselect import CSSSelector

from crawlers.dates import parse_date
from crawlers.registry import Selectors, Source
from tinradar.ids import canonical_url, news_id
from tinradar.schema import Document, Kind, utc_now
from tinradar.text import clean_text, fold, nfc

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.I)
_CHARSET_ALIASES = {
    "windows-1258": "cp1258",
    "x-cp1258": "cp1258",
    "utf8": "utf-8",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
}
_DATE_META = (
    "//meta[@property='article:published_time']/@content",
    "//meta[@itemprop='datePublished']/@content",
    "//meta[@name='pubdate']/@content",
    "//meta[@name='publishdate']/@content",
    "//meta[@name='article:published_time']/@content",
    "//meta[@itemprop='dateCreated']/@content",
    "//meta[@name='dc.date.issued']/@content",
    "//time[@datetime][contains(@class,'published') or @itemprop='datePublished' or @pubdate]/@datetime",
)
#: Visible date lines of Vietnamese outlets (and of the fixture layouts).
_DATE_CSS = (
    "span.date, .date-line, .detail-time, .publication_date, div.block_timer, .pdate, time.article__time, "
    ".post-date, .date-time, .time-post, .news-date, .article-date, .ngay-dang, .entry-date, .datetime"
)
_LEAD_CSS = (
    "p.description, h2.sapo, .sapo, .detail-sapo, .article__sapo, .chapeau, h2.ms-rteElement-H2, .lead, .summary"
)
_MIN_BODY_CHARS = 80


class ExtractionError(Exception):
    """A page that yields no document; ``reason`` names the skip for the crawl summary."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass
class Extracted:
    """What one page says, before it becomes a ``Document``."""

    url: str
    title: str
    text: str
    published_at: datetime | None
    lead: str = ""
    byline: str | None = None
    encoding: str = "utf-8"


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode page bytes: HTTP header charset, then BOM, then meta tag, then UTF-8.

    For bytes nobody decoded yet (``tinradar extract`` on a file or URL, or a page served
    under a binary type); a crawl hands extraction the text Scrapy already decoded.

    Returns (text in NFC, encoding used). windows-1258 writes tone marks as combining
    characters, so the NFC step is what turns its output into ordinary Vietnamese.
    """
    candidates: list[str] = []
    if content_type:
        match = _HEADER_CHARSET.search(content_type)
        if match:
            candidates.append(match.group(1))
    if body.startswith(b"\xef\xbb\xbf"):
        candidates.insert(0, "utf-8-sig")
    meta = _META_CHARSET.search(body[:4096])
    if meta:
        candidates.append(meta.group(1).decode("ascii", "ignore"))
    candidates += ["utf-8", "cp1258"]
    for name in candidates:
        codec = _CHARSET_ALIASES.get(name.lower(), name.lower())
        try:
            return nfc(body.decode(codec)), codec
        except (LookupError, UnicodeDecodeError):
            continue
    return nfc(body.decode("utf-8", errors="replace")), "utf-8"


@cache
def _compiled(selector: str) -> etree.XPath:
    """A selector compiled once per process: translating CSS to XPath on every page was a
    tenth of a crawl's time (``bench/crawl.py``)."""
    return etree.XPath(selector) if selector.startswith(("/", "(")) else CSSSelector(selector, translator="html")


def _select(tree: lxml.html.HtmlElement, selector: str) -> list:
    return _compiled(selector)(tree)


def _text_of(node: object) -> str:
    if isinstance(node, str):
        return clean_text(node)
    return clean_text(node.text_content()) if hasattr(node, "text_content") else ""


def _first_text(tree: lxml.html.HtmlElement, selector: str | None) -> str:
    if not selector:
        return ""
    for node in _select(tree, selector):
        text = _text_of(node)
        if text:
            return text
    return ""


def _block_text(tree: lxml.html.HtmlElement, selector: str) -> str:
    """Body from an override selector: paragraph-like children, one per line."""
    parts: list[str] = []
    for node in _select(tree, selector):
        if isinstance(node, str):
            parts.append(clean_text(node))
            continue
        for bad in node.xpath(".//script|.//style|.//figure//figcaption/..//img"):
            bad.drop_tree() if bad.getparent() is not None else None
        blocks = node.xpath(".//p|.//h2|.//h3|.//li|.//blockquote")
        texts = [clean_text(b.text_content()) for b in blocks] if blocks else [clean_text(node.text_content())]
        parts.extend(t for t in texts if t)
    return "\n".join(parts)


def _title(tree: lxml.html.HtmlElement, sel: Selectors | None, fallback: str | None) -> str:
    override = _first_text(tree, sel.title if sel else None)
    if override:
        return override
    for h1 in tree.xpath("//h1"):
        text = clean_text(h1.text_content())
        if len(text.split()) >= 3:
            return text
    og = tree.xpath("//meta[@property='og:title']/@content")
    if og and clean_text(og[0]):
        return clean_text(og[0])
    title = clean_text(fallback or "")
    return re.split(r"\s+[-|–]\s+(?=[^-|–]*$)", title)[0] if title else ""


def _json_ld_date(tree: lxml.html.HtmlElement) -> str | None:
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict) and isinstance(item.get("datePublished"), str):
                return item["datePublished"]
    return None


def _has_time(value: str) -> bool:
    return bool(re.search(r"\d{1,2}\s*(?::|h)\s*\d{2}", value))


def _published(
    tree: lxml.html.HtmlElement, sel: Selectors | None, fallback: str | None, tz: ZoneInfo
) -> datetime | None:
    """Override, then a visible date line with a time, then meta tags, then trafilatura's day.

    Visible lines win over meta tags because outlets' meta dates are sometimes the
    creation time of a draft; a visible line without a time loses to a meta tag with one.
    """
    if sel and sel.date:
        value = parse_date(_first_text(tree, sel.date), tz=tz)
        if value:
            return value
    day_only: datetime | None = None
    for node in _select(tree, _DATE_CSS)[:6]:
        text = _text_of(node)
        value = parse_date(text, tz=tz) if text else None
        if value and _has_time(text):
            return value
        day_only = day_only or value
    metas = [m for xp in _DATE_META for m in tree.xpath(xp)]
    ld = _json_ld_date(tree)
    for raw in [*metas, *([ld] if ld else [])]:
        value = parse_date(raw, tz=tz)
        if value and _has_time(raw):
            return value
    for meta in tree.xpath("//meta[@itemprop='datePublished']"):
        parent = meta.getparent()
        text = _text_of(parent) if parent is not None else ""
        if _has_time(text) and parse_date(text, tz=tz):
            return parse_date(text, tz=tz)
    for raw in [*metas, fallback]:
        value = parse_date(raw, tz=tz) if raw else None
        if value:
            return day_only or value
    return day_only


def _lead(tree: lxml.html.HtmlElement, sel: Selectors | None) -> str:
    lead = unescape(_first_text(tree, sel.lead if sel and sel.lead else _LEAD_CSS))
    if lead:
        return clean_text(lead)
    for xp in ("//meta[@property='og:description']/@content", "//meta[@name='description']/@content"):
        values = tree.xpath(xp)
        if values and clean_text(values[0]):
            return clean_text(unescape(values[0]))
    return ""


def _with_lead(text: str, lead: str) -> str:
    """The lead first, as a reader sees it: prepended when the body lacks it (trafilatura
    often drops the sapo), moved up when trafilatura put it after the body (short pages)."""
    if not lead:
        return text
    folded_lead = fold(lead)
    probe = folded_lead[:50]
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if fold(line).startswith(probe):
            return text if i == 0 else "\n".join([line, *lines[:i], *lines[i + 1 :]])
    if probe in fold(text)[: len(folded_lead) + 500]:  # inside the opening paragraph
        return text
    return f"{lead}\n{text}" if text else lead


def _canonical(tree: lxml.html.HtmlElement, url: str) -> str:
    for href in tree.xpath("//link[@rel='canonical']/@href"):
        href = href.strip()
        if href:
            absolute = urljoin(url, href)
            if absolute.startswith(("http://", "https://")):
                return canonical_url(absolute)
    return canonical_url(url)


def extract_article(
    body: bytes | str,
    url: str,
    *,
    selectors: Selectors | None = None,
    content_type: str | None = None,
    max_bytes: int | None = None,
    tz: ZoneInfo,
) -> Extracted:
    """Extract one article page. Raises ``ExtractionError`` (too_large, unparseable, no_body).

    ``tz`` is the board's zone (``Settings.tz``), for dates printed without an offset.
    """
    size = len(body)
    if max_bytes and size > max_bytes:
        raise ExtractionError("too_large", f"{size} bytes > {max_bytes}")
    if isinstance(body, bytes):
        html, encoding = decode_html(body, content_type)
    else:
        html, encoding = nfc(body), "utf-8"
    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)
    if not html.strip():
        raise ExtractionError("empty_page")
    try:
        tree = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractionError("unparseable", str(exc)) from exc
    result = trafilatura.bare_extraction(copy.deepcopy(tree), url=url, with_metadata=True, include_comments=False)
    # Some CMSs double-escape entities ("&amp;nbsp;"), which leaves "&nbsp;" in the text.
    t_text = clean_text(unescape(unescape(getattr(result, "text", "") or ""))) if result is not None else ""
    t_title = getattr(result, "title", None) if result is not None else None
    t_date = getattr(result, "date", None) if result is not None else None
    t_author = getattr(result, "author", None) if result is not None else None
    text = _block_text(tree, selectors.body) if selectors and selectors.body else ""
    text = text or t_text
    lead = _lead(tree, selectors)
    text = _with_lead(text, lead)
    if len(text) < _MIN_BODY_CHARS:
        raise ExtractionError("no_body", f"{len(text)} characters of text")
    byline = _first_text(tree, selectors.author if selectors else None) or t_author
    return Extracted(
        url=_canonical(tree, url),
        title=_title(tree, selectors, t_title),
        text=text,
        published_at=_published(tree, selectors, t_date, tz),
        lead=lead,
        byline=clean_text(byline) or None,
        encoding=encoding,
    )


def to_document(extracted: Extracted, source: Source | None, *, fetched_at: datetime | None = None) -> Document:
    """A news ``Document`` for an extracted page; the outlet's public name is the author."""
    return Document(
        id=news_id(extracted.url),
        url=extracted.url,
        source_id=source.id if source else "adhoc",
        kind=source.kind if source else Kind.NEWS,
        platform=source.platform if source else "web",
        title=extracted.title,
        text=extracted.text,
        published_at=extracted.published_at,
        fetched_at=fetched_at or utc_now(),
        language=source.language if source else "vi",
        author=source.name if source else None,
        province_code=source.province_code if source else None,
        district_code=source.district_code if source else None,
    )


def extract_document(
    body: bytes | str,
    url: str,
    *,
    source: Source | None = None,
    content_type: str | None = None,
    max_bytes: int | None = None,
    fetched_at: datetime | None = None,
    tz: ZoneInfo,
) -> Document:
    """Extract a page straight into a ``Document`` (used by ``tinradar extract``)."""
    extracted = extract_article(
        body,
        url,
        selectors=source.selectors if source else None,
        content_type=content_type,
        max_bytes=max_bytes,
        tz=tz,
    )
    return to_document(extracted, source, fetched_at=fetched_at)
