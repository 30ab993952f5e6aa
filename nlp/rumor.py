"""Rumor risk: a stacked, calibrated model trained on ReINTEL (VLSP 2020).

Design (chosen by cross-validation, see ``nlp/models/rumor/MODEL_CARD.md``):

* two linear text models — logistic regression on TF-IDF syllable 1–2-grams of the
  normalised text (placeholders and expanded shorthand included) and on TF-IDF character
  2–5-grams of the *folded* text (so posts typed without diacritics look alike);
* a gradient-boosted second level that reads the two text scores (out-of-fold, so it
  learns how far to trust them) together with the post's signals from ``nlp.features``
  (engagement, posting hour, links, phones, capitals, exclamation marks, calls to forward);
  a post whose engagement or posting hour is unknown (every news article) is read instead by a
  logistic regression over the text scores and the style signals that never saw those signals
  (:data:`CONTEXT_SIGNALS`), not by the trees with the unknowns filled in;
* sigmoid calibration of the second level, so that 0.7 means roughly 70 %;
* optionally, an **encoder view** (:class:`EncoderView`): a logistic regression on the e5
  vector (``nlp.encoder``) of the same masked text's opening, stacked with the lexical score
  by a two-input logistic regression fitted on out-of-fold scores. It is shipped only when the
  grouped CV of the whole procedure (same folds as the lexical model alone) says it helps. A
  view trained since issue 15 scores every post (:data:`VIEW_GATE`, stored as
  ``EncoderView.gate``); older files keep their COVID gate (:data:`ENCODER_GATE`). With the
  encoder off or not installed the lexical score stands alone.

Word segmentation is deliberately not used here: syllable bigrams carry most of what
segmented words carry for this task, and skipping underthesea keeps the whole analysis
faster than segmentation alone (see ``bench/nlp.py``).
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np

from nlp.covid import covid_probability
from nlp.encoder import has_vector
from nlp.features import FEATURE_NAMES, metadata_matrix, signals
from nlp.groups import EVAL_SPLIT_DIR, group_hash, group_ids, read_ids
from nlp.masking import masker, readable
from nlp.normalize import NormalizedText, normalize
from nlp.threads import one_blas_thread, one_openmp_thread
from tinradar.text import utf8_text

MODEL_FILE = "rumor.joblib"
METRICS_FILE = "metrics.json"
CARD_FILE = "MODEL_CARD.md"
TOKEN_PATTERN = r"(?u)<?\w+>?"
#: The text models read the first 5,000 characters: a rumor shows itself early, 99 % of the
#: training posts are shorter, and character n-grams of a 100 kB article cost more than
#: everything else together.
MODEL_CHARS = 5000
#: Frozen evaluation split of ReINTEL train (ids; never trained on, scored by the tests).
FROZEN_SPLIT = EVAL_SPLIT_DIR / "rumor_reintel_train.txt"
#: Items at least this COVID-related got the encoder view of models trained before issue 15 (the
#: default of ``EncoderView.gate``, so their files score as before); the same gate as claim matching
#: (``nlp.claim_finder.COVID_GATE``), and still the rows the sentiment model's e5 view reads.
ENCODER_GATE = 0.5
#: The gate a view is trained with now: every post with text (COVID relevance is never below 0). On
#: the same grouped folds the stack with every post embedded beat the COVID-gated one (issue 15),
#: and about half of the posts the desk sees are not COVID-related.
VIEW_GATE = -1.0
#: The form a view is trained in now: type tokens read as words (``nlp.masking.readable``), the string
#: claim matching embeds. One constant for both steps of a retrain, the vectors' form
#: (:func:`embed_training`) and the form the view records (:func:`fit_encoder_view`): a view that
#: recorded another form than its vectors' would read other strings at run time than it learnt on.
READABLE_VIEW = True
#: Regularisation strengths tried for the logistic regression on the e5 vectors (384 dimensions,
#: ~2,500 rows); the one with the best grouped inner-CV ROC-AUC on the training rows is used.
ENCODER_CS = (0.5, 2.0, 8.0)
#: The encoder view is fitted only with at least this many COVID-related posts of each class.
MIN_GATED = 20
#: Fewer rows of either label than this cannot fill the grouped folds the second level is
#: stacked on; training says so instead of failing inside scikit-learn ("max_df corresponds to < documents").
MIN_ROWS_PER_LABEL = 10
#: The signals a post may lack (engagement counts, posting hour): news articles never have
#: them. A post missing any of them is scored by the second level that does not read them
#: (``RumorModel.text_model``). Filling them with training medians was not neutral: in
#: ReINTEL the posts without counts were mostly unreliable (85 % of those without a comment
#: count), and once filled in they all sat on the median exactly, a value the boosted trees
#: could isolate — so every news article and one-line official notice inherited the
#: "missing ⇒ unreliable" artefact (a neutral notice at 0.44 fell to 0.22 with one like more
#: or fewer). Issue 21; the diagnosis is in docs/nlp.md.
CONTEXT_SIGNALS = ("log_likes", "log_comments", "log_shares", "share_like_ratio", "hour_sin", "hour_cos", "hour_night")
_CONTEXT_COLS = [FEATURE_NAMES.index(f) for f in CONTEXT_SIGNALS]
_STYLE_COLS = [i for i in range(len(FEATURE_NAMES)) if i not in _CONTEXT_COLS]


@dataclass
class RumorData:
    """Training rows: normalised texts, their signals matrix and labels (1 = unreliable)."""

    norms: list[NormalizedText]
    meta: np.ndarray
    labels: np.ndarray
    source: str
    sha256: str
    ids: list[str] = field(default_factory=list)

    def subset(self, keep: np.ndarray) -> RumorData:
        """The rows at ``keep`` (same source and digest)."""
        return RumorData(
            [self.norms[i] for i in keep],
            self.meta[keep],
            self.labels[keep],
            self.source,
            self.sha256,
            [self.ids[i] for i in keep] if self.ids else [],
        )

    @property
    def groups(self) -> np.ndarray:
        """Near-duplicate groups (:func:`nlp.groups.group_ids`): folds never split one."""
        return group_ids([n.text for n in self.norms])


def load_reintel(path: Path, limit: int | None = None, seed: int = 42, *, blind: bool = True) -> RumorData:
    """Read a ReINTEL-format CSV (post_message, timestamp_post, num_*_post, label).

    ``limit`` keeps a stratified random subsample (for quick tests).
    """
    raw = path.read_bytes()
    csv.field_size_limit(sys.maxsize)
    text = utf8_text(raw, path, hint="save it as UTF-8 CSV")  # a sheet saved in Windows-1258 or Latin-1
    rows = list(csv.DictReader(text.splitlines(keepends=True)))
    if not rows or "post_message" not in rows[0] or "label" not in rows[0]:
        raise ValueError(f"{path}: expected ReINTEL columns post_message, label, ...")
    # Every label must be 0 or 1: anything else used to be read as 0 without a word, and a row
    # with no label at all (a quote left open swallows the rest of the file) ended in a traceback.
    bad = [(i, r["label"]) for i, r in enumerate(rows, 1) if (r["label"] or "").strip() not in ("0", "1")]
    if bad:
        row, value = bad[0]
        shown = repr(value) if value is not None else "no label — a quote left open?"
        raise ValueError(
            f"{path}: {len(bad)} dòng có nhãn khác 0/1 / {len(bad)} row(s) with a label other than 0 or 1 "
            f"(first: row {row}, {shown})"
        )
    if limit is not None and limit < len(rows):
        rng = np.random.default_rng(seed)
        pos = [r for r in rows if r["label"].strip() == "1"]
        neg = [r for r in rows if r["label"].strip() != "1"]
        k_pos = max(2, round(limit * len(pos) / len(rows)))
        rows = [pos[i] for i in rng.permutation(len(pos))[:k_pos]] + [
            neg[i] for i in rng.permutation(len(neg))[: limit - k_pos]
        ]
    norms = [normalize(r.get("post_message") or "") for r in rows]
    sigs = [
        signals(
            n,
            likes=r.get("num_like_post"),
            comments=r.get("num_comment_post"),
            shares=r.get("num_share_post"),
            posted=r.get("timestamp_post"),
            blind=blind,
        )
        for n, r in zip(norms, rows, strict=True)
    ]
    labels = np.asarray([1 if r["label"].strip() == "1" else 0 for r in rows], dtype=np.int64)
    ids = [str(r.get("id") or "") for r in rows]
    return RumorData(norms, metadata_matrix(sigs), labels, str(path), hashlib.sha256(raw).hexdigest(), ids)


def split_frozen(data: RumorData, split: Path = FROZEN_SPLIT) -> tuple[RumorData, RumorData]:
    """(training rows, frozen evaluation rows). The split file lists ``id<TAB>group hash`` (a
    hash of :func:`nlp.groups.dup_key`, no text): a row is frozen when both match, so another
    file's ids (a review export) never collide with it, and every row of a frozen group —
    near duplicates under other ids — leaves the training rows. Without the file all train."""
    if not split.is_file():
        return data, data.subset(np.zeros(0, dtype=np.int64))
    pairs = {tuple(line.split("\t", 1)) for line in read_ids(split)}
    hashes = [group_hash(n.text) for n in data.norms]
    frozen_hashes = {h for _, h in pairs}
    frozen = np.array([(i, h) in pairs for i, h in zip(data.ids, hashes, strict=True)], dtype=bool)
    out = np.array([h in frozen_hashes for h in hashes], dtype=bool)
    return data.subset(np.flatnonzero(~out)), data.subset(np.flatnonzero(frozen))


def model_views(norms: list[NormalizedText], mask: bool = True) -> tuple[list[str], list[str]]:
    """What the two text models read: normalised and folded text of the opening, names
    masked by their type (:mod:`nlp.masking`) so who or where a post names cannot move its score."""
    if mask:
        m = masker()
        norms = [m.mask_normalized(n, limit=MODEL_CHARS) for n in norms]
    return [n.features[:MODEL_CHARS] for n in norms], [n.folded[:MODEL_CHARS] for n in norms]


def encoder_texts(norms: list[NormalizedText], mask: bool = True, *, readable_form: bool = False) -> list[str]:
    """What the encoder view reads: the masked text of the opening, case kept (the encoder
    keeps only its first ``encoder_max_tokens`` tokens). ``readable_form``: the type tokens read
    as words (:func:`nlp.masking.readable`, "<ĐỊA_DANH>" → "địa danh"), the form of views trained
    since 2026-12-06. A text that names nobody is exactly the text claim matching embeds; in the
    readable form so is a named one whose names no claim uses (the claim finder's fully masked
    view), so the encoder's cache serves the second look either way."""
    if mask:
        m = masker()
        masked = [m.mask_normalized(n, limit=MODEL_CHARS).text for n in norms]
        return [readable(t) for t in masked] if readable_form else masked
    return [n.text[:MODEL_CHARS] for n in norms]


