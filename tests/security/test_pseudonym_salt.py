"""Attack: re-identify pseudonymised authors by hashing names with the public default salt.

``author_hash`` is an HMAC of the author's name with ``TINRADAR_AUTHOR_SALT``. Its default
is in the source code, and nothing checked it: anyone who can read the index, Kibana or
an export hashes a forum's user list with it and gets every author back (all 19 posts of
the fixture forum, before this fix). Crawling or importing social sources is now refused
with the default salt; the tests set their own (tests/conftest.py), the demo draws a
throwaway one per run.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest
import yaml
from pydantic import SecretStr
from typer.testing import CliRunner

from crawlers.runner import crawl
from fixture_site.server import serve_fixture_site
from flows.cli import app as cli
from flows.demo import demo_settings
from tinradar.ids import UnsafeSalt, pseudonymize
from tinradar.schema import Document
from tinradar.settings import DEV_AUTHOR_SALT, Settings
from tinradar.text import nfc

ROOT = Path(__file__).resolve().parents[2]
CONTENT = yaml.safe_load((ROOT / "fixtures/site/content.yaml").read_text(encoding="utf-8"))
FORUM_NAMES = {p["author"] for t in CONTENT["forum"]["threads"] for p in t["posts"]}
EXPORT = ROOT / "fixtures/site/exports/facebook_posts.csv"
FAST = {"DOWNLOAD_TIMEOUT": 15, "RETRY_TIMES": 0, "AUTOTHROTTLE_ENABLED": False}


def _attacker_hash(name: str, platform: str, salt: str = DEV_AUTHOR_SALT) -> str:
    """What anyone can compute: the published pseudonym scheme with the published salt."""
    message = f"{platform}\x1f{nfc(name).strip().lower()}".encode()
    return "u_" + hmac.new(salt.encode(), message, hashlib.sha256).hexdigest()[:24]


def _attacker_dictionary(platform: str, names: set[str]) -> dict[str, str]:
    assert _attacker_hash("Lan", platform, "x") == pseudonymize("Lan", "x", platform)  # the scheme is right
    return {_attacker_hash(n, platform): n for n in names}


def _crawl_forum(tmp_path: Path, salt: str) -> list[Document]:
    """The fixture site's forum, crawled the real way (Scrapy in a child process), every post."""
    settings = Settings(data_dir=tmp_path, author_salt=SecretStr(salt), autothrottle=False, lookback_days=0)
    out = tmp_path / "forum.jsonl"
    with serve_fixture_site() as base:
        site = {"sources_file": ROOT / "fixtures/site/sources.yaml", "variables": {"base_url": base}}
        crawl(settings, source_ids=["forum-phonui"], out_path=out, scrapy_settings=FAST, **site)
    return [Document.model_validate_json(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_forum_crawl_with_the_default_salt_is_refused(tmp_path):
    with pytest.raises(UnsafeSalt, match="TINRADAR_AUTHOR_SALT"):
        _crawl_forum(tmp_path, DEV_AUTHOR_SALT)
    assert not (tmp_path / "forum.jsonl").exists()


def test_with_a_salt_of_ones_own_the_dictionary_finds_nobody(tmp_path):
    docs = _crawl_forum(tmp_path, "bi-mat-cua-ban")
    hashes = {d.author_hash for d in docs if d.author_hash}
    assert len(hashes) > 5
    assert not hashes & set(_attacker_dictionary("forum", FORUM_NAMES))


def test_facebook_import_with_the_default_salt_is_refused(tmp_path):
    out = tmp_path / "fb.jsonl"
    result = CliRunner().invoke(
        cli, ["ingest", str(EXPORT), "--out", str(out)], env={"TINRADAR_AUTHOR_SALT": DEV_AUTHOR_SALT}
    )
    assert result.exit_code == 2, result.output
    assert "TINRADAR_AUTHOR_SALT" in result.output and "Traceback" not in result.output
    assert not out.exists() or out.read_text(encoding="utf-8") == ""


def test_no_pseudonym_is_ever_made_with_the_default_salt():
    """The one place every path goes through (spiders, imports, anything added later)."""
    with pytest.raises(UnsafeSalt):
        pseudonymize("Phạm Minh Đức", DEV_AUTHOR_SALT, "forum")


def test_the_demo_uses_a_throwaway_salt():
    default = Settings(author_salt=SecretStr(DEV_AUTHOR_SALT))
    first, second = demo_settings(default), demo_settings(default)
    salts = {s.author_salt.get_secret_value() for s in (first, second)}
    assert DEV_AUTHOR_SALT not in salts and len(salts) == 2
