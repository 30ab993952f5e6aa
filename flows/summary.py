"""What one pipeline run did, as a typed summary (returned, logged, and a Prefect artifact).

Every skip and failure has a name and a count here, so a board member reading the
summary (or the report built on it) sees which source broke and what was left for the
next run, without reading logs.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, Field

from crawlers.reasons import skip_label
from crawlers.state import StateReset


class SourceStatus(StrEnum):
    OK = "ok"  # crawled, no errors
    PARTIAL = "partial"  # items came in, but some requests failed
    DOWN = "down"  # nothing came in and requests failed: site down or changed
    FAILED = "failed"  # the crawl task itself failed after its retries


class SourceRun(BaseModel):
    """One source's crawl in this run."""

    source_id: str
    status: SourceStatus
    items: int = 0
    skipped: dict[str, int] = Field(default_factory=dict, description="Skipped pages by reason")
    errors: int = 0
    dates_dropped: int = Field(
        default=0, description="Items kept undated: their publication date was impossible (before 1990, future)"
    )
    error: str | None = Field(
        default=None, description="Why the crawl failed (failed/down sources), or why a partial one may be broken"
    )
    state_reset: StateReset | None = Field(
        default=None, description="Why the source's crawl state started fresh (the index it fed is gone), or None"
    )

    def skipped_line(self, sep: str = ", ") -> str:
        """The skips in words, each with its code in brackets for whoever greps logs ("bài quá cũ
        (too_old): 3, …"); "—" when none. The run's Markdown and the CLI's table both print this
        (the table one reason per line, ``sep`` "\\n": a narrow column wraps a reason mid-phrase)."""
        return skips_text(self.skipped, sep=sep)


def skips_text(counts: Mapping[str, int], empty: str = "—", sep: str = ", ") -> str:
    """Skip counts in words, sorted by code ("bài quá cũ (too_old): 3, …"); ``empty`` when none.
    The run summaries and ``tinradar crawl`` / ``ingest`` print skips through this one function;
    their terminal tables give ``sep`` "\\n", one reason per line, so a reason is never cut mid-phrase."""
    return sep.join(skip_text(reason, n) for reason, n in sorted(counts.items())) or empty


def skip_text(reason: str, n: int) -> str:
    """One skip reason and its count: its Vietnamese label (``crawlers.reasons.skip_label``), then the code
    (inside the label's own brackets when it ends with some: "… (robots.txt; robots_forbidden): 2")."""
    label = skip_label(reason)
    if label == reason:
        return f"{reason}: {n}"
    if label.endswith(")"):
        return f"{label[:-1]}; {reason}): {n}"
    return f"{label} ({reason}): {n}"


class DropCounts(BaseModel):
    """What the analyse and index stages could not carry through whole: never silently lost.

    Unreadable lines stay in their file (the run folder keeps it); failed and unscored
    items are indexed with default scores and a note saying why.
    """

    unreadable: int = Field(
        default=0, description="Lines of crawl files or run chunks that are not valid records (left in their file)"
    )
    analysis_failed: int = Field(default=0, description="Items whose analysis raised (indexed with default scores)")
    unscored: int = Field(
        default=0, description="Items given no rumor score: empty, only a link or emoji, not Vietnamese, legacy font"
    )

    def add(self, other: DropCounts) -> None:
        self.unreadable += other.unreadable
        self.analysis_failed += other.analysis_failed
        self.unscored += other.unscored

    @property
    def any(self) -> bool:
        return bool(self.unreadable or self.analysis_failed or self.unscored)


class StageCounts(DropCounts):
    """Item counts through analyse and index (with the drops of ``DropCounts``).

    The drops count everything this run read, its own chunks and those it picked up from
    earlier runs; ``analysed`` counts its own chunks only.
    """

    crawled: int = 0
    duplicates: int = Field(default=0, description="Same document seen twice in this run (merged)")
    analysed: int = 0
    indexed_new: int = 0
    indexed_updated: int = 0
    indexed_unchanged: int = Field(default=0, description="Already in the index, identical (a rerun)")
    index_failed: int = 0
    dead_lettered: int = 0
    rejected: int = Field(default=0, description="Items Elasticsearch refused for good (kept aside, not replayed)")
    picked_up: int = Field(default=0, description="Items left by earlier runs and indexed now")
    pending: int = Field(default=0, description="Items kept on disk for the next run (not yet indexed)")


class RunSummary(BaseModel):
    """The run summary: returned by ``daily_pipeline`` and shown as a Prefect artifact."""

    day: date
    run_id: str
    run_dir: Path
    started_at: datetime
    finished_at: datetime | None = None
    sources: list[SourceRun] = Field(default_factory=list)
    counts: StageCounts = Field(default_factory=StageCounts)
    not_due: list[str] = Field(
        default_factory=list, description="Sources left out because their cadence says they were crawled recently"
    )
    failures: list[str] = Field(default_factory=list, description="Stage-level failures, in words")
    stage_seconds: dict[str, float] = Field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when every source and stage succeeded and nothing waits for a later run."""
        return (
            not self.failures
            and not self.counts.pending
            and all(s.status in (SourceStatus.OK, SourceStatus.PARTIAL) for s in self.sources)
        )

    @property
    def failed_sources(self) -> list[SourceRun]:
        return [s for s in self.sources if s.status in (SourceStatus.FAILED, SourceStatus.DOWN)]

    def not_due_line(self) -> str:
        """The sources this run left to a later one by their cadence, in one line ("" if none)."""
        if not self.not_due:
            return ""
        return f"Chưa đến lượt thu thập (theo nhịp của nguồn) / not due by cadence: {', '.join(self.not_due)}"

    def state_reset_line(self) -> str:
        """The sources whose crawl state started fresh because the index it fed is gone ("" if none).

        Their items are fetched again (same ids: nothing is duplicated); said in the run where it happens.
        """
        reset = sorted(s.source_id for s in self.sources if s.state_reset is not None)
        if not reset:
            return ""
        return (
            f"Chỉ mục mới (dữ liệu cũ không còn): tải lại toàn bộ {len(reset)} nguồn / new index (its earlier data "
            f"is gone): crawl state reset, items fetched again: {', '.join(reset)}"
        )

    def undated_line(self) -> str:
        """The items crawled with an impossible publication date, kept undated, by source ("" if none)."""
        dropped = {s.source_id: s.dates_dropped for s in self.sources if s.dates_dropped}
        if not dropped:
            return ""
        by_source = ", ".join(f"{k}: {v}" for k, v in sorted(dropped.items()))
        return (
            f"Giữ lại không có ngày (ngày đăng không thể đúng: trước 1990 hoặc ở tương lai) / kept undated "
            f"(impossible publication date: before 1990 or in the future): {sum(dropped.values())} ({by_source})"
        )

    def skipped_total(self) -> dict[str, int]:
        """Skips by reason over all sources."""
        total: dict[str, int] = {}
        for source in self.sources:
            for reason, n in source.skipped.items():
                total[reason] = total.get(reason, 0) + n
        return dict(sorted(total.items(), key=lambda kv: -kv[1]))

    def to_markdown(self) -> str:
        """The summary as Markdown, in Vietnamese with English terms for analysts."""
        c = self.counts
        state = "✅ Hoàn tất" if self.ok else "⚠️ Có lỗi / needs attention"
        lines = [
            f"# Lượt chạy {self.day.isoformat()} — {state}",
            "",
            f"Run `{self.run_id}` · dữ liệu: `{self.run_dir}`",
            "",
            "| Giai đoạn / stage | Số mục / items |",
            "|---|---:|",
            f"| Thu thập / crawled | {c.crawled} |",
            f"| Trùng trong lượt / duplicates merged | {c.duplicates} |",
            f"| Phân tích / analysed | {c.analysed} |",
            f"| Mới vào chỉ mục / new | {c.indexed_new} |",
            f"| Cập nhật / updated | {c.indexed_updated} |",
            f"| Không đổi / unchanged | {c.indexed_unchanged} |",
            f"| Lỗi ghi / failed | {c.index_failed} |",
            f"| Chờ gửi lại / dead-lettered | {c.dead_lettered} |",
            f"| Bị từ chối hẳn / rejected for good | {c.rejected} |",
            f"| Từ lượt trước / picked up from earlier runs | {c.picked_up} |",
            f"| Giữ lại cho lượt sau / pending | {c.pending} |",
            f"| Dòng không đọc được / unreadable lines | {c.unreadable} |",
            f"| Phân tích lỗi / analysis failed | {c.analysis_failed} |",
            f"| Không chấm điểm / left unscored | {c.unscored} |",
            "",
            "## Nguồn / sources",
            "",
            "| Nguồn | Trạng thái | Mục | Bỏ qua (lý do) | Lỗi |",
            "|---|---|---:|---|---|",
        ]
        for s in sorted(self.sources, key=lambda s: s.source_id):
            skipped = s.skipped_line().replace("|", "/")
            error = (s.error or (f"{s.errors} lỗi" if s.errors else "—")).replace("|", "/").replace("\n", " ")
            lines.append(f"| {s.source_id} | {_STATUS_VI[s.status]} | {s.items} | {skipped} | {error[:200]} |")
        if self.not_due:
            lines += ["", self.not_due_line()]
        if self.state_reset_line():
            lines += ["", self.state_reset_line()]
        if self.undated_line():
            lines += ["", self.undated_line()]
        if self.failures:
            lines += ["", "## Lỗi / failures", ""] + [f"- {f}" for f in self.failures]
        if self.stage_seconds:
            lines += ["", "## Thời gian / time per stage", ""]
            lines += [f"- {k}: {v:.1f} s" for k, v in self.stage_seconds.items()]
        return "\n".join(lines) + "\n"


_STATUS_VI = {
    SourceStatus.OK: "✅ tốt",
    SourceStatus.PARTIAL: "⚠️ một phần",
    SourceStatus.DOWN: "❌ không truy cập được",
    SourceStatus.FAILED: "❌ lỗi",
}
