"""The crawl summary: per source, items written, skips by named reason, errors.

Read back from each crawler's Scrapy stats when the crawl is over (``from_stats``): the
items are Scrapy's ``item_scraped_count`` (what the pipeline let through and the feed
export wrote), the skips the ``tinradar/skipped/<reason>`` counters (``crawlers.skips``).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from crawlers.reasons import DATES_DROPPED_STAT, ERRORS_KEY, is_extraction_failure, is_failure, skipped_from_stats
from crawlers.state import StateReset


class SourceSummary(BaseModel):
    source_id: str
    items: int = 0
    skipped: dict[str, int] = Field(default_factory=dict, description="reason → count (crawlers.skips.SkipReason)")
    errors: list[str] = Field(default_factory=list, description="Unexpected failures (first few), with URL")
    dates_dropped: int = Field(
        default=0, description="Items written undated: their publication date was impossible (before 1990, future)"
    )
    state_reset: StateReset | None = Field(
        default=None, description="Why the source's crawl state was dropped before this crawl (crawlers.state)"
    )

    @classmethod
    def from_stats(cls, source_id: str, stats: dict[str, Any], state_reset: StateReset | None = None) -> SourceSummary:
        """One source's summary from the stats of its crawler (and whether its state started fresh)."""
        return cls(
            source_id=source_id,
            items=int(stats.get("item_scraped_count", 0)),
            skipped=skipped_from_stats(stats),
            errors=list(stats.get(ERRORS_KEY, [])),
            dates_dropped=int(stats.get(DATES_DROPPED_STAT, 0)),
            state_reset=state_reset,
        )

    @property
    def total_skipped(self) -> int:
        return sum(self.skipped.values())

    @property
    def failed_requests(self) -> dict[str, int]:
        """The skips that are failed requests (timeouts, HTTP errors, broken feeds...), by reason."""
        return {reason: n for reason, n in self.skipped.items() if is_failure(reason)}

    @property
    def extraction_failures(self) -> dict[str, int]:
        """Pages fetched whose article could not be read (the layout may have changed), by reason."""
        return {reason: n for reason, n in self.skipped.items() if is_extraction_failure(reason)}


class CrawlSummary(BaseModel):
    started_at: datetime
    finished_at: datetime
    out_path: Path
    sources: list[SourceSummary] = Field(default_factory=list)

    @property
    def items(self) -> int:
        return sum(s.items for s in self.sources)

    @property
    def dates_dropped(self) -> int:
        return sum(s.dates_dropped for s in self.sources)

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
