"""Repeat clusters kept in Elasticsearch: the ``tinradar.clusters.ClusterStore`` every worker shares.

One monthly index ``{prefix}-clusters-YYYY.MM`` (month of writing, board time zone) holds
two kinds of documents, behind the read alias ``{prefix}-clusters``:

* a *member* per clustered document (``_id`` = document id): its cluster id, MinHash
  signature (stored, not indexed) and LSH band keys (keyword). A newcomer's candidates
  are the members sharing one of its band keys, ranked by how many they share (then the
  earliest written): the best ``CANDIDATES`` are read and compared exactly;
* a *cluster record* per founded cluster (``_id`` = ``cluster:`` + id), created with
  ``op_type=create`` so that exactly one worker founds a given id, then settled OPEN or
  MERGED (see ``nlp.cluster`` for the protocol).

Each index has one primary shard, so ``(index name, _seq_no)`` is the order in which
members were written: the protocol's "who was first". Indices are created by a template
with ``auto_expand_replicas: 0-1`` (a replica as soon as the cluster has a second data
node). Old months age out by deleting their index, like the documents' monthly indices;
a cluster record older than last month is no longer read (its cluster counts as open).
The documents' own ``cluster_id`` is written by the indexer, never by this store, so a
re-analysis keeps reviewer verdicts (the indexer's rule) and its stored cluster.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from elasticsearch import ApiError, ConflictError, Elasticsearch, TransportError

from index.templates import create_index_once
from tinradar.clusters import ClusterMember, ClusterRecord, ClusterState, ClusterStoreError, StoredMember
from tinradar.schema import utc_now
from tinradar.settings import Settings

#: A founder's re-read looks this far back for rivals written at the same time as itself.
RECENT = "now-10m"
#: Candidates read per document: the best by shared band keys, then compared exactly.
CANDIDATES = 30

MAPPING: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "kind": {"type": "keyword"},
        "doc_id": {"type": "keyword"},
        "cluster_id": {"type": "keyword"},
        "bands": {"type": "keyword"},
        "sig": {"type": "binary"},
        "written_at": {"type": "date"},
        "state": {"type": "keyword"},
        "merged_into": {"type": "keyword"},
        "created_at": {"type": "date"},
    },
}
SETTINGS: dict[str, Any] = {"number_of_shards": 1, "auto_expand_replicas": "0-1", "refresh_interval": "1s"}


def alias_name(settings: Settings) -> str:
    return f"{settings.es_index_prefix}-clusters"


def index_for(when: datetime, settings: Settings) -> str:
    return f"{settings.es_index_prefix}-clusters-{when.astimezone(settings.tz):%Y.%m}"


def ensure_cluster_template(client: Elasticsearch, settings: Settings) -> str:
    """Install the clusters template and create this month's index; returns its name."""
    client.indices.put_index_template(
        name=alias_name(settings),
        index_patterns=[f"{alias_name(settings)}-*"],
        template={"settings": SETTINGS, "mappings": MAPPING, "aliases": {alias_name(settings): {}}},
        priority=300 + len(settings.es_index_prefix),
        meta={"owner": "tinradar", "managed": True},
    )
    current = index_for(utc_now(), settings)
    create_index_once(client, current)
    return current


