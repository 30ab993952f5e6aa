"""The NLP stage's one entry point: ``Analyzer(settings).analyze(documents)``.

Everything heavy (rumor and sentiment models, claim registry, gazetteer, cluster index)
is loaded once in the constructor; ``analyze`` is batch-first and returns one
``Analysis`` per document, in order. Bad input never raises: an empty text, a bare URL,
emoji only, a 1 MB text, another language or a legacy-font encoding each give a clear
per-item note, and a failure inside one item is caught and noted for that item alone.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

import numpy as np

from nlp.claim_finder import ClaimFinder, ClaimText
from nlp.claims import Claim, load_claims, registry_hash
from nlp.cluster import ClusterIndex
from nlp.covid import covid_probability
from nlp.cues import as_written, claim_cue, describe, model_term_cues, refutation_cue, reliability_cues, select
from nlp.diacritics import load_restorer
from nlp.encoder import has_vector, load_encoder
from nlp.features import PostSignals, metadata_matrix, signals
from nlp.language import detect_language
from nlp.masking import masker
from nlp.normalize import NormalizedText, normalize, segment
from nlp.stance import STANCE_VERSION, read_stance
from tinradar.clusters import ClusterStore
from tinradar.schema import (
    Analysis,
    ClaimMatch,
    CueSpan,
    Document,
    Note,
    NoteCode,
    ScoreStep,
    Sentiment,
    Stance,
    StepKind,
    risk_level_for,
    score_text,
    utc_now,
)
from tinradar.settings import Settings

log = logging.getLogger(__name__)

NEUTRAL = {Sentiment.NEG: 0.0, Sentiment.NEU: 1.0, Sentiment.POS: 0.0}
#: Items about something else than the epidemic keep 60 % of their score at covid_proba 0:
#: the board watches COVID-19 rumors, and the ReINTEL-trained text model over-reads chatty
#: personal posts ("nhà em cấy giống lúa mới ...") as unreliable.
_OFF_TOPIC_FLOOR = 0.6
_MIN_LETTERS = 3
_TEXT_STEP = "Mô hình văn bản (từ ngữ và đặc điểm bài): "
#: The encoder view's step, by which way it moved the text model's score (``ScoreStep`` messages).
_ENCODER_READS = {
    1: "giống các bài không đáng tin",
    -1: "giống các bài đáng tin",
    0: "không đổi",
}
_LETTER = re.compile(r"[^\W\d_]")


@dataclass
class _Item:
    """One document on its way through the stage."""

    doc: Document
    norm: NormalizedText
    sig: PostSignals
    language: str
    notes: list[Note]
    scorable: bool


class Analyzer:
    """Loads the NLP models once; ``analyze`` turns documents into analyses."""

    def __init__(
        self,
        settings: Settings,
        *,
        claims: Sequence[Claim] | None = None,
        cluster_store: ClusterStore | None = None,
    ) -> None:
        """Load the models; ``cluster_store`` keeps repeat clusters (None: this process only)."""
        self.settings = settings
        self.load_notes: list[Note] = []
        self.versions: dict[str, str] = {}
        self._backend: Any = None
        if settings.nlp_backend == "transformers":
            from nlp.transformers_backend import TransformersBackend

            self._backend = TransformersBackend.load(settings.transformers_model_dir)
            self.versions["rumor"] = self.versions["sentiment"] = self._backend.version
        self.rumor = None
        if self._backend is None or not self._backend.has_rumor:
            from nlp.rumor import RumorModel

            self.rumor = RumorModel.load(settings.models_dir)
            self.versions["rumor"] = self.rumor.version
        self.sentiment = None
        if self._backend is None or not self._backend.has_sentiment:
            self.sentiment = self._load_sentiment()
        # The sentence encoder is optional: without it claims are matched lexically, as before,
        # and ``encoder_note`` says why (for the run summary, once; never an item note).
        self.encoder, self.encoder_note = load_encoder(settings)
        # The rumor model's encoder view (if it has one) reuses this encoder and its cache; without
        # it the lexical score stands alone and ``rumor_note`` says so (None when nothing is missing).
        self.rumor_note: str | None = None
        self.sentiment_note: str | None = None
        if self.rumor is not None:
            self.rumor_note = self.rumor.use_encoder(self.encoder)
            self.versions["rumor"] = self.rumor.active_version
            if self.rumor_note:
                log.info("%s", self.rumor_note)
        if self.sentiment is not None:  # its encoder view reads the rumor view's vectors: on only with it
            rumor_encoder = self.rumor.encoder if self.rumor is not None else None
            self.sentiment_note = self.sentiment.use_encoder(rumor_encoder)
            self.versions["sentiment"] = self.sentiment.active_version
        # The diacritic restorer serves the claim finder's encoder only: loaded once (about a
        # second), not again when the registry changes, and not at all without the encoder.
        self.restorer = load_restorer(settings.models_dir, settings.claims_restore_diacritics) if self.encoder else None
        self.claims: list[Claim] = []
        self.use_claims(load_claims(settings.claims_file) if claims is None else claims)
        if self.encoder is not None:
            self.versions["encoder"] = self.encoder.version
        # the masker's own gazetteer: it has just read the same texts' places (``Gazetteer._memo``)
        self.gazetteer = masker().gazetteer
        self.versions["places"] = "dvhcvn-2021-07-01"
        self.clusters = ClusterIndex(cluster_store)
        # started at the first batch, stopped by ``close``
        self._cluster_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tinradar-clusters")
        self._closed = False
        self.versions["cluster"] = "minhash64-char5-lsh16x4-v2"
        self.versions["covid"] = "lexicon-v1"
        self.versions["language"] = "script-stopwords-v1"

    # --- lifetime ------------------------------------------------------------------------
    def close(self) -> None:
        """Stop the cluster thread, once the clusters of a batch still in flight are stored.

        An analyzer used for one job (the ``score`` command, a benchmark, a test) closes it when
        done, or is used as a context manager; otherwise the idle thread lives until the process
        ends. ``analyze`` refuses to run after this. Closing twice is harmless.
        """
        self._cluster_thread.shutdown(wait=True)
        self._closed = True

    def __enter__(self) -> Analyzer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def use_claims(self, claims: Sequence[Claim]) -> None:
        """Match against this registry from now on (rebuilt only when its content changed).

        The flows read the registry from the index at the start of each run and hand it
        in (``nlp`` never reads the index); the shipped YAML is the default. The claim
        vectors are cached under the registry's content hash, so a changed registry is
        re-embedded once and an unchanged one is loaded from the cache.
        """
        claims = list(claims)
        if self.claims and registry_hash(claims) == registry_hash(self.claims):
            return
        self.claims = claims
        self.matcher = ClaimFinder.from_settings(
            self.claims, self.settings, encoder=self.encoder, restorer=self.restorer
        )
        self.claim_by_id: dict[str, Claim] = {c.id: c for c in self.claims}
        self.versions["claims"] = (
            "claims-"
            + registry_hash(self.claims)[:8]
            + (("+e5+verifier-s+near" if self.matcher.verifier else "+e5+near") if self.encoder else "")
            + ("+dia" if self.matcher.restorer else "")
            + ("+win" if self.matcher.window_model else "")
            + ("+views" if self.matcher.name_views else "")
            + "".join(f"-{m.fingerprint}" for m in (self.matcher.verifier, self.matcher.window_model) if m)
            + f"+{STANCE_VERSION}"
        )

    def _same_encoder_form(self) -> bool:
        """Whether the rumor and sentiment e5 views read the same form of the masked opening (type
        tokens as words or as tokens, ``readable``): only then are the rumor view's vectors the
        sentiment view's too."""
        rumor_view = getattr(self.rumor, "encoder_view", None)
        sent_view = getattr(self.sentiment, "encoder_view", None)
        return bool(getattr(rumor_view, "readable", False)) == bool(getattr(sent_view, "readable", False))

    def _load_sentiment(self) -> Any:
        try:
            from nlp.sentiment import SentimentModel
        except ImportError as exc:
            self.load_notes.append(Note(code=NoteCode.SENTIMENT_UNAVAILABLE, message=exc.__class__.__name__))
            return None
        try:
            model = SentimentModel.load(self.settings.models_dir)
        except (FileNotFoundError, ValueError, KeyError, OSError) as exc:
            log.warning("sentiment model not loaded: %s", exc)
            self.load_notes.append(Note(code=NoteCode.SENTIMENT_UNAVAILABLE, message="model_missing"))
            return None
        self.versions["sentiment"] = str(model.version)
        return model

    # --- the entry point ---------------------------------------------------------------
    def analyze(self, documents: Sequence[Document]) -> list[Analysis]:
        """One ``Analysis`` per document, in the same order (batches of ``nlp_batch_size``)."""
        if self._closed:  # a caller's mistake, not an item's failure: said once, not as N failed items
            raise RuntimeError("this Analyzer is closed; build a new one")
        out: list[Analysis] = []
        size = self.settings.nlp_batch_size
        for start in range(0, len(documents), size):
            batch = list(documents[start : start + size])
            try:
                out.extend(self._analyze_batch(batch))
            except Exception:  # one bad item must not sink the batch: retry one by one
                log.exception("batch analysis failed; retrying item by item")
                for doc in batch:
                    try:
                        out.extend(self._analyze_batch([doc]))
                    except Exception as exc:
                        log.exception("analysis failed for %s", doc.id)
                        out.append(self._failed(doc, exc))
        return out

    # --- steps -------------------------------------------------------------------------
    def _prepare(self, doc: Document) -> _Item:
        notes = list(self.load_notes)
        text = doc.full_text
        limit = self.settings.max_text_chars
        if len(text) > limit:
            notes.append(Note(code=NoteCode.TRUNCATED, message=f"{len(text)}>{limit} ký tự (chỉ phân tích phần đầu)"))
            text = text[:limit]
        norm = normalize(text)
        if norm.legacy_encoding:
            notes.append(Note(code=NoteCode.LEGACY_ENCODING, message=norm.legacy_encoding))
        # The posting hour is a minute-based figure: a day-only date (midnight placeholder) has none.
        sig = signals(norm, likes=doc.likes, comments=doc.comments, shares=doc.shares, posted=doc.published_minute)
        letters = len(_LETTER.findall(re.sub(r"<(?:url|phone|email)>", "", norm.text[:2000])))
        if not text.strip():
            notes.append(Note(code=NoteCode.EMPTY_TEXT, message="văn bản rỗng"))
            return _Item(doc, norm, sig, "und", notes, False)
        if letters < _MIN_LETTERS:
            what = "chỉ có đường link" if norm.urls else "không có chữ (chỉ biểu tượng cảm xúc/ký hiệu)"
            notes.append(Note(code=NoteCode.NO_TEXT, message=what))
            return _Item(doc, norm, sig, "und", notes, False)
        if norm.legacy_encoding:
            what = f"văn bản dùng bảng mã cũ {norm.legacy_encoding.upper()} (chưa chuyển sang Unicode)"
            notes.append(Note(code=NoteCode.NOT_SCORED, message=what))
            return _Item(doc, norm, sig, "vi", notes, False)
        language, _conf = detect_language(norm.text)
        if language != "vi":
            notes.append(Note(code=NoteCode.NOT_SCORED, message=f"ngôn ngữ khác tiếng Việt ({language})"))
            return _Item(doc, norm, sig, language, notes, False)
        return _Item(doc, norm, sig, "vi", notes, True)

    def _analyze_batch(self, docs: list[Document]) -> list[Analysis]:
        items = [self._prepare(d) for d in docs]
        scorable = [i for i, it in enumerate(items) if it.scorable]
        rumor = np.zeros(len(items))
        # the text model's score before the encoder view, for the posts the view read (NaN: it read none)
        lexical = np.full(len(items), np.nan)
        terms: list[list[tuple[str, float]]] = [[] for _ in items]
        sentiment: list[dict[Sentiment, float] | None] = [None] * len(items)
        # COVID relevance first: it gates the encoder for claim matching and the sentiment view (and for a
        # rumor model trained before issue 15; the current one embeds every item). A titled item (a news
        # article: full_text puts the title first) is read by its opening and density when it is long.
        covid = [
            covid_probability(it.norm.folded, article=bool(it.doc.title)) if it.norm.folded else 0.0 for it in items
        ]
        if scorable:
            norms = [items[i].norm for i in scorable]
            vectors = None  # e5 vectors of the items the rumor view reads (every item, or the COVID-related ones)
            if self.rumor is not None:
                meta = metadata_matrix([items[i].sig for i in scorable])
                covid_k = [covid[i] for i in scorable]
                vectors = self.rumor.encoder_vectors(norms, covid_k)
                proba, top, text_proba = self.rumor.predict_explain(norms, meta, covid=covid_k, vectors=vectors)
                if vectors is not None:  # the view reads the posts with a vector (an all-zero row = none)
                    read = has_vector(vectors)
                    for row, i in enumerate(scorable):
                        if read[row]:
                            lexical[i] = float(text_proba[row])
            else:
                proba, top = self._backend.rumor([n.original for n in norms]), [[] for _ in scorable]
            for k, i in enumerate(scorable):
                rumor[i], terms[i] = float(proba[k]), top[k]
            if self.sentiment is not None:
                # the sentiment model normalises by itself: give it what the author wrote
                # ... and the same vectors to its encoder view when both views read the same form of
                # the text (``readable``), of the COVID-related items only: the rows it was trained on
                # and read before issue 15; when the forms differ it embeds its own (cached) texts
                originals = [items[i].norm.original for i in scorable]
                sent_vectors = None
                if vectors is not None:  # only with the rumor model, so nlp.rumor is loaded already
                    from nlp.rumor import covid_gated

                    covid_s = [covid[i] for i in scorable]
                    if self._same_encoder_form():
                        sent_vectors = covid_gated(vectors, covid_s)
                    else:
                        sent_vectors = self.sentiment.encoder_vectors(originals, covid_s)
                sents = self.sentiment.predict_proba(originals, sent_vectors)
            elif self._backend is not None and self._backend.has_sentiment:
                sents = self._backend.sentiment([items[i].norm.original for i in scorable])
            else:
                sents = [None] * len(scorable)
            for k, i in enumerate(scorable):
                sentiment[i] = sents[k]
        texts = [
            ClaimText(items[i].norm.folded, items[i].norm.text, covid[i], items[i].norm.features) for i in scorable
        ]
        claims = self.matcher.find(texts) if texts else []
        matched: list[list[ClaimMatch]] = [[] for _ in items]
        for k, i in enumerate(scorable):
            matched[i] = claims[k]
        # Repeat clusters are assigned on the analyser's own thread while this one segments and
        # finishes the batch: with the shared store most of it is waiting on Elasticsearch, which
        # this overlaps with the CPU work. Batches still cluster one after the other, in order
        # (one thread), and the ids are only read at the end, so nothing else changes.
        clustered = self._cluster_thread.submit(
            self.clusters.assign, [(it.doc.id, it.norm.folded, it.doc.published_at) for it in items]
        )
        try:
            # Word segmentation feeds the index (text_seg keeps "sơn_dương" one token); only
            # Vietnamese text is segmented, and only what was analysed (after truncation).
            segmented: list[str | None] = [None] * len(items)
            if self.settings.nlp_segment and scorable:
                for i, seg in zip(scorable, segment([items[i].norm.original for i in scorable]), strict=True):
                    segmented[i] = seg or None
            now = utc_now()
            analyses = [
                self._finish(it, rumor[n], terms[n], sentiment[n], matched[n], covid[n], now, lexical[n])
                for n, it in enumerate(items)
            ]
        except BaseException:
            wait([clustered])  # the batch's clusters are stored before its items are retried one by one
            raise
        cluster_ids = clustered.result()
        for analysis, words, cluster_id in zip(analyses, segmented, cluster_ids, strict=True):
            analysis.text_seg = words
            analysis.cluster_id = cluster_id
        return analyses

    def _finish(
        self,
        it: _Item,
        model_risk: float,
        terms: list[tuple[str, float]],
        senti: dict[Sentiment, float] | None,
        matched: list[ClaimMatch],
        covid_p: float,
        now: Any,
        text_risk: float = float("nan"),
    ) -> Analysis:
        """The item's analysis, its cluster id still unset (``analyze`` sets it once the batch's
        clusters, assigned on their own thread, are known).

        ``text_risk``: the text model's score before the encoder view made ``model_risk`` of it
        (NaN when the view did not read the item). Each step that moves the risk is listed in
        ``score_steps``, so the flag says what raised it (the encoder's resemblance, a known claim)."""
        s = self.settings
        risk = float(model_risk)
        steps: list[ScoreStep] = []
        if np.isnan(text_risk):
            steps.append(_step(StepKind.TEXT, risk, _TEXT_STEP))
        else:
            steps.append(_step(StepKind.TEXT, text_risk, _TEXT_STEP))
            reads = _encoder_reads(steps[0].score, _clamped(risk))
            steps.append(_step(StepKind.ENCODER, risk, f"Đọc theo nghĩa (bộ mã hóa e5): {reads} → "))
        factor = _OFF_TOPIC_FLOOR + (1 - _OFF_TOPIC_FLOOR) * covid_p
        before = risk
        risk *= factor
        if score_text(_clamped(risk)) != score_text(_clamped(before)):  # listed only when the reader sees it move
            what = f"Mức liên quan COVID-19 {score_text(covid_p)} (bài càng ít liên quan càng bị hạ điểm): còn "
            steps.append(_step(StepKind.OFF_TOPIC, risk, what))
        risk, cues, refuting, refuted_by, claim_steps = self._claims_risk(it, risk, matched)
        steps.extend(claim_steps)
        spans: list[CueSpan] = []
        if it.scorable and risk >= s.risk_medium:
            spans = self._text_cues(it, terms, refuting and not matched, refuted_by)
            cues.extend(describe(c) for c in spans)
        if it.scorable and matched:  # the sentence to read against the claim, marked first
            where = self.matcher.lexical.locate(it.norm.original, matched[0].claim_id)
            claim_span = claim_cue(it.norm.original, where, matched[0].stance.value)
            if claim_span is not None:
                spans = [claim_span, *spans]
        if not it.scorable:  # unscored: no score, so no steps to it
            risk, steps = 0.0, []
        notes = list(it.notes)
        if it.scorable and senti is None:
            notes.append(Note(code=NoteCode.SENTIMENT_UNAVAILABLE, message="cảm xúc mặc định trung tính"))
        proba = senti or NEUTRAL
        label = max(proba, key=proba.__getitem__) if senti else Sentiment.NEU
        locations = self.gazetteer.find(it.norm.text, province_hint=it.doc.province_code) if it.norm.text else []
        return Analysis(
            doc_id=it.doc.id,
            rumor_risk=_clamped(risk),
            risk_level=risk_level_for(risk, s.risk_medium, s.risk_high),
            cues=cues,
            cue_spans=spans,
            score_steps=steps,
            sentiment=label,
            sentiment_proba={k: round(float(v), 4) for k, v in proba.items()},
            covid=covid_p >= 0.5,
            covid_proba=round(covid_p, 4),
            locations=locations,
            matched_claims=matched,
            language=it.language,
            notes=notes,
            model_versions=dict(self.versions),
            analyzed_at=now,
        )

    @staticmethod
    def _text_cues(
        it: _Item, terms: list[tuple[str, float]], refuting: bool, refuted_by: str | None = None
    ) -> list[CueSpan]:
        """At most three cues a reviewer can check in the text (``nlp.cues``), strongest first.

        Spans are offsets in ``Document.full_text``: the analysed text is its opening, as given.
        """
        text = it.norm.original
        found = reliability_cues(text) + model_term_cues(text, terms)
        if refuting:
            cue = refutation_cue(text, refuted_by)  # the words the correction step quotes
            if cue is not None:
                found.append(cue)
        return select(found)

    # --- known claims: stance, risk and cues ---------------------------------------------
    def _claims_risk(
        self, it: _Item, risk: float, matched: list[ClaimMatch]
    ) -> tuple[float, list[str], bool, str | None, list[ScoreStep]]:
        """Risk after the known-claim matches, their cues, whether the text reads as a correction
        (and the words it was read from, as written, when known), and the steps that moved the risk (``ScoreStep``: correction, repeated or asked claim).

        Only a match that *repeats* its claim raises the risk to high (rising with the
        similarity). A correction — a match that refutes, or correction wording with no match
        that repeats — halves the text model's score, because corrections quote the rumor and
        the model reacts to the quote. A question about a claim is kept at medium: it is a chance
        to answer with the correction, not the rumor itself. (A question that matches no claim is
        left to the text model: on ReINTEL, unreliable posts are questions more often than
        reliable ones.)
        """
        s = self.settings
        repeated = [m for m in matched if m.stance is Stance.REPEATS]
        refuting_match = next((m for m in matched if m.stance is Stance.REFUTES), None)
        phrase: str | None = None
        if not it.scorable:
            refuting = False
        elif refuting_match is not None:
            refuting, phrase = True, refuting_match.stance_phrase
        elif repeated:
            refuting = False
        else:  # correction wording with no claim in view: the words the rules read it from
            stance, folded_phrase = read_stance(it.norm.folded)
            refuting = stance is Stance.REFUTES
            if refuting and folded_phrase:
                phrase = as_written(it.norm.original, folded_phrase)
        steps: list[ScoreStep] = []
        if refuting:
            risk *= 0.5
            steps.append(_step(StepKind.CORRECTION, risk, f"Có vẻ là bài cải chính{_quoted(phrase)}: giảm một nửa → "))
        if repeated:
            strength = min(1.0, (repeated[0].similarity - self.matcher.threshold) / (1 - self.matcher.threshold))
            before = _clamped(risk)
            risk = max(risk, s.risk_high + (1 - s.risk_high) * 0.8 * strength)
            raised = _clamped(risk) > before
            what = f"Nhắc lại tin đồn đã biết {self._claim_name(repeated[0].claim_id)}: "
            what += "nâng lên " if raised else "giữ "
            tail = "" if raised else " (đã cao hơn mức của tin đồn)"
            steps.append(_step(StepKind.CLAIM_REPEATS, risk, what, tail))
        elif matched and matched[0].stance is Stance.ASKS:
            before = _clamped(risk)
            risk = min(max(risk, s.risk_medium), s.risk_high - 0.01)
            moved = _asks_moves(before, _clamped(risk))
            what = f"Hỏi về tin đồn đã biết {self._claim_name(matched[0].claim_id)}: {moved} mức trung bình → "
            steps.append(_step(StepKind.CLAIM_ASKS, risk, what))
        return risk, self._claim_cues(matched), refuting, phrase, steps

    def _claim_name(self, claim_id: str) -> str:
        """A known claim as a score step names it: its opening in quotes (the id when not in the registry)."""
        claim = self.claim_by_id.get(claim_id)
        if claim is None:
            return f"({claim_id})"
        return f"“{_shortened(claim.claim, 60)}”"

    def _claim_cues(self, matched: list[ClaimMatch]) -> list[str]:
        """What a reviewer needs about the best match: which rumor, how the text relates to it, the correction.

        A refutation names the words that refute ("… (có vẻ là bài cải chính: "không gây thiếu
        oxy")"), so the reviewer checks that they deny this claim, and a question quotes its
        question ("thật không các bác"), which is what keeps it at medium: the match's ``stance_phrase``,
        which the claim finder read with the stance, over the region where the text mentions the
        claim — never read again here, so the cue cannot disagree with the stance. (Made here, as
        plain strings, for every matched item whatever its risk.)
        """
        if not matched:
            return []
        best = matched[0]
        claim = self.claim_by_id.get(best.claim_id)
        if claim is None:
            return [f"trùng khớp tin đồn đã bị bác bỏ: {best.claim_id}"]
        short = _shortened(claim.claim, 90)
        lead = {
            Stance.REPEATS: "trùng khớp tin đồn đã bị bác bỏ",
            Stance.REFUTES: "nhắc tới tin đồn đã bị bác bỏ (có vẻ là bài cải chính)",
            Stance.ASKS: "hỏi về tin đồn đã bị bác bỏ (có thể trả lời bằng lời cải chính)",
        }[best.stance]
        if best.stance is Stance.REFUTES and best.stance_phrase:
            lead = lead[:-1] + f': "{best.stance_phrase}")'
        elif best.stance is Stance.ASKS and best.stance_phrase:
            lead = f'hỏi về tin đồn đã bị bác bỏ ("{best.stance_phrase}"; có thể trả lời bằng lời cải chính)'
        cues = [f"{lead}: {short}"]
        if best.stance is not Stance.REFUTES:
            cues.append(f"cải chính ({', '.join(claim.debunked_by)}): {claim.correction}")
        return cues

    def _failed(self, doc: Document, exc: Exception) -> Analysis:
        return Analysis(
            doc_id=doc.id,
            rumor_risk=0.0,
            risk_level=risk_level_for(0.0, self.settings.risk_medium, self.settings.risk_high),
            sentiment=Sentiment.NEU,
            sentiment_proba=dict(NEUTRAL),
            covid=False,
            covid_proba=0.0,
            language="und",
            notes=[Note(code=NoteCode.ANALYSIS_FAILED, message=f"{exc.__class__.__name__}: {str(exc)[:200]}")],
            model_versions=dict(self.versions),
            analyzed_at=utc_now(),
        )


