"""Extraction on fixture pages (real outlet pages: test_real_pages.py)."""

import unicodedata

import pytest

from crawlers.dates import parse_date
from crawlers.extract import ExtractionError, decode_html, extract_article
from fixture_site.generate import SITE, encode_cp1258
from tinradar.settings import VN_TZ


def test_windows_1258_declared_in_meta() -> None:
    page = (SITE / "sonduong/tin-tuc/ke-hoach-tiem-vac-xin-dot-5.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        page.decode("utf-8")
    e = extract_article(page, "http://x/a.html", content_type="text/html", tz=VN_TZ)
    assert e.encoding == "cp1258"
    assert "huyện Sơn Dương tổ chức tiêm 4.800 liều vắc xin" in e.text
    assert unicodedata.is_normalized("NFC", e.text)


def test_cp1258_round_trip() -> None:
    text = "Tiêm vắc xin phòng COVID-19 tại huyện Sơn Dương, tỉnh Tuyên Quang"
    assert decode_html(f'<meta charset="windows-1258"><p>{text}</p>'.encode("ascii", "ignore") + encode_cp1258(text))[
        0
    ].endswith(text)


def test_nfd_page_becomes_nfc() -> None:
    page = (SITE / "tinnhanh/suc-khoe/bai-viet-unicode-to-hop.html").read_bytes()
    assert not unicodedata.is_normalized("NFC", page.decode("utf-8"))
    e = extract_article(page, "http://x/a.html", tz=VN_TZ)
    assert e.title == "Tuyên Quang phát động tháng cao điểm tiêm chủng vắc xin COVID-19"
    assert unicodedata.is_normalized("NFC", e.text + e.title)
    assert e.text.startswith(e.lead + "\n") and e.text.count(e.lead) == 1, "the lead comes first, once"
    assert e.text.split("\n")[1].startswith("Các huyện được giao chỉ tiêu")


def test_page_without_body_and_size_cap() -> None:
    with pytest.raises(ExtractionError) as info:
        extract_article((SITE / "tinnhanh/suc-khoe/trang-khong-co-noi-dung.html").read_bytes(), "http://x/", tz=VN_TZ)
    assert info.value.reason == "no_body"
    with pytest.raises(ExtractionError) as info:
        extract_article(b"<html>" + b"x" * 2000 + b"</html>", "http://x/", max_bytes=1000, tz=VN_TZ)
    assert info.value.reason == "too_large"


def test_portal_overrides_from_registry() -> None:
    from crawlers.registry import load_registry

    portal = {s.id: s for s in load_registry(SITE / "sources.yaml", {"base_url": "http://h"})}["sonduong-portal"]
    page = (SITE / "sonduong/tin-tuc/thong-bao-khong-phong-toa-toan-huyen.html").read_bytes()
    plain = extract_article(page, "http://x/", tz=VN_TZ)
    e = extract_article(page, "http://x/", selectors=portal.selectors, tz=VN_TZ)
    assert plain.title == "Cổng thông tin điện tử huyện Sơn Dương"  # without overrides: the <title>
    assert e.title == "Thông báo về việc cải chính thông tin phong tỏa toàn huyện Sơn Dương"
    assert e.published_at == parse_date("2021-09-03T21:00:00+07:00", tz=VN_TZ)
    assert e.text.startswith("UBND huyện Sơn Dương thông báo")
    assert e.url == "https://sonduong-portal.example/tin-tuc/thong-bao-khong-phong-toa-toan-huyen.html"
