"""Near-duplicate groups and frozen evaluation splits, shared by every trainer.

Reposts and near-copies of one post are common in social data (ReINTEL has hundreds). If
one copy trains a model and another tests it, the test measures memory, not skill: the old
rumor figure (ROC-AUC 0.933 with plain stratified folds) was optimistic for that reason. So

* cross-validation folds never split a group (:func:`group_ids` + ``StratifiedGroupKFold``);
* each model has a *frozen* evaluation split — ids only, committed under
  ``nlp/data/eval_split/`` — drawn once by whole groups, excluded from training, and scored
  by the tests with the shipped model. Its figures are the ones a test asserts;
  ``metrics.json`` is an output for people, never what a gate reads.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from tinradar.text import fold

EVAL_SPLIT_DIR = Path(__file__).resolve().parent / "data" / "eval_split"
#: Share of the groups held out in a frozen split (1 / this many).
FROZEN_PARTS = 7


def dup_key(text: str, *, digits: bool = True) -> str:
    """Near-duplicate key: the first 120 letters/digits of the folded text (``digits=False``:
    letters only, so copies that differ in a count or a date share the key)."""
    letters = re.sub(r"[^a-z0-9]" if digits else r"[^a-z]", "", fold(text))
    return letters[:120] or hashlib.sha1(text.encode()).hexdigest()


def group_hash(text: str) -> str:
    """A short hash of the text's near-duplicate key: names a group in a committed split file
    without copying any of the (non-redistributable) text."""
    return hashlib.sha1(dup_key(text).encode()).hexdigest()[:12]


def group_ids(texts: Sequence[str]) -> np.ndarray:
    """One integer per text; near duplicates (same :func:`dup_key`) share it."""
    _, ids = np.unique([dup_key(t) for t in texts], return_inverse=True)
    return ids.astype(np.int64)


def draw_frozen(texts: Sequence[str], labels: np.ndarray, seed: int) -> np.ndarray:
    """Indices of a stratified, grouped 1/``FROZEN_PARTS`` share of the rows (drawn once;
    the ids are then committed, so later changes to this function do not move the split)."""
    from sklearn.model_selection import StratifiedGroupKFold

    skf = StratifiedGroupKFold(n_splits=FROZEN_PARTS, shuffle=True, random_state=seed)
    _, test = next(skf.split(np.zeros(len(labels)), labels, group_ids(texts)))
    return np.sort(test)


def read_ids(path: Path) -> list[str]:
    """Ids of a frozen split file (one per line; ``#`` starts a comment)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def write_ids(path: Path, ids: Sequence[str], header: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    comment = "".join(f"# {line}\n" for line in header.splitlines())
    path.write_text(comment + "".join(f"{i}\n" for i in ids), encoding="utf-8")


__all__ = [
    "EVAL_SPLIT_DIR",
    "FROZEN_PARTS",
    "draw_frozen",
    "dup_key",
    "group_hash",
    "group_ids",
    "read_ids",
    "write_ids",
]
