"""The crawl's DNS resolver: a name off the registry's hosts may not lead to an internal address.

``InternalAddressMiddleware`` looks a host name up before a request is sent, but Scrapy
looks it up again when it connects, and a DNS server that answers with a public address
the first time and ``127.0.0.1`` or ``169.254.169.254`` the second (DNS rebinding) passed
that check. This resolver is the one Scrapy connects through (``TWISTED_DNS_RESOLVER``), so
its answer is the address actually used: for a name that is not one of the registry's
hosts (``TINRADAR_TRUSTED_HOSTS``, set by the crawl child from the job's sources, their
subdomains included), a non-public answer is refused and the connection never opens.

Twisted turns any failed lookup into its own ``DNSLookupError("no results for hostname
lookup: <name>")``, so the refused names are remembered here (``refused``) for
``crawlers.skips`` to count those failures as ``offsite``, like the middleware's refusals.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from scrapy.resolver import CachingThreadedResolver
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError

log = logging.getLogger(__name__)

#: The Scrapy setting holding the hosts whose answers are trusted (the registry's own).
TRUSTED_HOSTS_SETTING = "TINRADAR_TRUSTED_HOSTS"

#: Names refused in this process (a crawl child runs one job): read by ``crawlers.skips``.
refused: set[str] = set()


def on_hosts(host: str, domains: Iterable[str]) -> bool:
    """True when ``host`` is one of ``domains`` or a subdomain of one (case and a final dot ignored)."""
    name = host.strip("[]").rstrip(".").lower()
    return any(name == d or name.endswith("." + d) for d in (d.rstrip(".").lower() for d in domains if d))


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """On the public internet: not loopback, private, link-local, shared, reserved or multicast."""
    return address.is_global and not address.is_multicast


class PublicAddressResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, refusing a non-public answer for a name off the trusted hosts."""

    def __init__(self, reactor: Any, cache_size: int, timeout: float, trusted: Sequence[str] = ()) -> None:
        super().__init__(reactor, cache_size, timeout)
        self.trusted = [t.rstrip(".").lower() for t in trusted if t]

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> PublicAddressResolver:
        settings = crawler.settings
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        return cls(reactor, cache_size, settings.getfloat("DNS_TIMEOUT"), settings.getlist(TRUSTED_HOSTS_SETTING))

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        answer: Deferred[str] = super().getHostByName(name, timeout)
        if not on_hosts(name, self.trusted):
            answer.addCallback(self.check, name)
        return answer

    def check(self, address: str, name: str) -> str:
        """``address`` when it is public, else ``DNSLookupError`` (the name remembered in ``refused``)."""
        try:
            public = is_public(ipaddress.ip_address(address.split("%", 1)[0]))
        except ValueError:
            public = False
        if not public:
            refused.add(name.rstrip(".").lower())
            log.warning(
                "refused %s: it resolves to %s, not a public address, and is not a registry host", name, address
            )
            raise DNSLookupError(f"{name} resolves to a non-public address")
        return address


def refused_lookup(message: str) -> bool:
    """True when a failed lookup's message (Twisted's ``DNSLookupError``, or Scrapy's
    ``CannotResolveHostError`` around it) ends with a host this resolver refused."""
    host = message.rsplit(":", 1)[-1].strip().rstrip(".").lower() if ":" in message else ""
    return bool(host) and host in refused
