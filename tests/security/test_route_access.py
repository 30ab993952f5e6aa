"""Attack: every route of the desk, as an outsider, a reviewer and an analyst.

The routes are read from the app's own router, so a route added later without a rule
here fails ``test_every_route_has_a_rule`` until someone decides who may use it. Each
attempt goes over real HTTP to ``create_app`` under uvicorn, with the real account store
and Elasticsearch node:

* an outsider (no session): every GET goes to the login page; every POST is refused,
  without a CSRF token (403) and even with the token the login page hands out (303 to
  the login page);
* a reviewer: the admin routes answer 403, with the reviewer's valid CSRF token;
* an analyst: every route that writes answers 403;
* nothing the refused requests asked for happened (the item stays new, no claim approved,
  no account added).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from fastapi.routing import APIRoute

from index import review as store
from tests.security.desk import Visitor, hidden

#: Who may use each route: "public", "user" (any role), "decider" (reviewer, admin), "admin".
RULES = {
    ("GET", "/login"): "public",
    ("POST", "/login"): "public",
    ("POST", "/logout"): "user",
    ("GET", "/"): "user",
    ("GET", "/item/{doc_id}"): "user",
    ("GET", "/claims"): "user",
    ("GET", "/admin/users"): "admin",
    ("POST", "/admin/users"): "admin",
    ("POST", "/item/{doc_id}/claim"): "decider",
    ("POST", "/item/{doc_id}/decide"): "decider",
    ("POST", "/item/{doc_id}/tone"): "decider",
    ("POST", "/item/{doc_id}/claims"): "decider",
    ("POST", "/item/{doc_id}/propose"): "decider",
    ("POST", "/claims/{claim_id}/correction"): "decider",
    ("POST", "/claims/{claim_id}/approve"): "admin",
    ("POST", "/claims/{claim_id}/reject"): "admin",
    ("GET", "/healthz"): "public",
}
#: Form fields that would make each write succeed if the role check were missing.
FORMS = {
    "/admin/users": {"action": "add", "name": "mallory", "password": "mat-khau-mallory-9", "role": "admin"},
    "/item/{doc_id}/decide": {"status": "false", "note": "x", "seq_no": "0", "primary_term": "1"},
    "/item/{doc_id}/claim": {"seq_no": "0", "primary_term": "1"},
    "/item/{doc_id}/tone": {"tone": "negative", "seq_no": "0", "primary_term": "1"},
    "/item/{doc_id}/claims": {"none": "1", "seq_no": "0", "primary_term": "1"},
    "/item/{doc_id}/propose": {"id": "mallory-claim", "claim": "x", "category": "vaccine", "correction": "y"},
    "/claims/{claim_id}/correction": {"url": "https://a.test/", "channel": "website", "published_at": "2021-09-01"},
}


def _app_routes(es_settings, es_client, accounts) -> set[tuple[str, str]]:
    from flows.review.app import create_app

    found: set[tuple[str, str]] = set()

    def walk(routes: list) -> None:
        for route in routes:
            included = getattr(route, "original_router", None)  # FastAPI's included routers (no prefixes here)
            if included is not None:
                walk(included.routes)
            elif isinstance(route, APIRoute):
                found.update((method, route.path) for method in route.methods)

    walk(create_app(es_settings, client=es_client, users=accounts).routes)
    return found


def test_every_route_has_a_rule(es_settings, es_client, accounts):
    assert _app_routes(es_settings, es_client, accounts) == set(RULES)


def _path(template: str, doc_id: str) -> str:
    return template.replace("{doc_id}", doc_id).replace("{claim_id}", "helicopter-disinfectant-spraying")


def _post(visitor: Visitor, path: str, template: str, token: str | None):
    form = dict(FORMS.get(template, {}))
    if token is not None:
        form["csrf_token"] = token
    return visitor.post(path, data=form)


def test_outsider_reaches_nothing(desk, loaded, es_client, es_settings, accounts):
    doc = loaded["hi1"]
    with Visitor(desk) as outsider:
        for (method, template), rule in RULES.items():
            if rule == "public":
                continue
            path = _path(template, doc)
            if method == "GET":
                response = outsider.get(path)
                assert response.status_code == 303, (path, response.status_code)
                assert urlsplit(response.headers["location"]).path == "/login"
                continue
            assert _post(outsider, path, template, None).status_code == 403, path
            token = hidden(outsider.get("/login").text)["csrf_token"]  # a session, but nobody's
            response = _post(outsider, path, template, token)
            assert response.status_code == 303 and urlsplit(response.headers["location"]).path == "/login", path
    assert store.get_item(es_client, es_settings, doc).review.status.value == "new"
    assert accounts.get("mallory") is None


@pytest.mark.parametrize(("name", "refused"), [("lan", {"admin"}), ("an", {"admin", "decider"})])
def test_a_role_cannot_use_the_routes_above_it(desk, loaded, es_client, es_settings, accounts, name, refused):
    doc = loaded["hi1"]
    with Visitor(desk) as person:
        assert person.login(name).status_code == 303
        for (method, template), rule in RULES.items():
            if rule not in refused:
                continue
            path = _path(template, doc)
            if method == "GET":
                assert person.get(path).status_code == 403, path
                continue
            token = person.token("/")
            response = _post(person, path, template, token)
            assert response.status_code == 403, (name, path, response.status_code)
    assert store.get_item(es_client, es_settings, doc).review.status.value == "new"
    assert accounts.get("mallory") is None


def test_static_files_do_not_climb_out(desk):
    """``/static`` is public (the login page needs the style sheet): no path reaches the code."""
    with Visitor(desk) as outsider:
        assert outsider.get("/static/style.css").status_code == 200
        for path in ("/static/..%2F..%2Fapp.py", "/static/%2e%2e/%2e%2e/app.py", "/static/..%5C..%5Capp.py"):
            response = outsider.get(path)
            assert response.status_code == 404 and "create_app" not in response.text, (path, response.status_code)