def covid_gated(vectors: np.ndarray | None, covid: Sequence[float], gate: float = ENCODER_GATE) -> np.ndarray | None:
    """``vectors`` with the rows of posts under ``gate`` (COVID relevance) zeroed, a copy: what the
    sentiment model's e5 view reads (an all-zero row = no vector). The rumor view embeds every post
    since issue 15; the sentiment view was trained on COVID-related rows only and keeps reading those."""
    if vectors is None:
        return None
    out = np.array(vectors, dtype=np.float32, copy=True)
    out[np.asarray(covid, dtype=np.float64) < gate] = 0.0
    return out


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(np.asarray(p, dtype=np.float64), 1e-6, 1 - 1e-6)
    return np.log(q / (1 - q))


@dataclass
class EncoderView:
    """The encoder's view of a post, and how it is stacked with the lexical score.

    ``lr`` reads the e5 vector of the masked opening; ``blend`` is a logistic regression on
    (logit of the lexical probability, ``lr``'s score), fitted on out-of-fold scores of both, so
    its output is a probability like the lexical one (same desk thresholds). ``encoder_version``
    guards against vectors of another encoder: then the view is not used. ``gate``: the least COVID
    relevance a post needs to be embedded (:data:`VIEW_GATE`, every post, in views trained since
    issue 15; a file pickled without it reads the class default, the old COVID gate).
    ``readable``: the form of the text it was fitted on, type tokens as words
    (:func:`encoder_texts`); a file pickled without it reads False, the "<ĐỊA_DANH>" form.
    """

    lr: Any
    blend: Any
    encoder_version: str
    max_tokens: int
    gate: float = ENCODER_GATE
    readable: bool = False

    def combine(self, lexical: np.ndarray, vectors: np.ndarray) -> np.ndarray:
        """Stacked probability from the lexical probabilities and the e5 vectors of the same posts."""
        return blend_proba(self.blend, lexical, self.lr.decision_function(vectors))


