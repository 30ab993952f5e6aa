"""The claim registry in Elasticsearch: seeding, admin changes, history, and what a run reads."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from flows.claims import run_claims, shipped_claims
from index import audit_chain
from index.claims import (
    Channel,
    ClaimStatus,
    RegistryError,
    active_claims,
    add_claim,
    all_claims,
    approve_claim,
    get_claim,
    record_correction,
    retire_claim,
    seed,
)
from index.review import audit_index, claim_history
from tinradar.schema import Claim
from tinradar.settings import Settings

NEW = Claim(
    id="mask-causes-co2-poisoning",
    claim="Đeo khẩu trang lâu ngày gây ngộ độc CO2 và thiếu oxy.",
    category="prevention",
    correction="Khẩu trang y tế không làm thiếu oxy hay ngộ độc CO2 ở người khỏe mạnh.",
    debunked_by=["Bộ Y tế"],
    key_terms=["khẩu trang"],
)


def test_seeding_is_idempotent_and_recorded(es_client, es_settings: Settings) -> None:
    shipped = shipped_claims(es_settings)
    first = seed(es_client, es_settings, shipped)
    assert len(first.added) == len(shipped) > 30
    second = seed(es_client, es_settings, shipped)
    assert (second.added, second.updated, second.unchanged) == ([], [], len(shipped))
    assert active_claims(es_client, es_settings) == sorted(shipped, key=lambda c: c.id)
    # one audit record for the seeding, listing every claim, and it is part of the chain
    history = claim_history(es_client, es_settings, shipped[0].id)
    assert [h.action for h in history] == ["seed"] and history[0].by == "seed"
    records = es_client.search(index=audit_index(es_settings), size=100)["hits"]["hits"]
    assert audit_chain.check((h["_id"], h["_source"]) for h in records).intact


def test_a_changed_seed_claim_follows_the_yaml_unless_people_changed_it(es_client, es_settings: Settings) -> None:
    shipped = shipped_claims(es_settings)[:3]
    seed(es_client, es_settings, shipped)
    retire_claim(es_client, es_settings, shipped[1].id, by="cli:admin")
    edited = [c.model_copy(update={"correction": c.correction + " (cập nhật)"}) for c in shipped]
    result = seed(es_client, es_settings, edited)
    assert result.updated == [shipped[0].id, shipped[2].id]
    assert result.kept == [shipped[1].id]
    kept = get_claim(es_client, es_settings, shipped[1].id)
    assert kept is not None and kept.status == ClaimStatus.RETIRED and kept.claim == shipped[1]


def test_admin_adds_and_retires_with_history(es_client, es_settings: Settings) -> None:
    seed(es_client, es_settings, shipped_claims(es_settings)[:2])
    add_claim(es_client, es_settings, NEW, by="cli:admin")
    assert NEW.id in {c.id for c in active_claims(es_client, es_settings)}
    with pytest.raises(RegistryError, match="đã có"):
        add_claim(es_client, es_settings, NEW, by="cli:other")
    retire_claim(es_client, es_settings, NEW.id, by="cli:admin2")
    assert NEW.id not in {c.id for c in active_claims(es_client, es_settings)}
    with pytest.raises(RegistryError, match="đã ngừng dùng"):
        retire_claim(es_client, es_settings, NEW.id, by="cli:admin")
    with pytest.raises(RegistryError, match="đã có"):  # a retired id is never reused
        add_claim(es_client, es_settings, NEW, by="cli:admin")
    history = claim_history(es_client, es_settings, NEW.id)
    assert [(h.action, h.by) for h in history] == [("add", "cli:admin"), ("retire", "cli:admin2")]
    assert history[1].snapshot["status"] == "retired"


def test_registry_refusals_are_said_in_both_languages(es_client, es_settings: Settings) -> None:
    """The CLI and the desk show these texts as they are; they were Vietnamese only."""
    add_claim(es_client, es_settings, NEW, by="cli:admin")
    with pytest.raises(RegistryError) as taken:
        add_claim(es_client, es_settings, NEW, by="cli:other")
    assert str(taken.value) == (
        f"mã tin đồn {NEW.id!r} đã có trong danh mục (không dùng lại mã) / "
        f"claim id {NEW.id!r} is already in the registry (ids are never reused)"
    )
    with pytest.raises(RegistryError) as unknown:
        retire_claim(es_client, es_settings, "khong-co", by="cli:admin")
    assert str(unknown.value) == "không có tin đồn 'khong-co' trong danh mục / no claim 'khong-co' in the registry"
    with pytest.raises(RegistryError) as state:
        approve_claim(es_client, es_settings, NEW.id, by="cli:admin")
    assert str(state.value) == (
        f"tin đồn {NEW.id!r} đang ở trạng thái 'đang dùng': không thể approve / claim {NEW.id!r} is active: cannot approve"
    )
    with pytest.raises(RegistryError) as renamed:
        approve_claim(es_client, es_settings, NEW.id, by="cli:admin", claim=NEW.model_copy(update={"id": "ma-khac"}))
    assert str(renamed.value) == "không đổi được mã tin đồn khi duyệt / a claim's id cannot change when it is approved"


def test_claims_are_validated_like_the_yaml() -> None:
    with pytest.raises(ValidationError, match="lower-case words"):
        Claim.model_validate({**NEW.model_dump(), "id": "Bad Id"})
    with pytest.raises(ValidationError):
        Claim.model_validate({**NEW.model_dump(), "debunked_by": []})
    # a term keeps its diacritics (lower case, NFC): they say which word is meant (nlp.claims)
    assert Claim.model_validate({**NEW.model_dump(), "key_terms": ["Khẩu Trang"]}).key_terms == ["khẩu trang"]
    assert Claim.model_validate({**NEW.model_dump(), "key_terms": ["Khau Trang"]}).key_terms == ["khau trang"]


def test_proposal_is_not_matched_until_approved(es_client, es_settings: Settings) -> None:
    seed(es_client, es_settings, shipped_claims(es_settings)[:1])
    add_claim(es_client, es_settings, NEW, by="reviewer1", origin="desk", status=ClaimStatus.PROPOSED)
    assert NEW.id not in {c.id for c in active_claims(es_client, es_settings)}
    approve_claim(es_client, es_settings, NEW.id, by="admin1")
    assert NEW.id in {c.id for c in active_claims(es_client, es_settings)}
    assert [h.action for h in claim_history(es_client, es_settings, NEW.id)] == ["propose", "approve"]


def test_a_correction_recorded_twice_is_kept_once(es_client, es_settings: Settings) -> None:
    add_claim(es_client, es_settings, NEW, by="cli:admin")
    when = datetime(2021, 8, 9, 8, 0, tzinfo=UTC)
    for _ in range(2):
        record_correction(
            es_client,
            es_settings,
            NEW.id,
            url="https://sonduong.example/cai-chinh",
            channel=Channel.PORTAL,
            published_at=when,
            by="admin",
        )
    record = get_claim(es_client, es_settings, NEW.id)
    assert record is not None and len(record.corrections) == 1
    assert record.first_correction() is not None and record.first_correction().published_at == when  # type: ignore[union-attr]


def test_a_run_reads_the_index_and_falls_back_to_the_yaml(es_client, es_settings: Settings) -> None:
    fresh = run_claims(es_settings)  # a fresh node: the YAML is seeded, then read back
    assert fresh.origin == "index" and fresh.note is None
    assert len(fresh.claims) == len(shipped_claims(es_settings))
    add_claim(es_client, es_settings, NEW, by="cli:admin")
    assert NEW in run_claims(es_settings).claims  # picked up by the next run, no release
    assert len(all_claims(es_client, es_settings)) == len(fresh.claims) + 1

    down = Settings(es_url="http://127.0.0.1:9", es_index_prefix=es_settings.es_index_prefix)
    fallback = run_claims(down)
    assert fallback.origin == "file" and "Elasticsearch không trả lời" in (fallback.note or "")
    assert fallback.claims == shipped_claims(es_settings)
