"""Known-claim matching with two signals, and the stance of each match.

The lexical matcher (``nlp.claims.ClaimMatcher``: folded character n-grams in sentence
windows, gated by the claim's terms) is precise and survives missing diacritics, but misses a
rumor told in other words. The sentence encoder (``nlp.encoder``) hears the other words but
is blind to negation and finds every same-topic official notice "close" to some claim. So:

* **which texts are embedded** — only the COVID-19-related ones (``covid_proba`` ≥ 0.5) that
  some claim could be in (a lexical score above zero, or an opening that shares enough
  character n-grams with a claim: ``OPENING_SIM``). Their opening (``encoder_max_tokens``) is embedded in the ``query`` role through the
  encoder's cache, and for a long text also the window the lexical matcher liked best, when
  it is a near miss (lexical score from ``NEAR`` to the threshold);
* **the rule** (``MatchRule``, calibrated on half of the hand-written evaluation set by
  ``python -m nlp.claims_eval calibrate``, read from ``<models_dir>/claims/rule.json``):
  a claim matches when its lexical score reaches ``lexical``, or its cosine reaches
  ``semantic`` (``semantic_folded`` for a text typed without diacritics) while leading the
  next claim by ``margin``, or reaches ``semantic_with_terms`` while the text holds the
  claim's terms. The reported ``similarity`` is on the lexical scale (the match threshold
  is ``lexical``): a semantic match maps its cosine linearly from its threshold to 1;
* **the stance** (``nlp.stance``) of each match: repeats, refutes or asks, read over the text's
  opening and the sentences around the match; a refuting match carries the words that refute
  (``ClaimMatch.stance_phrase``), which the analyzer's cue quotes;
* **the whole long post** (``nlp.claim_windows``, with its model ``<models_dir>/claims/windows.json``):
  an embedded text longer than ``LONG_TEXT`` is also read as sentence windows across all of it
  (at most ``MAX_WINDOWS``), and a few candidate claims are judged on the windows' cosines by a
  small learned model; an accepted candidate is a match, its stance read around its window.

* **per-claim name views** (issue 15, principle 1): a name in a text counts only against the claim
  that names it. Scoring a text against claim c, every name the text holds (``nlp.masking``) that c
  does not use (in its text, variants or terms) is read as its type; the names c uses stay as
  written (``claim_views``). Texts without names read as before; the claim texts stay as written;
* **a claim about a named place is about that place**: a claim with ``required_any`` matches only a
  text naming one of those places, whichever path found it (``ClaimMatcher.names``).

With the encoder off or missing, only the lexical signal is used (as before this module).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from nlp.claim_vectors import ClaimVectors
from nlp.claim_verifier import Verifier, VerifierInput, top_claim_input
from nlp.claim_windows import (
    FEATURES,
    MAX_WINDOWS,
    WindowEvidence,
    WindowModel,
    candidates,
    evidence,
    features,
    windows,
)
from nlp.claims import Claim, ClaimMatcher, split_sentences
from nlp.covid import covid_probability
from nlp.cues import as_written
from nlp.diacritics import Restorer, load_restorer
from nlp.encoder import Encoder
from nlp.masking import masker, readable, with_types
from nlp.normalize import expand_shorthand, normalize, unify_tone_marks
from nlp.stance import SHORT_TEXT_SENTENCES, claim_wordings, read_stance
from tinradar.schema import ClaimMatch
from tinradar.settings import Settings
from tinradar.text import fold, has_vietnamese_diacritics

log = logging.getLogger(__name__)

#: Texts at least this COVID-related are embedded even without any claim's key term.
COVID_GATE = 0.5
#: A lexical best window is embedded too when the text is longer than this (characters;
#: shorter texts fit in the encoder's opening) and the window's lexical score is at least
#: ``NEAR`` but below the match threshold: a near miss, which the encoder may confirm in other
#: words (about 15 % of the benchmark's texts).
LONG_TEXT = 400
NEAR = 0.40
#: A text the verifier nearly matched (probability at least this, below its threshold) and that
#: has several sentences is read again sentence by sentence: a rumor told between greetings or
#: inside a longer post dilutes the whole text's vector, not its own sentence's.
SENTENCE_NEAR = 0.5
#: At most this many sentences of such a text are embedded (the opening ones).
SENTENCE_LOOKS = 8
#: The semantic path reads a text's opening (and near misses found in it): a COVID-related text
#: is embedded only when some claim could be in it — a lexical score above zero (a claim's key
#: term in a window that looks like the claim), or a character n-gram cosine of its opening
#: ``OPENING_CHARS`` (folded, no term needed) with some claim text of at least ``OPENING_SIM``.
#: Chosen on the calibration half of ``nlp/data/claims_eval``: of the 25 paraphrases only the
#: verifier finds there, 3 have no key term (lexical 0) and opening cosines 0.36, 0.41, 0.47;
#: 0.30 keeps all 25 with a margin. On 1,385 COVID-related ReINTEL posts 89 % still pass
#: (lexical > 0 alone: 82 %; cosine ≥ 0.30 alone: nearly all), see docs/nlp.md.
OPENING_CHARS = 1000
OPENING_SIM = 0.30
#: A text typed without diacritics is embedded restored (``ClaimFinder(restorer=…)``) when it is
#: at most this long (characters): the encoder reads such a text whole. Chosen on the long-post dev
#: set and the calibration half (issue #15): restoring every length found 102 of 130 calibration
#: paraphrases (97 unrestored) and, on the dev set, one more long rumor post (21 of 45) but two
#: more long true posts (20 of 47 against 18; of its 16 typed without diacritics, 7 against 5);
#: restoring only texts up to this length keeps the 102 and leaves the dev set as it was.
RESTORE_MAX_CHARS = LONG_TEXT

_WORDS = re.compile(r"[\w']+")


def _wordline(text: str) -> str:
    """The words of ``text`` space-joined, padded with a space (whole-word containment)."""
    return " " + " ".join(_WORDS.findall(text)) + " "


def _per_claim(values: np.ndarray, of: np.ndarray) -> np.ndarray:
    """(texts, claims): each claim's value read on its own view (``values``: views × claims;
    ``of``: texts × claims, the view each claim reads)."""
    return values[of, np.arange(of.shape[1])] if of.size else np.zeros(of.shape, dtype=values.dtype)


class MatchRule(BaseModel):
    """The calibrated decision rule (see the module docstring); defaults = lexical only, as before."""

    model_config = ConfigDict(extra="ignore")

    lexical: float = Field(default=0.45, description="Lexical score at or above which a claim matches")
    semantic: float = Field(default=1.01, description="Cosine alone, text with diacritics (>1: off)")
    semantic_folded: float = Field(default=1.01, description="Cosine alone, text without diacritics (>1: off)")
    margin: float = Field(default=0.0, description="Lead of the cosine over the next claim's, for a cosine-alone match")
    semantic_with_terms: float = Field(default=1.01, description="Cosine when the text holds the claim's terms")

    @classmethod
    def load(cls, path: Path) -> MatchRule:
        """The rule in ``path`` (written by the calibration), or the lexical-only default."""
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            log.warning("no claim-matching rule at %s: lexical matching only", path)
            return cls()
        return cls.model_validate(raw.get("rule", raw))


def load_verifier(models_dir: Path, encoder: Encoder | None) -> Verifier | None:
    """The shipped verifier (``<models_dir>/claims/verifier.json``) when it fits the encoder; else ``None``."""
    return Verifier.load(models_dir / "claims" / "verifier.json", encoder.version if encoder is not None else None)


class Shipped(Enum):
    """``ClaimFinder.from_settings``'s default for a part: what the settings ship (``None`` is "off")."""

    SHIPPED = "shipped"