def blend_proba(blend: Any, lexical: np.ndarray, encoder_score: np.ndarray) -> np.ndarray:
    return np.asarray(blend.predict_proba(np.column_stack([_logit(lexical), encoder_score]))[:, 1])


def _vectorizers(seed: int) -> tuple[Any, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    word = TfidfVectorizer(
        ngram_range=(1, 2),
        min_df=2,
        max_df=0.9,
        sublinear_tf=True,
        max_features=60_000,
        token_pattern=TOKEN_PATTERN,
        dtype=np.float32,
    )
    char = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 5),
        min_df=3,
        sublinear_tf=True,
        max_features=120_000,
        dtype=np.float32,
    )
    return word, char


def _linear(seed: int) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=10.0, class_weight="balanced", max_iter=3000, random_state=seed)


def _encoder_lr(seed: int, c: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, class_weight="balanced", max_iter=3000, random_state=seed)


def _choose_c(vectors: np.ndarray, y: np.ndarray, groups: np.ndarray, seed: int) -> float:
    """The ``ENCODER_CS`` value with the best pooled ROC-AUC of grouped inner 4-fold CV."""
    from sklearn.metrics import roc_auc_score

    splits = _grouped_folds(y, groups, seed + 3, folds=4)
    best, best_auc = ENCODER_CS[0], -1.0
    for c in ENCODER_CS:
        score = np.zeros(len(y))
        for tr, te in splits:
            score[te] = _encoder_lr(seed, c).fit(vectors[tr], y[tr]).decision_function(vectors[te])
        auc = float(roc_auc_score(y, score))
        if auc > best_auc:
            best, best_auc = c, auc
    return best


def _blend_lr() -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=1.0, max_iter=1000)


