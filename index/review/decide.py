"""Writing verdicts: optimistic, so two reviewers on one item never overwrite each other.

Every write carries the ``_seq_no``/``_primary_term`` the reviewer saw; when someone wrote
in between, the second write fails with a conflict instead of silently replacing the
first. Each attempt, applied or refused, is audited (``index.review.audit``), before the
write: a verdict whose record cannot be written is not written either. A tone
(``record_tone``) and a claim reading (``record_claims``) are written the same way.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection
from typing import Literal

from elasticsearch import ConflictError, Elasticsearch

from index.doc import REVIEW, VERDICTS, ReviewClaims, ReviewState, ReviewTone
from index.review.audit import record_attempt
from index.review.models import MAX_CLUSTER, ClusterOutcome, DecisionOutcome, ReviewItem
from index.review.queue import cluster_members, get_item
from tinradar.schema import ReviewStatus, Sentiment, utc_now
from tinradar.settings import Settings


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
    scope: Literal["item", "cluster"] = "item",
    tone: Sentiment | None = None,
) -> DecisionOutcome:
    """Write a verdict (or ``in_review``: "I am on it") if the document is still at the version the reviewer saw.

    On a version mismatch nothing is written to the document; the outcome carries the
    current decision so the UI can show it. Both cases are audited, a verdict *before* it
    is written: no record, no verdict. ``tone`` (optional) is recorded with the verdict;
    without it, a tone recorded earlier is kept, whoever gave it. A claim reading
    (``record_claims``) is always kept: a verdict says nothing about which claims.
    """
    if status not in (*VERDICTS, ReviewStatus.IN_REVIEW):
        raise ValueError(f"not a verdict: {status}")
    item = get_item(client, settings, doc_id)
    if item is None:
        raise LookupError(doc_id)
    now = utc_now()
    kept = ReviewTone(value=tone, by=by, at=now) if tone is not None else item.review.tone
    after = ReviewState(status=status, by=by, at=now, note=note.strip() or None, tone=kept, claims=item.review.claims)
    return _apply(client, settings, item, after, by=by, role=role, seen=(seq_no, primary_term), scope=scope)


def record_tone(
    client: Elasticsearch,
    settings: Settings,
    doc_id: str,
    *,
    tone: Sentiment,
    by: str,
    role: str = "reviewer",
    seq_no: int,
    primary_term: int,
) -> DecisionOutcome:
    """Record the author's tone on its own, leaving the verdict (status, who, when, note) as it is.

    The same rules as a verdict: written only at the version the reviewer saw, and only
    after its audit record. Only this item: near-copies in a cluster may differ in tone.
    """
    item = get_item(client, settings, doc_id)
    if item is None:
        raise LookupError(doc_id)
    after = item.review.model_copy(update={"tone": ReviewTone(value=tone, by=by, at=utc_now())})
    return _apply(client, settings, item, after, by=by, role=role, seen=(seq_no, primary_term), scope="item")


class UnknownClaims(ValueError):
    """Claim ids that are not approved (active) claims of the registry; nothing was written."""

    def __init__(self, ids: list[str]) -> None:
        self.ids = ids
        super().__init__(f"not approved claims of the registry: {', '.join(ids)}")


def approved_claim_ids(client: Elasticsearch, settings: Settings) -> set[str]:
    """Ids of the registry's approved (active) claims: the only ones a reading may name."""
    # index.claims chains its changes through index.review.audit: imported here, not at the top,
    # so that importing either package first works.
    from index.claims import active_claims

    return {claim.id for claim in active_claims(client, settings)}


def record_claims(
    client: Elasticsearch,
    settings: Settings,
    doc_id: str,
    *,
    ids: Collection[str],
    by: str,
    role: str = "reviewer",
    seq_no: int,
    primary_term: int,
) -> DecisionOutcome:
    """Record which registry claims the item repeats (``ids``; empty: none of them), leaving the rest as it is.

    Every id must be an approved claim of the registry (``UnknownClaims`` otherwise, and
    nothing is written, not even a record: such a request names no reading to audit). Then
    the same rules as a verdict: written only at the version the reviewer saw, and only
    after its audit record. Only this item: near-copies in a cluster may repeat other claims.
    """
    if isinstance(ids, str):  # a str is a Collection[str] of its letters
        raise TypeError("ids: a collection of claim ids, not one string")
    item = get_item(client, settings, doc_id)
    if item is None:
        raise LookupError(doc_id)
    unknown = sorted(set(ids) - approved_claim_ids(client, settings))
    if unknown:
        raise UnknownClaims(unknown)
    reading = ReviewClaims(ids=list(ids), by=by, at=utc_now())
    after = item.review.model_copy(update={"claims": reading})
    return _apply(client, settings, item, after, by=by, role=role, seen=(seq_no, primary_term), scope="item")


def _apply(
    client: Elasticsearch,
    settings: Settings,
    item: ReviewItem,
    after: ReviewState,
    *,
    by: str,
    role: str,
    seen: tuple[int, int],
    scope: Literal["item", "cluster"],
) -> DecisionOutcome:
    """Audit, then write ``after`` as the item's review state, if it is still at version ``seen``."""
    if (item.seq_no, item.primary_term) != seen:
        outcome = DecisionOutcome(doc_id=item.id, applied=False, conflict=True, before=item.review, current=item.review)
        record_attempt(client, settings, item, after, outcome, by=by, role=role, seen=seen, scope=scope)
        return outcome
    # The record first: if it cannot be written (AuditWriteError), neither is the verdict.
    planned = DecisionOutcome(doc_id=item.id, applied=True, before=item.review, current=after)
    record = record_attempt(client, settings, item, after, planned, by=by, role=role, seen=seen, scope=scope)
    try:
        outcome = _write(client, settings, item, after)
    except Exception:
        with contextlib.suppress(Exception):  # the write's own error is the one to report
            record_attempt(
                client, settings, item, after, planned, by=by, role=role, seen=seen, scope=scope, not_applied=record.seq
            )
        raise
    if not outcome.applied:  # someone wrote between our read and our write: the record did not happen
        record_attempt(
            client, settings, item, after, outcome, by=by, role=role, seen=seen, scope=scope, not_applied=record.seq
        )
    return outcome


def _write(client: Elasticsearch, settings: Settings, item: ReviewItem, after: ReviewState) -> DecisionOutcome:
    body = {REVIEW: after.model_dump(mode="json")}
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
    (listed in ``already_decided``, not overwritten); each write is conditional on the
    version read just before it, like a single decision.
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
