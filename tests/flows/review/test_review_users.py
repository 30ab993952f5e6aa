"""Accounts: argon2 hashes, authentication, the users file, and small security helpers."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher

from flows.review.presentation import local_time, safe_url
from flows.review.security import safe_next, session_expired
from flows.review.users import Role, UserError, UserStore


@pytest.fixture
def accounts(tmp_path) -> UserStore:
    return UserStore(tmp_path / "data" / "users.json")


def test_passwords_are_stored_as_argon2id_hashes(accounts):
    accounts.add("lan", "mat-khau-rat-dai", Role.REVIEWER)
    raw = accounts.path.read_text(encoding="utf-8")
    assert "mat-khau-rat-dai" not in raw
    stored = json.loads(raw)["users"][0]
    assert stored["password_hash"].startswith("$argon2id$")
    assert stat.S_IMODE(accounts.path.stat().st_mode) == 0o600


def test_authenticate(accounts):
    accounts.add("Lan", "mat-khau-rat-dai", Role.ANALYST)
    assert accounts.authenticate("lan", "mat-khau-rat-dai").role is Role.ANALYST
    assert accounts.authenticate(" LAN ", "mat-khau-rat-dai") is not None
    assert accounts.authenticate("lan", "mat-khau-rat-dai ") is None
    assert accounts.authenticate("lan", "") is None
    assert accounts.authenticate("khong-co", "mat-khau-rat-dai") is None


def test_rules_for_names_passwords_and_duplicates(accounts):
    for name in ("", "a", "Nguyễn Lan", "lan/../x", "-lan"):
        with pytest.raises(UserError):
            accounts.add(name, "mat-khau-rat-dai", Role.REVIEWER)
    with pytest.raises(UserError, match="ít nhất 8"):
        accounts.add("lan", "ngan", Role.REVIEWER)
    accounts.add("lan", "mat-khau-rat-dai", Role.REVIEWER)
    with pytest.raises(UserError, match="đã có"):
        accounts.add("lan", "mat-khau-khac-1", Role.ADMIN)
    accounts.add("lan", "mat-khau-khac-1", Role.ADMIN, replace=True)
    assert accounts.authenticate("lan", "mat-khau-rat-dai") is None
    assert accounts.authenticate("lan", "mat-khau-khac-1").role is Role.ADMIN
    assert accounts.remove("lan") and not accounts.remove("lan")


def test_weak_old_hash_is_upgraded_on_login(tmp_path):
    weak = UserStore(tmp_path / "users.json", PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))
    weak.add("lan", "mat-khau-rat-dai", Role.REVIEWER)
    old = weak.get("lan").password_hash
    strong = UserStore(tmp_path / "users.json")
    assert strong.authenticate("lan", "mat-khau-rat-dai") is not None
    new = strong.get("lan").password_hash
    assert new != old and not strong.hasher.check_needs_rehash(new)


def test_roles():
    assert Role.REVIEWER.can_decide and not Role.REVIEWER.can_manage
    assert not Role.ANALYST.can_decide and not Role.ANALYST.can_manage
    assert Role.ADMIN.can_decide and Role.ADMIN.can_manage


def test_session_expiry_rule():
    assert not session_expired({"login_at": 1000.0}, 1000.0 + 480 * 60, 480)
    assert session_expired({"login_at": 1000.0}, 1000.0 + 480 * 60 + 1, 480)
    assert session_expired({}, 1000.0, 480)
    assert session_expired({"login_at": "yesterday"}, 1000.0, 480)
    assert session_expired({"login_at": 5000.0}, 1000.0, 480)  # a login "from the future"


def test_safe_next_and_safe_url():
    assert safe_next("/?source=a&page=2") == "/?source=a&page=2"
    for bad in ("//evil.example", "https://evil.example/", "javascript:alert(1)", "evil", "/\\evil", None, ""):
        assert safe_next(bad) == "/"
    assert safe_url("https://baotuyenquang.com.vn/a") == "https://baotuyenquang.com.vn/a"
    for bad in ("javascript:alert(1)", "data:text/html,x", "//x", "", None):
        assert safe_url(bad) is None


def test_local_time_is_board_time():
    from zoneinfo import ZoneInfo

    assert local_time(datetime(2021, 8, 20, 17, 30, tzinfo=UTC), ZoneInfo("Asia/Ho_Chi_Minh")) == "00:30 21/08/2021"
    assert local_time(None, ZoneInfo("Asia/Ho_Chi_Minh")) == ""
