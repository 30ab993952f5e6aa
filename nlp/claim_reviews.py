"""Reviewers' claim readings as claim-verifier training rows, and how far the finder agrees with them.

On the review desk a reviewer may record which registry claims an item repeats (or that it
repeats none of them): ``ReviewExportRow.claims``. Those are real posts, read by a person, on
exactly what the board monitors, where the verifier's written training data is weakest. So
``tinradar train claims --with-reviews`` turns them into verifier rows (``reviewed_data``) by
the rule the written sets follow (``nlp.claim_verifier_train.labelled_data``): the finder's top
claim of an embedded text is positive when the reviewer named it, negative otherwise (a text
read as repeating none of the claims is negative) — except where the text refutes or asks about
that top claim (``nlp.stance``): the desk asks which claims an item *repeats*, while the
verifier learns whether a claim is *there* (written corrections and questions are its positives,
the stance decides the rest), so such a row is left out rather than taught as a negative. The same readings give the
reviewer-vs-finder agreement (``agreement``), in counts, before anything is trained.

Kept apart from ``nlp.claim_verifier_train`` (which calls ``reviewed_data`` once) so the
training procedure itself stays one piece.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from nlp.claim_finder import ClaimFinder, ClaimText
from nlp.claim_verifier import SCALARS, VerifierInput
from nlp.groups import dup_key
from nlp.stance import read_stance
from tinradar.schema import Stance

#: ``source`` of reviewed rows among the verifier's training rows, and the prefix of their groups.
REVIEW_SOURCE = "review"


@dataclass(frozen=True)
class ReviewedClaims:
    """One item whose claims a reviewer read: the text as the NLP stage reads it.

    ``claim_ids``: the registry claims the reviewer read it as repeating; empty = none of
    them. ``cluster``: the pipeline's near-duplicate cluster, if any; items of one cluster
    stay in one cross-validation group even when their openings differ.
    """

    id: str
    text: str
    claim_ids: tuple[str, ...]
    cluster: str | None = None


@dataclass
class ReviewedRows:
    """What became of the readings: rows added, and items left out and why."""

    items: int = 0
    added: int = 0
    positive: int = 0
    #: added rows whose reading names a claim (the rest were read as repeating none)
    read_as_repeating: int = 0
    empty: int = 0
    duplicate_ids: int = 0
    unknown_ids: int = 0
    #: near-copies of a held-out evaluation text: training on them would leak the held-out figures
    held_out: int = 0
    #: not COVID-related enough or no claim could be in them: the finder never embeds them, so the
    #: verifier never reads them (nothing to train on)
    not_embedded: int = 0
    #: the top claim is not one the reviewer named, but the text refutes or asks about it: the
    #: reading says what the item repeats, not whether it mentions the claim (no row)
    mentions: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "items": self.items,
            "added": self.added,
            "positive": self.positive,
            "read_as_repeating": self.read_as_repeating,
            "skipped_empty": self.empty,
            "skipped_duplicate_ids": self.duplicate_ids,
            "skipped_unknown_claim_ids": self.unknown_ids,
            "skipped_held_out": self.held_out,
            "skipped_not_embedded": self.not_embedded,
            "skipped_refutes_or_asks": self.mentions,
        }


def usable(
    reviewed: Iterable[ReviewedClaims],
    known: Iterable[str],
    report: ReviewedRows,
    held_out_keys: frozenset[str] = frozenset(),
) -> list[ReviewedClaims]:
    """The readings that can be checked against this registry: text present, id seen once,
    every named claim still in the registry (a claim since removed or renamed would make
    "the top claim is not the one named" a wrong negative), not a near-copy of a held-out
    text. The counts of the others go into ``report``."""
    ids = set(known)
    seen: set[str] = set()
    out = []
    for item in reviewed:
        report.items += 1
        if not item.text.strip():
            report.empty += 1
        elif item.id in seen:
            report.duplicate_ids += 1
        elif any(c not in ids for c in item.claim_ids):
            report.unknown_ids += 1
        elif held_out_keys and dup_key(item.text) in held_out_keys:
            report.held_out += 1
        else:
            seen.add(item.id)
            out.append(item)
    return out


def groups(items: Sequence[ReviewedClaims]) -> list[str]:
    """One cross-validation group per item: items that share a cluster or a near-duplicate key
    (``nlp.groups.dup_key``) are one group, so a repost never trains the fold that tests its copy."""
    parent: dict[str, str] = {}

    def find(k: str) -> str:
        while parent.get(k, k) != k:
            k = parent[k]
        return k

    def join(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    keys = [f"key:{dup_key(item.text)}" for item in items]
    for item, key in zip(items, keys, strict=True):
        if item.cluster:
            join(f"cluster:{item.cluster}", key)
    return [f"{REVIEW_SOURCE}:{find(k)}" for k in keys]


def reviewed_data(
    finder: ClaimFinder,
    reviewed: Iterable[ReviewedClaims],
    held_out_keys: frozenset[str] = frozenset(),
) -> tuple[VerifierInput, np.ndarray, list[str], ReviewedRows]:
    """Verifier rows of the readings, as the finder computes them: input, label, group, and the report.

    ``finder``: the trainer's (encoder on, verifier off), so the rows are what the verifier
    reads at run time. A row is positive when the finder's top claim is one the reviewer
    named (``labelled_data``'s rule); only the embedded texts give rows, and a text that
    refutes or asks about a top claim the reviewer did not name gives none (module docstring).
    """
    report = ReviewedRows()
    items = usable(reviewed, (c.id for c in finder.claims), report, held_out_keys)
    ids = [c.id for c in finder.claims]
    dim = finder.encoder.dim if finder.encoder is not None else 0
    empty = VerifierInput(np.zeros((0, dim), np.float32), np.zeros((0, dim), np.float32), np.zeros((0, len(SCALARS))))
    if not items:
        return empty, np.zeros(0, dtype=int), [], report
    texts = [ClaimText.of(item.text) for item in items]
    sig = finder.signals(texts)
    rows = np.nonzero(sig.embedded)[0]
    report.not_embedded = len(items) - len(rows)
    if not len(rows):
        return empty, np.zeros(0, dtype=int), [], report
    top, x = finder.verifier_input(sig, rows)
    y = np.asarray([int(ids[t] in items[r].claim_ids) for r, t in zip(rows, top, strict=True)])
    keep = np.asarray(
        [
            bool(label) or read_stance(texts[r].folded, finder.wordings[ids[t]])[0] is Stance.REPEATS
            for r, t, label in zip(rows, top, y, strict=True)
        ],
        dtype=bool,
    )
    report.mentions = int((~keep).sum())
    rows, y = rows[keep], y[keep]
    x = VerifierInput(x.text[keep], x.claim[keep], x.scalars[keep])
    report.added = len(rows)
    report.positive = int(y.sum())
    report.read_as_repeating = sum(1 for r in rows if items[r].claim_ids)
    kept = [items[r] for r in rows]
    return x, y, groups(kept), report


@dataclass
class Agreement:
    """The finder's matches against the reviewers' readings, in counts.

    Of the items read as repeating some claims: ``found`` (the finder matched one of them and
    read it as *repeats*), ``missed`` (the rest), which splits into ``other_stance`` (one of
    them matched but read as refuting or asking), ``other_claim`` (only claims the reviewer did
    not name matched) and ``no_match``. Of the items read as repeating none: ``false_repeats``
    (the finder read some claim as *repeats*: a false flag) and ``refuted_or_asked`` (it matched
    claims only as refuted or asked about, which agrees with the reading).
    """

    read_as_repeating: int = 0
    found: int = 0
    other_stance: int = 0
    other_claim: int = 0
    no_match: int = 0
    read_as_none: int = 0
    false_repeats: int = 0
    refuted_or_asked: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def missed(self) -> int:
        return self.read_as_repeating - self.found

    def as_dict(self) -> dict[str, object]:
        return {
            "read_as_repeating": self.read_as_repeating,
            "found": self.found,
            "missed": self.missed,
            "missed_other_stance": self.other_stance,
            "missed_other_claim": self.other_claim,
            "missed_no_match": self.no_match,
            "read_as_none": self.read_as_none,
            "false_repeats": self.false_repeats,
            "refuted_or_asked": self.refuted_or_asked,
            "skipped": dict(self.skipped),
        }


def agreement(finder: ClaimFinder, reviewed: Iterable[ReviewedClaims]) -> Agreement:
    """How far ``finder`` (the shipped one: rule, verifier, windows) agrees with the readings.

    Every usable reading counts, embedded or not (the lexical matcher reads every text); the
    finder's top three matches are compared. Readings it cannot be compared on (no text, a
    repeated id, a claim no longer in the registry) are counted in ``skipped``.
    """
    report = ReviewedRows()
    items = usable(reviewed, (c.id for c in finder.claims), report)
    out = Agreement(
        skipped={"empty": report.empty, "duplicate_ids": report.duplicate_ids, "unknown_claim_ids": report.unknown_ids}
    )
    if not items:
        return out
    found = finder.find([ClaimText.of(item.text) for item in items])
    for item, matches in zip(items, found, strict=True):
        named = [m for m in matches if m.claim_id in item.claim_ids]
        if item.claim_ids:
            out.read_as_repeating += 1
            if any(m.stance is Stance.REPEATS for m in named):
                out.found += 1
            elif named:
                out.other_stance += 1
            elif matches:
                out.other_claim += 1
            else:
                out.no_match += 1
        else:
            out.read_as_none += 1
            if any(m.stance is Stance.REPEATS for m in matches):
                out.false_repeats += 1
            elif matches:
                out.refuted_or_asked += 1
    return out
