"""``tinradar run pipeline|report``, ``tinradar serve`` and ``tinradar demo``.

Flows run in this process with no Prefect server needed: ``configure_prefect`` points
Prefect's home at the data dir and lets it start a temporary local server. Set
``PREFECT_API_URL`` to use a real Prefect server instead.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from flows.cli.common import ExitCode, console, fail, load_settings, out, unknown_source
from flows.serve import PIPELINE_CRON, REPORT_CRON

if TYPE_CHECKING:
    from flows.summary import RunSummary
    from tinradar.settings import Settings

run_app = typer.Typer(
    name="run",
    help="Chạy ngay một luồng xử lý, không cần máy chủ Prefect / run one flow now, without a server.",
    no_args_is_help=True,
)

DayOption = Annotated[
    str | None,
    typer.Option("--day", help="Ngày, dạng YYYY-MM-DD (mặc định: hôm nay; báo cáo: hôm qua) / the day"),
]


def _parse_day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"Ngày không hợp lệ / invalid day: {value!r}", hint="Dùng dạng YYYY-MM-DD, ví dụ --day 2021-09-03", code=2)


def _parse_vars(values: list[str] | None) -> dict[str, str] | None:
    if not values:
        return None
    out_vars: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            fail(
                f"Biến không hợp lệ / invalid --var: {item!r}",
                hint="Dùng dạng --var base_url=http://127.0.0.1:8000",
                code=2,
            )
        out_vars[key.strip()] = value.strip()
    return out_vars


def _prepare(*, quiet: bool = True) -> Settings:
    """Settings + Prefect environment; ``quiet`` keeps Prefect's own log lines off the terminal.

    A one-off run prints its own summary (every failure with its reason), so Prefect's
    console logs — tracebacks of a retried task, client retry warnings — would only bury
    it. They still reach Prefect's API (and its UI when a server is configured); set
    ``PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL=INFO`` to see them here too.
    """
    from flows.prefect_env import configure_prefect

    settings = load_settings()
    if quiet:
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")
    configure_prefect(settings)
    return settings


def print_summary(summary: RunSummary) -> None:
    """The run summary as two Rich tables (stderr), for people."""
    from rich.table import Table

    c = summary.counts
    table = Table(title=f"Lượt chạy {summary.day} ({summary.run_id})", show_header=True)
    table.add_column("Giai đoạn / stage")
    table.add_column("Số mục / items", justify="right")
    for label, value in (
        ("Thu thập / crawled", c.crawled),
        ("Trùng, đã gộp / duplicates", c.duplicates),
        ("Phân tích / analysed", c.analysed),
        ("Mới vào chỉ mục / new", c.indexed_new),
        ("Cập nhật / updated", c.indexed_updated),
        ("Không đổi / unchanged", c.indexed_unchanged),
        ("Từ lượt trước / picked up", c.picked_up),
        ("Chờ lượt sau / pending", c.pending),
        ("Chờ gửi lại / dead-lettered", c.dead_lettered),
        ("Bị từ chối hẳn / rejected for good", c.rejected),
        ("Dòng không đọc được / unreadable lines", c.unreadable),
        ("Phân tích lỗi / analysis failed", c.analysis_failed),
        ("Không chấm điểm / left unscored", c.unscored),
    ):
        table.add_row(label, str(value))
    console.print(table)
    sources = Table(show_header=True)
    for col in ("Nguồn / source", "Trạng thái", "Mục", "Bỏ qua (lý do)", "Lỗi"):
        sources.add_column(col)
    for s in sorted(summary.sources, key=lambda s: s.source_id):
        style = "red" if s.status in ("down", "failed") else ("yellow" if s.status == "partial" else "green")
        sources.add_row(
            s.source_id,
            f"[{style}]{s.status}[/]",
            str(s.items),
            escape(s.skipped_line(sep="\n")),
            escape((s.error or "")[:120]),
        )
    console.print(sources)
    if summary.not_due:
        console.print(summary.not_due_line())
    if summary.state_reset_line():
        console.print(f"[yellow]{escape(summary.state_reset_line())}[/]")
    if summary.undated_line():
        console.print(f"[yellow]{summary.undated_line()}[/]")
    for failure in summary.failures:
        console.print(f"[bold red]✗[/] {failure}")


@run_app.command("pipeline")
def run_pipeline(
    day: DayOption = None,
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Chỉ nguồn này (lặp lại được) / only this source id")
    ] = None,
    lookback: Annotated[
        int | None, typer.Option("--lookback", min=0, help="Số ngày nhìn lại / days to look back")
    ] = None,
    sources_file: Annotated[
        Path | None, typer.Option("--sources-file", help="Danh sách nguồn (YAML) / source registry")
    ] = None,
    var: Annotated[
        list[str] | None, typer.Option("--var", help="Giá trị cho {biến} trong danh sách nguồn: KEY=VALUE")
    ] = None,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            help="Thu thập và phân tích trên cụm Dask / crawl and analyse on a Dask cluster: scheduler address, or 'local'",
        ),
    ] = None,
    retry_delay: Annotated[
        float,
        typer.Option("--retry-delay", min=0, help="Giây chờ giữa các lần thử lại / seconds between retries"),
    ] = 30.0,
    due_only: Annotated[
        bool,
        typer.Option(
            "--due-only",
            help="Chỉ các nguồn đã đến lượt theo nhịp thu thập (cadence) / only sources due by their cadence",
        ),
    ] = False,
    json_out: Annotated[
        bool, typer.Option("--json", help="In bản tóm tắt dạng JSON ra stdout / print the summary as JSON")
    ] = False,
) -> None:
    """Thu thập → phân tích → lập chỉ mục cho một ngày / crawl → analyse → index for one day."""
    settings = _prepare()
    from crawlers.registry import RegistryError, UnknownSource
    from flows.pipeline import PipelineFailed, daily_pipeline

    try:
        summary = daily_pipeline(
            day=_parse_day(day),
            sources=source or None,
            lookback_days=lookback,
            sources_file=sources_file,
            variables=_parse_vars(var),
            settings=settings,
            retry_delay_seconds=retry_delay,
            dask_address=dask,
            due_only=due_only,
        )
    except PipelineFailed as exc:
        print_summary(exc.summary)
        if json_out:
            out.print(exc.summary.model_dump_json(indent=2))
        fail(
            "Lượt chạy chưa hoàn tất / the run did not complete.",
            hint="Dữ liệu đã thu thập được giữ lại; sửa lỗi trên (ví dụ: 'tinradar es start') rồi chạy lại — lượt sau sẽ xử lý tiếp.",
        )
    except UnknownSource as exc:
        unknown_source(exc.unknown, exc.known)
    except RegistryError as exc:
        fail(
            f"Danh sách nguồn không hợp lệ / bad source registry: {exc}",
            hint="sửa tệp YAML rồi chạy lại / fix the YAML file and run again",
            code=2,
        )
    print_summary(summary)
    if json_out:
        out.print(summary.model_dump_json(indent=2))


@run_app.command("report")
def run_report(
    day: DayOption = None,
    pdf: Annotated[bool, typer.Option("--pdf/--no-pdf", help="Tạo bản PDF nếu có Chromium")] = True,
    email: Annotated[bool, typer.Option("--email/--no-email", help="Gửi thư nếu đã cấu hình SMTP")] = True,
) -> None:
    """Lập báo cáo ngày (HTML, Markdown, PDF) / write the daily report."""
    settings = _prepare()
    from flows.report import daily_report
    from index.client import ElasticsearchUnavailable

    try:
        result = daily_report(day=_parse_day(day), settings=settings, pdf=pdf, email=email)
    except ElasticsearchUnavailable as exc:
        fail(str(exc), hint=exc.hint or "Start Elasticsearch: tinradar es start")
    console.print(f"[bold green]✓[/] Báo cáo ngày {result.day}: {result.html}")
    console.print(f"  Markdown: {result.markdown}")
    console.print(f"  PDF: {result.pdf}" if result.pdf else f"  [yellow]{escape(result.pdf_note)}[/]")
    if result.empty:
        console.print("  [yellow]Không có tin, bài nào trong ngày này: báo cáo ghi rõ điều đó.[/]")
    if result.emailed_to:
        console.print(f"  Đã gửi tới / e-mailed to: {', '.join(result.emailed_to)}")
    if result.email_error:
        console.print(f"  [red]Chưa gửi được thư / e-mail failed:[/] {result.email_error}")
    out.print(str(result.html))


def serve(
    pipeline_cron: Annotated[
        str, typer.Option("--pipeline-cron", help="Lịch chạy thu thập (cron, giờ địa phương)")
    ] = PIPELINE_CRON,
    report_cron: Annotated[
        str, typer.Option("--report-cron", help="Lịch lập báo cáo (cron, giờ địa phương)")
    ] = REPORT_CRON,
) -> None:
    """Chạy theo lịch: mỗi giờ thu thập các nguồn đến lượt, báo cáo lúc 07:00 / serve both flows on schedules."""
    from flows.serve import cron_problem, serve_forever

    timezone = load_settings().timezone
    schedules = (("--pipeline-cron", pipeline_cron, PIPELINE_CRON), ("--report-cron", report_cron, REPORT_CRON))
    for option, expr, example in schedules:  # checked before Prefect is set up or anything is printed
        problem = cron_problem(expr, timezone)
        if problem:
            fail(
                f"{option} {expr!r}: lịch cron không hợp lệ / not a cron schedule ({problem})",
                hint=f"5 trường: phút giờ ngày tháng thứ / 5 fields: minute hour day month weekday, "
                f"ví dụ / e.g. {option} '{example}'",
                code=ExitCode.USAGE,
            )
    settings = _prepare(quiet=False)
    console.print(
        f"Phục vụ theo lịch ({settings.timezone}): thu thập '{pipeline_cron}', báo cáo '{report_cron}'. Ctrl+C để dừng."
    )
    serve_forever(settings, pipeline_cron=pipeline_cron, report_cron=report_cron)


def demo(
    day: DayOption = None,
    pdf: Annotated[bool, typer.Option("--pdf/--no-pdf", help="Tạo bản PDF nếu có Chromium")] = True,
    site_port: Annotated[
        int,
        typer.Option("--site-port", min=1, max=65535, help="Cổng của trang tin mẫu (giữ nguyên giữa các lần chạy)"),
    ] = 8377,
) -> None:
    """Chạy thử toàn bộ trên trang mẫu cục bộ / the whole product over the local fixture site."""
    settings = _prepare()
    from flows.demo import DEMO_DAY, EXAMPLE_SEARCHES, NEXT_STEPS, run_demo
    from flows.pipeline import PipelineFailed
    from index.client import ElasticsearchUnavailable
    from index.errors import NodeError

    started = datetime.now()
    console.print(
        "[bold]TinRadar demo[/]: Elasticsearch cục bộ + trang tin mẫu trên 127.0.0.1 → thu thập → phân tích → chỉ mục → báo cáo"
    )
    try:
        result = run_demo(settings, day=_parse_day(day) or DEMO_DAY, pdf=pdf, site_port=site_port)
    except OSError as exc:  # the fixture site's port is taken
        fail(
            f"Không mở được trang tin mẫu trên cổng {site_port} / cannot serve the fixture site: {exc}",
            hint="Dùng cổng khác, ví dụ: tinradar demo --site-port 8378 (giữ cổng đó cho các lần chạy sau)",
        )
    except NodeError as exc:
        fail(f"Không khởi động được Elasticsearch / could not start Elasticsearch: {exc}", hint=exc.hint)
    except ElasticsearchUnavailable as exc:
        fail(str(exc), hint=exc.hint)
    except PipelineFailed as exc:
        print_summary(exc.summary)
        fail("Lượt chạy mẫu chưa hoàn tất / the demo run did not complete.", hint="Xem lỗi ở trên.")
    print_summary(result.summary)
    t = result.totals
    console.print(
        f"\n[bold green]✓ Xong[/] trong {(datetime.now() - started).total_seconds():.0f} s. "
        f"Chỉ mục có [bold]{t.documents}[/] tin, bài ({t.day_total} trong ngày {result.report.day}); "
        f"nguy cơ cao: {t.by_risk_level.get('high', 0)}, trung bình: {t.by_risk_level.get('medium', 0)}, "
        f"thấp: {t.by_risk_level.get('low', 0)}."
    )
    if t.claims:
        console.print("Tin sai đã biết được nhắc tới (số bài, kể cả bài cải chính): " + escape(t.claims_line()))
    console.print(f"\n[bold]Báo cáo / report:[/] {result.report.html}")
    if result.report.pdf:
        console.print(f"                  {result.report.pdf}")
    else:
        console.print(f"                  [yellow]{escape(result.report.pdf_note)}[/]")
    console.print(f"                  {result.report.markdown}")
    console.print(
        f"Elasticsearch: {result.es_url}"
        + (" (đã khởi động / started; dừng: tinradar es stop)" if result.started_node else "")
    )
    console.print("\n[bold]Thử tìm kiếm / try:[/]")
    for command, why in EXAMPLE_SEARCHES:
        console.print(f"  [cyan]{command}[/]\n      {why}")
    console.print("\n[bold]Tiếp theo / next:[/]")
    for command, why in NEXT_STEPS:
        console.print(f"  [cyan]{escape(command)}[/]\n      {why}", soft_wrap=True)
    out.print(str(result.report.html))


def register(app: typer.Typer) -> None:
    """Add ``run``, ``serve`` and ``demo`` to the main app."""
    app.add_typer(run_app, name="run")
    app.command("serve")(serve)
    app.command("demo")(demo)
