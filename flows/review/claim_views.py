"""The registry on the desk: propose a claim from an item or a cluster, approve it, record a correction.

A reviewer who meets a rumor the registry does not know proposes it from the item page
(the form is prefilled from the item); it waits as ``proposed`` (never matched) until an
admin approves it on the "Danh mục tin đồn" page. The board's published answer (URL,
channel, time) is recorded there too. Every one of these changes is chained into the audit
index before it is made (``index.claims``), so a proposal, its approval and a correction
each say who and when.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from flows.review.clusters import cluster_openings, item_openings
from flows.review.deps import render, require_admin, require_decider
from flows.review.presentation import claim_name
from flows.review.users import User
from index import review as store
from index.claims import (
    CHANNEL_LABELS,
    STATUS_LABELS,
    Channel,
    ClaimStatus,
    RegistryError,
    add_claim,
    all_claims,
    approve_claim,
    get_claim,
    record_correction,
    reject_claim,
)
from index.review.models import ReviewItem
from tinradar.schema import CLAIM_ID, Claim, describe_errors
from tinradar.settings import Settings
from tinradar.text import fold

router = APIRouter()

#: The registry's categories (``nlp/claims.yaml``) with their Vietnamese names.
CATEGORIES: dict[str, str] = {
    "cure": "Chữa bệnh",
    "prevention": "Phòng bệnh",
    "vaccine": "Vắc xin",
    "origin": "Nguồn gốc",
    "transmission": "Lây truyền",
    "policy": "Chính sách, phòng dịch",
    "scam": "Lừa đảo",
    "testing": "Xét nghiệm",
}
_SENTENCE = re.compile(r"(?<=[.!?…])\s+|\n+")


def suggested_id(text: str) -> str:
    """A claim id from the first folded words of the text ('uong-nuoc-la-oi-chua-khoi')."""
    words = re.findall(r"[a-z0-9]+", fold(text).lower())
    return "-".join(words[:6]) or "tin-don-moi"


def prefill(item: ReviewItem, settings: Settings) -> dict[str, str]:
    """The proposal form, filled from the item: its first sentence (or title) as the claim."""
    doc = item.doc
    first = next((s.strip() for s in _SENTENCE.split(doc.text) if len(s.strip()) >= 15), "")
    claim = (first or doc.title or doc.text)[:300].strip()
    return {
        "id": suggested_id(claim),
        "claim": claim,
        "category": "",
        "correction": "",
        "debunked_by": settings.board_name,
        "source_url": "",
    }


def _claim_from_form(fields: dict[str, str]) -> tuple[Claim | None, str | None]:
    """The typed claim, validated as the YAML is (the kernel's ``Claim``), or the error in words."""
    raw: dict[str, Any] = {
        "id": fields["id"].strip(),
        "claim": fields["claim"].strip(),
        "category": fields["category"].strip(),
        "correction": fields["correction"].strip(),
        "debunked_by": [p.strip() for p in fields["debunked_by"].split(",") if p.strip()],
    }
    if fields.get("source_url", "").strip():
        raw["source_url"] = fields["source_url"].strip()
    # said in the form's own words: pydantic's sentence ("field 'id' = …: use lower-case words
    # joined by '-'; field 'debunked_by' = []: List should have at least 1 item …") was English
    missing = [label for key, label in (("claim", "tin đồn"), ("correction", "cải chính")) if not raw[key]]
    missing += [] if raw["category"] in CATEGORIES else ["nhóm"]
    missing += [] if raw["debunked_by"] else ["cơ quan bác bỏ"]
    problems = ["Hãy điền đủ " + ", ".join(missing) + "."] if missing else []
    if not CLAIM_ID.match(raw["id"]):
        problems.append(
            f"Mã «{raw['id']}» chưa dùng được: chỉ gồm chữ thường không dấu và số, nối các từ bằng '-' "
            f"(ví dụ: {suggested_id(raw['id'] or raw['claim'])})."
        )
    if problems:
        return None, " ".join(problems)
    try:
        return Claim.model_validate(raw), None
    except ValidationError as exc:
        return None, f"Đề xuất chưa hợp lệ: {describe_errors(exc)}"


@router.post("/item/{doc_id}/propose", response_class=HTMLResponse)
def propose(
    request: Request,
    doc_id: str,
    user: User = Depends(require_decider),
    claim_id: str = Form("", alias="id"),
    claim: str = Form(""),
    category: str = Form(""),
    correction: str = Form(""),
    debunked_by: str = Form(""),
    source_url: str = Form(""),
    whole_cluster: str = Form(""),
) -> Response:
    """A reviewer proposes a new claim from this item (or its cluster); an admin approves it later."""
    from flows.review.views import _item_context

    state = request.app.state
    item = store.get_item(state.client, state.settings, doc_id)
    if item is None:
        raise HTTPException(404)
    fields = {
        "id": claim_id,
        "claim": claim[:1000],
        "category": category,
        "correction": correction[:2000],
        "debunked_by": debunked_by[:300],
        "source_url": source_url[:500],
    }
    record, error = _claim_from_form(fields)
    if record is not None:
        origin = item.doc.cluster_id if whole_cluster and item.doc.cluster_id else doc_id
        try:
            add_claim(
                state.client,
                state.settings,
                record,
                by=user.name,
                origin="desk",
                status=ClaimStatus.PROPOSED,
                proposed_from=origin,
            )
        except RegistryError as exc:
            error = f"Chưa lưu: {exc}."
        else:
            request.session["flash"] = f"Đã gửi đề xuất «{record.id}»; quản trị viên sẽ duyệt trước khi đối chiếu."
            return RedirectResponse("/claims", status_code=303)
    context = _item_context(request, item, "/")
    context["proposal"] = fields
    context["proposal_error"] = error
    return render(request, "item.html", context, status_code=400)


#: Session key of a refused correction's typed values (claim id, url, channel, published_at).
CORRECTION_DRAFT = "correction_draft"


@router.get("/claims", response_class=HTMLResponse)
def claims_page(request: Request) -> HTMLResponse:
    """Proposals waiting for an admin, and the registry with the board's recorded corrections."""
    state = request.app.state
    records = all_claims(state.client, state.settings)
    proposed = [r for r in records if r.status == ClaimStatus.PROPOSED]
    # A proposal links to what it was made from, named by its words rather than a hash: a cluster
    # (its earliest post) or a single item (its title). Nothing in the record says which, and item
    # ids are hashes like cluster ids, so the index tells: an origin with cluster members is a cluster.
    origins = [r.proposed_from for r in proposed if r.proposed_from]
    clusters = cluster_openings(state.client, state.settings, origins)
    items = item_openings(state.client, state.settings, [o for o in origins if o not in clusters])
    context = {
        "proposed": proposed,
        "origin_names": {
            **{key: f"bài «{text}»" for key, text in items.items()},
            **{key: f"cụm «{text}»" for key, text in clusters.items()},
        },
        "cluster_origins": set(clusters),
        "active": [r for r in records if r.status == ClaimStatus.ACTIVE],
        "others": [r for r in records if r.status in (ClaimStatus.RETIRED, ClaimStatus.REJECTED)],
        "CLAIM_STATUS": STATUS_LABELS,
        "CHANNELS": CHANNEL_LABELS,
        "CATEGORIES": CATEGORIES,
        "draft": request.session.pop(CORRECTION_DRAFT, None) or {},
    }
    return render(request, "claims.html", context)


def _named(request: Request, claim_id: str) -> str:
    """«text» (id): the message after an action names the claim the way the page lists it
    (a bare id told a reviewer nothing); an id the registry does not hold is shown as it is."""
    state = request.app.state
    record = get_claim(state.client, state.settings, claim_id)
    return claim_name(claim_id, record.claim.claim if record else None)


def _done(request: Request, message: str) -> RedirectResponse:
    request.session["flash"] = message
    return RedirectResponse("/claims", status_code=303)


@router.post("/claims/{claim_id}/approve")
def approve(request: Request, claim_id: str, user: User = Depends(require_admin)) -> Response:
    """An admin approves a proposal: it is matched from the next run (audited)."""
    state = request.app.state
    try:
        approve_claim(state.client, state.settings, claim_id, by=user.name)
    except RegistryError as exc:
        return _done(request, f"Chưa duyệt: {exc}.")
    return _done(request, f"Đã duyệt {_named(request, claim_id)}: lượt chạy sau sẽ đối chiếu với tin đồn này.")


@router.post("/claims/{claim_id}/reject")
def reject(request: Request, claim_id: str, user: User = Depends(require_admin)) -> Response:
    state = request.app.state
    try:
        reject_claim(state.client, state.settings, claim_id, by=user.name)
    except RegistryError as exc:
        return _done(request, f"Chưa từ chối: {exc}.")
    return _done(request, f"Đã từ chối đề xuất {_named(request, claim_id)}.")


@router.post("/claims/{claim_id}/correction")
def correction(
    request: Request,
    claim_id: str,
    user: User = Depends(require_decider),
    url: str = Form(""),
    channel: str = Form(""),
    published_at: str = Form(""),
) -> Response:
    """Record that the board answered this claim: where (URL, channel) and when."""
    state = request.app.state

    def refused(message: str) -> RedirectResponse:
        # what was typed comes back in this claim's form on the page that says why (it was cleared:
        # the reviewer typed the article's address again); a cookie-sized copy, read once
        request.session[CORRECTION_DRAFT] = {
            "claim_id": claim_id,
            "url": url[:1000],
            "channel": channel[:40],
            "published_at": published_at[:40],
        }
        return _done(request, message)

    try:
        where = Channel(channel)
    except ValueError:
        return refused("Chưa lưu cải chính: hãy chọn kênh đăng.")
    url = url.strip()
    if not url.startswith(("http://", "https://")) or len(url) > 1000:
        return refused("Chưa lưu cải chính: cần địa chỉ bài cải chính (http:// hoặc https://).")
    try:
        when = datetime.fromisoformat(published_at.strip())
    except ValueError:
        return refused("Chưa lưu cải chính: thời điểm đăng không hợp lệ.")
    if when.tzinfo is None:
        when = when.replace(tzinfo=state.settings.tz)
    if when > datetime.now(state.settings.tz) + timedelta(minutes=5):
        # a mistyped year (2099) made the claim "answered" before it was, in the response times
        return refused("Chưa lưu cải chính: thời điểm đăng ở tương lai; hãy nhập lúc bài cải chính đã đăng.")
    try:
        record_correction(
            state.client, state.settings, claim_id, url=url, channel=where, published_at=when, by=user.name
        )
    except RegistryError as exc:
        return refused(f"Chưa lưu cải chính: {exc}.")
    return _done(request, f"Đã ghi cải chính cho {_named(request, claim_id)} ({CHANNEL_LABELS[where]}).")
