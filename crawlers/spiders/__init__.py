"""Scrapy spiders: news (feeds, sitemaps, listings), Telegram previews, XenForo forums."""

from __future__ import annotations

from crawlers.registry import Discovery, Source
from crawlers.spiders.base import CrawlContext, TinRadarSpider
from crawlers.spiders.forum import ForumSpider
from crawlers.spiders.news import NewsSpider
from crawlers.spiders.telegram import TelegramSpider

SPIDERS: dict[Discovery, type[TinRadarSpider]] = {
    Discovery.NEWS: NewsSpider,
    Discovery.TELEGRAM: TelegramSpider,
    Discovery.FORUM: ForumSpider,
}


def spider_for(source: Source) -> type[TinRadarSpider]:
    """The spider class that crawls a source."""
    return SPIDERS[source.discovery]


__all__ = ["SPIDERS", "CrawlContext", "ForumSpider", "NewsSpider", "TelegramSpider", "TinRadarSpider", "spider_for"]
