"""The crawl summary: per source, items written, skips by named reason, errors."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, Field


class SourceSummary(BaseModel):
    source_id: str
    items: int = 0
    skipped: dict[str, int] = Field(default_factory=dict, description="reason → count")
    errors: list[str] = Field(default_factory=list, description="Unexpected failures (first few), with URL")

    @property
    def total_skipped(self) -> int:
        return sum(self.skipped.values())


class CrawlSummary(BaseModel):
    started_at: datetime
    finished_at: datetime
    out_path: Path
    sources: list[SourceSummary] = Field(default_factory=list)

    @property
    def items(self) -> int:
        return sum(s.items for s in self.sources)

    def skipped(self) -> dict[str, int]:
        """All skips by reason, over every source."""
        total: Counter[str] = Counter()
        for s in self.sources:
            total.update(s.skipped)
        return dict(total)

    def source(self, source_id: str) -> SourceSummary:
        for s in self.sources:
            if s.source_id == source_id:
                return s
        raise KeyError(source_id)
