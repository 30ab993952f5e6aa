"""What a fuzz pass over every entry point still found: each case once ended in exit 70 (an
"internal error" for bad data), lost the good lines around a bad one, or said nothing useful."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.bad_input.conftest import GOOD, cli, ids, jsonl

#: A JSON escape of half a surrogate pair: valid JSON, but no UTF-8 writer takes the character.
LONE_SURROGATE = b'{"id": "s", "text": "Tin \\ud800 covid", "title": "\\udfff"}'


def test_a_lone_surrogate_escape_is_replaced_and_the_line_scored(home: Path) -> None:
    inp, out = home / "in.jsonl", home / "out.jsonl"
    inp.write_bytes(jsonl(GOOD[0]) + LONE_SURROGATE + b"\n" + jsonl(GOOD[1]))
    run = cli("score", "-i", str(inp), "-o", str(out))
    assert run.code == 0, run.stderr
    assert ids(out) == ["good-1", "s", "good-2"]
    line = json.loads(out.read_text(encoding="utf-8").splitlines()[1])
    assert line["text"] == "Tin \ufffd covid" and line["title"] == "\ufffd"
    assert "line 2: 2 ký tự" in run.said and "lone surrogate escape(s) replaced by U+FFFD" in run.said


def test_a_lone_surrogate_escape_does_not_cost_an_ingest_its_file(home: Path) -> None:
    inp, out = home / "posts.jsonl", home / "out.jsonl"
    inp.write_bytes(jsonl(GOOD[0]) + LONE_SURROGATE + b"\n" + jsonl(GOOD[1]))
    run = cli("ingest", str(inp), "-o", str(out))
    assert run.code == 0, run.stderr
    texts = [json.loads(x)["text"] for x in out.read_text(encoding="utf-8").splitlines()]
    assert texts == [GOOD[0]["text"], "Tin \ufffd covid", GOOD[1]["text"]]


def test_a_claims_registry_nested_too_deep_is_named_not_called_a_missing_backend(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RecursionError is a RuntimeError: ``score`` reported it as "transformers backend unavailable"."""
    claims = home / "claims.yaml"
    claims.write_bytes(b"claims: " + b"[" * 10000 + b"]" * 10000 + b"\n")
    monkeypatch.setenv("TINRADAR_CLAIMS_FILE", str(claims))
    inp = home / "in.jsonl"
    inp.write_bytes(jsonl(*GOOD))
    run = cli("score", "-i", str(inp), "-o", str(home / "out.jsonl"))
    assert run.code == 1, run.stderr
    assert f"{claims}: lồng quá sâu / nested too deeply" in run.said and "transformers" not in run.said


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "là một thư mục, không phải file"), (b"[" * 100000 + b"]" * 100000, "lồng quá sâu")],
    ids=["a-folder", "100000-deep"],
)
def test_claims_import_of_a_folder_or_a_too_deep_file_says_so(home: Path, content: bytes | None, message: str) -> None:
    """Both ended ``claims import`` with exit 70 (IsADirectoryError, RecursionError), before Elasticsearch is asked."""
    path = home / "claim reviews.json"
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    run = cli("claims", "import", str(path))
    assert run.code == 2, run.stderr
    assert f"{path}: {message}" in run.said


def test_score_into_a_fifo_writes_through_it_and_leaves_it_a_fifo(home: Path) -> None:
    """``-o /dev/null`` (or a FIFO, ``>(…)``) was replaced by a rename: run as root it turned
    ``/dev/null`` into a regular file. A FIFO stands in for the device here (same path, no harm)."""
    import os
    import stat
    import threading

    fifo = home / "ống.jsonl"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    inp = home / "in.jsonl"
    inp.write_bytes(jsonl(*GOOD))
    run = cli("score", "-i", str(inp), "-o", str(fifo))
    reader.join(timeout=30)
    assert stat.S_ISFIFO(fifo.stat().st_mode), "the FIFO was replaced by a regular file"
    assert run.code == 0, run.stderr
    assert [json.loads(x)["id"] for x in got[0].decode("utf-8").splitlines()] == ["good-1", "good-2"]


def test_an_output_folder_that_takes_no_new_file_is_a_usage_error(home: Path) -> None:
    """The temporary file beside the output could not be made (``/proc/self`` takes none, as a
    read-only folder takes none from a user): exit 70 with FileNotFoundError/PermissionError."""
    inp = home / "in.jsonl"
    inp.write_bytes(jsonl(*GOOD))
    run = cli("score", "-i", str(inp), "-o", "/proc/self/out.jsonl")
    assert run.code == 2, run.stderr
    assert "cannot write in folder /proc/self" in run.said


