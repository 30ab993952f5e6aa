"""``tinradar claims rematch``: indexed items are matched again against the registry, verdicts kept (real node, real analyser)."""

from __future__ import annotations

from typer.testing import CliRunner

from flows.cli import app
from index.claims import add_claim, get_claim
from index.indexer import Indexer
from index.review import get_item
from index.templates import alias_name, ensure_templates
from tests.index.items import make_item
from tests.nlp.test_analyzer_registry import NEW, TEXT
from tinradar.settings import Settings


def test_rematch_matches_a_new_claim_and_keeps_verdicts(es_client, es_settings: Settings, monkeypatch) -> None:
    settings = es_settings.model_copy(update={"encoder": "off"})
    ensure_templates(es_client, settings)
    items = [
        make_item(1, TEXT, risk=0.5, kind="social", published_at="2021-08-05T09:00:00+07:00"),
        make_item(2, TEXT + " Thật đáng sợ.", risk=0.5, kind="social", published_at="2021-08-06T09:00:00+07:00"),
        make_item(3, "Huyện tổ chức tiêm vắc xin cho người cao tuổi.", published_at="2021-08-06T10:00:00+07:00"),
        make_item(4, TEXT, risk=0.5, kind="social", published_at="2021-07-01T09:00:00+07:00"),  # before --since
    ]
    Indexer(es_client, settings).index(items)
    es_client.update(
        index=alias_name(settings) + "-2021.08",
        id="doc-00000001",
        doc={"review": {"status": "confirmed_false", "by": "lan", "at": "2021-08-05T10:00:00+07:00", "note": "đã xem"}},
        refresh=True,
    )
    for key, value in {
        "TINRADAR_ES_URL": settings.es_url,
        "TINRADAR_ES_INDEX_PREFIX": settings.es_index_prefix,
        "TINRADAR_DATA_DIR": str(settings.data_dir),
        "TINRADAR_ENCODER": "off",
    }.items():
        monkeypatch.setenv(key, value)
    add_claim(es_client, settings, NEW, by="cli:admin")  # the registry index now exists (seeded by the run below)
    assert get_claim(es_client, settings, NEW.id) is not None

    result = CliRunner().invoke(app, ["claims", "rematch", "--since", "2021-08-01"])
    assert result.exit_code == 0, result.output
    assert f"khớp mới: {NEW.id} (2)" in result.stderr and "Đã đối chiếu lại 3 bài" in result.stderr
    said = " ".join(result.stderr.split())
    assert "/ re-matched 3 items (registry: index);" in said and f"newly matched: {NEW.id} (2)" in said

    first = get_item(es_client, settings, "doc-00000001")
    assert first is not None and first.doc.claim_ids[:1] == [NEW.id]
    assert (first.review.status.value, first.review.by, first.review.note) == ("confirmed_false", "lan", "đã xem")
    july = get_item(es_client, settings, "doc-00000004")
    assert july is not None and july.doc.claim_ids == []  # outside the window: untouched
    other = get_item(es_client, settings, "doc-00000003")
    assert other is not None and NEW.id not in other.doc.claim_ids
