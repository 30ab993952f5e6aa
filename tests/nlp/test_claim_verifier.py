"""The claim verifier: the shipped file loads for its encoder only, scores, and the finder falls back."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nlp.claim_finder import ClaimFinder, ClaimText
from nlp.claim_verifier import SCALARS, Verifier, VerifierInput, feature_matrix, top_claim_input
from nlp.normalize import normalize
from tinradar.settings import Settings

SHIPPED = Settings().models_dir / "claims" / "verifier.json"


def _raw() -> dict[str, object]:
    if not SHIPPED.is_file():
        pytest.skip("no verifier shipped")
    return dict(json.loads(SHIPPED.read_text(encoding="utf-8")))


def test_the_shipped_verifier_loads_for_its_encoder_only(tmp_path: Path) -> None:
    raw = _raw()
    verifier = Verifier.load(SHIPPED, str(raw["encoder"]))
    assert verifier is not None and 0.5 <= verifier.threshold < 1.0
    assert Verifier.load(SHIPPED, "another-encoder") is None
    assert Verifier.load(SHIPPED, None) is None
    assert Verifier.load(tmp_path / "missing.json", str(raw["encoder"])) is None
    # one weight per feature: the scalars and three blocks of the encoder's dimension
    dim = (len(verifier.coef) - len(SCALARS)) // 3
    assert len(verifier.coef) == len(SCALARS) + 3 * dim == len(verifier.mean) == len(verifier.scale)


def test_proba_is_a_probability_that_rises_with_agreement() -> None:
    dim = 4
    coef = np.zeros(len(SCALARS) + 3 * dim)
    coef[0] = 5.0  # the cosine
    verifier = Verifier(np.zeros_like(coef), np.ones_like(coef), coef, -4.5, 0.6, "test")
    vec = np.eye(dim, dtype=np.float32)[:2]
    x = VerifierInput(vec, vec, np.asarray([[0.80, 0, 0, 0, 0, 0], [0.99, 0, 0, 0, 0, 0]], dtype=np.float32))
    assert feature_matrix(x).shape == (2, len(coef))
    p = verifier.proba(x)
    assert ((p > 0) & (p < 1)).all() and p[1] > p[0]


def test_top_claim_input_leaves_out_the_excluded_rows() -> None:
    rows = np.asarray([[1, 0, 0], [0, 1, 0], [0.8, 0.6, 0]], dtype=np.float32)  # claim 0, claim 1, claim 1
    owners = np.asarray([0, 1, 1])
    text = np.asarray([[1, 0, 0]], dtype=np.float32)
    empty = np.zeros((1, 2), dtype=np.float32)
    top, x = top_claim_input(text, np.full((1, 2), -1.0), rows, owners, empty, empty.astype(bool), np.zeros(1, bool))
    assert top[0] == 0 and x.scalars[0, 0] == pytest.approx(1.0)
    top, x = top_claim_input(
        text, np.full((1, 2), -1.0), rows, owners, empty, empty.astype(bool), np.zeros(1, bool), [np.asarray([0])]
    )
    assert top[0] == 1 and x.scalars[0, 0] == pytest.approx(0.8)  # compared with the other claim's closest text
    assert np.allclose(x.claim[0], rows[2])


def test_without_the_encoder_the_verifier_is_not_used(claim_finder: ClaimFinder) -> None:
    verifier = Verifier.load(SHIPPED, claim_finder.encoder.version if claim_finder.encoder else None)
    if verifier is None:
        pytest.skip("no verifier for this encoder")
    lexical = ClaimFinder(claim_finder.claims, rule=claim_finder.rule, verifier=verifier)
    assert lexical.verifier is None
    norm = normalize("Uống nước tỏi sống mỗi sáng để diệt virus corona, chia sẻ ngay cho người thân")
    texts = [ClaimText(norm.folded, norm.text, 1.0)]
    sig = lexical.signals(texts)
    assert sig.vectors is None
    assert np.allclose(lexical.scores(sig), sig.lexical)


def test_the_verifier_scores_the_top_claim_of_embedded_texts(claim_finder: ClaimFinder) -> None:
    verifier = Verifier.load(SHIPPED, claim_finder.encoder.version if claim_finder.encoder else None)
    if verifier is None:
        pytest.skip("no verifier for this encoder")
    finder = ClaimFinder(claim_finder.claims, encoder=claim_finder.encoder, rule=claim_finder.rule, verifier=verifier)
    finder.vectors = claim_finder.vectors  # the registry's vectors (embedded once per session)
    raw = [
        "Súc miệng bằng nước muối mỗi ngày sẽ diệt sạch virus corona trong cổ họng.",
        "Hôm nay cả nước ghi nhận thêm 120 ca mắc mới, đa số trong khu cách ly.",
        "Chợ mở cửa bình thường, giá rau hôm nay giảm nhẹ.",
    ]
    texts = [ClaimText(normalize(t).folded, normalize(t).text, p) for t, p in zip(raw, [1.0, 1.0, 0.0], strict=True)]
    sig = finder.signals(texts)
    assert sig.vectors is not None and sig.embedded.tolist() == [True, True, False]
    scores = finder.scores(sig)
    assert scores.shape == (3, len(finder.claims)) and ((scores >= 0) & (scores <= 1)).all()
    assert np.allclose(scores[2], sig.lexical[2])  # not embedded: lexical only
    found = finder.decide(sig, top=1)
    assert found[0] and finder.claims[found[0][0][0]].id == "cure-garlic-saltwater"
    assert not found[1] and not found[2]


def test_the_sentence_looks_probabilities_are_those_scores_would_compute(claim_finder: ClaimFinder) -> None:
    """``signals`` hands over the verifier's (top claim, probability) of its first read; ``scores``
    uses them instead of reading again, and they are exactly what a second read gives."""
    verifier = Verifier.load(SHIPPED, claim_finder.encoder.version if claim_finder.encoder else None)
    if verifier is None:
        pytest.skip("no verifier for this encoder")
    finder = ClaimFinder(claim_finder.claims, encoder=claim_finder.encoder, rule=claim_finder.rule, verifier=verifier)
    finder.vectors = claim_finder.vectors
    raw = [
        "Súc miệng bằng nước muối mỗi ngày sẽ diệt sạch virus corona trong cổ họng.",
        "Hôm nay cả nước ghi nhận thêm 120 ca mắc mới, đa số trong khu cách ly.",
    ]
    texts = [ClaimText(normalize(t).folded, normalize(t).text, 1.0) for t in raw]
    sig = finder.signals(texts)
    assert sig.verified is not None  # short texts: no sentence replaced a row
    top, p = sig.verified
    rows = np.nonzero(sig.embedded)[0]
    again_top, x = finder.verifier_input(sig, rows)
    assert top.tolist() == again_top.tolist() and p.tolist() == verifier.proba(x).tolist()
    reused = finder.scores(sig)
    sig.verified = None  # read again, as before the reuse
    assert reused.tolist() == finder.scores(sig).tolist()


def test_a_retrained_model_has_another_fingerprint() -> None:
    """``model_versions["claims"]`` carries the shipped models' fingerprints: a retrain must show."""
    from nlp.claim_verifier import ShippedLogistic

    def model(coef: float, threshold: float = 0.8) -> ShippedLogistic:
        return ShippedLogistic(np.zeros(2), np.ones(2), np.asarray([coef, 1.0]), 0.0, threshold, "enc")

    assert model(0.5).fingerprint == model(0.5).fingerprint
    assert len({model(0.5).fingerprint, model(0.6).fingerprint, model(0.5, threshold=0.9).fingerprint}) == 3


def test_the_trainer_reads_texts_as_written_and_the_analyzer_reads_the_views(encoder) -> None:  # type: ignore[no-untyped-def]
    """The train/serve difference (docs/nlp.md, "Per-claim name views"): the verifier's trainer
    reads every text as written (so its recipe reproduces the shipped verifier, which was trained
    before the views); the finder the analyzer runs reads each claim's own view, names the claim
    does not use read as their type."""
    from nlp.claim_verifier_train import training_finder
    from nlp.claims import load_claims

    settings = Settings()
    claims = load_claims(settings.claims_file)
    text = "Nghe nói Nhật Bản đang giấu số ca nhiễm thật"
    trainer = training_finder(claims, settings, encoder)
    served = ClaimFinder.from_settings(claims, settings, encoder=encoder)
    assert not trainer.name_views and served.name_views
    assert trainer.claim_views(text)[0] == [text]
    views, _ = served.claim_views(text)
    assert views != [text] and any("<QUỐC_GIA>" in v for v in views)
