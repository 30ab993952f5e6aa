"""Author's-tone sentiment (neg / neu / pos) for Vietnamese COVID-19 posts and news.

Why it is built this way:

* **In-domain labels matter most.** Review and feedback corpora (UIT-VSFC, VLSP 2016,
  AIVIVN) teach that "tốt" is positive, but not that a case count is neutral or that
  "bưng bít" is blame; alone they reach about 0.34 macro-F1 on COVID-19 posts. So the
  model is trained on hand-labelled ReINTEL posts and ViCTSD news comments
  (``nlp/data/sentiment_labels.csv``, ids + labels only), the out-of-domain sets joining
  with a low weight.
* **Weak signals** (a small lexicon of fear/anger/grief and praise/gratitude words,
  emoji, shouting in capitals, "!!!") become pseudo-tokens, so the classifier learns from
  labelled data how far to trust them (``nlp/data/sentiment_lexicon.yaml``).
* **A mean syllable embedding** learnt without labels from every unlabelled text at hand
  (``nlp.embeddings``) lets words the labelled texts never used count through their
  neighbours: +0.01 macro-F1 on comments, a little on posts.
* **Hashed TF-IDF word + character n-grams and a multinomial logistic regression**: small,
  fast (no per-document segmentation), deterministic, and stored as plain numpy arrays and
  JSON — no pickle. Probabilities are calibrated by a temperature fitted on
  cross-validated predictions.
* **Entity-blind.** Names of countries, places, groups, organisations and persons are
  replaced by their type (``nlp.masking``) before the n-grams are read: the tone of a post
  must not depend on whom it names.
* **The opening counts twice.** Tone is set by the headline and first sentences (annotators
  judge a post by its opening, and news leads carry the framing), so the first
  ``lead_chars`` characters get their own word n-gram block, and only the first
  ``max_chars`` characters are read at all (cross-validated: reading 3000 characters
  without a lead block was about 0.01 macro-F1 worse; word segmentation added nothing).

* **An encoder view where the vector is already there.** For COVID-related items the
  pipeline embeds the masked opening with e5 for the rumor model's view
  (:func:`nlp.rumor.encoder_texts`, :data:`nlp.rumor.ENCODER_GATE`); a multinomial logistic
  regression on that vector, stacked with the lexical probabilities
  (:class:`SentimentEncoderView`), is shipped only when grouped CV on the lexical model's
  folds says it helps. Elsewhere, or with the encoder off, the lexical model stands alone;
  the version says which (``+e5`` / ``+lexical``). No text is embedded for sentiment alone,
  unless the two views read different forms of the opening (``readable``): then the analyzer
  asks :meth:`SentimentModel.encoder_vectors` for the sentiment view's own.

Training, evaluation and the model card live in :mod:`nlp.sentiment_train`; this module
is what the pipeline loads.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
import yaml
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import normalize as l2_normalize

from nlp.embeddings import TOKEN_PATTERN, Embeddings, tokens
from nlp.encoder import has_vector
from nlp.masking import masker, without_names
from nlp.normalize import normalize
from tinradar.schema import Sentiment
from tinradar.text import fold, has_vietnamese_diacritics

#: Class order of the model's columns.
CLASSES: tuple[Sentiment, ...] = (Sentiment.NEG, Sentiment.NEU, Sentiment.POS)
LEXICON_PATH = Path(__file__).resolve().parent / "data" / "sentiment_lexicon.yaml"
MODEL_FILE = "model.npz"
CONFIG_FILE = "config.json"

#: Weak-signal columns appended to the n-gram features.
CUE_NAMES = (
    "lexicon_neg",
    "lexicon_pos",
    "lexicon_neu",
    "address",
    "emoji_neg",
    "emoji_pos",
    "shouting",
    "exclamations",
    "question_marks",
    "digits",
    "hashtags",
    "length",
)
_LEXICON_KEYS = ("neg", "pos", "neu", "address", "emoji_neg", "emoji_pos")
_WORD_TOKEN = TOKEN_PATTERN + r"|[^\w\s]"
_CAPS_WORD = re.compile(r"\b[A-ZÀ-Ỹ]{2,}\b")


@dataclass(frozen=True)
class FeatureConfig:
    """How texts become vectors; saved with the model so predict matches train."""

    word_features: int = 2**18
    char_features: int = 2**17
    lead_features: int = 2**16
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 4)
    max_chars: int = 1000  # tone shows early; reading more only adds noise and time
    lead_chars: int = 200  # the opening (headline, first sentence) gets its own block
    char_weight: float = 1.0
    embedding_dim: int = 100  # mean syllable embedding (``nlp.embeddings``); 0 turns it off
    embedding_weight: float = 2.0  # its scale beside the unit-length n-gram blocks
    ood_weight: float = 1.0  # scale of the out-of-domain model's log-probabilities
    cue_weight: float = 1.0  # scale of the lexicon / emoji / style cues
    # names → their type (``nlp.masking``) before any n-gram is read; the trainer turns it on,
    # and a model saved before masking existed (no such key in its config) loads with it off
    mask_entities: bool = False
    # with ``mask_entities``, the style cues (capitals, "!", "?", digits, "#", emoji, length)
    # count the raw text with its names left out (``nlp.masking.without_names``, as the rumor
    # signals do), so a longer or capitalised name cannot move the tone; the trainer turns it
    # on, and a model saved before it existed loads with it off and scores exactly as before
    blind_cues: bool = False


@dataclass
class Lexicon:
    """Tone words and emoji, matched as described in the YAML file's header."""

    neg: list[str] = field(default_factory=list)
    pos: list[str] = field(default_factory=list)
    neu: list[str] = field(default_factory=list)
    address: list[str] = field(default_factory=list)
    emoji_neg: list[str] = field(default_factory=list)
    emoji_pos: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path = LEXICON_PATH) -> Lexicon:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return cls(**{k: [str(x).lower() for x in data.get(k, []) or []] for k in _LEXICON_KEYS})

    def to_dict(self) -> dict[str, list[str]]:
        return {k: getattr(self, k) for k in _LEXICON_KEYS}

    def compile(self) -> _CompiledLexicon:
        return _CompiledLexicon(self)


