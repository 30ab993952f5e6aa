"""Shared fixtures: a real Elasticsearch node for the whole session, isolated per test.

No mocked Elasticsearch. ``es_node`` starts a real node (the same ``LocalNode`` that
``tinradar es start`` uses) on a free port, or uses ``TINRADAR_ES_URL`` when set.
Each test gets its own index prefix, so tests never see each other's documents.

Facts about the test node (integ-test zip): ``GET /`` answers 405, so use
``cluster.health()`` rather than ``ping()``/``info()``; there is no painless scripting
and only core analysis (standard/whitespace/keyword).
"""

from __future__ import annotations

import atexit
import logging
import os
import secrets
import shutil
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tinradar.settings import Settings

if TYPE_CHECKING:
    from index.node import LocalNode

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"

# The tests set the two secrets as a deployment must: the review desk refuses the public
# default session secret and the crawlers the public default author salt (the tests of
# those refusals pass the defaults explicitly). Child processes inherit them.
os.environ.setdefault("TINRADAR_REVIEW_SECRET", "test-" + secrets.token_urlsafe(48))
os.environ.setdefault("TINRADAR_AUTHOR_SALT", "tinradar-test-salt")


@pytest.fixture(autouse=True)
def _no_log_handler_keeps_a_closed_stream() -> Iterator[None]:
    """After each test, a log handler left writing to a stream that is closed now writes to stderr.

    Prefect sets its logging up once per process, at the first flow run, and its console handler
    keeps the ``sys.stderr`` of that moment: in a test, a ``CliRunner``'s stream, closed when the
    invocation ends. Every later log record then made a "--- Logging error --- Traceback" that
    landed in the next test's output and failed it (``test_claims_rematch`` before
    ``test_account_changes_need_es``: the order, not the code, decided). A real CLI process has
    one stderr for its whole life, so only the tests need this.
    """
    yield
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    for logger in loggers:
        for handler in getattr(logger, "handlers", ()):
            if isinstance(handler, logging.StreamHandler) and getattr(handler.stream, "closed", False):
                handler.stream = sys.__stderr__
                console = getattr(handler, "console", None)  # Prefect's ConsoleHandler prints through rich
                if console is not None:
                    console.file = sys.__stderr__


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` (datasets, real pages, the directive); tests that need it skip without it."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not present beside the repository")
    return SHARED


@pytest.fixture(scope="session")
def es_local_node() -> Iterator[LocalNode | None]:
    """The session's local node, or None when ``TINRADAR_ES_URL`` points at another one."""
    if os.environ.get("TINRADAR_ES_URL"):
        yield None
        return
    from index.node import LocalNode, free_port

    base = Path(tempfile.mkdtemp(prefix="tinradar-test-es-"))
    node = LocalNode(Settings(data_dir=base), port=free_port())
    atexit.register(node.stop)  # a killed session must not leave a node behind
    node.start()
    try:
        yield node
    finally:
        node.stop()
        shutil.rmtree(node.node_dir, ignore_errors=True)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def es_node(es_local_node: LocalNode | None) -> str:
    """URL of a real Elasticsearch node for the whole test session."""
    return es_local_node.url if es_local_node is not None else os.environ["TINRADAR_ES_URL"]


@pytest.fixture
def es_settings(es_node: str, tmp_path: Path) -> Iterator[Settings]:
    """Settings pointing at the session node, with a per-test index prefix and data dir."""
    prefix = f"t{uuid.uuid4().hex[:10]}"
    settings = Settings(es_url=es_node, es_index_prefix=prefix, data_dir=tmp_path / "data")
    yield settings
    from elasticsearch import Elasticsearch

    client = Elasticsearch(**settings.es_client_kwargs())
    try:
        client.options(ignore_status=404).indices.delete(index=f"{prefix}-*", expand_wildcards="all")
        client.options(ignore_status=404).indices.delete_index_template(name=f"{prefix}-*")
    finally:
        client.close()


@pytest.fixture
def es_client(es_settings: Settings) -> Iterator[object]:
    """An ``elasticsearch.Elasticsearch`` client for ``es_settings``."""
    from elasticsearch import Elasticsearch

    client = Elasticsearch(**es_settings.es_client_kwargs())
    yield client
    client.close()


@pytest.fixture
def local_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A fresh three-node local cluster (256m heap each) on free ports; stopped and removed after the test."""
    if os.environ.get("TINRADAR_ES_URL"):
        pytest.skip("TINRADAR_ES_URL is set: the local cluster tests start their own nodes")
    from index.errors import NodeError
    from index.node import LocalCluster, free_port

    base = tmp_path_factory.mktemp("es-cluster")
    cluster = LocalCluster(Settings(data_dir=base), nodes=3, port=free_port(), heap="256m")
    atexit.register(cluster.stop)
    try:
        cluster.start(timeout=400)
    except NodeError as exc:
        cluster.stop()
        cluster.remove()
        pytest.skip(f"cannot start a three-node local cluster here: {exc}")
    try:
        yield cluster
    finally:
        cluster.stop()
        cluster.remove()
        shutil.rmtree(base, ignore_errors=True)
