"""Attack: guess passwords and change accounts without leaving a trace.

Failed logins, throttle trips, and account creation and removal were logged nowhere:
an attacker could guess until the throttle stopped them, and an admin (or whoever holds
an admin session) could add themselves an account and remove it again, unseen. Now the
desk logs each (never a password) and chains every account change into the audit index,
before making it; the CLI records its changes too, and makes none it cannot record.
"""

from __future__ import annotations

import re

from typer.testing import CliRunner

from flows.cli import app as cli
from index import review as store
from tests.security.desk import BehindProxy, Visitor, cli_env, desk_env, serve_cli

GUESS = "doan-mat-khau-XYZ"
MISTYPED = "MatKhauGoNhamO-Ten-42"  # a password typed into the name box
NEW_PASSWORD = "mat-khau-hoa-rat-bi-mat"


def _account_records(es_client, es_settings) -> list[dict]:
    audit = store.audit_index(es_settings)
    es_client.indices.refresh(index=audit)
    hits = es_client.search(index=audit, query={"term": {"kind": "account"}}, sort=[{"seq": "asc"}], size=50)
    return [h["_source"] for h in hits["hits"]["hits"]]


def test_guesses_and_account_changes_leave_a_trace(es_settings, es_client, accounts):
    limit = es_settings.review_login_failures
    with serve_cli(desk_env(es_settings), "--proxy") as desk:
        assert desk.listening, desk.output()
        with BehindProxy(desk.url, client_address="203.0.113.66") as guesser:
            codes = [guesser.login("lan", f"{GUESS}-{n}").status_code for n in range(limit + 1)]
        assert codes[-1] == 429
        with BehindProxy(desk.url, client_address="198.51.100.5") as quan:
            assert quan.login("quan").status_code == 303
            token = quan.token("/admin/users")
            add = {"csrf_token": token, "action": "add", "name": "hoa", "password": NEW_PASSWORD, "role": "admin"}
            assert quan.post("/admin/users", data=add).status_code == 303
            remove = {"csrf_token": token, "action": "remove", "name": "hoa"}
            assert quan.post("/admin/users", data=remove).status_code == 303
        desk.proc.terminate()
        desk.proc.wait(timeout=15)
        log = desk.output()
    assert log.count("đăng nhập sai") >= limit and "'lan'" in log and "203.0.113.66" in log, log[-3000:]
    assert "chặn đăng nhập" in log
    assert "tạo tài khoản 'hoa'" in log and "xóa tài khoản 'hoa'" in log and "quan" in log
    assert GUESS not in log and NEW_PASSWORD not in log
    records = _account_records(es_client, es_settings)
    assert [(r["action"], r["account"], r["by"]) for r in records] == [
        ("add", "hoa", "quan"),
        ("remove", "hoa", "quan"),
    ]
    assert records[0]["account_role"] == "admin"
    assert NEW_PASSWORD not in str(records)


def test_a_password_typed_in_the_name_box_is_not_logged(es_settings, accounts):
    """A name that is no account is logged as a marker with a salted hash: the same name twice
    gives the same hash (a guesser's repeats still add up), another name another one."""
    with serve_cli(desk_env(es_settings)) as desk:
        assert desk.listening, desk.output()
        with Visitor(desk.url) as someone:
            codes = [someone.login(MISTYPED, GUESS).status_code for _ in range(2)]
            codes.append(someone.login("ten-khong-co", GUESS).status_code)
            codes.append(someone.login("LAN", GUESS).status_code)  # an account, typed in capitals
        desk.proc.terminate()
        desk.proc.wait(timeout=15)
        log = desk.output()
    assert codes == [401, 401, 401, 401]
    failed = [line for line in log.splitlines() if "đăng nhập sai" in line]
    assert len(failed) == 4, log[-3000:]
    assert MISTYPED not in log and "ten-khong-co" not in log and GUESS not in log
    hashes = [re.search(r"<unknown account (u_[0-9a-f]{12})>", line) for line in failed[:3]]
    assert all(hashes), failed
    first, again, other = (m.group(1) for m in hashes if m)
    assert first == again != other
    assert "tên 'lan' từ 127.0.0.1" in failed[3], failed[3]


def test_account_change_is_refused_when_it_cannot_be_recorded(desk, es_client, es_settings, accounts):
    store.ensure_audit_index(es_client, es_settings)
    audit = store.audit_index(es_settings)
    es_client.indices.put_settings(index=audit, settings={"index.blocks.write": True})
    try:
        with Visitor(desk) as quan:
            assert quan.login("quan").status_code == 303
            form = {"csrf_token": quan.token("/admin/users"), "action": "add", "name": "hoa", "password": NEW_PASSWORD}
            refused = quan.post("/admin/users", data={**form, "role": "admin"})
            assert refused.status_code == 503 and "chưa được lưu" in refused.text
    finally:
        es_client.indices.put_settings(index=audit, settings={"index.blocks.write": False})
    assert accounts.get("hoa") is None


def test_cli_account_changes_are_recorded(es_settings, es_client):
    env = cli_env(es_settings)
    runner = CliRunner()
    added = runner.invoke(
        cli, ["users", "add", "hoa", "--role", "analyst", "--password-stdin"], input=f"{NEW_PASSWORD}\n", env=env
    )
    assert added.exit_code == 0, added.output
    assert runner.invoke(cli, ["users", "remove", "hoa"], env=env).exit_code == 0
    records = _account_records(es_client, es_settings)
    assert [(r["action"], r["account"]) for r in records] == [("add", "hoa"), ("remove", "hoa")]
    assert all(r["by"].startswith("cli:") for r in records) and NEW_PASSWORD not in str(records)
