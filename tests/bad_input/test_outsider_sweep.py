"""What an outsider's sweep of every command with bad input still found (2026-12-06).

Each case once ended in exit 70 (an "internal error" for a typo or an odd number), lost
the good lines around a bad one, wrote a line no strict JSON reader takes, exited with the
wrong code, or said what went wrong in pydantic's or Python's words instead of the user's.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bad_input.conftest import GOOD, cli, cp1258, ids, jsonl

#: Valid JSON by the grammar, but Python refuses to read an integer of more than 4,300 digits (ValueError).
HUGE_NUMBER = b'{"id": "n", "text": "Tin covid", "views": 1' + b"0" * 5000 + b"}\n"
#: Python's json reads NaN and Infinity; they are not JSON, and were written back as such.
NOT_JSON_CONSTANTS = b'{"id": "nan", "text": "Tin covid", "share": NaN, "reach": -Infinity}\n'


def _strict(line: str) -> object:
    """``json.loads`` as Elasticsearch or jq read: NaN and Infinity are errors."""

    def refuse(name: str) -> None:
        raise ValueError(f"{name} is not JSON")

    return json.loads(line, parse_constant=refuse)


def test_score_skips_a_line_with_a_5000_digit_number_and_keeps_the_rest(home: Path) -> None:
    """Was exit 70 (ValueError: Exceeds the limit (4300 digits)…): no line of the file was scored."""
    inp, out = home / "in.jsonl", home / "out.jsonl"
    inp.write_bytes(jsonl(GOOD[0]) + HUGE_NUMBER + jsonl(GOOD[1]))
    run = cli("score", "-i", str(inp), "-o", str(out))
    assert run.code == 1, run.stderr
    assert ids(out) == ["good-1", "good-2"]
    assert "line 2: số quá dài (hơn 4,300 chữ số) / a number longer than 4,300 digits" in run.said


def test_ingest_skips_a_line_with_a_5000_digit_number_and_keeps_the_rest(home: Path) -> None:
    """Was exit 2 "unreadable export": the whole file refused for one line."""
    inp, out = home / "posts.jsonl", home / "out.jsonl"
    inp.write_bytes(jsonl(GOOD[0]) + HUGE_NUMBER + jsonl(GOOD[1]))
    run = cli("ingest", str(inp), "-o", str(out))
    assert run.code == 1, run.stderr
    texts = [json.loads(x)["text"] for x in out.read_text(encoding="utf-8").splitlines()]
    assert texts == [GOOD[0]["text"], GOOD[1]["text"]]


def test_score_writes_nan_and_infinity_as_null_and_says_so(home: Path) -> None:
    """The line was scored and written back with ``NaN``: no strict JSON reader takes the output."""
    inp, out = home / "in.jsonl", home / "out.jsonl"
    inp.write_bytes(jsonl(GOOD[0]) + NOT_JSON_CONSTANTS + jsonl(GOOD[1]))
    run = cli("score", "-i", str(inp), "-o", str(out))
    assert run.code == 0, run.stderr
    lines = [_strict(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == ["good-1", "nan", "good-2"]  # type: ignore[index]
    assert lines[1]["share"] is None and lines[1]["reach"] is None  # type: ignore[index]
    assert "line 2: 2 giá trị NaN/Infinity (không phải JSON) đổi thành null" in run.said


@pytest.mark.parametrize(
    ("option", "value"),
    [("--pipeline-cron", "garbage"), ("--report-cron", "61 * * * *")],
)
def test_serve_with_a_bad_cron_is_a_usage_error_said_before_serving(home: Path, option: str, value: str) -> None:
    """Was exit 70 (ValueError: Invalid cron string), after the "serving on schedules" banner."""
    run = cli("serve", option, value)
    assert run.code == 2, run.stderr
    assert f"{option} {value!r}: lịch cron không hợp lệ / not a cron schedule" in run.said
    assert "Phục vụ theo lịch" not in run.said and "internal error" not in run.said


@pytest.mark.parametrize("port", ["99999", "-1", "0"])
def test_demo_with_a_port_out_of_range_is_a_usage_error(home: Path, port: str) -> None:
    """Was exit 70 (OverflowError from bind()), and only after a local Elasticsearch node was started."""
    run = cli("demo", "--no-pdf", "--site-port", port)
    assert run.code == 2, run.stderr
    assert "--site-port" in run.said and "internal error" not in run.said
    assert not (home / "data" / "elasticsearch").exists()


def test_a_bad_setting_names_the_variable_and_not_pydantic(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Said "1 validation error for Settings encoder_threads … visit https://errors.pydantic.dev/…"."""
    monkeypatch.setenv("TINRADAR_ENCODER_THREADS", "abc")
    inp = home / "in.jsonl"
    inp.write_bytes(jsonl(*GOOD))
    run = cli("score", "-i", str(inp), "-o", str(home / "out.jsonl"))
    assert run.code == 2, run.stderr
    assert "invalid configuration: field 'TINRADAR_ENCODER_THREADS / encoder_threads' = 'abc'" in run.said
    assert "pydantic" not in run.said and "validation error for Settings" not in run.said


