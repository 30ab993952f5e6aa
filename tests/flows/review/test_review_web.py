"""The review desk over HTTP: login, expiry, roles, CSRF, decisions and conflicts (real node)."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from flows.review.app import create_app
from flows.review.users import Role, UserStore, users_file
from index import review as store
from tests.flows.review import seed
from tinradar.schema import ReviewStatus

#: Cheap argon2 parameters keep logins fast here; test_review_users checks the real ones.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PASSWORDS = {"lan": "mat-khau-lan-1", "an": "mat-khau-an-2", "quan": "mat-khau-quan-3"}
HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">')


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def users(es_settings) -> UserStore:
    accounts = UserStore(users_file(es_settings), FAST_HASHER)
    accounts.add("lan", PASSWORDS["lan"], Role.REVIEWER)
    accounts.add("an", PASSWORDS["an"], Role.ANALYST)
    accounts.add("quan", PASSWORDS["quan"], Role.ADMIN)
    return accounts


@pytest.fixture
def loaded(es_client, es_settings):
    return seed.load(es_client, es_settings, seed.standard_items())


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(es_settings, es_client, users, clock):
    return create_app(es_settings, client=es_client, users=users, clock=clock)


def browser(app) -> TestClient:
    return TestClient(app, follow_redirects=False)


def hidden(page: str, form_id: str | None = None) -> dict[str, str]:
    """Hidden inputs of a page (or of the form with that id)."""
    if form_id:
        page = page[page.index(f'id="{form_id}"') :]
        page = page[: page.index("</form>")]
    return {k: html.unescape(v) for k, v in HIDDEN.findall(page)}


def login(client: TestClient, name: str, password: str | None = None, next_path: str = "/"):
    token = hidden(client.get("/login").text)["csrf_token"]
    form = {"username": name, "password": password or PASSWORDS[name], "csrf_token": token, "next": next_path}
    return client.post("/login", data=form)


def decide_form(client: TestClient, doc_id: str, status: str, note: str = "") -> dict[str, str]:
    page = client.get(f"/item/{doc_id}")
    assert page.status_code == 200
    return {**hidden(page.text, "decide-form"), "status": status, "note": note}


def test_every_page_needs_login(app, loaded):
    client = browser(app)
    for path in ("/", f"/item/{loaded['hi1']}", "/admin/users"):
        response = client.get(path)
        assert response.status_code == 303
        assert urlsplit(response.headers["location"]).path == "/login"
    assert parse_qs(urlsplit(client.get("/?source=a").headers["location"]).query)["next"] == ["/?source=a"]
    assert client.get("/login").status_code == 200


def test_login_logout(app, loaded):
    client = browser(app)
    bad = login(client, "lan", "sai-mat-khau")
    assert bad.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu" in bad.text
    assert login(client, "nobody", "whatever-123").status_code == 401
    assert client.get("/").status_code == 303
    ok = login(client, "lan", next_path="/?status=all")
    assert ok.status_code == 303 and ok.headers["location"] == "/?status=all"
    queue = client.get("/")
    assert queue.status_code == 200 and "Tin cần xem xét" in queue.text
    assert "Trực thăng phun thuốc khử trùng tối nay" in queue.text
    out = client.post("/logout", data={"csrf_token": hidden(queue.text)["csrf_token"]})
    assert out.status_code == 303
    assert "Bạn đã đăng xuất (trên mọi máy đang dùng tài khoản này)." in client.get(out.headers["location"]).text
    assert client.get("/").status_code == 303


def test_repeated_wrong_passwords_make_that_name_wait(app, es_settings, clock):
    client = browser(app)
    limit = es_settings.review_login_failures
    assert all(login(client, "lan", f"sai-{n}").status_code == 401 for n in range(limit))
    refused = login(client, "lan")  # even the right password is not checked now
    assert refused.status_code == 429 and "Đăng nhập sai quá nhiều lần" in refused.text
    window = es_settings.review_login_window_minutes * 60
    assert int(refused.headers["retry-after"]) == window and f"{window // 60:g} phút" in refused.text
    assert login(client, "an").status_code == 303, "other names from the same address are not locked"
    clock.now += window + 1
    assert login(client, "lan").status_code == 303


def test_one_address_cannot_try_every_name(app, es_settings, clock):
    client = browser(app)
    names = [f"khach{n}" for n in range(es_settings.review_login_failures_per_address)]
    assert all(login(client, name, "doan-bua").status_code == 401 for name in names)
    assert login(client, "quan").status_code == 429
    clock.now += es_settings.review_login_window_minutes * 60 + 1
    assert login(client, "quan").status_code == 303


def test_login_never_redirects_off_site(app):
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        assert login(browser(app), "lan", next_path=target).headers["location"] == "/"


def test_cookie_flags(es_settings, es_client, users):
    plain = login(browser(create_app(es_settings, client=es_client, users=users)), "lan")
    cookie = plain.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    assert f"max-age={es_settings.review_session_minutes * 60}" in cookie
    secure_settings = es_settings.model_copy(update={"review_cookie_secure": True})
    secure_app = create_app(secure_settings, client=es_client, users=users)
    secure = login(TestClient(secure_app, base_url="https://testserver", follow_redirects=False), "lan")
    assert secure.status_code == 303
    assert "; secure" in secure.headers["set-cookie"].lower()


def test_session_expires(app, clock, loaded, es_settings):
    client = browser(app)
    login(client, "lan")
    clock.now += es_settings.review_session_minutes * 60 - 5
    assert client.get("/").status_code == 200
    clock.now += 10
    expired = client.get("/")
    assert expired.status_code == 303
    assert "expired=1" in expired.headers["location"]
    assert "hết hạn" in client.get(expired.headers["location"]).text
    clock.now += 1
    assert client.get("/").status_code == 303  # the session was cleared, not just refused once


def test_removed_account_loses_its_open_session(app, users, loaded):
    client = browser(app)
    login(client, "lan")
    assert client.get("/").status_code == 200
    users.remove("lan")
    assert client.get("/").status_code == 303


def test_post_without_or_with_wrong_csrf_token_is_rejected(app, es_client, es_settings, loaded):
    client = browser(app)
    token = hidden(client.get("/login").text)["csrf_token"]
    creds = {"username": "lan", "password": PASSWORDS["lan"]}
    assert client.post("/login", data=creds).status_code == 403
    assert client.post("/login", data={**creds, "csrf_token": token + "x"}).status_code == 403
    assert client.get("/").status_code == 303  # still logged out
    login(client, "lan")
    form = decide_form(client, loaded["hi1"], "confirmed_false")
    for bad in ("", "0" * 43, token):  # missing, wrong, and the pre-login token (rotated at login)
        response = client.post(f"/item/{loaded['hi1']}/decide", data={**form, "csrf_token": bad})
        assert response.status_code == 403 and "CSRF" in response.text
    assert store.get_item(es_client, es_settings, loaded["hi1"]).review.status is ReviewStatus.NEW
    other = browser(app)  # another person's valid session token does not work in this session
    login(other, "lan")
    foreign = hidden(other.get("/").text)["csrf_token"]
    assert client.post(f"/item/{loaded['hi1']}/decide", data={**form, "csrf_token": foreign}).status_code == 403


def test_analyst_reads_but_cannot_decide(app, es_client, es_settings, loaded):
    reviewer = browser(app)
    login(reviewer, "lan")
    form = decide_form(reviewer, loaded["hi1"], "accurate")
    analyst = browser(app)
    login(analyst, "an")
    page = analyst.get(f"/item/{loaded['hi1']}")
    assert page.status_code == 200
    assert 'id="decide-form"' not in page.text and 'id="read-only"' in page.text
    form["csrf_token"] = hidden(page.text)["csrf_token"]
    refused = analyst.post(f"/item/{loaded['hi1']}/decide", data=form)
    assert refused.status_code == 403 and "chỉ có quyền xem" in refused.text
    assert store.get_item(es_client, es_settings, loaded["hi1"]).review.status is ReviewStatus.NEW
    assert store.audit_trail(es_client, es_settings, loaded["hi1"]) == []
    assert analyst.get("/admin/users").status_code == 403


def test_reviewer_decides_and_item_leaves_queue(app, es_client, es_settings, loaded):
    client = browser(app)
    login(client, "lan")
    form = decide_form(client, loaded["hi1"], "confirmed_false", note="Đã xác minh với Công an huyện")
    form["back"] = "/?source=fb-page-a"
    done = client.post(f"/item/{loaded['hi1']}/decide", data=form)
    assert done.status_code == 303 and done.headers["location"] == "/?source=fb-page-a"
    queue = client.get(done.headers["location"])
    assert "Đã lưu" in queue.text
    assert f'data-id="{loaded["hi1"]}"' not in queue.text and f'data-id="{loaded["mid2"]}"' in queue.text
    item = store.get_item(es_client, es_settings, loaded["hi1"])
    assert (item.review.status, item.review.by, item.review.note) == (
        ReviewStatus.CONFIRMED_FALSE,
        "lan",
        "Đã xác minh với Công an huyện",
    )
    page = client.get(f"/item/{loaded['hi1']}").text
    assert "Lịch sử kết luận" in page and "Sai sự thật" in page


def test_second_reviewer_gets_the_conflict_message(app, users, es_client, es_settings, loaded):
    users.add("minh", "mat-khau-minh-4", Role.REVIEWER)
    first, second = browser(app), browser(app)
    login(first, "lan")
    login(second, "minh", "mat-khau-minh-4")
    form_1 = decide_form(first, loaded["hi2"], "misleading", note="một phần")
    form_2 = decide_form(second, loaded["hi2"], "accurate")
    assert first.post(f"/item/{loaded['hi2']}/decide", data=form_1).status_code == 303
    clash = second.post(f"/item/{loaded['hi2']}/decide", data=form_2)
    assert clash.status_code == 409
    assert "Chưa lưu" in clash.text and "«Gây hiểu lầm»" in clash.text and "<strong>lan</strong>" in clash.text
    assert "chưa được lưu" in clash.text
    item = store.get_item(es_client, es_settings, loaded["hi2"])
    assert (item.review.status, item.review.by) == (ReviewStatus.MISLEADING, "lan")
    # The conflict page carries the new version: a deliberate second decision now goes through.
    retry = {**hidden(clash.text, "decide-form"), "status": "accurate", "note": ""}
    assert second.post(f"/item/{loaded['hi2']}/decide", data=retry).status_code == 303
    assert store.get_item(es_client, es_settings, loaded["hi2"]).review.by == "minh"


def test_whole_cluster_decision(app, es_client, es_settings, loaded):
    client = browser(app)
    login(client, "lan")
    form = {**decide_form(client, loaded["hi1"], "confirmed_false"), "whole_cluster": "1"}
    done = client.post(f"/item/{loaded['hi1']}/decide", data=form)
    assert done.status_code == 303
    for key in ("hi1", "hi2", "hi3"):
        assert store.get_item(es_client, es_settings, loaded[key]).review.status is ReviewStatus.CONFIRMED_FALSE
    assert "Áp dụng thêm cho 2 bài cùng cụm" in client.get("/").text


def test_item_page_shows_markup_as_text(app, loaded):
    client = browser(app)
    login(client, "lan")
    page = client.get(f"/item/{loaded['xss']}")
    assert page.status_code == 200
    assert "<script>window.__pwned" not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;window.__pwned" in page.text and "&lt;img src=x onerror=" in page.text
    assert "script-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"


def test_queue_filters_and_uncertain_mode_over_http(app, loaded):
    client = browser(app)
    login(client, "an")
    rows = re.compile(r'<tr data-id="([0-9a-f]+)">')
    assert rows.findall(client.get("/?claim=hot-lemon-water-kills-virus").text) == [loaded["mid1"]]
    assert rows.findall(client.get("/?mode=uncertain").text)[0] == loaded["mid1"]
    assert rows.findall(client.get("/").text)[0] == loaded["hi1"]
    assert client.get("/?day=not-a-date&status=bogus&page=x").status_code == 200  # bad input ignored
    assert client.get("/item/does-not-exist").status_code == 404
    # a page past the last: the items exist, the page says so and links back (not "no item for this filter")
    past = client.get("/?page=99").text
    assert "Trang 99 không có bài nào: bộ lọc này chỉ có 1 trang." in past and 'href="/?page=1"' in past
    assert "trang 99/1" not in past and "Không có bài nào cần xem xét với bộ lọc này" not in past
    # the numbers explain themselves
    queue = client.get("/").text
    assert "Con số % dưới mức rủi ro là điểm máy ước lượng khả năng bài là tin đồn" in queue
    item = client.get(f"/item/{loaded['mid1']}").text
    assert "(máy ước lượng khả năng bài là tin đồn, không phải kết luận)" in item
    assert "Độ giống với câu tin đồn (máy so):" in item


def test_admin_manages_accounts(app, users, loaded):
    reviewer = browser(app)
    login(reviewer, "lan")
    assert reviewer.get("/admin/users").status_code == 403
    admin = browser(app)
    login(admin, "quan")
    token = hidden(admin.get("/admin/users").text)["csrf_token"]
    form = {"csrf_token": token, "action": "add", "name": "hoa", "password": "mat-khau-hoa-5", "role": "analyst"}
    assert admin.post("/admin/users", data=form).status_code == 303
    assert users.get("hoa").role is Role.ANALYST
    short = {**form, "name": "hung", "password": "ngan"}
    assert admin.post("/admin/users", data=short).status_code == 400
    assert admin.post("/admin/users", data={"csrf_token": token, "action": "remove", "name": "hoa"}).status_code == 303
    assert users.get("hoa") is None


def test_elasticsearch_down_gives_a_clear_page(es_settings, users):
    from elasticsearch import Elasticsearch

    down = Elasticsearch("http://127.0.0.1:9", request_timeout=2, max_retries=0)
    client = browser(create_app(es_settings, client=down, users=users))
    login(client, "lan")
    page = client.get("/")
    assert page.status_code == 503
    assert "Không kết nối được Elasticsearch" in page.text and "tinradar es start" in page.text


def test_decision_without_a_verdict_is_refused_with_a_message(app, es_client, es_settings, loaded):
    client = browser(app)
    login(client, "lan")
    form = decide_form(client, loaded["mid1"], "")
    response = client.post(f"/item/{loaded['mid1']}/decide", data=form)
    assert response.status_code == 400 and "Hãy chọn một kết luận" in response.text
    response = client.post(f"/item/{loaded['mid1']}/decide", data={**form, "status": "in_review"})
    assert response.status_code == 400
    assert store.get_item(es_client, es_settings, loaded["mid1"]).review.status is ReviewStatus.NEW


def test_cluster_links_and_filter(app, loaded):
    client = browser(app)
    login(client, "an")
    page = client.get(f"/item/{loaded['hi1']}").text
    assert 'href="/?cluster=c-heli&amp;status=all"' in page
    queue = client.get("/?cluster=c-heli&status=all").text
    assert re.findall(r'<tr data-id="([0-9a-f]+)">', queue) == [loaded["hi1"], loaded["hi2"], loaded["hi3"]]
    assert '<option value="c-heli" selected>' in queue


def test_a_clash_with_your_own_save_in_another_tab_is_not_called_a_colleagues(
    app, users, es_client, es_settings, loaded
):
    """Said "vừa được người khác quyết định" when the reviewer's own other tab had saved first."""
    lan = browser(app)
    login(lan, "lan")
    tab_1 = decide_form(lan, loaded["hi2"], "misleading")
    tab_2 = decide_form(lan, loaded["hi2"], "accurate")  # the same page open twice, one session
    assert lan.post(f"/item/{loaded['hi2']}/decide", data=tab_1).status_code == 303
    clash = lan.post(f"/item/{loaded['hi2']}/decide", data=tab_2)
    assert clash.status_code == 409
    assert "vừa được bạn quyết định ở một thẻ khác" in clash.text
    conflict = clash.text[
        clash.text.index('id="conflict"') : clash.text.index("</div>", clash.text.index('id="conflict"'))
    ]
    assert "Ở một thẻ hoặc cửa sổ khác, <strong>bạn</strong> đã ghi kết luận" in conflict
    assert "không ghi đè lên lần lưu đó" in conflict and "người khác" not in conflict
    assert store.get_item(es_client, es_settings, loaded["hi2"]).review.status is ReviewStatus.MISLEADING


