"""Article extraction: bytes of one page → title, body, date, lead, canonical URL.

trafilatura does the body; we add what it misses on Vietnamese outlets: the minute of
publication and how precise it is (``crawlers.pubdate``), captions, bylines, sources and
related boxes kept out of the text (``crawlers.body``), the lead paragraph (sapo) it
tends to drop, the visible headline instead of an SEO ``<title>`` (or of an ``<h1>`` that
holds the site's name), charsets that are only declared in a meta tag or are
windows-1258, NFD text, and per-site CSS/XPath overrides from the registry. Failures are
``ExtractionError`` with a named reason that the spider counts as a skip.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from html import unescape
from typing import Any
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import lxml.html
import trafilatura
from lxml import etree
from lxml.cssselect import CSSSelector

from crawlers import body as noise
from crawlers.pubdate import find_published
from crawlers.registry import Selectors, Source
from tinradar.ids import canonical_url, news_id
from tinradar.schema import DatePrecision, Document, Kind, trusted_published, utc_now
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
_LEAD_CSS = (
    "p.description, h2.sapo, .sapo, .detail-sapo, .article__sapo, .chapeau, h2.ms-rteElement-H2, .lead, .summary"
)
#: Elements whose class names a lead, beyond the known ones (any tag but links, lists and headings).
_LEAD_CLASS = (
    "//*[self::p or self::div or self::h2 or self::span][re:test(@class, "
    "'(^|[\\s_-])(sapo|lead|chapeau|summary|intro|teaser|excerpt|tomtat|init_content)([\\s_-]|$)', 'i')]"
)
_LEAD_NODES = CSSSelector(_LEAD_CSS, translator="html")
_LEAD_CLASS_NODES = etree.XPath(_LEAD_CLASS, namespaces={"re": "http://exslt.org/regular-expressions"})
_MIN_BODY_CHARS = 80
#: Bump when a change to extraction may read pages it could not read before: every page
#: remembered as unreadable (``SourceState.failed``) is then fetched again.
EXTRACTOR_VERSION = "1"
#: Below this many characters once its captions are out, a page is a photo story: captions are its text.
_PHOTO_STORY_CHARS = 300


def layout_key(selectors: Selectors | None) -> str:
    """How a source's pages are read: its selectors and the extractor's version, hashed.

    An unreadable page is remembered under this key; when the key changes (selectors
    fixed after a redesign, a better extractor), it is fetched again."""
    spec = selectors.model_dump_json() if selectors is not None else "{}"
    return hashlib.sha1(f"{EXTRACTOR_VERSION}\n{spec}".encode()).hexdigest()[:12]


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
    published_precision: DatePrecision = DatePrecision.NONE
    published_source: str | None = None
    via: str | None = None
    captions: list[str] = field(default_factory=list)


#: Leading bytes of the files a page link most often turns out to be (not HTML).
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Office document"),
    (b"ID3", "an MP3 file"),
    (b"OggS", "an Ogg file"),
    (b"\x00\x00\x01\x00", "an icon"),
)


def binary_kind(body: bytes | str) -> str | None:
    """What a body is when it is not HTML, judged by its bytes (never by a file name or a header).

    Magic numbers of images, PDFs, archives and media, a RIFF/ftyp container, or NUL
    bytes in the first kilobytes (no HTML page has them; UTF-16 pages start with a mark).
    """
    if isinstance(body, str):
        return None
    head = body[:4096]
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    if head.startswith(b"RIFF") and head[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        return {b"WEBP": "a WebP image", b"WAVE": "a WAV file", b"AVI ": "an AVI video"}[head[8:12]]
    if head[4:8] == b"ftyp":
        return "an MP4/MOV video"
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary data"
    return None


def page_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a page's address (None when it can): http(s), a host, well formed."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        return f"URL không hợp lệ / not a valid URL ({exc})"
    if parts.scheme.lower() not in ("http", "https"):
        return f"chỉ nhận http hoặc https / only http and https pages (not {parts.scheme or 'no scheme'!r})"
    if not parts.hostname:
        return "URL thiếu tên máy / the URL has no host"
    if any(c.isspace() for c in url.strip()):
        return "URL có khoảng trắng / the URL contains spaces"
    return None


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


_HEADINGS = etree.XPath("//h1|//h2|//h3|//*[contains(translate(@class, 'TITLE', 'title'), 'title')]")


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[\W_]+", " ", fold(text)).split())


def _headline(tree: lxml.html.HtmlElement, sel: Selectors | None) -> tuple[lxml.html.HtmlElement | None, str]:
    """The headline element and text: the override; the ``<h1>`` that repeats ``og:title``
    (or the ``<title>``'s opening) when there is one, since a page may print its section
    path in an earlier ``<h1>`` ("THỜI SỰ > Cần Thơ", Báo Cần Thơ 2026); else the first
    ``<h1>`` that is neither the site's name nor a screen-reader-only landmark; else the
    heading that repeats ``og:title``, or the ``<title>``'s opening. A
    headline whose words the markup runs together ("Phường Hai Bà Trưng:Mong sớm …", two
    ``<span>`` shown as two lines) is written as ``og:title`` or the ``<title>`` spaces it."""
    if sel and sel.title:
        for node in _select(tree, sel.title):
            text = _text_of(node)
            if text:
                return (None if isinstance(node, str) else node), text
    page_title = _line(" ".join(tree.xpath("//head/title//text()")))
    og = next((_line(v) for v in tree.xpath("//meta[@property='og:title']/@content") if _line(v)), "")
    opening = re.split(r"\s+[-|–]\s+", page_title)[0] if page_title else ""
    site = {_norm(v) for v in tree.xpath("//meta[@property='og:site_name']/@content")}
    h1s = [(h1, _line(h1.text_content())) for h1 in tree.iter("h1")]
    h1s = [(h1, text) for h1, text in h1s if len(text.split()) >= 3 and _norm(text) not in site]
    repeated = {_norm(t) for t in (og, opening) if t}
    for h1, text in h1s:
        if _norm(text) in repeated:
            return h1, _spaced(text, og, opening)
    for h1, text in h1s:
        if _screen_reader_only(h1):
            continue  # "Product Admin Menu", "Navigation": a portal's landmark, not the story's headline
        # An <h1> that is the <title>'s closing part while another heading is its
        # opening part holds the site's name (VnExpress iOne 2012), not the headline.
        closing = _norm(page_title).endswith(_norm(text)) and not _norm(page_title).startswith(_norm(text))
        if not (closing and any(n is not h1 for n in _heading_nodes(tree, opening))):
            return h1, text
    # og:title may carry the site's name after the headline (Bộ Y tế's portal, 2021): the
    # heading that repeats the <title>'s opening is then the headline.
    found = _heading_nodes(tree, og) or _heading_nodes(tree, opening)
    return (found[0], _line(found[0].text_content())) if found else (None, og or opening)


#: Class names that hide an element from sight and leave it to screen readers.
_SCREEN_READER_ONLY = re.compile(
    r"(^|\s)(sr-only|hide-accessible|visually-?hidden|screen-reader-text|element-invisible)(\s|$)", re.I
)


def _screen_reader_only(el: lxml.html.HtmlElement) -> bool:
    """A heading only screen readers get: a Liferay portal opens its page with
    ``<h1 class="sr-only">Product Admin Menu</h1>`` (ncov.moh.gov.vn 2021, held-out batch 8),
    landmarks for navigation that no reader sees and that name no story."""
    return bool(_SCREEN_READER_ONLY.search(el.get("class") or ""))


def _spaced(text: str, *versions: str) -> str:
    """``text`` as one of ``versions`` writes it when they differ only in spacing (the
    markup ran two words together across elements); else ``text``."""
    squashed = re.sub(r"\s+", "", text)
    return next((v for v in versions if v and v != text and re.sub(r"\s+", "", v) == squashed), text)


def _heading_nodes(tree: lxml.html.HtmlElement, text: str) -> list[lxml.html.HtmlElement]:
    """Headings (and title-classed elements) whose text is ``text``."""
    wanted = _norm(text)
    if not wanted:
        return []
    size = len(text)
    return [n for n in _HEADINGS(tree) if len(n.text_content()) < 3 * size + 50 and _norm(n.text_content()) == wanted]


def _line(text: str | None) -> str:
    return " ".join(nfc(text).split())


def _lead(
    tree: lxml.html.HtmlElement, sel: Selectors | None, headline: lxml.html.HtmlElement | None, title: str
) -> str:
    """The sapo: the override; else the lead-classed element nearest after the headline
    (known classes, or any class that names a lead: ``e-magazine__sapo``, ``init_content``);
    else the meta description when the page shows it and it is not the headline again."""
    if sel and sel.lead:
        lead = unescape(_first_text(tree, sel.lead))
    else:
        nodes = [*_LEAD_NODES(tree), *_LEAD_CLASS_NODES(tree)]
        texts = (_text_of(n) for n in _nearest_first(tree, headline, nodes))
        lead = next((t for t in texts if 40 <= len(t) <= 1500), "")
    lead = re.split(r"\s*(?:>>|»)", unescape(lead))[0]  # "... sapo. >> Related story" (2012 layouts)
    if lead:
        return clean_text(lead)
    for xp in ("//meta[@property='og:description']/@content", "//meta[@name='description']/@content"):
        values = [clean_text(unescape(v)) for v in tree.xpath(xp)]
        if values and values[0] and _norm(values[0]) != _norm(title) and _shown(tree, values[0]):
            return values[0]
    return ""


def _nearest_first(
    tree: lxml.html.HtmlElement, anchor: lxml.html.HtmlElement | None, nodes: list[lxml.html.HtmlElement]
) -> list[lxml.html.HtmlElement]:
    """``nodes`` ordered by distance after ``anchor`` in document order (those before it last)."""
    if anchor is None or len(nodes) < 2:
        return nodes
    wanted = {id(n): n for n in [anchor, *nodes]}  # held, so ids stay stable during the walk
    where = {id(el): i for i, el in enumerate(tree.iter()) if id(el) in wanted}
    base = where.get(id(anchor), 0)
    return sorted(nodes, key=lambda n: (where.get(id(n), 0) < base, abs(where.get(id(n), 0) - base)))


def _shown(tree: lxml.html.HtmlElement, text: str) -> bool:
    """Is (the start of) ``text`` visible on the page, not only in a meta tag?"""
    probe = _norm(text)[:40]
    body = tree.find("body")
    return bool(probe) and body is not None and probe in _norm(body.text_content())


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


@dataclass
class _Body:
    text: str
    captions: list[str]
    hints: noise.Hints


def _outlet_names(tree: lxml.html.HtmlElement, url: str) -> list[str]:
    """The outlet's names, folded: its ``og:site_name`` without a domain ending ("Znews.vn"
    → "znews") and its domain's label ("hanoimoi" also reads "Hànộimới")."""
    names = [
        re.sub(r"\.(vn|com|net|org)(\.vn)?$", "", fold(v).strip())
        for v in tree.xpath("//meta[@property='og:site_name']/@content")
    ]
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    label = host.split(".")[0] if host else ""
    return [n for n in dict.fromkeys([*names, label]) if n]


