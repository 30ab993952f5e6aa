import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawlers.ingest import ExportError, read_export
from crawlers.registry import RegistryError, load_registry, select_sources, split_due
from tinradar.ids import canonical_url, social_id
from tinradar.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
EXPORTS = ROOT / "fixtures/site/exports"
ADMIN = ROOT / "../shared/datasets/admin_units/dvhcvn_2021-07-01.json"


def test_real_registry() -> None:
    sources = load_registry(ROOT / "crawlers/sources.yaml")
    assert len(sources) >= 20
    assert all(not s.verified for s in sources)
    local = [s for s in sources if s.province_code == "08"]
    assert {s.id for s in local} >= {"baotuyenquang", "tuyenquang-portal", "sonduong-portal"}
    assert {s.district_code for s in local} >= {"076"}
    if ADMIN.is_file():
        data = json.loads(ADMIN.read_text(encoding="utf-8"))["data"]
        tq = next(p for p in data if p["level1_id"] == "08")
        assert tq["name"] == "Tỉnh Tuyên Quang"
        assert any(d["level2_id"] == "076" and d["name"] == "Huyện Sơn Dương" for d in tq["level2s"])


def test_placeholders_and_selection(tmp_path: Path) -> None:
    sources = load_registry(ROOT / "fixtures/site/sources.yaml", {"base_url": "http://127.0.0.1:8000/"})
    assert sources[0].feeds == ["http://127.0.0.1:8000/tinnhanh/rss/suc-khoe.rss"]
    assert sources[0].allowed_domains == ["127.0.0.1"]
    with pytest.raises(RegistryError, match="base_url"):
        load_registry(ROOT / "fixtures/site/sources.yaml")
    with pytest.raises(RegistryError, match="unknown source"):
        select_sources(sources, ["nope"])
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources:\n  - {id: x, name: X, kind: news}\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="feed, sitemap or listing"):
        load_registry(bad)


