"""Attack: a CSRF token that is not ASCII, to make the check itself crash.

``hmac.compare_digest`` raises ``TypeError`` on ``str`` arguments holding non-ASCII
characters. A POST with such a token in the ``X-CSRF-Token`` header (or the form) got a
500 and a traceback in the log instead of the 403 every other bad token gets.
"""

from __future__ import annotations

import pytest

from index import review as store
from tests.security.desk import Visitor
from tinradar.schema import ReviewStatus


@pytest.mark.parametrize(
    "header",
    [
        "tôi-là-token".encode(),  # UTF-8 bytes
        "é".encode("latin-1") * 43,  # a Latin-1 byte
        bytes(range(0x80, 0xAB)),  # raw high bytes
    ],
    ids=["utf-8", "latin-1", "high-bytes"],
)
def test_non_ascii_csrf_header_is_refused_not_a_crash(desk, loaded, es_client, es_settings, header):
    with Visitor(desk) as lan:
        assert lan.login("lan").status_code == 303
        form = lan.form(f"/item/{loaded['hi1']}", "decide-form", status="confirmed_false")
        del form["csrf_token"]
        response = lan.post(f"/item/{loaded['hi1']}/decide", data=form, headers={"X-CSRF-Token": header})
        assert response.status_code == 403 and "CSRF" in response.text
    assert store.get_item(es_client, es_settings, loaded["hi1"]).review.status is ReviewStatus.NEW


def test_non_ascii_csrf_form_field_is_refused_not_a_crash(desk, loaded):
    with Visitor(desk) as lan:
        assert lan.login("lan").status_code == 303
        form = lan.form(f"/item/{loaded['hi1']}", "decide-form", status="accurate", csrf_token="mã-bảo-vệ-giả")
        response = lan.post(f"/item/{loaded['hi1']}/decide", data=form)
        assert response.status_code == 403 and "CSRF" in response.text


def test_the_right_token_still_works(desk, loaded):
    with Visitor(desk) as lan:
        assert lan.login("lan").status_code == 303
        form = lan.form(f"/item/{loaded['hi1']}", "decide-form", status="accurate")
        token = form.pop("csrf_token")
        assert lan.post(f"/item/{loaded['hi1']}/decide", data=form, headers={"X-CSRF-Token": token}).status_code == 303
