"""The border between the repeat-cluster logic (``nlp.cluster``) and where clusters are kept.

``nlp`` computes MinHash signatures and LSH band keys and decides which cluster a text
joins; the store that many workers share (Elasticsearch, ``index.clusters``) only keeps
records and answers queries. Neither imports the other: ``flows`` hands an
``index.clusters.EsClusterStore`` to the analyser, which sees it through this protocol
(``nlp.cluster.MemoryClusterStore`` is the one-process stand-in).

The protocol is shaped by the one guarantee the shared store must give: two workers that
meet the same new repost at the same moment end in one cluster. A founder *creates* its
cluster record (``found``; losing a create race means someone else founded the same id),
writes its member record so it is visible, then re-reads its bands: every record written
before its own (``StoredMember.order``: the write order of the store) that is similar
wins, and the founder merges into it. See ``nlp.cluster`` for the proof.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class ClusterStoreError(RuntimeError):
    """The shared store could not answer (down, refused): the analyser clusters within its process."""


class ClusterState(StrEnum):
    """A cluster record's state: being founded, open to members, or merged into another."""

    PENDING = "pending"
    OPEN = "open"
    MERGED = "merged"


@dataclass(frozen=True)
class ClusterMember:
    """One document's place in a cluster, with what it takes to compare a newcomer to it."""

    doc_id: str
    cluster_id: str
    signature: bytes  #: the MinHash signature, 64 × uint32 little-endian
    bands: tuple[str, ...]  #: LSH band keys: a newcomer sharing one is a candidate


@dataclass(frozen=True)
class StoredMember:
    """A member as the store returns it, with its place in the store's write order."""

    member: ClusterMember
    order: tuple[str, int]  #: increases with the moment of writing (e.g. index name, sequence number)


@dataclass(frozen=True)
class ClusterRecord:
    """A cluster's record: its state and, once merged, the cluster it joined."""

    cluster_id: str
    state: ClusterState
    merged_into: str | None = None
    age_seconds: float = 0.0  #: since the record was created (a founder that died leaves it pending)


class ClusterStore(Protocol):
    """Where clusters live between runs and between workers."""

    def known(self, doc_ids: Sequence[str]) -> dict[str, str]:
        """Stored cluster id of each already-clustered document among ``doc_ids``."""
        ...

    def candidates(self, bands: Sequence[Sequence[str]], *, recent: bool = False) -> list[list[StoredMember]]:
        """For each band-key list, the stored members sharing at least one key (best first).

        ``recent``: only members written in the last few minutes (a founder's re-read looks
        for its concurrent rivals; older ones were visible to its first read)."""
        ...

    def found(self, cluster_id: str) -> bool:
        """Create a PENDING cluster record; False when it already exists (a create race lost)."""
        ...

    def write(self, members: Sequence[ClusterMember], *, visible: bool = False) -> list[tuple[str, int]]:
        """Store member records (one per document id; rewriting one replaces it); their write order.

        ``visible``: searchable by every worker when this returns (a founder's write)."""
        ...

    def record(self, cluster_id: str) -> ClusterRecord | None:
        """The cluster's record as it is now (a real-time read, not a search)."""
        ...

    def settle(self, cluster_id: str, merged_into: str | None = None) -> None:
        """End a founding: the cluster opens, or says it merged into ``merged_into``."""
        ...

    def found_many(self, cluster_ids: Sequence[str]) -> list[bool]:
        """``found`` for each id, in one request: a batch's founders cost one round trip, not one each."""
        ...

    def settle_many(self, settles: Sequence[tuple[str, str | None]]) -> None:
        """``settle`` for each ``(cluster_id, merged_into)``, applied in the given order, in one request."""
        ...
