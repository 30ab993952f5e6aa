"""Attack: DNS rebinding past the crawler's internal-address check.

``InternalAddressMiddleware`` looks a link's host up before the request is sent; Scrapy
looked it up again when it connected, so a DNS server that answers with a public address
the first time and an internal one the second (``127.0.0.1``, ``169.254.169.254``) got the
crawler onto the machine's own network. The crawl now connects through
``crawlers.resolver.PublicAddressResolver``, which refuses a non-public answer for any name
off the registry's hosts, on the lookup whose address is actually used.

No DNS server can be pointed at from a test here, so the end-to-end test switches the
middleware off (as if its lookup had been answered with a public address) and lets the real
system resolver answer ``localhost`` → 127.0.0.1 at connect time: the resolver alone must
keep the crawler off the internal service. The second test drives the check itself through
a rebinding sequence of answers.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from twisted.internet.error import DNSLookupError

from crawlers.resolver import PublicAddressResolver, on_hosts, refused_lookup
from tests.crawlers.local import FAST, NewsSource, crawl_news
from tests.security.test_crawler_ssrf import _index, _server, _urlset

#: The middleware switched off: only the resolver stands between the crawl and 127.0.0.1.
WITHOUT_MIDDLEWARE = {
    **FAST,
    "DOWNLOADER_MIDDLEWARES": {
        "crawlers.middlewares.InternalAddressMiddleware": None,
        "crawlers.middlewares.KnownItemsMiddleware": 60,
    },
}


def test_a_name_that_resolves_to_an_internal_address_at_connect_time_is_not_fetched(tmp_path: Path) -> None:
    internal_log: list[str] = []
    site_log: list[str] = []
    with _server(
        "127.0.0.1", {"/latest/meta-data/": (200, {}, _urlset("http://127.0.0.1/x"))}, internal_log
    ) as internal:
        port = internal.rsplit(":", 1)[1]
        rebound = f"http://localhost:{port}"  # the registry never names "localhost"
        site_pages: dict[str, tuple[int, dict[str, str], bytes]] = {}
        with _server("127.0.0.1", site_pages, site_log) as site:
            site_pages["/sitemap.xml"] = (200, {}, _index(f"{rebound}/latest/meta-data/", f"{site}/bai.xml"))
            site_pages["/bai.xml"] = (200, {}, _urlset(f"{site}/bai/1"))
            summary = crawl_news(
                tmp_path,
                [NewsSource("rebinding-outlet", sitemaps=[f"{site}/sitemap.xml"])],
                scrapy_settings=WITHOUT_MIDDLEWARE,
            )
    assert {"/sitemap.xml", "/bai.xml", "/bai/1"} <= set(site_log)  # the registry's own host (127.0.0.1) still works
    assert internal_log == []  # the rebound name never reached the internal service
    skipped = summary.source("rebinding-outlet").skipped
    assert skipped.get("offsite", 0) >= 1 and "connection_error" not in skipped, skipped


def test_the_answer_used_to_connect_is_checked_every_time() -> None:
    """Public on the first lookup, loopback or metadata on the next: the later answers are refused."""
    from twisted.internet import reactor

    resolver = PublicAddressResolver(reactor, 0, 5.0, trusted=["baotinh.vn"])
    assert resolver.check("203.113.131.2", "rebind.example") == "203.113.131.2"
    for internal in ("127.0.0.1", "169.254.169.254", "10.0.0.5", "100.64.0.1", "::1", "fe80::1%eth0", "0.0.0.0"):
        with pytest.raises(DNSLookupError):
            resolver.check(internal, "rebind.example")
    # how Twisted reports the refused lookup to Scrapy, and how it is then counted (offsite)
    assert refused_lookup("no results for hostname lookup: rebind.example")
    assert refused_lookup("no results for hostname lookup: REBIND.example.")
    assert not refused_lookup("no results for hostname lookup: other.example")
    # the registry's hosts and their subdomains are trusted wherever they point (the demo's are on 127.0.0.1)
    assert on_hosts("m.baotinh.vn", resolver.trusted) and on_hosts("BAOTINH.VN.", resolver.trusted)
    assert not on_hosts("baotinh.vn.evil.example", resolver.trusted) and not on_hosts("xbaotinh.vn", resolver.trusted)
