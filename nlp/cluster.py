"""Repeats: group near-duplicate posts (the same rumor reposted with small edits).

How it works and why the ids are stable:

* A text is reduced to character 5-gram shingles of its folded form (no diacritics, lower
  case, placeholders and punctuation removed, spaces collapsed), so "chia sẻ gấp!!!" and
  "chia se gap" shingle alike; only the first ``MAX_CHARS`` characters are used.
* Each text gets a 64-permutation MinHash signature (computed with numpy, see
  :func:`signature`; fixed seed) and 16 LSH band keys of 4 rows each (:func:`band_keys`):
  two texts whose estimated Jaccard similarity is about ``THRESHOLD`` or more very likely
  share a band key. A newcomer's candidates are the stored members sharing one of its
  keys; it joins the cluster of the most similar candidate at or above the threshold.
* A new cluster's id is ``c`` + a hash of its *first member's* MinHash signature: the same
  text always founds the same id, on any machine, in any run.
* Within a batch, documents are processed oldest first (then by id), so which member
  founds a cluster does not depend on the input order.

Where clusters are kept is a ``tinradar.clusters.ClusterStore``: Elasticsearch
(``index.clusters``, wired by ``flows``) shared by every worker, or a
:class:`MemoryClusterStore` for one process. Re-analysing a document returns its stored
cluster unchanged.

Many workers, one cluster per repost family. Two workers can meet two reposts of the same
new rumor at the same moment; neither sees the other's in its first read. So a founder
(a document with no candidate above the threshold):

1. creates its cluster record, PENDING (``found``; losing that create means another
   worker founded the very same id, and this document joins it);
2. writes its member record so that every worker's search sees it (``visible``);
3. re-reads its bands among recent records, and if a similar record was written *before
   its own* (the store's write order), merges into that record's cluster; otherwise it
   opens its own. It then settles its record (OPEN, or MERGED with the target).

Of two racing founders, the one written second re-reads after both writes, so it sees the
first and merges; the first never merges into the second (it was written later). A
document that joins a cluster follows MERGED records and waits (briefly) while a record is
PENDING, so nobody joins a cluster that is about to merge away. Founders settle in their
write order, so two workers never wait on each other. A founder that dies leaves its
record PENDING; after ``PENDING_TIMEOUT`` seconds others treat it as open.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import count

import numpy as np

from tinradar.clusters import (
    ClusterMember,
    ClusterRecord,
    ClusterState,
    ClusterStore,
    ClusterStoreError,
    StoredMember,
)

log = logging.getLogger(__name__)

NUM_PERM = 64
SEED = 20200123  # fixed: signatures must be comparable across runs
SHINGLE = 5
MAX_CHARS = 3000
MIN_CHARS = 30
THRESHOLD = 0.5
#: 16 bands × 4 rows: a pair at Jaccard 0.5 shares a band with probability 1 - (1 - 0.5⁴)¹⁶ ≈ 0.64,
#: at 0.7 with ≈ 0.98; the exact signature agreement then decides.
BANDS, ROWS = 16, 4
#: Seconds the analyser clusters within its own process after the shared store failed.
STORE_RETRY = 60.0
#: Seconds after which a PENDING cluster (its founder died mid-founding) counts as open.
PENDING_TIMEOUT = 30.0

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


def band_keys(sig: np.ndarray) -> tuple[str, ...]:
    """The LSH band keys of a signature: ``NN-`` (band number) + a hash of its 4 rows."""
    raw = sig.astype("<u4")
    return tuple(
        f"{b:02d}-" + hashlib.blake2b(raw[b * ROWS : (b + 1) * ROWS].tobytes(), digest_size=8).hexdigest()
        for b in range(BANDS)
    )


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity: the share of signature rows that agree."""
    return float(np.mean(a == b))


def _sig_of(member: ClusterMember) -> np.ndarray:
    return np.frombuffer(member.signature, dtype="<u4").astype(np.uint32)


def new_cluster_id(sig: np.ndarray) -> str:
    """A founding member's cluster id: the same text founds the same id anywhere."""
    return "c" + hashlib.sha1(sig.astype(np.uint32).tobytes()).hexdigest()[:15]


