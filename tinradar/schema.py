"""The typed document schema that passes between every stage.

``Document`` is what a crawler or importer produces; ``Analysis`` is what the NLP stage
adds; ``ScoredItem`` is the two together, as one flat JSON line (the contract of
``tinradar score`` and ``tinradar index load``). Stages exchange these models, never
bare dicts, and serialise them as JSON lines.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from tinradar.text import clean_text, nfc

SCHEMA_VERSION = 1


class Kind(StrEnum):
    """Where an item comes from: an outlet's article or a social post."""

    NEWS = "news"
    SOCIAL = "social"


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Sentiment(StrEnum):
    NEG = "neg"
    NEU = "neu"
    POS = "pos"


class ReviewStatus(StrEnum):
    """A reviewer's verdict; owned by people, never written by the pipeline."""

    NEW = "new"
    IN_REVIEW = "in_review"
    CONFIRMED_FALSE = "confirmed_false"
    MISLEADING = "misleading"
    ACCURATE = "accurate"
    IRRELEVANT = "irrelevant"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False, validate_assignment=True)


class Document(_Model):
    """One news article or public social post, as collected.

    ``author`` is only for outlets, official pages, channels and page names (public
    names). Individual social authors are stored only as ``author_hash`` (salted).
    """

    id: str = Field(
        min_length=8, max_length=128, description="Stable id: hash of the canonical URL, or of platform + post id"
    )
    url: str | None = Field(default=None, description="Canonical URL, when the item has one")
    source_id: str = Field(min_length=1, description="Id of the source in the registry")
    kind: Kind
    platform: str = Field(default="web", description="web, telegram, facebook, forum, ...")
    title: str = ""
    text: str = ""
    published_at: AwareDatetime | None = None
    fetched_at: AwareDatetime
    language: str | None = Field(default=None, description="ISO 639-1 code when known")
    author: str | None = Field(default=None, description="Public name of an outlet, page or channel")
    author_hash: str | None = Field(default=None, description="Salted pseudonym of an individual author")
    likes: int | None = Field(default=None, ge=0)
    comments: int | None = Field(default=None, ge=0)
    shares: int | None = Field(default=None, ge=0)
    views: int | None = Field(default=None, ge=0)
    province_code: str | None = Field(default=None, description="Province the source covers (official code)")
    district_code: str | None = Field(default=None, description="District the source covers (official code)")

    @field_validator("title", "text", mode="before")
    @classmethod
    def _nfc_text(cls, value: Any) -> Any:
        return clean_text(value) if isinstance(value, str) or value is None else value

    @field_validator("author", "source_id", "platform", mode="before")
    @classmethod
    def _nfc_name(cls, value: Any) -> Any:
        return nfc(value).strip() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_author_kind(self) -> Document:
        if self.author and self.author_hash:
            raise ValueError("a document has either a public author or an author_hash, not both")
        return self

    @property
    def full_text(self) -> str:
        """Title and body together, as the NLP stage reads them."""
        return f"{self.title}\n\n{self.text}".strip() if self.title else self.text


class Location(_Model):
    """A place mentioned in the text, with official administrative codes."""

    name: str
    province_code: str
    district_code: str | None = None


class Stance(StrEnum):
    """How a text that matches a known claim relates to it; only ``repeats`` flags it as the rumor."""

    REPEATS = "repeats"
    REFUTES = "refutes"
    ASKS = "asks"


class ClaimMatch(_Model):
    """A known, debunked claim that the text repeats, refutes or asks about."""

    claim_id: str
    similarity: float = Field(ge=0.0, le=1.0)
    stance: Stance = Field(
        default=Stance.REPEATS, description="repeats / refutes / asks; lines written before stances read as repeats"
    )


