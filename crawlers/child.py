"""Child-process entry point of a crawl: ``python -m crawlers.child JOB.json``.

Twisted's reactor cannot be restarted inside one process, and a Prefect flow may crawl
several times, so ``crawlers.runner.crawl`` runs every crawl here, in a fresh process.
The job file (JSON, private to the parent) carries settings, sources, the look-back and
the output paths; the child writes documents as JSON lines and a summary JSON.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from crawlers.registry import Source
from crawlers.state import SourceState, load_state, save_state
from crawlers.summary import CrawlSummary, SourceSummary
from tinradar.schema import Document, utc_now
from tinradar.settings import Settings


def scrapy_settings(settings: Settings, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Polite Scrapy settings from TinRadar's: robots.txt, AutoThrottle, per-domain limit, UA with contact."""
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
    }
    values.update(overrides or {})
    return values


def run_job(job: dict[str, Any]) -> CrawlSummary:
    """Run every source of a job in one CrawlerProcess; write documents, state and summary."""
    from scrapy.crawler import CrawlerProcess

    from crawlers.spiders import CrawlContext, spider_for

    settings = Settings(**job["settings"])
    sources = [Source.model_validate(s) for s in job["sources"]]
    since = datetime.fromisoformat(job["since"]) if job.get("since") else None
    out_path = Path(job["out_path"])
    out_path.parent.mkdir(parents=True, exist_ok=True)
    started = utc_now()
    with out_path.open("w", encoding="utf-8") as out:

        def sink(doc: Document) -> None:
            out.write(doc.model_dump_json() + "\n")

        ctx = CrawlContext(settings=settings, since=since, sink=sink)
        for source in sources:
            ctx.states[source.id] = (
                load_state(settings.data_dir, source.id)
                if job.get("use_state", True)
                else SourceState(source_id=source.id)
            )
            ctx.summaries[source.id] = SourceSummary(source_id=source.id)
        process = CrawlerProcess(scrapy_settings(settings, job.get("scrapy_settings")), install_root_handler=True)
        for source in sources:
            process.crawl(spider_for(source), source=source, ctx=ctx)
        process.start()
    if job.get("use_state", True):
        for state in ctx.states.values():
            save_state(settings.data_dir, state)
    return CrawlSummary(
        started_at=started, finished_at=utc_now(), out_path=out_path, sources=list(ctx.summaries.values())
    )


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    job = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    logging.basicConfig(level=logging.WARNING)
    summary = run_job(job)
    Path(job["summary_path"]).write_text(summary.model_dump_json(indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
