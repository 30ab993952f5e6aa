"""CLI of the review desk: ``tinradar review serve|export`` and ``tinradar users add|list|remove``."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer

from flows.cli.common import ExitCode, atomic_output, console, fail, load_settings
from tinradar.settings import Settings

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

    from flows.review.users import AccountAction, Recorder, User
    from index.review import ReviewExportRow

review_app = typer.Typer(
    help="Bàn duyệt tin: ứng dụng web để Ban ghi kết luận. / Review desk web app.", no_args_is_help=True
)
users_app = typer.Typer(help="Tài khoản của bàn duyệt tin. / Review desk accounts.", no_args_is_help=True)

#: What ``users list`` and ``review serve`` say when the accounts file holds no one (``users list`` said nothing).
NO_ACCOUNTS = (
    "[yellow]Chưa có tài khoản nào / no accounts yet.[/] Tạo tài khoản quản trị / add an admin: "
    "[bold]tinradar users add admin --role admin[/]"
)
audit_app = typer.Typer(
    help="Nhật ký kiểm tra (chuỗi băm) của các kết luận. / The audit trail (hash chain).", no_args_is_help=True
)
review_app.add_typer(audit_app, name="audit")


def _client(settings: Settings) -> Elasticsearch:
    """A client that answered a ping; otherwise a clear error and exit code 3."""
    from index.client import ElasticsearchUnavailable, connect

    try:
        return connect(settings)
    except ElasticsearchUnavailable as exc:
        fail(str(exc), hint=exc.hint or "Khởi động máy chủ (tinradar es start) hoặc đặt TINRADAR_ES_URL.", code=3)


@review_app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", help="Địa chỉ lắng nghe / bind address"),
    port: int = typer.Option(8800, min=1, max=65535, help="Cổng / port"),  # 99999 was only found by bind()
    proxy: bool = typer.Option(
        False, help="Chạy sau reverse proxy HTTPS (tin header X-Forwarded-*) / behind a TLS proxy"
    ),
    dev: bool = typer.Option(
        False, "--dev", help="Thử trên máy mình với khóa phiên mặc định (chỉ 127.0.0.1) / development only"
    ),
) -> None:
    """Chạy bàn duyệt tin (web). / Serve the review desk."""
    import uvicorn

    from flows.review.app import create_app
    from flows.review.deploy import UnsafeDeployment, check_serve, for_serving
    from flows.review.proxy import uvicorn_options
    from flows.review.users import UserError, UserStore

    settings = load_settings()
    try:
        check_serve(settings, host=host, proxy=proxy, dev=dev)
        forwarded = uvicorn_options(settings, proxy=proxy)
        settings = for_serving(settings, proxy=proxy)
    except UnsafeDeployment as exc:
        fail(str(exc), hint=exc.hint, code=2)
    store = UserStore.for_settings(settings)
    try:
        accounts = store.list()
    except UserError as exc:  # a damaged accounts file: said before the desk starts, not at the first login
        fail(str(exc), code=2)
    if not accounts:
        console.print(NO_ACCOUNTS)
    client = _client(settings)
    from elasticsearch import AuthorizationException

    from index.review import ensure_audit_index

    try:
        ensure_audit_index(client, settings)
    except AuthorizationException:  # the least-privilege desk role (index/roles.py) may not create indices
        console.print(
            "Tài khoản Elasticsearch của bàn duyệt không được tạo chỉ mục (đúng với vai trò tinradar_desk): "
            "chỉ mục nhật ký phải có sẵn (tinradar review audit init, với tài khoản quản trị)."
        )
    from flows.review.events import configure_logging

    configure_logging()
    app = create_app(settings, client=client, users=store, dev=dev)
    console.print(f"Bàn duyệt tin: http://{host}:{port}/  (Ctrl+C để dừng)")
    uvicorn.run(
        app,
        host=host,
        port=port,
        **forwarded,
        server_header=False,
        log_level="info",
    )


@review_app.command("export")
def export(out_file: Path = typer.Option(..., "--out", help="File JSON lines để ghi / output JSONL file")) -> None:
    """Xuất kết luận, giọng điệu và tin đồn đã biết do người duyệt ghi, làm dữ liệu huấn luyện.

    Exports reviewed items (verdict label, tone and/or the registry claims a reviewer read the
    item as repeating) as JSON lines for `tinradar train rumor|sentiment|claims --with-reviews`.
    """
    from index.review import export_decisions

    settings = load_settings()
    client = _client(settings)
    verdicts: Counter[str] = Counter()
    tones: Counter[str] = Counter()
    readings = none_readings = rows = 0
    out_file.parent.mkdir(parents=True, exist_ok=True)
    # atomic_output: a folder is a usage error, /dev/null or a FIFO is written in place (a
    # rename of "<out>.part" onto it replaced the device, or failed with exit 70 on a folder).
    with atomic_output(out_file) as fh:
        for row in export_decisions(client, settings):
            fh.write(json.dumps(row.model_dump(mode="json"), ensure_ascii=False) + "\n")
            rows += 1
            if row.label is not None:
                verdicts[str(row.status)] += 1
            if row.tone is not None:
                tones[row.tone.value] += 1
            if row.claims is not None:
                readings += 1
                none_readings += not row.claims
    detail = ", ".join(f"{k}: {v}" for k, v in sorted(verdicts.items())) or "chưa có"
    tone_detail = ", ".join(f"{k}: {v}" for k, v in sorted(tones.items())) or "chưa có"
    claim_detail = f"{readings} bài ({none_readings} không lặp lại tin đồn nào)" if readings else "chưa có"
    console.print(
        f"Đã xuất {rows} bài vào {out_file}: kết luận {detail}; giọng điệu: {tone_detail}; "
        f"tin đồn đã biết: {claim_detail}."
    )


@audit_app.command("verify")
def audit_verify(
    head: str = typer.Option(
        None, "--head", help="Đầu chuỗi đã ghi lại lần trước (SEQ:HASH) / a head noted earlier: the end is still there"
    ),
) -> None:
    """Kiểm tra nhật ký: không bản ghi nào bị xóa, sửa, chèn; mọi kết luận đều có bản ghi. Exit 1 if not.

    Checks the audit hash chain and that every verdict on the documents has its record.
    """
    from rich.markup import escape

    from index.audit_chain import ChainHead
    from index.audit_verify import verify

    try:
        noted = ChainHead.parse(head) if head else None
    except ValueError as exc:
        fail(str(exc), hint="Dạng SEQ:HASH, như dòng cuối của lần kiểm tra trước in ra.", code=2)
    settings = load_settings()
    report = verify(_client(settings), settings, noted)
    if report.legacy:
        console.print(f"{report.legacy} bản ghi cũ từ trước khi có chuỗi băm (không kiểm được).")
    if report.intact:
        console.print(
            f"[green]Nhật ký kiểm tra: {report.records} bản ghi, chuỗi nguyên vẹn đến #{report.head.seq}; "
            "mọi kết luận đều có bản ghi.[/]"
        )
    else:
        console.print(f"[bold red]Nhật ký kiểm tra có {len(report.problems)} vấn đề ({report.records} bản ghi):[/]")
        for problem in report.problems:
            console.print(f"  [red]✗[/] {escape(problem)}")
    console.print(f"Ghi lại đầu chuỗi ở nơi khác, để lần sau biết phần cuối còn nguyên: --head {report.head}")
    if not report.intact:
        raise typer.Exit(1)


@audit_app.command("init")
def audit_init() -> None:
    """Tạo chỉ mục nhật ký (quyền quản trị). / Create or update the audit index (needs an admin identity)."""
    from index.review import audit_index, ensure_audit_index

    settings = load_settings()
    ensure_audit_index(_client(settings), settings)
    console.print(f"Chỉ mục nhật ký {audit_index(settings)} đã sẵn sàng.")


def _reviews(settings: Settings, reviews_file: Path | None) -> list[ReviewExportRow]:
    """Reviewed rows from ``reviews_file`` (a ``tinradar review export``) or straight from Elasticsearch."""
    from flows.review.retrain import read_reviews

    if reviews_file is None:
        from index.review import export_decisions

        return list(export_decisions(_client(settings), settings))
    if not reviews_file.is_file():
        fail(
            f"Không thấy file kết luận / reviews file not found: {reviews_file}",
            hint="tạo bằng / make one with: tinradar review export --out FILE",
            code=2,
        )
    try:
        return read_reviews(reviews_file)
    except ValueError as exc:
        fail(
            f"File kết luận không hợp lệ / bad reviews file: {exc}",
            hint="dùng file do tinradar review export tạo ra / use a file written by tinradar review export",
            code=2,
        )


def train_rumor_with_reviews(
    settings: Settings, data: Path, model_dir: Path, *, seed: int = 42, reviews_file: Path | None = None
) -> None:
    """``tinradar train rumor --with-reviews``: retrain with the board's verdicts, print before/after CV.

    Verdicts come from ``reviews_file`` (a ``tinradar review export``) or straight from
    Elasticsearch. Called by the NLP area's ``train`` command.
    """
    from flows.review.retrain import rumor_rows
    from flows.review.retrain import train_rumor_with_reviews as train

    reviews = rumor_rows(_reviews(settings, reviews_file))
    if not reviews:
        fail(
            "Chưa có kết luận nào để học (chỉ dùng Sai sự thật / Gây hiểu lầm / Chính xác).",
            hint="Ghi kết luận trên bàn duyệt tin (tinradar review serve) rồi chạy lại.",
            code=1,
        )
    try:
        report = train(data, reviews, model_dir, seed=seed, log=lambda m: console.print(m))
    except (ValueError, KeyError) as exc:
        fail(
            f"Dữ liệu huấn luyện không đúng định dạng ReINTEL / bad data: {exc}", hint="cần các cột post_message, label"
        )
    before, after = report["reviews"]["cv_before"], report["cv"]
    console.print(
        f"[green]Xong / done:[/] {report['version']} → {model_dir} với {len(reviews)} kết luận / verdicts. "
        f"ROC-AUC {before['roc_auc']:.4f} → {after['roc_auc']:.4f}, PR-AUC {before['pr_auc']:.4f} → {after['pr_auc']:.4f} "
        f"(xem {model_dir / 'MODEL_CARD.md'})"
    )


def train_sentiment_with_reviews(
    settings: Settings, data: Path, models_dir: Path, *, seed: int = 13, reviews_file: Path | None = None
) -> None:
    """``tinradar train sentiment --with-reviews``: add the reviewers' tones, print the agreement.

    With no recorded tone it says so and trains nothing (exit code 1).
    """
    from flows.review.retrain import tone_rows
    from flows.review.retrain import train_sentiment_with_reviews as train

    rows = _reviews(settings, reviews_file)
    if not tone_rows(rows):
        fail(
            f"Chưa có bài nào được người duyệt ghi giọng điệu ({len(rows)} bài đã duyệt, không bài nào có giọng điệu): "
            "không có gì để thêm vào mô hình cảm xúc. / No reviewed tones yet: nothing to add.",
            hint="Trên trang bài của bàn duyệt tin, chọn Tiêu cực / Trung tính / Tích cực rồi lưu; hoặc bỏ --with-reviews.",
            code=1,
        )
    try:
        report = train(data, rows, models_dir, seed=seed, log=lambda m: console.print(m))
    except (FileNotFoundError, ValueError) as exc:
        fail(
            f"dữ liệu cảm xúc không đúng / bad sentiment data under {data}: {exc}",
            hint="--data là thư mục datasets, có reintel/, comments/ và sentiment/ / --data is the datasets folder",
        )
    reviews = report["reviews"]
    console.print(
        f"[green]Xong / done:[/] {report['version']} → {models_dir / 'sentiment'} với {reviews['rows']['added']} "
        f"giọng điệu của người duyệt / reviewed tones."
    )
    for name, what in (
        ("shipped_model", "mô hình đang dùng / model in use"),
        ("out_of_fold", "mô hình mới / new model"),
    ):
        part = reviews.get(name)
        agreement = part.get("agreement", part) if part else None
        if not agreement or not agreement.get("n"):
            console.print(f"Đồng thuận với người duyệt, {what}: không có bài để so / no items to compare.")
            continue
        kappa = agreement["cohen_kappa"]
        console.print(
            f"Đồng thuận với người duyệt, {what}: {agreement['n']} bài, độ chính xác {agreement['accuracy']:.3f}, "
            f"kappa {'không xác định' if kappa is None else f'{kappa:.3f}'}"
        )
    console.print(f"(xem {models_dir / 'sentiment' / 'MODEL_CARD.md'})")


def train_claims_with_reviews(
    settings: Settings, data: Path, models_dir: Path, *, reviews_file: Path | None = None
) -> None:
    """``tinradar train claims --with-reviews``: the finder in use against the reviewers' claim
    readings (counts), then the verifier retrained with them; before/after out-of-fold figures.

    With no recorded reading it says so and trains nothing (exit code 1).
    """
    from flows.cli.nlp import CLAIMS_DATA_HINT, print_claims_report
    from flows.review.retrain import claim_agreement, claim_rows, training_encoder
    from flows.review.retrain import train_claims_with_reviews as train

    rows = _reviews(settings, reviews_file)
    readings = claim_rows(rows)
    if not readings:
        fail(
            f"Chưa có bài nào được người duyệt ghi tin đồn mà bài lặp lại ({len(rows)} bài đã duyệt, không bài nào "
            "có ghi nhận tin đồn): không có gì để thêm vào bộ xác minh tin đồn. / No claim readings yet: nothing to add.",
            hint="Trên trang bài của bàn duyệt tin, chọn các tin đồn bài lặp lại (hoặc 'không lặp lại tin đồn nào') "
            "rồi lưu; hoặc bỏ --with-reviews.",
            code=1,
        )
    try:
        encoder = training_encoder(settings)
    except RuntimeError as exc:
        fail(f"không nạp được bộ mã hóa câu / encoder unavailable: {exc}", hint="bộ xác minh cần bộ mã hóa e5")
    agreement = claim_agreement(settings, readings, encoder)
    console.print(
        f"Bộ tìm tin đồn đang dùng so với người duyệt / finder in use vs reviewers: "
        f"{agreement['read_as_repeating']} bài được ghi là lặp lại tin đồn — tìm đúng / found {agreement['found']}, "
        f"bỏ sót / missed {agreement['missed']} (sai lập trường / other stance {agreement['missed_other_stance']}, "
        f"tin đồn khác / other claim {agreement['missed_other_claim']}, không khớp / no match "
        f"{agreement['missed_no_match']}); {agreement['read_as_none']} bài không lặp lại tin đồn nào — "
        f"khớp sai là lặp lại / false repeats {agreement['false_repeats']} "
        f"(chỉ khớp là bác bỏ hay hỏi / refuted or asked only {agreement['refuted_or_asked']})."
    )
    skipped = {k: v for k, v in agreement["skipped"].items() if v}
    if skipped:
        console.print("Bỏ qua / skipped: " + ", ".join(f"{k} {v}" for k, v in skipped.items()))
    console.print(
        f"Huấn luyện với {len(readings)} ghi nhận tin đồn của người duyệt / training with {len(readings)} claim readings …"
    )
    try:
        report = train(settings, data, rows, models_dir, agreement=agreement, encoder=encoder)
    except (FileNotFoundError, ValueError, KeyError) as exc:
        fail(
            f"dữ liệu huấn luyện bộ xác minh không đúng / bad verifier data under {data}: {exc}", hint=CLAIMS_DATA_HINT
        )
    print_claims_report(report, models_dir)


def _account_recorder(settings: Settings) -> Recorder:
    """Chains a CLI account change into the audit index: no record, no change.

    Called by ``UserStore`` after its checks and before the save, so a damaged accounts file,
    a short password or the last admin are still said first (exit 2). Elasticsearch is
    reached only then; when it does not answer, or refuses the record, ``AuditWriteError``
    stops the change, as on the desk (an account change nobody can trace is what the audit
    trail exists to prevent, shell or not).
    """
    from flows.review import events
    from index.audit_chain import AuditWriteError
    from index.client import ElasticsearchUnavailable, connect

    def record(action: AccountAction, account: User) -> None:
        try:
            client = connect(settings)
        except ElasticsearchUnavailable as exc:
            raise AuditWriteError(f"Elasticsearch không trả lời / is unreachable: {exc}") from exc
        by = events.cli_actor()
        events.account_change(client, settings, action=action, account=account.name, role=account.role.value, by=by)

    return record


def _unrecorded(exc: Exception, change: str) -> NoReturn:
    """An account change refused for want of its audit record: exit 3, nothing changed, what to do."""
    fail(
        f"Không ghi được nhật ký kiểm tra nên {change} / no audit record could be written, so no account was "
        f"changed: {exc}",
        hint="khởi động Elasticsearch (tinradar es start) hoặc đặt TINRADAR_ES_URL, rồi chạy lại; mọi thay đổi tài "
        "khoản phải có bản ghi nhật ký / start Elasticsearch (tinradar es start) or set TINRADAR_ES_URL, then run "
        "again: every account change needs its audit record",
        code=ExitCode.UNAVAILABLE,
    )


@users_app.command("add")
def users_add(
    name: str = typer.Argument(..., help="Tên đăng nhập (chữ thường không dấu)"),
    role: str = typer.Option(..., "--role", help="reviewer | analyst | admin"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Đọc mật khẩu từ stdin (cho script)"),
    replace: bool = typer.Option(False, "--replace", help="Đặt lại mật khẩu/vai trò nếu tài khoản đã có"),
) -> None:
    """Tạo tài khoản. / Add an account (password asked interactively, or --password-stdin)."""
    from flows.review.users import Role, UserError, UserStore
    from index.audit_chain import AuditWriteError

    if role not in {r.value for r in Role}:
        fail(
            f"Vai trò không hợp lệ: {role} / invalid role: {role}",
            hint="Chọn một trong: reviewer (duyệt), analyst (chỉ xem), admin (quản trị). / "
            "Choose one of: reviewer (reviews), analyst (read only), admin (manages accounts).",
            code=2,
        )
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt(
            "Mật khẩu / password", hide_input=True, confirmation_prompt="Nhập lại mật khẩu / repeat the password"
        )
    settings = load_settings()
    store = UserStore.for_settings(settings)
    try:
        user = store.add(name, password, role, replace=replace, record=_account_recorder(settings))
    except UserError as exc:
        fail(
            str(exc),
            hint="Dùng --replace để đặt lại tài khoản đã có. / Use --replace to reset an existing account."
            if "đã có" in str(exc)
            else None,
            code=2,
        )
    except AuditWriteError as exc:
        _unrecorded(exc, "tài khoản chưa đổi")
    console.print(
        f"Đã tạo tài khoản [bold]{user.name}[/] ({user.role.value}) trong {store.path}. / "
        f"account [bold]{user.name}[/] ({user.role.value}) added in {store.path}."
    )


@users_app.command("list")
def users_list() -> None:
    """Liệt kê tài khoản. / List accounts (name, role, created)."""
    from flows.review.users import UserError, UserStore

    try:
        users = UserStore.for_settings(load_settings()).list()
    except UserError as exc:  # a damaged accounts file
        fail(str(exc), code=2)
    if not users:  # on stderr, still exit 0: a script reading stdout gets no lines, a person gets words
        console.print(NO_ACCOUNTS)
    for user in users:
        typer.echo(f"{user.name}\t{user.role.value}\t{user.created_at.isoformat()}")  # tab-separated, for scripts


@users_app.command("remove")
def users_remove(name: str = typer.Argument(..., help="Tên đăng nhập")) -> None:
    """Xóa tài khoản (phiên đang mở cũng mất quyền ngay). / Remove an account."""
    from flows.review.users import UserError, UserStore
    from index.audit_chain import AuditWriteError

    settings = load_settings()
    try:
        removed = UserStore.for_settings(settings).remove(name, record=_account_recorder(settings))
    except UserError as exc:
        fail(
            str(exc),
            hint="Tạo một quản trị viên khác trước: tinradar users add TEN --role admin / "
            "add another admin first: tinradar users add NAME --role admin",
            code=2,
        )
    except AuditWriteError as exc:
        _unrecorded(exc, "tài khoản chưa xóa")
    if not removed:
        fail(
            f"Không có tài khoản '{name}'. / no account '{name}'.",
            hint="Xem danh sách: tinradar users list / see the list: tinradar users list",
            code=1,
        )
    console.print(f"Đã xóa tài khoản {name}. / account {name} removed.")


def register(app: typer.Typer) -> None:
    """Add this area's commands to app."""
    app.add_typer(review_app, name="review")
    app.add_typer(users_app, name="users")
