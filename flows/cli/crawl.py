"""CLI: ``tinradar crawl``, ``tinradar extract``, ``tinradar ingest``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import typer
from rich.markup import escape

from flows.cli.common import (
    ExitCode,
    atomic_output,
    console,
    fail,
    input_file,
    load_settings,
    out,
    output_folder,
    unknown_source,
)
from flows.summary import skips_text


def _parse_since(value: str | None, tz: ZoneInfo, option: str = "--since") -> datetime | None:
    """A date option's value; an unreadable one is a usage error naming the option it came from."""
    if not value:
        return None
    from crawlers.dates import parse_date

    parsed = parse_date(value, tz=tz)
    if parsed is None:
        fail(
            f"không đọc được ngày {option} {value!r} / unreadable date",
            hint="dùng dạng 2021-08-30 hoặc 30/08/2021",
            code=ExitCode.USAGE,
        )
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

        from crawlers.registry import RegistryError, UnknownSource
        from crawlers.runner import CrawlError, crawl
        from tinradar.ids import UnsafeSalt

        settings = load_settings()
        output_folder(out_file)
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
        except UnknownSource as exc:
            unknown_source(exc.unknown, exc.known)
        except RegistryError as exc:
            fail(
                str(exc),
                hint="sửa tệp danh mục nguồn / fix the registry (crawlers/sources.yaml)",
                code=ExitCode.USAGE,  # nothing was crawled: not "some lines skipped" (1), as run pipeline says too
            )
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
            table.add_row(s.source_id, str(s.items), escape(skips_text(s.skipped, sep="\n")), str(len(s.errors)))
        table.add_row(
            "[bold]Tổng / total[/]",
            f"[bold]{summary.items}[/]",
            escape(skips_text(summary.skipped(), sep="\n")),
            "",
        )
        console.print(table)
        if summary.dates_dropped:
            console.print(
                f"[yellow]{summary.dates_dropped} bài giữ lại không có ngày: ngày đăng không thể đúng (trước 1990 hoặc "
                "ở tương lai) / items kept undated: their publication date was impossible (before 1990 or in the "
                "future); URLs in the log[/]"
            )

    @app.command("extract")
    def extract_cmd(
        target: str = typer.Argument(..., help="Tệp HTML hoặc URL / HTML file or URL"),
        url: str | None = typer.Option(None, "--url", help="URL gốc của tệp / the page's URL (for a file)"),
        source_id: str | None = typer.Option(
            None, "--source", help="Dùng bộ chọn của nguồn này / use this source's selectors"
        ),
    ) -> None:
        """In Document trích từ một trang (JSON). Print the Document extracted from one page."""
        from crawlers.extract import ExtractionError, binary_kind, extract_document, page_url_problem
        from crawlers.registry import RegistryError, load_registry

        settings = load_settings()
        source = None
        if source_id:
            try:
                sources = {s.id: s for s in load_registry(settings.sources_file)}
            except RegistryError as exc:
                fail(str(exc), code=ExitCode.USAGE)
            if source_id not in sources:  # a bad option value: a usage error (2), as the exit-code table says
                unknown_source([source_id], sorted(sources), option="--source")
            source = sources[source_id]
        content_type = None
        if url is not None:
            url_problem = page_url_problem(url)
            if url_problem:
                fail(
                    f"--url {url!r}: {url_problem}",
                    hint="ví dụ / e.g. --url https://baotuyenquang.com.vn/tin/abc.html",
                    code=ExitCode.USAGE,
                )
        if "://" in target or target.lower().startswith(("javascript:", "data:", "file:")):
            target_problem = page_url_problem(target)
            if target_problem:
                fail(
                    f"{target!r}: {target_problem}",
                    hint="đưa một URL http(s) hoặc đường dẫn tệp HTML / give an http(s) URL or an HTML file",
                    code=ExitCode.USAGE,
                )
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
            input_file(path, hint="đưa đường dẫn tệp HTML hoặc một URL / give an HTML file or a URL")
            # A FIFO or <(curl …) reads too; one byte past the page limit is enough to refuse it as too large.
            with path.open("rb") as fh:
                body = fh.read(settings.max_page_bytes + 1)
            page_url = url or (path.resolve() if path.is_file() else path.absolute()).as_uri()
        binary = binary_kind(body)
        if binary:
            fail(
                f"{target}: không phải trang HTML mà là {binary} / not an HTML page but {binary} (by its bytes)",
                hint="đưa một trang HTML / give an HTML page",
                code=ExitCode.USAGE,
            )
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
        out_file: Path | None = typer.Option(
            None, "--out", "-o", help="Tệp JSON lines (mặc định: stdout) / JSON lines file (default: stdout)"
        ),
        fmt: str = typer.Option(
            "auto", "--format", help="auto | facebook | meta (Meta Content Library) | youtube | tiktok | csv"
        ),
        columns: str | None = typer.Option(
            None,
            "--columns",
            help="Bảng cột cho CSV / column map for a generic CSV: text=Nội dung,time=Thời gian,author=Người đăng,...",
        ),
        platform: str = typer.Option("other", "--platform", help="Nền tảng của CSV / platform of a generic CSV"),
        exported_at: str | None = typer.Option(
            None,
            "--exported-at",
            help="Lúc xuất tệp, cho ngày tương đối ('hôm qua') / when the file was exported, for relative dates "
            "(mặc định / default: the file's modification time)",
        ),
    ) -> None:
        """Nhập bài từ tệp xuất (Facebook, Meta Content Library, YouTube, TikTok, CSV).
        Import posts from an export file.

        Exit code 0: every row became a post (rows with no text and repeated posts are
        counted, not errors); 1: some rows were unreadable (bad JSON, bad date, no id...),
        the rest went through; 2: the file is empty, unrecognised or has no usable row.
        """
        from collections import Counter

        from crawlers.exports import FormatError, parse_columns
        from crawlers.ingest import ExportError, read_export
        from crawlers.reasons import SkipReason
        from tinradar.ids import UnsafeSalt

        settings = load_settings()
        skipped: Counter[str] = Counter()
        n = 0
        try:
            column_map = parse_columns(columns) if columns else None
        except FormatError as exc:
            fail(
                f"bảng cột không hợp lệ: {exc} / bad column map",
                hint="ví dụ: --columns 'text=Nội dung,time=Thời gian'",
                code=ExitCode.USAGE,
            )
        anchor = _parse_since(exported_at, settings.tz, "--exported-at") if exported_at else None
        # a folder was "export file not found", which it is not
        input_file(file, hint="đưa đường dẫn tệp xuất / give the export file's path")
        if out_file is not None:
            output_folder(out_file)
        try:
            with atomic_output(out_file or Path("-")) as sink:
                for doc in read_export(
                    file,
                    settings,
                    fmt=fmt,
                    columns=column_map,
                    platform=platform,
                    skipped=skipped,
                    exported_at=anchor,
                ):
                    sink.write(doc.model_dump_json() + "\n")
                    n += 1
                if not n:
                    raise ExportError(
                        f"{file}: không có dòng nào nhập được / no row could be imported"
                        + (f" (bỏ qua / skipped: {skips_text(skipped)})" if skipped else "")
                    )
        except UnsafeSalt as exc:
            fail(str(exc), code=ExitCode.USAGE)
        except (ExportError, ValueError) as exc:
            fail(
                f"không đọc được tệp xuất: {exc} / unreadable export",
                hint="định dạng: --format facebook|meta|youtube|tiktok, hoặc --format csv --columns 'text=...,time=...'",
                code=ExitCode.USAGE,
            )
        console.print(f"Đã nhập / imported [bold]{n}[/] bài; bỏ qua / skipped: {escape(skips_text(skipped, '0'))}")
        harmless = {SkipReason.NO_TEXT, SkipReason.DUPLICATE_POST}
        if any(reason not in harmless for reason in skipped):
            raise typer.Exit(ExitCode.PARTIAL)
