"""The export readers against the shapes real tools write (not files we wrote for the tests).

Each file in ``tests/crawlers/exports/real_shapes/`` keeps a real export's field names,
nesting, value types, date formats, quoting and extra columns exactly, with invented
Vietnamese text, names and ids (sources in that folder's README). ``EXPECTED`` says what a
reviewer should find for each post: the text, the time in UTC, the public page kept or the
person pseudonymised, the counts and the link to the post itself.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from crawlers import exports
from crawlers.ingest import read_export
from tinradar.ids import pseudonymize, social_id
from tinradar.schema import Document
from tinradar.settings import Settings

HERE = Path(__file__).resolve().parent / "exports" / "real_shapes"
SALT = "test-salt"
SETTINGS = Settings(author_salt=SALT)
EXPORTED_AT = datetime(2021, 9, 10, tzinfo=UTC)


@dataclass(frozen=True)
class Want:
    """One post as a reviewer should see it."""

    key: str  # the platform's post id (``social_id(platform, key)``)
    text: str  # how the text starts
    when: datetime  # in UTC
    page: str | None = None  # the public name kept as ``author``
    person: str | None = None  # the individual kept only as ``author_hash``
    counts: tuple[int | None, int | None, int | None, int | None] = (None, None, None, None)
    url: str | None = None
    platform: str = "facebook"


def content_id(time: str, author: str, text: str) -> str:
    """The id of a post its tool gave no id or link: the hash of who, when and what."""
    return exports.content_id({"time": time, "author": author, "page": "", "text": text})


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


CT_PAGE = "Tin Nóng Sơn Dương"
GOV = "Cổng TTĐT huyện Sơn Dương"
FB = "https://www.facebook.com/"

#: sample → (formats to read it with, posts expected, skips expected).
EXPECTED: dict[str, tuple[tuple[str, ...], list[Want], Counter[str]]] = {
    "crowdtangle_search_export.csv": (
        ("auto", "facebook"),
        [
            Want(
                "345428873810001",
                "Nóng: phong tỏa",
                utc(2021, 9, 3, 21, 2, 45),
                page=CT_PAGE,
                counts=(270729, 24506, 4259, None),
                url=FB + "100050295100001/posts/345428873810001",
            ),
            Want(
                "293154772600002",
                'Bộ Y tế: uống nước lá xông "không',
                utc(2021, 9, 3, 12, 29, 43),
                page=CT_PAGE,
                counts=(1056, 146, 100, None),
                url=FB + "100050295100001/posts/293154772600002",
            ),
            Want(
                "2474970829310003",
                "Cải chính",
                utc(2021, 9, 3, 20, 43, 42),
                page=GOV,
                counts=(79392, 7550, 15705, None),
                url=FB + "211857482290003/posts/2474970829310003",
            ),
        ],
        Counter(),
    ),
    "crowdtangle_api_posts.json": (
        ("auto", "facebook"),
        [
            Want(
                "10159078346890001",
                "Nóng: phong tỏa",
                utc(2021, 9, 3, 14, 56, 5),
                page=CT_PAGE,
                counts=(42617, 1060, 303, None),
                url=FB + "tinnongsonduong/posts/10159078346890001",
            ),
            Want(
                "10157582304860002",
                "Bộ Y tế",
                utc(2021, 9, 3, 17, 0, 0),
                page=CT_PAGE,
                counts=(22509, 383, 15651, None),
                url=FB + "tinnongsonduong/posts/10157582304860002",
            ),
        ],
        Counter(),
    ),
    "apify_facebook_posts.json": (
        ("auto", "facebook"),
        [
            Want(
                "813244967690001",
                "Nóng: phong tỏa",
                utc(2021, 9, 3, 7, 22, 37),
                page=CT_PAGE,
                counts=(35, 1, 18, None),
                url=FB
                + "tinnongsonduong/posts/pfbid029uBvmjfye9B9G1WyNKNu689NbXVYTuTvDDoqvpSNFTzDuhY59fMKdsF1u2ehA8Lml",
            ),
            Want(
                "813244967690002",
                "Bộ Y tế khuyến cáo",
                utc(2021, 9, 3, 9, 5, 0),
                page=CT_PAGE,
                counts=(120, 14, 40, None),
                url=FB
                + "tinnongsonduong/posts/pfbid02RQFkBznr3x9MwKvPeBh2VHhboC7JEzbzEW3QG5aWXJnLuiXjfGhT21hhKA1zLXuXl",
            ),
        ],
        Counter(),
    ),
    # facebook-scraper cannot tell a page's post from a group member's: ``username`` is
    # always treated as a person (pseudonymised); its naive ``time`` is the board's zone.
    "facebook_scraper_posts.json": (
        ("auto", "facebook"),
        [
            Want(
                "2257188721030001",
                "Bộ Y tế: nước lá xông",
                utc(2021, 9, 2, 22, 0, 1),
                person=GOV,
                counts=(3509, 459, 441, None),
                url="https://facebook.com/story.php?story_fbid=2257188721030001&id=119240841490001",
            ),
            Want(
                "2257188721030002",
                "Chia sẻ: Sơn Dương",
                utc(2021, 9, 3, 1, 15, 0),
                person=GOV,
                counts=(26, 12, 3, None),
                url="https://facebook.com/story.php?story_fbid=2257188721030002&id=119240841490001",
            ),
        ],
        Counter(),
    ),
    # Its group posts come with ``post_id`` and ``post_url`` null: identified by their content.
    "facebook_scraper_group_posts.json": (
        ("auto", "facebook"),
        [
            Want(
                content_id(
                    "2021-09-04 20:02:00",
                    "",
                    "Nghe nói tối nay phun thuốc khử khuẩn bằng máy bay, mọi người đóng cửa nhé.",
                ),
                "Nghe nói tối nay",
                utc(2021, 9, 4, 13, 2),
                counts=(26, 1, 0, None),
            ),
            Want(
                content_id(
                    "2021-09-04 20:40:00",
                    "Triệu Văn Minh",
                    "Không có chuyện phun thuốc bằng máy bay đâu, xã đã thông báo rồi.",
                ),
                "Không có chuyện",
                utc(2021, 9, 4, 13, 40),
                person="Triệu Văn Minh",
                counts=(9, 4, 1, None),
            ),
        ],
        Counter(),
    ),
    "facebook_scraper_posts.csv": (
        ("auto", "facebook"),
        [
            Want(
                "3065154550230001",
                "Bộ Y tế: nước lá xông",
                utc(2021, 9, 3, 13, 1, 18),
                counts=(1334, 73, 0, None),
                url="https://facebook.com/story.php?story_fbid=3065154550230001&id=119240841490001",
            ),
            Want(
                "3065154550230002",
                "Cải chính",
                utc(2021, 9, 3, 14, 30, 0),
                counts=(612, 85, 240, None),
                url="https://facebook.com/story.php?story_fbid=3065154550230002&id=119240841490001",
            ),
        ],
        Counter(),
    ),
    "meta_content_library_facebook.csv": (
        ("auto", "meta"),
        [
            Want(
                "884213550910001",
                "Nóng: phong tỏa",
                utc(2021, 9, 3, 11, 10),
                page="Tuyên Quang 24h",
                counts=(1830, 402, 977, None),
            ),
            Want(
                "884213550910002",
                "Tôi nghe nói",
                utc(2021, 9, 3, 14, 30),
                person="Hoàng Thị Lan",
                counts=(42, 15, 3, None),
            ),
            Want(
                "884213550910003",
                "Khuyến cáo của Bộ Y tế",
                utc(2021, 9, 3, 15, 5),
                page=GOV,
                counts=(612, 85, 240, 5300),
            ),
        ],
        Counter(),
    ),
    "youtube_comment_threads.json": (
        ("auto", "youtube"),
        [
            Want(
                "UgxKREWxIgDrw8w2e_Z4AaABAg",
                "0:45 Uống nước lá xông",
                utc(2021, 9, 3, 1, 3, 39),
                person="UCrCDii_RMcnwEhzNiJ5hXkA",
                counts=(0, None, None, None),
                url="https://www.youtube.com/watch?v=D-lhorsDlUQ&lc=UgxKREWxIgDrw8w2e_Z4AaABAg",
                platform="youtube",
            ),
            Want(
                "UgxKREWxIgDrw8w2e_Z4AaABAg.9j-U6vJMvEy9jFhxHAFkfu",
                "Không đúng đâu",
                utc(2021, 9, 3, 4, 14, 44),
                person="UCJBxRADq6jctX-YdhjkB6PA",
                counts=(2, None, None, None),
                url="https://www.youtube.com/watch?v=D-lhorsDlUQ&lc=UgxKREWxIgDrw8w2e_Z4AaABAg.9j-U6vJMvEy9jFhxHAFkfu",
                platform="youtube",
            ),
            Want(
                "UgyrVQaFfEdvaSzstj14AaABAg",
                'Cảm ơn kênh "Sơn Dương 24h"',
                utc(2021, 9, 3, 4, 20),
                person="UCq0w9e8r7t6y5u4i3o2p1aS",
                counts=(0, None, None, None),
                url="https://www.youtube.com/watch?v=D-lhorsDlUQ&lc=UgyrVQaFfEdvaSzstj14AaABAg",
                platform="youtube",
            ),
        ],
        Counter(),
    ),
    "tiktok_research_videos.json": (
        ("auto", "tiktok"),
        [
            Want(
                "7020000000000000001",
                "Nóng: phong tỏa toàn huyện Sơn Dương #sonduong #covid\nmọi người ơi",
                utc(2021, 9, 3, 7, 22, 37),
                person="tinnong.sonduong",
                counts=(1830, 402, 977, 52000),
                platform="tiktok",
            ),
            Want(
                "7020000000000000002",
                "nước lá xông",
                utc(2021, 9, 3, 10, 15),
                person="bacsi.gia.dinh",
                counts=(15, 0, 1, 900),
                platform="tiktok",
            ),
        ],
        Counter(),
    ),
    "tiktok_research_comments.json": (
        ("auto", "tiktok"),
        [
            Want(
                "7030000000000000001",
                "Thật không vậy?",
                utc(2021, 9, 3, 7, 26, 40),
                counts=(3, None, None, None),
                platform="tiktok",
            ),
            Want(
                "7030000000000000002",
                "Tin giả đấy",
                utc(2021, 9, 3, 7, 43, 20),
                counts=(10, None, None, None),
                platform="tiktok",
            ),
        ],
        Counter(),
    ),
}


def read(name: str, fmt: str) -> tuple[list[Document], Counter[str]]:
    skipped: Counter[str] = Counter()
    docs = list(read_export(HERE / name, SETTINGS, fmt=fmt, skipped=skipped, exported_at=EXPORTED_AT))
    return docs, skipped


def field_errors(doc: Document, want: Want) -> list[str]:
    """The fields of ``doc`` a reviewer would find wrong (empty when all are right)."""
    got: dict[str, Any] = {
        "id": doc.id == social_id(want.platform, want.key),
        "text": doc.text.startswith(want.text),
        "time": doc.published_at is not None and doc.published_at.astimezone(UTC) == want.when,
        "page": doc.author == want.page,
        "person": doc.author_hash == (pseudonymize(want.person, SALT, want.platform) if want.person else None),
        "counts": (doc.likes, doc.comments, doc.shares, doc.views) == want.counts,
        "url": doc.url == want.url,
    }
    return [name for name, ok in got.items() if not ok]


CASES = [(name, fmt) for name, (formats, _, _) in EXPECTED.items() for fmt in formats]


@pytest.mark.parametrize(("name", "fmt"), CASES, ids=[f"{n}-{f}" for n, f in CASES])
def test_a_real_shape_reads_right(name: str, fmt: str) -> None:
    _, wants, skips = EXPECTED[name]
    docs, skipped = read(name, fmt)
    assert skipped == skips and len(docs) == len(wants)
    wrong = {want.key: errors for doc, want in zip(docs, wants, strict=True) if (errors := field_errors(doc, want))}
    assert wrong == {}


def test_no_person_in_a_real_shape_is_named() -> None:
    people = {w.person for _, wants, _ in EXPECTED.values() for w in wants if w.person}
    people |= {"Hoàng Thị Lan", "tranvanbinh1988", "lethimai"}
    for name in EXPECTED:
        dump = "\n".join(d.model_dump_json() for d in read(name, "auto")[0])
        assert not [p for p in people if p in dump and p not in (CT_PAGE, GOV)], name


# --- one test per fix: each failed on the readers before the real shapes were tried -------


def test_a_doubled_quote_inside_a_cell_keeps_the_columns_in_place(tmp_path: Path) -> None:
    """Every tool escapes a quote in a quoted cell by doubling it (``""``); an unquoted
    header must not make the reader forget that and shift the columns after the cell."""
    sheet = tmp_path / "mcl.csv"
    sheet.write_text(
        "id,creation_time,text,multimedia,post_owner.type,post_owner.name\n"
        '1,2021-09-03T11:10:00+00:00,"Bộ Y tế: nước lá xông ""không"" chữa được COVID-19",'
        '"[{""type"":""photo""}]",page,Cổng TTĐT huyện Sơn Dương\n',
        encoding="utf-8",
    )
    (doc,) = read_export(sheet, SETTINGS, fmt="meta")
    assert doc.text == 'Bộ Y tế: nước lá xông "không" chữa được COVID-19'
    assert doc.author == GOV and doc.author_hash is None


def test_a_crowdtangle_export_names_pages_not_people_and_keeps_every_post(tmp_path: Path) -> None:
    """In a CrowdTangle export ``Facebook Id`` is the Page's and ``User Name`` its handle:
    two posts of one Page are two documents, the Page keeps its name, the link is the post."""
    docs, skipped = read("crowdtangle_search_export.csv", "auto")
    assert skipped == Counter() and len({d.id for d in docs}) == 3
    assert [d.author for d in docs] == [CT_PAGE, CT_PAGE, GOV] and not any(d.author_hash for d in docs)
    assert all("/posts/" in (d.url or "") for d in docs)
    # A group export (``Group Name``): the group is not the post's author and no one is named.
    groups = tmp_path / "groups.csv"
    text = (HERE / "crowdtangle_search_export.csv").read_text(encoding="utf-8")
    groups.write_text(text.replace("Page Name,", "Group Name,", 1), encoding="utf-8")
    group_docs = list(read_export(groups, SETTINGS))
    assert len(group_docs) == 3 and not any(d.author or d.author_hash for d in group_docs)


def test_a_crowdtangle_time_is_read_in_the_dashboard_zone(tmp_path: Path) -> None:
    """``Post Created`` carries the dashboard's zone abbreviation; one we cannot place is a
    counted ``bad_date``, never a time hours off."""
    sheet = tmp_path / "ct.csv"
    sheet.write_text(
        "Page Name,User Name,Facebook Id,Post Created,Total Interactions,URL,Message\n"
        f"{CT_PAGE},tinnong,1,2021-07-06 16:45:20 EDT,10,{FB}1/posts/11,Một\n"
        f"{CT_PAGE},tinnong,1,2021-07-06 16:45:20 ICT,10,{FB}1/posts/12,Hai\n"
        f"{CT_PAGE},tinnong,1,2021-07-06 16:45:20 XYZ,10,{FB}1/posts/13,Ba\n"
        f"{CT_PAGE},tinnong,1,2021-07-06 04:45 PM,10,{FB}1/posts/14,Bốn\n",
        encoding="utf-8",
    )
    skipped: Counter[str] = Counter()
    docs = list(read_export(sheet, SETTINGS, skipped=skipped))
    assert [d.published_at.astimezone(UTC) for d in docs if d.published_at] == [
        utc(2021, 7, 6, 20, 45, 20),
        utc(2021, 7, 6, 9, 45, 20),
        utc(2021, 7, 6, 9, 45),  # a 12-hour clock's "PM" is no zone: the board's
    ]
    assert skipped == Counter({"bad_date": 1})


def test_a_crowdtangle_api_response_reads_its_nested_post(tmp_path: Path) -> None:
    """``account.name``, ``statistics.actual``, ``postUrl`` and a UTC ``date``; a profile's
    post is a person's, a group's names no one."""
    first, second = read("crowdtangle_api_posts.json", "auto")[0]
    assert first.author == CT_PAGE and first.published_at == utc(2021, 9, 3, 14, 56, 5)
    assert (first.likes, first.comments, first.shares) == (42617, 1060, 303)
    assert second.url == FB + "tinnongsonduong/posts/10157582304860002"
    text = (HERE / "crowdtangle_api_posts.json").read_text(encoding="utf-8")
    mixed = tmp_path / "mixed.json"
    mixed.write_text(
        text.replace('"facebook_page"', '"facebook_profile"', 1).replace('"facebook_page"', '"facebook_group"', 1),
        encoding="utf-8",
    )
    profile, group = read_export(mixed, SETTINGS)
    assert profile.author is None and profile.author_hash == pseudonymize(CT_PAGE, SALT, "facebook")
    assert group.author is None and group.author_hash is None
    # An account without ``accountType`` is not known to be a Page: pseudonymised, not named.
    untyped = tmp_path / "untyped.json"
    untyped.write_text(text.replace('"accountType": "facebook_page"', '"accountType": ""'), encoding="utf-8")
    assert all(d.author is None and d.author_hash for d in read_export(untyped, SETTINGS))


def test_scraper_posts_link_to_the_post_not_its_attachment() -> None:
    """Apify (``postId``, ``url``, ``user.name``) and facebook-scraper (``post_url``,
    ``username``): ``link`` is what the post shares, two posts sharing it stay two."""
    apify = read("apify_facebook_posts.json", "auto")[0]
    assert len(apify) == 2 and [d.author for d in apify] == [CT_PAGE, CT_PAGE]
    assert all(d.url and "/posts/pfbid" in d.url for d in apify)
    scraped = read("facebook_scraper_posts.json", "auto")[0]
    assert all(d.url and "story_fbid" in d.url for d in scraped)
    assert all(d.author is None and d.author_hash == pseudonymize(GOV, SALT, "facebook") for d in scraped)


def test_a_post_its_tool_gave_no_id_is_known_by_its_content(tmp_path: Path) -> None:
    """facebook-scraper's group posts have ``post_id`` and ``post_url`` null: they import,
    under the same ids every time; a sheet's empty id cell is still ``no_post_id``."""
    first, _ = read("facebook_scraper_group_posts.json", "auto")
    again, _ = read("facebook_scraper_group_posts.json", "facebook")
    assert len(first) == 2 and [d.id for d in first] == [d.id for d in again]
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(
        "Page Name,Facebook Id,Post Created,Message\nA,,2021-09-01 10:00:00 ICT,Xin chào\n", encoding="utf-8"
    )
    skipped: Counter[str] = Counter()
    assert list(read_export(sheet, SETTINGS, skipped=skipped)) == [] and skipped == Counter({"no_post_id": 1})


