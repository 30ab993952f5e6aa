"""``tinradar score`` on the files users really have: every bad line named, the good lines scored."""

from __future__ import annotations

import codecs
import gc
import io
import json
from pathlib import Path

import pytest

from tests.bad_input.conftest import GOOD, cli, cp1258, ids, jsonl
from tinradar.jsonlines import read_lines
from tinradar.schema import ScoredItem


def _score(home: Path, data: bytes, name: str = "in.jsonl"):
    inp, out = home / name, home / "out.jsonl"
    inp.write_bytes(data)
    return cli("score", "-i", str(inp), "-o", str(out)), out


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ('{"id": "x", "text": "Tin gi\xe1 t\xf4i"}'.encode("latin-1"), None),  # a stray Latin-1 line: read, noted
        (b'{"id": "x", "text": "a", "deep": ' + b"[" * 5000 + b"]" * 5000 + b"}", "nested deeper than 64 levels"),
        (b'{"id": "x", "text": "a", "deep": ' + b"[" * 200 + b"]" * 200 + b"}", "nested deeper than 64 levels"),
        (b'[{"id": "x", "text": "a"}]', "not a JSON object but a list"),
        (b'{"id": "x", "text": ', "invalid JSON"),
        (b'{"id": true, "text": "a"}', "missing 'id'"),
        (b'{"id": "  ", "text": "a"}', "missing 'id'"),
        (b'{"id": "x", "text": ["a", "b"]}', "missing string 'text'"),
        (b'{"id": "x", "text": "a\x00b"}', "NUL bytes"),
    ],
)
def test_one_bad_line_costs_only_itself(home: Path, bad: bytes, message: str | None) -> None:
    run, out = _score(home, jsonl(GOOD[0]) + bad + b"\n" + jsonl(GOOD[1]))
    assert {"good-1", "good-2"} <= set(ids(out))
    if message is None:  # decoded as Windows-1258 and scored, with a note saying so
        assert run.code == 0 and "line 2: không phải UTF-8" in run.said and "read as Windows-1258" in run.said
        assert ids(out) == ["good-1", "x", "good-2"]
    else:
        assert run.code == 1, run.stderr
        assert "dòng / line 2: " in run.said and message in run.said
        assert "scored 2, skipped 1" in run.said


def test_a_windows_1258_file_is_read_line_by_line(home: Path) -> None:
    text = "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in GOOD)
    run, out = _score(home, cp1258(text))
    assert run.code == 0 and ids(out) == ["good-1", "good-2"]
    assert "line 1: không phải UTF-8" in run.said and "read as Windows-1258" in run.said
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert rows[1]["text"] == GOOD[1]["text"], "decoded back to the same Vietnamese (NFC)"


def test_a_bom_does_not_cost_the_first_line(home: Path) -> None:
    run, out = _score(home, codecs.BOM_UTF8 + jsonl(*GOOD))
    assert run.code == 0 and ids(out) == ["good-1", "good-2"]


def test_a_utf16_file_and_crlf_lines(home: Path) -> None:
    text = "".join(json.dumps(o, ensure_ascii=False) + "\r\n" for o in GOOD)
    run, out = _score(home, codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    assert run.code == 0, run.stderr
    assert ids(out) == ["good-1", "good-2"]


def test_reading_a_utf16_stream_leaves_it_open() -> None:
    """The UTF-8 view of a UTF-16 stream must not close the caller's stream once it is collected."""
    text = "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in GOOD)
    stream = io.BytesIO(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    assert [line.obj["id"] for line in read_lines(stream) if line.obj] == ["good-1", "good-2"]
    gc.collect()
    assert not stream.closed


def test_a_line_over_the_size_limit_is_skipped_unread(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINRADAR_MAX_LINE_BYTES", "2048")
    huge = json.dumps({"id": "huge", "text": "a" * 10_000}).encode()
    run, out = _score(home, jsonl(GOOD[0]) + huge + b"\n" + jsonl(GOOD[1]))
    assert run.code == 1 and "line 2: dòng quá dài / line longer than 2,048 bytes" in run.said
    assert ids(out) == ["good-1", "good-2"]


def test_input_and_output_the_same_file_is_safe(home: Path) -> None:
    same = home / "data.jsonl"
    same.write_bytes(jsonl(*GOOD))
    run = cli("score", "-i", str(same), "-o", str(same))
    assert run.code == 0 and "scored 2" in run.said
    rows = [json.loads(x) for x in same.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["good-1", "good-2"] and all("rumor_risk" in r for r in rows)
    assert not list(home.glob(".data.jsonl.*")), "no temporary file left behind"


def test_nothing_scorable_leaves_the_output_as_it_was(home: Path) -> None:
    same = home / "notes.jsonl"
    same.write_bytes(b"not json at all\n{also not}\n")
    run = cli("score", "-i", str(same), "-o", str(same))
    assert run.code == 2 and "no line could be scored (2 bad)" in run.said
    assert same.read_bytes() == b"not json at all\n{also not}\n"


def test_a_missing_output_folder_is_a_usage_error(home: Path) -> None:
    inp = home / "in.jsonl"
    inp.write_bytes(jsonl(*GOOD))
    run = cli("score", "-i", str(inp), "-o", str(home / "no" / "such" / "out.jsonl"))
    assert run.code == 2 and "no such folder" in run.said and "mkdir -p" in run.said


def test_bad_values_are_dropped_and_what_score_writes_loads(home: Path) -> None:
    messy = [
        {**GOOD[0], "likes": "abc", "published_at": "yesterday"},
        {**GOOD[1], "likes": 10**30, "kind": "tabloid", "fetched_at": "garbage", "author_hash": 5},
        {"id": "s1", "text": "Tin ngắn"},  # a short id
        {"id": 7, "text": "Tin số bảy"},  # an integer id
        {"id": "x" * 600, "text": "Tin có mã quá dài"},  # an id over Elasticsearch's 512 bytes
    ]
    run, out = _score(home, jsonl(*messy))
    assert run.code == 0, run.stderr
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert "likes" not in rows[0] and "published_at" not in rows[0]
    assert not {"likes", "kind", "fetched_at", "author_hash"} & set(rows[1])
    assert any(n.startswith("ignored_fields: likes, published_at") for n in rows[0]["notes"])
    assert "line 1: giá trị không hợp lệ, đã bỏ / bad values dropped: likes, published_at" in run.said
    for row in rows:  # the loader's own parser takes every line score wrote
        ScoredItem.from_line(row)
    assert [r["id"] for r in rows][:4] == ["good-1", "good-2", "s1", 7]
    assert len(rows[4]["id"]) < 512 and "line 5: id dài quá 512 byte" in run.said


def test_stdin_with_a_bom_and_a_bad_line_to_stdout(home: Path) -> None:
    from typer.testing import CliRunner

    from flows.cli import app

    data = codecs.BOM_UTF8 + jsonl(GOOD[0]) + b"\xff{oops\n" + jsonl(GOOD[1])
    result = CliRunner().invoke(app, ["score", "-i", "-", "-o", "-"], input=data)
    assert result.exit_code == 1 and "line 2:" in result.stderr
    assert [json.loads(x)["id"] for x in result.stdout.splitlines()] == ["good-1", "good-2"]


def test_crawl_into_a_missing_folder_is_a_usage_error(home: Path) -> None:
    run = cli("crawl", "--out", str(home / "nowhere" / "crawl.jsonl"))
    assert run.code == 2 and "no such folder" in run.said
