"""Vietnamese date parsing.

Outlets print dates in many shapes ("Thứ hai, 30/8/2021, 14:05 (GMT+7)",
"30/08/2021 - 14:05", "24/12/12 11:05 tối", "2 giờ trước", "ngày 30 tháng 8 năm 2021"),
feeds use RFC 822, and meta tags use ISO 8601, sometimes without an offset. Every result
is timezone-aware: a date without an offset is read in the page's zone — the board's
(``Settings.tz``, Asia/Ho_Chi_Minh unless ``TINRADAR_TIMEZONE`` says otherwise), because
that is what a local outlet means by it; every caller passes that zone, so there is no
default here to forget.

``parse_when`` also says whether a time of day was printed (``DatePrecision``): a date
without one must not be mistaken for midnight.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from tinradar.schema import DatePrecision
from tinradar.text import fold

_ISO = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?\s*(Z|[+-]\d{2}:?\d{2})?$", re.I)
_DMY = re.compile(r"(?<!\d)(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})(?!\d)")
#: Two-digit years ("ngày 24/12/12"), tried only when no four-digit date is printed.
_DMY2 = re.compile(r"(?<![\d/.-])(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{2})(?![\d/.-])")
_YMD = re.compile(r"(?<!\d)(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})(?!\d)")
_WORDY = re.compile(r"ngay\s+(\d{1,2})\s+thang\s+(\d{1,2})\s+nam\s+(\d{4})")
_TIME = re.compile(
    r"(?<![\d/.-])(\d{1,2})\s*(?::|h|g|gio)\s*(\d{2})(?::(\d{2}))?(?:\s*(am|pm|sa|ch|sang|trua|chieu|toi|dem)\b)?(?![\d/])",
    re.I,
)
#: Hours to add for a part of the day written after the time (folded): (hours below which it applies, shift).
_DAY_PART = {"pm": (12, 12), "ch": (12, 12), "chieu": (12, 12), "toi": (12, 12), "dem": (12, 12), "trua": (6, 12)}
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


class When(NamedTuple):
    """A parsed date and how much of it was printed."""

    value: datetime
    precision: DatePrecision


def parse_date(text: str | None, *, tz: ZoneInfo, now: datetime | None = None) -> datetime | None:
    """Parse a date as printed by a Vietnamese outlet, a feed or a meta tag.

    Returns a timezone-aware datetime, or None when nothing date-like is found. ``tz``
    is the board's zone (``Settings.tz``), for dates printed without an offset; ``now``
    anchors relative dates ("2 giờ trước"); it defaults to the current time.
    """
    when = parse_when(text, now=now, tz=tz)
    return when.value if when else None


def parse_when(
    text: str | None, *, tz: ZoneInfo, now: datetime | None = None, month_first: bool = False
) -> When | None:
    """Like ``parse_date``, with the precision: ``day`` when no time of day was printed.

    ``month_first`` reads "03-08-2011" as 8 March (pages that print month-first dates,
    see ``month_first_page``). An ISO value of exactly 00:00:00 counts as a day: it is
    how content systems write a date without a time.
    """
    if not text:
        return None
    raw = " ".join(str(text).split())
    if not raw:
        return None
    when = _parse_iso(raw, tz) or _parse_rfc822(raw, tz)
    if when is not None:
        return when
    folded = fold(raw)
    value = _parse_relative(folded, now, tz)
    if value is not None:
        # "hôm qua lúc chiều" names a day, not a time: midnight is then a placeholder.
        day_only = re.search(r"\bhom (qua|nay)\b", folded) and _find_time(folded) is None
        return When(value, DatePrecision.DAY if day_only else DatePrecision.MINUTE)
    return _parse_vietnamese(folded, tz, month_first=month_first)


def month_first_page(texts: list[str]) -> bool:
    """True when a page's numeric dates are month-first ("12-27-2012" but never "27-12-2012")."""
    first_big = second_big = False
    for text in texts:
        for match in _DMY.finditer(text):
            a, b = int(match.group(1)), int(match.group(2))
            first_big |= a > 12
            second_big |= b > 12
    return second_big and not first_big


_URL_STAMP = re.compile(r"(?<!\d)(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(\d{6})\d{0,5}(?!\d)")


