"""Fixtures of the index tests that more than one file needs."""

from __future__ import annotations

import pytest

from tinradar.settings import Settings


@pytest.fixture
def env(es_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The CLI pointed at this test's node, index prefix and data folder (through its environment)."""
    monkeypatch.setenv("TINRADAR_ES_URL", es_settings.es_url)
    monkeypatch.setenv("TINRADAR_ES_INDEX_PREFIX", es_settings.es_index_prefix)
    monkeypatch.setenv("TINRADAR_DATA_DIR", str(es_settings.data_dir))
    return es_settings
