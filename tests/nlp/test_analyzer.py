"""The analyzer end to end, on the fixture site's rumor posts and official notices."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

from tests.nlp.conftest import make_doc
from tinradar.schema import Kind, NoteCode, RiskLevel, Sentiment

OFFICIAL_PAGES = {"Trung tâm Y tế huyện Sơn Dương"}


def _rumors_and_notices(content: dict[str, Any]) -> tuple[list[str], list[tuple[str, str]]]:
    """Rumor posts (Facebook posts of dubious pages/groups that plant a claim) and official notices."""
    rumors = [
        p["message"]
        for p in content["facebook"]
        if p["page"] in {"Sống Khỏe Mỗi Ngày", "Hội Những Người Yêu Sơn Dương"}
    ]
    rumors += [p["title"] + "\n\n" + "\n".join(p["paras"]) for p in content["tinsoc"]]
    notices = [(p["title"], "\n".join(p["paras"])) for p in content["sonduong"] if "tin giả" not in p["title"].lower()]
    notices += [("", p["message"]) for p in content["facebook"] if p["page"] in OFFICIAL_PAGES]
    return rumors, notices


def test_fixture_rumors_score_above_official_notices(analyzer, site_content) -> None:  # type: ignore[no-untyped-def]
    rumors, notices = _rumors_and_notices(site_content)
    assert len(rumors) >= 6 and len(notices) >= 6
    docs = [make_doc(t, f"rumor-{i:04d}") for i, t in enumerate(rumors)]
    docs += [make_doc(text, f"notice-{i:04d}", title=title, kind=Kind.NEWS) for i, (title, text) in enumerate(notices)]
    out = analyzer.analyze(docs)
    r_scores = [a.rumor_risk for a in out[: len(rumors)]]
    n_scores = [a.rumor_risk for a in out[len(rumors) :]]
    assert min(r_scores) > max(n_scores), (r_scores, n_scores)
    assert all(a.risk_level is RiskLevel.HIGH for a in out[: len(rumors)])
    # every rumor flag explains itself: a matched known claim and a cue naming it
    for a in out[: len(rumors)]:
        assert a.matched_claims and any("tin đồn đã bị bác bỏ" in c for c in a.cues)


def test_directive_is_low_risk_covid_and_local(analyzer, directive_text) -> None:  # type: ignore[no-untyped-def]
    doc = make_doc(directive_text, "directive-632", kind=Kind.NEWS)
    [a] = analyzer.analyze([doc])
    assert a.risk_level is RiskLevel.LOW
    assert a.covid and a.covid_proba >= 0.9
    places = {(loc.province_code, loc.district_code) for loc in a.locations}
    assert ("08", None) in places and ("08", "076") in places  # Tuyên Quang, Sơn Dương
    assert a.matched_claims == []
    assert a.language == "vi"


def test_debunking_article_is_not_treated_as_the_rumor(analyzer, site_content) -> None:  # type: ignore[no-untyped-def]
    article = next(p for p in site_content["sonduong"] if "cải chính" in p["title"].lower())
    rumor = next(p for p in site_content["facebook"] if p["message"].startswith("son duong phong toa"))
    a_art, a_rumor = analyzer.analyze(
        [
            make_doc("\n".join(article["paras"]), "debunk-0001", title=article["title"], kind=Kind.NEWS),
            make_doc(rumor["message"], "rumor-x-0001"),
        ]
    )
    assert a_art.rumor_risk < a_rumor.rumor_risk
    assert any("cải chính" in c for c in a_art.cues)


def test_style_cues_in_plain_vietnamese(analyzer) -> None:  # type: ignore[no-untyped-def]
    text = "KHẨN CẤP!!! Tối nay trực thăng phun thuốc khử trùng diệt virus, đóng cửa, không ra đường!!! Chia sẻ gấp cho mọi người, gọi 0912345678"
    [a] = analyzer.analyze([make_doc(text, "cues-00001", shares=5000, likes=100)])
    assert a.risk_level is RiskLevel.HIGH
    # at most three text cues, each a phrase the reviewer finds in the text, strongest first
    text_cues = [c for c in a.cue_spans if c.kind != "claim"]  # the matched claim's sentence comes on top
    assert 1 <= len(text_cues) <= 3
    assert "kêu gọi chia sẻ gấp: “Chia sẻ gấp”" in a.cues
    assert {c.kind for c in a.cue_spans} >= {"chain_share"}
    for cue in a.cue_spans:
        assert text[cue.start : cue.end] == cue.text
    assert [c.weight for c in a.cue_spans] == sorted((c.weight for c in a.cue_spans), reverse=True)
    # share counts and posting hours are model signals, not cues a reviewer can check in the text
    assert not any("lượt chia sẻ" in c for c in a.cues)


def test_bad_input_gets_notes_not_errors(analyzer, nlp_settings) -> None:  # type: ignore[no-untyped-def]
    huge = "Tiêm vắc xin phòng COVID-19 tại Sơn Dương. " * 30_000  # about 1.3 MB
    texts = [
        "",
        "https://bit.ly/3abcdef",
        "😷😷🙏",
        "The ministry said schools will reopen next week in the capital city",
        "Vieät Nam Ñaø Naüng thaønh phoá Hoà Chí Minh ñaõ coù",
        huge,
    ]
    docs = [make_doc(t, f"bad-{i:05d}") for i, t in enumerate(texts)]
    out = analyzer.analyze(docs)
    assert [a.doc_id for a in out] == [d.id for d in docs]
    codes = [[n.code for n in a.notes] for a in out]
    assert codes[0] == [NoteCode.EMPTY_TEXT]
    assert codes[1] == [NoteCode.NO_TEXT] and "link" in out[1].notes[0].message
    assert codes[2] == [NoteCode.NO_TEXT]
    assert codes[3] == [NoteCode.NOT_SCORED] and out[3].language == "en"
    assert codes[4] == [NoteCode.LEGACY_ENCODING, NoteCode.NOT_SCORED] and out[4].notes[0].message == "vni"
    assert NoteCode.TRUNCATED in codes[5] and out[5].covid
    assert [a.scored for a in out] == [False] * 5 + [True] and not any(a.failed for a in out)
    # On disk a note is one string, "code: message"
    assert out[4].model_dump(mode="json")["notes"][0] == "legacy_encoding: vni"
    for a in out[:5]:
        assert a.rumor_risk == 0.0 and a.risk_level is RiskLevel.LOW and a.sentiment is Sentiment.NEU
        assert a.score_steps == []  # unscored: no score, so no steps to it


def test_order_kept_and_versions_recorded(analyzer) -> None:  # type: ignore[no-untyped-def]
    docs = [
        make_doc(f"Bài số {i}: thêm {i} ca mắc COVID-19 tại Hà Nội trong khu cách ly", f"order-{i:04d}")
        for i in range(7)
    ]
    out = analyzer.analyze(docs)
    assert [a.doc_id for a in out] == [d.id for d in docs]
    assert {"rumor", "claims", "places", "cluster"} <= set(out[0].model_versions)
    assert out[0].analyzed_at is not None


def test_rumor_score_with_the_encoder_off_is_the_lexical_one_and_says_so(analyzer, nlp_settings) -> None:  # type: ignore[no-untyped-def]
    """The encoder is optional: off, the rumor model scores with its lexical view alone, the
    version says which view scored, and ``rumor_note`` says why (for the run summary)."""
    from nlp import Analyzer

    with Analyzer(nlp_settings.model_copy(update={"encoder": "off"})) as off:
        assert off.encoder is None and off.encoder_note is not None
        doc = make_doc("Tin khẩn: uống nước chanh nóng diệt được virus corona, chia sẻ ngay!", "encoder-off-0001")
        [a_off], [a_on] = off.analyze([doc]), analyzer.analyze([doc])
    if off.rumor.encoder_view is None:  # the shipped model has no encoder view: nothing changes
        assert off.rumor_note is None and a_off.model_versions["rumor"] == a_on.model_versions["rumor"]
        assert a_off.rumor_risk == a_on.rumor_risk
        return
    assert off.rumor_note is not None and off.rumor_note.startswith("rumor_lexical_only")
    assert a_off.model_versions["rumor"].endswith("+lexical") and a_on.model_versions["rumor"].endswith("+e5")
    assert a_off.rumor_risk != a_on.rumor_risk
    # the steps say so: no encoder step without the encoder, and the text model's step is the same either way
    assert a_off.score_steps[0].kind.value == "text"
    assert "encoder" not in [st.kind.value for st in a_off.score_steps]
    assert [st.kind.value for st in a_on.score_steps][:2] == ["text", "encoder"]
    assert a_off.score_steps[0] == a_on.score_steps[0]


def test_sentiment_reads_the_rumor_views_vectors_and_stands_alone_without_them(analyzer, nlp_settings) -> None:  # type: ignore[no-untyped-def]
    """The sentiment model's encoder view reads the vectors the rumor view already made for
    COVID-related items (none are embedded for sentiment alone): with the encoder off it scores
    lexically, the version says which, and items under the gate are scored the same either way."""
    from nlp import Analyzer

    covid = make_doc(
        "Hoang mang quá, dịch COVID-19 lan khắp nơi rồi, ai cũng lo lắng không biết bao giờ mới hết", "senti-e5-01"
    )
    other = make_doc("Hôm nay trời đẹp, cả nhà đi dạo công viên vui quá, cảm ơn mọi người!", "senti-e5-02")
    with Analyzer(nlp_settings.model_copy(update={"encoder": "off"})) as off:
        a_off, b_off = off.analyze([covid, other])
    a_on, b_on = analyzer.analyze([covid, other])
    assert b_off.sentiment_proba == b_on.sentiment_proba  # under the gate: no vector, lexical
    if off.sentiment.encoder_view is None:  # the shipped model has no encoder view: nothing changes
        assert off.sentiment_note is None and a_off.sentiment_proba == a_on.sentiment_proba
        assert a_off.model_versions["sentiment"] == a_on.model_versions["sentiment"]
        return
    assert off.sentiment_note is not None and off.sentiment_note.startswith("sentiment_lexical_only")
    assert a_off.model_versions["sentiment"].endswith("+lexical") and a_on.model_versions["sentiment"].endswith("+e5")
    assert a_off.sentiment_proba != a_on.sentiment_proba


def test_sentiment_reads_covid_related_vectors_only_when_the_rumor_view_embeds_every_post(analyzer) -> None:  # type: ignore[no-untyped-def]
    """Issue 15: the rumor view embeds every post, but the sentiment view was trained on COVID-related
    rows and must read only those, as before: on a mixed batch the analyzer's sentiment is exactly the
    sentiment model's with the vectors of its own COVID gate (what it read before). Fed the rumor
    view's vectors unfiltered, the off-topic posts' sentiment would move (so this test can fail)."""
    import numpy as np

    from nlp.normalize import normalize

    texts = [
        "Hoang mang quá, dịch COVID-19 lan khắp nơi rồi, ai cũng lo lắng không biết bao giờ mới hết",
        "Hôm nay trời đẹp, cả nhà đi dạo công viên vui quá, cảm ơn mọi người!",
        "Bộ Y tế thông báo thêm 12 ca mắc COVID-19 mới, tất cả đã được cách ly, người dân yên tâm.",
        "Quán phở đầu ngõ dở tệ, phục vụ chậm, giá thì đắt, không bao giờ quay lại nữa!",
    ]
    out = analyzer.analyze([make_doc(t, f"senti-mix-{i:02d}") for i, t in enumerate(texts)])
    covid = [a.covid_proba >= 0.5 for a in out]
    assert covid == [True, False, True, False], [a.covid_proba for a in out]
    sentiment, rumor = analyzer.sentiment, analyzer.rumor
    assert sentiment.encoder_view is not None and sentiment.encoder is not None  # the shipped models have views
    before = sentiment.predict_proba(texts, sentiment.encoder_vectors(texts))  # its own COVID gate
    for a, p in zip(out, before, strict=True):
        assert a.sentiment_proba == {k: round(v, 4) for k, v in p.items()}
        assert a.sentiment is max(p, key=p.__getitem__)
    every = rumor.encoder_vectors([normalize(t) for t in texts])
    assert every is not None
    if rumor.encoder_view.gate < 0:  # the shipped rumor view embeds the off-topic posts too
        assert (np.abs(every).sum(axis=1) > 0).all()
        unfiltered = sentiment.predict_proba(texts, every)
        assert all(unfiltered[i] != before[i] for i in (1, 3)), (unfiltered, before)


def test_reposts_share_cluster_through_the_analyzer(analyzer) -> None:  # type: ignore[no-untyped-def]
    a, b = analyzer.analyze(
        [
            make_doc(
                "Vắc xin COVID-19 có gắn chip theo dõi người tiêm, vi mạch nằm trong lọ vắc xin, đừng tiêm!",
                "repost-0001",
            ),
            make_doc(
                "vac xin covid-19 co gan chip theo doi nguoi tiem, vi mach nam trong lo vac xin, dung tiem nhe!!",
                "repost-0002",
            ),
        ]
    )
    assert a.cluster_id is not None and a.cluster_id == b.cluster_id


def test_close_stops_the_cluster_thread_and_later_batches_are_refused(nlp_settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The cluster thread starts with the first batch and ends with ``close`` (or the ``with`` block),
    after the batch's clusters are stored; an analysis after that is a clear error, not N failed items."""
    import threading

    from nlp import Analyzer

    def cluster_threads() -> set[threading.Thread]:
        return {t for t in threading.enumerate() if t.name.startswith("tinradar-clusters")}

    before = cluster_threads()
    settings = nlp_settings.model_copy(update={"encoder": "off", "data_dir": tmp_path})
    with Analyzer(settings, claims=[]) as analyzer:
        [a] = analyzer.analyze([make_doc("Thêm 5 ca mắc COVID-19 tại Tuyên Quang", "close-0001")])
        started = cluster_threads() - before
        assert len(started) == 1 and a.cluster_id is not None
    (thread,) = started
    assert not thread.is_alive() and not cluster_threads() - before
    with pytest.raises(RuntimeError, match="closed"):
        analyzer.analyze([make_doc("Thêm 5 ca mắc COVID-19 tại Tuyên Quang", "close-0002")])
    analyzer.close()  # twice: harmless