def test_cadence_decides_which_sources_are_due(tmp_path: Path) -> None:
    sources = load_registry(ROOT / "crawlers/sources.yaml")
    by_cadence = {c: next(s for s in sources if s.cadence == c) for c in ("hourly", "daily", "weekly")}
    now = datetime(2021, 9, 3, 10, 0, 2, tzinfo=UTC)
    hourly, daily, weekly = by_cadence.values()
    last = {
        hourly.id: now - timedelta(minutes=59, seconds=58),  # the previous hourly run, a moment "early"
        daily.id: now - timedelta(hours=20),
        weekly.id: now - timedelta(days=8),
    }
    due, waiting = split_due(list(by_cadence.values()), last, now)
    assert [s.id for s in due] == [hourly.id, weekly.id] and [s.id for s in waiting] == [daily.id]
    assert not hourly.is_due(now - timedelta(minutes=30), now) and daily.is_due(now - timedelta(hours=23), now)
    assert weekly.is_due(None, now), "a source never crawled is due"
    assert weekly.interval == timedelta(days=7)
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources:\n  - {id: x, name: X, kind: news, feeds: [http://a.vn/r], cadence: monthly}\n")
    with pytest.raises(RegistryError, match="hourly, daily, weekly"):
        load_registry(bad)


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        (
            "https://www.tinnhanh.example/suc-khoe/a.html?utm_source=rss&utm_medium=feed#top",
            "https://tinnhanh.example/suc-khoe/a.html",
        ),
        ("http://m.tinnhanh.example/suc-khoe/a.html/", "https://tinnhanh.example/suc-khoe/a.html"),
        ("https://tinnhanh.example/amp/suc-khoe/a.html?fbclid=x", "https://tinnhanh.example/suc-khoe/a.html"),
    ],
)
def test_url_canonicalisation(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def test_facebook_export_csv_and_json_agree() -> None:
    settings = Settings(author_salt="test-salt")
    csv_docs = list(read_export(EXPORTS / "facebook_posts.csv", settings))
    json_docs = list(read_export(EXPORTS / "facebook_posts.json", settings))
    assert len(csv_docs) == len(json_docs) == 12
    assert [d.model_dump(exclude={"fetched_at"}) for d in csv_docs] == [
        d.model_dump(exclude={"fetched_at"}) for d in json_docs
    ]
    first = csv_docs[0]
    assert first.id == social_id("facebook", "1000001")
    assert first.author == "Tuyên Quang 24h" and first.author_hash is None
    assert (first.likes, first.comments, first.shares) == (820, 145, 390)
    assert first.published_at is not None and first.published_at.isoformat() == "2021-09-03T18:10:00+07:00"
    group_post = csv_docs[2]
    assert group_post.author is None and group_post.author_hash and group_post.author_hash.startswith("u_")
    dump = "\n".join(d.model_dump_json() for d in csv_docs)
    for name in ("Phùng Văn Khải", "Lương Thị Duyên", "Triệu Văn Phúc", "Ma Thị Hạnh"):
        assert name not in dump


def test_export_errors(tmp_path: Path) -> None:
    with pytest.raises(ExportError):
        list(read_export(tmp_path / "missing.csv", Settings()))
    bad = tmp_path / "x.txt"
    bad.write_text("hello", encoding="utf-8")
    with pytest.raises(ExportError):
        list(read_export(bad, Settings()))
    rows = tmp_path / "rows.csv"
    rows.write_text(
        "Page Name,Facebook Id,Post Created,Message\nA,1,2021-09-01 10:00:00 ICT,\nA,2,2021-09-01 10:00:00 ICT,Xin chào\nA,2,2021-09-01 10:00:00 ICT,Xin chào\n",
        encoding="utf-8",
    )
    skipped: Counter[str] = Counter()
    docs = list(read_export(rows, Settings(), skipped=skipped))
    assert len(docs) == 1 and skipped == Counter({"no_text": 1, "duplicate_post": 1})


def test_a_sheet_without_id_column_gets_stable_content_ids(tmp_path) -> None:
    """A board's tracking sheet often has no id or link: rows still import, twice the same."""
    from crawlers.exports import parse_columns
    from crawlers.ingest import read_export
    from tinradar.settings import Settings

    sheet = tmp_path / "sheet.csv"
    sheet.write_text(
        "Thời gian,Người đăng,Nội dung\n"
        "04/09/2021 07:45,Chị Lan,Nghe nói tối nay rải thuốc bằng máy bay\n"
        "04/09/2021 08:10,Anh Minh,Không có chuyện rải thuốc đâu\n",
        encoding="utf-8",
    )
    columns = parse_columns("text=Nội dung,time=Thời gian,author=Người đăng")
    settings = Settings(data_dir=tmp_path / "data")
    first = [d.id for d in read_export(sheet, settings, columns=columns, platform="zalo")]
    again = [d.id for d in read_export(sheet, settings, columns=columns, platform="zalo")]
    assert len(first) == 2 and len(set(first)) == 2 and first == again


SOURCES = "sources:\n  - id: bao-tq\n    name: Báo Tuyên Quang\n    kind: news\n    feeds: ['https://baotuyenquang.com.vn/rss']\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (SOURCES.encode("cp1258", errors="replace"), r"not UTF-8 \(byte"),
        (b"sources: " + b"[" * 10000 + b"]" * 10000 + b"\n", "nested too deeply"),
        (None, "is a folder, not a file"),
    ],
    ids=["latin-1", "10000-deep", "a-folder"],
)
def test_a_registry_that_cannot_be_read_is_a_registry_error(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    """Found by fuzzing: each of these ended ``crawl --sources-file`` with exit 70
    (UnicodeDecodeError, RecursionError, IsADirectoryError) instead of naming the file."""
    path = tmp_path / "nguồn tin.yaml"
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    with pytest.raises(RegistryError, match=message) as caught:
        load_registry(path)
    assert str(path) in str(caught.value)


def test_a_registry_saved_as_utf16_is_read(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_bytes(SOURCES.encode("utf-16"))
    assert [s.name for s in load_registry(path)] == ["Báo Tuyên Quang"]
