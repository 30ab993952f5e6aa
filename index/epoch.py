"""The index epoch: an id that changes when TinRadar's data in Elasticsearch is gone.

The crawl state (``crawlers.state``) remembers what a source has already given, and answers
"already have it" for those items. That is true only while the index those items went into
is there: a node whose data folder was wiped, a new or restored cluster, or TinRadar's indices
deleted to start over, hold none of them, and a state that outlived its index would never
fetch them again. So one small marker index, ``{prefix}-epoch``, holds one document with a
random id, made the first time a run looks for it. Wipe the node or delete TinRadar's indices
(``{prefix}-*``) and the next run makes a new one: every state built for the old id starts
fresh, and the crawl fetches again (ids are stable, so nothing is duplicated).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from contextlib import suppress

from elasticsearch import ConflictError, Elasticsearch, NotFoundError

from index.templates import create_index_once, index_pattern
from tinradar.schema import utc_now
from tinradar.settings import Settings

#: The one document of the marker index.
EPOCH_DOC_ID = "epoch"

EPOCH_SETTINGS = {"number_of_shards": 1, "auto_expand_replicas": "0-1"}
EPOCH_MAPPING = {
    "dynamic": "strict",
    "properties": {"epoch": {"type": "keyword"}, "created_at": {"type": "date"}},
}


def epoch_index(settings: Settings) -> str:
    return f"{settings.es_index_prefix}-epoch"


def index_epoch(client: Elasticsearch, settings: Settings) -> str:
    """The epoch of the index TinRadar writes to, made (once, whoever comes first) when absent."""
    name = epoch_index(settings)
    # Its mapping never changes: made with the index, no template and no put-mapping (which the
    # pipeline's least-privilege role could only do with ``manage``, and that may delete indices).
    create_index_once(client, name, settings=EPOCH_SETTINGS, mappings=EPOCH_MAPPING)
    try:
        return str(client.get(index=name, id=EPOCH_DOC_ID)["_source"]["epoch"])
    except NotFoundError:
        pass
    with suppress(ConflictError):  # another run made it in between: its id is the epoch
        client.create(
            index=name,
            id=EPOCH_DOC_ID,
            document={"epoch": uuid.uuid4().hex, "created_at": utc_now().isoformat()},
            refresh="wait_for",
        )
    return str(client.get(index=name, id=EPOCH_DOC_ID)["_source"]["epoch"])


def sources_in_index(client: Elasticsearch, settings: Settings, source_ids: Collection[str]) -> set[str]:
    """Which of ``source_ids`` the documents indices hold at least one document of."""
    ids = sorted(source_ids)
    if not ids:
        return set()
    answer = client.search(
        index=index_pattern(settings),
        size=0,
        allow_no_indices=True,
        ignore_unavailable=True,
        query={"terms": {"source_id": ids}},
        aggs={"sources": {"terms": {"field": "source_id", "size": len(ids)}}},
    )
    buckets = (answer.get("aggregations") or {}).get("sources", {}).get("buckets", [])
    return {str(b["key"]) for b in buckets if b["doc_count"]}
