"""The typed document schema that passes between every stage.

``Document`` is what a crawler or importer produces; ``Analysis`` is what the NLP stage
adds (with ``Note``s saying why a score is partial or absent); ``ScoredItem`` is the two
together. Stages exchange these models, never bare dicts, and serialise them as JSON
lines: a ``ScoredItem`` as nested JSON inside a run, and as one flat line (``to_line`` /
``from_line``) only where users script against it, ``tinradar score`` and ``tinradar
index load``.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)

from tinradar.text import clean_text, nfc

#: Version of the indexed document's shape (``index.doc.IndexDoc.schema_version``). 2: documents
#: carry ``spread_claim_ids`` (the claims an item repeats or asks about, not those it refutes);
#: the claim statistics read ``claim_ids`` for documents written before.
SCHEMA_VERSION = 2
#: Elasticsearch refuses a document ``_id`` longer than this (in UTF-8 bytes).
MAX_ID_BYTES = 512
#: The largest value the index's ``long`` fields hold (the counts, a cue's offsets): a larger
#: one is a bad value, caught at validation, not a document Elasticsearch refuses for good.
MAX_COUNT = 2**63 - 1
#: The largest magnitude the index's ``float`` fields hold (a float32's largest finite value).
MAX_FLOAT = 3.4028234663852886e38


def _index_float(value: float) -> float:
    """``value`` when the mapping's ``float`` takes it: a finite number that stays finite as a float32.

    Elasticsearch rounds a JSON number to the nearest float32 and refuses the whole document (400,
    "[float] supports only finite values") when that is infinite, so the rounding is checked the
    same way here (``struct`` packs as a C cast does): 3.4028235e38 still rounds to ``MAX_FLOAT``
    and goes in, 3.5e38 does not. Infinity and NaN are refused before (``allow_inf_nan``)."""
    try:
        struct.pack("<f", value)
    except OverflowError:
        raise ValueError(f"a number past what Elasticsearch's float holds (±{MAX_FLOAT:.8g})") from None
    return value


#: A number the index maps as ``float`` (scores, probabilities, a cue's weight, a match's
#: similarity): finite and within float32, so a value Elasticsearch would refuse for good is a
#: bad value, caught at validation (a bad line named at ``tinradar index load``), not an item
#: in the rejected file. Bounds a field has by meaning (0..1) come on top, as ``Field`` arguments.
IndexFloat = Annotated[float, Field(allow_inf_nan=False), AfterValidator(_index_float)]


#: The earliest publication date believed: an item "from" before it (a 1900 or 1970 from a
#: broken feed, an epoch zero, an export's placeholder) would sit at the end of every
#: date-sorted view. Vietnamese outlets have been online since the late 1990s and archives
#: reach back further than COVID-19, so the floor is far below 2019.
EARLIEST_PUBLISHED = datetime(1990, 1, 1, tzinfo=UTC)
#: How far past the reference time (now, or when the item was fetched or exported) a publication
#: date may lie: a day covers clocks, time zones and a date-only value; a 2100 date does not.
FUTURE_MARGIN = timedelta(days=1)


def published_problem(value: datetime, *, now: datetime | None = None) -> str | None:
    """Why ``value`` cannot be a publication date (None when it can): before 1990, or in the future.

    ``now`` is the reference: the time the item was crawled or exported when known, else now.
    Crawlers and importers drop such a date (the item is kept, its date unknown); a
    ``Document`` refuses it, so a JSON line carrying one gets the CLI's bad-value treatment.
    """
    reference = now or utc_now()
    if value < EARLIEST_PUBLISHED:
        return f"a publication date before {EARLIEST_PUBLISHED:%Y-%m-%d} is not believed"
    if value > reference + FUTURE_MARGIN:
        return (
            f"a publication date more than a day after {reference.astimezone(UTC):%Y-%m-%d %H:%M} UTC is not believed"
        )
    return None


def trusted_published(value: datetime | None, *, now: datetime | None = None) -> datetime | None:
    """``value`` when it can be a publication date (see ``published_problem``), else None."""
    return value if value is None or published_problem(value, now=now) is None else None


def id_problem(value: str) -> str | None:
    """Why ``value`` cannot be a document id (None when it can): blank, or too long for Elasticsearch."""
    if not value.strip():
        return "an id must not be blank"
    if len(value.encode("utf-8")) > MAX_ID_BYTES:
        return f"an id is at most {MAX_ID_BYTES} bytes (Elasticsearch's limit)"
    return None


class Kind(StrEnum):
    """Where an item comes from: an outlet's article or a social post."""

    NEWS = "news"
    SOCIAL = "social"


