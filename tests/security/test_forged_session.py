"""Attack: sign your own admin session with a secret that is public or guessable.

The session cookie is only as good as ``TINRADAR_REVIEW_SECRET``. Its development default
is in the source code, so a desk that runs with it (or with a short secret) lets anyone
write ``{"user": "quan", ...}``, sign it, and be admin. The documented HTTPS deployment
binds to 127.0.0.1 behind a proxy, so "refuse only off loopback" did not protect it.
"""

from __future__ import annotations

import time

import pytest
from pydantic import SecretStr

from tests.security.desk import Visitor, desk_env, forge_session, serve_cli
from tinradar.settings import DEV_REVIEW_SECRET


def _forged_admin(url: str, secret: str) -> int:
    """Status of the admin page for a cookie we signed ourselves."""
    cookie = forge_session(secret, {"user": "quan", "login_at": time.time(), "csrf": "x" * 43})
    with Visitor(url, cookies={"tinradar_review": cookie}) as attacker:
        return attacker.get("/admin/users").status_code


@pytest.mark.parametrize(
    ("secret", "args"),
    [
        (DEV_REVIEW_SECRET, ["--proxy"]),  # the documented HTTPS setup, secret forgotten
        (DEV_REVIEW_SECRET, []),  # loopback without the development flag
        ("short-but-not-default", ["--proxy"]),  # guessable: under 32 bytes
        (DEV_REVIEW_SECRET, ["--dev", "--proxy"]),  # the development flag does not open the desk to a proxy
        (DEV_REVIEW_SECRET, ["--dev", "--host", "0.0.0.0"]),  # ... nor to the network
    ],
)
def test_desk_refuses_to_start_with_a_weak_secret(es_settings, accounts, secret, args):
    env = desk_env(es_settings.model_copy(update={"review_secret": SecretStr(secret)}))
    with serve_cli(env, *args) as desk:
        if desk.listening:
            status = _forged_admin(desk.url, secret)
            pytest.fail(f"the desk started with a weak secret ({args}); a forged admin cookie got {status}")
        output = desk.output()
    assert desk.proc.returncode == 2, output
    assert "TINRADAR_REVIEW_SECRET" in output and "Traceback" not in output


def test_development_flag_serves_loopback_only(es_settings, accounts):
    """``--dev`` is the one way to use the default secret: on 127.0.0.1, without a proxy."""
    env = desk_env(es_settings.model_copy(update={"review_secret": SecretStr(DEV_REVIEW_SECRET)}))
    with serve_cli(env, "--dev") as desk:
        assert desk.listening, desk.output()
        with Visitor(desk.url) as visitor:
            assert visitor.get("/healthz").status_code == 200


def test_a_strong_secret_cannot_be_forged_with_the_default(es_settings, accounts):
    with serve_cli(desk_env(es_settings), "--proxy") as desk:
        assert desk.listening, desk.output()
        assert _forged_admin(desk.url, DEV_REVIEW_SECRET) == 303  # to the login page


def test_create_app_checks_the_secret_too(es_settings, es_client, accounts):
    """Code that builds the app itself (another server, a test) meets the same rule."""
    from flows.review.app import create_app
    from flows.review.deploy import UnsafeDeployment

    for weak in (DEV_REVIEW_SECRET, "x" * 31):
        settings = es_settings.model_copy(update={"review_secret": SecretStr(weak)})
        with pytest.raises(UnsafeDeployment, match="TINRADAR_REVIEW_SECRET"):
            create_app(settings, client=es_client, users=accounts)
        create_app(settings, client=es_client, users=accounts, dev=True)  # explicit development use
