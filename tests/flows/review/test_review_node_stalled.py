"""A node that stops answering (frozen, not gone): the desk says so, as it does for one that is down.

elasticsearch-py 9 (elastic_transport) raises ``ConnectionTimeout`` for a request that gets no
answer in time, and it is no longer a ``ConnectionError`` (it was one in elasticsearch-py 7):
the desk caught only ``ConnectionError``, so a stalled node gave a bare 500 instead of the
"cannot reach Elasticsearch" page, and the claim list did not fall back to the shipped file.

The node here is a real one of the test's own (never the shared session node), frozen with
SIGSTOP, the way a node stuck in garbage collection or swapped out looks from outside.
"""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient

from flows.review.app import ClaimsCache, create_app
from flows.review.users import Role, UserStore, users_file
from index.node import LocalNode, NodeError, free_port
from nlp.claims import load_claims
from tests.flows.review.test_review_web import FAST_HASHER, PASSWORDS, login
from tinradar.settings import Settings


@pytest.fixture(scope="module")
def own_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, int]]:
    """Settings for a node of our own (2-second request timeout), and its process id."""
    base = tmp_path_factory.mktemp("stalled")
    settings = Settings(data_dir=base / "data", es_index_prefix="stalled", es_heap="256m", es_request_timeout=2)
    node = LocalNode(settings, port=free_port())
    try:
        status = node.start()
    except NodeError as exc:
        pytest.skip(f"cannot start a second local node here: {exc}")
    assert status.pid is not None
    try:
        yield settings.model_copy(update={"es_url": status.url}), status.pid
    finally:
        node.stop()
        shutil.rmtree(node.node_dir, ignore_errors=True)


@pytest.fixture
def freeze(own_node: tuple[Settings, int]) -> Iterator[Callable[[], None]]:
    """Freezes the node (SIGSTOP) when called; it runs on (SIGCONT) after the test, whatever happened."""
    pid = own_node[1]
    yield lambda: os.kill(pid, signal.SIGSTOP)
    os.kill(pid, signal.SIGCONT)


@pytest.fixture
def frozen_node(own_node: tuple[Settings, int], freeze: Callable[[], None]) -> Settings:
    freeze()
    return own_node[0]


def _frozen_client(settings: Settings) -> Elasticsearch:
    return Elasticsearch(**settings.es_client_kwargs(), max_retries=0)


def test_a_stalled_node_gives_the_clear_page_not_a_500(frozen_node: Settings) -> None:
    users = UserStore(users_file(frozen_node), FAST_HASHER)
    users.add("lan", PASSWORDS["lan"], Role.REVIEWER)
    client = TestClient(create_app(frozen_node, client=_frozen_client(frozen_node), users=users))
    client.follow_redirects = False
    assert login(client, "lan").status_code == 303
    page = client.get("/")
    assert page.status_code == 503
    assert "Không kết nối được Elasticsearch" in page.text and "tinradar es start" in page.text


def test_claims_fall_back_to_the_shipped_file_when_the_registry_times_out(frozen_node: Settings) -> None:
    from index.claims import all_claims

    es = _frozen_client(frozen_node)
    cache = ClaimsCache(frozen_node.claims_file, lambda: {r.id: r.claim for r in all_claims(es, frozen_node)})
    claims = cache.get()
    assert claims and set(claims) == {c.id for c in load_claims(frozen_node.claims_file)}


def test_indexing_says_unreachable_when_the_node_stalls_after_connecting(
    own_node: tuple[Settings, int], freeze: Callable[[], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The flow's index task turns a stalled node into IndexUnavailable (retried; chunks kept), as a stopped one."""
    import index.client
    from flows.tasks import IndexUnavailable, index_chunks

    settings = own_node[0].model_copy(update={"data_dir": own_node[0].data_dir / "indexing"})
    real_connect = index.client.connect

    def connect_then_stall(*args: Any, **kwargs: Any) -> Elasticsearch:
        client = real_connect(*args, **kwargs)
        freeze()  # answered the health check, then stops answering: the next call times out
        return client.options(max_retries=0)

    monkeypatch.setattr(index.client, "connect", connect_then_stall)
    with pytest.raises(IndexUnavailable, match="unreachable at"):
        index_chunks.fn(settings, [])
