"""Entity-blind text: names become their type, common words that look like names do not."""

from __future__ import annotations

import pytest

from nlp.masking import Entity, EntityType, Masker, is_mask_token, mask, masker, readable, with_types
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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # lower case, as most social posts are typed: with or without diacritics, the same rules
        ("ha noi phong toa", f"{P} phong toa"),
        ("hà nội ngày mai", f"{P} ngày mai"),
        ("tuyên quang phong tỏa", f"{P} phong tỏa"),
        ("đà nẵng và bắc giang", f"{P} và {P}"),
        ("nghe nói ở tuyên quang", f"nghe nói ở {P}"),
        ("nguoi hoa", f"nguoi {E}"),
        ("người hoa ở đây", f"người {E} ở đây"),
        ("cả bản tày bị nhiễm", f"cả bản {E} bị nhiễm"),
        ("ở mỹ người ta chết nhiều", f"ở {C} người ta chết nhiều"),
        ("bộ y tế cho biết mỹ đã viện trợ", f"{ORG} cho biết {C} đã viện trợ"),
        ("đại sứ pháp nhân dịp sang thăm", f"đại sứ {C} nhân dịp sang thăm"),
        ("các cơ sở tin lành tạm dừng", f"các cơ sở {R} tạm dừng"),
        ("hôm nay ở hòa bình mưa", f"hôm nay ở {P} mưa"),  # after "ở" the province
        ("tỉnh hòa bình", f"tỉnh {P}"),
        # the type word's abbreviation glued to the name is one name, not "TP." + a name
        ("TP.HCM phong tỏa", f"{P} phong tỏa"),
        ("Tp.HCM phong tỏa", f"{P} phong tỏa"),
        ("tp.hcm phong tỏa", f"{P} phong tỏa"),
        ("dân tphcm và saigon", f"dân {P} và {P}"),
        # an "any" name is still the name where no syllable before or after makes another word
        ("Sở Y tế Hà Nội cho biết", f"{ORG} {P} cho biết"),
        ("sở y tế hà nội cho biết", f"{ORG} {P} cho biết"),
        ("theo bộ y tế và Bộ Công an", f"theo {ORG} và {ORG}"),
        ("ca bệnh ở Nam Phi", f"ca bệnh ở {C}"),
        ("ca bệnh ở nam phi", f"ca bệnh ở {C}"),
        ("ở nam phi công bố", f"ở {C} công bố"),  # "công bố" opens a word: the country announces
        # typed without diacritics, a name that is also a common word only after its listed words
        ("o nuoc anh", f"o nuoc {C}"),
        ("nuoc y va ao mua", f"nuoc {C} va ao mua"),
    ],
)
def test_names_in_lower_case_become_their_type(text: str, expected: str) -> None:
    assert mask(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "hòa bình thế giới là mong ước của mọi người",  # peace
        "mọi người ở trạng thái bình thường",  # "thái bình" across two words
        "em cao bằng anh rồi",  # "as tall as"
        "chị bán đồ ở thẩm mỹ viện, lào xào cả ngày",
        "my pham nay tot lam",
        "mỹ phẩm và thủ công mỹ nghệ",
        "biện pháp, phương pháp, tư pháp và pháp luật",
        "đạo đức và y đức của người thầy thuốc",
        "người chăm sóc bệnh nhân, hộ kinh doanh và người kinh doanh",
        "ho kinh doanh gap kho, nguoi cham soc benh nhan",
        "làng hoa ngày tết",
        "bạn chăm học lắm",
        "của anh, nước mắt và áo mưa",
        "thanh niên và tuổi trẻ tình nguyện",
        "hn đi học, sg nhé",  # "hn" is also "hôm nay" in teen code; lower-case "sg": see docs/nlp.md
        "thiên nga và dép lào",
        # an "any" name whose first syllable ends another word (docs/nlp.md, "Names in lower case")
        "đến cơ sở y tế gần nhất, các cơ sở Y tế",
        "Cơ sở y tế phải báo cáo ngay",
        "co so y te gan nhat",
        "cán bộ y tế và cán bộ Công an phường",
        "bệnh nhân 91 là nam phi công",
        "góp phần lan tỏa",
        "như hồi giáo sư dạy",
        "cua anh day, theo y toi",
    ],
)
def test_common_words_in_lower_case_are_left_alone(text: str) -> None:
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


class _Counting(Masker):
    """A masker that counts how often it really looks for names."""

    def __init__(self) -> None:
        super().__init__()
        self.looked = 0

    def _find(self, text: str) -> list[Entity]:
        self.looked += 1
        return super()._find(text)


def test_names_are_found_once_per_text_and_shared_with_the_mask() -> None:
    """``mask`` and ``find`` share one search (the claim finder reads the names of texts the rumor
    path already masked), and what ``find`` returns cannot be changed by a caller."""
    m = _Counting()
    text = "cơ sở y tế ở Nam Phi và Sở Y tế Hà Nội"
    masked = m.mask(text)
    found = m.find(text)
    assert m.find(text) == found and m.looked == 1
    assert masked == with_types(text, found) == f"cơ sở y tế ở {C} và {ORG} {P}"
    assert isinstance(found, tuple)  # no append / pop / item assignment for the next caller to see
    assert [e.surface for e in found] == ["Nam Phi", "Sở Y tế", "Hà Nội"]


@pytest.mark.parametrize("case", [str, str.lower])
def test_a_religion_named_with_both_dao_and_giao_is_one_name_whichever_it_is(case) -> None:
    """ "đạo X giáo" names a religion as "X giáo" and "đạo X" do: one token for every X, so the
    name cannot move the text a model reads (principle 1)."""
    religions = ["Phật", "Thiên Chúa", "Hồi", "Ấn Độ", "Do Thái", "Tin Lành", "Công"]
    masked = {mask(case(f"Tín đồ đạo {r} giáo ở đây được phát vắc xin giả")) for r in religions}
    assert masked == {f"{case('Tín đồ')} {R} ở đây được phát vắc xin giả"}


def test_readable_reads_every_type_token_as_words_and_leaves_the_rest() -> None:
    """What the encoder reads of a masked text (claim matching and the models' readable e5 views):
    each type token as its lower-case words; text without a token is unchanged, case kept."""
    assert readable("Nghe nói <QUỐC_GIA> giấu số ca ở <ĐỊA_DANH>") == "Nghe nói quốc gia giấu số ca ở địa danh"
    for kind in EntityType:
        words = readable(kind.value)
        assert words == kind.value[1:-1].replace("_", " ").lower() and "<" not in words and "_" not in words
    plain = "Bộ Y tế: thêm 12 ca mắc COVID-19 <mới>"
    assert readable(plain) == plain
    assert readable(mask("Trung Quốc viện trợ vắc xin")) == "quốc gia viện trợ vắc xin"
