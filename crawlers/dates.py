"""Vietnamese date parsing.

Outlets print dates in many shapes ("Thứ hai, 30/8/2021, 14:05 (GMT+7)",
"30/08/2021 - 14:05", "2 giờ trước", "ngày 30 tháng 8 năm 2021"), feeds use RFC 822, and
meta tags use ISO 8601, sometimes without an offset. Every result is timezone-aware: a
date without an offset is read in the board's zone (``Settings.tz``, Asia/Ho_Chi_Minh
unless ``TINRADAR_TIMEZONE`` says otherwise), because that is what a local outlet means by
it; every caller passes that zone, so there is no default here to forget.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

from tinradar.text import fold

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?$", re.I)
_DMY = re.compile(r"(?<!\d)(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})(?!\d)")
_YMD = re.compile(r"(?<!\d)(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})(?!\d)")
_WORDY = re.compile(r"ngay\s+(\d{1,2})\s+thang\s+(\d{1,2})\s+nam\s+(\d{4})")
_TIME = re.compile(r"(?<![\d/.-])(\d{1,2})\s*(?::|h|g|gio)\s*(\d{2})(?::(\d{2}))?(?:\s*(am|pm|sa|ch))?(?![\d/])", re.I)
_OFFSET = re.compile(r"(?:gmt|utc)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?", re.I)
_RELATIVE = re.compile(r"(\d+)\s*(giay|phut|gio|tieng|ngay|tuan|thang)\s*truoc")
_UNITS = {
    "giay": timedelta(seconds=1),
    "phut": timedelta(minutes=1),
    "gio": timedelta(hours=1),
    "tieng": timedelta(hours=1),
    "ngay": timedelta(days=1),
    "tuan": timedelta(weeks=1),
    "thang": timedelta(days=30),
}
_TZ_ABBR = {"ict": "+07:00", "gmt": "+00:00", "utc": "+00:00", "z": "+00:00"}


def parse_date(text: str | None, *, tz: ZoneInfo, now: datetime | None = None) -> datetime | None:
    """Parse a date as printed by a Vietnamese outlet, a feed or a meta tag.

    Returns a timezone-aware datetime, or None when nothing date-like is found. ``tz``
    is the board's zone (``Settings.tz``), for dates printed without an offset; ``now`` anchors relative dates ("2 giờ trước"); it defaults to the current time.
    """
    if not text:
        return None
    raw = " ".join(str(text).split())
    if not raw:
        return None
    for parse in (_parse_iso, _parse_rfc822):
        value = parse(raw, tz)
        if value is not None:
            return value
    folded = fold(raw)
    value = _parse_relative(folded, now, tz)
    if value is not None:
        return value
    return _parse_vietnamese(folded, tz)


def _aware(value: datetime, tz: ZoneInfo) -> datetime:
    return value.replace(tzinfo=tz) if value.tzinfo is None else value


def _parse_iso(raw: str, tz: ZoneInfo) -> datetime | None:
    text = raw
    low = text.lower()
    for abbr, offset in _TZ_ABBR.items():
        if low.endswith(" " + abbr):
            text = text[: -len(abbr) - 1] + offset
            break
    if not _ISO.match(text):
        return None
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text.replace(" ", "T", 1) if "T" not in text else text)
    text = re.sub(r"T([+-])", r"\1", text)  # "2021-08-30+07:00" after the space swap
    try:
        return _aware(datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00")), tz)
    except ValueError:
        return None


def _parse_rfc822(raw: str, tz: ZoneInfo) -> datetime | None:
    if not re.match(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}", raw):
        return None
    try:
        return _aware(parsedate_to_datetime(raw), tz)
    except (TypeError, ValueError, IndexError):
        return None


def _parse_relative(folded: str, now: datetime | None, tz: ZoneInfo) -> datetime | None:
    anchor = (now or datetime.now(tz)).astimezone(tz)
    if re.search(r"\bvua (xong|dang|moi)\b|\bmoi day\b", folded):
        return anchor
    match = _RELATIVE.search(folded)
    if match:
        return anchor - int(match.group(1)) * _UNITS[match.group(2)]
    if "hom qua" in folded:
        day = anchor - timedelta(days=1)
        return _with_time(day.replace(hour=0, minute=0, second=0, microsecond=0), folded, tz)
    if re.search(r"\bhom nay\b", folded):
        return _with_time(anchor.replace(hour=0, minute=0, second=0, microsecond=0), folded, tz)
    return None


def _with_time(day: datetime, folded: str, tz: ZoneInfo) -> datetime:
    time = _find_time(folded)
    if time is not None:
        day = day.replace(hour=time[0], minute=time[1], second=time[2])
    return day


def _find_time(folded: str) -> tuple[int, int, int] | None:
    for match in _TIME.finditer(folded):
        hour, minute = int(match.group(1)), int(match.group(2))
        second = int(match.group(3) or 0)
        meridiem = (match.group(4) or "").lower()
        if meridiem in ("pm", "ch") and hour < 12:
            hour += 12
        elif meridiem in ("am", "sa") and hour == 12:
            hour = 0
        if hour < 24 and minute < 60 and second < 60:
            return hour, minute, second
    return None


def _parse_vietnamese(folded: str, tz: ZoneInfo) -> datetime | None:
    day = month = year = None
    date_span = (0, 0)
    for pattern, order in ((_WORDY, "dmy"), (_DMY, "dmy"), (_YMD, "ymd")):
        match = pattern.search(folded)
        if match:
            a, b, c = (int(g) for g in match.groups())
            day, month, year = (a, b, c) if order == "dmy" else (c, b, a)
            date_span = match.span()
            break
    if year is None or day is None or month is None:
        return None
    rest = folded[: date_span[0]] + " " + folded[date_span[1] :]
    time = _find_time(rest) or (0, 0, 0)
    zone: ZoneInfo | object = tz
    offset = _OFFSET.search(rest)
    try:
        value = datetime(year, month, day, *time)
    except ValueError:
        return None
    if offset:
        sign = 1 if offset.group(1) == "+" else -1
        delta = timedelta(hours=int(offset.group(2)), minutes=int(offset.group(3) or 0))
        from datetime import timezone

        zone = timezone(sign * delta)
    return value.replace(tzinfo=zone)  # type: ignore[arg-type]
