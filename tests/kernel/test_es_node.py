"""The local node: a real Elasticsearch answers, reports its version, and start is idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from index.node import LocalNode, NodeError, find_java, java_major, port_free
from tinradar.settings import Settings


def test_session_node_is_a_real_elasticsearch_9(es_client: Elasticsearch) -> None:
    health = es_client.cluster.health()
    assert health["status"] in ("green", "yellow")
    nodes = es_client.nodes.info(node_id="_local")["nodes"]
    assert all(n["version"].startswith("9.") for n in nodes.values())


def test_java_is_found_and_recent() -> None:
    java = find_java(Settings())
    assert (java_major(java) or 0) >= 21


def test_missing_java_gives_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("index.node.JVM_DIRS", (tmp_path,))
    monkeypatch.delenv("ES_JAVA_HOME", raising=False)
    with pytest.raises(NodeError) as err:
        find_java(Settings(es_java_home=None))
    assert "No Java 21+" in str(err.value) and "TINRADAR_ES_JAVA_HOME" in err.value.hint


def test_busy_port_gives_a_clear_error(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert not port_free(port)
        node = LocalNode(Settings(data_dir=tmp_path), port=port)
        with pytest.raises(NodeError) as err:
            node.start()
        assert "already in use" in str(err.value) and "TINRADAR_ES_PORT" in err.value.hint


def test_start_twice_gives_one_node(es_local_node: LocalNode | None, tmp_path: Path) -> None:
    """A second start returns the running node; another node cannot take its port."""
    if es_local_node is None:
        pytest.skip("external node (TINRADAR_ES_URL): nothing local to start twice")
    first = es_local_node.status()
    again = es_local_node.start()
    assert again.running and again.pid == first.pid and again.url == first.url
    with pytest.raises(NodeError):
        LocalNode(Settings(data_dir=tmp_path), port=es_local_node.port).start()
