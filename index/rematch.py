"""Reading indexed items back as ``Document``s, for a re-analysis against a changed claim registry.

When a claim is added or approved, the items already indexed that repeat it should say so
(``tinradar claims rematch --since``): the flows read the items of the last days back from
the index with ``documents_since``, analyse them again with the current registry and write
them with the indexer, which writes only the pipeline's fields, never ``review``, so no
reviewer's verdict is touched.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from elasticsearch import Elasticsearch

from index import doc as F
from index.doc import SEARCH_ONLY_FIELDS, IndexDoc
from index.templates import alias_name
from tinradar.schema import DatePrecision, Document, published_problem
from tinradar.settings import Settings

#: Items read per request.
BATCH = 500


def document_of(doc: IndexDoc) -> Document:
    """The crawled document an index document was built from (what the analyser reads).

    Every field the two schemas share is copied, so a field added to both travels without
    an edit here; an index document without a stored precision is taken at the minute
    when it has a date (what the indexer assumed before precisions were stored).
    """
    shared = {name: getattr(doc, name) for name in Document.model_fields if name in IndexDoc.model_fields}
    if shared["published_at"] is not None and published_problem(shared["published_at"]):
        # Indexed before such dates were refused (1900, 2100): re-analysed undated, not a crash.
        shared["published_at"], shared["published_precision"] = None, DatePrecision.NONE
    if shared["published_precision"] is None:
        shared["published_precision"] = DatePrecision.MINUTE if doc.published_at is not None else DatePrecision.NONE
    return Document(**shared)


def documents_since(
    client: Elasticsearch, settings: Settings, since: datetime, until: datetime | None = None
) -> Iterator[tuple[list[Document], dict[str, list[str]]]]:
    """Batches of indexed documents dated from ``since`` (to ``until``), with each one's current claim ids."""
    window: dict[str, Any] = {"gte": since.isoformat()}
    if until is not None:
        window["lt"] = until.isoformat()
    search_after: list[Any] | None = None
    while True:
        kwargs: dict[str, Any] = {"search_after": search_after} if search_after else {}
        response = client.search(
            index=alias_name(settings),
            query={"range": {F.DATED_AT: window}},
            sort=[{F.ID: "asc"}],
            source_excludes=[*SEARCH_ONLY_FIELDS, F.REVIEW, F.TEXT_SEG],
            size=BATCH,
            ignore_unavailable=True,
            allow_no_indices=True,
            **kwargs,
        )
        hits = response["hits"]["hits"]
        if not hits:
            return
        docs = [IndexDoc.model_validate(h["_source"]) for h in hits]
        yield [document_of(d) for d in docs], {d.id: list(d.claim_ids) for d in docs}
        if len(hits) < BATCH:
            return
        search_after = hits[-1]["sort"]