def test_review_export_onto_a_folder_is_a_usage_error(es_home: Path) -> None:
    """``review export --out FOLDER`` renamed ``FOLDER.part`` onto the folder: exit 70 (IsADirectoryError)."""
    folder = es_home / "xuất"
    folder.mkdir()
    run = cli("review", "export", "--out", str(folder))
    assert run.code == 2, run.stderr
    assert "is a folder, not a file" in run.said
    assert not list(es_home.glob("*.part"))


@pytest.mark.parametrize(
    ("variable", "value", "field"),
    [
        ("TINRADAR_MAX_LINE_BYTES", "99999999999999999999999", "max_line_bytes"),  # was exit 70 (OverflowError)
        ("TINRADAR_MAX_PAGE_BYTES", "-1", "max_page_bytes"),  # every page "too_large: N bytes > -1"
        ("TINRADAR_MAX_TEXT_CHARS", "0", "max_text_chars"),  # every text truncated to nothing
        ("TINRADAR_ES_REQUEST_TIMEOUT", "-1", "es_request_timeout"),
        ("TINRADAR_ES_PORT", "99999", "es_port"),  # es start: OverflowError from bind(), exit 70
    ],
)
def test_a_limit_set_out_of_range_is_an_invalid_configuration(
    home: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, field: str
) -> None:
    monkeypatch.setenv(variable, value)
    inp = home / "in.jsonl"
    inp.write_bytes(jsonl(*GOOD))
    run = cli("score", "-i", str(inp), "-o", str(home / "out.jsonl"))
    assert run.code == 2, run.stderr
    assert "invalid configuration" in run.said and field in run.said


def test_an_unreadable_date_option_names_its_option_and_is_a_usage_error(home: Path) -> None:
    """``ingest --exported-at abc`` said "--since" and exited 1 ("some lines skipped"); nothing was imported."""
    sheet = home / "posts.csv"
    sheet.write_text("post_id,message,post_time\n1,Tin một,2021-09-03\n", encoding="utf-8")
    run = cli("ingest", str(sheet), "--exported-at", "31/02/2021")
    assert run.code == 2, run.stderr
    assert "không đọc được ngày --exported-at '31/02/2021'" in run.said and "--since" not in run.said
    crawl = cli("crawl", "--since", "hôm kia nữa", "-o", str(home / "crawl.jsonl"))
    assert crawl.code == 2 and "không đọc được ngày --since 'hôm kia nữa'" in crawl.said


