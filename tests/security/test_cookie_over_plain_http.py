"""Attack: read the session cookie off a plain-HTTP request.

Behind the documented HTTPS proxy (``--proxy``) the cookie still lacked ``Secure`` unless
someone also remembered ``TINRADAR_REVIEW_COOKIE_SECURE=true``: the browser then sends
it on any ``http://`` request to the same host (a typed address, a link, a downgrade on
hostile Wi-Fi), where it can be read and replayed.
"""

from __future__ import annotations

from tests.security.desk import BehindProxy, desk_env, serve_cli


def test_cookie_is_secure_whenever_the_desk_runs_behind_tls(es_settings, accounts):
    env = desk_env(es_settings)
    assert "TINRADAR_REVIEW_COOKIE_SECURE" not in env
    with serve_cli(env, "--proxy") as desk:
        assert desk.listening, desk.output()
        with BehindProxy(desk.url, client_address="203.0.113.20") as lan:
            assert lan.login("lan").status_code == 303
            assert lan.get("/").status_code == 200
            cookies = [c.lower() for c in lan.set_cookies if c.startswith("tinradar_review=")]
    assert cookies and all("; secure" in c and "httponly" in c for c in cookies), cookies
