"""``tinradar claims``: the claim registry in Elasticsearch (admins), ClaimReview out and in.

Every change is made with the operator's identity (``cli:<os user>``) and chained into the
audit index before it happens (``index.claims``). Claims are validated by the same code as
``nlp/claims.yaml`` (the kernel's ``Claim``).
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape

from flows.cli.common import ExitCode, atomic_output, console, fail, load_settings, out, output_folder
from tinradar.settings import Settings

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

    from index.claim_stats import ClaimTimeline

claims_app = typer.Typer(
    help="Danh mục tin đồn đã bị bác bỏ (trong Elasticsearch). / The known-claims registry.", no_args_is_help=True
)


def _client(settings: Settings) -> Elasticsearch:
    from index.client import ElasticsearchUnavailable, connect

    try:
        return connect(settings)
    except ElasticsearchUnavailable as exc:
        fail(
            str(exc),
            hint=exc.hint
            or "khởi động máy chủ (tinradar es start) hoặc đặt TINRADAR_ES_URL / "
            "start the server (tinradar es start) or set TINRADAR_ES_URL",
            code=3,
        )


def _actor() -> str:
    from flows.review.events import cli_actor

    return cli_actor()


def _registry(settings: Settings) -> Elasticsearch:
    """A client whose registry holds at least the shipped seed (idempotent)."""
    from flows.claims import shipped_claims
    from index.claims import seed

    client = _client(settings)
    try:
        seed(client, settings, shipped_claims(settings))
    except ValueError as exc:
        fail(
            f"Không nạp được / cannot load {settings.claims_file}: {exc}",
            hint="sửa file YAML rồi chạy lại / fix the YAML file and run again",
            code=2,
        )
    return client


@claims_app.command("seed")
def seed_command() -> None:
    """Nạp nlp/claims.yaml vào danh mục (chạy lại không nhân đôi). / Load the shipped YAML (idempotent)."""
    from flows.claims import shipped_claims
    from index.claims import seed

    settings = load_settings()
    try:
        result = seed(_client(settings), settings, shipped_claims(settings))
    except ValueError as exc:
        fail(f"{settings.claims_file}: {exc}", code=2)
    console.print(
        f"Danh mục tin đồn: thêm {len(result.added)}, cập nhật {len(result.updated)}, "
        f"không đổi {result.unchanged}, giữ bản đã sửa {len(result.kept)} / "
        f"claim registry: {len(result.added)} added, {len(result.updated)} updated, "
        f"{result.unchanged} unchanged, {len(result.kept)} edited kept"
    )


@claims_app.command("list")
def list_command(
    status: str = typer.Option(None, "--status", help="active | proposed | retired | rejected"),
    fmt: str = typer.Option("table", "--format", help="table | json"),
) -> None:
    """Liệt kê tin đồn trong danh mục. / List the registry."""
    from index.claims import STATUS_LABELS, ClaimStatus, all_claims

    settings = load_settings()
    try:
        wanted = ClaimStatus(status) if status else None
    except ValueError:
        fail(
            f"--status {status}: chọn active, proposed, retired hoặc rejected / "
            "choose active, proposed, retired or rejected",
            code=2,
        )
    records = all_claims(_registry(settings), settings, wanted)
    if fmt == "json":
        for r in records:
            out.print(json.dumps(r.model_dump(mode="json"), ensure_ascii=False))
        return
    from rich.table import Table

    table = Table(title=f"Danh mục tin đồn / claim registry ({len(records)})")
    for column in ("Mã / id", "Trạng thái / status", "Nhóm / group", "Tin đồn / claim", "Cải chính đã đăng / answers"):
        table.add_column(column)
    for r in records:
        table.add_row(
            r.id,
            f"{STATUS_LABELS[r.status]} / {r.status.value}",
            r.claim.category,
            escape(r.claim.claim[:80]),
            str(len(r.corrections)),
        )
    console.print(table)


@claims_app.command("show")
def show_command(claim_id: str = typer.Argument(..., help="Mã tin đồn")) -> None:
    """Xem một tin đồn, lịch sử thay đổi và thời gian phản hồi. / One claim, its history and response times."""
    from index.claims import CHANNEL_LABELS, STATUS_LABELS, get_claim
    from index.review import claim_history

    settings = load_settings()
    client = _registry(settings)
    record = get_claim(client, settings, claim_id)
    if record is None:
        fail(
            f"Không có tin đồn '{claim_id}' trong danh mục / no claim '{claim_id}' in the registry",
            hint="xem danh sách / see the list: tinradar claims list",
            code=ExitCode.USAGE,  # an id the registry lacks is a bad argument (the exit-code table), not a partial run
        )
    c = record.claim
    console.print(
        f"[bold]{escape(c.id)}[/] ({STATUS_LABELS[record.status]} / {record.status.value}, "
        f"nhóm / group {escape(c.category)})"
    )
    console.print(f"Tin đồn / claim: {escape(c.claim)}")
    for v in c.variants:
        console.print(f"  biến thể / variant: {escape(v)}")
    console.print(f"Cải chính / correction: {escape(c.correction)} ({escape(', '.join(c.debunked_by))})")
    if c.source_url:
        console.print(f"Nguồn / source: {escape(c.source_url)}")
    for corr in record.corrections:
        console.print(
            f"Ban đã trả lời / answered: {corr.published_at.astimezone(settings.tz):%d/%m/%Y %H:%M} "
            f"{CHANNEL_LABELS[corr.channel]} / {corr.channel.value} {escape(corr.url)} "
            f"(ghi bởi / recorded by {escape(corr.recorded_by)})"
        )
    console.print("[bold]Lịch sử / history[/]")
    for change in claim_history(client, settings, claim_id):
        console.print(
            f"  #{change.seq} {change.at.astimezone(settings.tz):%d/%m/%Y %H:%M} {escape(change.by)}: {change.action}"
            + (f" ({escape(change.note)})" if change.note else "")
        )
    print_timeline(client, settings, claim_id)


def _claim_from_options(**fields: Any) -> Any:
    from pydantic import ValidationError

    from tinradar.schema import Claim, describe_errors

    try:
        return Claim.model_validate({k: v for k, v in fields.items() if v not in (None, [])})
    except ValidationError as exc:
        fail(f"Tin đồn không hợp lệ / invalid claim: {describe_errors(exc)}", code=2)


@claims_app.command("add")
def add_command(
    claim_id: str = typer.Option(..., "--id", help="Mã: chữ thường nối bằng '-', ví dụ vaccine-chip-5g"),
    claim: str = typer.Option(..., "--claim", help="Tin đồn, như người ta viết"),
    category: str = typer.Option(..., "--category", help="cure | prevention | vaccine | origin | transmission | ..."),
    correction: str = typer.Option(..., "--correction", help="Một hai câu cải chính"),
    debunked_by: list[str] = typer.Option(..., "--debunked-by", help="Ai đã bác bỏ (lặp lại được)"),
    variant: list[str] = typer.Option([], "--variant", help="Cách viết khác (lặp lại được)"),
    key_term: list[str] = typer.Option([], "--key-term", help="Từ khóa, cần một trong số đó (lặp lại được)"),
    required_term: list[str] = typer.Option([], "--required-term", help="Từ bắt buộc (lặp lại được)"),
    required_name: list[str] = typer.Option(
        [], "--required-name", help="Địa danh mà tin đồn nói tới, cần một trong số đó (lặp lại được)"
    ),
    source_url: str = typer.Option(None, "--source-url", help="Nơi đăng lời bác bỏ"),
) -> None:
    """Thêm một tin đồn (quản trị). / Add a claim; matched from the next run on."""
    from index.audit_chain import AuditWriteError
    from index.claims import RegistryError, add_claim

    settings = load_settings()
    record = _claim_from_options(
        id=claim_id,
        claim=claim,
        category=category,
        correction=correction,
        debunked_by=debunked_by,
        variants=variant,
        key_terms=key_term,
        required_terms=required_term,
        required_any=required_name,
        source_url=source_url,
    )
    client = _registry(settings)
    try:
        add_claim(client, settings, record, by=_actor())
    except RegistryError as exc:
        fail(str(exc), hint="chọn mã khác; xem / choose another id; see: tinradar claims list", code=ExitCode.USAGE)
    except AuditWriteError as exc:
        fail(f"Không ghi được nhật ký kiểm tra, chưa thêm / cannot write the audit log, nothing added: {exc}", code=3)
    console.print(
        f"Đã thêm tin đồn [bold]{record.id}[/]; lượt chạy sau sẽ đối chiếu với nó / added; the next run matches it"
    )


def _change(action: str, claim_id: str) -> None:
    from index.audit_chain import AuditWriteError
    from index.claims import RegistryError, approve_claim, reject_claim, retire_claim

    settings = load_settings()
    client = _registry(settings)
    do = {"retire": retire_claim, "approve": approve_claim, "reject": reject_claim}[action]
    try:
        do(client, settings, claim_id, by=_actor())
    except RegistryError as exc:
        fail(str(exc), hint="xem / see: tinradar claims show " + claim_id, code=ExitCode.USAGE)
    except AuditWriteError as exc:
        fail(
            f"Không ghi được nhật ký kiểm tra, chưa thay đổi / cannot write the audit log, nothing changed: {exc}",
            code=3,
        )
    done = {
        "retire": ("Đã ngừng dùng", "retired"),
        "approve": ("Đã duyệt", "approved"),
        "reject": ("Đã từ chối", "rejected"),
    }
    vi, en = done[action]
    console.print(f"{vi} tin đồn / {en} claim [bold]{claim_id}[/]")


@claims_app.command("retire")
def retire_command(claim_id: str = typer.Argument(..., help="Mã tin đồn")) -> None:
    """Ngừng đối chiếu một tin đồn (mã không được dùng lại). / Retire a claim."""
    _change("retire", claim_id)


@claims_app.command("approve")
def approve_command(claim_id: str = typer.Argument(..., help="Mã tin đồn đề xuất")) -> None:
    """Duyệt một tin đồn do người duyệt đề xuất (quản trị). / Approve a proposed claim."""
    _change("approve", claim_id)


@claims_app.command("reject")
def reject_command(claim_id: str = typer.Argument(..., help="Mã tin đồn đề xuất")) -> None:
    """Từ chối một đề xuất. / Reject a proposed claim."""
    _change("reject", claim_id)


@claims_app.command("correction")
def correction_command(
    claim_id: str = typer.Argument(..., help="Mã tin đồn"),
    url: str = typer.Option(..., "--url", help="Địa chỉ bài cải chính"),
    channel: str = typer.Option(..., "--channel", help="portal | loudspeaker | social_page"),
    at: str = typer.Option(None, "--at", help="Thời điểm đăng (ISO 8601; mặc định: bây giờ)"),
) -> None:
    """Ghi nhận Ban đã đăng cải chính. / Record that the board published a correction."""
    from index.claims import Channel, RegistryError, record_correction
    from tinradar.schema import utc_now

    settings = load_settings()
    try:
        where = Channel(channel)
    except ValueError:
        fail(
            f"--channel {channel}: chọn portal, loudspeaker hoặc social_page / "
            "choose portal, loudspeaker or social_page",
            code=2,
        )
    when = utc_now()
    if at:
        try:
            when = datetime.fromisoformat(at)
        except ValueError:
            fail(
                f"--at {at}: không phải thời điểm ISO 8601 / not an ISO 8601 time (ví dụ / e.g. 2021-08-07T09:00)",
                code=2,
            )
        if when.tzinfo is None:
            when = when.replace(tzinfo=settings.tz)
    if not url.startswith(("http://", "https://")):
        fail(f"--url {url}: cần địa chỉ http(s) / needs an http(s) address", code=2)
    try:
        record_correction(
            _registry(settings), settings, claim_id, url=url, channel=where, published_at=when, by=_actor()
        )
    except RegistryError as exc:
        fail(str(exc), code=ExitCode.USAGE)
    console.print(f"Đã ghi cải chính cho / correction recorded for [bold]{claim_id}[/]")


@claims_app.command("export")
def export_command(
    fmt: str = typer.Option("claimreview", "--format", help="claimreview (schema.org JSON-LD)"),
    out_file: Path = typer.Option(None, "--out", help="File để ghi (mặc định: stdout) / output file (default: stdout)"),
) -> None:
    """Xuất các tin đồn đã có lời đáp thành ClaimReview JSON-LD. / Export ClaimReview JSON-LD."""
    from flows.claims import export_claimreview

    if fmt != "claimreview":
        fail(f"--format {fmt}: chỉ có claimreview / only claimreview", code=2)
    settings = load_settings()
    if out_file is not None:  # a missing folder, or a folder given as --out: said before Elasticsearch is asked
        output_folder(out_file)
    feed, skipped = export_claimreview(_registry(settings), settings)
    text = json.dumps(feed, ensure_ascii=False, indent=2) + "\n"
    if out_file is None:
        sys.stdout.write(text)
    else:
        # was out_file.write_text: a folder or an unwritable one ended in exit 70 (IsADirectoryError, PermissionError)
        with atomic_output(out_file) as fh:
            fh.write(text)
    console.print(
        f"Đã xuất / exported {len(feed['dataFeedElement'])} ClaimReview"
        + (
            f"; {skipped} tin đồn chưa có lời đáp công khai (không có URL) nên chưa xuất / "
            f"{skipped} claims without a public answer (no URL) not exported"
            if skipped
            else ""
        )
    )


@claims_app.command("import")
def import_command(
    path: Path = typer.Argument(..., help="File ClaimReview JSON-LD hoặc DataFeed"),
    strict: bool = typer.Option(False, "--strict", help="Có bản ghi lỗi thì không nhập gì"),
) -> None:
    """Nhập ClaimReview của nơi khác vào danh mục (trùng URL bỏ qua). / Import ClaimReview JSON-LD."""
    from flows.claims import import_claimreview
    from index.claimreview import parse_json
    from tinradar.text import utf8_text

    settings = load_settings()
    try:
        # a BOM (Notepad) is no reason to refuse; a file saved as Windows-1258 is said in words,
        # not as the codec's "'utf-8' codec can't decode byte 0x80 in position 128"
        document = parse_json(utf8_text(path.read_bytes(), path))
    except FileNotFoundError:
        fail(f"Không thấy file / no such file: {path}", code=2)
    except IsADirectoryError:
        fail(f"{path}: là một thư mục, không phải file / is a folder, not a file", code=2)
    except OSError as exc:  # permission denied, a device...
        fail(f"{path}: không đọc được / cannot be read ({exc.strerror or exc})", code=2)
    except ValueError as exc:
        fail(f"{path}: {exc}" if str(path) not in str(exc) else str(exc), code=2)
    plan, written = import_claimreview(_registry(settings), settings, document, by=_actor(), strict=strict)
    for error in plan.errors:
        console.print(f"[red]Bỏ qua / skipped[/] {escape(str(error))}")
    if strict and plan.errors:
        fail(
            f"{len(plan.errors)} bản ghi lỗi: không nhập bản ghi nào / "
            f"{len(plan.errors)} bad records: nothing imported (--strict)",
            code=1,
        )
    console.print(
        f"Đã nhập {len(written)} tin đồn, bỏ qua {len(plan.errors)} bản ghi lỗi / "
        f"imported {len(written)} claims, skipped {len(plan.errors)} bad records"
    )
    if plan.errors:
        raise typer.Exit(1)


@claims_app.command("rematch")
def rematch_command(
    since: str = typer.Option(..., "--since", help="Từ ngày YYYY-MM-DD (giờ của Ban)"),
    until: str = typer.Option(None, "--until", help="Đến hết ngày YYYY-MM-DD"),
) -> None:
    """Đối chiếu lại các bài đã lập chỉ mục với danh mục hiện tại (giữ nguyên kết luận). / Re-match indexed items."""
    from datetime import date, time, timedelta

    from flows.claims import rematch
    from index.client import ElasticsearchUnavailable

    settings = load_settings()
    try:
        start = datetime.combine(date.fromisoformat(since), time.min, tzinfo=settings.tz)
        end = (
            datetime.combine(date.fromisoformat(until) + timedelta(days=1), time.min, tzinfo=settings.tz)
            if until
            else None
        )
    except ValueError:
        fail("--since/--until: cần ngày dạng YYYY-MM-DD / needs a YYYY-MM-DD date", code=2)
    try:
        result = rematch(settings, start, end)
    except ElasticsearchUnavailable as exc:
        fail(str(exc), hint=exc.hint, code=3)
    found = ", ".join(f"{k} ({v})" for k, v in sorted(result.newly_matched.items()))
    index = result.registry == "index"
    console.print(
        f"Đã đối chiếu lại {result.items} bài (danh mục: {'chỉ mục' if index else 'file YAML'}); "
        f"{result.changed} bài đổi tin đồn khớp; khớp mới: {found or 'không có'}. "
        "Kết luận của người duyệt được giữ nguyên. / "
        f"re-matched {result.items} items (registry: {'index' if index else 'YAML file'}); "
        f"{result.changed} changed their matched claims; newly matched: {found or 'none'}. "
        "Reviewers' verdicts are kept."
    )
    if result.failed:
        fail(
            f"{result.failed} bài chưa ghi được (đã đưa vào hàng chờ ghi lại) / "
            f"{result.failed} items not written (queued for replay)",
            code=1,
        )


def print_timeline(client: Elasticsearch, settings: Settings, claim_id: str) -> ClaimTimeline | None:
    """Print one claim's response times (``claims show``, ``search --claim ID --stats``)."""
    from index.claim_stats import human_delay, timeline
    from index.claims import get_claim

    record = get_claim(client, settings, claim_id)
    if record is None:
        console.print(
            f"[yellow]'{escape(claim_id)}' không có trong danh mục tin đồn: không có thời gian phản hồi / "
            "not in the claim registry: no response times[/]"
        )
        return None
    t = timeline(client, settings, record)

    def when(value: datetime | None) -> str:
        return f"{value.astimezone(settings.tz):%d/%m/%Y %H:%M}" if value else "chưa có / none yet"

    console.print(
        f"[bold]Thời gian phản hồi / response times — {escape(claim_id)}[/] ({t.posts} tin / posts, "
        f"{t.flagged_posts} tin mức vừa/cao / medium or high)"
    )
    # one column of "vi / en" labels, the times lined up after it; the delays stay Vietnamese (human_delay)
    console.print(f"  Xuất hiện lần đầu / first seen:             {when(t.first_seen)}")
    console.print(
        f"  Gắn cờ lần đầu / first flagged:             {when(t.first_flagged)}  (sau {human_delay(t.time_to_flag)})"
    )
    console.print(
        f"  Kết luận đầu tiên / first verdict:          {when(t.first_verdict)}  (sau {human_delay(t.time_to_verdict)})"
    )
    console.print(
        f"  Cải chính được đăng / correction published: {when(t.correction_at)}  (sau {human_delay(t.time_to_answer)})"
    )
    before, after = t.around_correction(settings.tz)
    if before:
        console.print(
            "  Tin mỗi ngày, 7 ngày trước cải chính / posts a day, the 7 days before the correction: "
            + " ".join(str(d.posts) for d in before)
        )
        console.print(
            "  Tin mỗi ngày, 7 ngày từ ngày cải chính / posts a day, the 7 days from the correction: "
            + " ".join(str(d.posts) for d in after)
        )
    return t


def register(app: typer.Typer) -> None:
    app.add_typer(claims_app, name="claims")
