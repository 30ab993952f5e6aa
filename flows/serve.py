"""``tinradar serve``: both flows as scheduled Prefect deployments, served from this process.

Schedules are in the board's time zone (Asia/Ho_Chi_Minh by default): the pipeline
every hour, crawling only the sources whose cadence (hourly, daily, weekly in
``crawlers/sources.yaml``) makes them due, and the report at 07:00 about the day before. ``flow.serve`` takes no
timezone argument; the zone goes into each ``Cron`` schedule.
"""

from __future__ import annotations

from typing import Any

from tinradar.settings import Settings

#: Crawl → analyse → index every hour, on the hour; each run crawls only the due sources.
PIPELINE_CRON = "0 * * * *"
#: The daily report at 07:00 local time.
REPORT_CRON = "0 7 * * *"


def cron_problem(expr: str, timezone: str) -> str | None:
    """Why Prefect would refuse ``expr`` as a schedule, or None: asked of the same ``Cron`` that schedules.

    A bad ``--pipeline-cron`` used to surface inside ``serve`` as ``ValueError`` (exit 70, an
    "internal error" for a typo) after the "serving" banner was printed.
    """
    from prefect.schedules import Cron

    try:
        Cron(expr, timezone=timezone)
    except ValueError as exc:
        return str(exc)
    return None


def build_deployments(
    settings: Settings, *, pipeline_cron: str = PIPELINE_CRON, report_cron: str = REPORT_CRON
) -> list[Any]:
    """The two ``RunnerDeployment``s with their schedules (separate from serving, so it is testable)."""
    from prefect.schedules import Cron

    from flows.pipeline import daily_pipeline
    from flows.report import daily_report

    pipeline = daily_pipeline.to_deployment(
        name="tinradar-pipeline",
        schedules=[Cron(pipeline_cron, timezone=settings.timezone)],
        parameters={"due_only": True},
        description="Thu thập các nguồn đến lượt → phân tích → lập chỉ mục / crawl the due sources → analyse → index",
        tags=["tinradar"],
    )
    report = daily_report.to_deployment(
        name="tinradar-report",
        schedules=[Cron(report_cron, timezone=settings.timezone)],
        description="Báo cáo ngày (ngày hôm trước) / the daily report about the day before",
        tags=["tinradar"],
    )
    return [pipeline, report]


def serve_forever(settings: Settings, *, pipeline_cron: str = PIPELINE_CRON, report_cron: str = REPORT_CRON) -> None:
    """Register both deployments and run their scheduled runs until interrupted."""
    from prefect import serve

    serve(*build_deployments(settings, pipeline_cron=pipeline_cron, report_cron=report_cron), limit=1)
