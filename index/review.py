"""Elasticsearch side of the review desk: queue, verdicts, audit trail, export.

Verdicts belong to people. They live in the ``review.*`` fields of an indexed document,
which the pipeline never writes, and every write here is *optimistic*: it carries the
``_seq_no``/``_primary_term`` the reviewer saw, so when two people decide on the same item
the second write fails with a conflict instead of silently replacing the first. Each
attempt (applied or refused) is also written to an audit index ``{prefix}-audit`` with
who, when, the state before and the state asked for.

It imports only the kernel and this package's own query builder (``index.search``), so the
queue filters exactly like analyst search.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any, Literal

from elasticsearch import ApiError, ConflictError, Elasticsearch, NotFoundError, TransportError
from pydantic import BaseModel, Field

from index import audit_chain
from index.docmap import SEARCH_ONLY_FIELDS
from index.search import SearchQuery, build_query, stats
from index.templates import alias_name
from tinradar.schema import ReviewStatus, RiskLevel, utc_now
from tinradar.settings import Settings

# --- field names of the docs index (owned by ``index.docmap``/``index.search``) ------------
F_RISK = "rumor_risk"
F_DATED = "dated_at"
F_CLUSTER = "cluster_id"
F_SOURCE = "source_id"
F_STATUS = "review.status"

#: Verdicts a reviewer can give (``new``/``in_review`` are states, not verdicts).
VERDICTS: tuple[ReviewStatus, ...] = (
    ReviewStatus.CONFIRMED_FALSE,
    ReviewStatus.MISLEADING,
    ReviewStatus.ACCURATE,
    ReviewStatus.IRRELEVANT,
)
#: States that keep an item in the queue.
OPEN_STATUSES: tuple[ReviewStatus, ...] = (ReviewStatus.NEW, ReviewStatus.IN_REVIEW)
#: Labels for retraining the rumor model: 1 = rumor-like, 0 = not; irrelevant is skipped.
EXPORT_LABELS: dict[str, int] = {
    ReviewStatus.CONFIRMED_FALSE.value: 1,
    ReviewStatus.MISLEADING.value: 1,
    ReviewStatus.ACCURATE.value: 0,
}
#: Where "uncertain first" centres: a calibrated classifier is least sure at 0.5.
UNCERTAIN_PIVOT = 0.5
MAX_CLUSTER = 500


def audit_index(settings: Settings) -> str:
    """The audit index: one record per decision attempt."""
    return f"{settings.es_index_prefix}-audit"


# --- models ----------------------------------------------------------------------------


class ReviewState(BaseModel):
    """The ``review.*`` fields of a document; an absent status means ``new``."""

    status: ReviewStatus = ReviewStatus.NEW
    by: str | None = None
    at: datetime | None = None
    note: str | None = None

    @classmethod
    def from_source(cls, source: dict[str, Any]) -> ReviewState:
        raw = source.get("review") or {}
        return cls.model_validate({k: v for k, v in raw.items() if k in cls.model_fields and v is not None})

    @property
    def decided(self) -> bool:
        return self.status in VERDICTS


class ReviewItem(BaseModel):
    """One document as a reviewer sees it, with the version needed to write back."""

    id: str
    index: str
    seq_no: int
    primary_term: int
    source: dict[str, Any]
    review: ReviewState


class QueueFilters(BaseModel):
    """What the queue page asks for. Empty strings mean "no filter"."""

    day: date | None = None
    source: str | None = None
    province: str | None = None
    claim: str | None = None
    cluster: str | None = None
    status: str = Field(default="open", description="open | all | one ReviewStatus value")
    mode: Literal["risk", "uncertain"] = "risk"
    page: int = Field(default=1, ge=1)
    per_page: int = Field(default=25, ge=1, le=200)


class QueuePage(BaseModel):
    total: int
    items: list[ReviewItem]
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


class DecisionOutcome(BaseModel):
    """What happened to one write: applied, or refused because someone wrote first."""

    doc_id: str
    applied: bool
    conflict: bool = False
    before: ReviewState | None = None
    current: ReviewState | None = None
    seq_no: int | None = None
    primary_term: int | None = None


class ClusterOutcome(BaseModel):
    cluster_id: str
    applied: list[str] = Field(default_factory=list)
    already_decided: list[str] = Field(default_factory=list)
    conflicts: list[str] = Field(default_factory=list)


# --- queue -------------------------------------------------------------------------------


def search_query(filters: QueueFilters, *, limit: int = 0, offset: int = 0) -> SearchQuery:
    """The analyst-search query behind the queue: flagged (medium or high) items plus the filters."""
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
        risk_min=RiskLevel.MEDIUM,
        limit=limit,
        offset=offset,
    )


def queue_query(filters: QueueFilters, settings: Settings) -> dict[str, Any]:
    """Elasticsearch query of the queue (the same query builder as analyst search)."""
    return build_query(search_query(filters), settings)


def queue_sort(mode: str) -> list[Any]:
    """Highest risk first; in "uncertain" mode the score (see ``queue_body``) decides."""
    newest = {F_DATED: {"order": "desc", "missing": "_last", "unmapped_type": "date"}}
    if mode == "uncertain":
        return ["_score", {F_RISK: {"order": "desc", "unmapped_type": "float"}}, newest]
    return [{F_RISK: {"order": "desc", "unmapped_type": "float"}}, newest]


def queue_body_query(filters: QueueFilters, settings: Settings, pivot: float = UNCERTAIN_PIVOT) -> dict[str, Any]:
    """The queue's query; "uncertain" mode scores by closeness of the risk to ``pivot``.

    A linear decay on ``rumor_risk`` (core Elasticsearch, no scripting module needed, so
    it also runs on the minimal test node) gives 1.0 at the pivot, falling with distance.
    """
    query = queue_query(filters, settings)
    if filters.mode != "uncertain":
        return query
    decay = {"linear": {F_RISK: {"origin": pivot, "scale": 1.0, "decay": 0.5}}}
    return {"function_score": {"query": query, "functions": [decay], "boost_mode": "replace", "score_mode": "max"}}


def _item_from_hit(hit: dict[str, Any]) -> ReviewItem:
    source = hit.get("_source") or {}
    return ReviewItem(
        id=hit["_id"],
        index=hit["_index"],
        seq_no=hit.get("_seq_no", -1),
        primary_term=hit.get("_primary_term", 0),
        source=source,
        review=ReviewState.from_source(source),
    )


def queue(client: Elasticsearch, settings: Settings, filters: QueueFilters) -> QueuePage:
    """One page of the review queue."""
    response = client.search(
        index=alias_name(settings),
        query=queue_body_query(filters, settings),
        sort=queue_sort(filters.mode),
        from_=(filters.page - 1) * filters.per_page,
        size=filters.per_page,
        seq_no_primary_term=True,
        track_total_hits=True,
        source_excludes=list(SEARCH_ONLY_FIELDS),
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    hits = response["hits"]
    items = [_item_from_hit(h) for h in hits["hits"]]
    return QueuePage(total=hits["total"]["value"], items=items, page=filters.page, per_page=filters.per_page)


def queue_facets(client: Elasticsearch, settings: Settings, size: int = 50) -> dict[str, list[tuple[str, int]]]:
    """Values that the queue's filter menus offer (over all flagged items), most frequent first."""
    counts = stats(client, settings, search_query(QueueFilters(status="all")), top=size)
    return {
        "source": list(counts.by_source.items()),
        "province": list(counts.by_province.items()),
        "claim": list(counts.by_claim.items()),
        "cluster": [(k, v) for k, v in counts.by_cluster.items() if v > 1],
    }


