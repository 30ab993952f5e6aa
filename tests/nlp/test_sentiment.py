"""The shipped sentiment model: clear cases, probabilities, the evaluation gate."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from nlp.sentiment import CLASSES, SentimentModel
from tinradar.schema import Sentiment

MODELS_DIR = Path(__file__).resolve().parents[2] / "nlp" / "models"
METRICS = MODELS_DIR / "sentiment" / "metrics.json"

#: In-domain macro-F1 floor: the cross-validated value the shipped model reached
#: (see metrics.json / MODEL_CARD.md) minus a small margin. Raise it when the model improves.
IN_DOMAIN_MACRO_F1_FLOOR = 0.72
COVID_MACRO_F1_FLOOR = 0.74
COVID_RANDOM_DRAWS_MACRO_F1_FLOOR = 0.72
COMMENTS_MACRO_F1_FLOOR = 0.68


@pytest.fixture(scope="module")
def model() -> SentimentModel:
    return SentimentModel.load(MODELS_DIR)


# Our own sentences (not from any dataset), one clear tone each.
NEUTRAL = [
    "Bộ Y tế công bố thêm 5 ca mắc COVID-19 mới, nâng tổng số ca mắc tại Việt Nam lên 270.",
    "Sáng 12/4, UBND tỉnh Tuyên Quang ban hành công văn về việc tạm dừng các hoạt động tập trung trên 20 người.",
    "Tỉnh Tuyên Quang ghi nhận 3 ca dương tính, các trường hợp đã được cách ly tập trung.",
    # plain bulletins, "no new cases" included, are neu by the rule book (rule 1)
    "Tính đến 6h sáng nay, huyện Sơn Dương ghi nhận 3 ca dương tính, đều đã được cách ly tập trung.",
    "Sáng nay, Bộ Y tế cho biết không ghi nhận ca mắc mới, tổng số ca mắc vẫn là 267.",
]
POSITIVE = [
    "Xin chân thành cảm ơn các y bác sĩ tuyến đầu đã ngày đêm vất vả chống dịch, chúng tôi vô cùng biết ơn và tự hào về các anh chị! ❤️",
    "Tin vui: tất cả bệnh nhân đã khỏi bệnh và xuất viện, cả nước cùng chung tay, nhất định chúng ta sẽ chiến thắng dịch bệnh! 💪",
]
NEGATIVE = [
    "Hoang mang quá mọi người ơi, dịch lan khắp nơi rồi, sợ lắm, ai cũng lo lắng không biết bao giờ mới hết 😭",
    "Thật phẫn nộ! Chính quyền bưng bít thông tin, che giấu số ca nhiễm, vô trách nhiệm với dân!!!",
]


def _argmax(p: dict[Sentiment, float]) -> Sentiment:
    return max(p, key=p.__getitem__)


@pytest.mark.parametrize(
    ("texts", "expected"), [(NEUTRAL, Sentiment.NEU), (POSITIVE, Sentiment.POS), (NEGATIVE, Sentiment.NEG)]
)
def test_clear_examples(model: SentimentModel, texts: list[str], expected: Sentiment) -> None:
    probs = model.predict_proba(texts)
    assert [_argmax(p) for p in probs] == [expected] * len(texts), probs


def test_probabilities_are_a_distribution_in_order(model: SentimentModel) -> None:
    texts = [*NEUTRAL, *POSITIVE, *NEGATIVE]
    probs = model.predict_proba(texts)
    assert len(probs) == len(texts)
    for p in probs:
        assert set(p) == set(CLASSES)
        assert all(isinstance(k, Sentiment) for k in p)
        assert all(0.0 <= v <= 1.0 for v in p.values())
        assert math.isclose(sum(p.values()), 1.0, abs_tol=1e-6)
    # same text alone or in a batch: same answer (batching does not leak between rows)
    single = model.predict_proba([NEGATIVE[0]])[0]
    assert all(math.isclose(single[c], probs[len(NEUTRAL) + len(POSITIVE)][c], abs_tol=1e-6) for c in CLASSES)


def test_odd_input_never_raises(model: SentimentModel) -> None:
    odd = ["", "   ", "😀😀😀", "https://example.com/x", "Lorem ipsum dolor sit amet", "x" * 1_000_000, "Vieät Nam ñaõ"]
    probs = model.predict_proba(odd)
    assert len(probs) == len(odd)
    assert all(math.isclose(sum(p.values()), 1.0, abs_tol=1e-6) for p in probs)
    assert _argmax(probs[0]) == Sentiment.NEU  # nothing said: no tone
    assert model.predict_proba([]) == []


def test_without_diacritics_still_reads_tone(model: SentimentModel) -> None:
    probs = model.predict_proba(["cam on cac y bac si, chung toi rat tu hao, cam on rat nhieu ❤️"])[0]
    assert _argmax(probs) == Sentiment.POS, probs


def test_version_and_model_size(model: SentimentModel) -> None:
    assert model.version.startswith("sentiment-")
    size = sum(f.stat().st_size for f in (MODELS_DIR / "sentiment").iterdir())
    assert size < 10 * 1024 * 1024


def test_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="tinradar train sentiment"):
        SentimentModel.load(tmp_path)


def test_evaluation_gate() -> None:
    """The shipped model's honest, cross-validated in-domain score stays above its floor."""
    metrics = json.loads(METRICS.read_text(encoding="utf-8"))
    ind = metrics["in_domain"]
    assert ind["n"] >= 3000
    assert ind["macro_f1"] >= IN_DOMAIN_MACRO_F1_FLOOR, ind
    assert ind["macro_f1_covid_posts"] >= COVID_MACRO_F1_FLOOR, ind
    assert ind["macro_f1_covid_random_draws"] >= COVID_RANDOM_DRAWS_MACRO_F1_FLOOR, ind
    assert ind["repeated_cv"]["macro_f1_covid_posts"]["mean"] >= COVID_MACRO_F1_FLOOR, ind["repeated_cv"]
    assert ind["n_comments"] >= 1000 and ind["macro_f1_comments"] >= COMMENTS_MACRO_F1_FLOOR, ind
    # the in-domain labels must beat the out-of-domain-only baseline by a wide margin
    assert ind["macro_f1"] >= ind["baseline_ood_only_macro_f1"] + 0.2
    assert metrics["version"] == SentimentModel.load(MODELS_DIR).version
    # out-of-domain: the review/feedback component keeps its skill, and the final model
    # (tuned for news and posts, with the review rows at a small weight) still reads
    # comment- and review-style text
    for name, m in metrics["out_of_domain"].items():
        assert m["macro_f1_ood_component_alone"] >= 0.6, (name, m)
        assert m["macro_f1"] >= 0.55, (name, m)


def test_opening_gets_its_own_block_and_the_tail_is_not_read(model: SentimentModel) -> None:
    feat = model.featurizer
    cfg = feat.config
    opening = "Bộ Y tế công bố thêm 5 ca mắc COVID-19 mới. " * 6  # longer than lead_chars
    a, b = opening + "Mọi người hãy yên tâm.", opening + "Hoang mang quá, sợ lắm!!!"
    counts = feat.counts(feat.prepare([a, b]))
    word, char, lead = cfg.word_features, cfg.char_features, cfg.lead_features
    assert counts.shape[1] == word + char + lead == feat.n_features
    lead_block = counts[:, word + char :].toarray()
    assert lead_block[0].any() and (lead_block[0] == lead_block[1]).all()  # same opening
    assert (counts[0, :word] != counts[1, :word]).nnz > 0  # the bodies differ
    # past max_chars nothing is read: a different ending changes nothing
    filler = "Tin tức trong ngày. " * (cfg.max_chars // 10)
    p1, p2 = model.predict_proba([filler + "Cảm ơn các y bác sĩ ❤️", filler + "Thật phẫn nộ!!! 😡"])
    assert all(math.isclose(p1[c], p2[c], abs_tol=1e-9) for c in CLASSES)
