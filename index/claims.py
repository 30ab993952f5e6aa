"""The claim registry index ``{prefix}-claims``: the known false claims, where every worker reads them.

The YAML shipped with TinRadar (``nlp/claims.yaml``) is the *seed*: ``seed`` loads it
idempotently (a claim already in the index is left alone, unless it still is the seed's
own copy and the YAML changed it). From then on the index is the registry: admins add
and retire claims (``tinradar claims``), reviewers propose them from the desk and admins
approve them, imported ClaimReviews become claims, and the board's published corrections
are recorded on the claim they answer.

Every change is chained into the audit index (``index.review.audit``, ``kind: claim``)
with a snapshot of the claim after it: that is the registry's history (who, what, when),
and it cannot be edited without ``tinradar review audit verify`` noticing. A change whose
record cannot be written does not happen (the record is written first).

Claims are validated by the kernel's ``Claim`` model (``tinradar.schema``), the same code
that validates the YAML. Writes are optimistic (``if_seq_no``): two admins changing one
claim at once get a conflict, not a lost update.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import suppress
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from elasticsearch import AuthorizationException, ConflictError, Elasticsearch, NotFoundError
from pydantic import BaseModel, Field

from index.doc import IndexTime
from index.review.audit import record_claim_change
from index.templates import ensure_single_index
from tinradar.schema import CLAIM_ID, Claim, id_problem, utc_now
from tinradar.settings import Settings


class ClaimStatus(StrEnum):
    """Where a claim stands: only ``active`` claims are matched."""

    ACTIVE = "active"
    PROPOSED = "proposed"  # from the desk, waiting for an admin
    RETIRED = "retired"  # kept (results refer to its id), no longer matched; its id is never reused
    REJECTED = "rejected"  # a proposal an admin turned down


STATUS_LABELS: dict[ClaimStatus, str] = {
    ClaimStatus.ACTIVE: "đang dùng",
    ClaimStatus.PROPOSED: "đề xuất, chờ duyệt",
    ClaimStatus.RETIRED: "đã ngừng dùng",
    ClaimStatus.REJECTED: "đề xuất bị từ chối",
}


class Channel(StrEnum):
    """Where the board published a correction."""

    PORTAL = "portal"
    LOUDSPEAKER = "loudspeaker"
    SOCIAL_PAGE = "social_page"


CHANNEL_LABELS: dict[Channel, str] = {
    Channel.PORTAL: "Cổng thông tin điện tử",
    Channel.LOUDSPEAKER: "Bản tin loa truyền thanh",
    Channel.SOCIAL_PAGE: "Trang Zalo/Facebook",
}

Origin = Literal["seed", "cli", "desk", "import"]
ClaimAction = Literal["seed", "add", "update", "retire", "propose", "approve", "reject", "import", "correction"]


class Correction(BaseModel):
    """The board's published answer to a claim."""

    url: str
    channel: Channel
    published_at: IndexTime
    recorded_by: str
    recorded_at: IndexTime


class RegistryClaim(BaseModel):
    """One claim as the registry index holds it: the claim, its state, its provenance."""

    claim: Claim
    status: ClaimStatus = ClaimStatus.ACTIVE
    origin: Origin = "cli"
    created_at: IndexTime
    created_by: str
    updated_at: IndexTime
    updated_by: str
    review_url: str | None = Field(default=None, description="URL of the ClaimReview it was imported from")
    proposed_from: str | None = Field(default=None, description="item or cluster id it was proposed from")
    corrections: list[Correction] = Field(default_factory=list)

    @property
    def id(self) -> str:
        return self.claim.id

    def first_correction(self) -> Correction | None:
        return min(self.corrections, key=lambda c: c.published_at, default=None)


class RegistryError(ValueError):
    """A registry change that cannot be made (unknown id, id taken, wrong state, conflict)."""