def test_a_missing_config_file_is_an_invalid_configuration_and_still_no_crash(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TINRADAR_CONFIG", str(home / "khong-co.toml"))
    inp = home / "in.jsonl"
    inp.write_bytes(jsonl(*GOOD))
    run = cli("score", "-i", str(inp), "-o", str(home / "out.jsonl"))
    assert run.code == 2, run.stderr
    assert f"invalid configuration: TINRADAR_CONFIG={home / 'khong-co.toml'}: không có tệp / no such file" in run.said


@pytest.mark.parametrize("claim_id", ["", "x" * 10_000])
def test_claims_show_of_an_id_no_claim_can_have_is_not_found(es_home: Path, claim_id: str) -> None:
    """An empty id (ValueError from the client) and a 10,000-character one (Elasticsearch: HTTP
    line over 4 KB) were exit 70; they are ids no claim has."""
    run = cli("claims", "show", claim_id)
    assert run.code == 2, run.stderr  # a bad argument (the exit-code table); it was 1, "partly done"
    assert "Không có tin đồn" in run.said and "internal error" not in run.said


def test_claims_import_of_a_feed_with_a_bom_and_a_lone_element(es_home: Path) -> None:
    """A DataFeed whose ``dataFeedElement`` is not a list was exit 70 (TypeError); a UTF-8 BOM
    (Notepad) refused the whole file as "not valid JSON"."""
    feed = es_home / "feed.json"
    feed.write_bytes(b'\xef\xbb\xbf{"@type": "DataFeed", "dataFeedElement": 5}')
    run = cli("claims", "import", str(feed))
    assert run.code == 1, run.stderr
    assert "Bỏ qua / skipped bản ghi #1: không phải ClaimReview" in run.said


def test_a_line_too_big_for_the_node_does_not_take_its_neighbours_down(es_home: Path) -> None:
    """A scored line with 10 MB of text made its whole bulk request too big for the node
    (429 "rejected execution of primary operation" on the 512 MB test node): the good lines
    beside it failed and were dead-lettered with it. Now it goes in a request of its own."""
    scored = es_home / "scored.jsonl"
    run = cli("score", "-i", str(_write(es_home / "in.jsonl", jsonl(*GOOD))), "-o", str(scored))
    assert run.code == 0, run.stderr
    good1, good2 = (json.loads(x) for x in scored.read_text(encoding="utf-8").splitlines())
    big = {**good1, "id": "big", "text": "Tin covid " * 1_000_000}
    mixed = _write(es_home / "mixed.jsonl", jsonl(good1, big, good2))
    load = cli("index", "load", str(mixed))
    assert load.code in (0, 1), load.stderr  # the big one may be refused by a small node; nothing else
    listed = cli("search", "--format", "json", "--limit", "10")
    assert {"good-1", "good-2"} <= {h["id"] for h in json.loads(listed.stdout)["hits"]}, load.stderr


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_a_value_with_an_emoji_code_in_it_is_printed_as_given(home: Path) -> None:
    """Rich read ``:x:`` in a user's value as an emoji code: ``--url javascript:x:`` was echoed
    as "javascript❌" (and ``:smile:`` in a path or URL as a face), so the message misquoted it."""
    page = home / "trang.html"
    page.write_text("<html><body><p>Tin</p></body></html>", encoding="utf-8")
    run = cli("extract", str(page), "--url", "javascript:x:smile:")
    assert run.code == 2, run.stderr
    assert "'javascript:x:smile:'" in run.said and "❌" not in run.said
    # and on stdout, the machine output: a page's own ":smile:" stays text in the Document's JSON
    paragraphs = "".join(
        f"<p>Đoạn {i}: Sáng nay, Trung tâm Y tế huyện Sơn Dương tiêm vắc xin mũi 2 :smile: cho người dân.</p>"
        for i in range(8)
    )
    page.write_text(f"<html><body><article><h1>Tiêm vắc xin</h1>{paragraphs}</article></body></html>", encoding="utf-8")
    doc = cli("extract", str(page), "--url", "https://example.vn/tin/a.html")
    assert doc.code == 0, doc.stderr
    assert ":smile:" in json.loads(doc.stdout)["text"]


def test_score_reads_from_a_fifo_as_from_a_shell_process_substitution(home: Path) -> None:
    """``score -i <(zcat posts.jsonl.gz)`` (a FIFO, as /dev/stdin is) was refused as "input not found"."""
    import os
    import threading

    fifo = home / "vào.jsonl"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_bytes(jsonl(*GOOD)), daemon=True)
    writer.start()
    out = home / "out.jsonl"
    run = cli("score", "-i", str(fifo), "-o", str(out))
    assert run.code == 0, run.stderr
    assert ids(out) == ["good-1", "good-2"]
    folder = cli("score", "-i", str(home), "-o", str(out))
    assert folder.code == 2 and "is a folder, not a file" in folder.said


