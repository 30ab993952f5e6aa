"""The known-claim matcher on real text, through the whole analyzer (``nlp.claims_real``).

The ``check``, ``fresh`` and ``holdout`` sets (real ReINTEL posts labelled by people) and ViCoV19QA's ``test``
split (real questions and doctors' answers) are report sets: nothing is tuned on them. Their floors are the
figures of their last reading on 2026-12-04 less a small margin (docs/nlp.md, "Known false claims on
real posts"); ``dev`` is read freely and its floor only guards against regressions. The encoder is
the real one; its vectors come from the user's cache after the first run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp import claims_real
from nlp.claims import load_claims
from tinradar.settings import Settings


def _figures(name: str, shared_dir: Path) -> dict[str, dict[str, int]]:
    settings = Settings()
    labels = claims_real.load_labels(name, {c.id for c in load_claims(settings.claims_file)})
    posts = claims_real.committed_posts(name, shared_dir / "datasets")  # the labelled ids, frozen
    return claims_real.figures(posts, labels, claims_real.outcomes([p.text for p in posts], settings))


def _false_matches(figs: dict[str, dict[str, int]]) -> tuple[int, int]:
    kinds = ("reliable", "unreliable", "unlabelled")
    groups = [figs.get(f"all: posts with no registry claim, ReINTEL {kind}", {}) for kind in kinds]
    return sum(g.get("a claim matched (false match)", 0) for g in groups), sum(g.get("posts", 0) for g in groups)


@pytest.mark.parametrize(
    ("name", "posts", "found", "as_repeated", "false_at_most"),
    [
        # measured 17 of 41 found (14 read as repeated with the stance-real rules, 11 before them), 2 false
        # of 287 with the verifier retrained with the written training set; 16 with the window model, 15
        # before it (the real-wording variants); 11 / 10 / 2 before them; before 2026-12-04: 7 of 38, 1 of 289
        ("check", 41, 16, 13, 3),
        # read freely; the four claims and the variants of 2026-12-04 were worded after reading it:
        # 30 of 46, 0 of 209 (16 and 1 before the variants)
        ("dev", 46, 28, 18, 2),
        # ReINTEL's unlabelled test posts, labelled at the end of 2026-12-04 and read once after every
        # change of that day: 2 of 24 found (1 read as repeated), 2 false of 271; its second reading,
        # with the window model and the schools-closed key terms: 3 (2 as repeated), 1 false; its third,
        # with the retrained verifier: 4 (3 as repeated), 1 false; its fourth, with the verifier trained
        # with the second written set (claims_train2): 7 (6 as repeated), 1 false
        ("fresh", 24, 6, 5, 3),
        # the report set after fresh (ReINTEL's unlabelled test posts, labelled blind twice): 4 of 24
        # found, 5 false of 370 at its first reading; with the window model and the schools-closed key
        # terms 6 (5 read as repeated), 2 false; with the retrained verifier 6 (5), 3 false; with the second
        # written training set 6 (5), 3 false
        ("holdout", 24, 5, 4, 4),
    ],
)
def test_real_posts_floors(
    name: str, posts: int, found: int, as_repeated: int, false_at_most: int, shared_dir: Path
) -> None:
    figs = _figures(name, shared_dir)
    repeating = figs["all: posts repeating a registry claim"]
    assert repeating["posts"] == posts
    assert repeating["their claim found"] >= found
    assert repeating["their claim found as repeated"] >= as_repeated
    false, among = _false_matches(figs)
    assert among >= 200 and false <= false_at_most


def test_real_questions_and_answers_are_rarely_read_as_repeating(shared_dir: Path) -> None:
    """People's questions and doctors' answers repeat no false claim: a match read as ``repeats``
    raises one to high. Measured on the test split: 3 of 500 questions, 4 of 500 answers (11 in
    all before this stop's stance rules)."""
    texts = claims_real.qa_texts("test", shared_dir / "datasets")
    settings = Settings()
    repeats = {
        kind: claims_real.qa_figures(claims_real.outcomes(items, settings))["best match read as repeats"]
        for kind, items in texts.items()
    }
    assert repeats["questions"] <= 4 and repeats["answers"] <= 5
    assert sum(repeats.values()) <= 8
