from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from crawlers.dates import month_first_page, parse_date, parse_when, url_day
from tinradar.settings import VN_TZ

NOW = datetime(2021, 8, 30, 16, 0, tzinfo=VN_TZ)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thứ hai, 30/8/2021, 14:05 (GMT+7)", datetime(2021, 8, 30, 14, 5, tzinfo=VN_TZ)),
        ("30/08/2021 - 14:05", datetime(2021, 8, 30, 14, 5, tzinfo=VN_TZ)),
        ("Ngày đăng: 30/08/2021 10:00", datetime(2021, 8, 30, 10, 0, tzinfo=VN_TZ)),
        ("2021-08-30T14:05:00+07:00", datetime(2021, 8, 30, 14, 5, tzinfo=VN_TZ)),
        ("2021-08-30T14:05:00", datetime(2021, 8, 30, 14, 5, tzinfo=VN_TZ)),
        ("2025-10-09T17:55:47+0700", datetime(2025, 10, 9, 17, 55, 47, tzinfo=VN_TZ)),
        ("2021-08-30T07:05:00Z", datetime(2021, 8, 30, 7, 5, tzinfo=UTC)),
        ("Mon, 30 Aug 2021 14:05:00 +0700", datetime(2021, 8, 30, 14, 5, tzinfo=VN_TZ)),
        ("07-03-2026 - 00:01 AM", datetime(2026, 3, 7, 0, 1, tzinfo=VN_TZ)),
        ("Thứ Hai, 24/12/2012, 03:04 PM (GMT+7)", datetime(2012, 12, 24, 15, 4, tzinfo=VN_TZ)),
        ("ngày 30 tháng 8 năm 2021", datetime(2021, 8, 30, tzinfo=VN_TZ)),
        ("2021-08-30 14:05:00 ICT", datetime(2021, 8, 30, 14, 5, tzinfo=VN_TZ)),
        ("Cập nhật 14h05 30/08/2021", datetime(2021, 8, 30, 14, 5, tzinfo=VN_TZ)),
        ("2 giờ trước", NOW - timedelta(hours=2)),
        ("5 phút trước", NOW - timedelta(minutes=5)),
        ("hôm qua lúc 9:30", datetime(2021, 8, 29, 9, 30, tzinfo=VN_TZ)),
    ],
)
def test_vietnamese_dates(text: str, expected: datetime) -> None:
    value = parse_date(text, now=NOW, tz=VN_TZ)
    assert value == expected
    assert value is not None and value.tzinfo is not None


@pytest.mark.parametrize("text", ["", None, "không có ngày", "35/13/2021"])
def test_not_a_date(text: str | None) -> None:
    assert parse_date(text, now=NOW, tz=VN_TZ) is None


def test_offset_is_kept() -> None:
    value = parse_date("Thứ hai, 30/8/2021, 14:05 (GMT+7)", tz=VN_TZ)
    assert value is not None and value.utcoffset() == timedelta(hours=7)