#: Load this part as the settings say (``ClaimFinder.from_settings``).
SHIPPED: Literal[Shipped.SHIPPED] = Shipped.SHIPPED


@dataclass
class ClaimText:
    """What the finder needs of one text: its folded view, its display text and COVID relevance,
    and its lower-case text with diacritics (``NormalizedText.features``), for the claim terms
    written with diacritics (``nlp.claims``); without it those hold on any word that folds alike."""

    folded: str
    text: str
    covid_proba: float
    features: str | None = None

    @classmethod
    def of(cls, text: str) -> ClaimText:
        """A raw text's view (the analyzer builds it from the normalised text it already has)."""
        norm = normalize(text)
        return cls(norm.folded, norm.text, covid_probability(norm.folded), norm.features)


@dataclass
class ClaimSignals:
    """The two signals for each text and claim: (texts, claims) arrays."""

    lexical: np.ndarray
    semantic: np.ndarray  # cosine; -1 where the text was not embedded
    terms: np.ndarray  # the claim's required and key terms are in the text
    unaccented: np.ndarray  # (texts,): typed without diacritics
    embedded: np.ndarray  # (texts,): went through the encoder (or its cache)
    windows: list[str | None] = field(default_factory=list)  # (texts,): best lexical window, folded
    vectors: np.ndarray | None = None  # (texts, dim): the embedded opening; zeros where not embedded
    #: The verifier's (top claim, probability) for the embedded rows, when the sentence look
    #: computed them on exactly the inputs ``scores`` reads (no sentence replaced a row's).
    verified: tuple[np.ndarray, np.ndarray] | None = None
    #: Per long embedded text (row): its sentence windows' evidence (``nlp.claim_windows``), when
    #: the finder has a window model.
    window_evidence: dict[int, WindowEvidence] = field(default_factory=dict)
    #: (texts, claims): the text names a place the claim requires (``Claim.required_any``; true
    #: for a claim that requires none). ``None``: no claim requires one.
    named: np.ndarray | None = None