class MemoryClusterStore:
    """A ``ClusterStore`` for one process (offline analysis, tests): nothing survives it."""

    def __init__(self) -> None:
        self._members: dict[str, StoredMember] = {}
        self._by_band: dict[str, set[str]] = {}
        self._records: dict[str, ClusterRecord] = {}
        self._seq = count()

    def known(self, doc_ids: Sequence[str]) -> dict[str, str]:
        return {d: self._members[d].member.cluster_id for d in doc_ids if d in self._members}

    def candidates(self, bands: Sequence[Sequence[str]], *, recent: bool = False) -> list[list[StoredMember]]:
        out = []
        for keys in bands:
            hits: dict[str, int] = {}
            for key in keys:
                for doc_id in self._by_band.get(key, ()):
                    hits[doc_id] = hits.get(doc_id, 0) + 1
            ranked = sorted(hits, key=lambda d: (-hits[d], self._members[d].order))
            out.append([self._members[d] for d in ranked])
        return out

    def found(self, cluster_id: str) -> bool:
        if cluster_id in self._records:
            return False
        self._records[cluster_id] = ClusterRecord(cluster_id, ClusterState.PENDING)
        return True

    def write(self, members: Sequence[ClusterMember], *, visible: bool = False) -> list[tuple[str, int]]:
        orders = []
        for member in members:
            order = ("mem", next(self._seq))
            self._members[member.doc_id] = StoredMember(member, order)
            for key in member.bands:
                self._by_band.setdefault(key, set()).add(member.doc_id)
            orders.append(order)
        return orders

    def found_many(self, cluster_ids: Sequence[str]) -> list[bool]:
        return [self.found(c) for c in cluster_ids]

    def settle_many(self, settles: Sequence[tuple[str, str | None]]) -> None:
        for cluster_id, merged_into in settles:
            self.settle(cluster_id, merged_into)

    def record(self, cluster_id: str) -> ClusterRecord | None:
        return self._records.get(cluster_id)

    def settle(self, cluster_id: str, merged_into: str | None = None) -> None:
        state = ClusterState.MERGED if merged_into else ClusterState.OPEN
        self._records[cluster_id] = ClusterRecord(cluster_id, state, merged_into)


@dataclass
class _New:
    """A document of the batch that is not clustered yet."""

    index: int
    doc_id: str
    sig: np.ndarray
    bands: tuple[str, ...]
    cluster: str = ""
    founder: bool = False

    def member(self, cluster_id: str | None = None) -> ClusterMember:
        return ClusterMember(self.doc_id, cluster_id or self.cluster, self.sig.astype("<u4").tobytes(), self.bands)


