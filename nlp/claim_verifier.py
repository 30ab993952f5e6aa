"""A learned verifier for the encoder's best claim: does this text really carry that claim?

The encoder ranks the right claim first for most paraphrases, but its cosine alone does not
separate a reworded rumor from a same-topic true statement (both sit near 0.9). The verifier
looks at more than the cosine: for a text and its top claim (by cosine) it reads

* the text's vector, the element-wise product with the claim text it is closest to, and their
  absolute difference (which dimensions agree, not only how many);
* scalars: the cosine, its lead over the next claim, the claim's lexical score and the best
  lexical score, whether the text holds the claim's terms, whether it is typed without diacritics;

and a logistic regression turns them into the probability that the claim is really there. The
weights, the scalers, the threshold and what it was trained on are in
``nlp/models/claims/verifier.json`` (written by ``python -m nlp.claim_verifier train``; the
training data and the model card are in docs/nlp.md, "Known false claims").

The verifier belongs to one encoder version: with another encoder, or none, the finder falls
back to its cosine rule (``MatchRule``).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import numpy as np

log = logging.getLogger(__name__)

#: Names of the scalar features, in order (the vector blocks follow them).
SCALARS = ("cosine", "lead", "lexical", "lexical_best", "terms", "unaccented")


@dataclass
class VerifierInput:
    """Per text: its vector, its top claim's closest claim-text vector, and the scalars."""

    text: np.ndarray  # (n, dim)
    claim: np.ndarray  # (n, dim)
    scalars: np.ndarray  # (n, len(SCALARS))


def feature_matrix(x: VerifierInput) -> np.ndarray:
    """The verifier's features: scalars, then text, text ⊙ claim, |text − claim|."""
    return np.hstack([x.scalars, x.text, x.text * x.claim, np.abs(x.text - x.claim)]).astype(np.float64)


def top_claim_input(
    vectors: np.ndarray,
    semantic: np.ndarray,
    claim_rows: np.ndarray,
    owners: np.ndarray,
    lexical: np.ndarray,
    terms: np.ndarray,
    unaccented: np.ndarray,
    exclude: list[np.ndarray] | None = None,
    viewed: bool = False,
) -> tuple[np.ndarray, VerifierInput]:
    """The top claim (by cosine) of each text and the verifier's input for it.

    ``claim_rows``/``owners``: the registry's claim-text vectors and the claim of each.
    ``exclude`` (training only): per text, claim-text rows it may not be compared with (its
    own text and folded twin, so a registry text is not verified against itself).
    ``viewed`` (the finder): ``semantic`` holds every claim's cosine, each read on its own view of
    the text (``ClaimFinder.claim_views``), and ``vectors`` is the view the top claim reads; the
    other claims' cosines are not read again from it.
    """
    sims = np.asarray(vectors, dtype=np.float32) @ claim_rows.T  # (n, rows)
    if exclude is not None:
        for i, rows in enumerate(exclude):
            sims[i, rows] = -2.0
    n_claims = semantic.shape[1]
    if viewed:
        per_claim = np.asarray(semantic, dtype=np.float32)
    else:
        per_claim = np.full((len(vectors), n_claims), -2.0, dtype=np.float32)
        np.maximum.at(per_claim.T, owners, sims.T)
        if exclude is None:
            per_claim = np.maximum(per_claim, semantic)  # the finder's cosine may come from a near-miss window
    order = np.argsort(-per_claim, axis=1)
    top = order[:, 0]
    rows_n = np.arange(len(vectors))
    cos1 = per_claim[rows_n, top]
    cos2 = per_claim[rows_n, order[:, 1]] if n_claims > 1 else np.full(len(vectors), -1.0)
    masked = np.where(owners[None, :] == top[:, None], sims, -3.0)
    best_row = masked.argmax(axis=1)
    scalars = np.column_stack(
        [
            cos1,
            cos1 - cos2,
            lexical[rows_n, top],
            lexical.max(axis=1) if lexical.shape[1] else np.zeros(len(vectors)),
            terms[rows_n, top].astype(np.float32),
            unaccented.astype(np.float32),
        ]
    )
    return top, VerifierInput(np.asarray(vectors, dtype=np.float32), claim_rows[best_row], scalars)


class ShippedLogistic:
    """A logistic regression shipped as JSON (``model``: mean, scale, coef, intercept; ``threshold``;
    ``encoder``) by one of the claim trainers: the verifier here, the window model
    (``nlp.claim_windows``). It belongs to one encoder version: ``read`` gives ``None`` for another
    encoder, none, or a file that ``misfit`` finds wrong (its warning is logged)."""

    def __init__(
        self, mean: np.ndarray, scale: np.ndarray, coef: np.ndarray, intercept: float, threshold: float, encoder: str
    ) -> None:
        self.mean, self.scale, self.coef = mean, scale, coef
        self.intercept = intercept
        self.threshold = threshold
        self.encoder = encoder

    @classmethod
    def read(cls, path: Path, encoder_version: str | None, misfit: Callable[[dict], str | None]) -> Self | None:
        """The model in ``path``; ``None`` when missing, without an encoder, or when ``misfit(raw)``
        names why it does not fit (logged as a warning)."""
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        if encoder_version is None:
            return None  # no encoder: lexical matching, nothing to warn about
        why = misfit(raw)
        if why is not None:
            log.warning("%s", why)
            return None
        m = raw["model"]
        return cls(
            np.asarray(m["mean"], dtype=np.float64),
            np.asarray(m["scale"], dtype=np.float64),
            np.asarray(m["coef"], dtype=np.float64),
            float(m["intercept"]),
            float(raw["threshold"]),
            str(raw["encoder"]),
        )

    @property
    def fingerprint(self) -> str:
        """Six hex digits of the weights and threshold: which training an analysis used (its
        ``model_versions``), so a retrained model never passes for the one before."""
        h = hashlib.sha256(np.concatenate([self.mean, self.scale, self.coef]).tobytes())
        h.update(f"{self.intercept!r}:{self.threshold!r}".encode())
        return h.hexdigest()[:6]

    def score(self, features: np.ndarray) -> np.ndarray:
        """The probability of each row of ``features`` (the model's own feature order)."""
        if not len(features):
            return np.zeros(0)
        z = (np.asarray(features, dtype=np.float64) - self.mean) / self.scale
        return 1.0 / (1.0 + np.exp(-(z @ self.coef + self.intercept)))


class Verifier(ShippedLogistic):
    """The shipped verifier: ``proba`` of the top claim, ``threshold`` to match."""

    @classmethod
    def load(cls, path: Path, encoder_version: str | None) -> Verifier | None:
        """The verifier in ``path`` when it was trained for this encoder; else ``None`` (the cosine rule)."""

        def misfit(raw: dict) -> str | None:
            if raw.get("encoder") == encoder_version:
                return None
            return f"claim verifier {path} is for encoder {raw.get('encoder')}, not {encoder_version}: cosine rule"

        return cls.read(path, encoder_version, misfit)

    def proba(self, x: VerifierInput) -> np.ndarray:
        """Probability that each text carries its top claim."""
        return self.score(feature_matrix(x)) if len(x.text) else np.zeros(0)
