"""Training is seeded and reproducible, and its evaluation cannot leak held-out posts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nlp.sentiment import FeatureConfig
from nlp.sentiment_train import TrainParams, dup_key, read_labels, train

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets"
needs_data = pytest.mark.skipif(
    not (DATA / "reintel" / "unlabeled.csv").is_file(), reason="shared datasets not present"
)

TEXTS = [
    "Bộ Y tế công bố thêm 2 ca mắc COVID-19 mới.",
    "Cảm ơn các y bác sĩ, chúng tôi rất tự hào!",
    "Hoang mang quá, dịch lan khắp nơi rồi 😭",
]


def test_labels_file_is_ids_and_labels_only() -> None:
    rows = read_labels()
    assert len(rows) >= 500
    assert len({(s, i) for s, i, _ in rows}) == len(rows), "duplicate ids"
    path = Path(__file__).resolve().parents[2] / "nlp" / "data" / "sentiment_labels.csv"
    assert path.read_text(encoding="utf-8").splitlines()[0] == "source,id,label"
    assert max(len(line) for line in path.read_text(encoding="utf-8").splitlines()) < 40  # no texts


def test_dup_key_groups_reposts() -> None:
    a = "Dịch Corona thực sự nguy hiểm, và KHÔNG CÓ MỘT LOẠI KHẨU TRANG NÀO CHỐNG ĐƯỢC DỊCH mọi người nhé."
    b = "Dich Corona thuc su nguy hiem, va khong co mot loai khau trang nao chong duoc dich moi nguoi nhe!!"
    assert dup_key(a) == dup_key(b)
    assert dup_key(a) != dup_key("Bộ Y tế công bố thêm 2 ca mắc mới.")


@needs_data
def test_training_is_reproducible_on_a_subsample(tmp_path: Path) -> None:
    small = {
        "write": False,
        "limit": 120,
        "params": TrainParams(folds=3),
        "features": FeatureConfig(word_features=2**12, char_features=2**11),
    }
    runs = [train(DATA, tmp_path, seed=7, **small) for _ in range(2)]
    probs = [np.array([[p[c] for c in sorted(p)] for p in r["_model"].predict_proba(TEXTS)]) for r in runs]
    np.testing.assert_array_equal(probs[0], probs[1])
    assert runs[0]["in_domain"] == runs[1]["in_domain"]
    assert runs[0]["in_domain"]["n"] == 120
    other = train(DATA, tmp_path, seed=8, **small)
    assert other["_model"].version != runs[0]["_model"].version or other["in_domain"] != runs[0]["in_domain"]