def test_missing_sentiment_model_is_tolerated(nlp_settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from nlp import Analyzer

    models = tmp_path / "models"
    shutil.copytree(nlp_settings.models_dir / "rumor", models / "rumor")
    settings = nlp_settings.model_copy(update={"models_dir": models, "data_dir": tmp_path / "data"})
    with Analyzer(settings) as analyzer:
        [a] = analyzer.analyze([make_doc("Thêm 5 ca mắc COVID-19 tại Tuyên Quang", "nosent-0001")])
    assert a.sentiment is Sentiment.NEU
    assert any(n.code is NoteCode.SENTIMENT_UNAVAILABLE for n in a.notes)


def test_long_news_article_is_read_by_its_title_and_lead(analyzer: Any) -> None:
    """Issue 15: a long news article is about COVID-19 when its title and lead (or a dense body) say
    so, not by the sum of weak cues met in passing. The analyzer passes the title: the same text as an
    untitled post scores as before (kept), as a titled article it is not (so it is neither embedded nor
    matched, and its rumor score is lowered as off-topic); a long article whose lead is about the
    epidemic stays COVID-related."""
    from tests.nlp.test_language_covid import FINANCE_BODY, FINANCE_TITLE, VACCINE_BODY, VACCINE_TITLE

    finance = "\n\n".join(FINANCE_BODY)
    as_article, as_post, vaccine = analyzer.analyze(
        [
            make_doc(finance, "long-finance-01", title=FINANCE_TITLE, kind=Kind.NEWS),
            make_doc(f"{FINANCE_TITLE}\n\n{finance}", "long-finance-02"),  # the same full text, untitled
            make_doc("\n\n".join(VACCINE_BODY), "long-vaccine-01", title=VACCINE_TITLE, kind=Kind.NEWS),
        ]
    )
    assert as_post.covid_proba >= 0.5 and as_post.covid
    assert as_article.covid_proba < 0.5 and not as_article.covid
    assert vaccine.covid_proba >= 0.5 and vaccine.covid


@pytest.mark.parametrize("kind", [Kind.NEWS, Kind.SOCIAL])
def test_module_level_analyze(nlp_settings, kind) -> None:  # type: ignore[no-untyped-def]
    from nlp import analyze

    [a] = analyze(
        [make_doc("Bộ Y tế khuyến cáo người dân thực hiện 5K", "module-0001", kind=kind)], settings=nlp_settings
    )
    assert a.covid and a.risk_level is RiskLevel.LOW


def test_every_fixture_news_article_below_every_planted_rumor(analyzer, site_content) -> None:  # type: ignore[no-untyped-def]
    """News and official pages — including those that quote a rumor to debunk it — stay under the rumors."""
    news = [
        make_doc(
            (p.get("lead") or "") + "\n" + "\n".join(p["paras"]),
            f"news-{site}-{i:03d}",
            title=p["title"],
            kind=Kind.NEWS,
        )
        for site in ("tinnhanh", "baotantrao", "sonduong")
        for i, p in enumerate(site_content[site])
    ]
    rumors, _ = _rumors_and_notices(site_content)
    out_news = analyzer.analyze(news)
    out_rumors = analyzer.analyze([make_doc(t, f"rumor-b-{i:04d}") for i, t in enumerate(rumors)])
    assert max(a.rumor_risk for a in out_news) < min(a.rumor_risk for a in out_rumors)
    assert all(a.risk_level is not RiskLevel.HIGH for a in out_news)


def test_vietnamese_text_is_word_segmented_for_the_index(analyzer) -> None:  # type: ignore[no-untyped-def]
    """``text_seg`` joins the syllables of a word with ``_`` so the index keeps them as one token."""
    vi, en = analyzer.analyze(
        [
            make_doc("Người dân huyện Sơn Dương đi tiêm vắc xin ngày mai.", "seg-vi-0001"),
            make_doc("Residents of the district will be vaccinated tomorrow.", "seg-en-0001"),
        ]
    )
    assert vi.text_seg is not None and "ngày_mai" in vi.text_seg and "người_dân" in vi.text_seg.lower()
    assert en.text_seg is None  # another language: not segmented, not scored


def test_true_advice_that_negates_a_myth_is_no_rumor_and_says_why(analyzer) -> None:  # type: ignore[no-untyped-def]
    text = "Đeo khẩu trang lâu không gây thiếu oxy hay ngộ độc CO2, cứ yên tâm đeo khi ra đường."
    [a] = analyzer.analyze([make_doc(text, "advice-0001")])
    assert a.matched_claims and a.matched_claims[0].claim_id == "masks-cause-hypoxia"
    assert a.matched_claims[0].stance.value == "refutes"
    assert a.risk_level is not RiskLevel.HIGH
    # the reviewer is shown the words that deny the claim, as written
    assert any(
        c.startswith('nhắc tới tin đồn đã bị bác bỏ (có vẻ là bài cải chính: "không gây thiếu oxy")') for c in a.cues
    )


#: A long post (more than four sentences) that refutes the mask myth only in its sixth sentence,
#: far from its opening: the stance is read over the opening and the sentences around the match.
LONG_REFUTED_LATE = (
    "Bản tin sáng thứ Hai của xã. Tuần này trời mát, chợ phiên họp bình thường. "
    "Trường tiểu học tổ chức hội khỏe Phù Đổng cho các em. Đội văn nghệ thôn Đông tập luyện chuẩn bị cho ngày hội. "
    "Thư viện xã mở cửa cả ngày thứ Bảy. "
    "Về chuyện trên mạng nói đeo khẩu trang lâu gây thiếu oxy: đó là tin giả, đeo khẩu trang đúng cách không gây "
    "thiếu oxy. Mời bà con đến nhà văn hóa dự họp tổ dân phố tối thứ Sáu."
)


def test_a_long_text_refuted_near_the_match_quotes_the_refuting_words(analyzer) -> None:  # type: ignore[no-untyped-def]
    """The cue quotes the words the finder read the stance from, near the match, not only in the opening."""
    [a] = analyzer.analyze([make_doc(LONG_REFUTED_LATE, "late-refuted-0001")])
    best = a.matched_claims[0]
    assert best.claim_id == "masks-cause-hypoxia" and best.stance.value == "refutes"
    assert any(c.startswith('nhắc tới tin đồn đã bị bác bỏ (có vẻ là bài cải chính: "tin giả")') for c in a.cues)
    assert best.stance_phrase == "tin giả"


def test_the_refutation_cue_quotes_the_matchs_phrase_and_reads_nothing_again(analyzer) -> None:  # type: ignore[no-untyped-def]
    """The cue is made from the match alone: a phrase the text does not hold is quoted as given."""
    from tinradar.schema import ClaimMatch, Stance

    carried = ClaimMatch(
        claim_id="masks-cause-hypoxia", similarity=0.6, stance=Stance.REFUTES, stance_phrase="hoàn toàn bịa đặt"
    )
    [lead] = analyzer._claim_cues([carried])
    assert lead.startswith('nhắc tới tin đồn đã bị bác bỏ (có vẻ là bài cải chính: "hoàn toàn bịa đặt"): ')
    # a match without a phrase (indexed before it was carried) keeps the plain wording
    [plain] = analyzer._claim_cues([carried.model_copy(update={"stance_phrase": None})])
    assert plain.startswith("nhắc tới tin đồn đã bị bác bỏ (có vẻ là bài cải chính): ")


def test_a_question_about_a_myth_quotes_the_question_it_is_kept_at_medium_for(analyzer) -> None:  # type: ignore[no-untyped-def]
    """A question is held at medium: the cue says why, in the question's own words."""
    [a] = analyzer.analyze([make_doc("Nghe nói đeo khẩu trang lâu bị thiếu oxy, có đúng không mọi người?", "ask-0001")])
    best = a.matched_claims[0]
    assert best.claim_id == "masks-cause-hypoxia" and best.stance.value == "asks"
    assert best.stance_phrase == "có đúng không mọi người"
    assert a.risk_level.value == "medium"
    assert any(c.startswith('hỏi về tin đồn đã bị bác bỏ ("có đúng không mọi người"; có thể trả lời') for c in a.cues)


def test_clusters_assigned_beside_the_batch_are_those_assigned_in_line(analyzer) -> None:  # type: ignore[no-untyped-def]
    """The analyser assigns a batch's repeat clusters on its own thread while it finishes the
    batch; batch after batch, in order, the ids are those of assigning each batch in line."""
    from nlp.cluster import ClusterIndex
    from nlp.normalize import normalize

    base = "Vắc xin COVID-19 có gắn chip theo dõi người tiêm, vi mạch nằm trong lọ vắc xin, đừng tiêm"
    texts = [base + "!", "Uống nước tỏi mỗi sáng sẽ khỏi COVID-19, chia sẻ cho người thân ngay", base + " nhé!!"]
    texts += [t.lower() for t in texts] + [base + "? Có thật không"]
    docs = [make_doc(t, f"inline-{i:04d}") for i, t in enumerate(texts)]
    settings, clusters = analyzer.settings, analyzer.clusters
    analyzer.settings, analyzer.clusters = settings.model_copy(update={"nlp_batch_size": 2}), ClusterIndex()
    try:
        got = [a.cluster_id for a in analyzer.analyze(docs)]
    finally:
        analyzer.settings, analyzer.clusters = settings, clusters
    in_line = ClusterIndex()
    want: list[str | None] = []
    for start in range(0, len(docs), 2):
        want += in_line.assign([(d.id, normalize(d.full_text).folded, d.published_at) for d in docs[start : start + 2]])
    assert got == want and len(set(got)) >= 2 and got.count(got[0]) >= 3


#: Our own test sentences (never dataset texts), one per way the rumor score is made: a steam remedy
#: the text model reads as low and the encoder view raises to medium (the cues list only words, so
#: the step is what says what raised it) before the known claim it repeats lifts it to high; a chatty
#: post the text model reads as medium and the encoder lowers to low; a repeated, a refuted and an
#: asked known claim; two items that are not scored.
STEP_TEXTS = {
    "encoder-raises": "Xông hơi nước gừng sả mỗi tối thì virus không sống nổi trong phổi.",
    "encoder-lowers": "Hôm nay trời đẹp, cả nhà đi dạo công viên vui quá, cảm ơn mọi người!",
    "repeats": "Vắc xin COVID-19 có gắn chip theo dõi người tiêm, vi mạch nằm trong lọ vắc xin, đừng tiêm!",
    "refutes": "Đeo khẩu trang lâu không gây thiếu oxy hay ngộ độc CO2, cứ yên tâm đeo khi ra đường.",
    "asks": "Nghe nói đeo khẩu trang lâu bị thiếu oxy, có đúng không mọi người?",
    "empty": "",
    "english": "The ministry said schools will reopen next week in the capital city",
}


def test_every_flag_says_how_its_score_was_made_and_the_score_is_unchanged(analyzer) -> None:  # type: ignore[no-untyped-def]
    """``score_steps`` lists the steps that made ``rumor_risk``, each with the risk after it, in
    words with the score written as the desk writes it (a percent). The scores are recomputed here
    from the model's parts (the text model before the encoder view, the view, the off-topic factor,
    the claim rules), so the risk is what it was before the steps were recorded, and the steps are
    those parts. The off-topic step is listed only when it moves the percent the reviewer reads."""
    import re

    from nlp.analyzer import _OFF_TOPIC_FLOOR
    from nlp.covid import covid_probability
    from nlp.features import metadata_matrix, signals
    from nlp.normalize import normalize
    from nlp.rumor import RumorModel
    from tinradar.schema import Stance, risk_level_for, score_text

    keys = list(STEP_TEXTS)
    out = dict(zip(keys, analyzer.analyze([make_doc(t, f"steps-{k}") for k, t in STEP_TEXTS.items()]), strict=True))
    kinds = {k: [st.kind.value for st in a.score_steps if st.kind.value != "off_topic"] for k, a in out.items()}
    assert kinds == {
        "encoder-raises": ["text", "encoder", "claim_repeats"],
        "encoder-lowers": ["text", "encoder"],
        "repeats": ["text", "encoder", "claim_repeats"],
        "refutes": ["text", "encoder", "correction"],
        "asks": ["text", "encoder", "claim_asks"],
        "empty": [],
        "english": [],
    }
    # the model's parts, for the five scored posts
    s, rumor = analyzer.settings, analyzer.rumor
    scored = keys[:5]
    norms = [normalize(STEP_TEXTS[k]) for k in scored]
    meta = metadata_matrix([signals(n) for n in norms])
    covid = [covid_probability(n.folded) for n in norms]
    vectors = rumor.encoder_vectors(norms, covid)
    proba, _terms, lexical = rumor.predict_explain(norms, meta, covid=covid, vectors=vectors)
    assert np.array_equal(proba, rumor.predict(norms, meta, covid=covid))  # the score is the model's, as before
    assert np.array_equal(lexical, RumorModel.load(analyzer.settings.models_dir).predict(norms, meta))  # text model
    for k, key in enumerate(scored):
        a, steps = out[key], out[key].score_steps
        assert steps[0].score == round(float(lexical[k]), 4)  # the text model, before the encoder view
        assert steps[1].score == round(float(proba[k]), 4)  # after it
        risk = float(proba[k]) * (_OFF_TOPIC_FLOOR + (1 - _OFF_TOPIC_FLOOR) * covid[k])
        off_topic = [st for st in steps if st.kind.value == "off_topic"]
        if score_text(round(risk, 4)) != score_text(steps[1].score):  # the reader sees it move: listed, third
            assert steps[2] == off_topic[0] and off_topic[0].score == round(risk, 4)
        else:
            assert not off_topic
        best = a.matched_claims[0] if a.matched_claims else None
        if best is not None and best.stance is Stance.REFUTES:
            risk *= 0.5
        elif best is not None and best.stance is Stance.REPEATS:
            strength = min(1.0, (best.similarity - analyzer.matcher.threshold) / (1 - analyzer.matcher.threshold))
            risk = max(risk, s.risk_high + (1 - s.risk_high) * 0.8 * strength)
        elif best is not None:
            risk = min(max(risk, s.risk_medium), s.risk_high - 0.01)
        assert a.rumor_risk == round(risk, 4) == steps[-1].score
        assert a.risk_level is risk_level_for(risk, s.risk_medium, s.risk_high)
        for st in steps:  # "62%" as the desk's badge writes the risk, never "0.62"
            assert st.message.endswith(f"{st.score * 100:.0f}%") or "(đã cao hơn" in st.message
            assert not re.search(r"\d\.\d", st.message), st.message
    # the encoder view moves each level, and its step says which way: low to medium ...
    raised = out["encoder-raises"].score_steps
    assert [risk_level_for(st.score, s.risk_medium, s.risk_high) for st in raised[:2]] == [
        RiskLevel.LOW,
        RiskLevel.MEDIUM,
    ]
    assert raised[1].message.startswith("Đọc theo nghĩa (bộ mã hóa e5): giống các bài không đáng tin → ")
    # ... and medium to low: the post is not flagged, and the step says why the words alone would have
    lowered = out["encoder-lowers"].score_steps
    assert [risk_level_for(st.score, s.risk_medium, s.risk_high) for st in lowered[:2]] == [
        RiskLevel.MEDIUM,
        RiskLevel.LOW,
    ]
    assert out["encoder-lowers"].risk_level is RiskLevel.LOW
    assert lowered[1].message.startswith("Đọc theo nghĩa (bộ mã hóa e5): giống các bài đáng tin → ")
    assert out["repeats"].score_steps[-1].message.startswith("Nhắc lại tin đồn đã biết “")
    # the correction step quotes the words the stance was read from (the match's phrase)
    phrase = out["refutes"].matched_claims[0].stance_phrase
    assert out["refutes"].score_steps[-1].message.startswith(f"Có vẻ là bài cải chính (“{phrase}”): giảm một nửa → ")
    # the question step says which way it moved the score: 78% → 69% is lowered, not "kept"
    asked = out["asks"].score_steps
    assert asked[-2].score > asked[-1].score and "hạ xuống mức trung bình" in asked[-1].message


def test_the_encoder_step_reads_its_move_as_the_reviewer_sees_it() -> None:
    """The encoder step says which way the e5 view moved the score by the percents the reviewer
    reads: 38.2% → 38.4% shows "38% → 38%", so it says "không đổi", not "giống các bài không đáng tin"."""
    from nlp.analyzer import _encoder_reads

    assert _encoder_reads(0.382, 0.384) == _encoder_reads(0.5, 0.5) == "không đổi"
    assert _encoder_reads(0.38, 0.60) == "giống các bài không đáng tin"
    assert _encoder_reads(0.46, 0.31) == "giống các bài đáng tin"
    assert _encoder_reads(0.384, 0.386) == "giống các bài không đáng tin"  # 38% → 39%: the reader sees it


@pytest.mark.parametrize("rumor_readable", [True, False])
def test_sentiment_embeds_its_own_texts_when_the_rumor_view_reads_the_other_form(  # type: ignore[no-untyped-def]
    analyzer, monkeypatch, rumor_readable
) -> None:
    """The rumor view's vectors are the sentiment view's only when both read the same form of the
    masked opening (``readable``: type tokens as words or as "<QUỐC_GIA>"): with mixed forms the
    analyzer's sentiment is exactly what the sentiment model alone gives (its own vectors, its own
    form). Handed the rumor view's vectors of the other form, a named post's sentiment would move
    (checked, so this test can fail)."""
    import dataclasses

    texts = [
        "Trung Quốc lại giấu số ca mắc COVID-19, dân Hà Nội hoang mang lo lắng quá, ai cũng sợ",
        "Bộ Y tế cảm ơn Nhật Bản đã viện trợ 1 triệu liều vắc xin COVID-19 cho Việt Nam, thật đáng quý.",
    ]
    sentiment, rumor = analyzer.sentiment, analyzer.rumor
    assert sentiment.encoder_view is not None and rumor.encoder_view is not None  # the shipped models have views
    monkeypatch.setattr(rumor, "encoder_view", dataclasses.replace(rumor.encoder_view, readable=rumor_readable))
    monkeypatch.setattr(
        sentiment, "encoder_view", dataclasses.replace(sentiment.encoder_view, readable=not rumor_readable)
    )
    out = analyzer.analyze([make_doc(t, f"senti-form-{i:02d}") for i, t in enumerate(texts)])
    assert all(a.covid_proba >= 0.5 for a in out), [a.covid_proba for a in out]
    alone = sentiment.predict_proba(texts, sentiment.encoder_vectors(texts))
    for a, p in zip(out, alone, strict=True):
        assert a.sentiment_proba == {k: round(v, 4) for k, v in p.items()}
    from nlp.normalize import normalize

    handed = sentiment.predict_proba(texts, rumor.encoder_vectors([normalize(t) for t in texts]))
    assert all(handed[i] != alone[i] for i in range(len(texts))), (handed, alone)


def test_a_correction_step_quotes_the_words_it_was_read_from(analyzer) -> None:  # type: ignore[no-untyped-def]
    """Halving a score as a correction names the words it was read from, as the text writes them, so a
    reviewer can check them (principle 2): with a known claim in view its match's phrase, with none the
    correction wording the stance rules found, a wrong reading too ("miễn phí" in a charity notice)."""
    texts = {
        "no-claim": "Tin nhắn nói uống nước dừa tươi giết được con virus là tin giả nhé cả nhà.",
        "charity": "Quán cơm chay đầu hẻm phát 200 hộp xôi miễn phí cho shipper và người bán vé số mùa dịch.",
        "claim": "Chuyện trực thăng rải thuốc khử trùng trên thành phố tối nay là tin bịa, không ai phun gì cả.",
    }
    out = analyzer.analyze([make_doc(t, f"corr-{k}") for k, t in texts.items()])
    quoted = {}
    for (key, text), a in zip(texts.items(), out, strict=True):
        [step] = [st for st in a.score_steps if st.kind.value == "correction"]
        found = re.match(r"Có vẻ là bài cải chính \(“(.+?)”\): giảm một nửa → \d+%$", step.message)
        assert found, step.message
        assert found.group(1) in text  # as written: the reviewer finds it in the post
        quoted[key] = found.group(1)
    assert quoted["no-claim"] == "tin giả" and quoted["charity"] == "miễn phí"
    best = out[2].matched_claims[0]
    assert best.stance.value == "refutes" and quoted["claim"] == best.stance_phrase


def test_the_question_step_says_whether_it_raised_or_lowered_the_score() -> None:
    """The step of a question about a known claim says "nâng lên" / "hạ xuống" by the percents beside it,
    "giữ ở" only when the reader sees no move (95% → 69% was written "giữ ở mức trung bình")."""
    from nlp.analyzer import _asks_moves

    assert _asks_moves(0.95, 0.69) == "hạ xuống"
    assert _asks_moves(0.36, 0.40) == "nâng lên"
    assert _asks_moves(0.462, 0.4581) == _asks_moves(0.5, 0.5) == "giữ ở"


def test_a_question_step_agrees_with_its_figures(analyzer) -> None:  # type: ignore[no-untyped-def]
    """End to end, on questions our text model reads high and low: each step's verb fits its move."""
    texts = [
        "Cho em hỏi tiêm vắc xin covid rồi có bị vô sinh không ạ, em sắp cưới.",
        "Bộ Y tế cho biết vắc xin được tặng có kém chất lượng không, xin hỏi quý cơ quan?",
        "Mọi người ơi ăn tỏi sống có giết được con covid không vậy?",
    ]
    verbs = set()
    for a in analyzer.analyze([make_doc(t, f"ask-move-{n}") for n, t in enumerate(texts)]):
        before, step = a.score_steps[-2], a.score_steps[-1]
        assert step.kind.value == "claim_asks", [st.message for st in a.score_steps]
        if f"{before.score * 100:.0f}%" == f"{step.score * 100:.0f}%":
            verb = "giữ ở"
        else:
            verb = "nâng lên" if step.score > before.score else "hạ xuống"
        assert f": {verb} mức trung bình → " in step.message, step.message
        verbs.add(verb)
    assert "hạ xuống" in verbs  # a question the text model reads as a rumor is lowered to medium


def test_the_refutation_cue_and_the_correction_step_name_the_same_words(analyzer) -> None:  # type: ignore[no-untyped-def]
    """A correction with no claim in view, still medium after the halving: its refutation cue marks the
    words the step quotes ("không diệt", which decided the stance in the first sentence), not the second
    sentence's "Đừng share" that the cue found first before."""
    text = "Uống nước dừa không diệt được con virus đâu mọi người ơi. Đừng share nữa nha!!!"
    [a] = analyzer.analyze([make_doc(text, "corr-cue-0001")])
    [step] = [st for st in a.score_steps if st.kind.value == "correction"]
    [cue] = [c for c in a.cue_spans if c.kind == "refutation"]
    assert step.message.startswith(f"Có vẻ là bài cải chính (“{cue.text}”)") and text[cue.start : cue.end] == cue.text
    assert cue.text == "không diệt"
