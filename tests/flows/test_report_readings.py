"""A reviewer's claim reading decides what an item spreads, in every count, on the real node.

"A person decides; the machine ranks": once a reviewer has recorded on the desk which registry
claims an item repeats (``review.claims``, through ``record_claims`` as the desk does), the
counts of "items spreading claim X" — the report's headline and known-claims table, the search
filter, the claim timelines, ClaimReview's appearances — follow that reading, not the machine's
match: a false match read as "none" stops counting, a repeat the machine missed counts under the
claim the reviewer named. Items nobody has read count as the machine says (with the fallback for
documents written before schema version 2).
"""

from __future__ import annotations

from datetime import datetime

import pytest

from flows.report.data import collect_report
from flows.report.render import render_html, render_markdown
from index import review as store
from index.claim_stats import timeline
from index.claimreview import appearances
from index.claims import add_claim, get_claim
from index.indexer import Indexer
from index.search import SearchQuery, search, stats
from index.templates import alias_name, ensure_templates
from tests.flows.test_report_spread import DAY, HEADLINE, X, Y, at
from tests.index.items import make_item
from tinradar.schema import Claim
from tinradar.settings import Settings


def claim(cid: str, text: str) -> Claim:
    return Claim(id=cid, claim=text, category="cure", correction="Không đúng.", debunked_by=["Bộ Y tế"])


def read(es_client, settings: Settings, doc_id: str, ids: list[str]) -> None:
    """Record a reviewer's reading the way the desk does (audited, at the version seen)."""
    item = store.get_item(es_client, settings, doc_id)
    assert item is not None
    outcome = store.record_claims(
        es_client, settings, doc_id, ids=ids, by="lan", seq_no=item.seq_no, primary_term=item.primary_term
    )
    assert outcome.applied


def make_old(es_client, settings: Settings, doc_id: str) -> None:
    """Rewrite a document as an index written before schema version 2 holds it: no ``spread_claim_ids``."""
    index = alias_name(settings) + "-2021.08"
    source = es_client.get(index=index, id=doc_id)["_source"]
    source.pop("spread_claim_ids")
    es_client.index(index=index, id=doc_id, document={**source, "schema_version": 1}, refresh=True)


@pytest.fixture
def readings(es_client, es_settings: Settings) -> Settings:
    """The machine matched X (as repeating it) on items 0, 1, 2 and 4, and nothing on item 3; item 5,
    from before schema version 2, matched Y only to refute it (then every match counted); item 6, also
    from before, matched X. Reviewers read 0, 1 and 6 as repeating none of the claims (false matches),
    3 and 4 as repeating Y (a repeat the machine missed, one it put under the wrong claim). Items 2 and 5
    nobody has read. Item 0 is the earliest post of all, the day before."""
    ensure_templates(es_client, es_settings)
    add_claim(es_client, es_settings, claim(X, "Sóng 5G làm lây COVID-19."), by="cli:admin")
    add_claim(es_client, es_settings, claim(Y, "Ăn tỏi sống chữa khỏi COVID-19."), by="cli:admin")
    social = {"kind": "social"}
    items = [
        make_item(0, "Cột 5G mới dựng ở chợ huyện", risk=0.7, claims=[X], published_at=at(8, 7), **social),
        make_item(1, "Lắp trạm 5G ở xã bên", risk=0.9, claims=[X], published_at=at(9, 8), **social),
        make_item(2, "5G lây COVID, tắt sóng ngay", risk=0.6, claims=[X], published_at=at(9, 9), **social),
        make_item(3, "Ăn tỏi sống mỗi sáng là khỏi", risk=0.5, published_at=at(9, 10), **social),
        make_item(4, "Tỏi với sóng 5G, tỏi chữa khỏi hết", risk=0.8, claims=[X], published_at=at(9, 11), **social),
        make_item(5, "Tỏi không chữa được COVID", risk=0.3, refutes=[Y], published_at=at(9, 12)),
        make_item(6, "Trạm phát sóng 5G bị cháy", risk=0.4, claims=[X], published_at=at(9, 13), **social),
    ]
    Indexer(es_client, es_settings).index(items)
    make_old(es_client, es_settings, "doc-00000005")
    make_old(es_client, es_settings, "doc-00000006")
    for doc_id, ids in (("0", []), ("1", []), ("6", []), ("3", [Y]), ("4", [Y])):
        read(es_client, es_settings, f"doc-{int(doc_id):08d}", ids)
    return es_settings


def ids_of(es_client, settings: Settings, query: SearchQuery) -> list[str]:
    return sorted(h.id for h in search(es_client, settings, query).hits)


def test_counts_per_claim_follow_the_reading(es_client, readings: Settings) -> None:
    s = stats(es_client, readings, SearchQuery(since=DAY, until=DAY, limit=0))
    assert s.by_claim == {X: 4, Y: 1}  # mentions stay the machine's: the desk's facet
    # X: only item 2 (nobody read it); 1 and 6 were read as none, 4 as Y. Y: 3 and 4 by reading, 5 as before.
    assert s.spread_by_claim == {Y: 3, X: 1}
    assert s.read_by_claim == {Y: 2}
    assert s.spreading == 4  # items 2, 3, 4, 5: a reading of "none" spreads nothing


