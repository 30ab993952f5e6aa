"""The publication time of an article page: every place Vietnamese outlets put it.

Candidates come from the visible date line in the article header (what a reader sees,
found near the headline, including lines that an inline script writes into an empty
date element), the machine-readable tags (``article:published_time`` and friends,
JSON-LD ``datePublished``, ``<time datetime>``) and the article id stamp in the URL. The
most precise consistent one wins and is recorded as the ``source``:

1. a registry override selector;
2. a date line with a time, unless a machine-readable time disagrees by more than two
   days (then the line is probably another story's);
3. a machine-readable time;
4. the day alone (date line, tag, URL stamp), as ``precision=day``.

Date lines win over tags because tags are sometimes the creation time of a draft (24h
prints 03:04 while its meta says 14:02 the day before). The URL stamp only ever gives
the day: it is the content system's creation clock (05:14 for a 17:14 Người Lao Động
article in 2012, six minutes early on Tuổi Trẻ in 2026).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import lxml.html

from crawlers.dates import When, month_first_page, parse_when, url_day
from tinradar.schema import DatePrecision
from tinradar.text import clean_text, fold

_META = (
    "//meta[@property='article:published_time' or @name='article:published_time']/@content",
    "//meta[@itemprop='datePublished' or @name='datePublished']/@content",
    "//meta[@name='pubdate' or @name='publishdate' or @name='dc.date.issued']/@content",
    "//meta[@itemprop='dateCreated']/@content",
)
#: Class/id words of date elements (folded, lower case).
_DATE_WORDS = re.compile(r"date|time|ngay|publish|post-?on|timer|stamp|dateline", re.I)
#: A date line: a numeric or worded date, optionally with a time and a zone.
_DATEISH = re.compile(r"\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{2,4}|\d{4}-\d{2}-\d{2}|ngay \d{1,2} thang \d{1,2}")
_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*\d{4}")
_HAS_TIME = re.compile(r"\d{1,2}\s*(?::|h|g|gio)\s*\d{2}")
_SCRIPT_DATE = re.compile(r"""getElementById\(\s*["']([\w-]+)["']\s*\)\.innerHTML\s*=\s*["']([^"']{6,80})["']""")
#: Longest text of an element read as a date line (longer ones are paragraphs).
_MAX_LINE = 120
#: How far (in elements, document order) from the headline a date line may sit.
_NEAR = 400


@dataclass(frozen=True)
class Published:
    """The winning date, its precision and where it came from."""

    value: datetime | None
    precision: DatePrecision
    source: str | None

    @classmethod
    def none(cls) -> Published:
        return cls(None, DatePrecision.NONE, None)


@dataclass(frozen=True)
class _Line:
    when: When
    distance: int


def find_published(
    tree: lxml.html.HtmlElement,
    url: str,
    *,
    headline: lxml.html.HtmlElement | None,
    override: str | None = None,
    tz: ZoneInfo,
) -> Published:
    """The publication time of the page (see the module docstring for the order)."""
    if override:
        when = parse_when(override, tz=tz)
        if when:
            return Published(when.value, when.precision, "override")
    lines = sorted(_date_lines(tree, headline, tz), key=lambda line: line.distance)
    tags = list(_tag_dates(tree, tz))
    line = next((x.when for x in lines if x.when.precision is DatePrecision.MINUTE), None)
    tag = next(((src, w) for src, w in tags if w.precision is DatePrecision.MINUTE), None)
    if line and not (tag and abs(line.value - tag[1].value) > timedelta(days=2)):
        return Published(line.value, DatePrecision.MINUTE, "dateline")
    if tag:
        return Published(tag[1].value, DatePrecision.MINUTE, tag[0])
    days: list[tuple[str, When | None]] = [
        ("dateline", lines[0].when if lines else None),
        *((src, w) for src, w in tags),
        ("url", _day(url_day(url, tz=tz))),
    ]
    for source, when in days:
        if when is not None:
            day = when.value.replace(hour=0, minute=0, second=0, microsecond=0)
            return Published(day, DatePrecision.DAY, source)
    return Published.none()


def _day(value: datetime | None) -> When | None:
    return When(value, DatePrecision.DAY) if value else None


def _tag_dates(tree: lxml.html.HtmlElement, tz: ZoneInfo) -> Iterator[tuple[str, When]]:
    """Machine-readable dates, most trusted first: meta tags, JSON-LD, ``<time>``."""
    for xpath in _META:
        for raw in tree.xpath(xpath):
            when = parse_when(raw, tz=tz)
            if when:
                yield "meta", when
    for raw in _json_ld_dates(tree):
        when = parse_when(raw, tz=tz)
        if when:
            yield "json-ld", when
    for raw in tree.xpath("(//time[@datetime])[1]/@datetime"):
        when = parse_when(raw, tz=tz)
        if when:
            yield "time", when


def _json_ld_dates(tree: lxml.html.HtmlElement) -> Iterator[str]:
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                if isinstance(item.get("datePublished"), str):
                    yield item["datePublished"]
                stack.extend(v for k, v in item.items() if k == "@graph")


def _date_lines(tree: lxml.html.HtmlElement, headline: lxml.html.HtmlElement | None, tz: ZoneInfo) -> list[_Line]:
    """Visible date lines with their distance (in elements) from the headline."""
    anchor = next((i for i, el in enumerate(tree.iter()) if el is headline), 0) if headline is not None else 0
    scripted = _scripted_texts(tree)
    texts: list[tuple[int, str]] = []
    for position, el in enumerate(tree.iter()):
        if not isinstance(el.tag, str) or el.tag in ("script", "style", "head", "title", "meta", "option"):
            continue
        if headline is not None and abs(position - anchor) > _NEAR:
            continue
        if not (_digits(el) or el.get("id") in scripted or el.tag == "time" or _DATE_WORDS.search(_key(el))):
            continue
        text = _line_text(el, scripted)
        if text:
            texts.append((position, text))
    month_first = any(_ambiguous(t) for _, t in texts) and month_first_page([tree.text_content()])
    out: list[_Line] = []
    for position, text in texts:
        when = parse_when(text, tz=tz, month_first=month_first)
        if when:
            # A line before the headline counts a little farther than one after it.
            out.append(_Line(when, (anchor - position) * 2 if position < anchor else position - anchor))
    return out


def _ambiguous(text: str) -> bool:
    """A numeric date whose day and month could be swapped ("03-08-2011")."""
    match = _NUMERIC.search(text)
    return bool(match) and int(match.group(1)) <= 12 and int(match.group(2)) <= 12


def _short_text(el: lxml.html.HtmlElement, limit: int) -> str | None:
    """The element's text, or None as soon as it grows past ``limit`` (big containers)."""
    parts: list[str] = []
    size = 0
    for piece in el.itertext():
        size += len(piece)
        if size > limit * 3:
            return None
        parts.append(piece)
    text = clean_text("".join(parts))
    return text if len(text) <= limit else None


def _key(el: lxml.html.HtmlElement) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''} {el.get('itemprop') or ''}"


def _digits(el: lxml.html.HtmlElement) -> bool:
    """Does the element's own text (not its children's) hold a digit? Date lines do."""
    own = (el.text or "") + "".join(c.tail or "" for c in el)
    return any(ch.isdigit() for ch in own)


def _line_text(el: lxml.html.HtmlElement, scripted: dict[str, str]) -> str:
    """The text of a date-line element, or '' when it is not one."""
    named = bool(_DATE_WORDS.search(_key(el))) or el.tag == "time"
    text = scripted.get(el.get("id") or "") if not len(el) and not (el.text or "").strip() else None
    text = text or _short_text(el, _MAX_LINE)
    if not text:
        return ""
    folded = fold(text)
    if not _DATEISH.search(folded):
        if named and _HAS_TIME.search(folded):  # "15:20 PM |" next to a separate date span
            parent = el.getparent()
            whole = _short_text(parent, _MAX_LINE) if parent is not None else None
            return whole if whole and _DATEISH.search(fold(whole)) else ""
        return ""
    # Leaf-most only: a container whose child already is the whole date line is skipped
    # (but "15:20 PM | <span>21/12/2012</span>" is read as one line).
    has_time = bool(_HAS_TIME.search(folded))
    for child in el:
        inner = fold(child.text_content()) if isinstance(child.tag, str) else ""
        if _DATEISH.search(inner) and (_HAS_TIME.search(inner) or not has_time):
            return ""
    return text if named or _HAS_TIME.search(folded) else ""


def _scripted_texts(tree: lxml.html.HtmlElement) -> dict[str, str]:
    """Texts that inline scripts write into elements by id (2012 VnExpress-family date lines)."""
    out: dict[str, str] = {}
    for script in tree.xpath("//script[contains(., 'innerHTML')]/text()"):
        for element_id, value in _SCRIPT_DATE.findall(script):
            if _DATE_WORDS.search(element_id):
                out[element_id] = lxml.html.fromstring(f"<p>{value}</p>").text_content()
    return out
