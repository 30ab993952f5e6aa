import unicodedata
from pathlib import Path

import pytest

from fixture_site.generate import load_content
from nlp.claims import ClaimMatcher, load_claims
from nlp.normalize import normalize
from tinradar.schema import Claim
from tinradar.settings import Settings
from tinradar.text import fold

PLANTED = set(load_content()["planted_claims"])


@pytest.fixture(scope="module")
def matcher() -> ClaimMatcher:
    return ClaimMatcher(load_claims(Settings().claims_file))


def best(matcher: ClaimMatcher, text: str) -> str | None:
    found = matcher.match([normalize(text).folded])[0]
    return found[0].claim_id if found else None


def test_registry_is_complete() -> None:
    claims = load_claims(Settings().claims_file)
    assert len(claims) >= 40
    assert {c.id for c in claims} >= PLANTED
    assert {c.category for c in claims} >= {"cure", "vaccine", "origin", "transmission", "policy", "scam"}
    for c in claims:
        assert c.claim and c.correction and c.debunked_by


def test_every_variant_matches_its_own_claim(matcher: ClaimMatcher) -> None:
    for claim in matcher.claims:
        for text in [claim.claim, *claim.variants]:
            assert best(matcher, text) == claim.id, text


@pytest.mark.parametrize(
    ("text", "claim_id"),
    [
        (
            "son duong phong toa toan huyen tu 0h mai, cam ra khoi nha, moi nguoi di mua gao mi tom ngay",
            "son-duong-total-lockdown-hoax",
        ),
        (
            "uong nuoc chanh nong, nuoc am moi sang la diet duoc virus corona, chia se cho nguoi than",
            "hot-lemon-water-kills-virus",
        ),
        ("Song 5G lam lay lan virus corona, dung dung dien thoai 5G nua nhe moi nguoi", "5g-spreads-covid"),
        ("tiem vaccine covid xong nhieu chi em bi vo sinh, hiem muon roi", "vaccine-infertility"),
        ("VAC XIN CO GAN CHIP DE THEO DOI NGUOI DAN!!!", "vaccine-microchip"),
        (
            "Mẹ em bảo cứ ăn vài tép tỏi sống với súc miệng nước muối mỗi sáng là virus chết hết",
            "cure-garlic-saltwater",
        ),
        (
            "Đêm nay 23h có máy bay bay phun thuốc diệt khuẩn khắp tỉnh, bà con đóng cửa nhé",
            "helicopter-disinfectant-spraying",
        ),
    ],
)
def test_variants_without_diacritics_and_paraphrases(matcher: ClaimMatcher, text: str, claim_id: str) -> None:
    assert best(matcher, text) == claim_id


def test_rumor_inside_a_longer_post(matcher: ClaimMatcher) -> None:
    text = (
        "Hôm nay đi chợ thấy ai cũng đeo khẩu trang. Giá rau tăng nhiều quá. "
        "Nghe nói tối nay trực thăng phun thuốc khử trùng diệt virus, cả nhà đóng cửa, không ra đường nhé. "
        "Con bé nhà mình học online cả tuần rồi."
    )
    assert best(matcher, text) == "helicopter-disinfectant-spraying"


def test_unrelated_and_official_texts_match_nothing(matcher: ClaimMatcher, directive_text: str) -> None:
    assert best(matcher, "Cam sành Hàm Yên vào vụ thu hoạch, giá tại vườn 12.000 đồng/kg.") is None
    assert (
        best(matcher, "Thông báo lịch tiêm vắc xin phòng COVID-19 mũi 1 cho người trên 65 tuổi tại các trạm y tế xã")
        is None
    )
    assert best(matcher, directive_text) is None


def test_bad_registry_is_a_clear_error(tmp_path: Path) -> None:
    dup = tmp_path / "dup.yaml"
    entry = "  - {id: a-b, claim: x, category: cure, correction: y, debunked_by: WHO}\n"
    dup.write_text("claims:\n" + entry + entry, encoding="utf-8")
    with pytest.raises(ValueError, match="duplicate claim id"):
        load_claims(dup)
    broken = tmp_path / "broken.yaml"
    broken.write_text("claims: [\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid YAML"):
        load_claims(broken)


def test_terms_are_whole_words_after_the_substring_test(matcher: ClaimMatcher) -> None:
    """``terms`` tests the plain substring before the word-boundary regex: a term inside a
    longer word is still no term, and one standing alone is."""
    from nlp.claims import _holds, _term

    assert _holds("uong toi song", "toi", _term("toi"))
    assert not _holds("uong toi song", "toi song moi", _term("toi song moi"))  # not there at all
    assert not _holds("nuoc toilet", "toi", _term("toi"))  # there, but inside a word
    terms = matcher.terms([normalize("Uống tỏi sống mỗi sáng diệt virus corona").folded, "cho mo cua binh thuong"])
    slow = [
        [
            all(term.pattern.search(t) for term in matcher.required[c])
            and (not matcher.key_terms[c] or any(term.pattern.search(t) for term in matcher.key_terms[c]))
            for c in range(len(matcher.claims))
        ]
        for t in [normalize("Uống tỏi sống mỗi sáng diệt virus corona").folded, "cho mo cua binh thuong"]
    ]
    assert terms.tolist()[0] == slow[0] and any(terms[0]) and not any(terms[1])


