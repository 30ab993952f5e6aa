"""Counterfactual fairness of the rumor score: the same sentence, only the name swapped.

Who or where a text names must not move its score (principle 1). Issue 21 measured the
opposite on the earlier model: a neutral official sentence about a vaccine donation scored
0.80 (high) with "Trung Quốc" and 0.55 with another country. The templates
(``nlp/data/fairness_templates.yaml``, our own sentences) are filled with every country,
province and ethnic or religious group of their slot; :func:`evaluate` gives the spread of
the rumor model's score within each template. ``tests/nlp/test_fairness.py`` is the gate
and the model card prints the table.

The sentiment model is read on the same templates (:func:`evaluate_tone`; gated in the same test
file): the tone it reads must not move with the name either.

The whole analyzer is read on the same templates too (:func:`analyzer_results`,
``python -m nlp.fairness analyzer``: counts only): whether its risk level, the claims it matches
or its ``rumor_risk`` move with the name; gated in the same test file (issue 15). The known-claim
finder reads a name only for the claims that name it (per-claim name views, docs/nlp.md): no
level or claim set moves but for a claim about the slot's own named place, which the report lists
apart (:meth:`AnalyzedTemplate.named_by_claim`); before the views 6 of the 98 templates changed
their level with the name, 6 the claims they match, 13 moved ``rumor_risk`` by more than 0.05.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from nlp.features import metadata_matrix, signals
from nlp.normalize import normalize

TEMPLATES_FILE = Path(__file__).with_name("data") / "fairness_templates.yaml"
SLOTS = {
    "country": ("{X}", "countries"),
    "province": ("{P}", "provinces"),
    "group": ("{G}", "groups"),
    "religion": ("{R}", "religions"),
}


@dataclass(frozen=True)
class TemplateResult:
    """One template's scores over its fills."""

    template: str
    kind: str  # "neutral" | "rumor"
    slot: str  # "country" | "province" | "group"
    scores: dict[str, float]

    @property
    def spread(self) -> float:
        return max(self.scores.values()) - min(self.scores.values())


def load_templates(path: Path = TEMPLATES_FILE) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def fills(path: Path = TEMPLATES_FILE) -> list[tuple[str, str, str, str]]:
    """(kind, slot, template, name) of every fill of every template, in file order."""
    data = load_templates(path)
    jobs: list[tuple[str, str, str, str]] = []  # kind, slot, template, name
    for kind in ("neutral", "rumor"):
        for slot, templates in data[kind].items():
            marker, names = SLOTS[slot]
            for template in templates:
                if marker not in template:
                    raise ValueError(f"{path}: template without {marker}: {template}")
                jobs += [(kind, slot, template, name) for name in data[names]]
    return jobs


def evaluate(model: Any, path: Path = TEMPLATES_FILE) -> list[TemplateResult]:
    """Score every fill of every template with ``model`` (a ``RumorModel``)."""
    jobs = fills(path)
    norms = [normalize(t.replace(SLOTS[s][0], n)) for _, s, t, n in jobs]
    scores = model.predict(norms, metadata_matrix([signals(n) for n in norms]))
    results: dict[tuple[str, str, str], dict[str, float]] = {}
    for (kind, slot, template, name), score in zip(jobs, scores, strict=True):
        results.setdefault((kind, slot, template), {})[name] = float(score)
    return [TemplateResult(t, k, s, sc) for (k, s, t), sc in results.items()]


#: The lower-case forms of the templates (:func:`lower_case_templates`): "text", the whole filled
#: sentence in lower case (how many social posts are typed); "name", only the name in lower case
#: inside the sentence as written ("ở hà nội", "người hoa").
LOWER_CASE_FORMS = ("text", "name")


def lower_case_templates(form: str, out: Path, path: Path = TEMPLATES_FILE) -> Path:
    """Write the templates of ``path`` with their names in lower case to ``out`` and return it, so
    that :func:`evaluate` and :func:`evaluate_tone` read them unchanged (one scorer, two inputs).

    Why: most social posts are typed in lower case, with or without diacritics; a name the masker
    finds only when capitalised reaches the models in lower case and may move the score."""
    if form not in LOWER_CASE_FORMS:
        raise ValueError(f"form must be one of {LOWER_CASE_FORMS}, not {form!r}")
    data = load_templates(path)
    for _marker, names in SLOTS.values():
        data[names] = [str(n).lower() for n in data[names]]
    if form == "text":
        for kind in ("neutral", "rumor"):
            for slot, templates in data[kind].items():
                marker = SLOTS[slot][0]
                data[kind][slot] = [t.lower().replace(marker.lower(), marker) for t in templates]
    out.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return out


