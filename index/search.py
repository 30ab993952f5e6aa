"""Analyst search over the read alias: one query model for the CLI, reports and the review app.

Diacritics: people type "tiem vac xin" as often as "tiêm vắc xin", and the test node has
no ICU/asciifolding analyzer, so the index keeps folded copies (``text_folded``,
``title_folded``, made with ``tinradar.text.fold``) and every query runs twice — as
typed against the original fields (boosted, so exact-diacritic matches rank first) and
folded against the folded ones. Quoted parts are phrases. Highlights found only in the
folded copy are mapped back onto the original text (folding keeps the length of NFC
Vietnamese), so people always see the real words.

Claims: an item *mentions* a claim when it matched it at all (``claim_ids``) and *spreads* it
when it matched it as ``repeats`` or ``asks`` (``spread_claim_ids``): the board's own
correction, or a reader quoting a rumor to deny it, mentions the rumor but is the answer to
it, not one more post of it. Counts of a rumor's repeats (the report's headline, table and
spikes, the response times, ClaimReview's appearances) use ``spreading`` /
``SearchStats.spread_by_claim``; the desk's claim filter and ``by_claim`` keep every mention.
Documents written before schema version 2 have no ``spread_claim_ids``: for them every match
counts as spreading, as it did then (the one fallback, defined here, in a query, an
aggregation and a Kibana runtime field).

A person decides, the machine ranks: an item a reviewer has read on the desk (``review.claims``,
recorded with its time, ``review.claims.at``) spreads exactly the claims of that reading
(``review.claims.ids``; none when the reading is "none of them"), whatever the machine matched;
only an item nobody has read spreads what the machine says (with the fallback above). The
three cases — read, unread from schema version 2 on, unread before — are disjoint, so every
count below counts an item once per claim.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from elasticsearch import Elasticsearch
from pydantic import BaseModel, Field, field_validator, model_validator

from index import doc as F
from index.doc import SEARCH_ONLY_FIELDS, IndexDoc
from index.docmap import RISK_RANK
from index.templates import alias_name
from tinradar.schema import DatePrecision, Kind, ReviewStatus, RiskLevel, Sentiment
from tinradar.settings import Settings
from tinradar.text import fold, nfc

PRE, POST = "<em>", "</em>"
_PHRASE = re.compile(r'"([^"]+)"')
_TAG = re.compile(r"</?em>")

MAX_WINDOW = 10_000

SortOrder = Literal["relevance", "newest", "oldest", "risk"]


class SearchQuery(BaseModel):
    """What an analyst asks for. Every list filter is OR within itself, AND across filters."""

    text: str = Field(default="", description='Words and "quoted phrases"; empty matches everything')
    since: datetime | date | None = Field(
        default=None, description="From this day (board time zone) or moment, inclusive"
    )
    until: datetime | date | None = Field(
        default=None, description="Up to this day (inclusive, board time zone) or moment"
    )
    sources: list[str] = Field(default_factory=list)
    kinds: list[Kind] = Field(default_factory=list)
    provinces: list[str] = Field(
        default_factory=list, description="Province codes of the source or of places mentioned"
    )
    districts: list[str] = Field(
        default_factory=list, description="District codes of the source or of places mentioned"
    )
    risk_min: RiskLevel | Annotated[float, Field(ge=0.0, le=1.0)] | None = Field(
        default=None, description="A level (low|medium|high) or a rumor-risk score 0..1, inclusive"
    )
    sentiments: list[Sentiment] = Field(default_factory=list)
    claims: list[str] = Field(default_factory=list, description="Known-claim ids the item mentions (any stance)")
    spread_claims: list[str] = Field(
        default_factory=list,
        description="Known-claim ids the item spreads (repeats or asks; before schema version 2: any match)",
    )
    statuses: list[ReviewStatus] = Field(
        default_factory=list, description="Review statuses; 'new' includes never reviewed"
    )
    clusters: list[str] = Field(default_factory=list)
    ids: list[str] = Field(default_factory=list)
    covid: bool | None = None
    precisions: list[DatePrecision] = Field(
        default_factory=list,
        description="How precise the publication time is: minute, day (date only) or none; e.g. minute for timelines",
    )
    limit: int = Field(default=20, ge=0, le=10_000)
    offset: int = Field(default=0, ge=0)
    sort: SortOrder = "relevance"

    @field_validator("since", "until", mode="before")
    @classmethod
    def _parse_day(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            if not value:
                return None
            return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
        return value

    @model_validator(mode="after")
    def _window(self) -> SearchQuery:
        if self.offset + self.limit > MAX_WINDOW:
            raise ValueError(
                f"offset + limit may not pass {MAX_WINDOW} (Elasticsearch's result window); narrow the query"
            )
        return self

    @field_validator("text", mode="before")
    @classmethod
    def _nfc(cls, value: Any) -> Any:
        return nfc(value).strip() if isinstance(value, str) else value


class Hit(BaseModel):
    """One matching document (its search-only folded copies are left out)."""

    id: str
    index: str
    score: float | None = None
    doc: IndexDoc
    highlights: dict[str, list[str]] = Field(default_factory=dict)


class SearchResult(BaseModel):
    total: int
    hits: list[Hit]
    took_ms: int = 0


class SearchStats(BaseModel):
    """Counts of the matching documents (most frequent first; days in order)."""

    total: int
    by_day: dict[str, int] = Field(default_factory=dict)
    by_source: dict[str, int] = Field(default_factory=dict)
    by_kind: dict[str, int] = Field(default_factory=dict)
    by_risk_level: dict[str, int] = Field(default_factory=dict)
    by_sentiment: dict[str, int] = Field(default_factory=dict)
    by_province: dict[str, int] = Field(default_factory=dict)
    by_claim: dict[str, int] = Field(default_factory=dict, description="items that mention each claim, any stance")
    spread_by_claim: dict[str, int] = Field(
        default_factory=dict,
        description="items that spread each claim: a reviewer's reading where there is one, else the machine's "
        "repeats or asks (before schema version 2: any match)",
    )
    read_by_claim: dict[str, int] = Field(
        default_factory=dict,
        description="of spread_by_claim, the items counted because a reviewer read them as repeating the claim",
    )
    spreading: int = Field(0, description="items that spread some known claim, each counted once")
    by_cluster: dict[str, int] = Field(default_factory=dict)
    by_status: dict[str, int] = Field(default_factory=dict)


# --- spreading a claim ------------------------------------------------------------------

#: The schema version from which documents carry ``spread_claim_ids``.
SPREAD_SINCE_SCHEMA = 2

#: Painless for a runtime keyword field "the claims this item spreads" (the Kibana data view's
#: ``spread_claims``): a reviewer's reading when the item has one (``review.claims.ids``; a
#: reading of "none" indexes no id, so it emits nothing), else ``spread_claim_ids`` from schema
#: version 2 on, else every ``claim_ids``. ``containsKey`` guards indices whose mapping
#: predates a field.
SPREAD_CLAIMS_SCRIPT = (
    f"boolean read = doc.containsKey('{F.REVIEW_CLAIMS_AT}') && doc['{F.REVIEW_CLAIMS_AT}'].size() > 0;"
    f" boolean v2 = doc.containsKey('{F.SCHEMA_VERSION_FIELD}') && doc['{F.SCHEMA_VERSION_FIELD}'].size() > 0"
    f" && doc['{F.SCHEMA_VERSION_FIELD}'].value >= {SPREAD_SINCE_SCHEMA};"
    f" String f = read ? '{F.REVIEW_CLAIM_IDS}' : (v2 ? '{F.SPREAD_CLAIM_IDS}' : '{F.CLAIM_IDS}');"
    " if (doc.containsKey(f)) { for (def c : doc[f]) { emit(c); } }"
)


def read_by_reviewer() -> dict[str, Any]:
    """Documents a reviewer has read for claims (``review.claims.at``: a reading of "none" has no id)."""
    return {"exists": {"field": F.REVIEW_CLAIMS_AT}}


def unread() -> dict[str, Any]:
    """Documents nobody has read for claims: the machine's matches decide for them."""
    return {"bool": {"must_not": [read_by_reviewer()]}}


