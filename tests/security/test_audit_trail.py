"""Attacks on the audit trail: a verdict that leaves no record, records that vanish or change.

* The audit record was written *after* the verdict, separately: when that write failed
  (audit index read-only, full, or down), the verdict stood and the trail missed it.
* Nothing tied the records together: deleting or editing one (anyone with write access to
  the index can, and the local node even allows wildcard deletes) left no trace.

Now the record is written first (no record, no verdict), each record carries the hash of
the one before (``index/audit_chain.py``), and ``tinradar review audit verify`` checks the
chain, and that every verdict on the documents has its record.
"""

from __future__ import annotations

from typer.testing import CliRunner

from flows.cli import app as cli
from index import review as store
from tests.flows.review import seed
from tests.security.desk import Visitor
from tinradar.schema import ReviewStatus


def _verify(env: dict[str, str], *args: str):
    return CliRunner().invoke(cli, ["review", "audit", "verify", *args], env=env)


def _three_verdicts(es_client, es_settings, loaded) -> None:
    for key, status in (
        ("hi1", ReviewStatus.CONFIRMED_FALSE),
        ("mid1", ReviewStatus.MISLEADING),
        ("mid2", ReviewStatus.ACCURATE),
    ):
        item = store.get_item(es_client, es_settings, loaded[key])
        assert seed.decide_seen(es_client, es_settings, item, status, by="lan").applied


def _records(es_client, es_settings) -> list[dict]:
    audit = store.audit_index(es_settings)
    es_client.indices.refresh(index=audit)
    hits = es_client.search(index=audit, size=100, sort=[{"seq": {"order": "asc", "unmapped_type": "long"}}])
    return [{"_id": h["_id"], **h["_source"]} for h in hits["hits"]["hits"]]


def test_no_verdict_without_its_audit_record(desk, loaded, es_client, es_settings):
    store.ensure_audit_index(es_client, es_settings)
    audit = store.audit_index(es_settings)
    es_client.indices.put_settings(index=audit, settings={"index.blocks.write": True})  # the trail cannot be written
    try:
        with Visitor(desk) as lan:
            assert lan.login("lan").status_code == 303
            form = lan.form(f"/item/{loaded['hi1']}", "decide-form", status="confirmed_false")
            refused = lan.post(f"/item/{loaded['hi1']}/decide", data=form)
            assert refused.status_code in (502, 503) and "chưa được lưu" in refused.text, refused.text[:500]
    finally:
        es_client.indices.put_settings(index=audit, settings={"index.blocks.write": False})
    assert store.get_item(es_client, es_settings, loaded["hi1"]).review.status is ReviewStatus.NEW


def test_an_intact_trail_verifies(loaded, es_client, es_settings, env):
    _three_verdicts(es_client, es_settings, loaded)
    result = _verify(env)
    assert result.exit_code == 0, result.output
    assert "3 bản ghi" in result.output and "nguyên vẹn" in result.output


def test_a_deleted_record_is_detected(loaded, es_client, es_settings, env):
    _three_verdicts(es_client, es_settings, loaded)
    middle = _records(es_client, es_settings)[1]
    es_client.delete(index=store.audit_index(es_settings), id=middle["_id"], refresh=True)
    result = _verify(env)
    assert result.exit_code == 1, result.output
    assert f"#{middle['seq']}" in result.output and "thiếu" in result.output


def test_an_edited_record_is_detected(loaded, es_client, es_settings, env):
    _three_verdicts(es_client, es_settings, loaded)
    first = _records(es_client, es_settings)[0]
    forged = {k: v for k, v in first.items() if k != "_id"} | {"by": "an"}  # blame someone else
    es_client.index(index=store.audit_index(es_settings), id=first["_id"], document=forged, refresh=True)
    result = _verify(env)
    assert result.exit_code == 1, result.output
    assert f"#{first['seq']}" in result.output and "bị sửa" in result.output


def test_a_cut_off_tail_is_detected_against_a_noted_head(loaded, es_client, es_settings, env):
    _three_verdicts(es_client, es_settings, loaded)
    stale = store.get_item(es_client, es_settings, loaded["hi1"]).model_copy(update={"seq_no": 0})
    assert seed.decide_seen(es_client, es_settings, stale, ReviewStatus.ACCURATE, by="minh").conflict  # record #4
    noted = _verify(env)
    head = next(line.split("--head ", 1)[1].split()[0] for line in noted.output.splitlines() if "--head " in line)
    assert head.startswith("4:")
    last = _records(es_client, es_settings)[-1]
    es_client.delete(index=store.audit_index(es_settings), id=last["_id"], refresh=True)
    assert _verify(env).exit_code == 0, "without a noted head, a shorter chain still looks whole"
    result = _verify(env, "--head", head)
    assert result.exit_code == 1 and "#4" in result.output, result.output


def test_a_verdict_written_around_the_desk_is_detected(loaded, es_client, es_settings, env):
    _three_verdicts(es_client, es_settings, loaded)
    item = store.get_item(es_client, es_settings, loaded["hi2"])
    es_client.update(
        index=item.index,
        id=item.id,
        doc={"review": {"status": "accurate", "by": "lan", "at": "2021-08-21T01:00:00+00:00"}},
        refresh=True,
    )
    result = _verify(env)
    assert result.exit_code == 1, result.output
    assert loaded["hi2"] in result.output and "không có bản ghi" in result.output
