"""Scored items for the index tests, built from the real kernel models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tinradar.schema import (
    Analysis,
    ClaimMatch,
    Document,
    Location,
    ScoredItem,
    ScoreStep,
    Stance,
    StepKind,
    risk_level_for,
)

FETCHED = datetime(2021, 8, 10, 3, 0, tzinfo=UTC)
#: Mappings for an index "made by another tool" that requires a routing value: the template still
#: applies, ``_routing`` comes on top, and Elasticsearch refuses every write without one (400, for
#: good: adding the template's fields to older indices leaves ``_routing`` as it is). None of our
#: writes has a routing value, and validation cannot know of it: the rejected tests' cause.
ROUTING_REQUIRED = {"_routing": {"required": True}}
#: How a 62 % risk was made, as the analyzer writes it (``Analysis.score_steps``): the text model, then the e5 view.
SAMPLE_STEPS = (
    ScoreStep(kind=StepKind.TEXT, score=0.25, message="Mô hình văn bản (từ ngữ và đặc điểm bài): 25%"),
    ScoreStep(
        kind=StepKind.ENCODER, score=0.62, message="Đọc theo nghĩa (bộ mã hóa e5): giống các bài không đáng tin → 62%"
    ),
)


def make_item(
    n: int,
    text: str = "Người dân đi tiêm vắc xin phòng COVID-19",
    *,
    title: str | None = None,
    published_at: str | None = "2021-08-05T10:00:00+07:00",
    source_id: str = "baotuyenquang",
    kind: str = "news",
    risk: float = 0.2,
    sentiment: str = "neu",
    claims: list[str] | None = None,
    refutes: list[str] | None = None,
    places: list[tuple[str, str, str | None]] | None = None,
    cluster_id: str | None = None,
    likes: int | None = None,
    **doc: Any,
) -> ScoredItem:
    """One scored item; ``places`` are (name, province_code, district_code); ``claims`` are matched as
    repeating the claim, ``refutes`` as refuting it."""
    document = Document(
        id=f"doc-{n:08d}",
        url=f"https://example.vn/tin/{n}",
        source_id=source_id,
        kind=kind,
        title=title if title is not None else f"Tin số {n}",
        text=text,
        published_at=published_at,
        fetched_at=doc.pop("fetched_at", FETCHED),
        likes=likes,
        **doc,
    )
    analysis = Analysis(
        doc_id=document.id,
        rumor_risk=risk,
        risk_level=risk_level_for(risk),
        cues=["giọng khẳng định tuyệt đối"] if risk >= 0.7 else [],
        sentiment=sentiment,
        covid=True,
        covid_proba=0.9,
        locations=[Location(name=name, province_code=p, district_code=d) for name, p, d in (places or [])],
        matched_claims=[ClaimMatch(claim_id=c, similarity=0.91) for c in (claims or [])]
        + [ClaimMatch(claim_id=c, similarity=0.9, stance=Stance.REFUTES) for c in (refutes or [])],
        cluster_id=cluster_id,
        analyzed_at=FETCHED,
    )
    return ScoredItem(document=document, analysis=analysis)
