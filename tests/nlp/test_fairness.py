"""Counterfactual fairness gate: who or where a text names must not move its rumor score.

Templates of our own (``nlp/data/fairness_templates.yaml``: at least 60 neutral official
sentences and 30 rumor-like ones), each filled with every country (≥ 8), province (≥ 8),
ethnic group or religion (≥ 4) of its slot, scored by the shipped rumor model. Within a
template the score may move by at most ``max_spread``; no neutral template reaches `medium`.
"""

from __future__ import annotations

import re

import pytest

from nlp.fairness import SELECTION_FILE, evaluate, load_templates, summary
from nlp.rumor import RumorModel
from nlp.sentiment import SentimentModel
from tinradar.settings import Settings

SETTINGS = Settings()


@pytest.fixture(scope="module")
def results(shipped_rumor: RumorModel):  # type: ignore[no-untyped-def]
    """The shipped model as the analyzer scores with it: with its encoder view, when it has one
    (the encoder reads the masked text too, so names must not move it either)."""
    return evaluate(shipped_rumor)


def test_templates_are_enough_and_filled_widely() -> None:
    data = load_templates()
    neutral = sum(len(v) for v in data["neutral"].values())
    rumor = sum(len(v) for v in data["rumor"].values())
    assert neutral >= 60 and rumor >= 30
    assert len(data["countries"]) >= 8 and len(data["provinces"]) >= 8
    assert len(data["groups"]) >= 4 and len(data["religions"]) >= 4


def test_the_name_does_not_move_the_score(results) -> None:  # type: ignore[no-untyped-def]
    max_spread = load_templates()["max_spread"]
    assert max_spread <= 0.05
    too_wide = [(round(r.spread, 3), r.template) for r in results if r.spread > max_spread]
    assert not too_wide, too_wide


def test_no_neutral_official_sentence_reaches_medium(results) -> None:  # type: ignore[no-untyped-def]
    flagged = [
        (round(max(r.scores.values()), 3), r.template)
        for r in results
        if r.kind == "neutral" and max(r.scores.values()) >= SETTINGS.risk_medium
    ]
    assert not flagged, flagged


def test_rumor_templates_still_score_above_neutral_ones(results) -> None:  # type: ignore[no-untyped-def]
    """Masking must not blind the model to what is said: the gate is not met by a flat score."""
    neutral = [s for r in results if r.kind == "neutral" for s in r.scores.values()]
    rumor = [s for r in results if r.kind == "rumor" for s in r.scores.values()]
    assert sum(rumor) / len(rumor) > sum(neutral) / len(neutral) + 0.3
    table = summary(results, load_templates()["max_spread"])
    assert table["templates"] == len(results) and table["worst_spread"] == max(r.spread for r in results).__round__(4)


def test_selection_set_is_enough_and_worded_apart_from_the_gate() -> None:
    """Rumor-model candidates are chosen on the selection set, never on the gate's templates, so the
    two must not share their wording: no selection line repeats half of its word 4-grams from them."""
    selection = load_templates(SELECTION_FILE)
    assert len(selection["neutral"]) >= 60 and len(selection["rumor"]) >= 30

    def grams(text: str) -> set[tuple[str, ...]]:
        words = re.sub(r"\{[XPGR]\}", " ", text).lower().split()
        return {tuple(words[i : i + 4]) for i in range(len(words) - 3)}

    gate = load_templates()
    seen = set().union(*(grams(t) for kind in ("neutral", "rumor") for ts in gate[kind].values() for t in ts))
    close = [
        line for line in selection["neutral"] + selection["rumor"] if len(grams(line) & seen) * 2 > len(grams(line))
    ]
    assert not close, close


def test_the_analyzer_report_counts_what_moves_with_the_name() -> None:
    """``python -m nlp.fairness analyzer``'s counts (issue 15's report), on hand-made readings."""
    from nlp.fairness import AnalyzedTemplate, analyzer_summary

    still = AnalyzedTemplate(
        "a {P}",
        "rumor",
        "province",
        {"A": 0.5, "B": 0.52},
        {"A": "medium", "B": "medium"},
        {"A": ("c1",), "B": ("c1",)},
    )
    moved = AnalyzedTemplate(
        "b {P}", "rumor", "province", {"A": 0.48, "B": 0.84}, {"A": "medium", "B": "high"}, {"A": (), "B": ("c2",)}
    )
    level_only = AnalyzedTemplate(
        "c {X}", "neutral", "country", {"A": 0.39, "B": 0.41}, {"A": "low", "B": "medium"}, {"A": (), "B": ()}
    )
    out = analyzer_summary([still, moved, level_only], max_spread=0.05)
    assert (out["templates"], out["fills"]) == (3, 6)
    assert (out["level_moves"], out["claim_set_moves"], out["rumor_risk_spread_over_0.05"]) == (2, 1, 1)
    assert out["worst_template"] == "b {P}" and out["worst_spread"] == 0.36