_TEXT = {"type": "text"}
_KW = {"type": "keyword"}
CLAIMS_MAPPING: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "claim": {
            "properties": {
                "id": _KW,
                "claim": _TEXT,
                "variants": _TEXT,
                "category": _KW,
                "correction": _TEXT,
                "debunked_by": _KW,
                "source_url": _KW,
                "key_terms": _KW,
                "required_terms": _KW,
                "required_any": _KW,
            }
        },
        "status": _KW,
        "origin": _KW,
        "created_at": {"type": "date"},
        "created_by": _KW,
        "updated_at": {"type": "date"},
        "updated_by": _KW,
        "review_url": _KW,
        "proposed_from": _KW,
        "corrections": {
            "properties": {
                "url": _KW,
                "channel": _KW,
                "published_at": {"type": "date"},
                "recorded_by": _KW,
                "recorded_at": {"type": "date"},
            }
        },
    },
}


def claims_index(settings: Settings) -> str:
    return f"{settings.es_index_prefix}-claims"


def ensure_claims_index(client: Elasticsearch, settings: Settings) -> None:
    """Create the registry index (idempotent); an older one gains new fields."""
    ensure_single_index(
        client,
        claims_index(settings),
        CLAIMS_MAPPING,
        priority=160 + len(settings.es_index_prefix),
        meta={"owner": "tinradar-claims", "description": "The registry of known false claims"},
    )


def _hit(hit: dict[str, Any]) -> tuple[RegistryClaim, int, int]:
    return RegistryClaim.model_validate(hit["_source"]), hit["_seq_no"], hit["_primary_term"]


def all_claims(client: Elasticsearch, settings: Settings, status: ClaimStatus | None = None) -> list[RegistryClaim]:
    """Every claim of the registry (of one status), by id; empty when there is no registry index."""
    query: dict[str, Any] = {"term": {"status": status.value}} if status else {"match_all": {}}
    out: list[RegistryClaim] = []
    search_after: list[Any] | None = None
    while True:
        kwargs: dict[str, Any] = {"search_after": search_after} if search_after else {}
        response = client.search(
            index=claims_index(settings),
            query=query,
            sort=[{"claim.id": "asc"}],
            size=1000,
            ignore_unavailable=True,
            **kwargs,
        )
        hits = response["hits"]["hits"]
        out.extend(RegistryClaim.model_validate(h["_source"]) for h in hits)
        if len(hits) < 1000:
            return out
        search_after = hits[-1]["sort"]


def active_claims(client: Elasticsearch, settings: Settings) -> list[Claim]:
    """The claims the analyser matches: the registry's active ones, by id."""
    return [r.claim for r in all_claims(client, settings, ClaimStatus.ACTIVE)]


def get_claim(client: Elasticsearch, settings: Settings, claim_id: str) -> RegistryClaim | None:
    found = _get(client, settings, claim_id)
    return found[0] if found else None


def _get(client: Elasticsearch, settings: Settings, claim_id: str) -> tuple[RegistryClaim, int, int] | None:
    if id_problem(claim_id) or not CLAIM_ID.match(claim_id):
        # No claim has such an id, so none is asked for: Elasticsearch refuses an empty id
        # (ValueError) and a 10,000-character one (an HTTP line over 4 KB), each was exit 70.
        return None
    try:
        hit = client.get(index=claims_index(settings), id=claim_id)
    except NotFoundError:
        return None
    return _hit(dict(hit))


def _write_new(client: Elasticsearch, settings: Settings, record: RegistryClaim) -> None:
    try:
        client.create(
            index=claims_index(settings), id=record.id, document=record.model_dump(mode="json"), refresh="wait_for"
        )
    except ConflictError:
        raise RegistryError(
            f"mã tin đồn {record.id!r} đã có trong danh mục (không dùng lại mã) / "
            f"claim id {record.id!r} is already in the registry (ids are never reused)"
        ) from None


def _write_over(client: Elasticsearch, settings: Settings, record: RegistryClaim, seen: tuple[int, int]) -> None:
    try:
        client.index(
            index=claims_index(settings),
            id=record.id,
            document=record.model_dump(mode="json"),
            if_seq_no=seen[0],
            if_primary_term=seen[1],
            refresh="wait_for",
        )
    except ConflictError:
        raise RegistryError(
            f"tin đồn {record.id!r} vừa được người khác sửa: tải lại rồi thử lại / "
            f"claim {record.id!r} was just changed by someone else: reload and try again"
        ) from None


