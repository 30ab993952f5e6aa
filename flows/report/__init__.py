"""The daily report: data from the index → HTML (charts inside), Markdown, PDF, optional e-mail.

``daily_report(day)`` is a Prefect flow; the pieces (``data``, ``render``, ``mail``) are
plain functions so they can be tested and reused without Prefect.

Call ``flows.prefect_env.configure_prefect(settings)`` before importing this package
when no Prefect server is configured (the CLI and the demo do).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel

from flows.report.data import ReportData, collect_report, report_dir
from tinradar.settings import Settings


class ReportResult(BaseModel):
    """Where the report went."""

    day: date
    folder: Path
    html: Path
    markdown: Path
    pdf: Path | None = None
    pdf_note: str = ""
    empty: bool
    items_today: int
    emailed_to: list[str] = []
    email_error: str | None = None


@task(name="collect-report-data", cache_policy=NO_CACHE)
def collect_task(settings: Settings, day: date) -> ReportData:
    from index.client import connect

    client = connect(settings)
    try:
        return collect_report(client, settings, day)
    finally:
        client.close()


@flow(name="tinradar-daily-report")
def daily_report(
    day: date | None = None,
    settings: Settings | None = None,
    pdf: bool = True,
    email: bool = True,
    retries: int = 2,
    retry_delay_seconds: float = 10.0,
) -> ReportResult:
    """Write ``<report_root>/YYYY-MM-DD/`` (report.html, report.md, report.pdf) and e-mail it if configured.

    ``day`` defaults to yesterday in the board's time zone: a 07:00 report covers the
    day that just ended.
    """
    from datetime import timedelta

    from flows.report.mail import build_message, send_report
    from flows.report.render import write_report

    settings = settings or Settings()
    day = day or (datetime.now(settings.tz).date() - timedelta(days=1))
    logger = get_run_logger()
    data = collect_task.with_options(retries=retries, retry_delay_seconds=retry_delay_seconds)(settings, day)
    folder = report_dir(settings, day)
    files = write_report(data, folder, pdf=pdf)
    result = ReportResult(
        day=day,
        folder=folder,
        html=files.html,
        markdown=files.markdown,
        pdf=files.pdf,
        pdf_note=files.pdf_note,
        empty=data.empty,
        items_today=data.total_today,
    )
    if email and settings.smtp_host and settings.report_recipients:
        subject = f"TinRadar — báo cáo ngày {day.strftime('%d/%m/%Y')}" + (" (không có tin mới)" if data.empty else "")
        msg = build_message(
            settings,
            subject,
            files.markdown.read_text(encoding="utf-8"),
            files.html.read_text(encoding="utf-8"),
            files.pdf,
        )
        try:
            send_report(settings, msg)
            result.emailed_to = list(settings.report_recipients)
        except (OSError, Exception) as exc:  # the report is written either way; say why mail failed
            result.email_error = f"{type(exc).__name__}: {exc}"
            logger.error("report written but not e-mailed: %s", result.email_error)
    try:
        create_markdown_artifact(
            files.markdown.read_text(encoding="utf-8")[:100_000],
            key="tinradar-daily-report",
            description=f"TinRadar {day}",
        )
    except Exception as exc:
        logger.warning("could not create the report artifact: %s", exc)
    logger.info("report for %s written to %s (%d items that day)", day, folder, data.total_today)
    return result


__all__ = ["ReportData", "ReportResult", "daily_report"]
