"""The item pipeline: spider items → validated ``Document``s, or a named drop.

Every decision about an item found on a page is taken here, in this order, for every
spider: the item must make a valid document with some text (``no_text``, ``invalid``),
be recent enough (``too_old``), be about COVID-19 when its source is filtered
(``off_topic``), and be new — not written earlier in this crawl under another URL
(``duplicate_content``) nor in an earlier crawl (``already_seen``). A publication date no
page can have (before 1990, or more than a day after the crawl) costs the date, not the item:
the document is kept undated and counted under ``DATES_DROPPED_STAT``. A drop is a ``Drop``
(Scrapy's ``DropItem``) with its reason, counted by ``crawlers.skips.SkipCounter``; what
passes is exported as a JSON line by ``crawlers.export.DocumentExporter``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import ValidationError
from scrapy.crawler import Crawler

from crawlers.extract import to_document
from crawlers.items import ArticleItem, CrawlItem, PostItem
from crawlers.reasons import DATES_DROPPED_STAT, SkipReason
from crawlers.skips import Drop
from crawlers.topic import is_covid_related
from tinradar.ids import pseudonymize, social_id
from tinradar.schema import Document, Kind, published_problem, trusted_published, utc_now

if TYPE_CHECKING:
    from crawlers.spiders.base import TinRadarSpider

log = logging.getLogger(__name__)


class DocumentPipeline:
    """One per crawl (that is, per source): remembers the documents it let through."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.written: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DocumentPipeline:
        return cls(crawler)

    @property
    def spider(self) -> TinRadarSpider:
        return self.crawler.spider  # type: ignore[return-value]

    def process_item(self, item: CrawlItem) -> Document:
        spider = self.spider
        doc = self.document(item)
        topic_texts = (doc.title, doc.text) if isinstance(item, ArticleItem) else (item.thread_title, doc.text)
        if spider.too_old(doc.published_at):
            raise self.decided(item, SkipReason.TOO_OLD)
        if spider.source.topic_filter and not is_covid_related(*topic_texts):
            raise self.decided(item, SkipReason.OFF_TOPIC)
        if doc.id in self.written:
            raise Drop(SkipReason.DUPLICATE_CONTENT, doc.url or doc.id)
        if spider.state.is_seen(doc.id):
            raise Drop(SkipReason.ALREADY_SEEN, doc.url or doc.id)
        self.written.add(doc.id)
        spider.state.mark_seen(doc.id)
        if isinstance(item, ArticleItem):
            spider.state.mark_seen(item.key)
        return doc

    def decided(self, item: CrawlItem, reason: SkipReason) -> Drop:
        """A page judged for good (too old, off topic) is not fetched again next time."""
        if isinstance(item, ArticleItem):
            self.spider.state.mark_seen(item.key)
        return Drop(reason, item.url)

    def document(self, item: CrawlItem) -> Document:
        """The item as a validated document (``no_text``, ``invalid`` when it cannot be one)."""
        if isinstance(item, PostItem) and not item.text:
            raise Drop(SkipReason.NO_TEXT, item.url)
        try:
            return self._article(item) if isinstance(item, ArticleItem) else self._post(item)
        except ValidationError as exc:
            raise Drop(SkipReason.INVALID, f"{item.url}: {exc.errors()[0]['msg']}") from exc

    def _article(self, item: ArticleItem) -> Document:
        fetched_at = utc_now()
        self._check_date(item.url, item.extracted.published_at, fetched_at)
        return to_document(item.extracted, self.spider.source, fetched_at=fetched_at)

    def _check_date(self, url: str, published_at: datetime | None, fetched_at: datetime) -> None:
        """Count (and log, with the URL) a publication date the document will not carry."""
        problem = None if published_at is None else published_problem(published_at, now=fetched_at)
        if problem:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value(DATES_DROPPED_STAT)
            log.warning("%s: date %s dropped (%s); the item is kept undated", url, published_at, problem)

    def _post(self, item: PostItem) -> Document:
        fetched_at = utc_now()
        self._check_date(item.url, item.published_at, fetched_at)
        source = self.spider.source
        salt = self.spider.ctx.settings.author_salt.get_secret_value()
        return Document(
            id=social_id(item.platform, item.post_id),
            url=item.url,
            source_id=source.id,
            kind=Kind.SOCIAL,
            platform=item.platform,
            title=item.title,
            text=item.text,
            published_at=trusted_published(item.published_at, now=fetched_at),
            fetched_at=fetched_at,
            language=source.language,
            author=item.author,
            author_hash=pseudonymize(item.author_name, salt, item.platform) if item.author_name else None,
            views=item.views,
            shares=item.shares,
            province_code=source.province_code,
            district_code=source.district_code,
        )