def _record(
    client: Elasticsearch, settings: Settings, action: ClaimAction, record: RegistryClaim, by: str, note: str = ""
) -> None:
    record_claim_change(
        client,
        settings,
        action=action,
        claim_id=record.id,
        by=by,
        snapshot=record.model_dump(mode="json"),
        note=note or None,
    )


class SeedResult(BaseModel):
    added: list[str] = Field(default_factory=list)
    updated: list[str] = Field(default_factory=list)
    unchanged: int = 0
    kept: list[str] = Field(
        default_factory=list, description="changed in the index by people: the YAML does not overwrite"
    )


def seed(client: Elasticsearch, settings: Settings, claims: Sequence[Claim], *, by: str = "seed") -> SeedResult:
    """Load the shipped YAML into the registry, idempotently.

    A missing claim is added; a claim whose index copy is still the seed's own (last
    written by the seed) follows the YAML; a claim people changed, retired or that came
    from elsewhere is kept as it is. Running it twice changes nothing the second time.
    One audit record covers one seeding (its ids and claims), then the claims are written
    in one bulk request: the first run of a fresh installation should not take long.
    """
    ensure_claims_index(client, settings)
    current = {r.id: r for r in all_claims(client, settings)}
    result = SeedResult()
    now = utc_now()
    writes: list[RegistryClaim] = []
    for claim in claims:
        known = current.get(claim.id)
        if known is None:
            writes.append(
                RegistryClaim(claim=claim, origin="seed", created_at=now, created_by=by, updated_at=now, updated_by=by)
            )
            result.added.append(claim.id)
        elif known.claim == claim:
            result.unchanged += 1
        elif known.origin == "seed" and known.updated_by == by and known.status == ClaimStatus.ACTIVE:
            writes.append(known.model_copy(update={"claim": claim, "updated_at": now, "updated_by": by}))
            result.updated.append(claim.id)
        else:
            result.kept.append(claim.id)
    if not writes:
        return result
    record_claim_change(
        client,
        settings,
        action="seed",
        claim_id=[w.id for w in writes],
        by=by,
        snapshot={"claims": [w.model_dump(mode="json") for w in writes]},
        note=f"nlp/claims.yaml: {len(result.added)} added, {len(result.updated)} updated",
    )
    operations: list[dict[str, Any]] = []
    for w in writes:
        operations.append({"index": {"_index": claims_index(settings), "_id": w.id}})
        operations.append(w.model_dump(mode="json"))
    response = client.bulk(operations=operations, refresh="wait_for")
    if response.get("errors"):
        failed = [i["index"]["_id"] for i in response["items"] if i["index"].get("error")]
        ids = ", ".join(failed[:5])
        raise RegistryError(
            f"không ghi được {len(failed)} tin đồn vào danh mục: {ids} / "
            f"{len(failed)} claims could not be written to the registry: {ids}"
        )
    return result


def add_claim(
    client: Elasticsearch,
    settings: Settings,
    claim: Claim,
    *,
    by: str,
    origin: Origin = "cli",
    status: ClaimStatus = ClaimStatus.ACTIVE,
    review_url: str | None = None,
    proposed_from: str | None = None,
) -> RegistryClaim:
    """Add a new claim (an id is never reused: a retired id is refused too).

    The registry's set-up (template, index, mapping) is the admin's (``tinradar claims seed``):
    the desk's least-privilege identity (index/roles.py), proposing a claim, may not install a
    template (403), and writes into the registry the admin made. On a node with security off,
    or as the admin, the set-up runs here as before (a fresh development node)."""
    with suppress(AuthorizationException):  # not this identity's job; a missing registry is a 403 at the write below
        ensure_claims_index(client, settings)
    if _get(client, settings, claim.id) is not None:
        raise RegistryError(
            f"mã tin đồn {claim.id!r} đã có trong danh mục (không dùng lại mã) / "
            f"claim id {claim.id!r} is already in the registry (ids are never reused)"
        )
    now = utc_now()
    record = RegistryClaim(
        claim=claim,
        status=status,
        origin=origin,
        created_at=now,
        created_by=by,
        updated_at=now,
        updated_by=by,
        review_url=review_url,
        proposed_from=proposed_from,
    )
    action: ClaimAction = "propose" if status == ClaimStatus.PROPOSED else "import" if origin == "import" else "add"
    _record(client, settings, action, record, by)
    _write_new(client, settings, record)
    return record


