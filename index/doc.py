"""The indexed document: one typed model of what a ``{prefix}-docs-*`` index holds.

``IndexDoc`` mirrors ``index/templates/docs.json`` field for field (a test checks both
ways), so every reader of the index — search, the review desk, the report, retraining —
gets attributes instead of ``source.get("…")``. ``index.docmap.to_source`` builds it from
a ``ScoredItem``; ``IndexDoc.model_validate(hit["_source"])`` reads it back.

To add a field: add it here, to the template (bump its ``version``) and to
``to_source``; ``tests/index/test_templates.py`` fails until the three agree.

The field-name constants at the end are the only spelling of a field in a query; each
is checked against the model when this module is imported, so a renamed field breaks
at import, not in a query that silently matches nothing.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Annotated, Any, get_args

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PlainSerializer
from pydantic.config import JsonDict

from tinradar.schema import (
    ClaimIds,
    ClaimMatch,
    CueSpan,
    DatePrecision,
    IndexFloat,
    Kind,
    Location,
    Note,
    ReviewStatus,
    RiskLevel,
    ScoreStep,
    Sentiment,
)

#: A moment as the index stores it: ISO 8601 with its offset ("+00:00", never "Z"), as
#: ``datetime.isoformat`` writes it, so a re-index of an unchanged item is a no-op.
IndexTime = Annotated[AwareDatetime, PlainSerializer(lambda v: v.isoformat(), return_type=str, when_used="json")]

#: Marks the folded copies that exist for search only (not returned to people).
_SEARCH_ONLY: JsonDict = {"search_only": True}


class ReviewTone(BaseModel):
    """A reviewer's reading of the author's tone, and who gave it when.

    Separate from the verdict (its own author and time): a tone may be recorded with a
    verdict or on its own, and it is in-domain training data for the sentiment model
    (``tinradar train sentiment --with-reviews``), never the model's guess copied over.
    """

    value: Sentiment
    by: str
    at: datetime


class ReviewClaims(BaseModel):
    """A reviewer's reading of which registry claims the item repeats, and who gave it when.

    ``ids`` are approved claims of the registry (``index.claims``), sorted and unique;
    ``[]`` is a reading too: "repeats none of them". Recorded on the desk apart from the
    verdict (its own author and time) and never copied from the machine's matches
    (``matched_claims``): it is what the claim verifier is trained and measured against.
    """

    ids: ClaimIds = Field(description="claim ids the text repeats; [] = none of the registry's claims")
    by: str
    at: datetime


class ReviewState(BaseModel):
    """The ``review.*`` fields of a document; an absent status means ``new``.

    Owned by reviewers: the pipeline never writes them (see ``IndexDoc.pipeline_body``).
    """

    status: ReviewStatus = ReviewStatus.NEW
    by: str | None = None
    at: datetime | None = None
    note: str | None = None
    tone: ReviewTone | None = None
    claims: ReviewClaims | None = None

    @property
    def decided(self) -> bool:
        return self.status in VERDICTS


#: Verdicts a reviewer can give (``new``/``in_review`` are states, not verdicts).
VERDICTS: tuple[ReviewStatus, ...] = (
    ReviewStatus.CONFIRMED_FALSE,
    ReviewStatus.MISLEADING,
    ReviewStatus.ACCURATE,
    ReviewStatus.IRRELEVANT,
)


class IndexDoc(BaseModel):
    """One document of the index: the scored item, flattened and enriched for search."""

    model_config = ConfigDict(extra="forbid")

    id: str
    url: str | None = None
    source_id: str
    kind: Kind
    platform: str
    title: str = ""
    title_folded: str = Field(default="", description="title without diacritics", json_schema_extra=_SEARCH_ONLY)
    text: str = ""
    text_folded: str = Field(default="", description="text without diacritics", json_schema_extra=_SEARCH_ONLY)
    text_seg: str | None = Field(default=None, description="word-segmented title and text (Vietnamese only)")
    captions: list[str] = Field(default_factory=list, description="photo captions, kept out of the text models read")
    captions_folded: list[str] = Field(
        default_factory=list, description="captions without diacritics", json_schema_extra=_SEARCH_ONLY
    )
    published_at: IndexTime | None = None
    published_precision: DatePrecision | None = Field(
        default=None, description="minute, day (published_at is then a midnight placeholder) or none"
    )
    fetched_at: IndexTime
    dated_at: IndexTime = Field(description="published_at, else fetched_at: what day filters and charts use")
    language: str | None = None
    author: str | None = None
    author_hash: str | None = None
    via: str | None = Field(default=None, description="the source an outlet names ('Theo …')")
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None
    views: int | None = None
    engagement: int | None = Field(default=None, description="likes + comments + shares, when any is known")
    province_code: str | None = None
    district_code: str | None = None
    provinces: list[str] = Field(default_factory=list, description="the source's province and the places named")
    districts: list[str] = Field(default_factory=list, description="the source's district and the places named")
    rumor_risk: IndexFloat
    risk_level: RiskLevel
    risk_rank: int = Field(description="0 low, 1 medium, 2 high: for 'at least' filters")
    cues: list[str] = Field(default_factory=list)
    cue_spans: list[CueSpan] = Field(default_factory=list, description="the text cues, typed, with their spans")
    score_steps: list[ScoreStep] = Field(
        default_factory=list,
        description="how rumor_risk was made, step by step (template version 12); none on documents stored before",
    )
    sentiment: Sentiment
    sentiment_proba: dict[Sentiment, IndexFloat] = Field(default_factory=dict)
    covid: bool
    covid_proba: IndexFloat
    locations: list[Location] = Field(default_factory=list)
    place_names: list[str] = Field(default_factory=list)
    matched_claims: list[ClaimMatch] = Field(default_factory=list, description="most similar first")
    claim_ids: list[str] = Field(default_factory=list, description="every matched claim, whatever the stance")
    spread_claim_ids: list[str] = Field(
        default_factory=list,
        description="the claims this item spreads: matched as repeats or asks, not refutes (a correction that quotes "
        "a rumor is the answer to it, not one more post of it); schema version 2 on",
    )
    claim_similarity: IndexFloat | None = Field(default=None, description="similarity of the best match")
    cluster_id: str | None = None
    notes: list[Note] = Field(default_factory=list)
    model_versions: dict[str, str] = Field(default_factory=dict)
    analyzed_at: IndexTime | None = None
    schema_version: int
    content_hash: str | None = Field(
        default=None,
        description="hash of the pipeline's content without fetched_at/dated_at/analyzed_at: a re-load of the same "
        "content compares it and writes nothing",
        json_schema_extra=_SEARCH_ONLY,
    )
    review: ReviewState | None = Field(default=None, description="the reviewers' part; never written by the pipeline")

    @property
    def full_text(self) -> str:
        """Title and body together, as the NLP stage reads them."""
        title, body = self.title.strip(), self.text.strip()
        return f"{title}\n\n{body}".strip() if title else body

    @property
    def review_state(self) -> ReviewState:
        """The review fields, ``new`` when nobody has touched the item."""
        return self.review or ReviewState()

    def pipeline_body(self) -> dict[str, Any]:
        """The JSON the indexer writes: every pipeline field (``None`` clears a stale value), never ``review``;
        ``content_hash`` filled in (see ``content_digest``)."""
        body = self.model_dump(mode="json", exclude={REVIEW})
        body[CONTENT_HASH] = content_digest(body)
        return body


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds (``X``, ``X | None``, ``list[X]``), else None.

    Read from the field's own type, not looked up by its name: two models may well use one
    name for different things (``review.claims`` is a reading, another ``claims`` need not be).
    """
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    found = [m for m in map(_inner_model, get_args(annotation)) if m is not None]
    return found[0] if len(found) == 1 else None


