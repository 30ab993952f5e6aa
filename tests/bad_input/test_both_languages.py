"""Messages the bad-input sweep left in one language, and one command that answered nothing.

House style: what a person reads (an error, its hint, an empty answer) is said in Vietnamese
and English, "vi / en". Each case asserts both halves; none needs Elasticsearch.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from tests.bad_input.conftest import cli

ROOT = Path(__file__).resolve().parents[2]
CORRECTION = ["claims", "correction", "khong-co", "--channel", "portal", "--url", "https://ubnd.vn/cai-chinh"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["claims", "list", "--status", "bogus"],
            "--status bogus: chọn active, proposed, retired hoặc rejected / choose active, proposed, retired or rejected",
        ),
        (
            [*CORRECTION[:3], "--channel", "fax", "--url", "https://ubnd.vn/x"],
            "--channel fax: chọn portal, loudspeaker hoặc social_page / choose portal, loudspeaker or social_page",
        ),
        (
            [*CORRECTION, "--at", "hôm qua"],
            "--at hôm qua: không phải thời điểm ISO 8601 / not an ISO 8601 time (ví dụ / e.g. 2021-08-07T09:00)",
        ),
        (
            [*CORRECTION[:5], "--url", "ftp://ubnd.vn/x"],
            "--url ftp://ubnd.vn/x: cần địa chỉ http(s) / needs an http(s) address",
        ),
        (["claims", "export", "--format", "csv"], "--format csv: chỉ có claimreview / only claimreview"),
        (
            ["claims", "rematch", "--since", "hôm qua"],
            "--since/--until: cần ngày dạng YYYY-MM-DD / needs a YYYY-MM-DD date",
        ),
        (
            [
                "claims",
                "add",
                "--id",
                "Không Phải Mã",
                "--claim",
                "Tin đồn",
                "--category",
                "cure",
                "--correction",
                "Sai.",
                "--debunked-by",
                "Bộ Y tế",
            ],
            "Tin đồn không hợp lệ / invalid claim",
        ),
    ],
    ids=[
        "list-status",
        "correction-channel",
        "correction-at",
        "correction-url",
        "export-format",
        "rematch-since",
        "add",
    ],
)
def test_claims_options_are_refused_in_both_languages(home: Path, args: list[str], message: str) -> None:
    """``claims`` refused these in Vietnamese only; still exit 2, before Elasticsearch is asked."""
    run = cli(*args)
    assert run.code == 2, run.stderr
    assert message in run.said


def test_users_list_with_no_accounts_says_so_and_how_to_add_one(home: Path) -> None:
    """It printed nothing at all (exit 0): a new desk looked broken. stdout stays empty for scripts."""
    run = cli("users", "list")
    assert run.code == 0, run.stderr
    assert run.stdout == ""
    assert "Chưa có tài khoản nào / no accounts yet." in run.said
    assert "Tạo tài khoản quản trị / add an admin: tinradar users add admin --role admin" in run.said


def test_crawl_of_an_unknown_source_names_the_option_not_the_registry(home: Path) -> None:
    """The hint said "fix the registry" when the --source value was the mistake."""
    run = cli("crawl", "-s", "khong-co-nguon-nay", "-o", str(home / "crawl.jsonl"))
    assert run.code == 2, run.stderr
    assert "--source/-s khong-co-nguon-nay: không có nguồn này / no such source id" in run.said
    assert "sửa --source/-s / fix --source/-s; các nguồn đã biết / known ids: " in run.said
    assert "registry" not in run.said
    assert "… (+" in run.said  # the shipped registry has more than the few ids shown
    assert not (home / "crawl.jsonl").exists()


def test_run_pipeline_of_an_unknown_source_names_the_option_too(home: Path) -> None:
    """The same mistake through ``run pipeline`` was "bad source registry … Sửa tệp YAML" (Vietnamese hint only).

    In its own process: Prefect's console log handler, set up by the run, would keep this
    CliRunner's closed stderr and break the logging of every later test in the session.
    """
    code = "import sys\nfrom flows.cli import main\nsys.argv = ['tinradar', *sys.argv[1:]]\nmain()\n"
    argv = ["run", "pipeline", "--source", "khong-co-nguon-nay"]
    proc = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, cwd=ROOT)
    said = " ".join(proc.stderr.split())
    assert proc.returncode == 2, proc.stderr
    assert "--source/-s khong-co-nguon-nay: không có nguồn này / no such source id" in said
    assert "bad source registry" not in said and "Traceback" not in said


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{không phải json", "không phải JSON / not JSON"),
        (
            json.dumps({"id": "r1", "label": 1}),
            "cần một đối tượng có 'id', 'text' và 'label' 0 hoặc 1, 'tone' neg/neu/pos hoặc 'claims' (mã tin đồn) "
            "/ expected an object with 'id', 'text' and 'label' 0 or 1",
        ),
    ],
    ids=["not-json", "no-text"],
)
def test_a_bad_line_in_a_reviews_file_is_said_in_both_languages(home: Path, line: str, message: str) -> None:
    """``train … --reviews-file`` said "not JSON" in English only; the whole file is still refused (exit 2)."""
    reviews = home / "ket-luan.jsonl"
    good = json.dumps({"id": "r0", "text": "Tin đồn", "label": 0}, ensure_ascii=False)
    reviews.write_text(f"{good}\n{line}\n", encoding="utf-8")
    sheet = home / "train.csv"
    sheet.write_text("post_message,label\nTin,0\n", encoding="utf-8")
    run = cli("train", "rumor", "--data", str(sheet), "--reviews-file", str(reviews), "--out", str(home / "m"))
    assert run.code == 2, run.stderr
    assert f"File kết luận không hợp lệ / bad reviews file: {reviews}:2: {message}" in run.said
    assert "dùng file do tinradar review export tạo ra / use a file written by tinradar review export" in run.said
    assert not (home / "m").exists()


def test_users_add_and_remove_refusals_are_said_in_both_languages(home: Path) -> None:
    """``users add|remove`` refused in Vietnamese only; each refusal comes before Elasticsearch is asked."""
    from flows.review.users import UserStore
    from tinradar.settings import Settings

    run = cli("users", "add", "lan", "--role", "boss", "--password-stdin")
    assert run.code == 2, run.stderr
    assert "Vai trò không hợp lệ: boss / invalid role: boss" in run.said
    assert "Chọn một trong: reviewer (duyệt), analyst (chỉ xem), admin (quản trị). / Choose one of:" in run.said

    short = CliRunner().invoke(app, ["users", "add", "lan", "--role", "reviewer", "--password-stdin"], input="ngan\n")
    said = " ".join(short.stderr.split())
    assert short.exit_code == 2, short.stderr
    assert "Mật khẩu phải có ít nhất 8 ký tự. / The password needs at least 8 characters." in said

    bad_name = CliRunner().invoke(
        app, ["users", "add", "Lan Anh", "--role", "reviewer", "--password-stdin"], input="x" * 12
    )
    said = " ".join(bad_name.stderr.split())
    assert bad_name.exit_code == 2, bad_name.stderr
    assert "Tên đăng nhập chỉ gồm chữ thường không dấu" in said and "/ A user name is lowercase letters" in said

    run = cli("users", "remove", "khong-co")
    assert run.code == 1, run.stderr
    assert "Không có tài khoản 'khong-co'. / no account 'khong-co'." in run.said
    assert "Xem danh sách: tinradar users list / see the list: tinradar users list" in run.said

    store = UserStore.for_settings(Settings())
    store.add("quan", "mat-khau-dai-du-1", "admin")
    store.add("lan", "mat-khau-dai-du-1", "reviewer")
    taken = CliRunner().invoke(app, ["users", "add", "lan", "--role", "reviewer", "--password-stdin"], input="y" * 12)
    said = " ".join(taken.stderr.split())
    assert taken.exit_code == 2, taken.stderr
    assert "Tài khoản 'lan' đã có. / Account 'lan' already exists." in said
    assert "Dùng --replace để đặt lại tài khoản đã có. / Use --replace to reset an existing account." in said

    run = cli("users", "remove", "quan")
    assert run.code == 2, run.stderr
    assert (
        "Không thể xóa hoặc hạ quyền 'quan': đây là quản trị viên cuối cùng. / Cannot remove or demote 'quan'"
        in run.said
    )
    assert "Tạo một quản trị viên khác trước: tinradar users add TEN --role admin / add another admin first" in run.said


def test_claimreview_import_reasons_are_said_in_both_languages() -> None:
    """Each refused record of a ClaimReview file had its reason in Vietnamese only (``claims import``)."""
    from datetime import UTC, datetime

    from index.claimreview import plan_import
    from index.claims import ClaimStatus, RegistryClaim
    from tinradar.schema import Claim

    def review(n: int, **extra: object) -> dict[str, object]:
        node: dict[str, object] = {
            "@type": "ClaimReview",
            "url": f"https://factcheck.example/{n}",
            "claimReviewed": f"Tin đồn số {n}",
            "reviewRating": {"alternateName": "Sai"},
        }
        return {**node, **extra}

    now = datetime(2021, 8, 7, tzinfo=UTC)
    claim = Claim(id="tin-cu", claim="Tin cũ", category="cure", correction="Sai.", debunked_by=["Bộ Y tế"])
    retired = RegistryClaim(
        claim=claim, status=ClaimStatus.RETIRED, created_at=now, created_by="cli", updated_at=now, updated_by="cli"
    )
    active = RegistryClaim(
        claim=claim.model_copy(update={"id": "tin-dang-dung"}),
        created_at=now,
        created_by="cli",
        updated_at=now,
        updated_by="cli",
    )
    document = [
        {"@type": "Article"},
        review(2, claimReviewed=""),
        review(3, claimReviewed="Tin <b>đậm</b>"),
        review(4),
        review(5),
        review(5),
        review(6, identifier="tin-cu"),
        review(7, identifier="tin-dang-dung"),
    ]
    plan = plan_import(
        document,
        known_urls={"https://factcheck.example/4": "tin-da-co"},
        registry={"tin-cu": retired, "tin-dang-dung": active},
    )
    reasons = [str(e) for e in plan.errors]
    assert reasons == [
        "bản ghi #1: không phải ClaimReview (@type phải là ClaimReview) / not a ClaimReview (@type must be ClaimReview)",
        "bản ghi #2 (https://factcheck.example/2): thiếu trường bắt buộc: claimReviewed "
        "/ missing required field(s): claimReviewed",
        "bản ghi #3 (https://factcheck.example/3): có mã HTML trong claimReviewed (chỉ nhận văn bản thuần) "
        "/ HTML in claimReviewed (plain text only)",
        "bản ghi #4 (https://factcheck.example/4): trùng: URL này đã có trong danh mục (tin đồn tin-da-co) "
        "/ duplicate: this URL is already in the registry (claim tin-da-co)",
        "bản ghi #6 (https://factcheck.example/5): trùng: URL này đã có ở bản ghi #5 của file "
        "/ duplicate: this URL is already in record #5 of the file",
        "bản ghi #7 (https://factcheck.example/6): mã tin đồn 'tin-cu' đã ngừng dùng (không dùng lại mã đã ngừng) "
        "/ claim id 'tin-cu' is retired (a retired id is never reused)",
        "bản ghi #8 (https://factcheck.example/7): trùng: mã tin đồn 'tin-dang-dung' đã có trong danh mục "
        "/ duplicate: claim id 'tin-dang-dung' is already in the registry",
    ]
    assert [r.number for r in plan.ready] == [5]  # the good record between them still goes through


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report"], "Không có lệnh 'report' / No such command 'report'."),
        (
            ["run", "reprt"],
            "Không có lệnh 'reprt' (có phải 'report'?) / No such command 'reprt'. Did you mean 'report'?",
        ),
        (["search", "--foo", "x"], "Không có tùy chọn --foo / No such option: --foo"),
        (["users", "add"], "Thiếu đối số 'name' / Missing argument 'name'."),
        (["search", "--limit", "abc"], "Giá trị không hợp lệ cho '--limit' / Invalid value for '--limit': "),
        (["search", "a", "b"], "Thừa đối số (b) / Got unexpected extra argument(s) (b)"),
        (["search", "--since"], "Tùy chọn '--since' cần một giá trị / Option '--since' requires an argument."),
        (["--verbose"], "Không có tùy chọn --verbose / No such option: --verbose"),
    ],
    ids=["command", "command-near", "option", "argument", "value", "extra", "option-value", "top-option"],
)
def test_a_mistyped_command_line_is_said_in_both_languages_on_one_line(
    home: Path, args: list[str], message: str
) -> None:
    """An analyst who typed ``tinradar report`` (it is ``run report``) got click's English-only box,
    broken at the terminal's width: now one "Lỗi / error" line in both languages, and where to look."""
    run = cli(*args)
    assert run.code == 2, run.stderr
    assert f"Lỗi / error: {message}" in run.stderr  # whole, on one line
    assert "╭" not in run.stderr and "--help" in run.said