def _garlic(*terms: str) -> ClaimMatcher:
    return ClaimMatcher(
        [
            Claim(
                id="garlic",
                claim="Ăn tỏi sống chữa khỏi COVID-19",
                category="cure",
                correction="Tỏi không chữa được COVID-19.",
                debunked_by=["WHO"],
                key_terms=list(terms),
            )
        ]
    )


def _holds_terms(matcher: ClaimMatcher, text: str) -> bool:
    norm = normalize(text)
    return bool(matcher.terms([norm.folded], [norm.features])[0, 0])


@pytest.mark.parametrize(
    ("text", "holds"),
    [
        ("ăn tỏi sống mỗi ngày", True),
        ("an toi song moi ngay", True),  # typed without diacritics: still the term
        ("Ăn TỎI sống", True),
        ("tôi nghĩ là không", False),  # "tôi" (I) folds to "toi" too
        ("buổi tối ở nhà", False),  # "tối" (evening)
        ("nước muối, tôi dùng hằng ngày", True),  # the other term, written with diacritics
        ("nuoc muối ấm", True),  # one word typed bare, one as written
        ("nước mười", False),
    ],
)
def test_a_term_written_with_diacritics_holds_on_that_word_or_a_bare_one(text: str, holds: bool) -> None:
    assert _holds_terms(_garlic("tỏi", "nước muối"), text) is holds


def test_a_term_written_folded_holds_as_before() -> None:
    folded = _garlic("toi")
    for text in ["ăn tỏi sống", "an toi song", "tôi nghĩ là không", "buổi tối ở nhà"]:
        assert _holds_terms(folded, text)
    assert not _holds_terms(folded, "nuoc toilet")


def test_without_the_written_text_a_written_term_holds_on_the_fold() -> None:
    """A caller with the folded text only (no ``features``) gets the behaviour of before."""
    matcher = _garlic("tỏi")
    assert matcher.terms([normalize("tôi nghĩ là không").folded])[0, 0]


def test_the_written_view_folds_back_to_the_folded_text() -> None:
    """Folding is character by character: the written view keeps some words as written and
    folds the rest, and folds to the very folded text the TF-IDF side reads (the sentences and
    windows of both views line up)."""
    matcher = ClaimMatcher(load_claims(Settings().claims_file))
    text = "Tôi nghe nói ăn TỎI và súc miệng nước muối hoà tan.\nBuổi tối đi chợ, muỗi đốt! Ông ấy đã chết? ĐÃ GIẤU."
    norm = normalize(text)
    view = matcher.written_view(norm.folded, norm.features)
    assert view != norm.folded and fold(view) == norm.folded
    assert len(view.split()) == len(norm.folded.split()) == len(norm.features.split())
    assert [fold(w) for w in norm.features.split()] == norm.folded.split()
    assert "tôi" in view.split() and "tỏi" in view.split()


def test_a_written_text_no_longer_gates_on_a_lookalike_word() -> None:
    """A window at the threshold keeps its full score only with the claim's term as written."""
    matcher = ClaimMatcher(load_claims(Settings().claims_file))
    texts = ["ăn tỏi sống diệt được virus corona", "ăn tôi sống diệt được virus corona"]
    norms = [normalize(t) for t in texts]
    i = next(k for k, c in enumerate(matcher.claims) if c.id == "cure-garlic-saltwater")
    written = matcher.scores([n.folded for n in norms], [n.features for n in norms])[:, i]
    folded = matcher.scores([n.folded for n in norms])[:, i]
    assert written[0] == folded[0] == folded[1] >= matcher.threshold
    assert written[1] == pytest.approx(0.4 * folded[1])


def test_terms_keep_their_diacritics_when_validated() -> None:
    claim = _garlic("Tỏi", "Nuoc Muoi", " cồn 70 ").claims[0]
    assert claim.key_terms == ["tỏi", "nuoc muoi", "cồn 70"]
    assert claim.key_terms[0] == unicodedata.normalize("NFC", "tỏi")
    nfd = Claim.model_validate({**claim.model_dump(), "key_terms": [unicodedata.normalize("NFD", "Tỏi")]})
    assert nfd.key_terms == ["tỏi"]  # NFD input is kept in NFC


def test_the_written_view_without_aligned_offsets() -> None:
    """A stray combining mark (NFC cannot compose it after a space) folds to nothing: the
    offsets of ``features`` and ``folded`` differ, and the view is built word by word."""
    matcher = _garlic("tỏi")
    norm = normalize("ăn tôi \u0301 rồi ăn tỏi")
    assert len(norm.features) != len(norm.folded)
    view = matcher.written_view(norm.folded, norm.features)
    assert fold(view) == norm.folded and view.split()[1] == "tôi" and view.split()[-1] == "tỏi"
    assert _holds_terms(matcher, "ăn tôi \u0301 rồi ăn tỏi") and not _holds_terms(matcher, "ăn tôi \u0301 nhé")


def test_a_written_term_has_its_tone_marks_placed_as_texts_have_them() -> None:
    """Texts are normalised to "khỏe" (nlp.normalize); a term typed "khoẻ" is read the same way."""
    matcher = _garlic("khoẻ mạnh")
    assert _holds_terms(matcher, "ai cũng khoẻ mạnh") and _holds_terms(matcher, "ai cũng khỏe mạnh")
    assert _holds_terms(matcher, "ai cung khoe manh") and not _holds_terms(matcher, "ai cũng khóe mạnh")