class Analysis(_Model):
    """What the NLP stage says about one document. Every flag explains itself."""

    doc_id: str
    rumor_risk: float = Field(ge=0.0, le=1.0)
    risk_level: RiskLevel
    cues: list[str] = Field(default_factory=list, description="Why the score is what it is, in Vietnamese")
    sentiment: Sentiment
    sentiment_proba: dict[Sentiment, float] = Field(default_factory=dict)
    covid: bool
    covid_proba: float = Field(ge=0.0, le=1.0)
    locations: list[Location] = Field(default_factory=list)
    matched_claims: list[ClaimMatch] = Field(default_factory=list)
    cluster_id: str | None = None
    text_seg: str | None = Field(
        default=None,
        description="Title and text word-segmented (underthesea, words joined by '_'); indexed for word search when present",
    )
    language: str = "vi"
    notes: list[str] = Field(default_factory=list, description="Per-item notes: truncated, legacy encoding, ...")
    model_versions: dict[str, str] = Field(default_factory=dict)
    analyzed_at: AwareDatetime | None = None

    @field_validator("sentiment_proba")
    @classmethod
    def _proba_range(cls, value: dict[Sentiment, float]) -> dict[Sentiment, float]:
        for p in value.values():
            if not 0.0 <= p <= 1.0:
                raise ValueError("probabilities lie in 0..1")
        return value


def risk_level_for(score: float, medium: float = 0.4, high: float = 0.7) -> RiskLevel:
    """Map a rumor-risk probability to a level with the configured thresholds."""
    if score >= high:
        return RiskLevel.HIGH
    if score >= medium:
        return RiskLevel.MEDIUM
    return RiskLevel.LOW


#: Analysis fields that appear in a scored JSON line (``doc_id`` is the line's ``id``).
ANALYSIS_FIELDS = tuple(f for f in Analysis.model_fields if f != "doc_id")


class ScoredItem(_Model):
    """A document and its analysis: one line of ``tinradar score`` output.

    On disk it is flat (the document's fields plus the analysis fields), which is the
    stable contract users script against; ``to_line``/``from_line`` convert.
    """

    document: Document
    analysis: Analysis

    @model_validator(mode="after")
    def _same_id(self) -> ScoredItem:
        if self.document.id != self.analysis.doc_id:
            raise ValueError("document.id and analysis.doc_id differ")
        return self

    def to_line(self) -> dict[str, Any]:
        """Flat JSON-ready dict: document fields, then analysis fields."""
        out = self.document.model_dump(mode="json")
        analysis = self.analysis.model_dump(mode="json", exclude={"doc_id"})
        out.update(analysis)  # ``language`` is the detected one: it overrides the declared one
        return out

    @classmethod
    def from_line(cls, line: dict[str, Any], *, source_id: str = "import") -> ScoredItem:
        """Parse a flat line back.

        Lines scored elsewhere may carry only ``id`` and ``text``: a missing source
        becomes ``source_id``, a missing kind ``social`` and a missing fetch time now.
        Keys that belong to neither model are ignored (see ``unknown_keys``).
        """
        doc_fields = {k: v for k, v in line.items() if k in Document.model_fields}
        doc_fields.setdefault("source_id", source_id)
        doc_fields.setdefault("kind", Kind.SOCIAL)
        if not doc_fields.get("fetched_at"):
            doc_fields["fetched_at"] = utc_now()
        ana_fields = {k: v for k, v in line.items() if k in ANALYSIS_FIELDS}
        document = Document.model_validate(doc_fields)
        analysis = Analysis.model_validate({**ana_fields, "doc_id": document.id})
        return cls(document=document, analysis=analysis)

    @staticmethod
    def unknown_keys(line: dict[str, Any]) -> list[str]:
        """Keys of a flat line that neither model knows (they are not stored)."""
        return sorted(set(line) - set(Document.model_fields) - set(ANALYSIS_FIELDS))


def utc_now() -> datetime:
    """Timezone-aware now, so that no naive datetime ever enters a model."""
    return datetime.now(UTC)
