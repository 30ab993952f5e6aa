"""Wiring of the claim registry: which claims a run matches, and where they come from.

``nlp`` never reads the index and ``index`` never imports ``nlp``: the flows read the
registry from Elasticsearch (``index.claims``) at the start of a run and hand the typed
``Claim`` records to the analyser, so every worker of a distributed run matches the same
claims and a change made today is picked up by the next run without a release.

When no node answers, the run matches the shipped YAML (``nlp/claims.yaml``) and says so;
otherwise the YAML is seeded into the index first (idempotently: a no-op unless a release
brought new or changed seed claims), so the index and the analyser agree from the first run on.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from tinradar.schema import Claim
from tinradar.settings import Settings

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

    from index.claimreview import ImportPlan
    from index.claims import RegistryClaim

log = logging.getLogger(__name__)


class RunClaims(BaseModel):
    """The registry a run matches against, where it came from, and why (when it is the fallback)."""

    claims: list[Claim] = Field(default_factory=list)
    origin: Literal["index", "file"]
    note: str | None = None


def claim_name(claim_id: str, text: str | None) -> str:
    """«text» (id): how a message names a claim (a reviewer reads the claim, the id tells two alike
    apart, an analyst greps it); an id the registry does not hold is shown as it is. One rule for the
    desk's messages (``flows.review.presentation``) and the CLI's summaries (``tinradar demo``)."""
    return f"«{text}» ({claim_id})" if text else f"«{claim_id}»"


def shipped_claims(settings: Settings) -> list[Claim]:
    """The YAML registry shipped with TinRadar (the seed)."""
    from nlp.claims import load_claims

    return load_claims(settings.claims_file)


def run_claims(settings: Settings) -> RunClaims:
    """The registry's active claims, read from the index (seeded from the YAML when empty), else the YAML."""
    from elasticsearch import ApiError, TransportError

    from index.claims import ClaimStatus, active_claims, all_claims, seed
    from index.client import ElasticsearchUnavailable, connect

    try:
        client = connect(settings)
    except ElasticsearchUnavailable as exc:
        return RunClaims(
            claims=shipped_claims(settings),
            origin="file",
            note=f"Danh mục tin đồn: Elasticsearch không trả lời, dùng {settings.claims_file.name} ({exc})",
        )
    try:
        note = None
        try:  # a release that ships new claims brings them in; a no-op when nothing changed
            seed(client, settings, shipped_claims(settings))
        except (ApiError, TransportError, ValueError) as exc:  # e.g. an identity that may only read
            note = f"Danh mục tin đồn: chưa nạp được {settings.claims_file.name} vào chỉ mục ({exc})"
        claims = active_claims(client, settings)
        if not claims and not all_claims(client, settings):
            raise ValueError("the registry index is empty")
        if not claims:
            return RunClaims(
                claims=[],
                origin="index",
                note=f"Danh mục tin đồn không có tin đồn nào ở trạng thái '{ClaimStatus.ACTIVE.value}'",
            )
        return RunClaims(claims=claims, origin="index", note=note)
    except (ApiError, TransportError, ValueError) as exc:
        log.warning("claim registry not read from the index: %s", exc)
        return RunClaims(
            claims=shipped_claims(settings),
            origin="file",
            note=f"Danh mục tin đồn: không đọc được từ chỉ mục, dùng {settings.claims_file.name} ({exc})",
        )
    finally:
        client.close()


def export_claimreview(client: Elasticsearch, settings: Settings) -> tuple[dict[str, Any], int]:
    """The registry's answered claims as a ClaimReview DataFeed, and how many had nothing to point at."""
    from index.claimreview import appearances, claim_review, data_feed
    from index.claims import ClaimStatus, all_claims
    from tinradar.schema import utc_now

    reviews: list[dict[str, Any]] = []
    skipped = 0
    for record in all_claims(client, settings):
        if record.status in (ClaimStatus.PROPOSED, ClaimStatus.REJECTED):
            continue
        review = claim_review(
            record,
            appearances(client, settings, record.id),
            board_name=settings.board_name,
            board_url=settings.board_url,
        )
        if review is None:
            skipped += 1
        else:
            reviews.append(review)
    return data_feed(reviews, board_name=settings.board_name, modified=utc_now()), skipped


def import_claimreview(
    client: Elasticsearch, settings: Settings, document: Any, *, by: str, strict: bool = False
) -> tuple[ImportPlan, list[RegistryClaim]]:
    """Check every record, then add the good ones (all or none with ``strict``); returns the plan and what was added.

    Each claim is one write (audit record first, then the claim): a record is in the
    registry whole or not at all.
    """
    from index.claimreview import plan_import
    from index.claims import add_claim, all_claims, by_review_url

    registry = {r.id: r for r in all_claims(client, settings)}
    plan = plan_import(document, known_urls=by_review_url(client, settings), registry=registry)
    if strict and plan.errors:
        return plan, []
    written = [
        add_claim(client, settings, ready.claim, by=by, origin="import", review_url=ready.url) for ready in plan.ready
    ]
    return plan, written


class RematchResult(BaseModel):
    """What ``rematch`` did: items read again, items whose matched claims changed, per claim newly matched."""

    registry: Literal["index", "file"]
    items: int = 0
    changed: int = 0
    newly_matched: dict[str, int] = Field(default_factory=dict)
    failed: int = 0


def rematch(settings: Settings, since: datetime, until: datetime | None = None) -> RematchResult:
    """Analyse the items indexed from ``since`` again with the current registry and write them back.

    The indexer writes the pipeline's fields only (never ``review``): reviewers' verdicts
    stay as they are. Unchanged items are left alone by the indexer (no new version).
    """
    from flows.tasks import analyse_documents
    from index.client import connect
    from index.indexer import Indexer
    from index.rematch import documents_since

    known = run_claims(settings)
    client = connect(settings)
    result = RematchResult(registry=known.origin)
    indexer = Indexer(client, settings)
    try:
        for docs, before in documents_since(client, settings, since, until):
            items = analyse_documents(settings, docs, known.claims)
            stats = indexer.index(items)
            result.items += len(items)
            result.failed += stats.failed + stats.dead_lettered
            for item in items:
                now = {m.claim_id for m in item.analysis.matched_claims}
                old = set(before.get(item.document.id, []))
                if now != old:
                    result.changed += 1
                for claim_id in now - old:
                    result.newly_matched[claim_id] = result.newly_matched.get(claim_id, 0) + 1
    finally:
        client.close()
    return result
