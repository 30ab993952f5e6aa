"""Reviewers record which registry claims an item repeats (real HTTP, real node): approved claims
only, never pre-filled, audited first, checked by ``audit verify``, kept by re-analysis, exported."""

from __future__ import annotations

import copy
import html
import json
import re

import httpx
import pytest
from typer.testing import CliRunner

from flows.claims import shipped_claims
from flows.cli import app as cli_app
from flows.review.retrain import read_reviews, rumor_rows, tone_rows
from flows.review.users import Role
from index import review as store
from index.audit_verify import verify
from index.claims import ClaimStatus, add_claim, retire_claim
from index.claims import seed as seed_registry
from index.review.audit import AUDIT_MAPPING
from tests.flows.review import seed
from tests.flows.review.test_review_tone import desk, session  # noqa: F401 (fixture)
from tests.flows.review.test_review_web import clock, hidden, loaded, users  # noqa: F401 (fixtures)
from tests.security.desk import cli_env
from tinradar.schema import Claim, ClaimMatch, ReviewStatus, Sentiment

HELI = "helicopter-disinfectant-spraying"  # what the machine matched on hi1 and hi2
LOCKDOWN = "son-duong-total-lockdown-hoax"
PROPOSED = "guava-leaf-water-cure"  # waiting for an admin: not a claim a reading may name
RETIRED = "hair-dryer-kills-virus"
NONE_LABEL = "Không lặp lại tin đồn nào trong danh mục"
TICKED = re.compile(r'<input type="checkbox" name="(claim|none)" value="([^"]+)" id="reading-[^"]+" checked>')
LISTED = re.compile(r'<input type="checkbox" name="claim" value="([^"]+)"')


@pytest.fixture
def registry(es_client, es_settings) -> set[str]:
    """The shipped registry, plus one proposal and one retired claim; returns the approved ids."""
    seed_registry(es_client, es_settings, shipped_claims(es_settings))
    guava = Claim(
        id=PROPOSED,
        claim="Uống nước lá ổi đun sôi chữa khỏi COVID-19.",
        category="cure",
        correction="Nước lá ổi không chữa được COVID-19.",
        debunked_by=["Trung tâm Y tế huyện"],
    )
    add_claim(es_client, es_settings, guava, by="lan", origin="desk", status=ClaimStatus.PROPOSED)
    retire_claim(es_client, es_settings, RETIRED, by="quan")
    return store.approved_claim_ids(es_client, es_settings)


def reading_form(client: httpx.Client, doc_id: str) -> dict[str, str]:
    page = client.get(f"/item/{doc_id}")
    assert page.status_code == 200
    return hidden(page.text, "claims-form")


def claims_form_html(page: str) -> str:
    start = page.index('id="claims-form"')
    return page[start : page.index("</form>", start)]


def save(client: httpx.Client, doc_id: str, ids: list[str], none: bool = False, **fields: str) -> httpx.Response:
    data: dict[str, str | list[str]] = {**reading_form(client, doc_id), **fields, "claim": ids}
    if none:
        data["none"] = "1"
    return client.post(f"/item/{doc_id}/claims", data=data)


def test_the_form_lists_approved_claims_by_category_and_is_never_prefilled(desk, loaded, registry):  # noqa: F811
    assert HELI in registry and PROPOSED not in registry and RETIRED not in registry
    lan = session(desk, "lan")
    page = lan.get(f"/item/{loaded['hi1']}").text
    assert "Tin này lặp lại tin đồn nào trong danh mục?" in page
    form = claims_form_html(page)
    assert set(LISTED.findall(form)) == registry, "every approved claim, and only those"
    assert TICKED.findall(form) == [], "nothing ticked: not even the claim the machine matched"
    assert f'id="reading-{HELI}"' in form and f"({HELI})" in page  # the machine's match is listed elsewhere too
    for legend in ("Chữa bệnh", "Vắc xin", "Lừa đảo", "Chính sách, phòng dịch"):
        assert f"<legend>{legend}</legend>" in form
    # grouped: each claim sits under its own category's legend
    vaccine = form[form.index("<legend>Vắc xin</legend>") :]
    vaccine = vaccine[: vaccine.index("</fieldset>")]
    assert 'value="vaccine-microchip"' in vaccine and f'value="{HELI}"' not in vaccine
    assert 'value="cure-garlic-saltwater"' not in vaccine
    assert f"<strong>{NONE_LABEL}</strong>" in form and 'name="none" value="1"' in form
    # The analyst (read only) has no form.
    analyst = session(desk, "an")
    read_only = analyst.get(f"/item/{loaded['hi1']}").text
    assert 'id="claims-form"' not in read_only and "Chưa có người duyệt ghi." in read_only


