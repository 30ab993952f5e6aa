"""The run folder: atomic files, de-duplicated chunks, and finding what a run left undone."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

import pytest

from flows import runstore
from flows.pipeline import split_run
from tinradar.ids import news_id
from tinradar.schema import Analysis, Document, Kind, ScoredItem, Sentiment, utc_now
from tinradar.settings import Settings


def _doc(n: int, *, fetched_offset: int = 0, title: str = "") -> Document:
    url = f"https://example.vn/bai-{n}"
    return Document(
        id=news_id(url),
        url=url,
        source_id="src",
        kind=Kind.NEWS,
        title=title or f"Bài {n}",
        text="Nội dung về COVID-19",
        fetched_at=utc_now() + timedelta(seconds=fetched_offset),
    )


def test_split_run_merges_duplicates_and_chunks(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    runstore.write_jsonl(run / "crawl-a.jsonl", [_doc(i) for i in range(5)])
    # doc 4 again from another source, fetched later with a new title: the later copy wins
    runstore.write_jsonl(run / "crawl-b.jsonl", [_doc(4, fetched_offset=60, title="Bài 4 (sửa)"), _doc(5)])
    (run / "crawl-b.jsonl").open("a").write("not json\n")

    split = split_run(run, chunk_size=4)

    assert (split.crawled, split.duplicates, split.unreadable) == (7, 1, 1)  # the broken line is counted
    assert [p.name for p in split.chunks] == ["docs-000.jsonl", "docs-001.jsonl"]
    docs = [d for p in split.chunks for d in runstore.read_documents(p)[0]]
    assert len(docs) == 6 and len({d.id for d in docs}) == 6
    assert next(d for d in docs if d.url.endswith("bai-4")).title == "Bài 4 (sửa)"
    assert (run / runstore.SPLIT_MARKER).exists()


def test_pending_work_finds_each_unfinished_stage(tmp_path):
    settings = Settings(data_dir=tmp_path)
    day = date(2021, 9, 3)
    unsplit = runstore.new_run_dir(settings, day)
    runstore.write_jsonl(unsplit / "crawl-a.jsonl", [_doc(1)])

    half = runstore.new_run_dir(settings, day)
    runstore.write_jsonl(half / "crawl-a.jsonl", [_doc(2), _doc(3)])
    chunks = split_run(half, chunk_size=1).chunks
    doc = runstore.read_documents(chunks[0])[0][0]
    item = ScoredItem(
        document=doc,
        analysis=Analysis(
            doc_id=doc.id, rumor_risk=0.1, risk_level="low", sentiment=Sentiment.NEU, covid=True, covid_proba=0.9
        ),
    )
    scored = runstore.scored_path_for(chunks[0])
    runstore.write_jsonl(scored, [item])

    done = runstore.new_run_dir(settings, day)
    runstore.write_jsonl(done / "crawl-a.jsonl", [])
    split_run(done, chunk_size=10)

    work = runstore.pending_work(settings)
    assert work.unsplit == [unsplit]
    assert work.unanalysed == [chunks[1]]
    assert work.unindexed == [scored]
    assert runstore.read_scored(scored)[0][0].analysis.rumor_risk == 0.1

    runstore.write_text(runstore.indexed_marker(scored), "{}")
    assert runstore.pending_work(settings, exclude=unsplit).unindexed == []
    assert runstore.pending_work(settings, exclude=unsplit).unsplit == []


def test_a_going_run_is_left_alone_until_its_process_is_gone(tmp_path):
    """A second run must not split the half-written crawl files of a run that is still going."""
    import json
    import subprocess
    import sys

    settings = Settings(data_dir=tmp_path)
    going = runstore.new_run_dir(settings, date(2021, 9, 3))
    runstore.write_jsonl(going / "crawl-a.jsonl", [_doc(1)])
    runstore.claim(going)  # this (live) process is running it
    assert runstore.in_progress(going) and not runstore.pending_work(settings)

    runstore.release(going)  # it ended without splitting: what it left is pending
    assert runstore.pending_work(settings).unsplit == [going]

    # it was marked by a process that then died (killed mid-crawl): pending again
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    runstore.claim(going)
    owner = json.loads((going / runstore.OWNER_MARKER).read_text())
    runstore.write_text(going / runstore.OWNER_MARKER, json.dumps({**owner, "pid": int(dead.stdout)}))
    assert not runstore.in_progress(going) and runstore.pending_work(settings).unsplit == [going]

    # marked on another host (a shared data folder): going until the mark is stale
    runstore.write_text(going / runstore.OWNER_MARKER, json.dumps({**owner, "host": "another-host"}))
    assert runstore.in_progress(going)
    old = datetime.now(UTC).timestamp() - runstore.STALE_AFTER - 60
    os.utime(going / runstore.OWNER_MARKER, (old, old))
    assert not runstore.in_progress(going) and runstore.pending_work(settings).unsplit == [going]


def test_write_jsonl_is_atomic(tmp_path):
    path = tmp_path / "x.jsonl"
    runstore.write_jsonl(path, [{"a": "Sơn Dương"}])
    assert path.read_text(encoding="utf-8") == '{"a": "Sơn Dương"}\n'
    assert not list(tmp_path.glob(".*.tmp"))


def test_last_crawled_times_are_kept_per_source(tmp_path):
    settings = Settings(data_dir=tmp_path)
    assert runstore.read_last_crawled(settings) == {}
    first = datetime(2021, 9, 3, 8, 0, tzinfo=UTC)
    runstore.record_crawled(settings, ["a", "b"], first)
    runstore.record_crawled(settings, ["b"], first + timedelta(hours=1))
    assert runstore.read_last_crawled(settings) == {"a": first, "b": first + timedelta(hours=1)}
    assert runstore.run_dirs(settings) == [], "the file is not taken for a run folder"
    (tmp_path / "runs" / runstore.LAST_CRAWLED).write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match=r"last_crawled\.json"):
        runstore.read_last_crawled(settings)
    runstore.record_crawled(settings, ["c"], first)  # a broken file is replaced, not fatal
    assert runstore.read_last_crawled(settings) == {"c": first}