# --- reading one item ----------------------------------------------------------------------


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
    return _item_from_hit(doc.body)


def cluster_members(
    client: Elasticsearch, settings: Settings, cluster_id: str, *, exclude: str | None = None, size: int = 20
) -> list[ReviewItem]:
    """Other posts of the same near-duplicate cluster, riskiest first."""
    query: dict[str, Any] = {"bool": {"filter": [{"term": {F_CLUSTER: cluster_id}}]}}
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
    return [_item_from_hit(h) for h in response["hits"]["hits"]]


# --- writing verdicts ------------------------------------------------------------------------


def decide(
    client: Elasticsearch,
    settings: Settings,
    doc_id: str,
    *,
    status: ReviewStatus,
    note: str,
    by: str,
    role: str = "reviewer",
    seq_no: int,
    primary_term: int,
    scope: str = "item",
) -> DecisionOutcome:
    """Write a verdict (or ``in_review``: "I am on it") if the document is still at the version the reviewer saw.

    On a version mismatch nothing is written to the document; the outcome carries the
    current decision so the UI can show it. Both cases are audited.
    """
    if status not in (*VERDICTS, ReviewStatus.IN_REVIEW):
        raise ValueError(f"not a verdict: {status}")
    item = get_item(client, settings, doc_id)
    if item is None:
        raise LookupError(doc_id)
    after = ReviewState(status=status, by=by, at=utc_now(), note=note.strip() or None)
    audit = {"by": by, "role": role, "seen": (seq_no, primary_term), "scope": scope}
    if (item.seq_no, item.primary_term) != (seq_no, primary_term):
        outcome = DecisionOutcome(doc_id=doc_id, applied=False, conflict=True, before=item.review, current=item.review)
        _audit(client, settings, item, after, outcome, **audit)
        return outcome
    # The record first: if it cannot be written, neither is the verdict (no verdict without its record).
    planned = DecisionOutcome(doc_id=doc_id, applied=True, before=item.review, current=after)
    record = _audit(client, settings, item, after, planned, **audit)
    try:
        outcome = _write(client, settings, item, after)
    except Exception:
        with contextlib.suppress(Exception):  # the write's own error is the one to report
            _audit(client, settings, item, after, planned, **audit, not_applied=record["seq"])
        raise
    if not outcome.applied:  # someone wrote between our read and our write: say the record did not happen
        _audit(client, settings, item, after, outcome, **audit, not_applied=record["seq"])
    return outcome


