"""Rumor risk: a stacked, calibrated model trained on ReINTEL (VLSP 2020).

Design (chosen by cross-validation, see ``nlp/models/rumor/MODEL_CARD.md``):

* two linear text models — logistic regression on TF-IDF syllable 1–2-grams of the
  normalised text (placeholders and expanded shorthand included) and on TF-IDF character
  2–5-grams of the *folded* text (so posts typed without diacritics look alike);
* a gradient-boosted second level that reads the two text scores (out-of-fold, so it
  learns how far to trust them) together with the post's signals from ``nlp.features``
  (engagement, posting hour, links, phones, capitals, exclamation marks, calls to forward);
* sigmoid calibration of the second level, so that 0.7 means roughly 70 %.

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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np

from nlp.features import FEATURE_NAMES, metadata_matrix, signals
from nlp.normalize import NormalizedText, normalize

MODEL_FILE = "rumor.joblib"
METRICS_FILE = "metrics.json"
CARD_FILE = "MODEL_CARD.md"
TOKEN_PATTERN = r"(?u)<?\w+>?"
#: The text models read the first 5,000 characters: a rumor shows itself early, 99 % of the
#: training posts are shorter, and character n-grams of a 100 kB article cost more than
#: everything else together.
MODEL_CHARS = 5000


#: Words too common to tell a reviewer anything ("xin" of "vắc xin", "có", "dân").
_CUE_STOP_WORDS = (
    "vắc có là và của người dân xin bị được không thì mà này các những một cho với đã sẽ rồi nhé ạ đấy "
    "tin báo chính thật ra mua đi đến từ trong ở tại khi nào gì ai đây đó nữa cũng lại vì nên hay "
    "mọi bà con anh chị em mình tôi bạn họ nó thôi luôn quá rất lắm vào lên về theo như để còn"
)
_CUE_STOP = frozenset(_CUE_STOP_WORDS.split())


def _meaningful(term: str) -> bool:
    """Whether an n-gram is worth showing as a cue: no placeholders, numbers or lone stop-words."""
    words = term.split()
    if any(w.startswith("<") for w in words) or all(w.isdigit() for w in words):
        return False
    return not all(w in _CUE_STOP for w in words)


@dataclass
class RumorData:
    """Training rows: normalised texts, their signals matrix and labels (1 = unreliable)."""

    norms: list[NormalizedText]
    meta: np.ndarray
    labels: np.ndarray
    source: str
    sha256: str


def load_reintel(path: Path, limit: int | None = None, seed: int = 42) -> RumorData:
    """Read a ReINTEL-format CSV (post_message, timestamp_post, num_*_post, label).

    ``limit`` keeps a stratified random subsample (for quick tests).
    """
    raw = path.read_bytes()
    csv.field_size_limit(sys.maxsize)
    rows = list(csv.DictReader(raw.decode("utf-8").splitlines(keepends=True)))
    if not rows or "post_message" not in rows[0] or "label" not in rows[0]:
        raise ValueError(f"{path}: expected ReINTEL columns post_message, label, ...")
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
        )
        for n, r in zip(norms, rows, strict=True)
    ]
    labels = np.asarray([1 if r["label"].strip() == "1" else 0 for r in rows], dtype=np.int64)
    return RumorData(norms, metadata_matrix(sigs), labels, str(path), hashlib.sha256(raw).hexdigest())


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
    impute: Any = None  # training medians of the signals, for unknown values (NaN)
    info: dict[str, Any] = field(default_factory=dict)

    def _stack(self, norms: list[NormalizedText], meta: np.ndarray) -> tuple[np.ndarray, Any]:
        xw = self.word_vec.transform([n.features[:MODEL_CHARS] for n in norms])
        xc = self.char_vec.transform([n.folded[:MODEL_CHARS] for n in norms])
        sw = self.word_lr.decision_function(xw)
        sc = self.char_lr.decision_function(xc)
        return np.column_stack([sw, sc, _impute(meta, self.impute)]), xw

    def predict(self, norms: list[NormalizedText], meta: np.ndarray) -> np.ndarray:
        """Calibrated probability that each post is unreliable (0..1)."""
        if not norms:
            return np.zeros(0)
        stacked, _ = self._stack(norms, meta)
        return self._second(stacked)

    def _second(self, stacked: np.ndarray) -> np.ndarray:
        """Second level, single-threaded: OpenMP start-up per tree costs more than it saves
        on batches of a few hundred rows (4x slower on a busy 2-core machine)."""
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="openmp"):
            return self.meta_model.predict_proba(stacked)[:, 1]

    def predict_explain(
        self, norms: list[NormalizedText], meta: np.ndarray, top: int = 3
    ) -> tuple[np.ndarray, list[list[str]]]:
        """Probabilities and, per post, the n-grams that pushed the text score up most."""
        if not norms:
            return np.zeros(0), []
        stacked, xw = self._stack(norms, meta)
        proba = self._second(stacked)
        coef = self.word_lr.coef_.ravel()
        names = self._names()
        terms: list[list[str]] = []
        xw = xw.tocsr()
        for i in range(xw.shape[0]):
            row = xw.getrow(i)
            contrib = row.data * coef[row.indices]
            order = np.argsort(-contrib)
            picked: list[str] = []
            for j in order[: top * 4]:
                if contrib[j] <= 0.15 or len(picked) == top:
                    break
                term = names[row.indices[j]]
                overlaps = any(set(term.split()) & set(p.split()) for p in picked)  # "cẩn thận" ⊃ "cẩn"
                if _meaningful(term) and not overlaps:
                    picked.append(term)
            terms.append(picked)
        return proba, terms

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
            },
            path,
            compress=3,
        )
        return path

    @classmethod
    def load(cls, models_dir: Path) -> RumorModel:
        """Load from ``models_dir/rumor/`` (or a directory that holds ``rumor.joblib``)."""
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


def _impute(meta: np.ndarray, medians: np.ndarray | None) -> np.ndarray:
    """Replace unknown signals (NaN) by the training medians."""
    if medians is None or not np.isnan(meta).any():
        return meta
    return np.where(np.isnan(meta), medians[None, :], meta)


def _fit(norms: list[NormalizedText], meta: np.ndarray, y: np.ndarray, seed: int) -> RumorModel:
    """Fit the whole stack on one training set (inner 5-fold for out-of-fold text scores).

    Single-threaded on purpose: OpenMP in the boosted trees costs more than it saves on a few
    thousand rows, and a result that does not depend on the machine's core count is easier
    to reproduce.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="openmp"):
        return _fit_stack(norms, meta, y, seed)


