"""Small units: topic filter, state file, feed and sitemap parsing, Telegram counts."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from crawlers.discovery import BrokenSitemap, Link, read_feed, read_sitemap
from crawlers.spiders.telegram import parse_count
from crawlers.state import StateReset, load_state, load_state_for, save_state
from crawlers.topic import is_covid_related
from tinradar.settings import VN_TZ

SITE = Path(__file__).resolve().parents[2] / "fixtures/site"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hà Nội tiếp tục giãn cách xã hội thêm hai tuần", True),
        ("Tiem vac xin mui 2 cho nguoi tren 65 tuoi", True),
        ("Phát hiện ca mắc COVID-19 mới tại xã Hợp Thành", True),
        ("Tối nay máy bay phun thuốc khử trùng", True),
        ("Bảo tàng tỉnh mở khu trưng bày văn hóa các dân tộc", False),
        ("Nông dân Hàm Yên thu hoạch cam sành", False),
        ("Giá rau xanh tăng mạnh sau mưa lớn", False),
    ],
)
def test_topic_filter(text: str, expected: bool) -> None:
    assert is_covid_related(text) is expected


def test_state_round_trip_and_corrupt_file(tmp_path: Path) -> None:
    state = load_state(tmp_path, "src")
    state.mark_seen("https://a.example/x")
    state.remember("https://a.example/feed", '"abc"', "Tue, 07 Sep 2021 07:33:20 GMT")
    save_state(tmp_path, state)
    again = load_state(tmp_path, "src")
    assert again.is_seen("https://a.example/x")
    assert again.conditional_headers("https://a.example/feed") == {
        "If-None-Match": '"abc"',
        "If-Modified-Since": "Tue, 07 Sep 2021 07:33:20 GMT",
    }
    (tmp_path / "crawl_state" / "src.json").write_text("{not json", encoding="utf-8")
    fresh = load_state(tmp_path, "src")
    assert fresh.seen == {} and (tmp_path / "crawl_state" / "src.corrupt.json").is_file()


def test_state_is_trusted_only_for_the_index_it_fed(tmp_path: Path) -> None:
    def saved(epoch: str | None) -> None:
        state = load_state(tmp_path, "src")
        state.seen, state.validators, state.failed = {}, {}, {}
        state.mark_seen("https://a.example/x")
        state.mark_failed("https://a.example/y", "no_body", "layout-1")
        state.remember("https://a.example/feed", '"abc"', None)
        state.index_epoch = epoch
        save_state(tmp_path, state)

    saved("e1")
    kept, reset = load_state_for(tmp_path, "src", "e1", in_index=False)
    assert reset is None and kept.is_seen("https://a.example/x") and kept.index_epoch == "e1"
    fresh, reset = load_state_for(tmp_path, "src", "e2", in_index=True)
    assert reset is StateReset.NEW_INDEX and fresh.index_epoch == "e2"
    assert fresh.seen == {} and fresh.failed == {} and fresh.validators == {}
    # no index (``tinradar crawl``): the state as it is, its epoch untouched
    alone, reset = load_state_for(tmp_path, "src", None, in_index=None)
    assert reset is None and alone.is_seen("https://a.example/x") and alone.index_epoch == "e1"

    saved(None)  # a state from before epochs
    adopted, reset = load_state_for(tmp_path, "src", "e1", in_index=True)
    assert reset is None and adopted.is_seen("https://a.example/x") and adopted.index_epoch == "e1"
    unknown, reset = load_state_for(tmp_path, "src", "e1", in_index=None)
    assert reset is None and unknown.is_seen("https://a.example/x")
    lost, reset = load_state_for(tmp_path, "src", "e1", in_index=False)
    assert (
        reset is StateReset.NOT_IN_INDEX
        and lost.seen == {}
        and lost.conditional_headers("https://a.example/feed") == {}
    )
    first, reset = load_state_for(tmp_path, "nothing-yet", "e1", in_index=False)
    assert reset is None and first.seen == {}, "no state yet: nothing to reset, nothing said"


def test_rss_and_atom() -> None:
    rss = read_feed((SITE / "tinnhanh/rss/thoi-su.rss").read_bytes(), tz=VN_TZ)
    assert rss.well_formed and len(rss.links) == 4
    assert rss.links[0].url.endswith("/tinnhanh/thoi-su/gia-rau-xanh-tang-manh.html")
    assert rss.links[0].published == datetime(2021, 8, 31, 11, 20, tzinfo=VN_TZ)
    atom = read_feed((SITE / "tinsoc/feed.atom").read_bytes(), tz=VN_TZ)
    assert atom.links[0].url.rsplit("/", 1)[1] == "bi-mat-chua-covid-bang-toi-va-nuoc-muoi.html"
    broken = read_feed((SITE / "baotantrao/rss/tin-moi.rss").read_bytes(), tz=VN_TZ)
    assert not broken.well_formed and broken.links == []


def test_feed_dates_in_the_boards_zone_and_permalink_guids() -> None:
    body = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
    <item><title>a</title><guid>http://x.example/a.html</guid><pubDate>30/08/2021 14:05</pubDate></item>
    <item><title>b</title><guid isPermaLink="false">b-1</guid></item></channel></rss>"""
    feed = read_feed(body, tz=ZoneInfo("UTC"))
    assert feed.links == [Link("http://x.example/a.html", datetime(2021, 8, 30, 14, 5, tzinfo=ZoneInfo("UTC")))]


def test_sitemaps() -> None:
    index = read_sitemap((SITE / "sonduong/sitemap.xml").read_bytes(), tz=VN_TZ)
    assert index.children == ["http://fixture.local/sonduong/sitemap-tin-tuc.xml"] and index.links == []
    news = read_sitemap((SITE / "baotantrao/sitemap-news.xml").read_bytes(), tz=VN_TZ)
    assert news.children == [] and len(news.links) == 6
    assert news.links[0] == Link(
        "http://fixture.local/baotantrao/tin/tiem-vac-xin-luu-dong-tai-xa-vung-cao.html",
        datetime(2021, 9, 6, 11, 10, tzinfo=VN_TZ),
    )
    for not_a_sitemap in (b"", b"<html><body>404</body></html>"):
        with pytest.raises(BrokenSitemap):
            read_sitemap(not_a_sitemap, tz=VN_TZ)


@pytest.mark.parametrize(
    ("text", "value"), [("15.2K", 15200), ("310", 310), ("1,3M", 1_300_000), ("", None), ("n/a", None)]
)
def test_telegram_counts(text: str, value: int | None) -> None:
    assert parse_count(text) == value
