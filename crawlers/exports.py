"""Readers for the platforms a board can only export from, one small function each.

Each reader turns one file into ``Post`` records (or a named ``Skip`` for a row that
cannot be one); ``crawlers.ingest`` turns posts into documents the same way for every
format: the same pseudonymisation of individuals, the same skip reasons, the same
de-duplication. Field names follow each tool's own output:

- **Meta Content Library** CSV (the web UI's download, API field names flattened with
  dots): ``id``, ``creation_time``, ``text``, ``post_owner.type|name|id``,
  ``surface.type|name``, ``statistics.reaction_count|comment_count|share_count|views``,
  ``url``. A ``post_owner.type`` of ``profile`` is a person: pseudonymised.
- **YouTube Data API v3** JSON: a ``videos.list``/``search.list`` response (``items`` of
  ``youtube#video``: ``snippet.title|description|channelTitle|publishedAt``,
  ``statistics.viewCount|likeCount|commentCount``) or a ``commentThreads.list`` /
  ``comments.list`` response (``snippet.topLevelComment.snippet.textOriginal|
  authorDisplayName|authorChannelId.value|publishedAt|likeCount`` and ``replies``).
  Channels keep their public names; commenters are pseudonymised.
- **TikTok Research API** JSON: a ``/v2/research/video/query/`` response (``data.videos``:
  ``id``, ``video_description``, ``voice_to_text``, ``create_time`` in Unix seconds,
  ``username``, ``like_count|comment_count|share_count|view_count``) or a
  ``/v2/research/video/comment/list/`` response (``data.comments``: ``id``, ``video_id``,
  ``text``, ``create_time``, ``like_count``). Creators are pseudonymised, and their
  handle is kept out of the URL; comments carry no author at all.
- **Generic CSV** with a column map (``text=Nội dung,time=Thời gian,author=Người đăng``):
  any spreadsheet a monitoring team keeps.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from typing import Any

from crawlers.reasons import SkipReason

#: Fields a generic CSV's column map may name (``author`` is a person, ``page`` a public name).
GENERIC_FIELDS = ("id", "text", "title", "time", "author", "page", "url", "likes", "comments", "shares", "views")


@dataclass
class Post:
    """One row of an export, before it becomes a ``Document``.

    ``public_name`` is a page, channel or outlet (kept); ``individual`` is a person's
    name or handle (only ever stored as a salted pseudonym). ``when`` is the text the
    tool wrote, or a datetime it gave as a number.
    """

    platform: str
    post_id: str
    text: str
    when: str | datetime | None = None
    public_name: str | None = None
    individual: str | None = None
    url: str | None = None
    title: str = ""
    likes: Any = None
    comments: Any = None
    shares: Any = None
    views: Any = None
    #: Zone for a time printed without an offset: the tool's (UTC for the platforms' APIs).
    naive_utc: bool = False


@dataclass
class Skip:
    """A row that cannot be a post, with the reason the summary counts."""

    reason: SkipReason


class FormatError(ValueError):
    """The file is not in the format asked for (the message says what was expected)."""


def _get(row: dict[str, Any], path: str) -> Any:
    """``row["a"]["b"]`` for ``"a.b"``, or a flat ``row["a.b"]`` (CSV downloads flatten)."""
    if path in row:
        return row[path]
    value: Any = row
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _text(value: Any) -> str:
    return plain(value)


#: Tried in order for an export's bytes: Excel on a Vietnamese Windows saves "CSV" as
#: Windows-1258, older tools as Latin-1 (which decodes anything, so it comes last).
_ENCODINGS = ("utf-8-sig", "cp1258", "latin-1")


def read_text(path: Path) -> tuple[str, str]:
    """An export's text and the encoding it was in: a UTF-16 mark, else UTF-8 (BOM or not), else Windows-1258.

    A file with no text at all is a ``FormatError`` (an empty download is not a
    successful import of nothing).
    """
    raw = path.read_bytes()
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, encoding = raw.decode("utf-16"), "utf-16"
    else:
        for encoding in _ENCODINGS:
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
    if not text.strip():
        raise FormatError(f"{path}: the file is empty (no header, no rows)")
    return text, encoding


def _csv_dialect(head: str) -> type[csv.Dialect] | csv.Dialect:
    """Comma, semicolon (Excel in a Vietnamese locale) or tab, from the header line.

    Only the delimiter is taken from the sniffer: every exporting tool (Excel, CrowdTangle,
    Meta Content Library, Python's csv) escapes a quote inside a quoted cell by doubling it,
    and the sniffer, seeing no quotes in an unquoted header, would turn that off and shift
    every column after a cell like ``"nước lá xông ""không"" chữa được"``.
    """
    try:
        delimiter = csv.Sniffer().sniff(head.split("\n", 1)[0], delimiters=",;\t").delimiter
    except csv.Error:
        return csv.excel

    class Dialect(csv.excel):
        pass

    Dialect.delimiter = delimiter
    return Dialect


#: The longest cell read (characters). The csv module's default, 131,072, ended the whole
#: import at one long message ("field larger than field limit"); analysis truncates long
#: texts itself (``TINRADAR_MAX_TEXT_CHARS``), so a cell is read whole up to this bound.
MAX_CELL_CHARS = 16 * 1024 * 1024


def _allow_long_cells() -> None:
    """Raise the csv module's (process-wide) cell limit to ``MAX_CELL_CHARS``, never lower it."""
    csv.field_size_limit(max(csv.field_size_limit(), MAX_CELL_CHARS))


def _csv_rows(path: Path) -> Iterator[dict[str, Any]]:
    """The rows of a CSV export; a quote opened and never closed is a ``FormatError`` naming its line.

    The csv module reads such a quote to the end of the file as one cell: every row after it
    became part of one message, and the import said "imported 2, skipped 0" (exit 0) for a
    sheet of 3. The last row is held back until it is known not to be that row.
    """
    text, _ = read_text(path)
    _allow_long_cells()
    dialect = _csv_dialect(text)
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)
    _ = reader.fieldnames  # the header: line numbers below are the rows' own
    held: dict[str, Any] | None = None
    start = end = reader.line_num
    for row in reader:
        if held is not None:
            yield held
        held, start, end = row, end + 1, reader.line_num
    if held is None:
        return
    if end > start:  # the last row spans lines: a quoted cell with newlines, or a quote never closed
        quote = getattr(dialect, "quotechar", None) or '"'
        lines = io.StringIO(text, newline="").readlines()[start - 1 : end]
        if sum(line.count(quote) for line in lines) % 2:
            raise FormatError(
                f"{path}: dòng {start}: dấu ngoặc kép mở mà không đóng, nuốt các dòng {start}–{end} vào một ô / "
                f"line {start}: a quote never closed swallows lines {start}–{end} into one cell; "
                "đóng nó rồi nhập lại / close it and import again"
            )
    yield held