@pytest.mark.parametrize(
    ("text", "expected", "precision"),
    [
        ("Thứ Hai, 24/12/2012, 21:05 (GMT+7)", datetime(2012, 12, 24, 21, 5, tzinfo=VN_TZ), "minute"),
        ("24/12/2012 | 21:05", datetime(2012, 12, 24, 21, 5, tzinfo=VN_TZ), "minute"),
        ("21:05 24/12/2012", datetime(2012, 12, 24, 21, 5, tzinfo=VN_TZ), "minute"),
        ("| Cập nhật thứ hai, ngày 24/12/12 11:05 tối", datetime(2012, 12, 24, 23, 5, tzinfo=VN_TZ), "minute"),
        ("ngày 30/11/12 04:00 chiều", datetime(2012, 11, 30, 16, 0, tzinfo=VN_TZ), "minute"),
        ("lúc 1:30 trưa 05/01/2021", datetime(2021, 1, 5, 13, 30, tzinfo=VN_TZ), "minute"),
        ("02h15 đêm 05/01/2021", datetime(2021, 1, 5, 2, 15, tzinfo=VN_TZ), "minute"),
        ("11h15 đêm 05/01/2021", datetime(2021, 1, 5, 23, 15, tzinfo=VN_TZ), "minute"),
        ("15:20 PM | 21/12/2012", datetime(2012, 12, 21, 15, 20, tzinfo=VN_TZ), "minute"),
        ("07/03/2026 08:52 (GMT+07:00)", datetime(2026, 3, 7, 8, 52, tzinfo=VN_TZ), "minute"),
        ("2026-03-07T08:52:11.000 +07:00", datetime(2026, 3, 7, 8, 52, 11, tzinfo=VN_TZ), "minute"),
        ("2012-12-25", datetime(2012, 12, 25, tzinfo=VN_TZ), "day"),
        ("2021-08-30T00:00:00+07:00", datetime(2021, 8, 30, tzinfo=VN_TZ), "day"),
        ("Thứ Bảy, Ngày 07 tháng 03 năm 2026,", datetime(2026, 3, 7, tzinfo=VN_TZ), "day"),
        ("(25/12/2012)", datetime(2012, 12, 25, tzinfo=VN_TZ), "day"),
    ],
)
def test_precision(text: str, expected: datetime, precision: str) -> None:
    """A day without a time says so: midnight is a placeholder, not a publication time."""
    when = parse_when(text, now=NOW, tz=VN_TZ)
    assert when is not None and when.value == expected and when.precision.value == precision


def test_month_first_pages() -> None:
    """'03-08-2011' is 8 March on a page that also prints '12-27-2012', else 3 August."""
    assert month_first_page(["Published on 03-08-2011 01:00 AM", "12-27-2012"])
    assert not month_first_page(["03-08-2011", "27-12-2012"])
    when = parse_when("Published on 03-08-2011 01:00 AM", month_first=True, tz=VN_TZ)
    assert when is not None and when.value == datetime(2011, 3, 8, 1, 0, tzinfo=VN_TZ)


def test_url_stamp_gives_the_day_only() -> None:
    """Article ids carry the content system's creation clock (12-hour on 2012 NLĐ)."""
    day = url_day("http://nld.com.vn/20121226051446379p0c1019/thieu-tien-hui.htm", tz=VN_TZ)
    assert day == datetime(2012, 12, 26, tzinfo=VN_TZ)
    assert url_day("https://tuoitre.vn/chien-su-20260307075519174.htm", tz=VN_TZ) == datetime(2026, 3, 7, tzinfo=VN_TZ)
    assert url_day("https://vnexpress.net/cach-cac-nuoc-5047363.html", tz=VN_TZ) is None
    assert url_day("https://x.vn/a-20261399123456.htm", tz=VN_TZ) is None  # month 13: not a date


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("Mon, 12 Jun 2017 10:50:00 GMT+7", 7),  # Dân trí / Tuổi Trẻ pubDate
        ("Mon, 05 Oct 2026 11:07:00 +07", 7),  # two-digit offset: hours, not seven minutes
        ("Sat, 18 Feb 2017 15:16:55 +0700", 7),  # VnExpress
        ("Tue, 07 Sep 2021 07:33:20 GMT", 0),
    ],
)
def test_feed_date_offsets_are_read_whatever_the_boards_zone(text: str, hours: int) -> None:
    """The printed offset decides the instant; the board's zone only fills in a missing one
    (a board outside Vietnam would otherwise see a "GMT+7" time 7 hours off)."""
    value = parse_date(text, tz=ZoneInfo("UTC"))
    assert value is not None and value.utcoffset() == timedelta(hours=hours)


def test_month_first_feed_dates() -> None:
    """Zing News 2017 ("2/18/2017 11:21:09 PM"): month-first and a 12-hour clock, no offset."""
    when = parse_when("2/18/2017 11:21:09 PM", tz=VN_TZ, month_first=True)
    assert when is not None and when.value == datetime(2017, 2, 18, 23, 21, 9, tzinfo=VN_TZ)
