"""Everything the daily report shows, gathered from the index with the analysts' own queries.

All numbers come from ``index.search.search`` / ``index.search.stats`` (the functions
behind ``tinradar search``), so a number in the report can be reproduced with a search
command. "Today" is the report's day in the board's time zone; the 7-day window ends
with it. Nothing here formats anything: ``flows.report.render`` does.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from elasticsearch import Elasticsearch
from pydantic import BaseModel, Field

from flows.review.presentation import stance_of, stance_words
from flows.source_names import source_name, source_names
from flows.summary import DropCounts, RunSummary, SourceRun, SourceStatus
from index import doc as F
from index.claims import RegistryClaim
from index.search import Hit, SearchQuery, SearchResult, SearchStats, build_query, search, stats
from index.templates import alias_name
from nlp.claims import Claim, load_claims
from nlp.places import PlaceNames
from tinradar.schema import ReviewStatus, RiskLevel, Sentiment, utc_now
from tinradar.settings import Settings
from tinradar.text import body_span

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
    stance: str = Field(
        default="unknown",
        description="repeats / refutes / asks, or unknown for a document stored before stances: a correction "
        "that quotes a rumor must not read as repeating it",
    )
    stance_phrase: str | None = Field(
        default=None, description="for refutes / asks: the words that refute or ask, as written"
    )


class CueQuote(BaseModel):
    """A cue's phrase in its sentence, for the report: the phrase is the highlighted part."""

    label: str
    before: str = ""
    phrase: str
    after: str = ""


class ReportItem(BaseModel):
    """One flagged item, as a reviewer needs it: what, where, why, link."""

    id: str
    title: str
    snippet: str = ""
    url: str | None = None
    desk_url: str | None = Field(default=None, description="the item's page on the review desk (TINRADAR_REVIEW_URL)")
    source_id: str
    dated_at: str | None = None
    rumor_risk: float = 0.0
    risk_level: str = RiskLevel.LOW.value
    cues: list[str] = Field(default_factory=list)
    quotes: list[CueQuote] = Field(default_factory=list, description="the text cues, each in its context")
    steps: list[str] = Field(
        default_factory=list, description="how the score was made, in words (``Analysis.score_steps``' messages)"
    )
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
    read: int = Field(
        default=0, description="of today's, the items counted because a reviewer read them as repeating it (desk)"
    )
    window: int = 0
    example_title: str | None = None
    example_url: str | None = None
    example_stance: str | None = Field(default=None, description="how the example relates to the claim (ClaimRef)")


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


class UnansweredRow(BaseModel):
    """A flagged rumor the board has not answered yet, and for how long."""

    claim_id: str
    claim: str
    first_seen: datetime
    waiting: str = Field(description="since it was first seen, in words")
    flagged_posts: int
    posts: int


class ResponseTimes(BaseModel):
    """How fast the board caught and answered rumors: the month's medians and what is still open."""

    month: str
    claims_this_month: int = 0
    median_to_flag: str = "—"
    median_to_answer: str = "—"
    answered: int = 0
    unanswered: list[UnansweredRow] = Field(default_factory=list)


class ClaimLife(BaseModel):
    """One claim's posts per day, with the day its correction was published (the chart)."""

    claim_id: str
    claim: str
    per_day: dict[str, int] = Field(default_factory=dict)
    correction_day: str | None = None
    correction_url: str | None = None
    to_flag: str = "—"
    to_answer: str = "—"


