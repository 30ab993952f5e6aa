"""How many documents hold a value the index did not take as a term (``ignore_above``).

Every keyword is bounded (``templates.KEYWORD_IGNORE_ABOVE``): a longer value goes in with its
document, kept whole in ``_source``, but it is no term, so no filter, facet or sort sees it, and
only the document's ``_ignored`` names the field. Unseen, an absurd author or URL from a broken
export would go unnoticed; ``tinradar index stats`` counts them from here, by field, so the
analyst knows what a facet or filter on that field misses.
"""

from __future__ import annotations

from elasticsearch import Elasticsearch
from pydantic import BaseModel, Field

from index.templates import alias_name
from tinradar.settings import Settings

#: The most fields counted (every keyword field of the documents mapping is far fewer).
MAX_FIELDS = 200


class IgnoredValues(BaseModel):
    """The documents of the read alias, and those with a value left out of the index."""

    total: int = Field(description="Documents in the read alias")
    with_ignored: int = Field(description="Documents that have at least one field in _ignored")
    by_field: dict[str, int] = Field(
        default_factory=dict, description="Field → documents whose value of it was ignored, most first"
    )


def ignored_values(client: Elasticsearch, settings: Settings) -> IgnoredValues:
    """Count them in one request: an ``exists`` filter on ``_ignored`` and a terms aggregation on it
    (``_ignored`` has doc values since Elasticsearch 8.15). No index yet is zero documents."""
    resp = client.search(
        index=alias_name(settings),
        size=0,
        track_total_hits=True,
        aggs={
            "ignored": {
                "filter": {"exists": {"field": "_ignored"}},
                "aggs": {"fields": {"terms": {"field": "_ignored", "size": MAX_FIELDS}}},
            }
        },
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    found = resp.get("aggregations", {}).get("ignored", {})
    buckets = found.get("fields", {}).get("buckets", [])
    return IgnoredValues(
        total=int(resp["hits"]["total"]["value"]),
        with_ignored=int(found.get("doc_count", 0)),
        by_field={str(b["key"]): int(b["doc_count"]) for b in buckets},
    )
