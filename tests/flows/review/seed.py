"""Test documents for the review desk, indexed through the real indexer into a real node."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from elasticsearch import Elasticsearch

from index import review as store
from index.indexer import Indexer
from index.templates import ensure_templates
from tinradar.ids import news_id
from tinradar.schema import (
    Analysis,
    ClaimMatch,
    Document,
    Kind,
    Location,
    ReviewStatus,
    ScoredItem,
    Sentiment,
    risk_level_for,
)
from tinradar.settings import Settings

BASE_TIME = datetime(2021, 8, 20, 3, 0, tzinfo=UTC)  # 10:00 in Hà Nội time

XSS_TEXT = (
    'Cảnh báo khẩn <script>window.__pwned = 1; document.title = "PWNED"</script> '
    "<img src=x onerror=\"window.__pwned = 2; document.title = 'PWNED'\"> tiêm vắc xin gây vô sinh!"
)


def item(
    key: str,
    *,
    risk: float,
    title: str = "",
    text: str = "",
    source: str = "fb-page-a",
    claim: str | None = None,
    cluster: str | None = None,
    province: str | None = None,
    hours: float = 0,
    kind: Kind = Kind.SOCIAL,
) -> ScoredItem:
    """One scored item; ``key`` makes the id and URL."""
    url = f"https://example.test/{source}/{key}"
    doc = Document(
        id=news_id(url),
        url=url,
        source_id=source,
        kind=kind,
        title=title or f"Bài {key}",
        text=text or f"Nội dung của bài {key} về COVID-19.",
        published_at=BASE_TIME + timedelta(hours=hours),
        fetched_at=BASE_TIME + timedelta(hours=hours, minutes=5),
        author="Trang tin A" if kind is Kind.SOCIAL else "Báo B",
    )
    analysis = Analysis(
        doc_id=doc.id,
        rumor_risk=risk,
        risk_level=risk_level_for(risk),
        cues=["Khẳng định chữa khỏi/diệt virus", "Kêu gọi chia sẻ gấp"] if risk >= 0.4 else [],
        sentiment=Sentiment.NEG,
        covid=True,
        covid_proba=0.9,
        locations=[Location(name="Sơn Dương", province_code=province, district_code="073")] if province else [],
        matched_claims=[ClaimMatch(claim_id=claim, similarity=0.82)] if claim else [],
        cluster_id=cluster,
    )
    return ScoredItem(document=doc, analysis=analysis)


def standard_items() -> list[ScoredItem]:
    """A small day of flagged and unflagged items covering every filter."""
    return [
        item(
            "hi1",
            risk=0.95,
            title="Trực thăng phun thuốc khử trùng tối nay",
            claim="helicopter-disinfectant-spraying",
            cluster="c-heli",
            province="08",
            source="fb-page-a",
            hours=1,
        ),
        item(
            "hi2",
            risk=0.90,
            title="Tối nay máy bay phun thuốc diệt virus, đóng cửa",
            claim="helicopter-disinfectant-spraying",
            cluster="c-heli",
            province="08",
            source="fb-page-b",
            hours=2,
        ),
        item(
            "hi3", risk=0.85, title="Máy bay rải thuốc khử khuẩn đêm nay", cluster="c-heli", source="fb-page-b", hours=3
        ),
        item(
            "mid1",
            risk=0.52,
            title="Uống nước chanh nóng diệt virus corona",
            claim="hot-lemon-water-kills-virus",
            source="forum-x",
            hours=4,
        ),
        item("mid2", risk=0.45, title="Nghe nói sắp phong tỏa", source="fb-page-a", province="01", hours=30),
        item(
            "low1", risk=0.10, title="UBND huyện thông báo lịch tiêm", source="baotuyenquang", kind=Kind.NEWS, hours=5
        ),
        item(
            "xss",
            risk=0.80,
            title="<b>Tin nóng</b> <script>document.title='PWNED'</script>",
            text=XSS_TEXT,
            source="fb-page-c",
            hours=6,
        ),
    ]


def load(client: Elasticsearch, settings: Settings, items: list[ScoredItem]) -> dict[str, str]:
    """Index items with the real indexer; returns key → document id."""
    ensure_templates(client, settings)
    stats = Indexer(client, settings).index(items)
    assert stats.failed == 0 and stats.dead_lettered == 0, stats
    return {it.document.url.rsplit("/", 1)[1]: it.document.id for it in items}


def decide_seen(
    client: Elasticsearch, settings: Settings, item: store.ReviewItem, status: ReviewStatus, *, by: str, note: str = ""
) -> store.DecisionOutcome:
    """A reviewer's verdict at the version of ``item`` they saw (as the review form sends it)."""
    return store.decide(
        client, settings, item.id, status=status, note=note, by=by, seq_no=item.seq_no, primary_term=item.primary_term
    )
