"""Impossible publication dates (1900, 2100) from a broken feed, an export or a JSON line:
never trusted, never costing the item where the item can stand undated."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawlers.extract import Extracted, to_document
from crawlers.ingest import read_export
from crawlers.items import PostItem
from tests.bad_input.conftest import GOOD, SALT, cli, jsonl
from tests.crawlers.test_drops import _pipeline
from tinradar.schema import DatePrecision, Document, Kind, published_problem
from tinradar.settings import Settings

NOW = datetime(2026, 12, 5, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("when", "believed"),
    [
        (datetime(1900, 1, 1, tzinfo=UTC), False),
        (datetime(1989, 12, 31, 23, 59, tzinfo=UTC), False),
        (datetime(1990, 1, 1, tzinfo=UTC), True),  # archives older than COVID-19 stay dated
        (datetime(2012, 12, 26, tzinfo=UTC), True),
        (NOW + timedelta(hours=20), True),  # a zone or a clock ahead
        (NOW + timedelta(days=1, minutes=1), False),
        (datetime(2100, 1, 1, tzinfo=UTC), False),
    ],
)
def test_the_rule(when: datetime, believed: bool) -> None:
    assert (published_problem(when, now=NOW) is None) is believed


def test_a_document_refuses_one_and_names_the_field() -> None:
    with pytest.raises(ValueError, match="published_at") as refused:
        Document(id="a", source_id="s", kind=Kind.NEWS, published_at=datetime(2100, 1, 1, tzinfo=UTC), fetched_at=NOW)
    assert "not believed" in str(refused.value)


def test_score_drops_the_date_and_says_so(home: Path) -> None:
    inp, out = home / "in.jsonl", home / "out.jsonl"
    inp.write_bytes(
        jsonl(
            {**GOOD[0], "published_at": "2100-01-01T00:00:00+07:00"},
            {**GOOD[1], "published_at": "1995-06-01T08:00:00+07:00"},
        )
    )
    run = cli("score", "-i", str(inp), "-o", str(out))
    assert run.code == 0, run.stderr  # as for any bad value score drops (README "Bad input")
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["good-1", "good-2"]
    assert "published_at" not in rows[0] and rows[1]["published_at"].startswith("1995-06-01")
    assert any(n.startswith("ignored_fields: published_at") for n in rows[0]["notes"])
    assert "line 1: giá trị không hợp lệ, đã bỏ / bad values dropped: published_at" in run.said


def test_index_load_skips_the_line_naming_it_and_loads_the_rest(es_home: Path) -> None:
    scored = es_home / "scored.jsonl"
    assert cli("score", "-i", str(_write(es_home, jsonl(*GOOD))), "-o", str(scored)).code == 0
    rows = [json.loads(x) for x in scored.read_text(encoding="utf-8").splitlines()]
    old = {**rows[0], "id": "from-1900", "published_at": "1900-01-01T00:00:00+00:00"}
    ahead = {**rows[0], "id": "from-2100", "published_at": "2100-01-01T00:00:00+00:00"}
    scored.write_bytes(jsonl(rows[0], old, ahead, rows[1]))
    load = cli("index", "load", str(scored))
    assert load.code == 1, load.stderr
    assert "line 2: field 'published_at' = " in load.said and "before 1990-01-01 is not believed" in load.said
    assert "line 3: field 'published_at' = " in load.said and "is not believed" in load.said
    found = cli("search", "", "--format", "json", "--limit", "100")
    assert sorted(h["id"] for h in json.loads(found.stdout)["hits"]) == ["good-1", "good-2"]


def test_a_crawled_post_is_kept_undated_and_counted(tmp_path: Path) -> None:
    pipeline, crawler = _pipeline(tmp_path)
    post = PostItem(
        platform="telegram", post_id="kenh/9", url="https://t.me/kenh/9", text="Tin dịch COVID-19 trong xã",
        published_at=datetime(2100, 1, 1, tzinfo=UTC), author="Kênh",
    )  # fmt: skip
    doc = pipeline.process_item(post)
    assert doc.id and doc.published_at is None and doc.published_precision is DatePrecision.NONE
    assert crawler.stats.get_value("tinradar/dates_dropped") == 1
    fine = PostItem(
        platform="telegram", post_id="kenh/10", url="https://t.me/kenh/10", text="Tin dịch COVID-19 ở huyện",
        published_at=datetime(2021, 9, 1, tzinfo=UTC), author="Kênh",
    )  # fmt: skip
    assert pipeline.process_item(fine).published_at == datetime(2021, 9, 1, tzinfo=UTC)
    assert crawler.stats.get_value("tinradar/dates_dropped") == 1


def test_a_page_from_1900_becomes_an_undated_article() -> None:
    page = Extracted(
        url="https://bao.example/a.html", title="Tin", text="Nội dung bài báo về tiêm vắc xin COVID-19.",
        published_at=datetime(1900, 1, 1, tzinfo=UTC), published_precision=DatePrecision.DAY, published_source="meta",
    )  # fmt: skip
    doc = to_document(page, None, fetched_at=NOW)
    assert (doc.published_at, doc.published_precision, doc.published_source) == (None, DatePrecision.NONE, None)


def test_an_export_row_from_2100_is_a_bad_date(tmp_path: Path) -> None:
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(
        "Mã,Thời gian,Nội dung\n"
        "1,01/09/2021 08:00,Tiêm vắc xin mũi 2 tại xã\n"
        "2,01/01/2100 08:00,Tin đồn trực thăng phun thuốc\n"
        "3,01/01/1900 08:00,Tin đồn uống tỏi chữa COVID-19\n",
        encoding="utf-8",
    )
    skipped: Counter[str] = Counter()
    docs = list(
        read_export(
            sheet,
            Settings(author_salt=SALT),
            columns={"id": "Mã", "time": "Thời gian", "text": "Nội dung"},
            platform="zalo",
            fmt="csv",
            skipped=skipped,
            exported_at=datetime(2021, 9, 2, tzinfo=UTC),
        )
    )
    assert [d.text for d in docs] == ["Tiêm vắc xin mũi 2 tại xã"]
    assert skipped == Counter({"bad_date": 2})


def _write(folder: Path, data: bytes) -> Path:
    path = folder / "in.jsonl"
    path.write_bytes(data)
    return path


def test_a_feed_dated_1900_does_not_make_its_article_too_old(tmp_path: Path) -> None:
    """The feed's date is the look-back's first test (before any fetch): a broken feed's 1900
    made every article it lists ``too_old`` unread. Now the page's own date decides."""
    from crawlers.runner import crawl
    from fixture_site.generate import rss
    from fixture_site.server import serve_fixture_site
    from tests.crawlers.test_drops import BASE, COVID, FAST
    from tests.crawlers.test_drops import _article as article
    from tinradar.settings import VN_TZ

    site = tmp_path / "site"
    (site / "a").mkdir(parents=True)
    (site / "a" / "page.html").write_text(article("page", "2021-09-01 08:00", COVID), encoding="utf-8")
    (site / "feed.rss").write_text(
        rss("Tin", BASE, [("Tin", f"{BASE}/a/page.html", datetime(1900, 1, 1, tzinfo=VN_TZ))]), encoding="utf-8"
    )
    (site / "sources.yaml").write_text(
        "sources:\n  - {id: feed-1900, name: Tin thử, kind: news, feeds: ['{base_url}/feed.rss'],"
        " article_pattern: '/a/'}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    with serve_fixture_site(site) as base:
        summary = crawl(
            Settings(data_dir=tmp_path / "data", autothrottle=False),
            sources_file=site / "sources.yaml",
            since=datetime(2021, 1, 1, tzinfo=VN_TZ),
            out_path=out,
            variables={"base_url": base},
            scrapy_settings=FAST,
        )
    assert summary.source("feed-1900").skipped.get("too_old") is None
    assert summary.items == 1
    doc = Document.model_validate_json(out.read_text(encoding="utf-8").splitlines()[0])
    assert doc.published_at == datetime(2021, 9, 1, 8, tzinfo=VN_TZ)


def test_the_run_summary_says_how_many_items_were_kept_undated(tmp_path: Path) -> None:
    """The count travels from the crawl's stats to the daily run's summary (Markdown and CLI)."""
    from crawlers.summary import CrawlSummary, SourceSummary
    from flows.summary import RunSummary
    from flows.tasks import source_run_from

    crawl = CrawlSummary(
        started_at=NOW,
        finished_at=NOW,
        out_path=tmp_path / "out.jsonl",
        sources=[SourceSummary.from_stats("bao", {"item_scraped_count": 3, "tinradar/dates_dropped": 2})],
    )
    run = source_run_from(crawl, "bao", written=3)
    assert run.dates_dropped == 2
    summary = RunSummary(day=NOW.date(), run_id="r1", run_dir=tmp_path, started_at=NOW, sources=[run])
    assert "kept undated (impossible publication date: before 1990 or in the future): 2 (bao: 2)" in (
        summary.to_markdown()
    )


def test_rematch_reads_an_old_indexed_2100_undated() -> None:
    """Indexed before such dates were refused: re-analysis reads it undated, not a ValidationError."""
    from index.docmap import to_source
    from index.rematch import document_of
    from tests.index.items import make_item

    indexed = to_source(make_item(1))
    indexed.__dict__["published_at"] = datetime(2100, 1, 1, tzinfo=UTC)  # as an older version stored it
    doc = document_of(indexed)
    assert doc.id == "doc-00000001" and doc.published_at is None and doc.published_precision is DatePrecision.NONE
