"""``tinradar index rejected``: the items Elasticsearch refused for good, listed, then sent again
with ``--retry`` once their cause is fixed. On the real node: a monthly index created with a wrong
mapping (the cause, fixed by deleting it so the template makes it again), a value no mapping takes
(refused again), a blocked index (a failure that may pass: a dead letter)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from flows.cli import app
from index.deadletter import DeadLetterBox, letter_for
from index.indexer import Indexer
from index.node import free_port
from index.templates import alias_name, ensure_templates, template_body, template_name
from tests.index.items import make_item
from tinradar.schema import CueSpan


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["index", "rejected", *args])
    assert "Traceback" not in result.stderr, result.stderr
    return result.exit_code, result.stdout, " ".join(result.stderr.split())


def _copies(es_client, settings, doc_id: str) -> list[dict]:
    es_client.indices.refresh(index=alias_name(settings))
    resp = es_client.search(index=alias_name(settings), query={"ids": {"values": [doc_id]}})
    return resp["hits"]["hits"]


def test_nothing_rejected_is_said_and_exit_0(env):
    assert _run() == (0, "", "Không có mục nào bị từ chối hẳn / nothing rejected.")
    assert _run("--json") == (0, "", "Không có mục nào bị từ chối hẳn / nothing rejected.")
    box = DeadLetterBox(env)
    box.rejected_path.parent.mkdir(parents=True)
    box.rejected_path.write_text("\n", encoding="utf-8")  # an empty file is nothing rejected too
    code, _, said = _run("--retry")
    assert code == 0 and "nothing rejected" in said, said
    assert _run("--retry", "--json")[0] == 2


def test_list_then_retry_after_the_cause_is_fixed(env, es_client):
    settings = env
    ensure_templates(es_client, settings)
    indexer = Indexer(es_client, settings, max_retries=1, initial_backoff=0.01)
    reviewed = make_item(4, risk=0.2)
    assert indexer.index([reviewed]).indexed == 1
    [hit] = _copies(es_client, settings, reviewed.document.id)
    verdict = {"status": "confirmed_false", "by": "lan", "at": "2021-08-11T09:00:00+00:00", "note": "đã kiểm chứng"}
    es_client.update(index=hit["_index"], id=hit["_id"], doc={"review": verdict}, refresh=True)
    # The cause: September's index made under an older template that had no `cues` (mappings are strict).
    older = template_body()
    del older["mappings"]["properties"]["cues"]
    es_client.indices.delete_index_template(name=template_name(settings))
    es_client.indices.create(
        index=f"{settings.es_index_prefix}-docs-2021.09",
        settings=older["settings"],
        mappings=older["mappings"],
        aliases={alias_name(settings): {}},
    )
    fixed_later = make_item(1, risk=0.9, published_at="2021-09-03T08:00:00+07:00")  # has cues
    assert fixed_later.analysis.cues
    # A cue weight past a `float` (validation takes any double; the mapping's float is finite, so
    # 1e300 is refused): no fix helps. (A keyword over Lucene's 32,766 bytes served here before
    # keywords had `ignore_above`, a cue offset past a `long` before the schema bounded offsets.)
    never = make_item(2)
    never.analysis.cue_spans = [CueSpan(kind="claim", label="x", text="x", start=0, end=1, weight=1e300)]
    stats = indexer.index([fixed_later, never])
    assert (stats.indexed, stats.rejected, stats.dead_lettered) == (0, 2, 0), stats.errors
    box = indexer.deadletters
    # A re-analysis of item 4 refused by an older run.
    box.reject([letter_for(make_item(4, risk=0.9), "document_parsing_exception: an older mapping", 400)])
    # July is blocked when the retry comes: a failure that may pass.
    blocked = f"{settings.es_index_prefix}-docs-2021.07"
    es_client.indices.create(index=blocked, settings=older["settings"], mappings=older["mappings"])
    es_client.indices.put_settings(index=blocked, settings={"index.blocks.write": True})
    july = make_item(3, published_at="2021-07-20T08:00:00+07:00")
    box.reject([letter_for(july, "mapper_parsing_exception: an older mapping", 400, attempts=2)])
    with box.rejected_path.open("a", encoding="utf-8") as fh:
        fh.write('{"id": "cut-off", "reason": \n')

    code, stdout, said = _run()
    assert code == 1, said  # the unreadable line is said, and makes it non-zero
    assert stdout == ""
    assert (
        "4 mục bị từ chối hẳn" in said and "document_parsing_exception" in said and "mapper_parsing_exception" in said
    )
    for n in (1, 2, 3, 4):
        assert f"doc-0000000{n}" in said
    assert "1 dòng không đọc được / unreadable lines" in said and "tinradar index rejected --retry" in said

    code, stdout, said = _run("--json")
    assert code == 1 and "unreadable" in said
    rows = [json.loads(line) for line in stdout.splitlines()]
    assert {r["id"] for r in rows} == {f"doc-0000000{n}" for n in (1, 2, 3, 4)}
    assert all(set(r) == {"id", "status", "reason", "at", "attempts"} for r in rows)  # no item bodies
    before = {r["id"]: r for r in rows}
    assert before["doc-00000001"]["status"] == 400 and "strict" in before["doc-00000001"]["reason"]
    assert (
        before["doc-00000002"]["status"] == 400
        and "[cue_spans.weight] of type [float]" in before["doc-00000002"]["reason"]
    )

    code, _, said = _run("--retry")  # ensures the template first: September's index gets `cues` (the fix)
    assert code == 1, said  # item 2 refused again, item 3 waits: each named
    assert "retried 4 mục bị từ chối" in said  # the listing's 4 items, not the file's 5 lines
    assert "doc-00000002" in said and "doc-00000003" in said
    assert "1 mục vẫn bị từ chối / refused again" in said and "1 mục trong hàng chờ lỗi / dead-lettered" in said
    assert "still rejected: 1 · chờ gửi lại / pending: 1" in said
    assert "1 dòng không đọc được, để riêng" in said
    # Indexed: gone from the file, one copy in the index.
    assert len(_copies(es_client, settings, "doc-00000001")) == 1
    # The re-analysis went in; the verdict did not move.
    [hit] = _copies(es_client, settings, "doc-00000004")
    assert hit["_source"]["review"] == verdict and hit["_source"]["risk_level"] == "high"
    # Refused again: back in the rejected file, one attempt more, the new reason.
    [again] = [json.loads(line) for line in box.rejected_path.read_text(encoding="utf-8").splitlines()]
    assert again["id"] == "doc-00000002" and again["attempts"] == before["doc-00000002"]["attempts"] + 1
    assert again["at"] > before["doc-00000002"]["at"] and "[cue_spans.weight] of type [float]" in again["reason"]
    assert again["item"]["document"]["text"] == never.document.text  # still whole
    # Temporary failure: a dead letter, pending for `index replay`, its attempts counted on.
    [waiting] = [letter for letter, _ in DeadLetterBox.read(box.pending_files())]
    assert waiting is not None and waiting.id == "doc-00000003" and waiting.attempts == 3
    assert box.rejected_files() == [box.rejected_path]  # the retried copy is gone
    assert (box.dir / f"{box.path.stem}.unreadable.jsonl").read_text(
        encoding="utf-8"
    ) == '{"id": "cut-off", "reason": \n'

    # An interrupted retry (the file moved aside, nothing sent) is listed and picked up by the next one.
    moved = box.take_rejected()
    assert [p.name for p in moved] != [box.rejected_path.name] and not box.rejected_path.exists()
    # ... and item 2's letter written once more beside it (a retry that wrote it back, then stopped
    # before it deleted its copy): two letters, one item.
    box.reject([letter_for(never, again["reason"], 400, attempts=again["attempts"])])
    code, stdout, _ = _run("--json")
    assert code == 0 and [json.loads(line)["id"] for line in stdout.splitlines()] == ["doc-00000002"]
    assert box.rejected() == 1
    replayed = CliRunner().invoke(app, ["index", "replay"])
    assert "rejected for good (not pending): 1 in" in " ".join(replayed.stderr.split()), replayed.stderr
    code, _, said = _run("--retry")
    assert code == 1 and "retried 1 mục" in said and "still rejected: 1" in said, said
    assert box.rejected_files() == [box.rejected_path]
    [again2] = [json.loads(line) for line in box.rejected_path.read_text(encoding="utf-8").splitlines()]
    assert again2["attempts"] == again["attempts"] + 1
    # Re-running never duplicated anything.
    for n in (1, 4):
        assert len(_copies(es_client, settings, f"doc-0000000{n}")) == 1


def test_retry_with_elasticsearch_down_leaves_the_file(env, monkeypatch):
    box = DeadLetterBox(env)
    box.reject([letter_for(make_item(1), "document_parsing_exception: x", 400)])
    kept = box.rejected_path.read_bytes()
    monkeypatch.setenv("TINRADAR_ES_URL", f"http://127.0.0.1:{free_port()}")
    code, _, said = _run("--retry")
    assert code == 3 and "cannot reach Elasticsearch" in said, said
    assert box.rejected_files() == [box.rejected_path] and box.rejected_path.read_bytes() == kept