def csv_header(path: Path) -> list[str]:
    """The column names of a CSV export (stripped, BOM-free)."""
    text, _ = read_text(path)
    _allow_long_cells()
    return [h.strip() for h in next(csv.reader(io.StringIO(text, newline=""), dialect=_csv_dialect(text)), [])]


def _shown(columns: list[str], most: int = 30, width: int = 60) -> str:
    """Column names for a message: a page of text read as a header is cut, not printed whole."""
    names = [c if len(c) <= width else c[:width] + "…" for c in columns[:most]]
    more = f" (+{len(columns) - most} more)" if len(columns) > most else ""
    return (", ".join(names) or "(none)") + more


def unrecognised(columns: list[str], expected: dict[str, tuple[str, ...]], path: Path) -> FormatError:
    """The error for a file none of whose columns are the ones a format needs."""
    wanted = "; ".join(f"{field}: {' | '.join(names)}" for field, names in expected.items())
    return FormatError(
        f"{path}: these columns are not recognised: {_shown(columns)}; expected one of {wanted}"
        " (or use --format csv --columns 'text=<column>,time=<column>')"
    )


def _json(path: Path) -> Any:
    text, _ = read_text(path)
    try:
        return json.loads(text)
    except RecursionError as exc:
        raise FormatError(f"{path}: not JSON (nested too deeply)") from exc
    except json.JSONDecodeError as exc:
        raise FormatError(f"{path}: not JSON ({exc})") from exc
    except ValueError as exc:  # not "use sys.set_int_max_str_digits()", which no user can do
        digits = sys.get_int_max_str_digits()
        raise FormatError(
            f"{path}: số quá dài (hơn {digits:,} chữ số) / a number longer than {digits:,} digits"
        ) from exc


