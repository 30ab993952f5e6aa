"""Verdicts in Elasticsearch: the queue, the conflict rule, the audit trail, export (real node)."""

from __future__ import annotations

from datetime import date

import pytest

from index import review as store
from index.indexer import Indexer
from index.review.decide import _write
from tests.flows.review import seed
from tinradar.schema import ReviewStatus


@pytest.fixture
def loaded(es_client, es_settings):
    return seed.load(es_client, es_settings, seed.standard_items())


def _ids(page: store.QueuePage) -> list[str]:
    return [it.id for it in page.items]


def test_queue_holds_flagged_items_riskiest_first(es_client, es_settings, loaded):
    page = store.queue(es_client, es_settings, store.QueueFilters())
    assert _ids(page) == [loaded[k] for k in ("hi1", "hi2", "hi3", "xss", "mid1", "mid2")]
    assert loaded["low1"] not in _ids(page)
    assert page.total == 6
    assert all(it.review.status is ReviewStatus.NEW for it in page.items)


def test_uncertain_mode_puts_scores_nearest_the_boundary_first(es_client, es_settings, loaded):
    page = store.queue(es_client, es_settings, store.QueueFilters(mode="uncertain"))
    # |risk - 0.5|: mid1 .02, mid2 .05, xss .30, hi3 .35, hi2 .40, hi1 .45
    assert _ids(page) == [loaded[k] for k in ("mid1", "mid2", "xss", "hi3", "hi2", "hi1")]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"source": "fb-page-b"}, ["hi2", "hi3"]),
        ({"claim": "helicopter-disinfectant-spraying"}, ["hi1", "hi2"]),
        ({"cluster": "c-heli"}, ["hi1", "hi2", "hi3"]),
        ({"province": "01"}, ["mid2"]),
        ({"day": date(2021, 8, 21)}, ["mid2"]),  # 30 h after 10:00 on the 20th, Hà Nội time
    ],
)
def test_queue_filters(es_client, es_settings, loaded, filters, expected):
    page = store.queue(es_client, es_settings, store.QueueFilters(**filters))
    assert _ids(page) == [loaded[k] for k in expected]


def test_pagination(es_client, es_settings, loaded):
    first = store.queue(es_client, es_settings, store.QueueFilters(per_page=4))
    second = store.queue(es_client, es_settings, store.QueueFilters(per_page=4, page=2))
    assert (first.pages, len(first.items), len(second.items)) == (2, 4, 2)
    assert not set(_ids(first)) & set(_ids(second))


def test_decision_leaves_queue_and_is_audited(es_client, es_settings, loaded):
    item = store.get_item(es_client, es_settings, loaded["hi1"])
    assert item is not None and item.review.status is ReviewStatus.NEW
    outcome = seed.decide_seen(
        es_client, es_settings, item, ReviewStatus.CONFIRMED_FALSE, by="lan", note="Đã hỏi UBND huyện"
    )
    assert outcome.applied and not outcome.conflict
    after = store.get_item(es_client, es_settings, item.id)
    assert after.review.status is ReviewStatus.CONFIRMED_FALSE
    assert (after.review.by, after.review.note) == ("lan", "Đã hỏi UBND huyện")
    assert item.id not in _ids(store.queue(es_client, es_settings, store.QueueFilters()))
    decided = store.queue(es_client, es_settings, store.QueueFilters(status="confirmed_false"))
    assert _ids(decided) == [item.id]
    trail = store.audit_trail(es_client, es_settings, item.id)
    assert len(trail) == 1
    assert trail[0].by == "lan" and trail[0].outcome == "applied"
    assert trail[0].before.status is ReviewStatus.NEW and trail[0].after.status is ReviewStatus.CONFIRMED_FALSE


def test_second_decision_on_the_same_version_is_a_conflict(es_client, es_settings, loaded):
    seen = store.get_item(es_client, es_settings, loaded["hi2"])  # both reviewers open the page
    first = seed.decide_seen(es_client, es_settings, seen, ReviewStatus.MISLEADING, by="lan", note="một phần đúng")
    second = seed.decide_seen(es_client, es_settings, seen, ReviewStatus.ACCURATE, by="minh", note="")
    assert first.applied
    assert second.conflict and not second.applied
    assert second.current.status is ReviewStatus.MISLEADING and second.current.by == "lan"
    now = store.get_item(es_client, es_settings, seen.id)
    assert (now.review.status, now.review.by) == (ReviewStatus.MISLEADING, "lan")  # not overwritten
    outcomes = sorted(r.outcome for r in store.audit_trail(es_client, es_settings, seen.id))
    assert outcomes == ["applied", "conflict"]


