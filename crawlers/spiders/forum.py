"""Forum spider: public XenForo-style boards → threads → posts, authors pseudonymised.

Only the post body (``.message-content .bbWrapper``) is read, with quote blocks removed,
so user names in attributions, quotes and signatures never reach a document; the author
is kept only as ``pseudonymize(name, salt, platform)``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from parsel import Selector

from crawlers.dates import parse_date
from crawlers.items import PostItem
from crawlers.spiders.base import TinRadarSpider
from tinradar.ids import canonical_url
from tinradar.text import clean_text

_THREAD_LINKS = "div.structItem-title a[href]"
_NEXT = "a.pageNav-jump--next"


def post_text(body: Selector) -> str:
    """Text of a post body without quoted posts (which name other users)."""
    parts = body.xpath(
        ".//text()[not(ancestor::blockquote)][not(ancestor::script)][not(ancestor::*[contains(@class,'bbCodeBlock-title')])]"
    ).getall()
    return clean_text(" ".join(p.strip() for p in parts if p.strip()))


class ForumSpider(TinRadarSpider):
    name = "forum"

    async def start(self) -> AsyncIterator[Any]:
        for url in self.source.start_urls:
            yield self.request(url, self.parse_board, conditional=True, page=1)

    def parse_board(self, response: scrapy.http.Response) -> Iterator[scrapy.Request]:
        if self.not_modified(response):
            return
        for href in response.css(self.source.thread_selector or _THREAD_LINKS).xpath("@href").getall():
            url = response.urljoin(href)
            yield self.request(url, self.parse_thread, conditional=True, item_key=canonical_url(url), page=1)
        page = response.meta["page"]
        nxt = response.css(self.source.next_selector or _NEXT).xpath("@href").get()
        if nxt and page < self.source.max_pages:
            yield self.request(response.urljoin(nxt), self.parse_board, conditional=True, page=page + 1)

    def parse_thread(self, response: scrapy.http.Response) -> Iterator[PostItem | scrapy.Request]:
        if self.not_modified(response):
            return
        title = clean_text(" ".join(response.css("h1.p-title-value ::text").getall()))
        page = response.meta["page"]
        for i, post in enumerate(response.css("article.message[data-content]")):
            post_id = post.attrib["data-content"].removeprefix("post-")
            body = post.css(".message-content .bbWrapper")
            permalink = post.css(".message-attribution-main a::attr(href), .message-attribution a::attr(href)").get()
            author = post.attrib.get("data-author") or clean_text(post.css(".message-name ::text").get() or "")
            yield PostItem(
                platform=self.source.platform,
                post_id=f"{self.source.id}/{post_id}",
                url=response.urljoin(permalink) if permalink else f"{response.url}#post-{post_id}",
                text=post_text(body[0]) if body else "",
                published_at=parse_date(post.css("time.u-dt::attr(datetime)").get(), tz=self.ctx.settings.tz),
                title=title if page == 1 and i == 0 else "",
                thread_title=title,
                author_name=author or None,
            )
        nxt = response.css(_NEXT).xpath("@href").get()
        if nxt and page < self.source.max_pages:
            yield self.request(response.urljoin(nxt), self.parse_thread, conditional=True, page=page + 1)
