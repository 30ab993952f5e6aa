"""``tinradar review audit verify``: is the audit trail whole, and does every verdict have its record?

Two checks over the real indices:

1. the audit index as a hash chain (``index.audit_chain.check``): a deleted, edited or
   inserted record, or (against a head noted earlier) a cut-off end;
2. the documents: each one holding a review state (verdict or "in review") must have the
   ``applied`` record that put it there (same document, status, reviewer and time). A
   verdict written around the desk, or one whose record was lost, shows up here. The
   same for a reviewer's tone (``review.tone``) and claim reading (``review.claims``):
   its value (the claim ids), reviewer and time must be in an ``applied`` record. A tone
   or a reading on a document without a verdict is looked at too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from elasticsearch import Elasticsearch
from elasticsearch.helpers import scan

from index import audit_chain
from index.doc import REVIEW_CLAIMS_AT, REVIEW_STATUS, REVIEW_TONE
from index.review.audit import audit_index
from index.templates import alias_name
from tinradar.settings import Settings


def _moment(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _stamp(doc_id: str, state: dict[str, Any]) -> tuple[str, str, str, datetime | None]:
    return doc_id, str(state.get("status")), str(state.get("by")), _moment(state.get("at"))


def _tone_stamp(doc_id: str, state: dict[str, Any]) -> tuple[str, str, str, datetime | None] | None:
    tone = state.get("tone")
    if not isinstance(tone, dict):
        return None
    return doc_id, str(tone.get("value")), str(tone.get("by")), _moment(tone.get("at"))


def _claims_stamp(doc_id: str, state: dict[str, Any]) -> tuple[str, tuple[str, ...], str, datetime | None] | None:
    claims = state.get("claims")
    if not isinstance(claims, dict):
        return None
    ids = claims.get("ids")
    ids = ids if isinstance(ids, list) else [] if ids is None else [ids]  # one id may come back bare
    return doc_id, tuple(sorted({str(i) for i in ids})), str(claims.get("by")), _moment(claims.get("at"))


def verify(
    client: Elasticsearch, settings: Settings, noted: audit_chain.ChainHead | None = None
) -> audit_chain.ChainReport:
    """Check the chain and the verdicts; the report lists every problem found, in words."""
    records = [
        (hit["_id"], hit["_source"])
        for hit in scan(
            client, index=audit_index(settings), query={"query": {"match_all": {}}}, ignore_unavailable=True
        )
    ]
    report = audit_chain.check(records, noted)
    applied = [
        (str(r.get("doc_id")), r.get("after") or {})
        for _, r in records
        if r.get("kind", "verdict") == "verdict" and r.get("outcome") == "applied"
    ]
    recorded = {_stamp(doc_id, after) for doc_id, after in applied}
    recorded_tones = {_tone_stamp(doc_id, after) for doc_id, after in applied} - {None}
    recorded_claims = {_claims_stamp(doc_id, after) for doc_id, after in applied} - {None}
    # any review field: a tone or a reading written around the desk need not come with a status
    reviewed = [{"exists": {"field": field}} for field in (REVIEW_STATUS, REVIEW_TONE, REVIEW_CLAIMS_AT)]
    docs = scan(
        client,
        index=alias_name(settings),
        query={"query": {"bool": {"should": reviewed, "minimum_should_match": 1}}},
        _source=["review"],
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    for hit in docs:
        state = (hit.get("_source") or {}).get("review") or {}
        tone = _tone_stamp(hit["_id"], state)
        if tone is not None and tone not in recorded_tones:
            report.problems.append(
                f"bài {hit['_id']}: giọng điệu «{tone[1]}» của {tone[2]} lúc {tone[3]} "
                "không có bản ghi kiểm tra (được ghi vòng qua bàn duyệt, hoặc bản ghi đã mất)"
            )
        reading = _claims_stamp(hit["_id"], state)
        if reading is not None and reading not in recorded_claims:
            said = ", ".join(reading[1]) or "không lặp lại tin đồn nào trong danh mục"
            report.problems.append(
                f"bài {hit['_id']}: tin đồn lặp lại «{said}» của {reading[2]} lúc {reading[3]} "
                "không có bản ghi kiểm tra (được ghi vòng qua bàn duyệt, hoặc bản ghi đã mất)"
            )
        if state.get("status") in (None, "new"):
            continue
        if _stamp(hit["_id"], state) not in recorded:
            report.problems.append(
                f"bài {hit['_id']}: kết luận «{state.get('status')}» của {state.get('by')} lúc {state.get('at')} "
                "không có bản ghi kiểm tra (được ghi vòng qua bàn duyệt, hoặc bản ghi đã mất)"
            )
    return report
