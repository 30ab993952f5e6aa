"""Vietnamese labels and Jinja2 filters: how the desk shows statuses, risks, times and links."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import jinja2

from index.doc import IndexDoc
from tinradar.ids import safe_url  # the one rule for crawled links (also the daily report's)
from tinradar.text import body_span

STATUS_LABELS = {
    "new": "Chưa xem xét",
    "in_review": "Đang xem xét",
    "confirmed_false": "Sai sự thật",
    "misleading": "Gây hiểu lầm",
    "accurate": "Chính xác",
    "irrelevant": "Không liên quan",
}
STATUS_HELP = {
    "confirmed_false": "Đã đối chiếu: nội dung là tin sai/tin đồn.",
    "misleading": "Có phần đúng nhưng dễ gây hiểu sai.",
    "accurate": "Nội dung đúng sự thật.",
    "irrelevant": "Không liên quan đến COVID-19 hoặc không cần xử lý.",
}
RISK_LABELS = {"high": "Cao", "medium": "Trung bình", "low": "Thấp"}
SENTIMENT_LABELS = {"neg": "Tiêu cực", "neu": "Trung tính", "pos": "Tích cực"}
KIND_LABELS = {"news": "Báo chí", "social": "Mạng xã hội"}
ROLE_LABELS = {"reviewer": "Người duyệt", "analyst": "Phân tích viên (chỉ xem)", "admin": "Quản trị"}
STATUS_FILTERS = [("open", "Cần xử lý (chưa quyết định)"), ("all", "Tất cả"), *STATUS_LABELS.items()]
MODE_LABELS = {"risk": "Rủi ro cao trước", "uncertain": "Mô hình chưa chắc chắn trước"}


def local_time(value: datetime | None, tz: ZoneInfo, fmt: str = "%H:%M %d/%m/%Y") -> str:
    """A moment shown in the board's time zone; '' when unknown."""
    if value is None:
        return ""
    if value.tzinfo is None:
        return value.strftime(fmt)
    return value.astimezone(tz).strftime(fmt)


def snippet(doc: IndexDoc, limit: int = 180) -> str:
    """Title, or the start of the text, for queue rows."""
    text = doc.title.strip() or doc.text.strip()
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def highlighted(doc: IndexDoc) -> list[tuple[str, str | None]]:
    """The body as (segment, cue label or None) pieces: each cue's phrase marked where it
    stands, so a reviewer checks the cue in the text (the template escapes every piece)."""
    body = doc.text or ""
    marks: list[tuple[int, int, str]] = []
    for cue in doc.cue_spans:
        found = body_span(doc.title, body, cue.start, cue.end, cue.text)
        if found and all(found[1] <= s or found[0] >= e for s, e, _ in marks):
            marks.append((found[0], found[1], cue.label))
    pieces: list[tuple[str, str | None]] = []
    pos = 0
    for s, e, label in sorted(marks):
        pieces += [(body[pos:s], None), (body[s:e], label)]
        pos = e
    pieces.append((body[pos:], None))
    return [p for p in pieces if p[0]]


@lru_cache(maxsize=1)
def province_names() -> dict[str, str]:
    """Official province code → name, from the NLP gazetteer table."""
    from nlp.places import PlaceNames

    return PlaceNames.load().provinces


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def install(env: jinja2.Environment, tz: ZoneInfo) -> None:
    """Register filters and globals on the templates' environment."""
    env.filters["localtime"] = lambda v, fmt="%H:%M %d/%m/%Y": local_time(v, tz, fmt)
    env.filters["safe_url"] = safe_url
    env.filters["snippet"] = snippet
    env.filters["highlighted"] = highlighted
    env.filters["percent"] = percent
    env.filters["province"] = lambda code: province_names().get(code or "", code or "")
    env.globals.update(
        STATUS_LABELS=STATUS_LABELS,
        STATUS_HELP=STATUS_HELP,
        RISK_LABELS=RISK_LABELS,
        SENTIMENT_LABELS=SENTIMENT_LABELS,
        KIND_LABELS=KIND_LABELS,
        ROLE_LABELS=ROLE_LABELS,
        STATUS_FILTERS=STATUS_FILTERS,
        MODE_LABELS=MODE_LABELS,
    )
