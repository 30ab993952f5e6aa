"""Every drop of the crawl stage is counted under its reason: a small site of broken pages,
links and posts, served by the real local server and crawled by the real child process."""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from scrapy.utils.test import get_crawler

from crawlers.items import PostItem
from crawlers.pipelines import DocumentPipeline
from crawlers.reasons import SkipReason
from crawlers.registry import load_registry
from crawlers.runner import crawl
from crawlers.skips import Drop, SkipCounter
from crawlers.spiders import CrawlContext, TelegramSpider
from crawlers.state import SourceState
from fixture_site.generate import rss, telegram_page, tinnhanh_article
from fixture_site.server import serve_fixture_site
from tinradar.schema import Document
from tinradar.settings import VN_TZ, Settings

FAST = {"DOWNLOAD_TIMEOUT": 15, "RETRY_TIMES": 0, "AUTOTHROTTLE_ENABLED": False}
BASE = "http://fixture.local"
COVID = ["Thêm 12 ca mắc COVID-19 trong cộng đồng, tỉnh tiếp tục xét nghiệm diện rộng cho người dân các xã."] * 3
WEATHER = ["Trời nắng nóng kéo dài, nhiệt độ cao nhất trong ngày có nơi trên 38 độ, người dân nên uống đủ nước."] * 3


def _article(slug: str, date: str, paras: list[str], title: str = "Tin dịch COVID-19 trong tỉnh hôm nay") -> str:
    return tinnhanh_article(
        {"slug": slug, "section": "suc-khoe", "title": title, "date": date, "lead": paras[0], "paras": paras}
    )


def _site(root: Path) -> Path:
    """Pages, feeds and a channel that each end as a named skip (and one good article)."""
    files: dict[str, str | bytes] = {
        "a/good.html": _article("good", "2021-09-01 08:00", COVID),
        "b/twin.html": _article("good", "2021-09-01 08:00", COVID),  # same canonical link as a/good
        "a/short.html": "<html><body><h1>Tin ngắn về COVID-19</h1><p>Ngắn.</p></body></html>",
        "a/empty.html": "   \n",
        "a/comment.html": "<!-- nothing else -->",
        "a/blob.bin": b"\x00\x01binary",
        "a/old.html": _article("old", "2020-03-01 08:00", COVID),
        "a/weather.html": _article("weather", "2021-09-01 09:00", WEATHER, title="Nắng nóng kéo dài ở miền Bắc"),
        "c/page.html": _article("c", "2021-09-01 08:00", COVID),
        "broken.rss": "<?xml version='1.0'?><rss><channel><item><link>x</channel>",
        "not-a-sitemap.xml": "<html><body>Trang không tồn tại</body></html>",
        # a gzip sitemap cut inside its gzip header: Scrapy's gunzip raises EOFError (not OSError)
        "cut-sitemap.xml.gz": gzip.compress(b"<urlset></urlset>")[:10],
        "list.html": "<html><body><a href='/a/good.html'>tin</a></body></html>",
    }
    day = datetime(2021, 9, 1, 8, tzinfo=VN_TZ)
    links = [
        "a/good.html",
        "a/good.html?utm_source=zalo",  # duplicate_url
        "b/twin.html",  # duplicate_content
        "https://elsewhere.example/a/x.html",  # offsite
        "c/page.html",  # not_article
        "a/blob.bin",  # not_html
        "a/empty.html",  # empty_page
        "a/comment.html",  # unparseable
        "a/short.html",  # no_body
        "a/old.html",  # too_old (by its page)
        "a/weather.html",  # off_topic
        "a/missing.html",  # http_404
    ]
    items = [(f"Tin {i}", link if link.startswith("https") else f"{BASE}/{link}", day) for i, link in enumerate(links)]
    items.append(("Tin cũ", f"{BASE}/a/old-in-feed.html", datetime(2020, 3, 1, tzinfo=VN_TZ)))  # too_old (by feed)
    files["feed.rss"] = rss("Tin", BASE, items)
    channel = {"channel": "kenh", "title": "Kênh thử"}
    posts = [
        {"id": 1, "date": "2021-09-01 08:00", "text": "Tiêm vắc xin mũi 2 tại xã", "views": 10, "forwards": 1},
        {"id": 2, "date": "2021-09-01 09:00", "text": "", "views": 10, "forwards": 1},  # no_text
        {"id": 3, "date": "2020-01-01 09:00", "text": "Tin rất cũ về dịch", "views": 10, "forwards": 1},  # too_old
    ]
    files["tg/s/kenh"] = telegram_page(channel, posts, None)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    registry = root / "sources.yaml"
    registry.write_text(
        """sources:
  - id: drops-news
    name: Tin thử
    kind: news
    feeds: ["{base_url}/feed.rss", "{base_url}/broken.rss"]
    sitemaps: ["{base_url}/not-a-sitemap.xml", "{base_url}/cut-sitemap.xml.gz"]
    listings: [{url: "{base_url}/list.html", link_selector: "a["}]
    article_pattern: "/(a|b)/"
    topic_filter: true
  - id: drops-tg
    name: Kênh thử
    kind: social
    platform: telegram
    discovery: telegram
    start_urls: ["{base_url}/tg/s/kenh"]
""",
        encoding="utf-8",
    )
    return registry


