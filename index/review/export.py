"""The board's verdicts, tones and claim readings as labelled examples, for ``tinradar train … --with-reviews``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Literal

from elasticsearch import Elasticsearch
from elasticsearch.helpers import scan
from pydantic import BaseModel, Field, PlainSerializer, field_validator, model_validator

from index import doc as F
from index.doc import SEARCH_ONLY_FIELDS, IndexDoc
from index.templates import alias_name
from tinradar.schema import ClaimIds, Kind, ReviewStatus, Sentiment
from tinradar.settings import Settings

#: Labels for retraining the rumor model: 1 = rumor-like, 0 = not; irrelevant is skipped.
EXPORT_LABELS: dict[ReviewStatus, Literal[0, 1]] = {
    ReviewStatus.CONFIRMED_FALSE: 1,
    ReviewStatus.MISLEADING: 1,
    ReviewStatus.ACCURATE: 0,
}


class ReviewExportRow(BaseModel):
    """One line of ``tinradar review export``: a reviewed document as a training example.

    ``id``, ``text`` and ``label`` (rumor) or ``tone`` (sentiment) are what training needs
    (a file written by hand may carry only those); the rest says where they came from.
    A row has a label, a tone, a claim reading (``claims``), or several: an *irrelevant* item
    with a tone has no label.
    """

    id: str
    text: str = Field(description="Title and body as the NLP stage reads them")
    label: Literal[0, 1] | None = Field(
        default=None, description="1 = confirmed false or misleading, 0 = accurate, None = no rumor verdict"
    )
    tone: Sentiment | None = Field(default=None, description="the author's tone as a reviewer read it")
    tone_at: Annotated[datetime, PlainSerializer(datetime.isoformat, return_type=str)] | None = None
    claims: ClaimIds | None = Field(
        default=None,
        description="the registry claims a reviewer read the text as repeating: [] = none of them, "
        "None = no reviewer recorded it (training data for the claim verifier)",
    )
    claims_at: Annotated[datetime, PlainSerializer(datetime.isoformat, return_type=str)] | None = None
    status: ReviewStatus | None = None
    reviewed_at: Annotated[datetime, PlainSerializer(datetime.isoformat, return_type=str)] | None = None
    source_id: str | None = None
    kind: Kind | None = None
    cluster_id: str | None = Field(default=None, description="near-duplicate cluster: one group in cross-validation")

    @field_validator("text")
    @classmethod
    def _has_text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("empty text")
        return value

    @model_validator(mode="after")
    def _labelled(self) -> ReviewExportRow:
        if self.label is None and self.tone is None and self.claims is None:
            raise ValueError(
                "a row needs a 'label' (0 or 1), a 'tone' (neg, neu, pos) or 'claims' (claim ids, maybe none)"
            )
        return self


def export_decisions(client: Elasticsearch, settings: Settings) -> Iterator[ReviewExportRow]:
    """One row per decided, toned or claim-read document, ordered by id so that exports are reproducible.

    Irrelevant items say nothing about rumor risk: they come out only with a tone or a
    claim reading (and no label). A claim reading comes out as ``claims`` (``[]``: the
    reviewer read it as repeating none of the registry's claims). Documents without text
    are skipped.
    """
    labelled = {"terms": {F.REVIEW_STATUS: sorted(s.value for s in EXPORT_LABELS)}}
    toned = {"exists": {"field": F.REVIEW_TONE}}
    read = {"exists": {"field": F.REVIEW_CLAIMS_AT}}  # not the ids: a reading of "none" has none
    hits = scan(
        client,
        index=alias_name(settings),
        query={"query": {"bool": {"should": [labelled, toned, read], "minimum_should_match": 1}}},
        source_excludes=list(SEARCH_ONLY_FIELDS),
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    rows = []
    for hit in hits:
        doc = IndexDoc.model_validate(hit["_source"])
        state = doc.review_state
        text = doc.full_text
        label = EXPORT_LABELS.get(state.status)
        if not text or (label is None and state.tone is None and state.claims is None):
            continue
        rows.append(
            ReviewExportRow(
                id=hit["_id"],
                text=text,
                label=label,
                tone=state.tone.value if state.tone else None,
                tone_at=state.tone.at if state.tone else None,
                claims=state.claims.ids if state.claims else None,
                claims_at=state.claims.at if state.claims else None,
                status=state.status,
                reviewed_at=state.at,
                source_id=doc.source_id,
                kind=doc.kind,
                cluster_id=doc.cluster_id,
            )
        )
    rows.sort(key=lambda r: r.id)
    yield from rows
