"""How fast each rumor was caught and answered: the board's response times, per claim.

For a claim, from the indexed items that spread it and the registry's corrections. An item
spreads a claim when it matched it as ``repeats`` or ``asks`` (``spread_claim_ids``); an item that
matched it only to refute it — the board's own correction, a reader quoting it to deny it — is the
answer, not one more post of the rumor, and is not counted (documents written before schema
version 2 have no ``spread_claim_ids``: for them every match counts, as it did then). A
reviewer's claim reading (``review.claims``) overrides the machine for its item: read as
repeating the claim, it is a post of it; read as "none" or as another claim, it is not, however
early it came. The one definition is ``index.search.spreading``.

* **first seen**: the earliest item (by ``dated_at``: published, else fetched) that spread it;
* **first flagged**: the earliest of those items rated medium or high, i.e. from when the
  desk's queue showed it (a daily run puts an item in the queue the day it is published);
* **first verdict**: the earliest reviewer verdict (``review.at``) on one of its items;
* **correction**: the first correction the board published (``index.claims``);
* the delays between first seen and each of the others, and posts per day (board time
  zone) in the 7 days before and the 7 days after the correction.

Everything is computed by Elasticsearch aggregations (one request per claim), so it
holds for any number of items; a claim with no matched item has no "first seen" and no delays.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from elasticsearch import Elasticsearch
from pydantic import BaseModel, Field

from index import doc as F
from index.claims import ClaimStatus, RegistryClaim
from index.doc import VERDICTS
from index.search import per_day, spreading
from index.templates import alias_name
from tinradar.settings import Settings

#: Days before and after the correction whose posts are counted.
WINDOW_DAYS = 7


class DayCount(BaseModel):
    day: date
    posts: int


class ClaimTimeline(BaseModel):
    """One claim's life: when it appeared, was flagged, decided and answered."""

    claim_id: str
    claim: str
    posts: int = 0
    flagged_posts: int = 0
    first_seen: datetime | None = None
    first_flagged: datetime | None = None
    first_verdict: datetime | None = None
    correction_at: datetime | None = None
    correction_url: str | None = None
    per_day: list[DayCount] = Field(default_factory=list, description="posts per day over the whole life")

    def _delay(self, end: datetime | None) -> timedelta | None:
        if self.first_seen is None or end is None:
            return None
        return max(end - self.first_seen, timedelta(0))

    @property
    def time_to_flag(self) -> timedelta | None:
        return self._delay(self.first_flagged)

    @property
    def time_to_verdict(self) -> timedelta | None:
        return self._delay(self.first_verdict)

    @property
    def time_to_answer(self) -> timedelta | None:
        return self._delay(self.correction_at)

    @property
    def answered(self) -> bool:
        return self.correction_at is not None

    def around_correction(self, tz: Any) -> tuple[list[DayCount], list[DayCount]]:
        """Posts per day in the ``WINDOW_DAYS`` before the correction day and from it on (zeros included)."""
        if self.correction_at is None:
            return [], []
        counts = {d.day: d.posts for d in self.per_day}
        day0 = self.correction_at.astimezone(tz).date()
        before = [DayCount(day=day0 - timedelta(days=n), posts=0) for n in range(WINDOW_DAYS, 0, -1)]
        after = [DayCount(day=day0 + timedelta(days=n), posts=0) for n in range(WINDOW_DAYS)]
        for row in (*before, *after):
            row.posts = counts.get(row.day, 0)
        return before, after


def _time(value: Any) -> datetime | None:
    text = value.get("value_as_string") if isinstance(value, dict) else None
    if not text or value.get("value") is None:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def timeline(client: Elasticsearch, settings: Settings, record: RegistryClaim) -> ClaimTimeline:
    """The response times of one claim (one aggregation request)."""
    date_fmt = "strict_date_time"
    aggs: dict[str, Any] = {
        "first_seen": {"min": {"field": F.DATED_AT, "format": date_fmt}},
        "flagged": {
            "filter": {"range": {F.RISK_RANK: {"gte": 1}}},
            "aggs": {"first": {"min": {"field": F.DATED_AT, "format": date_fmt}}},
        },
        "decided": {
            "filter": {"terms": {F.REVIEW_STATUS: [v.value for v in VERDICTS]}},
            "aggs": {"first": {"min": {"field": F.REVIEW_AT, "format": date_fmt}}},
        },
        "by_day": per_day(settings, min_doc_count=1),
    }
    response = client.search(
        index=alias_name(settings),
        query=spreading(record.id),
        aggs=aggs,
        size=0,
        track_total_hits=True,
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    a = response.get("aggregations") or {}
    correction = record.first_correction()
    return ClaimTimeline(
        claim_id=record.id,
        claim=record.claim.claim,
        posts=response["hits"]["total"]["value"],
        flagged_posts=a.get("flagged", {}).get("doc_count", 0),
        first_seen=_time(a.get("first_seen")),
        first_flagged=_time(a.get("flagged", {}).get("first")),
        first_verdict=_time(a.get("decided", {}).get("first")),
        correction_at=correction.published_at if correction else None,
        correction_url=correction.url if correction else None,
        per_day=[
            DayCount(day=date.fromisoformat(b["key_as_string"]), posts=b["doc_count"])
            for b in a.get("by_day", {}).get("buckets", [])
        ],
    )


class ResponseSummary(BaseModel):
    """The report's view: the rumors still unanswered and the month's median delays."""

    month: str
    unanswered: list[ClaimTimeline] = Field(default_factory=list, description="flagged, no correction; oldest first")
    answered: list[ClaimTimeline] = Field(default_factory=list)
    median_to_flag: timedelta | None = None
    median_to_answer: timedelta | None = None
    claims_this_month: int = 0


def _median(values: Sequence[timedelta | None]) -> timedelta | None:
    seconds = [v.total_seconds() for v in values if v is not None]
    return timedelta(seconds=statistics.median(seconds)) if seconds else None


def response_summary(
    client: Elasticsearch, settings: Settings, registry: Sequence[RegistryClaim], now: datetime
) -> ResponseSummary:
    """Every claim's timeline, summed up for the month of ``now`` (board time zone).

    A claim counts for the month its first post appeared in; it is "unanswered" while it
    has flagged posts and no recorded correction (for how long: since it was first seen).
    """
    local = now.astimezone(settings.tz)
    month = f"{local:%Y-%m}"
    lines = [timeline(client, settings, r) for r in registry if r.status != ClaimStatus.REJECTED]
    seen = [t for t in lines if t.first_seen is not None]
    this_month = [t for t in seen if f"{t.first_seen.astimezone(settings.tz):%Y-%m}" == month]  # type: ignore[union-attr]
    return ResponseSummary(
        month=month,
        unanswered=sorted((t for t in seen if t.flagged_posts and not t.answered), key=lambda t: t.first_seen or now),
        answered=[t for t in seen if t.answered],
        median_to_flag=_median([t.time_to_flag for t in this_month]),
        median_to_answer=_median([t.time_to_answer for t in this_month]),
        claims_this_month=len(this_month),
    )


def human_delay(value: timedelta | None) -> str:
    """A delay in Vietnamese: '2 ngày 3 giờ', '45 phút', '—' when unknown."""
    if value is None:
        return "—"
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} ngày"] if days else []
    if hours:
        parts.append(f"{hours} giờ")
    if not days and (mins or not hours):
        parts.append(f"{mins} phút")
    return " ".join(parts)
