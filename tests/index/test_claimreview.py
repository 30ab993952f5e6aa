"""ClaimReview out (JSON-LD, checked with a JSON-LD processor against the schema.org vocabulary) and in."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from flows.claims import export_claimreview, import_claimreview
from index.claims import Channel, ClaimStatus, add_claim, all_claims, get_claim, record_correction, retire_claim
from index.indexer import Indexer
from index.templates import ensure_templates
from tests.index.items import make_item
from tinradar.schema import Claim
from tinradar.settings import Settings

SDO = "http://schema.org/"
RUMOR = Claim(
    id="helicopter-spraying-tonight",
    claim="Tối nay trực thăng phun thuốc khử trùng khắp huyện, người dân đóng cửa ở trong nhà.",
    category="policy",
    correction="Không có đợt phun thuốc khử trùng bằng trực thăng nào; đây là tin bịa đặt.",
    debunked_by=["UBND huyện"],
    key_terms=["truc thang"],
)


def expand(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Expand with pyld, offline: the schema.org context is its vocabulary (``@vocab``), as schema.org's own context declares."""
    from pyld import jsonld

    def loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        assert url.rstrip("/") in ("https://schema.org", "http://schema.org"), url
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": {"@context": {"@vocab": SDO}},
        }

    result: list[dict[str, Any]] = jsonld.expand(document, {"documentLoader": loader})
    return result


def schema_terms() -> set[str]:
    """Every class and property of the schema.org vocabulary (as rdflib ships it), with schema.org's http IRIs."""
    from rdflib.namespace import SDO as VOCAB

    return {str(term).replace("https://", "http://") for term in dir(VOCAB)}


def walk_terms(node: Any, out: set[str]) -> None:
    if isinstance(node, list):
        for n in node:
            walk_terms(n, out)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "@type":
                out.update(value)
            elif not key.startswith("@"):
                out.add(key)
            walk_terms(value, out)


@pytest.fixture
def answered(es_client, es_settings: Settings) -> Settings:
    ensure_templates(es_client, es_settings)
    items = [
        make_item(
            1,
            "Tối nay trực thăng phun thuốc khử trùng, đóng cửa!",
            risk=0.8,
            claims=[RUMOR.id],
            kind="social",
            published_at="2021-08-06T20:00:00+07:00",
        ),
        make_item(
            2,
            "Chia sẻ gấp: trực thăng phun thuốc tối nay",
            risk=0.75,
            claims=[RUMOR.id],
            kind="social",
            published_at="2021-08-05T09:00:00+07:00",
        ),
        make_item(  # a warning that quotes the rumor to deny it, before it spread: no appearance of it
            3,
            "Không có chuyện trực thăng phun thuốc khử trùng",
            risk=0.4,
            refutes=[RUMOR.id],
            published_at="2021-08-04T09:00:00+07:00",
        ),
    ]
    Indexer(es_client, es_settings).index(items)
    add_claim(es_client, es_settings, RUMOR, by="cli:admin")
    record_correction(
        es_client,
        es_settings,
        RUMOR.id,
        url="https://sonduong.example/bac-bo-truc-thang",
        channel=Channel.PORTAL,
        published_at=datetime(2021, 8, 7, 2, 0, tzinfo=UTC),
        by="admin",
    )
    return es_settings


def test_export_is_valid_schema_org_claimreview(es_client, answered: Settings) -> None:
    feed, skipped = export_claimreview(es_client, answered)
    assert skipped == 0
    (review,) = feed["dataFeedElement"]
    expanded = expand(feed)
    used: set[str] = set()
    walk_terms(expanded, used)
    unknown = {t for t in used if not t.startswith(SDO) or t not in schema_terms()}
    assert not unknown, f"not schema.org terms: {unknown}"
    (node,) = expanded
    (element,) = node[SDO + "dataFeedElement"]
    assert element["@type"] == [SDO + "ClaimReview"]
    for required in ("claimReviewed", "reviewRating", "url", "author", "datePublished", "itemReviewed"):
        assert SDO + required in element, required
    rating = element[SDO + "reviewRating"][0]
    assert rating[SDO + "alternateName"][0]["@value"] == "Sai sự thật"
    assert review["url"] == "https://sonduong.example/bac-bo-truc-thang"
    assert review["author"]["name"] == answered.board_name
    assert review["datePublished"] == "2021-08-07"
    item = review["itemReviewed"]
    assert item["firstAppearance"]["datePublished"] == "2021-08-05"  # the earlier of the two posts, not the denial
    assert len(item["appearance"]) == 2 and "author" not in json.dumps(item)  # links only, no person


def test_export_then_import_round_trips_and_deduplicates(es_client, answered: Settings, tmp_path: Path) -> None:
    feed, _ = export_claimreview(es_client, answered)
    plan, written = import_claimreview(es_client, answered, feed, by="cli:admin")
    assert written == [] and len(plan.errors) == 1 and "trùng" in plan.errors[0].message