def test_a_low_items_card_asks_why_it_sits_there_not_why_it_was_flagged(app, loaded):
    """A low item's card was headed "Vì sao bị gắn cờ" (why was this flagged): it was not flagged."""
    lan = browser(app)
    login(lan, "lan")
    low = lan.get(f"/item/{loaded['low1']}").text
    assert "<h2>Vì sao ở mức này</h2>" in low and "Vì sao bị gắn cờ" not in low
    assert "<h2>Vì sao bị gắn cờ</h2>" in lan.get(f"/item/{loaded['hi1']}").text


def test_claiming_an_item_marks_it_in_review(app, users, es_client, es_settings, loaded):
    users.add("minh", "mat-khau-minh-4", Role.REVIEWER)
    lan, minh, an = browser(app), browser(app), browser(app)
    login(lan, "lan")
    login(minh, "minh", "mat-khau-minh-4")
    login(an, "an")
    page_lan = lan.get(f"/item/{loaded['mid1']}").text
    page_minh = minh.get(f"/item/{loaded['mid1']}").text
    assert 'id="claim-form"' not in an.get(f"/item/{loaded['mid1']}").text
    claimed = lan.post(f"/item/{loaded['mid1']}/claim", data=hidden(page_lan, "claim-form"))
    assert claimed.status_code == 303
    item = store.get_item(es_client, es_settings, loaded["mid1"])
    assert (item.review.status, item.review.by) == (ReviewStatus.IN_REVIEW, "lan")
    queue = lan.get("/?status=in_review").text
    assert f'data-id="{loaded["mid1"]}"' in queue and "Đang xem xét" in queue
    assert f'data-id="{loaded["mid1"]}"' in lan.get("/").text  # still open: no verdict yet
    late = minh.post(f"/item/{loaded['mid1']}/claim", data=hidden(page_minh, "claim-form"))
    assert late.status_code == 409 and "<strong>lan</strong>" in late.text
    # lan claimed it, gave no verdict: said so, not "đã ghi kết luận «Đang xem xét»"
    assert "đã nhận xử lý bài này" in late.text and "(chưa có kết luận)" in late.text
    assert "đã ghi kết luận" not in late.text and "vừa được người khác cập nhật" in late.text
    refused = an.post(
        f"/item/{loaded['mid1']}/claim",
        data={**hidden(page_lan, "claim-form"), "csrf_token": hidden(an.get("/").text)["csrf_token"]},
    )
    assert refused.status_code == 403
    form = decide_form(lan, loaded["mid1"], "accurate")
    assert lan.post(f"/item/{loaded['mid1']}/decide", data=form).status_code == 303
    assert store.get_item(es_client, es_settings, loaded["mid1"]).review.status is ReviewStatus.ACCURATE