def _text_level() -> Any:
    """Second level for posts with unknown context signals: a logistic regression on the two text
    scores and the style signals (standardised). Linear, so a lower text score never raises the
    risk; on the selection set it left no neutral one-liner at medium and more rumor-like ones there
    than boosted trees on the same inputs did (docs/nlp.md), within the grouped-CV noise."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))


def _second_level(seed: int) -> Any:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import HistGradientBoostingClassifier

    hgb = HistGradientBoostingClassifier(
        max_iter=300, learning_rate=0.05, max_leaf_nodes=15, l2_regularization=1.0, random_state=seed
    )
    return CalibratedClassifierCV(hgb, method="sigmoid", cv=5)


@dataclass
class RumorModel:
    """The fitted rumor model; ``predict`` returns P(unreliable) per post."""

    word_vec: Any
    char_vec: Any
    word_lr: Any
    char_lr: Any
    meta_model: Any
    version: str
    feature_names: tuple[str, ...] = FEATURE_NAMES
    impute: Any = None  # training medians of the signals (models without ``text_model`` fill unknowns with them)
    info: dict[str, Any] = field(default_factory=dict)
    mask: bool = True  # names replaced by their type before the text models read the text
    encoder_view: EncoderView | None = None
    #: Second level over the text scores and the style signals only (no ``CONTEXT_SIGNALS``),
    #: for posts with any of those unknown; ``meta_model`` then scores only posts that have
    #: them all (it is trained on those). None in models trained before: they impute.
    text_model: Any = None
    #: The sentence encoder at run time (``use_encoder``); never saved with the model.
    encoder: Any = field(default=None, repr=False, compare=False)

    def use_encoder(self, encoder: Any) -> str | None:
        """Score with ``encoder`` (an ``nlp.encoder.Encoder`` or None) from now on; returns why
        the encoder view is not used (None when it is, or when the model has none)."""
        self.encoder = None
        if self.encoder_view is None:
            return None
        if encoder is None:
            return "rumor_lexical_only: mô hình tin đồn chỉ dùng điểm từ vựng (bộ mã hóa câu tắt hoặc chưa cài)"
        if encoder.version != self.encoder_view.encoder_version or encoder.max_tokens != self.encoder_view.max_tokens:
            return (
                f"rumor_lexical_only: bộ mã hóa {encoder.version}/{encoder.max_tokens} khác bộ mô hình đã học "
                f"({self.encoder_view.encoder_version}/{self.encoder_view.max_tokens})"
            )
        self.encoder = encoder
        return None

    @property
    def active_version(self) -> str:
        """The version with what actually scores: ``+e5`` with the encoder view, ``+lexical`` when
        the model has one but it is off."""
        if self.encoder_view is None:
            return self.version
        return self.version + ("+e5" if self.encoder is not None else "+lexical")

    def encoder_vectors(self, norms: list[NormalizedText], covid: Sequence[float] | None = None) -> np.ndarray | None:
        """The e5 vectors of the masked openings of the posts at or above the view's gate (zero rows
        under it; every post with a view trained since issue 15), or None with the encoder view off.
        The analyzer embeds once and hands them, COVID-gated, to the sentiment model too."""
        view = self.encoder_view
        if view is None or self.encoder is None or not norms:
            return None
        if view.gate < 0:  # every post: no COVID relevance needed
            rows = np.arange(len(norms))
        else:
            if covid is None:
                covid = [covid_probability(n.folded) if n.folded else 0.0 for n in norms]
            rows = np.flatnonzero(np.asarray(covid, dtype=np.float64) >= view.gate)
        out = np.zeros((len(norms), self.encoder.dim), dtype=np.float32)
        if len(rows):
            texts = encoder_texts([norms[i] for i in rows], self.mask, readable_form=view.readable)
            out[rows] = self.encoder.queries(texts)
        return out

    def _with_encoder(
        self,
        norms: list[NormalizedText],
        lexical: np.ndarray,
        covid: Sequence[float] | None,
        vectors: np.ndarray | None = None,
    ) -> np.ndarray:
        """Stack the encoder view onto the posts with a vector (the lexical score elsewhere);
        ``vectors``: :meth:`encoder_vectors` of the same posts, when the caller has them."""
        if vectors is None:
            vectors = self.encoder_vectors(norms, covid)
        if vectors is None or self.encoder_view is None:
            return lexical
        rows = np.flatnonzero(has_vector(vectors))
        if not len(rows):
            return lexical
        out = np.asarray(lexical, dtype=np.float64).copy()
        out[rows] = self.encoder_view.combine(out[rows], vectors[rows])
        return out

    def _stack(self, norms: list[NormalizedText], meta: np.ndarray) -> tuple[np.ndarray, Any]:
        words, folded = model_views(norms, self.mask)
        xw = self.word_vec.transform(words)
        xc = self.char_vec.transform(folded)
        sw = self.word_lr.decision_function(xw)
        sc = self.char_lr.decision_function(xc)
        return np.column_stack([sw, sc, meta]), xw

    def predict(
        self, norms: list[NormalizedText], meta: np.ndarray, covid: Sequence[float] | None = None
    ) -> np.ndarray:
        """Calibrated probability that each post is unreliable (0..1). ``covid``: the posts'
        COVID relevance when the caller has it (else computed here, for the encoder gate)."""
        if not norms:
            return np.zeros(0)
        stacked, _ = self._stack(norms, meta)
        return self._with_encoder(norms, self._second(stacked), covid)

    def _second(self, stacked: np.ndarray) -> np.ndarray:
        """Second level on (word score, char score, signals with NaN for unknown): posts with every
        context signal known go to ``meta_model``, the others to ``text_model``. Single-threaded:
        OpenMP start-up per tree costs more than it saves on batches of a few hundred rows (4x
        slower on a busy 2-core machine)."""
        with one_openmp_thread():
            if self.text_model is None:
                return self.meta_model.predict_proba(_impute(stacked, self._stack_medians()))[:, 1]
            return second_proba(self.meta_model, self.text_model, stacked)

    def _stack_medians(self) -> np.ndarray | None:
        return None if self.impute is None else np.concatenate([[0.0, 0.0], self.impute]).astype(np.float32)

    def predict_explain(
        self,
        norms: list[NormalizedText],
        meta: np.ndarray,
        top: int = 12,
        covid: Sequence[float] | None = None,
        vectors: np.ndarray | None = None,
    ) -> tuple[np.ndarray, list[list[tuple[str, float]]], np.ndarray]:
        """Probabilities and, per post, the word n-grams that pushed the text score up most,
        with their contribution (tf-idf × coefficient), strongest first. ``nlp.cues`` decides
        which of them a reviewer may see. ``vectors``: :meth:`encoder_vectors`, if already made.
        Third: the text model's probabilities before the encoder view, so the analyzer can say
        what each step did (``Analysis.score_steps``)."""
        if not norms:
            return np.zeros(0), [], np.zeros(0)
        stacked, xw = self._stack(norms, meta)
        text_proba = self._second(stacked)
        before = np.array(text_proba, dtype=np.float64)  # a copy: the encoder view's input stays what it was
        proba = self._with_encoder(norms, text_proba, covid, vectors)
        coef = self.word_lr.coef_.ravel()
        names = self._names()
        terms: list[list[tuple[str, float]]] = []
        xw = xw.tocsr()
        for i in range(xw.shape[0]):
            row = xw.getrow(i)
            contrib = row.data * coef[row.indices]
            order = np.argsort(-contrib)[:top]
            terms.append([(str(names[row.indices[j]]), float(contrib[j])) for j in order if contrib[j] > 0.05])
        return proba, terms, before

    def _names(self) -> np.ndarray:
        cached = self.info.get("_names")
        if cached is None:
            cached = self.word_vec.get_feature_names_out()
            self.info["_names"] = cached
        return cached

    def save(self, out_dir: Path) -> Path:
        out_dir.mkdir(parents=True, exist_ok=True)
        info = {k: v for k, v in self.info.items() if not k.startswith("_")}
        path = out_dir / MODEL_FILE
        joblib.dump(
            {
                "word_vec": self.word_vec,
                "char_vec": self.char_vec,
                "word_lr": self.word_lr,
                "char_lr": self.char_lr,
                "meta_model": self.meta_model,
                "version": self.version,
                "feature_names": self.feature_names,
                "impute": self.impute,
                "info": info,
                "mask": self.mask,
                "encoder_view": self.encoder_view,
                "text_model": self.text_model,
            },
            path,
            compress=3,
        )
        return path

    @classmethod
    def load(cls, models_dir: Path) -> RumorModel:
        """Load from ``models_dir/rumor/`` (or a directory that holds ``rumor.joblib``); the
        encoder view, if any, stays off until ``use_encoder``."""
        path = models_dir / MODEL_FILE
        if not path.is_file():
            path = models_dir / "rumor" / MODEL_FILE
        if not path.is_file():
            raise FileNotFoundError(f"no rumor model at {path}; run `tinradar train rumor`")
        blob = joblib.load(path)
        if tuple(blob["feature_names"]) != FEATURE_NAMES:
            raise ValueError(f"{path} was trained with other metadata features; retrain it")
        blob.pop("feature_names")
        return cls(**blob)


def text_fingerprint(model: RumorModel) -> str:
    """Six hex digits of the two text regressions' weights, part of the version: the same data, seed
    and day give the same version only for the same fitted text models, so a retrain after a change of
    code (the masker, say) never passes for the model before (the sentiment version has such a digest
    too). Only the lexical weights: they are the same to the last bit on any machine, the e5 view's
    are not (docs/nlp.md, Reproducibility)."""
    h = hashlib.sha256(np.ascontiguousarray(model.word_lr.coef_, dtype=np.float64).tobytes())
    h.update(np.ascontiguousarray(model.char_lr.coef_, dtype=np.float64).tobytes())
    return h.hexdigest()[:6]


def _impute(meta: np.ndarray, medians: np.ndarray | None) -> np.ndarray:
    """Replace unknown signals (NaN) by the training medians."""
    if medians is None or not np.isnan(meta).any():
        return meta
    return np.where(np.isnan(meta), medians[None, :], meta)


def context_known(meta: np.ndarray) -> np.ndarray:
    """Rows whose ``CONTEXT_SIGNALS`` are all known (not NaN)."""
    return ~np.isnan(np.asarray(meta)[:, _CONTEXT_COLS]).any(axis=1)


def _text_inputs(stacked: np.ndarray) -> np.ndarray:
    """The text model's columns of a stacked matrix: the two text scores and the style signals."""
    return stacked[:, [0, 1, *(2 + i for i in _STYLE_COLS)]]


