"""How the desk names a cluster of near-duplicates: by what it says, not by its hash.

A ``cluster_id`` (``c3f1a9…``) means nothing to a reviewer; the opening words of the
cluster's earliest post do ("the text being pushed around"). One search answers for every
cluster a page shows (a terms aggregation with one top hit each), never one per cluster.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from elasticsearch import Elasticsearch

from flows.review.presentation import opening
from index import doc as F
from index.templates import alias_name
from tinradar.settings import Settings

#: Characters of the earliest post kept in a cluster's label.
LABEL_CHARS = 60


def cluster_openings(
    client: Elasticsearch, settings: Settings, cluster_ids: Iterable[str], limit: int = LABEL_CHARS
) -> dict[str, str]:
    """Each cluster's earliest post (title, else the start of its text), cut to ``limit`` characters.

    A cluster with no post in the index (a hand-typed id) is left out: the caller shows its id.
    """
    ids = sorted({c for c in cluster_ids if c})
    if not ids:
        return {}
    first: dict[str, Any] = {
        "top_hits": {
            "size": 1,
            "sort": [{F.DATED_AT: {"order": "asc", "missing": "_last", "unmapped_type": "date"}}],
            "_source": {"includes": [F.TITLE, F.TEXT]},
        }
    }
    response = client.search(
        index=alias_name(settings),
        size=0,
        query={"terms": {F.CLUSTER_ID: ids}},
        aggs={"clusters": {"terms": {"field": F.CLUSTER_ID, "size": len(ids)}, "aggs": {"first": first}}},
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    out: dict[str, str] = {}
    for bucket in (response.get("aggregations") or {}).get("clusters", {}).get("buckets", []):
        hits = bucket["first"]["hits"]["hits"]
        source = hits[0].get("_source", {}) if hits else {}
        text = opening(str(source.get(F.TITLE) or "").strip() or str(source.get(F.TEXT) or "").strip(), limit)
        if text:
            out[bucket["key"]] = text
    return out


def item_openings(
    client: Elasticsearch, settings: Settings, doc_ids: Iterable[str], limit: int = LABEL_CHARS
) -> dict[str, str]:
    """Each item's title (else the start of its text), cut to ``limit`` characters; one search.

    A proposal made from a single item links to that item; an id not in the index is left out.
    """
    ids = sorted({d for d in doc_ids if d})
    if not ids:
        return {}
    response = client.search(
        index=alias_name(settings),
        size=len(ids),
        query={"ids": {"values": ids}},
        source_includes=[F.TITLE, F.TEXT],
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    out: dict[str, str] = {}
    for hit in response.get("hits", {}).get("hits", []):
        source = hit.get("_source", {})
        text = opening(str(source.get(F.TITLE) or "").strip() or str(source.get(F.TEXT) or "").strip(), limit)
        out[hit["_id"]] = text or "(không có nội dung)"
    return out


def cluster_label(cluster_id: str, openings: dict[str, str], count: int | None = None) -> str:
    """«opening words…» (n bài); the id, shortened, when the cluster's posts are not found."""
    name = f"«{openings[cluster_id]}»" if cluster_id in openings else f"Cụm {opening(cluster_id, 14)}"
    return f"{name} ({count} bài)" if count is not None else name