def test_no_registry_no_form(desk, loaded):  # noqa: F811
    page = session(desk, "lan").get(f"/item/{loaded['hi1']}").text
    assert 'id="claims-form"' not in page and 'id="no-registry"' in page


def test_a_reading_is_audited_first_kept_by_verdicts_and_shown(desk, es_client, es_settings, loaded, registry):  # noqa: F811
    lan = session(desk, "lan")
    # The record comes first: with the audit trail unwritable, nothing is written.
    store.ensure_audit_index(es_client, es_settings)
    audit = store.audit_index(es_settings)
    es_client.indices.put_settings(index=audit, settings={"index.blocks.write": True})
    try:
        refused = save(lan, loaded["hi1"], [HELI])
        assert refused.status_code == 503 and "chưa được lưu" in refused.text
    finally:
        es_client.indices.put_settings(index=audit, settings={"index.blocks.write": False})
    assert store.get_item(es_client, es_settings, loaded["hi1"]).review.claims is None

    saved = save(lan, loaded["hi1"], [LOCKDOWN, HELI, HELI], whole_cluster="1")
    assert saved.status_code == 303 and saved.headers["location"].startswith(f"/item/{loaded['hi1']}")
    shown = lan.get(saved.headers["location"]).text
    # the claims by their words (ids only to tell them apart), as the reviewer ticked them
    texts = {c.id: c.claim for c in shipped_claims(es_settings)}
    assert (
        f"Đã lưu tin đồn lặp lại: «{texts[HELI]}» ({HELI}), «{texts[LOCKDOWN]}» ({LOCKDOWN}) "
        "(kết luận và giọng điệu giữ nguyên)." in html.unescape(shown)
    )
    review = store.get_item(es_client, es_settings, loaded["hi1"]).review
    assert review.claims is not None and (review.claims.ids, review.claims.by) == ([HELI, LOCKDOWN], "lan")
    assert review.status is ReviewStatus.NEW and review.tone is None, "the verdict and the tone are left alone"
    # Only this item: its near-copy in the cluster has no reading.
    assert store.get_item(es_client, es_settings, loaded["hi2"]).review.claims is None
    trail = store.audit_trail(es_client, es_settings, loaded["hi1"])
    assert [(t.outcome, t.by) for t in trail] == [("applied", "lan")]
    assert trail[0].after.claims == review.claims and trail[0].before.claims is None
    assert verify(es_client, es_settings).intact

    # Shown with who and when, in the history, and still not ticked in the form.
    assert re.search(r"Đã ghi:.*\(" + HELI + r"\).*\(" + LOCKDOWN + r"\)</small>\s*— lan,", shown, re.S)
    # the history names the claims by their words too (the ids alone told a reviewer nothing)
    words = {c.id: c.claim for c in shipped_claims(es_settings)}
    seen = " ".join(re.sub(r"<[^>]+>", "", html.unescape(shown)).split())
    assert f"tin đồn lặp lại «{words[HELI]}» ({HELI}); «{words[LOCKDOWN]}» ({LOCKDOWN})" in seen
    assert (
        "lan: kết luận giữ nguyên «Chưa xem xét» · tin đồn lặp lại" in seen
        and "Chưa xem xét → Chưa xem xét" not in seen
    )
    assert TICKED.findall(claims_form_html(shown)) == []

    # A verdict saved later (with a tone) keeps the reading; so does the cluster's verdict.
    decide = {**hidden(shown, "decide-form"), "status": "confirmed_false", "tone": "neg", "whole_cluster": "1"}
    assert lan.post(f"/item/{loaded['hi1']}/decide", data=decide).status_code == 303
    after = store.get_item(es_client, es_settings, loaded["hi1"]).review
    assert after.status is ReviewStatus.CONFIRMED_FALSE and after.claims == review.claims
    assert store.get_item(es_client, es_settings, loaded["hi2"]).review.claims is None
    assert verify(es_client, es_settings).intact


