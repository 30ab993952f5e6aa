"""Idempotent indexing, review preservation, rejected documents and dead letters."""

from __future__ import annotations

import json

from index.indexer import Indexer
from index.templates import alias_name, ensure_templates
from tests.index.items import make_item


def _count(client, settings) -> int:
    client.indices.refresh(index=alias_name(settings))
    return client.count(index=alias_name(settings))["count"]


def _get(client, settings, doc_id):
    hits = client.search(index=alias_name(settings), query={"ids": {"values": [doc_id]}})["hits"]["hits"]
    assert len(hits) == 1, f"{doc_id} is stored {len(hits)} times"
    return hits[0]


def test_rerun_is_idempotent(es_client, es_settings):
    ensure_templates(es_client, es_settings)
    items = [make_item(i) for i in range(30)]
    first = Indexer(es_client, es_settings, chunk_size=7).index(items)
    assert (first.indexed, first.updated, first.unchanged, first.failed) == (30, 0, 0, 0)
    # A fresh indexer (a new run) with the same items, some twice: nothing new, nothing duplicated.
    second = Indexer(es_client, es_settings, chunk_size=7).index(items + items[:5])
    assert (second.indexed, second.updated, second.unchanged, second.failed) == (0, 0, 35, 0)
    assert _count(es_client, es_settings) == 30


def test_reanalysis_updates_pipeline_fields_and_keeps_review(es_client, es_settings):
    ensure_templates(es_client, es_settings)
    item = make_item(1, risk=0.9, claims=["vaccine-infertility"], cluster_id="c1")
    Indexer(es_client, es_settings).index([item])
    hit = _get(es_client, es_settings, item.document.id)
    verdict = {
        "status": "confirmed_false",
        "by": "reviewer1",
        "at": "2021-08-11T09:00:00+07:00",
        "note": "Đã kiểm chứng với CDC",
    }
    es_client.update(index=hit["_index"], id=hit["_id"], doc={"review": verdict}, refresh=True)

    reanalysed = make_item(1, risk=0.3, claims=[], cluster_id=None, sentiment="neg")
    stats = Indexer(es_client, es_settings).index([reanalysed])
    assert stats.updated == 1 and stats.indexed == 0
    source = _get(es_client, es_settings, item.document.id)["_source"]
    assert source["review"] == verdict
    assert source["rumor_risk"] == 0.3 and source["risk_level"] == "low" and source["sentiment"] == "neg"
    assert source["claim_ids"] == [] and source["cluster_id"] is None  # cleared, not stale


def test_changed_published_date_does_not_duplicate(es_client, es_settings):
    ensure_templates(es_client, es_settings)
    Indexer(es_client, es_settings).index([make_item(5, published_at="2021-08-31T10:00:00+07:00")])
    first_home = _get(es_client, es_settings, "doc-00000005")["_index"]
    assert first_home.endswith("-docs-2021.08")
    moved = make_item(5, published_at="2021-09-02T10:00:00+07:00")
    stats = Indexer(es_client, es_settings).index([moved])
    assert stats.updated == 1
    hit = _get(es_client, es_settings, "doc-00000005")
    assert hit["_index"] == first_home  # stays where it was first seen ...
    assert hit["_source"]["published_at"] == "2021-09-02T10:00:00+07:00"  # ... with the new date
    assert _count(es_client, es_settings) == 1


def test_rejected_document_is_isolated(es_client, es_settings):
    ensure_templates(es_client, es_settings)
    items = [make_item(i) for i in range(10)]
    # Out of range for a 'long'. The schema refuses it now (MAX_COUNT), so it is forced in
    # past validation: whatever slips through, the mapping's refusal stays one item's.
    items[4].document.__dict__["likes"] = 10**20
    stats = Indexer(es_client, es_settings).index(items)
    assert stats.indexed == 9 and stats.failed == 1 and stats.rejected == 1 and stats.dead_lettered == 0
    [error] = stats.errors
    assert error.id == "doc-00000004" and error.status == 400
    assert "likes" in error.reason and "out of range" in error.reason
    assert len(error.reason) <= 500 and "[Source:" not in error.reason  # no copy of the whole document
    assert _count(es_client, es_settings) == 9
    folder = es_settings.data_dir / "deadletter"
    letters = (folder / f"{es_settings.es_index_prefix}-docs.rejected.jsonl").read_text().splitlines()
    assert [json.loads(line)["id"] for line in letters] == ["doc-00000004"]  # kept aside, not to be replayed
    assert not (folder / f"{es_settings.es_index_prefix}-docs.jsonl").exists()


