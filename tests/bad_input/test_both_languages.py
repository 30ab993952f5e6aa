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