def _write(client: Elasticsearch, settings: Settings, item: ReviewItem, after: ReviewState) -> DecisionOutcome:
    body = {"review": after.model_dump(mode="json")}
    try:
        resp = client.update(
            index=item.index,
            id=item.id,
            doc=body,
            if_seq_no=item.seq_no,
            if_primary_term=item.primary_term,
            # Decisions come at human pace: refresh now so the queue drops the item at once.
            refresh=True,
        )
    except ConflictError:
        latest = get_item(client, settings, item.id)
        current = latest.review if latest else None
        return DecisionOutcome(doc_id=item.id, applied=False, conflict=True, before=item.review, current=current)
    return DecisionOutcome(
        doc_id=item.id,
        applied=True,
        before=item.review,
        current=after,
        seq_no=resp["_seq_no"],
        primary_term=resp["_primary_term"],
    )


def decide_cluster(
    client: Elasticsearch,
    settings: Settings,
    cluster_id: str,
    *,
    status: ReviewStatus,
    note: str,
    by: str,
    role: str = "reviewer",
    exclude: str | None = None,
) -> ClusterOutcome:
    """Apply one verdict to every still-open post of a cluster.

    Posts someone already decided, or a colleague is reviewing, are kept as they are
    (listed in ``already_decided``, not overwritten); each
    write is conditional on the version read just before it, like a single decision.
    """
    result = ClusterOutcome(cluster_id=cluster_id)
    for member in cluster_members(client, settings, cluster_id, exclude=exclude, size=MAX_CLUSTER):
        taken = member.review.status is ReviewStatus.IN_REVIEW and member.review.by != by
        if member.review.decided or taken:
            result.already_decided.append(member.id)
            continue
        outcome = decide(
            client,
            settings,
            member.id,
            status=status,
            note=note,
            by=by,
            role=role,
            seq_no=member.seq_no,
            primary_term=member.primary_term,
            scope="cluster",
        )
        (result.applied if outcome.applied else result.conflicts).append(member.id)
    return result


# --- audit -------------------------------------------------------------------------------------

_STATE_MAPPING = {
    "properties": {
        "status": {"type": "keyword"},
        "by": {"type": "keyword"},
        "at": {"type": "date"},
        "note": {"type": "text"},
    }
}
AUDIT_MAPPING: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "at": {"type": "date"},
        "by": {"type": "keyword"},
        "role": {"type": "keyword"},
        "doc_id": {"type": "keyword"},
        "index": {"type": "keyword"},
        "cluster_id": {"type": "keyword"},
        "scope": {"type": "keyword"},
        "outcome": {"type": "keyword"},
        "seen_seq_no": {"type": "long"},
        "seen_primary_term": {"type": "long"},
        "before": _STATE_MAPPING,
        "after": _STATE_MAPPING,
        "current": _STATE_MAPPING,
        # verdict (absent in older records) | account
        "kind": {"type": "keyword"},
        # outcome "not_applied": the number of the record it takes back
        "ref_seq": {"type": "long"},
        # account changes: what was done to which account (never a password)
        "action": {"type": "keyword"},
        "account": {"type": "keyword"},
        "account_role": {"type": "keyword"},
        **audit_chain.CHAIN_MAPPING,
    },
}


def ensure_audit_index(client: Elasticsearch, settings: Settings) -> None:
    """Create the audit template and index (idempotent)."""
    name = audit_index(settings)
    client.indices.put_index_template(
        name=name,
        index_patterns=[name],
        # Distinct from the docs template's 200 + len(prefix): equal priorities may not overlap.
        priority=150 + len(settings.es_index_prefix),
        template={"settings": {"number_of_shards": 1, "auto_expand_replicas": "0-1"}, "mappings": AUDIT_MAPPING},
        meta={"owner": "tinradar-review", "description": "Every review decision attempt"},
    )
    if not client.indices.exists(index=name):
        try:
            client.indices.create(index=name)
        except Exception as exc:  # a concurrent creator won the race
            if "resource_already_exists" not in str(exc):
                raise
    client.indices.put_mapping(index=name, properties=AUDIT_MAPPING["properties"])  # an older index gains new fields


