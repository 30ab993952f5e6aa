"""Attack: "claim" an item somebody already decided, to take its verdict back.

``POST /item/{id}/claim`` sets ``in_review``. It only checked the version, so a reviewer
who replays the claim form with the current version (it is on every item page) turns a
decided item back into an open one: the verdict leaves the export and the retraining
data, and the previous note rode along into the new state.
"""

from __future__ import annotations

from index import review as store
from tests.security.desk import Visitor
from tinradar.schema import ReviewStatus


def _claim_form(visitor: Visitor, doc_id: str) -> dict[str, str]:
    """The claim form's fields at the item's current version (from the page's decide form)."""
    form = visitor.form(f"/item/{doc_id}", "decide-form")
    return {k: form[k] for k in ("csrf_token", "seq_no", "primary_term", "back")}


def test_claim_cannot_reopen_a_decided_item(desk, loaded, accounts, es_client, es_settings):
    doc = loaded["hi1"]
    with Visitor(desk) as lan, Visitor(desk) as minh:
        accounts.add("minh", "mat-khau-minh-4", "reviewer")
        assert lan.login("lan").status_code == 303 and minh.login("minh", "mat-khau-minh-4").status_code == 303
        verdict = lan.form(f"/item/{doc}", "decide-form", status="confirmed_false", note="Đã xác minh với Công an")
        assert lan.post(f"/item/{doc}/decide", data=verdict).status_code == 303
        for who in (minh, lan):  # a colleague, and the one who decided
            replay = who.post(f"/item/{doc}/claim", data=_claim_form(who, doc))
            assert replay.status_code == 409, replay.text[:300]
            assert "Sai sự thật" in replay.text
    item = store.get_item(es_client, es_settings, doc)
    assert (item.review.status, item.review.by) == (ReviewStatus.CONFIRMED_FALSE, "lan")
    assert [row.id for row in store.export_decisions(es_client, es_settings)] == [doc]


def test_claim_of_a_colleagues_claim_is_refused_and_notes_do_not_ride_along(
    desk, loaded, accounts, es_client, es_settings
):
    doc = loaded["mid1"]
    with Visitor(desk) as lan, Visitor(desk) as minh:
        accounts.add("minh", "mat-khau-minh-4", "reviewer")
        assert lan.login("lan").status_code == 303 and minh.login("minh", "mat-khau-minh-4").status_code == 303
        assert lan.post(f"/item/{doc}/claim", data=_claim_form(lan, doc)).status_code == 303
        assert lan.post(f"/item/{doc}/claim", data=_claim_form(lan, doc)).status_code == 303  # mine: fine again
        taken = minh.post(f"/item/{doc}/claim", data=_claim_form(minh, doc))
        assert taken.status_code == 409 and "<strong>lan</strong>" in taken.text
    item = store.get_item(es_client, es_settings, doc)
    assert (item.review.status, item.review.by, item.review.note) == (ReviewStatus.IN_REVIEW, "lan", None)