class _CompiledLexicon:
    def __init__(self, lexicon: Lexicon) -> None:
        def words_re(words: list[str]) -> re.Pattern[str] | None:
            words = [w for w in words if w]
            if not words:
                return None
            alt = "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))
            return re.compile(rf"(?<!\w)(?:{alt})(?!\w)")

        # Folded forms only for phrases of two or more syllables (see the YAML header).
        self.words = [
            (words_re(getattr(lexicon, k)), words_re(sorted({fold(w) for w in getattr(lexicon, k) if " " in w})))
            for k in ("neg", "pos", "neu", "address")
        ]
        self.emoji_neg = lexicon.emoji_neg
        self.emoji_pos = lexicon.emoji_pos

    def cues(self, features: str, original: str) -> list[float]:
        """Dense weak signals for one text, in ``CUE_NAMES`` order (log-scaled counts)."""
        out: list[float] = []
        plain = not has_vietnamese_diacritics(original)
        folded = fold(features) if plain else ""
        for rx, rx_folded in self.words:
            hits = len(rx.findall(features)) if rx else 0
            if plain and rx_folded:
                hits += len(rx_folded.findall(folded))
            out.append(float(np.log1p(hits)))
        low = original.lower()
        for marks in (self.emoji_neg, self.emoji_pos):
            out.append(float(np.log1p(sum(low.count(m) for m in marks))))
        words = original.split()
        caps = len(_CAPS_WORD.findall(original)) / len(words) if words else 0.0
        out.append(1.0 if caps > 0.3 else 0.0)
        out.append(float(np.log1p(original.count("!"))))
        out.append(float(np.log1p(original.count("?"))))
        out.append(sum(ch.isdigit() for ch in original) / max(1, len(original)) * 10)
        out.append(float(np.log1p(original.count("#"))))
        out.append(float(np.log1p(len(original))) / 8)
        return out