def since_spread() -> dict[str, Any]:
    """Documents that carry ``spread_claim_ids`` (schema version 2 on)."""
    return {"range": {F.SCHEMA_VERSION_FIELD: {"gte": SPREAD_SINCE_SCHEMA}}}


def before_spread() -> dict[str, Any]:
    """Documents written before ``spread_claim_ids`` existed (no schema version, or below 2).

    Every spread query and count splits on this, as ``SPREAD_CLAIMS_SCRIPT`` does: from
    version 2 on ``spread_claim_ids`` alone decides, before it ``claim_ids`` does (for an
    item no reviewer has read; a reading decides before either).
    """
    return {"bool": {"must_not": [since_spread()]}}


def _parts() -> dict[str, tuple[list[dict[str, Any]], str]]:
    """The three disjoint parts of "the claims an item spreads": name → (which documents, the
    keyword field that lists their claims). A reading first; the machine's only for unread items."""
    return {
        "spread_read": ([read_by_reviewer()], F.REVIEW_CLAIM_IDS),
        "spread_new": ([unread(), since_spread()], F.SPREAD_CLAIM_IDS),
        "spread_old": ([unread(), before_spread()], F.CLAIM_IDS),
    }


def _by_part(clause: Any) -> dict[str, Any]:
    """``clause(field)`` on each part's field, within that part's documents: one query, the
    reading deciding over the machine, the schema fallback for unread items."""
    return {
        "bool": {
            "should": [{"bool": {"filter": [clause(field), *where]}} for where, field in _parts().values()],
            "minimum_should_match": 1,
        }
    }