def second_proba(meta_model: Any, text_model: Any, stacked: np.ndarray) -> np.ndarray:
    """P(unreliable) from the two second levels: ``meta_model`` where every context signal is
    known, ``text_model`` elsewhere (``stacked``: text scores, then the signals with NaN)."""
    known = context_known(stacked[:, 2:])
    out = np.zeros(len(stacked))
    if (~known).any():
        out[~known] = text_model.predict_proba(_text_inputs(stacked[~known]))[:, 1]
    if known.any():
        out[known] = meta_model.predict_proba(stacked[known])[:, 1]
    return out


def _fit(
    words: list[str], folded: list[str], meta: np.ndarray, y: np.ndarray, groups: np.ndarray, seed: int
) -> RumorModel:
    """Fit the whole stack on one training set (grouped inner 5-fold for out-of-fold text
    scores and for the calibration folds).

    Single-threaded on purpose (:func:`nlp.threads.one_openmp_thread`): OpenMP in the boosted
    trees costs more than it saves on a few thousand rows, and a result that does not depend
    on the machine's core count is easier to reproduce.
    """
    with one_openmp_thread():
        return _fit_stack(words, folded, meta, y, groups, seed)


def _grouped_folds(y: np.ndarray, groups: np.ndarray, seed: int, folds: int = 5) -> list[tuple[Any, Any]]:
    from sklearn.model_selection import StratifiedGroupKFold

    skf = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    return list(skf.split(np.zeros(len(y)), y, groups))


def _fit_stack(
    words: list[str], folded: list[str], meta: np.ndarray, y: np.ndarray, groups: np.ndarray, seed: int
) -> RumorModel:
    from sklearn.base import clone
    from sklearn.calibration import CalibratedClassifierCV

    word_vec, char_vec = _vectorizers(seed)
    xw = word_vec.fit_transform(words)
    xc = char_vec.fit_transform(folded)
    oof = np.zeros((len(y), 2))
    for tr, te in _grouped_folds(y, groups, seed + 1):
        for col, x in enumerate((xw, xc)):
            model = clone(_linear(seed)).fit(x[tr], y[tr])
            oof[te, col] = model.decision_function(x[te])
    word_lr = _linear(seed).fit(xw, y)
    char_lr = _linear(seed).fit(xc, y)
    medians = np.nan_to_num(np.nanmedian(meta, axis=0)).astype(np.float32)
    stacked = np.column_stack([oof, meta])
    known = context_known(meta)
    # posts with every context signal: the full second level; every post: the one without them
    second = _second_level(seed)
    second.set_params(cv=_grouped_folds(y[known], groups[known], seed + 2))
    assert isinstance(second, CalibratedClassifierCV)
    meta_model = second.fit(stacked[known], y[known])
    text_model = _text_level().fit(_text_inputs(stacked), y)
    return RumorModel(
        word_vec, char_vec, word_lr, char_lr, meta_model, version="", impute=medians, text_model=text_model
    )


def fit(data: RumorData, seed: int = 42, *, mask: bool = True) -> RumorModel:
    """Fit the rumor model on every row of ``data``."""
    words, folded = model_views(data.norms, mask)
    model = _fit(words, folded, data.meta, data.labels, data.groups, seed)
    model.mask = mask
    return model


