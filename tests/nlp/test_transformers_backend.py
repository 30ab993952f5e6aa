"""The optional transformers backend, with tiny models built here from a config (no downloads).

Needs the ``tinradar[transformers]`` extra; skipped when torch/transformers are absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.nlp.conftest import make_doc
from tinradar.schema import Sentiment
from tinradar.settings import Settings

pytestmark = pytest.mark.transformers

WORDS = ["tiêm", "vắc", "xin", "gây", "vô", "sinh", "chia", "sẻ", "gấp", "thông", "báo", "lịch", "covid"]


def _tiny_model(folder: Path, labels: list[str]) -> None:
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    folder.mkdir(parents=True)
    vocab = folder / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]) + "\n", encoding="utf-8")
    tokenizer = transformers.BertTokenizerFast(vocab_file=str(vocab), do_lower_case=True)
    torch.manual_seed(0)
    config = transformers.BertConfig(
        vocab_size=5 + len(WORDS),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
        num_labels=len(labels),
        initializer_range=0.5,
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
    )
    model = transformers.BertForSequenceClassification(config)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tiny-transformers")
    _tiny_model(root / "rumor", ["reliable", "unreliable"])
    _tiny_model(root / "sentiment", ["NEG", "NEU", "POS"])
    return root


def test_analyzer_uses_local_transformer_models(model_dir: Path, tmp_path: Path) -> None:
    from nlp import Analyzer

    settings = Settings(nlp_backend="transformers", transformers_model_dir=model_dir, data_dir=tmp_path)
    docs = [
        make_doc("Tiêm vắc xin gây vô sinh, chia sẻ gấp!", "doc-tf-0001"),
        make_doc("Thông báo lịch tiêm vắc xin covid", "doc-tf-0002"),
        make_doc("", "doc-tf-0003"),
    ]
    with Analyzer(settings) as analyzer:
        out = analyzer.analyze(docs)
    assert [a.doc_id for a in out] == [d.id for d in docs]
    assert out[0].model_versions["rumor"].startswith("transformers:")
    assert out[0].model_versions["sentiment"].startswith("transformers:")
    for a in out[:2]:
        assert 0.0 <= a.rumor_risk <= 1.0
        assert set(a.sentiment_proba) == {Sentiment.NEG, Sentiment.NEU, Sentiment.POS}
        assert abs(sum(a.sentiment_proba.values()) - 1.0) < 1e-3
        assert a.sentiment == max(a.sentiment_proba, key=a.sentiment_proba.__getitem__)
    # the untrained tiny model gives different scores to different texts: it really ran
    assert out[0].sentiment_proba != out[1].sentiment_proba
    assert out[2].notes and out[2].rumor_risk == 0.0


def test_single_model_directory_task_from_labels(tmp_path: Path) -> None:
    from nlp.transformers_backend import TransformersBackend

    _tiny_model(tmp_path / "m", ["negative", "neutral", "positive"])
    backend = TransformersBackend.load(tmp_path / "m")
    assert backend.has_sentiment and not backend.has_rumor
    probs = backend.sentiment(["tiêm vắc xin", ""])
    assert len(probs) == 2 and all(abs(sum(p.values()) - 1) < 1e-3 for p in probs)


def test_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    from nlp.transformers_backend import TransformersBackend, TransformersUnavailable

    with pytest.raises(TransformersUnavailable, match="not a directory"):
        TransformersBackend.load(tmp_path / "absent")
