"""Emerging narratives: repeat clusters of risky posts that match no claim of the registry.

A rumor nobody has written down yet cannot match a claim, but its reposts already form a
repeat cluster (``cluster_id``: near-identical texts). A cluster is *emerging* when, in the
window, it holds at least ``min_posts`` medium-or-high posts that matched no known claim and
none of its posts *spreads* a known claim (``index.search.spreading``: repeats or asks it; a
post that only refutes a claim — a correction reposted into the cluster — does not make the
cluster a known rumor; documents written before schema version 2 count any match); it is listed with its size, its posts per day and its growth (the last day
against the day before), so the board sees a new rumor before anyone writes it down and can
propose it as a claim from the desk.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from elasticsearch import Elasticsearch
from pydantic import BaseModel, Field

from index import doc as F
from index.search import per_day, spreading_any
from index.templates import alias_name
from tinradar.settings import Settings

#: Medium-or-high posts a cluster needs to be listed.
MIN_POSTS = 3
#: Days looked back.
WINDOW_DAYS = 7


class Narrative(BaseModel):
    """One emerging narrative: a repeat cluster with no known claim."""

    cluster_id: str
    posts: int = Field(description="medium-or-high posts in the window")
    per_day: dict[str, int] = Field(default_factory=dict, description="day → posts, oldest first")
    first_seen: datetime | None = None
    example_id: str | None = None
    example_title: str = ""
    example_text: str = ""
    example_url: str | None = None
    sources: list[str] = Field(default_factory=list)

    @property
    def last_day(self) -> int:
        return list(self.per_day.values())[-1] if self.per_day else 0

    @property
    def growth(self) -> int:
        """Posts on the last day minus the day before."""
        values = list(self.per_day.values())
        return values[-1] - values[-2] if len(values) >= 2 else (values[-1] if values else 0)


def unlisted_filter() -> list[dict[str, Any]]:
    """Query filters of a risky post in a repeat cluster that matched no claim (the desk's "chưa có trong danh mục").

    A post a reviewer read as repeating a registry claim is listed, whatever the machine matched
    (``review.claims.ids``; a reading of "none" indexes no id, so it leaves the machine's word).
    """
    return [
        {"range": {F.RISK_RANK: {"gte": 1}}},
        {"exists": {"field": F.CLUSTER_ID}},
        {"bool": {"must_not": [{"exists": {"field": F.CLAIM_IDS}}, {"exists": {"field": F.REVIEW_CLAIM_IDS}}]}},
    ]


def emerging(
    client: Elasticsearch,
    settings: Settings,
    day: date,
    *,
    min_posts: int = MIN_POSTS,
    window_days: int = WINDOW_DAYS,
    limit: int = 20,
) -> list[Narrative]:
    """Emerging narratives of the ``window_days`` up to ``day`` (board time zone), most posts first."""
    tz = settings.tz
    start = datetime.combine(day - timedelta(days=window_days - 1), time.min, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    window = {"range": {F.DATED_AT: {"gte": start.isoformat(), "lt": end.isoformat()}}}
    response = client.search(
        index=alias_name(settings),
        query={"bool": {"filter": [window, *unlisted_filter()]}},
        aggs={
            "clusters": {
                "terms": {"field": F.CLUSTER_ID, "size": limit * 3, "min_doc_count": min_posts},
                "aggs": {
                    "first": {"min": {"field": F.DATED_AT, "format": "strict_date_time"}},
                    "sources": {"terms": {"field": F.SOURCE_ID, "size": 10}},
                    "by_day": per_day(settings, bounds=(day - timedelta(days=window_days - 1), day)),
                    "example": {
                        "top_hits": {
                            "size": 1,
                            "sort": [{F.RISK_RANK: "desc"}, {F.DATED_AT: "asc"}],
                            "_source": {"includes": ["title", "text", "url"]},
                        }
                    },
                },
            }
        },
        size=0,
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    buckets = (response.get("aggregations") or {}).get("clusters", {}).get("buckets", [])
    if not buckets:
        return []
    # A cluster some of whose posts spread a claim is a known rumor reworded, not a new one; a
    # post that only refutes a claim answers that claim and says nothing of the cluster's own.
    ids = [b["key"] for b in buckets]
    known = client.search(
        index=alias_name(settings),
        query={"bool": {"filter": [{"terms": {F.CLUSTER_ID: ids}}, spreading_any()]}},
        aggs={"clusters": {"terms": {"field": F.CLUSTER_ID, "size": len(ids)}}},
        size=0,
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    matched = {b["key"] for b in known["aggregations"]["clusters"]["buckets"]}
    out: list[Narrative] = []
    for b in buckets:
        if b["key"] in matched:
            continue
        hit = b["example"]["hits"]["hits"][0]
        first = b["first"].get("value_as_string")
        out.append(
            Narrative(
                cluster_id=b["key"],
                posts=b["doc_count"],
                per_day={d["key_as_string"]: d["doc_count"] for d in b["by_day"]["buckets"]},
                first_seen=datetime.fromisoformat(first.replace("Z", "+00:00")) if first else None,
                example_id=hit["_id"],
                example_title=hit["_source"].get("title") or "",
                example_text=(hit["_source"].get("text") or "")[:400],
                example_url=hit["_source"].get("url"),
                sources=sorted(s["key"] for s in b["sources"]["buckets"]),
            )
        )
    return sorted(out, key=lambda n: (-n.posts, n.cluster_id))[:limit]
