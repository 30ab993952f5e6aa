"""Known false claims: the registry (``nlp/claims.yaml``) and a matcher.

Matching has to survive what people do to a rumor when they repost it: drop the
diacritics, reword it, wrap it in "chia sẻ gấp" and a story. So:

* every text is normalised and *folded* (no diacritics, lower case, shorthand expanded);
* a document is cut into windows of one and two consecutive sentences, because a rumor is often one
  paragraph inside a long post and cosine similarity against the whole post would drown it;
* windows and the claim texts (claim + variants) are compared with TF-IDF character
  3–5-grams (robust to small edits and word-order changes) — one sparse product per batch;
* a claim's ``required_terms`` (all) and ``key_terms`` (at least one), folded, must appear in
  the window for a full score; without them the window keeps 40 % of its score, which keeps
  generic epidemic vocabulary (or a place name alone) from matching a specific claim.

The shipped YAML is the seed of the registry index (``index/claims.py``); the board adds
claims there (``tinradar claims add``, the desk) and nothing needs retraining. The
``Claim`` model and its validation live in the kernel (``tinradar.schema``) so the index
and the CLI validate exactly as this module does.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np
import yaml

from nlp.normalize import normalize
from tinradar.schema import Claim, ClaimMatch, validate_claims

DEFAULT_THRESHOLD = 0.45
_SENT = re.compile(r"(?<=[.!?…])\s+|\n+")
MAX_SENTENCES = 300
#: Sentences as written (for ``ClaimMatcher.locate``): a run up to end punctuation or a line break.
_SENTENCE = re.compile(r"[^\s.!?…\n][^.!?…\n]*[.!?…]*")
#: ``locate`` looks in the opening of a text, as the models read it.
_LOCATE_CHARS = 5000


def load_claims(path: Path) -> list[Claim]:
    """Read and validate the registry; duplicate ids are an error (results refer to ids).

    The validation is ``tinradar.schema.validate_claims``: the same for the YAML, the
    registry index and ``tinradar claims add``.
    """
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from exc
    items = raw.get("claims", []) if isinstance(raw, dict) else raw
    if not isinstance(items, list):
        raise ValueError(f"{path}: expected a list under 'claims'")
    try:
        return validate_claims(items)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc


def split_sentences(folded: str, limit: int = MAX_SENTENCES) -> list[str]:
    """Sentences of a folded text (at most ``limit``; very short fragments dropped)."""
    sentences = [s.strip() for s in _SENT.split(folded) if len(s.strip()) >= 8]
    if not sentences:
        return [folded.strip()] if folded.strip() else []
    return sentences[:limit]


@dataclass
class LexicalDetail:
    """What the lexical matcher saw: scores (texts × claims) and each text's best window."""

    scores: np.ndarray
    best_window: list[str | None]


def registry_hash(claims: Sequence[Claim]) -> str:
    """A hash of the registry's content (not of a file): it keys the cached claim vectors,
    so they are recomputed when a claim changes, wherever the registry is kept."""
    payload = json.dumps([c.model_dump(mode="json") for c in claims], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _term(term: str) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z0-9])" + re.escape(term) + r"(?![a-z0-9])")


def _holds(text: str, term: str, pattern: re.Pattern[str]) -> bool:
    """Whether ``text`` holds ``term`` as a whole word (``pattern`` = ``_term(term)``).

    The plain substring test first: most terms are in no given text, and ``in`` answers that
    for them far faster than the regex (which needs the substring to match at all).
    """
    return term in text and pattern.search(text) is not None