def _path(*names: str) -> str:
    """A field path, checked against the models (``_path("review", "status")`` → ``"review.status"``)."""
    model: type[BaseModel] | None = IndexDoc
    for name in names:
        if model is None or name not in model.model_fields:
            raise AttributeError(f"the index document has no field {'.'.join(names)!r}")
        model = _inner_model(model.model_fields[name].annotation)
    return ".".join(names)


# --- field names, for queries and aggregations ----------------------------------------
ID = _path("id")
SOURCE_ID = _path("source_id")
KIND = _path("kind")
TITLE = _path("title")
TITLE_FOLDED = _path("title_folded")
TEXT = _path("text")
TEXT_FOLDED = _path("text_folded")
TEXT_SEG = _path("text_seg")
CAPTIONS = _path("captions")
CAPTIONS_FOLDED = _path("captions_folded")
PUBLISHED_AT = _path("published_at")
PUBLISHED_PRECISION = _path("published_precision")
DATED_AT = _path("dated_at")
PROVINCES = _path("provinces")
DISTRICTS = _path("districts")
RUMOR_RISK = _path("rumor_risk")
RISK_LEVEL = _path("risk_level")
RISK_RANK = _path("risk_rank")
SENTIMENT = _path("sentiment")
COVID = _path("covid")
CLAIM_IDS = _path("claim_ids")
SPREAD_CLAIM_IDS = _path("spread_claim_ids")
#: The stance of each known claim an item matched. ``matched_claims`` is an object field, not
#: nested: with a claim filter beside it, "mentions that claim, and some match has that stance".
CLAIM_STANCE = _path("matched_claims", "stance")
SCHEMA_VERSION_FIELD = _path("schema_version")
CLUSTER_ID = _path("cluster_id")
REVIEW = _path("review")
REVIEW_STATUS = _path("review", "status")
REVIEW_TONE = _path("review", "tone", "value")
REVIEW_CLAIM_IDS = _path("review", "claims", "ids")
#: ``exists`` on this, not on the ids: a reading of "none" (``ids: []``) indexes no id.
REVIEW_CLAIMS_AT = _path("review", "claims", "at")
REVIEW_AT = _path("review", "at")

#: Bookkeeping, not content: left out of ``content_hash`` (see ``IndexDoc.content_digest``).
BOOKKEEPING_FIELDS: tuple[str, ...] = (_path("fetched_at"), DATED_AT, _path("analyzed_at"))
CONTENT_HASH = _path("content_hash")
SCORE_STEPS = _path("score_steps")


def content_digest(body: dict[str, Any]) -> str:
    """The ``content_hash`` of a written body: everything the pipeline writes but its bookkeeping.

    ``fetched_at`` changes on every fetch and every ``index load`` of a line without
    one, ``dated_at`` follows it for an undated item, ``analyzed_at`` on every
    re-analysis: none of them is content, so none may turn a re-load into a write (a
    write leaves a deleted copy behind in Lucene, and would move ``dated_at``). Computed
    from the body the indexer dumps anyway: no second serialisation on the hot path.
    """
    skip = {REVIEW, CONTENT_HASH, *BOOKKEEPING_FIELDS}
    content = {k: v for k, v in body.items() if k not in skip}
    # no steps hash as before the field existed (template 12): re-loading an older scored file stays a no-op
    if not content.get(SCORE_STEPS, True):
        del content[SCORE_STEPS]
    blob = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


#: Derived copies kept in the index only for search; left out of what hits return.
SEARCH_ONLY_FIELDS: tuple[str, ...] = tuple(
    name for name, info in IndexDoc.model_fields.items() if info.json_schema_extra == _SEARCH_ONLY
)
