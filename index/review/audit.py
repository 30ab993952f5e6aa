"""The audit index ``{prefix}-audit``: one record per decision attempt, and per account change.

Records are chained (``index.audit_chain``): numbered, create-only, each with the hash of
the one before, so a deleted or edited record is detectable (``tinradar review audit
verify``). A record that cannot be written raises ``AuditWriteError``, and what it would
record must then not happen (``decide`` writes the record first).
"""

from __future__ import annotations

from typing import Any, Literal

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError
from pydantic import BaseModel, Field

from index import audit_chain
from index.doc import IndexTime, ReviewState
from index.review.models import DecisionOutcome, ReviewItem
from index.templates import ensure_single_index
from tinradar.schema import utc_now
from tinradar.settings import Settings

_STATE_MAPPING = {
    "properties": {
        "status": {"type": "keyword"},
        "by": {"type": "keyword"},
        "at": {"type": "date"},
        "note": {"type": "text"},
        "tone": {"properties": {"value": {"type": "keyword"}, "by": {"type": "keyword"}, "at": {"type": "date"}}},
        # the registry claims a reviewer read the item as repeating (ids: [] = none of them)
        "claims": {"properties": {"ids": {"type": "keyword"}, "by": {"type": "keyword"}, "at": {"type": "date"}}},
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
        # verdict (absent in older records) | account | claim
        "kind": {"type": "keyword"},
        # outcome "not_applied": the number of the record it takes back
        "ref_seq": {"type": "long"},
        # account changes: what was done to which account (never a password)
        "action": {"type": "keyword"},
        "account": {"type": "keyword"},
        "account_role": {"type": "keyword"},
        # claim registry changes (index.claims): which claim, and the claim after the change
        "claim_id": {"type": "keyword"},
        "snapshot": {"type": "object", "enabled": False},
        "note": {"type": "text"},
        **audit_chain.CHAIN_MAPPING,
    },
}


class AuditRecord(BaseModel):
    """Who asked for which verdict on which version, and what came of it.

    ``not_applied``: a record written before the verdict (as every one is) whose verdict
    then lost its race for the document; ``ref_seq`` is that record's number.
    """

    kind: Literal["verdict"] = "verdict"
    at: IndexTime
    by: str
    role: str
    doc_id: str
    index: str
    cluster_id: str | None = None
    scope: Literal["item", "cluster"]
    outcome: Literal["applied", "conflict", "not_applied"]
    seen_seq_no: int
    seen_primary_term: int
    before: ReviewState
    after: ReviewState
    current: ReviewState | None = None
    ref_seq: int | None = None
    # the chain (index.audit_chain); None only in records from before it
    seq: int | None = None
    prev_hash: str | None = None
    hash: str | None = None


class AccountRecord(BaseModel):
    """An account change (add, replace, remove) and who made it; never a password."""

    kind: Literal["account"] = "account"
    at: IndexTime
    by: str
    action: Literal["add", "replace", "remove"]
    account: str
    account_role: str | None = None


class ClaimChangeRecord(BaseModel):
    """A change to the claim registry (``index.claims``): who did what to which claim, and the claim after it."""

    kind: Literal["claim"] = "claim"
    at: IndexTime
    by: str
    action: str
    claim_id: str | list[str] = Field(description="one claim; a seeding lists every claim it wrote")
    snapshot: dict[str, Any]
    note: str | None = None
    seq: int | None = None
    prev_hash: str | None = None
    hash: str | None = None


def audit_index(settings: Settings) -> str:
    """The audit index: one record per decision attempt."""
    return f"{settings.es_index_prefix}-audit"


def ensure_audit_index(client: Elasticsearch, settings: Settings) -> None:
    """Create the audit template and index (idempotent)."""
    ensure_single_index(
        client,
        audit_index(settings),
        AUDIT_MAPPING,
        # Distinct from the docs template's 200 + len(prefix): equal priorities may not overlap.
        priority=150 + len(settings.es_index_prefix),
        meta={"owner": "tinradar-review", "description": "Every review decision attempt"},
    )


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
    not_applied: int | None = None,
) -> AuditRecord:
    """Chain one verdict record (``not_applied``: the number of an earlier record this one takes back)."""
    record = AuditRecord(
        at=after.at or utc_now(),
        by=by,
        role=role,
        doc_id=item.id,
        index=item.index,
        cluster_id=item.doc.cluster_id,
        scope=scope,
        outcome="not_applied" if not_applied else "applied" if outcome.applied else "conflict",
        seen_seq_no=seen[0],
        seen_primary_term=seen[1],
        before=item.review,
        after=after,
        current=outcome.current,
        ref_seq=not_applied,
    )
    return AuditRecord.model_validate(_append(client, settings, record.model_dump(mode="json", exclude_none=True)))


def record_account_change(
    client: Elasticsearch,
    settings: Settings,
    *,
    action: Literal["add", "replace", "remove"],
    account: str,
    account_role: str | None,
    by: str,
) -> AccountRecord:
    """Chain one account change by ``by``."""
    record = AccountRecord(at=utc_now(), by=by, action=action, account=account, account_role=account_role)
    return AccountRecord.model_validate(_append(client, settings, record.model_dump(mode="json", exclude_none=True)))


def record_claim_change(
    client: Elasticsearch,
    settings: Settings,
    *,
    action: str,
    claim_id: str | list[str],
    by: str,
    snapshot: dict[str, Any],
    note: str | None = None,
) -> ClaimChangeRecord:
    """Chain one claim-registry change (written before the change, like every record)."""
    record = ClaimChangeRecord(at=utc_now(), by=by, action=action, claim_id=claim_id, snapshot=snapshot, note=note)
    return ClaimChangeRecord.model_validate(
        _append(client, settings, record.model_dump(mode="json", exclude_none=True))
    )


def claim_history(client: Elasticsearch, settings: Settings, claim_id: str, size: int = 100) -> list[ClaimChangeRecord]:
    """Changes of one claim, oldest first."""
    response = client.search(
        index=audit_index(settings),
        ignore_unavailable=True,
        query={"bool": {"filter": [{"term": {"kind": "claim"}}, {"term": {"claim_id": claim_id}}]}},
        sort=[{"seq": {"order": "asc", "unmapped_type": "long"}}],
        size=size,
    )
    return [ClaimChangeRecord.model_validate(h["_source"]) for h in response["hits"]["hits"]]


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


def audit_trail(client: Elasticsearch, settings: Settings, doc_id: str, size: int = 50) -> list[AuditRecord]:
    """Audit records of one document, newest first."""
    response = client.search(
        index=audit_index(settings),
        ignore_unavailable=True,  # no audit index yet: no history (and no index-metadata privilege needed)
        query={"term": {"doc_id": doc_id}},
        sort=[{"at": {"order": "desc"}}, {"seq": {"order": "desc", "unmapped_type": "long"}}],
        size=size,
    )
    return [AuditRecord.model_validate(h["_source"]) for h in response["hits"]["hits"]]
