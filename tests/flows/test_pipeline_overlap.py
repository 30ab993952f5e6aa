"""The overlapped daily flow (each source analysed as soon as its crawl ends) against the sequential one.

Real parts only, as in ``test_pipeline.py``: the fixture site on 127.0.0.1, the Scrapy
crawler in its child process, the NLP models, the session's Elasticsearch node and a
Prefect test server.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from flows import runstore
from flows.demo import DEMO_DAY, DEMO_LOOKBACK_DAYS, FIXTURE_REGISTRY

pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.slow]


@pytest.fixture(scope="module")
def site() -> str:
    from fixture_site.server import serve_fixture_site

    with serve_fixture_site(slow_seconds=2.0) as base_url:
        yield base_url


def _run(settings, site, **kwargs):
    from flows.pipeline import daily_pipeline

    kwargs.setdefault("sources_file", FIXTURE_REGISTRY)
    return daily_pipeline(
        day=DEMO_DAY,
        lookback_days=DEMO_LOOKBACK_DAYS,
        variables={"base_url": site},
        settings=settings,
        retries=0,
        retry_delay_seconds=0,
        **kwargs,
    )


def _analyses(settings) -> dict[str, dict[str, object]]:
    """Every analysis the runs wrote, by document id (``analyzed_at`` left out); a document twice fails."""
    rows: dict[str, dict[str, object]] = {}
    for path in sorted((settings.data_dir / "runs").rglob("scored-*.jsonl")):
        for item in runstore.read_scored(path)[0]:
            assert item.document.id not in rows, f"{item.document.id} analysed twice"
            rows[item.document.id] = item.analysis.model_dump(mode="json", exclude={"analyzed_at"})
    return rows


def _indexed_ids(client, settings) -> set[str]:
    from index.templates import alias_name

    client.indices.refresh(index=alias_name(settings))
    hits = client.search(index=alias_name(settings), size=1000, source=False)["hits"]["hits"]
    return {h["_id"] for h in hits}


def _crawled_ids(run_dir: Path) -> list[str]:
    return [d.id for path in sorted(run_dir.glob("crawl-*.jsonl")) for d in runstore.read_documents(path)[0]]


def test_overlapped_run_gives_what_the_sequential_one_gives(es_settings, es_client, site, tmp_path):
    """Small chunks and batches, so pieces go to analysis while later sources crawl; the
    analyses (repost cluster ids included, which depend on the batches) are the same."""
    settings = es_settings.model_copy(update={"nlp_batch_size": 8})
    sequential = settings.model_copy(
        update={"es_index_prefix": f"{es_settings.es_index_prefix}-seq", "data_dir": tmp_path / "seq"}
    )
    seq = _run(sequential, site, overlap=False, chunk_size=20)
    over = _run(settings, site, chunk_size=20)

    assert seq.ok and over.ok, over.to_markdown()
    assert "crawl+analyse" in over.stage_seconds and "crawl+analyse" not in seq.stage_seconds
    spans = over.stage_seconds
    assert spans["crawl"] <= spans["crawl+analyse"] and spans["analyse"] <= spans["crawl+analyse"]
    assert (over.run_dir / runstore.SPLIT_MARKER).exists() and not runstore.pending_work(es_settings)
    # the overlapped run cut sequential's chunks of 20 into its batches of 8
    seq_chunks = [runstore.read_documents(p)[0] for p in sorted(seq.run_dir.glob("docs-*.jsonl"))]
    over_pieces = [runstore.read_documents(p)[0] for p in sorted(over.run_dir.glob("docs-*.jsonl"))]
    assert [len(p) for p in over_pieces] == [len(c[k : k + 8]) for c in seq_chunks for k in range(0, len(c), 8)]
    # counts add up as they do in the sequential order
    ids = _crawled_ids(over.run_dir)
    c = over.counts
    assert (c.crawled, c.duplicates) == (len(ids), len(ids) - len(set(ids)))
    assert c.analysed == c.indexed_new == len(set(ids)) and c.pending == 0
    # the same documents, analysed alike, in the index
    assert seq.counts.analysed == c.analysed and seq.counts.crawled == c.crawled
    assert _indexed_ids(es_client, es_settings) == _indexed_ids(es_client, sequential) == set(ids)
    a, b = _analyses(sequential), _analyses(es_settings)
    assert a.keys() == b.keys()
    differ = [doc_id for doc_id in a if a[doc_id] != b[doc_id]]
    assert differ == [], f"{len(differ)} analyses differ, e.g. {differ[:3]}"


def test_a_document_of_two_sources_is_analysed_once(es_settings, es_client, site, tmp_path):
    """The same source under two ids: every document comes twice. Batches of 4, so the first
    source's pieces go to analysis before the second's copies arrive."""
    registry = yaml.safe_load(FIXTURE_REGISTRY.read_text(encoding="utf-8"))
    good = next(e for e in registry["sources"] if e["id"] == "baotantrao")
    twin = {**good, "id": "baotantrao-ban-sao"}
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": [good, twin]}, allow_unicode=True), encoding="utf-8")
    settings = es_settings.model_copy(update={"nlp_batch_size": 4})

    summary = _run(settings, site, sources_file=path)

    assert summary.ok, summary.to_markdown()
    ids = _crawled_ids(summary.run_dir)
    unique = set(ids)
    by_source = {s.source_id: s.items for s in summary.sources}
    assert by_source[good["id"]] > 0 and by_source[twin["id"]] > 0
    c = summary.counts
    assert c.crawled == len(ids) == sum(by_source.values())
    assert c.duplicates == len(ids) - len(unique) >= min(by_source.values())
    assert c.analysed == c.indexed_new == len(unique) == len(_analyses(settings))
    assert _indexed_ids(es_client, settings) == unique


def test_an_overlapped_run_that_dies_mid_crawl_is_finished_by_the_next(es_settings, es_client, site, monkeypatch):
    """A run dies after its first source was cut (and handed to analysis), before the second is:
    no ``split.done``. The next run (nothing to crawl) cuts the rest, analyses what was not,
    indexes everything once."""
    from flows.split import RunSplitter

    settings = es_settings.model_copy(update={"nlp_batch_size": 4})
    real_ended = RunSplitter.ended_crawl

    def dying_ended(self, source_id):  # type: ignore[no-untyped-def]
        if self.split.chunks:  # pieces were handed to analysis at an earlier crawl's end
            raise RuntimeError("simulated crash mid-crawl")
        return real_ended(self, source_id)

    def dying_finish(self):  # type: ignore[no-untyped-def]
        raise RuntimeError("simulated crash mid-crawl")  # the first pieces came with the last crawl

    monkeypatch.setattr(RunSplitter, "ended_crawl", dying_ended)
    monkeypatch.setattr(RunSplitter, "finish", dying_finish)
    with pytest.raises(Exception, match="simulated crash"):
        _run(settings, site, chunk_size=10)
    monkeypatch.undo()

    (crashed,) = runstore.run_dirs(es_settings)
    assert not (crashed / runstore.SPLIT_MARKER).exists()
    assert list(crashed.glob("docs-*.jsonl")), "pieces were cut before the crash"
    left = runstore.pending_work(es_settings)
    assert left.unsplit == [crashed]
    ids = set(_crawled_ids(crashed))
    assert len(ids) > 0

    nothing = crashed.parent.parent.parent / "nothing.yaml"
    nothing.write_text("sources: []\n", encoding="utf-8")
    summary = _run(settings, site, sources_file=nothing)

    assert summary.ok, summary.to_markdown()
    assert (crashed / runstore.SPLIT_MARKER).exists() and not runstore.pending_work(es_settings)
    assert summary.counts.picked_up == len(ids) and summary.counts.crawled == 0
    assert set(_analyses(es_settings)) == ids, "each document analysed exactly once"
    assert _indexed_ids(es_client, es_settings) == ids
