"""The document schema: validation, NFC, and the JSON round trip every stage relies on."""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from tinradar.ids import news_id, social_id
from tinradar.schema import (
    Analysis,
    ClaimMatch,
    Document,
    Kind,
    Location,
    RiskLevel,
    ScoredItem,
    Sentiment,
    risk_level_for,
)

VN = timezone(timedelta(hours=7))


def make_doc(**over: object) -> Document:
    fields: dict[str, object] = {
        "id": news_id("https://baotuyenquang.example/tin/a.html"),
        "url": "https://baotuyenquang.example/tin/a.html",
        "source_id": "bao-tuyen-quang",
        "kind": Kind.NEWS,
        "title": "Sơn Dương tiêm vắc xin cho người dân",
        "text": "Huyện Sơn Dương đã tiêm 12.000 liều vắc xin.",
        "published_at": datetime(2021, 8, 30, 14, 5, tzinfo=VN),
        "fetched_at": datetime(2021, 8, 30, 8, 0, tzinfo=UTC),
        "author": "Báo Tuyên Quang",
        "likes": 3,
    }
    fields.update(over)
    return Document.model_validate(fields)


def make_analysis(doc_id: str) -> Analysis:
    return Analysis(
        doc_id=doc_id,
        rumor_risk=0.82,
        risk_level=RiskLevel.HIGH,
        cues=["kêu gọi chia sẻ gấp"],
        sentiment=Sentiment.NEG,
        sentiment_proba={Sentiment.NEG: 0.7, Sentiment.NEU: 0.2, Sentiment.POS: 0.1},
        covid=True,
        covid_proba=0.97,
        locations=[Location(name="Sơn Dương", province_code="08", district_code="076")],
        matched_claims=[ClaimMatch(claim_id="vaccine-infertility", similarity=0.81)],
        cluster_id="c-1",
        model_versions={"rumor": "1"},
    )


def test_document_json_round_trip() -> None:
    doc = make_doc()
    again = Document.model_validate_json(doc.model_dump_json())
    assert again == doc
    assert again.published_at is not None and again.published_at.utcoffset() == timedelta(hours=7)


def test_scored_item_flat_line_round_trip() -> None:
    # The flat line has one ``language``: the detected one, which the document then carries.
    doc = make_doc(language="vi")
    item = ScoredItem(document=doc, analysis=make_analysis(doc.id))
    line = json.loads(json.dumps(item.to_line(), ensure_ascii=False))
    assert line["id"] == doc.id and line["rumor_risk"] == 0.82 and line["risk_level"] == "high"
    assert "doc_id" not in line
    assert ScoredItem.from_line(line) == item


def test_text_is_nfc() -> None:
    nfd = unicodedata.normalize("NFD", "Tiêm vắc xin ở Sơn Dương")
    doc = make_doc(text=nfd, title=nfd)
    assert doc.text == unicodedata.normalize("NFC", nfd)
    assert unicodedata.is_normalized("NFC", doc.title)


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(ValidationError):
        make_doc(published_at=datetime(2021, 8, 30, 14, 5))


def test_public_author_and_pseudonym_are_exclusive() -> None:
    with pytest.raises(ValidationError):
        make_doc(author="Báo Tuyên Quang", author_hash="u_abc")


def test_negative_counts_and_bad_probabilities_are_rejected() -> None:
    with pytest.raises(ValidationError):
        make_doc(likes=-1)
    with pytest.raises(ValidationError):
        Analysis.model_validate({**make_analysis("x" * 32).model_dump(), "rumor_risk": 1.5})


def test_minimal_scored_line_gets_defaults() -> None:
    item = ScoredItem.from_line(
        {
            "id": "p-000000001",
            "text": "Tin đồn",
            **make_analysis("p-000000001").model_dump(mode="json", exclude={"doc_id"}),
        }
    )
    assert item.document.kind is Kind.SOCIAL and item.document.source_id == "import"
    assert ScoredItem.unknown_keys({"id": "x", "extra": 1}) == ["extra"]


def test_ids_are_stable() -> None:
    assert news_id("http://m.vnexpress.net/a-1.html?utm_source=fb#top") == news_id("https://vnexpress.net/a-1.html")
    assert social_id("Telegram", "chan/12") == social_id("telegram", "chan/12")
    assert social_id("telegram", "chan/12") != social_id("facebook", "chan/12")


@pytest.mark.parametrize(
    ("score", "level"), [(0.1, RiskLevel.LOW), (0.4, RiskLevel.MEDIUM), (0.69, RiskLevel.MEDIUM), (0.7, RiskLevel.HIGH)]
)
def test_risk_levels(score: float, level: RiskLevel) -> None:
    assert risk_level_for(score) is level


def test_publication_precision() -> None:
    """A day-only date keeps its day but gives no minute; lines without the field read as
    minute when dated, none when not; captions are cleaned and empty ones dropped."""
    day = make_doc(published_at=datetime(2021, 8, 30, tzinfo=VN), published_precision="day")
    assert day.published_precision.value == "day" and day.published_minute is None
    assert make_doc().published_precision.value == "minute" and make_doc().published_minute is not None
    undated = make_doc(published_at=None, published_precision="day")
    assert undated.published_precision.value == "none"
    line = json.loads(make_doc().model_dump_json())
    del line["published_precision"]
    assert Document.model_validate(line).published_precision.value == "minute"
    doc = make_doc(captions=["  Ảnh:\u00a0Hữu Khoa ", ""], via="Infonet")
    assert doc.captions == ["Ảnh: Hữu Khoa"] and doc.via == "Infonet"
