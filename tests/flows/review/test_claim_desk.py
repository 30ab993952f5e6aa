"""From the desk to the registry over HTTP (real node): the "chưa có trong danh mục" filter, a
reviewer's proposal prefilled from the item, an admin's audited approval, a recorded correction."""

from __future__ import annotations

import html

import httpx

from flows.claims import run_claims
from index import audit_chain
from index.claims import ClaimStatus, get_claim
from index.claims import seed as seed_registry
from index.review import audit_index, claim_history
from tests.flows.review import seed
from tests.flows.review.test_review_web import app, browser, clock, hidden, login, users  # noqa: F401  (fixtures)

GUAVA = "Uống nước lá ổi đun sôi ba lần một ngày chữa khỏi COVID-19. Chia sẻ gấp cho người thân!"


def _items():  # type: ignore[no-untyped-def]
    return [
        seed.item("oi1", risk=0.8, text=GUAVA, cluster="c-oi", hours=1),
        seed.item("oi2", risk=0.7, text=GUAVA + " !!", cluster="c-oi", hours=2),
        seed.item("known", risk=0.9, text="Tỏi sống chữa khỏi COVID", claim="cure-garlic-saltwater", cluster="c-toi"),
        seed.item("alone", risk=0.8, text="Một bài không lặp lại"),
    ]


def test_propose_approve_and_record_a_correction(app, es_client, es_settings) -> None:  # noqa: F811
    ids = seed.load(es_client, es_settings, _items())
    seed_registry(es_client, es_settings, run_claims(es_settings).claims[:1])
    lan = browser(app)
    assert login(lan, "lan").status_code == 303

    # the filter shows the reposts that match no known claim, and nothing else
    listed = lan.get("/?unlisted=1").text
    assert ids["oi1"] in listed and ids["oi2"] in listed
    assert ids["known"] not in listed and ids["alone"] not in listed
    assert 'id="f-unlisted" checked' in listed

    # the item page offers a proposal, prefilled from the item's first sentence
    page = lan.get(f"/item/{ids['oi1']}").text
    assert 'id="propose-form"' in page
    assert "Uống nước lá ổi đun sôi ba lần một ngày chữa khỏi COVID-19.</textarea>" in html.unescape(page)
    assert 'value="uong-nuoc-la-oi-dun-soi"' in page
    token = hidden(page, "propose-form")["csrf_token"]
    form = {
        "csrf_token": token,
        "id": "guava-leaf-water-cure",
        "claim": "Uống nước lá ổi đun sôi chữa khỏi COVID-19.",
        "category": "",
        "correction": "Nước lá ổi không chữa được COVID-19.",
        "debunked_by": "Trung tâm Y tế huyện",
        "whole_cluster": "1",
    }
    refused = lan.post(f"/item/{ids['oi1']}/propose", data=form)
    assert refused.status_code == 400 and "Hãy điền đủ nhóm" in html.unescape(refused.text)
    assert "Nước lá ổi không chữa được COVID-19." in html.unescape(refused.text)  # what was typed is kept
    sent = lan.post(f"/item/{ids['oi1']}/propose", data={**form, "category": "cure"})
    assert sent.status_code == 303 and sent.headers["location"] == "/claims"
    proposal = get_claim(es_client, es_settings, "guava-leaf-water-cure")
    assert proposal is not None and proposal.status == ClaimStatus.PROPOSED and proposal.proposed_from == "c-oi"
    assert "guava-leaf-water-cure" not in {c.id for c in run_claims(es_settings).claims}  # not matched yet

    # a reviewer cannot approve; an admin can, and both steps are in the audit chain
    claims_page = lan.get("/claims").text
    assert 'id="proposal-guava-leaf-water-cure"' in claims_page and 'id="approve-guava' not in claims_page
    assert lan.post("/claims/guava-leaf-water-cure/approve", data={"csrf_token": token}).status_code == 403
    quan = browser(app)
    login(quan, "quan")
    admin_page = quan.get("/claims").text
    assert 'id="approve-guava-leaf-water-cure"' in admin_page
    approved = quan.post("/claims/guava-leaf-water-cure/approve", data=hidden(admin_page, "proposals"))
    assert approved.status_code == 303
    assert "Đã duyệt «Uống nước lá ổi đun sôi chữa khỏi COVID-19.» (guava-leaf-water-cure): lượt chạy sau" in (
        html.unescape(quan.get(approved.headers["location"]).text)
    )
    assert get_claim(es_client, es_settings, "guava-leaf-water-cure").status == ClaimStatus.ACTIVE  # type: ignore[union-attr]
    history = claim_history(es_client, es_settings, "guava-leaf-water-cure")
    assert [(h.action, h.by) for h in history] == [("propose", "lan"), ("approve", "quan")]
    records = es_client.search(index=audit_index(es_settings), size=200)["hits"]["hits"]
    assert audit_chain.check((h["_id"], h["_source"]) for h in records).intact
    assert "guava-leaf-water-cure" in {c.id for c in run_claims(es_settings).claims}  # the next run matches it

    # the reviewer records the board's answer
    page = lan.get("/claims").text

    def correct(url: str, channel: str, published_at: str) -> httpx.Response:
        form = {"csrf_token": hidden(page)["csrf_token"], "url": url, "channel": channel, "published_at": published_at}
        return lan.post("/claims/guava-leaf-water-cure/correction", data=form)

    done = correct("https://sonduong.example/cai-chinh-la-oi", "loudspeaker", "2021-08-07T08:00")
    assert done.status_code == 303
    # the message names the claim by its words, not by its id alone
    assert (
        "Đã ghi cải chính cho «Uống nước lá ổi đun sôi chữa khỏi COVID-19.» (guava-leaf-water-cure) "
        "(Bản tin loa truyền thanh)." in html.unescape(lan.get(done.headers["location"]).text)
    )
    record = get_claim(es_client, es_settings, "guava-leaf-water-cure")
    assert record is not None and [c.channel.value for c in record.corrections] == ["loudspeaker"]
    assert record.corrections[0].published_at.isoformat() == "2021-08-07T08:00:00+07:00"
    shown = lan.get("/claims").text
    assert "Bản tin loa truyền thanh, 08:00 07/08/2021" in shown
    bad = correct("javascript:alert(1)", "portal", "x")
    assert bad.status_code == 303 and len(get_claim(es_client, es_settings, "guava-leaf-water-cure").corrections) == 1  # type: ignore[union-attr]
    # a mistyped year is refused with a message: it would have made the claim "answered" early
    future = correct("https://sonduong.example/cai-chinh-2", "portal", "2099-08-07T08:00")
    assert future.status_code == 303
    assert "Chưa lưu cải chính: thời điểm đăng ở tương lai" in html.unescape(lan.get("/claims").text)
    assert len(get_claim(es_client, es_settings, "guava-leaf-water-cure").corrections) == 1  # type: ignore[union-attr]