@one_blas_thread
def cross_validate(
    data: RumorData, seed: int = 42, folds: int = 5, log: Any = None, *, mask: bool = True
) -> dict[str, Any]:
    """Grouped, stratified k-fold estimate of the whole procedure (the stack is refitted per
    fold; near duplicates never straddle a fold). The table of the out-of-fold scores is under
    ``"operating"`` (the desk levels on those out-of-fold scores). BLAS on one thread, as in
    :func:`train`: the review desk's retrain sets this figure beside ``train``'s."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    y = data.labels
    groups = data.groups
    words, folded = model_views(data.norms, mask)
    pred = np.zeros(len(y))
    per_fold: list[dict[str, float]] = []
    for k, (tr, te) in enumerate(_grouped_folds(y, groups, seed, folds), start=1):
        model = _fit([words[i] for i in tr], [folded[i] for i in tr], data.meta[tr], y[tr], groups[tr], seed)
        model.mask = False  # the views are masked already (or deliberately not)
        stacked = np.column_stack(
            [
                model.word_lr.decision_function(model.word_vec.transform([words[i] for i in te])),
                model.char_lr.decision_function(model.char_vec.transform([folded[i] for i in te])),
                data.meta[te],
            ]
        )
        pred[te] = model._second(stacked)
        fold = {
            "roc_auc": float(roc_auc_score(y[te], pred[te])),
            "pr_auc": float(average_precision_score(y[te], pred[te])),
        }
        per_fold.append(fold)
        if log:
            log(f"fold {k}/{folds}: ROC-AUC {fold['roc_auc']:.4f}  PR-AUC {fold['pr_auc']:.4f}")
    out = {"folds": folds, "grouped": True, "masked": mask, **_summary(y, pred, per_fold)}
    out["groups"] = len(np.unique(groups))
    return out


def _summary(y: np.ndarray, pred: np.ndarray, per_fold: list[dict[str, float]]) -> dict[str, Any]:
    """The CV figures of out-of-fold scores ``pred`` (``_oof`` keeps them for stacking)."""
    from sklearn.metrics import brier_score_loss, roc_auc_score

    roc = [f["roc_auc"] for f in per_fold]
    pr = [f["pr_auc"] for f in per_fold]
    return {
        "rows": len(y),
        "roc_auc": float(np.mean(roc)),
        "roc_auc_std": float(np.std(roc)),
        "pr_auc": float(np.mean(pr)),
        "pr_auc_std": float(np.std(pr)),
        "roc_auc_pooled": float(roc_auc_score(y, pred)),
        "brier": float(brier_score_loss(y, pred)),
        "per_fold": per_fold,
        "operating": operating_table(y, pred),
        "_oof": pred,
    }


def embed_training(
    norms: list[NormalizedText],
    encoder: Any,
    log: Any = None,
    *,
    mask: bool = True,
    readable_form: bool = READABLE_VIEW,
) -> np.ndarray:
    """e5 vectors of the masked openings (the readable form by default: what new views are
    trained on), through the encoder's on-disk cache (under the settings' ``cache_dir``):
    retraining costs the encoding once."""
    texts = encoder_texts(norms, mask, readable_form=readable_form)
    out = np.zeros((len(texts), encoder.dim), dtype=np.float32)
    step = 256
    for start in range(0, len(texts), step):
        out[start : start + step] = encoder.queries(texts[start : start + step])
        if log and len(texts) > step:
            log(f"encoder: {min(len(texts), start + step):,}/{len(texts):,} ({encoder.embedded:,} newly embedded)")
    return out


def encoder_cv(
    data: RumorData,
    lexical_oof: np.ndarray,
    vectors: np.ndarray,
    covid: np.ndarray,
    seed: int = 42,
    folds: int = 5,
    gate: float = ENCODER_GATE,
) -> dict[str, Any]:
    """Grouped CV of the stacked procedure on the lexical model's folds (same seed, rows and
    groups, so the before/after is paired). Per outer fold: the encoder's regression is fitted on
    the other folds' vectors; the blend on the other folds' out-of-fold (lexical, encoder) scores
    of the COVID-related rows; posts under the gate keep their lexical score, as in scoring."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    y = data.labels
    groups = data.groups
    splits = _grouped_folds(y, groups, seed, folds)
    enc = np.zeros(len(y))
    fold_of = np.zeros(len(y), dtype=np.int64)
    chosen_c: list[float] = []
    for k, (tr, te) in enumerate(splits):
        c = _choose_c(vectors[tr], y[tr], groups[tr], seed)
        chosen_c.append(c)
        enc[te] = _encoder_lr(seed, c).fit(vectors[tr], y[tr]).decision_function(vectors[te])
        fold_of[te] = k
    gated = covid >= gate
    pred = np.asarray(lexical_oof, dtype=np.float64).copy()
    per_fold: list[dict[str, float]] = []
    for k, (_, te) in enumerate(splits):
        fit_rows = (fold_of != k) & gated
        rows = te[gated[te]]
        blend = _blend_lr().fit(np.column_stack([_logit(lexical_oof[fit_rows]), enc[fit_rows]]), y[fit_rows])
        pred[rows] = blend_proba(blend, lexical_oof[rows], enc[rows])
        per_fold.append(
            {
                "roc_auc": float(roc_auc_score(y[te], pred[te])),
                "pr_auc": float(average_precision_score(y[te], pred[te])),
            }
        )
    out = {"folds": folds, "grouped": True, "masked": True, "gate": gate, **_summary(y, pred, per_fold)}
    out["gated_rows"] = int(gated.sum())
    out["encoder_c_per_fold"] = chosen_c
    out["encoder_alone_roc_auc"] = float(roc_auc_score(y, enc))
    out["lexical_on_gated_roc_auc"] = float(roc_auc_score(y[gated], lexical_oof[gated]))
    out["stacked_on_gated_roc_auc"] = float(roc_auc_score(y[gated], pred[gated]))
    out["_enc_oof"] = enc
    return out


def fit_encoder_view(
    y: np.ndarray,
    vectors: np.ndarray,
    lexical_oof: np.ndarray,
    encoder_oof: np.ndarray,
    covid: np.ndarray,
    encoder: Any,
    groups: np.ndarray,
    seed: int = 42,
    gate: float = VIEW_GATE,
    readable: bool = READABLE_VIEW,
) -> EncoderView:
    """The shipped view: the encoder's regression on every training row (its C by grouped inner
    CV); the blend on the out-of-fold scores of the rows at or above ``gate`` (the rows it will see:
    every row with :data:`VIEW_GATE`), which the view keeps; ``readable``: the form the vectors
    were embedded in (:func:`embed_training`), which the view keeps to read the same at run time."""
    gated = covid >= gate
    lr = _encoder_lr(seed, _choose_c(vectors, y, groups, seed)).fit(vectors, y)
    blend = _blend_lr().fit(np.column_stack([_logit(lexical_oof[gated]), encoder_oof[gated]]), y[gated])
    return EncoderView(lr, blend, encoder.version, encoder.max_tokens, gate, readable)