def test_claims_import_of_a_windows_1258_file_says_which_byte_in_both_languages(home: Path) -> None:
    """Said only "'utf-8' codec can't decode byte 0xf4 in position 14: invalid continuation byte"."""
    path = home / "claimreview.json"
    path.write_bytes(cp1258('{"claimReviewed": "Uống nước ấm diệt virus"}'))
    run = cli("claims", "import", str(path))
    assert run.code == 2, run.stderr
    assert f"{path}: không phải UTF-8 (byte" in run.said and "lưu lại dạng UTF-8 / save it as UTF-8" in run.said
    assert "codec" not in run.said


def test_ingest_of_a_folder_says_it_is_a_folder(home: Path) -> None:
    """Said "export file not found" for a folder that is there."""
    folder = home / "exports"
    folder.mkdir()
    run = cli("ingest", str(folder))
    assert run.code == 2, run.stderr
    assert f"{folder} là một thư mục / is a folder, not a file" in run.said and "not found" not in run.said


def test_extract_with_an_unknown_source_is_a_usage_error(home: Path) -> None:
    """Exited 1 ("some lines skipped"), not 2 (a bad option), against the exit-code table."""
    page = home / "page.html"
    page.write_text("<html><body><p>Tin covid</p></body></html>", encoding="utf-8")
    run = cli("extract", str(page), "--source", "khong-co-nguon-nay")
    assert run.code == 2, run.stderr
    # the same words as crawl -s and run pipeline -s (flows.cli.common.unknown_source): the option, then the ids
    assert "--source khong-co-nguon-nay: không có nguồn này / no such source id" in run.said
    assert "known ids: " in run.said


def test_search_with_a_bad_risk_min_names_the_option_once(home: Path) -> None:
    """Said "risk_min.str-enum[RiskLevel]: …; risk_min.constrained-float: …" (before any Elasticsearch is asked)."""
    run = cli("search", "covid", "--risk-min", "abc", "--kind", "blog")
    assert run.code == 2, run.stderr
    assert "--risk-min 'abc': chọn low, medium, high hoặc một điểm 0..1" in run.said
    assert "--kind 'blog'" in run.said and "str-enum" not in run.said and "constrained-float" not in run.said


def _fixture_site(port: str) -> subprocess.CompletedProcess[str]:
    """``python -m fixture_site.server PORT``, as docs/crawlers.md runs it, in its own process."""
    return subprocess.run(
        [sys.executable, "-m", "fixture_site.server", port],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
        check=False,
    )


@pytest.mark.parametrize("port", ["abc", "99999", "-5"])
def test_the_fixture_site_with_a_bad_port_says_so(port: str) -> None:
    """Ended in a traceback (ValueError from int(), OverflowError from bind())."""
    done = _fixture_site(port)
    assert done.returncode == 2, done.stderr
    assert f"cổng không hợp lệ / not a port: {port!r}" in done.stderr and "Traceback" not in done.stderr


def test_the_fixture_site_on_a_taken_port_says_so() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = _fixture_site(str(port))
    assert done.returncode == 2, done.stderr
    assert f"không mở được cổng / cannot listen on port {port}" in done.stderr and "Traceback" not in done.stderr


def test_a_source_missing_its_fields_is_named_in_one_sentence_not_a_pydantic_dump(home: Path) -> None:
    """Said "2 validation errors for Source name Field required [type=missing, …] For further
    information visit https://errors.pydantic.dev/…", and "source registry not found" in English only."""
    registry = home / "nguồn.yaml"
    registry.write_text("sources:\n  - id: bao-moi\n", encoding="utf-8")
    run = cli("crawl", "--sources-file", str(registry), "-o", str(home / "crawl.jsonl"))
    assert run.code == 2, run.stderr
    assert f"{registry}: nguồn / source bao-moi: missing fields name, kind" in run.said
    assert "pydantic" not in run.said and "[type=" not in run.said
    missing = cli("crawl", "--sources-file", str(home / "khong-co.yaml"), "-o", str(home / "crawl.jsonl"))
    assert missing.code == 2 and "không thấy danh mục nguồn / source registry not found" in missing.said


