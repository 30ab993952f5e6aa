"""An item Elasticsearch refuses for what it is (a mapping error, too large) is rejected once
and kept aside, not replayed and counted pending forever; transient failures stay dead letters.
On the real node: a blocked index for the transient failure, the node's own refusals for the rest."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from flows.cli import app
from index.deadletter import DeadLetterBox, letter_for
from index.indexer import MAX_BULK_BYTES, Indexer
from index.templates import ensure_templates
from tests.index.items import make_item
from tinradar.schema import CueSpan


def _replay() -> tuple[int, str]:
    result = CliRunner().invoke(app, ["index", "replay"])
    assert "Traceback" not in result.stderr, result.stderr
    return result.exit_code, " ".join(result.stderr.split())


def test_refused_for_good_is_rejected_once_and_transient_stays_pending(env, es_client):
    settings = env
    ensure_templates(es_client, settings)
    blocked = f"{settings.es_index_prefix}-docs-2021.07"
    es_client.indices.create(index=blocked)
    es_client.indices.put_settings(index=blocked, settings={"index.blocks.write": True})
    items = [make_item(i) for i in range(5)]
    # A cue weight of 1e300: validation takes it, the mapping's float does not (400). (A count of
    # 10**20 forced past the schema served here; its letter no longer reads back as an item.)
    items[2].analysis.cue_spans = [CueSpan(kind="claim", label="x", text="x", start=0, end=1, weight=1e300)]
    items.append(make_item(50, published_at="2021-07-20T08:00:00+07:00"))  # the blocked month: transient
    indexer = Indexer(es_client, settings, max_retries=1, initial_backoff=0.01)
    stats = indexer.index(items)
    assert (stats.indexed, stats.failed, stats.dead_lettered, stats.rejected) == (4, 2, 1, 1)
    box = indexer.deadletters
    assert box.count() == 1 and box.rejected() == 1
    [kept] = [json.loads(line) for line in box.rejected_path.read_text(encoding="utf-8").splitlines()]
    assert kept["id"] == "doc-00000002" and kept["status"] == 400 and "cue_spans.weight" in kept["reason"]
    assert kept["item"]["document"]["text"] == items[2].document.text  # kept whole

    # A 12 MB item dead-lettered before rejections existed (429: refused alone, over the bulk limit).
    big = make_item(60, text=("Tin đồn vắc xin gây vô sinh. " * 500_000)[: 12 * 1024 * 1024])
    assert len(big.document.text.encode("utf-8")) > MAX_BULK_BYTES
    DeadLetterBox(settings).write([letter_for(big, "es_rejected_execution_exception: rejected execution", 429)])
    assert box.count() == 2

    code, said = _replay()  # the index still blocked: the transient letter waits, the big one is rejected
    assert code == 1, said
    assert "1 mục bị Elasticsearch từ chối hẳn" in said and "refused for good" in said
    assert str(box.rejected_path) in said
    assert "still pending: 1" in said and "rejected for good (not pending): 2" in said
    assert box.count() == 1 and box.rejected() == 2
    reasons = [json.loads(line)["reason"] for line in box.rejected_path.read_text(encoding="utf-8").splitlines()]
    assert "over the bulk limit" in reasons[1]

    code, said = _replay()  # said once: the rejected ones are not sent again
    assert code == 1 and "refused for good (a mapping error" not in said, said
    assert "still pending: 1" in said and "rejected for good (not pending): 2" in said
    assert box.rejected() == 2

    es_client.indices.put_settings(index=blocked, settings={"index.blocks.write": False})
    code, said = _replay()
    assert code == 0, said
    assert "still pending: 0" in said and "rejected for good (not pending): 2" in said
    code, said = _replay()
    assert code == 0 and "nothing to replay" in said and "rejected for good (not pending): 2" in said
    # The same item refused again (loaded once more) and a damaged line: still two items, the line said apart.
    box.reject([letter_for(items[2], "document_parsing_exception: again", 400)])
    with box.rejected_path.open("a", encoding="utf-8") as fh:
        fh.write('{"id": "cut-off", "reason": \n')
    code, said = _replay()
    assert code == 0 and "rejected for good (not pending): 2" in said, said
    assert f"1 dòng không đọc được / unreadable lines in {box.rejected_path}" in said
    assert box.rejected() == 2