def operating_table(y: np.ndarray, scores: np.ndarray) -> dict[str, Any]:
    """Precision and recall of the unreliable class at the desk's levels (medium-or-high,
    high), and the best recall reachable at precision ≥ 0.75 (the issue's aim)."""
    from sklearn.metrics import precision_recall_curve

    from tinradar.settings import Settings

    s = Settings()
    out: dict[str, Any] = {}
    for name, cut in (("medium_or_high", s.risk_medium), ("high", s.risk_high)):
        flagged = scores >= cut
        tp = int((flagged & (y == 1)).sum())
        out[name] = {
            "threshold": cut,
            "flagged": int(flagged.sum()),
            "precision": round(tp / max(1, int(flagged.sum())), 4),
            "recall": round(tp / max(1, int((y == 1).sum())), 4),
        }
    precision, recall, _ = precision_recall_curve(y, scores)
    ok = precision[:-1] >= 0.75
    out["recall_at_precision_0_75"] = round(float(recall[:-1][ok].max()) if ok.any() else 0.0, 4)
    return out


def score_frozen(model: RumorModel, frozen: RumorData) -> dict[str, Any]:
    """Figures of ``model`` on the frozen evaluation rows (what the tests assert)."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    if not len(frozen.labels):
        return {}
    pred = model.predict(frozen.norms, frozen.meta)
    return {
        "rows": len(frozen.labels),
        "positives": int(frozen.labels.sum()),
        "roc_auc": float(roc_auc_score(frozen.labels, pred)),
        "pr_auc": float(average_precision_score(frozen.labels, pred)),
        "operating": operating_table(frozen.labels, pred),
    }


def public_figures(cv: dict[str, Any]) -> dict[str, Any]:
    """The figures of a CV result that go into metrics.json (keys with "_" hold arrays and models)."""
    return {k: v for k, v in cv.items() if not k.startswith("_")}


def _cv_brief(cv: dict[str, Any]) -> dict[str, Any]:
    """The figures of a CV result that a before/after needs."""
    if not cv:
        return {}
    return {
        "roc_auc": cv["roc_auc"],
        "roc_auc_std": cv["roc_auc_std"],
        "pr_auc": cv["pr_auc"],
        "per_fold": [f["roc_auc"] for f in cv["per_fold"]],
        "medium_or_high": cv["operating"]["medium_or_high"],
        "recall_at_precision_0_75": cv["operating"]["recall_at_precision_0_75"],
    }


def previous_figures(out_dir: Path, encoder: Any) -> dict[str, Any]:
    """The model a training run replaces (the one in ``out_dir``), for the card's before/after: its
    grouped-CV figures from its ``metrics.json`` (the same folds when the data digest and seed are
    the same) and its scores now on the same sentences as the new model (the fairness selection set
    and the gate's templates), with the same encoder. Empty when there is none or it cannot load."""
    from nlp.fairness import evaluate as fairness_results
    from nlp.fairness import selection
    from nlp.fairness import summary as fairness_summary

    try:
        old = RumorModel.load(out_dir)
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return {}
    metrics_path = out_dir / METRICS_FILE
    metrics = json.loads(metrics_path.read_text(encoding="utf-8")) if metrics_path.is_file() else {}
    old.use_encoder(encoder)
    chosen = bool((metrics.get("encoder") or {}).get("chosen"))
    return {
        "version": old.version,
        "encoder_gate": old.encoder_view.gate if old.encoder_view is not None else None,
        "data_sha256": (metrics.get("data") or {}).get("sha256"),
        "seed": metrics.get("seed"),
        "cv": _cv_brief(metrics.get("cv_stacked") if chosen else metrics.get("cv") or {}),
        "selection": selection(old),
        "gate_neutral_at_medium": fairness_summary(fairness_results(old), 1.0)["neutral_at_medium"],
        "cv_partial": _carried_partial(metrics.get("cv_partial") or {}, old.version),
    }


def _carried_partial(part: dict[str, Any], version: str) -> dict[str, Any]:
    """The masking before/after of an earlier run (``cv_partial``), carried into a run that did not
    refit the unmasked procedure, its rows named by the model they belonged to."""
    if not part:
        return {}
    runs = {name.replace("(shipped)", f"({version})"): folds for name, folds in part["runs"].items()}
    note = part["note"]
    if not note.startswith("Carried over from"):
        note = f"Carried over from the report of `{version}` (masking is unchanged since). " + note
    return {"note": note, "runs": runs}


@one_blas_thread
def train(
    data_path: Path,
    out_dir: Path,
    seed: int = 42,
    *,
    folds: int = 5,
    evaluate: bool = True,
    limit: int | None = None,
    log: Any = None,
    compare_unmasked: bool = False,
    encoder: Any = None,
    use_encoder: bool = True,
) -> dict[str, Any]:
    """Train the rumor model on ``data_path``, write model, metrics and card to ``out_dir``.

    The frozen evaluation split (``FROZEN_SPLIT``) and its near duplicates never train; the
    shipped model is scored on it. ``compare_unmasked`` adds the grouped CV of the same
    procedure without entity masking, on the same folds (the card's before/after).

    The encoder view (``encoder``, default the settings' ``load_encoder``; ``use_encoder=False``
    or the encoder off: none) needs the out-of-fold lexical scores, so it is built only with
    ``evaluate``; it scores every post (:data:`VIEW_GATE`) and is shipped when its grouped CV
    (``cv_stacked``) beats the lexical model's on the same folds in both ROC-AUC and PR-AUC
    (``report["encoder"]["chosen"]`` says which and why). ``cv_stacked_covid``: the same stack on
    COVID-related posts only (the view shipped before issue 15), for the card's before/after.
    Seeded and deterministic: the same data and seed give the same model and metrics, on any
    core count (BLAS on one thread, :func:`nlp.threads.one_blas_thread`; the boosted trees run
    OpenMP on one thread). Returns the metrics dict (also written as ``metrics.json``).
    """
    from nlp.fairness import evaluate as fairness_results
    from nlp.fairness import load_templates, selection
    from nlp.fairness import summary as fairness_summary
    from nlp.rumor_card import model_card

    started = time.time()
    data, frozen = split_frozen(load_reintel(data_path, limit=limit, seed=seed))
    positives = int(data.labels.sum())
    if min(positives, len(data.labels) - positives) < MIN_ROWS_PER_LABEL:
        raise ValueError(
            f"{data_path}: quá ít dòng để huấn luyện / too few rows to train: {len(data.labels) - positives} "
            f"with label 0 and {positives} with label 1 (need at least {MIN_ROWS_PER_LABEL} of each)"
        )
    metrics: dict[str, Any] = {}
    before: dict[str, Any] = {}
    stacked: dict[str, Any] = {}
    covid_only: dict[str, Any] = {}
    why_not = "not evaluated (--no-eval): the encoder view needs the out-of-fold scores"
    if evaluate:
        metrics = cross_validate(data, seed=seed, folds=folds, log=log)
        if compare_unmasked:
            before = cross_validate(data, seed=seed, folds=folds, log=log, mask=False)
    if evaluate and use_encoder and encoder is None:
        from nlp.encoder import load_encoder
        from tinradar.settings import Settings

        encoder, reason = load_encoder(Settings())
        why_not = reason or why_not
    elif evaluate and not use_encoder:
        encoder, why_not = None, "encoder view not asked for"
    model = fit(data, seed)
    view: EncoderView | None = None
    covid = np.asarray([covid_probability(n.folded) if n.folded else 0.0 for n in data.norms])
    gated_labels = data.labels[covid >= VIEW_GATE]
    if metrics and encoder is not None and min(int(gated_labels.sum()), int((gated_labels == 0).sum())) < MIN_GATED:
        why_not = f"fewer than {MIN_GATED} posts of each class: too few to fit the encoder view"
        encoder = None
    if metrics and encoder is not None:
        vectors = embed_training(data.norms, encoder, log, readable_form=READABLE_VIEW)
        stacked = encoder_cv(data, metrics["_oof"], vectors, covid, seed=seed, folds=folds, gate=VIEW_GATE)
        # for the card only: the same stack on COVID-related posts only (the view shipped before issue 15)
        covid_only = encoder_cv(data, metrics["_oof"], vectors, covid, seed=seed, folds=folds, gate=ENCODER_GATE)
        view = fit_encoder_view(
            data.labels, vectors, metrics["_oof"], stacked["_enc_oof"], covid, encoder, data.groups, seed, VIEW_GATE
        )
        if log:
            log(f"stacked with e5: ROC-AUC {stacked['roc_auc']:.4f}  PR-AUC {stacked['pr_auc']:.4f}")
    frozen_lexical = score_frozen(model, frozen) if view is not None else {}
    frozen_stacked: dict[str, Any] = {}
    if view is not None:
        model.encoder_view = view
        model.use_encoder(encoder)
        frozen_stacked = score_frozen(model, frozen)
    chosen = bool(stacked and stacked["roc_auc"] > metrics["roc_auc"] and stacked["pr_auc"] >= metrics["pr_auc"])
    if not chosen:
        model.encoder_view = None
        model.use_encoder(None)
    trained_on = datetime.now(UTC).strftime("%Y-%m-%d")
    model.version = (
        f"rumor-sklearn-{trained_on}-{data.sha256[:8]}-s{seed}-masked-ctxsplit-m{text_fingerprint(model)}"
        # "-words": the e5 view reads type tokens as words (since 2026-12-06); the text fingerprint does not
        # see the view, so without it a retrain of the view alone would keep the version it replaces
        + (("-words" if view is not None and view.readable else "") + "-e5" if chosen else "")
    )
    fairness = fairness_summary(fairness_results(model), load_templates()["max_spread"])
    previous = previous_figures(out_dir, encoder) if evaluate else {}
    report = {
        "model": "rumor",
        "version": model.version,
        "trained_at": trained_on,
        "seed": seed,
        "data": {
            "file": Path(data.source).name,
            "sha256": data.sha256,
            "rows": len(data.labels),
            "positives": int(data.labels.sum()),
            "frozen_rows": len(frozen.labels),
        },
        "cv": public_figures(metrics),
        "cv_unmasked": public_figures(before),
        "cv_stacked": public_figures(stacked),
        "cv_stacked_covid": public_figures(covid_only),
        "encoder": {
            "chosen": chosen,
            "version": view.encoder_version if view else None,
            "max_tokens": view.max_tokens if view else None,
            "readable": view.readable if view else None,
            "gate": VIEW_GATE,
            "C": float(view.lr.C) if view else None,
            "C_tried": list(ENCODER_CS),
            "why": (
                ("grouped CV: stacked beats lexical alone" if chosen else "grouped CV: stacked does not beat lexical")
                if stacked
                else why_not
            ),
        },
        "frozen": frozen_stacked if chosen else (frozen_lexical or score_frozen(model, frozen)),
        "frozen_lexical": frozen_lexical,
        "frozen_stacked": frozen_stacked,
        "fairness": fairness,
        "selection": selection(model),
        "previous": {k: v for k, v in previous.items() if k != "cv_partial"},
        "cv_partial": {} if before else previous.get("cv_partial", {}),
        "seconds": round(time.time() - started, 1),
    }
    model.info = {"trained_at": trained_on, "cv": public_figures(stacked if chosen else metrics)}
    model.save(out_dir)
    (out_dir / METRICS_FILE).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out_dir / CARD_FILE).write_text(model_card(report), encoding="utf-8")
    return report
