"""The kernel's shared vocabulary: one fold, one COVID-19 term list, one Vietnam time zone."""

from __future__ import annotations

import unicodedata

import pytest

from crawlers.topic import is_covid_related
from nlp.covid import covid_evidence, covid_probability
from tinradar.covid_terms import covid_terms, word_regex
from tinradar.settings import VN_TZ, Settings
from tinradar.text import fold, fold_aligned


def _definition(text: str) -> str:
    """Folding as first defined: NFD, drop combining marks, đ→d, NFC, lower case."""
    stripped = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", stripped.replace("đ", "d").replace("Đ", "D")).lower()


def test_fold_is_the_definition_for_every_latin_character_and_nfd_text() -> None:
    latin = "".join(chr(c) for c in range(0x20, 0x2000))
    assert fold(latin) == _definition(latin)
    text = "Đồng bào Sơn Dương đừng tin tin đồn phong tỏa; tiêm vắc-xin ở ĐÀ NẴNG"
    assert fold(text) == fold(unicodedata.normalize("NFD", text)) == _definition(text)
    assert fold(text) == "dong bao son duong dung tin tin don phong toa; tiem vac-xin o da nang"
    assert fold(None) == "" and fold("Đà", lower=False) == "Da"


def test_fold_aligned_keeps_offsets() -> None:
    text = "Huyện SƠN DƯƠNG và Tuyên Quang"
    folded = fold_aligned(text)
    assert len(folded) == len(text) and folded == "huyen son duong va tuyen quang"
    nfd = unicodedata.normalize("NFD", "Sơn")  # combining marks become spaces, length kept
    assert len(fold_aligned(nfd)) == len(nfd) and fold_aligned(nfd).replace(" ", "") == "son"
    assert len(fold_aligned("İstanbul")) == len("İstanbul")


#: One phrase per term of the crawlers' former hand-written topic list: each must stay on topic.
FORMER_TOPIC_TERMS = [
    "covid",
    "corona",
    "sars-cov-2",
    "ncov",
    "vac xin",
    "vacxin",
    "vaccine",
    "tiêm chủng",
    "mũi tiêm",
    "phong tỏa",
    "giãn cách",
    "cách ly",
    "chỉ thị 15",
    "chỉ thị 16",
    "F0",
    "F1",
    "ca mắc",
    "ca bệnh",
    "xét nghiệm",
    "khẩu trang",
    "5K",
    "dịch bệnh",
    "phòng chống dịch",
    "vùng dịch",
    "bùng dịch",
    "Omicron",
    "Delta",
    "khử khuẩn",
    "thuốc khử trùng",
    "virus",
    "đại dịch",
]


@pytest.mark.parametrize("term", FORMER_TOPIC_TERMS)
def test_topic_filter_keeps_every_former_term(term: str) -> None:
    assert is_covid_related(f"Tin trong ngày: {term} tại địa phương")


def test_one_term_list_serves_both_stages() -> None:
    terms = covid_terms()
    assert set(terms.themes) == {"disease", "cases", "measures", "hygiene", "vaccine", "rumor", "economy", "health"}
    assert all(theme.scored for theme in terms.themes.values())
    # Topic-only terms serve the filter and leave the score alone.
    assert is_covid_related("Biến thể Delta") and covid_evidence(fold("delta"))["disease"] == 0
    # A term that contains a scored one counts once, as the score was tuned.
    assert covid_evidence(fold("phun thuốc khử trùng"))["hygiene"] == 1
    assert covid_probability(fold("Giá rau xanh tăng mạnh sau mưa lớn")) < 0.1
    assert covid_probability(fold("Thêm 12 ca mắc COVID-19, phong tỏa hai xã")) > 0.9
    assert word_regex(["ca mac"]).search("them ca mac moi") and not word_regex(["ca mac"]).search("xca mac")


def test_one_vietnam_time_zone() -> None:
    assert Settings().tz == VN_TZ and VN_TZ.key == "Asia/Ho_Chi_Minh"