def _fit_stack(norms: list[NormalizedText], meta: np.ndarray, y: np.ndarray, seed: int) -> RumorModel:
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold

    word_vec, char_vec = _vectorizers(seed)
    xw = word_vec.fit_transform([n.features[:MODEL_CHARS] for n in norms])
    xc = char_vec.fit_transform([n.folded[:MODEL_CHARS] for n in norms])
    oof = np.zeros((len(y), 2))
    inner = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed + 1)
    for tr, te in inner.split(meta, y):
        for col, x in enumerate((xw, xc)):
            model = clone(_linear(seed)).fit(x[tr], y[tr])
            oof[te, col] = model.decision_function(x[te])
    word_lr = _linear(seed).fit(xw, y)
    char_lr = _linear(seed).fit(xc, y)
    medians = np.nan_to_num(np.nanmedian(meta, axis=0)).astype(np.float32)
    meta_model = _second_level(seed).fit(np.column_stack([oof, _impute(meta, medians)]), y)
    return RumorModel(word_vec, char_vec, word_lr, char_lr, meta_model, version="", impute=medians)


def cross_validate(data: RumorData, seed: int = 42, folds: int = 5, log: Any = None) -> dict[str, Any]:
    """Stratified k-fold estimate of the whole procedure (the stack is refitted per fold)."""
    from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    y = data.labels
    pred = np.zeros(len(y))
    per_fold: list[dict[str, float]] = []
    outer = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for k, (tr, te) in enumerate(outer.split(data.meta, y), start=1):
        model = _fit([data.norms[i] for i in tr], data.meta[tr], y[tr], seed)
        pred[te] = model.predict([data.norms[i] for i in te], data.meta[te])
        fold = {
            "roc_auc": float(roc_auc_score(y[te], pred[te])),
            "pr_auc": float(average_precision_score(y[te], pred[te])),
        }
        per_fold.append(fold)
        if log:
            log(f"fold {k}/{folds}: ROC-AUC {fold['roc_auc']:.4f}  PR-AUC {fold['pr_auc']:.4f}")
    roc = [f["roc_auc"] for f in per_fold]
    pr = [f["pr_auc"] for f in per_fold]
    return {
        "folds": folds,
        "roc_auc": float(np.mean(roc)),
        "roc_auc_std": float(np.std(roc)),
        "pr_auc": float(np.mean(pr)),
        "pr_auc_std": float(np.std(pr)),
        "roc_auc_pooled": float(roc_auc_score(y, pred)),
        "brier": float(brier_score_loss(y, pred)),
        "per_fold": per_fold,
    }


