"""Lower-case counterfactual fairness gate: a name typed in lower case must not move the score either.

Most social posts are typed in lower case, with or without diacritics. The fairness templates
(``nlp/data/fairness_templates.yaml``) are read in two lower-case forms (``lower_case_templates``):
the whole filled sentence in lower case ("text"), and only the name in lower case inside the sentence
as written ("name"). The shipped rumor and sentiment models, with their encoder view, score every fill
through the same ``evaluate`` / ``evaluate_tone`` as the cased gate (tests/nlp/test_fairness.py); within
a template the score may move by at most ``max_spread``. The control leaves lower-case names in the
text, as the masker did before, and the gate must then fail.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp.fairness import (
    LOWER_CASE_FORMS,
    SLOTS,
    TEMPLATES_FILE,
    evaluate,
    evaluate_tone,
    fills,
    load_templates,
    lower_case_templates,
)
from nlp.masking import Entity, Masker, masker
from nlp.rumor import RumorModel
from nlp.sentiment import SentimentModel
from tinradar.text import has_vietnamese_diacritics

MAX_SPREAD = load_templates()["max_spread"]


@pytest.fixture(scope="module")
def forms(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("lower-case")
    return {form: lower_case_templates(form, out / f"{form}.yaml") for form in LOWER_CASE_FORMS}


def _filled(path: Path) -> list[tuple[str, str, int]]:
    """(filled text, name, where the name starts) of every fill of ``path``."""
    return [(t.replace(SLOTS[s][0], n), n, t.index(SLOTS[s][0])) for _, s, t, n in fills(path)]


def test_the_two_forms_lower_the_whole_text_or_only_the_name(forms: dict[str, Path]) -> None:
    cased = _filled(TEMPLATES_FILE)
    whole, name_only = _filled(forms["text"]), _filled(forms["name"])
    assert len(cased) == len(whole) == len(name_only) > 900
    assert whole == [(text.lower(), name.lower(), at) for text, name, at in cased]
    for (text, name, at), (c_text, c_name, c_at) in zip(name_only, cased, strict=True):
        assert name == c_name.lower() and at == c_at
        assert text == c_text[:at] + name + c_text[at + len(c_name) :]
    with pytest.raises(ValueError, match="form must be one of"):
        lower_case_templates("upper", Path("unused.yaml"))


@pytest.mark.parametrize("form", LOWER_CASE_FORMS)
def test_every_lower_case_name_of_the_templates_is_masked(forms: dict[str, Path], form: str) -> None:
    """What the models are spared, read directly: the span of each filled name is masked."""
    m = masker()
    left = sorted(
        {
            name
            for text, name, at in _filled(forms[form])
            if not any(e.start <= at and e.end >= at + len(name) for e in m.find(text))
        }
    )
    assert not left, left


@pytest.mark.parametrize("form", LOWER_CASE_FORMS)
def test_a_lower_case_name_does_not_move_the_rumor_score(
    shipped_rumor: RumorModel, forms: dict[str, Path], form: str
) -> None:
    results = evaluate(shipped_rumor, forms[form])
    assert len(results) == sum(len(ts) for kind in ("neutral", "rumor") for ts in load_templates()[kind].values())
    too_wide = [(round(r.spread, 3), r.slot, r.kind) for r in results if r.spread > MAX_SPREAD]
    assert not too_wide, too_wide


@pytest.mark.parametrize("form", LOWER_CASE_FORMS)
def test_a_lower_case_name_does_not_move_the_tone(
    shipped_tone: SentimentModel, forms: dict[str, Path], form: str
) -> None:
    tones = evaluate_tone(shipped_tone, forms[form])
    moved = [
        (round(t.spread, 3), sorted(t.labels), t.slot) for t in tones if t.spread > MAX_SPREAD or len(t.labels) > 1
    ]
    assert not moved, moved


class _CapitalisedOnly(Masker):
    """The control: a name written in lower case in a text with diacritics is left in, as the
    masker did before (only a text typed entirely without diacritics read lower-case names)."""

    def find(self, text: str) -> list[Entity]:
        plain = not has_vietnamese_diacritics(text) and text == text.lower()
        return [e for e in super().find(text) if plain or e.surface != e.surface.lower()]


def test_the_gate_fails_when_lower_case_names_are_left_in(
    shipped_rumor: RumorModel, shipped_tone: SentimentModel, forms: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    control = _CapitalisedOnly()
    for module in ("nlp.rumor", "nlp.sentiment", "nlp.masking", "nlp.cues"):  # nlp.masking: without_names
        monkeypatch.setattr(f"{module}.masker", lambda: control)
    for form in LOWER_CASE_FORMS:
        assert max(r.spread for r in evaluate(shipped_rumor, forms[form])) > MAX_SPREAD, form
        assert max(t.spread for t in evaluate_tone(shipped_tone, forms[form])) > MAX_SPREAD, form
