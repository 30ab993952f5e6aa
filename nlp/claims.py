"""Known false claims: the registry (``nlp/claims.yaml``) and a matcher.

Matching has to survive what people do to a rumor when they repost it: drop the
diacritics, reword it, wrap it in "chia sẻ gấp" and a story. So:

* every text is normalised and *folded* (no diacritics, lower case, shorthand expanded);
* a document is cut into windows of one and two consecutive sentences, because a rumor is often one
  paragraph inside a long post and cosine similarity against the whole post would drown it;
* windows and the claim texts (claim + variants) are compared with TF-IDF character
  3–5-grams (robust to small edits and word-order changes) — one sparse product per batch;
* a claim's ``required_terms`` (all), ``required_any`` (one: the places a claim about a named place
  is about) and ``key_terms`` (at least one) must appear in the window
  for a full score; without them the window keeps 40 % of its score, which keeps generic
  epidemic vocabulary (or a place name alone) from matching a specific claim;
* a term written folded ("toi") holds on the folded text, whatever the text's diacritics; a term
  written with diacritics ("tỏi") holds on a word that folds alike and is either written exactly
  so or typed without any diacritics ("toi"), so "tôi" (I) and "tối" (evening) no longer hold the
  garlic claim's term. This is read on the text's *written view* (``ClaimMatcher.written_view``):
  the folded text in which a word that folds to a word of such a term keeps its diacritics.

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

from nlp.normalize import normalize, unify_tone_marks
from tinradar.schema import Claim, ClaimMatch, validate_claims
from tinradar.text import fold
from tinradar.yamlfile import read_yaml

DEFAULT_THRESHOLD = 0.45
#: Where one sentence ends and the next begins (also read by ``nlp.claim_windows``).
SENTENCE_BREAK = re.compile(r"(?<=[.!?…])\s+|\n+")
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
    raw = read_yaml(path)  # a YamlFileError (ValueError) names the file and what is wrong with it
    items = raw.get("claims", []) if isinstance(raw, dict) else raw
    if not isinstance(items, list):
        raise ValueError(f"{path}: expected a list under 'claims'")
    try:
        return validate_claims(items)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc


def split_sentences(folded: str, limit: int = MAX_SENTENCES) -> list[str]:
    """Sentences of a folded text (at most ``limit``; very short fragments dropped)."""
    sentences = [s.strip() for s in SENTENCE_BREAK.split(folded) if len(s.strip()) >= 8]
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


#: A word of a text (letters and digits, with or without diacritics).
_WORD = re.compile(r"[^\W_]+")


def _term(term: str) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z0-9])" + re.escape(term) + r"(?![a-z0-9])")


def _written_term(term: str) -> re.Pattern[str]:
    """The pattern of a term written with diacritics, on a written view: each of its words as
    written or folded ("tỏi" → ``(?:toi|tỏi)``), whole words as in ``_term``."""
    words = []
    for word in term.split(" "):
        forms = dict.fromkeys([fold(word), word])
        words.append("(?:" + "|".join(map(re.escape, forms)) + ")" if len(forms) > 1 else re.escape(word))
    return re.compile(r"(?<![a-z0-9])" + " ".join(words) + r"(?![a-z0-9])")


@dataclass(frozen=True)
class Term:
    """A claim term as the matcher checks it.

    ``folded``: the term folded (a text that holds it holds this substring, folded);
    ``pattern``: the whole-word pattern, on the folded text (``written`` false: the term was
    written without diacritics) or on the written view (``written`` true).
    """

    folded: str
    pattern: re.Pattern[str]
    written: bool

    @classmethod
    def of(cls, term: str) -> Term:
        written = unify_tone_marks(term)
        folded = fold(written)
        if folded == written:
            return cls(folded, _term(folded), False)
        return cls(folded, _written_term(written), True)


def _holds(text: str, term: str, pattern: re.Pattern[str]) -> bool:
    """Whether ``text`` holds ``term`` as a whole word (``pattern`` = ``_term(term)``).

    The plain substring test first: most terms are in no given text, and ``in`` answers that
    for them far faster than the regex (which needs the substring to match at all).
    """
    return term in text and pattern.search(text) is not None


def _holds_term(folded: str, written: str, term: Term) -> bool:
    """Whether a window holds ``term``: ``folded`` and ``written`` are its folded text and
    written view (the same string when the text has no word to tell apart)."""
    if not term.written:
        return _holds(folded, term.folded, term.pattern)
    return term.folded in folded and term.pattern.search(written) is not None


def requires_name(claim: Claim, name: str) -> bool:
    """Whether ``name`` (a place, as written) is one of the places ``claim`` is about: it holds one of
    the claim's ``required_any``, read as the matcher reads them (a claim about a named place is
    about that place)."""
    norm = normalize(name)
    return any(_holds_term(norm.folded, norm.features, Term.of(t)) for t in claim.required_any)


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
        self.key_terms = [[Term.of(t) for t in c.key_terms] for c in self.claims]
        self.required = [[Term.of(t) for t in c.required_terms] for c in self.claims]
        #: A claim about a named place is about that place: one of these must be in the text, on
        #: every path of the finder (``names``), not only in the lexical window.
        self.required_any = [[Term.of(t) for t in c.required_any] for c in self.claims]
        #: The folded words of the terms written with diacritics: a word of a text that folds to
        #: one of them keeps its diacritics in the written view (``written_view``).
        every = [*self.key_terms, *self.required, *self.required_any]
        guarded = {w for ts in every for t in ts if t.written for w in t.folded.split()}
        self.guarded = frozenset(guarded)
        self._guarded_re = (
            re.compile(r"(?<![a-z0-9])(?:" + "|".join(map(re.escape, sorted(guarded))) + r")(?![a-z0-9])")
            if guarded
            else None
        )
        # Windows without any key term keep 40 % of their score, which cannot reach the
        # threshold; so when every claim has terms, only sentences near a term are scored.
        # (Folded: a term written with diacritics is looked for by its fold, a superset.)
        # (A required place is no trigger: a text naming Hà Nội must not be scored, nor embedded,
        # for every other claim where one naming Huế is not.)
        terms = sorted({t.folded for ts in [*self.key_terms, *self.required] for t in ts}, key=len, reverse=True)
        gated = all(c.key_terms or c.required_terms for c in self.claims) and threshold > 0.4
        self.prefilter = (
            re.compile(r"(?<![a-z0-9])(?:" + "|".join(map(re.escape, terms)) + r")(?![a-z0-9])")
            if gated and terms
            else None
        )

    @classmethod
    def from_file(cls, path: Path, threshold: float = DEFAULT_THRESHOLD) -> ClaimMatcher:
        return cls(load_claims(path), threshold)

    def written_view(self, folded: str, features: str | None) -> str:
        """The text as the terms written with diacritics read it: ``folded``, except that a word
        of ``features`` (the lower-case text with its diacritics, ``NormalizedText.features``)
        that folds to a word of such a term and carries diacritics is kept as written.

        Built from ``features`` alone, word by word (folding is character by character, so it
        folds to ``folded``); ``folded`` itself when no such word is in the text, or without
        ``features`` (a caller that only has the folded text: every word then counts as typed
        without diacritics, the behaviour before terms could be written with them).
        """
        if features is None or self._guarded_re is None or not self._guarded_re.search(folded):
            return folded
        parts: list[str] = []
        last = 0
        if len(features) == len(folded):
            # every character folded to one (NFC Vietnamese): the guarded words of ``folded`` are
            # at the same offsets in ``features``; only those are looked at
            for m in self._guarded_re.finditer(folded):
                start, end = m.span()
                word = features[start:end]
                if word != m.group() and _WORD.fullmatch(word) and fold(word) == m.group():
                    parts += [folded[last:start], word]
                    last = end
            parts.append(folded[last:])
            return "".join(parts)
        for m in _WORD.finditer(features):
            word = m.group()
            folded_word = fold(word)
            if folded_word != word and folded_word in self.guarded:
                parts += [fold(features[last : m.start()]), word]
                last = m.end()
        parts.append(fold(features[last:]))
        return "".join(parts)

    def scores(self, folded_texts: Sequence[str], features: Sequence[str | None] | None = None) -> np.ndarray:
        """Similarity (0..1) of each text to each claim: shape (texts, claims)."""
        return self.detail(folded_texts, features).scores

    def detail(self, folded_texts: Sequence[str], features: Sequence[str | None] | None = None) -> LexicalDetail:
        """Scores per text and claim, and each text's best-scoring window.

        ``features``: each text's lower-case text with its diacritics (``NormalizedText.features``),
        for the terms written with diacritics (``written_view``); without it they hold on any
        word that folds alike.

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
        local: list[int] = []  # each sentence's index among its text's sentences
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
                local.append(i)
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

        # The written view's sentences, for a text one of whose windows is gated: few are, so the
        # view is built only for those (it folds to the text: its sentences are the text's).
        views: dict[int, list[str]] = {}

        def written_text(w: int) -> str:
            first = w if w < n_sent else int(pair_idx[w - n_sent])
            d = doc_of[first]
            if d not in views:
                view = self.written_view(folded_texts[d], features[d] if features is not None else None)
                views[d] = split_sentences(view) if view is not folded_texts[d] else []
            if not views[d]:
                return window_text(w)
            of, i = views[d], local[first]
            if i + (w >= n_sent) >= len(of) or fold(of[i]) != sentences[first]:
                return window_text(w)  # not aligned (never for NFC text): as before the view
            return of[i] if w < n_sent else f"{of[i]} {of[i + 1]}"

        # Key terms gate the windows that reach the threshold: without them a window keeps 40 %.
        for w, c in zip(*np.nonzero(per_claim >= self.threshold), strict=True):
            if not self._has_terms(c, window_text(int(w)), written_text(int(w))):
                per_claim[w, c] *= 0.4
        np.maximum.at(out, win_doc, per_claim)
        top = per_claim.max(axis=1)
        best_score = np.full(len(folded_texts), -1.0)
        for w in range(len(win_doc)):
            d = int(win_doc[w])
            if top[w] > best_score[d]:
                best_score[d], best[d] = float(top[w]), window_text(w)
        return LexicalDetail(np.clip(out, 0.0, 1.0), best)

    def terms(self, folded_texts: Sequence[str], features: Sequence[str | None] | None = None) -> np.ndarray:
        """Whether each text holds each claim's terms (all required, one key term): (texts, claims).

        ``features`` as in ``detail``."""
        out = np.zeros((len(folded_texts), len(self.claims)), dtype=bool)
        for d, text in enumerate(folded_texts):
            if self.prefilter is not None and not self.prefilter.search(text):
                continue
            view = self.written_view(text, features[d] if features is not None else None)
            for c in range(len(self.claims)):
                out[d, c] = self._has_terms(c, text, view)
        return out

    def _has_terms(self, c: int, text: str, written: str) -> bool:
        required, any_of = self.required[c], self.key_terms[c]
        if not all(_holds_term(text, written, t) for t in required):
            return False
        if not self._has_name(c, text, written):
            return False
        return not any_of or any(_holds_term(text, written, t) for t in any_of)

    def _has_name(self, c: int, text: str, written: str) -> bool:
        names = self.required_any[c]
        return not names or any(_holds_term(text, written, t) for t in names)

    def names(self, folded_texts: Sequence[str], features: Sequence[str | None] | None = None) -> np.ndarray:
        """Whether each text names a place each claim requires (``required_any``; true for a claim
        that requires none): (texts, claims). Read on the whole text: the finder holds every
        path to it (a claim about a named place is about that place)."""
        out = np.ones((len(folded_texts), len(self.claims)), dtype=bool)
        named = [c for c in range(len(self.claims)) if self.required_any[c]]
        for d, text in enumerate(folded_texts):
            if not named:
                break
            view = self.written_view(text, features[d] if features is not None else None)
            for c in named:
                out[d, c] = self._has_name(c, text, view)
        return out

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

    def match(
        self, folded_texts: Sequence[str], top: int = 3, features: Sequence[str | None] | None = None
    ) -> list[list[ClaimMatch]]:
        """Claims above the threshold for each text, best first (at most ``top``; ``features`` as in ``detail``)."""
        scores = self.scores(folded_texts, features)
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
    "Term",
    "load_claims",
    "registry_hash",
    "requires_name",
    "split_sentences",
]
