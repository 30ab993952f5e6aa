"""Counts of "repeats of a known false claim" count the items that spread it, on the real node.

A correction that quotes a rumor (matched as ``refutes``) is the answer to it, not one more post
of it: the report's headline, its known-claims table and its claim spikes leave it out, and an
emerging narrative is not called "known" because a correction sits in its cluster. Documents
written before schema version 2 have no ``spread_claim_ids``: they count for every claim they
matched, as they did then.
"""

from __future__ import annotations

from datetime import date

import pytest

from flows.report.data import collect_report
from index.indexer import Indexer
from index.narratives import emerging
from index.search import SearchQuery, search, stats
from index.templates import alias_name, ensure_templates
from tests.index.items import make_item
from tinradar.settings import Settings

X = "five-g-spreads-covid"
Y = "garlic-cures-covid"
DAY = date(2021, 8, 9)
HEADLINE = "Lặp lại tin sai đã biết"


def at(day: int, hour: int) -> str:
    return f"2021-08-{day:02d}T{hour:02d}:00:00+07:00"


def make_old(es_client, settings: Settings, *doc_ids: str) -> None:
    """Rewrite documents as an index written before schema version 2 holds them: no ``spread_claim_ids``."""
    index = alias_name(settings) + "-2021.08"
    for doc_id in doc_ids:
        source = es_client.get(index=index, id=doc_id)["_source"]
        source.pop("spread_claim_ids")
        es_client.index(index=index, id=doc_id, document={**source, "schema_version": 1}, refresh=True)


@pytest.fixture
def day(es_client, es_settings: Settings) -> Settings:
    """On ``DAY``: two posts repeat X and two corrections refute it (riskier than the posts, so they
    would be the example if they counted); three documents from before schema version 2 matched Y
    (one of them as a refutation: then every match counted). The day before, one correction of X."""
    ensure_templates(es_client, es_settings)
    items = [
        make_item(1, "5G lây COVID, tắt sóng ngay", risk=0.6, claims=[X], kind="social", published_at=at(9, 8)),
        make_item(2, "Sóng 5G phát tán virus", risk=0.5, claims=[X], kind="social", published_at=at(9, 9)),
        make_item(3, "Bác bỏ: 5G không lây COVID", risk=0.9, refutes=[X], published_at=at(9, 10)),
        make_item(4, "Sở TT&TT: sóng 5G không lây virus", risk=0.9, refutes=[X], published_at=at(9, 11)),
        make_item(5, "Tỏi chữa khỏi COVID", risk=0.6, claims=[Y], kind="social", published_at=at(9, 8)),
        make_item(6, "Ăn tỏi sống chữa COVID", risk=0.6, claims=[Y], kind="social", published_at=at(9, 9)),
        make_item(7, "Tỏi không chữa được COVID", risk=0.3, refutes=[Y], published_at=at(9, 10)),
        make_item(8, "Không có chuyện 5G lây bệnh", risk=0.3, refutes=[X], published_at=at(8, 10)),
    ]
    Indexer(es_client, es_settings).index(items)
    make_old(es_client, es_settings, "doc-00000005", "doc-00000006", "doc-00000007")
    return es_settings


def test_stats_count_spreading_items_apart_from_every_mention(es_client, day: Settings) -> None:
    s = stats(es_client, day, SearchQuery(since=DAY, until=DAY, limit=0))
    assert s.by_claim == {X: 4, Y: 3}  # every mention, corrections included (the desk's facet)
    assert s.spread_by_claim == {Y: 3, X: 2}  # the two corrections of X are left out; old documents all count
    assert sorted(h.id for h in search(es_client, day, SearchQuery(spread_claims=[X])).hits) == [
        "doc-00000001",
        "doc-00000002",
    ]
    assert search(es_client, day, SearchQuery(spread_claims=[Y])).total == 3
    assert search(es_client, day, SearchQuery(claims=[X])).total == 5  # the claim filter still finds corrections


def test_the_report_counts_repeats_not_corrections(es_client, day: Settings) -> None:
    data = collect_report(es_client, day, DAY)
    (headline,) = [h for h in data.headlines if h.label == HEADLINE]
    assert (headline.today, headline.yesterday) == (5, 0)  # 2 of X + 3 old of Y; yesterday only a correction
    rows = {c.claim_id: c for c in data.claims_seen}
    assert {cid: (r.today, r.window) for cid, r in rows.items()} == {X: (2, 2), Y: (3, 3)}
    assert rows[X].example_url == "https://example.vn/tin/1" and rows[X].example_stance == "repeats"
    # 4 items mention X today, but only 2 spread it: no spike; the 3 old documents of Y still make one
    assert [(s.kind, s.key, s.today) for s in data.spikes] == [("claim", Y, 3)]