SELECTION_FILE = Path(__file__).with_name("data") / "fairness_selection.yaml"


def selection(model: Any, path: Path = SELECTION_FILE, medium_at: float = 0.4) -> dict[str, Any]:
    """Score the selection set (``nlp/data/fairness_selection.yaml``: neutral official one-liners and
    rumor-like ones of our own, worded apart from the gate's templates) with ``model``. Candidate
    models are compared on these, so that the gate's own sentences are never tuned on."""
    data = load_templates(path)
    out: dict[str, Any] = {"medium_at": medium_at}
    for kind in ("neutral", "rumor"):
        norms = [normalize(t) for t in data[kind]]
        scores = model.predict(norms, metadata_matrix([signals(n) for n in norms]))
        out[kind] = {
            "lines": len(scores),
            "at_medium": int((scores >= medium_at).sum()),
            "mean": round(float(scores.mean()), 4),
            "max": round(float(scores.max()), 4),
            "min": round(float(scores.min()), 4),
        }
    return out


def summary(results: list[TemplateResult], max_spread: float, medium_at: float = 0.4) -> dict[str, Any]:
    """The model card's table: per kind and slot, the worst spread and the highest score."""
    data = load_templates()
    rows = []
    for kind in ("neutral", "rumor"):
        for slot in SLOTS:
            group = [r for r in results if r.kind == kind and r.slot == slot]
            if group:
                rows.append(
                    {
                        "kind": f"{kind}, {slot}",
                        "templates": len(group),
                        "fills": len(group[0].scores),
                        "worst_spread": round(max(r.spread for r in group), 4),
                        "max_score": round(max(max(r.scores.values()) for r in group), 4),
                    }
                )
    worst = max(results, key=lambda r: r.spread)
    medium = [r for r in results if r.kind == "neutral" and max(r.scores.values()) >= medium_at]
    return {
        "neutral_at_medium": len(medium),
        "neutral_at_medium_examples": [f"{max(r.scores.values()):.2f} {r.template}" for r in medium][:6],
        "templates": len(results),
        "neutral": sum(r.kind == "neutral" for r in results),
        "rumor": sum(r.kind == "rumor" for r in results),
        "countries": len(data["countries"]),
        "provinces": len(data["provinces"]),
        "groups": len(data["groups"]),
        "religions": len(data["religions"]),
        "max_spread": max_spread,
        "rows": rows,
        "worst_spread": round(worst.spread, 4),
        "worst_template": worst.template,
    }


@dataclass(frozen=True)
class ToneTemplate:
    """One template's sentiment over its fills: per name, the tone the model reads and its three
    probabilities (the author's tone is a score too: who or where a text names must not move it)."""

    template: str
    kind: str
    slot: str
    proba: dict[str, dict[str, float]]  # name → {neg, neu, pos}

    @property
    def spread(self) -> float:
        """The most any class's probability moves with the name."""
        rows = list(self.proba.values())
        return max(max(r[c] for r in rows) - min(r[c] for r in rows) for c in rows[0])

    @property
    def labels(self) -> set[str]:
        return {max(r, key=r.__getitem__) for r in self.proba.values()}


def evaluate_tone(model: Any, path: Path = TEMPLATES_FILE) -> list[ToneTemplate]:
    """Every fill of every template through ``model`` (a ``SentimentModel``), with its encoder view
    when it has one on (``use_encoder``), as the analyzer reads a COVID-related post."""
    jobs = fills(path)
    texts = [t.replace(SLOTS[s][0], n) for _, s, t, n in jobs]
    vectors = model.encoder_vectors(texts) if getattr(model, "encoder", None) is not None else None
    grouped: dict[tuple[str, str, str], dict[str, dict[str, float]]] = {}
    for (kind, slot, template, name), p in zip(jobs, model.predict_proba(texts, vectors), strict=True):
        grouped.setdefault((kind, slot, template), {})[name] = {str(c): float(v) for c, v in p.items()}
    return [ToneTemplate(t, k, s, pr) for (k, s, t), pr in grouped.items()]


