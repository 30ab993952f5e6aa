"""Syllable embeddings: words used alike end up alike; the shipped ones know tone words."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nlp.embeddings import Embeddings, tokens, train_embeddings
from nlp.sentiment import SentimentModel

MODELS_DIR = Path(__file__).resolve().parents[2] / "nlp" / "models"


def _corpus() -> list[list[str]]:
    """Words "lo" and "sợ" share their contexts, "vui" and "mừng" theirs; the pairs never meet."""
    rng = np.random.default_rng(0)
    fillers = [f"từ{i}" for i in range(40)]
    docs = []
    for _ in range(400):
        for group, ctx in ((("lo", "sợ"), ("dịch", "quá", "hoang")), (("vui", "mừng"), ("cảm", "ơn", "tuyệt"))):
            word = group[int(rng.integers(2))]
            filler = [fillers[int(i)] for i in rng.integers(40, size=3)]
            docs.append([*filler[:2], ctx[0], word, ctx[1], ctx[2], filler[2]])
    return docs


def _cos(e: Embeddings, a: str, b: str) -> float:
    return float(e.vectors[e.vocab.index(a)] @ e.vectors[e.vocab.index(b)])


def test_words_in_the_same_contexts_get_close_vectors() -> None:
    e = train_embeddings(_corpus(), dim=8, seed=1)
    assert _cos(e, "lo", "sợ") > 0.8
    assert _cos(e, "vui", "mừng") > 0.8
    assert _cos(e, "lo", "mừng") < _cos(e, "lo", "sợ") - 0.5
    assert np.allclose(np.linalg.norm(e.vectors, axis=1), 1.0, atol=1e-3)  # unit length, float16-rounded


def test_training_is_deterministic_and_refuses_too_little_text() -> None:
    a, b = train_embeddings(_corpus(), dim=8, seed=1), train_embeddings(_corpus(), dim=8, seed=1)
    assert a.vocab == b.vocab
    np.testing.assert_array_equal(a.vectors, b.vectors)
    with pytest.raises(ValueError, match="too little text"):
        train_embeddings([["một", "hai"]] * 5, dim=8)


def test_doc_vectors_are_unit_means_and_zero_for_unknown_words() -> None:
    e = train_embeddings(_corpus(), dim=8, seed=1)
    docs = e.doc_vectors([["lo", "sợ"], ["không", "biết"], []])
    assert docs.shape == (3, 8) and docs.dtype == np.float32
    assert np.isclose(np.linalg.norm(docs[0]), 1.0, atol=1e-5)
    assert not docs[1].any() and not docs[2].any()
    assert tokens("hoang mang <url> quá!!!") == ["hoang", "mang", "<url>", "quá"]


def test_shipped_embeddings_place_tone_words_together() -> None:
    featurizer = SentimentModel.load(MODELS_DIR).featurizer
    e = featurizer.embeddings
    assert e is not None and e.dim == featurizer.config.embedding_dim
    # "hoang" (hoang mang, panic) sits nearer "lo" (lo lắng, worry) than "cảm" (cảm ơn, thanks)
    assert _cos(e, "hoang", "lo") > _cos(e, "hoang", "cảm")
    assert _cos(e, "tri", "cảm") > _cos(e, "tri", "hoang")  # tri ân ~ cảm ơn
