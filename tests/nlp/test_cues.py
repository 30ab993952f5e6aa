"""Cues a reviewer can check: curated reliability cues, model terms through the stop classes,
at most three, each located in the text."""

from __future__ import annotations

import csv
import sys
from datetime import UTC, datetime

import pytest

from nlp.cues import (
    CLAIM_LABELS,
    FUNCTION_WORDS,
    MAX_CUES,
    TOPIC_WORDS,
    CueKind,
    describe,
    is_stop_term,
    model_term_cues,
    refutation_cue,
    reliability_cues,
    select,
)
from nlp.masking import is_mask_token, masker
from tests.nlp.conftest import REINTEL
from tinradar.schema import CueSpan, Document, Kind


def _kinds(text: str) -> dict[str, str]:
    return {c.kind: c.text for c in reliability_cues(text)}


@pytest.mark.parametrize(
    ("text", "kind", "phrase"),
    [
        ("Nghe nói tối nay phun thuốc diệt virus", CueKind.HEARSAY, "Nghe nói"),
        ("nghe noi toi nay phun thuoc", CueKind.HEARSAY, "nghe noi"),
        ("Các bác sĩ giấu kín chuyện này", CueKind.SECRECY, "giấu kín"),
        ("Uống nước lá này 100% khỏi bệnh", CueKind.MIRACLE_CURE, "100% khỏi"),
        ("Mọi người chia sẻ gấp nhé", CueKind.CHAIN_SHARE, "chia sẻ gấp"),
        ("Người nhà tôi làm ở Bộ Y tế nói sắp phong tỏa", CueKind.UNNAMED_SOURCE, "Người nhà tôi làm ở Bộ Y tế"),
        ("KHẨN CẤP: tối nay đóng cửa", CueKind.URGENCY, "KHẨN CẤP"),
        ("gọi ngay 0912 345 678 để mua", CueKind.PHONE, "0912 345 678"),
        ("CẢNH BÁO TOÀN DÂN NGAY LẬP TỨC nhé", CueKind.ALL_CAPS, "CẢNH BÁO TOÀN DÂN NGAY LẬP TỨC"),
    ],
)
def test_reliability_cues_are_found_where_they_stand(text: str, kind: CueKind, phrase: str) -> None:
    cues = [c for c in reliability_cues(text) if c.kind == kind]
    assert cues, reliability_cues(text)
    cue = cues[0]
    assert text[cue.start : cue.end] == cue.text == phrase


def test_plain_official_text_has_no_reliability_cue() -> None:
    text = "Sáng 12/4, UBND tỉnh ban hành công văn tạm dừng các hoạt động tập trung trên 20 người. WHO khuyến cáo đeo khẩu trang."
    assert reliability_cues(text) == []


def test_refutation_cue_points_at_the_correction() -> None:
    text = "Thông tin phun thuốc bằng trực thăng là tin giả, đề nghị người dân không chia sẻ."
    cue = refutation_cue(text)
    assert cue is not None and cue.kind == CueKind.REFUTATION and text[cue.start : cue.end] == "tin giả"


def test_refutation_cue_marks_the_words_the_stance_was_read_from() -> None:
    """Given the words the correction was read from (the analyzer's correction step quotes them), the cue
    marks them, not the text's first correction wording elsewhere; without them, or where they do not
    stand as written, it falls back to that first wording."""
    text = "Rượu trắng không giết được virus đâu. Xã đề nghị bà con không chia sẻ tin này."
    assert refutation_cue(text).text == "đề nghị bà con không chia sẻ"  # type: ignore[union-attr]
    cue = refutation_cue(text, "không giết")
    assert (
        cue is not None and (cue.start, cue.end) == (11, 21) and text[cue.start : cue.end] == cue.text == "không giết"
    )
    assert refutation_cue(text, "khong giet").text == "đề nghị bà con không chia sẻ"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "term",
    [
        "virus",
        "corona",
        "trung quốc",
        "cái ta",
        "đã tham",
        "uống thuốc",
        "bệnh nhân",
        "<quốc_gia> giấu",
        "hà nội",
        "sơn dương",
        "vũ hán",
        "2020 năm",
    ],
)
def test_stop_classes_are_never_cues(term: str) -> None:
    assert is_stop_term(term)


@pytest.mark.parametrize("term", ["bôi nhọ", "thần dược", "bưng bít", "tỏi sống"])
def test_meaningful_terms_pass(term: str) -> None:
    assert not is_stop_term(term)


def test_model_terms_must_stand_in_the_text_as_written() -> None:
    text = "Ăn tỏi sống mỗi ngày, bọn họ bôi nhọ chúng ta. Chuyện của Hoài Linh"
    cues = model_term_cues(
        text, [("tỏi sống", 0.9), ("bôi nhọ", 0.5), ("thần dược", 2.0), ("hoài linh", 3.0), ("virus corona", 4.0)]
    )
    assert [(c.text, c.weight) for c in cues] == [("tỏi sống", 0.9), ("bôi nhọ", 0.5)]  # absent, name, topic: out
    assert all(text[c.start : c.end] == c.text for c in cues)


def _cue(kind: CueKind, start: int, end: int, weight: float) -> CueSpan:
    return CueSpan(kind=kind.value, label=kind.value, text="x" * (end - start), start=start, end=end, weight=weight)