def spreading(claim_ids: str | list[str]) -> dict[str, Any]:
    """The query for the items that spread any of ``claim_ids`` (see the module docstring)."""
    ids = [claim_ids] if isinstance(claim_ids, str) else list(claim_ids)
    return _by_part(lambda field: {"terms": {field: ids}})


def spreading_any() -> dict[str, Any]:
    """The query for the items that spread some known claim (a reading of "none" spreads none)."""
    return _by_part(lambda field: {"exists": {"field": field}})


#: The terms lists behind ``spread_counts`` list this many claims each: every claim of a
#: registry up to this size, so each list is complete and the sum exact (a claim past the top
#: of one list would otherwise be undercounted, and could miss the top ``top`` it belongs in).
SPREAD_TERMS_SIZE = 1000


def spread_aggs() -> dict[str, Any]:
    """Aggregations whose sum (``spread_counts``) is the items spreading each claim.

    Three terms aggregations on indexed keywords (no script per document), one per part:
    ``review.claims.ids`` of the items a reviewer has read, ``spread_claim_ids`` of the unread
    documents of schema version 2 on, ``claim_ids`` of the unread ones written before (the
    parts are disjoint, so no item counts twice for a claim; the same split as
    ``SPREAD_CLAIMS_SCRIPT``). Each lists every claim (``SPREAD_TERMS_SIZE``): the top claims
    are cut only after the lists are summed. ``spreading`` counts the items that spread any
    claim, once each (an item spreading two claims is one item, not two).
    """
    out: dict[str, Any] = {
        name: {
            "filter": {"bool": {"filter": where}},
            "aggs": {"ids": {"terms": {"field": field, "size": SPREAD_TERMS_SIZE}}},
        }
        for name, (where, field) in _parts().items()
    }
    out["spreading"] = {"filter": spreading_any()}
    return out


def _part_counts(aggregations: dict[str, Any], parts: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for part in parts:
        for bucket in aggregations.get(part, {}).get("ids", {}).get("buckets", []):
            counts[str(bucket["key"])] = counts.get(str(bucket["key"]), 0) + int(bucket["doc_count"])
    return counts


def spread_counts(aggregations: dict[str, Any], top: int) -> dict[str, int]:
    """Claim id → spreading items, the ``top`` most first, from a response to ``spread_aggs``."""
    counts = _part_counts(aggregations, list(_parts()))
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top])


