"""crawlers stage (imports only the kernel, `tinradar`).

Public entry points (see docs/crawlers.md):

- ``crawlers.registry.load_registry(path, variables=None) -> list[Source]``
- ``crawlers.runner.crawl(settings, *, sources_file=None, source_ids=None, since=None,
  out_path, variables=None, scrapy_settings=None, use_state=True) -> CrawlSummary``
- ``crawlers.ingest.read_export(path, settings, *, fmt="auto", columns=None, platform="other") -> Iterator[Document]``
- ``crawlers.extract.extract_document(body, url, *, source=None, ..., tz) -> Document``
- ``crawlers.summary.CrawlSummary`` (skips by ``crawlers.reasons.SkipReason``)

Inside a crawl, Scrapy's own parts do the work: spiders yield items, the item pipeline
(``crawlers.pipelines``) makes them ``Document``s or drops them by reason, a feed exporter
(``crawlers.export``) writes them, and the skips are counted in ``crawler.stats``.

Heavy imports (Scrapy, trafilatura) stay inside those modules so importing the package
is cheap.
"""