def url_day(url: str | None, *, tz: ZoneInfo) -> datetime | None:
    """The day in an article id stamp ("...-20121226051446379..." → 26/12/2012), or None.

    Only the day: the stamp's clock is the content system's creation time (a 12-hour
    clock on some 2012 layouts), minutes to hours before publication.
    """
    match = _URL_STAMP.search(url or "")
    if not match:
        return None
    try:
        return datetime(int(match.group(1)), int(match.group(2)), int(match.group(3)), tzinfo=tz)
    except ValueError:
        return None


def _aware(value: datetime, tz: ZoneInfo) -> datetime:
    return value.replace(tzinfo=tz) if value.tzinfo is None else value


def _parse_iso(raw: str, tz: ZoneInfo) -> When | None:
    text = raw
    low = text.lower()
    for abbr, offset in _TZ_ABBR.items():
        if low.endswith(" " + abbr):
            text = text[: -len(abbr) - 1] + offset
            break
    match = _ISO.match(text)
    if not match:
        return None
    day, clock, offset = match.groups()
    offset = (offset or "").upper().replace("Z", "+00:00")
    if offset and ":" not in offset:
        offset = f"{offset[:3]}:{offset[3:]}"
    try:
        value = _aware(datetime.fromisoformat(f"{day}T{clock or '00:00'}{offset}"), tz)
    except ValueError:
        return None
    midnight = clock is None or (value.hour, value.minute, value.second) == (0, 0, 0)
    return When(value, DatePrecision.DAY if midnight else DatePrecision.MINUTE)


def _parse_rfc822(raw: str, tz: ZoneInfo) -> When | None:
    if not re.match(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}", raw):
        return None
    # Dân trí and Tuổi Trẻ end pubDate with "GMT+7", which the e-mail parser takes for no
    # zone at all: the offset is read here, or the time would land in the board's zone.
    offset = _OFFSET.search(raw)
    # "+07" (GenK) is hours; the e-mail parser would read it as seven minutes.
    raw = re.sub(r"(\s[+-]\d{2})$", r"\g<1>00", raw)
    try:
        value = parsedate_to_datetime(raw[: offset.start()] if offset else raw)
    except (TypeError, ValueError, IndexError):
        return None
    if offset and value.tzinfo is None:
        value = value.replace(tzinfo=_zone(offset))
    return When(_aware(value, tz), DatePrecision.MINUTE)


def _zone(offset: re.Match[str]) -> timezone:
    """The fixed zone of a "GMT+7" / "UTC-05:30" match of ``_OFFSET``."""
    sign = 1 if offset.group(1) == "+" else -1
    return timezone(sign * timedelta(hours=int(offset.group(2)), minutes=int(offset.group(3) or 0)))


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
        part = (match.group(4) or "").lower()
        below, shift = _DAY_PART.get(part, (0, 0))
        if hour < below and not (part == "dem" and hour < 6):  # "2 giờ đêm" is 02:00
            hour += shift
        elif part in ("am", "sa", "sang") and hour == 12:
            hour = 0
        if hour < 24 and minute < 60 and second < 60:
            return hour, minute, second
    return None


def _parse_vietnamese(folded: str, tz: ZoneInfo, *, month_first: bool = False) -> When | None:
    day = month = year = None
    date_span = (0, 0)
    for pattern, order in ((_WORDY, "dmy"), (_DMY, "dmy"), (_YMD, "ymd"), (_DMY2, "dmy")):
        match = pattern.search(folded)
        if match:
            a, b, c = (int(g) for g in match.groups())
            day, month, year = (a, b, c) if order == "dmy" else (c, b, a)
            if pattern is _DMY2:
                year += 2000
            if month_first and pattern is not _YMD:
                day, month = month, day
            date_span = match.span()
            break
    if year is None or day is None or month is None:
        return None
    rest = folded[: date_span[0]] + " " + folded[date_span[1] :]
    time = _find_time(rest)
    zone: ZoneInfo | timezone = tz
    offset = _OFFSET.search(rest)
    try:
        value = datetime(year, month, day, *(time or (0, 0, 0)))
    except ValueError:
        return None
    if offset:
        zone = _zone(offset)
    return When(value.replace(tzinfo=zone), DatePrecision.MINUTE if time else DatePrecision.DAY)
