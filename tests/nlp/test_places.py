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