def test_a_broken_source_registry_is_a_usage_error_for_crawl_and_extract(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``crawl`` and ``extract --source`` exited 1 ("some lines skipped, the rest went through")
    on a registry they could not read, though nothing was done; ``run pipeline`` says 2."""
    registry = home / "nguồn.yaml"
    registry.write_text("sources: 5\n", encoding="utf-8")
    crawl = cli("crawl", "--sources-file", str(registry), "-o", str(home / "crawl.jsonl"))
    assert crawl.code == 2 and f"{registry}: không phải danh sách nguồn / expected a list of sources" in crawl.said
    page = home / "trang.html"
    page.write_text("<html><body><p>Tin</p></body></html>", encoding="utf-8")
    monkeypatch.setenv("TINRADAR_SOURCES_FILE", str(registry))
    extract = cli("extract", str(page), "--url", "https://example.vn/a.html", "--source", "bao-tq")
    assert extract.code == 2 and f"{registry}: không phải danh sách nguồn / expected a list of sources" in extract.said


def test_a_reviews_file_not_in_utf8_is_named(home: Path) -> None:
    """``train … --reviews-file`` on a UTF-16 file said only "'utf-8' codec can't decode byte 0xff"."""
    reviews = home / "kết luận.jsonl"
    reviews.write_bytes('{"id": "r1", "text": "Tin đồn", "label": 1}\n'.encode("utf-16"))
    sheet = home / "train.csv"
    sheet.write_text("post_message,label\nTin,0\n", encoding="utf-8")
    run = cli("train", "rumor", "--data", str(sheet), "--reviews-file", str(reviews), "--out", str(home / "m"))
    assert run.code == 2, run.stderr
    assert f"{reviews}: không phải UTF-8 (byte 1) / not UTF-8 (byte 1)" in run.said


@pytest.mark.parametrize(
    ("args", "message", "hint"),
    [
        (  # httpx.InvalidURL, exit 70
            ["--url", "http://[::1"],
            "--url 'http://[::1': không phải URL hợp lệ / not a valid URL",
            "ví dụ / e.g. --url https://",
        ),
        (
            ["--url", "http://127.0.0.1:9", "--file", "{home}"],
            "--file {home}: là một thư mục / is a folder",
            "--file nhận tệp NDJSON xuất từ Kibana / --file takes a Kibana NDJSON export",
        ),
        (
            ["--url", "http://127.0.0.1:9", "--file", "{home}/khong-co.ndjson"],
            "không có tệp / no such file",
            "--file nhận tệp NDJSON xuất từ Kibana / --file takes a Kibana NDJSON export",
        ),
    ],
    ids=["bad-url", "a-folder", "missing-file"],
)
def test_kibana_import_of_a_bad_url_or_file_is_a_usage_error(
    home: Path, args: list[str], message: str, hint: str
) -> None:
    """The message and its hint in both languages (the hints were English only)."""
    run = cli("kibana", "import", *[a.format(home=home) for a in args])
    assert run.code == 2, run.stderr
    assert message.format(home=home) in run.said and hint in run.said


def test_a_dead_letter_file_with_bytes_that_are_not_utf8_is_replayed_and_its_bad_lines_kept(
    es_home: Path, es_settings
) -> None:
    """``index replay`` read the dead-letter file as UTF-8 and ended with exit 70 on one stray
    byte; the unreadable lines are now kept aside byte for byte, the good ones sent, and the exit
    code says lines were skipped (1, as ``index rejected --retry`` says it; it was 0)."""
    from index.deadletter import DeadLetterBox, letter_for
    from tests.index.items import make_item

    letters = DeadLetterBox(es_settings)
    letters.write([letter_for(make_item(1), "test", 503)])
    stray = b'\xff\xfe{"not": "utf-8 \xe9"}\n'
    with letters.path.open("ab") as fh:
        fh.write(stray)
    run = cli("index", "replay")
    assert run.code == 1, run.stderr
    assert "1 dòng không đọc được" in run.said and "still pending: 0" in run.said
    kept = letters.dir / f"{letters.path.stem}.unreadable.jsonl"
    assert kept.read_bytes() == stray


@pytest.mark.parametrize(
    "content",
    [
        b"{bad",
        b"[1, 2]",
        b'{"users": 5}',
        b'{"users": [1]}',
        b"\xff\xfe\x00x",
        b'{"users": [{"name": "bob"}]}',
        b"null",
    ],
)
def test_a_damaged_accounts_file_is_named_and_left_as_it_is(home: Path, content: bytes) -> None:
    """Each of these ended ``users list`` / ``users add`` with exit 70; ``add`` must not replace it either."""
    accounts = home / "data" / "users.json"
    accounts.parent.mkdir(parents=True)
    accounts.write_bytes(content)
    listed = cli("users", "list")
    assert listed.code == 2, listed.stderr
    assert f"{accounts} bị hỏng / the accounts file is damaged" in listed.said
    from typer.testing import CliRunner

    from flows.cli import app

    argv = ["users", "add", "bob", "--role", "reviewer", "--password-stdin"]
    added = CliRunner().invoke(app, argv, input="mat-khau-dai-du\n")
    assert added.exit_code == 2 and "the accounts file is damaged" in " ".join(added.stderr.split()), added.stderr
    assert accounts.read_bytes() == content


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\n\n  \n"], ids=["empty", "bom-only", "blank-lines"])
def test_score_of_an_empty_input_is_exit_2_and_leaves_the_output(home: Path, content: bytes) -> None:
    """An input with no line exited 0 and replaced the output with an empty file; ``ingest``
    calls the same input an error (exit 2), and README says "a file with no usable line (exit 2)"."""
    inp, out = home / "in.jsonl", home / "out.jsonl"
    inp.write_bytes(content)
    out.write_text("the previous output\n", encoding="utf-8")
    run = cli("score", "-i", str(inp), "-o", str(out))
    assert run.code == 2, run.stderr
    assert f"the input has no lines: {inp}" in run.said
    assert out.read_text(encoding="utf-8") == "the previous output\n"


def test_index_load_of_an_empty_file_is_exit_2(es_home: Path) -> None:
    """``index load`` of an empty file said "0 items" with exit 0; README: "2: no usable line"."""
    empty = es_home / "scored.jsonl"
    empty.write_bytes(b"\xef\xbb\xbf\n")
    run = cli("index", "load", str(empty))
    assert run.code == 2, run.stderr
    assert f"the file has no lines: {empty}" in run.said