def test_a_correction_only_day_repeats_nothing(es_client, day: Settings) -> None:
    data = collect_report(es_client, day, date(2021, 8, 8))
    (headline,) = [h for h in data.headlines if h.label == HEADLINE]
    assert headline.today == 0 and data.claims_seen == []


def test_a_correction_in_a_cluster_does_not_make_it_a_known_rumor(es_client, es_settings: Settings) -> None:
    ensure_templates(es_client, es_settings)
    risky = {"risk": 0.7, "kind": "social"}
    items = [
        # three risky posts of a new rumor, and a correction of X that the clustering put beside them
        *(
            make_item(10 + i, "Uống nước lá ổi chữa khỏi", cluster_id="c-new", published_at=at(9, 8 + i), **risky)
            for i in range(3)
        ),
        make_item(13, "Uống nước lá ổi không lây 5G", cluster_id="c-new", refutes=[X], published_at=at(9, 12)),
        # the same, but its fourth post spreads X: a known rumor reworded
        *(
            make_item(20 + i, "Tắt sóng 5G đi", cluster_id="c-spread", published_at=at(9, 8 + i), **risky)
            for i in range(3)
        ),
        make_item(23, "Tắt sóng 5G đi, lây COVID", cluster_id="c-spread", claims=[X], published_at=at(9, 12)),
        # a document from before schema version 2 that matched X in any way still makes its cluster known
        *(
            make_item(30 + i, "Tỏi sống diệt virus", cluster_id="c-old", published_at=at(9, 8 + i), **risky)
            for i in range(3)
        ),
        make_item(33, "Tỏi sống không diệt virus", cluster_id="c-old", refutes=[Y], published_at=at(9, 12)),
    ]
    Indexer(es_client, es_settings).index(items)
    make_old(es_client, es_settings, "doc-00000033")
    (narrative,) = emerging(es_client, es_settings, DAY)
    assert narrative.cluster_id == "c-new" and narrative.posts == 3


def test_spread_counts_are_summed_before_the_top_is_cut(es_client, es_settings: Settings) -> None:
    """A claim second in both halves (new and old documents) can be first in all: counted whole.

    Z is spread by 2 new and 2 old documents; X by 3 new, Y by 3 old. Cut per half, the top 1
    would be X and Y with 3 each and Z missing; summed first, Z leads with 4.
    """
    Z = "vaccine-changes-dna"
    ensure_templates(es_client, es_settings)
    spec = [(X, 3), (Z, 2), (Y, 3), (Z, 2)]
    items, old, n = [], [], 40
    for half, (claim, count) in enumerate(spec):
        for _ in range(count):
            items.append(make_item(n, "Tin đồn", claims=[claim], kind="social", published_at=at(9, 8)))
            if half >= 2:
                old.append(f"doc-{n:08d}")
            n += 1
    Indexer(es_client, es_settings).index(items)
    make_old(es_client, es_settings, *old)
    assert stats(es_client, es_settings, SearchQuery(since=DAY, until=DAY, limit=0), top=1).spread_by_claim == {Z: 4}


def test_an_item_spreading_two_claims_is_one_item_in_the_headline(es_client, es_settings: Settings) -> None:
    ensure_templates(es_client, es_settings)
    items = [
        make_item(50, "5G lây COVID, ăn tỏi là khỏi", claims=[X, Y], kind="social", published_at=at(9, 8)),
        make_item(51, "Ăn tỏi sống chữa COVID", claims=[Y], kind="social", published_at=at(9, 9)),
        make_item(52, "Tỏi không chữa được COVID", refutes=[Y], published_at=at(9, 10)),
    ]
    Indexer(es_client, es_settings).index(items)
    s = stats(es_client, es_settings, SearchQuery(since=DAY, until=DAY, limit=0))
    assert s.spread_by_claim == {Y: 2, X: 1} and s.spreading == 2
    (headline,) = [h for h in collect_report(es_client, es_settings, DAY).headlines if h.label == HEADLINE]
    assert headline.today == 2  # two items, though they spread three claim mentions
