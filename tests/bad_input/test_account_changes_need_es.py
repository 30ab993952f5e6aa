"""``tinradar users add|remove`` is all or nothing: with Elasticsearch unreachable no account
changes (exit 3, what to do said), where it used to change the account with no audit record."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.review.users import UserStore
from index import review as store
from tinradar.settings import Settings

PASSWORD = "mat-khau-dai-du-1"
OTHER = "mat-khau-dai-du-2"


def _closed_port() -> str:
    """The URL of a local port nothing listens on (bound, then let go)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def env(es_settings: Settings) -> dict[str, str]:
    return {
        "TINRADAR_DATA_DIR": str(es_settings.data_dir),
        "TINRADAR_ES_URL": es_settings.es_url,
        "TINRADAR_ES_INDEX_PREFIX": es_settings.es_index_prefix,
    }


def _users(env: dict[str, str], *args: str, password: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["users", *args], input=f"{password}\n" if password else None, env=env)
    assert "Traceback" not in result.stderr, result.stderr
    return result.exit_code, " ".join(result.stderr.split())


def _account_records(es_client, es_settings: Settings) -> list[tuple[str, str]]:
    audit = store.audit_index(es_settings)
    es_client.indices.refresh(index=audit)
    hits = es_client.search(index=audit, query={"term": {"kind": "account"}}, sort=[{"seq": "asc"}], size=50)
    return [(h["_source"]["action"], h["_source"]["account"]) for h in hits["hits"]["hits"]]


def test_no_account_changes_without_its_audit_record(env, es_settings, es_client) -> None:
    users = UserStore.for_settings(es_settings)
    # The good path, on the real node: each change and its record.
    code, said = _users(env, "add", "quan", "--role", "admin", "--password-stdin", password=PASSWORD)
    assert code == 0, said
    code, said = _users(env, "add", "lan", "--role", "reviewer", "--password-stdin", password=PASSWORD)
    assert code == 0, said
    assert "Đã tạo tài khoản lan (reviewer) trong " in said and "/ account lan (reviewer) added in " in said
    assert _account_records(es_client, es_settings) == [("add", "quan"), ("add", "lan")]
    accounts_file = Path(es_settings.data_dir) / "users.json"
    before = accounts_file.read_bytes()

    down = {**env, "TINRADAR_ES_URL": _closed_port()}
    for args, password in (
        (("add", "hoa", "--role", "admin", "--password-stdin"), PASSWORD),
        (("add", "lan", "--role", "admin", "--replace", "--password-stdin"), OTHER),
        (("remove", "lan"), None),
    ):
        code, said = _users(down, *args, password=password)
        assert code == 3, said
        assert "no audit record could be written, so no account was changed" in said
        assert "is unreachable" in said and "tinradar es start" in said
    assert accounts_file.read_bytes() == before
    assert users.get("hoa") is None
    lan = users.authenticate("lan", PASSWORD)
    assert lan is not None and lan.role.value == "reviewer"
    assert _account_records(es_client, es_settings) == [("add", "quan"), ("add", "lan")]

    # The usual checks still come first and keep their own codes, node or no node.
    code, said = _users(down, "add", "lan", "--role", "admin", "--password-stdin", password=OTHER)
    assert code == 2 and "đã có" in said
    code, said = _users(down, "remove", "nobody")
    assert code == 1

    # With the node back, the same removal goes through, recorded.
    code, said = _users(env, "remove", "lan")
    assert code == 0, said
    assert "Đã xóa tài khoản lan. / account lan removed." in said
    assert _account_records(es_client, es_settings)[-1] == ("remove", "lan")