def _prepared(tree: lxml.html.HtmlElement, headline: int | None, outlet: list[str]) -> tuple[Any, Any, noise.Hints]:
    """A copy of the page for trafilatura without layout tables, related boxes, teaser
    lists and labelled bylines (whose texts are returned), and the copy's headline node."""
    work = copy.deepcopy(tree)
    anchor = next((el for i, el in enumerate(work.iter()) if i == headline), None) if headline is not None else None
    noise.unwrap_layout_tables(work)
    noise.paragraphs_from_divs(work)
    noise.drop_boxes(work)
    noise.drop_teaser_lists(work)
    noise.drop_house_notes(work, outlet)
    noise.drop_data_boxes(work)
    return work, anchor, noise.take_hints(work)


def _text(work: lxml.html.HtmlElement, url: str, selectors: Selectors | None) -> str:
    """The registry's body selector, else trafilatura (without metadata: we read our own)."""
    text = _block_text(work, selectors.body) if selectors and selectors.body else ""
    result = trafilatura.bare_extraction(work, url=url, with_metadata=False, include_comments=False)
    return text or _trafilatura_text(result)


def _body(
    tree: lxml.html.HtmlElement, url: str, selectors: Selectors | None, headline: int | None, outlet: list[str]
) -> _Body:
    """Text and captions of the page, and the bylines/sources it labels. Captions leave the
    text, unless that leaves a photo story without its text (too little left, or text
    that strays into a column beside the article): then the story keeps them, and only
    the opening photo's caption goes. ``headline`` is the headline's place in document order;
    ``outlet`` the outlet's own names (``_outlet_names``, read once per page)."""
    work, anchor, hints = _prepared(tree, headline, outlet)
    caption_nodes = noise.find_captions(work)
    captions = [_line(noise.shown_text(n)) for n in caption_nodes]
    layout = noise.Layout.of(work, caption_nodes, anchor)
    noise.drop(caption_nodes)
    text = _text(work, url, selectors)
    lines = [line for line in text.split("\n") if line.strip()]
    mine = layout.near_headline()
    own = [c for c, near in zip(captions, mine, strict=True) if near and c] if captions else []
    if lines:
        captions = [c for c, near in zip(captions, layout.near_text(lines[0], lines[-1]), strict=True) if near and c]
    body_lines = [line for line in lines if len(line) >= 80]
    strayed = bool(body_lines) and not any(layout.among(line, mine) for line in body_lines[:3])
    if own and (strayed or len(text) < max(_PHOTO_STORY_CHARS, sum(map(len, own)) // 2)):
        work, _, _ = _prepared(tree, None, outlet)
        return _Body(_after_opening_captions(_text(work, url, selectors), own), [], hints)
    return _Body(text, list(dict.fromkeys(captions)), hints)


def within_article(tree: lxml.html.HtmlElement, headline: lxml.html.HtmlElement | None, lines: list[str]) -> list[str]:
    """Drop the lines at either end that lie outside the article: the smallest block holding
    the headline, the first line of text and at least half the long lines is the article (a
    header block may hold the headline and the sapo alone: Hànộimới 2026); other stories'
    sapos that trafilatura appended from a neighbouring column, and a footer's notice
    ("(*) Không sao chép …"), are not in it (opening lines: ``_opening_inside``)."""
    long = [_norm(line)[:40] for line in lines if len(line) >= 100]
    if headline is None or len(long) < 3:
        return lines
    node = headline
    while node is not None and node.tag not in ("body", "html") and long[0] not in _norm(node.text_content()):
        node = node.getparent()
    while node is not None and node.tag not in ("body", "html") and _holds(node, long) < 0.5 * len(long):
        node = node.getparent()
    if node is None or node.tag in ("body", "html"):
        return lines  # no block short of the whole page is the article
    inside = _norm(node.text_content())
    end = len(lines)
    while end > 1 and _norm(lines[end - 1])[:40] not in inside:
        end -= 1
    return _opening_inside(lines[:end], inside)


def _opening_inside(lines: list[str], inside: str) -> list[str]:
    """Drop the opening lines that are not in the article block (``inside``, normalised).
    Trafilatura takes the first block classed plainly ``content`` as the article's frame
    and keeps its lines ahead of the article's own: on Báo Chính phủ 2026 that block is the
    footer's app box, and "Tải ứng dụng: / BÁO ĐIỆN TỬ CHÍNH PHỦ" opened the text. The
    first line found in the block, and all after it, stay."""
    start = 0
    while start < len(lines) - 1 and _norm(lines[start])[:40] not in inside:
        start += 1
    return lines[start:]


def _holds(node: lxml.html.HtmlElement, probes: list[str]) -> int:
    inside = _norm(node.text_content())
    return sum(probe in inside for probe in probes)


def _after_opening_captions(text: str, captions: list[str]) -> str:
    """A photo story's text starts after the caption of its opening photo."""
    known = {_norm(c) for c in captions}
    lines = text.split("\n")
    while len(lines) > 1 and _norm(lines[0]) in known:
        lines.pop(0)
    return "\n".join(lines)


def _trafilatura_text(result: Any) -> str:
    # Some CMSs double-escape entities ("&amp;nbsp;"), which leaves "&nbsp;" in the text.
    return clean_text(unescape(unescape(getattr(result, "text", "") or ""))) if result is not None else ""


def _people(
    tree: lxml.html.HtmlElement, selectors: Selectors | None, tail: noise.Tail, hints: noise.Hints
) -> tuple[str | None, str | None]:
    """(author, via): the registry's author selector, the trailing byline, or the byline
    the page labels in its header; a labelled "Theo X" is a source, not an author, except
    the writer a republished story credits before its outlet ("Theo Thanh Xuân" + "VnEconomy")."""
    override = noise.writer_credit(_first_text(tree, selectors.author if selectors else None))
    # The writer's part first, then its shape: a labelled "Tin, ảnh: P.Y" (Báo Cần Thơ 2026) is P.Y.
    names = [noise.writer_credit(h) for h in hints.authors if not fold(h).startswith("theo ")]
    names = [n for n in names if n and noise.is_name(n)]
    labelled = [h for h in hints.authors if fold(h).startswith("theo ")] + hints.sources + hints.worded
    sources = [re.sub(r"^theo\s+", "", h, flags=re.I) for h in labelled]
    author = override or tail.author or next(iter(names), None)
    unique: dict[str, str] = {}
    for source in sources:  # "Đại Đoàn kết" in the header and "Theo Đại Đoàn kết" below: once
        unique.setdefault(fold(source), source)
    sources = [s for s in unique.values() if s]
    if not author and not tail.via:  # "Theo Thanh Xuân" + "VnEconomy": the writer, then the outlet
        author, sources = noise.writer_of_source(sources)
    author = author or next(iter(_json_ld_people(tree)), None)
    via = tail.via or " / ".join(sources) or None
    return author, via


def _without_own_desk(author: str | None, outlet: list[str]) -> str | None:
    """The writer without the outlet's own desk in brackets after the name: "Phùng Anh (VTV
    Online)" on vtv.vn is "Phùng Anh" (VTV 2026, held-out batch 4). The bracket counts only
    when what stands before it reads as a name and its text starts with one of the outlet's
    own names (folded, without spaces or signs); another outlet in brackets ("Sầm Hoa
    (Vietnamnet/Reuters)") or a role note stays."""
    match = re.fullmatch(r"(.+?)\s*\(([^()]+)\)", author or "")
    if not match or not noise.is_name(match.group(1)):
        return author
    desk = re.sub(r"[\W_]+", "", fold(match.group(2)))
    own = [re.sub(r"[\W_]+", "", name) for name in outlet]
    return match.group(1).strip() if any(name and desk.startswith(name) for name in own) else author


def _json_ld_people(tree: lxml.html.HtmlElement) -> list[str]:
    """Names of the ``Person`` authors a page declares in JSON-LD (not its organisation)."""
    out: list[str] = []
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        for item in data if isinstance(data, list) else [data]:
            authors = item.get("author") if isinstance(item, dict) else None
            for person in authors if isinstance(authors, list) else [authors]:
                if isinstance(person, dict) and person.get("@type") == "Person" and isinstance(person.get("name"), str):
                    out.append(_line(unescape(person["name"])))
    return [name for name in out if name]


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
    binary = binary_kind(body)
    if binary:
        raise ExtractionError("not_html", f"{binary}, judged by its bytes")
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
    node, title = _headline(tree, selectors)
    place = next((i for i, el in enumerate(tree.iter()) if el is node), None) if node is not None else None
    outlet = _outlet_names(tree, url)
    got = _body(tree, url, selectors, place, outlet)
    hints = got.hints
    lines = within_article(tree, node, got.text.split("\n")) if got.text else []
    tail = noise.split_tail(lines, hints, title=title)
    lead = _lead(tree, selectors, node, title)
    text = _with_lead("\n".join(tail.lines), lead)
    if len(text) < _MIN_BODY_CHARS:
        raise ExtractionError("no_body", f"{len(text)} characters of text")
    published = find_published(
        tree,
        url,
        headline=node,
        override=_first_text(tree, selectors.date) if selectors and selectors.date else None,
        tz=tz,
    )
    author, via = _people(tree, selectors, tail, hints)
    author = _without_own_desk(author, outlet)
    return Extracted(
        url=_canonical(tree, url),
        title=title,
        text=text,
        published_at=published.value,
        lead=lead,
        byline=clean_text(author) or None,
        encoding=encoding,
        published_precision=published.precision,
        published_source=published.source,
        via=clean_text(via) or None,
        captions=got.captions,
    )


def to_document(extracted: Extracted, source: Source | None, *, fetched_at: datetime | None = None) -> Document:
    """A news ``Document`` for an extracted page.

    ``author`` is the byline the outlet printed (reporters and photographers sign in
    public), else the outlet's public name; pages only come from outlets, so no
    individual's private name reaches it. A publication date no page can have (before 1990,
    or more than a day after ``fetched_at``: a broken feed's 1900, a 2100 typo) is dropped: the
    article is kept with its date unknown (the crawl counts it, ``crawlers.pipelines``).
    """
    fetched_at = fetched_at or utc_now()
    published_at = trusted_published(extracted.published_at, now=fetched_at)
    dated = published_at is not None
    return Document(
        id=news_id(extracted.url),
        url=extracted.url,
        source_id=source.id if source else "adhoc",
        kind=source.kind if source else Kind.NEWS,
        platform=source.platform if source else "web",
        title=extracted.title,
        text=extracted.text,
        published_at=published_at,
        published_precision=extracted.published_precision if dated else DatePrecision.NONE,
        published_source=extracted.published_source if dated else None,
        fetched_at=fetched_at,
        language=source.language if source else "vi",
        author=extracted.byline or (source.name if source else None),
        via=extracted.via,
        captions=extracted.captions,
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
