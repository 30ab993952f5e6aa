"""The audit index ``{prefix}-audit``: one record per decision attempt, applied or refused."""

from __future__ import annotations

from typing import Any, Literal

from elasticsearch import Elasticsearch
from pydantic import BaseModel

from index.doc import IndexTime, ReviewState
from index.review.models import DecisionOutcome, ReviewItem
from index.templates import create_index_once
from tinradar.schema import utc_now
from tinradar.settings import Settings

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
    },
}


class AuditRecord(BaseModel):
    """Who asked for which verdict on which version, and what came of it."""

    at: IndexTime
    by: str
    role: str
    doc_id: str
    index: str
    cluster_id: str | None = None
    scope: Literal["item", "cluster"]
    outcome: Literal["applied", "conflict"]
    seen_seq_no: int
    seen_primary_term: int
    before: ReviewState
    after: ReviewState
    current: ReviewState | None = None


def audit_index(settings: Settings) -> str:
    """The audit index: one record per decision attempt."""
    return f"{settings.es_index_prefix}-audit"


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
    create_index_once(client, name)


def record_attempt(
    client: Elasticsearch,
    settings: Settings,
    item: ReviewItem,
    after: ReviewState,
    outcome: DecisionOutcome,
    *,
    by: str,
    role: str,
    seen: tuple[int, int],
    scope: Literal["item", "cluster"],
) -> AuditRecord:
    """Write one audit record (refreshed at once: the item page shows it next)."""
    record = AuditRecord(
        at=after.at or utc_now(),
        by=by,
        role=role,
        doc_id=item.id,
        index=item.index,
        cluster_id=item.doc.cluster_id,
        scope=scope,
        outcome="applied" if outcome.applied else "conflict",
        seen_seq_no=seen[0],
        seen_primary_term=seen[1],
        before=item.review,
        after=after,
        current=outcome.current,
    )
    if not client.indices.exists(index=audit_index(settings)):
        ensure_audit_index(client, settings)
    client.index(index=audit_index(settings), document=record.model_dump(mode="json"), refresh=True)
    return record


def audit_trail(client: Elasticsearch, settings: Settings, doc_id: str, size: int = 50) -> list[AuditRecord]:
    """Audit records of one document, newest first."""
    name = audit_index(settings)
    if not client.indices.exists(index=name):
        return []
    response = client.search(
        index=name, query={"term": {"doc_id": doc_id}}, sort=[{"at": {"order": "desc"}}], size=size
    )
    return [AuditRecord.model_validate(h["_source"]) for h in response["hits"]["hits"]]