def test_select_ranks_by_contribution_one_per_kind_no_overlap_at_most_three() -> None:
    cues = [
        _cue(CueKind.MODEL_TERM, 0, 5, 0.9),
        _cue(CueKind.HEARSAY, 10, 18, 2.2),
        _cue(CueKind.HEARSAY, 40, 48, 2.1),  # hearsay again: one per kind, the first one kept
        _cue(CueKind.MIRACLE_CURE, 12, 20, 2.3),  # overlaps the hearsay, and is stronger
        _cue(CueKind.CHAIN_SHARE, 60, 70, 1.9),
        _cue(CueKind.MODEL_TERM, 80, 85, 1.2),
    ]
    kept = select(cues)
    # the overlapped hearsay at 10 is dropped, so the hearsay at 40 stands in for its kind
    assert [(c.kind, c.start) for c in kept] == [("miracle_cure", 12), ("hearsay", 40), ("chain_share", 60)]
    assert len(select(cues * 3)) <= MAX_CUES
    assert describe(kept[0]).startswith("miracle_cure: “")


def _stop_violation(cue: CueSpan) -> str | None:
    """Why a shown cue falls in a stop class (None when it does not)."""
    words = cue.text.lower().split()
    if cue.kind != CueKind.MODEL_TERM:
        return None
    if len(words) < 2:
        return "single syllable"
    if any(w in FUNCTION_WORDS for w in words) or all(w in TOPIC_WORDS for w in words):
        return "function/topic words"
    if any(is_mask_token(w) for w in words) or masker().find(cue.text):
        return "a name"
    return None


def test_scored_sample_shows_no_cue_from_a_stop_class(analyzer) -> None:  # type: ignore[no-untyped-def]
    if not REINTEL.is_file():
        pytest.skip("../shared/datasets/reintel is not present")
    csv.field_size_limit(sys.maxsize)
    with REINTEL.open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["label"] == "1"][:120]
    docs = [
        Document(
            id=f"cue-{i:06d}", source_id="t", kind=Kind.SOCIAL, text=r["post_message"], fetched_at=datetime.now(UTC)
        )
        for i, r in enumerate(rows)
    ]
    shown = 0
    for doc, a in zip(docs, analyzer.analyze(docs), strict=True):
        text_cues = [c for c in a.cue_spans if c.kind != CueKind.CLAIM]
        assert len(text_cues) <= MAX_CUES
        for cue in text_cues:
            shown += 1
            assert doc.full_text[cue.start : cue.end] == cue.text, cue
            assert _stop_violation(cue) is None, (cue, _stop_violation(cue))
            assert describe(cue) in a.cues
        for cue in a.cue_spans[: len(a.cue_spans) - len(text_cues)]:  # the claim's sentence comes first
            assert cue.kind == CueKind.CLAIM and a.matched_claims
            assert doc.full_text[cue.start : cue.end] == cue.text, cue
    assert shown >= 30  # the sample does get cues: the check is not vacuous


def test_the_sentence_that_matches_a_known_claim_is_marked(analyzer) -> None:  # type: ignore[no-untyped-def]
    """A matched claim is a cue too: its sentence is located in the text as written, labelled
    by the stance, and shown first; the other cues keep their places after it."""
    repeats = "Hôm nay trời đẹp. Nghe nói uống nước tỏi có thể chữa khỏi COVID-19, mọi người chia sẻ gấp nhé! Cảm ơn."
    asks = "Cả nhà ơi. Xông hơi bằng lá sả có diệt được virus corona không các bác?"
    plain = "Huyện Sơn Dương tổ chức tiêm vắc xin mũi 3 cho người dân tại trạm y tế xã."
    docs = [
        Document(id=f"claim-cue-{i:04d}", source_id="t", kind=Kind.SOCIAL, text=t, fetched_at=datetime.now(UTC))
        for i, t in enumerate([repeats, asks, plain])
    ]
    a_rep, a_ask, a_plain = analyzer.analyze(docs)
    first = a_rep.cue_spans[0]
    assert a_rep.matched_claims and first.kind == CueKind.CLAIM
    assert first.text == "Nghe nói uống nước tỏi có thể chữa khỏi COVID-19, mọi người chia sẻ gấp nhé!"
    assert repeats[first.start : first.end] == first.text and first.label == CLAIM_LABELS["repeats"]
    assert {c.kind for c in a_rep.cue_spans[1:]} >= {"hearsay", "chain_share"}
    ask = a_ask.cue_spans[0]
    assert a_ask.matched_claims and ask.kind == CueKind.CLAIM and ask.label == CLAIM_LABELS["asks"]
    assert ask.text == "Xông hơi bằng lá sả có diệt được virus corona không các bác?"
    assert not a_plain.matched_claims and all(c.kind != CueKind.CLAIM for c in a_plain.cue_spans)


@pytest.mark.parametrize(
    "text",
    [
        "Theo các nhà khoa học, xịt nước muối sinh lý không tiêu diệt được virus corona đã vào phổi.",
        "Lá tía tô chẳng diệt được virus nào đâu, đừng tin.",
        "thuoc nay ko chua khoi covid dau ca nha",
    ],
)
def test_a_denied_cure_is_no_miracle_cure_cue(text: str) -> None:
    """A cure's words negated ("không tiêu diệt được virus") are a denial, often a correction's: labelled
    "hứa hẹn chữa khỏi thần kỳ" they told the reviewer the opposite of what the text says (an
    outsider's probe of news articles, issue 15)."""
    assert CueKind.MIRACLE_CURE not in _kinds(text)


def test_a_cure_promised_after_a_denied_one_is_still_a_cue() -> None:
    text = "Thuốc tây không chữa khỏi bệnh, còn nước lá này thì diệt sạch virus corona trong ba ngày."
    assert _kinds(text).get(CueKind.MIRACLE_CURE) == "diệt sạch virus corona"
