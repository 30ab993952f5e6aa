"""Optional backend: rumor and sentiment from local fine-tuned transformer checkpoints.

Enabled with ``TINRADAR_NLP_BACKEND=transformers`` and ``TINRADAR_TRANSFORMERS_MODEL_DIR``.
The directory holds Hugging Face sequence-classification models saved with
``save_pretrained`` (config, weights, tokenizer), either

* two sub-folders ``rumor/`` and ``sentiment/``, or
* one model, whose task is read from its labels: three labels named neg/neu/pos (any case,
  or negative/neutral/positive) make it a sentiment model; two labels a rumor model, whose
  positive class is the label named unreliable/rumor/fake/1, else index 1.

Whatever the directory lacks falls back to the shipped scikit-learn models. Nothing is
downloaded: models load with ``local_files_only``. Needs the ``tinradar[transformers]``
extra (torch, transformers); inference runs on CPU unless CUDA is available.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinradar.schema import Sentiment

_SENTIMENT_NAMES = {
    "neg": Sentiment.NEG,
    "negative": Sentiment.NEG,
    "tieu cuc": Sentiment.NEG,
    "neu": Sentiment.NEU,
    "neutral": Sentiment.NEU,
    "trung tinh": Sentiment.NEU,
    "pos": Sentiment.POS,
    "positive": Sentiment.POS,
    "tich cuc": Sentiment.POS,
}
_RUMOR_POSITIVE = {"unreliable", "rumor", "rumour", "fake", "1", "label_1", "misinformation"}


class TransformersUnavailable(RuntimeError):
    """torch/transformers are not installed or the model directory is unusable."""


@dataclass
class _Classifier:
    tokenizer: Any
    model: Any
    labels: list[str]
    device: str
    max_length: int = 256
    batch_size: int = 16

    def proba(self, texts: list[str]) -> list[list[float]]:
        import torch

        out: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            chunk = [t if t.strip() else "." for t in texts[start : start + self.batch_size]]
            enc = self.tokenizer(chunk, truncation=True, max_length=self.max_length, padding=True, return_tensors="pt")
            enc = {k: v.to(self.device) for k, v in enc.items()}
            with torch.no_grad():
                logits = self.model(**enc).logits
            out.extend(torch.softmax(logits.float(), dim=-1).cpu().tolist())
        return out


def _load_classifier(path: Path) -> _Classifier:
    try:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
    except ImportError as exc:  # pragma: no cover - depends on the extra
        raise TransformersUnavailable(
            "the transformers backend needs the optional extra: pip install 'tinradar[transformers]'"
        ) from exc
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        model = AutoModelForSequenceClassification.from_pretrained(str(path), local_files_only=True)
    except (OSError, ValueError) as exc:
        raise TransformersUnavailable(f"cannot load a sequence-classification model from {path}: {exc}") from exc
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model.to(device).eval()
    id2label = model.config.id2label or {}
    labels = [str(id2label.get(i, f"LABEL_{i}")) for i in range(model.config.num_labels)]
    return _Classifier(tokenizer, model, labels, device)


def _task(labels: list[str]) -> str | None:
    names = [label.strip().lower() for label in labels]
    if len(names) == 3 and all(n in _SENTIMENT_NAMES for n in names):
        return "sentiment"
    if len(names) == 2:
        return "rumor"
    return None


class TransformersBackend:
    """Rumor and/or sentiment scores from local transformer checkpoints."""

    def __init__(self, rumor: _Classifier | None, sentiment: _Classifier | None, version: str) -> None:
        self._rumor = rumor
        self._sentiment = sentiment
        self.version = version
        self.has_rumor = rumor is not None
        self.has_sentiment = sentiment is not None
        if rumor is not None:
            names = [label.strip().lower() for label in rumor.labels]
            hits = [i for i, n in enumerate(names) if n in _RUMOR_POSITIVE]
            self._rumor_index = hits[0] if hits else 1

    @classmethod
    def load(cls, model_dir: Path | None) -> TransformersBackend:
        if model_dir is None:
            raise TransformersUnavailable("set TINRADAR_TRANSFORMERS_MODEL_DIR to a local model directory")
        model_dir = Path(model_dir)
        if not model_dir.is_dir():
            raise TransformersUnavailable(f"{model_dir} is not a directory")
        found: dict[str, _Classifier] = {}
        for task in ("rumor", "sentiment"):
            if (model_dir / task / "config.json").is_file():
                found[task] = _load_classifier(model_dir / task)
        if not found and (model_dir / "config.json").is_file():
            clf = _load_classifier(model_dir)
            task = _task(clf.labels)
            if task is None:
                raise TransformersUnavailable(f"{model_dir}: cannot tell the task from labels {clf.labels}")
            found[task] = clf
        if not found:
            raise TransformersUnavailable(f"{model_dir}: no config.json (nor rumor/ or sentiment/ sub-folders)")
        for task, clf in found.items():
            if _task(clf.labels) != task and not (task == "rumor" and len(clf.labels) == 2):
                raise TransformersUnavailable(f"{model_dir}/{task}: labels {clf.labels} do not fit the {task} task")
        return cls(found.get("rumor"), found.get("sentiment"), version=f"transformers:{model_dir.name}")

    def rumor(self, texts: list[str]) -> list[float]:
        assert self._rumor is not None
        return [row[self._rumor_index] for row in self._rumor.proba(texts)]

    def sentiment(self, texts: list[str]) -> list[dict[Sentiment, float]]:
        assert self._sentiment is not None
        names = [_SENTIMENT_NAMES[label.strip().lower()] for label in self._sentiment.labels]
        return [dict(zip(names, row, strict=True)) for row in self._sentiment.proba(texts)]