class EsClusterStore:
    """``ClusterStore`` on Elasticsearch; every failure becomes ``ClusterStoreError``.

    The client is made on first use, so an analyser can be built while the cluster is
    down (the analyser then clusters within its own process and says so in the log).
    """

    def __init__(self, settings: Settings, client: Elasticsearch | None = None) -> None:
        self.settings = settings
        self._client = client
        self._ready_for: str | None = None  # the month index known to exist
        self._founded: dict[str, str] = {}  # cluster id → the index its record was created in

    # --- plumbing ----------------------------------------------------------------------
    def _es(self) -> Elasticsearch:
        if self._client is None:
            self._client = Elasticsearch(**self.settings.es_client_kwargs())
        current = index_for(utc_now(), self.settings)
        if self._ready_for != current:
            self._call(ensure_cluster_template, self._client, self.settings)
            self._ready_for = current
        return self._client

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ConflictError:
            raise
        except (ApiError, TransportError) as exc:
            raise ClusterStoreError(f"cluster store: {type(exc).__name__}: {str(exc)[:300]}") from exc

    def _months(self) -> list[str]:
        now = utc_now()
        first = now.astimezone(self.settings.tz).replace(day=1)
        return [index_for(now, self.settings), index_for(first - timedelta(days=1), self.settings)]

    # --- the protocol ------------------------------------------------------------------
    def known(self, doc_ids: Sequence[str]) -> dict[str, str]:
        """A real-time read (mget) in this month's and last month's index: a member written a
        moment ago counts, before any refresh. Older members are found again as candidates."""
        if not doc_ids:
            return {}
        es = self._es()
        docs = [
            {"_index": name, "_id": d, "_source": ["doc_id", "cluster_id"]} for d in doc_ids for name in self._months()
        ]
        resp = self._call(es.mget, docs=docs)
        out: dict[str, str] = {}
        for doc in resp["docs"]:
            if doc.get("found") and doc["_source"].get("cluster_id"):
                out.setdefault(doc["_source"]["doc_id"], doc["_source"]["cluster_id"])
        return out

    def candidates(self, bands: Sequence[Sequence[str]], *, recent: bool = False) -> list[list[StoredMember]]:
        if not bands:
            return []
        es = self._es()
        searches: list[dict[str, Any]] = []
        for keys in bands:
            filters: list[dict[str, Any]] = [{"term": {"kind": "member"}}]
            if recent:
                filters.append({"range": {"written_at": {"gte": RECENT}}})
            # One constant-score clause per band key: a member scores the number of keys it
            # shares, so the top CANDIDATES are the likeliest near-copies (as the memory store
            # ranks them), not merely the first written. Ties go to the earliest written.
            should = [{"constant_score": {"filter": {"term": {"bands": key}}}} for key in dict.fromkeys(keys)]
            body = {
                "query": {"bool": {"filter": filters, "should": should, "minimum_should_match": 1}},
                "size": CANDIDATES,
                "sort": ["_score", {"written_at": "asc"}],
                "track_scores": True,
                # No total to count: the shard need not visit every member sharing a band key.
                "track_total_hits": False,
                "seq_no_primary_term": True,
                "_source": ["doc_id", "cluster_id", "sig", "bands"],
            }
            searches.extend([{"index": alias_name(self.settings), "ignore_unavailable": True}, body])
        resp = self._call(es.msearch, searches=searches)
        out: list[list[StoredMember]] = []
        for answer in resp["responses"]:
            if "error" in answer:
                raise ClusterStoreError(f"cluster store: search failed: {str(answer['error'])[:300]}")
            out.append([_stored(h) for h in answer["hits"]["hits"]])
        return out

    def found(self, cluster_id: str) -> bool:
        return self.found_many([cluster_id])[0]

    def found_many(self, cluster_ids: Sequence[str]) -> list[bool]:
        """One bulk request of ``create`` operations: each id is created at most once (a lost race is ``False``)."""
        if not cluster_ids:
            return []
        es = self._es()
        now = utc_now()
        index = index_for(now, self.settings)
        operations: list[dict[str, Any]] = []
        for cluster_id in cluster_ids:
            operations.append({"create": {"_index": index, "_id": f"cluster:{cluster_id}"}})
            operations.append({"kind": "cluster", "cluster_id": cluster_id, "state": "pending", "created_at": now})
        resp = self._call(es.bulk, operations=operations)
        out: list[bool] = []
        for cluster_id, item in zip(cluster_ids, resp["items"], strict=True):
            result = item["create"]
            if result.get("status") == 409:  # a create race lost: someone founded this very id
                out.append(False)
            elif result.get("error"):
                raise ClusterStoreError(f"cluster store: found refused: {str(result['error'])[:300]}")
            else:
                self._founded[cluster_id] = index
                out.append(True)
        return out

    def write(self, members: Sequence[ClusterMember], *, visible: bool = False) -> list[tuple[str, int]]:
        if not members:
            return []
        es = self._es()
        index = index_for(utc_now(), self.settings)
        now = utc_now()
        operations: list[dict[str, Any]] = []
        for m in members:
            operations.append({"index": {"_index": index, "_id": m.doc_id}})
            operations.append(
                {
                    "kind": "member",
                    "doc_id": m.doc_id,
                    "cluster_id": m.cluster_id,
                    "bands": list(m.bands),
                    "sig": base64.b64encode(m.signature).decode("ascii"),
                    "written_at": now,
                }
            )
        resp = self._call(es.bulk, operations=operations, refresh="true" if visible else False)
        orders: list[tuple[str, int]] = []
        for item in resp["items"]:
            result = item["index"]
            if result.get("error"):
                raise ClusterStoreError(f"cluster store: write refused: {str(result['error'])[:300]}")
            orders.append((result["_index"], int(result["_seq_no"])))
        return orders

    def record(self, cluster_id: str) -> ClusterRecord | None:
        es = self._es()
        docs = [{"_index": name, "_id": f"cluster:{cluster_id}"} for name in self._months()]
        resp = self._call(es.mget, docs=docs)
        for doc in resp["docs"]:
            if doc.get("found"):
                src = doc["_source"]
                created = datetime.fromisoformat(src["created_at"])
                return ClusterRecord(
                    cluster_id=cluster_id,
                    state=ClusterState(src.get("state", "open")),
                    merged_into=src.get("merged_into"),
                    age_seconds=(utc_now() - created).total_seconds(),
                )
        return None

    def settle(self, cluster_id: str, merged_into: str | None = None) -> None:
        self.settle_many([(cluster_id, merged_into)])

    def settle_many(self, settles: Sequence[tuple[str, str | None]]) -> None:
        """One bulk request of updates, in the given order (one shard: applied in that order)."""
        if not settles:
            return
        es = self._es()
        operations: list[dict[str, Any]] = []
        for cluster_id, merged_into in settles:
            index = self._founded.pop(cluster_id, index_for(utc_now(), self.settings))
            state = ClusterState.MERGED if merged_into else ClusterState.OPEN
            operations.append({"update": {"_index": index, "_id": f"cluster:{cluster_id}"}})
            operations.append({"doc": {"state": state.value, "merged_into": merged_into}})
        resp = self._call(es.bulk, operations=operations)
        for item in resp["items"]:
            if item["update"].get("error"):
                raise ClusterStoreError(f"cluster store: settle refused: {str(item['update']['error'])[:300]}")


def _stored(hit: dict[str, Any]) -> StoredMember:
    src = hit["_source"]
    member = ClusterMember(
        doc_id=src["doc_id"],
        cluster_id=src["cluster_id"],
        signature=base64.b64decode(src["sig"]),
        bands=tuple(src.get("bands", ())),
    )
    return StoredMember(member=member, order=(hit["_index"], int(hit["_seq_no"])))
