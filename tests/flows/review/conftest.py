# TEMPORARY (not committed): stands in for the lead's tests/conftest.py fixtures.
import uuid

import pytest
from elasticsearch import Elasticsearch

from tinradar.settings import Settings


@pytest.fixture
def es_settings(tmp_path):
    prefix = f"t-{uuid.uuid4().hex[:10]}"
    s = Settings(es_url="http://127.0.0.1:40925", es_index_prefix=prefix, data_dir=tmp_path / "data")
    yield s
    c = Elasticsearch(s.es_url)
    c.options(ignore_status=404).indices.delete(index=f"{prefix}-*", expand_wildcards="all")
    c.options(ignore_status=404).indices.delete_index_template(name=f"{prefix}-*")


@pytest.fixture
def es_client(es_settings):
    c = Elasticsearch(**es_settings.es_client_kwargs())
    yield c
    c.close()
