"""Text helpers, URL canonicalisation, pseudonyms and settings from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinradar.ids import canonical_url, pseudonymize
from tinradar.settings import Settings
from tinradar.text import clean_text, fold, has_vietnamese_diacritics, nfc


def test_fold_removes_tones_and_maps_d() -> None:
    assert fold("Tiêm vắc-xin ở ĐÀ NẴNG") == "tiem vac-xin o da nang"
    assert fold("Sơn Dương", lower=False) == "Son Duong"
    assert has_vietnamese_diacritics("phong tỏa") and not has_vietnamese_diacritics("phong toa")


def test_clean_text_keeps_paragraphs() -> None:
    assert clean_text("  a \u00a0 b\r\n\r\n\n c  ") == "a b\n\nc"
    assert nfc(None) == ""


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://WWW.Example.vn/tin/a.html#x", "https://example.vn/tin/a.html"),
        ("https://m.example.vn/tin/a.html/?utm_source=zalo&id=2&fbclid=1", "https://example.vn/tin/a.html?id=2"),
        ("https://example.vn/amp/tin/a.html", "https://example.vn/tin/a.html"),
        ("https://example.vn/tin/a.amp.html", "https://example.vn/tin/a.html"),
        ("https://example.vn/a?b=2&a=1", "https://example.vn/a?a=1&b=2"),
        ("http://127.0.0.1:8081/tin/", "https://127.0.0.1:8081/tin"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_pseudonym_is_salted_and_stable() -> None:
    a = pseudonymize("Nguyễn Văn A", "salt-1", "forum")
    assert a == pseudonymize("nguyễn văn a ", "salt-1", "forum")
    assert a != pseudonymize("Nguyễn Văn A", "salt-2", "forum")
    assert "Nguy" not in a
    with pytest.raises(ValueError):
        pseudonymize("x", "")


def test_settings_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TINRADAR_ES_URL", "https://es.example:9243")
    monkeypatch.setenv("TINRADAR_ES_API_KEY", "c2VjcmV0OmtleQ==")
    monkeypatch.setenv("TINRADAR_DATA_DIR", str(tmp_path))
    s = Settings()
    assert s.es_url == "https://es.example:9243" and s.data_dir == tmp_path
    assert "c2VjcmV0" not in repr(s) and "c2VjcmV0" not in str(s.model_dump())
    assert s.es_client_kwargs()["api_key"] == "c2VjcmV0OmtleQ=="
    assert s.timezone == "Asia/Ho_Chi_Minh"


def test_settings_from_config_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "tinradar.toml"
    config.write_text('es_url = "http://10.0.0.5:9200"\nlookback_days = 7\n', encoding="utf-8")
    monkeypatch.setenv("TINRADAR_CONFIG", str(config))
    monkeypatch.delenv("TINRADAR_ES_URL", raising=False)
    s = Settings()
    assert s.es_url == "http://10.0.0.5:9200" and s.lookback_days == 7
    monkeypatch.setenv("TINRADAR_LOOKBACK_DAYS", "2")
    assert Settings().lookback_days == 2  # env beats the file


def test_bad_timezone_is_rejected() -> None:
    with pytest.raises(ValueError):
        Settings(timezone="Mars/Olympus")


@pytest.mark.parametrize("where", ["missing", "folder"])
def test_a_config_file_that_is_not_there_is_an_error_not_ignored(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, where: str
) -> None:
    """Found by fuzzing: ``TINRADAR_CONFIG`` naming no file (or a folder) was skipped silently."""
    config = tmp_path / "tinradar.toml"
    if where == "folder":
        config.mkdir()
    monkeypatch.setenv("TINRADAR_CONFIG", str(config))
    with pytest.raises(ValueError, match="TINRADAR_CONFIG="):
        Settings()
