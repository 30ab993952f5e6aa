"""The diacritic restorer (``nlp.diacritics``): the shipped model on hand-written sentences, and
the trainer's round trip. None of these sentences is from an evaluation set."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp.diacritics import Restorer, accented_share, load_restorer, train
from tinradar.settings import Settings


@pytest.fixture(scope="module")
def restorer() -> Restorer:
    loaded = load_restorer(Settings().models_dir)
    assert loaded is not None, "nlp/models/diacritics/model.npz is shipped"
    return loaded


@pytest.mark.parametrize(
    ("typed", "restored"),
    [
        (
            "Bo Y te khuyen cao nguoi dan nen tiem vac xin day du",
            "Bộ Y tế khuyến cáo người dân nên tiêm vắc xin đầy đủ",
        ),
        ("Cho em hoi tiem mui 3 xong co bi sot khong a?", "Cho em hỏi tiêm mũi 3 xong có bị sốt không ạ?"),
        ("Hom nay Ha Noi ghi nhan them 20 ca mac moi", "Hôm nay Hà Nội ghi nhận thêm 20 ca mắc mới"),
        ("Toi dang o nha, khong ra ngoai vi dich benh", "Tôi đang ở nhà, không ra ngoài vì dịch bệnh"),
    ],
)
def test_restores_hand_written_sentences(restorer: Restorer, typed: str, restored: str) -> None:
    assert restorer.restore(typed) == restored


def test_keeps_case_punctuation_unknown_words_and_marked_syllables(restorer: Restorer) -> None:
    out = restorer.restore("NGHE NOI uống nuoc am diet duoc COVID-19 xyzqw!!")
    assert out.startswith("NGHE NÓI uống nước ấm")  # upper case kept; the marked "uống" untouched
    assert out.endswith("COVID-19 xyzqw!!")  # a word never seen and the punctuation are kept
    assert len(out) == len("NGHE NOI uống nuoc am diet duoc COVID-19 xyzqw!!")


def test_only_text_typed_without_diacritics_is_restored(restorer: Restorer) -> None:
    accented = "Tiêm vắc xin đầy đủ để phòng bệnh"
    assert restorer.restore_if_unaccented(accented) == accented
    assert restorer.restore_if_unaccented("tiem vac xin day du") == "tiêm vắc xin đầy đủ"
    assert restorer.restore_if_unaccented("OK 123 :)") == "OK 123 :)"
    assert accented_share("tiem vac xin") == 0.0 and accented_share(accented) > 0.5


def test_trained_model_round_trips_through_npz(tmp_path: Path) -> None:
    texts = ["Tôi đi chợ mua cá.", "Tôi đi học.", "Tối nay tôi đi chợ.", "Tới nơi rồi, tôi đi chợ."] * 3
    model = train(texts, min_count=1)
    assert model.restore("toi di cho") == "tôi đi chợ"
    model.save(tmp_path / "model.npz")
    again = Restorer.load(tmp_path / "model.npz")
    assert again.vocab == model.vocab and again.trigram == model.trigram
    assert again.restore("Toi nay toi di cho") == "Tối nay tôi đi chợ"


def test_missing_or_disabled_model_is_none(tmp_path: Path) -> None:
    assert load_restorer(tmp_path) is None
    assert load_restorer(Settings().models_dir, enabled=False) is None
