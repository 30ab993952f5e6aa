"""The shipped sentiment model: clear cases, probabilities, the evaluation gate."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from nlp.groups import read_ids
from nlp.sentiment import CLASSES, SentimentModel
from nlp.sentiment_train import FROZEN_SPLIT, load_texts, read_labels, score_frozen, split_frozen
from tinradar.schema import Sentiment

MODELS_DIR = Path(__file__).resolve().parents[2] / "nlp" / "models"
DATASETS = MODELS_DIR.parents[2] / "shared" / "datasets"

#: Macro-F1 floors on the frozen split: what the shipped model reached there (MODEL_CARD.md)
#: minus a small margin. Raise them when the model improves.
IN_DOMAIN_MACRO_F1_FLOOR = 0.73
COVID_MACRO_F1_FLOOR = 0.72
COMMENTS_MACRO_F1_FLOOR = 0.69


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


@pytest.fixture(scope="module")
def shipped(shipped_tone: SentimentModel) -> SentimentModel:
    """The shipped model as the analyzer scores with it (``conftest.shipped_tone``)."""
    return shipped_tone


def test_evaluation_gate_on_the_frozen_split(shipped: SentimentModel) -> None:
    """The shipped model, scored on the frozen split (never trained on), stays above its floors.

    ``metrics.json`` is an output: the figures asserted here are computed now, from the model."""
    if not DATASETS.is_dir():
        pytest.skip("../shared/datasets is not present")
    config = json.loads((MODELS_DIR / "sentiment" / "config.json").read_text(encoding="utf-8"))
    if config.get("frozen_split") != FROZEN_SPLIT.name:
        pytest.skip("the shipped sentiment model was trained before the frozen split existed: retrain it")
    rows, frozen = split_frozen(read_labels(), sources := load_texts(DATASETS))
    assert len(frozen) >= 700 and not {(s, i) for s, i, _ in rows} & {(s, i) for s, i, _ in frozen}
    figures = score_frozen(shipped, frozen, sources)
    assert figures["n_covid_posts"] >= 300 and figures["n_comments"] >= 100
    assert figures["macro_f1"] >= IN_DOMAIN_MACRO_F1_FLOOR, figures
    assert figures["macro_f1_covid_posts"] >= COVID_MACRO_F1_FLOOR, figures
    assert figures["macro_f1_comments"] >= COMMENTS_MACRO_F1_FLOOR, figures
    assert len(read_ids(FROZEN_SPLIT)) == len(frozen)


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


def test_the_encoder_view_reads_only_the_vectors_it_is_handed(shipped: SentimentModel) -> None:
    """With the view on, rows that come with an e5 vector (COVID-related items, embedded for the
    rumor view) get the stacked probabilities and the others the lexical ones; without vectors or
    with the encoder off the lexical model stands alone, and the version says which."""
    covid_neg = "Hoang mang quá, dịch COVID-19 lan khắp nơi, ca nhiễm tăng, ai cũng sợ phải cách ly 😭"
    texts = [NEUTRAL[0], POSITIVE[1], covid_neg, "Hôm nay trời đẹp, cả nhà đi dạo công viên vui quá!"]
    lexical = SentimentModel.load(MODELS_DIR)
    note = lexical.use_encoder(None)
    plain = lexical.predict_proba(texts)
    if shipped.encoder_view is None:  # the shipped model has no encoder view: nothing to stack
        assert note is None and shipped.active_version == shipped.version
        assert shipped.encoder_vectors(texts) is None
        return
    assert note is not None and note.startswith("sentiment_lexical_only")
    assert lexical.active_version.endswith("+lexical") and shipped.active_version.endswith("+e5")
    assert lexical.predict_proba(texts, np.ones((len(texts), shipped.encoder_view.dim))) == plain
    vectors = shipped.encoder_vectors(texts)
    assert vectors is not None and vectors[:3].any(axis=1).all() and not vectors[3].any()  # under the gate
    assert shipped.predict_proba(texts) == plain  # nothing handed over: lexical
    stacked = shipped.predict_proba(texts, vectors)
    assert stacked[3] == plain[3] and all(stacked[i] != plain[i] for i in range(3))
    assert all(math.isclose(sum(p.values()), 1.0, abs_tol=1e-6) for p in stacked)


def test_blind_cues_do_not_read_the_name() -> None:
    """Principle 1: with ``blind_cues`` the style cues (length, capitals, "!", digits...) count the
    text with its names left out, so the dense cues of one template are the same for every name.
    The old setting (what models saved before it load with) counts the names: a longer name is a
    longer text, which moved the shipped model's probabilities by the religion's length."""
    from nlp.fairness import load_templates
    from nlp.sentiment import FeatureConfig, Featurizer, Lexicon

    data = load_templates()
    religion = "Tín đồ {R} được phát vắc xin giả, sự thật bị che giấu, hãy chia sẻ."
    country = "Theo số liệu chính thức, {X} ghi nhận thêm 1.200 ca mắc mới trong 24 giờ qua!"
    cases = [
        [religion.replace("{R}", r) for r in data["religions"]],
        [country.replace("{X}", x) for x in data["countries"]],
    ]
    assert len(cases[0]) == 6 and len(cases[1]) >= 8
    lexicon = Lexicon.load()
    blind = Featurizer(FeatureConfig(embedding_dim=0, mask_entities=True, blind_cues=True), lexicon)
    old = Featurizer(FeatureConfig(embedding_dim=0, mask_entities=True), lexicon)
    for fills in cases:
        cues = blind.prepare(fills).cues
        assert np.array_equal(cues, np.repeat(cues[:1], len(fills), axis=0)), cues
        assert cues[0].any()  # the cues are read, not zeroed
        old_cues = old.prepare(fills).cues
        assert len({tuple(row) for row in old_cues.tolist()}) > 1


def test_the_encoder_views_form_is_saved_and_a_file_without_it_reads_tokens(tmp_path: Path) -> None:
    """``readable`` (the e5 view's form: type tokens as words) is a property of the trained model:
    saved and loaded with it; a config written before it existed reads the token form it was
    fitted on, and its view embeds "<QUỐC_GIA>", the readable one "quốc gia"."""
    import dataclasses
    import shutil

    from nlp.encoder import load_encoder
    from tinradar.settings import Settings

    model = SentimentModel.load(MODELS_DIR)
    if model.encoder_view is None:
        pytest.skip("the shipped sentiment model has no encoder view")
    for form in (True, False):
        model.encoder_view = dataclasses.replace(model.encoder_view, readable=form)
        model.save(tmp_path / f"m{form}" / "sentiment")
        loaded = SentimentModel.load(tmp_path / f"m{form}")
        assert loaded.encoder_view is not None and loaded.encoder_view.readable is form
    old = tmp_path / "old" / "sentiment"
    shutil.copytree(MODELS_DIR / "sentiment", old)
    config = json.loads((old / "config.json").read_text(encoding="utf-8"))
    config["encoder_view"].pop("readable", None)
    (old / "config.json").write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    tokens = SentimentModel.load(tmp_path / "old")
    assert tokens.encoder_view is not None and tokens.encoder_view.readable is False
    words = SentimentModel.load(tmp_path / "mTrue")
    encoder, why = load_encoder(Settings(encoder_threads=2))
    assert encoder is not None, why
    assert tokens.use_encoder(encoder) is None and words.use_encoder(encoder) is None
    named = ["Trung Quốc lại giấu số ca mắc COVID-19, dân tình hoang mang lo lắng quá"]
    a, b = tokens.encoder_vectors(named), words.encoder_vectors(named)
    assert a is not None and b is not None and a.any() and b.any() and not np.array_equal(a, b)
    from nlp.normalize import normalize
    from nlp.rumor import encoder_texts

    expected = encoder.queries(encoder_texts([normalize(named[0])], readable_form=True))
    np.testing.assert_array_equal(b, expected)
