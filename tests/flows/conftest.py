"""Flow tests run under ``prefect_test_harness``: a throwaway Prefect server and database.

Prefect's home is pointed at a temporary folder before Prefect is imported, so the
tests never touch ``~/.prefect``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="tinradar-prefect-test-"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")

import pytest


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One Prefect test server for the whole session (starting one costs ~10 s)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield
