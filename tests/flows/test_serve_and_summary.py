"""Schedules of ``tinradar serve`` and the crawl-result → run-summary rules."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from crawlers.summary import CrawlSummary, SourceSummary
from flows.summary import RunSummary, SourceRun, SourceStatus
from flows.tasks import SourceDown, source_run_from
from tinradar.settings import Settings


def test_deployments_are_scheduled_in_the_board_time_zone():
    from flows.serve import build_deployments

    pipeline, report = build_deployments(Settings())
    assert pipeline.name == "tinradar-pipeline" and report.name == "tinradar-report"
    (p_sched,) = pipeline.schedules
    (r_sched,) = report.schedules
    assert p_sched.schedule.cron == "0 * * * *" and p_sched.schedule.timezone == "Asia/Ho_Chi_Minh"
    assert pipeline.parameters == {"due_only": True}, "hourly runs crawl only the sources their cadence makes due"
    assert r_sched.schedule.cron == "0 7 * * *" and r_sched.schedule.timezone == "Asia/Ho_Chi_Minh"


def _summary(**source: object) -> CrawlSummary:
    now = datetime.now(UTC)
    return CrawlSummary(
        started_at=now, finished_at=now, out_path="x.jsonl", sources=[SourceSummary(source_id="s", **source)]
    )


def test_source_with_items_and_some_failed_pages_is_partial():
    run = source_run_from(_summary(items=5, skipped={"http_404": 2, "too_old": 3}), "s", written=5)
    assert run.status is SourceStatus.PARTIAL and run.items == 5 and run.skipped == {"http_404": 2, "too_old": 3}


def test_source_with_nothing_new_is_not_down():
    run = source_run_from(_summary(items=0, skipped={"not_modified": 2, "already_seen": 10}), "s", written=0)
    assert run.status is SourceStatus.OK and run.items == 0
    # one bad page among pages already seen: partial, not down
    run = source_run_from(_summary(items=0, skipped={"already_seen": 10, "http_404": 1}), "s", written=0)
    assert run.status is SourceStatus.PARTIAL and run.errors == 1


def test_source_whose_every_request_failed_is_down():
    with pytest.raises(SourceDown, match="connection_error: 3"):
        source_run_from(_summary(items=0, skipped={"connection_error": 3}), "s", written=0)
    with pytest.raises(SourceDown, match="boom"):
        source_run_from(_summary(items=0, errors=["http://x/: boom"]), "s", written=0)


def test_source_whose_pages_no_longer_read_is_down_with_the_reason():
    """A changed layout: the pages come in, no article can be read from them."""
    with pytest.raises(SourceDown, match=r"no_body: 2.*layout changed"):
        source_run_from(_summary(items=0, skipped={"already_seen": 7, "no_body": 2}), "s", written=0)
    # half the new pages unreadable: partial, and it says why
    run = source_run_from(_summary(items=2, skipped={"no_body": 2}), "s", written=2)
    assert run.status is SourceStatus.PARTIAL and run.errors == 2 and "layout changed" in (run.error or "")
    # one odd page among many good ones: partial, without the layout warning
    run = source_run_from(_summary(items=9, skipped={"no_body": 1}), "s", written=9)
    assert run.status is SourceStatus.PARTIAL and run.error is None
    # an empty post is not a broken layout
    run = source_run_from(_summary(items=0, skipped={"no_text": 3, "already_seen": 4}), "s", written=0)
    assert run.status is SourceStatus.OK


def test_run_summary_markdown_names_failures():
    summary = RunSummary(
        day=date(2021, 9, 3),
        run_id="r1",
        run_dir="/tmp/r1",
        started_at=datetime.now(UTC),
        sources=[
            SourceRun(source_id="good", status=SourceStatus.OK, items=3),
            SourceRun(source_id="bad", status=SourceStatus.DOWN, error="SourceDown: connection refused"),
        ],
    )
    assert not summary.ok and [s.source_id for s in summary.failed_sources] == ["bad"]
    md = summary.to_markdown()
    assert "| bad | ❌ không truy cập được | 0 | — | SourceDown: connection refused |" in md
    assert "Có lỗi" in md