class NarrativeRow(BaseModel):
    """An emerging narrative: a repeat cluster of risky posts that matches no known claim."""

    cluster_id: str
    posts: int
    last_day: int
    growth: int
    first_seen: datetime | None = None
    example_title: str = ""
    example_url: str | None = None
    sources: list[str] = Field(default_factory=list)


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
    drops: DropCounts = Field(default_factory=DropCounts, description="Drops of the day's runs, summed")
    response: ResponseTimes | None = None
    claim_life: ClaimLife | None = None
    emerging: list[NarrativeRow] = Field(default_factory=list)
    source_names: dict[str, str] = Field(
        default_factory=dict,
        description="source id → its name in the registry, for the sources this report mentions "
        "(an id the registry does not know, such as 'import', is absent and shown as it is)",
    )

    @property
    def empty(self) -> bool:
        return self.total_today == 0

    def source_name(self, source_id: str) -> str:
        """How the report names a source: the registry's name, else its id."""
        return source_name(source_id, self.source_names)

    def source_ids(self) -> set[str]:
        """Every source id the report mentions (items, volumes, repeat clusters, crawl status)."""
        return {
            *self.by_source_today,
            *self.volume_by_source_day,
            *(item.source_id for item in self.top_items),
            *(source for row in self.new_clusters for source in row.sources),
            *(source for row in self.emerging for source in row.sources),
            *(run.source_id for run in self.crawl_status),
        }

    @property
    def broken_sources(self) -> list[SourceRun]:
        return [s for s in self.crawl_status if s.status in (SourceStatus.DOWN, SourceStatus.FAILED)]


# --- helpers ---------------------------------------------------------------------------


def _claims_registry(settings: Settings) -> dict[str, Claim]:
    """Known claims by id (empty when the registry cannot be read: ids are shown instead)."""
    try:
        return {c.id: c for c in load_claims(settings.claims_file)}
    except (OSError, ValueError):
        return {}


def _registry(client: Elasticsearch, settings: Settings) -> list[RegistryClaim]:
    """The claim registry from the index (empty when there is none: the YAML's texts are used, no response times)."""
    from elasticsearch import ApiError, TransportError

    from index.claims import all_claims

    try:
        return all_claims(client, settings)
    except (ApiError, TransportError):
        return []


def short(text: str, n: int = 220) -> str:
    """Whitespace folded, cut at a word with "…" past ``n`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rsplit(" ", 1)[0] + "…"


def _quotes(doc: F.IndexDoc, context: int = 50) -> list[CueQuote]:
    """Each located cue with up to ``context`` characters either side (whole words)."""
    out: list[CueQuote] = []
    body = doc.text or ""
    for cue in doc.cue_spans:
        found = body_span(doc.title, body, cue.start, cue.end, cue.text)
        if found is None:
            continue
        s, e = found
        before, after = body[max(0, s - context) : s], body[e : e + context]
        cut_before, cut_after = s > context, len(body) - e > context
        if cut_before:
            before = "…" + before.split(" ", 1)[-1]
        if cut_after:
            after = after.rsplit(" ", 1)[0] + "…"
        out.append(
            CueQuote(
                label=cue.label,
                before=_squash(before).lstrip(),
                phrase=" ".join(body[s:e].split()),
                after=_squash(after).rstrip(),
            )
        )
    return out


def _squash(text: str) -> str:
    """Runs of whitespace (line breaks too) as one space, kept at the ends: a quote is printed
    ``before + phrase + after`` as the text has it, with no space added inside a word
    ("nhà." stays "nhà.", not "nhà .")."""
    return re.sub(r"\s+", " ", text)


def _title(hit: Hit, n: int = 90) -> str:
    return hit.doc.title or short(hit.doc.text, n)


def _desk_url(base: str | None, doc_id: str) -> str | None:
    """The item's page on the review desk, when the desk's public address is configured."""
    if not base or not base.strip():
        return None
    return f"{base.strip().rstrip('/')}/item/{quote(doc_id, safe='')}"


def _item(hit: Hit, claims: dict[str, Claim], desk: str | None = None) -> ReportItem:
    doc = hit.doc
    refs = [
        ClaimRef(
            claim_id=m.claim_id,
            claim=claims[m.claim_id].claim if m.claim_id in claims else "",
            similarity=m.similarity,
            stance=stance_of(m),
            stance_phrase=stance_words(m),
        )
        for m in doc.matched_claims
    ]
    return ReportItem(
        id=hit.id,
        title=_title(hit),
        snippet=short(doc.text),
        url=doc.url,
        desk_url=_desk_url(desk, hit.id),
        source_id=doc.source_id,
        dated_at=doc.dated_at.isoformat(),
        rumor_risk=doc.rumor_risk,
        risk_level=doc.risk_level.value,
        cues=list(doc.cues),
        quotes=_quotes(doc),
        steps=[step.message for step in doc.score_steps],
        claims=refs,
        places=list(doc.place_names),
        cluster_id=doc.cluster_id,
    )


class CrawlStatus(BaseModel):
    """The day's runs as the report's crawl-status section shows them."""

    sources: list[SourceRun] = Field(default_factory=list)
    runs: int = 0
    pending: int = Field(default=0, description="Items the latest run left for a later one")
    drops: DropCounts = Field(default_factory=DropCounts)


def _example_stance(hit: Hit, claim_id: str) -> str | None:
    """How a claim's example relates to it: ``repeats`` when a reviewer read it so (a reading
    decides what an item spreads, whatever the machine matched), else the machine's stance."""
    if hit.doc.review_state.claims is not None:
        return "repeats"
    return next((stance_of(m) for m in hit.doc.matched_claims if m.claim_id == claim_id), None)


