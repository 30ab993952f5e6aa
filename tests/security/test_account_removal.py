"""Attack: lock the board out of its own desk by removing the admins.

The desk refused "remove yourself" by comparing the raw form value with the session's
name, while removal normalises the name: ``QUAN`` (or `` quan``) removed ``quan``. And
nothing kept the last admin, from the desk or from ``tinradar users``: afterwards nobody
can manage accounts until someone edits files on the server.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from flows.cli import app as cli
from flows.review.users import Role
from tests.security.desk import Visitor, cli_env


@pytest.mark.parametrize("spelling", ["QUAN", " quan ", "Quan"])
def test_admin_cannot_remove_themself_by_another_spelling(desk, accounts, spelling):
    with Visitor(desk) as quan:
        assert quan.login("quan").status_code == 303
        form = {"csrf_token": quan.token("/admin/users"), "action": "remove", "name": spelling}
        refused = quan.post("/admin/users", data=form)
        assert refused.status_code == 400 and "Không thể tự xóa" in refused.text
        assert quan.get("/admin/users").status_code == 200
    assert accounts.get("quan") is not None


def test_last_admin_cannot_be_removed_or_demoted(es_settings, accounts):
    env = cli_env(es_settings)
    runner = CliRunner()
    removed = runner.invoke(cli, ["users", "remove", "quan"], env=env)
    assert removed.exit_code == 2 and "quản trị" in removed.output, removed.output
    demoted = runner.invoke(
        cli,
        ["users", "add", "quan", "--role", "reviewer", "--replace", "--password-stdin"],
        input="mk-moi-rat-dai\n",
        env=env,
    )
    assert demoted.exit_code == 2 and "quản trị" in demoted.output, demoted.output
    assert accounts.get("quan").role is Role.ADMIN
    # With a second admin, either may go.
    accounts.add("hoa", "mat-khau-hoa-5", Role.ADMIN)
    assert runner.invoke(cli, ["users", "remove", "quan"], env=env).exit_code == 0
    assert accounts.get("quan") is None


def test_desk_refuses_to_remove_the_last_admin(desk, accounts):
    accounts.add("hoa", "mat-khau-hoa-5", Role.ADMIN)
    with Visitor(desk) as hoa:
        assert hoa.login("hoa", "mat-khau-hoa-5").status_code == 303
        token = hoa.token("/admin/users")
        assert (
            hoa.post("/admin/users", data={"csrf_token": token, "action": "remove", "name": "quan"}).status_code == 303
        )
        # hoa is now the only admin; the desk would not let hoa remove hoa in any spelling either.
        last = hoa.post("/admin/users", data={"csrf_token": token, "action": "remove", "name": "HOA"})
        assert last.status_code == 400
    assert accounts.get("hoa").role is Role.ADMIN
