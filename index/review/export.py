"""The board's verdicts as labelled examples, for ``tinradar train rumor --with-reviews``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Literal

from elasticsearch import Elasticsearch
from elasticsearch.helpers import scan
from pydantic import BaseModel, Field, PlainSerializer, field_validator

from index import doc as F
from index.doc import SEARCH_ONLY_FIELDS, IndexDoc
from index.templates import alias_name
from tinradar.schema import Kind, ReviewStatus
from tinradar.settings import Settings

#: Labels for retraining the rumor model: 1 = rumor-like, 0 = not; irrelevant is skipped.
EXPORT_LABELS: dict[ReviewStatus, Literal[0, 1]] = {
    ReviewStatus.CONFIRMED_FALSE: 1,
    ReviewStatus.MISLEADING: 1,
    ReviewStatus.ACCURATE: 0,
}


class ReviewExportRow(BaseModel):
    """One line of ``tinradar review export``: a decided document as a training example.

    ``id``, ``text`` and ``label`` are what training needs (a file written by hand may
    carry only those); the rest says where the verdict came from.
    """

    id: str
    text: str = Field(description="Title and body as the NLP stage reads them")
    label: Literal[0, 1] = Field(description="1 = confirmed false or misleading, 0 = accurate")
    status: ReviewStatus | None = None
    reviewed_at: Annotated[datetime, PlainSerializer(datetime.isoformat, return_type=str)] | None = None
    source_id: str | None = None
    kind: Kind | None = None

    @field_validator("text")
    @classmethod
    def _has_text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("empty text")
        return value


def export_decisions(client: Elasticsearch, settings: Settings) -> Iterator[ReviewExportRow]:
    """One row per decided document, ordered by id so that exports are reproducible.

    Irrelevant items say nothing about rumor risk and are skipped, and so are documents
    without text.
    """
    hits = scan(
        client,
        index=alias_name(settings),
        query={"query": {"terms": {F.REVIEW_STATUS: sorted(s.value for s in EXPORT_LABELS)}}},
        source_excludes=list(SEARCH_ONLY_FIELDS),
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    rows = []
    for hit in hits:
        doc = IndexDoc.model_validate(hit["_source"])
        state = doc.review_state
        text = doc.full_text
        if not text or state.status not in EXPORT_LABELS:
            continue
        rows.append(
            ReviewExportRow(
                id=hit["_id"],
                text=text,
                label=EXPORT_LABELS[state.status],
                status=state.status,
                reviewed_at=state.at,
                source_id=doc.source_id,
                kind=doc.kind,
            )
        )
    rows.sort(key=lambda r: r.id)
    yield from rows
