"""Telegram spider: public channels through their web preview pages (``t.me/s/<channel>``)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from parsel import Selector

from crawlers.dates import parse_date
from crawlers.items import PostItem
from crawlers.spiders.base import TinRadarSpider
from tinradar.text import clean_text


def parse_count(text: str | None) -> int | None:
    """'15.2K' → 15200, '1,3M' → 1300000, '310' → 310."""
    if not text:
        return None
    match = re.search(r"([\d.,]+)\s*([KkMm]?)", text)
    if not match:
        return None
    number = float(match.group(1).replace(",", "."))
    scale = {"k": 1_000, "m": 1_000_000}.get(match.group(2).lower(), 1)
    return round(number * scale)


def _message_text(node: Selector) -> str:
    parts = node.xpath(".//text() | .//br").getall()
    return clean_text("".join("\n" if p.startswith("<br") else p for p in parts))


class TelegramSpider(TinRadarSpider):
    name = "telegram"

    async def start(self) -> AsyncIterator[Any]:
        for url in self.source.start_urls:
            yield self.request(url, self.parse_page, conditional=True, page=1)

    def parse_page(self, response: scrapy.http.Response) -> Iterator[PostItem | scrapy.Request]:
        if self.not_modified(response):
            return
        channel_title = (
            clean_text(response.css(".tgme_channel_info_header_title ::text").get() or "") or self.source.name
        )
        for message in response.css("div.tgme_widget_message[data-post]"):
            yield self.parse_message(message, channel_title, response)
        page = response.meta.get("page", 1)
        more = response.css("a.tme_messages_more::attr(href)").get()
        if more and page < self.source.max_pages:
            yield self.request(response.urljoin(more), self.parse_page, conditional=True, page=page + 1)

    def parse_message(self, message: Selector, channel_title: str, response: scrapy.http.Response) -> PostItem:
        post = message.attrib["data-post"]
        text_node = message.css(".tgme_widget_message_text")
        link = message.css("a.tgme_widget_message_date::attr(href)").get() or f"https://t.me/{post}"
        return PostItem(
            platform="telegram",
            post_id=post,
            url=response.urljoin(link),
            text=_message_text(text_node[0]) if text_node else "",
            published_at=parse_date(message.css("time::attr(datetime)").get(), tz=self.ctx.settings.tz),
            author=channel_title,  # a public channel's name
            views=parse_count(message.css(".tgme_widget_message_views::text").get()),
            shares=parse_count(message.css(".tgme_widget_message_forwards::text").get()),
        )
