"""Attack: keep using a stolen session cookie after its owner logged out or changed password.

The session is a signed cookie that lives up to ``review_session_minutes`` (8 h). Logging
out only cleared the cookie in the owner's browser; a copy (from a shared computer, a
proxy log, malware) stayed valid until it expired, and so did one taken before a password
reset or before the account was removed and made again.
"""

from __future__ import annotations

from typer.testing import CliRunner

from flows.cli import app as cli
from flows.review.users import Role
from tests.security.desk import Visitor, cli_env


def _stolen(owner: Visitor, desk: str) -> Visitor:
    """A second client holding a copy of the owner's session cookie."""
    thief = Visitor(desk)
    thief.http.cookies.set("tinradar_review", owner.http.cookies["tinradar_review"])
    assert thief.get("/").status_code == 200, "the copied cookie works while the owner is logged in"
    return thief


def test_logout_ends_a_copied_session(desk, loaded):
    with Visitor(desk) as lan, Visitor(desk) as lan_at_home:
        assert lan.login("lan").status_code == 303 and lan_at_home.login("lan").status_code == 303
        with _stolen(lan, desk) as thief:
            assert lan.post("/logout", data={"csrf_token": lan.token("/")}).status_code == 303
            assert thief.get("/").status_code == 303
            assert lan_at_home.get("/").status_code == 303, "logging out ends every session of the account"
        assert lan.login("lan").status_code == 303 and lan.get("/").status_code == 200


def test_password_reset_ends_a_copied_session(desk, loaded, es_settings):
    with Visitor(desk) as lan:
        assert lan.login("lan").status_code == 303
        with _stolen(lan, desk) as thief:
            reset = CliRunner().invoke(
                cli,
                ["users", "add", "lan", "--role", "reviewer", "--replace", "--password-stdin"],
                input="mat-khau-moi-dai\n",
                env=cli_env(es_settings),
            )
            assert reset.exit_code == 0, reset.output
            assert thief.get("/").status_code == 303
        assert lan.get("/").status_code == 303


def test_removed_and_recreated_account_does_not_revive_old_cookies(desk, loaded, accounts):
    with Visitor(desk) as lan:
        assert lan.login("lan").status_code == 303
        with _stolen(lan, desk) as thief:
            accounts.remove("lan")
            accounts.add("lan", "mat-khau-lan-moi", Role.REVIEWER)
            assert thief.get("/").status_code == 303
