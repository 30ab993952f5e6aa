"""Elasticsearch side of the review desk: queue, verdicts, audit trail, export.

Verdicts belong to people. They live in the ``review.*`` fields of an indexed document,
which the pipeline never writes; every write is *optimistic* (see ``decide``) and every
attempt is audited (``audit``). One module per job:

* ``models`` — what the desk reads and sends (filters, pages, items with their version);
* ``queue`` — the queue, one item, a cluster (the analysts' query builder, ``index.search``);
* ``decide`` — optimistic writes (a verdict, a tone, a claim reading), for one item or a whole cluster;
* ``audit`` — the audit index ``{prefix}-audit`` (chained: ``index.audit_chain``);
* ``export`` — verdicts, tones and claim readings as labelled rows for retraining.

The names below are the desk's API (``from index import review as store``).
"""

from __future__ import annotations

from index.doc import VERDICTS, ReviewClaims, ReviewState, ReviewTone
from index.review.audit import (
    AccountRecord,
    AuditRecord,
    ClaimChangeRecord,
    audit_index,
    audit_trail,
    claim_history,
    ensure_audit_index,
    record_account_change,
    record_claim_change,
)
from index.review.decide import UnknownClaims, approved_claim_ids, decide, decide_cluster, record_claims, record_tone
from index.review.export import ReviewExportRow, export_decisions
from index.review.models import (
    QUEUE_RISK_LEVELS,
    ClusterOutcome,
    DecisionOutcome,
    QueueFilters,
    QueuePage,
    ReviewItem,
)
from index.review.queue import cluster_members, get_item, queue, queue_facets

__all__ = [
    "QUEUE_RISK_LEVELS",
    "VERDICTS",
    "AccountRecord",
    "AuditRecord",
    "ClaimChangeRecord",
    "ClusterOutcome",
    "DecisionOutcome",
    "QueueFilters",
    "QueuePage",
    "ReviewClaims",
    "ReviewExportRow",
    "ReviewItem",
    "ReviewState",
    "ReviewTone",
    "UnknownClaims",
    "approved_claim_ids",
    "audit_index",
    "audit_trail",
    "claim_history",
    "cluster_members",
    "decide",
    "decide_cluster",
    "ensure_audit_index",
    "export_decisions",
    "get_item",
    "queue",
    "queue_facets",
    "record_account_change",
    "record_claim_change",
    "record_claims",
    "record_tone",
]
