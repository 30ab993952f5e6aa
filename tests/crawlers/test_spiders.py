"""End-to-end crawls of the fixture site through the real local HTTP server."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from crawlers.runner import crawl
from crawlers.summary import CrawlSummary
from fixture_site.server import serve_fixture_site
from tinradar.ids import news_id, pseudonymize, social_id
from tinradar.schema import Document
from tinradar.settings import VN_TZ, Settings

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "fixtures/site/sources.yaml"
CONTENT = yaml.safe_load((ROOT / "fixtures/site/content.yaml").read_text(encoding="utf-8"))
#: No retries, no throttling. The download timeout is generous: on a loaded machine a busy
#: crawler answers its sockets late, and a 2 s limit timed out ordinary pages. The one slow
#: page (``/slow/``, 10 s) still times out, after the 3 s its source sets (``download_timeout``).
FAST = {"DOWNLOAD_TIMEOUT": 15, "RETRY_TIMES": 0, "REDIRECT_MAX_TIMES": 5, "AUTOTHROTTLE_ENABLED": False}
SALT = "test-salt"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> dict:
    data = tmp_path_factory.mktemp("crawl")
    settings = Settings(data_dir=data, author_salt=SALT, autothrottle=False)
    with serve_fixture_site(slow_seconds=10) as base:

        def run(n: int) -> CrawlSummary:
            return crawl(
                settings,
                sources_file=SOURCES,
                since=datetime(2021, 1, 1, tzinfo=VN_TZ),
                out_path=data / f"{n}.jsonl",
                variables={"base_url": base},
                scrapy_settings=FAST,
            )

        first, second = run(1), run(2)
        # Forget the feed validators (as if the feeds had changed): seen items are still not refetched.
        for path in (data / "crawl_state").glob("*.json"):
            state = json.loads(path.read_text(encoding="utf-8"))
            state["validators"] = {}
            path.write_text(json.dumps(state), encoding="utf-8")
        third = run(3)
        # The outlet's layout is fixed by new selectors: the page that could not be read is
        # fetched again (once), what was read is not.
        registry = yaml.safe_load(SOURCES.read_text(encoding="utf-8"))
        for source in registry["sources"]:
            if source["id"] == "tinnhanh-suc-khoe":
                source["selectors"] = {"body": "article"}
        fixed = data / "sources-fixed.yaml"
        fixed.write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")
        for path in (data / "crawl_state").glob("*.json"):
            state = json.loads(path.read_text(encoding="utf-8"))
            state["validators"] = {}
            path.write_text(json.dumps(state), encoding="utf-8")
        fourth = crawl(
            settings,
            sources_file=fixed,
            since=datetime(2021, 1, 1, tzinfo=VN_TZ),
            out_path=data / "4.jsonl",
            variables={"base_url": base},
            scrapy_settings=FAST,
        )
    docs = [Document.model_validate_json(line) for line in (data / "1.jsonl").read_text(encoding="utf-8").splitlines()]
    return {
        "first": first,
        "second": second,
        "third": third,
        "fourth": fourth,
        "docs": docs,
        "raw": (data / "1.jsonl").read_text(encoding="utf-8"),
        "data": data,
    }


def _by_source(docs: list[Document], source_id: str) -> dict[str, Document]:
    return {d.id: d for d in docs if d.source_id == source_id}


def test_news_articles_exact(crawled: dict) -> None:
    docs = _by_source(crawled["docs"], "tinnhanh-suc-khoe")
    expected = {
        news_id(f"https://tinnhanh.example/suc-khoe/{a['slug']}.html"): a
        for a in CONTENT["tinnhanh"]
        if a["section"] == "suc-khoe"
    }
    expected_ids = set(expected) | {
        news_id("https://tinnhanh.example/suc-khoe/trang-html-loi.html"),
        news_id("https://tinnhanh.example/suc-khoe/bai-viet-unicode-to-hop.html"),
    }
    assert set(docs) == expected_ids
    for doc_id, art in expected.items():
        doc = docs[doc_id]
        assert doc.title == art["title"]
        assert doc.published_at == datetime.strptime(art["date"], "%Y-%m-%d %H:%M").replace(tzinfo=VN_TZ)
        assert doc.text.startswith(art["lead"])
        assert art["paras"][-1] in doc.text
        # The byline the page prints (the outlet's name only when it prints none), kept out of the text.
        assert doc.author == "Minh An" and "Minh An" not in doc.text and doc.kind == "news"


def test_skip_reasons_counted(crawled: dict) -> None:
    first: CrawlSummary = crawled["first"]
    assert first.source("tinnhanh-suc-khoe").skipped == {
        "duplicate_url": 1,
        "too_old": 1,
        "robots_forbidden": 1,
        "no_body": 1,
        "http_404": 1,
        "http_500": 1,
        "too_large": 1,
        "redirect_loop": 1,
        "timeout": 1,
    }
    assert first.source("tinnhanh-thoi-su").skipped == {"off_topic": 3}
    assert first.source("tinnhanh-thoi-su").items == 1
    assert first.source("baotantrao").skipped == {"broken_feed": 1, "duplicate_url": 6, "off_topic": 3}
    assert first.source("baotantrao").items == 11
    assert first.source("sonduong-portal").items == 7
    assert first.source("tinsoc24h").items == 3
    assert first.source("forum-phonui").items == 19
    assert first.source("forum-phonui").skipped == {"duplicate_url": 1, "off_topic": 2}
    assert first.source("tg-tinnongtuyenquang").items == 10
    assert first.source("tg-suckhoecongdong").items == 5
    assert first.items == len(crawled["docs"]) == 10 + 1 + 11 + 7 + 3 + 19 + 10 + 5
    assert all(not s.errors for s in first.sources)


def test_second_run_finds_nothing_new(crawled: dict) -> None:
    second: CrawlSummary = crawled["second"]
    assert second.items == 0
    assert set(second.skipped()) == {"not_modified"}
    assert (crawled["data"] / "crawl_state" / "tinnhanh-suc-khoe.json").is_file()


def test_changed_feeds_fetch_only_new_items(crawled: dict) -> None:
    third: CrawlSummary = crawled["third"]
    assert third.items == 0
    news = third.source("tinnhanh-suc-khoe").skipped
    # 10 articles are remembered, and the no-body page under this layout; transient failures are retried.
    assert news["already_seen"] == 10 and news["already_failed"] == 1
    assert news["duplicate_url"] == 1 and news["too_old"] == 1
    assert {"http_404", "http_500", "timeout", "redirect_loop", "too_large"} <= set(news)
    assert third.source("forum-phonui").skipped.get("already_seen") == 19
    assert third.source("tg-tinnongtuyenquang").skipped == {"already_seen": 10}


def test_unreadable_page_is_fetched_again_after_a_layout_fix(crawled: dict) -> None:
    """Nothing is lost: a page no selector could read is not "seen"; new selectors read it again."""
    news = crawled["fourth"].source("tinnhanh-suc-khoe").skipped
    assert news["already_seen"] == 10 and "already_failed" not in news
    assert news["no_body"] == 1  # fetched again (still empty: the fixture page has no text)
    state = json.loads((crawled["data"] / "crawl_state" / "tinnhanh-suc-khoe.json").read_text(encoding="utf-8"))
    ((url, failed),) = state["failed"].items()
    assert failed["reason"] == "no_body" and url not in state["seen"]


def test_portal_legacy_charsets(crawled: dict) -> None:
    docs = _by_source(crawled["docs"], "sonduong-portal")
    titles = {d.title for d in docs.values()}
    assert {a["title"] for a in CONTENT["sonduong"]} == titles
    assert all(d.province_code == "08" and d.district_code == "076" for d in docs.values())


def test_telegram_posts(crawled: dict) -> None:
    docs = _by_source(crawled["docs"], "tg-tinnongtuyenquang")
    post = docs[social_id("telegram", "tinnongtuyenquang/301")]
    assert post.text.startswith("KHẨN: Huyện Sơn Dương phong tỏa toàn huyện từ 0h ngày mai")
    assert (post.views, post.shares) == (15200, 310)
    assert post.published_at == datetime(2021, 9, 3, 17, 50, tzinfo=VN_TZ)
    assert post.url == "https://t.me/tinnongtuyenquang/301" and post.author == "Tin Nóng Tuyên Quang"
    assert (
        social_id("telegram", "tinnongtuyenquang/301") in docs
        and social_id("telegram", "tinnongtuyenquang/305") in docs
    )  # both pages


def test_forum_posts_pseudonymised(crawled: dict) -> None:
    docs = _by_source(crawled["docs"], "forum-phonui")
    post = docs[social_id("forum", "forum-phonui/50104")]  # on page 2 of its thread
    assert post.text.startswith("Son Duong phong toa toan huyen tu 0h ngay mai")
    assert post.author is None and post.author_hash == pseudonymize("Phạm Minh Đức", SALT, "forum")
    quoted = docs[social_id("forum", "forum-phonui/50103")]
    assert quoted.text.startswith("Huyện vừa có thông báo cải chính")
    names = {p["author"] for t in CONTENT["forum"]["threads"] for p in t["posts"]} | {"Nguyễn Văn Hùng"}
    for name in names:
        assert name not in crawled["raw"]


def test_planted_rumors_present(crawled: dict) -> None:
    from tinradar.text import fold

    texts = [fold(d.full_text) for d in crawled["docs"]]
    for cue in (
        "toi song",
        "vo sinh",
        "gan chip",
        "phun thuoc khu trung",
        "phong toa toan huyen",
        "nuoc chanh nong",
        "5g",
    ):
        assert sum(cue in t for t in texts) >= 2, cue


def test_http_cache_switch_replays_pages_when_the_site_is_gone(tmp_path: Path) -> None:
    """``http_cache`` (development only) keeps responses under ``cache_dir/http``: a second
    crawl, without crawl state, gets the same items although the site no longer answers."""
    cached = Settings(data_dir=tmp_path / "data", cache_dir=tmp_path / "cache", http_cache=True, autothrottle=False)
    uncached = cached.model_copy(update={"http_cache": False, "cache_dir": tmp_path / "nocache"})

    def run(settings: Settings, n: int, base: str) -> list[str]:
        out = tmp_path / f"{n}.jsonl"
        crawl(
            settings,
            sources_file=SOURCES,
            source_ids=["tg-tinnongtuyenquang"],
            since=datetime(2021, 1, 1, tzinfo=VN_TZ),
            out_path=out,
            variables={"base_url": base},
            scrapy_settings=FAST,
            use_state=False,
        )
        return sorted(json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines())

    with serve_fixture_site() as base:
        live = run(cached, 1, base)
    assert len(live) == 10 and any((tmp_path / "cache" / "http").rglob("*"))
    assert run(cached, 2, base) == live, "served from the cache"
    assert run(uncached, 3, base) == [] and not (tmp_path / "nocache" / "http").exists()


def test_the_boards_time_zone_reaches_the_crawl(tmp_path: Path) -> None:
    """``TINRADAR_TIMEZONE`` (``Settings.timezone``) is how a date printed without an offset is
    read: the district portal prints "Ngày đăng: 03/09/2021 21:00", so a board set to UTC
    reads 21:00 UTC where the default reads 21:00 in Vietnam."""
    settings = Settings(data_dir=tmp_path, timezone="UTC", autothrottle=False)
    with serve_fixture_site() as base:
        crawl(
            settings,
            sources_file=SOURCES,
            source_ids=["sonduong-portal"],
            since=datetime(2021, 1, 1, tzinfo=VN_TZ),
            out_path=tmp_path / "utc.jsonl",
            variables={"base_url": base},
            scrapy_settings=FAST,
            use_state=False,
        )
    docs = [Document.model_validate_json(line) for line in (tmp_path / "utc.jsonl").read_text().splitlines()]
    notice = next(d for d in docs if d.url and d.url.endswith("/thong-bao-khong-phong-toa-toan-huyen.html"))
    assert notice.published_at == datetime(2021, 9, 3, 21, 0, tzinfo=UTC)


def test_a_gated_crawl_makes_no_request_before_its_gate_is_entered(tmp_path: Path) -> None:
    """``crawl(gate=…)`` (the flow's per-host lock): the child starts at once but waits for the
    gate; every request the site sees starts after the gate was entered, before it was left."""
    import time
    from collections.abc import Iterator
    from contextlib import contextmanager

    held: list[float] = []

    @contextmanager
    def gate() -> Iterator[None]:
        time.sleep(3.0)  # another crawl of the host still running: the child has loaded meanwhile
        held.append(time.time())
        yield
        held.append(time.time())

    log: list[tuple[float, float, str]] = []
    settings = Settings(data_dir=tmp_path, autothrottle=False)
    with serve_fixture_site(request_log=log) as base:
        summary = crawl(
            settings,
            sources_file=SOURCES,
            source_ids=["sonduong-portal"],
            since=datetime(2021, 1, 1, tzinfo=VN_TZ),
            out_path=tmp_path / "gated.jsonl",
            variables={"base_url": base},
            scrapy_settings=FAST,
            use_state=False,
            gate=gate,
        )
    assert summary.source("sonduong-portal").items > 0 and log
    entered, left = held
    assert all(entered <= started and answered <= left for started, answered, _path in log)
