"""Child-process entry point of a crawl: ``python -m crawlers.child JOB.json [--wait-go]``.

Twisted's reactor cannot be restarted inside one process, and a Prefect flow may crawl
several times, so ``crawlers.runner.crawl`` runs every crawl here, in a fresh process.
The job file (JSON, private to the parent) carries settings, sources, the look-back, the
output paths and, for a crawl that feeds an index, that index's epoch (``crawlers.state``);
the child writes documents as JSON lines and a summary JSON, read back from each crawler's
Scrapy stats. With ``--wait-go`` it loads everything, then reads a line
``go`` on stdin before its first request (the parent holds the host locks from then on).
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawlers.export import FORMAT
from crawlers.registry import Source
from crawlers.resolver import TRUSTED_HOSTS_SETTING
from crawlers.spiders.base import CrawlContext
from crawlers.state import SourceState, StateReset, load_state_for, save_state
from crawlers.summary import CrawlSummary, SourceSummary
from tinradar.schema import utc_now
from tinradar.settings import Settings


def scrapy_settings(settings: Settings, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Scrapy settings from TinRadar's: polite (robots.txt, AutoThrottle, per-domain limit,
    UA with contact) and wired to TinRadar's components (pipeline, dupefilter identity,
    incremental middleware, skip counter, document feed export)."""
    agent = settings.user_agent
    if settings.contact:
        agent = f"{agent} contact: {settings.contact}"
    values: dict[str, Any] = {
        "USER_AGENT": agent,
        "ROBOTSTXT_OBEY": settings.obey_robots,
        "AUTOTHROTTLE_ENABLED": settings.autothrottle,
        "AUTOTHROTTLE_START_DELAY": 1.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(settings.concurrency_per_domain),
        "CONCURRENT_REQUESTS": 32,
        "CONCURRENT_REQUESTS_PER_DOMAIN": settings.concurrency_per_domain,
        "HTTPCACHE_ENABLED": settings.http_cache,
        "HTTPCACHE_DIR": str(settings.cache_dir / "http"),
        "DOWNLOAD_MAXSIZE": settings.max_page_bytes,
        "DOWNLOAD_WARNSIZE": 0,
        "DOWNLOAD_TIMEOUT": 30,
        "RETRY_TIMES": 2,
        "REDIRECT_MAX_TIMES": 10,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "DNS_TIMEOUT": 15,
        # a name off the registry's hosts may not resolve to an internal address when Scrapy
        # connects (DNS rebinding past InternalAddressMiddleware's check); trusted hosts: run_job
        "TWISTED_DNS_RESOLVER": "crawlers.resolver.PublicAddressResolver",
        "ITEM_PIPELINES": {"crawlers.pipelines.DocumentPipeline": 300},
        # before offsite (50): no internal address off the source's hosts; known items after it
        "DOWNLOADER_MIDDLEWARES": {
            "crawlers.middlewares.InternalAddressMiddleware": 45,
            "crawlers.middlewares.KnownItemsMiddleware": 60,
        },
        # the web only: a crawled link to file://, ftp://, s3:// or data: is never opened
        "DOWNLOAD_HANDLERS": {"file": None, "ftp": None, "s3": None, "data": None},
        "REQUEST_FINGERPRINTER_CLASS": "crawlers.middlewares.CanonicalFingerprinter",
        "EXTENSIONS": {"crawlers.skips.SkipCounter": 0},
        "FEED_EXPORTERS": {FORMAT: "crawlers.export.DocumentExporter"},
    }
    values.update(overrides or {})
    return values


def trusted_hosts(sources: list[Source]) -> list[str]:
    """The hosts the registry names for these sources (``allowed_domains`` and the hosts of
    their URLs): the only names allowed to resolve to an internal address (the demo's are on
    127.0.0.1)."""
    hosts = {d for s in sources for d in s.allowed_domains}
    hosts |= {urlsplit(u).hostname or "" for s in sources for u in s.all_urls()}
    return sorted(h.rstrip(".").lower() for h in hosts if h)


def run_job(job: dict[str, Any]) -> CrawlSummary:
    """Run every source of a job in one CrawlerProcess; write documents, state and summary.

    Each source is one crawler with its own stats, dupefilter and pipeline; the feed export
    writes its documents to a part file, and the parts are joined into ``out_path`` in
    registry order once the crawl is over.
    """
    from scrapy.crawler import Crawler, CrawlerProcess

    from crawlers.spiders import spider_for

    settings = Settings(**job["settings"])
    sources = [Source.model_validate(s) for s in job["sources"]]
    since = datetime.fromisoformat(job["since"]) if job.get("since") else None
    use_state = job.get("use_state", True)
    out_path = Path(job["out_path"])
    out_path.parent.mkdir(parents=True, exist_ok=True)
    parts = Path(job["summary_path"]).parent / "parts"
    ctx = CrawlContext(settings=settings, since=since)
    # The index's epoch and the sources it holds documents of (None: unknown); see load_state_for
    epoch: str | None = job.get("index_epoch")
    indexed = job.get("indexed_sources")
    states: dict[str, SourceState] = {}
    resets: dict[str, StateReset] = {}
    for s in sources:
        if not use_state:
            states[s.id] = SourceState(source_id=s.id)
            continue
        in_index = None if indexed is None else s.id in indexed
        states[s.id], reset = load_state_for(settings.data_dir, s.id, epoch, in_index)
        if reset is not None:
            resets[s.id] = reset
    started = utc_now()
    values = scrapy_settings(settings, job.get("scrapy_settings"))
    values[TRUSTED_HOSTS_SETTING] = trusted_hosts(sources)
    values["FEEDS"] = {str(parts / "%(source_id)s.jsonl"): {"format": FORMAT, "overwrite": True}}
    values["LOG_INSTALL_ROOT_HANDLER"] = True  # Scrapy 2.19: the setting, not the deprecated install_root_handler=
    process = CrawlerProcess(values)
    # everything is loaded: with --wait-go, wait for the parent's politeness lock
    if job.get("wait_go") and sys.stdin.readline().strip() != "go":
        raise SystemExit("crawl cancelled by the parent before it started")
    crawlers: list[tuple[Source, Crawler]] = []
    for source in sources:
        crawler = process.create_crawler(spider_for(source))
        process.crawl(crawler, source=source, ctx=ctx, state=states[source.id])
        crawlers.append((source, crawler))
    process.start()
    with out_path.open("wb") as out:
        for source in sources:
            part = parts / f"{source.id}.jsonl"
            if part.is_file():
                out.write(part.read_bytes())
    if use_state:
        for state in states.values():
            save_state(settings.data_dir, state)
    summaries = [
        SourceSummary.from_stats(source.id, crawler.stats.get_stats() if crawler.stats else {}, resets.get(source.id))
        for source, crawler in crawlers
    ]
    return CrawlSummary(started_at=started, finished_at=utc_now(), out_path=out_path, sources=summaries)


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    job = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    job["wait_go"] = "--wait-go" in args[1:]
    logging.basicConfig(level=logging.WARNING)
    summary = run_job(job)
    Path(job["summary_path"]).write_text(summary.model_dump_json(indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
