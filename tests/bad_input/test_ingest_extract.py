"""``tinradar ingest`` and ``tinradar extract`` on the files and addresses users really give them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.bad_input.conftest import cli, cp1258

HEADER = "post_id,page_name,post_time,message,likes\n"
ROWS = [
    "1,UBND xã Hợp Thành,2021-09-03 08:00,Thông báo lịch tiêm vắc xin mũi 2 tại trạm y tế xã,12\n",
    "2,Tin nhanh,2021-09-03 09:00,Nghe nói tối nay trực thăng phun thuốc khử trùng,5\n",
]


def _texts(out: Path) -> list[str]:
    return [json.loads(x)["text"] for x in out.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize(
    ("encoding", "separator"), [("utf-8-sig", ","), ("cp1258", ","), ("utf-16", "\t"), ("utf-8", ";")]
)
def test_a_sheet_in_any_encoding_or_separator(home: Path, encoding: str, separator: str) -> None:
    sheet = home / "posts.csv"
    text = (HEADER + "".join(ROWS)).replace(",", separator)
    sheet.write_bytes(cp1258(text) if encoding == "cp1258" else text.encode(encoding))
    out = home / "out.jsonl"
    run = cli("ingest", str(sheet), "-o", str(out))
    assert run.code == 0, run.stderr
    assert _texts(out) == [
        "Thông báo lịch tiêm vắc xin mũi 2 tại trạm y tế xã",
        "Nghe nói tối nay trực thăng phun thuốc khử trùng",
    ]


@pytest.mark.parametrize("content", [b"", b"\n\n", b'{"posts": []}'])
def test_an_empty_file_is_an_error_not_a_silent_success(home: Path, content: bytes) -> None:
    name = "empty.json" if content.startswith(b"{") else "empty.csv"
    (home / name).write_bytes(content)
    run = cli("ingest", str(home / name), "-o", str(home / "out.jsonl"))
    assert run.code == 2 and ("empty" in run.said or "no posts" in run.said), run.stderr
    assert not (home / "out.jsonl").exists(), "no output file for nothing"


def test_unknown_columns_are_named_with_what_was_expected(home: Path) -> None:
    sheet = home / "posts.csv"
    sheet.write_text("Mã,Nội dung bài,Ngày\n1,Tin về vắc xin,03/09/2021\n", encoding="utf-8")
    run = cli("ingest", str(sheet))
    assert run.code == 2
    assert "these columns are not recognised: Mã, Nội dung bài, Ngày; expected one of message: message" in run.said
    assert "--format csv --columns" in run.said


def test_a_message_as_a_list_and_a_bad_jsonl_line(home: Path) -> None:
    lines = home / "posts.jsonl"
    lines.write_bytes(
        json.dumps({"post_id": "1", "message": ["Đoạn một.", "Đoạn hai."]}, ensure_ascii=False).encode() + b"\n"
        b"{broken\n"
        + b'{"post_id": "2", "message": {"nested": "x"}}\n'
        + '{"post_id": "3", "message": "Tin gi\xe1 r\xe9"}\n'.encode("latin-1")
    )
    out = home / "out.jsonl"
    run = cli("ingest", str(lines), "-o", str(out))
    assert run.code == 1 and "(bad_json): 1" in run.said and "(no_text): 1" in run.said
    assert _texts(out)[0] == "Đoạn một.\nĐoạn hai." and len(_texts(out)) == 2


def test_yesterday_in_an_export_is_the_day_before_the_export(home: Path) -> None:
    sheet = home / "posts.csv"
    sheet.write_text(HEADER + "9,Nhóm dân phố,hôm qua lúc chiều,Tin đồn phong tỏa toàn huyện,3\n", encoding="utf-8")
    out = home / "out.jsonl"
    run = cli("ingest", str(sheet), "-o", str(out), "--exported-at", "2021-09-05")
    assert run.code == 0, run.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["published_at"].startswith("2021-09-04T00:00:00") and doc["published_precision"] == "day"


def test_a_missing_output_folder(home: Path) -> None:
    sheet = home / "posts.csv"
    sheet.write_text(HEADER + ROWS[0], encoding="utf-8")
    run = cli("ingest", str(sheet), "--out", str(home / "missing" / "out.jsonl"))
    assert run.code == 2 and "no such folder" in run.said


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://[::1", "not a valid URL"),
        ("javascript:alert(1)", "only http and https"),
        ("https:///not a url at all", "no host"),
        ("ftp://example.vn/a.html", "only http and https"),
        ("https://example.vn/bài viết", "contains spaces"),
    ],
)
def test_extract_refuses_a_bad_url(home: Path, url: str, message: str) -> None:
    page = home / "page.html"
    page.write_text("<html><body><h1>Tin</h1><p>Nội dung</p></body></html>", encoding="utf-8")
    run = cli("extract", str(page), "--url", url)
    assert run.code == 2 and message in run.said, run.stderr
    target = cli("extract", url)
    assert target.code == 2 and message in target.said, target.stderr


def test_extract_refuses_an_image_by_its_bytes_not_its_name(home: Path) -> None:
    png = home / "bai-viet.html"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + "Tin tức Việt Nam ".encode() * 50)
    run = cli("extract", str(png), "--url", "https://example.vn/bai-viet.html")
    assert run.code == 2 and "not an HTML page but a PNG image (by its bytes)" in run.said
    assert run.stdout == ""
