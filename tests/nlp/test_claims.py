from pathlib import Path

import pytest

from fixture_site.generate import load_content
from nlp.claims import ClaimMatcher, load_claims
from nlp.normalize import normalize
from tinradar.settings import Settings

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
            all(p.search(t) for _, p in matcher.required[c])
            and (not matcher.key_terms[c] or any(p.search(t) for _, p in matcher.key_terms[c]))
            for c in range(len(matcher.claims))
        ]
        for t in [normalize("Uống tỏi sống mỗi sáng diệt virus corona").folded, "cho mo cua binh thuong"]
    ]
    assert terms.tolist()[0] == slow[0] and any(terms[0]) and not any(terms[1])