class ClaimMatcher:
    """Match documents against the registry; build once, call ``match`` per batch."""

    def __init__(self, claims: Sequence[Claim], threshold: float = DEFAULT_THRESHOLD) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.claims = list(claims)
        self.by_id = {c.id: c for c in self.claims}
        self.threshold = threshold
        texts: list[str] = []
        owners: list[int] = []
        for i, claim in enumerate(self.claims):
            for text in [claim.claim, *claim.variants]:
                texts.append(normalize(text).folded)
                owners.append(i)
        self.owners = np.asarray(owners)
        self.vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, dtype=np.float32)
        self.matrix = self.vectorizer.fit_transform(texts).T.tocsr() if texts else None
        self.columns = [np.nonzero(self.owners == i)[0] for i in range(len(self.claims))]
        self.key_terms = [[(t, _term(t)) for t in c.key_terms] for c in self.claims]
        self.required = [[(t, _term(t)) for t in c.required_terms] for c in self.claims]
        # Windows without any key term keep 40 % of their score, which cannot reach the
        # threshold; so when every claim has terms, only sentences near a term are scored.
        terms = sorted({t for c in self.claims for t in [*c.key_terms, *c.required_terms]}, key=len, reverse=True)
        gated = all(c.key_terms or c.required_terms for c in self.claims) and threshold > 0.4
        self.prefilter = (
            re.compile(r"(?<![a-z0-9])(?:" + "|".join(map(re.escape, terms)) + r")(?![a-z0-9])")
            if gated and terms
            else None
        )

    @classmethod
    def from_file(cls, path: Path, threshold: float = DEFAULT_THRESHOLD) -> ClaimMatcher:
        return cls(load_claims(path), threshold)

    def scores(self, folded_texts: Sequence[str]) -> np.ndarray:
        """Similarity (0..1) of each text to each claim: shape (texts, claims)."""
        return self.detail(folded_texts).scores

    def detail(self, folded_texts: Sequence[str]) -> LexicalDetail:
        """Scores per text and claim, and each text's best-scoring window.

        Sentences are vectorised once; a two-sentence window is the normalised sum of its
        sentences' vectors (close to vectorising the joined text, at a fraction of the cost).
        """
        from scipy.sparse import vstack
        from sklearn.preprocessing import normalize as l2

        out = np.zeros((len(folded_texts), len(self.claims)), dtype=np.float32)
        best: list[str | None] = [None] * len(folded_texts)
        if self.matrix is None or not folded_texts:
            return LexicalDetail(out, best)
        sentences: list[str] = []
        doc_of: list[int] = []
        pairs: list[int] = []  # index of the first sentence of each two-sentence window
        for d, text in enumerate(folded_texts):
            if self.prefilter is not None and not self.prefilter.search(text):
                continue  # no claim's key term anywhere: nothing can reach the threshold
            sents = split_sentences(text)
            hit = [self.prefilter is None or bool(self.prefilter.search(x)) for x in sents]
            keep = [i for i in range(len(sents)) if hit[i] or (i and hit[i - 1]) or (i + 1 < len(sents) and hit[i + 1])]
            position: dict[int, int] = {}
            for i in keep:
                position[i] = len(sentences)
                sentences.append(sents[i])
                doc_of.append(d)
            pairs.extend(position[i] for i in keep if i + 1 in position and (hit[i] or hit[i + 1]))
        if not sentences:
            return LexicalDetail(out, best)
        sent_vecs = self.vectorizer.transform(sentences)
        pair_idx = np.asarray(pairs, dtype=np.int64)
        if len(pair_idx):
            pair_vecs = l2(sent_vecs[pair_idx] + sent_vecs[pair_idx + 1])
            win_vecs = vstack([sent_vecs, pair_vecs]).tocsr()
        else:
            win_vecs = sent_vecs
        sims = (win_vecs @ self.matrix).toarray()  # windows × claim texts
        per_claim = np.empty((sims.shape[0], len(self.claims)), dtype=np.float32)
        for c, cols in enumerate(self.columns):
            per_claim[:, c] = sims[:, cols].max(axis=1)
        n_sent = len(sentences)
        win_doc = (
            np.concatenate([np.asarray(doc_of), np.asarray(doc_of)[pair_idx]]) if len(pair_idx) else np.asarray(doc_of)
        )

        def window_text(w: int) -> str:
            if w < n_sent:
                return sentences[w]
            first = int(pair_idx[w - n_sent])
            return f"{sentences[first]} {sentences[first + 1]}"

        # Key terms gate the windows that reach the threshold: without them a window keeps 40 %.
        for w, c in zip(*np.nonzero(per_claim >= self.threshold), strict=True):
            if not self._has_terms(c, window_text(int(w))):
                per_claim[w, c] *= 0.4
        np.maximum.at(out, win_doc, per_claim)
        top = per_claim.max(axis=1)
        best_score = np.full(len(folded_texts), -1.0)
        for w in range(len(win_doc)):
            d = int(win_doc[w])
            if top[w] > best_score[d]:
                best_score[d], best[d] = float(top[w]), window_text(w)
        return LexicalDetail(np.clip(out, 0.0, 1.0), best)

    def terms(self, folded_texts: Sequence[str]) -> np.ndarray:
        """Whether each text holds each claim's terms (all required, one key term): (texts, claims)."""
        out = np.zeros((len(folded_texts), len(self.claims)), dtype=bool)
        for d, text in enumerate(folded_texts):
            if self.prefilter is not None and not self.prefilter.search(text):
                continue
            for c in range(len(self.claims)):
                out[d, c] = self._has_terms(c, text)
        return out

    def _has_terms(self, c: int, text: str) -> bool:
        required, any_of = self.required[c], self.key_terms[c]
        if not all(_holds(text, t, p) for t, p in required):
            return False
        return not any_of or any(_holds(text, t, p) for t, p in any_of)

    def locate(self, text: str, claim_id: str, floor: float = 0.2) -> tuple[int, int] | None:
        """Where in ``text`` (as written) the claim stands: the sentence, or two consecutive
        sentences, most like the claim's texts; ``None`` below ``floor`` or for an unknown claim.

        The match itself is decided on folded, cleaned text, whose offsets are not the text's;
        this finds the span again on the text as written so the desk and the report can mark
        the sentence a reviewer must check against the claim.
        """
        c = next((i for i, claim in enumerate(self.claims) if claim.id == claim_id), None)
        if c is None or self.matrix is None or not text.strip():
            return None
        spans = [(m.start(), m.end()) for m in _SENTENCE.finditer(text[:_LOCATE_CHARS])]
        windows = spans + [(a[0], b[1]) for a, b in pairwise(spans)]
        if not windows:
            return None
        vecs = self.vectorizer.transform([normalize(text[s:e]).folded for s, e in windows])
        sims = (vecs @ self.matrix[:, self.columns[c]]).toarray().max(axis=1)
        # a one-sentence window wins a tie with the pair that holds it (the shorter mark)
        best = int(np.argmax(sims))
        if sims[best] < floor:
            return None
        start, end = windows[best]
        return start, start + len(text[start:end].rstrip())

    def match(self, folded_texts: Sequence[str], top: int = 3) -> list[list[ClaimMatch]]:
        """Claims above the threshold for each text, best first (at most ``top``)."""
        scores = self.scores(folded_texts)
        result: list[list[ClaimMatch]] = []
        for row in scores:
            idx = [i for i in np.argsort(-row)[:top] if row[i] >= self.threshold]
            result.append([ClaimMatch(claim_id=self.claims[i].id, similarity=round(float(row[i]), 4)) for i in idx])
        return result


__all__ = [
    "DEFAULT_THRESHOLD",
    "Claim",
    "ClaimMatcher",
    "LexicalDetail",
    "load_claims",
    "registry_hash",
    "split_sentences",
]
