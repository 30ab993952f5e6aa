"""CLI: ``tinradar crawl``, ``tinradar extract``, ``tinradar ingest``."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import typer

from flows.cli.common import console, fail, load_settings, out


def _parse_since(value: str | None, tz: ZoneInfo) -> datetime | None:
    if not value:
        return None
    from crawlers.dates import parse_date

    parsed = parse_date(value, tz=tz)
    if parsed is None:
        fail(f"không đọc được ngày --since {value!r} / unreadable date", hint="dùng dạng 2021-08-30 hoặc 30/08/2021")
    return parsed


def register(app: typer.Typer) -> None:
    """Add this area's commands to app."""

    @app.command("crawl")
    def crawl_cmd(
        source: list[str] = typer.Option(
            None, "--source", "-s", help="Id nguồn (lặp lại được) / source id(s); mặc định: mọi nguồn bật"
        ),
        since: str | None = typer.Option(None, "--since", help="Chỉ lấy bài từ ngày này / only items since DATE"),
        out_file: Path = typer.Option(Path("crawl.jsonl"), "--out", "-o", help="Tệp JSON lines đầu ra / output file"),
        sources_file: Path | None = typer.Option(
            None, "--sources-file", help="Tệp danh mục nguồn (YAML) / registry file"
        ),
        base_url: str | None = typer.Option(
            None, "--base-url", help="Giá trị {base_url} trong danh mục / value of {base_url}"
        ),
        no_state: bool = typer.Option(False, "--no-state", help="Bỏ qua trạng thái đã thu / ignore incremental state"),
    ) -> None:
        """Thu thập tin từ các nguồn, ghi Document dạng JSON lines. Crawl sources into a JSON lines file."""
        from rich.table import Table

        from crawlers.registry import RegistryError
        from crawlers.runner import CrawlError, crawl
        from tinradar.ids import UnsafeSalt

        settings = load_settings()
        try:
            summary = crawl(
                settings,
                sources_file=sources_file,
                source_ids=source or None,
                since=_parse_since(since, settings.tz),
                out_path=out_file,
                variables={"base_url": base_url} if base_url else None,
                use_state=not no_state,
            )
        except RegistryError as exc:
            fail(str(exc), hint="sửa tệp danh mục nguồn / fix the registry (crawlers/sources.yaml)")
        except UnsafeSalt as exc:
            fail(str(exc), code=2)
        except CrawlError as exc:
            fail(str(exc), hint="xem log phía trên / see the log above")
        table = Table(title=f"Kết quả thu thập / crawl summary → {out_file}")
        table.add_column("Nguồn / source")
        table.add_column("Bài / items", justify="right")
        table.add_column("Bỏ qua / skipped (lý do)")
        table.add_column("Lỗi / errors", justify="right")
        for s in summary.sources:
            reasons = ", ".join(f"{k}={v}" for k, v in sorted(s.skipped.items())) or "—"
            table.add_row(s.source_id, str(s.items), reasons, str(len(s.errors)))
        table.add_row(
            "[bold]Tổng / total[/]",
            f"[bold]{summary.items}[/]",
            ", ".join(f"{k}={v}" for k, v in sorted(summary.skipped().items())) or "—",
            "",
        )
        console.print(table)

    @app.command("extract")
    def extract_cmd(
        target: str = typer.Argument(..., help="Tệp HTML hoặc URL / HTML file or URL"),
        url: str | None = typer.Option(None, "--url", help="URL gốc của tệp / the page's URL (for a file)"),
        source_id: str | None = typer.Option(
            None, "--source", help="Dùng bộ chọn của nguồn này / use this source's selectors"
        ),
    ) -> None:
        """In Document trích từ một trang (JSON). Print the Document extracted from one page."""
        from crawlers.extract import ExtractionError, extract_document
        from crawlers.registry import RegistryError, load_registry

        settings = load_settings()
        source = None
        if source_id:
            try:
                sources = {s.id: s for s in load_registry(settings.sources_file)}
            except RegistryError as exc:
                fail(str(exc))
            if source_id not in sources:
                fail(f"không có nguồn {source_id!r} / unknown source", hint=f"các nguồn: {', '.join(sorted(sources))}")
            source = sources[source_id]
        content_type = None
        if target.startswith(("http://", "https://")):
            import httpx

            try:
                response = httpx.get(
                    target, follow_redirects=True, timeout=30, headers={"User-Agent": settings.user_agent}
                )
                response.raise_for_status()
            except httpx.HTTPError as exc:
                fail(f"không tải được {target}: {exc}", hint="kiểm tra URL và mạng / check the URL and network")
            body, page_url = response.content, url or str(response.url)
            content_type = response.headers.get("content-type")
        else:
            path = Path(target)
            if not path.is_file():
                fail(f"không tìm thấy tệp {target} / file not found", hint="đưa đường dẫn tệp HTML hoặc một URL")
            body, page_url = path.read_bytes(), url or path.resolve().as_uri()
        try:
            doc = extract_document(
                body,
                page_url,
                source=source,
                content_type=content_type,
                max_bytes=settings.max_page_bytes,
                tz=settings.tz,
            )
        except ExtractionError as exc:
            fail(f"không trích được nội dung: {exc.reason} / extraction failed", hint=str(exc))
        out.print(doc.model_dump_json(indent=2), markup=False)

    @app.command("ingest")
    def ingest_cmd(
        file: Path = typer.Argument(..., help="Tệp xuất / export file (CSV, JSON, JSON lines)"),
        out_file: Path | None = typer.Option(None, "--out", "-o", help="Tệp JSON lines (mặc định: stdout)"),
        fmt: str = typer.Option(
            "auto", "--format", help="auto | facebook | meta (Meta Content Library) | youtube | tiktok | csv"
        ),
        columns: str | None = typer.Option(
            None,
            "--columns",
            help="Bảng cột cho CSV / column map for a generic CSV: text=Nội dung,time=Thời gian,author=Người đăng,...",
        ),
        platform: str = typer.Option("other", "--platform", help="Nền tảng của CSV / platform of a generic CSV"),
    ) -> None:
        """Nhập bài từ tệp xuất (Facebook, Meta Content Library, YouTube, TikTok, CSV).
        Import posts from an export file."""
        from collections import Counter

        from crawlers.exports import FormatError, parse_columns
        from crawlers.ingest import ExportError, read_export
        from tinradar.ids import UnsafeSalt

        settings = load_settings()
        skipped: Counter[str] = Counter()
        n = 0
        try:
            column_map = parse_columns(columns) if columns else None
        except FormatError as exc:
            fail(
                f"bảng cột không hợp lệ: {exc} / bad column map", hint="ví dụ: --columns 'text=Nội dung,time=Thời gian'"
            )
        try:
            sink = out_file.open("w", encoding="utf-8") if out_file else sys.stdout
            try:
                for doc in read_export(file, settings, fmt=fmt, columns=column_map, platform=platform, skipped=skipped):
                    sink.write(doc.model_dump_json() + "\n")
                    n += 1
            finally:
                if out_file:
                    sink.close()
        except UnsafeSalt as exc:
            fail(str(exc), code=2)
        except (ExportError, ValueError) as exc:
            fail(
                f"không đọc được tệp xuất: {exc} / unreadable export",
                hint="định dạng: --format facebook|meta|youtube|tiktok, hoặc --format csv --columns 'text=...,time=...'",
            )
        reasons = ", ".join(f"{k}={v}" for k, v in sorted(skipped.items())) or "0"
        console.print(f"Đã nhập / imported [bold]{n}[/] bài; bỏ qua / skipped: {reasons}")