def _audit(
    client: Elasticsearch,
    settings: Settings,
    item: ReviewItem,
    after: ReviewState,
    outcome: DecisionOutcome,
    *,
    by: str,
    role: str,
    seen: tuple[int, int],
    scope: str,
    not_applied: int | None = None,
) -> dict[str, Any]:
    """Chain one verdict record (``not_applied``: the number of an earlier record this one takes back)."""
    record = {
        "kind": "verdict",
        "at": after.at.isoformat() if after.at else utc_now().isoformat(),
        "by": by,
        "role": role,
        "doc_id": item.id,
        "index": item.index,
        "cluster_id": item.source.get(F_CLUSTER),
        "scope": scope,
        "outcome": "not_applied" if not_applied else "applied" if outcome.applied else "conflict",
        "seen_seq_no": seen[0],
        "seen_primary_term": seen[1],
        "before": item.review.model_dump(mode="json"),
        "after": after.model_dump(mode="json"),
        "current": outcome.current.model_dump(mode="json") if outcome.current else None,
    }
    if not_applied:
        record["ref_seq"] = not_applied
    return _append(client, settings, record)


def record_account_change(
    client: Elasticsearch, settings: Settings, *, action: str, account: str, account_role: str | None, by: str
) -> dict[str, Any]:
    """Chain one account change (add, replace, remove) by ``by``; never a password."""
    record = {"kind": "account", "at": utc_now().isoformat(), "by": by, "action": action, "account": account}
    if account_role:
        record["account_role"] = account_role
    return _append(client, settings, record)


def _append(client: Elasticsearch, settings: Settings, record: dict[str, Any]) -> dict[str, Any]:
    """Chain a record; any failure is an ``AuditWriteError`` (and what it records must not happen)."""
    try:
        try:
            return audit_chain.append(client, audit_index(settings), record)
        except NotFoundError:  # no audit index yet (a fresh development node): make it, once
            ensure_audit_index(client, settings)
            return audit_chain.append(client, audit_index(settings), record)
    except (ApiError, TransportError) as exc:
        raise audit_chain.AuditWriteError(f"audit record not written: {exc}") from exc


def audit_trail(client: Elasticsearch, settings: Settings, doc_id: str, size: int = 50) -> list[dict[str, Any]]:
    """Audit records of one document, newest first."""
    response = client.search(
        index=audit_index(settings),
        ignore_unavailable=True,  # no audit index yet: no history (and no index-metadata privilege needed)
        query={"term": {"doc_id": doc_id}},
        sort=[{"at": {"order": "desc"}}, {"seq": {"order": "desc", "unmapped_type": "long"}}],
        size=size,
    )
    return [h["_source"] for h in response["hits"]["hits"]]


# --- export for retraining -----------------------------------------------------------------------


def export_decisions(client: Elasticsearch, settings: Settings) -> Iterator[dict[str, Any]]:
    """Labelled examples from the board's verdicts, for ``tinradar train rumor --with-reviews``.

    One dict per decided document: ``id``, ``text`` (title and body as the NLP stage reads
    them), ``label`` (1 = confirmed false or misleading, 0 = accurate), ``status``,
    ``reviewed_at``, ``source_id``, ``kind``. Irrelevant items say nothing about rumor
    risk and are skipped. Ordered by id so that exports are reproducible.
    """
    from elasticsearch.helpers import scan

    hits = scan(
        client,
        index=alias_name(settings),
        query={"query": {"terms": {F_STATUS: sorted(EXPORT_LABELS)}}},
        _source=["title", "text", "review", F_SOURCE, "kind"],
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    rows = []
    for hit in hits:
        src = hit.get("_source") or {}
        state = ReviewState.from_source(src)
        title, body = (src.get("title") or "").strip(), (src.get("text") or "").strip()
        text = f"{title}\n\n{body}".strip() if title else body
        if not text:
            continue
        rows.append(
            {
                "id": hit["_id"],
                "text": text,
                "label": EXPORT_LABELS[state.status.value],
                "status": state.status.value,
                "reviewed_at": state.at.isoformat() if state.at else None,
                "source_id": src.get(F_SOURCE),
                "kind": src.get("kind"),
            }
        )
    rows.sort(key=lambda r: r["id"])
    yield from rows
