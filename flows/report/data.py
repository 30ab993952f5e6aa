"""Everything the daily report shows, gathered from the index with the analysts' own queries.

All numbers come from ``index.search.search`` / ``index.search.stats`` (the functions
behind ``tinradar search``), so a number in the report can be reproduced with a search
command. "Today" is the report's day in the board's time zone; the 7-day window ends
with it. Nothing here formats anything: ``flows.report.render`` does.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from flows.summary import RunSummary, SourceRun, SourceStatus
from nlp.places import PlaceNames
from tinradar.schema import ReviewStatus, RiskLevel, Sentiment, utc_now
from tinradar.settings import Settings

TOP_ITEMS = 20
WINDOW_DAYS = 7
#: A claim/cluster "spikes" when today's count is at least this many items…
SPIKE_MIN_COUNT = 3
#: …and at least this many times its average day over the previous 7 days (or new).
SPIKE_RATIO = 2.0


class ClaimRef(BaseModel):
    claim_id: str
    claim: str = ""
    similarity: float | None = None


class ReportItem(BaseModel):
    """One flagged item, as a reviewer needs it: what, where, why, link."""

    id: str
    title: str
    snippet: str = ""
    url: str | None = None
    source_id: str
    dated_at: str | None = None
    rumor_risk: float = 0.0
    risk_level: str = RiskLevel.LOW.value
    cues: list[str] = Field(default_factory=list)
    claims: list[ClaimRef] = Field(default_factory=list)
    places: list[str] = Field(default_factory=list)
    cluster_id: str | None = None


class ClaimSeen(BaseModel):
    """A known false claim repeated today, with its official correction."""

    claim_id: str
    claim: str
    correction: str = ""
    debunked_by: str = ""
    source_url: str | None = None
    today: int
    window: int = 0
    example_title: str | None = None
    example_url: str | None = None


class ClusterRow(BaseModel):
    """A group of near-identical posts (the same text reposted with small edits)."""

    cluster_id: str
    today: int
    example_title: str = ""
    example_url: str | None = None
    sources: list[str] = Field(default_factory=list)


class Spike(BaseModel):
    kind: str  # "claim" | "cluster"
    key: str
    label: str
    today: int
    baseline: float = Field(description="Average items per day over the previous 7 days")


class PlaceRow(BaseModel):
    code: str
    name: str
    today: int
    window: int


class Headline(BaseModel):
    label: str
    today: int
    yesterday: int
    higher_is_bad: bool | None = Field(
        default=True, description="Colour of a rise: red (True), green (False), grey (None)"
    )


class ReportData(BaseModel):
    day: date
    generated_at: datetime
    timezone: str
    days: list[str] = Field(description="The 7 days of the window, oldest first")
    headlines: list[Headline] = Field(default_factory=list)
    total_today: int = 0
    total_window: int = 0
    by_source_today: dict[str, int] = Field(default_factory=dict)
    volume_by_source_day: dict[str, dict[str, int]] = Field(default_factory=dict, description="source → day → items")
    risk_today: dict[str, int] = Field(default_factory=dict)
    top_items: list[ReportItem] = Field(default_factory=list)
    claims_seen: list[ClaimSeen] = Field(default_factory=list)
    new_clusters: list[ClusterRow] = Field(default_factory=list)
    sentiment_by_day: dict[str, dict[str, int]] = Field(default_factory=dict, description="sentiment → day → items")
    provinces: list[PlaceRow] = Field(default_factory=list)
    districts: list[PlaceRow] = Field(default_factory=list)
    spikes: list[Spike] = Field(default_factory=list)
    crawl_status: list[SourceRun] = Field(default_factory=list)
    runs_today: int = 0
    pending_items: int = 0

    @property
    def empty(self) -> bool:
        return self.total_today == 0

    @property
    def broken_sources(self) -> list[SourceRun]:
        return [s for s in self.crawl_status if s.status in (SourceStatus.DOWN, SourceStatus.FAILED)]


# --- helpers ---------------------------------------------------------------------------


def _claims_registry(settings: Settings) -> dict[str, Any]:
    """Known claims by id (empty when the registry cannot be read: ids are shown instead)."""
    try:
        from nlp.claims import load_claims

        return {c.id: c for c in load_claims(settings.claims_file)}
    except Exception:
        return {}


def _short(text: str, n: int = 220) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1].rsplit(" ", 1)[0] + "…"


def _item(hit: Any, claims: dict[str, Any]) -> ReportItem:
    s = hit.source
    refs = []
    for m in s.get("matched_claims") or []:
        cid = m.get("claim_id", "")
        refs.append(ClaimRef(claim_id=cid, claim=getattr(claims.get(cid), "claim", ""), similarity=m.get("similarity")))
    title = s.get("title") or _short(s.get("text", ""), 90)
    return ReportItem(
        id=hit.id,
        title=title,
        snippet=_short(s.get("text", "")),
        url=s.get("url"),
        source_id=s.get("source_id", ""),
        dated_at=s.get("dated_at"),
        rumor_risk=float(s.get("rumor_risk") or 0.0),
        risk_level=s.get("risk_level") or RiskLevel.LOW.value,
        cues=list(s.get("cues") or []),
        claims=refs,
        places=list(s.get("place_names") or []),
        cluster_id=s.get("cluster_id"),
    )


def crawl_status_for(settings: Settings, day: date) -> tuple[list[SourceRun], int, int]:
    """Crawl state per source from the day's run summaries; (sources, runs, pending items).

    Status and skips are the latest run's (is the source working now?); items are summed
    over the day's runs (a rerun that finds nothing new must not read as "0 items").
    """
    folder = settings.data_dir / "runs" / day.isoformat()
    latest: dict[str, SourceRun] = {}
    runs = 0
    pending = 0
    for path in sorted(folder.glob("*/summary.json")) if folder.is_dir() else []:
        try:
            summary = RunSummary.model_validate(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, OSError):
            continue
        runs += 1
        pending = summary.counts.pending
        for source in summary.sources:
            # status and skips of the latest run; items collected over all the day's runs
            earlier = latest.get(source.source_id)
            items = source.items + (earlier.items if earlier else 0)
            latest[source.source_id] = source.model_copy(update={"items": items})
    return sorted(latest.values(), key=lambda s: s.source_id), runs, pending


# --- the collector ----------------------------------------------------------------------


class ReportCollector:
    """Runs the report's queries against one index (the one ``settings`` point at)."""

    def __init__(self, client: Any, settings: Settings) -> None:
        from index import search as search_mod

        self.client = client
        self.settings = settings
        self.search_mod = search_mod
        self.claims = _claims_registry(settings)
        self.places = PlaceNames.load()

    def q(self, **kwargs: Any) -> Any:
        return self.search_mod.SearchQuery(**kwargs)

    def stats(self, **kwargs: Any) -> Any:
        return self.search_mod.stats(self.client, self.settings, self.q(**kwargs), top=100)

    def search(self, **kwargs: Any) -> Any:
        return self.search_mod.search(self.client, self.settings, self.q(**kwargs))

    def collect(self, day: date) -> ReportData:
        start = day - timedelta(days=WINDOW_DAYS - 1)
        yesterday = day - timedelta(days=1)
        days = [(start + timedelta(days=i)).isoformat() for i in range(WINDOW_DAYS)]
        today = self.stats(since=day, until=day, limit=0)
        before = self.stats(since=yesterday, until=yesterday, limit=0)
        window = self.stats(since=start, until=day, limit=0)
        baseline = self.stats(since=day - timedelta(days=WINDOW_DAYS), until=yesterday, limit=0)
        data = ReportData(
            day=day,
            generated_at=utc_now().astimezone(self.settings.tz),
            timezone=self.settings.timezone,
            days=days,
            total_today=today.total,
            total_window=window.total,
            by_source_today=dict(today.by_source),
            risk_today={lvl.value: today.by_risk_level.get(lvl.value, 0) for lvl in RiskLevel},
        )
        data.headlines = self._headlines(today, before)
        data.volume_by_source_day = self._per_day(days, start, day, "sources", list(window.by_source)[:8])
        data.sentiment_by_day = self._per_day(days, start, day, "sentiments", [s.value for s in Sentiment])
        data.top_items = self._top_items(day)
        data.claims_seen = self._claims_seen(day, today, window)
        data.new_clusters = self._new_clusters(day, today)
        data.spikes = self._spikes(today, baseline)
        data.provinces = self._provinces(today, window)
        data.districts = self._districts(day, start)
        data.crawl_status, data.runs_today, data.pending_items = crawl_status_for(self.settings, day)
        return data

    def _headlines(self, today: Any, before: Any) -> list[Headline]:
        def claims(s: Any) -> int:
            return int(sum(s.by_claim.values()))

        return [
            Headline(label="Tổng số tin, bài thu thập", today=today.total, yesterday=before.total, higher_is_bad=None),
            Headline(
                label="Nguy cơ tin đồn cao",
                today=today.by_risk_level.get(RiskLevel.HIGH.value, 0),
                yesterday=before.by_risk_level.get(RiskLevel.HIGH.value, 0),
            ),
            Headline(label="Lặp lại tin sai đã biết", today=claims(today), yesterday=claims(before)),
            Headline(
                label="Sắc thái tiêu cực",
                today=today.by_sentiment.get(Sentiment.NEG.value, 0),
                yesterday=before.by_sentiment.get(Sentiment.NEG.value, 0),
            ),
        ]

    def _per_day(
        self, days: list[str], start: date, day: date, field: str, keys: list[str]
    ) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for key in keys:
            s = self.stats(since=start, until=day, limit=0, **{field: [key]})
            out[key] = {d: s.by_day.get(d, 0) for d in days}
        return out

    def _top_items(self, day: date) -> list[ReportItem]:
        result = self.search(
            since=day, until=day, statuses=[ReviewStatus.NEW], risk_min=RiskLevel.MEDIUM, sort="risk", limit=TOP_ITEMS
        )
        return [_item(h, self.claims) for h in result.hits]

    def _claims_seen(self, day: date, today: Any, window: Any) -> list[ClaimSeen]:
        rows = []
        for cid, n in sorted(today.by_claim.items(), key=lambda kv: -kv[1]):
            claim = self.claims.get(cid)
            example = self.search(since=day, until=day, claims=[cid], sort="risk", limit=1).hits
            rows.append(
                ClaimSeen(
                    claim_id=cid,
                    claim=getattr(claim, "claim", "") or cid,
                    correction=getattr(claim, "correction", "") or "",
                    debunked_by=_as_text(getattr(claim, "debunked_by", "")),
                    source_url=getattr(claim, "source_url", None),
                    today=n,
                    window=window.by_claim.get(cid, n),
                    example_title=(example[0].source.get("title") or _short(example[0].source.get("text", ""), 90))
                    if example
                    else None,
                    example_url=example[0].source.get("url") if example else None,
                )
            )
        return rows

    def _new_clusters(self, day: date, today: Any, limit: int = 10) -> list[ClusterRow]:
        """Clusters with at least two items today that had none before today, largest first."""
        candidates = [(cid, n) for cid, n in today.by_cluster.items() if n >= 2]
        if not candidates:
            return []
        earlier = self.stats(until=day - timedelta(days=1), clusters=[c for c, _ in candidates], limit=0)
        rows = []
        for cid, n in sorted(candidates, key=lambda kv: -kv[1]):
            if earlier.by_cluster.get(cid):
                continue
            hits = self.search(since=day, until=day, clusters=[cid], sort="oldest", limit=5).hits
            first = hits[0].source if hits else {}
            rows.append(
                ClusterRow(
                    cluster_id=cid,
                    today=n,
                    example_title=first.get("title") or _short(first.get("text", ""), 120),
                    example_url=first.get("url"),
                    sources=sorted({h.source.get("source_id", "") for h in hits}),
                )
            )
            if len(rows) >= limit:
                break
        return rows

    def _spikes(self, today: Any, baseline: Any) -> list[Spike]:
        spikes = []
        for kind, now, then in (
            ("claim", today.by_claim, baseline.by_claim),
            ("cluster", today.by_cluster, baseline.by_cluster),
        ):
            for key, n in now.items():
                avg = then.get(key, 0) / WINDOW_DAYS
                if n >= SPIKE_MIN_COUNT and n >= SPIKE_RATIO * avg and n > avg:
                    label = getattr(self.claims.get(key), "claim", key) if kind == "claim" else key
                    spikes.append(Spike(kind=kind, key=key, label=label, today=n, baseline=round(avg, 2)))
        return sorted(spikes, key=lambda s: -(s.today - s.baseline))

    def _provinces(self, today: Any, window: Any) -> list[PlaceRow]:
        codes = set(today.by_province) | set(window.by_province)
        rows = [
            PlaceRow(
                code=c,
                name=self.places.province(c),
                today=today.by_province.get(c, 0),
                window=window.by_province.get(c, 0),
            )
            for c in codes
        ]
        return sorted(rows, key=lambda r: (-r.today, -r.window, r.name))[:15]

    def _districts(self, day: date, start: date) -> list[PlaceRow]:
        """District counts: the same query builder as search, with a terms aggregation on districts."""
        from index.templates import alias_name

        counts: dict[str, dict[str, int]] = {}
        for label, since in (("today", day), ("window", start)):
            query = self.search_mod.build_query(self.q(since=since, until=day), self.settings)
            resp = self.client.search(
                index=alias_name(self.settings),
                query=query,
                size=0,
                aggs={"d": {"terms": {"field": "districts", "size": 50}}},
                ignore_unavailable=True,
                allow_no_indices=True,
            )
            buckets = resp.get("aggregations", {}).get("d", {}).get("buckets", [])
            counts[label] = {b["key"]: b["doc_count"] for b in buckets}
        codes = set(counts["today"]) | set(counts["window"])
        rows = [
            PlaceRow(
                code=c, name=self.places.district(c), today=counts["today"].get(c, 0), window=counts["window"].get(c, 0)
            )
            for c in codes
        ]
        return sorted(rows, key=lambda r: (-r.today, -r.window, r.name))[:15]


def _as_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value or "")


def collect_report(client: Any, settings: Settings, day: date) -> ReportData:
    """Gather the report's data for ``day``."""
    return ReportCollector(client, settings).collect(day)


def report_dir(settings: Settings, day: date) -> Path:
    return settings.report_root / day.isoformat()
