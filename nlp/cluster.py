"""Repeats: group near-duplicate posts (the same rumor reposted with small edits).

How it works and why the ids are stable:

* A text is reduced to character 5-gram shingles of its folded form (no diacritics, lower
  case, placeholders and punctuation removed, spaces collapsed), so "chia sẻ gấp!!!" and
  "chia se gap" shingle alike; only the first ``MAX_CHARS`` characters are used.
* Each text gets a 64-permutation MinHash signature (computed with numpy, see
  :func:`signature`; fixed seed), and a datasketch MinHash LSH index proposes earlier texts whose estimated Jaccard similarity exceeds the
  threshold; the most similar one's cluster is joined.
* A new cluster's id is ``c`` + a hash of its *first member's* MinHash signature: the same
  text always founds the same id, on any machine, in any run.
* The index is persisted as an append-only JSON-lines file, ``<data_dir>/clusters/index.jsonl``:
  one line per document (``doc_id``, ``cluster_id``) and, for the documents that enter the
  LSH index, their signature (base64 of the uint32 hash values). Each run loads it and
  rebuilds the LSH in memory, so a repost seen tomorrow joins today's cluster, and
  re-analysing a document returns its stored cluster id unchanged (idempotent reruns).
* Within a batch, documents are processed oldest first (then by id), so which member
  founds a cluster does not depend on the input order.

Only a cluster's first ``MAX_REPS`` members are indexed: enough to follow a rumor that
drifts, while the index stays small. A lock file serialises writers of one directory.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

NUM_PERM = 64
SEED = 20200123  # fixed: signatures must be comparable across runs
SHINGLE = 5
MAX_CHARS = 3000
MIN_CHARS = 30
MAX_REPS = 5
THRESHOLD = 0.5
INDEX_FILE = "index.jsonl"

_CLEAN = re.compile(r"<(?:url|phone|email)>|[^a-z0-9\s]")
_SPACES = re.compile(r"\s+")


def _clean(folded: str) -> str:
    return _SPACES.sub(" ", _CLEAN.sub(" ", folded[:MAX_CHARS])).strip()


def shingles(folded: str) -> set[str]:
    """Character 5-gram shingles of a folded text (empty when the text is too short)."""
    text = _clean(folded)
    if len(text) < MIN_CHARS:
        return set()
    return {text[i : i + SHINGLE] for i in range(len(text) - SHINGLE + 1)}


_RNG = np.random.RandomState(SEED)
_A = _RNG.randint(1, 2**32 - 1, size=NUM_PERM, dtype=np.uint64) | np.uint64(1)
_B = _RNG.randint(0, 2**32 - 1, size=NUM_PERM, dtype=np.uint64)
_MASK = np.uint64(0xFFFFFFFF)


def signature(folded: str) -> np.ndarray | None:
    """MinHash signature (uint32 × 64) of a folded text; None when too short to compare.

    Vectorised with numpy instead of one SHA-1 per shingle: each 5-gram gets a 64-bit
    polynomial hash, mixed (splitmix64 finaliser) to 32 bits, then permuted with
    ``a * h + b mod 2^32`` (odd ``a``: the affine32 scheme of datasketch) and reduced by min.
    Deterministic across machines and runs.
    """
    text = _clean(folded)
    if len(text) < MIN_CHARS:
        return None
    arr = np.frombuffer(text.encode("ascii", "replace"), dtype=np.uint8).astype(np.uint64)
    n = len(arr) - SHINGLE + 1
    h = np.zeros(n, dtype=np.uint64)
    for k in range(SHINGLE):
        h = h * np.uint64(257) + arr[k : k + n]
    h ^= h >> np.uint64(30)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(27)
    h *= np.uint64(0x94D049BB133111EB)
    h ^= h >> np.uint64(31)
    h = np.unique(h & _MASK)
    return ((h[:, None] * _A[None, :] + _B[None, :]) & _MASK).min(axis=0).astype(np.uint32)


@dataclass
class _Entry:
    doc_id: str
    cluster_id: str
    sig: np.ndarray | None = None


class ClusterIndex:
    """Near-duplicate clusters with ids that survive across runs (see module docstring)."""

    def __init__(self, directory: Path | None, threshold: float = THRESHOLD) -> None:
        from datasketch import MinHash, MinHashLSH

        self.directory = directory
        self.threshold = threshold
        self._template = MinHash(num_perm=NUM_PERM, seed=SEED, scheme="affine32")
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self._sigs: dict[str, np.ndarray] = {}  # indexed doc_id → signature
        self._cluster_of: dict[str, str] = {}  # every known doc_id → cluster id
        self._members: dict[str, int] = {}  # cluster id → indexed members
        if directory is not None:
            self._load(directory / INDEX_FILE)

    # --- persistence -------------------------------------------------------------
    def _load(self, path: Path) -> None:
        if not path.is_file():
            return
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a torn last line after a crash: skip it
                sig = None
                if row.get("sig"):
                    sig = np.frombuffer(base64.b64decode(row["sig"]), dtype=np.uint32).copy()
                self._remember(_Entry(row["doc_id"], row["cluster_id"], sig))

    @contextmanager
    def _locked_append(self):  # type: ignore[no-untyped-def]
        assert self.directory is not None
        self.directory.mkdir(parents=True, exist_ok=True)
        lock = self.directory / ".lock"
        fd = os.open(lock, os.O_CREAT | os.O_RDWR)
        try:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
            with (self.directory / INDEX_FILE).open("a", encoding="utf-8") as fh:
                yield fh
        finally:
            os.close(fd)

    def _remember(self, entry: _Entry, mh=None) -> None:  # type: ignore[no-untyped-def]
        self._cluster_of[entry.doc_id] = entry.cluster_id
        if entry.sig is not None and entry.doc_id not in self._sigs:
            self._sigs[entry.doc_id] = entry.sig
            self._members[entry.cluster_id] = self._members.get(entry.cluster_id, 0) + 1
            self._lsh.insert(entry.doc_id, mh or self._minhash(entry.sig), check_duplication=False)

    # --- signatures ----------------------------------------------------------------
    def _minhash(self, sig: np.ndarray):  # type: ignore[no-untyped-def]
        from datasketch import MinHash

        return MinHash(hashvalues=sig, scheme=self._template.scheme, permutations=self._template.permutations)

    @staticmethod
    def _new_id(sig: np.ndarray) -> str:
        return "c" + hashlib.sha1(sig.tobytes()).hexdigest()[:15]

    # --- assignment ------------------------------------------------------------------
    def assign(
        self,
        items: Sequence[tuple[str, str, datetime | None]],
        *,
        persist: bool = True,
    ) -> list[str | None]:
        """Cluster ids for ``(doc_id, folded_text, published_at)`` items, in input order.

        Known documents keep their stored cluster; texts too short to compare get None.
        New assignments are appended to the index file when ``persist`` and a directory is set.
        """
        result: list[str | None] = [None] * len(items)
        order = sorted(range(len(items)), key=lambda i: (_ts(items[i][2]), items[i][0]))
        new_rows: list[dict[str, str]] = []
        for i in order:
            doc_id, folded, _when = items[i]
            if doc_id in self._cluster_of:
                result[i] = self._cluster_of[doc_id]
                continue
            sig = signature(folded)
            if sig is None:
                continue
            mh = self._minhash(sig)
            cluster = self._best_match(sig, mh)
            indexed = cluster is None or self._members.get(cluster, 0) < MAX_REPS
            cluster = cluster or self._new_id(sig)
            entry = _Entry(doc_id, cluster, sig if indexed else None)
            self._remember(entry, mh)
            result[i] = cluster
            row = {"doc_id": doc_id, "cluster_id": cluster}
            if indexed:
                row["sig"] = base64.b64encode(sig.tobytes()).decode("ascii")
            new_rows.append(row)
        if persist and self.directory is not None and new_rows:
            with self._locked_append() as fh:
                fh.writelines(json.dumps(r) + "\n" for r in new_rows)
        return result

    def _best_match(self, sig: np.ndarray, mh) -> str | None:  # type: ignore[no-untyped-def]
        candidates = self._lsh.query(mh)
        best, best_sim = None, self.threshold
        for key in candidates:
            sim = float(np.mean(self._sigs[key] == sig))
            if sim >= best_sim and (best is None or sim > best_sim or key < best):
                best, best_sim = key, sim
        return self._cluster_of[best] if best is not None else None

    def __len__(self) -> int:
        return len(self._cluster_of)


def _ts(when: datetime | None) -> float:
    try:
        return when.timestamp() if when is not None else float("inf")
    except (OverflowError, OSError, ValueError):
        return float("inf")
