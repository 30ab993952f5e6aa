"""Connecting: a clear error when Elasticsearch is down, and never a secret in it."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from index.client import ElasticsearchUnavailable, connect, safe_url, scrub
from index.node import free_port
from tinradar.settings import Settings


def test_connect_to_the_node(es_settings):
    client = connect(es_settings)
    assert client.cluster.health()["status"] in ("green", "yellow")


def test_down_at_start_is_a_clear_error_without_secrets(tmp_path):
    port = free_port()  # nothing listens there
    settings = Settings(
        es_url=f"http://elastic:hunter2-pw@127.0.0.1:{port}",
        es_api_key=SecretStr("c2VjcmV0LWFwaS1rZXk="),
        data_dir=tmp_path,
    )
    with pytest.raises(ElasticsearchUnavailable) as info:
        connect(settings)
    message = str(info.value)
    assert f"127.0.0.1:{port}" in message and "Không kết nối được" in message
    assert "hunter2" not in message and "c2VjcmV0" not in message
    assert "tinradar es start" in info.value.hint
    assert "Chạy một nút cục bộ" in info.value.hint and "start a local node" in info.value.hint, "both languages"


def test_scrub_and_safe_url(tmp_path):
    settings = Settings(
        es_url="https://u:topsecret@es.example.org:9243/?x=1",
        es_password=SecretStr("pw-123456"),
        es_username="u",
        data_dir=tmp_path,
    )
    assert safe_url(settings.es_url) == "https://es.example.org:9243/"
    # The URL's credentials never stay in the settings (the explicit password wins), so no
    # message the client writes can carry them; the password it uses is scrubbed.
    assert "topsecret" not in settings.model_dump_json() and settings.es_url == "https://es.example.org:9243/?x=1"
    text = scrub(f"failed {settings.es_url} with pw-123456", settings)
    assert "pw-123456" not in text and "?x=1" not in text
    assert safe_url("https://u:topsecret@es.example.org:9243/?x=1") == "https://es.example.org:9243/"


def test_missing_ca_file_is_a_settings_error(tmp_path):
    settings = Settings(es_url="https://127.0.0.1:1", es_ca_certs=tmp_path / "nope.pem", data_dir=tmp_path)
    with pytest.raises(ElasticsearchUnavailable) as info:
        connect(settings)
    assert "TINRADAR_ES_CA_CERTS" in info.value.hint
    assert "chứng chỉ" in info.value.hint and "certificate" in info.value.hint, "both languages"
