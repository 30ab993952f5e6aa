"""What the review desk reads and sends: queue filters and pages, items with their version, outcomes."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from index.doc import IndexDoc, ReviewState
from index.docmap import RISK_RANK
from tinradar.schema import ReviewStatus, RiskLevel, Stance

#: States that keep an item in the queue.
OPEN_STATUSES: tuple[ReviewStatus, ...] = (ReviewStatus.NEW, ReviewStatus.IN_REVIEW)
#: The lowest risk level the queue lists: the desk reviews flagged items.
QUEUE_RISK_MIN = RiskLevel.MEDIUM
#: The levels the queue lists, riskiest first (the choices of its risk filter).
QUEUE_RISK_LEVELS: tuple[RiskLevel, ...] = tuple(
    sorted(
        (lv for lv in RiskLevel if RISK_RANK[lv] >= RISK_RANK[QUEUE_RISK_MIN]), key=RISK_RANK.__getitem__, reverse=True
    )
)
#: Where "uncertain first" centres: a calibrated classifier is least sure at 0.5.
UNCERTAIN_PIVOT = 0.5
#: The most posts one cluster decision touches.
MAX_CLUSTER = 500


class ReviewItem(BaseModel):
    """One document as a reviewer sees it, with the version needed to write back."""

    id: str
    index: str
    seq_no: int
    primary_term: int
    doc: IndexDoc

    @property
    def review(self) -> ReviewState:
        return self.doc.review_state


#: Elasticsearch's default ``index.max_result_window``: a page whose last hit lies beyond it is
#: refused (400), so ``?page=1000`` answered the desk's "Lỗi dữ liệu" page instead of a queue.
MAX_RESULT_WINDOW = 10_000


class QueueFilters(BaseModel):
    """What the queue page asks for. Empty strings mean "no filter"."""

    day: date | None = None
    source: str | None = None
    province: str | None = None
    claim: str | None = None
    cluster: str | None = None
    unlisted: bool = Field(
        default=False, description="only risky reposts that match no known claim (emerging narratives)"
    )
    risk: RiskLevel | None = Field(
        default=None, description="only items of this level (one of QUEUE_RISK_LEVELS; another one lists nothing)"
    )
    stance: Stance | None = Field(
        default=None, description="only items that match some known claim with this stance (the machine's reading)"
    )
    status: str = Field(default="open", description="open | all | one ReviewStatus value")
    mode: Literal["risk", "uncertain"] = "risk"
    page: int = Field(default=1, ge=1)
    per_page: int = Field(default=25, ge=1, le=200)

    @property
    def deepest_page(self) -> int:
        """The last page Elasticsearch will serve from and size (a narrower filter reaches the rest)."""
        return MAX_RESULT_WINDOW // self.per_page


class QueuePage(BaseModel):
    total: int
    items: list[ReviewItem]
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


class DecisionOutcome(BaseModel):
    """What happened to one write: applied, or refused because someone wrote first."""

    doc_id: str
    applied: bool
    conflict: bool = False
    before: ReviewState | None = None
    current: ReviewState | None = None
    seq_no: int | None = None
    primary_term: int | None = None


class ClusterOutcome(BaseModel):
    cluster_id: str
    applied: list[str] = Field(default_factory=list)
    already_decided: list[str] = Field(default_factory=list)
    conflicts: list[str] = Field(default_factory=list)