def _change(
    client: Elasticsearch,
    settings: Settings,
    claim_id: str,
    action: ClaimAction,
    by: str,
    allowed: Iterable[ClaimStatus],
    **update: Any,
) -> RegistryClaim:
    found = _get(client, settings, claim_id)
    if found is None:
        raise RegistryError(f"không có tin đồn {claim_id!r} trong danh mục / no claim {claim_id!r} in the registry")
    current, seq, term = found
    allowed = tuple(allowed)
    if current.status not in allowed:
        raise RegistryError(
            f"tin đồn {claim_id!r} đang ở trạng thái '{STATUS_LABELS[current.status]}': không thể {action} / "
            f"claim {claim_id!r} is {current.status.value}: cannot {action}"
        )
    record = current.model_copy(update={**update, "updated_at": utc_now(), "updated_by": by})
    _record(client, settings, action, record, by)
    _write_over(client, settings, record, (seq, term))
    return record


def retire_claim(client: Elasticsearch, settings: Settings, claim_id: str, *, by: str) -> RegistryClaim:
    """Stop matching a claim; it stays in the registry (results refer to it) and its id stays taken."""
    return _change(client, settings, claim_id, "retire", by, [ClaimStatus.ACTIVE], status=ClaimStatus.RETIRED)


def approve_claim(
    client: Elasticsearch, settings: Settings, claim_id: str, *, by: str, claim: Claim | None = None
) -> RegistryClaim:
    """An admin approves a proposal (optionally as edited): it is matched from the next run on."""
    update: dict[str, Any] = {"status": ClaimStatus.ACTIVE}
    if claim is not None:
        if claim.id != claim_id:
            raise RegistryError("không đổi được mã tin đồn khi duyệt / a claim's id cannot change when it is approved")
        update["claim"] = claim
    return _change(client, settings, claim_id, "approve", by, [ClaimStatus.PROPOSED], **update)


def reject_claim(client: Elasticsearch, settings: Settings, claim_id: str, *, by: str) -> RegistryClaim:
    return _change(client, settings, claim_id, "reject", by, [ClaimStatus.PROPOSED], status=ClaimStatus.REJECTED)


def record_correction(
    client: Elasticsearch,
    settings: Settings,
    claim_id: str,
    *,
    url: str,
    channel: Channel,
    published_at: datetime,
    by: str,
) -> RegistryClaim:
    """Record that the board answered a claim (URL, channel, time); a URL recorded twice is kept once."""
    found = _get(client, settings, claim_id)
    if found is None:
        raise RegistryError(f"không có tin đồn {claim_id!r} trong danh mục / no claim {claim_id!r} in the registry")
    current = found[0]
    kept = [c for c in current.corrections if c.url != url]
    correction = Correction(url=url, channel=channel, published_at=published_at, recorded_by=by, recorded_at=utc_now())
    return _change(
        client,
        settings,
        claim_id,
        "correction",
        by,
        list(ClaimStatus),
        corrections=sorted([*kept, correction], key=lambda c: c.published_at),
    )


def by_review_url(client: Elasticsearch, settings: Settings) -> dict[str, str]:
    """Review URL (imported ClaimReviews and source links) → claim id, to deduplicate imports."""
    out: dict[str, str] = {}
    for record in all_claims(client, settings):
        for url in (record.review_url, record.claim.source_url):
            if url:
                out.setdefault(url, record.id)
    return out