BAD_FILE = {
    "@context": "https://schema.org",
    "@type": "DataFeed",
    "dataFeedElement": [
        {
            "@type": "ClaimReview",
            "url": "https://factcheck.example/1",
            "claimReviewed": "Uống nước dừa chữa khỏi COVID-19",
            "reviewRating": {"@type": "Rating", "alternateName": "Sai"},
            "author": {"name": "Fact Check VN"},
        },
        {"@type": "ClaimReview", "url": "https://factcheck.example/2", "reviewRating": {"alternateName": "Sai"}},
        {
            "@type": "ClaimReview",
            "url": "https://factcheck.example/1",
            "claimReviewed": "Uống nước dừa chữa khỏi COVID",
            "reviewRating": {"alternateName": "Sai"},
        },
        {
            "@type": "ClaimReview",
            "url": "https://factcheck.example/3",
            "identifier": "old-retired-claim",
            "claimReviewed": "Tin cũ",
            "reviewRating": {"alternateName": "Sai"},
        },
        {
            "@type": "ClaimReview",
            "url": "https://factcheck.example/4",
            "claimReviewed": "Vắc xin có <script>alert(1)</script> chip",
            "reviewRating": {"alternateName": "Sai"},
        },
        {
            "@type": "DataFeedItem",
            "item": {
                "@type": "ClaimReview",
                "url": "https://factcheck.example/5",
                "claimReviewed": "Ăn chuối xanh phòng được COVID-19",
                "reviewRating": {"alternateName": "Sai sự thật"},
            },
        },
        {"@type": "ClaimReview", "url": "https://factcheck.example/6", "claimReviewed": "Không có đánh giá"},
    ],
}


def _run_import(settings: Settings, path: Path, *extra: str) -> Any:
    """``tinradar claims import`` through the real CLI (its own settings from the environment)."""
    from typer.testing import CliRunner

    from flows.cli import app

    env = {
        "TINRADAR_ES_URL": settings.es_url,
        "TINRADAR_ES_INDEX_PREFIX": settings.es_index_prefix,
        "TINRADAR_DATA_DIR": str(settings.data_dir),
    }
    return CliRunner(env=env).invoke(app, ["claims", "import", str(path), *extra])


def test_import_refuses_each_bad_record_with_its_reason(es_client, es_settings: Settings, tmp_path: Path) -> None:
    old = RUMOR.model_copy(update={"id": "old-retired-claim"})
    add_claim(es_client, es_settings, old, by="cli:admin")
    retire_claim(es_client, es_settings, old.id, by="cli:admin")
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(BAD_FILE, ensure_ascii=False), encoding="utf-8")

    strict = _run_import(es_settings, path, "--strict")
    assert strict.exit_code == 1, strict.stderr
    assert not [r for r in all_claims(es_client, es_settings) if r.origin == "import"]  # nothing imported
    assert strict.exception is None or isinstance(strict.exception, SystemExit)

    result = _run_import(es_settings, path)
    err = result.stderr
    assert result.exit_code == 1 and "Traceback" not in err
    assert "bản ghi #2 (https://factcheck.example/2): thiếu trường bắt buộc: claimReviewed" in err
    assert "bản ghi #3 (https://factcheck.example/1): trùng: URL này đã có ở bản ghi #1" in err
    assert "bản ghi #4 (https://factcheck.example/3): mã tin đồn 'old-retired-claim' đã ngừng dùng" in err
    assert "bản ghi #5 (https://factcheck.example/4): có mã HTML trong claimReviewed" in err
    assert "bản ghi #7 (https://factcheck.example/6): thiếu trường bắt buộc: reviewRating" in err
    assert "Đã nhập 2 tin đồn, bỏ qua 5 bản ghi lỗi / imported 2 claims, skipped 5 bad records" in " ".join(err.split())
    assert "Bỏ qua / skipped bản ghi #2" in err
    imported = [r for r in all_claims(es_client, es_settings) if r.origin == "import"]
    assert sorted(r.review_url or "" for r in imported) == [
        "https://factcheck.example/1",
        "https://factcheck.example/5",
    ]
    coconut = next(r for r in imported if r.review_url == "https://factcheck.example/1")
    assert coconut.status == ClaimStatus.ACTIVE and coconut.claim.debunked_by == ["Fact Check VN"]
    # importing the same file again adds nothing: every good record is now a duplicate
    again = _run_import(es_settings, path)
    assert "Đã nhập 0 tin đồn" in again.stderr
    assert get_claim(es_client, es_settings, "old-retired-claim").status == ClaimStatus.RETIRED  # type: ignore[union-attr]


def test_a_broken_file_is_a_clear_error(es_settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"@type": "ClaimReview",', encoding="utf-8")
    result = _run_import(es_settings, path)
    assert result.exit_code == 2 and "không phải JSON hợp lệ" in result.stderr and "Traceback" not in result.stderr