def read_counts(aggregations: dict[str, Any], claim_ids: list[str]) -> dict[str, int]:
    """Claim id → how many of its spreading items count because a reviewer read them so
    (``spread_counts``' share from readings), for ``claim_ids`` (those with none left out)."""
    counts = _part_counts(aggregations, ["spread_read"])
    return {cid: counts[cid] for cid in claim_ids if counts.get(cid)}


# --- query building ---------------------------------------------------------------------


def parse_text(text: str) -> tuple[list[str], str]:
    """Split a query into quoted phrases and the remaining words."""
    phrases = [p.strip() for p in _PHRASE.findall(text) if p.strip()]
    rest = _PHRASE.sub(" ", text).replace('"', " ")
    return phrases, " ".join(rest.split())


def _either(query: str, fields: list[str], folded_fields: list[str], **kind: Any) -> dict[str, Any]:
    exact = {"multi_match": {"query": query, "fields": fields, "boost": 2.0, **kind}}
    loose = {"multi_match": {"query": fold(query), "fields": folded_fields, **kind}}
    return {"bool": {"should": [exact, loose], "minimum_should_match": 1}}


def text_clauses(text: str) -> list[dict[str, Any]]:
    """Must-clauses for the text part (empty list: match everything)."""
    phrases, words = parse_text(text)
    clauses = [
        _either(
            p,
            [f"{F.TITLE}^2", F.TEXT, f"{F.CAPTIONS}^0.5"],
            [f"{F.TITLE_FOLDED}^2", F.TEXT_FOLDED, f"{F.CAPTIONS_FOLDED}^0.5"],
            type="phrase",
        )
        for p in phrases
    ]
    if words:
        clauses.append(
            _either(
                words,
                [f"{F.TITLE}^2", F.TEXT, F.TEXT_SEG, f"{F.CAPTIONS}^0.5"],
                [f"{F.TITLE_FOLDED}^2", F.TEXT_FOLDED, f"{F.CAPTIONS_FOLDED}^0.5"],
                type="cross_fields",
                operator="and",
            )
        )
    return clauses


