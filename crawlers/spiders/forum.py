"""Forum spider: public XenForo-style boards → threads → posts, authors pseudonymised.

Only the post body (``.message-content .bbWrapper``) is read, with quote blocks removed,
so user names in attributions, quotes and signatures never reach a document; the author
is kept only as ``pseudonymize(name, salt, platform)``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import scrapy

from crawlers.dates import parse_date
from crawlers.spiders.base import TinRadarSpider
from tinradar.ids import canonical_url, pseudonymize, social_id
from tinradar.schema import Document, Kind, utc_now
from tinradar.text import clean_text

_THREAD_LINKS = "div.structItem-title a[href]"
_NEXT = "a.pageNav-jump--next"


def post_text(body: scrapy.Selector) -> str:
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

    def parse_board(self, response: scrapy.http.Response) -> Any:
        if self.not_modified(response):
            return
        for href in response.css(self.source.thread_selector or _THREAD_LINKS).xpath("@href").getall():
            url = response.urljoin(href)
            key = canonical_url(url)
            if key in self.requested:
                self.skip("duplicate_url", url)
                continue
            self.requested.add(key)
            yield self.request(url, self.parse_thread, conditional=True, page=1)
        page = response.meta["page"]
        nxt = response.css(self.source.next_selector or _NEXT).xpath("@href").get()
        if nxt and page < self.source.max_pages:
            yield self.request(response.urljoin(nxt), self.parse_board, conditional=True, page=page + 1)

    def parse_thread(self, response: scrapy.http.Response) -> Any:
        if self.not_modified(response):
            return
        title = clean_text(" ".join(response.css("h1.p-title-value ::text").getall()))
        salt = self.ctx.settings.author_salt.get_secret_value()
        page = response.meta["page"]
        for i, post in enumerate(response.css("article.message[data-content]")):
            post_id = post.attrib["data-content"].removeprefix("post-")
            body = post.css(".message-content .bbWrapper")
            text = post_text(body[0]) if body else ""
            permalink = post.css(".message-attribution-main a::attr(href), .message-attribution a::attr(href)").get()
            url = response.urljoin(permalink) if permalink else f"{response.url}#post-{post_id}"
            if not text:
                self.skip("no_text", url)
                continue
            when = parse_date(post.css("time.u-dt::attr(datetime)").get(), tz=self.ctx.settings.tz)
            if self.too_old(when):
                self.skip("too_old", url)
                continue
            first = page == 1 and i == 0
            if self.off_topic(title, text):
                self.skip("off_topic", url)
                continue
            author = post.attrib.get("data-author") or clean_text(post.css(".message-name ::text").get() or "")
            doc = Document(
                id=social_id(self.source.platform, f"{self.source.id}/{post_id}"),
                url=url,
                source_id=self.source.id,
                kind=Kind.SOCIAL,
                platform=self.source.platform,
                title=title if first else "",
                text=text,
                published_at=when,
                fetched_at=utc_now(),
                language=self.source.language,
                author_hash=pseudonymize(author, salt, self.source.platform) if author else None,
                province_code=self.source.province_code,
                district_code=self.source.district_code,
            )
            self.emit(doc)
        page_no = response.meta["page"]
        nxt = response.css(_NEXT).xpath("@href").get()
        if nxt and page_no < self.source.max_pages:
            yield self.request(response.urljoin(nxt), self.parse_thread, conditional=True, page=page_no + 1)
