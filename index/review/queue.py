"""Reading for the desk: the queue (the analysts' query builder plus "flagged"), one item, a cluster."""

from __future__ import annotations

from typing import Any

from elasticsearch import Elasticsearch, NotFoundError

from index import doc as F
from index.doc import SEARCH_ONLY_FIELDS, IndexDoc
from index.narratives import unlisted_filter
from index.review.models import (
    OPEN_STATUSES,
    QUEUE_RISK_MIN,
    UNCERTAIN_PIVOT,
    QueueFilters,
    QueuePage,
    ReviewItem,
)
from index.search import SearchQuery, build_query, stats
from index.templates import alias_name
from tinradar.schema import ReviewStatus
from tinradar.settings import Settings


def search_query(filters: QueueFilters, *, limit: int = 0, offset: int = 0) -> SearchQuery:
    """The analyst-search query behind the queue: flagged (``QUEUE_RISK_MIN`` and up) items plus the filters."""
    if filters.status == "all":
        statuses: list[ReviewStatus] = []
    elif filters.status == "open":
        statuses = list(OPEN_STATUSES)
    else:
        statuses = [ReviewStatus(filters.status)]
    return SearchQuery(
        since=filters.day,
        until=filters.day,
        sources=[filters.source] if filters.source else [],
        provinces=[filters.province] if filters.province else [],
        claims=[filters.claim] if filters.claim else [],
        clusters=[filters.cluster] if filters.cluster else [],
        statuses=statuses,
        risk_min=QUEUE_RISK_MIN,
        limit=limit,
        offset=offset,
    )


def desk_filters(filters: QueueFilters) -> list[dict[str, Any]]:
    """The desk's own filters, beside the analyst-search ones: "not in the registry", one risk
    level, one stance. A stance is the one stored with the match (what the row's tag shows): a
    document written before stances were stored has none, so no stance filter holds it."""
    out: list[dict[str, Any]] = []
    if filters.unlisted:  # "chưa có trong danh mục": reposts of a rumor nobody has written down yet
        out += unlisted_filter()
    if filters.risk is not None:
        out.append({"term": {F.RISK_LEVEL: filters.risk.value}})
    if filters.stance is not None:
        out.append({"term": {F.CLAIM_STANCE: filters.stance.value}})
    return out


def queue_query(filters: QueueFilters, settings: Settings) -> dict[str, Any]:
    """Elasticsearch query of the queue (the same query builder as analyst search, and ``desk_filters``)."""
    query = build_query(search_query(filters), settings)
    extra = desk_filters(filters)
    if extra:
        return {"bool": {"must": [query], "filter": extra}}
    return query


def queue_sort(mode: str) -> list[Any]:
    """Highest risk first; in "uncertain" mode the score (see ``queue_body_query``) decides."""
    newest = {F.DATED_AT: {"order": "desc", "missing": "_last", "unmapped_type": "date"}}
    if mode == "uncertain":
        return ["_score", {F.RUMOR_RISK: {"order": "desc", "unmapped_type": "float"}}, newest]
    return [{F.RUMOR_RISK: {"order": "desc", "unmapped_type": "float"}}, newest]


def queue_body_query(filters: QueueFilters, settings: Settings, pivot: float = UNCERTAIN_PIVOT) -> dict[str, Any]:
    """The queue's query; "uncertain" mode scores by closeness of the risk to ``pivot``.

    A linear decay on ``rumor_risk`` (core Elasticsearch, no scripting module needed, so
    it also runs on the minimal test node) gives 1.0 at the pivot, falling with distance.
    """
    query = queue_query(filters, settings)
    if filters.mode != "uncertain":
        return query
    decay = {"linear": {F.RUMOR_RISK: {"origin": pivot, "scale": 1.0, "decay": 0.5}}}
    return {"function_score": {"query": query, "functions": [decay], "boost_mode": "replace", "score_mode": "max"}}


def item_from_hit(hit: dict[str, Any]) -> ReviewItem:
    """A search hit or a GET answer (with ``_seq_no``/``_primary_term``) as a ``ReviewItem``."""
    return ReviewItem(
        id=hit["_id"],
        index=hit["_index"],
        seq_no=hit.get("_seq_no", -1),
        primary_term=hit.get("_primary_term", 0),
        doc=IndexDoc.model_validate(hit["_source"]),
    )


def queue(client: Elasticsearch, settings: Settings, filters: QueueFilters) -> QueuePage:
    """One page of the review queue (a page past ``deepest_page`` is that page: never a 400)."""
    page = min(filters.page, filters.deepest_page)
    response = client.search(
        index=alias_name(settings),
        query=queue_body_query(filters, settings),
        sort=queue_sort(filters.mode),
        from_=(page - 1) * filters.per_page,
        size=filters.per_page,
        seq_no_primary_term=True,
        track_total_hits=True,
        source_excludes=list(SEARCH_ONLY_FIELDS),
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    hits = response["hits"]
    items = [item_from_hit(h) for h in hits["hits"]]
    return QueuePage(total=hits["total"]["value"], items=items, page=page, per_page=filters.per_page)


def queue_facets(client: Elasticsearch, settings: Settings, size: int = 50) -> dict[str, list[tuple[str, int]]]:
    """Values that the queue's filter menus offer (over all flagged items), most frequent first."""
    counts = stats(client, settings, search_query(QueueFilters(status="all")), top=size)
    return {
        "source": list(counts.by_source.items()),
        "province": list(counts.by_province.items()),
        # every item that mentions the claim, corrections too (the rows tag the stance), not spread_by_claim
        "claim": list(counts.by_claim.items()),
        "cluster": [(k, v) for k, v in counts.by_cluster.items() if v > 1],
    }


def get_item(client: Elasticsearch, settings: Settings, doc_id: str) -> ReviewItem | None:
    """Read one document with its current ``_seq_no``/``_primary_term``.

    The alias spans monthly indices, so a search finds which index holds the id; a
    realtime GET on that index then returns the latest version even before a refresh.
    """
    found = client.search(
        index=alias_name(settings),
        query={"ids": {"values": [doc_id]}},
        size=1,
        source=False,
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    hits = found["hits"]["hits"]
    if not hits:
        return None
    try:
        doc = client.get(index=hits[0]["_index"], id=doc_id, source_excludes=list(SEARCH_ONLY_FIELDS))
    except NotFoundError:
        return None
    return item_from_hit(doc.body)


def cluster_members(
    client: Elasticsearch, settings: Settings, cluster_id: str, *, exclude: str | None = None, size: int = 20
) -> list[ReviewItem]:
    """Other posts of the same near-duplicate cluster, riskiest first."""
    query: dict[str, Any] = {"bool": {"filter": [{"term": {F.CLUSTER_ID: cluster_id}}]}}
    if exclude:
        query["bool"]["must_not"] = [{"ids": {"values": [exclude]}}]
    response = client.search(
        index=alias_name(settings),
        query=query,
        sort=queue_sort("risk"),
        size=size,
        seq_no_primary_term=True,
        source_excludes=list(SEARCH_ONLY_FIELDS),
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    return [item_from_hit(h) for h in response["hits"]["hits"]]
