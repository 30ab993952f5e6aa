"""Entity-blind text: names become their type, common words that look like names do not."""

from __future__ import annotations

import pytest

from nlp.masking import EntityType, is_mask_token, mask, masker
from nlp.normalize import normalize

C, P, E, R, ORG, N = (t.value for t in EntityType)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Bộ Y tế cho biết Trung Quốc đã viện trợ thêm 500.000 liều vắc xin cho Việt Nam.",
            f"{ORG} cho biết {C} đã viện trợ thêm 500.000 liều vắc xin cho {C}.",
        ),
        ("Đại sứ quán Mỹ trao tặng tỉnh Tuyên Quang 20 máy thở.", f"Đại sứ quán {C} trao tặng tỉnh {P} 20 máy thở."),
        # typed without diacritics: multi-syllable names anywhere, short ones after a context word
        (
            "nghe noi o my nguoi ta chet nhieu lam, trung quoc giau dich",
            f"nghe noi o {C} nguoi ta chet nhieu lam, {C} giau dich",
        ),
        ("TIN NÓNG: TQ giấu dịch ở Vũ Hán!!!", f"TIN NÓNG: {C} giấu dịch ở {P}!!!"),
        ("đồng bào Ê Đê ở Đắk Lắk và người Hoa theo Phật giáo", f"đồng bào {E} ở {P} và người {E} theo {R}"),
        ("Bác sĩ Nguyễn Văn An nói với ông Tuấn", f"Bác sĩ {N} nói với ông {N}"),
        ("Theo WHO, nước Anh và Nhật Bản đã tiêm đủ", f"Theo {ORG}, nước {C} và {C} đã tiêm đủ"),
    ],
)
def test_names_become_their_type(text: str, expected: str) -> None:
    assert mask(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Chị bán mỹ phẩm ở thẩm mỹ viện, học đạo đức và phương pháp mới.",
        "Anh ấy nói biện pháp phòng dịch cần cập nhật, nhật ký ghi đủ.",
        "ban nen deo khau trang, rua tay thuong xuyen va giu khoang cach",
        "Mỗi người dân hãy là một chiến sĩ chống dịch.",
        "Lao động tự do mất việc; áo mưa và bị ho kéo dài.",
    ],
)
def test_common_words_are_left_alone(text: str) -> None:
    assert mask(text) == text


def test_spans_are_spans_of_the_text_as_written() -> None:
    text = "Nghe nói ở Mỹ và Trung Quốc người ta giấu dịch ở huyện Sơn Dương."
    found = masker().find(text)
    assert [(e.kind, text[e.start : e.end]) for e in found] == [
        (EntityType.COUNTRY, "Mỹ"),
        (EntityType.COUNTRY, "Trung Quốc"),
        (EntityType.PLACE, "Sơn Dương"),
    ]


def test_masked_views_read_the_type_token_and_expand_shorthand_after() -> None:
    norm = masker().mask_normalized(normalize("TQ giấu dịch, mn ơi share gấp https://x.vn"))
    assert norm.features.startswith("<quốc_gia> giấu dịch, mọi người ơi")  # "TQ" masked, "mn" expanded
    assert "<url>" in norm.features
    assert norm.folded == norm.folded.lower() and "<quoc_gia>" in norm.folded
    assert is_mask_token("<quốc_gia>") and is_mask_token("<quoc_gia>") and not is_mask_token("virus")
