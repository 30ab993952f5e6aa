"""Reviewers' tones as sentiment training rows, and how far the model agrees with them.

The review desk lets a reviewer record the author's tone of an item (``review.tone``),
never pre-filled with the model's guess. Those are in-domain labels on exactly the posts
the board reads, so ``tinradar train sentiment --with-reviews`` adds them to the
hand-labelled posts (``add_reviewed``): they join the same grouped cross-validation, so
a reviewed repost shares its group with its copies (labelled or reviewed) and never
straddles a fold. The same labels give the reviewer-vs-model agreement (``agreement``)
for the model card: the shipped model on the reviewed items it never trained on, and the
retrained model's out-of-fold predictions on them.

Kept apart from ``nlp.sentiment_train`` (which calls ``add_reviewed`` once) so the
training procedure itself stays one piece.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from nlp.sentiment import CLASSES
from tinradar.schema import Sentiment

#: ``source`` of reviewer rows among the labelled rows (``(source, id, label)``).
REVIEW_SOURCE = "review"
_INDEX = {c: i for i, c in enumerate(CLASSES)}


@dataclass(frozen=True)
class ReviewedTone:
    """One item whose tone a reviewer recorded: the text as the NLP stage reads it.

    ``cluster``: the pipeline's near-duplicate cluster, if any; items of one cluster stay
    in one cross-validation group even when their openings differ.
    """

    id: str
    text: str
    tone: Sentiment
    cluster: str | None = None


@dataclass
class ReviewedRows:
    """What ``add_reviewed`` did: rows added, and rows left out and why."""

    added: int = 0
    by_tone: dict[str, int] = field(default_factory=dict)
    empty: int = 0
    held_out: int = 0
    duplicate_ids: int = 0
    #: ids of added items that are near-copies of a hand-labelled post (a model trained
    #: on those posts has seen them: left out of the shipped model's agreement)
    near_labelled: list[str] = field(default_factory=list)
    #: near-duplicate key → the key of its group, where a cluster joins keys that differ
    alias: dict[str, str] = field(default_factory=dict)

    def regroup(self, keys: Sequence[str]) -> list[str]:
        """The trainer's group keys with clusters joined (a key of no cluster is its own group)."""
        return [self.alias.get(k, k) for k in keys]

    def as_dict(self) -> dict[str, object]:
        return {
            "added": self.added,
            "by_tone": dict(sorted(self.by_tone.items())),
            "skipped_empty": self.empty,
            "skipped_held_out": self.held_out,
            "skipped_duplicate_ids": self.duplicate_ids,
            "near_copies_of_labelled": self.near_labelled,
        }


def add_reviewed(
    rows: list[tuple[str, str, str]],
    sources: dict[str, dict[str, str]],
    reviewed: Iterable[ReviewedTone],
    *,
    key: Callable[[str], str],
    held_out_keys: frozenset[str] = frozenset(),
) -> tuple[list[tuple[str, str, str]], ReviewedRows]:
    """The labelled rows plus one ``(REVIEW_SOURCE, id, tone)`` row per reviewed item.

    Texts go into ``sources[REVIEW_SOURCE]`` (changed in place), so the trainer reads them
    like any labelled post. ``key`` is the trainer's near-duplicate key (``dup_key``):
    an item that is a near-copy of a held-out evaluation text (``held_out_keys``) is
    left out, so the held-out figures stay held out. Blank texts and repeated ids are
    left out too. Items of one cluster get one group (``ReviewedRows.regroup``), joined
    with every labelled post that shares one of their keys.
    """
    texts = sources.setdefault(REVIEW_SOURCE, {})
    reviewed_cluster: dict[str, str | None] = {}
    report = ReviewedRows()
    labelled_keys = {key(sources[s][i]) for s, i, _ in rows}
    added = []
    for item in reviewed:
        if not item.text.strip():
            report.empty += 1
        elif item.id in texts:
            report.duplicate_ids += 1
        elif key(item.text) in held_out_keys:
            report.held_out += 1
        else:
            texts[item.id] = item.text
            reviewed_cluster[item.id] = item.cluster
            if key(item.text) in labelled_keys:
                report.near_labelled.append(item.id)
            tone = Sentiment(item.tone).value
            added.append((REVIEW_SOURCE, item.id, tone))
            report.by_tone[tone] = report.by_tone.get(tone, 0) + 1
    report.added = len(added)
    report.alias = _join_clusters([(key(texts[i]), reviewed_cluster[i]) for _, i, _ in added])
    return rows + added, report


def _join_clusters(keyed: list[tuple[str, str | None]]) -> dict[str, str]:
    """Union of near-duplicate keys that share a cluster: key → representative (smallest) key."""
    parent: dict[str, str] = {}

    def find(k: str) -> str:
        while parent.get(k, k) != k:
            k = parent[k]
        return k

    first: dict[str, str] = {}
    for k, cluster in keyed:
        if cluster is None:
            continue
        if cluster not in first:
            first[cluster] = k
            continue
        a, b = find(first[cluster]), find(k)
        if a != b:
            parent[max(a, b)] = min(a, b)
    return {k: find(k) for k in parent}