def test_error_pages_speak_vietnamese(app, loaded, monkeypatch):
    """The address bar after a refused form (GET /item/x/decide) showed "Method Not Allowed", and
    a bug "Internal Server Error": English, with no way forward."""
    client = browser(app)
    login(client, "lan")
    wrong_method = client.get(f"/item/{loaded['hi1']}/decide")
    assert wrong_method.status_code == 405
    assert "Địa chỉ này chỉ nhận biểu mẫu gửi từ trang" in wrong_method.text
    assert "Method Not Allowed" not in wrong_method.text
    # fault injection: nothing real makes the queue raise on purpose, so one call is made to fail
    from index import review as store

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(store, "queue", broken)
    crashed = TestClient(app, follow_redirects=False, raise_server_exceptions=False)
    login(crashed, "lan")
    page = crashed.get("/")
    assert page.status_code == 500 and "Có lỗi bất ngờ trong chương trình" in page.text
    assert "Internal Server Error" not in page.text and "boom" not in page.text and "Traceback" not in page.text


def test_not_found_page_keeps_the_header_for_a_logged_in_user(app, loaded):
    """An address no page answers (a mistyped link) showed the 404 without the header: no queue, no
    claims, no logout, though the reviewer was logged in. A stranger still sees no navigation."""
    client = browser(app)
    stranger = client.get("/khong-co-trang-nay")
    assert stranger.status_code == 404 and "Không tìm thấy" in stranger.text
    assert "<nav>" not in stranger.text
    login(client, "lan")
    for path in ("/khong-co-trang-nay", "/item/does-not-exist"):
        page = client.get(path)
        assert page.status_code == 404 and "Trang hoặc mục này không tồn tại" in page.text, path
        assert "<nav>" in page.text and 'href="/claims"' in page.text and "Đăng xuất" in page.text, path
        assert "lan · " in page.text, path