class ClusterIndex:
    """Near-duplicate clusters with ids that survive across runs and workers (see module docstring)."""

    def __init__(self, store: ClusterStore | None = None, threshold: float = THRESHOLD) -> None:
        self.shared = store
        self.local = MemoryClusterStore()  # this process only: no shared store, or it is down
        self.store: ClusterStore = store if store is not None else self.local
        self.threshold = threshold
        self._down_until = 0.0
        self._cluster_of: dict[str, str] = {}  # documents this process clustered → cluster id
        self._open: dict[str, str] = {}  # settled clusters → where they lead (never changes again)

    def assign(self, items: Sequence[tuple[str, str, datetime | None]]) -> list[str | None]:
        """Cluster ids for ``(doc_id, folded_text, published_at)`` items, in input order.

        Known documents keep their stored cluster; texts too short to compare get None.
        """
        result: list[str | None] = [None] * len(items)
        order = sorted(range(len(items)), key=lambda i: (_ts(items[i][2]), items[i][0]))
        fresh: list[_New] = []
        for i in order:
            doc_id, folded, _when = items[i]
            if doc_id in self._cluster_of:
                result[i] = self._cluster_of[doc_id]
                continue
            sig = signature(folded)
            # the same id twice in a batch: the first one decides, the other copies follow it
            if sig is not None and all(doc_id != f.doc_id for f in fresh):
                fresh.append(_New(i, doc_id, sig, band_keys(sig)))
        if not fresh:
            return self._fill_duplicates(items, result)
        stored = self._known([f.doc_id for f in fresh])
        for f in fresh:
            if f.doc_id in stored:
                self._cluster_of[f.doc_id] = result[f.index] = stored[f.doc_id]
        fresh = [f for f in fresh if f.doc_id not in stored]
        if fresh:
            self._cluster_safely(fresh)
            for f in fresh:
                self._cluster_of[f.doc_id] = result[f.index] = f.cluster
        return self._fill_duplicates(items, result)

    def _fill_duplicates(
        self, items: Sequence[tuple[str, str, datetime | None]], result: list[str | None]
    ) -> list[str | None]:
        for i, (doc_id, _folded, _when) in enumerate(items):
            if result[i] is None and doc_id in self._cluster_of:
                result[i] = self._cluster_of[doc_id]
        return result

    # --- the shared store, or this process when it is down -----------------------------------
    def _use_shared(self) -> bool:
        if self.shared is None or time.monotonic() < self._down_until:
            self.store = self.local
            return False
        self.store = self.shared
        return True

    def _store_failed(self, exc: ClusterStoreError) -> None:
        log.warning(
            "repeat clusters: the shared store failed (%s); clustering within this process for %.0f s "
            "(a repost seen elsewhere meanwhile may open a second cluster)",
            exc,
            STORE_RETRY,
        )
        self._down_until = time.monotonic() + STORE_RETRY
        self.store = self.local

    def _known(self, doc_ids: list[str]) -> dict[str, str]:
        if self._use_shared():
            try:
                return self.store.known(doc_ids)
            except ClusterStoreError as exc:
                self._store_failed(exc)
        return self.store.known(doc_ids)

    def _cluster_safely(self, fresh: list[_New]) -> None:
        if self._use_shared():
            try:
                self._cluster(fresh)
                return
            except ClusterStoreError as exc:
                self._store_failed(exc)
                for f in fresh:
                    f.cluster, f.founder = "", False
        self._cluster(fresh)

    # --- the protocol (see module docstring) -----------------------------------------------
    def _cluster(self, fresh: list[_New]) -> None:
        stored = self.store.candidates([f.bands for f in fresh])
        placed: list[_New] = []  # earlier documents of this batch, to compare later ones with
        for f, cands in zip(fresh, stored, strict=True):
            best, best_sim = None, self.threshold
            for cand in cands:
                sim = similarity(_sig_of(cand.member), f.sig)
                if sim > best_sim or (sim == best_sim and best is None):
                    best, best_sim = cand.member.cluster_id, sim
            for other in placed:
                if set(other.bands) & set(f.bands):
                    sim = similarity(other.sig, f.sig)
                    if sim > best_sim or (sim == best_sim and best is None):
                        best, best_sim = other.cluster, sim
            if best is None:
                f.cluster, f.founder = new_cluster_id(f.sig), True
            else:
                f.cluster = best
            placed.append(f)
        would_found = [f for f in fresh if f.founder]
        created = self.store.found_many([f.cluster for f in would_found])
        founders = [f for f, ok in zip(would_found, created, strict=True) if ok]
        final: dict[str, str] = {}
        if founders:
            orders = self.store.write([f.member() for f in founders], visible=True)
            rivals = self.store.candidates([f.bands for f in founders], recent=True)
            # Settles are sent together, in write order, and always before this worker may wait on
            # another's record (``_resolve``): so founders still settle in their write order and two
            # workers never wait on each other, for one request per batch instead of one per founder.
            settles: list[tuple[str, str | None]] = []
            for f, own, cands in sorted(zip(founders, orders, rivals, strict=True), key=lambda t: t[1]):
                earlier = [
                    c
                    for c in cands
                    if c.order < own
                    and c.member.doc_id != f.doc_id
                    and similarity(_sig_of(c.member), f.sig) >= self.threshold
                ]
                target = f.cluster
                if earlier:
                    if settles:
                        self.store.settle_many(settles)
                        settles = []
                    first = min(earlier, key=lambda c: c.order)
                    target = self._resolve(final.get(first.member.cluster_id, first.member.cluster_id), own=f.cluster)
                settles.append((f.cluster, target if target != f.cluster else None))
                final[f.cluster] = target
                self._open[f.cluster] = target
            if settles:
                self.store.settle_many(settles)
        settled = {f.doc_id for f in founders}
        rewrite: list[ClusterMember] = []
        for f in fresh:
            target = final.get(f.cluster) or self._resolve(f.cluster)
            if f.doc_id not in settled or target != f.cluster:
                rewrite.append(f.member(target))
            f.cluster = target
        if rewrite:
            self.store.write(rewrite)

    def _resolve(self, cluster_id: str, own: str | None = None) -> str:
        """Where a cluster leads now: follow merges, wait while one is being founded."""
        seen: set[str] = set()
        while True:
            if cluster_id in self._open:
                target = self._open[cluster_id]
                if target == cluster_id:
                    return cluster_id
                cluster_id = target
                continue
            if cluster_id == own or cluster_id in seen:
                return cluster_id
            record = self.store.record(cluster_id)
            if record is None:
                return cluster_id
            if record.state is ClusterState.MERGED and record.merged_into:
                seen.add(cluster_id)
                self._open[cluster_id] = record.merged_into
                cluster_id = record.merged_into
                continue
            if record.state is ClusterState.PENDING and record.age_seconds < PENDING_TIMEOUT:
                time.sleep(0.02)
                continue
            if record.state is ClusterState.OPEN:
                self._open[cluster_id] = cluster_id
            return cluster_id

    def __len__(self) -> int:
        return len(self._cluster_of)


def _ts(when: datetime | None) -> float:
    try:
        return when.timestamp() if when is not None else float("inf")
    except (OverflowError, OSError, ValueError):
        return float("inf")
