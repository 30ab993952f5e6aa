"""Queue, item page and decisions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from flows.review.claim_views import CATEGORIES, prefill
from flows.review.clusters import cluster_label, cluster_openings
from flows.review.deps import render, require_decider
from flows.review.presentation import (
    MODE_LABELS,
    RISK_FILTERS,
    RISK_LABELS,
    SENTIMENT_LABELS,
    STANCE_FILTERS,
    STATUS_LABELS,
    claim_name,
    stance_of,
    stance_words,
)
from flows.review.security import safe_next
from flows.review.users import User
from index import review as store
from index.claims import active_claims
from tinradar.schema import Claim, ReviewStatus, Sentiment

router = APIRouter()

_FILTER_KEYS = ("day", "source", "province", "claim", "cluster", "risk", "stance", "status", "mode", "unlisted")


def _ignored(what: str, value: str, why: str) -> str:
    """The notice for one filter value the queue left out (the template escapes the value)."""
    return f'Bỏ qua {what} "{value[:80]}": {why}.'


def _filters(params: dict[str, str]) -> tuple[store.QueueFilters, dict[str, str], list[str]]:
    """Queue filters from the query string, and a notice for each value that was left out.

    A bad value never fails the page (an old bookmark, a hand-edited address): the queue is
    shown without it, and the notice says which value was ignored and why, so a reviewer does
    not take the unfiltered list for the filtered one.
    """
    notices: list[str] = []
    clean: dict[str, str] = {k: params[k].strip() for k in _FILTER_KEYS if params.get(k, "").strip()}
    values: dict[str, Any] = {
        k: v for k, v in clean.items() if k not in ("day", "risk", "stance", "status", "mode", "unlisted")
    }
    if clean.get("unlisted") == "1":
        values["unlisted"] = True
    elif "unlisted" in clean:
        notices.append(_ignored("bộ lọc «Chưa có trong danh mục»", clean.pop("unlisted"), "chỉ nhận giá trị 1"))
    if "day" in clean:
        try:
            values["day"] = date.fromisoformat(clean["day"])
        except ValueError:
            notices.append(_ignored("bộ lọc ngày", clean.pop("day"), "ngày không hợp lệ (cần dạng năm-tháng-ngày)"))
    if "risk" in clean:
        if clean["risk"] in RISK_FILTERS:
            values["risk"] = clean["risk"]
        elif clean["risk"] in RISK_LABELS:  # "low": a level, but not one the queue holds
            held = " và ".join(label.lower() for label in reversed(RISK_FILTERS.values()))  # "trung bình và cao"
            notices.append(_ignored("bộ lọc mức rủi ro", clean.pop("risk"), f"hàng đợi chỉ có bài rủi ro {held}"))
        else:
            notices.append(_ignored("bộ lọc mức rủi ro", clean.pop("risk"), "không có mức rủi ro này"))
    if "stance" in clean:
        if clean["stance"] in STANCE_FILTERS:
            values["stance"] = clean["stance"]
        else:
            notices.append(_ignored("bộ lọc cách bài nói về tin đồn", clean.pop("stance"), "không có lựa chọn này"))
    status = clean.get("status", "open")
    if status not in ("open", "all") and status not in STATUS_LABELS:
        notices.append(_ignored("bộ lọc trạng thái", clean.pop("status"), "không có trạng thái này"))
        status = "open"
    values["status"] = status
    mode = clean.get("mode", "risk")
    if mode not in MODE_LABELS:
        notices.append(_ignored("cách sắp xếp", clean.pop("mode"), "không có cách sắp xếp này"))
        mode = "risk"
    values["mode"] = mode
    raw_page = params.get("page", "").strip()
    try:
        values["page"] = max(1, int(raw_page or "1"))
    except ValueError:
        notices.append(_ignored("số trang", raw_page, "không phải một số, hiển thị trang 1"))
        values["page"] = 1
    filters = store.QueueFilters(**values)
    if filters.page > filters.deepest_page:
        deepest = filters.deepest_page
        notices.append(
            _ignored("số trang", raw_page, f"chỉ xem được tới trang {deepest}, hiển thị trang {deepest}")[:-1]
            + "; hãy lọc hẹp hơn (theo ngày, nguồn, địa bàn) để xem các bài sau."
        )
        filters = filters.model_copy(update={"page": deepest})
    return filters, clean, notices


@router.get("/", response_class=HTMLResponse)
def queue_page(request: Request) -> HTMLResponse:
    filters, clean, notices = _filters(dict(request.query_params))
    state = request.app.state
    page = store.queue(state.client, state.settings, filters)
    facets = store.queue_facets(state.client, state.settings)
    # clusters by their earliest post's words (one search for the menu and the chosen one)
    openings = cluster_openings(
        state.client, state.settings, [key for key, _ in facets["cluster"]] + [clean.get("cluster", "")]
    )
    here = "/?" + urlencode({**clean, "page": filters.page}) if clean or filters.page > 1 else "/"

    def page_link(number: int) -> str:
        return "/?" + urlencode({**clean, "page": number})

    context = {
        "page": page,
        "filters": filters,
        "clean": clean,
        "notices": notices,
        "facets": facets,
        "clusters": {key: cluster_label(key, openings, n) for key, n in facets["cluster"]},
        "chosen_cluster": cluster_label(clean["cluster"], openings) if "cluster" in clean else "",
        "claims": state.claims.get(),
        "page_link": page_link,
        "back": here,
    }
    return render(request, "queue.html", context)


def _item_context(request: Request, item: store.ReviewItem, back: str) -> dict[str, Any]:
    state = request.app.state
    claims = state.claims.get()
    # each match says how the item relates to the claim (repeats / refutes / asks; "unknown" for
    # documents stored before stances), and a refutation quotes the words that refute
    matched = [
        {
            "id": match.claim_id,
            "similarity": match.similarity,
            "claim": claims.get(match.claim_id),
            "stance": stance_of(match),
            "phrase": stance_words(match),
        }
        for match in item.doc.matched_claims
    ]
    cluster_id = item.doc.cluster_id
    members = store.cluster_members(state.client, state.settings, cluster_id, exclude=item.id) if cluster_id else []
    open_members = sum(1 for m in members if not m.review.decided)
    return {
        "item": item,
        "doc": item.doc,
        "matched": matched,
        "members": members,
        "open_members": open_members,
        "history": store.audit_trail(state.client, state.settings, item.id),
        "verdicts": [s.value for s in store.VERDICTS],
        "tones": [t.value for t in Sentiment],
        "back": safe_next(back),
        "conflict": None,
        # no known claim matched: the reviewer may propose one (claim_views), prefilled from the item
        "proposal": None if item.doc.claim_ids else prefill(item, state.settings),
        "proposal_error": None,
        "CATEGORIES": CATEGORIES,
        # the approved claims to read the item against, never ticked from the machine's matches
        "registry": _by_category(active_claims(state.client, state.settings)),
        "known_claims": claims,
        "reading_error": None,
    }


def _by_category(claims: list[Claim]) -> list[tuple[str, list[Claim]]]:
    """Approved claims grouped under their category's Vietnamese name, in ``CATEGORIES`` order
    (a category the desk has no name for comes last, under its key)."""
    order = {key: n for n, key in enumerate(CATEGORIES)}
    groups: dict[str, list[Claim]] = {}
    for claim in claims:
        groups.setdefault(claim.category, []).append(claim)
    keys = sorted(groups, key=lambda k: (order.get(k, len(order)), k))
    return [(CATEGORIES.get(key, key), sorted(groups[key], key=lambda c: c.id)) for key in keys]


@router.get("/item/{doc_id}", response_class=HTMLResponse)
def item_page(request: Request, doc_id: str, back: str = "/") -> HTMLResponse:
    state = request.app.state
    item = store.get_item(state.client, state.settings, doc_id)
    if item is None:
        raise HTTPException(404)
    return render(request, "item.html", _item_context(request, item, back))


def _conflict_page(
    request: Request,
    item: store.ReviewItem,
    outcome: store.DecisionOutcome,
    back: str,
    status: ReviewStatus | None,
    note: str,
    tone: Sentiment | None = None,
    reading: dict[str, Any] | None = None,
) -> HTMLResponse:
    """409: someone wrote first. Show their decision and the item at its new version; keep the note typed.

    ``status`` is None for a tone or a claim reading saved on its own; the reviewer's own
    choice (tone; ticked claims, ``reading``) is kept.
    """
    state = request.app.state
    fresh = store.get_item(state.client, state.settings, item.id) or item
    context = _item_context(request, fresh, back)
    context["conflict"] = outcome.current
    context["your_choice"] = {
        "status": status.value if status else None,
        "note": note,
        "tone": tone.value if tone else "",
        "reading": reading,
    }
    return render(request, "item.html", context, status_code=409)


# Handlers are plain functions: FastAPI runs them in its thread pool, so the blocking
# Elasticsearch calls (and argon2 in account_views) never stall the event loop.


@router.post("/item/{doc_id}/claim", response_class=HTMLResponse)
def claim(
    request: Request,
    doc_id: str,
    user: User = Depends(require_decider),
    seq_no: str = Form(""),
    primary_term: str = Form(""),
    back: str = Form("/"),
) -> Response:
    """Mark an undecided item "in review" by this user, so colleagues can pick another one."""
    state = request.app.state
    back = safe_next(back)
    version = _version(seq_no, primary_term)
    item = store.get_item(state.client, state.settings, doc_id)
    if item is None:
        raise HTTPException(404)
    if version is None:
        raise HTTPException(400, "Biểu mẫu thiếu phiên bản của bài; hãy tải lại trang.")
    if not _claimable(item.review, user):
        refused = store.DecisionOutcome(doc_id=doc_id, applied=False, conflict=True, current=item.review)
        return _conflict_page(request, item, refused, back, ReviewStatus.IN_REVIEW, "")
    outcome = store.decide(
        state.client,
        state.settings,
        doc_id,
        status=ReviewStatus.IN_REVIEW,
        note="",
        by=user.name,
        role=user.role.value,
        seq_no=version[0],
        primary_term=version[1],
    )
    if outcome.conflict:
        return _conflict_page(request, item, outcome, back, ReviewStatus.IN_REVIEW, "")
    request.session["flash"] = "Bạn đã nhận xử lý bài này; đồng nghiệp sẽ thấy «Đang xem xét»."
    return RedirectResponse(f"/item/{doc_id}?{urlencode({'back': back})}", status_code=303)


def _claimable(review: store.ReviewState, user: User) -> bool:
    """Only an open item nobody else holds: a replayed claim must not take a verdict back."""
    return review.status is ReviewStatus.NEW or (review.status is ReviewStatus.IN_REVIEW and review.by == user.name)


def _version(seq_no: str, primary_term: str) -> tuple[int, int] | None:
    try:
        return int(seq_no), int(primary_term)
    except ValueError:
        return None


@router.post("/item/{doc_id}/decide", response_class=HTMLResponse)
def decide(
    request: Request,
    doc_id: str,
    user: User = Depends(require_decider),
    status: str = Form(""),
    note: str = Form(""),
    seq_no: str = Form(""),
    primary_term: str = Form(""),
    back: str = Form("/"),
    whole_cluster: str = Form(""),
    tone: str = Form(""),
) -> Response:
    """Record a verdict at the version the reviewer saw (409 with the current verdict otherwise).

    A tone chosen with it is saved with it, for this item only (not the cluster).
    """
    state = request.app.state
    back = safe_next(back)
    note = note[:4000]
    version = _version(seq_no, primary_term)
    reviewer_tone = _tone(tone)
    verdict = ReviewStatus(status) if status in {v.value for v in store.VERDICTS} else None
    item = store.get_item(state.client, state.settings, doc_id)
    if item is None:
        raise HTTPException(404)
    if verdict is None or version is None:
        context = _item_context(request, item, back)
        context["error"] = "Hãy chọn một kết luận (Sai sự thật / Gây hiểu lầm / Chính xác / Không liên quan)." + (
            " Chỉ muốn ghi giọng điệu? Bấm «Chỉ lưu giọng điệu»." if reviewer_tone else ""
        )
        context["your_choice"] = {"status": None, "note": note, "tone": reviewer_tone.value if reviewer_tone else ""}
        return render(request, "item.html", context, status_code=400)
    outcome = store.decide(
        state.client,
        state.settings,
        doc_id,
        status=verdict,
        note=note,
        by=user.name,
        role=user.role.value,
        seq_no=version[0],
        primary_term=version[1],
        tone=reviewer_tone,
    )
    if outcome.conflict:
        return _conflict_page(request, item, outcome, back, verdict, note, reviewer_tone)
    message = f"Đã lưu: «{STATUS_LABELS[verdict.value]}»."
    if reviewer_tone is not None:
        message += f" Giọng điệu: «{SENTIMENT_LABELS[reviewer_tone.value]}»."
    cluster_id = item.doc.cluster_id
    if whole_cluster and cluster_id:
        result = store.decide_cluster(
            state.client,
            state.settings,
            cluster_id,
            status=verdict,
            note=note,
            by=user.name,
            role=user.role.value,
            exclude=doc_id,
        )
        message += f" Áp dụng thêm cho {len(result.applied)} bài cùng cụm"
        kept = len(result.already_decided) + len(result.conflicts)
        message += f"; giữ nguyên {kept} bài đã có người quyết định hoặc đang xem." if kept else "."
    request.session["flash"] = message
    return RedirectResponse(back, status_code=303)


def _tone(value: str) -> Sentiment | None:
    """The tone radio: "" (not recorded) or one Sentiment value; anything else counts as not recorded."""
    return Sentiment(value) if value in {t.value for t in Sentiment} else None


@router.post("/item/{doc_id}/tone", response_class=HTMLResponse)
def record_tone(
    request: Request,
    doc_id: str,
    user: User = Depends(require_decider),
    tone: str = Form(""),
    seq_no: str = Form(""),
    primary_term: str = Form(""),
    back: str = Form("/"),
    note: str = Form(""),
) -> Response:
    """Record the author's tone on its own (the verdict stays as it is), at the version the reviewer saw."""
    state = request.app.state
    back = safe_next(back)
    version = _version(seq_no, primary_term)
    reviewer_tone = _tone(tone)
    item = store.get_item(state.client, state.settings, doc_id)
    if item is None:
        raise HTTPException(404)
    if reviewer_tone is None or version is None:
        context = _item_context(request, item, back)
        context["error"] = "Hãy chọn giọng điệu của bài (Tiêu cực / Trung tính / Tích cực) trước khi lưu giọng điệu."
        return render(request, "item.html", context, status_code=400)
    outcome = store.record_tone(
        state.client,
        state.settings,
        doc_id,
        tone=reviewer_tone,
        by=user.name,
        role=user.role.value,
        seq_no=version[0],
        primary_term=version[1],
    )
    if outcome.conflict:
        return _conflict_page(request, item, outcome, back, None, note[:4000], reviewer_tone)
    request.session["flash"] = f"Đã lưu giọng điệu: «{SENTIMENT_LABELS[reviewer_tone.value]}» (kết luận giữ nguyên)."
    return RedirectResponse(f"/item/{doc_id}?{urlencode({'back': back})}", status_code=303)


