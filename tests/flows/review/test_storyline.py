"""The response loop day by day (fixture_site/storyline.py): real analyser, real node, the real desk.

Day 1 the rumor appears, day 2 it is an emerging narrative and a reviewer writes it down from
the desk (an admin approves; the items already indexed are re-matched), day 3 the run matches
the new repost and the board's correction is recorded, day 4 it fades. Then the ClaimReview
export validates and the report states the time to flag and to answer as the storyline defines.
It runs as the product runs, with the sentence encoder on: the rumor model's level for posts without
engagement counts is its text-and-style level, and with the encoder off two of the storyline's rumor
posts stay ``low`` (docs/nlp.md, *Neutral official one-liners*, issue 21).
"""

from __future__ import annotations

import html
from datetime import datetime, time

from fixture_site import storyline as story
from flows.claims import export_claimreview, rematch, run_claims
from flows.report.data import collect_report
from flows.report.render import render_markdown
from flows.tasks import analyse_documents
from index.claim_stats import human_delay, timeline
from index.claims import get_claim
from index.indexer import Indexer
from index.narratives import emerging
from index.templates import ensure_templates
from tests.flows.review.test_review_web import app, browser, clock, hidden, login, users  # noqa: F401  (fixtures)
from tests.index.test_claimreview import SDO, expand, schema_terms, walk_terms

CLAIM_ID = "perilla-alum-water-delta-immunity"


def run_day(settings, client, n: int) -> None:  # type: ignore[no-untyped-def]
    """One day's run: the registry read from the index, the day's documents analysed and indexed."""
    ensure_templates(client, settings)  # as the pipeline's index task does before each load
    known = run_claims(settings)
    items = analyse_documents(settings, story.documents(n), known.claims)
    stats = Indexer(client, settings).index(items)
    assert stats.failed == 0 and stats.dead_lettered == 0


def test_the_storyline_day_by_day(app, es_client, es_settings) -> None:  # noqa: F811
    settings = es_settings  # the product's default: the sentence encoder on (docs/nlp.md, issue 21)

    # day 1: two risky posts, no known claim, no cluster of three yet
    run_day(settings, es_client, 1)
    assert emerging(es_client, settings, story.day_of(1)) == []

    # day 2: the reposts make an emerging narrative
    run_day(settings, es_client, 2)
    (narrative,) = emerging(es_client, settings, story.day_of(2))
    assert narrative.posts >= 3 and narrative.growth >= 1
    assert "phèn chua" in narrative.example_text

    # a reviewer finds it under "chưa có trong danh mục" and proposes it from the desk
    lan = browser(app)
    login(lan, "lan")
    queue = lan.get("/?unlisted=1&status=all").text
    assert narrative.example_id in queue
    page = lan.get(f"/item/{narrative.example_id}").text
    assert 'id="propose-form"' in page
    assert "phèn chua" in html.unescape(page[page.index('id="propose-claim"') :][:400])
    sent = lan.post(
        f"/item/{narrative.example_id}/propose",
        data={
            **hidden(page, "propose-form"),
            "id": CLAIM_ID,
            "claim": story.CLAIM_TEXT,
            "category": "cure",
            "correction": story.CLAIM_CORRECTION,
            "debunked_by": "UBND huyện Sơn Dương",
            "whole_cluster": "1",
        },
    )
    assert sent.status_code == 303
    quan = browser(app)
    login(quan, "quan")
    approved = quan.post(f"/claims/{CLAIM_ID}/approve", data=hidden(quan.get("/claims").text, "proposals"))
    assert approved.status_code == 303
    # the items already indexed are matched again (verdicts untouched)
    since = datetime.combine(story.DAY1, time.min, tzinfo=settings.tz)
    result = rematch(settings, since)
    assert result.newly_matched.get(CLAIM_ID, 0) >= 4, result
    assert emerging(es_client, settings, story.day_of(2)) == []  # known now

    # day 3: the next run matches the new repost; the portal's correction is recorded on the desk
    run_day(settings, es_client, 3)
    day3 = es_client.search(
        index=f"{settings.es_index_prefix}-docs", query={"term": {"source_id": "tg-tinnong"}}, size=10
    )["hits"]["hits"]
    assert any(
        h["_source"]["published_at"].startswith("2021-08-04") and CLAIM_ID in h["_source"]["claim_ids"] for h in day3
    )
    claims_page = lan.get("/claims").text
    recorded = lan.post(
        f"/claims/{CLAIM_ID}/correction",
        data={
            "csrf_token": hidden(claims_page)["csrf_token"],
            "url": story.CORRECTION_URL,
            "channel": "portal",
            "published_at": story.CORRECTION_AT.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert recorded.status_code == 303

    # day 4: it fades
    run_day(settings, es_client, 4)

    record = get_claim(es_client, settings, CLAIM_ID)
    assert record is not None
    t = timeline(es_client, settings, record)
    assert t.first_seen == story.FIRST_SEEN
    assert t.time_to_flag == story.TIME_TO_FLAG
    assert t.time_to_answer == story.TIME_TO_ANSWER
    before, after = t.around_correction(settings.tz)
    assert sum(d.posts for d in before) > sum(d.posts for d in after[1:])  # fewer posts after the answer

    # the ClaimReview export validates and points at the portal and the first appearance
    feed, _ = export_claimreview(es_client, settings)
    (review,) = [r for r in feed["dataFeedElement"] if r["identifier"] == CLAIM_ID]
    assert review["url"] == story.CORRECTION_URL
    assert review["itemReviewed"]["firstAppearance"]["url"].startswith("https://diendan-phonui.example/")
    used: set[str] = set()
    walk_terms(expand(feed), used)
    assert used <= schema_terms() | {t for t in used if not t.startswith(SDO)} and all(t.startswith(SDO) for t in used)

    # the report states the time to flag and to answer as the storyline defines them
    data = collect_report(es_client, settings, story.day_of(4))
    assert data.response is not None
    assert data.response.median_to_flag == human_delay(story.TIME_TO_FLAG) == "0 phút"
    assert data.response.median_to_answer == human_delay(story.TIME_TO_ANSWER) == "1 ngày 22 giờ"
    assert data.claim_life is not None and data.claim_life.claim_id == CLAIM_ID
    assert data.claim_life.correction_day == "2021-08-04"
    markdown = render_markdown(data)
    assert "trung vị đến khi gắn cờ: 0 phút; đến khi cải chính: 1 ngày 22 giờ" in markdown