def _shortened(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, an ellipsis marking the cut (a claim in a cue or a step)."""
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "…"


def _quoted(phrase: str | None) -> str:
    """The words a correction was read from, as the correction step quotes them (" (“tin giả”)"), so the
    reviewer can check that they correct something (issue 15: "miễn phí" in a charity notice halved its
    score and the step said only "Có vẻ là bài cải chính"); empty when no words were carried."""
    phrase = " ".join((phrase or "").split())
    return f" (“{_shortened(phrase, 60)}”)" if phrase else ""


def _asks_moves(before: float, after: float) -> str:
    """How the question step moved the score to medium, as the reader sees the percents: "nâng lên"
    (35% → 40%), "hạ xuống" (95% → 69%) or "giữ ở" (the same whole percent), never "giữ" beside a moved figure."""
    if score_text(before) == score_text(after):
        return "giữ ở"
    return "nâng lên" if after > before else "hạ xuống"


def _clamped(risk: float) -> float:
    """A risk as ``Analysis.rumor_risk`` stores it (0..1, four decimals): each step's score is rounded
    the same way, so the last step's score is ``rumor_risk``, or a lowering the percent does not show
    away from it (the off-topic step is listed only when the percent moves)."""
    return round(min(1.0, max(0.0, risk)), 4)


def _encoder_reads(before: float, after: float) -> str:
    """Which way the encoder view moved the text model's score, as the reader sees it: a move
    inside the whole percent both steps show ("38% → 38%") reads "không đổi", not "giống các bài
    không đáng tin" beside an unchanged figure."""
    if score_text(before) == score_text(after):
        return _ENCODER_READS[0]
    return _ENCODER_READS[1 if after > before else -1]


def _step(kind: StepKind, risk: float, lead: str, tail: str = "") -> ScoreStep:
    """A score step: the risk after it, and its message with that risk written between ``lead`` and ``tail``."""
    score = _clamped(risk)
    return ScoreStep(kind=kind, score=score, message=f"{lead}{score_text(score)}{tail}")


def analyze(documents: Sequence[Document], settings: Settings | None = None) -> list[Analysis]:
    """Convenience: build an ``Analyzer`` (loading the models) and analyse one batch.

    For repeated calls keep an ``Analyzer`` instead; loading takes about a second.
    """
    with Analyzer(settings or Settings()) as analyzer:
        return analyzer.analyze(documents)
