from datetime import UTC, datetime, timedelta

import pytest

from crawlers.dates import parse_date
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
