"""Claim matching and stance, scored on the hand-written evaluation set (nlp/data/claims_eval).

Floors are the measured figures of the shipped rule (docs/nlp.md, "Known false claims") less a
small margin; they are asserted on the *held-out* half only: the rule's thresholds and the
verifier were chosen and trained without it (the calibration half, the registry, ReINTEL posts). The encoder is the real one; its vectors come from the user's cache after
the first run.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from nlp.claim_finder import ClaimFinder, MatchRule
from nlp.claims_eval import (
    FRESH3_DIR,
    FRESH4_DIR,
    FRESH5_DIR,
    FRESH6_DIR,
    FRESH_DIR,
    EvalItem,
    claim_texts,
    figures,
    load_eval_set,
    outcome,
)
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
    # false matches: 3 of 105 since the registry widening of 2026-12-04 (2 before); 3 of 105 is the
    # limit its keep-or-revert rule set before reading (the earlier ceiling was 0.02, docs/nlp.md)
    assert fig["false_matches"] is not None and fig["false_matches"] <= 0.029
    # wrong claim: 5 of 125 since that widening (1 before; the earlier ceiling was 0.02): more
    # variants also pull paraphrases of a neighbouring claim (docs/nlp.md, "Kept: a wider registry")
    assert fig["wrong_claim"] is not None and fig["wrong_claim"] <= 0.05
    assert finder.verifier is not None  # the shipped verifier, for this encoder
    # measured 0.84 with the verifier trained with both written training sets (2026-12-05), 0.82 with
    # the first (late 2026-12-04), 0.76 with the wider registry of 2026-12-04 (0.70 before it, 0.65
    # before the diacritic restorer; the aim of 0.92 is not met)
    assert fig["recall"] is not None and fig["recall"] >= 0.81
    para = np.asarray([i.kind == "paraphrase" for i in items])
    bare = np.asarray([i.unaccented for i in items])
    assert out.right[para & bare].mean() >= 0.78  # measured 0.86 (0.84 before the wider registry; 0.71 as typed)
    assert out.right[para & ~bare].mean() >= 0.64  # measured 0.70 (0.61 before the wider registry)
    # the encoder adds recall over the lexical matcher alone, and at most two false matches (none
    # before the diacritic restorer; with it 2 of 105 against the lexical 1; with the wider registry
    # of 2026-12-04 3 against 1: this bound was +1 before it, loosened then, docs/nlp.md)
    lexical = ClaimFinder(finder.claims, rule=MatchRule(lexical=finder.rule.lexical))
    before = outcome(lexical, lexical.signals(claim_texts(items)), items)
    assert out.right[para].sum() > before.right[para].sum()
    assert out.matched[~para].sum() <= before.matched[~para].sum() + 2
    # and the verifier beats the cosine rule it replaces (measured 87 against 74 of 125 restored; 80 / 70 before)
    cosine = ClaimFinder(finder.claims, encoder=finder.encoder, rule=finder.rule)
    cosine.vectors = finder.vectors
    by_cosine = outcome(cosine, sig, items)
    assert out.right[para].sum() > by_cosine.right[para].sum()
    # with the restorer 2 against 1; with the wider registry 3 against 1 (the bound was +1 before it)
    assert out.matched[~para].sum() <= by_cosine.matched[~para].sum() + 2


def test_fresh_blind_set_floors(finder: ClaimFinder) -> None:
    """The set written blind on 2026-12-03 (nothing was tuned on it). Measured: recall 0.70 with the
    wider registry of 2026-12-04 (lexical alone 0.58), 0.63 before it with the diacritic restorer, 0.61
    before that (lexical alone 0.53); false matches 14 of 152 with the wider registry (9.2 %: 12 from
    the lexical matcher, 2 the verifier's own), 9 of 152 before it (5.9 %, every one lexical): the aim
    of 2 % is not met on true statements written close to the myths. The false-match ceiling (0.07)
    and the "no false match of its own" bound were loosened with the wider registry, whose
    keep-or-revert rule (docs/nlp.md) did not include this set."""
    items = [i for i in load_eval_set(FRESH_DIR, split="fresh") if i.kind in {"paraphrase", "true"}]
    out = outcome(finder, finder.signals(claim_texts(items)), items)
    fig = figures(items, out)
    assert fig["recall"] is not None and fig["recall"] >= 0.75  # 0.79 with the second training set
    assert fig["false_matches"] is not None and fig["false_matches"] <= 0.10
    # 3 of 135 since the real-wording variants of 2026-12-04 (2 before; the ceiling was 0.02): their
    # keep-or-revert rule read the real check set, not this one (docs/nlp.md)
    assert fig["wrong_claim"] is not None and fig["wrong_claim"] <= 0.025
    para = np.asarray([i.kind == "paraphrase" for i in items])
    lexical = ClaimFinder(finder.claims, rule=MatchRule(lexical=finder.rule.lexical))
    before = outcome(lexical, lexical.signals(claim_texts(items)), items)
    # the encoder's share: 107 against 78 (95 before the second training set)
    assert out.right[para].sum() >= before.right[para].sum() + 5
    # 14 against 12 (9 / 9 before the wider registry)
    assert out.matched[~para].sum() <= before.matched[~para].sum() + 2


@pytest.mark.parametrize(
    ("directory", "recall", "false_at_most"),
    # with the verifier retrained with both written training sets (fresh5 was written to judge it):
    # fresh3 103 of 147 found (0.70), 9 of 110 false (0.082); fresh4 114 (0.78), 3 (0.027); fresh5 111
    # (0.76), 3 (0.027). With the first training set only: 96 / 8, 104 / 3, 97 / 3. fresh6 (written to
    # judge the third training set and the network verifier, both reverted): 104 (0.71), 4 (0.036)
    [(FRESH3_DIR, 0.66, 0.09), (FRESH4_DIR, 0.74, 0.045), (FRESH5_DIR, 0.72, 0.045), (FRESH6_DIR, 0.67, 0.055)],
    ids=["fresh3", "fresh4", "fresh5", "fresh6"],
)
def test_later_blind_set_floors(finder: ClaimFinder, directory: Path, recall: float, false_at_most: float) -> None:
    """The blind sets written on 2026-12-04 (late) and 2026-12-05, each read once to judge a verifier change."""
    items = [i for i in load_eval_set(directory, split=directory.name) if i.kind in {"paraphrase", "true"}]
    fig = figures(items, outcome(finder, finder.signals(claim_texts(items)), items))
    assert fig["recall"] is not None and fig["recall"] >= recall
    assert fig["false_matches"] is not None and fig["false_matches"] <= false_at_most
    assert fig["wrong_claim"] is not None and fig["wrong_claim"] <= 0.02


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