def test_a_meta_library_owner_without_a_known_public_type_is_pseudonymised(tmp_path: Path) -> None:
    """Only a Page (or group, event) keeps its name. An owner whose ``post_owner.type`` is
    missing or unknown (an Instagram download may not give one) is read as a person: the
    fail-safe side of principle 1."""
    sheet = tmp_path / "mcl.csv"
    sheet.write_text(
        "id,creation_time,text,post_owner.type,post_owner.name\n"
        "1,2021-09-03T11:10:00+00:00,Súc miệng nước muối diệt được virus,,Nguyễn Thị Hoa\n"
        "2,2021-09-03T11:11:00+00:00,Súc miệng nước muối diệt được virus nhé,creator,tranvanbinh1988\n"
        "3,2021-09-03T11:12:00+00:00,Bộ Y tế: nước muối không diệt được virus,page,Cổng TTĐT huyện Sơn Dương\n",
        encoding="utf-8",
    )
    docs = list(read_export(sheet, SETTINGS, fmt="meta"))
    assert [d.author for d in docs[:2]] == [None, None] and all(d.author_hash for d in docs[:2])
    assert "Nguyễn Thị Hoa" not in docs[0].model_dump_json() and "tranvanbinh1988" not in docs[1].model_dump_json()
    assert docs[2].author == "Cổng TTĐT huyện Sơn Dương" and docs[2].author_hash is None