def plain(value: Any) -> str:
    """A cell as text: a list (a message exported as its paragraphs) is joined by lines; an object is no text."""
    if isinstance(value, list):
        return "\n".join(p for p in (plain(v) for v in value) if p)
    if value is None or isinstance(value, dict | bool):
        return ""
    return str(value).strip()


# --- Facebook post ids and CrowdTangle times ---------------------------------------------

_POST_ID_IN_URL = re.compile(r"/(?:posts|videos|permalink)/(\d+)|[?&](?:story_fbid|fbid)=(\d+)")


def facebook_post_id(url: str | None) -> str:
    """The post's number in a Facebook post address (``/posts/123``, ``story_fbid=123``), or "".

    The same number every tool gives as the post id (facebook-scraper ``post_id``, Apify
    ``postId``, the end of CrowdTangle's ``platformId``), so one post read from two tools
    is one document.
    """
    match = _POST_ID_IN_URL.search(url or "")
    return (match.group(1) or match.group(2)) if match else ""


#: Zone abbreviations a CrowdTangle dashboard prints after ``Post Created`` (the zone its
#: owner chose). Ambiguous ones (CST, IST) are left out: a time in them is a ``bad_date``.
_ZONES = {
    "UTC": "+00:00", "GMT": "+00:00", "WET": "+00:00", "BST": "+01:00", "CET": "+01:00", "WAT": "+01:00",
    "CEST": "+02:00", "EET": "+02:00", "CAT": "+02:00", "EEST": "+03:00", "MSK": "+03:00", "EAT": "+03:00",
    "PKT": "+05:00", "ICT": "+07:00", "WIB": "+07:00", "SGT": "+08:00", "HKT": "+08:00", "PHT": "+08:00",
    "AWST": "+08:00", "JST": "+09:00", "KST": "+09:00", "AEST": "+10:00", "AEDT": "+11:00", "NZST": "+12:00",
    "NZDT": "+13:00", "ART": "-03:00", "BRT": "-03:00", "ADT": "-03:00", "AST": "-04:00", "EDT": "-04:00",
    "EST": "-05:00", "CDT": "-05:00", "MDT": "-06:00", "MST": "-07:00", "PDT": "-07:00", "PST": "-08:00",
    "AKDT": "-08:00", "AKST": "-09:00", "HST": "-10:00",
}  # fmt: skip
_ZONED = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2}(?::\d{2})?)\s+([A-Z]{2,5})$")
#: Not zones: the 12-hour clock's halves, in English and in a Vietnamese Windows locale.
_DAY_HALVES = frozenset({"AM", "PM", "SA", "CH"})


def with_zone(when: str) -> str | None:
    """``2021-07-05 18:02:45 BRT`` → ``2021-07-05T18:02:45-03:00``; other text unchanged.

    None for a time printed with a zone abbreviation we cannot place: read in the
    board's zone it would be hours off, so the row is skipped as ``bad_date``.
    """
    match = _ZONED.match(when.strip())
    if not match or match.group(3) in _DAY_HALVES:
        return when
    day, clock, abbr = match.groups()
    offset = _ZONES.get(abbr)
    return f"{day}T{clock}{offset}" if offset else None


# --- Meta Content Library ------------------------------------------------------------------


#: ``post_owner.type`` values that name a public owner (the Library's own words). Everything
#: else — ``profile``, ``user``, a type the Library adds later, or none — is pseudonymised:
#: a name wrongly hashed is a lost attribution, a person wrongly named is a privacy breach.
_MCL_PUBLIC_OWNERS = frozenset({"page", "group", "event"})


def meta_content_library(path: Path) -> Iterator[Post | Skip]:
    """Facebook/Instagram posts from a Meta Content Library CSV download."""
    if path.suffix.lower() in (".json", ".jsonl"):  # read as CSV, its first line was called "columns"
        raise FormatError(
            f"{path}: a Meta Content Library download is a CSV file, this is {path.suffix}; try --format auto"
        )
    header = csv_header(path)
    if "text" not in header:
        raise unrecognised(header, {"text": ("text",), "time": ("creation_time",), "id": ("id",)}, path)
    for row in _csv_rows(path):
        owner_type = _text(row.get("post_owner.type")).lower()
        owner = _text(row.get("post_owner.name")) or _text(row.get("post_owner.username"))
        # Only an owner the Library marks as a Page (or a group, an event) keeps its name: a
        # profile, an Instagram account, or an owner with no type at all is treated as a person.
        person = owner_type not in _MCL_PUBLIC_OWNERS
        platform = "instagram" if "instagram.com" in _text(row.get("url")) else "facebook"
        yield Post(
            platform=platform,
            post_id=_text(row.get("id")),
            text=_text(row.get("text")),
            when=_text(row.get("creation_time")) or None,
            public_name=None if person else owner or None,
            individual=owner if person else None,
            url=_text(row.get("url")) or None,
            likes=row.get("statistics.reaction_count") or row.get("statistics.like_count"),
            comments=row.get("statistics.comment_count"),
            shares=row.get("statistics.share_count"),
            views=row.get("statistics.views"),
            naive_utc=True,
        )


