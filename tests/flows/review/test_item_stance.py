"""The item page says how an item relates to each known claim it matched (real node, real HTTP):
a correction that quotes a myth to deny it must not read as "matches a known rumor" (#15, #21)."""

from __future__ import annotations

import re

from markupsafe import escape

from flows.review.presentation import STANCE_LABELS, STANCE_MARKS
from tests.flows.review import seed
from tests.flows.review.test_review_web import app, browser, clock, login, users  # noqa: F401  (fixtures)
from tinradar.schema import ClaimMatch, CueSpan, ScoredItem, Stance

CLAIM = "masks-cause-hypoxia"
MYTH = "Đeo khẩu trang lâu gây thiếu oxy"
#: The refuting words as the text writes them; markup characters must come out escaped.
PHRASE = 'là "tin giả" <không đúng> & vô căn cứ'
CORRECTION = f"UBND huyện Sơn Dương cải chính: thông tin «{MYTH.lower()}» {PHRASE}. Bà con yên tâm đeo khẩu trang."
REPOST = f"{MYTH}, ngộ độc CO2! Chia sẻ gấp cho người thân."
#: A question's words, as the claim finder carries them (its last clause with a question's words).
QUESTION = f"{MYTH} có đúng không mọi người"


def _with_match(it: ScoredItem, match: ClaimMatch, spans: list[CueSpan] | None = None) -> ScoredItem:
    analysis = it.analysis.model_copy(update={"matched_claims": [match], "cue_spans": spans or []})
    return it.model_copy(update={"analysis": analysis})


def _items() -> list[ScoredItem]:
    refuting = seed.item("refutes", risk=0.45, title="Cải chính tin đồn khẩu trang", text=CORRECTION)
    full = f"{refuting.document.title}\n\n{CORRECTION}"
    sentence = CORRECTION[: CORRECTION.index(". ") + 1]
    claim_span = CueSpan(
        kind="claim",
        label="câu nhắc tới tin đồn đã bị bác bỏ (để cải chính)",
        text=sentence,
        start=full.index(sentence),
        end=full.index(sentence) + len(sentence),
        weight=3.0,
    )
    refuting = _with_match(
        refuting,
        ClaimMatch(claim_id=CLAIM, similarity=0.71, stance=Stance.REFUTES, stance_phrase=PHRASE),
        [claim_span],
    )
    repeating = _with_match(
        seed.item("repeats", risk=0.9, text=REPOST), ClaimMatch(claim_id=CLAIM, similarity=0.88, stance=Stance.REPEATS)
    )
    asking = _with_match(
        seed.item("asks", risk=0.5, text=f"{MYTH} có đúng không mọi người?"),
        ClaimMatch(claim_id=CLAIM, similarity=0.8, stance=Stance.ASKS, stance_phrase=QUESTION),
    )
    # a refutation stored before the phrase was carried: the wording, no quote
    no_phrase = _with_match(
        seed.item("no-phrase", risk=0.3, text=CORRECTION),
        ClaimMatch(claim_id=CLAIM, similarity=0.7, stance=Stance.REFUTES),
    )
    old = seed.item("old", risk=0.9, text=REPOST, claim=CLAIM)  # its stance is removed from the stored copy below
    return [refuting, repeating, asking, no_phrase, old]


def _claims_box(page: str) -> str:
    return page[page.index('id="claims"') : page.index("<h2>Địa danh")]


def _item_text(page: str) -> str:
    start = page.index('id="item-text"')
    return page[start : page.index("</div>", start)]


