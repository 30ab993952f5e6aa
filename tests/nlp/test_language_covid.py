import pytest

from nlp.covid import covid_probability
from nlp.language import detect_language
from nlp.normalize import normalize


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Tiêm vắc xin phòng COVID-19 cho người trên 65 tuổi tại trạm y tế xã", "vi"),
        ("toi nay khong duoc ra duong, moi nguoi o nha nhe", "vi"),
        ("The ministry announced that all schools will reopen next week", "en"),
        ("这是关于新冠病毒的新闻报道", "zh"),
        ("😀😀😀", "und"),
        ("", "und"),
    ],
)
def test_language(text: str, lang: str) -> None:
    assert detect_language(text)[0] == lang


@pytest.mark.parametrize(
    "text",
    [
        "Thêm 7 ca mắc COVID-19 mới tại Quảng Nam",  # cases
        "Thực hiện cách ly tập trung 21 ngày với người về từ vùng dịch",  # quarantine
        "Bộ Y tế khuyến cáo đeo khẩu trang nơi công cộng",  # masks
        "Xét nghiệm PCR cho toàn bộ người dân trong khu phong tỏa",  # tests, lockdown
        "Tiêm vắc xin mũi 2 cho công nhân khu công nghiệp",  # vaccines
        "toi nay truc thang phun thuoc khu trung diet virus",  # epidemic rumor, no diacritics
        "Doanh nghiệp điêu đứng, công nhân mất việc vì dịch kéo dài, gói hỗ trợ chưa tới",  # economy
    ],
)
def test_covid_related(text: str) -> None:
    assert covid_probability(normalize(text).folded) >= 0.5


@pytest.mark.parametrize(
    "text",
    [
        "Giá vàng hôm nay tăng mạnh trên thị trường thế giới",
        "Cam sành Hàm Yên vào vụ thu hoạch, giá tại vườn 12.000 đồng/kg",
        "Đội tuyển Việt Nam thắng Thái Lan 2-0 ở trận chung kết",
    ],
)
def test_not_covid(text: str) -> None:
    assert covid_probability(normalize(text).folded) < 0.5
