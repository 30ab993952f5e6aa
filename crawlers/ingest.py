"""Import Facebook page/group posts from monitoring-tool export files (CSV or JSON).

Monitoring teams already receive such exports (CrowdTangle-style column names, or a
JSON list of posts). Page names are public and kept as ``author``; a post written by an
individual (a group member) keeps only ``author_hash``. Rows that cannot become a
document (no message, no post id, unreadable date) are skipped and counted.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from crawlers.dates import parse_date
from crawlers.reasons import SkipReason
from tinradar.ids import pseudonymize, social_id
from tinradar.schema import Document, Kind, utc_now
from tinradar.settings import Settings
from tinradar.text import clean_text, nfc

SOURCE_ID = "facebook-export"

#: Accepted column names (first match wins), normalised to lower case.
_ALIASES: dict[str, tuple[str, ...]] = {
    "post_id": ("post_id", "facebook id", "id", "post id", "fb id"),
    "page_name": ("page_name", "page name", "group name", "page", "name"),
    "page_type": ("page_type", "page type", "page category", "type"),
    "author": ("author", "author name", "user name", "member", "poster"),
    "post_time": ("post_time", "post created", "created_time", "created", "date", "time"),
    "message": ("message", "text", "content", "description"),
    "link": ("link", "url", "post url"),
    "likes": ("likes", "like count", "reactions", "total interactions"),
    "comments": ("comments", "comment count"),
    "shares": ("shares", "share count"),
}


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
    try:
        return max(0, int(str(value).replace(",", "").replace(".", "").strip()))
    except (TypeError, ValueError):
        return None


def _rows(path: Path) -> Iterator[dict[str, Any]]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            yield from csv.DictReader(fh)
    elif suffix in (".json", ".jsonl", ".ndjson"):
        text = path.read_text(encoding="utf-8-sig")
        if suffix != ".json":
            for line in text.splitlines():
                if line.strip():
                    yield json.loads(line)
            return
        data = json.loads(text)
        if isinstance(data, dict):
            data = data.get("posts") or data.get("data") or data.get("result", {}).get("posts") or []
        if not isinstance(data, list):
            raise ExportError(f"{path}: expected a list of posts (or {{'posts': [...]}})")
        yield from data
    else:
        raise ExportError(f"{path}: unknown export format {suffix!r} (use .csv or .json)")


def read_export(path: Path, settings: Settings, *, skipped: Counter[str] | None = None) -> Iterator[Document]:
    """Yield one ``Document`` per post of a Facebook export file (CSV or JSON).

    ``skipped`` (optional) receives the count of rows skipped, by reason (``SkipReason``).
    """
    path = Path(path)
    if not path.is_file():
        raise ExportError(f"export file not found: {path}")
    salt = settings.author_salt.get_secret_value()
    skipped = skipped if skipped is not None else Counter()
    seen: set[str] = set()
    for raw in _rows(path):
        row = _normalise(raw if isinstance(raw, dict) else {})
        message = clean_text(row.get("message"))
        if not message:
            skipped[SkipReason.NO_TEXT] += 1
            continue
        page = nfc(str(row.get("page_name", ""))).strip()
        post_id = str(row.get("post_id") or row.get("link") or "").strip()
        if not post_id:
            skipped[SkipReason.NO_POST_ID] += 1
            continue
        doc_id = social_id("facebook", post_id)
        if doc_id in seen:
            skipped[SkipReason.DUPLICATE_POST] += 1
            continue
        seen.add(doc_id)
        when = parse_date(str(row["post_time"]), tz=settings.tz) if row.get("post_time") else None
        if row.get("post_time") and when is None:
            skipped[SkipReason.BAD_DATE] += 1
            continue
        individual = str(row.get("author") or "").strip()
        group = str(row.get("page_type", "")).lower() == "group"
        link = str(row.get("link") or "").strip() or None
        # A group post without an author column has no public author to name.
        yield Document(
            id=doc_id,
            url=link,
            source_id=SOURCE_ID,
            kind=Kind.SOCIAL,
            platform="facebook",
            text=message,
            published_at=when,
            fetched_at=utc_now(),
            language="vi",
            author=None if individual or group else (page or None),
            author_hash=pseudonymize(individual, salt, "facebook") if individual else None,
            likes=_count(row.get("likes")),
            comments=_count(row.get("comments")),
            shares=_count(row.get("shares")),
        )