def agreement(reviewer: Sequence[Sentiment | str], model: Sequence[Sentiment | str]) -> dict[str, object]:
    """Reviewer vs model on the same items: count, accuracy, Cohen's kappa, confusion.

    ``confusion[i][j]`` counts items the reviewer called ``CLASSES[i]`` and the model
    ``CLASSES[j]``. Kappa is ``None`` when it is undefined (fewer than two items, or
    both sides always give the same single class).
    """
    from sklearn.metrics import cohen_kappa_score, confusion_matrix

    if len(reviewer) != len(model):
        raise ValueError("reviewer and model label lists differ in length")
    y = np.array([_INDEX[Sentiment(v)] for v in reviewer], dtype=int)
    p = np.array([_INDEX[Sentiment(v)] for v in model], dtype=int)
    labels = list(range(len(CLASSES)))
    kappa: float | None = None
    if len(y) >= 2 and len(set(y.tolist()) | set(p.tolist())) > 1:
        value = float(cohen_kappa_score(y, p, labels=labels))
        kappa = None if np.isnan(value) else round(value, 4)
    return {
        "n": len(y),
        "accuracy": round(float((y == p).mean()), 4) if len(y) else None,
        "cohen_kappa": kappa,
        "confusion": {
            "rows_reviewer_cols_model": [c.value for c in CLASSES],
            "matrix": confusion_matrix(y, p, labels=labels).tolist() if len(y) else [[0] * 3 for _ in CLASSES],
        },
    }


def shipped_agreement(
    version: str, reviewed: Sequence[ReviewedTone], guesses: Sequence[Sentiment], seen: Iterable[str]
) -> dict[str, object]:
    """Agreement of the model that was in use (``guesses``, one per reviewed item) on the
    reviewed items it never trained on: near-copies of its labelled posts (``seen`` ids)
    are left out, so the figure is a held-out one."""
    skip = set(seen)
    pairs = [(r.tone, g) for r, g in zip(reviewed, guesses, strict=True) if r.id not in skip and r.text.strip()]
    return {
        "version": version,
        "seen_in_training": len(skip),
        "agreement": agreement([t for t, _ in pairs], [g for _, g in pairs]),
    }


def card_section(reviews: dict) -> str:
    """Model-card section: what the reviewers' tones added, and how far the model agrees with them."""
    rows = reviews["rows"]

    def block(title: str, a: dict | None, what: str) -> str:
        if not a or not a.get("n"):
            return f"**{title}**: no items ({what}).\n"
        kappa = "undefined" if a["cohen_kappa"] is None else f"{a['cohen_kappa']:.3f}"
        header = "| reviewer ↓ / model → | " + " | ".join(a["confusion"]["rows_reviewer_cols_model"]) + " |"
        lines = [header, "|---|---|---|---|"] + [
            f"| {c} | " + " | ".join(str(v) for v in row) + " |"
            for c, row in zip(a["confusion"]["rows_reviewer_cols_model"], a["confusion"]["matrix"], strict=True)
        ]
        table = "\n".join(lines)
        return (
            f"**{title}** ({what}): {a['n']} items, accuracy **{a['accuracy']:.3f}**, "
            f"Cohen's kappa **{kappa}**.\n\n{table}\n"
        )

    shipped = reviews.get("shipped_model") or {}
    shipped_what = (
        f"model `{shipped.get('version')}` as it was before this training, on reviewed items that are not "
        f"near-copies of its labelled posts; {shipped.get('seen_in_training', 0)} that are were left out"
        if shipped
        else "no earlier model to compare"
    )
    return f"""
## Giọng điệu do người duyệt ghi / Reviewers' tones

Trained with **{rows["added"]}** items whose tone a reviewer recorded on the review desk
({", ".join(f"{k}: {v}" for k, v in rows["by_tone"].items()) or "none"}); left out: {rows["skipped_held_out"]}
near-copies of held-out evaluation texts, {rows["skipped_empty"]} without text, {rows["skipped_duplicate_ids"]} repeated ids.
They join the hand-labelled posts in the grouped cross-validation above (a reviewed repost shares its
group with its copies), so the in-domain figures above include them.

Reviewer-vs-model agreement (the desk never shows the model's guess before the reviewer records a tone):

{block("Shipped model", shipped.get("agreement"), shipped_what)}
{block("This model, out of fold", reviews.get("out_of_fold"), "grouped cross-validation: the fold that scored an item never trained on it or its near-copies")}
Reproduce: `tinradar review export --out reviews.jsonl` then
`tinradar train sentiment --data ../shared/datasets --with-reviews --reviews-file reviews.jsonl`.
"""