def test_dead_letters_replay_after_the_cause_is_fixed(es_client, es_settings):
    done = ensure_templates(es_client, es_settings)
    es_client.indices.create(index=f"{es_settings.es_index_prefix}-docs-2021.08")
    blocked = f"{es_settings.es_index_prefix}-docs-2021.08"
    es_client.indices.put_settings(index=blocked, settings={"index.blocks.write": True})
    # Six August items hit the block; one published in July does not.
    items = [make_item(i) for i in range(6)] + [make_item(100, published_at="2021-07-20T08:00:00+07:00")]
    indexer = Indexer(es_client, es_settings, max_retries=1, initial_backoff=0.01)
    stats = indexer.index(items)
    assert stats.failed == 6 and stats.dead_lettered == 6 and stats.indexed == 1
    assert indexer.deadletters.count() == 6

    # Replay while still blocked: nothing is lost, the letters wait for the next replay.
    again = indexer.replay()
    assert again.failed == 6 and indexer.deadletters.count() == 6

    es_client.indices.put_settings(index=blocked, settings={"index.blocks.write": False})
    replayed = Indexer(es_client, es_settings).replay()
    assert replayed.indexed == 6 and replayed.failed == 0
    assert indexer.deadletters.count() == 0
    assert _count(es_client, es_settings) == 7
    assert done["created"] != blocked


def test_replay_with_nothing_waiting(es_client, es_settings):
    stats = Indexer(es_client, es_settings).replay()
    assert stats.ok == 0 and stats.failed == 0


def test_create_race_becomes_an_update(es_client, es_settings):
    """Another writer created the id after our lookup (not yet visible to search): no duplicate."""
    from index.docmap import to_source

    ensure_templates(es_client, es_settings)
    month = f"{es_settings.es_index_prefix}-docs-2021.08"
    es_client.indices.create(index=month, settings={"index.refresh_interval": -1})
    item = make_item(7)
    es_client.create(
        index=month,
        id=item.document.id,
        document={**to_source(item).pipeline_body(), "review": {"status": "in_review"}},
    )
    stats = Indexer(es_client, es_settings).index([make_item(7, risk=0.8)])
    assert stats.indexed == 0 and stats.updated == 1 and stats.failed == 0
    source = _get(es_client, es_settings, item.document.id)["_source"]
    assert source["review"] == {"status": "in_review"} and source["risk_level"] == "high"


def test_reload_with_new_fetch_times_is_a_true_noop(es_client, es_settings):
    """Same content, new fetched_at/analyzed_at: unchanged, nothing rewritten, dated_at of undated items fixed."""
    from datetime import timedelta

    from tests.index.items import FETCHED

    ensure_templates(es_client, es_settings)
    items = [make_item(i, published_at=None) for i in range(12)]
    first = Indexer(es_client, es_settings, chunk_size=5).index(items)
    assert first.indexed == 12
    later = FETCHED + timedelta(days=3)
    again = [make_item(i, published_at=None, fetched_at=later) for i in range(12)]
    for item in again:
        item.analysis.analyzed_at = later
    second = Indexer(es_client, es_settings, chunk_size=5).index(again)
    assert (second.indexed, second.updated, second.unchanged) == (0, 0, 12)
    es_client.indices.refresh(index=alias_name(es_settings))
    docs = es_client.indices.stats(index=alias_name(es_settings), metric="docs")["_all"]["primaries"]["docs"]
    assert docs["deleted"] == 0, "a re-load rewrote documents"
    source = _get(es_client, es_settings, items[0].document.id)["_source"]
    assert source["fetched_at"] == source["dated_at"] == FETCHED.isoformat()

    changed = make_item(0, published_at=None, fetched_at=later, risk=0.9)
    third = Indexer(es_client, es_settings).index([changed])
    assert (third.updated, third.unchanged) == (1, 0)
    source = _get(es_client, es_settings, changed.document.id)["_source"]
    assert source["risk_level"] == "high"
    assert source["dated_at"] == FETCHED.isoformat(), "an undated item keeps the day it was first seen"