def test_a_move_named_by_the_claim_is_listed_apart() -> None:
    """A template whose only moving claim is about the slot's named place is listed with that
    claim and not counted; a claim about no named place, or one matched on another name, counts."""
    from nlp.fairness import AnalyzedTemplate, analyzer_summary

    def requires(claim_id: str, name: str) -> bool:
        return claim_id == "city" and name == "Hà Nội"

    named = AnalyzedTemplate(
        "a {P}",
        "rumor",
        "province",
        {"Hà Nội": 0.8, "Huế": 0.4},
        {"Hà Nội": "high", "Huế": "low"},
        {"Hà Nội": ("city", "c1"), "Huế": ("c1",)},
    )
    other = AnalyzedTemplate(
        "b {P}",
        "rumor",
        "province",
        {"Hà Nội": 0.8, "Huế": 0.8},
        {"Hà Nội": "high", "Huế": "high"},
        {"Hà Nội": (), "Huế": ("city",)},
    )
    out = analyzer_summary([named, other], max_spread=0.05, requires=requires)
    assert (out["level_moves"], out["claim_set_moves"]) == (0, 1)
    assert out["named_by_claim"] == [{"template": "a {P}", "claims": ["city"], "level_moves": True}]
    assert analyzer_summary([named, other], max_spread=0.05)["claim_set_moves"] == 2


#: What the whole analyzer reaches on the templates with per-claim name views (docs/nlp.md):
#: counted level moves, counted claim-set moves (a move named by the claim, e.g.
#: ``hanoi-hcm-closed-hoax`` for Hà Nội only, is listed apart).
ANALYZER_LEVEL_MOVES = 0
ANALYZER_CLAIM_SET_MOVES = 0


def test_the_name_does_not_move_the_whole_analyzer() -> None:
    """The whole analyzer (encoder, verifier, windows, claim finder) on every fill: the name moves
    no risk level and no matched claim set, but for claims about the slot's own named place
    (issue 15). The control: the same analyzer with the finder's per-claim name views off (every
    claim reads every name) moves both, so this gate can fail."""
    from nlp.analyzer import Analyzer
    from nlp.fairness import analyzer_results, analyzer_summary, claim_requires

    max_spread = load_templates()["max_spread"]
    with Analyzer(Settings(encoder_threads=2)) as analyzer:
        assert analyzer.matcher.verifier is not None and analyzer.matcher.name_views
        requires = claim_requires(analyzer.claims)
        out = analyzer_summary(analyzer_results(analyzer), max_spread, requires)
        analyzer.matcher.name_views = False
        control = analyzer_summary(analyzer_results(analyzer), max_spread, requires)
    assert out["level_moves"] <= ANALYZER_LEVEL_MOVES, out
    assert out["claim_set_moves"] <= ANALYZER_CLAIM_SET_MOVES, out
    assert {c for n in out["named_by_claim"] for c in n["claims"]} <= {"hanoi-hcm-closed-hoax"}, out
    assert control["level_moves"] > ANALYZER_LEVEL_MOVES and control["claim_set_moves"] > ANALYZER_CLAIM_SET_MOVES


def test_the_name_does_not_move_the_tone(shipped_tone: SentimentModel) -> None:
    """The author's tone is a score too (principle 1): on the same templates, the shipped sentiment
    model as the analyzer runs it (its e5 view on) reads one tone per template, and no class's
    probability moves by more than ``max_spread`` with the name. It masks names before reading
    (``mask_entities``); the same model reading the names moves the tone of some template past the
    bound, so this gate can fail."""
    import dataclasses

    from nlp.fairness import evaluate_tone

    max_spread = load_templates()["max_spread"]
    tones = evaluate_tone(shipped_tone)
    assert len(tones) == sum(len(ts) for kind in ("neutral", "rumor") for ts in load_templates()[kind].values())
    moved = [
        (round(t.spread, 3), sorted(t.labels), t.template) for t in tones if t.spread > max_spread or len(t.labels) > 1
    ]
    assert not moved, moved

    reading_names = SentimentModel.load(SETTINGS.models_dir)  # lexical, names left in: the control
    reading_names.featurizer.config = dataclasses.replace(reading_names.featurizer.config, mask_entities=False)
    assert max(t.spread for t in evaluate_tone(reading_names)) > max_spread
