"""Crawl a registry written for one test: news sources on local servers, through the real child process.

The attack and failure tests (internal addresses, rebinding, bombs, fan-out, hosts down) each
need a small registry of news sources pointing at a local server and one crawl of it from the
look-back date; this writes the YAML and runs ``crawlers.runner.crawl`` the same way for all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from crawlers.runner import crawl
from crawlers.summary import CrawlSummary
from tinradar.settings import VN_TZ, Settings

#: Fail fast on a local server: no retries, no throttle, short timeouts.
FAST: dict[str, Any] = {
    "DOWNLOAD_TIMEOUT": 15,
    "RETRY_TIMES": 0,
    "REDIRECT_MAX_TIMES": 5,
    "AUTOTHROTTLE_ENABLED": False,
}


@dataclass(frozen=True)
class NewsSource:
    """One registry entry: a verified news source read from its feeds and sitemaps."""

    id: str
    feeds: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)


def crawl_news(
    tmp_path: Path,
    sources: list[NewsSource],
    *,
    settings: Settings | None = None,
    scrapy_settings: dict[str, Any] | None = None,
    use_state: bool = False,
) -> CrawlSummary:
    """Write ``sources`` as ``tmp_path/sources.yaml`` and crawl them since 1 Jan 2021 (documents in ``docs.jsonl``)."""
    lines = ["sources:"]
    for source in sources:
        lines += [f"  - id: {source.id}", f"    name: {source.id}", "    kind: news", "    verified: true"]
        lines += [f"    feeds: {source.feeds!r}".replace("'", '"')] if source.feeds else []
        lines += [f"    sitemaps: {source.sitemaps!r}".replace("'", '"')] if source.sitemaps else []
    registry = tmp_path / "sources.yaml"
    registry.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return crawl(
        settings or Settings(data_dir=tmp_path / "data", autothrottle=False, obey_robots=False),
        sources_file=registry,
        since=datetime(2021, 1, 1, tzinfo=VN_TZ),
        out_path=tmp_path / "docs.jsonl",
        scrapy_settings=FAST if scrapy_settings is None else scrapy_settings,
        use_state=use_state,
    )
