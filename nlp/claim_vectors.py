"""The claim registry as sentence-encoder vectors, computed once per registry content.

Every claim text (the claim and its variants) is embedded twice: as written and folded
(no diacritics). Posts typed without diacritics sit far from the accented claim in the
encoder's space but close to its folded twin, so a text's similarity to a claim is its best
cosine over both sets. Claims are embedded in the ``passage`` role and texts in the
``query`` role (the pairing that ranked the right claim first most often on the evaluation
set, ``nlp/data/claims_eval``).

The vectors are stored in ``<cache_dir>/claims/`` under a name built from the registry's
*content* hash (``registry_hash``, not a file hash: the registry may later live in
Elasticsearch), the encoder version and its token limit; a changed claim gives a new file.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from nlp.claims import Claim, registry_hash
from nlp.encoder import Encoder
from nlp.normalize import normalize

log = logging.getLogger(__name__)


class ClaimVectors:
    """Unit vectors of every claim text (as written and folded) and the claim each belongs to."""

    def __init__(self, claims: Sequence[Claim], encoder: Encoder, cache_dir: Path | None = None) -> None:
        self.n_claims = len(claims)
        texts: list[str] = []
        owners: list[int] = []
        for i, claim in enumerate(claims):
            for text in [claim.claim, *claim.variants]:
                for view in dict.fromkeys([text, normalize(text).folded]):
                    texts.append(view)
                    owners.append(i)
        self.owners = np.asarray(owners, dtype=np.int64)
        self.key = f"{registry_hash(claims)[:16]}-{encoder.version}-{encoder.max_tokens}"
        self.path = cache_dir / "claims" / f"vectors-{self.key}.npy" if cache_dir is not None else None
        self.computed = False  # True when this process had to embed the registry
        self.matrix = self._load(len(texts), encoder.dim)
        if self.matrix is None:
            self.matrix = encoder.passages(texts)
            self.computed = True
            self._save()

    def _load(self, rows: int, dim: int) -> np.ndarray | None:
        if self.path is None or not self.path.is_file():
            return None
        try:
            matrix = np.load(self.path, allow_pickle=False)
        except (OSError, ValueError) as exc:
            log.warning("claim vectors %s unreadable (%s): recomputing", self.path, exc)
            return None
        return matrix if matrix.shape == (rows, dim) and matrix.dtype == np.float32 else None

    def _save(self) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            with tmp.open("wb") as fh:
                np.save(fh, self.matrix, allow_pickle=False)
            os.replace(tmp, self.path)  # atomic: a concurrent reader sees the old file or the new one
        except OSError as exc:  # a read-only cache costs a re-embedding next time, not a result
            log.warning("claim vectors not cached at %s: %s", self.path, exc)

    def similarity(self, text_vectors: np.ndarray) -> np.ndarray:
        """Cosine of each text to each claim (best over the claim's texts): (texts, claims)."""
        sims = np.asarray(text_vectors, dtype=np.float32) @ self.matrix.T
        out = np.full((sims.shape[0], self.n_claims), -1.0, dtype=np.float32)
        np.maximum.at(out.T, self.owners, sims.T)
        return out
