import pytest

from nlp.places import Gazetteer


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer()


def codes(locs):
    return [(loc.province_code, loc.district_code) for loc in locs]


def test_table_has_all_provinces(gaz: Gazetteer) -> None:
    assert len(gaz.provinces) == 63
    assert len(gaz.districts) > 700


def test_with_and_without_diacritics_and_type_words(gaz: Gazetteer) -> None:
    assert codes(gaz.find("Huyện Sơn Dương, tỉnh Tuyên Quang")) == [("08", "076"), ("08", None)]
    assert codes(gaz.find("huyen son duong tinh tuyen quang phong toa")) == [("08", "076"), ("08", None)]
    assert codes(gaz.find("H. Sơn Dương")) == [("08", "076")]


def test_common_names(gaz: Gazetteer) -> None:
    assert codes(gaz.find("Dân TP.HCM, Sài Gòn và HN")) == [("79", None), ("01", None)]
    assert codes(gaz.find("TP. Hồ Chí Minh")) == [("79", None)]
    assert codes(gaz.find("du lịch Huế")) == [("46", "474")]


def test_city_named_like_its_province(gaz: Gazetteer) -> None:
    assert codes(gaz.find("Tuyên Quang")) == [("08", None)]
    assert codes(gaz.find("Thành phố Tuyên Quang")) == [("08", "070")]


def test_ambiguous_district_resolved_by_province_in_text(gaz: Gazetteer) -> None:
    assert codes(gaz.find("Huyện Châu Thành")) == []  # exists in several provinces
    assert codes(gaz.find("Huyện Châu Thành, tỉnh Long An")) == [("80", "808"), ("80", None)]
    assert codes(gaz.find("Huyện Châu Thành", province_hint="80")) == [("80", "808")]


def test_common_words_are_not_places(gaz: Gazetteer) -> None:
    assert gaz.find("Ngày hòa bình và thống nhất đất nước") == []
    assert gaz.find("quản lý nhân khẩu, tỉnh.\n\n5. Ủy ban") == []
    assert [loc.name for loc in gaz.find("Quận 1 và Q.3")] == ["Quận 1", "Quận 3"]


def test_directive_places(gaz: Gazetteer, directive_text: str) -> None:
    found = codes(gaz.find(directive_text))
    assert ("08", None) in found  # "TUYỀN QUANG" (a typo in the scan) still found
    assert ("08", "076") in found
    assert all(p == "08" for p, _ in found)


def test_names_do_not_cross_punctuation_or_other_tone_marks(gaz: Gazetteer) -> None:
    assert codes(gaz.find("Nóng: Sơn Dương phong tỏa")) == [("08", "076")]  # not "Nông Sơn"
    assert codes(gaz.find("Thừa Thiên-Huế")) == [("46", None)]
    assert codes(gaz.find("Bà Rịa - Vũng Tàu")) == [("77", None)]


def test_a_second_read_of_the_same_text_gives_the_same_places() -> None:
    """Masking reads a text's places (``spans``), then the analyser its locations (``find``): the
    second read is the first one's matches, and gives what a fresh gazetteer finds."""
    text = "Huyện Sơn Dương, tỉnh Tuyên Quang và TP.HCM phong tỏa; H. Sơn Dương mở lại"
    gaz, fresh = Gazetteer(), Gazetteer()
    spans = gaz.spans(text)
    assert gaz.find(text) == fresh.find(text) and gaz.spans(text) == spans == fresh.spans(text)
    assert gaz.find(text.lower()) == fresh.find(text.lower())  # another text: its own matches
    assert codes(gaz.find(text)) == [("08", "076"), ("08", None), ("79", None)]


# Rules from real posts (nlp/places_real.py; docs/nlp.md "Places on real posts"). Written examples.


def test_names_folded_alike_are_told_apart_by_their_marks(gaz: Gazetteer) -> None:
    assert codes(gaz.find("Hàng về tỉnh Phú Yên")) == [("54", None)]  # not huyện Phù Yên (Sơn La)
    assert codes(gaz.find("Huyện Phù Yên")) == [("14", "122")]


def test_latin_eth_reads_as_d_with_stroke(gaz: Gazetteer) -> None:
    assert codes(gaz.find("UBND tỉnh \u00d0iện Biên")) == [("11", None)]
    assert gaz.spans("ở \u00d0iện Biên") == [(2, 11)]  # the span of the text as written


def test_one_word_aliases(gaz: Gazetteer) -> None:
    assert codes(gaz.find("Dân TPHCM và Saigon")) == [("79", None)]
    assert codes(gaz.find("bạn ở SG nói")) == [("79", None)]
    assert codes(gaz.find("sg")) == []  # only as written: "SG"
    assert codes(gaz.find("Du lịch Sapa")) == [("10", "088")]


def test_a_typed_name_keeps_only_units_of_that_type(gaz: Gazetteer) -> None:
    # Tân Phú is a quận of TP.HCM and a huyện of Đồng Nai; both provinces are named
    assert codes(gaz.find("quận Tân Phú, TP.HCM và Đồng Nai")) == [("79", "767"), ("79", None), ("75", None)]


def test_a_name_after_a_commune_or_street_word_is_not_the_district(gaz: Gazetteer) -> None:
    assert codes(gaz.find("Trạm y tế xã Thanh Thủy")) == []
    assert codes(gaz.find("nhà ở phường An Phú")) == []
    assert codes(gaz.find("thị trấn Lâm Thao")) == []
    assert codes(gaz.find("thị xã Sa Pa")) == [("10", "088")]  # "thị xã" is a district's type


def test_a_bare_name_inside_an_institution_name_is_not_the_place(gaz: Gazetteer) -> None:
    assert codes(gaz.find("Viện Pasteur Nha Trang cho biết")) == []
    assert codes(gaz.find("đáp xuống sân bay Vân Đồn")) == []
    assert codes(gaz.find("Bệnh viện số 2 Quảng Ninh")) == []
    # masking still hides the name (names must not move a score): spans keep it
    assert gaz.spans("Viện Pasteur Nha Trang") == [(13, 22)]
    # with its type word, or apart from the name, the place still counts
    assert codes(gaz.find("Bệnh viện Đa khoa tỉnh Bạc Liêu")) == [("95", None)]
    assert codes(gaz.find("Bệnh viện Bạch Mai, Hà Nội")) == [("01", None)]
    assert codes(gaz.find("phải nhập viện Hà Nội")) == [("01", None)]


def test_a_bare_name_after_a_family_name_is_a_person(gaz: Gazetteer) -> None:
    assert codes(gaz.find("Ông Lê Thanh Liêm phát biểu")) == []
    assert codes(gaz.find("Hội nghị ở huyện Thanh Liêm")) == [("35", "351")]
    assert codes(gaz.find("Ông Lê ở Thanh Liêm")) == [("35", "351")]


def test_a_name_running_on_into_a_longer_name_is_not_the_place(gaz: Gazetteer) -> None:
    assert codes(gaz.find("hạ cánh sân bay Tân Sơn Nhất")) == []
    assert codes(gaz.find("khu vực châu Á - Thái Bình Dương")) == []
    # Title Case headlines and lists without commas keep their places
    assert codes(gaz.find("Ở Hà Nội Đã Có Ca Mới")) == [("01", None)]
    assert codes(gaz.find("Bảo Thắng, Lào Cai Sapa")) == [("10", "086"), ("10", None), ("10", "088")]