def test_the_search_filter_follows_the_reading(es_client, readings: Settings) -> None:
    assert ids_of(es_client, readings, SearchQuery(spread_claims=[X])) == ["doc-00000002"]
    assert ids_of(es_client, readings, SearchQuery(spread_claims=[Y])) == [
        "doc-00000003",
        "doc-00000004",
        "doc-00000005",
    ]
    # the claim filter (every mention, the desk's) still lists what the machine matched
    assert ids_of(es_client, readings, SearchQuery(claims=[X])) == [f"doc-0000000{n}" for n in (0, 1, 2, 4, 6)]


def test_the_report_counts_the_readings_and_says_how_many(es_client, readings: Settings) -> None:
    data = collect_report(es_client, readings, DAY)
    (headline,) = [h for h in data.headlines if h.label == HEADLINE]
    assert (headline.today, headline.yesterday) == (4, 0)  # yesterday's only post was read as none
    rows = {c.claim_id: c for c in data.claims_seen}
    assert {cid: (r.today, r.read, r.window) for cid, r in rows.items()} == {X: (1, 0, 1), Y: (3, 2, 3)}
    # the example of Y is the riskiest item spreading it: item 4, which the machine had under X
    assert rows[Y].example_url == "https://example.vn/tin/4" and rows[Y].example_stance == "repeats"
    assert rows[X].example_url == "https://example.vn/tin/2"
    markdown = render_markdown(data)
    assert "3 bài hôm nay (2 bài do người duyệt xác định), 3 trong 7 ngày" in markdown
    assert "1 bài hôm nay, 1 trong 7 ngày" in markdown
    html = render_html(data)
    assert '<td class="n">3<br><span class="muted">2 do người duyệt xác định</span></td>' in html
    assert html.count("do người duyệt xác định") == 1  # X's count is all the machine's


def test_the_claim_timeline_leaves_out_posts_read_as_none(es_client, readings: Settings) -> None:
    x = get_claim(es_client, readings, X)
    y = get_claim(es_client, readings, Y)
    assert x is not None and y is not None
    tx, ty = timeline(es_client, readings, x), timeline(es_client, readings, y)
    # item 0 (the day before) was the machine's first post of X; read as none, item 2 is the first
    assert (tx.posts, tx.first_seen) == (1, datetime.fromisoformat(at(9, 9)))
    assert [(d.day, d.posts) for d in tx.per_day] == [(DAY, 1)]
    assert (ty.posts, ty.first_seen) == (3, datetime.fromisoformat(at(9, 10)))
    # ClaimReview's appearances are the same items
    assert [a.url for a in appearances(es_client, readings, X)] == ["https://example.vn/tin/2"]
    assert [a.url for a in appearances(es_client, readings, Y)] == [f"https://example.vn/tin/{n}" for n in (3, 4, 5)]


def test_without_readings_the_machine_decides_as_before(es_client, es_settings: Settings) -> None:
    """No reading anywhere: the machine's spread matches, and every match of a pre-schema-2 document."""
    ensure_templates(es_client, es_settings)
    items = [
        make_item(1, "5G lây COVID", claims=[X], kind="social", published_at=at(9, 8)),
        make_item(2, "Bác bỏ: 5G không lây COVID", refutes=[X], published_at=at(9, 9)),
        make_item(3, "Tỏi không chữa được COVID", refutes=[Y], published_at=at(9, 10)),
    ]
    Indexer(es_client, es_settings).index(items)
    make_old(es_client, es_settings, "doc-00000003")
    s = stats(es_client, es_settings, SearchQuery(since=DAY, until=DAY, limit=0))
    assert s.spread_by_claim == {X: 1, Y: 1} and s.read_by_claim == {} and s.spreading == 2
    assert ids_of(es_client, es_settings, SearchQuery(spread_claims=[X, Y])) == ["doc-00000001", "doc-00000003"]


def test_a_post_read_as_a_known_claim_is_not_an_unlisted_narrative(es_client, es_settings: Settings) -> None:
    """The desk's "chưa có trong danh mục" and the report's emerging narratives: risky reposts the
    machine matched to no claim. One a reviewer read as repeating a registry claim is listed."""
    from index.narratives import emerging
    from index.review.models import QueueFilters
    from index.review.queue import queue

    ensure_templates(es_client, es_settings)
    add_claim(es_client, es_settings, claim(Y, "Ăn tỏi sống chữa khỏi COVID-19."), by="cli:admin")
    reposts = [
        make_item(n, "Ăn tỏi sống mỗi sáng là khỏi", risk=0.6, cluster_id="c-toi", published_at=at(9, 7 + n))
        for n in range(3)
    ]
    Indexer(es_client, es_settings).index(reposts)
    unlisted = QueueFilters(unlisted=True, status="all")
    assert len(queue(es_client, es_settings, unlisted).items) == 3
    assert [n.cluster_id for n in emerging(es_client, es_settings, DAY, min_posts=3)] == ["c-toi"]
    read(es_client, es_settings, "doc-00000001", [Y])
    es_client.indices.refresh(index=alias_name(es_settings))
    assert sorted(i.id for i in queue(es_client, es_settings, unlisted).items) == ["doc-00000000", "doc-00000002"]
    assert emerging(es_client, es_settings, DAY, min_posts=2) == []  # a post of the cluster spreads Y: known
    read(es_client, es_settings, "doc-00000002", [])  # read as none: the machine's word (no claim) stands
    es_client.indices.refresh(index=alias_name(es_settings))
    assert sorted(i.id for i in queue(es_client, es_settings, unlisted).items) == ["doc-00000000", "doc-00000002"]
