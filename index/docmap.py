"""ScoredItem → the index document (``index.doc.IndexDoc``, the pipeline's fields only).

Every field is built explicitly (the mapping is ``dynamic: strict``) and ``review`` is
never among them: review fields belong to people, and a partial update that does not
name them leaves them as they are. Fields the pipeline no longer sets are written as
``null`` so re-analysis clears them instead of leaving stale values.
"""

from __future__ import annotations

from datetime import datetime

from index.doc import IndexDoc
from tinradar.schema import MAX_COUNT, SCHEMA_VERSION, RiskLevel, ScoredItem, Stance
from tinradar.text import fold

#: Numeric rank of each risk level, for "at least medium" filters.
RISK_RANK: dict[RiskLevel, int] = {RiskLevel.LOW: 0, RiskLevel.MEDIUM: 1, RiskLevel.HIGH: 2}


def dated_at(item: ScoredItem) -> datetime:
    """When an item happened: its publication time, else when it was fetched."""
    return item.document.published_at or item.document.fetched_at


def _uniq(values: list[str | None]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if value:
            seen.setdefault(value, None)
    return list(seen)


def to_source(item: ScoredItem) -> IndexDoc:
    """The pipeline's part of an index document (no ``review``).

    Built with ``model_construct``: every value comes from an already validated
    ``ScoredItem``, and the indexer builds one per item on its hot path (the template
    test validates the same construction).
    """
    doc, ana = item.document, item.analysis
    engagement_parts = [doc.likes, doc.comments, doc.shares]
    engagement = (
        min(MAX_COUNT, sum(v for v in engagement_parts if v is not None))
        if any(v is not None for v in engagement_parts)
        else None
    )
    claims = sorted(ana.matched_claims, key=lambda m: m.similarity, reverse=True)
    return IndexDoc.model_construct(
        id=doc.id,
        url=doc.url,
        source_id=doc.source_id,
        kind=doc.kind,
        platform=doc.platform,
        title=doc.title,
        title_folded=fold(doc.title),
        text=doc.text,
        text_folded=fold(doc.text),
        captions=list(doc.captions),
        captions_folded=[fold(c) for c in doc.captions],
        text_seg=ana.text_seg,
        published_at=doc.published_at,
        published_precision=doc.published_precision,
        fetched_at=doc.fetched_at,
        dated_at=dated_at(item),
        language=doc.language or ana.language,
        author=doc.author,
        author_hash=doc.author_hash,
        via=doc.via,
        likes=doc.likes,
        comments=doc.comments,
        shares=doc.shares,
        views=doc.views,
        engagement=engagement,
        province_code=doc.province_code,
        district_code=doc.district_code,
        provinces=_uniq([doc.province_code, *(loc.province_code for loc in ana.locations)]),
        districts=_uniq([doc.district_code, *(loc.district_code for loc in ana.locations)]),
        rumor_risk=ana.rumor_risk,
        risk_level=ana.risk_level,
        risk_rank=RISK_RANK[ana.risk_level],
        cues=list(ana.cues),
        cue_spans=list(ana.cue_spans),
        score_steps=list(ana.score_steps),
        sentiment=ana.sentiment,
        sentiment_proba=dict(ana.sentiment_proba),
        covid=ana.covid,
        covid_proba=ana.covid_proba,
        locations=list(ana.locations),
        place_names=_uniq([loc.name for loc in ana.locations]),
        matched_claims=claims,
        claim_ids=_uniq([m.claim_id for m in claims]),
        spread_claim_ids=_uniq([m.claim_id for m in claims if m.stance is not Stance.REFUTES]),
        claim_similarity=claims[0].similarity if claims else None,
        cluster_id=ana.cluster_id,
        notes=list(ana.notes),
        model_versions=dict(ana.model_versions),
        analyzed_at=ana.analyzed_at,
        schema_version=SCHEMA_VERSION,
        content_hash=None,  # filled in by ``pipeline_body`` from the body it writes
        review=None,
    )