def test_an_item_that_matched_a_claim_offers_no_proposal(app, es_client, es_settings) -> None:  # noqa: F811
    ids = seed.load(es_client, es_settings, _items())
    lan = browser(app)
    login(lan, "lan")
    assert 'id="propose-form"' not in lan.get(f"/item/{ids['known']}").text


def test_a_proposal_refused_for_its_id_or_debunker_says_so_in_the_forms_words(app, es_client, es_settings) -> None:  # noqa: F811
    """A reviewer who typed the id as words, or cleared *Cơ quan bác bỏ*, read pydantic's English:
    "field 'id' = 'Lá Ổi': claim id …: use lower-case words joined by '-'; field 'debunked_by' = []:
    List should have at least 1 item after validation, not 0". Now the form's own labels, in Vietnamese,
    with an id that would do; nothing is proposed and what was typed is kept."""
    ids = seed.load(es_client, es_settings, _items())
    lan = browser(app)
    assert login(lan, "lan").status_code == 303
    page = lan.get(f"/item/{ids['oi1']}").text
    form = {
        "csrf_token": hidden(page, "propose-form")["csrf_token"],
        "id": "Lá Ổi chữa COVID",
        "claim": "Uống nước lá ổi đun sôi chữa khỏi COVID-19.",
        "category": "cure",
        "correction": "Nước lá ổi không chữa được COVID-19.",
        "debunked_by": " , ",
    }
    refused = lan.post(f"/item/{ids['oi1']}/propose", data=form)
    assert refused.status_code == 400
    said = html.unescape(refused.text.split('id="propose-error">')[1].split("</p>")[0])
    assert said == (
        "Hãy điền đủ cơ quan bác bỏ. Mã «Lá Ổi chữa COVID» chưa dùng được: chỉ gồm chữ thường không dấu và số, "
        "nối các từ bằng '-' (ví dụ: la-oi-chua-covid)."
    )
    assert "field '" not in said and "lower-case" not in said
    assert 'value="Lá Ổi chữa COVID"' in html.unescape(refused.text)  # what was typed is kept
    assert get_claim(es_client, es_settings, "la-oi-chua-covid") is None

    bad_id = lan.post(f"/item/{ids['oi1']}/propose", data={**form, "debunked_by": "Trung tâm Y tế huyện"})
    assert bad_id.status_code == 400 and "Hãy điền đủ" not in html.unescape(bad_id.text)
    sent = lan.post(
        f"/item/{ids['oi1']}/propose", data={**form, "id": "la-oi-chua-covid", "debunked_by": "Trung tâm Y tế huyện"}
    )
    assert sent.status_code == 303


def test_a_refused_correction_keeps_what_the_reviewer_typed(app, es_client, es_settings) -> None:  # noqa: F811
    """A correction refused for one bad value (a date in 2099, an address without http://) came back
    as an empty form: the reviewer typed the article's address again. What was typed is kept, in
    that claim's form only, and only for the page that says why."""
    [claim] = run_claims(es_settings).claims[:1]
    seed_registry(es_client, es_settings, [claim])
    lan = browser(app)
    assert login(lan, "lan").status_code == 303
    token = hidden(lan.get("/claims").text)["csrf_token"]
    typed = {"url": "https://sonduong.example/cai-chinh?so=2&loai=loa", "channel": "loudspeaker"}
    form = {"csrf_token": token, **typed, "published_at": "2099-08-07T08:00"}
    refused = lan.post(f"/claims/{claim.id}/correction", data=form)
    assert refused.status_code == 303
    page = html.unescape(lan.get(refused.headers["location"]).text)
    assert "Chưa lưu cải chính: thời điểm đăng ở tương lai" in page
    the_form = page[page.index(f'action="/claims/{claim.id}/correction"') :]
    the_form = the_form[: the_form.index("</form>")]
    assert f'id="corr-url-{claim.id}" value="{typed["url"]}"' in the_form
    assert 'value="loudspeaker" selected' in the_form and 'value="2099-08-07T08:00"' in the_form
    assert typed["url"] not in html.unescape(lan.get("/claims").text)  # kept for that one page, not for good

    no_scheme = {**form, "url": "sonduong.example/cai-chinh", "published_at": "2021-08-07T08:00"}
    lan.post(f"/claims/{claim.id}/correction", data=no_scheme)
    page = html.unescape(lan.get("/claims").text)
    assert "cần địa chỉ bài cải chính" in page and 'value="sonduong.example/cai-chinh"' in page
    assert get_claim(es_client, es_settings, claim.id).corrections == []  # type: ignore[union-attr]