def _moment(value: datetime | date, settings: Settings, *, end: bool) -> tuple[str, str]:
    """(operator, ISO time) of a range bound; a day means the whole day in the board's zone."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=settings.tz)
        return ("lte" if end else "gte"), moment.isoformat()
    if end and value == date.max:
        # no day after the calendar's last to stop before (`--until 9999-12-31`, the desk's
        # `?day=9999-12-31` were an internal error): up to its last moment instead
        return "lte", datetime.combine(value, time.max, tzinfo=settings.tz).isoformat()
    day = value + timedelta(days=1) if end else value
    return ("lt" if end else "gte"), datetime.combine(day, time(), tzinfo=settings.tz).isoformat()


def filter_clauses(query: SearchQuery, settings: Settings) -> list[dict[str, Any]]:
    """Filters (no scoring) for everything except the text."""
    out: list[dict[str, Any]] = []
    bounds: dict[str, str] = {}
    if query.since is not None:
        op, when = _moment(query.since, settings, end=False)
        bounds[op] = when
    if query.until is not None:
        op, when = _moment(query.until, settings, end=True)
        bounds[op] = when
    if bounds:
        out.append({"range": {F.DATED_AT: bounds}})
    for field, values in (
        (F.SOURCE_ID, query.sources),
        (F.KIND, [k.value for k in query.kinds]),
        (F.PROVINCES, query.provinces),
        (F.DISTRICTS, query.districts),
        (F.SENTIMENT, [s.value for s in query.sentiments]),
        (F.CLAIM_IDS, query.claims),
        (F.CLUSTER_ID, query.clusters),
        ("_id", query.ids),
    ):
        if values:
            out.append({"terms": {field: list(values)}})
    if query.spread_claims:
        out.append(spreading(query.spread_claims))
    if isinstance(query.risk_min, RiskLevel):
        out.append({"range": {F.RISK_RANK: {"gte": RISK_RANK[query.risk_min]}}})
    elif query.risk_min is not None:
        out.append({"range": {F.RUMOR_RISK: {"gte": query.risk_min}}})
    if query.covid is not None:
        out.append({"term": {F.COVID: query.covid}})
    if query.precisions:
        out.append(_precision_clause(query.precisions))
    if query.statuses:
        statuses = [s.value for s in query.statuses]
        should: list[dict[str, Any]] = [{"terms": {F.REVIEW_STATUS: statuses}}]
        if ReviewStatus.NEW.value in statuses:  # never reviewed counts as new
            should.append({"bool": {"must_not": {"exists": {"field": F.REVIEW_STATUS}}}})
        out.append({"bool": {"should": should, "minimum_should_match": 1}})
    return out


def _precision_clause(precisions: list[DatePrecision]) -> dict[str, Any]:
    """Documents indexed before the field existed count as minute (dated) or none (undated)."""
    should: list[dict[str, Any]] = [{"terms": {F.PUBLISHED_PRECISION: [p.value for p in precisions]}}]
    unknown = {"must_not": {"exists": {"field": F.PUBLISHED_PRECISION}}}
    if DatePrecision.MINUTE in precisions:
        should.append({"bool": {**unknown, "filter": {"exists": {"field": F.PUBLISHED_AT}}}})
    if DatePrecision.NONE in precisions:
        should.append(
            {
                "bool": {
                    "must_not": [{"exists": {"field": F.PUBLISHED_PRECISION}}, {"exists": {"field": F.PUBLISHED_AT}}]
                }
            }
        )
    return {"bool": {"should": should, "minimum_should_match": 1}}


def build_query(query: SearchQuery, settings: Settings) -> dict[str, Any]:
    """The Elasticsearch query for a ``SearchQuery`` (also used by reports and tests)."""
    must = text_clauses(query.text)
    filters = filter_clauses(query, settings)
    if not must and not filters:
        return {"match_all": {}}
    return {"bool": {"must": must or [{"match_all": {}}], "filter": filters}}


def _sort(query: SearchQuery) -> list[Any]:
    newest = {F.DATED_AT: {"order": "desc", "unmapped_type": "date"}}
    order = query.sort
    if order == "relevance" and not text_clauses(query.text):
        order = "newest"
    if order == "relevance":
        return ["_score", newest]
    if order == "oldest":
        return [{F.DATED_AT: {"order": "asc", "unmapped_type": "date"}}]
    if order == "risk":
        return [{F.RUMOR_RISK: {"order": "desc", "unmapped_type": "float"}}, newest]
    return [newest]


# --- highlights -------------------------------------------------------------------------


def unfold_fragment(fragment: str, original: str) -> str:
    """Map a highlight fragment of the folded text back onto the original words.

    Folding NFC Vietnamese keeps every character in place (one letter in, one out), so
    the fragment's position in the folded text is its position in the original. When
    that does not hold for a text, the folded fragment is returned unchanged.
    """
    folded = fold(original)
    plain = _TAG.sub("", fragment)
    start = folded.find(plain)
    if len(folded) != len(original) or start < 0:
        return fragment
    out: list[str] = []
    pos = start
    for piece in re.split(r"(</?em>)", fragment):
        if piece in (PRE, POST):
            out.append(piece)
        else:
            out.append(original[pos : pos + len(piece)])
            pos += len(piece)
    return "".join(out)


def _highlights(raw: dict[str, list[str]], doc: IndexDoc) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for field, folded, original in ((F.TITLE, F.TITLE_FOLDED, doc.title), (F.TEXT, F.TEXT_FOLDED, doc.text)):
        if raw.get(field):
            out[field] = raw[field]
        elif raw.get(folded):
            out[field] = [unfold_fragment(fragment, original) for fragment in raw[folded]]
    return out


_HIGHLIGHT = {
    "pre_tags": [PRE],
    "post_tags": [POST],
    "require_field_match": True,
    "fields": {
        F.TITLE: {"number_of_fragments": 0},
        F.TITLE_FOLDED: {"number_of_fragments": 0},
        F.TEXT: {"fragment_size": 160, "number_of_fragments": 3},
        F.TEXT_FOLDED: {"fragment_size": 160, "number_of_fragments": 3},
    },
}


def query_too_long(exc: Exception) -> bool:
    """True when Elasticsearch refused a search for having more clauses than it allows.

    A 10,000-character query expands (words × fields × folded copies) past
    ``indices.query.bool.max_clause_count``; the engine answers 400
    ``too_many_nested_clauses`` (``too_many_clauses`` before 8), or a search-phase
    failure whose cause says ``maxClauseCount``. That is the user's query, not the node.
    """
    text = f"{getattr(exc, 'body', '')} {exc}"
    return any(mark in text for mark in ("too_many_nested_clauses", "too_many_clauses", "maxClauseCount"))


# --- the two entry points --------------------------------------------------------------


def search(client: Elasticsearch, settings: Settings, query: SearchQuery) -> SearchResult:
    """Matching documents, best first (or as ``query.sort`` says), with highlights."""
    body: dict[str, Any] = {
        "query": build_query(query, settings),
        "size": query.limit,
        "from": query.offset,
        "sort": _sort(query),
        "track_total_hits": True,
        "_source": {"excludes": list(SEARCH_ONLY_FIELDS)},
    }
    if query.text:
        body["highlight"] = _HIGHLIGHT
    resp = client.search(index=alias_name(settings), body=body, ignore_unavailable=True, allow_no_indices=True)
    hits = []
    for raw in resp["hits"]["hits"]:
        doc = IndexDoc.model_validate(raw["_source"])
        hits.append(
            Hit(
                id=raw["_id"],
                index=raw["_index"],
                score=raw.get("_score"),
                doc=doc,
                highlights=_highlights(raw.get("highlight", {}), doc),
            )
        )
    return SearchResult(total=resp["hits"]["total"]["value"], hits=hits, took_ms=resp.get("took", 0))


_TERMS = {
    "by_source": F.SOURCE_ID,
    "by_kind": F.KIND,
    "by_risk_level": F.RISK_LEVEL,
    "by_sentiment": F.SENTIMENT,
    "by_province": F.PROVINCES,
    "by_claim": F.CLAIM_IDS,
    "by_cluster": F.CLUSTER_ID,
}


def per_day(settings: Settings, *, min_doc_count: int = 0, bounds: tuple[date, date] | None = None) -> dict[str, Any]:
    """A ``date_histogram`` of ``dated_at`` by calendar day in the board's time zone.

    One definition for every per-day count (search stats, claim response times, emerging
    narratives), so a day means the same thing in the report, the desk and the CLI.
    """
    histogram: dict[str, Any] = {
        "field": F.DATED_AT,
        "calendar_interval": "day",
        "time_zone": settings.timezone,
        "format": "yyyy-MM-dd",
        "min_doc_count": min_doc_count,
    }
    if bounds is not None:
        histogram["extended_bounds"] = {"min": bounds[0].isoformat(), "max": bounds[1].isoformat()}
    return {"date_histogram": histogram}


def stats(client: Elasticsearch, settings: Settings, query: SearchQuery, *, top: int = 20) -> SearchStats:
    """Counts of the documents ``query`` matches: per day (board time zone) and per facet."""
    aggs: dict[str, Any] = {name: {"terms": {"field": field, "size": top}} for name, field in _TERMS.items()}
    aggs["by_status"] = {"terms": {"field": F.REVIEW_STATUS, "size": top, "missing": ReviewStatus.NEW.value}}
    aggs["by_day"] = per_day(settings)
    aggs.update(spread_aggs())
    resp = client.search(
        index=alias_name(settings),
        query=build_query(query, settings),
        aggs=aggs,
        size=0,
        track_total_hits=True,
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    found = resp.get("aggregations", {})
    counts: dict[str, dict[str, int]] = {}
    for name in [*_TERMS, "by_status", "by_day"]:
        buckets = found.get(name, {}).get("buckets", [])
        counts[name] = {str(b.get("key_as_string", b["key"])): int(b["doc_count"]) for b in buckets}
    spread = spread_counts(found, top)
    return SearchStats(
        total=resp["hits"]["total"]["value"],
        spread_by_claim=spread,
        read_by_claim=read_counts(found, list(spread)),
        spreading=int(found.get("spreading", {}).get("doc_count", 0)),
        **counts,
    )