def train(
    data_path: Path,
    out_dir: Path,
    seed: int = 42,
    *,
    folds: int = 5,
    evaluate: bool = True,
    limit: int | None = None,
    log: Any = None,
) -> dict[str, Any]:
    """Train the rumor model on ``data_path``, write model, metrics and card to ``out_dir``.

    Seeded and deterministic: the same data and seed give the same model and metrics.
    Returns the metrics dict (also written as ``metrics.json``).
    """
    started = time.time()
    data = load_reintel(data_path, limit=limit, seed=seed)
    metrics: dict[str, Any] = {}
    if evaluate:
        metrics = cross_validate(data, seed=seed, folds=folds, log=log)
    model = _fit(data.norms, data.meta, data.labels, seed)
    trained_on = datetime.now(UTC).strftime("%Y-%m-%d")
    model.version = f"rumor-sklearn-{trained_on}-{data.sha256[:8]}-s{seed}"
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
        },
        "cv": metrics,
        "seconds": round(time.time() - started, 1),
    }
    model.info = {"trained_at": trained_on, "cv": metrics}
    model.save(out_dir)
    (out_dir / METRICS_FILE).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out_dir / CARD_FILE).write_text(model_card(report), encoding="utf-8")
    return report


def model_card(report: dict[str, Any]) -> str:
    """The model card (Markdown) written beside the model."""
    cv = report.get("cv") or {}
    data = report["data"]
    if cv:
        folds = "\n".join(
            f"| {i} | {f['roc_auc']:.4f} | {f['pr_auc']:.4f} |" for i, f in enumerate(cv["per_fold"], start=1)
        )
        metrics = (
            f"Stratified {cv['folds']}-fold cross-validation of the whole procedure (vectorisers, text models, "
            f"second level and calibration refitted inside every fold), seed {report['seed']}:\n\n"
            f"| metric | mean | std |\n|---|---|---|\n"
            f"| ROC-AUC | **{cv['roc_auc']:.4f}** | {cv['roc_auc_std']:.4f} |\n"
            f"| PR-AUC (average precision) | **{cv['pr_auc']:.4f}** | {cv['pr_auc_std']:.4f} |\n\n"
            f"Pooled out-of-fold ROC-AUC {cv['roc_auc_pooled']:.4f}; Brier score {cv['brier']:.4f} "
            f"(base rate {data['positives'] / data['rows']:.3f}).\n\n"
            f"| fold | ROC-AUC | PR-AUC |\n|---|---|---|\n{folds}\n"
        )
    else:
        metrics = "Not evaluated in this run (trained with `--no-eval`).\n"
    return f"""# Model card: rumor risk (`{report["version"]}`)

**What it does.** Gives the probability (0..1) that a Vietnamese social post or article is
*unreliable* in the sense of the ReINTEL task (misleading, unverified or fabricated), from its
text and, when present, its metadata. TinRadar shows it as `rumor_risk` with cues naming what
raised the score. It is a triage aid for reviewers, not a verdict.

**Data.** `{data["file"]}` — ReINTEL, VLSP 2020 shared task on reliable intelligence
identification: {data["rows"]:,} Facebook posts from 2020 (many about COVID-19), {data["positives"]:,}
labelled unreliable. sha256 `{data["sha256"][:16]}…`. The data is read from
`../shared/datasets/reintel/`, never copied into this repository. User names and posting
timestamps as such are not used (only the posting hour).

**Terms.** Trained on data released by the VLSP organisers for research use; the data must not be
redistributed. The model is shipped for research and for the board's internal triage only.

**Model.** TF-IDF syllable 1–2-grams of the normalised text and TF-IDF character 2–5-grams of the
folded text, each with a logistic regression; a gradient-boosted second level over the two
out-of-fold text scores plus {len(FEATURE_NAMES)} post signals ({", ".join(FEATURE_NAMES)}; unknown
values — e.g. engagement of news articles — replaced by training medians, so that the
collection artefact "missing count ⇒ unreliable" of ReINTEL is not learnt);
sigmoid calibration (5-fold). Trained {report["trained_at"]}, seed {report["seed"]}, in
{report["seconds"]} s. Reproduce: `tinradar train rumor --data ../shared/datasets/reintel/train.csv
--out nlp/models/rumor --seed {report["seed"]}`.

## Metrics

{metrics}
## Limits

* 2020 posts: vocabulary of later waves (Delta, 2021 lockdown orders) is rarer; official notices
  are recognised mostly by their style and length.
* Engagement counts are absent for news articles; the model then relies on the text alone.
* Labels judge the whole post; the model cannot check facts. Matches with known debunked claims
  (`nlp/claims.yaml`) are combined with this score in the analyzer.
"""
