"""``index load`` and ``extract`` read a FIFO (a named pipe, a shell's ``<(…)``) where they read a
file, as ``score`` does; the per-line and per-page size limits still hold on a stream."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from fixture_site.generate import tinnhanh_article
from tests.bad_input.conftest import GOOD, cli, jsonl

PARAS = ["Huyện Sơn Dương tổ chức tiêm vắc xin mũi 1 cho người dân các xã từ sáng nay, theo kế hoạch của tỉnh."] * 3
PAGE = tinnhanh_article(
    {
        "slug": "tiem-vac-xin",
        "section": "suc-khoe",
        "title": "Sơn Dương tiêm vắc xin phòng COVID-19",
        "date": "2021-09-01 08:00",
        "lead": PARAS[0],
        "paras": PARAS,
    }
)


@contextmanager
def fifo(folder: Path, data: bytes) -> Iterator[Path]:
    """A named pipe a thread writes ``data`` into (as much as the reader takes) once it is opened."""
    path = folder / "pipe"
    os.mkfifo(path)

    def feed() -> None:
        try:
            with path.open("wb") as fh:
                fh.write(data)
        except BrokenPipeError:  # the reader had enough (a size limit)
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        yield path
    finally:
        if writer.is_alive():  # nobody opened it: unblock the writer
            with path.open("rb") as fh:
                fh.read()
        writer.join(timeout=10)
        path.unlink()


def test_index_load_reads_a_fifo_and_still_bounds_its_lines(es_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scored = es_home / "scored.jsonl"
    inp = es_home / "in.jsonl"
    inp.write_bytes(jsonl(*GOOD))
    assert cli("score", "-i", str(inp), "-o", str(scored)).code == 0
    rows = scored.read_bytes().splitlines(keepends=True)
    assert all(len(row) < 4096 for row in rows)
    monkeypatch.setenv("TINRADAR_MAX_LINE_BYTES", "4096")  # above a scored line with its score_steps (~2.5 kB)
    huge = json.dumps({"id": "huge", "text": "a" * 10_000}).encode() + b"\n"
    with fifo(es_home, rows[0] + huge + rows[1]) as pipe:
        load = cli("index", "load", str(pipe))
    assert load.code == 1, load.stderr
    assert "line 2: dòng quá dài / line longer than 4,096 bytes" in load.said
    found = cli("search", "", "--format", "json", "--limit", "100")
    assert sorted(h["id"] for h in json.loads(found.stdout)["hits"]) == ["good-1", "good-2"]
    folder = cli("index", "load", str(es_home))
    assert folder.code == 2 and "is a folder, not a file" in folder.said


def test_extract_reads_a_fifo(home: Path) -> None:
    with fifo(home, PAGE.encode("utf-8")) as pipe:
        run = cli("extract", str(pipe), "--url", "https://baotinnhanh.example/suc-khoe/tiem-vac-xin.html")
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["title"] == "Sơn Dương tiêm vắc xin phòng COVID-19"
    assert doc["url"].endswith("/suc-khoe/tiem-vac-xin.html")  # the page's own canonical link


def test_extract_of_an_endless_stream_stops_at_the_page_limit(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINRADAR_MAX_PAGE_BYTES", "100000")
    with fifo(home, PAGE.encode("utf-8") + b"<p>" + b"x" * 5_000_000 + b"</p>") as pipe:
        run = cli("extract", str(pipe), "--url", "https://baotinnhanh.example/a.html")
    assert run.code != 0 and "too_large" in run.said and "100000" in run.said, run.stderr
    missing = cli("extract", str(home / "nothing.html"))
    assert missing.code == 2 and "no such file" in missing.said
