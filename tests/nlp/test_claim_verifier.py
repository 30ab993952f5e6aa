"""The claim verifiers: the shipped files load for their encoder only, score, and the finder falls back."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nlp.claim_finder import CANDIDATES, LONG_TEXT, ClaimFinder, ClaimText
from nlp.claim_verifier import SCALARS, Verifier, VerifierInput, claim_input, feature_matrix, top_claim_input
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


LONG = Settings().models_dir / "claims" / "verifier_long.json"


def test_the_shipped_long_post_verifier_loads_for_its_encoder_only() -> None:
    if not LONG.is_file():
        pytest.skip("no long-post verifier shipped")
    raw = dict(json.loads(LONG.read_text(encoding="utf-8")))
    verifier = Verifier.load(LONG, str(raw["encoder"]))
    assert verifier is not None and 0.5 <= verifier.threshold < 1.0
    assert Verifier.load(LONG, "another-encoder") is None
    assert len(verifier.coef) == len(verifier.mean) == len(_raw()["model"]["coef"])  # type: ignore[index]


def test_claim_input_asks_about_a_claim_that_is_not_first() -> None:
    rows = np.asarray([[1, 0, 0], [0, 1, 0], [0.8, 0.6, 0]], dtype=np.float32)  # claim 0, claim 1, claim 1
    owners = np.asarray([0, 1, 1])
    text = np.asarray([[1, 0, 0]], dtype=np.float32)
    lexical = np.asarray([[0.1, 0.4]], dtype=np.float32)
    terms = np.asarray([[False, True]])
    args = (text, np.full((1, 2), -1.0), rows, owners, lexical, terms, np.zeros(1, bool))
    top, first = top_claim_input(*args)
    same = claim_input(*args, top)
    assert top[0] == 0 and np.allclose(first.scalars, same.scalars) and np.allclose(first.claim, same.claim)
    second = claim_input(*args, np.asarray([1]))
    cosine, lead, lex, lex_best, has_terms, _ = second.scalars[0]
    assert cosine == pytest.approx(0.8) and lead == pytest.approx(-0.2)  # behind the first claim
    assert lex == pytest.approx(0.4) and lex_best == pytest.approx(0.4) and has_terms == 1.0
    assert np.allclose(second.claim[0], rows[2])  # the claim's text closest to the text


def test_the_long_post_verifier_judges_candidate_claims_of_long_posts_only(claim_finder: ClaimFinder) -> None:
    """A long post's candidates are its first claims by cosine and its lexical best; a short
    text's scores are the shipped verifier's alone, whatever the long-post verifier says."""
    verifier = Verifier.load(SHIPPED, claim_finder.encoder.version if claim_finder.encoder else None)
    if verifier is None:
        pytest.skip("no verifier for this encoder")
    dim = claim_finder.encoder.dim if claim_finder.encoder else 0
    n = len(SCALARS) + 3 * dim
    says_yes = Verifier(np.zeros(n), np.ones(n), np.zeros(n), 10.0, 0.6, verifier.encoder)  # p ≈ 1 for any pair
    kwargs = {"encoder": claim_finder.encoder, "rule": claim_finder.rule, "verifier": verifier}
    plain = ClaimFinder(claim_finder.claims, **kwargs)  # type: ignore[arg-type]
    both = ClaimFinder(claim_finder.claims, long_verifier=says_yes, **kwargs)  # type: ignore[arg-type]
    plain.vectors = both.vectors = claim_finder.vectors
    short = "Hôm nay cả nước ghi nhận thêm 120 ca mắc mới, đa số trong khu cách ly."
    long = (
        "Tổng hợp tin tức trong ngày về tình hình dịch bệnh COVID-19 tại các tỉnh thành. "
        "Bộ Y tế cho biết đã có thêm nhiều bệnh nhân khỏi bệnh và được xuất viện. "
        "Các địa phương tiếp tục rà soát người về từ vùng dịch, khai báo y tế bắt buộc. "
        "Trường học vẫn cho học sinh nghỉ để phòng dịch, phụ huynh được khuyên theo dõi sức khỏe con. "
        "Nhiều người truyền tai nhau rằng súc miệng nước muối mỗi ngày sẽ diệt virus corona trong cổ họng. "
        "Cuối tuần các chợ vẫn mở cửa, người dân đeo khẩu trang khi ra đường."
    )
    texts = [ClaimText.of(short), ClaimText.of(long)]
    assert len(long) > LONG_TEXT >= len(short)
    sig = both.signals(texts)
    assert sig.lengths is not None and sig.embedded.all()
    assert both.long_rows(sig).tolist() == [1]
    pairs, claims = both.candidates(sig, both.long_rows(sig))
    first = np.argsort(-sig.semantic[1], kind="stable")[:CANDIDATES].tolist()
    assert claims.tolist()[:CANDIDATES] == first and set(pairs.tolist()) == {1}
    lexical_best = int(sig.lexical[1].argmax())
    assert lexical_best in claims.tolist()
    with_long, without = both.scores(sig), plain.scores(plain.signals(texts))
    assert np.allclose(with_long[0], without[0])  # the short text: unchanged
    assert (with_long[1, claims] >= claim_finder.rule.lexical).all()  # every candidate judged, here accepted
    others = np.setdiff1d(np.arange(len(claim_finder.claims)), claims)
    assert np.allclose(with_long[1, others], without[1, others])
    assert both.long_pairs == len(claims)
