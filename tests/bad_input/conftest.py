"""Shared pieces of the bad-input tests: the real CLI (typer's runner) and a user's messy files."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app

SALT = "bad-input-tests-salt-0123456789abcdef"

#: Two good posts that every messy file surrounds its bad line with.
GOOD = [
    {"id": "good-1", "text": "Nghe nói tối nay trực thăng phun thuốc khử trùng diệt virus, đóng cửa không ra đường."},
    {"id": "good-2", "text": "Huyện Sơn Dương tổ chức tiêm vắc xin mũi 1 cho người dân từ sáng nay."},
]


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def said(self) -> str:
        """stderr as one line of words (Rich may fold a long message)."""
        return " ".join(self.stderr.split())


def cli(*args: str) -> Run:
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.stderr, result.stderr
    return Run(result.exit_code, result.stdout, result.stderr)


def jsonl(*objs: object) -> bytes:
    return b"".join(json.dumps(o, ensure_ascii=False).encode("utf-8") + b"\n" for o in objs)


def ids(path: Path) -> list[object]:
    return [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder and the salt ingest needs; no Elasticsearch."""
    monkeypatch.setenv("TINRADAR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TINRADAR_AUTHOR_SALT", SALT)
    monkeypatch.setenv("TINRADAR_ENCODER", "off")
    return tmp_path


@pytest.fixture
def es_home(es_settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """``home`` plus the test's own index prefix on the session's real Elasticsearch node."""
    monkeypatch.setenv("TINRADAR_ES_URL", es_settings.es_url)
    monkeypatch.setenv("TINRADAR_ES_INDEX_PREFIX", es_settings.es_index_prefix)
    monkeypatch.setenv("TINRADAR_DATA_DIR", str(es_settings.data_dir))
    monkeypatch.setenv("TINRADAR_AUTHOR_SALT", SALT)
    monkeypatch.setenv("TINRADAR_ENCODER", "off")
    return tmp_path


def cp1258(text: str) -> bytes:
    """``text`` as Vietnamese Windows writes it: precomposed vowels, tone marks as combining characters."""
    import unicodedata

    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", ch)
        kept = unicodedata.normalize("NFC", base + "".join(m for m in marks if m not in tones))
        out += kept.encode("cp1258") + "".join(m for m in marks if m in tones).encode("cp1258")
    return out
