"""Fixtures of the attack tests: seeded items, three accounts, the desk served over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.flows.review import seed
from tests.flows.review.live import serve_in_thread
from tests.security.desk import add_accounts, cli_env


@pytest.fixture
def loaded(es_client, es_settings) -> dict[str, str]:
    """The review tests' standard day of items, indexed into the real node."""
    return seed.load(es_client, es_settings, seed.standard_items())


@pytest.fixture
def accounts(es_settings):
    """lan (reviewer), an (analyst), quan (admin)."""
    return add_accounts(es_settings)


@pytest.fixture
def desk(es_settings, es_client, accounts) -> Iterator[str]:
    """The review desk (``create_app``) under uvicorn on 127.0.0.1; its base URL."""
    from flows.review.app import create_app

    with serve_in_thread(create_app(es_settings, client=es_client, users=accounts)) as url:
        yield url


@pytest.fixture
def env(es_settings) -> dict[str, str]:
    """Environment for the CLI commands a test runs: its data dir, node and index prefix."""
    return cli_env(es_settings)