def test_every_drop_is_counted_by_reason(tmp_path: Path) -> None:
    registry = _site(tmp_path / "site")
    settings = Settings(data_dir=tmp_path / "data", autothrottle=False)
    out = tmp_path / "out.jsonl"
    with serve_fixture_site(tmp_path / "site") as base:
        summary = crawl(
            settings,
            sources_file=registry,
            since=datetime(2021, 1, 1, tzinfo=VN_TZ),
            out_path=out,
            variables={"base_url": base},
            scrapy_settings=FAST,
        )
    news = summary.source("drops-news")
    assert news.items == 1
    assert news.skipped == {
        "duplicate_url": 1,
        "duplicate_content": 1,
        "offsite": 1,
        "not_article": 1,
        "not_html": 1,
        "empty_page": 1,
        "unparseable": 1,
        "no_body": 1,
        "too_old": 2,
        "off_topic": 1,
        "http_404": 1,
        "broken_feed": 1,
        "broken_sitemap": 2,
        "error_SelectorSyntaxError": 1,  # a bad selector in the registry: counted, listed, not fatal
    }
    assert len(news.errors) == 1 and "list.html" in news.errors[0]
    assert summary.source("drops-tg").items == 1
    assert summary.source("drops-tg").skipped == {"no_text": 1, "too_old": 1}
    lines = out.read_text(encoding="utf-8").splitlines()
    docs = [Document.model_validate_json(line) for line in lines]
    assert len(docs) == summary.items == 2
    assert json.loads(lines[0])["published_at"] == "2021-09-01T08:00:00+07:00"  # the schema's own JSON


def _pipeline(tmp_path: Path) -> tuple[DocumentPipeline, Any]:
    """The pipeline of a Telegram crawl, outside a running crawl."""
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - {id: tg, name: Kênh, kind: social, platform: telegram, discovery: telegram,"
        " start_urls: ['https://t.me/s/kenh']}\n",
        encoding="utf-8",
    )
    source = load_registry(tmp_path / "sources.yaml")[0]
    crawler = get_crawler(TelegramSpider)
    ctx = CrawlContext(settings=Settings(data_dir=tmp_path), since=None)
    crawler.spider = TelegramSpider(source=source, ctx=ctx, state=SourceState(source_id="tg"))
    return DocumentPipeline.from_crawler(crawler), crawler


def test_an_item_that_makes_no_valid_document_is_dropped_as_invalid(tmp_path: Path) -> None:
    pipeline, crawler = _pipeline(tmp_path)
    counter = SkipCounter.from_crawler(crawler)
    both = PostItem(
        platform="telegram", post_id="kenh/1", url="https://t.me/kenh/1", text="Tin dịch", published_at=None,
        author="Kênh", author_name="Nguyễn Văn A",  # a public name and a pseudonym at once
    )  # fmt: skip
    with pytest.raises(Drop) as dropped:
        pipeline.process_item(both)
    assert dropped.value.reason is SkipReason.INVALID
    counter.item_dropped(both, dropped.value)
    counter.item_error(both, _failure(RuntimeError("bug")))
    stats = crawler.stats.get_stats()
    assert stats["tinradar/skipped/invalid"] == 1 and stats["tinradar/skipped/error_RuntimeError"] == 1
    assert stats["tinradar/errors"] == ["https://t.me/kenh/1: RuntimeError('bug')"]


def _failure(exc: Exception) -> Any:
    from twisted.python.failure import Failure

    return Failure(exc)