# --- YouTube Data API ------------------------------------------------------------------------


def youtube(path: Path) -> Iterator[Post | Skip]:
    """Videos or comments from saved YouTube Data API v3 responses (one, or a list of pages)."""
    data = _json(path)
    pages = data if isinstance(data, list) else [data]
    for page in pages:
        if not isinstance(page, dict) or not isinstance(page.get("items"), list):
            raise FormatError(f"{path}: expected YouTube Data API responses with an 'items' list")
        for item in page["items"]:
            kind = item.get("kind", "") if isinstance(item, dict) else ""
            if kind == "youtube#commentThread":
                top = _get(item, "snippet.topLevelComment")
                yield _youtube_comment(top)
                for reply in _listed(_get(item, "replies.comments")):
                    yield _youtube_comment(reply)
            elif kind == "youtube#comment":
                yield _youtube_comment(item)
            elif kind in ("youtube#video", "youtube#searchResult"):
                yield _youtube_video(item)
            else:
                yield Skip(SkipReason.UNKNOWN_ITEM)


def _youtube_video(item: dict[str, Any]) -> Post:
    video_id = item["id"].get("videoId", "") if isinstance(item.get("id"), dict) else _text(item.get("id"))
    snippet = item.get("snippet") or {}
    return Post(
        platform="youtube",
        post_id=video_id,
        title=_text(snippet.get("title")),
        text=_text(snippet.get("description")) or _text(snippet.get("title")),
        when=_text(snippet.get("publishedAt")) or None,
        public_name=_text(snippet.get("channelTitle")) or None,
        url=f"https://www.youtube.com/watch?v={video_id}" if video_id else None,
        likes=_get(item, "statistics.likeCount"),
        comments=_get(item, "statistics.commentCount"),
        views=_get(item, "statistics.viewCount"),
    )


def _youtube_comment(comment: Any) -> Post | Skip:
    if not isinstance(comment, dict):
        return Skip(SkipReason.UNKNOWN_ITEM)
    snippet = comment.get("snippet") or {}
    text = _text(snippet.get("textOriginal")) or _strip_html(_text(snippet.get("textDisplay")))
    author = _text(_get(snippet, "authorChannelId.value")) or _text(snippet.get("authorDisplayName"))
    video = _text(snippet.get("videoId"))
    comment_id = _text(comment.get("id"))
    return Post(
        platform="youtube",
        post_id=comment_id,
        text=text,
        when=_text(snippet.get("publishedAt")) or None,
        individual=author or None,
        url=f"https://www.youtube.com/watch?v={video}&lc={comment_id}" if video and comment_id else None,
        likes=snippet.get("likeCount"),
    )


def _strip_html(text: str) -> str:
    return unescape(re.sub(r"<br\s*/?>", "\n", re.sub(r"<(?!br)[^>]+>", "", text)))


# --- TikTok Research API ---------------------------------------------------------------------


def tiktok(path: Path) -> Iterator[Post | Skip]:
    """Videos or comments from saved TikTok Research API responses (one, or a list of pages)."""
    data = _json(path)
    pages = data if isinstance(data, list) else [data]
    for page in pages:
        body = page.get("data") if isinstance(page, dict) else None
        if not isinstance(body, dict) or not ({"videos", "comments"} & set(body)):
            raise FormatError(f"{path}: expected TikTok Research API responses with data.videos or data.comments")
        for video in _listed(body.get("videos")):
            yield _tiktok_video(video) if isinstance(video, dict) else Skip(SkipReason.UNKNOWN_ITEM)
        for comment in _listed(body.get("comments")):
            yield _tiktok_comment(comment) if isinstance(comment, dict) else Skip(SkipReason.UNKNOWN_ITEM)


