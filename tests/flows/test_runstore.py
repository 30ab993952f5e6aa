"""The run folder: atomic files, de-duplicated chunks, and finding what a run left undone."""

from __future__ import annotations

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


def _crawl_files(run):
    runstore.write_jsonl(run / "crawl-a.jsonl", [_doc(n) for n in range(8)])
    # b: docs 7 and 1 again, fetched later, and new ones; c: new ones
    later = [_doc(7, fetched_offset=60, title="Bài 7 (sửa)"), _doc(1, fetched_offset=60, title="Bài 1 (sửa)")]
    runstore.write_jsonl(run / "crawl-b.jsonl", [*later, *(_doc(n) for n in range(8, 12))])
    runstore.write_jsonl(run / "crawl-c.jsonl", [_doc(n) for n in range(12, 15)])


def _pieces(chunks):
    return [[d.id for d in runstore.read_documents(p)[0]] for p in chunks]


def test_run_splitter_cuts_the_chunks_of_split_run_at_its_batches_as_crawls_end(tmp_path):
    from flows.split import RunSplitter

    whole, parts = tmp_path / "whole", tmp_path / "parts"
    for run in (whole, parts):
        run.mkdir()
        _crawl_files(run)
    reference = split_run(whole, chunk_size=5)
    splitter = RunSplitter(parts, ["c", "b", "a"], chunk_size=5, batch_size=2)

    assert splitter.ended_crawl("c") == [], "c waits for a and b (file-name order)"
    first = splitter.ended_crawl("a")  # 8 documents: cut at 2, 4, 5 (the chunk's end), 7
    assert [len(p) for p in _pieces(first)] == [2, 2, 1, 2]
    rest = splitter.ended_crawl("b")  # b, then c (already ended): cut at 9, 10, 12, 14, 15
    assert [len(p) for p in _pieces(rest)] == [2, 1, 2, 2, 1]
    split = splitter.finish()

    assert split.chunks == first + rest and (parts / runstore.SPLIT_MARKER).exists()
    assert (split.crawled, split.duplicates, split.unreadable) == (reference.crawled, reference.duplicates, 0)
    assert (split.crawled, split.duplicates) == (17, 2)
    # the same documents in the same order, each chunk of split_run cut into its batches of 2
    ids = [i for p in _pieces(split.chunks) for i in p]
    assert ids == [i for p in _pieces(reference.chunks) for i in p]
    batches = [c[k : k + 2] for c in _pieces(reference.chunks) for k in range(0, len(c), 2)]
    assert _pieces(split.chunks) == batches
    docs = {d.id: d for p in split.chunks for d in runstore.read_documents(p)[0]}
    assert docs[_doc(1).id].title == "Bài 1", "a copy handed to analysis is not replaced by a later fetch"
    assert docs[_doc(7).id].title == "Bài 7 (sửa)", "one not handed out yet is, as in split_run"


def test_a_later_copy_replaces_one_not_handed_out(tmp_path):
    from flows.split import RunSplitter

    run = tmp_path / "run"
    run.mkdir()
    _crawl_files(run)
    splitter = RunSplitter(run, ["a", "b", "c"], chunk_size=100)
    assert splitter.ended_crawl("a") == [] and splitter.ended_crawl("b") == []
    docs = {d.id: d for p in splitter.finish().chunks for d in runstore.read_documents(p)[0]}
    assert docs[_doc(1).id].title == "Bài 1 (sửa)" and docs[_doc(7).id].title == "Bài 7 (sửa)"


def test_split_run_finishes_a_run_that_died_while_splitting_as_crawls_ended(tmp_path):
    from flows.split import RunSplitter

    settings = Settings(data_dir=tmp_path)
    run = runstore.new_run_dir(settings, date(2021, 9, 3))
    _crawl_files(run)
    (run / "crawl-c.jsonl").open("a").write("not json\n")
    splitter = RunSplitter(run, ["a", "b", "c"], chunk_size=5, batch_size=2)
    handed = splitter.ended_crawl("a")  # 8 documents: pieces of 2, 2, 1, 2 (doc 7 waits); then the run dies
    runstore.write_jsonl(runstore.scored_path_for(handed[0]), [])  # the first piece was analysed
    assert runstore.pending_work(settings).unsplit == [run]

    split = split_run(run, chunk_size=5)

    assert (split.crawled, split.duplicates, split.unreadable) == (17, 2, 1), "the whole run's counts"
    assert [p.name for p in split.chunks] == ["docs-004.jsonl", "docs-005.jsonl"]
    assert [len(p) for p in _pieces(split.chunks)] == [3, 5], "cut where split_run cuts: at 10, then the end"
    work = runstore.pending_work(settings)
    assert not work.unsplit and work.unanalysed == [*handed[1:], *split.chunks]
    ids = [i for p in _pieces(sorted(run.glob("docs-*.jsonl"))) for i in p]
    assert sorted(ids) == sorted(_doc(n).id for n in range(15)), "each document in one chunk"