def test_none_is_recorded_as_empty_and_exported(desk, es_client, es_settings, loaded, registry, tmp_path):  # noqa: F811
    lan = session(desk, "lan")
    assert save(lan, loaded["mid2"], [], none=True).status_code == 303
    assert save(lan, loaded["hi1"], [HELI]).status_code == 303
    reading = store.get_item(es_client, es_settings, loaded["mid2"]).review.claims
    assert reading is not None and reading.ids == [] and reading.by == "lan"
    page = lan.get(f"/item/{loaded['mid2']}").text
    assert re.search(rf'id="recorded-claims">Đã ghi:\s*«{NONE_LABEL}»\s*— lan,', page)
    # a verdict and a tone elsewhere, without a reading
    lan.post(f"/item/{loaded['low1']}/tone", data={**reading_form(lan, loaded["low1"]), "tone": "pos"})
    assert store.get_item(es_client, es_settings, loaded["low1"]).review.tone is not None

    rows = {r.id: r for r in store.export_decisions(es_client, es_settings)}
    assert (rows[loaded["mid2"]].claims, rows[loaded["mid2"]].claims_at) == ([], reading.at)
    assert rows[loaded["mid2"]].label is None and rows[loaded["mid2"]].tone is None
    assert rows[loaded["hi1"]].claims == [HELI] and rows[loaded["hi1"]].label is None
    assert rows[loaded["low1"]].claims is None and rows[loaded["low1"]].claims_at is None
    # The file `tinradar review export` writes carries them, and the trainers of rumor and tone skip them.
    env = cli_env(es_settings)
    out = tmp_path / "reviews.jsonl"
    result = CliRunner().invoke(cli_app, ["review", "export", "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    assert "Đã xuất 3 bài" in result.output and "tin đồn đã biết: 2 bài (1 không lặp lại tin đồn nào)" in result.output
    lines = {r["id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert lines[loaded["mid2"]]["claims"] == [] and lines[loaded["mid2"]]["claims_at"]
    assert lines[loaded["hi1"]]["claims"] == [HELI] and lines[loaded["low1"]]["claims"] is None
    back = read_reviews(out)
    assert rumor_rows(back) == []
    assert [t.id for t in tone_rows(back)] == [loaded["low1"]]


def test_wrong_readings_are_refused_with_a_message(desk, es_client, es_settings, loaded, registry):  # noqa: F811
    lan = session(desk, "lan")
    doc = loaded["hi3"]
    nothing = save(lan, doc, [])
    assert nothing.status_code == 400
    assert f"Hãy đánh dấu tin đồn mà bài này lặp lại, hoặc chọn «{NONE_LABEL}»." in html.unescape(nothing.text)
    both = save(lan, doc, [HELI, LOCKDOWN], none=True)
    assert both.status_code == 400 and "trái nhau" in both.text and "2 tin đồn" in both.text
    assert sorted(TICKED.findall(claims_form_html(both.text))) == sorted(
        [("claim", HELI), ("claim", LOCKDOWN), ("none", "1")]
    ), "the reviewer's own choice comes back ticked"
    for wrong in ("khong-co-that", PROPOSED, RETIRED, "<b>x</b>"):
        refused = save(lan, doc, [HELI, wrong])
        assert refused.status_code == 400, wrong
        # a proposal or a retired claim is named by its words, an unknown id as it was sent
        said = html.unescape(refused.text)
        assert f"«{wrong}» không phải tin đồn đã duyệt" in said or f"» ({wrong}) không phải tin đồn đã duyệt" in said
    guava = html.unescape(save(lan, doc, [PROPOSED]).text)
    assert f"«Uống nước lá ổi đun sôi chữa khỏi COVID-19.» ({PROPOSED}) không phải tin đồn đã duyệt" in guava
    missing = lan.post(f"/item/{doc}/claims", data={**reading_form(lan, doc), "seq_no": "", "claim": [HELI]})
    assert missing.status_code == 400 and "thiếu phiên bản" in missing.text
    assert store.get_item(es_client, es_settings, doc).review.claims is None
    assert store.audit_trail(es_client, es_settings, doc) == [], "a refused reading writes no record either"
    # The store refuses the same way, whoever calls it.
    item = store.get_item(es_client, es_settings, doc)
    with pytest.raises(store.UnknownClaims) as refused_ids:
        store.record_claims(
            es_client, es_settings, doc, ids=[PROPOSED, HELI], by="lan", seq_no=item.seq_no,
            primary_term=item.primary_term,
        )  # fmt: skip
    assert refused_ids.value.ids == [PROPOSED]
    assert store.get_item(es_client, es_settings, doc).review.claims is None


def test_a_stale_reading_is_not_saved(desk, users, es_client, es_settings, loaded, registry):  # noqa: F811
    users.add("minh", "mat-khau-minh-4", Role.REVIEWER)
    lan, minh = session(desk, "lan"), session(desk, "minh", "mat-khau-minh-4")
    stale = {**reading_form(minh, loaded["hi2"]), "claim": [HELI]}
    assert save(lan, loaded["hi2"], [LOCKDOWN]).status_code == 303
    clash = minh.post(f"/item/{loaded['hi2']}/claims", data=stale)
    assert clash.status_code == 409
    assert "Các tin đồn bạn đánh dấu" in clash.text and "chưa được lưu" in clash.text
    lockdown = next(c.claim for c in shipped_claims(es_settings) if c.id == LOCKDOWN)
    seen = " ".join(re.sub(r"<[^>]+>", "", html.unescape(clash.text)).split())
    assert f"Tin đồn lặp lại đã ghi: «{lockdown}» ({LOCKDOWN}) — lan" in seen
    # lan gave no verdict: the page does not say she "recorded the verdict «Chưa xem xét»"
    assert "vừa được người khác cập nhật" in seen and "bài này đã được ghi thêm thông tin (chưa có kết luận)" in seen
    assert "đã ghi kết luận" not in seen
    assert TICKED.findall(claims_form_html(clash.text)) == [("claim", HELI)], "kept for the retry"
    review = store.get_item(es_client, es_settings, loaded["hi2"]).review
    assert review.claims is not None and (review.claims.ids, review.claims.by) == ([LOCKDOWN], "lan")
    assert store.audit_trail(es_client, es_settings, loaded["hi2"])[0].outcome == "conflict"
    # The conflict page carries the new version: sent again, it replaces the reading.
    retry = {**hidden(clash.text, "claims-form"), "claim": [HELI]}
    assert minh.post(f"/item/{loaded['hi2']}/claims", data=retry).status_code == 303
    review = store.get_item(es_client, es_settings, loaded["hi2"]).review
    assert (review.claims.ids, review.claims.by) == ([HELI], "minh")
    assert verify(es_client, es_settings).intact


def test_a_reading_needs_the_csrf_token_and_a_reviewer(desk, es_client, es_settings, loaded, registry):  # noqa: F811
    lan = session(desk, "lan")
    data = {**reading_form(lan, loaded["hi3"]), "claim": [HELI]}
    assert lan.post(f"/item/{loaded['hi3']}/claims", data={**data, "csrf_token": "x" * 20}).status_code == 403
    analyst = session(desk, "an")
    token = hidden(analyst.get(f"/item/{loaded['hi3']}").text)["csrf_token"]
    assert analyst.post(f"/item/{loaded['hi3']}/claims", data={**data, "csrf_token": token}).status_code == 403
    assert store.get_item(es_client, es_settings, loaded["hi3"]).review.claims is None
    assert store.audit_trail(es_client, es_settings, loaded["hi3"]) == []


def test_reanalysis_keeps_the_reading_and_verify_checks_readings(desk, es_client, es_settings, loaded, registry):  # noqa: F811
    lan = session(desk, "lan")
    assert save(lan, loaded["mid1"], [], none=True).status_code == 303
    # The pipeline scores the item again (new risk, new tone, another matched claim) and re-indexes it.
    items = [it for it in seed.standard_items() if it.document.id == loaded["mid1"]]
    items[0].analysis.rumor_risk = 0.3
    items[0].analysis.sentiment = Sentiment.POS
    items[0].analysis.matched_claims = [ClaimMatch(claim_id=HELI, similarity=0.7)]
    seed.load(es_client, es_settings, items)
    item = store.get_item(es_client, es_settings, loaded["mid1"])
    assert item.doc.rumor_risk == 0.3 and item.doc.claim_ids == [HELI]
    assert item.review.claims is not None and (item.review.claims.ids, item.review.claims.by) == ([], "lan")
    assert verify(es_client, es_settings).intact

    # A reading changed around the desk, straight into Elasticsearch, has no record ...
    changed = item.review.claims.model_dump(mode="json") | {"ids": [HELI]}
    es_client.update(index=item.index, id=item.id, doc={"review": {"claims": changed}}, refresh=True)
    report = verify(es_client, es_settings)
    assert not report.intact and any(f"tin đồn lặp lại «{HELI}» của lan" in p for p in report.problems)
    # ... nor has one written on a document nobody reviewed (no status, no tone).
    low = store.get_item(es_client, es_settings, loaded["low1"])
    assert low.review.claims is None and low.doc.review is None
    forged = {"ids": [], "by": "ai-do", "at": "2021-08-21T00:00:00+00:00"}
    es_client.update(index=low.index, id=low.id, doc={"review": {"claims": forged}}, refresh=True)
    report = verify(es_client, es_settings)
    assert any(f"tin đồn lặp lại «{NONE_LABEL.lower()}» của ai-do" in p for p in report.problems), report.problems


def test_an_audit_index_made_before_readings_takes_them(es_client, es_settings, registry):
    """`review audit init` (and `review serve`) give an older, strict audit index the new fields."""
    ids = seed.load(es_client, es_settings, seed.standard_items())
    old = copy.deepcopy(AUDIT_MAPPING)
    for part in ("before", "after", "current"):
        state = old["properties"][part]["properties"]
        old["properties"][part] = {"properties": {k: v for k, v in state.items() if k != "claims"}}
    audit = store.audit_index(es_settings)
    # the registry's seeding made it, and its template, with the new mapping
    es_client.indices.delete(index=audit)
    es_client.indices.delete_index_template(name=audit)
    es_client.indices.create(index=audit, mappings=old)
    item = store.get_item(es_client, es_settings, ids["hi1"])
    with pytest.raises(Exception, match="audit record not written"):
        store.record_claims(
            es_client, es_settings, item.id, ids=[HELI], by="lan", seq_no=item.seq_no, primary_term=item.primary_term
        )
    assert store.get_item(es_client, es_settings, ids["hi1"]).review.claims is None
    store.ensure_audit_index(es_client, es_settings)
    done = store.record_claims(
        es_client, es_settings, item.id, ids=[HELI], by="lan", seq_no=item.seq_no, primary_term=item.primary_term
    )
    assert done.applied and store.get_item(es_client, es_settings, ids["hi1"]).review.claims.ids == [HELI]