def _listed(value: Any) -> list[Any]:
    """A response's list of items; a lone value where the list should be is one item (skipped as unknown), not a crash."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _epoch(value: Any) -> datetime | str | None:
    """Research API times are Unix seconds; anything else is parsed (or rejected) later.

    Seconds no clock reaches (``1e20``, ``NaN``) are passed on as text, so the row is
    skipped as ``bad_date`` like any other unreadable time instead of ending the import.
    """
    if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
        try:
            return datetime.fromtimestamp(int(value), UTC)
        except (OverflowError, OSError, ValueError):
            return str(value)
    return _text(value) or None


def _tiktok_video(video: dict[str, Any]) -> Post:
    spoken = _text(video.get("voice_to_text"))
    text = "\n".join(t for t in (_text(video.get("video_description")), spoken) if t)
    return Post(
        platform="tiktok",
        post_id=_text(video.get("id")),
        text=text,
        when=_epoch(video.get("create_time")),
        individual=_text(video.get("username")) or None,
        likes=video.get("like_count"),
        comments=video.get("comment_count"),
        shares=video.get("share_count"),
        views=video.get("view_count"),
    )


def _tiktok_comment(comment: dict[str, Any]) -> Post:
    return Post(
        platform="tiktok",
        post_id=_text(comment.get("id")),
        text=_text(comment.get("text")),
        when=_epoch(comment.get("create_time")),
        likes=comment.get("like_count"),
    )


# --- a generic CSV ---------------------------------------------------------------------------


def parse_columns(spec: str) -> dict[str, str]:
    """``"text=Nội dung,time=Thời gian"`` → ``{"text": "Nội dung", "time": "Thời gian"}``."""
    columns: dict[str, str] = {}
    for part in (p for p in spec.split(",") if p.strip()):
        field, sep, column = part.partition("=")
        field = field.strip().lower()
        if not sep or not column.strip():
            raise FormatError(f"column map entry {part!r}: write field=Column")
        if field not in GENERIC_FIELDS:
            raise FormatError(f"column map: unknown field {field!r} (known: {', '.join(GENERIC_FIELDS)})")
        columns[field] = column.strip()
    if "text" not in columns:
        raise FormatError("column map: 'text=<column>' is required")
    return columns


def generic_csv(path: Path, columns: dict[str, str], platform: str) -> Iterator[Post | Skip]:
    """Any CSV, read through a column map (see ``parse_columns``)."""
    header = csv_header(path)
    missing = [c for c in columns.values() if c not in header]
    if missing:
        raise FormatError(f"{path}: no column(s) {', '.join(map(repr, missing))}; the file has {_shown(header)}")
    rows = _csv_rows(path)
    first = next(rows, None)
    if first is None:
        raise FormatError(f"{path}: a header and no rows")
    # A sheet with neither an id nor a link column identifies a row by its content; one
    # that has them and leaves a row's cell empty skips that row (``no_post_id``).
    by_content = "id" not in columns and "url" not in columns
    for row in (first, *rows):
        values = {field: _text(row.get(column)) for field, column in columns.items()}
        yield Post(
            platform=platform,
            post_id=content_id(values) if by_content else values.get("id") or values.get("url", ""),
            text=values.get("text", ""),
            title=values.get("title", ""),
            when=values.get("time") or None,
            public_name=values.get("page") or None,
            individual=values.get("author") or None,
            url=values.get("url") or None,
            likes=values.get("likes"),
            comments=values.get("comments"),
            shares=values.get("shares"),
            views=values.get("views"),
        )


def content_id(values: dict[str, str]) -> str:
    """A post id for a sheet without id and link columns: the hash of who, when and what.

    Stable across re-imports of the same sheet (so a re-import is no duplicate); a row
    without text gets none and is skipped as ``no_text`` anyway.
    """
    if not values.get("text"):
        return ""
    key = "\x1f".join(values.get(k, "") for k in ("time", "author", "page", "text"))
    return "content-" + hashlib.sha256(key.encode()).hexdigest()[:24]


def sniff(path: Path) -> str:
    """The format of an export file: meta, youtube, tiktok or facebook (the default)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        header = csv_header(path)
        return "meta" if {"creation_time", "post_owner.name"} <= set(header) else "facebook"
    if suffix == ".json":
        head = read_text(path)[0][:4000]
        if '"youtube#' in head:
            return "youtube"
        if re.search(r'"(videos|comments)"\s*:', head) and '"data"' in head:
            return "tiktok"
    return "facebook"