def crawl_status_for(settings: Settings, day: date) -> CrawlStatus:
    """Crawl state per source from the day's run summaries.

    Status and skips are the latest run's (is the source working now?); items and drops
    are summed over the day's runs (a rerun that finds nothing new must not read as "0 items").
    """
    folder = settings.data_dir / "runs" / day.isoformat()
    latest: dict[str, SourceRun] = {}
    status = CrawlStatus()
    for path in sorted(folder.glob("*/summary.json")) if folder.is_dir() else []:
        try:
            summary = RunSummary.model_validate(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, OSError):
            continue
        status.runs += 1
        status.pending = summary.counts.pending
        status.drops.add(summary.counts)
        for source in summary.sources:
            # status and skips of the latest run; items collected over all the day's runs
            earlier = latest.get(source.source_id)
            items = source.items + (earlier.items if earlier else 0)
            latest[source.source_id] = source.model_copy(update={"items": items})
    status.sources = sorted(latest.values(), key=lambda s: s.source_id)
    return status


# --- the collector ----------------------------------------------------------------------


class ReportCollector:
    """Runs the report's queries against one index (the one ``settings`` point at)."""

    def __init__(self, client: Elasticsearch, settings: Settings) -> None:
        self.client = client
        self.settings = settings
        self.registry = _registry(client, settings)
        self.claims = {r.id: r.claim for r in self.registry} or _claims_registry(settings)
        self.places = PlaceNames.load()

    def stats(self, query: SearchQuery) -> SearchStats:
        return stats(self.client, self.settings, query, top=100)

    def search(self, query: SearchQuery) -> SearchResult:
        return search(self.client, self.settings, query)

    def collect(self, day: date) -> ReportData:
        start = day - timedelta(days=WINDOW_DAYS - 1)
        yesterday = day - timedelta(days=1)
        days = [(start + timedelta(days=i)).isoformat() for i in range(WINDOW_DAYS)]
        today = self.stats(SearchQuery(since=day, until=day, limit=0))
        before = self.stats(SearchQuery(since=yesterday, until=yesterday, limit=0))
        window = self.stats(SearchQuery(since=start, until=day, limit=0))
        baseline = self.stats(SearchQuery(since=day - timedelta(days=WINDOW_DAYS), until=yesterday, limit=0))
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
        week = SearchQuery(since=start, until=day, limit=0)
        data.volume_by_source_day = {
            source: self._per_day(days, week.model_copy(update={"sources": [source]}))
            for source in list(window.by_source)[:8]
        }
        data.sentiment_by_day = {
            s.value: self._per_day(days, week.model_copy(update={"sentiments": [s]})) for s in Sentiment
        }
        data.top_items = self._top_items(day)
        data.claims_seen = self._claims_seen(day, today, window)
        data.new_clusters = self._new_clusters(day, today)
        data.spikes = self._spikes(today, baseline)
        data.provinces = self._provinces(today, window)
        data.districts = self._districts(day, start)
        data.response, data.claim_life = self._response(day)
        data.emerging = self._emerging(day)
        crawl = crawl_status_for(self.settings, day)
        data.crawl_status, data.runs_today, data.pending_items = crawl.sources, crawl.runs, crawl.pending
        data.drops = crawl.drops
        # reviewers read sources by name; the registry is read once per process (flows.source_names)
        names = source_names(self.settings.sources_file)
        data.source_names = {sid: names[sid] for sid in sorted(data.source_ids()) if sid in names}
        return data

    def _headlines(self, today: SearchStats, before: SearchStats) -> list[Headline]:
        return [
            Headline(label="Tổng số tin, bài thu thập", today=today.total, yesterday=before.total, higher_is_bad=None),
            Headline(
                label="Nguy cơ tin đồn cao",
                today=today.by_risk_level.get(RiskLevel.HIGH.value, 0),
                yesterday=before.by_risk_level.get(RiskLevel.HIGH.value, 0),
            ),
            # items that spread a known claim, each once whatever it spreads; not corrections
            Headline(label="Lặp lại tin sai đã biết", today=today.spreading, yesterday=before.spreading),
            Headline(
                label="Sắc thái tiêu cực",
                today=today.by_sentiment.get(Sentiment.NEG.value, 0),
                yesterday=before.by_sentiment.get(Sentiment.NEG.value, 0),
            ),
        ]

    def _per_day(self, days: list[str], query: SearchQuery) -> dict[str, int]:
        by_day = self.stats(query).by_day
        return {d: by_day.get(d, 0) for d in days}

    def _top_items(self, day: date) -> list[ReportItem]:
        result = self.search(
            SearchQuery(
                since=day,
                until=day,
                statuses=[ReviewStatus.NEW],
                risk_min=RiskLevel.MEDIUM,
                sort="risk",
                limit=TOP_ITEMS,
            )
        )
        return [_item(h, self.claims, self.settings.review_url) for h in result.hits]

    def _claims_seen(self, day: date, today: SearchStats, window: SearchStats) -> list[ClaimSeen]:
        rows = []
        # Claims spread today (a claim only refuted today is not one "repeated today"); the
        # example is one of the items that spread it.
        for cid, n in sorted(today.spread_by_claim.items(), key=lambda kv: -kv[1]):
            claim = self.claims.get(cid)
            example = self.search(SearchQuery(since=day, until=day, spread_claims=[cid], sort="risk", limit=1)).hits
            rows.append(
                ClaimSeen(
                    claim_id=cid,
                    claim=claim.claim if claim else cid,
                    correction=claim.correction if claim else "",
                    debunked_by=", ".join(claim.debunked_by) if claim else "",
                    source_url=claim.source_url if claim else None,
                    today=n,
                    read=today.read_by_claim.get(cid, 0),
                    window=window.spread_by_claim.get(cid, n),
                    example_title=_title(example[0]) if example else None,
                    example_url=example[0].doc.url if example else None,
                    example_stance=_example_stance(example[0], cid) if example else None,
                )
            )
        return rows

    def _response(self, day: date) -> tuple[ResponseTimes | None, ClaimLife | None]:
        """Response times as of the end of ``day``; the chart shows the claim answered most recently
        (else the unanswered one with the most flagged posts)."""
        from index.claim_stats import human_delay, response_summary

        if not self.registry:
            return None, None
        end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=self.settings.tz)
        summary = response_summary(self.client, self.settings, self.registry, end)
        times = ResponseTimes(
            month=summary.month,
            claims_this_month=summary.claims_this_month,
            median_to_flag=human_delay(summary.median_to_flag),
            median_to_answer=human_delay(summary.median_to_answer),
            answered=len(summary.answered),
            unanswered=[
                UnansweredRow(
                    claim_id=t.claim_id,
                    claim=short(t.claim, 160),
                    first_seen=t.first_seen,
                    waiting=human_delay(end - t.first_seen),
                    flagged_posts=t.flagged_posts,
                    posts=t.posts,
                )
                for t in summary.unanswered
                if t.first_seen is not None
            ],
        )
        answered = [t for t in summary.answered if t.correction_at is not None and t.correction_at < end]
        pick = max(answered, key=lambda t: t.correction_at or end, default=None) or max(
            summary.unanswered, key=lambda t: t.flagged_posts, default=None
        )
        if pick is None:
            return times, None
        first = min((d.day for d in pick.per_day), default=day)
        last = max([day, *(d.day for d in pick.per_day)])
        counts = {d.day: d.posts for d in pick.per_day}
        span = [first + timedelta(days=i) for i in range((last - first).days + 1)][-31:]
        life = ClaimLife(
            claim_id=pick.claim_id,
            claim=short(pick.claim, 160),
            per_day={d.isoformat(): counts.get(d, 0) for d in span},
            correction_day=pick.correction_at.astimezone(self.settings.tz).date().isoformat()
            if pick.correction_at
            else None,
            correction_url=pick.correction_url,
            to_flag=human_delay(pick.time_to_flag),
            to_answer=human_delay(pick.time_to_answer),
        )
        return times, life

    def _emerging(self, day: date) -> list[NarrativeRow]:
        from index.narratives import emerging

        return [
            NarrativeRow(
                cluster_id=n.cluster_id,
                posts=n.posts,
                last_day=n.last_day,
                growth=n.growth,
                first_seen=n.first_seen,
                example_title=short(n.example_title or n.example_text, 120),
                example_url=n.example_url,
                sources=n.sources,
            )
            for n in emerging(self.client, self.settings, day)
        ]

    def _new_clusters(self, day: date, today: SearchStats, limit: int = 10) -> list[ClusterRow]:
        """Clusters with at least two items today that had none before today, largest first."""
        candidates = [(cid, n) for cid, n in today.by_cluster.items() if n >= 2]
        if not candidates:
            return []
        earlier = self.stats(SearchQuery(until=day - timedelta(days=1), clusters=[c for c, _ in candidates], limit=0))
        rows = []
        for cid, n in sorted(candidates, key=lambda kv: -kv[1]):
            if earlier.by_cluster.get(cid):
                continue
            hits = self.search(SearchQuery(since=day, until=day, clusters=[cid], sort="oldest", limit=5)).hits
            rows.append(
                ClusterRow(
                    cluster_id=cid,
                    today=n,
                    example_title=_title(hits[0], 120) if hits else "",
                    example_url=hits[0].doc.url if hits else None,
                    sources=sorted({h.doc.source_id for h in hits}),
                )
            )
            if len(rows) >= limit:
                break
        return rows

    def _spikes(self, today: SearchStats, baseline: SearchStats) -> list[Spike]:
        spikes = []
        for kind, now, then in (
            ("claim", today.spread_by_claim, baseline.spread_by_claim),
            ("cluster", today.by_cluster, baseline.by_cluster),
        ):
            for key, n in now.items():
                avg = then.get(key, 0) / WINDOW_DAYS
                if n >= SPIKE_MIN_COUNT and n >= SPIKE_RATIO * avg and n > avg:
                    claim = self.claims.get(key) if kind == "claim" else None
                    label = claim.claim if claim else key
                    spikes.append(Spike(kind=kind, key=key, label=label, today=n, baseline=round(avg, 2)))
        return sorted(spikes, key=lambda s: -(s.today - s.baseline))

    def _provinces(self, today: SearchStats, window: SearchStats) -> list[PlaceRow]:
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
        counts: dict[str, dict[str, int]] = {}
        for label, since in (("today", day), ("window", start)):
            query = build_query(SearchQuery(since=since, until=day), self.settings)
            resp = self.client.search(
                index=alias_name(self.settings),
                query=query,
                size=0,
                aggs={"d": {"terms": {"field": F.DISTRICTS, "size": 50}}},
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


def collect_report(client: Elasticsearch, settings: Settings, day: date) -> ReportData:
    """Gather the report's data for ``day``."""
    return ReportCollector(client, settings).collect(day)


def report_dir(settings: Settings, day: date) -> Path:
    return settings.report_root / day.isoformat()