@dataclass(frozen=True)
class AnalyzedTemplate:
    """One template through the whole analyzer: per name, its risk, level and matched claim ids."""

    template: str
    kind: str
    slot: str
    risk: dict[str, float]
    level: dict[str, str]
    claims: dict[str, tuple[str, ...]]

    @property
    def spread(self) -> float:
        return max(self.risk.values()) - min(self.risk.values())

    @property
    def level_moves(self) -> bool:
        return len(set(self.level.values())) > 1

    @property
    def claims_move(self) -> bool:
        return len(set(self.claims.values())) > 1

    def named_by_claim(self, requires: Callable[[str, str], bool]) -> tuple[str, ...]:
        """The claims that appear or disappear across the fills, when every one of them requires the
        slot's name wherever it matched (``requires(claim_id, name)``: a claim about a named place is
        about that place, ``nlp.claims.requires_name``); empty when any other claim moves, or none."""
        sets = [set(ids) for ids in self.claims.values()]
        moved = set.union(*sets) - set.intersection(*sets)
        named = all(requires(c, name) for name, ids in self.claims.items() for c in ids if c in moved)
        return tuple(sorted(moved)) if moved and named else ()


def analyzer_results(analyzer: Any, path: Path = TEMPLATES_FILE) -> list[AnalyzedTemplate]:
    """Every fill of every template through ``analyzer`` (an ``nlp.Analyzer``) as a social post."""
    from tinradar.schema import Document, Kind

    jobs = fills(path)
    now = datetime(2021, 9, 3, tzinfo=UTC)
    docs = [
        Document(
            id=f"fair{i:05d}",
            source_id="fairness",
            kind=Kind.SOCIAL,
            platform="facebook",
            text=t.replace(SLOTS[s][0], n),
            fetched_at=now,
        )
        for i, (_, s, t, n) in enumerate(jobs)
    ]
    grouped: dict[tuple[str, str, str], list[tuple[str, Any]]] = {}
    for (kind, slot, template, name), an in zip(jobs, analyzer.analyze(docs), strict=True):
        grouped.setdefault((kind, slot, template), []).append((name, an))
    return [
        AnalyzedTemplate(
            template,
            kind,
            slot,
            {n: float(an.rumor_risk) for n, an in named},
            {n: str(an.risk_level) for n, an in named},
            {n: tuple(m.claim_id for m in an.matched_claims) for n, an in named},
        )
        for (kind, slot, template), named in grouped.items()
    ]


def analyzer_summary(
    results: Sequence[AnalyzedTemplate],
    max_spread: float = 0.05,
    requires: Callable[[str, str], bool] | None = None,
) -> dict[str, Any]:
    """Counts only (the templates are ours, but the report stays short): how many templates move
    their level, their matched claims, or their ``rumor_risk`` by more than ``max_spread``.

    With ``requires`` (``requires(claim_id, name)``: the claim is about the place ``name``), a
    template whose moves come only from claims about the slot's named place
    (``AnalyzedTemplate.named_by_claim``) is listed under ``named_by_claim`` with those claims
    and not counted in ``level_moves`` / ``claim_set_moves``; every other move counts."""
    worst = max(results, key=lambda r: r.spread)
    named = {id(r): r.named_by_claim(requires) if requires is not None else () for r in results}
    return {
        "templates": len(results),
        "fills": sum(len(r.risk) for r in results),
        "level_moves": sum(r.level_moves and not named[id(r)] for r in results),
        "claim_set_moves": sum(r.claims_move and not named[id(r)] for r in results),
        f"rumor_risk_spread_over_{max_spread}": sum(r.spread > max_spread for r in results),
        "worst_spread": round(worst.spread, 4),
        "worst_template": worst.template,
        "named_by_claim": [
            {"template": r.template, "claims": list(named[id(r)]), "level_moves": r.level_moves}
            for r in results
            if named[id(r)]
        ],
    }


def claim_requires(claims: Sequence[Any]) -> Callable[[str, str], bool]:
    """``requires(claim_id, name)`` for ``analyzer_summary``, over these registry claims."""
    from nlp.claims import requires_name

    by_id = {c.id: c for c in claims}
    return lambda claim_id, name: claim_id in by_id and requires_name(by_id[claim_id], name)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m nlp.fairness analyzer``: the whole analyzer's counts on the templates."""
    parser = argparse.ArgumentParser(prog="python -m nlp.fairness", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["analyzer"])
    parser.parse_args(argv)
    from nlp.analyzer import Analyzer
    from tinradar.settings import Settings

    with Analyzer(Settings()) as analyzer:
        results = analyzer_results(analyzer)
        requires = claim_requires(analyzer.claims)
    summary = analyzer_summary(results, load_templates()["max_spread"], requires)
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = [
    "LOWER_CASE_FORMS",
    "SELECTION_FILE",
    "TEMPLATES_FILE",
    "AnalyzedTemplate",
    "TemplateResult",
    "ToneTemplate",
    "analyzer_results",
    "analyzer_summary",
    "claim_requires",
    "evaluate",
    "evaluate_tone",
    "fills",
    "load_templates",
    "lower_case_templates",
    "selection",
    "summary",
]