class DatePrecision(StrEnum):
    """How much of ``published_at`` the source really gave.

    ``day``: only the date was printed; ``published_at`` then holds midnight in the
    page's zone, which is a placeholder, not a time — minute-based figures (posting hour,
    response times, timelines) must skip it (see ``Document.published_minute``).
    """

    MINUTE = "minute"
    DAY = "day"
    NONE = "none"


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
        min_length=1,
        description="Stable id: hash of the canonical URL, or of platform + post id; an imported item keeps its own "
        f"(any non-blank text of at most {MAX_ID_BYTES} bytes, Elasticsearch's limit)",
    )
    url: str | None = Field(default=None, description="Canonical URL, when the item has one")
    source_id: str = Field(min_length=1, description="Id of the source in the registry")
    kind: Kind
    platform: str = Field(default="web", description="web, telegram, facebook, forum, ...")
    title: str = ""
    text: str = ""
    published_at: AwareDatetime | None = None
    published_precision: DatePrecision = Field(
        default=DatePrecision.NONE,
        description="minute, day (published_at is midnight, a placeholder) or none; lines without it read as minute",
    )
    published_source: str | None = Field(
        default=None, description="Where the date came from: dateline, meta, json-ld, time, url, override, export, ..."
    )
    fetched_at: AwareDatetime
    language: str | None = Field(default=None, description="ISO 639-1 code when known")
    author: str | None = Field(
        default=None, description="Public name of an outlet, page or channel, or the byline an outlet printed"
    )
    author_hash: str | None = Field(default=None, description="Salted pseudonym of an individual author")
    likes: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    comments: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    shares: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    views: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    via: str | None = Field(default=None, description='Where an outlet says it took the story from ("Theo ..." line)')
    captions: list[str] = Field(default_factory=list, description="Photo and video captions, kept out of the text")
    province_code: str | None = Field(default=None, description="Province the source covers (official code)")
    district_code: str | None = Field(default=None, description="District the source covers (official code)")

    @field_validator("id")
    @classmethod
    def _usable_id(cls, value: str) -> str:
        problem = id_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("published_at")
    @classmethod
    def _believable_date(cls, value: datetime | None) -> datetime | None:
        """A date before 1990 or days ahead of now is a broken feed's, not a publication's."""
        problem = None if value is None else published_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("title", "text", mode="before")
    @classmethod
    def _nfc_text(cls, value: Any) -> Any:
        return clean_text(value) if isinstance(value, str) or value is None else value

    @field_validator("author", "source_id", "platform", "via", mode="before")
    @classmethod
    def _nfc_name(cls, value: Any) -> Any:
        return nfc(value).strip() if isinstance(value, str) else value

    @field_validator("captions", mode="before")
    @classmethod
    def _nfc_captions(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [c for c in (clean_text(v) if isinstance(v, str) else v for v in value) if c]
        return value

    @model_validator(mode="after")
    def _one_author_kind(self) -> Document:
        if self.author and self.author_hash:
            raise ValueError("a document has either a public author or an author_hash, not both")
        return self

    @model_validator(mode="after")
    def _precision_matches_date(self) -> Document:
        """No date means no precision; a date without a stated precision (lines written
        before the field existed, exports with full timestamps) is taken as a minute."""
        if self.published_at is None and self.published_precision is not DatePrecision.NONE:
            object.__setattr__(self, "published_precision", DatePrecision.NONE)
        elif self.published_at is not None and self.published_precision is DatePrecision.NONE:
            object.__setattr__(self, "published_precision", DatePrecision.MINUTE)
        return self

    @property
    def published_minute(self) -> datetime | None:
        """The publication time only when it is known to the minute (None for a day-only date)."""
        return self.published_at if self.published_precision is DatePrecision.MINUTE else None

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
    similarity: IndexFloat = Field(ge=0.0, le=1.0)
    stance: Stance = Field(
        default=Stance.REPEATS, description="repeats / refutes / asks; lines written before stances read as repeats"
    )
    stance_phrase: str | None = Field(
        default=None,
        # Left out of the JSON when absent: scored lines written before the field read and write
        # back as they were (index documents move to schema version 2 anyway, see SCHEMA_VERSION).
        exclude_if=lambda v: v is None,
        description="The words the stance was read from, as the text writes them (NFC): for refutes the words "
        "that refute, for asks the question (its last clause with a question's words); read once where the "
        "stance was read (the text's opening and the sentences around the match), so the cue quotes what "
        "decided the stance; None for repeats and for matches made before it was carried (for a question: "
        "before the stance rules stance-neg-q)",
    )

    @field_validator("stance_phrase")
    @classmethod
    def _phrase_nfc(cls, value: str | None) -> str | None:
        return None if value is None else (nfc(value).strip() or None)


#: A claim id: lower-case words joined by '-' (results and URLs refer to it).
CLAIM_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _claim_id_set(value: list[str]) -> list[str]:
    bad = [v for v in value if not CLAIM_ID.match(v)]
    if bad:
        raise ValueError(f"not a claim id: {bad[0]!r}")
    return sorted(set(value))


#: Claim ids as a set: each checked against ``CLAIM_ID``, kept sorted and unique (a reviewer's
#: reading of which claims an item repeats, on the index document and in the export).
ClaimIds = Annotated[list[str], AfterValidator(_claim_id_set)]


class Claim(BaseModel):
    """One debunked claim of the registry (``nlp/claims.yaml``, the registry index, the CLI and the desk)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    claim: str
    variants: list[str] = Field(default_factory=list)
    category: str
    correction: str
    debunked_by: list[str] = Field(min_length=1)
    source_url: str | None = None
    key_terms: list[str] = Field(
        default_factory=list, description="Words, folded or with diacritics (NFC); a match needs one of them"
    )
    required_terms: list[str] = Field(
        default_factory=list, description="Words, folded or with diacritics (NFC); a match needs all of them"
    )
    required_any: list[str] = Field(
        default_factory=list,
        description=(
            "Names, folded or with diacritics (NFC): a claim about a named place is about that place; a text"
            " matches it only when it holds one of them (lexical, encoder and window paths alike)"
        ),
    )

    @field_validator("id")
    @classmethod
    def _id_format(cls, value: str) -> str:
        if not CLAIM_ID.match(value):
            raise ValueError(f"claim id {value!r}: use lower-case words joined by '-'")
        return value

    @field_validator("claim", "correction")
    @classmethod
    def _nfc(cls, value: str) -> str:
        return nfc(value).strip()

    @field_validator("debunked_by", mode="before")
    @classmethod
    def _listify(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("key_terms", "required_terms", "required_any")
    @classmethod
    def _terms(cls, value: list[str]) -> list[str]:
        """A term is kept lower-case, in NFC, with the diacritics it was written with: "tỏi" says
        which word is meant, where its fold "toi" is also "tôi" (I) and "tối" (evening); the
        matcher (``nlp.claims``) reads a term written without diacritics on the folded text,
        as before. Only whitespace-only terms are dropped."""
        return [nfc(t).lower().strip() for t in value if t.strip()]


def validate_claims(items: list[Any]) -> list[Claim]:
    """Validate raw claim records as one registry: each a ``Claim``, no id twice.

    Raises ``ValueError`` naming the record (its position and id) that is wrong.
    """
    claims: list[Claim] = []
    seen: set[str] = set()
    for n, item in enumerate(items, 1):
        try:
            claim = Claim.model_validate(item)
        except ValidationError as exc:
            ident = item.get("id") if isinstance(item, dict) else None
            raise ValueError(f"claim #{n} ({ident or 'no id'}): {describe_errors(exc)}") from exc
        if claim.id in seen:
            raise ValueError(f"duplicate claim id {claim.id!r}")
        seen.add(claim.id)
        claims.append(claim)
    return claims


class NoteCode(StrEnum):
    """Why an item's analysis is partial, or absent: the first word of every note."""

    TRUNCATED = "truncated"  # text over max_text_chars: only its start was analysed
    LEGACY_ENCODING = "legacy_encoding"  # VNI/TCVN3 font encoding (message: which)
    EMPTY_TEXT = "empty_text"
    NO_TEXT = "no_text"  # only a link, emoji or symbols
    NOT_SCORED = "not_scored"  # another language, or a legacy encoding
    SENTIMENT_UNAVAILABLE = "sentiment_unavailable"  # no sentiment model: neutral by default
    ANALYSIS_FAILED = "analysis_failed"  # the analyser raised for this item (message: the error)
    IGNORED_FIELDS = "ignored_fields"  # ``tinradar score``: input metadata that did not validate
    DEFAULTS = "defaults"  # ``tinradar index load``: a line without source_id/kind/fetched_at got defaults

    @property
    def leaves_unscored(self) -> bool:
        """True when an item with this note got no rumor score (``rumor_risk`` 0 by default)."""
        return self in _UNSCORED_CODES


_UNSCORED_CODES = frozenset({NoteCode.EMPTY_TEXT, NoteCode.NO_TEXT, NoteCode.NOT_SCORED, NoteCode.ANALYSIS_FAILED})


class Note(_Model):
    """A per-item note: a code scripts can test and a message people can read.

    On disk (the ``score`` line, run files, the index's ``notes`` keyword field) a note is
    one string, ``"code: message"`` (just ``"code"`` without a message), so the JSON-lines
    contract and the index mapping stay strings; the code is everything before the first
    colon. Strings of that form (also the older ``"code:message"``) parse back into notes.
    """

    code: NoteCode
    message: str = ""

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            code, _, message = value.partition(":")
            return {"code": code.strip(), "message": message.strip()}
        return value

    @model_serializer(mode="plain")
    def _as_text(self) -> str:
        return str(self)

    def __str__(self) -> str:
        return f"{self.code.value}: {self.message}" if self.message else self.code.value


class CueSpan(_Model):
    """One cue a reviewer can check: what kind, the phrase as written and where it stands.

    ``start``/``end`` are character offsets in ``Document.full_text`` (title, blank line,
    body), so the desk and the report can highlight the phrase; ``weight`` is what ranked it
    (a hand-set strength for curated reliability cues, tf-idf × coefficient for model terms).
    The offsets are bounded by what the mapping's ``long`` holds (``MAX_COUNT``), the weight by
    what its ``float`` holds (``IndexFloat``): a larger one in a loaded file is a bad line named at
    validation, not an item Elasticsearch refuses forever.
    """

    kind: str
    label: str
    text: str
    start: int = Field(ge=0, le=MAX_COUNT)
    end: int = Field(ge=0, le=MAX_COUNT)
    weight: IndexFloat = 0.0


class StepKind(StrEnum):
    """One step in how the rumor score was made (``ScoreStep.kind``), in the order they apply."""

    TEXT = "text"  # the lexical text model with the post signals
    ENCODER = "encoder"  # the e5 encoder view stacked on it
    OFF_TOPIC = "off_topic"  # lowered for an item little about COVID-19
    CORRECTION = "correction"  # halved: the text reads as a correction
    CLAIM_REPEATS = "claim_repeats"  # raised to high: it repeats a known claim
    CLAIM_ASKS = "claim_asks"  # kept at medium: it asks about a known claim


def score_text(value: float) -> str:
    """A score as the desk writes it everywhere (badges, queue, item page): a whole percent, "62%".

    One writing for the steps and the badge beside them, so a reviewer compares like with like
    (and never reads "0.62", where the point groups thousands in Vietnamese)."""
    return f"{value * 100:.0f}%"


class ScoreStep(_Model):
    """One step of the rumor score: what moved it, the risk after it, and the step in words.

    ``Analysis.score_steps`` lists the steps that happened, in order; the last one shows
    ``rumor_risk``'s whole percent (it is ``rumor_risk`` unless a lowering too small to show
    followed it). So a reviewer sees whether a flag came from words in the text, from the
    overall resemblance the encoder saw, or from a known claim (principle 2).
    """

    kind: StepKind
    score: IndexFloat = Field(ge=0.0, le=1.0, description="the risk after this step")
    message: str = Field(description="the step in plain Vietnamese, for the reviewer")


class Analysis(_Model):
    """What the NLP stage says about one document. Every flag explains itself."""

    doc_id: str
    rumor_risk: IndexFloat = Field(ge=0.0, le=1.0)
    risk_level: RiskLevel
    cues: list[str] = Field(default_factory=list, description="Why the score is what it is, in Vietnamese")
    cue_spans: list[CueSpan] = Field(
        default_factory=list,
        description="The text cues among ``cues``, typed and located (at most three), after the sentence that "
        "matches a known claim when there is one (kind ``claim``)",
    )
    score_steps: list[ScoreStep] = Field(
        default_factory=list,
        description="How ``rumor_risk`` was made, step by step (text model, encoder view, off-topic, correction, "
        "known claim): only the steps that happened, the last one shows ``rumor_risk``'s percent; none when unscored",
    )
    sentiment: Sentiment
    sentiment_proba: dict[Sentiment, IndexFloat] = Field(default_factory=dict)
    covid: bool
    covid_proba: IndexFloat = Field(ge=0.0, le=1.0)
    locations: list[Location] = Field(default_factory=list)
    matched_claims: list[ClaimMatch] = Field(default_factory=list)
    cluster_id: str | None = None
    text_seg: str | None = Field(
        default=None,
        description="Title and text word-segmented (underthesea, words joined by '_'); indexed for word search when present",
    )
    language: str = "vi"
    notes: list[Note] = Field(default_factory=list, description="Per-item notes: truncated, legacy encoding, ...")
    model_versions: dict[str, str] = Field(default_factory=dict)
    analyzed_at: AwareDatetime | None = None

    @property
    def failed(self) -> bool:
        """The analyser raised for this item: it carries defaults, not a judgement."""
        return any(n.code is NoteCode.ANALYSIS_FAILED for n in self.notes)

    @property
    def scored(self) -> bool:
        """The text was read and scored (not empty, not only a link, Vietnamese, not failed)."""
        return not any(n.code.leaves_unscored for n in self.notes)

    @field_validator("sentiment_proba")
    @classmethod
    def _proba_range(cls, value: dict[Sentiment, float]) -> dict[Sentiment, float]:
        for p in value.values():
            if not 0.0 <= p <= 1.0:
                raise ValueError("probabilities lie in 0..1")
        return value

    @model_validator(mode="after")
    def _steps_end_at_the_score(self) -> Analysis:
        """The steps a reviewer reads must end at the badge beside them (principle 2): a scored
        line whose last step says 30% while its ``rumor_risk`` says 62% (a hand edit, a half-merged
        file) is a bad line, named at load, not a flag that explains itself wrongly. Compared as
        the reader reads both, a whole percent: a lowering too small to show is not a step
        (``nlp.analyzer`` lists the off-topic step only when the percent moves), so the last
        step's ``score`` may lie a few ten-thousandths above ``rumor_risk``."""
        if self.score_steps and score_text(self.score_steps[-1].score) != score_text(self.rumor_risk):
            last = self.score_steps[-1].score
            raise ValueError(
                f"the score steps end at {score_text(last)} but rumor_risk is {self.rumor_risk} "
                f"({score_text(self.rumor_risk)}): the last step must show the score's percent"
            )
        return self


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
    """A document and its analysis.

    Inside a run it is stored nested (``model_dump_json``). At the CLI boundary it is flat
    (the document's fields plus the analysis fields), the stable contract users script
    against; ``to_line``/``from_line`` convert.
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
        """Parse a flat line back, or raise ``LineError`` saying which field is wrong, in words.

        Lines scored elsewhere (``tinradar score`` keeps the input object) may carry only
        ``id`` and ``text``: a missing source becomes ``source_id``, a missing kind is
        inferred (``news`` for an article — a line with a title and a URL — else
        ``social``, a post) and a missing fetch time is now; a note on the item says
        which defaults it got. An integer id is kept as text. Keys that belong to neither
        model are ignored (see ``unknown_keys``).
        """
        doc_fields = {k: v for k, v in line.items() if k in Document.model_fields}
        if isinstance(doc_fields.get("id"), int) and not isinstance(doc_fields["id"], bool):
            doc_fields["id"] = str(doc_fields["id"])
        defaults: list[str] = []
        if not doc_fields.get("source_id"):
            doc_fields["source_id"] = source_id
            defaults.append(f"source_id '{source_id}'")
        if not doc_fields.get("kind"):
            doc_fields["kind"] = infer_kind(doc_fields)
            why = (
                "có tiêu đề và URL / a title and a URL" if doc_fields["kind"] is Kind.NEWS else "một bài đăng / a post"
            )
            defaults.append(f"kind '{doc_fields['kind']}' ({why})")
        if not doc_fields.get("fetched_at"):
            doc_fields["fetched_at"] = utc_now()
            defaults.append("fetched_at = lúc nạp / load time")
        ana_fields = {k: v for k, v in line.items() if k in ANALYSIS_FIELDS}
        if defaults and isinstance(ana_fields.get("notes", []), list):
            ana_fields["notes"] = [
                *ana_fields.get("notes", []),
                Note(code=NoteCode.DEFAULTS, message=", ".join(defaults)),
            ]
        try:
            document = Document.model_validate(doc_fields)
            analysis = Analysis.model_validate({**ana_fields, "doc_id": document.id})
        except ValidationError as exc:
            raise LineError(describe_errors(exc)) from exc
        return cls(document=document, analysis=analysis)

    @staticmethod
    def unknown_keys(line: dict[str, Any]) -> list[str]:
        """Keys of a flat line that neither model knows (they are not stored)."""
        return sorted(set(line) - set(Document.model_fields) - set(ANALYSIS_FIELDS))


class LineError(ValueError):
    """A flat line that cannot become a ``ScoredItem``; the message names the fields, in words."""


def infer_kind(fields: dict[str, Any]) -> Kind:
    """``news`` for what looks like an article (a title and a URL, not a social platform), else ``social``."""
    platform = str(fields.get("platform") or "web").lower()
    return Kind.NEWS if fields.get("title") and fields.get("url") and platform == "web" else Kind.SOCIAL


def describe_errors(exc: ValidationError, *, name: Callable[[str], str] | None = None) -> str:
    """One sentence for a user from pydantic's errors: the missing fields, then each bad value.

    ``name`` turns a field's path into the name the user wrote (``encoder_threads`` →
    ``TINRADAR_ENCODER_THREADS`` for a setting), so the sentence points at what to fix.
    """
    # the whole path: "score_steps.0.message", not "score_steps" (which the line has)
    missing = [".".join(str(p) for p in e["loc"]) for e in exc.errors() if e["type"] == "missing" and e["loc"]]
    parts = []
    if missing:
        scored = set(missing) & set(ANALYSIS_FIELDS)
        hint = " (is it 'tinradar score' output?)" if scored else ""
        parts.append(f"missing field{'s' if len(missing) > 1 else ''} {', '.join(missing)}{hint}")
    for error in exc.errors():
        if error["type"] == "missing" and error["loc"]:
            continue
        field = ".".join(str(p) for p in error["loc"])
        field = name(field) if name and field else field
        value = repr(error.get("input"))
        value = value if len(value) <= 60 else value[:57] + "..."
        where = f"field '{field}' = {value}: " if field else ""
        parts.append(f"{where}{error['msg'].removeprefix('Value error, ')}")
    return "; ".join(parts) + "."


def utc_now() -> datetime:
    """Timezone-aware now, so that no naive datetime ever enters a model."""
    return datetime.now(UTC)
