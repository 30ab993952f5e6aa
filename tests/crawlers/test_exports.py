"""Exports of platforms no crawler reaches: Meta Content Library, YouTube Data API, TikTok
Research API and any CSV through a column map (sample files in tests/crawlers/exports,
written for these tests with each tool's own field names)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawlers.exports import parse_columns, sniff
from crawlers.ingest import ExportError, read_export
from tinradar.ids import pseudonymize, social_id
from tinradar.settings import Settings

HERE = Path(__file__).resolve().parent / "exports"
SALT = "test-salt"
SETTINGS = Settings(author_salt=SALT)
GENERIC = "id=Mã bài,time=Thời gian đăng,author=Người đăng,page=Trang/nhóm,text=Nội dung,url=Đường dẫn,likes=Lượt thích,shares=Lượt chia sẻ"
PEOPLE = (
    "Hoàng Thị Lan",
    "Triệu Văn Minh",
    "Ma Văn Tùng",
    "NguyenThiHoa",
    "tranvanbinh1988",
    "lethimai",
    "tinnong.sonduong",
    "bacsi.gia.dinh",
    "Nguyễn Văn Hải",
    "Trần Thị Thu",
    "Lý Văn Đức",
    "UCq0w9e8r7t6y5u4i3o2p1aS",
)


def read(name: str, **kw) -> tuple[list, Counter]:
    skipped: Counter[str] = Counter()
    return list(read_export(HERE / name, SETTINGS, skipped=skipped, **kw)), skipped


def test_formats_are_told_apart() -> None:
    assert sniff(HERE / "meta_content_library.csv") == "meta"
    assert sniff(HERE / "youtube_videos.json") == sniff(HERE / "youtube_comments.json") == "youtube"
    assert sniff(HERE / "tiktok_videos.json") == sniff(HERE / "tiktok_comments.json") == "tiktok"
    assert sniff(HERE / "bang_theo_doi.csv") == "facebook"  # a generic CSV needs its column map


def test_meta_content_library() -> None:
    docs, skipped = read("meta_content_library.csv")
    assert skipped == Counter({"no_text": 1, "duplicate_post": 1, "bad_date": 1})
    page, official, member, member2 = docs
    assert page.id == social_id("facebook", "884213550912345") and page.platform == "facebook"
    assert page.author == "Tuyên Quang 24h" and page.author_hash is None and page.source_id == "meta-content-library"
    assert page.published_at == datetime(2021, 9, 3, 11, 10, tzinfo=UTC) and page.published_precision.value == "minute"
    assert (page.likes, page.comments, page.shares, page.views) == (1830, 402, 977, None)
    assert official.author == "Cổng TTĐT huyện Sơn Dương"
    # A profile posting in a group is a person: a pseudonym, the same for the same person.
    assert member.author is None and member.author_hash == pseudonymize("Hoàng Thị Lan", SALT, "facebook")
    assert member2.author_hash == pseudonymize("Triệu Văn Minh", SALT, "facebook")


def test_youtube_videos_and_comments() -> None:
    videos, skipped = read("youtube_videos.json")
    assert not skipped and [v.author for v in videos] == ["Truyền hình Tuyên Quang", "Sức khỏe mỗi ngày"]
    first = videos[0]
    assert (
        first.id == social_id("youtube", "k3Vq2ZpX0aE") and first.url == "https://www.youtube.com/watch?v=k3Vq2ZpX0aE"
    )
    assert first.title.startswith("Sơn Dương không phong tỏa") and first.text.startswith("UBND huyện Sơn Dương")
    assert (first.views, first.likes, first.comments) == (15432, 320, 41)
    assert videos[1].text == "Chanh sả gừng có diệt được virus corona? Bác sĩ trả lời"  # no description: the title
    comments, skipped = read("youtube_comments.json")
    assert skipped == Counter({"no_text": 1}) and len(comments) == 3  # two top-level comments and a reply
    top, reply, html = comments
    assert top.text.endswith("may có bản tin này <3") and top.author is None
    assert top.author_hash == pseudonymize("UCq0w9e8r7t6y5u4i3o2p1aS", SALT, "youtube")
    assert top.url == "https://www.youtube.com/watch?v=k3Vq2ZpX0aE&lc=UgxKq3bYt7Wv9c0fH0B4AaABAg"
    assert reply.author_hash and reply.author_hash != top.author_hash
    assert html.text == "Tiêm vắc xin ở đâu vậy mọi người?\nCho em xin địa chỉ"  # textDisplay without its HTML


def test_tiktok_videos_and_comments() -> None:
    videos, skipped = read("tiktok_videos.json")
    assert skipped == Counter({"bad_date": 1, "no_post_id": 1})
    first, _second = videos
    assert first.id == social_id("tiktok", "7003456789012345601") and first.platform == "tiktok"
    assert first.published_at == datetime(2021, 9, 3, 10, 0, tzinfo=UTC)
    assert "mai phong tỏa hết rồi" in first.text  # the spoken words count as text too
    assert first.author is None and first.author_hash == pseudonymize("tinnong.sonduong", SALT, "tiktok")
    assert first.url is None  # a TikTok link carries the creator's handle
    assert (first.likes, first.comments, first.shares, first.views) == (5230, 812, 2048, 120345)
    comments, skipped = read("tiktok_comments.json")
    assert skipped == Counter({"no_text": 1}) and [c.author_hash for c in comments] == [None, None]


def test_generic_csv_with_a_column_map() -> None:
    docs, skipped = read("bang_theo_doi.csv", fmt="csv", columns=parse_columns(GENERIC), platform="zalo")
    assert skipped == Counter({"bad_date": 1, "no_post_id": 1, "no_text": 1})
    rumor, notice, day_only = docs
    assert rumor.id == social_id("zalo", "zalo-0001") and rumor.platform == "zalo" and rumor.source_id == "csv-export"
    assert rumor.published_at is not None and rumor.published_at.isoformat() == "2021-09-04T07:45:00+07:00"
    assert rumor.author is None and rumor.author_hash == pseudonymize("Nguyễn Văn Hải", SALT, "zalo")
    assert notice.author == "UBND thị trấn Sơn Dương" and notice.url and (notice.likes, notice.shares) == (120, 310)
    assert day_only.published_precision.value == "day" and day_only.published_minute is None


def test_no_person_is_named_in_any_output() -> None:
    dump = ""
    for name in ("meta_content_library.csv", "youtube_videos.json", "youtube_comments.json", "tiktok_videos.json"):
        dump += "\n".join(d.model_dump_json() for d in read(name)[0])
    dump += "\n".join(d.model_dump_json() for d in read("bang_theo_doi.csv", columns=parse_columns(GENERIC))[0])
    for person in PEOPLE:
        assert person not in dump, person


def test_wrong_files_and_maps_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="TikTok Research API"):
        list(read_export(HERE / "youtube_videos.json", SETTINGS, fmt="tiktok"))
    with pytest.raises(ExportError, match="YouTube Data API"):
        list(read_export(HERE / "tiktok_videos.json", SETTINGS, fmt="youtube"))
    with pytest.raises(ExportError, match="column map"):
        list(read_export(HERE / "bang_theo_doi.csv", SETTINGS, fmt="csv"))
    with pytest.raises(ExportError, match="no column"):
        list(read_export(HERE / "bang_theo_doi.csv", SETTINGS, columns=parse_columns("text=Message")))
    with pytest.raises(ValueError, match="unknown field"):
        parse_columns("text=Nội dung,color=Màu")
    with pytest.raises(ValueError, match="required"):
        parse_columns("time=Thời gian")
    broken = tmp_path / "broken.json"
    broken.write_text('{"kind": "youtube#videoListResponse", "items": [', encoding="utf-8")
    with pytest.raises(ExportError, match="not JSON"):
        list(read_export(broken, SETTINGS))
    lines = tmp_path / "posts.jsonl"
    lines.write_text(
        '{"post_id": "1", "message": "Một"}\n{not json\n{"post_id": "2", "message": "Hai"}\n', encoding="utf-8"
    )
    docs, skipped = read_lines(lines)
    assert [d.text for d in docs] == ["Một", "Hai"] and skipped == Counter({"bad_json": 1})


def read_lines(path: Path) -> tuple[list, Counter]:
    skipped: Counter[str] = Counter()
    return list(read_export(path, SETTINGS, skipped=skipped)), skipped


def test_cli_ingest_formats(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``tinradar ingest`` reads each format; a generic CSV takes its column map; a bad
    map or a wrong format is a clear message and a non-zero exit, never a traceback."""
    from typer.testing import CliRunner

    from flows.cli import app

    monkeypatch.setenv("TINRADAR_AUTHOR_SALT", SALT)
    monkeypatch.setenv("TINRADAR_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    out = tmp_path / "yt.jsonl"
    result = runner.invoke(app, ["ingest", str(HERE / "youtube_comments.json"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 3 and "bài không có chữ (no_text): 1" in result.output
    csv_out = tmp_path / "csv.jsonl"
    args = ["ingest", str(HERE / "bang_theo_doi.csv"), "--columns", GENERIC, "--platform", "zalo", "-o", str(csv_out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output  # rows with a bad date and no id were skipped: the rest went through
    assert len(csv_out.read_text(encoding="utf-8").splitlines()) == 3
    bad_map = runner.invoke(app, ["ingest", str(HERE / "bang_theo_doi.csv"), "--columns", "noi dung"])
    assert (
        bad_map.exit_code != 0
        and "column map" in " ".join(bad_map.output.split())
        and "Traceback" not in bad_map.output
    )
    wrong = runner.invoke(app, ["ingest", str(HERE / "youtube_videos.json"), "--format", "tiktok"])
    assert wrong.exit_code != 0 and "TikTok Research API" in " ".join(wrong.output.split())


def test_tiktok_times_out_of_range_and_a_non_list_of_videos_are_skips(tmp_path: Path) -> None:
    """Found by fuzzing: a ``create_time`` no clock reaches (1e20, -1e20, NaN) raised
    ``OverflowError`` and ``data.videos: 5`` a ``TypeError``; both ended ingest with exit 70."""
    pages = tmp_path / "tiktok.json"
    good = {"id": 1, "video_description": "Tiêm vắc xin mũi 2", "create_time": 1630663200}
    pages.write_text(
        '[{"data": {"videos": ['
        '{"id": 2, "video_description": "Một", "create_time": 100000000000000000000},'
        '{"id": 3, "video_description": "Hai", "create_time": -1e20},'
        '{"id": 4, "video_description": "Ba", "create_time": NaN},'
        f"{json.dumps(good, ensure_ascii=False)}]}}}},"
        '{"data": {"videos": 5}}, {"data": {"comments": "x"}}]',
        encoding="utf-8",
    )
    docs, skipped = read_lines(pages)
    assert [d.text for d in docs] == ["Tiêm vắc xin mũi 2"]
    assert skipped == Counter({"bad_date": 3, "unknown_item": 2})


def test_a_lone_value_where_a_list_of_items_belongs_is_a_skip_or_a_clear_error(tmp_path: Path) -> None:
    """Found by fuzzing: YouTube ``replies.comments: 5`` (TypeError) and a Facebook export's
    ``result: 5`` (AttributeError) ended ingest with exit 70."""
    thread = tmp_path / "youtube.json"
    thread.write_text(
        '{"kind": "youtube#commentThreadListResponse", "items": [{"kind": "youtube#commentThread", '
        '"snippet": {"topLevelComment": {"id": "c1", "snippet": {"textOriginal": "Tin covid", '
        '"publishedAt": "2021-08-30T00:00:00Z"}}}, "replies": {"comments": 5}}]}',
        encoding="utf-8",
    )
    docs, skipped = read_lines(thread)
    assert [d.text for d in docs] == ["Tin covid"] and skipped == Counter({"unknown_item": 1})
    result = tmp_path / "facebook.json"
    result.write_text('{"result": 5}', encoding="utf-8")
    with pytest.raises(
        ExportError, match=r"an object with no 'posts', 'data' or 'result.posts' list \(its keys: result\)"
    ):
        list(read_export(result, SETTINGS, fmt="facebook"))


def test_json_given_to_a_csv_format_or_without_a_posts_list_says_so(tmp_path: Path) -> None:
    """Found by fuzzing: ``--format meta`` on a .json file listed its first line as "columns
    not recognised", and ``{}`` or ``{"items": 5}`` was "no posts in the file (an empty list)"."""
    page = tmp_path / "page.json"
    page.write_text('{"items": 5}', encoding="utf-8")
    with pytest.raises(ExportError, match=r"a Meta Content Library download is a CSV file, this is \.json"):
        list(read_export(page, SETTINGS, fmt="meta"))
    with pytest.raises(ExportError, match=r"no 'posts', 'data' or 'result.posts' list \(its keys: items\)"):
        list(read_export(page, SETTINGS, fmt="facebook"))
    empty = tmp_path / "empty.json"
    empty.write_text('{"posts": []}', encoding="utf-8")
    with pytest.raises(ExportError, match=r"no posts in the file \(an empty list\)"):
        list(read_export(empty, SETTINGS, fmt="facebook"))


def test_a_5mb_message_does_not_cost_the_sheet_and_a_5mb_header_is_named_briefly(tmp_path: Path) -> None:
    """Found by fuzzing: a cell over the csv module's 131,072-character default ended the whole
    import ("field larger than field limit"), and a 5 MB line with no newline, read as a header,
    ended ``ingest`` with exit 70 (csv.Error escaped the format sniffing)."""
    sheet = tmp_path / "posts.csv"
    big = "Tin đồn " * 700_000  # ~5.6 MB of UTF-8 in one cell
    sheet.write_text(
        f"post_id,message,post_time\n1,Tin một,2021-09-03\n2,{big},2021-09-03\n3,Tin ba,2021-09-03\n", encoding="utf-8"
    )
    docs, skipped = read_lines(sheet)
    assert [len(d.text) > 1_000_000 for d in docs] == [False, True, False] and not skipped
    line = tmp_path / "one-line.csv"
    line.write_bytes(b"a" * 5_000_000)
    with pytest.raises(ExportError, match="these columns are not recognised") as caught:
        list(read_export(line, SETTINGS))
    assert len(str(caught.value)) < 2_000
