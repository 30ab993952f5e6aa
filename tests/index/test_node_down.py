"""Elasticsearch stops in the middle of a run: retried, dead-lettered, nothing lost, replay completes.

This test starts and stops its OWN node (separate data dir and port), never the shared
session node that other tests use.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from index.client import ElasticsearchUnavailable, connect
from index.indexer import Indexer
from index.node import LocalNode, NodeError, free_port
from index.templates import alias_name, ensure_templates
from tests.index.items import make_item
from tinradar.schema import ScoredItem
from tinradar.settings import Settings

TOTAL, CHUNK = 120, 40


@pytest.fixture
def own_node(tmp_path) -> Iterator[tuple[LocalNode, Settings]]:
    settings = Settings(data_dir=tmp_path / "data", es_index_prefix="downtest", es_heap="256m")
    node = LocalNode(settings, port=free_port())
    try:
        status = node.start()
    except NodeError as exc:
        pytest.skip(f"cannot start a second local node here: {exc}")
    try:
        yield node, settings.model_copy(update={"es_url": status.url})
    finally:
        node.stop()
        shutil.rmtree(node.node_dir, ignore_errors=True)


def test_node_stopped_mid_run_then_replay(own_node):
    node, settings = own_node
    client = connect(settings)
    ensure_templates(client, settings)
    indexer = Indexer(client, settings, chunk_size=CHUNK, max_retries=2, initial_backoff=0.05, max_backoff=0.2)

    def items() -> Iterator[ScoredItem]:
        for i in range(TOTAL):
            if i == CHUNK:  # the first chunk is in; now the cluster goes away
                node.stop()
            yield make_item(i)

    stats = indexer.index(items())
    assert stats.indexed == CHUNK
    assert stats.failed == TOTAL - CHUNK and stats.dead_lettered == TOTAL - CHUNK
    assert stats.errors and stats.errors[0].status == "ConnectionError"
    assert indexer.deadletters.count() == TOTAL - CHUNK

    # Still down: a new run cannot even connect, and says so.
    with pytest.raises(ElasticsearchUnavailable):
        connect(settings)

    node.start()
    client = connect(settings)
    replayed = Indexer(client, settings).replay()
    assert replayed.indexed == TOTAL - CHUNK and replayed.failed == 0
    assert Indexer(client, settings).deadletters.count() == 0
    client.indices.refresh(index=alias_name(settings))
    assert client.count(index=alias_name(settings))["count"] == TOTAL