def test_each_match_says_whether_the_item_repeats_refutes_or_asks(app, es_client, es_settings) -> None:  # noqa: F811
    ids = seed.load(es_client, es_settings, _items())
    lan = browser(app)
    assert login(lan, "lan").status_code == 303

    page = lan.get(f"/item/{ids['refutes']}").text
    box = _claims_box(page)
    assert "Liên quan đến tin đồn đã biết" in box and "Trùng với tin đồn đã biết" not in page
    assert str(escape(STANCE_LABELS["refutes"])) in box
    assert str(escape(STANCE_LABELS["repeats"])) not in box
    marked = f'<mark class="cue stance" title="{STANCE_MARKS["refutes"]}">{escape(PHRASE)}</mark>'
    assert f'<q class="stance-phrase">{marked}</q>' in box, "the refuting words are quoted, escaped"
    assert marked in _item_text(page), "the same words are marked where they stand in the text"
    # the claim sentence around them keeps its own mark, split around the refuting words
    assert _item_text(page).count('title="câu nhắc tới tin đồn đã bị bác bỏ (để cải chính)"') == 2
    assert "<không đúng>" not in page and '"tin giả"' not in page, "user text is never raw HTML"
    assert "Khẩu trang y tế và vải không gây thiếu oxy" in box, "the correction is still shown"

    box = _claims_box(lan.get(f"/item/{ids['repeats']}").text)
    assert str(escape(STANCE_LABELS["repeats"])) in box
    assert str(escape(STANCE_LABELS["refutes"])) not in box and "stance-phrase" not in box

    page = lan.get(f"/item/{ids['asks']}").text
    box = _claims_box(page)
    assert str(escape(STANCE_LABELS["asks"])) in box and str(escape(STANCE_LABELS["repeats"])) not in box
    asked = f'<mark class="cue stance" title="{STANCE_MARKS["asks"]}">{escape(QUESTION)}</mark>'
    assert f'<q class="stance-phrase">{asked}</q>' in box, "a question is quoted"
    assert "có đúng là câu hỏi về tin đồn" in box and "có đúng là bác bỏ" not in box
    assert asked in _item_text(page), "and marked where it stands in the text"

    # the queue rows say it too, in short
    rows = {
        m.group(1): m.group(2)
        for m in re.finditer(r'<tr data-id="([^"]+)">(.*?)</tr>', lan.get("/?status=all").text, re.S)
    }
    assert 'class="tag claim stance-refutes"' in rows[ids["refutes"]] and "có vẻ bác bỏ:" in rows[ids["refutes"]]
    assert 'class="tag claim stance-repeats"' in rows[ids["repeats"]] and "có vẻ bác bỏ" not in rows[ids["repeats"]]
    assert "có vẻ hỏi:" in rows[ids["asks"]]

    page = lan.get(f"/item/{ids['no-phrase']}").text
    assert str(escape(STANCE_LABELS["refutes"])) in _claims_box(page)
    assert "stance-phrase" not in page and 'class="cue stance"' not in page


def test_a_document_stored_before_stances_still_renders(app, es_client, es_settings) -> None:  # noqa: F811
    ids = seed.load(es_client, es_settings, _items())
    index = es_client.search(index=f"{es_settings.es_index_prefix}-*", query={"ids": {"values": [ids["old"]]}})
    stored = index["hits"]["hits"][0]
    source = es_client.get(index=stored["_index"], id=ids["old"])["_source"]
    for match in source["matched_claims"]:  # as written before stances (no painless on the test node)
        match.pop("stance", None)
        match.pop("stance_phrase", None)
    es_client.index(index=stored["_index"], id=ids["old"], document=source, refresh=True)
    raw = es_client.get(index=stored["_index"], id=ids["old"])["_source"]["matched_claims"]
    assert raw == [{"claim_id": CLAIM, "similarity": 0.82}], "the stored copy is an old one"

    lan = browser(app)
    login(lan, "lan")
    response = lan.get(f"/item/{ids['old']}")
    assert response.status_code == 200
    box = _claims_box(response.text)
    assert str(escape(STANCE_LABELS["unknown"])) in box, "an old match does not claim to repeat the rumor"
    assert str(escape(STANCE_LABELS["repeats"])) not in box
    assert re.search(r"Tin đồn:</strong> Đeo khẩu trang lâu gây thiếu oxy", box)
