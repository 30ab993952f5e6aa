"""Scrapy feed exporter for ``Document``s: one JSON line each, exactly as the schema serialises.

Scrapy's own JSON lines exporter writes dates its own way; the stages after the crawl
read ``Document.model_validate_json``, so the line must be ``Document.model_dump_json``.
Registered as the feed format ``documents`` (``FEED_EXPORTERS``) by ``crawlers.child``.
"""

from __future__ import annotations

from typing import IO, Any

from scrapy.exporters import BaseItemExporter

from tinradar.schema import Document

FORMAT = "documents"


class DocumentExporter(BaseItemExporter):
    def __init__(self, file: IO[bytes], **kwargs: Any) -> None:
        super().__init__(dont_fail=True, **kwargs)
        self.file = file

    def export_item(self, item: Any) -> None:
        if not isinstance(item, Document):  # the pipeline turns every item into a Document
            raise TypeError(f"expected a Document, got {type(item).__name__}")
        self.file.write(item.model_dump_json().encode("utf-8") + b"\n")
