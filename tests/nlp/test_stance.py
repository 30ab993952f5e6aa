"""Stance of a text towards a known claim: repeats, refutes or asks (rules on folded text)."""

from __future__ import annotations

import pytest

from nlp.claims import load_claims
from nlp.normalize import normalize
from nlp.stance import ClaimWording, claim_wordings, refutes, stance
from tinradar.schema import Stance
from tinradar.settings import Settings


@pytest.fixture(scope="module")
def wordings() -> dict[str, ClaimWording]:
    claims = load_claims(Settings().claims_file)
    return claim_wordings({c.id: [normalize(t).folded for t in [c.claim, *c.variants]] for c in claims})


def _stance(text: str, wording: ClaimWording) -> Stance:
    return stance(normalize(text).folded, wording)


@pytest.mark.parametrize(
    ("claim_id", "text", "expected"),
    [
        # corrections, official and personal
        ("son-duong-total-lockdown-hoax", "Huyện đã cải chính: không phong tỏa toàn huyện Sơn Dương.", Stance.REFUTES),
        ("vaccine-microchip", "Làm gì có chuyện vắc xin gắn chip, tin nhảm nhí thôi.", Stance.REFUTES),
        ("masks-cause-hypoxia", "Đeo khẩu trang không làm thiếu oxy đâu mọi người.", Stance.REFUTES),
        ("5g-spreads-covid", "tin 5g lam lay covid la tin gia nhe ca nha", Stance.REFUTES),
        # questions
        ("son-duong-total-lockdown-hoax", "Sơn Dương phong tỏa toàn huyện thật không các bác?", Stance.ASKS),
        ("vaccine-infertility", "Cho em hỏi tiêm vắc xin có bị vô sinh không ạ", Stance.ASKS),
        ("hot-lemon-water-kills-virus", "uong nuoc chanh nong co diet duoc virus khong moi nguoi", Stance.ASKS),
        # rumors, including those that borrow a correction's or a question's words
        ("helicopter-disinfectant-spraying", "Tối nay trực thăng phun thuốc khử trùng, đóng cửa nhé!", Stance.REPEATS),
        (
            "vaccine-mass-deaths",
            "Không phải tin đồn đâu, tiêm xong chết mấy người rồi. Tại sao báo chí im lặng?",
            Stance.REPEATS,
        ),
        ("official-case-cover-up", "Đừng tin số liệu trên báo, bệnh viện đang giấu hàng trăm ca.", Stance.REPEATS),
        ("vaccine-mass-deaths", "Báo chí nói là tin giả nhưng thực tế tiêm xong chết hàng loạt.", Stance.REPEATS),
        # a negation that is the hoax's own rule, not a denial
        ("son-duong-total-lockdown-hoax", "Từ mai Sơn Dương phong tỏa, không ai được ra khỏi nhà.", Stance.REPEATS),
        # a negation the claim itself contains
        ("hold-breath-self-test", "Nín thở 10 giây mà không ho, không khó chịu là không nhiễm covid.", Stance.REPEATS),
    ],
)
def test_stance(wordings: dict[str, ClaimWording], claim_id: str, text: str, expected: Stance) -> None:
    assert _stance(text, wordings[claim_id]) is expected


def test_a_claims_own_wording_is_not_a_correction(wordings: dict[str, ClaimWording]) -> None:
    # "miễn phí" corrects most scams, but it is part of this claim's own text
    text = "Phải nộp tiền mới được tiêm vắc xin COVID-19 miễn phí của Nhà nước."
    assert refutes(normalize(text).folded)  # without the claim: correction wording
    assert _stance(text, wordings["vaccine-fee-required"]) is Stance.REPEATS


def test_pairs_are_the_claims_own_words(wordings: dict[str, ClaimWording]) -> None:
    pairs = wordings["masks-cause-hypoxia"].pairs
    assert "thieu oxy" in pairs
    assert "vac xin" not in wordings["vaccine-microchip"].pairs  # every vaccine claim says it