@dataclass
class Prepared:
    """Texts after normalisation, with their dense cues and mean syllable embeddings."""

    texts: list[str]
    cues: np.ndarray
    doc: np.ndarray  # (n, embedding_dim); zeros while the featurizer has no embeddings


class Featurizer:
    """Raw texts → hashed TF-IDF word, char and opening blocks (each L2-normalised), cues and
    the mean syllable embedding."""

    def __init__(
        self,
        config: FeatureConfig,
        lexicon: Lexicon,
        idf: np.ndarray | None = None,
        embeddings: Embeddings | None = None,
    ) -> None:
        self.config = config
        self.lexicon = lexicon
        self._lex = lexicon.compile()
        self.idf = idf
        self.embeddings = embeddings

        def hashed(n_features: int, ngrams: tuple[int, int], **how: str) -> HashingVectorizer:
            return HashingVectorizer(
                n_features=n_features, ngram_range=ngrams, lowercase=False, alternate_sign=False, norm=None, **how
            )

        self._word = hashed(config.word_features, config.word_ngrams, token_pattern=_WORD_TOKEN)
        self._lead = hashed(config.lead_features, config.word_ngrams, token_pattern=_WORD_TOKEN)
        self._char = hashed(config.char_features, config.char_ngrams, analyzer="char_wb")

    def prepare(self, texts: list[str]) -> Prepared:
        """Normalise (shared ``nlp.normalize``), truncate, and compute the weak-signal cues."""
        feats, cues = [], []
        for text in texts:
            raw = (text if isinstance(text, str) else "")[: self.config.max_chars]
            norm = normalize(raw)
            f = masker().mask_normalized(norm).features if self.config.mask_entities else norm.features
            feats.append(f)
            blind = self.config.mask_entities and self.config.blind_cues
            cues.append(self._lex.cues(f, without_names(raw) if blind else raw))
        cue_array = np.asarray(cues, dtype=np.float32).reshape(len(texts), len(CUE_NAMES))
        return Prepared(feats, cue_array, self.doc_vectors(feats))

    def doc_vectors(self, feature_texts: list[str]) -> np.ndarray:
        """Mean syllable embedding of each normalised text (zeros until embeddings are set)."""
        dim = self.config.embedding_dim
        if not dim or self.embeddings is None:
            return np.zeros((len(feature_texts), dim), dtype=np.float32)
        if self.embeddings.dim != dim:
            raise ValueError(f"embeddings have {self.embeddings.dim} dimensions, the config says {dim}")
        return self.embeddings.doc_vectors([tokens(t) for t in feature_texts])

    @property
    def block_sizes(self) -> tuple[int, int, int]:
        """Widths of the word, char and lead blocks, in column order."""
        c = self.config
        return (c.word_features, c.char_features, c.lead_features)

    @property
    def n_features(self) -> int:
        return sum(self.block_sizes)

    def counts(self, prepared: Prepared) -> sp.csr_matrix:
        """Sublinear term counts of the word, char and lead blocks, before IDF (stateless hashing)."""
        lead = [t[: self.config.lead_chars] for t in prepared.texts]
        blocks = []
        for vec, docs in ((self._word, prepared.texts), (self._char, prepared.texts), (self._lead, lead)):
            x = vec.transform(docs).tocsr().astype(np.float32)
            x.data = 1.0 + np.log(x.data)
            blocks.append(x)
        return sp.hstack(blocks, format="csr")

    def fit_idf(self, counts: sp.csr_matrix) -> None:
        """Smoothed IDF over the given texts; labels are not used."""
        n = counts.shape[0]
        df = np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.float64)
        self.idf = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)

    def weight(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        """Apply IDF and normalise each block separately (char block scaled by ``char_weight``)."""
        if self.idf is None:
            raise RuntimeError("IDF not fitted")
        x = counts.multiply(self.idf[None, :]).tocsr()
        scale = (1.0, self.config.char_weight, 1.0)
        blocks, start = [], 0
        for width, k in zip(self.block_sizes, scale, strict=True):
            blocks.append(l2_normalize(x[:, start : start + width]) * k)
            start += width
        return sp.hstack(blocks, format="csr").astype(np.float32)

    def ngrams(self, texts: list[str]) -> tuple[sp.csr_matrix, Prepared]:
        prepared = self.prepare(texts)
        return self.weight(self.counts(prepared)), prepared


def stack_features(
    ngrams: sp.csr_matrix, ood_logproba: np.ndarray, prepared: Prepared, config: FeatureConfig
) -> sp.csr_matrix:
    """The in-domain classifier's input: n-grams, the out-of-domain model's view, cues, embedding."""
    dense = np.hstack(
        [ood_logproba * config.ood_weight, prepared.cues * config.cue_weight, prepared.doc * config.embedding_weight]
    ).astype(np.float32)
    return sp.hstack([ngrams, sp.csr_matrix(dense)], format="csr")


def n_dense(config: FeatureConfig) -> int:
    """Columns after the n-grams: out-of-domain log-probabilities, cues, embedding."""
    return len(CLASSES) + len(CUE_NAMES) + config.embedding_dim


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def log_softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


@dataclass
class SentimentEncoderView:
    """The e5 view of a post's tone, and how it is stacked with the lexical probabilities.

    ``coef``/``intercept``: a multinomial logistic regression on the e5 vector of the masked
    opening (``nlp.rumor.encoder_texts``). ``blend_coef``/``blend_intercept``: a multinomial
    logistic regression on (log of the lexical probabilities, the encoder regression's
    log-probabilities), fitted on out-of-fold scores of both, so its output is a probability
    like the lexical one. ``encoder_version``/``max_tokens`` guard against vectors of another
    encoder: then the view is not used. ``readable``: the form of the text it was fitted on, type
    tokens as words (``nlp.rumor.encoder_texts``); a config without it reads False, the
    "<ĐỊA_DANH>" form. Plain arrays, saved in ``model.npz`` (no pickle).
    """

    coef: np.ndarray  # (dim, 3)
    intercept: np.ndarray  # (3,)
    blend_coef: np.ndarray  # (6, 3)
    blend_intercept: np.ndarray  # (3,)
    encoder_version: str
    max_tokens: int
    C: float = 1.0
    readable: bool = False

    @property
    def dim(self) -> int:
        return int(self.coef.shape[0])

    def encoder_logproba(self, vectors: np.ndarray) -> np.ndarray:
        return log_softmax(np.asarray(vectors, dtype=np.float64) @ self.coef + self.intercept[None, :])

    def combine(self, lexical: np.ndarray, vectors: np.ndarray) -> np.ndarray:
        """Stacked probabilities from the lexical probabilities and the e5 vectors of the same posts."""
        return blend_proba(self.blend_coef, self.blend_intercept, lexical, self.encoder_logproba(vectors))


def blend_inputs(lexical: np.ndarray, encoder_logproba: np.ndarray) -> np.ndarray:
    """The blend's six inputs: log lexical probabilities, then the encoder's log-probabilities."""
    return np.hstack([np.log(np.clip(np.asarray(lexical, dtype=np.float64), 1e-6, 1.0)), encoder_logproba])


def blend_proba(
    coef: np.ndarray, intercept: np.ndarray, lexical: np.ndarray, encoder_logproba: np.ndarray
) -> np.ndarray:
    return softmax(blend_inputs(lexical, encoder_logproba) @ coef + intercept[None, :])


def _sparse_rows(coef: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    index = np.flatnonzero(np.abs(coef).sum(axis=1) > 1e-7).astype(np.int32)
    return index, coef[index].astype(np.float32)


class SentimentModel:
    """The shipped sentiment model: ``load`` once, ``predict_proba`` in batches.

    Two linear layers: an out-of-domain model (review/feedback corpora) whose
    log-probabilities become three features of the in-domain model, which also reads the
    n-grams and the weak-signal cues. A temperature calibrates the final softmax.
    """

    def __init__(
        self,
        featurizer: Featurizer,
        ood_coef: np.ndarray,
        ood_intercept: np.ndarray,
        coef: np.ndarray,
        intercept: np.ndarray,
        *,
        temperature: float = 1.0,
        version: str = "dev",
    ) -> None:
        self.featurizer = featurizer
        self.ood_coef = ood_coef  # (n_ngram_features, 3)
        self.ood_intercept = np.asarray(ood_intercept, dtype=np.float32)
        self.coef = coef  # (n_ngram_features + n_dense(config), 3)
        self.intercept = np.asarray(intercept, dtype=np.float32)
        self.temperature = float(temperature)
        self.version = version
        self.encoder_view: SentimentEncoderView | None = None
        #: the sentence encoder at run time (``use_encoder``); only its version is checked here:
        #: the vectors come from the caller (the rumor model's view, or ``encoder_vectors`` when
        #: the two views read different forms)
        self.encoder: Any = None

    def use_encoder(self, encoder: Any) -> str | None:
        """Stack the encoder view onto rows that come with a vector from now on (``encoder``: an
        ``nlp.encoder.Encoder`` or None); returns why the view is not used (None when it is, or
        when the model has none)."""
        self.encoder = None
        view = self.encoder_view
        if view is None:
            return None
        if encoder is None:
            return (
                "sentiment_lexical_only: mô hình cảm xúc chỉ dùng đặc trưng từ vựng (bộ mã hóa câu tắt hoặc chưa cài)"
            )
        if encoder.version != view.encoder_version or encoder.max_tokens != view.max_tokens:
            return (
                f"sentiment_lexical_only: bộ mã hóa {encoder.version}/{encoder.max_tokens} khác bộ mô hình đã học "
                f"({view.encoder_version}/{view.max_tokens})"
            )
        self.encoder = encoder
        return None

    @property
    def active_version(self) -> str:
        """The version with what actually scores: ``+e5`` with the encoder view on (for the rows
        that come with a vector), ``+lexical`` when the model has one but it is off."""
        if self.encoder_view is None:
            return self.version
        return self.version + ("+e5" if self.encoder is not None else "+lexical")

    # --- persistence (numpy arrays + JSON; never pickle) ---------------------------------
    @classmethod
    def load(cls, models_dir: Path) -> SentimentModel:
        """Load from ``models_dir / "sentiment"`` (the folder ``train`` wrote)."""
        folder = Path(models_dir) / "sentiment"
        config_path, model_path = folder / CONFIG_FILE, folder / MODEL_FILE
        if not config_path.is_file() or not model_path.is_file():
            raise FileNotFoundError(
                f"no sentiment model in {folder} (expected {CONFIG_FILE} and {MODEL_FILE}); "
                "train one with `tinradar train sentiment --data ../shared/datasets --out nlp/models`"
            )
        config = json.loads(config_path.read_text(encoding="utf-8"))
        if config["classes"] != [c.value for c in CLASSES] or config.get("cues") != list(CUE_NAMES):
            raise ValueError(f"{config_path} was written by an incompatible version of nlp/sentiment.py; retrain")
        feat = config["features"]
        fconf = FeatureConfig(
            **{**feat, "word_ngrams": tuple(feat["word_ngrams"]), "char_ngrams": tuple(feat["char_ngrams"])}
        )
        featurizer = Featurizer(fconf, Lexicon(**config["lexicon"]))
        n = featurizer.n_features
        with np.load(model_path, allow_pickle=False) as a:
            idf = np.full(n, a["idf_default"], dtype=np.float32)
            idf[a["idf_index"]] = a["idf_value"]
            ood_coef = np.zeros((n, len(CLASSES)), dtype=np.float32)
            ood_coef[a["ood_coef_index"]] = a["ood_coef_value"]
            coef = np.zeros((n + n_dense(fconf), len(CLASSES)), dtype=np.float32)
            coef[a["coef_index"]] = a["coef_value"]
            ood_intercept, intercept = a["ood_intercept"], a["intercept"]
            if fconf.embedding_dim:
                if "emb_vectors" not in a:
                    raise ValueError(f"{model_path} has no embeddings but its config asks for them; retrain")
                vectors = a["emb_vectors"].astype(np.float32)
                featurizer.embeddings = Embeddings([str(w) for w in a["emb_vocab"]], vectors)
            view = None
            info = config.get("encoder_view")
            if info:
                view = SentimentEncoderView(
                    a["enc_coef"].astype(np.float32),
                    a["enc_intercept"].astype(np.float32),
                    a["blend_coef"].astype(np.float64),
                    a["blend_intercept"].astype(np.float64),
                    encoder_version=info["encoder_version"],
                    max_tokens=int(info["max_tokens"]),
                    C=float(info.get("C", 1.0)),
                    readable=bool(info.get("readable", False)),
                )
        featurizer.idf = idf
        model = cls(
            featurizer,
            ood_coef,
            ood_intercept,
            coef,
            intercept,
            temperature=config["temperature"],
            version=config["version"],
        )
        model.encoder_view = view
        return model

    def save(self, folder: Path, *, extra: dict | None = None) -> None:
        """Write ``model.npz`` (sparse coefficients, IDF) and ``config.json``."""
        folder.mkdir(parents=True, exist_ok=True)
        idf = self.featurizer.idf
        if idf is None:
            raise RuntimeError("IDF not fitted")
        idf_default = np.float32(idf.max())
        idf_index = np.flatnonzero(idf != idf_default).astype(np.int32)
        ood_index, ood_value = _sparse_rows(self.ood_coef)
        coef_index, coef_value = _sparse_rows(self.coef)
        emb = self.featurizer.embeddings
        arrays = (
            {"emb_vocab": np.array(emb.vocab, dtype=str), "emb_vectors": emb.vectors.astype(np.float16)} if emb else {}
        )
        view = self.encoder_view
        if view is not None:
            arrays |= {
                "enc_coef": view.coef.astype(np.float32),
                "enc_intercept": view.intercept.astype(np.float32),
                "blend_coef": view.blend_coef,
                "blend_intercept": view.blend_intercept,
            }
        np.savez_compressed(
            folder / MODEL_FILE,
            idf_default=idf_default,
            idf_index=idf_index,
            idf_value=idf[idf_index],
            ood_coef_index=ood_index,
            ood_coef_value=ood_value,
            ood_intercept=self.ood_intercept,
            coef_index=coef_index,
            coef_value=coef_value,
            intercept=self.intercept,
            **arrays,
        )
        fc = self.featurizer.config
        config = {
            "version": self.version,
            "classes": [c.value for c in CLASSES],
            "cues": list(CUE_NAMES),
            "temperature": self.temperature,
            "features": {**asdict(fc), "word_ngrams": list(fc.word_ngrams), "char_ngrams": list(fc.char_ngrams)},
            "lexicon": self.featurizer.lexicon.to_dict(),
            "encoder_view": (
                {
                    "encoder_version": view.encoder_version,
                    "max_tokens": view.max_tokens,
                    "C": view.C,
                    "readable": view.readable,
                }
                if view
                else None
            ),
            **(extra or {}),
        }
        (folder / CONFIG_FILE).write_text(json.dumps(config, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    # --- prediction ----------------------------------------------------------------------
    def ood_logproba(self, ngrams: sp.csr_matrix) -> np.ndarray:
        """Log-probabilities of the out-of-domain (review/feedback) model."""
        logits = np.asarray(ngrams @ self.ood_coef) + self.ood_intercept[None, :]
        return np.log(softmax(logits) + 1e-3)

    def features(self, texts: list[str]) -> sp.csr_matrix:
        ngrams, prepared = self.featurizer.ngrams(texts)
        return stack_features(ngrams, self.ood_logproba(ngrams), prepared, self.featurizer.config)

    def logits(self, x: sp.csr_matrix) -> np.ndarray:
        return np.asarray(x @ self.coef) + self.intercept[None, :]

    def predict_proba(self, texts: list[str], vectors: np.ndarray | None = None) -> list[dict[Sentiment, float]]:
        """Calibrated probabilities per text, in input order; each dict sums to 1.

        ``vectors``: the e5 vectors of the texts' masked openings that the caller already has
        (``(len(texts), dim)``; an all-zero row = no vector, the rule for items under the
        encoder gate). With the encoder view on, rows with a vector get the stacked probability;
        the others, and every row without ``vectors`` or with the view off, the lexical one.
        Empty or non-string input is read as an empty document (the model then leans to
        ``neu``); it never raises.
        """
        if not texts:
            return []
        probs = softmax(self.logits(self.features(list(texts))) / self.temperature)
        view = self.encoder_view
        if view is not None and self.encoder is not None and vectors is not None:
            vectors = np.asarray(vectors)
            if vectors.shape != (len(probs), view.dim):
                raise ValueError(f"vectors of shape {vectors.shape} for {len(probs)} texts ({view.dim} dimensions)")
            rows = np.flatnonzero(has_vector(vectors))
            if len(rows):
                probs = probs.astype(np.float64)
                probs[rows] = view.combine(probs[rows], vectors[rows])
        return [{c: float(p[i]) for i, c in enumerate(CLASSES)} for p in probs]

    def encoder_vectors(self, texts: list[str], covid: Sequence[float] | None = None) -> np.ndarray | None:
        """The vectors the pipeline would hand over for ``texts`` (zero rows under the gate), from
        this model's encoder and its cache, in the form the view was fitted on; for training and
        evaluation, which have no rumor model at hand, and for the analyzer when the rumor view
        reads the other form. None with the encoder view off."""
        if self.encoder_view is None or self.encoder is None:
            return None
        from nlp.covid import covid_probability
        from nlp.rumor import ENCODER_GATE, encoder_texts

        norms = [normalize(t if isinstance(t, str) else "") for t in texts]
        if covid is None:
            covid = [covid_probability(n.folded) if n.folded else 0.0 for n in norms]
        rows = np.flatnonzero(np.asarray(covid, dtype=np.float64) >= ENCODER_GATE)
        out = np.zeros((len(texts), self.encoder_view.dim), dtype=np.float32)
        if len(rows):
            out[rows] = self.encoder.queries(
                encoder_texts([norms[i] for i in rows], readable_form=self.encoder_view.readable)
            )
        return out

    def predict(self, texts: list[str]) -> list[Sentiment]:
        """The most probable class per text."""
        return [max(p, key=p.__getitem__) for p in self.predict_proba(texts)]


def train(data_dir: Path, out_dir: Path, seed: int = 13) -> dict:
    """Train, evaluate and save the model (see :mod:`nlp.sentiment_train`)."""
    from nlp.sentiment_train import train as _train

    metrics = _train(Path(data_dir), Path(out_dir), seed)
    metrics.pop("_model", None)
    return metrics


__all__ = [
    "CLASSES",
    "CUE_NAMES",
    "FeatureConfig",
    "Featurizer",
    "Lexicon",
    "Prepared",
    "SentimentEncoderView",
    "SentimentModel",
    "blend_inputs",
    "blend_proba",
    "log_softmax",
    "n_dense",
    "softmax",
    "stack_features",
    "train",
]