class ClaimFinder:
    """Finds known claims in texts with both signals; build once (it embeds the registry once)."""

    def __init__(
        self,
        claims: Sequence[Claim],
        *,
        encoder: Encoder | None = None,
        rule: MatchRule | None = None,
        cache_dir: Path | None = None,
        verifier: Verifier | None = None,
        restorer: Restorer | None = None,
        window_model: WindowModel | None = None,
        name_views: bool = True,
    ) -> None:
        self.claims = list(claims)
        #: Texts typed without diacritics are embedded restored (``nlp.diacritics``): the encoder
        #: reads them far worse than accented text. Only what the encoder reads changes.
        self.restorer = restorer if encoder is not None else None
        self.rule = rule or MatchRule()
        self.verifier = verifier if encoder is not None else None
        #: Reads long posts whole, as sentence windows (``nlp.claim_windows``); off without the encoder.
        self.window_model = window_model if encoder is not None else None
        self.lexical = ClaimMatcher(self.claims, threshold=self.rule.lexical)
        self.encoder = encoder
        self.vectors = ClaimVectors(self.claims, encoder, cache_dir) if encoder is not None else None
        self.wordings = claim_wordings(
            {c.id: [normalize(t).folded for t in [c.claim, *c.variants]] for c in self.claims}
        )
        self.windows_embedded = 0  # extra (non-opening) windows embedded, for the benchmark
        #: Per-claim name views (``claim_views``); off: every claim reads the names (the control).
        self.name_views = name_views
        self.views_embedded = 0  # extra encoder queries the views cost (beyond one per text), for the benchmark
        # A name is "used" by a claim when the claim writes it: in a text written with diacritics,
        # compared with the claim's material written with diacritics ("Hoa" is not "hàng hóa");
        # in a text typed without them, with every word of the claim folded.
        material = [[c.claim, *c.variants, *c.key_terms, *c.required_terms, *c.required_any] for c in self.claims]
        self._claim_words = [
            _wordline(unify_tone_marks(" ".join(t for t in m if has_vietnamese_diacritics(t)).lower()))
            for m in material
        ]
        self._claim_plain = [_wordline(fold(" ".join(m).lower())) for m in material]
        self._views: dict[str, tuple[list[str], np.ndarray]] = {}

    @classmethod
    def from_settings(
        cls,
        claims: Sequence[Claim],
        settings: Settings,
        *,
        encoder: Encoder | None,
        rule: MatchRule | Literal[Shipped.SHIPPED] = SHIPPED,
        verifier: Verifier | Literal[Shipped.SHIPPED] | None = SHIPPED,
        restorer: Restorer | Literal[Shipped.SHIPPED] | None = SHIPPED,
        window_model: WindowModel | Literal[Shipped.SHIPPED] | None = SHIPPED,
        name_views: bool = True,
    ) -> ClaimFinder:
        """The finder TinRadar runs: the one place its parts are read from the settings.

        By default (``SHIPPED``) the rule is ``<models_dir>/claims/rule.json``, the verifier
        ``<models_dir>/claims/verifier.json`` (when it fits the encoder), the window model
        ``<models_dir>/claims/windows.json`` (likewise) and the diacritic restorer
        ``<models_dir>/diacritics`` when ``claims_restore_diacritics`` is on; the claim vectors are
        cached under ``cache_dir``. A part given here is used as given (``None``: off), so the
        evaluation and the trainers change one part and keep the rest as the analyzer has it, and
        the analyzer hands in the restorer it loaded once. Without the encoder neither the
        verifier nor the restorer is loaded: they serve the encoder's signal only. ``name_views``
        off: every claim reads the text as written (the verifier's trainer, which reproduces the
        shipped verifier on the texts as it read them before the views; ``claim_views``).
        """
        models = settings.models_dir
        if rule is SHIPPED:
            rule = MatchRule.load(models / "claims" / "rule.json")
        if verifier is SHIPPED:
            verifier = load_verifier(models, encoder) if encoder is not None else None
        if restorer is SHIPPED:
            restorer = load_restorer(models, settings.claims_restore_diacritics) if encoder is not None else None
        if window_model is SHIPPED:
            window_model = (
                WindowModel.load(models / "claims" / "windows.json", encoder.version) if encoder is not None else None
            )
        return cls(
            claims,
            encoder=encoder,
            rule=rule,
            cache_dir=settings.cache_dir,
            verifier=verifier,
            restorer=restorer,
            window_model=window_model,
            name_views=name_views,
        )

    @property
    def threshold(self) -> float:
        return self.rule.lexical

    def claim_views(self, text: str) -> tuple[list[str], np.ndarray]:
        """``text`` as each claim reads it: its distinct views, and per claim the index of its view.

        A name counts only against the claim that names it: in the view a claim reads, every name
        of the text (``nlp.masking``) that the claim does not use (in its text, variants or terms)
        is its type token, and the names it uses stay as written. Claims are grouped by the subset
        of the text's names they use, one view per group: a text without names has one view, itself;
        one whose names no claim uses, one (fully masked) view; each other subset adds one.
        """
        n = len(self.claims)
        if not self.name_views:
            return [text], np.zeros(n, dtype=np.int64)
        cached = self._views.get(text)
        if cached is not None:
            return cached
        found = masker().find(text) if text.strip() else []
        views, of = [text], np.zeros(n, dtype=np.int64)
        if found:
            accented = has_vietnamese_diacritics(text)
            lines = self._claim_words if accented else self._claim_plain
            used = np.zeros((len(found), n), dtype=bool)
            for k, e in enumerate(found):
                key = _wordline(unify_tone_marks(e.surface.lower()) if accented else fold(e.surface.lower()))
                used[k] = [key in line for line in lines]
            views, group = [], {}
            for c in range(n):
                pattern = used[:, c].tobytes()
                if pattern not in group:
                    group[pattern] = len(views)
                    views.append(with_types(text, [e for k, e in enumerate(found) if not used[k, c]]))
                of[c] = group[pattern]
        if len(self._views) > 4096:
            self._views.clear()
        self._views[text] = (views, of)
        return views, of

    def _lexical_views(
        self, texts: Sequence[ClaimText], originals: bool = False
    ) -> tuple[list[ClaimText], np.ndarray, list[int]]:
        """The texts' views for the lexical matcher, flat; per text and claim the flat index of its
        view; and per text the flat index of the text as written (added when ``originals`` and it
        is no view: its best window is the one the stance is read around)."""
        flat: list[ClaimText] = []
        of = np.zeros((len(texts), len(self.claims)), dtype=np.int64)
        own: list[int] = []
        for i, t in enumerate(texts):
            views, o = self.claim_views(t.text)
            of[i] = o + len(flat)
            mine = len(flat) + views.index(t.text) if t.text in views else -1
            for v in views:
                written = expand_shorthand(v.lower())
                flat.append(t if v == t.text else ClaimText(fold(written), t.text, t.covid_proba, written))
            if mine < 0 and originals:
                mine = len(flat)
                flat.append(t)
            own.append(mine)
        return flat, of, own

    def claim_cosines(self, strings: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each string's cosine with each claim, each claim reading the string's own view of it
        (``claim_views``; a type token read as words): (strings, claims); the vectors of the distinct
        views; and per string and claim the row of its view's vector. The encoder's cache is keyed
        by the exact string read, a view's like any other."""
        assert self.encoder is not None and self.vectors is not None
        read: dict[str, int] = {}
        of = np.zeros((len(strings), len(self.claims)), dtype=np.int64)
        for i, s in enumerate(strings):
            views, o = self.claim_views(s)
            rows = [read.setdefault(v if v == s else readable(v), len(read)) for v in views]
            of[i] = np.asarray(rows, dtype=np.int64)[o]
            self.views_embedded += len(views) - 1
        vecs = self.encoder.queries(list(read)) if read else np.zeros((0, self.encoder.dim), dtype=np.float32)
        return _per_claim(self.vectors.similarity(vecs), of), vecs, of

    def signals(self, texts: Sequence[ClaimText]) -> ClaimSignals:
        """Lexical scores for every text; cosines for the texts that can carry a claim; with a
        window model, the sentence windows' evidence of the long ones."""
        sig = self._signals(texts)
        if self.window_model is not None:
            sig.window_evidence = self.window_evidence(texts, sig)
        return sig

    def window_evidence(self, texts: Sequence[ClaimText], sig: ClaimSignals) -> dict[int, WindowEvidence]:
        """The sentence windows of each embedded text longer than ``LONG_TEXT``, chosen and
        embedded as ``nlp.claim_windows`` says (``windows_embedded`` counts them)."""
        if self.encoder is None or self.vectors is None:
            return {}
        rows = [int(i) for i in np.flatnonzero(sig.embedded) if len(texts[i].text) > LONG_TEXT]
        chosen: dict[int, list[str]] = {}
        for r in rows:
            found = windows(texts[r].text)
            if len(found) > MAX_WINDOWS:  # keep those nearest some claim's wording, in text order
                near = self.viewed_opening_similarity([_window_text(w) for w in found])
                keep = sorted(np.argsort(-near, kind="stable")[:MAX_WINDOWS].tolist())
                found = [found[k] for k in keep]
            if found:
                chosen[r] = found
        if not chosen:
            return {}
        flat = [w for found in chosen.values() for w in found]
        cosines, _, _ = self.claim_cosines([self.encoder_text(w) for w in flat])
        self.windows_embedded += len(flat)
        out: dict[int, WindowEvidence] = {}
        start = 0
        for r, found in chosen.items():
            out[r] = evidence(found, cosines[start : start + len(found)], len(texts[r].text))
            start += len(found)
        return out

    def window_candidates(self, sig: ClaimSignals) -> tuple[list[tuple[int, int]], np.ndarray]:
        """The (text, claim) pairs the window model judges, and their ``FEATURES`` rows."""
        pairs: list[tuple[int, int]] = []
        rows: list[np.ndarray] = []
        for r, ev in sig.window_evidence.items():
            for c in candidates(ev, sig.lexical[r]):
                pairs.append((r, c))
                rows.append(
                    features(ev, c, sig.semantic[r], sig.lexical[r], bool(sig.terms[r, c]), bool(sig.unaccented[r]))
                )
        return pairs, np.vstack(rows) if rows else np.zeros((0, len(FEATURES)))

    def _signals(self, texts: Sequence[ClaimText]) -> ClaimSignals:
        n, c = len(texts), len(self.claims)
        # every claim reads its own view of each text (``claim_views``); the best window, which the
        # stance is read around, is the text's as written
        flat, of, own = self._lexical_views(texts, originals=True)
        detail = self.lexical.detail([v.folded for v in flat], [v.features for v in flat])
        lexical = _per_claim(detail.scores, of)
        best_window = [detail.best_window[k] for k in own]
        named = (
            self.lexical.names([t.folded for t in texts], [t.features for t in texts])
            if any(self.lexical.required_any)
            else None
        )
        semantic = np.full((n, c), -1.0, dtype=np.float32)
        terms = np.zeros((n, c), dtype=bool)
        unaccented = np.asarray([bool(t.text) and fold(t.text) == t.text.lower() for t in texts], dtype=bool)
        embedded = np.zeros(n, dtype=bool)
        vectors = None
        if self.encoder is not None and self.vectors is not None and n:
            embedded = self.gate(texts, lexical)
            rows = np.nonzero(embedded)[0]
            vectors = np.zeros((n, self.encoder.dim), dtype=np.float32)
            if len(rows):
                # what the encoder reads of each row, restored once: the sentence look splits it again
                read = {int(i): self.encoder_text(texts[i].text) for i in rows}
                semantic[rows], vecs, read_of = self.claim_cosines(list(read.values()))
                views = sorted({int(k) for k in of[rows].ravel()})
                held = np.zeros((len(flat), c), dtype=bool)
                held[views] = self.lexical.terms([flat[k].folded for k in views], [flat[k].features for k in views])
                terms[rows] = _per_claim(held, of[rows])
                best = lexical.max(axis=1)
                near = (best >= NEAR) & (best < self.rule.lexical)  # a near miss, not already a match
                extra = [i for i in rows if len(texts[i].text) > LONG_TEXT and near[i] and best_window[i]]
                if extra:
                    windows, _, _ = self.claim_cosines([best_window[i] or "" for i in extra])
                    self.windows_embedded += len(extra)
                    semantic[extra] = np.maximum(semantic[extra], windows)
                # the verifier reads the text as its top claim reads it
                vectors[rows] = vecs[read_of[np.arange(len(rows)), semantic[rows].argmax(axis=1)]]
                if self.verifier is not None:
                    sig = ClaimSignals(
                        lexical, semantic, terms, unaccented, embedded, best_window, vectors, named=named
                    )
                    sig.verified = self._sentence_look(read, rows, sig, self.verifier)
                    return sig
        return ClaimSignals(lexical, semantic, terms, unaccented, embedded, best_window, vectors, named=named)

    def encoder_text(self, text: str) -> str:
        """What the encoder reads of a text: the text, restored when typed without diacritics
        and at most ``RESTORE_MAX_CHARS`` long (with a restorer). The encoder's cache is keyed by this very string, so a restored text
        is cached like any other."""
        if self.restorer is None or len(text) > RESTORE_MAX_CHARS:
            return text
        return self.restorer.restore_if_unaccented(text)

    def _sentence_look(
        self, read: dict[int, str], rows: np.ndarray, sig: ClaimSignals, verifier: Verifier
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """Read a near miss of the verifier again, one sentence at a time (in place).

        ``read``: what the encoder read of each row (``encoder_text``), split here as it is: a
        text typed without diacritics is restored once per ``signals``, not again.

        Where one of its sentences carries a claim more surely than the whole text does, the
        text's vector, cosines and window become that sentence's: the verifier then decides on
        the sentence, and the stance is read around it. Only near misses pay for the extra
        embeddings (``windows_embedded`` counts them).

        Returns the verifier's (top claim, probability) of ``rows`` when no sentence replaced a
        row: ``scores`` would compute the very same again (``ClaimSignals.verified``). When one
        did, ``None``: the rows are read again there, as a whole, on their new inputs.
        """
        assert self.encoder is not None and self.vectors is not None
        matrix, owners = self.vectors.matrix, self.vectors.owners
        top, x = self.verifier_input(sig, rows)
        proba = verifier.proba(x)
        p = dict(zip(rows.tolist(), proba.tolist(), strict=True))
        pairs: list[tuple[int, str]] = []
        for r, q in p.items():
            if SENTENCE_NEAR <= q < verifier.threshold:
                sentences = split_sentences(read[r], SENTENCE_LOOKS)
                if len(sentences) > 1:
                    pairs += [(r, s) for s in sentences]
        if not pairs:
            return top, proba
        own = np.asarray([r for r, _ in pairs])
        semantic, vecs, read_of = self.claim_cosines([s for _, s in pairs])
        vectors = vecs[read_of[np.arange(len(pairs)), semantic.argmax(axis=1)]]
        self.windows_embedded += len(pairs)
        _, sx = top_claim_input(
            vectors, semantic, matrix, owners, sig.lexical[own], sig.terms[own], sig.unaccented[own], viewed=True
        )
        replaced = False
        for k, q in enumerate(verifier.proba(sx).tolist()):
            r = int(own[k])
            if q > p[r]:
                p[r] = q
                sig.vectors[r], sig.semantic[r] = vectors[k], semantic[k]
                sig.windows[r] = normalize(pairs[k][1]).folded
                replaced = True
        return None if replaced else (top, proba)

    def gate(self, texts: Sequence[ClaimText], lexical: np.ndarray | None = None) -> np.ndarray:
        """Which texts are embedded: the COVID-related ones (every registry claim is about COVID-19)
        that some claim could be in (``OPENING_SIM``; ``lexical``: the texts' lexical scores,
        texts × claims, computed here when not given).

        A key term of some claim alone is no gate: folded, they are common words ("cam", "con",
        "ban"), found in 79 % of the benchmark's texts against 63 % COVID-related, and 3 of the
        25 paraphrases only the verifier finds on the calibration half hold none; the opening's
        character n-gram cosine catches those.
        """
        covid = np.asarray([bool(t.folded.strip()) and t.covid_proba >= COVID_GATE for t in texts], dtype=bool)
        if not covid.any():
            return covid
        if lexical is None:
            lexical = self.lexical_scores(texts)
        near = np.asarray(lexical).max(axis=1, initial=0.0) > 0
        rows = np.flatnonzero(covid & ~near)
        if len(rows):
            near[rows] = self.viewed_opening_similarity([texts[i] for i in rows]) >= OPENING_SIM
        return covid & near

    def lexical_scores(self, texts: Sequence[ClaimText]) -> np.ndarray:
        """The lexical matcher's scores of these texts (texts × claims), each claim reading its own
        view of a text (``claim_views``), with its written view (``ClaimText.features``) for the
        terms written with diacritics."""
        flat, of, _ = self._lexical_views(texts)
        return _per_claim(self.lexical.scores([t.folded for t in flat], [t.features for t in flat]), of)

    def opening_similarity(self, folded: Sequence[str]) -> np.ndarray:
        """Best character n-gram cosine of each text's opening with any claim text (no terms needed)."""
        if self.lexical.matrix is None or not folded:
            return np.zeros(len(folded), dtype=np.float32)
        x = self.lexical.vectorizer.transform([t[:OPENING_CHARS] for t in folded])
        return np.asarray((x @ self.lexical.matrix).toarray().max(axis=1), dtype=np.float32)

    def viewed_opening_similarity(self, texts: Sequence[ClaimText]) -> np.ndarray:
        """``opening_similarity``, each claim's texts compared with the view of the text that claim reads."""
        if self.lexical.matrix is None or not texts:
            return np.zeros(len(texts), dtype=np.float32)
        flat, of, _ = self._lexical_views(texts)
        if len(flat) == len(texts):  # one view each: every claim reads the same
            return self.opening_similarity([t.folded for t in flat])
        x = self.lexical.vectorizer.transform([t.folded[:OPENING_CHARS] for t in flat])
        sims = (x @ self.lexical.matrix).toarray()
        per = np.zeros((len(flat), len(self.claims)), dtype=np.float32)
        for c, cols in enumerate(self.lexical.columns):
            per[:, c] = sims[:, cols].max(axis=1) if len(cols) else 0.0
        return _per_claim(per, of).max(axis=1, initial=0.0).astype(np.float32)

    def scores(self, sig: ClaimSignals) -> np.ndarray:
        """The rule as one score per text and claim, on the lexical scale (match at ``rule.lexical``).

        With a verifier: the lexical score, or for the encoder's top claim of an embedded text the
        verifier's probability mapped linearly from its threshold (→ ``rule.lexical``) to 1.
        Without one: the calibrated cosine thresholds of ``MatchRule``.
        """
        if self.verifier is not None and self.vectors is not None and sig.vectors is not None:
            return self._named(sig, self._windowed(sig, self._verified(sig, self.verifier)))
        return self._named(sig, self._windowed(sig, self._ruled(sig)))

    @staticmethod
    def _named(sig: ClaimSignals, out: np.ndarray) -> np.ndarray:
        """A claim about a named place is about that place: where the text names none of the places
        a claim requires, the claim keeps its lexical score only (which lacks the name in every
        window, so stays below the threshold); the encoder's paths cannot raise it."""
        if sig.named is None:
            return out
        return np.where(sig.named, out, np.minimum(out, sig.lexical))

    def _windowed(self, sig: ClaimSignals, out: np.ndarray) -> np.ndarray:
        """``out`` raised where the window model accepts a candidate claim of a long post (its
        probability on the lexical scale: threshold → ``rule.lexical``, linearly to 1); the
        accepted claim's best window becomes the text's window, for the stance, when nothing else
        matched the text."""
        model = self.window_model
        if model is None or not sig.window_evidence:
            return out
        pairs, x = self.window_candidates(sig)
        p = model.proba(x)
        t, lex = model.threshold, self.rule.lexical
        out = out.copy()
        for (r, c), q in zip(pairs, p.tolist(), strict=True):
            if q < t:
                continue
            if out[r].max() < lex:
                ev = sig.window_evidence[r]
                sig.windows[r] = normalize(ev.texts[int(ev.which[c])]).folded
            out[r, c] = max(out[r, c], lex + (1 - lex) * (q - t) / max(1 - t, 1e-6))
        return np.clip(out, 0.0, 1.0)

    def _ruled(self, sig: ClaimSignals) -> np.ndarray:
        """``MatchRule``'s calibrated cosine thresholds (no verifier)."""
        r = self.rule
        sem = sig.semantic
        second = np.sort(sem, axis=1)[:, -2:-1] if sem.shape[1] > 1 else np.full((len(sem), 1), -1.0)
        best = sem.max(axis=1, keepdims=True) if sem.shape[1] else second
        lead = sem - np.where(sem >= best, second, best)  # the best claim's lead; others' (negative) gap
        alone = np.where(sig.unaccented[:, None], r.semantic_folded, r.semantic)
        alone = np.where(lead >= r.margin, alone, np.inf)
        threshold = np.minimum(alone, np.where(sig.terms, r.semantic_with_terms, np.inf))
        ok = np.isfinite(threshold) & (threshold <= 1.0)
        t = np.where(ok, threshold, 1.0)
        above = r.lexical + (1 - r.lexical) * (sem - t) / np.maximum(1 - t, 1e-6)
        below = r.lexical * np.clip(sem, 0, None) / np.maximum(t, 1e-6) * 0.999
        mapped = np.where(ok & (sem >= t), above, np.where(ok, below, 0.0))
        return np.clip(np.maximum(sig.lexical, mapped), 0.0, 1.0)

    def verifier_input(self, sig: ClaimSignals, rows: np.ndarray) -> tuple[np.ndarray, VerifierInput]:
        """The top claim of each of these embedded texts and the verifier's input for it."""
        assert self.vectors is not None and sig.vectors is not None
        return top_claim_input(
            sig.vectors[rows],
            sig.semantic[rows],
            self.vectors.matrix,
            self.vectors.owners,
            sig.lexical[rows],
            sig.terms[rows],
            sig.unaccented[rows],
            viewed=True,
        )

    def _verified(self, sig: ClaimSignals, verifier: Verifier) -> np.ndarray:
        out = np.asarray(sig.lexical, dtype=np.float32).copy()
        rows = np.nonzero(sig.embedded)[0]
        if not len(rows) or sig.vectors is None:
            return np.clip(out, 0.0, 1.0)
        if sig.verified is not None:  # computed by the sentence look on these very inputs
            top, p = sig.verified
        else:
            top, x = self.verifier_input(sig, rows)
            p = verifier.proba(x)
        t, lex = verifier.threshold, self.rule.lexical
        mapped = np.where(p >= t, lex + (1 - lex) * (p - t) / max(1 - t, 1e-6), lex * p / max(t, 1e-6) * 0.999)
        out[rows, top] = np.maximum(out[rows, top], mapped)
        return np.clip(out, 0.0, 1.0)

    def decide(self, sig: ClaimSignals, top: int = 3) -> list[list[tuple[int, float]]]:
        """(claim index, similarity) of the matching claims of each text, best first."""
        scores = self.scores(sig)
        return [
            [(int(i), float(row[i])) for i in np.argsort(-row)[:top] if row[i] >= self.rule.lexical] for row in scores
        ]

    def find(self, texts: Sequence[ClaimText], top: int = 3) -> list[list[ClaimMatch]]:
        """The matching claims of each text, best first, each with its stance and, for ``refutes``,
        the refuting words as the text writes them (``stance_phrase``).

        The stance is read once, here, over the region where the text mentions the claim; the
        analyzer's cue quotes ``stance_phrase`` rather than reading the text again (without the
        region, a long text refuted only near the match would lose its phrase or disagree).
        """
        sig = self.signals(texts)
        out: list[list[ClaimMatch]] = []
        for k, (t, found) in enumerate(zip(texts, self.decide(sig, top), strict=True)):
            region = _region(t.folded, sig.windows[k]) if found else None
            matches: list[ClaimMatch] = []
            for i, sim in found:
                read, phrase = read_stance(t.folded, self.wordings[self.claims[i].id], region)
                matches.append(
                    ClaimMatch(
                        claim_id=self.claims[i].id,
                        similarity=round(sim, 4),
                        stance=read,
                        stance_phrase=as_written(t.text, phrase, chars=len(t.text)) if phrase else None,
                    )
                )
            out.append(matches)
        return out


def _window_text(window: str) -> ClaimText:
    """A window of a text as the lexical views read it (its COVID relevance is not read: the gate
    already passed the whole text)."""
    norm = normalize(window)
    return ClaimText(norm.folded, norm.text, 1.0, norm.features)


def _region(folded: str, window: str | None) -> str | None:
    """Where a long text mentions the claim: its first two sentences (title, lead) and the
    sentences around the lexical match (or, with none, the opening the encoder read); ``None``
    for a short text (all of it counts)."""
    sentences = split_sentences(folded)
    if len(sentences) <= SHORT_TEXT_SENTENCES:
        return None
    keep = {0, 1}
    hits = [i for i, s in enumerate(sentences) if window and s in window]
    for i in hits or [2, 3]:
        keep |= {i - 1, i, i + 1}
    return " ".join(sentences[i] for i in sorted(keep) if 0 <= i < len(sentences))