#: The form's explicit "repeats none of the registry's claims".
NONE_LABEL = "Không lặp lại tin đồn nào trong danh mục"


def _claim_names(ids: Iterable[str], claims: dict[str, Claim]) -> str:
    """«text» (id) for each claim: a reviewer reads the claim, the id lets them tell two alike apart;
    an id the registry does not know is shown as it is."""
    return ", ".join(claim_name(i, claims[i].claim if i in claims else None) for i in ids)


@router.post("/item/{doc_id}/claims", response_class=HTMLResponse)
def record_claims(
    request: Request,
    doc_id: str,
    user: User = Depends(require_decider),
    claim: list[str] = Form([]),
    none: str = Form(""),
    seq_no: str = Form(""),
    primary_term: str = Form(""),
    back: str = Form("/"),
) -> Response:
    """Record which registry claims the item repeats (or none of them), at the version the reviewer saw.

    The verdict and the tone stay as they are; only this item (not its cluster).
    """
    state = request.app.state
    back = safe_next(back)
    version = _version(seq_no, primary_term)
    ids = sorted({c.strip() for c in claim[:500] if c.strip()})
    reading = {"ids": ids, "none": none == "1"}
    item = store.get_item(state.client, state.settings, doc_id)
    if item is None:
        raise HTTPException(404)
    error = None
    if version is None:
        error = "Biểu mẫu thiếu phiên bản của bài; hãy tải lại trang rồi đánh dấu lại."
    elif not ids and not reading["none"]:
        error = f"Hãy đánh dấu tin đồn mà bài này lặp lại, hoặc chọn «{NONE_LABEL}»."
    elif ids and reading["none"]:
        error = (
            f"Bạn vừa đánh dấu {len(ids)} tin đồn vừa chọn «{NONE_LABEL}»: hai lựa chọn này trái nhau, hãy chỉ giữ một."
        )
    if error is None and version is not None:
        try:
            outcome = store.record_claims(
                state.client,
                state.settings,
                doc_id,
                ids=ids,
                by=user.name,
                role=user.role.value,
                seq_no=version[0],
                primary_term=version[1],
            )
        except store.UnknownClaims as exc:
            error = (
                f"Chưa lưu: {_claim_names(exc.ids, state.claims.get())} không phải tin đồn đã duyệt trong danh mục "
                "(có thể chưa được duyệt, hoặc vừa ngừng dùng). Hãy tải lại trang rồi đánh dấu lại."
            )
        else:
            if outcome.conflict:
                return _conflict_page(request, item, outcome, back, None, "", reading=reading)
            said = _claim_names(ids, state.claims.get()) if ids else f"«{NONE_LABEL}»"
            request.session["flash"] = f"Đã lưu tin đồn lặp lại: {said} (kết luận và giọng điệu giữ nguyên)."
            return RedirectResponse(f"/item/{doc_id}?{urlencode({'back': back})}", status_code=303)
    context = _item_context(request, item, back)
    context["reading_error"] = error
    context["your_choice"] = {"status": None, "note": "", "tone": "", "reading": reading}
    return render(request, "item.html", context, status_code=400)
