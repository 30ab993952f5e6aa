"""Claim matching and stance, scored on the hand-written evaluation set (nlp/data/claims_eval).

Floors are the measured figures of the shipped rule (docs/nlp.md, "Known false claims") less a
small margin; they are asserted on the *held-out* half only: the rule's thresholds and the
verifier were chosen and trained without it (the calibration half, the registry, ReINTEL posts). The encoder is the real one; its vectors come from the user's cache after
the first run.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from nlp.claim_finder import ClaimFinder, MatchRule
from nlp.claims_eval import FRESH_DIR, EvalItem, claim_texts, figures, load_eval_set, outcome
from tinradar.schema import Document, Kind, RiskLevel, Stance

ITEMS = load_eval_set()


def _held_out(kinds: set[str]) -> list[EvalItem]:
    return [i for i in ITEMS if i.split == "held_out" and i.kind in kinds]


@pytest.fixture(scope="module")
def finder(claim_finder: ClaimFinder) -> ClaimFinder:
    return claim_finder


def test_held_out_matching_floors(finder: ClaimFinder) -> None:
    items = _held_out({"paraphrase", "true"})
    sig = finder.signals(claim_texts(items))
    out = outcome(finder, sig, items)
    fig = figures(items, out)
    assert fig["paraphrases"] >= 100 and fig["true_statements"] >= 100
    assert fig["false_matches"] is not None and fig["false_matches"] <= 0.02
    assert fig["wrong_claim"] is not None and fig["wrong_claim"] <= 0.02
    assert finder.verifier is not None  # the shipped verifier, for this encoder
    # measured 0.70 (0.65 before the diacritic restorer; the aim of 0.92 is not met)
    assert fig["recall"] is not None and fig["recall"] >= 0.62
    para = np.asarray([i.kind == "paraphrase" for i in items])
    bare = np.asarray([i.unaccented for i in items])
    assert out.right[para & bare].mean() >= 0.67  # measured 0.84 restored (0.71 as typed)
    assert out.right[para & ~bare].mean() >= 0.56  # measured 0.61
    # the encoder adds recall over the lexical matcher alone, and at most one false match (none
    # before the diacritic restorer; with it 2 of 105 against the lexical 1, within the limit of
    # 2 that issue #15 set before reading, docs/nlp.md)
    lexical = ClaimFinder(finder.claims, rule=MatchRule(lexical=finder.rule.lexical))
    before = outcome(lexical, lexical.signals(claim_texts(items)), items)
    assert out.right[para].sum() > before.right[para].sum()
    assert out.matched[~para].sum() <= before.matched[~para].sum() + 1
    # and the verifier beats the cosine rule it replaces (measured 87 against 74 of 125 restored; 80 / 70 before)
    cosine = ClaimFinder(finder.claims, encoder=finder.encoder, rule=finder.rule)
    cosine.vectors = finder.vectors
    by_cosine = outcome(cosine, sig, items)
    assert out.right[para].sum() > by_cosine.right[para].sum()
    assert out.matched[~para].sum() <= by_cosine.matched[~para].sum() + 1  # with the restorer 2 against 1


def test_fresh_blind_set_floors(finder: ClaimFinder) -> None:
    """The set written blind on 2026-12-03 (nothing was tuned on it). Measured: recall 0.63 with
    the diacritic restorer, 0.61 before (lexical alone 0.53), false matches 9 of 152 (5.9 %, every one from the lexical matcher: the
    aim of 2 % is not met on true statements written close to the myths)."""
    items = [i for i in load_eval_set(FRESH_DIR, split="fresh") if i.kind in {"paraphrase", "true"}]
    out = outcome(finder, finder.signals(claim_texts(items)), items)
    fig = figures(items, out)
    assert fig["recall"] is not None and fig["recall"] >= 0.58
    assert fig["false_matches"] is not None and fig["false_matches"] <= 0.07
    assert fig["wrong_claim"] is not None and fig["wrong_claim"] <= 0.02
    para = np.asarray([i.kind == "paraphrase" for i in items])
    lexical = ClaimFinder(finder.claims, rule=MatchRule(lexical=finder.rule.lexical))
    before = outcome(lexical, lexical.signals(claim_texts(items)), items)
    assert out.right[para].sum() >= before.right[para].sum() + 5  # the encoder's share: 85 against 72
    assert out.matched[~para].sum() <= before.matched[~para].sum()  # and no false match of its own


def test_corrections_and_questions_rarely_come_out_high(analyzer) -> None:  # type: ignore[no-untyped-def]
    items = [i for i in ITEMS if i.kind == "stance" and i.category in {"refutes", "asks"}]
    assert len(items) >= 60
    out = analyzer.analyze([_doc(i, n) for n, i in enumerate(items)])
    high = [i.text for i, a in zip(items, out, strict=True) if a.risk_level is RiskLevel.HIGH]
    # measured 16 of 227 (17 before the unknown-context split, 24 before stance-neg; of the first 175: 12, 14 before)
    assert len(high) <= 0.10 * len(items), high
    # when the claim is found, the stance says how the text relates to it
    found = [(i, a.matched_claims[0]) for i, a in zip(items, out, strict=True) if a.matched_claims]
    right = sum(m.stance.value == i.category for i, m in found)
    assert right >= 0.75 * len(found), (right, len(found))


def test_true_statements_that_negate_a_claim_rarely_come_out_high(analyzer) -> None:  # type: ignore[no-untyped-def]
    """``stances_negation.yaml``: true statements that deny a claim's predicate ("Đeo khẩu trang
    đúng cách không gây thiếu oxy"). The negated-predicate rule was tuned on the calibration half;
    on the held-out half 5 of 26 come out high (7 before the rule)."""
    items = [i for i in _held_out({"stance"}) if i.source == "stances_negation.yaml" and i.category == "refutes"]
    assert len(items) >= 20
    out = analyzer.analyze([_doc(i, n) for n, i in enumerate(items)])
    high = [i.text for i, a in zip(items, out, strict=True) if a.risk_level is RiskLevel.HIGH]
    assert len(high) <= 6, high


def test_repeats_still_come_out_high(analyzer) -> None:  # type: ignore[no-untyped-def]
    items = [i for i in ITEMS if i.kind == "paraphrase" or (i.kind == "stance" and i.category == "repeats")]
    out = analyzer.analyze([_doc(i, n) for n, i in enumerate(items)])
    repeated = [a for a in out if a.matched_claims and a.matched_claims[0].stance is Stance.REPEATS]
    assert len(repeated) >= 0.5 * len(items)
    # a paraphrase is no correction: the negated-predicate rule must not read one as refuting
    para = [a for i, a in zip(items, out, strict=True) if i.kind == "paraphrase" and a.matched_claims]
    assert sum(a.matched_claims[0].stance is Stance.REFUTES for a in para) <= 1  # measured 0 of 255
    assert all(a.risk_level is RiskLevel.HIGH for a in repeated)
    cue = "trùng khớp tin đồn đã bị bác bỏ"
    assert all(
        any(c.startswith(cue) for c in a.cues) and any(c.startswith("cải chính") for c in a.cues) for a in repeated
    )


def _doc(item: EvalItem, n: int) -> Document:
    return Document(
        id=f"claims-eval-{n:05d}", source_id="test", kind=Kind.SOCIAL, text=item.text, fetched_at=datetime.now(UTC)
    )
