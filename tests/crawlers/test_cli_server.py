"""The CLI commands (crawl, extract, ingest) and the fixture server's special routes."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from fixture_site.generate import SITE
from fixture_site.server import serve_fixture_site
from flows.cli import app
from tinradar.ids import news_id
from tinradar.schema import Document


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TINRADAR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TINRADAR_AUTHOR_SALT", "cli-salt")
    monkeypatch.setenv("TINRADAR_AUTOTHROTTLE", "false")
    monkeypatch.setenv("COLUMNS", "400")  # the summary table on one line per source
    return tmp_path


def test_cli_crawl_one_source(env: Path) -> None:
    out = env / "out.jsonl"
    with serve_fixture_site() as base:
        result = CliRunner().invoke(
            app,
            [
                "crawl",
                "--sources-file",
                str(SITE / "sources.yaml"),
                "--base-url",
                base,
                "--source",
                "tinsoc24h",
                "--source",
                "tg-suckhoecongdong",
                "--since",
                "2021-01-01",
                "--out",
                str(out),
            ],
        )
    assert result.exit_code == 0, result.output
    docs = [Document.model_validate_json(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(docs) == 3 + 5
    # skips in words, the code beside each for whoever greps (it was "off_topic=1")
    assert "tinsoc24h" in result.output and "không liên quan COVID-19 (off_topic): 1" in result.output


def test_cli_crawl_unknown_source(env: Path) -> None:
    result = CliRunner().invoke(app, ["crawl", "--source", "khong-co", "--out", str(env / "x.jsonl")])
    assert result.exit_code == 2
    said = " ".join(result.output.split())
    assert "--source/-s khong-co: không có nguồn này / no such source id" in said and "known ids: " in said


def test_cli_extract_file(env: Path) -> None:
    page = SITE / "tinnhanh/suc-khoe/song-5g-khong-lay-lan-virus.html"
    result = CliRunner().invoke(app, ["extract", str(page), "--url", "http://127.0.0.1/x.html"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["id"] == news_id("https://tinnhanh.example/suc-khoe/song-5g-khong-lay-lan-virus.html")
    assert doc["title"] == "Sóng 5G không làm lây lan virus corona"
    assert doc["published_at"] == "2021-08-19T19:20:00+07:00"


def test_cli_extract_missing_file(env: Path) -> None:
    result = CliRunner().invoke(app, ["extract", str(env / "nope.html")])
    assert result.exit_code == 2 and "no such file" in result.output


def test_cli_ingest(env: Path) -> None:
    out = env / "fb.jsonl"
    result = CliRunner().invoke(app, ["ingest", str(SITE / "exports/facebook_posts.csv"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 12
    assert "Phùng Văn Khải" not in "".join(lines)
    bad = CliRunner().invoke(app, ["ingest", str(env / "missing.csv")])
    assert bad.exit_code != 0


def test_server_routes() -> None:
    with serve_fixture_site(slow_seconds=0.2, huge_bytes=50_000) as base, httpx.Client(base_url=base) as client:
        feed = client.get("/tinnhanh/rss/suc-khoe.rss")
        assert (
            feed.status_code == 200 and f"{base}/tinnhanh/suc-khoe/" in feed.text and "fixture.local" not in feed.text
        )
        assert (
            client.get("/tinnhanh/rss/suc-khoe.rss", headers={"If-None-Match": feed.headers["ETag"]}).status_code == 304
        )
        assert (
            client.get(
                "/tinnhanh/rss/suc-khoe.rss", headers={"If-Modified-Since": feed.headers["Last-Modified"]}
            ).status_code
            == 304
        )
        assert client.get("/status/404").status_code == 404
        assert client.get("/status/500").status_code == 500
        assert client.get("/nowhere.html").status_code == 404
        assert client.get("/../../etc/passwd").status_code == 404
        assert client.get("/loop/a").headers["Location"] == "/loop/b"
        assert len(client.get("/huge/x.html").content) > 50_000
        assert client.get("/slow/x.html").status_code == 200
        assert "Disallow: /tinnhanh/private/" in client.get("/robots.txt").text
        assert client.get("/tg/s/tinnongtuyenquang").status_code == 200
