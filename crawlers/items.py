"""What spiders yield: Scrapy items (dataclasses) of what a page says, not yet documents.

A spider only reads pages. ``crawlers.pipelines.DocumentPipeline`` turns each item into a
validated ``tinradar.schema.Document`` or drops it with a named reason, so the decisions
(too old, off topic, duplicate, already collected) are taken in one place for every
spider, and an individual's name never leaves the pipeline unhashed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crawlers.extract import Extracted


@dataclass(slots=True)
class ArticleItem:
    """A news article page as extracted."""

    extracted: Extracted
    key: str  # canonical URL of the request: marked seen in the source's state once decided

    @property
    def url(self) -> str:
        return self.extracted.url


@dataclass(slots=True)
class PostItem:
    """One social post (a Telegram message, a forum post) as read from its page."""

    platform: str
    post_id: str  # unique within the platform ("channel/301", "<source>/<post>")
    url: str
    text: str
    published_at: datetime | None
    title: str = ""
    thread_title: str = ""  # what the post is in; read by the topic filter, not stored
    author: str | None = None  # a public name (a channel's)
    author_name: str | None = None  # an individual's: stored only as a salted hash
    views: int | None = None
    shares: int | None = None


CrawlItem = ArticleItem | PostItem