@pytest.mark.parametrize(("option", "value"), [("--lookback", "-1"), ("--retry-delay", "-5")])
def test_run_pipeline_refuses_a_negative_count_before_crawling(home: Path, option: str, value: str) -> None:
    """Were taken: ``--lookback -1`` crawled every source (11 minutes with no network) before failing."""
    run = cli("run", "pipeline", option, value)
    assert run.code == 2, run.stderr
    assert f"Invalid value for '{option}'" in run.said


def test_claims_export_to_a_folder_or_a_missing_folder_is_a_usage_error(es_home: Path) -> None:
    """``--out`` was written with ``write_text``: a folder ended in exit 70 (IsADirectoryError)."""
    folder = es_home / "xuất"
    folder.mkdir()
    run = cli("claims", "export", "--out", str(folder))
    assert run.code == 2, run.stderr
    assert f"{folder} là một thư mục / is a folder, not a file" in run.said
    missing = cli("claims", "export", "--out", str(es_home / "khong-co" / "claims.json"))
    assert missing.code == 2 and f"không có thư mục / no such folder: {es_home / 'khong-co'}" in missing.said
    into = es_home / "claims.json"
    done = cli("claims", "export", "--out", str(into))
    assert done.code == 0, done.stderr
    assert json.loads(into.read_text(encoding="utf-8"))["@type"] == "DataFeed"


def test_ingest_of_a_sheet_with_a_quote_never_closed_names_the_line(home: Path) -> None:
    """Said "imported 2, skipped 0" (exit 0) for a sheet of 3: row 3 became part of row 2's message."""
    sheet = home / "posts.csv"
    sheet.write_text(
        'post_id,message,post_time\n1,Tin một,2021-09-03\n2,"Tin hai chưa đóng,2021-09-04\n3,Tin ba,2021-09-05\n',
        encoding="utf-8",
    )
    out = home / "out.jsonl"
    run = cli("ingest", str(sheet), "-o", str(out))
    assert run.code == 2, run.stderr
    assert "line 3: a quote never closed swallows lines 3–4 into one cell" in run.said
    assert not out.exists()


def test_ingest_still_reads_quoted_cells_over_several_lines(home: Path) -> None:
    """The check above must not refuse a real multi-line cell, with a doubled quote in it, last or not."""
    sheet = home / "posts.csv"
    sheet.write_text(
        'post_id,message,post_time\n1,"Tin một\ncó ""hai"" dòng",2021-09-03\n2,Tin hai,2021-09-04\n'
        '3,"Tin ba\nnhiều dòng",2021-09-05\n',
        encoding="utf-8",
    )
    out = home / "out.jsonl"
    run = cli("ingest", str(sheet), "-o", str(out))
    assert run.code == 0, run.stderr
    texts = [json.loads(x)["text"] for x in out.read_text(encoding="utf-8").splitlines()]
    assert texts == ['Tin một\ncó "hai" dòng', "Tin hai", "Tin ba\nnhiều dòng"]


def test_ingest_of_a_json_export_with_a_5000_digit_number_says_so_in_words(home: Path) -> None:
    """Said "… use sys.set_int_max_str_digits() to increase the limit", which no user can do."""
    export = home / "posts.json"
    export.write_bytes(b'[{"post_id": 1, "message": "Tin covid", "views": 1' + b"0" * 5000 + b"}]")
    run = cli("ingest", str(export))
    assert run.code == 2, run.stderr
    assert "số quá dài (hơn 4,300 chữ số) / a number longer than 4,300 digits" in run.said
    assert "set_int_max_str_digits" not in run.said


@pytest.mark.parametrize("port", ["99999", "0"])
def test_review_serve_with_a_port_out_of_range_is_a_usage_error_before_elasticsearch(home: Path, port: str) -> None:
    """Was checked by nobody before ``bind()``: with Elasticsearch down, "service down" (exit 3) hid it."""
    run = cli("review", "serve", "--dev", "--port", port)
    assert run.code == 2, run.stderr
    assert "Invalid value for '--port'" in run.said


def test_a_desk_address_without_its_scheme_is_refused_naming_the_variable(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """TINRADAR_REVIEW_URL=duyet.example.vn was taken, and every report link to the desk was relative."""
    monkeypatch.setenv("TINRADAR_REVIEW_URL", "duyet.example.vn")
    inp = home / "in.jsonl"
    inp.write_bytes(jsonl(*GOOD))
    run = cli("score", "-i", str(inp), "-o", str(home / "out.jsonl"))
    assert run.code == 2, run.stderr
    assert "invalid configuration: field 'TINRADAR_REVIEW_URL / review_url' = 'duyet.example.vn'" in run.said
    assert "cần địa chỉ http(s) đầy đủ / needs a full http(s) address" in run.said
    monkeypatch.setenv("TINRADAR_REVIEW_URL", " https://duyet.example.vn/ ")
    from tinradar.settings import Settings

    assert Settings().review_url == "https://duyet.example.vn/"