def test_write_race_is_caught_by_elasticsearch(es_client, es_settings, loaded):
    """Even when the pre-check passes, the conditional update itself refuses a stale version."""
    stale = store.get_item(es_client, es_settings, loaded["mid1"])
    es_client.update(index=stale.index, id=stale.id, doc={"review": {"status": "irrelevant", "by": "x"}}, refresh=True)
    outcome = _write(es_client, es_settings, stale, store.ReviewState(status=ReviewStatus.ACCURATE, by="y"))
    assert outcome.conflict and outcome.current.status is ReviewStatus.IRRELEVANT


def test_analyst_reindex_keeps_verdicts(es_client, es_settings, loaded):
    """Re-analysis rewrites pipeline fields; the board's verdict survives."""
    item = store.get_item(es_client, es_settings, loaded["hi3"])
    seed.decide_seen(es_client, es_settings, item, ReviewStatus.CONFIRMED_FALSE, by="lan", note="")
    again = [i for i in seed.standard_items() if i.document.id == item.id]
    again[0].analysis.rumor_risk = 0.99
    Indexer(es_client, es_settings).index(again)
    now = store.get_item(es_client, es_settings, item.id)
    assert now.doc.rumor_risk == 0.99
    assert now.review.status is ReviewStatus.CONFIRMED_FALSE


def test_cluster_decision_keeps_other_reviewers_verdicts(es_client, es_settings, loaded):
    hi3 = store.get_item(es_client, es_settings, loaded["hi3"])
    seed.decide_seen(es_client, es_settings, hi3, ReviewStatus.MISLEADING, by="minh", note="")
    hi2 = store.get_item(es_client, es_settings, loaded["hi2"])
    seed.decide_seen(es_client, es_settings, hi2, ReviewStatus.IN_REVIEW, by="hoa", note="")
    kept = store.decide_cluster(
        es_client, es_settings, "c-heli", status=ReviewStatus.ACCURATE, note="", by="lan", exclude=loaded["hi1"]
    )
    assert kept.applied == [] and sorted(kept.already_decided) == sorted([loaded["hi2"], loaded["hi3"]])
    hi2 = store.get_item(es_client, es_settings, loaded["hi2"])
    seed.decide_seen(es_client, es_settings, hi2, ReviewStatus.IN_REVIEW, by="lan", note="")  # now lan's own claim
    result = store.decide_cluster(
        es_client,
        es_settings,
        "c-heli",
        status=ReviewStatus.CONFIRMED_FALSE,
        note="cả cụm",
        by="lan",
        exclude=loaded["hi1"],
    )
    assert result.applied == [loaded["hi2"]]
    assert result.already_decided == [loaded["hi3"]]
    assert store.get_item(es_client, es_settings, loaded["hi3"]).review.status is ReviewStatus.MISLEADING
    hi2 = store.get_item(es_client, es_settings, loaded["hi2"])
    assert (hi2.review.status, hi2.review.by) == (ReviewStatus.CONFIRMED_FALSE, "lan")
    assert store.audit_trail(es_client, es_settings, loaded["hi2"])[0].scope == "cluster"


def test_export_decisions_labels(es_client, es_settings, loaded):
    verdicts = {
        "hi1": ReviewStatus.CONFIRMED_FALSE,
        "mid1": ReviewStatus.MISLEADING,
        "mid2": ReviewStatus.ACCURATE,
        "xss": ReviewStatus.IRRELEVANT,
    }
    for key, status in verdicts.items():
        it = store.get_item(es_client, es_settings, loaded[key])
        seed.decide_seen(es_client, es_settings, it, status, by="lan", note="")
    rows = list(store.export_decisions(es_client, es_settings))
    by_id = {r.id: r for r in rows}
    assert set(by_id) == {loaded["hi1"], loaded["mid1"], loaded["mid2"]}  # irrelevant skipped
    assert by_id[loaded["hi1"]].label == 1 and by_id[loaded["mid1"]].label == 1
    assert by_id[loaded["mid2"]].label == 0
    assert by_id[loaded["mid1"]].status is ReviewStatus.MISLEADING and by_id[loaded["mid1"]].source_id == "forum-x"
    assert by_id[loaded["mid1"]].text.startswith("Uống nước chanh nóng diệt virus corona\n\n")
    assert [r.id for r in rows] == sorted(by_id)


def test_facets_offer_flagged_values(es_client, es_settings, loaded):
    facets = store.queue_facets(es_client, es_settings)
    assert dict(facets["source"]) == {"fb-page-a": 2, "fb-page-b": 2, "forum-x": 1, "fb-page-c": 1}
    assert dict(facets["claim"])["helicopter-disinfectant-spraying"] == 2
    assert dict(facets["cluster"]) == {"c-heli": 3}
    assert set(dict(facets["province"])) == {"08", "01"}
