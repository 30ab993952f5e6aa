"""crawlers stage (imports only the kernel, `tinradar`).

Public entry points (see docs/crawlers.md):

- ``crawlers.registry.load_registry(path, variables=None) -> list[Source]``
- ``crawlers.runner.crawl(settings, *, sources_file=None, source_ids=None, since=None,
  out_path, variables=None, scrapy_settings=None, use_state=True) -> CrawlSummary``
- ``crawlers.ingest.read_export(path, settings) -> Iterator[Document]``
- ``crawlers.extract.extract_document(body, url, *, source=None, ...) -> Document``

Heavy imports (Scrapy, trafilatura) stay inside those modules so importing the package
is cheap.
"""
