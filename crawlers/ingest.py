"""Import posts from the files platforms let a board export (no crawler can reach them).

Facebook page/group exports (CrowdTangle-style column names, or a JSON list of posts),
Meta Content Library CSV downloads, YouTube Data API and TikTok Research API responses,
and any CSV through a column map (readers in ``crawlers.exports``). Every format goes
through one conversion: page, channel and outlet names are public and kept as
``author``; a post or comment written by an individual keeps only ``author_hash`` (salted
pseudonym). Rows that cannot become a document are skipped and counted by reason
(``no_text``, ``no_post_id``, ``duplicate_post``, ``bad_date``, ``bad_json``,
``unknown_item``, ``invalid_row``); the good rows around them still go through. A date no
post can have (before 1990, or more than a day after the export) is a ``bad_date`` like an
unreadable one (``tinradar.schema.published_problem``).
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from crawlers import exports
from crawlers.dates import parse_when
from crawlers.exports import Post, Skip, plain
from crawlers.reasons import SkipReason
from tinradar.ids import pseudonymize, require_author_salt, social_id
from tinradar.jsonlines import read_lines
from tinradar.schema import MAX_COUNT, DatePrecision, Document, Kind, published_problem, utc_now
from tinradar.settings import Settings
from tinradar.text import clean_text, nfc

#: Export formats ``read_export`` knows (``auto`` tells them apart by name and content).
FORMATS = ("auto", "facebook", "meta", "youtube", "tiktok", "csv")

SOURCE_ID = "facebook-export"
#: Source id of each format's documents.
SOURCE_IDS = {
    "facebook": SOURCE_ID,
    "meta": "meta-content-library",
    "youtube": "youtube-export",
    "tiktok": "tiktok-export",
    "csv": "csv-export",
}

#: Accepted column names (first match wins), normalised to lower case.
_ALIASES: dict[str, tuple[str, ...]] = {
    "post_id": ("post_id", "postid", "facebook id", "id", "post id", "fb id"),
    "page_name": ("page_name", "page name", "group name", "page", "name"),
    "page_type": ("page_type", "page type", "page category", "type"),
    # ``username``: facebook-scraper's poster, a Page or a group member it cannot tell apart.
    "author": ("author", "author name", "user name", "username", "member", "poster"),
    "post_time": ("post_time", "post created", "created_time", "created", "date", "time"),
    "message": ("message", "text", "content", "description"),
    # The post's own address first: in every tool's output ``link`` is what the post links to.
    "link": ("post_url", "posturl", "post url", "permalink_url", "url", "link"),
    "likes": ("likes", "like count", "reactions", "total interactions"),
    "comments": ("comments", "comment count"),
    "shares": ("shares", "share count"),
}

#: Columns only a CrowdTangle dashboard export has. In it ``Facebook Id`` and ``User Name``
#: are the Page's (or group's) id and handle, not the post's or a person's; ``URL`` is the
#: post and ``Link`` its attachment; posts never name their author.
_CROWDTANGLE_COLUMNS = frozenset(
    {"total interactions", "likes at posting", "followers at posting", "overperforming score", "post created date"}
)


class ExportError(ValueError):
    """The file is not a readable export (message says what was expected)."""


def _normalise(row: dict[str, Any]) -> dict[str, Any]:
    lowered = {str(k).strip().lower(): v for k, v in row.items() if k is not None}
    out: dict[str, Any] = {}
    for field, names in _ALIASES.items():
        for name in names:
            if name in lowered and lowered[name] not in (None, ""):
                out[field] = lowered[name]
                break
    return out


def _count(value: Any) -> int | None:
    """A count as the sheet wrote it ("1,234", "1.234"); None for text or a number no counter reaches."""
    try:
        count = max(0, int(str(value).replace(",", "").replace(".", "").strip()))
    except (TypeError, ValueError):
        return None
    return count if count <= MAX_COUNT else None


def _rows(path: Path, settings: Settings) -> Iterator[dict[str, Any] | Skip]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        header = exports.csv_header(path)
        if not {name for names in _ALIASES.values() for name in names} & {h.lower() for h in header}:
            raise exports.unrecognised(header, {k: _ALIASES[k] for k in ("message", "post_id", "post_time")}, path)
        yield from exports._csv_rows(path)
    elif suffix in (".jsonl", ".ndjson"):
        any_line = False
        for line in read_lines(path, max_bytes=settings.max_line_bytes):  # the one JSON-lines reader
            any_line = True
            yield line.obj if line.obj is not None else Skip(SkipReason.BAD_JSON)
        if not any_line:
            raise ExportError(f"{path}: the file is empty (no lines)")
    elif suffix == ".json":
        data = exports._json(path)
        if isinstance(data, dict):
            result = data.get("result")
            if not ({"posts", "data"} & set(data) or (isinstance(result, dict) and "posts" in result)):
                # {} or {"items": …} used to be "no posts in the file (an empty list)": say what it is
                keys = ", ".join(map(str, list(data)[:10])) or "none"
                raise ExportError(
                    f"{path}: an object with no 'posts', 'data' or 'result.posts' list (its keys: {keys}); "
                    "expected a list of posts"
                )
            data = (
                data.get("posts")
                or data.get("data")
                or (result.get("posts") if isinstance(result, dict) else None)
                or []
            )
        if not isinstance(data, list):
            raise ExportError(f"{path}: expected a list of posts (or {{'posts': [...]}})")
        if not data:
            raise ExportError(f"{path}: no posts in the file (an empty list)")
        yield from data
    else:
        raise ExportError(f"{path}: unknown export format {suffix!r} (use .csv, .json or .jsonl)")


def facebook(path: Path, settings: Settings) -> Iterator[Post | Skip]:
    """Facebook page/group posts from a monitoring-tool export (CSV, JSON or JSON lines)."""
    for raw in _rows(path, settings):
        if isinstance(raw, Skip):
            yield raw
            continue
        if not isinstance(raw, dict):
            yield Skip(SkipReason.UNKNOWN_ITEM)
            continue
        if isinstance(raw.get("account"), dict):
            yield _crowdtangle_api(raw)
            continue
        row = _normalise(raw)
        keys = {str(k).strip().lower() for k in raw if k is not None}
        crowdtangle = bool(keys & _CROWDTANGLE_COLUMNS)
        link = plain(row.get("link")) or None
        if crowdtangle:
            individual = ""
            group = "group name" in keys
            post_id = exports.facebook_post_id(link) or (link or "")
        else:
            individual = plain(row.get("author"))
            group = plain(row.get("page_type")).lower() == "group"
            post_id = plain(row.get("post_id")) or plain(row.get("link"))
        page = nfc(plain(row.get("page_name")))
        user = raw.get("user")
        if isinstance(user, dict) and raw.get("pageName"):  # Apify: ``pageName`` is the handle, ``user`` the Page
            page = nfc(plain(user.get("name"))) or page
        when = exports.with_zone(plain(row.get("post_time")))
        if when is None:
            yield Skip(SkipReason.BAD_DATE)
            continue
        if not post_id and _no_id_given(raw):
            values = {"time": when, "author": individual, "page": page, "text": plain(row.get("message"))}
            post_id = exports.content_id(values)
        yield Post(
            platform="facebook",
            post_id=post_id,
            text=plain(row.get("message")),
            when=when or None,
            # A group post without an author column has no public author to name.
            public_name=None if individual or group else (page or None),
            individual=individual or None,
            url=link,
            likes=row.get("likes"),
            comments=row.get("comments"),
            shares=row.get("shares"),
        )


#: Where a post's id or address can be (normalised names).
_ID_KEYS = frozenset(_ALIASES["post_id"] + _ALIASES["link"])


def _no_id_given(raw: dict[str, Any]) -> bool:
    """True when the tool gave the post no id and no link at all (null, as facebook-scraper
    does for group posts, or no such field or column): the post is then known by its
    content, the same id on every re-import. An empty cell in an id column is still a
    ``no_post_id`` skip, as in a generic CSV."""
    return not any(isinstance(v, str) for k, v in raw.items() if str(k).strip().lower() in _ID_KEYS)


def _crowdtangle_api(post: dict[str, Any]) -> Post:
    """A post of a CrowdTangle API response (``/posts``, ``/posts/search``, ``/post/:id``).

    ``platformId`` is ``<page id>_<post id>``; ``date`` is UTC without an offset;
    ``postUrl`` is the post (``link`` its attachment); counts are ``statistics.actual``.
    A Page keeps its name; a group's posts name no one; any other account (a
    ``facebook_profile``, an Instagram account, one without ``accountType``) is a person.
    """
    account = post.get("account") or {}
    kind = plain(account.get("accountType")).lower()
    name = nfc(plain(account.get("name")))
    public = kind == "facebook_page"
    person = kind not in ("facebook_page", "facebook_group")  # a profile, Instagram, or no type: a person
    actual = post.get("statistics", {}).get("actual") if isinstance(post.get("statistics"), dict) else None
    counts = actual if isinstance(actual, dict) else {}
    platform_id = plain(post.get("platformId"))
    url = plain(post.get("postUrl")) or None
    return Post(
        platform="instagram" if plain(post.get("platform")).lower() == "instagram" else "facebook",
        post_id=platform_id.rpartition("_")[2] or exports.facebook_post_id(url) or (url or ""),
        text=plain(post.get("message")) or plain(post.get("description")) or plain(post.get("title")),
        when=plain(post.get("date")) or None,
        public_name=(name or None) if public else None,
        individual=(name or None) if person else None,
        url=url,
        likes=counts.get("likeCount"),
        comments=counts.get("commentCount"),
        shares=counts.get("shareCount"),
        naive_utc=True,
    )


def read_export(
    path: Path,
    settings: Settings,
    *,
    fmt: str = "auto",
    columns: dict[str, str] | None = None,
    platform: str = "other",
    skipped: Counter[str] | None = None,
    exported_at: datetime | None = None,
) -> Iterator[Document]:
    """Yield one ``Document`` per post of an export file.

    ``fmt`` is one of ``FORMATS``; ``csv`` needs ``columns`` (see
    ``crawlers.exports.parse_columns``) and names its ``platform``. ``skipped`` (optional)
    receives the count of rows skipped, by reason. A file that is not what ``fmt`` says,
    or an empty one, raises ``ExportError``. Relative dates ("hôm qua lúc 14:00", "2 giờ
    trước") are read against ``exported_at``, by default the file's modification time
    (when it was downloaded): a sheet imported next week still dates its rows right.
    """
    path = Path(path)
    if not path.is_file():
        raise ExportError(f"export file not found: {path}")
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r} (use {', '.join(FORMATS)})")
    if fmt == "auto":
        try:
            fmt = "csv" if columns else exports.sniff(path)
        except (exports.FormatError, csv.Error, UnicodeDecodeError) as exc:  # as the readers' errors below
            raise ExportError(str(exc) if str(path) in str(exc) else f"{path}: {exc}") from exc
    if fmt == "csv" and not columns:
        raise ExportError("a generic CSV needs a column map (e.g. text=Nội dung,time=Thời gian,author=Người đăng)")
    readers = {
        "facebook": lambda: facebook(path, settings),
        "meta": lambda: exports.meta_content_library(path),
        "youtube": lambda: exports.youtube(path),
        "tiktok": lambda: exports.tiktok(path),
        "csv": lambda: exports.generic_csv(path, columns or {}, platform),
    }
    anchor = exported_at or datetime.fromtimestamp(path.stat().st_mtime, UTC)
    try:
        yield from _documents(
            readers[fmt](), settings, SOURCE_IDS[fmt], skipped if skipped is not None else Counter(), anchor
        )
    except (exports.FormatError, csv.Error, UnicodeDecodeError) as exc:
        raise ExportError(str(exc) if str(path) in str(exc) else f"{path}: {exc}") from exc


def _documents(
    items: Iterable[Post | Skip], settings: Settings, source_id: str, skipped: Counter[str], anchor: datetime
) -> Iterator[Document]:
    """The one conversion every format shares: checks, pseudonyms, dates, de-duplication."""
    salt = require_author_salt(settings)  # UnsafeSalt before any row: no import with the public default
    seen: set[str] = set()
    for item in items:
        if isinstance(item, Skip):
            skipped[item.reason] += 1
            continue
        text = clean_text(item.text)
        if not text:
            skipped[SkipReason.NO_TEXT] += 1
            continue
        if not item.post_id:
            skipped[SkipReason.NO_POST_ID] += 1
            continue
        doc_id = social_id(item.platform, item.post_id)
        if doc_id in seen:
            skipped[SkipReason.DUPLICATE_POST] += 1
            continue
        when = _when(item, settings, anchor)
        if when is not None and published_problem(when[0], now=anchor):
            when = None  # 1900, 2100: no post's date, counted as an unreadable one
        if item.when and when is None:
            skipped[SkipReason.BAD_DATE] += 1
            continue
        seen.add(doc_id)
        try:
            yield Document(
                id=doc_id,
                url=item.url,
                source_id=source_id,
                kind=Kind.SOCIAL,
                platform=item.platform,
                title=item.title,
                text=text,
                published_at=when[0] if when else None,
                published_precision=when[1] if when else DatePrecision.NONE,
                published_source="export" if when else None,
                fetched_at=utc_now(),
                language="vi",
                author=None
                if item.individual
                else (nfc(item.public_name).strip() or None if item.public_name else None),
                author_hash=pseudonymize(item.individual, salt, item.platform) if item.individual else None,
                likes=_count(item.likes),
                comments=_count(item.comments),
                shares=_count(item.shares),
                views=_count(item.views),
            )
        except ValidationError:
            skipped[SkipReason.INVALID_ROW] += 1


def _when(item: Post, settings: Settings, anchor: datetime) -> tuple[datetime, DatePrecision] | None:
    if isinstance(item.when, datetime):
        return item.when, DatePrecision.MINUTE
    zone = UTC if item.naive_utc else settings.tz
    parsed = parse_when(item.when, tz=zone, now=anchor) if item.when else None  # type: ignore[arg-type]
    return (parsed.value, parsed.precision) if parsed else None
