"""Reading a long post whole: sentence windows, and a small model over a few candidate claims.

The finder embeds a text's opening (``encoder_max_tokens``) and, at most, one lexical near-miss
window. A real rumor post is long and tells its claim somewhere in the middle, in its own words:
the opening's vector then points at the post's preamble, not at the claim. So for a long
COVID-related post that passes the finder's gate (``ClaimFinder.gate``) this step

1. cuts the whole text into windows of consecutive sentences (``windows``: at most
   ``WINDOW_SENTENCES`` sentences and ``WINDOW_CHARS`` characters, well inside the encoder's
   token budget), and keeps at most ``MAX_WINDOWS`` of them: those whose character n-grams are
   nearest some claim text (evidence the lexical matcher's vectorizer already has, no embedding);
2. embeds them through the encoder's cache (``query`` role, as the finder embeds texts) and reads,
   per claim, the best window cosine and which window gave it;
3. judges a few candidate claims (the first ``CANDIDATES`` by window cosine and the lexical best)
   with a logistic regression over ``FEATURES``: a dozen general numbers (cosines, leads, votes,
   lexical score, terms, length), no vector blocks — a model that learns claim-specific
   directions from a few dozen real positives does not carry to new posts.

A candidate the model accepts (probability at least its threshold) becomes a match; its stance is
read around its best window, as for any other match. The model, its threshold and how they were
chosen are in ``nlp/models/claims/windows.json`` (``python -m nlp.claim_windows_train``; the model
card is in docs/nlp.md, "Known false claims"). It belongs to one encoder version: with another
encoder, or none, the step is off.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nlp.claim_verifier import ShippedLogistic
from nlp.claims import SENTENCE_BREAK

#: A window is at most this many sentences and characters (Vietnamese runs at 3–4 characters per
#: e5 token: 320 characters is about 100 tokens, inside the 128-token budget, so a window is read
#: whole). A longer sentence is cut at spaces.
WINDOW_SENTENCES = 3
WINDOW_CHARS = 320
#: At most this many windows per post are embedded (the cost stays bounded for any length).
MAX_WINDOWS = 8
#: Candidate claims judged per post: this many first by window cosine, and the lexical best.
CANDIDATES = 2
#: The model's features, in order (``features``).
FEATURES = (
    "window_cosine",  # best window cosine with the claim
    "window_lead",  # its lead over the best other claim's window cosine (negative: not first)
    "window_second",  # the claim's second-best window cosine (does more than one window agree?)
    "votes",  # share of the windows whose first claim (by cosine) is this one
    "opening_cosine",  # the finder's cosine of the claim with the opening (and near-miss window)
    "opening_lead",  # its lead over the best other claim's
    "lexical",  # the lexical matcher's score of the claim
    "lexical_lead",  # its lead over the best other claim's
    "terms",  # the text holds the claim's terms
    "unaccented",  # typed without diacritics
    "log_chars",  # log10 of the text's length
)


def windows(text: str, max_chars: int = WINDOW_CHARS, sentences: int = WINDOW_SENTENCES) -> list[str]:
    """Consecutive sentences of ``text`` packed into windows of at most ``sentences`` sentences
    and ``max_chars`` characters, in text order; a longer sentence is cut at spaces."""
    pieces: list[str] = []
    for raw in SENTENCE_BREAK.split(text):
        s = " ".join(raw.split())
        while len(s) > max_chars:
            cut = s.rfind(" ", 0, max_chars)
            cut = cut if cut > max_chars // 2 else max_chars
            pieces.append(s[:cut].strip())
            s = s[cut:].strip()
        if s:
            pieces.append(s)
    out: list[str] = []
    current: list[str] = []
    for piece in pieces:
        if current and (len(current) >= sentences or len(" ".join([*current, piece])) > max_chars):
            out.append(" ".join(current))
            current = []
        current.append(piece)
    if current:
        out.append(" ".join(current))
    return [w for w in out if len(w) >= 8]


@dataclass
class WindowEvidence:
    """Per long post: each claim's best window cosine (claims,), its second best, the window that
    gave the best (index into ``texts``), each window's first claim (windows,), and the post's
    length in characters."""

    texts: list[str]
    best: np.ndarray
    second: np.ndarray
    which: np.ndarray
    firsts: np.ndarray
    chars: int


def evidence(texts: list[str], cosines: np.ndarray, chars: int) -> WindowEvidence:
    """``cosines``: (windows, claims) cosine of each window with each claim; ``chars``: the post's length."""
    order = np.sort(cosines, axis=0)
    second = order[-2] if len(cosines) > 1 else np.full(cosines.shape[1], -1.0, dtype=np.float32)
    return WindowEvidence(texts, order[-1], second, cosines.argmax(axis=0), cosines.argmax(axis=1), chars)


def candidates(ev: WindowEvidence, lexical: np.ndarray) -> list[int]:
    """The claims judged for one post: the first ``CANDIDATES`` by window cosine, and the lexical
    best when above zero."""
    chosen = [int(i) for i in np.argsort(-ev.best, kind="stable")[:CANDIDATES]]
    best = int(np.argmax(lexical)) if len(lexical) else 0
    if len(lexical) and lexical[best] > 0 and best not in chosen:
        chosen.append(best)
    return chosen


def _lead(row: np.ndarray, c: int) -> float:
    others = np.delete(row, c)
    return float(row[c] - (others.max() if len(others) else -1.0))


def features(
    ev: WindowEvidence,
    claim: int,
    opening: np.ndarray,
    lexical: np.ndarray,
    terms: bool,
    unaccented: bool,
) -> np.ndarray:
    """``FEATURES`` of one (post, candidate claim); ``opening``/``lexical``: the post's rows."""
    return np.asarray(
        [
            ev.best[claim],
            _lead(ev.best, claim),
            ev.second[claim],
            float(np.mean(ev.firsts == claim)) if len(ev.firsts) else 0.0,
            opening[claim],
            _lead(opening, claim),
            lexical[claim],
            _lead(lexical, claim),
            float(terms),
            float(unaccented),
            float(np.log10(max(ev.chars, 1))),
        ],
        dtype=np.float64,
    )


class WindowModel(ShippedLogistic):
    """The shipped logistic regression over ``FEATURES``: ``proba`` and ``threshold``."""

    @classmethod
    def load(cls, path: Path, encoder_version: str | None) -> WindowModel | None:
        """The model in ``path`` when it was trained for this encoder and these features; else ``None``."""

        def misfit(raw: dict) -> str | None:
            if raw.get("encoder") == encoder_version and tuple(raw.get("features", ())) == FEATURES:
                return None
            return f"claim window model {path} does not fit encoder {encoder_version}: step off"

        return cls.read(path, encoder_version, misfit)

    def proba(self, x: np.ndarray) -> np.ndarray:
        """Probability that each (post, claim) row of ``x`` (``FEATURES``) carries the claim."""
        return self.score(x)
